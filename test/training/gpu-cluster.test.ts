import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { DatasetStore, GpuCluster, ProjectNetwork } from '../../lib';
import { expectValidationError } from '../support/errors';
import { awsManagedPolicyArns, bySid, expectStatements, grantStatements, keyStatement } from '../support/iam';

function setup() {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const network = new ProjectNetwork(stack, 'Net');
  return { stack, network };
}

describe('GpuCluster', () => {
  const { stack, network } = setup();
  const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
  const gpu = new GpuCluster(stack, 'Gpu', { vpc: network.vpc, clusterName: 'ml-training', adminRoles: [admin], nodeSecurityGroups: [network.trainingSecurityGroup] });
  const t = Template.fromStack(stack);

  test('private endpoint, all logs, KMS secrets, no implicit admin, no custom resources', () => {
    t.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'ml-training',
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
      Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }] } },
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('GpuKey'), 'Arn'] } }, Resources: ['secrets'] }],
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
    });
    // not kept: it holds no data, and what it needs (role, node group, security groups) goes with the stack
    t.hasResource('AWS::EKS::Cluster', { DeletionPolicy: 'Delete' });
    // its key (which the retained control plane logs need) is kept
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'RetainExceptOnCreate', Properties: Match.objectLike({ Description: Match.stringLikeRegexp('^Kubernetes secrets') }) });
    const types = Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((type) => type.startsWith('Custom::') || type === 'AWS::Lambda::Function' || type === 'AWS::CloudFormation::Stack')).toEqual([]);
  });

  test('the control plane log group: the name EKS writes to, the cluster key, one year, created before the cluster, retained except on a failed create', () => {
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/eks/ml-training/cluster', RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GpuKey'), 'Arn'] } },
      DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain',
    });
    const logGroupId = stack.getLogicalId(gpu.controlPlaneLogGroup.node.defaultChild as CfnElement);
    const cluster = Object.values(t.findResources('AWS::EKS::Cluster'))[0] as { DependsOn: string[] };
    expect(cluster.DependsOn).toContain(logGroupId);
    // the key lets CloudWatch Logs use it for that log group only
    const key = Object.values(t.findResources('AWS::KMS::Key')).find((k) => JSON.stringify(k).includes('AllowCloudWatchLogsForControlPlaneLogs')) as {
      Properties: { KeyPolicy: { Statement: { Sid?: string; Principal: unknown; Condition: unknown }[] } };
    };
    const statement = key.Properties.KeyPolicy.Statement.find((x) => x.Sid === 'AllowCloudWatchLogsForControlPlaneLogs')!;
    expect(statement.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
    expect(statement.Condition).toEqual({
      ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:/aws/eks/ml-training/cluster']] } },
    });
  });

  test('the control plane log retention is a prop; a cluster destroyed with the stack takes its logs with it', () => {
    const s2 = setup();
    new GpuCluster(s2.stack, 'Gpu', { vpc: s2.network.vpc, clusterName: 'ml-training', controlPlaneLogRetention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(s2.stack).hasResource('AWS::Logs::LogGroup', {
      Properties: Match.objectLike({ LogGroupName: '/aws/eks/ml-training/cluster', RetentionInDays: 90 }), DeletionPolicy: 'Delete',
    });
    // a retained cluster warns: what it needs to work goes with the stack
    const s3 = setup();
    new GpuCluster(s3.stack, 'Gpu', { vpc: s3.network.vpc, clusterName: 'ml-training', removalPolicy: RemovalPolicy.RETAIN });
    const t3 = Template.fromStack(s3.stack);
    t3.hasResource('AWS::EKS::Cluster', { DeletionPolicy: 'Retain' });
    Annotations.fromStack(s3.stack).hasWarning('*', Match.stringLikeRegexp('retained cluster cannot be operated'));
    t3.hasResource('AWS::Logs::LogGroup', { Properties: Match.objectLike({ LogGroupName: '/aws/eks/ml-training/cluster' }), DeletionPolicy: 'RetainExceptOnCreate' });
    // by default no such warning
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('retained cluster'))).toEqual([]);
  });

  test('the GPU nodes\' instance profile: created by the stack for the node role, named like it (known at synth time)', () => {
    expect(gpu.nodeInstanceProfileName).toBe('KarpenterNode-ml-training');
    t.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    t.hasResourceProperties('AWS::IAM::InstanceProfile', {
      InstanceProfileName: 'KarpenterNode-ml-training', Roles: [{ Ref: stack.getLogicalId(gpu.nodeRole.node.defaultChild as CfnElement) }],
    });
    // an import names what GpuCluster would, or what it is told (validated)
    const imported = GpuCluster.fromGpuClusterAttributes(stack, 'Imported', { clusterName: 'other' });
    expect(imported.nodeInstanceProfileName).toBe('KarpenterNode-other');
    expect(GpuCluster.fromGpuClusterAttributes(stack, 'Imported2', { clusterName: 'other', nodeInstanceProfileName: 'gpu-nodes' }).nodeInstanceProfileName).toBe('gpu-nodes');
    expectValidationError(() => GpuCluster.fromGpuClusterAttributes(stack, 'Imported3', { clusterName: 'other', nodeInstanceProfileName: 'arn:aws:iam::111111111111:instance-profile/x' }),
      /arn-where-name-expected/);
    expectValidationError(() => GpuCluster.fromGpuClusterAttributes(stack, 'Imported4', { clusterName: 'other', nodeInstanceProfileName: 'p'.repeat(129) }), /invalid-name.*1-128/);
  });

  test('admin roles get the cluster admin access policy; Karpenter nodes get an EC2_LINUX access entry', () => {
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Admin'), 'Arn'] },
      AccessPolicies: [Match.objectLike({ AccessScope: { Type: 'cluster' } })],
    });
    expect(JSON.stringify(t.findResources('AWS::EKS::AccessEntry'))).toContain(':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy');
    t.hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('GpuNodeRole'), 'Arn'] }, Type: 'EC2_LINUX' });
  });

  test('system node group: on-demand, untainted so controllers run there, auto repair', () => {
    t.hasResourceProperties('AWS::EKS::Nodegroup', {
      CapacityType: 'ON_DEMAND', InstanceTypes: ['m7i.xlarge'], AmiType: 'AL2023_x86_64_STANDARD',
      ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 3 },
      Taints: Match.absent(),
      NodeRepairConfig: { Enabled: true },
    });
  });

  test('Karpenter: Pod Identity, scoped controller policy, interruption queue fed by four rules, discovery tags', () => {
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 'karpenter' });
    t.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
    // (the controller policy is asserted statement by statement below)
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::Events::Rule', 4);
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] } });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 300 });
    t.hasResourceProperties('AWS::EC2::Subnet', { Tags: Match.arrayWith([{ Key: 'karpenter.sh/discovery', Value: 'ml-training' }]) });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Training nodes'),
      Tags: Match.arrayWith([{ Key: 'karpenter.sh/discovery', Value: 'ml-training' }]),
    });
    expect(gpu.discoveryTags).toEqual({ 'karpenter.sh/discovery': 'ml-training' });
    // only the node security groups carry the discovery tag, never the cluster's own groups
    const tagged = Object.values(t.findResources('AWS::EC2::SecurityGroup')).filter((r) => JSON.stringify(r).includes('karpenter.sh/discovery'));
    expect(tagged).toHaveLength(1);
  });

  test('Karpenter nodes and the cluster security group reach each other, nothing else is opened', () => {
    const clusterSg = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Gpu'), 'ClusterSecurityGroupId'] };
    const nodeSg = { 'Fn::GetAtt': [Match.stringLikeRegexp('TrainingSecurityGroup'), 'GroupId'] };
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: clusterSg, SourceSecurityGroupId: nodeSg, IpProtocol: '-1' });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: nodeSg, SourceSecurityGroupId: clusterSg, IpProtocol: '-1' });
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: nodeSg, DestinationSecurityGroupId: clusterSg, IpProtocol: '-1' });
  });

  test('the Karpenter controller policy, statement by statement (Karpenter v1 reference, scoped to this cluster)', () => {
    const arn = (service: string, resource: string, account = '111111111111', region = 'eu-west-1') =>
      ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:${region}:${account}:${resource}`]] });
    const ec2 = (resource: string) => arn('ec2', `${resource}/*`);
    const launched = ['fleet', 'instance', 'volume', 'network-interface', 'launch-template', 'spot-instances-request'].map(ec2);
    const owned = { 'aws:ResourceTag/kubernetes.io/cluster/ml-training': 'owned' };
    const requestOwned = { 'aws:RequestTag/kubernetes.io/cluster/ml-training': 'owned', 'aws:RequestTag/eks:eks-cluster-name': 'ml-training' };
    const nodePool = (kind: string) => ({ [`aws:${kind}Tag/karpenter.sh/nodepool`]: '*' });
    const profiles = arn('iam', 'instance-profile/*', '111111111111', '');
    const statements = grantStatements(t, gpu.karpenterRole);
    expectStatements(statements, [
      {
        Sid: 'KarpenterLaunchFrom', Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: [arn('ec2', 'image/*', ''), arn('ec2', 'snapshot/*', ''), ec2('security-group'), ec2('subnet'), ec2('placement-group'), arn('ec2', 'capacity-reservation/*', '*')],
      },
      { Sid: 'KarpenterLaunchTemplates', Action: ['ec2:RunInstances', 'ec2:CreateFleet'], Resource: ec2('launch-template'), Condition: { StringEquals: owned, StringLike: nodePool('Resource') } },
      {
        Sid: 'KarpenterLaunchResources', Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'], Resource: launched,
        Condition: { StringEquals: requestOwned, StringLike: nodePool('Request') },
      },
      {
        Sid: 'KarpenterTagOnCreate', Action: 'ec2:CreateTags', Resource: launched,
        Condition: { StringEquals: { ...requestOwned, 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] }, StringLike: nodePool('Request') },
      },
      {
        Sid: 'KarpenterTagNodes', Action: 'ec2:CreateTags', Resource: ec2('instance'),
        Condition: { StringEquals: owned, StringLike: nodePool('Resource'), 'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] } },
      },
      {
        Sid: 'KarpenterDelete', Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'], Resource: [ec2('instance'), ec2('launch-template')],
        Condition: { StringEquals: owned, StringLike: nodePool('Resource') },
      },
      {
        Sid: 'KarpenterRead', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
        Action: [
          'ec2:DescribeAvailabilityZones', 'ec2:DescribeCapacityReservations', 'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypeOfferings',
          'ec2:DescribeInstanceTypes', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets',
          'ec2:DescribePlacementGroups',
        ],
      },
      { Sid: 'KarpenterPricing', Action: 'pricing:GetProducts', Resource: '*' },
      { Sid: 'KarpenterAmiParameters', Action: 'ssm:GetParameter', Resource: arn('ssm', 'parameter/aws/service/*', '') },
      { Sid: 'KarpenterInterruptionQueue', Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], Resource: stack.resolve(gpu.interruptionQueue.queueArn) },
      { Sid: 'KarpenterPassNodeRole', Action: 'iam:PassRole', Resource: stack.resolve(gpu.nodeRole.roleArn), Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com'] } } },
      // the stack creates the nodes' instance profile: Karpenter only reads (finalizers), never creates, tags or deletes
      { Sid: 'KarpenterInstanceProfileRead', Action: 'iam:GetInstanceProfile', Resource: profiles },
      { Sid: 'KarpenterInstanceProfileList', Action: 'iam:ListInstanceProfiles', Resource: '*' },
      { Sid: 'KarpenterDescribeCluster', Action: 'eks:DescribeCluster', Resource: stack.resolve(gpu.cluster.clusterArn) },
    ]);
    expect(Object.keys(bySid(statements))).toHaveLength(14);
    for (const st of statements) for (const action of st.Action) expect(action).not.toMatch(/^iam:(Create|Tag|AddRole|RemoveRole|Delete)/);
    expect(stack.resolve(gpu.nodeRole.roleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GpuNodeRole/), 'Arn'] });
    expect(stack.resolve(gpu.interruptionQueue.queueArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GpuInterruptionQueue/), 'Arn'] });
    expect(awsManagedPolicyArns(t, gpu.karpenterRole)).toEqual([]);
    // the controller assumes its role through EKS Pod Identity only
    expect(t.findResources('AWS::IAM::Role')[stack.getLogicalId(gpu.karpenterRole.node.defaultChild as iam.CfnRole)].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } },
      { Action: 'sts:TagSession', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } },
    ]);
  });

  test('the Karpenter Pod Identity association waits for the Pod Identity agent', () => {
    const id = (child: string) => {
      const c = gpu.node.findChild(child);
      return stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
    };
    const association = t.toJSON().Resources[id('KarpenterIdentity')];
    expect(association.Properties.ServiceAccount).toBe('karpenter');
    expect(association.DependsOn).toEqual(expect.arrayContaining([id('PodIdentityAgent')]));
  });

  test('the S3 CSI driver gets its own role through Pod Identity', () => {
    const s2 = setup();
    const cluster = new GpuCluster(s2.stack, 'Gpu', { vpc: s2.network.vpc });
    const csi = cluster.addS3CsiDriver();
    expect(cluster.addS3CsiDriver()).toBe(csi);
    new DatasetStore(s2.stack, 'Data').grantRead(csi, 'features');
    const t2 = Template.fromStack(s2.stack);
    // pinned to a 2.x version: the first line that takes credentials from EKS Pod Identity
    t2.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'aws-mountpoint-s3-csi-driver', AddonVersion: 'v2.7.0-eksbuild.1' });
    // the driver starts once its identity exists, and the identity once the Pod Identity agent runs
    const logicalId = (child: string) => {
      const c = cluster.node.findChild(child);
      return s2.stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
    };
    expect(t2.toJSON().Resources[logicalId('S3CsiDriver')].DependsOn).toEqual(expect.arrayContaining([logicalId('S3CsiIdentity')]));
    expect(t2.toJSON().Resources[logicalId('S3CsiIdentity')].DependsOn).toEqual(expect.arrayContaining([logicalId('PodIdentityAgent')]));
    expect(t2.toJSON().Resources[logicalId('S3CsiIdentity')].Properties.ServiceAccount).toBe('s3-csi-driver-sa');
    t2.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 's3-csi-driver-sa' });
    const store = s2.stack.node.findChild('Data') as DatasetStore;
    expectStatements(grantStatements(t2, csi), [
      { Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: s2.stack.resolve(store.bucket.arnForObjects('features/*')) },
      { Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], Resource: s2.stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': ['features/', 'features/*'] } } },
      keyStatement(store.encryptionKey!, 'kms:Decrypt'),
    ]);
    expect(awsManagedPolicyArns(t2, csi)).toEqual([]);
    t2.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('S3 CSI driver versions: a 2.x version of its own passes, 1.x and malformed versions are refused', () => {
    const make = (addonVersion: string) => {
      const s2 = setup();
      const csi = new GpuCluster(s2.stack, 'Gpu', { vpc: s2.network.vpc }).addS3CsiDriver({ addonVersion });
      new DatasetStore(s2.stack, 'Data').grantRead(csi, 'features');
      return Template.fromStack(s2.stack);
    };
    make('v2.0.0-eksbuild.1').hasResourceProperties('AWS::EKS::Addon', { AddonName: 'aws-mountpoint-s3-csi-driver', AddonVersion: 'v2.0.0-eksbuild.1' });
    expectValidationError(() => make('v1.15.0-eksbuild.1'), /invalid-addon-version.*version 2 or later.*Pod Identity/);
    for (const bad of ['2.7.0', 'v2.7.0', 'latest']) expectValidationError(() => make(bad), /invalid-addon-version.*v<major>/);
  });

  test('an S3 CSI driver with nothing granted is refused at synth, saying what to grant', () => {
    const s2 = setup();
    new GpuCluster(s2.stack, 'Gpu', { vpc: s2.network.vpc }).addS3CsiDriver();
    expectValidationError(() => Template.fromStack(s2.stack), /s3-csi-driver-without-grants.*grantRead/);
  });

  test('the FSx CSI driver: the EKS add-on, after the Pod Identity agent, no role (static volumes need none), once', () => {
    const s2 = setup();
    const cluster = new GpuCluster(s2.stack, 'Gpu', { vpc: s2.network.vpc });
    const addon = cluster.addFsxCsiDriver();
    expect(cluster.addFsxCsiDriver()).toBe(addon);
    const t2 = Template.fromStack(s2.stack);
    const addons = t2.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'aws-fsx-csi-driver' } });
    expect(Object.keys(addons)).toHaveLength(1);
    const fsx = Object.values(addons)[0] as { Properties: Record<string, unknown>; DependsOn: string[] };
    expect(fsx.Properties.AddonVersion).toBeUndefined();
    expect(fsx.Properties.ServiceAccountRoleArn).toBeUndefined();
    expect(fsx.Properties.PodIdentityAssociations).toBeUndefined();
    const agent = s2.stack.getLogicalId(cluster.node.findChild('PodIdentityAgent').node.defaultChild as CfnElement);
    expect(fsx.DependsOn).toContain(agent);
    expect(JSON.stringify(t2.findResources('AWS::EKS::PodIdentityAssociation'))).not.toContain('fsx');
    // a version of its own is validated the same way
    const s3 = setup();
    new GpuCluster(s3.stack, 'Gpu', { vpc: s3.network.vpc }).addFsxCsiDriver({ addonVersion: 'v1.9.0-eksbuild.1' });
    Template.fromStack(s3.stack).hasResourceProperties('AWS::EKS::Addon', { AddonName: 'aws-fsx-csi-driver', AddonVersion: 'v1.9.0-eksbuild.1' });
    expectValidationError(() => new GpuCluster(setup().stack, 'Gpu', { vpc: setup().network.vpc }).addFsxCsiDriver({ addonVersion: '1.9' }), /invalid-addon-version/);
  });

  test('worker roles use only the AWS-maintained EKS worker policies', () => {
    const managed = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]] });
    const workerPolicies = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore'].map(managed);
    expect(awsManagedPolicyArns(t, gpu.nodeRole)).toEqual(workerPolicies);
    expect(grantStatements(t, gpu.nodeRole)).toEqual([]);
    const systemRole = gpu.node.findChild('SystemNodeRole') as iam.Role;
    expect(awsManagedPolicyArns(t, systemRole)).toEqual(workerPolicies);
    expect(grantStatements(t, systemRole)).toEqual([]);
    for (const role of [gpu.nodeRole, systemRole]) {
      expect(t.findResources('AWS::IAM::Role')[stack.getLogicalId(role.node.defaultChild as iam.CfnRole)].Properties.AssumeRolePolicyDocument.Statement)
        .toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }]);
    }
    expect(gpu.nodeRoleName).toBe('KarpenterNode-ml-training');
  });
});

describe('GpuCluster charts and bad input', () => {
  test('applyChart without a kubectl layer points to GitOps', () => {
    const { stack, network } = setup();
    const gpu = new GpuCluster(stack, 'Gpu', { vpc: network.vpc });
    expectValidationError(() => gpu.applyChart('Training', new Chart(Testing.app(), 'C')), /kubectl-not-configured.*Fix: Pass kubectlLayer/);
  });

  test('applyChart with a kubectl layer deploys the chart as a manifest', () => {
    const { stack, network } = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-layer-'));
    fs.writeFileSync(path.join(dir, 'README'), 'test layer');
    const layer = new lambda.LayerVersion(stack, 'Kubectl', { code: lambda.Code.fromAsset(dir) });
    const gpu = new GpuCluster(stack, 'Gpu', { vpc: network.vpc, kubectlLayer: layer });
    const chart = new Chart(Testing.app(), 'C');
    new ApiObject(chart, 'Ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    gpu.applyChart('Training', chart);
    Template.fromStack(stack).hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', {
      Manifest: Match.stringLikeRegexp('"kind":"Namespace"'),
    });
  });

  test.each([
    [{ systemNodes: 1 }], [{ systemNodes: 10 }], [{ clusterName: 'c'.repeat(100) }], [{ clusterName: 'c' }],
  ])('accepts %j (the edge of the limit)', (props) => {
    const { stack, network } = setup();
    const gpu = new GpuCluster(stack, 'Gpu', { vpc: network.vpc, ...props });
    // the node role name that manifests use fits IAM's 64 characters
    expect(gpu.nodeRoleName.length).toBeLessThanOrEqual(64);
  });

  test.each([
    [{ clusterName: 'bad name!' }, /invalid-name.*EKS cluster name/],
    [{ clusterName: 'c'.repeat(101) }, /invalid-name.*EKS cluster name/],
    [{ clusterName: '' }, /invalid-name.*EKS cluster name/],
    [{ systemNodes: 0 }, /invalid-node-count/],
    [{ systemNodes: 11 }, /invalid-node-count/],
  ])('rejects %j', (props, pattern) => {
    const { stack, network } = setup();
    expectValidationError(() => new GpuCluster(stack, 'Gpu', { vpc: network.vpc, ...props }), pattern);
  });
});

describe('GpuCluster.fromGpuClusterAttributes', () => {
  const stack = () => new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });

  test('an imported cluster names what a GpuCluster of that name would: node role, discovery tags, ARN', () => {
    const s = stack();
    const made = new GpuCluster(s, 'Made', { vpc: setup().network.vpc, clusterName: 'ml-training' });
    const imported = GpuCluster.fromGpuClusterAttributes(s, 'Imported', { clusterName: 'ml-training' });
    expect(imported.nodeRoleName).toBe(made.nodeRoleName);
    expect(imported.nodeRoleName).toBe('KarpenterNode-ml-training');
    expect(imported.discoveryTags).toEqual(made.discoveryTags);
    expect(s.resolve(imported.clusterArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:eu-west-1:111111111111:cluster/ml-training']],
    });
    // importing creates nothing
    const only = stack();
    GpuCluster.fromGpuClusterAttributes(only, 'Imported', { clusterName: 'ml-training' });
    expect(Template.fromStack(only).toJSON().Resources ?? {}).toEqual({});
  });

  test('a default node role name of 64 characters passes; at 65 the shortened name must be given', () => {
    const fits = 'c'.repeat(64 - 'KarpenterNode-'.length);
    expect(GpuCluster.fromGpuClusterAttributes(stack(), 'I', { clusterName: fits }).nodeRoleName).toHaveLength(64);
    expectValidationError(() => GpuCluster.fromGpuClusterAttributes(stack(), 'I', { clusterName: `${fits}c` }),
      /missing-node-role-name.*longer than IAM's 64 characters/);
    expect(GpuCluster.fromGpuClusterAttributes(stack(), 'I', { clusterName: `${fits}c`, nodeRoleName: 'gpu-nodes' }).nodeRoleName).toBe('gpu-nodes');
    expectValidationError(() => GpuCluster.fromGpuClusterAttributes(stack(), 'I', { clusterName: 'ml', nodeRoleName: 'arn:aws:iam::111111111111:role/x' }),
      /arn-where-name-expected.*nodeRoleName/);
  });
});
