import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { App, RemovalPolicy, Size, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AcceleratorInstanceType, DatasetFileSystem, DatasetStore, HyperPodCluster, HyperPodClusterProps, HyperPodInstanceGroupOptions,
  HyperPodInstanceType, HyperPodNodeRecovery, HyperPodOrchestrator, HyperPodOrchestratorKind, HyperPodScriptsSource, HyperPodSlurmConfigStrategy, HyperPodSlurmNodeType,
} from '../../lib';
import { expectValidationError } from '../support/errors';
import { awsManagedPolicyArns, bySid, canonical, ExpectedStatement, expectStatement, expectStatements, grantStatements, keyStatement } from '../support/iam';
import { PluginReport, synthCompliant, trainingFixture } from '../support/synth-platform';

// The built-in CloudFormation schema validation is on in this file (setup-env turns it off
// elsewhere); it only runs for apps with '@aws-cdk/core:validateAgainstDefaultRules', here the
// compliance test's.
delete process.env.CDK_VALIDATION;

const P5 = HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE);
const controller: HyperPodInstanceGroupOptions = { instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.CONTROLLER };
const workers: HyperPodInstanceGroupOptions = { instanceGroupName: 'workers', instanceType: P5, instanceCount: 4 };
/** The controller group without Slurm options, for EKS-orchestrated clusters. */
const eksController: HyperPodInstanceGroupOptions = { instanceGroupName: 'system', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1 };

function setup() {
  // Assets are not copied into the assembly (the script upload's AWS CLI layer alone is 22 MB).
  const stack = new Stack(new App({ context: { 'aws:cdk:disable-asset-staging': true } }), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const store = new DatasetStore(stack, 'Datasets');
  return { stack, vpc, store };
}

function cluster(props: Partial<HyperPodClusterProps> = {}) {
  const { stack, vpc, store } = setup();
  const hp = new HyperPodCluster(stack, 'Cluster', {
    vpc,
    lifecycleScripts: { datasets: store, zone: 'curated' },
    instanceGroups: [controller, workers],
    ...props,
  });
  return { stack, vpc, store, hp };
}

/** What `store.grantRead(grantee, zone)` adds. */
function zoneRead(stack: Stack, store: DatasetStore, zone: string): ExpectedStatement[] {
  return [
    { Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: stack.resolve(store.bucket.arnForObjects(`${zone}/*`)) },
    { Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': [`${zone}/`, `${zone}/*`] } } },
    keyStatement(store.encryptionKey!, 'kms:Decrypt'),
  ];
}

const arn = (rest: unknown[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ...rest]] });

/**
 * The execution statements of an instance group of `hp` (the AmazonSageMakerClusterInstanceRolePolicy
 * permissions, narrowed), with the lifecycle scripts under `keyPrefix` of `store`.
 */
function executionStatements(stack: Stack, hp: HyperPodCluster, subnets: ec2.ISubnet[], store: DatasetStore, keyPrefix: string, eksArn?: string): ExpectedStatement[] {
  const ec2Arn = (resource: string, name: string) => stack.resolve(stack.formatArn({ service: 'ec2', resource, resourceName: name }));
  const logs = `:logs:eu-west-1:111111111111:log-group:/aws/sagemaker/Clusters/${hp.clusterName}/*`;
  const statements: ExpectedStatement[] = [
    { Sid: 'ClusterLogStreams', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: arn([`${logs}:log-stream:*`]) },
    { Sid: 'ClusterLogGroup', Action: 'logs:CreateLogGroup', Resource: arn([logs]) },
    { Sid: 'ClusterMetrics', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Clusters' } } },
    {
      Sid: 'SessionManagerChannels', Resource: '*',
      Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
    },
    {
      Sid: 'NetworkInterfacesInClusterSubnets', Action: 'ec2:CreateNetworkInterface',
      Resource: [ec2Arn('network-interface', '*'), ...subnets.map((sn) => ec2Arn('subnet', sn.subnetId)), ec2Arn('security-group', hp.connections.securityGroups[0].securityGroupId)],
    },
    {
      Sid: 'NetworkInterfaceLifecycle', Resource: ec2Arn('network-interface', '*'),
      Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission', 'ec2:AssignPrivateIpAddresses', 'ec2:DetachNetworkInterface'],
    },
    // no ec2:CreateAction condition: HyperPod's custom-VPC permissions grant CreateTags on network interfaces without one
    { Sid: 'TagNetworkInterfaces', Action: 'ec2:CreateTags', Resource: ec2Arn('network-interface', '*') },
    {
      Sid: 'DescribeNetwork', Resource: '*',
      Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
    },
    { Sid: 'ReadLifecycleScripts', Action: 's3:GetObject', Resource: stack.resolve(store.bucket.arnForObjects(`${keyPrefix}*`)) },
    { Sid: 'ListLifecycleScripts', Action: 's3:ListBucket', Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': [keyPrefix, `${keyPrefix}*`] } } },
    {
      Sid: 'DecryptLifecycleScripts', Action: 'kms:Decrypt', Resource: stack.resolve(store.encryptionKey!.keyArn),
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    },
  ];
  if (eksArn === undefined) return statements;
  return [
    ...statements,
    { Sid: 'PullHyperPodImages', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' },
    { Sid: 'EksPodIdentity', Action: 'eks-auth:AssumeRoleForPodIdentity', Resource: stack.resolve(eksArn) },
    {
      Sid: 'EksVpcCni', Resource: '*',
      Action: [
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses', 'ec2:AttachNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute',
        'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes', 'ec2:DescribeTags', 'ec2:DescribeNetworkInterfaces',
      ],
    },
  ];
}

describe('HyperPodCluster defaults', () => {
  const { stack, vpc, store, hp } = cluster();
  const t = Template.fromStack(stack);

  test('one cluster with a valid generated name, automatic node recovery, API-driven Slurm (managed slurm.conf), destroyed with the stack', () => {
    t.resourceCountIs('AWS::SageMaker::Cluster', 1);
    t.hasResource('AWS::SageMaker::Cluster', {
      DeletionPolicy: 'Delete',
      Properties: {
        ClusterName: hp.clusterName,
        NodeRecovery: 'Automatic',
        Orchestrator: { Slurm: { SlurmConfigStrategy: 'Managed' } },
      },
    });
    expect(hp.clusterName).toMatch(/^S-Cluster-[0-9A-F]{8}$/);
    expect(hp.node.defaultChild).toBe(hp.cluster);
    expect(hp.orchestrator.kind).toBe(HyperPodOrchestratorKind.SLURM);
    expect(stack.resolve(hp.clusterArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(hp.cluster), 'ClusterArn'] });
  });

  test('nodes in the private subnets, with a security group open to itself only (all protocols, for EFA)', () => {
    t.hasResourceProperties('AWS::SageMaker::Cluster', {
      VpcConfig: {
        Subnets: vpc.privateSubnets.map((s) => stack.resolve(s.subnetId)),
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterSecurityGroup'), 'GroupId'] }],
      },
    });
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress).toEqual([{
      IpProtocol: '-1',
      Description: 'All traffic between the nodes (NCCL, EFA)',
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterSecurityGroup'), 'GroupId'] },
    }].map((r) => expect.objectContaining({ IpProtocol: r.IpProtocol, Description: r.Description })));
    expect(ingress[0].GroupId).toEqual(ingress[0].SourceSecurityGroupId);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('HyperPod'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('instance groups: type, count, own role, lifecycle scripts from the zone prefix', () => {
    t.hasResourceProperties('AWS::SageMaker::Cluster', {
      InstanceGroups: [
        {
          InstanceGroupName: 'controller',
          InstanceType: 'ml.m5.2xlarge',
          InstanceCount: 1,
          ExecutionRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterInstanceGroupcontrollerRole'), 'Arn'] },
          LifeCycleConfig: {
            SourceS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Datasets') }, '/curated/lifecycle-scripts/']] },
            OnInitComplete: 'on_create.sh',
          },
        },
        Match.objectLike({
          InstanceGroupName: 'workers',
          InstanceType: 'ml.p5.48xlarge',
          InstanceCount: 4,
          ExecutionRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterInstanceGroupworkersRole'), 'Arn'] },
        }),
      ],
    });
    expect(hp.instanceGroupNames).toEqual(['controller', 'workers']);
  });

  test('roles trusted by SageMaker, with a customer managed policy only: no AWS managed policy, no inline policy', () => {
    t.resourceCountIs('AWS::IAM::Role', 2);
    for (const role of Object.values(t.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: Match.stringLikeRegexp('^ClusterInstanceGroupworkersRole') }] });
    expect(JSON.stringify(t.toJSON())).not.toMatch(/FullAccess|arn:aws:iam::aws:policy/);
  });

  test('the policy is narrowed to this cluster\'s logs, its network and the group\'s scripts, statement by statement', () => {
    for (const group of ['controller', 'workers']) {
      const statements = grantStatements(t, hp.instanceGroupGrantee(group));
      expectStatements(statements, executionStatements(stack, hp, vpc.privateSubnets, store, 'curated/lifecycle-scripts/'));
      expect(Object.keys(bySid(statements))).toHaveLength(11);
      for (const st of statements) for (const action of st.Action) expect(action).not.toContain('*');
    }
    expect(awsManagedPolicyArns(t, hp.instanceGroupGrantee('workers'))).toEqual([]);
  });

  test('the cluster is created after the policies are attached', () => {
    const clusterResource = Object.values(t.findResources('AWS::SageMaker::Cluster'))[0];
    expect(clusterResource.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ClusterInstanceGroupcontrollerPolicy/), expect.stringMatching(/^ClusterInstanceGroupworkersPolicy/),
    ]));
  });

  test('no warnings with the defaults', () => {
    Annotations.fromStack(stack).hasNoWarning('/S/Cluster', Match.anyValue());
  });
});

describe('options', () => {
  test('name, threads per core, extra EBS volume, group-specific scripts, given role, tags', () => {
    const { stack, vpc, store } = setup();
    const role = iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::111111111111:role/hyperpod-workers');
    const hp = new HyperPodCluster(stack, 'Cluster', {
      clusterName: 'llm-finetuning',
      vpc,
      lifecycleScripts: { datasets: store, zone: 'curated' },
      instanceGroups: [controller],
    });
    hp.addInstanceGroup({
      ...workers,
      threadsPerCore: 1,
      ebsVolumeSize: Size.gibibytes(500),
      executionRole: role,
      lifecycleScripts: { datasets: store, zone: 'raw', prefix: 'hyperpod/workers/', onCreate: 'setup.sh' },
    });
    Tags.of(stack).add('mlops:team', 'llm');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Cluster', {
      ClusterName: 'llm-finetuning',
      InstanceGroups: Match.arrayWith([{
        InstanceGroupName: 'workers',
        InstanceType: 'ml.p5.48xlarge',
        InstanceCount: 4,
        ThreadsPerCore: 1,
        InstanceStorageConfigs: [{ EbsVolumeConfig: { VolumeSizeInGB: 500 } }],
        ExecutionRole: 'arn:aws:iam::111111111111:role/hyperpod-workers',
        // on Slurm the team's script runs after HyperPod's own setup (OnCreate would replace it)
        LifeCycleConfig: {
          SourceS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Datasets') }, '/raw/hyperpod/workers/']] },
          OnInitComplete: 'setup.sh',
        },
        SlurmConfig: { NodeType: 'Compute', PartitionNames: ['workers'] },
      }]),
      Tags: [{ Key: 'mlops:team', Value: 'llm' }],
    });
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['hyperpod-workers'] });
    expectStatements(grantStatements(t, hp.instanceGroupGrantee('workers')), executionStatements(stack, hp, vpc.privateSubnets, store, 'raw/hyperpod/workers/'));
    expect(hp.instanceGroupRole('workers')).toBe(role);
  });

  test('instanceGroupGrantee() takes further grants into the group\'s managed policy, not an inline one', () => {
    const { stack, vpc, store, hp } = cluster();
    store.grantRead(hp.instanceGroupGrantee('workers'), 'features');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expectStatements(grantStatements(t, hp.instanceGroupGrantee('workers')), [
      ...executionStatements(stack, hp, vpc.privateSubnets, store, 'curated/lifecycle-scripts/'),
      ...zoneRead(stack, store, 'features'),
    ]);
    // the controller's policy did not get the grant
    expectStatements(grantStatements(t, hp.instanceGroupGrantee('controller')), executionStatements(stack, hp, vpc.privateSubnets, store, 'curated/lifecycle-scripts/'));
    expectValidationError(() => hp.instanceGroupGrantee('nope'), /unknown-instance-group/);
  });

  test('instanceGroupRole() takes further grants, such as reading a dataset zone', () => {
    const { stack, vpc, store, hp } = cluster();
    store.grantRead(hp.instanceGroupRole('workers'), 'features');
    const t = Template.fromStack(stack);
    const inline = Object.values(t.findResources('AWS::IAM::Policy'));
    expect(inline).toHaveLength(1);
    expect(inline[0].Properties.Roles).toEqual([stack.resolve(hp.instanceGroupRole('workers').roleName)]);
    expectStatements(grantStatements(t, hp.instanceGroupRole('workers')), [
      ...executionStatements(stack, hp, vpc.privateSubnets, store, 'curated/lifecycle-scripts/'),
      ...zoneRead(stack, store, 'features'),
    ]);
  });

  test('an FSx for Lustre file system admits the cluster as a client', () => {
    const { stack, vpc, store, hp } = cluster();
    const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, clients: [hp] });
    expect(lustre.connections.securityGroups).toHaveLength(1);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 988, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterSecurityGroup'), 'GroupId'] },
    });
  });

  test('EKS orchestration from a cluster: orchestrator ARN, security group rules, image pulls and Pod Identity', () => {
    const { stack, vpc, store } = setup();
    const eksCluster = eks.Cluster.fromClusterAttributes(stack, 'Eks', {
      clusterName: 'training', clusterSecurityGroupId: 'sg-0123456789abcdef0', vpc,
    });
    const hp = new HyperPodCluster(stack, 'Cluster', {
      vpc, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [workers], orchestrator: HyperPodOrchestrator.eks(eksCluster),
    });
    expect(hp.orchestrator.kind).toBe(HyperPodOrchestratorKind.EKS);
    const t = Template.fromStack(stack);
    const eksArn = stack.resolve(eksCluster.clusterArn);
    t.hasResourceProperties('AWS::SageMaker::Cluster', { Orchestrator: { Eks: { ClusterArn: eksArn } } });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', FromPort: 443, ToPort: 443 });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourceSecurityGroupId: 'sg-0123456789abcdef0', FromPort: 1025, ToPort: 65535 });
    expectStatements(grantStatements(t, hp.instanceGroupGrantee('workers')),
      executionStatements(stack, hp, vpc.privateSubnets, store, 'curated/lifecycle-scripts/', eksCluster.clusterArn));
  });

  test('EKS orchestration from a cluster ARN', () => {
    const arn = 'arn:aws:eks:eu-west-1:111111111111:cluster/training';
    const { stack, vpc, store, hp } = cluster({ orchestrator: HyperPodOrchestrator.eksClusterArn(arn), instanceGroups: [eksController, workers] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Cluster', { Orchestrator: { Eks: { ClusterArn: arn } } });
    expectStatements(grantStatements(t, hp.instanceGroupGrantee('workers')), executionStatements(stack, hp, vpc.privateSubnets, store, 'curated/lifecycle-scripts/', arn));
  });

  test('retaining is possible; turning node recovery off leaves a warning', () => {
    const { stack } = cluster({ removalPolicy: RemovalPolicy.RETAIN, nodeRecovery: HyperPodNodeRecovery.NONE });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::SageMaker::Cluster', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ NodeRecovery: 'None' }) });
    Annotations.fromStack(stack).hasWarning('/S/Cluster', Match.stringLikeRegexp('mlops-constructs:hyperpod-no-node-recovery'));
  });

  test('a given security group is used as is', () => {
    const { stack, vpc, store } = setup();
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0fedcba9876543210');
    new HyperPodCluster(stack, 'Cluster', { vpc, securityGroup: sg, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [controller, workers] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Cluster', { VpcConfig: Match.objectLike({ SecurityGroupIds: ['sg-0fedcba9876543210'] }) });
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('instance types: catalog entries, CPU types by name, the supported list', () => {
    expect(P5.sageMakerName).toBe('ml.p5.48xlarge');
    expect(P5.accelerator?.spec?.acceleratorCount).toBe(8);
    expect(HyperPodInstanceType.of('g6e.12xlarge').accelerator).toBe(AcceleratorInstanceType.G6E_12XLARGE);
    expect(HyperPodInstanceType.of('ml.c5.xlarge').accelerator).toBeUndefined();
    expect(HyperPodInstanceType.T3_MEDIUM.supported).toBe(true);
    const supported = HyperPodInstanceType.supportedTypes();
    for (const name of ['ml.p4d.24xlarge', 'ml.p4de.24xlarge', 'ml.p5e.48xlarge', 'ml.p5en.48xlarge', 'ml.trn1.32xlarge', 'ml.trn1n.32xlarge',
      'ml.trn2.48xlarge', 'ml.g5.48xlarge', 'ml.g6.xlarge', 'ml.g6e.48xlarge', 'ml.c5.large', 'ml.m5.24xlarge', 'ml.t3.2xlarge']) {
      expect(supported).toContain(name);
    }
    expect(new Set(supported).size).toBe(supported.length);
    for (const name of ['ml.p3.16xlarge', 'ml.g4dn.24xlarge', 'ml.inf2.48xlarge', 'ml.trn1.2xlarge', 'ml.c5n.xlarge']) {
      expect(HyperPodInstanceType.of(name).supported).toBe(false);
    }
  });

  test('imports keep the name and the security group', () => {
    const { stack, vpc } = setup();
    const imported = HyperPodCluster.fromHyperPodClusterAttributes(stack, 'Imported', {
      clusterName: 'shared', clusterArn: 'arn:aws:sagemaker:eu-west-1:111111111111:cluster/abcdefghijkl',
      securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
    });
    expect(imported.clusterName).toBe('shared');
    expect(imported.connections.securityGroups).toHaveLength(1);
    expectValidationError(() => HyperPodCluster.fromHyperPodClusterAttributes(stack, 'Bad', {
      clusterName: 'bad_name', clusterArn: 'arn', securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'X', 'sg-1'),
    }), /\[mlops:invalid-name\] S\/Bad: clusterName is not a valid SageMaker name/);
  });
});

describe('bad input', () => {
  test('an instance type HyperPod does not offer', () => {
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.P3_16XLARGE) }] }),
      /\[mlops:unsupported-instance-type\] S\/Cluster: Instance group "workers": HyperPod does not offer this instance type\. Received: "ml\.p3\.16xlarge"\. Fix: .*ml\.g5\./);
    expectValidationError(() => cluster({ instanceGroups: [{ ...controller, instanceType: HyperPodInstanceType.of('m5.3xlarge') }] }),
      /\[mlops:unsupported-instance-type\].*Received: "ml\.m5\.3xlarge"/);
    expectValidationError(() => cluster({ instanceGroups: [{ ...controller, instanceType: HyperPodInstanceType.of('not a type') }] }),
      /\[mlops:unsupported-instance-type\]/);
  });

  test('no instance group, two with the same name, more than 100', () => {
    expectValidationError(() => cluster({ instanceGroups: [] }), /\[mlops:no-instance-groups\] S\/Cluster: A HyperPod cluster needs at least one instance group/);
    expectValidationError(() => cluster({ instanceGroups: [workers, { ...workers, instanceCount: 1 }] }),
      /\[mlops:duplicate-instance-group\] S\/Cluster: Two instance groups have the same name\. Received: "workers"/);
    const { hp } = cluster();
    for (let i = 0; i < 98; i++) hp.addInstanceGroup({ ...controller, instanceGroupName: `group-${i}` });
    expect(hp.instanceGroupNames).toHaveLength(100);
    expectValidationError(() => hp.addInstanceGroup({ ...controller, instanceGroupName: 'one-too-many' }),
      /\[mlops:too-many-instance-groups\] S\/Cluster: A HyperPod cluster has at most 100 instance groups/);
  });

  test('invalid cluster and group names', () => {
    expectValidationError(() => cluster({ clusterName: 'x'.repeat(64) }), /\[mlops:invalid-name\] S\/Cluster: clusterName is not a valid SageMaker name: it must be 1-63 characters long/);
    expectValidationError(() => cluster({ clusterName: 'llm_cluster' }), /\[mlops:invalid-name\]/);
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, instanceGroupName: 'gpu_workers' }] }),
      /\[mlops:invalid-name\] S\/Cluster: instanceGroupName is not a valid HyperPod instance group name: it may only contain letters, digits and hyphens/);
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, instanceGroupName: 'w'.repeat(64) }] }), /\[mlops:invalid-name\].*63 characters/);
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, instanceGroupName: '-workers' }] }), /\[mlops:invalid-name\]/);
  });

  test('instance counts, threads per core and volume sizes out of range', () => {
    for (const count of [0, 1.5, 6759]) {
      expectValidationError(() => cluster({ instanceGroups: [{ ...workers, instanceCount: count }] }),
        /\[mlops:invalid-instance-count\] S\/Cluster: Instance group "workers" must have a whole number of instances from 1 to 6758/);
    }
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, threadsPerCore: 4 }] }), /\[mlops:invalid-threads-per-core\] S\/Cluster: Instance group "workers": threadsPerCore is 1/);
    for (const size of [Size.gibibytes(0), Size.gibibytes(16385), Size.mebibytes(1536)]) {
      expectValidationError(() => cluster({ instanceGroups: [{ ...workers, ebsVolumeSize: size }] }),
        /\[mlops:invalid-volume-size\] S\/Cluster: Instance group "workers": the additional EBS volume is a whole number of GiB from 1 to 16384/);
    }
  });

  test.each([
    ['1 instance', { instanceCount: 1 }],
    ['6758 instances', { instanceCount: 6758 }],
    ['1 thread per core', { threadsPerCore: 1 }],
    ['2 threads per core', { threadsPerCore: 2 }],
    ['a 1 GiB EBS volume', { ebsVolumeSize: Size.gibibytes(1) }],
    ['a 16384 GiB EBS volume', { ebsVolumeSize: Size.gibibytes(16384) }],
    ['a group name of 63 characters', { instanceGroupName: 'w'.repeat(63) }],
    ['a group name of 1 character', { instanceGroupName: 'w' }],
  ])('accepts %s (the edge of the limit)', (_name, overrides) => {
    const { stack } = cluster({ instanceGroups: [controller, { ...workers, ...overrides }] });
    expect(Template.fromStack(stack).findResources('AWS::SageMaker::Cluster')).toBeDefined();
  });

  test.each([
    ['0 instances', { instanceCount: 0 }, /invalid-instance-count/],
    ['6759 instances', { instanceCount: 6759 }, /invalid-instance-count/],
    ['0 threads per core', { threadsPerCore: 0 }, /invalid-threads-per-core/],
    ['3 threads per core', { threadsPerCore: 3 }, /invalid-threads-per-core/],
    ['a 0 GiB EBS volume', { ebsVolumeSize: Size.gibibytes(0) }, /invalid-volume-size/],
    ['a 16385 GiB EBS volume', { ebsVolumeSize: Size.gibibytes(16385) }, /invalid-volume-size/],
    ['a group name of 64 characters', { instanceGroupName: 'w'.repeat(64) }, /invalid-name.*63/],
    ['an empty group name', { instanceGroupName: '' }, /invalid-name/],
  ])('rejects %s (one past the limit)', (_name, overrides, pattern) => {
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, ...overrides }] }), pattern);
  });

  test('cluster names of 63 characters and entry points of 128 pass; one more fails', () => {
    expect(cluster({ clusterName: 'c'.repeat(63) }).hp.clusterName).toHaveLength(63);
    expectValidationError(() => cluster({ clusterName: 'c'.repeat(64) }), /invalid-name/);
    const scripts = (onCreate: string) => ({ lifecycleScripts: { datasets: setup().store, zone: 'curated', onCreate } });
    expect(() => cluster({ instanceGroups: [{ ...workers, ...scripts('x'.repeat(128)) }] })).not.toThrow();
    expectValidationError(() => cluster({ instanceGroups: [{ ...workers, ...scripts('x'.repeat(129)) }] }), /invalid-lifecycle-scripts/);
  });

  test('a lifecycle scripts URI of 1024 characters passes, 1025 fails', () => {
    // s3://<bucket>/curated/<prefix>: 5 + 20 + 1 + 8 = 34 characters besides the prefix
    const bucketName = 'b'.repeat(20);
    const uri = (prefix: string) => `s3://${bucketName}/curated/${prefix}`;
    const prefixOf = (length: number) => `${'p'.repeat(length - 34 - 1)}/`;
    expect(uri(prefixOf(1024))).toHaveLength(1024);
    const build = (prefix: string) => {
      const { stack, vpc } = setup();
      // an imported bucket: a created one's name is a token until deployment
      const store = DatasetStore.fromDatasetStoreAttributes(stack, 'Named', { bucket: s3.Bucket.fromBucketName(stack, 'Bucket', bucketName) });
      return new HyperPodCluster(stack, 'Cluster', { vpc, lifecycleScripts: { datasets: store, zone: 'curated', prefix }, instanceGroups: [controller, workers] });
    };
    expect(() => build(prefixOf(1024))).not.toThrow();
    expectValidationError(() => build(prefixOf(1025)), /invalid-lifecycle-scripts.*longer than 1024/);
  });

  test('16 subnets pass, 17 fail', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `subnet-${(0x1000 + i).toString(16).padStart(17, '0')}`);
    const build = (n: number) => {
      const { stack, store } = setup();
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Wide', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ids(n).map(() => 'eu-west-1a'), privateSubnetIds: ids(n) });
      return new HyperPodCluster(stack, 'Cluster', { vpc, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [controller, workers] });
    };
    expect(() => build(16)).not.toThrow();
    expectValidationError(() => build(17), /invalid-subnet.*at most 16 subnets/);
  });

  test('lifecycle scripts outside the store, with a bad prefix or entry point', () => {
    const { store } = setup();
    expectValidationError(() => {
      const s = setup();
      new HyperPodCluster(s.stack, 'Cluster', { vpc: s.vpc, lifecycleScripts: { datasets: s.store, zone: 'scripts' }, instanceGroups: [controller, workers] });
    }, /\[mlops:unknown-zone\] S\/Datasets: The dataset store has no such zone/);
    expect(store.zoneNames).not.toContain('scripts');
    for (const prefix of ['/lifecycle-scripts/', 'lifecycle-scripts', '../lifecycle/', 'life cycle/']) {
      expectValidationError(() => cluster({ instanceGroups: [{ ...workers, lifecycleScripts: { datasets: setup().store, zone: 'curated', prefix } }] }),
        /\[mlops:invalid-lifecycle-scripts\] S\/Cluster: Instance group "workers": the lifecycle scripts prefix is a relative key prefix/);
    }
    for (const onCreate of ['', 'scripts/on_create.sh', 'x'.repeat(129)]) {
      expectValidationError(() => cluster({ instanceGroups: [{ ...workers, lifecycleScripts: { datasets: setup().store, zone: 'curated', onCreate } }] }),
        /\[mlops:invalid-lifecycle-scripts\] S\/Cluster: Instance group "workers": onCreate is the file name of a script/);
    }
  });

  test('public, missing or too many subnets', () => {
    expectValidationError(() => cluster({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }), /\[mlops:invalid-subnet\] S\/Cluster: HyperPod nodes would be placed in public subnets/);
    expectValidationError(() => cluster({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), /\[mlops:invalid-subnet\] S\/Cluster: The subnet selection matches no subnet/);
    const { stack, store } = setup();
    const ids = Array.from({ length: 17 }, (_, i) => `subnet-${(0x1000 + i).toString(16).padStart(17, '0')}`);
    const wide = ec2.Vpc.fromVpcAttributes(stack, 'Wide', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ids.map(() => 'eu-west-1a'), privateSubnetIds: ids });
    expectValidationError(() => new HyperPodCluster(stack, 'Cluster', { vpc: wide, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [workers] }),
      /\[mlops:invalid-subnet\] S\/Cluster: A HyperPod cluster takes at most 16 subnets/);
  });

  test('an EKS cluster ARN that is not one, an unknown group', () => {
    expectValidationError(() => cluster({ orchestrator: HyperPodOrchestrator.eksClusterArn('arn:aws:eks:eu-west-1:111111111111:nodegroup/training') }),
      /\[mlops:invalid-eks-cluster-arn\] S\/Cluster: The orchestrator must be named by the ARN of an EKS cluster/);
    const { hp } = cluster();
    expectValidationError(() => hp.instanceGroupRole('login'), /\[mlops:unknown-instance-group\] S\/Cluster: The cluster has no such instance group\. Received: "login"/);
  });
});

describe('API-driven Slurm configuration', () => {
  const groupsOf = (stack: Stack) => {
    const c = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Cluster'))[0] as { Properties: { InstanceGroups: Record<string, unknown>[] } };
    return Object.fromEntries(c.Properties.InstanceGroups.map((g) => [g.InstanceGroupName as string, g]));
  };
  const login: HyperPodInstanceGroupOptions = { instanceGroupName: 'login', instanceType: HyperPodInstanceType.T3_MEDIUM, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.LOGIN };

  test('each group carries its Slurm node type; compute groups a partition (the group name unless given)', () => {
    const { stack } = cluster({ instanceGroups: [controller, login, workers, { ...workers, instanceGroupName: 'trn', slurmPartition: 'trainium' }] });
    const g = groupsOf(stack);
    expect(g.controller.SlurmConfig).toEqual({ NodeType: 'Controller' });
    expect(g.login.SlurmConfig).toEqual({ NodeType: 'Login' });
    expect(g.workers.SlurmConfig).toEqual({ NodeType: 'Compute', PartitionNames: ['workers'] });
    expect(g.trn.SlurmConfig).toEqual({ NodeType: 'Compute', PartitionNames: ['trainium'] });
  });

  test('the config strategy is Managed unless chosen', () => {
    for (const [strategy, rendered] of [[HyperPodSlurmConfigStrategy.MERGE, 'Merge'], [HyperPodSlurmConfigStrategy.OVERWRITE, 'Overwrite']] as const) {
      const { stack } = cluster({ orchestrator: HyperPodOrchestrator.slurm({ configStrategy: strategy }) });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Cluster', { Orchestrator: { Slurm: { SlurmConfigStrategy: rendered } } });
    }
  });

  test('exactly one controller group: none or two fail at synth, one passes', () => {
    expectValidationError(() => Template.fromStack(cluster({ instanceGroups: [workers] }).stack), /invalid-slurm-controller.*Received: \[\]/);
    expectValidationError(() => Template.fromStack(cluster({ instanceGroups: [controller, { ...controller, instanceGroupName: 'controller2' }, workers] }).stack),
      /invalid-slurm-controller.*controller2/);
    // a controller added later with addInstanceGroup() counts: the check runs once all groups are in
    const { stack, hp } = cluster({ instanceGroups: [workers] });
    hp.addInstanceGroup(controller);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('at most one login group: one passes, two fail', () => {
    expect(() => Template.fromStack(cluster({ instanceGroups: [controller, login, workers] }).stack)).not.toThrow();
    expectValidationError(() => Template.fromStack(cluster({ instanceGroups: [controller, login, { ...login, instanceGroupName: 'login2' }, workers] }).stack),
      /invalid-slurm-login/);
  });

  test('partitions: only on compute groups, and a valid name', () => {
    expectValidationError(() => cluster({ instanceGroups: [{ ...controller, slurmPartition: 'ctl' }, workers] }), /invalid-slurm-partition.*only compute groups/);
    expectValidationError(() => cluster({ instanceGroups: [controller, { ...login, slurmPartition: 'l' }] }), /invalid-slurm-partition/);
    for (const bad of ['gpu_a', '-gpu', 'gpu-', 'a b']) {
      expectValidationError(() => cluster({ instanceGroups: [controller, { ...workers, slurmPartition: bad }] }), /invalid-slurm-partition.*letters, digits and hyphens/);
    }
    for (const good of ['gpu', 'h100-train', 'a--b', 'X1']) {
      expect(() => cluster({ instanceGroups: [controller, { ...workers, slurmPartition: good }] })).not.toThrow();
    }
  });

  test('the controller group has one instance: 1 passes, 2 fail', () => {
    expect(() => cluster({ instanceGroups: [{ ...controller, instanceCount: 1 }, workers] })).not.toThrow();
    expectValidationError(() => cluster({ instanceGroups: [{ ...controller, instanceCount: 2 }, workers] }), /invalid-slurm-controller.*one instance.*Received: 2/);
  });

  test('no compute partition named "dev", the partition HyperPod adds every node to (given, or defaulted from the group name)', () => {
    expectValidationError(() => cluster({ instanceGroups: [controller, { ...workers, slurmPartition: 'dev' }] }), /invalid-slurm-partition.*"dev" partition/);
    expectValidationError(() => cluster({ instanceGroups: [controller, { ...workers, instanceGroupName: 'dev' }] }), /invalid-slurm-partition.*defaults to the group name/);
    expect(() => cluster({ instanceGroups: [controller, { ...workers, instanceGroupName: 'dev', slurmPartition: 'gpu' }] })).not.toThrow();
  });

  test('Slurm options on an EKS cluster are refused', () => {
    const eksArn = HyperPodOrchestrator.eksClusterArn('arn:aws:eks:eu-west-1:111111111111:cluster/training');
    expectValidationError(() => cluster({ orchestrator: eksArn, instanceGroups: [controller] }), /slurm-option-without-slurm/);
    expectValidationError(() => cluster({ orchestrator: eksArn, instanceGroups: [{ ...workers, slurmPartition: 'gpu' }] }), /slurm-option-without-slurm/);
    const { stack } = cluster({ orchestrator: eksArn, instanceGroups: [eksController, workers] });
    expect(groupsOf(stack).workers.SlurmConfig).toBeUndefined();
  });
});

describe('lifecycle scripts are optional with Slurm', () => {
  test('without scripts: no LifeCycleConfig, and no S3 or KMS permissions in the execution policy', () => {
    const { stack, vpc } = setup();
    const hp = new HyperPodCluster(stack, 'Cluster', { vpc, instanceGroups: [controller, workers] });
    const t = Template.fromStack(stack);
    const c = Object.values(t.findResources('AWS::SageMaker::Cluster'))[0] as { Properties: { InstanceGroups: Record<string, unknown>[] } };
    for (const g of c.Properties.InstanceGroups) expect(g.LifeCycleConfig).toBeUndefined();
    const statements = grantStatements(t, hp.instanceGroupGrantee('workers'));
    expect(Object.keys(bySid(statements))).toEqual([
      'ClusterLogStreams', 'ClusterLogGroup', 'ClusterMetrics', 'SessionManagerChannels', 'NetworkInterfacesInClusterSubnets',
      'NetworkInterfaceLifecycle', 'TagNetworkInterfaces', 'DescribeNetwork',
    ]);
    for (const st of statements) for (const action of st.Action) expect(action).not.toMatch(/^(s3|kms):/);
  });

  test('an EKS-orchestrated cluster needs them, on the cluster or on every group', () => {
    const { stack, vpc, store } = setup();
    const orchestrator = HyperPodOrchestrator.eksClusterArn('arn:aws:eks:eu-west-1:111111111111:cluster/training');
    expectValidationError(() => new HyperPodCluster(stack, 'Cluster', { vpc, orchestrator, instanceGroups: [workers] }),
      /missing-lifecycle-scripts.*"workers"/);
    new HyperPodCluster(stack, 'Cluster2', {
      clusterName: 'eks-hp', vpc, orchestrator, instanceGroups: [{ ...workers, lifecycleScripts: { datasets: store, zone: 'curated' } }],
    });
    // EKS nodes run the script when they are created
    const c = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Cluster', { Properties: { ClusterName: 'eks-hp' } }))[0] as {
      Properties: { InstanceGroups: { LifeCycleConfig: Record<string, unknown> }[] };
    };
    expect(c.Properties.InstanceGroups[0].LifeCycleConfig).toEqual({ SourceS3Uri: expect.anything(), OnCreate: 'on_create.sh' });
  });
});

describe('lifecycle scripts the stack uploads', () => {
  const eksArn = 'arn:aws:eks:eu-west-1:111111111111:cluster/training';
  const shipped = path.join(__dirname, '../../lib/training/assets/hyperpod-eks/on_create.sh');
  function eksCluster(groups: HyperPodInstanceGroupOptions[] = [eksController, { ...workers, ebsVolumeSize: Size.gibibytes(500) }], extra: Partial<HyperPodClusterProps> = {}) {
    const { stack, vpc, store } = setup();
    const hp = new HyperPodCluster(stack, 'Cluster', {
      vpc, orchestrator: HyperPodOrchestrator.eksClusterArn(eksArn), instanceGroups: groups,
      lifecycleScripts: { datasets: store, zone: 'curated', source: HyperPodScriptsSource.eksNodeStorage() },
      ...extra,
    });
    return { stack, vpc, store, hp };
  }
  const resources = (t: Template, type: string) => Object.entries(t.findResources(type));

  test('the library\'s EKS script is uploaded to the prefix before the cluster is created, kept on delete', () => {
    const { stack, store } = eksCluster();
    const t = Template.fromStack(stack);
    const deployments = resources(t, 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(1);
    const [deploymentId, deployment] = deployments[0];
    expect(deployment.Properties).toMatchObject({
      DestinationBucketName: stack.resolve(store.bucket.bucketName), DestinationBucketKeyPrefix: 'curated/lifecycle-scripts/', Prune: true, RetainOnDelete: true,
    });
    const [, cluster] = resources(t, 'AWS::SageMaker::Cluster')[0];
    // the cluster waits for the upload: an explicit dependency, not creation order
    expect(cluster.DependsOn).toEqual(expect.arrayContaining([deploymentId]));
    for (const group of cluster.Properties.InstanceGroups) {
      expect(group.LifeCycleConfig).toEqual({ SourceS3Uri: { 'Fn::Join': ['', ['s3://', stack.resolve(store.bucket.bucketName), '/curated/lifecycle-scripts/']] }, OnCreate: 'on_create.sh' });
    }
    // the uploaded asset is the shipped directory: the zip named by the deployment holds on_create.sh as shipped
    const asm = (stack.node.root as App).synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(asm.directory, 'S.assets.json'), 'utf8'));
    const key = JSON.stringify(deployment.Properties.SourceObjectKeys);
    const [hash, asset] = Object.entries<{ source: { path: string; packaging: string } }>(manifest.files).find(([h]) => key.includes(h))!;
    expect(asset.source.packaging).toBe('zip');
    expect(hash).toBeDefined();
    const staged = path.resolve(asm.directory, asset.source.path);
    expect(fs.readdirSync(staged)).toEqual(['on_create.sh']);
    expect(fs.readFileSync(path.join(staged, 'on_create.sh'), 'utf8')).toBe(fs.readFileSync(shipped, 'utf8'));
  });

  test('the upload runs with a role of its own: a managed policy for the asset and the prefix only, no inline or AWS managed policy', () => {
    const { stack, store } = eksCluster();
    const t = Template.fromStack(stack);
    const [fnId, fn] = resources(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('CustomCDKBucketDeployment'))!;
    expect(fnId).toMatch(/256MiB512MiB/);
    expect(fn.Properties.MemorySize).toBe(256);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const [role] = resources(t, 'AWS::IAM::Role').filter(([id]) => id === roleId).map(([, r]) => r);
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }]);
    expect(resources(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))).toEqual([]);
    const attached = resources(t, 'AWS::IAM::ManagedPolicy').filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    const statements = attached.flatMap(([, p]) => p.Properties.PolicyDocument.Statement).map(canonical);
    const bucket = stack.resolve(store.bucket.bucketArn);
    const sids = bySid(statements.filter((st) => st.Sid !== undefined));
    expect(Object.keys(sids).sort()).toEqual(['EncryptScripts', 'ListScriptsPrefix', 'ReadScriptsAsset', 'WriteScriptsPrefix']);
    expect(sids.ReadScriptsAsset.Action).toEqual(['s3:GetObject']);
    expect(JSON.stringify(sids.ReadScriptsAsset.Resource)).toMatch(/cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip/);
    expectStatement(sids.ListScriptsPrefix, { Sid: 'ListScriptsPrefix', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': ['curated/lifecycle-scripts/', 'curated/lifecycle-scripts/*'] } } });
    expectStatement(sids.WriteScriptsPrefix, { Sid: 'WriteScriptsPrefix', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: stack.resolve(store.bucket.arnForObjects('curated/lifecycle-scripts/*')) });
    expectStatement(sids.EncryptScripts, {
      Sid: 'EncryptScripts', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: stack.resolve(store.encryptionKey!.keyArn),
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
    // the logs statement is the only one without a Sid
    expect(statements.filter((st) => st.Sid === undefined)).toEqual([canonical({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: expect.anything() })]);
    // nothing reaches the dataset store's bucket policy for the deployer
    const bucketPolicies = resources(t, 'AWS::S3::BucketPolicy').map(([, p]) => JSON.stringify(p.Properties.PolicyDocument));
    for (const doc of bucketPolicies) expect(doc).not.toContain(roleId);
    // the copy waits for its policy
    const [, deployment] = resources(t, 'Custom::CDKBucketDeployment')[0];
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(attached.map(([id]) => id).filter((id) => id.includes('LifecycleScripts'))));
  });

  test('groups naming the same source share one upload; two clusters of a stack share the function and role, each with its policy', () => {
    const { stack, vpc, store } = eksCluster();
    new HyperPodCluster(stack, 'Other', {
      vpc, orchestrator: HyperPodOrchestrator.eksClusterArn(eksArn), instanceGroups: [{ ...workers, ebsVolumeSize: Size.gibibytes(100) }],
      lifecycleScripts: { datasets: store, zone: 'features', source: HyperPodScriptsSource.eksNodeStorage() },
    });
    const t = Template.fromStack(stack);
    expect(resources(t, 'Custom::CDKBucketDeployment').map(([, d]) => d.Properties.DestinationBucketKeyPrefix).sort()).toEqual(['curated/lifecycle-scripts/', 'features/lifecycle-scripts/']);
    const fns = resources(t, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('CustomCDKBucketDeployment'));
    expect(fns).toHaveLength(1);
    const roleId = fns[0][1].Properties.Role['Fn::GetAtt'][0];
    const writes = resources(t, 'AWS::IAM::ManagedPolicy').filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement).filter((st: { Sid?: string }) => st.Sid === 'WriteScriptsPrefix').map((st: { Resource: unknown }) => JSON.stringify(st.Resource));
    expect(writes).toHaveLength(2);
    expect(writes.some((w: string) => w.includes('/curated/lifecycle-scripts/*')) && writes.some((w: string) => w.includes('/features/lifecycle-scripts/*'))).toBe(true);
  });

  test('a team\'s directory is uploaded as it is, once it holds the entry point', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-lcs-'));
    fs.writeFileSync(path.join(dir, 'setup.sh'), '#!/bin/bash\n');
    const source = HyperPodScriptsSource.fromDirectory(dir);
    const make = (onCreate?: string, from = source) => {
      const { stack, vpc, store } = setup();
      new HyperPodCluster(stack, 'Cluster', { vpc, instanceGroups: [controller, workers], lifecycleScripts: { datasets: store, zone: 'curated', source: from, onCreate } });
      return { stack };
    };
    // the default entry point on_create.sh is not there
    expectValidationError(() => make(), /\[mlops:invalid-lifecycle-scripts\].*no entry point on_create\.sh at its top level/);
    const { stack } = make('setup.sh');
    const t = Template.fromStack(stack);
    t.resourceCountIs('Custom::CDKBucketDeployment', 1);
    const [, c] = resources(t, 'AWS::SageMaker::Cluster')[0];
    // Slurm runs it after HyperPod's own setup
    expect(c.Properties.InstanceGroups[0].LifeCycleConfig.OnInitComplete).toBe('setup.sh');
    // a directory in place of the entry point, and a directory that is not there
    fs.mkdirSync(path.join(dir, 'on_create.sh'));
    expectValidationError(() => make(), /invalid-lifecycle-scripts.*no entry point on_create\.sh/);
    expectValidationError(() => make(undefined, HyperPodScriptsSource.fromDirectory(path.join(dir, 'absent'))), /invalid-lifecycle-scripts.*directory cannot be read/);
  });

  test('refused: the EKS script on Slurm, another entry point for it, two sources on one prefix', () => {
    const refused = (orchestrator: HyperPodOrchestrator | undefined, onCreate?: string) => {
      const { stack, vpc, store } = setup();
      return () => new HyperPodCluster(stack, 'Cluster', {
        vpc, orchestrator, instanceGroups: orchestrator ? [eksController] : [controller],
        lifecycleScripts: { datasets: store, zone: 'curated', source: HyperPodScriptsSource.eksNodeStorage(), onCreate },
      });
    };
    expectValidationError(refused(undefined), /invalid-lifecycle-scripts.*eksNodeStorage\(\) sets up containerd and the kubelet of EKS nodes; this cluster is orchestrated by Slurm/);
    expectValidationError(refused(HyperPodOrchestrator.eksClusterArn(eksArn), 'start.sh'), /invalid-lifecycle-scripts.*the library's scripts start at on_create\.sh/);
    expect(refused(HyperPodOrchestrator.eksClusterArn(eksArn), 'on_create.sh')).not.toThrow();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-lcs-'));
    fs.writeFileSync(path.join(dir, 'on_create.sh'), '#!/bin/bash\n');
    const { stack, vpc, store } = setup();
    expectValidationError(() => new HyperPodCluster(stack, 'Cluster', {
      vpc, orchestrator: HyperPodOrchestrator.eksClusterArn(eksArn),
      lifecycleScripts: { datasets: store, zone: 'curated', source: HyperPodScriptsSource.eksNodeStorage() },
      instanceGroups: [workers, { ...eksController, lifecycleScripts: { datasets: store, zone: 'curated', source: HyperPodScriptsSource.fromDirectory(dir) } }],
    }), /invalid-lifecycle-scripts.*another instance group uploads other scripts to the same prefix/);
  });

  test('a group without an EBS volume gets a warning: the script then leaves node storage on the root volume', () => {
    const { stack } = eksCluster();
    const warnings = Annotations.fromStack(stack).findWarning('/S/Cluster', Match.stringLikeRegexp('hyperpod-node-storage-without-volume'));
    expect(warnings.map((w) => w.entry.data)).toEqual([expect.stringMatching(/Instance group "system" has no ebsVolumeSize/)]);
  });
});

describe('the shipped EKS lifecycle script, run against stubs of the node', () => {
  // A scratch root with stub mountpoint/systemctl/systemd-escape: the script's file operations go
  // under MLOPS_ROOT, its systemctl calls into a log.
  function run(options: { mounted: string[]; active: string[] }) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-node-'));
    const bin = path.join(root, 'stub-bin');
    fs.mkdirSync(bin);
    const log = path.join(root, 'systemctl.log');
    fs.writeFileSync(path.join(bin, 'mountpoint'), `#!/bin/bash\nfor m in ${options.mounted.map((m) => root + m).join(' ')}; do [ "$2" = "$m" ] && exit 0; done\nexit 1\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'systemctl'), `#!/bin/bash\necho "$*" >> ${log}\nif [ "$1" = is-active ]; then for s in ${options.active.join(' ')}; do [ "$3" = "$s" ] && exit 0; done; exit 3; fi\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'systemd-escape'), '#!/bin/bash\np="${3#/}"; echo "${p//\\//-}.mount"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/bash\n', { mode: 0o755 });
    for (const d of ['/var/lib/containerd', '/var/lib/kubelet', '/etc/systemd/system', '/opt/sagemaker']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.writeFileSync(path.join(root, '/var/lib/kubelet/config.json'), '{}');
    const result = spawnSync('bash', [path.join(__dirname, '../../lib/training/assets/hyperpod-eks/on_create.sh')], {
      encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, MLOPS_ROOT: root, MLOPS_VOLUME_WAIT_SECONDS: '10' },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    return { root, result, calls };
  }

  test('with the volume: services stopped, state copied, bind mounts declared and enabled, services started again in order', () => {
    const { root, result, calls } = run({ mounted: ['/opt/sagemaker'], active: ['kubelet', 'containerd'] });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(calls).toEqual([
      'is-active --quiet kubelet', 'stop kubelet', 'is-active --quiet containerd', 'stop containerd', 'daemon-reload',
      'enable --now var-lib-containerd.mount', 'enable --now var-lib-kubelet.mount', 'start containerd', 'start kubelet',
    ]);
    expect(fs.readFileSync(path.join(root, '/opt/sagemaker/node-state/var/lib/kubelet/config.json'), 'utf8')).toBe('{}');
    const unit = fs.readFileSync(path.join(root, '/etc/systemd/system/var-lib-kubelet.mount'), 'utf8');
    expect(unit).toMatch(/^What=\/opt\/sagemaker\/node-state\/var\/lib\/kubelet$/m);
    expect(unit).toMatch(/^Where=\/var\/lib\/kubelet$/m);
    expect(unit).toMatch(/^Options=bind$/m);
    expect(unit).toMatch(/^RequiredBy=containerd\.service kubelet\.service$/m);
    expect(unit).toMatch(/^RequiresMountsFor=\/opt\/sagemaker$/m);
  });

  test('a service that was not running is not started; a state directory that is a mount point already is left alone', () => {
    const { root, result, calls } = run({ mounted: ['/opt/sagemaker', '/var/lib/containerd'], active: ['containerd'] });
    expect(result.status).toBe(0);
    expect(calls).toEqual(['is-active --quiet kubelet', 'is-active --quiet containerd', 'stop containerd', 'daemon-reload', 'enable --now var-lib-kubelet.mount', 'start containerd']);
    expect(fs.existsSync(path.join(root, '/etc/systemd/system/var-lib-containerd.mount'))).toBe(false);
  });

  test('without the volume: nothing changes and the node still starts', () => {
    const { root, result, calls } = run({ mounted: [], active: ['kubelet', 'containerd'] });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\/opt\/sagemaker is not mounted/);
    expect(calls).toEqual([]);
    expect(fs.readdirSync(path.join(root, '/etc/systemd/system'))).toEqual([]);
  });

  test('a failed step fails the node (non-zero exit), after the output is flushed', () => {
    // a systemctl that fails to stop kubelet
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-node-'));
    const bin = path.join(root, 'stub-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'mountpoint'), `#!/bin/bash\n[ "$2" = "${root}/opt/sagemaker" ]\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'systemctl'), '#!/bin/bash\n[ "$1" = stop ] && exit 5\nexit 0\n', { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'var/lib/kubelet'), { recursive: true });
    fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/bash\n', { mode: 0o755 });
    const failed = spawnSync('bash', [path.join(__dirname, '../../lib/training/assets/hyperpod-eks/on_create.sh')], {
      encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, MLOPS_ROOT: root },
    });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/failed at line \d+/);
  });

  test('the stub names units as systemd does', () => {
    const real = spawnSync('systemd-escape', ['--path', '--suffix=mount', '/var/lib/containerd'], { encoding: 'utf8' });
    if (real.error) {
      console.warn('systemd-escape is not installed: the unit names are checked against the stub only');
      return;
    }
    expect(real.stdout.trim()).toBe('var-lib-containerd.mount');
  });
});

describe('an FSx for Lustre file system on the nodes', () => {
  function withLustre(props: Partial<HyperPodClusterProps> = {}) {
    const { stack, vpc, store } = setup();
    const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, vpcSubnets: { subnets: [vpc.privateSubnets[1]] } });
    const hp = new HyperPodCluster(stack, 'Cluster', { vpc, instanceGroups: [controller, workers], fileSystem: lustre, ...props });
    return { stack, vpc, store, lustre, hp };
  }

  test('every group mounts it at /fsx; the cluster is placed in its subnet only', () => {
    const { stack, vpc, lustre } = withLustre();
    const t = Template.fromStack(stack);
    const fs = stack.getLogicalId(lustre.fileSystem);
    const mount = { FsxLustreConfig: { DnsName: { 'Fn::GetAtt': [fs, 'DNSName'] }, MountName: { 'Fn::GetAtt': [fs, 'LustreMountName'] }, MountPath: '/fsx' } };
    t.hasResourceProperties('AWS::SageMaker::Cluster', {
      InstanceGroups: [Match.objectLike({ InstanceStorageConfigs: [mount] }), Match.objectLike({ InstanceStorageConfigs: [mount] })],
      VpcConfig: Match.objectLike({ Subnets: [stack.resolve(vpc.privateSubnets[1].subnetId)] }),
    });
  });

  test('with an extra EBS volume, both storage configs are rendered', () => {
    const { stack } = withLustre({ instanceGroups: [controller, { ...workers, ebsVolumeSize: Size.gibibytes(500) }] });
    const c = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Cluster'))[0] as { Properties: { InstanceGroups: { InstanceStorageConfigs: object[] }[] } };
    expect(c.Properties.InstanceGroups[1].InstanceStorageConfigs).toEqual([
      { EbsVolumeConfig: { VolumeSizeInGB: 500 } }, { FsxLustreConfig: expect.objectContaining({ MountPath: '/fsx' }) },
    ]);
  });

  test('the cluster is created after the file system and its dataset links, and its nodes are Lustre clients', () => {
    const { stack, store, lustre, hp } = withLustre();
    lustre.addDatasetLink('features', '/datasets/features');
    const t = Template.fromStack(stack);
    const cluster = Object.values(t.findResources('AWS::SageMaker::Cluster'))[0] as { DependsOn: string[] };
    expect(cluster.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(lustre.fileSystem), ...Object.keys(t.findResources('AWS::FSx::DataRepositoryAssociation'))]));
    expect(Object.keys(t.findResources('AWS::FSx::DataRepositoryAssociation'))).toHaveLength(1);
    const sg = stack.resolve(hp.connections.securityGroups[0].securityGroupId);
    for (const [from, to] of [[988, 988], [1018, 1023]]) {
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: stack.resolve(lustre.securityGroup.securityGroupId), SourceSecurityGroupId: sg, FromPort: from, ToPort: to,
      });
    }
    expect(store).toBeDefined();
  });

  test('a mount path of its own; bad paths are refused', () => {
    const { stack } = withLustre({ fileSystemMountPath: '/data/lustre' });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Cluster', {
      InstanceGroups: Match.arrayWith([Match.objectLike({ InstanceStorageConfigs: [{ FsxLustreConfig: Match.objectLike({ MountPath: '/data/lustre' }) }] })]),
    });
    for (const bad of ['fsx', '/fsx/', '/', '/a/../b', '/a b']) {
      expectValidationError(() => withLustre({ fileSystemMountPath: bad }), /invalid-mount-path/);
    }
  });

  test('vpcSubnets must include the file system\'s subnet', () => {
    const s = setup();
    const lustre = new DatasetFileSystem(s.stack, 'Lustre', { datasets: s.store, vpc: s.vpc, vpcSubnets: { subnets: [s.vpc.privateSubnets[1]] } });
    expectValidationError(() => new HyperPodCluster(s.stack, 'Cluster', {
      vpc: s.vpc, instanceGroups: [controller, workers], fileSystem: lustre, vpcSubnets: { subnets: [s.vpc.privateSubnets[0]] },
    }), /file-system-subnet/);
    const hp = new HyperPodCluster(s.stack, 'Ok', { vpc: s.vpc, instanceGroups: [controller, workers], fileSystem: lustre, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    Template.fromStack(s.stack).hasResourceProperties('AWS::SageMaker::Cluster', {
      ClusterName: hp.clusterName, VpcConfig: Match.objectLike({ Subnets: [s.stack.resolve(s.vpc.privateSubnets[1].subnetId)] }),
    });
  });

  test('an imported file system: its subnet when given (validated), else the selected subnets', () => {
    const s = setup();
    const attrs = {
      fileSystemId: 'fs-0123456789abcdef0', dnsName: 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com', mountName: 'abcdefgh',
      storageCapacity: Size.gibibytes(1200), securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s.stack, 'FsSg', 'sg-0123456789abcdef0'),
    };
    const placed = DatasetFileSystem.fromDatasetFileSystemAttributes(s.stack, 'Placed', { ...attrs, subnetId: 'subnet-0123456789abcdef0' });
    const unplaced = DatasetFileSystem.fromDatasetFileSystemAttributes(s.stack, 'Unplaced', attrs);
    new HyperPodCluster(s.stack, 'A', { clusterName: 'a', vpc: s.vpc, instanceGroups: [controller, workers], fileSystem: placed });
    new HyperPodCluster(s.stack, 'B', { clusterName: 'b', vpc: s.vpc, instanceGroups: [controller, workers], fileSystem: unplaced });
    const t = Template.fromStack(s.stack);
    t.hasResourceProperties('AWS::SageMaker::Cluster', { ClusterName: 'a', VpcConfig: Match.objectLike({ Subnets: ['subnet-0123456789abcdef0'] }) });
    t.hasResourceProperties('AWS::SageMaker::Cluster', { ClusterName: 'b', VpcConfig: Match.objectLike({ Subnets: s.vpc.privateSubnets.map((x) => s.stack.resolve(x.subnetId)) }) });
    expectValidationError(() => DatasetFileSystem.fromDatasetFileSystemAttributes(setup().stack, 'Bad', { ...attrs, securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s.stack, 'FsSg2', 'sg-0123456789abcdef0'), subnetId: 'subnet-xyz' }),
      /invalid-resource-id.*subnet id/);
  });

  test('EKS orchestration takes no file system (pods mount it)', () => {
    const s = setup();
    const lustre = new DatasetFileSystem(s.stack, 'Lustre', { datasets: s.store, vpc: s.vpc });
    expectValidationError(() => new HyperPodCluster(s.stack, 'Cluster', {
      vpc: s.vpc, fileSystem: lustre, lifecycleScripts: { datasets: s.store, zone: 'curated' }, instanceGroups: [workers],
      orchestrator: HyperPodOrchestrator.eksClusterArn('arn:aws:eks:eu-west-1:111111111111:cluster/training'),
    }), /file-system-needs-slurm/);
  });
});

// The compliance packs and the CloudFormation schema on a stack holding the cluster.
describe('compliance', () => {
  let reports: PluginReport[] = [];
  let error: Error | undefined;

  beforeAll(() => {
    ({ error, reports } = synthCompliant((app) => {
      const { stack, vpc, store } = trainingFixture(app);
      // with the FSx for Lustre mount and a config strategy, so the schema check covers them too
      const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc });
      new HyperPodCluster(stack, 'Cluster', {
        vpc,
        fileSystem: lustre,
        orchestrator: HyperPodOrchestrator.slurm({ configStrategy: HyperPodSlurmConfigStrategy.MERGE }),
        lifecycleScripts: { datasets: store, zone: 'curated' },
        instanceGroups: [
          controller,
          { instanceGroupName: 'login', instanceType: HyperPodInstanceType.T3_MEDIUM, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.LOGIN },
          { ...workers, threadsPerCore: 1, ebsVolumeSize: Size.gibibytes(500) },
          { instanceGroupName: 'trainium', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.TRN1_32XLARGE), instanceCount: 2 },
        ],
      });
      // an EKS-orchestrated cluster with the library's scripts, uploaded by the stack
      new HyperPodCluster(stack, 'EksCluster', {
        vpc,
        orchestrator: HyperPodOrchestrator.eksClusterArn('arn:aws:eks:eu-west-1:111111111111:cluster/training'),
        lifecycleScripts: { datasets: store, zone: 'features', source: HyperPodScriptsSource.eksNodeStorage() },
        instanceGroups: [{ ...workers, ebsVolumeSize: Size.gibibytes(500) }],
      });
    }));
  });

  test('every pack and the CloudFormation schema pass with nothing left unacknowledged', () => {
    expect(error).toBeUndefined();
    // The CloudFormation schema validation reports only when it finds something (see the control below).
    expect(reports.map((r) => r.pluginName)).toEqual(expect.arrayContaining([
      'AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'cdk-validator-cfnguard',
    ]));
    for (const report of reports) {
      expect({ plugin: report.pluginName, violations: report.violations }).toEqual({ plugin: report.pluginName, violations: [] });
      expect(report.conclusion).toBe('success');
    }
  });

  test('the cluster\'s acknowledgments are inherent to HyperPod: specific ids on specific resources, with reasons', () => {
    const suppressed = reports.flatMap((r) => r.suppressedViolations ?? []).filter((s) => s.acknowledgedAt.startsWith('Training/Cluster'));
    const allowed: [RegExp, RegExp][] = [
      [/^AwsSolutions::AwsSolutions-IAM5\[Resource::(\*|arn:(<AWS::Partition>|aws):logs:eu-west-1:111111111111:log-group:\/aws\/sagemaker\/Clusters\/Training-Cluster-[0-9A-F]{8}\/\*(:log-stream:\*)?|arn:(<AWS::Partition>|aws):ec2:eu-west-1:111111111111:network-interface\/\*|<Datasets[0-9A-F]{8}\.Arn>\/curated\/lifecycle-scripts\/\*)\]$/,
        /^Training\/Cluster\/InstanceGroup-[a-z]+\/Policy$/],
      [/^(NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)::\1-EC2RestrictedCommonPorts$/, /^Training\/Cluster\/SecurityGroup\/AllTrafficWithinGroup$/],
    ];
    expect(suppressed.length).toBeGreaterThan(0);
    for (const s of suppressed) {
      expect({ s: [s.acknowledgedId, s.acknowledgedAt], ok: allowed.some(([id, at]) => id.test(s.acknowledgedId) && at.test(s.acknowledgedAt)) })
        .toEqual({ s: [s.acknowledgedId, s.acknowledgedAt], ok: true });
      expect(s.reason.length).toBeGreaterThan(60);
    }
    // a wildcard shared by several statements is acknowledged once, with the reason of each
    const star = suppressed.find((s) => s.acknowledgedId === 'AwsSolutions::AwsSolutions-IAM5[Resource::*]')!;
    expect(star.reason).toMatch(/PutMetricData.*ssmmessages.*Describe/);
    // every group's policy needed the same five acknowledgments, and nothing else was acknowledged
    expect(new Set(suppressed.map((s) => s.acknowledgedAt))).toEqual(new Set([
      'Training/Cluster/InstanceGroup-controller/Policy', 'Training/Cluster/InstanceGroup-login/Policy', 'Training/Cluster/InstanceGroup-workers/Policy',
      'Training/Cluster/InstanceGroup-trainium/Policy', 'Training/Cluster/SecurityGroup/AllTrafficWithinGroup',
    ]));
    const others = reports.flatMap((r) => r.suppressedViolations ?? []).filter((s) => !/^Training\/(Cluster|EksCluster|HyperPodScriptsDeployer|Custom::CDKBucketDeployment)/.test(s.acknowledgedAt));
    for (const s of others) expect(s.acknowledgedAt).toMatch(/^Training\/(Vpc\/(Resource|TrainingSecurityGroup\/.*)|Datasets\/(Resource|AccessLogs))$/);
  });

  test('the script upload\'s acknowledgments: the function runs outside the VPC once per deployment, its logs hold no data, its writes stay in the prefix', () => {
    const suppressed = reports.flatMap((r) => r.suppressedViolations ?? [])
      .filter((s) => /^Training\/(EksCluster\/LifecycleScripts|HyperPodScriptsDeployer|Custom::CDKBucketDeployment)/.test(s.acknowledgedAt));
    const seen = suppressed.map((s) => `${s.acknowledgedAt.replace(/[0-9A-F]{32}256MiB512MiB$/, '<uuid>')} ${s.acknowledgedId.replace(/<Datasets[0-9A-F]{8}\.Arn>/, '<Datasets>').replace(/<HyperPodScriptsDeployerLogs[0-9A-F]{8}\.Arn>/, '<HyperPodScriptsDeployerLogs>')}`).sort();
    expect(seen).toEqual([
      'Training/Custom::CDKBucketDeployment<uuid> AwsSolutions::AwsSolutions-L1',
      'Training/Custom::CDKBucketDeployment<uuid> HIPAA.Security::HIPAA.Security-LambdaConcurrency',
      'Training/Custom::CDKBucketDeployment<uuid> HIPAA.Security::HIPAA.Security-LambdaDLQ',
      'Training/Custom::CDKBucketDeployment<uuid> HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
      'Training/Custom::CDKBucketDeployment<uuid> NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      'Training/Custom::CDKBucketDeployment<uuid> NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'Training/Custom::CDKBucketDeployment<uuid> NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC',
      'Training/Custom::CDKBucketDeployment<uuid> PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC',
      'Training/Custom::CDKBucketDeployment<uuid> cdk-validator-cfnguard::lambda_inside_vpc_check',
      'Training/EksCluster/LifecycleScripts/Policy AwsSolutions::AwsSolutions-IAM5[Resource::<Datasets>/features/lifecycle-scripts/*]',
      'Training/HyperPodScriptsDeployer/Logs HIPAA.Security::HIPAA.Security-CloudWatchLogGroupEncrypted',
      'Training/HyperPodScriptsDeployer/Logs NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Training/HyperPodScriptsDeployer/Logs PCI.DSS.321::PCI.DSS.321-CloudWatchLogGroupEncrypted',
      'Training/HyperPodScriptsDeployer/Logs cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      'Training/HyperPodScriptsDeployer/LogsPolicy AwsSolutions::AwsSolutions-IAM5[Resource::<HyperPodScriptsDeployerLogs>:*]',
    ].sort());
    for (const s of suppressed) expect(s.reason.length).toBeGreaterThan(60);
  });
});

describe('the schema validation covers the cluster', () => {
  test('a misspelt HyperPod property fails synth in the CloudFormation schema check', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-hyperpod-schema-'));
    const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const { stack, vpc, store } = trainingFixture(app);
    const hp = new HyperPodCluster(stack, 'Cluster', { vpc, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [controller, workers] });
    hp.cluster.addPropertyOverride('NodeRecover', 'Automatic');
    expect(() => app.synth()).toThrow(/NodeRecover.*CloudFormation Validate/s);
  });
});

