export * from './security';
export * from './accelerators';
