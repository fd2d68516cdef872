export * from './security';
export * from './accelerators';
export * from './images';
export * from './warnings';
