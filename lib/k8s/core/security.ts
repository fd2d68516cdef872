/**
 * Pod Security Admission labels for namespaces.
 */
export class PodSecurityLabels {
  /**
   * Labels that enforce (and warn and audit on) the `restricted` profile: pods must run as
   * non-root, drop all capabilities, use the runtime default seccomp profile and forbid
   * privilege escalation.
   */
  public static restricted(): Record<string, string> {
    return {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    };
  }
}
