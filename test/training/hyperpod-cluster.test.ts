import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, RemovalPolicy, Size, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  AcceleratorInstanceType, DatasetFileSystem, DatasetStore, HyperPodCluster, HyperPodClusterProps, HyperPodInstanceGroupOptions,
  HyperPodInstanceType, HyperPodNodeRecovery, HyperPodOrchestrator,
} from '../../lib';
import { expectValidationError } from '../support/errors';
import { PluginReport, synthCompliant, trainingFixture } from '../support/synth-platform';

// The built-in CloudFormation schema validation is on in this file (setup-env turns it off
// elsewhere); it only runs for apps with '@aws-cdk/core:validateAgainstDefaultRules', here the
// compliance test's.
delete process.env.CDK_VALIDATION;

const P5 = HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE);
const controller: HyperPodInstanceGroupOptions = { instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1 };
const workers: HyperPodInstanceGroupOptions = { instanceGroupName: 'workers', instanceType: P5, instanceCount: 4 };

function setup() {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
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

function policyOf(t: Template, group: string): { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  const policies = t.findResources('AWS::IAM::ManagedPolicy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(`ClusterInstanceGroup${group}Policy`));
  return entry![1].Properties.PolicyDocument.Statement;
}

describe('HyperPodCluster defaults', () => {
  const { stack, vpc, hp } = cluster();
  const t = Template.fromStack(stack);

  test('one cluster with a valid generated name, automatic node recovery, Slurm (no orchestrator), destroyed with the stack', () => {
    t.resourceCountIs('AWS::SageMaker::Cluster', 1);
    t.hasResource('AWS::SageMaker::Cluster', {
      DeletionPolicy: 'Delete',
      Properties: {
        ClusterName: hp.clusterName,
        NodeRecovery: 'Automatic',
        Orchestrator: Match.absent(),
      },
    });
    expect(hp.clusterName).toMatch(/^S-Cluster-[0-9A-F]{8}$/);
    expect(hp.node.defaultChild).toBe(hp.cluster);
    expect(hp.orchestrator.kind).toBe('slurm');
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
            OnCreate: 'on_create.sh',
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

  test('the policy is narrowed to this cluster\'s logs, its network and the group\'s scripts', () => {
    const statements = policyOf(t, 'workers');
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual([
      'ClusterLogStreams', 'ClusterLogGroup', 'ClusterMetrics', 'SessionManagerChannels', 'NetworkInterfacesInClusterSubnets',
      'NetworkInterfaceLifecycle', 'TagNewNetworkInterfaces', 'DescribeNetwork', 'ReadLifecycleScripts', 'ListLifecycleScripts',
      'DecryptLifecycleScripts',
    ]);
    expect(bySid.TagNewNetworkInterfaces.Condition).toEqual({ StringEquals: { 'ec2:CreateAction': 'CreateNetworkInterface' } });
    expect(JSON.stringify(bySid.ClusterLogStreams.Resource)).toContain(`:log-group:/aws/sagemaker/Clusters/${hp.clusterName}/*:log-stream:*`);
    expect(JSON.stringify(bySid.ClusterLogGroup.Resource)).toContain(`:log-group:/aws/sagemaker/Clusters/${hp.clusterName}/*"`);
    expect(bySid.ClusterMetrics.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Clusters' } });
    expect(JSON.stringify(bySid.NetworkInterfacesInClusterSubnets.Resource)).toContain(stack.resolve(vpc.privateSubnets[0].subnetId).Ref);
    expect(bySid.ReadLifecycleScripts.Action).toBe('s3:GetObject');
    expect(bySid.ReadLifecycleScripts.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Datasets/), 'Arn'] }, '/curated/lifecycle-scripts/*']] });
    expect(bySid.ListLifecycleScripts.Condition).toEqual({ StringLike: { 's3:prefix': ['curated/lifecycle-scripts/', 'curated/lifecycle-scripts/*'] } });
    expect(bySid.DecryptLifecycleScripts).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
    for (const s of statements) {
      for (const action of [s.Action].flat()) expect(action).not.toContain('*');
    }
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
        LifeCycleConfig: {
          SourceS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Datasets') }, '/raw/hyperpod/workers/']] },
          OnCreate: 'setup.sh',
        },
      }]),
      Tags: [{ Key: 'mlops:team', Value: 'llm' }],
    });
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['hyperpod-workers'] });
    expect(JSON.stringify(policyOf(t, 'workers'))).toContain('/raw/hyperpod/workers/*');
    expect(hp.instanceGroupRole('workers')).toBe(role);
  });

  test('instanceGroupGrantee() takes further grants into the group\'s managed policy, not an inline one', () => {
    const { stack, store, hp } = cluster();
    store.grantRead(hp.instanceGroupGrantee('workers'), 'features');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expect(JSON.stringify(policyOf(t, 'workers'))).toContain('/features/*');
    expectValidationError(() => hp.instanceGroupGrantee('nope'), /unknown-instance-group/);
  });

  test('instanceGroupRole() takes further grants, such as reading a dataset zone', () => {
    const { stack, store, hp } = cluster();
    store.grantRead(hp.instanceGroupRole('workers'), 'features');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ClusterInstanceGroupworkersRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject']) })]) },
    });
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
    expect(hp.orchestrator.kind).toBe('eks');
    const t = Template.fromStack(stack);
    const arn = stack.resolve(eksCluster.clusterArn);
    t.hasResourceProperties('AWS::SageMaker::Cluster', { Orchestrator: { Eks: { ClusterArn: arn } } });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', FromPort: 443, ToPort: 443 });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourceSecurityGroupId: 'sg-0123456789abcdef0', FromPort: 1025, ToPort: 65535 });
    const statements = policyOf(t, 'workers');
    expect(statements.find((s) => s.Sid === 'EksPodIdentity')).toMatchObject({ Action: 'eks-auth:AssumeRoleForPodIdentity', Resource: arn });
    expect(statements.find((s) => s.Sid === 'PullHyperPodImages')).toMatchObject({ Resource: '*' });
  });

  test('EKS orchestration from a cluster ARN', () => {
    const arn = 'arn:aws:eks:eu-west-1:111111111111:cluster/training';
    const { stack } = cluster({ orchestrator: HyperPodOrchestrator.eksClusterArn(arn) });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Cluster', { Orchestrator: { Eks: { ClusterArn: arn } } });
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
    new HyperPodCluster(stack, 'Cluster', { vpc, securityGroup: sg, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [workers] });
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
    for (const name of ['ml.p3.16xlarge', 'ml.g4dn.12xlarge', 'ml.inf2.48xlarge', 'ml.trn1.2xlarge', 'ml.c5n.xlarge']) {
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

  test('lifecycle scripts outside the store, with a bad prefix or entry point', () => {
    const { store } = setup();
    expectValidationError(() => {
      const s = setup();
      new HyperPodCluster(s.stack, 'Cluster', { vpc: s.vpc, lifecycleScripts: { datasets: s.store, zone: 'scripts' }, instanceGroups: [workers] });
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

// The compliance packs and the CloudFormation schema on a stack holding the cluster.
describe('compliance', () => {
  let reports: PluginReport[] = [];
  let error: Error | undefined;

  beforeAll(() => {
    ({ error, reports } = synthCompliant((app) => {
      const { stack, vpc, store } = trainingFixture(app);
      new HyperPodCluster(stack, 'Cluster', {
        vpc,
        lifecycleScripts: { datasets: store, zone: 'curated' },
        instanceGroups: [
          controller,
          { instanceGroupName: 'login', instanceType: HyperPodInstanceType.T3_MEDIUM, instanceCount: 1 },
          { ...workers, threadsPerCore: 1, ebsVolumeSize: Size.gibibytes(500) },
          { instanceGroupName: 'trainium', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.TRN1_32XLARGE), instanceCount: 2 },
        ],
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
      [/^AwsSolutions::AwsSolutions-IAM5\[Resource::(\*|arn:<AWS::Partition>:logs:eu-west-1:111111111111:log-group:\/aws\/sagemaker\/Clusters\/Training-Cluster-[0-9A-F]{8}\/\*(:log-stream:\*)?|arn:<AWS::Partition>:ec2:eu-west-1:111111111111:network-interface\/\*|<Datasets[0-9A-F]{8}\.Arn>\/curated\/lifecycle-scripts\/\*)\]$/,
        /^Training\/Cluster\/InstanceGroup-[a-z]+\/Policy$/],
      [/^(NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)::\1-EC2RestrictedCommonPorts$/, /^Training\/Cluster\/SecurityGroup\/AllTrafficWithinGroup$/],
    ];
    expect(suppressed.length).toBeGreaterThan(0);
    for (const s of suppressed) {
      expect(allowed.some(([id, at]) => id.test(s.acknowledgedId) && at.test(s.acknowledgedAt))).toBe(true);
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
    const others = reports.flatMap((r) => r.suppressedViolations ?? []).filter((s) => !s.acknowledgedAt.startsWith('Training/Cluster'));
    for (const s of others) expect(s.acknowledgedAt).toMatch(/^Training\/(Vpc\/(Resource|TrainingSecurityGroup\/.*)|Datasets\/(Resource|AccessLogs))$/);
  });
});

describe('the schema validation covers the cluster', () => {
  test('a misspelt HyperPod property fails synth in the CloudFormation schema check', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-hyperpod-schema-'));
    const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const { stack, vpc, store } = trainingFixture(app);
    const hp = new HyperPodCluster(stack, 'Cluster', { vpc, lifecycleScripts: { datasets: store, zone: 'curated' }, instanceGroups: [workers] });
    hp.cluster.addPropertyOverride('NodeRecover', 'Automatic');
    expect(() => app.synth()).toThrow(/NodeRecover.*CloudFormation Validate/s);
  });
});

