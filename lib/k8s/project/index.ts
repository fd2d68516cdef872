export * from './ml-project-chart';
