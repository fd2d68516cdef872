import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { KMS_S3_READ_ACTIONS, listUnderPrefix } from '../../private/grants';
import { InherentWildcard } from '../../private/iam';
import { IDatasetStore } from '../../data/dataset-store';

/** An instance group's lifecycle scripts with every default applied. @internal */
export interface ResolvedLifecycleScripts {
  readonly datasets: IDatasetStore;
  readonly zone: string;
  readonly prefix: string;
  readonly onCreate: string;
}


/** CloudWatch namespace (and log group prefix) of HyperPod clusters. */
export const HYPERPOD_LOG_NAMESPACE = '/aws/sagemaker/Clusters';

/** What the execution policy of an instance group is scoped to. */
export interface HyperPodPolicyScope {
  /** The cluster construct (for the stack's account, region and partition). */
  readonly scope: IConstruct;
  readonly clusterName: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  /** The EKS cluster of an EKS-orchestrated cluster. */
  readonly eksClusterArn?: string;
}

/**
 * The permissions of AWS's AmazonSageMakerClusterInstanceRolePolicy, narrowed to one cluster, its
 * subnets and security group and one instance group's lifecycle scripts (when it has any).
 */
export function hyperPodExecutionStatements(cluster: HyperPodPolicyScope, scripts: ResolvedLifecycleScripts | undefined): iam.PolicyStatement[] {
  const stack = Stack.of(cluster.scope);
  const logGroup = (suffix: string) => stack.formatArn({
    service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${HYPERPOD_LOG_NAMESPACE}/${cluster.clusterName}/${suffix}`,
  });
  const ec2Arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name });
  const statements = [
    new iam.PolicyStatement({
      sid: 'ClusterLogStreams',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroup('*:log-stream:*')],
    }),
    new iam.PolicyStatement({
      sid: 'ClusterLogGroup',
      actions: ['logs:CreateLogGroup'],
      resources: [logGroup('*')],
    }),
    new iam.PolicyStatement({
      sid: 'ClusterMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': HYPERPOD_LOG_NAMESPACE } },
    }),
    new iam.PolicyStatement({
      sid: 'SessionManagerChannels',
      actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'NetworkInterfacesInClusterSubnets',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ec2Arn('network-interface', '*'),
        ...cluster.subnetIds.map((id) => ec2Arn('subnet', id)),
        ec2Arn('security-group', cluster.securityGroupId),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'NetworkInterfaceLifecycle',
      actions: [
        'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
        'ec2:AssignPrivateIpAddresses', 'ec2:DetachNetworkInterface',
      ],
      resources: [ec2Arn('network-interface', '*')],
    }),
    // As HyperPod documents it for clusters in a VPC: HyperPod may tag the interfaces after creating
    // them, which a condition on ec2:CreateAction would deny.
    new iam.PolicyStatement({
      sid: 'TagNetworkInterfaces',
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn('network-interface', '*')],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeNetwork',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
      resources: ['*'],
    }),
  ];
  if (scripts) statements.push(...lifecycleScriptStatements(stack, scripts));
  if (cluster.eksClusterArn) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'PullHyperPodImages',
        actions: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'EksPodIdentity',
        actions: ['eks-auth:AssumeRoleForPodIdentity'],
        resources: [cluster.eksClusterArn],
      }),
      // The VPC CNI (aws-node) on HyperPod nodes manages pod addresses with the node's role.
      new iam.PolicyStatement({
        sid: 'EksVpcCni',
        actions: [
          'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses', 'ec2:AttachNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute',
          'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes', 'ec2:DescribeTags', 'ec2:DescribeNetworkInterfaces',
        ],
        resources: ['*'],
      }),
    );
  }
  return statements;
}

/** HyperPod downloads the lifecycle scripts under the group's prefix (GetObject, ListBucket), through S3 only. */
function lifecycleScriptStatements(stack: Stack, scripts: ResolvedLifecycleScripts): iam.PolicyStatement[] {
  const bucket = scripts.datasets.bucket;
  const keyPrefix = `${scripts.datasets.zonePrefix(scripts.zone)}${scripts.prefix}`;
  // Not grantBucketObjects(): these statements carry Sids (the wildcard review names them).
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadLifecycleScripts',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${keyPrefix}*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ListLifecycleScripts',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: listUnderPrefix(keyPrefix),
    }),
  ];
  const key = scripts.datasets.encryptionKey;
  if (key) {
    statements.push(new iam.PolicyStatement({
      sid: 'DecryptLifecycleScripts',
      actions: KMS_S3_READ_ACTIONS,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }));
  }
  return statements;
}

/** Why each wildcard of the execution policy is inherent to HyperPod, by statement id. */
const WILDCARD_REASONS: Record<string, string> = {
  ClusterLogStreams: 'HyperPod writes one log stream per node into the log group /aws/sagemaker/Clusters/<name>/<id>, whose id SageMaker assigns at creation; the ARN is fixed up to that id and the stream names.',
  ClusterLogGroup: 'The cluster log group is /aws/sagemaker/Clusters/<name>/<id> and SageMaker assigns the id when the cluster is created; the ARN is fixed up to that id.',
  ClusterMetrics: 'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the /aws/sagemaker/Clusters namespace by condition.',
  SessionManagerChannels: 'ssmmessages channel actions have no resource-level permissions; they let administrators reach nodes through Session Manager instead of SSH.',
  NetworkInterfacesInClusterSubnets: 'HyperPod creates the nodes\' network interfaces, whose ids do not exist before; the subnets and security group are named exactly.',
  NetworkInterfaceLifecycle: 'HyperPod manages the nodes\' network interfaces, whose ids do not exist before deployment; limited to this account and region.',
  TagNetworkInterfaces: 'HyperPod tags the network interfaces of its nodes, whose ids exist only at run time; limited to network interfaces of this account and region.',
  DescribeNetwork: 'EC2 Describe* actions have no resource-level permissions.',
  ReadLifecycleScripts: 'HyperPod downloads every lifecycle script under the prefix; the object ARN is limited to that prefix of one zone.',
  EksVpcCni: 'The VPC CNI assigns pod addresses on network interfaces created at run time, and EC2 Describe actions have no resource-level permissions.',
  PullHyperPodImages: 'HyperPod pulls its agents\' images from AWS-owned ECR repositories whose ARNs are not published; ecr:GetAuthorizationToken has no resource-level permissions.',
};

/** The reviewed wildcards of the execution policy, one rule per statement id. */
export const HYPERPOD_EXECUTION_WILDCARDS: InherentWildcard[] = Object.entries(WILDCARD_REASONS).map(([sid, reason]) => ({ sid, reason }));
