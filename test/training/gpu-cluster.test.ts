import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { DatasetStore, GpuCluster, TrainingNetwork } from '../../lib';
import { expectValidationError } from '../support/errors';

function setup() {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const network = new TrainingNetwork(stack, 'Net');
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
    t.hasResource('AWS::EKS::Cluster', { DeletionPolicy: 'Retain' });
    const types = Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((type) => type.startsWith('Custom::') || type === 'AWS::Lambda::Function' || type === 'AWS::CloudFormation::Stack')).toEqual([]);
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
    const policy = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('"aws:ResourceTag/kubernetes.io/cluster/ml-training":"owned"');
    expect(policy).toContain('"iam:PassedToService":["ec2.amazonaws.com"]');
    expect(policy).not.toMatch(/"ec2:\*"|"iam:\*"|"Action":"\*"/);
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

  test('the Karpenter policy follows the v1 reference where it matters', () => {
    const policy = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('iam:ListInstanceProfiles');
    expect(policy).toContain('ec2:DescribePlacementGroups');
    expect(policy).toMatch(/"Action":"pricing:GetProducts","Effect":"Allow","Resource":"\*","Sid":"KarpenterPricing"/);
    // tagging an instance profile needs the cluster tag on the profile itself
    expect(policy).toMatch(/"Action":"iam:TagInstanceProfile","Condition":\{"StringEquals":\{"aws:ResourceTag\/kubernetes.io\/cluster\/ml-training":"owned"/);
  });

  test('the S3 CSI driver gets its own role through Pod Identity', () => {
    const s2 = setup();
    const cluster = new GpuCluster(s2.stack, 'Gpu', { vpc: s2.network.vpc });
    const csi = cluster.addS3CsiDriver();
    expect(cluster.addS3CsiDriver()).toBe(csi);
    new DatasetStore(s2.stack, 'Data').grantRead(csi, 'features');
    const t2 = Template.fromStack(s2.stack);
    t2.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'aws-mountpoint-s3-csi-driver' });
    t2.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 's3-csi-driver-sa' });
    const policy = Object.values(t2.findResources('AWS::IAM::ManagedPolicy')).find((p) => JSON.stringify(p).includes('S3 CSI driver'));
    expect(JSON.stringify(policy)).toContain('/features/*');
  });

  test('worker roles use only the AWS-maintained EKS worker policies', () => {
    const nodeRole = Object.values(t.findResources('AWS::IAM::Role')).find((r) => JSON.stringify(r).includes('GPU nodes launched by Karpenter'))!;
    const arns = JSON.stringify(nodeRole.Properties.ManagedPolicyArns);
    for (const p of ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore']) expect(arns).toContain(p);
    expect(arns).not.toContain('FullAccess');
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
    [{ clusterName: 'bad name!' }, /invalid-name.*EKS cluster name/],
    [{ systemNodes: 0 }, /invalid-node-count/],
  ])('rejects %j', (props, pattern) => {
    const { stack, network } = setup();
    expectValidationError(() => new GpuCluster(stack, 'Gpu', { vpc: network.vpc, ...props }), pattern);
  });
});
