// core (target-neutral)
export * from './core/validation-errors';
export * from './core/names';
export * from './core/identity';
export * from './core/accelerators';
// AWS capabilities
export * from './data/dataset-store';
export * from './data/dataset-version';
export * from './data/lustre-deployment-type';
export * from './data/lustre-file-system';
export * from './network/project-network';
export * from './project/ml-project';
export * from './registry/model-registry';
export * from './training/training-input';
export * from './training/sagemaker-training';
export * from './training/gpu-cluster';
export * from './training/hyperpod-instance-type';
export * from './training/hyperpod-cluster';
export * from './training/project';
export * from './templates/ml-project-stack';
// compliance (AWS)
export * from './compliance/index';
// Kubernetes capabilities
export * from './k8s/index';
