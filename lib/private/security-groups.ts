import { IConstruct } from 'constructs';
import { acknowledge } from './acknowledgments';

/** The packs' findings on rules that open common ports or all protocols, whatever the source. */
const RESTRICTED_COMMON_PORTS = [
  'NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedCommonPorts',
  'HIPAA.Security::HIPAA.Security-EC2RestrictedCommonPorts',
  'PCI.DSS.321::PCI.DSS.321-EC2RestrictedCommonPorts',
];

/**
 * Acknowledges the NIST 800-53, HIPAA and PCI DSS findings on `rule`, an ingress rule whose only
 * source is a security group (no address range is open), with `reason`. @internal
 */
export function acknowledgeGroupSourcedRule(rule: IConstruct, reason: string): void {
  acknowledge(rule, ...RESTRICTED_COMMON_PORTS.map((id) => ({ id, reason })));
}
