export * from './validation-errors';
export * from './names';
export * from './identity';
export * from './accelerators';
export * from './image-upstreams';
