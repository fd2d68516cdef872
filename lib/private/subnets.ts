import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';

/**
 * The subnet ids `selection` picks from `vpc`, rejecting a selection that matches nothing or
 * includes public subnets: training instances, file systems and nodes stay private. @internal
 *
 * @param what what would be placed there, for the message ("HyperPod nodes")
 */
export function selectPrivateSubnets(scope: IConstruct, vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined, what: string): string[] {
  let selected: ec2.SelectedSubnets;
  try {
    selected = vpc.selectSubnets(selection);
  } catch (e) {
    // aws-cdk-lib throws when the VPC has no subnet group of the selected type.
    throw new ValidationError({
      code: 'invalid-subnet',
      scope,
      message: `The subnet selection matches no subnet of the VPC (${(e as Error).message}).`,
      received: selection ?? 'the default selection (private subnets)',
      fix: 'Select private subnets the VPC has, for example { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }.',
    });
  }
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  if (selected.subnetIds.length === 0 || selected.subnetIds.some((id) => publicIds.has(id))) {
    throw new ValidationError({
      code: 'invalid-subnet',
      scope,
      message: selected.subnetIds.length === 0 ? 'The subnet selection matches no subnet of the VPC.' : `${what} would be placed in public subnets.`,
      received: selected.subnetIds.length === 0 ? (selection ?? 'the default selection (private subnets)') : selected.subnetIds,
      fix: 'Select private subnets (PRIVATE_WITH_EGRESS, or PRIVATE_ISOLATED with VPC endpoints).',
    });
  }
  return selected.subnetIds;
}
