import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ManagedPolicyGrantee } from '../../compliance/managed-policy-grantee';
import { InherentWildcard } from '../../private/iam';

// The Karpenter controller's permissions (Karpenter's getting-started CloudFormation template for
// v1, narrowed to one cluster's tags and this region), and why each wildcard among them is inherent.

export const KARPENTER_WILDCARDS: InherentWildcard[] = [
  { sid: 'KarpenterLaunchResources', reason: 'Instances, fleets, volumes and network interfaces get their ids at launch; the grant is limited by cluster and node pool tags.' },
  { sid: 'KarpenterLaunchFrom', reason: 'Karpenter chooses images, subnets, security groups, placement groups and capacity reservations (possibly shared from another account) at run time from the EC2NodeClass selectors.' },
  { sid: 'KarpenterLaunchTemplates', reason: 'Launch templates are created per node pool at run time; the grant requires the cluster and node pool tags.' },
  { sid: 'KarpenterTagOnCreate', reason: 'Tags are applied to resources as they are created; the grant requires the cluster tag and a create action.' },
  { sid: 'KarpenterTagNodes', reason: 'Nodes are tagged after launch; the grant requires the cluster and node pool tags.' },
  { sid: 'KarpenterDelete', reason: 'Nodes and launch templates are deleted by id chosen at run time; the grant requires the cluster and node pool tags.' },
  { sid: 'KarpenterRead', reason: 'EC2 Describe actions support no resource-level permission; limited to this region.' },
  { sid: 'KarpenterPricing', reason: 'pricing:GetProducts supports no resource-level permission, and the Pricing API is served from a few regions only.' },
  { sid: 'KarpenterAmiParameters', reason: 'Karpenter resolves EKS-optimized AMI ids from the public /aws/service SSM parameters.' },
  { sid: 'KarpenterInstanceProfileRead', reason: 'Karpenter looks up the instance profiles it may have created earlier (EC2NodeClass finalizers), whose names it chose at run time; read only, this account.' },
  { sid: 'KarpenterInstanceProfileList', reason: 'Karpenter finds instance profiles it created by listing; iam:ListInstanceProfiles supports no resource-level permission.' },
];

export function addKarpenterStatements(principal: ManagedPolicyGrantee, stack: Stack, clusterName: string, nodeRole: iam.IRole, queue: sqs.IQueue, clusterArn: string): void {
  const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
  const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${clusterName}`]: 'owned' };
  const requestOwned = { [`aws:RequestTag/kubernetes.io/cluster/${clusterName}`]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': clusterName };
  const add = (s: iam.PolicyStatementProps) => principal.addToPrincipalPolicy(new iam.PolicyStatement(s));
  add({
    sid: 'KarpenterLaunchFrom',
    actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
    resources: [
      stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' }),
      stack.formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' }),
      ec2Arn('security-group'), ec2Arn('subnet'), ec2Arn('placement-group'),
      // capacity reservations may be shared from another account
      stack.formatArn({ service: 'ec2', account: '*', resource: 'capacity-reservation', resourceName: '*' }),
    ],
  });
  add({
    sid: 'KarpenterLaunchTemplates',
    actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
    resources: [ec2Arn('launch-template')],
    conditions: { StringEquals: owned, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
  });
  add({
    sid: 'KarpenterLaunchResources',
    actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
    resources: ['fleet', 'instance', 'volume', 'network-interface', 'launch-template', 'spot-instances-request'].map(ec2Arn),
    conditions: { StringEquals: requestOwned, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } },
  });
  add({
    sid: 'KarpenterTagOnCreate',
    actions: ['ec2:CreateTags'],
    resources: ['fleet', 'instance', 'volume', 'network-interface', 'launch-template', 'spot-instances-request'].map(ec2Arn),
    conditions: {
      StringEquals: { ...requestOwned, 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] },
      StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
    },
  });
  add({
    sid: 'KarpenterTagNodes',
    actions: ['ec2:CreateTags'],
    resources: [ec2Arn('instance')],
    conditions: {
      StringEquals: owned,
      StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
    },
  });
  add({
    sid: 'KarpenterDelete',
    actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
    resources: [ec2Arn('instance'), ec2Arn('launch-template')],
    conditions: { StringEquals: owned, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
  });
  add({
    sid: 'KarpenterRead',
    actions: [
      'ec2:DescribeAvailabilityZones', 'ec2:DescribeCapacityReservations', 'ec2:DescribeImages', 'ec2:DescribeInstances',
      'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeInstanceTypes', 'ec2:DescribeLaunchTemplates',
      'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets', 'ec2:DescribePlacementGroups',
    ],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
  });
  add({
    // The Pricing API lives in a few regions only (us-east-1, eu-central-1, ap-south-1).
    sid: 'KarpenterPricing',
    actions: ['pricing:GetProducts'],
    resources: ['*'],
  });
  add({
    sid: 'KarpenterAmiParameters',
    actions: ['ssm:GetParameter'],
    resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'parameter', resourceName: 'aws/service/*' })],
  });
  add({
    sid: 'KarpenterInterruptionQueue',
    actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
    resources: [queue.queueArn],
  });
  add({
    sid: 'KarpenterPassNodeRole',
    actions: ['iam:PassRole'],
    resources: [nodeRole.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com'] } },
  });
  // The nodes' instance profile is created by the stack and named in the EC2NodeClass
  // (spec.instanceProfile), so Karpenter creates, tags and deletes none: IAM has no VPC endpoint.
  // Reading remains for clusters that reach IAM (EC2NodeClass finalizers and garbage collection
  // look for profiles Karpenter made; with settings.isolatedVPC, Karpenter 1.9+ makes no IAM call).
  add({
    sid: 'KarpenterInstanceProfileRead',
    actions: ['iam:GetInstanceProfile'],
    resources: [stack.formatArn({ service: 'iam', region: '', resource: 'instance-profile', resourceName: '*' })],
  });
  add({
    sid: 'KarpenterInstanceProfileList',
    actions: ['iam:ListInstanceProfiles'],
    resources: ['*'],
  });
  add({
    sid: 'KarpenterDescribeCluster',
    actions: ['eks:DescribeCluster'],
    resources: [clusterArn],
  });
}
