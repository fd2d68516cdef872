export * from './dataset-store';
export * from './dataset-version';
export * from './lustre-deployment-type';
export * from './lustre-file-system';
export * from './bucket-replication';
