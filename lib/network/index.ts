export * from './project-network';
export * from './image-cache';
