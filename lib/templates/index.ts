export * from './ml-project-stack';
