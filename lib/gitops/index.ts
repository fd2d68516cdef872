export * from './argo-cd-capability';
