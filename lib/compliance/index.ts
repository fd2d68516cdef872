export * from './compliance-gate';
export * from './managed-policy-grantee';
