import { App, CfnOutput, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  AcceleratorInstanceType, CheckpointLocation, DatasetStore, DatasetVersionKind, ModelRegistry,
  SageMakerTrainingTemplate, SageMakerTrainingTemplateProps, TrainingCompute, TrainingInput, TrainingNetwork,
} from '../../lib';
import { expectValidationError } from '../support/errors';

function setup(overrides: Partial<SageMakerTrainingTemplateProps> = {}) {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const network = new TrainingNetwork(stack, 'Net');
  const store = new DatasetStore(stack, 'Data');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
  const make = (extra: Partial<SageMakerTrainingTemplateProps> = {}) => new SageMakerTrainingTemplate(stack, 'Train', {
    inputs: [TrainingInput.fromZone(store, 'features')],
    registry, imageTag: '2026-11-25', instanceType: AcceleratorInstanceType.G6E_12XLARGE, vpc: network.vpc,
    ...overrides, ...extra,
  });
  return { stack, network, store, registry, make };
}

describe('SageMakerTrainingTemplate', () => {
  test('renders a request that another stack can embed, with cross-stack references', () => {
    const { stack, make } = setup();
    const request = make().toCreateTrainingJobRequest('job');
    const pipelineStack = new Stack(stack.node.root as App, 'Pipelines', { env: { account: '111111111111', region: 'eu-west-1' } });
    new CfnOutput(pipelineStack, 'Definition', { value: pipelineStack.toJsonString(request) });
    const output = JSON.stringify(Template.fromStack(pipelineStack).toJSON().Outputs);
    expect(output).toContain('Fn::ImportValue');
    expect(output).toContain('\\"EnableNetworkIsolation\\":true');
  });

  test('renders a secure CreateTrainingJob request', () => {
    const { stack, make } = setup({ metrics: [{ name: 'validation:auc', regex: 'val_auc=([0-9.]+)' }], hyperparameters: { epochs: '10' } });
    const template = make();
    const request = template.toCreateTrainingJobRequest('fraud-2026-11-25');
    expect(request).toMatchObject({
      TrainingJobName: 'fraud-2026-11-25',
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      EnableManagedSpotTraining: false,
      ResourceConfig: { InstanceType: 'ml.g6e.12xlarge', InstanceCount: 1, VolumeSizeInGB: 200 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      HyperParameters: { epochs: '10' },
      AlgorithmSpecification: { MetricDefinitions: [{ Name: 'validation:auc', Regex: 'val_auc=([0-9.]+)' }] },
      InputDataConfig: [{ ChannelName: 'train', InputMode: 'FastFile', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated' } } }],
    });
    expect(JSON.stringify(request)).toContain('/features/');
    expect(JSON.stringify(request.OutputDataConfig)).toContain('/training-output/fraud-2026-11-25/');
    expect((request.VpcConfig as { Subnets: unknown[] }).Subnets).toHaveLength(2);
    expect(request.CheckpointConfig).toBeUndefined();
    // g6e trains on local NVMe (hardware-encrypted): SageMaker rejects a volume key there
    expect((request.ResourceConfig as Record<string, unknown>).VolumeKmsKeyId).toBeUndefined();
    // tokens stay unresolved until the embedding stack resolves them
    expect(JSON.stringify(stack.resolve(request.OutputDataConfig))).toMatch(/"KmsKeyId":\{"Fn::GetAtt":\["RegistryKey/);
    expect(template.lineage).toEqual({ 'train:dataset:zone': 'features', 'train:s3-uri': expect.any(String) });
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('EBS-only instance types get the volume key; local-storage types get a volume within their disk', () => {
    const ebsSetup = setup({ instanceType: AcceleratorInstanceType.P3_2XLARGE });
    const ebs = ebsSetup.make();
    expect(JSON.stringify(ebsSetup.stack.resolve(ebs.toCreateTrainingJobRequest('job').ResourceConfig))).toMatch(/"VolumeKmsKeyId":\{"Fn::GetAtt":\["RegistryKey/);
    const small = setup({ instanceType: AcceleratorInstanceType.G4DN_XLARGE }).make();
    expect(small.toCreateTrainingJobRequest('job').ResourceConfig).toMatchObject({ VolumeSizeInGB: 125 });
    expectValidationError(() => setup({ instanceType: AcceleratorInstanceType.G4DN_XLARGE, volumeSize: Size.gibibytes(200) }).make(),
      /invalid-volume-size.*125 GB of local NVMe storage/);
  });

  test('the role may use the job key for output and volumes; grants on the key only for AWS resources', () => {
    const { stack, make } = setup();
    make();
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('"Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey","kms:DescribeKey"]');
    expect(policy).toMatch(/"Action":"kms:CreateGrant","Condition":\{"Bool":\{"kms:GrantIsForAWSResource":"true"\}\}/);
  });

  test('role: SageMaker only, this account, permissions in a managed policy without managed AWS policies', () => {
    const { stack, make } = setup();
    make();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      })] },
      ManagedPolicyArns: Match.absent(),
    });
    const policy = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('/features/*');            // reads its input zone
    expect(policy).not.toContain('/raw/*');              // and no other
    expect(policy).toContain('/training-output/*');     // writes its output prefix
    expect(policy).toContain('ecr:BatchGetImage');
    expect(policy).not.toContain('s3:DeleteObject');
    expect(policy).not.toContain('FullAccess');
    expect(policy).toContain('"cloudwatch:namespace":"/aws/sagemaker/TrainingJobs"');
  });

  test('a pinned dataset version reads that object version only and records lineage', () => {
    const { store, make } = setup();
    const version = store.datasetVersion({ zone: 'curated', key: 'manifests/v7.json', versionId: 'vid-7', kind: DatasetVersionKind.MANIFEST });
    const template = make({ inputs: [TrainingInput.fromDatasetVersion(version, { channelName: 'train' })] });
    const request = template.toCreateTrainingJobRequest('job');
    expect(request.InputDataConfig).toEqual([expect.objectContaining({ DataSource: { S3DataSource: expect.objectContaining({ S3DataType: 'ManifestFile' }) } })]);
    expect(template.lineage).toMatchObject({ 'train:dataset:version-id': 'vid-7', 'train:dataset:kind': 'manifest' });
  });

  test('a pinned object version can be listed and read by the job (S3Prefix), nothing else', () => {
    const { stack, store, make } = setup();
    const version = store.datasetVersion({ zone: 'features', key: 'v3/train.parquet', versionId: 'vid-3' });
    make({ inputs: [TrainingInput.fromDatasetVersion(version)] });
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('/features/v3/train.parquet*');
    expect(policy).toContain('"s3:prefix":["features/v3/train.parquet","features/v3/train.parquet*"]');
    expect(policy).not.toContain('/features/*"');
  });

  test('spot with checkpoints renders max wait and the checkpoint location', () => {
    const { store, make } = setup();
    const template = make({ compute: TrainingCompute.spot(Duration.hours(36)), checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'checkpoints/') });
    const request = template.toCreateTrainingJobRequest('job');
    expect(request).toMatchObject({ EnableManagedSpotTraining: true, StoppingCondition: { MaxRuntimeInSeconds: 86400, MaxWaitTimeInSeconds: 129600 }, CheckpointConfig: { LocalPath: '/opt/ml/checkpoints' } });
    expect(JSON.stringify(request.CheckpointConfig)).toContain('/features/checkpoints/job/');
    const step = template.toPipelineStep('Train') as { Arguments: { CheckpointConfig: { S3Uri: unknown }; OutputDataConfig: { S3OutputPath: unknown } } };
    expect(step).toMatchObject({ Name: 'Train', Type: 'Training', Arguments: { EnableManagedSpotTraining: true } });
    // each pipeline execution checkpoints and writes output in its own folder
    for (const uri of [step.Arguments.CheckpointConfig.S3Uri, step.Arguments.OutputDataConfig.S3OutputPath]) {
      expect(uri).toEqual({ 'Std:Join': { On: '/', Values: [expect.anything(), { Get: 'Execution.PipelineExecutionId' }, ''] } });
    }
    expect(JSON.stringify(step.Arguments.CheckpointConfig)).toContain('/features/checkpoints/Train');
  });

  test('brought security groups are used; turning isolation or encryption off warns', () => {
    const { stack, network, make } = setup();
    const template = make({ securityGroups: [network.trainingSecurityGroup], networkIsolation: false, interContainerEncryption: false });
    expect(template.securityGroups).toEqual([network.trainingSecurityGroup]);
    const request = template.toCreateTrainingJobRequest('job');
    expect(request).toMatchObject({ EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: false });
    const warnings = Annotations.fromStack(stack).findWarning('/S/Train', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual(expect.arrayContaining([
      expect.stringMatching(/Network isolation is off/), expect.stringMatching(/Inter-container traffic encryption is off/),
    ]));
  });

  test.each([
    ['spot without checkpoints', { compute: TrainingCompute.spot(Duration.days(2)) }, /spot-without-checkpoints.*Fix: Set checkpoints/],
    ['instance count 0', { instanceCount: 0 }, /invalid-instance-count/],
    ['fractional instance count', { instanceCount: 1.5 }, /invalid-instance-count/],
    ['malformed instance type', { instanceType: AcceleratorInstanceType.of('huge gpu') }, /invalid-instance-type/],
    ['volume too large', { volumeSize: Size.tebibytes(17) }, /invalid-volume-size/],
    ['runtime over 28 days', { maxRuntime: Duration.days(29) }, /invalid-max-runtime/],
    ['bad image tag', { imageTag: 'latest tag' }, /invalid-image-tag/],
    ['no inputs', { inputs: [] }, /invalid-inputs.*1 to 20/],
    ['too many hyperparameters', { hyperparameters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])) }, /invalid-hyperparameters/],
    ['bad environment name', { environment: { '1BAD': 'x' } }, /invalid-environment/],
    ['metric without capture group', { metrics: [{ name: 'auc', regex: 'auc=[0-9.]+' }] }, /invalid-metrics.*exactly one capture group/],
    ['output prefix', { outputPrefix: '/out' }, /invalid-prefix/],
  ])('rejects %s', (_name, overrides, pattern) => {
    const { make } = setup();
    expectValidationError(() => make(overrides as Partial<SageMakerTrainingTemplateProps>), pattern);
  });

  test('rejects duplicate channels, a short max wait, bad checkpoint prefixes and job names', () => {
    const { store, make } = setup();
    expectValidationError(() => make({ inputs: [TrainingInput.fromZone(store, 'features'), TrainingInput.fromZone(store, 'curated')] }), /invalid-inputs.*unique/);
    const s2 = setup();
    expectValidationError(() => s2.make({ compute: TrainingCompute.spot(Duration.hours(2)), checkpoints: CheckpointLocation.inDatasetStore(s2.store, 'features', 'ckpt/') }), /invalid-max-wait/);
    const s3 = setup();
    expectValidationError(() => s3.make({ checkpoints: CheckpointLocation.inDatasetStore(s3.store, 'features', 'ckpt') }), /invalid-prefix/);
    const s4 = setup();
    const template = s4.make();
    expectValidationError(() => template.toCreateTrainingJobRequest('job_with_underscores'), /invalid-name.*jobName/);
    expectValidationError(() => template.toPipelineStep('a step'), /invalid-name/);
  });
});

describe('TrainingNetwork', () => {
  test('isolated subnets, endpoints, encrypted flow logs, a closed training security group', () => {
    const stack = new Stack(new App(), 'N');
    const network = new TrainingNetwork(stack, 'Net');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.resourceCountIs('AWS::EC2::Subnet', 2);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 12);
    t.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Training nodes'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: '-1', SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TrainingSecurityGroup'), 'GroupId'] } });
    expect(network.vpc.isolatedSubnets).toHaveLength(2);
  });

  test('NAT gateways are an explicit, warned opt-in', () => {
    const stack = new Stack(new App(), 'N');
    new TrainingNetwork(stack, 'Net', { natGateways: 1, interfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API] });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 1);
    Annotations.fromStack(stack).hasWarning('/N/Net', Match.stringLikeRegexp('NAT gateway'));
  });

  test.each([
    [{ maxAzs: 1 }, /invalid-network.*maxAzs/],
    [{ natGateways: 3 }, /invalid-network.*natGateways/],
  ])('rejects %j', (props, pattern) => {
    expectValidationError(() => new TrainingNetwork(new Stack(new App(), 'N'), 'Net', props), pattern);
  });
});
