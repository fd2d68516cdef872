export * from './core/index';
export * from './data/index';
export * from './project/index';
export * from './training/index';
export * from './templates/index';
export * from './gitops/index';
