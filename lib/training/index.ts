export * from './training-input';
export * from './sagemaker-training';
export * from './gpu-cluster';
export * from './hyperpod-instance-type';
export * from './hyperpod-cluster';
export * from './project';
export * from './hyperpod-scripts-source';
