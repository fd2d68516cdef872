// core (target-neutral)
export * from './core/validation-errors';
export * from './core/names';
export * from './core/identity';
export * from './core/accelerators';
// AWS capabilities
export * from './data/dataset-store';
export * from './data/dataset-version';
export * from './registry/model-registry';
export * from './training/training-network';
export * from './training/sagemaker-training';
export * from './training/gpu-cluster';
export * from './training/lustre-file-system';
export * from './training/hyperpod-cluster';
export * from './templates/project-training';
export * from './templates/ml-project-stack';
// compliance (AWS)
export * from './compliance/index';
// Kubernetes capabilities
export * from './k8s/core/security';
export * from './k8s/data/dataset-volume';
export * from './k8s/core/accelerators';
export * from './k8s/training/gpu-node-pool';
export * from './k8s/training/node-pool-options';
export * from './k8s/training/resource-flavor';
export * from './k8s/training/cluster-queue';
export * from './k8s/training/local-queue';
export * from './k8s/training/workload-priority-class';
export * from './k8s/training/torch-training-runtime';
export * from './k8s/training/training-job-options';
export * from './k8s/training/train-job';
export * from './k8s/training/indexed-training-job';
export * from './k8s/training/checkpoint-volume';
export * from './k8s/templates/ml-project-chart';
