/**
 * True for strings that carry an unresolved aws-cdk-lib token (`${Token[...]}`).
 * Values only known at deploy time cannot be checked at synth time.
 */
export function isUnresolvedString(value: string): boolean {
  return value.includes('${Token[') || value.includes('#{Token[');
}
