export * from './ml-project';
