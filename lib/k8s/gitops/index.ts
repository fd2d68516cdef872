export * from './argo-cd-destination';
export * from './argo-cd-project';
export * from './argo-cd-application';
export * from './addon-versions';
export * from './cluster-gitops-chart';
