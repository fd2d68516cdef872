export * from './argo-cd-destination';
export * from './argo-cd-project';
export * from './argo-cd-application';
