/**
 * Pod Security Admission labels that enforce the `restricted` profile on a namespace: pods must
 * run as non-root, drop all capabilities, use the runtime default seccomp profile and forbid
 * privilege escalation.
 */
export const RESTRICTED_POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};
