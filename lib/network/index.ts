export * from './project-network';
