// Each capability's index.ts, nothing else (ARCHITECTURE.md, "Layout").
// core (target-neutral)
export * from './core/index';
// AWS capabilities
export * from './data/index';
export * from './network/index';
export * from './registry/index';
export * from './project/index';
export * from './training/index';
export * from './templates/index';
export * from './compliance/index';
export * from './gitops/index';
// Kubernetes capabilities
export * from './k8s/index';
