export * from './dataset-volume';
