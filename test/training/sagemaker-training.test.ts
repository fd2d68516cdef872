import { App, CfnOutput, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  AcceleratorInstanceType, CheckpointLocation, DatasetStore, DatasetVersionKind, ModelRegistry,
  SageMakerTrainingTemplate, SageMakerTrainingTemplateProps, TrainingCompute, TrainingInput, TrainingInputMode, ProjectNetwork,
} from '../../lib';
import { expectValidationError } from '../support/errors';
import { awsManagedPolicyArns, ExpectedStatement, expectStatements, grantStatements, keyStatement } from '../support/iam';

function setup(overrides: Partial<SageMakerTrainingTemplateProps> = {}) {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const network = new ProjectNetwork(stack, 'Net');
  const store = new DatasetStore(stack, 'Data');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
  const make = (extra: Partial<SageMakerTrainingTemplateProps> = {}) => new SageMakerTrainingTemplate(stack, 'Train', {
    inputs: [TrainingInput.fromZone(store, 'features')],
    registry, imageTag: '2026-11-25', instanceType: AcceleratorInstanceType.G6E_12XLARGE, vpc: network.vpc,
    ...overrides, ...extra,
  });
  return { stack, network, store, registry, make };
}

const READ = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'];
const LIST = ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'];
const PUT = ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

/** What reading a zone adds: objects under it, listing under it, decrypt with the store key. */
function zoneRead(stack: Stack, store: DatasetStore, zone: string): ExpectedStatement[] {
  return [
    { Action: READ, Resource: stack.resolve(store.bucket.arnForObjects(`${zone}/*`)) },
    { Action: LIST, Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': [`${zone}/`, `${zone}/*`] } } },
    keyStatement(store.encryptionKey!, 'kms:Decrypt'),
  ];
}

/** The training image (pull, registry login) and the output prefix (put, with the registry key). */
function imagePullAndOutput(stack: Stack, registry: ModelRegistry): ExpectedStatement[] {
  return [
    { Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: stack.resolve(registry.repository.repositoryArn) },
    { Sid: 'TrainingImageRegistryLogin', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    { Action: PUT, Resource: stack.resolve(registry.artifactBucket.arnForObjects('training-output/*')) },
    keyStatement(registry.encryptionKey!, 'kms:GenerateDataKey', 'kms:Decrypt'),
  ];
}

/**
 * The statements every job has: its key (output, volumes, grants for EBS only), logs, metrics, and
 * network interfaces created only in `template`'s subnets with its security groups.
 */
function jobStatements(stack: Stack, key: kms.IKey, template: SageMakerTrainingTemplate): ExpectedStatement[] {
  const keyArn = stack.resolve(key.keyArn);
  const ec2Arn = (resource: string, id: string) => stack.resolve(stack.formatArn({ service: 'ec2', resource, resourceName: id }));
  const vpcConfig = template.toCreateTrainingJobRequest('job-1').VpcConfig as { Subnets: string[] };
  expect(vpcConfig.Subnets.length).toBeGreaterThan(0);
  return [
    { Sid: 'TrainingJobKey', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Resource: keyArn },
    { Sid: 'TrainingJobKeyGrants', Action: 'kms:CreateGrant', Resource: keyArn, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    {
      Sid: 'TrainingJobLogs',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:/aws/sagemaker/TrainingJobs:*']] },
    },
    { Sid: 'TrainingJobMetrics', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } } },
    {
      Sid: 'TrainingJobNetworkInterfacesInSubnets', Action: 'ec2:CreateNetworkInterface',
      Resource: [
        ec2Arn('network-interface', '*'),
        ...vpcConfig.Subnets.map((id) => ec2Arn('subnet', id)),
        ...template.securityGroups.map((sg) => ec2Arn('security-group', sg.securityGroupId)),
      ],
    },
    {
      Sid: 'TrainingJobNetworkInterfaceLifecycle', Resource: ec2Arn('network-interface', '*'),
      Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
    },
    {
      Sid: 'TrainingJobDescribeNetwork', Resource: '*',
      Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
    },
  ];
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

  test('the job policy, statement by statement: input zone, image, output prefix, job key, logs, metrics, network interfaces', () => {
    const { stack, store, registry, make } = setup();
    const template = make();
    expectStatements(grantStatements(Template.fromStack(stack), template), [
      ...zoneRead(stack, store, 'features'),
      ...imagePullAndOutput(stack, registry),
      ...jobStatements(stack, registry.encryptionKey!, template),
    ]);
  });

  test('role: SageMaker only, this account, permissions in a managed policy without managed AWS policies', () => {
    const { stack, make } = setup();
    const template = make();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      })] },
      ManagedPolicyArns: Match.absent(),
    });
    expect(awsManagedPolicyArns(t, template)).toEqual([]);
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('a pinned dataset version reads that object version only and records lineage', () => {
    const { stack, store, registry, make } = setup();
    const version = store.datasetVersion({ zone: 'curated', key: 'manifests/v7.json', versionId: 'vid-7', kind: DatasetVersionKind.MANIFEST });
    const template = make({ inputs: [TrainingInput.fromDatasetVersion(version, { channelName: 'train' })] });
    const request = template.toCreateTrainingJobRequest('job');
    expect(request.InputDataConfig).toEqual([expect.objectContaining({ DataSource: { S3DataSource: expect.objectContaining({ S3DataType: 'ManifestFile' }) } })]);
    expect(template.lineage).toMatchObject({ 'train:dataset:version-id': 'vid-7', 'train:dataset:kind': 'manifest' });
    // a manifest lists files of its zone: the job reads that zone
    expectStatements(grantStatements(Template.fromStack(stack), template), [
      ...zoneRead(stack, store, 'curated'), ...imagePullAndOutput(stack, registry), ...jobStatements(stack, registry.encryptionKey!, template),
    ]);
  });

  test('a pinned object version can be listed and read by the job (S3Prefix), nothing else', () => {
    const { stack, store, registry, make } = setup();
    const version = store.datasetVersion({ zone: 'features', key: 'v3/train.parquet', versionId: 'vid-3' });
    const template = make({ inputs: [TrainingInput.fromDatasetVersion(version)] });
    expectStatements(grantStatements(Template.fromStack(stack), template), [
      { Action: READ, Resource: stack.resolve(store.bucket.arnForObjects('features/v3/train.parquet*')) },
      { Action: LIST, Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': ['features/v3/train.parquet', 'features/v3/train.parquet*'] } } },
      keyStatement(store.encryptionKey!, 'kms:Decrypt'),
      ...imagePullAndOutput(stack, registry), ...jobStatements(stack, registry.encryptionKey!, template),
    ]);
  });

  test('a brought job key: the job key statements name it; the output grant still uses the registry key', () => {
    const { stack, store, registry, make } = setup();
    const key = new kms.Key(stack, 'JobKey', { enableKeyRotation: true });
    const template = make({ encryptionKey: key });
    expectStatements(grantStatements(Template.fromStack(stack), template), [
      ...zoneRead(stack, store, 'features'), ...imagePullAndOutput(stack, registry), ...jobStatements(stack, key, template),
    ]);
  });

  test('spot with checkpoints renders max wait and the checkpoint location', () => {
    const { stack, store, registry, make } = setup();
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
    // checkpoints: read and write under the checkpoint prefix, with the store key
    expectStatements(grantStatements(Template.fromStack(stack), template), [
      ...zoneRead(stack, store, 'features'), ...imagePullAndOutput(stack, registry), ...jobStatements(stack, registry.encryptionKey!, template),
      { Action: [...READ, ...PUT], Resource: stack.resolve(store.bucket.arnForObjects('features/checkpoints/*')) },
      { Action: LIST, Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': ['features/checkpoints/', 'features/checkpoints/*'] } } },
      keyStatement(store.encryptionKey!, 'kms:GenerateDataKey', 'kms:Decrypt'),
    ]);
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

  // Every limit at its edge: the largest (smallest) valid value passes, one more (less) fails.
  const entries = (n: number, key = (i: number) => `k${i}`, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value]));
  const inputs = (n: number, store: DatasetStore) => Array.from({ length: n }, (_, i) => TrainingInput.fromZone(store, 'features', { channelName: `c${i}` }));
  const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `m${i}`, regex: 'v=([0-9.]+)' }));
  const EBS = AcceleratorInstanceType.P3_2XLARGE;
  const limits: Array<[string, (store: DatasetStore) => Partial<SageMakerTrainingTemplateProps>, (store: DatasetStore) => Partial<SageMakerTrainingTemplateProps>, RegExp]> = [
    ['instanceCount min 1', () => ({ instanceCount: 1 }), () => ({ instanceCount: 0 }), /invalid-instance-count/],
    ['EBS volume max 16384 GiB', () => ({ instanceType: EBS, volumeSize: Size.gibibytes(16384) }), () => ({ instanceType: EBS, volumeSize: Size.gibibytes(16385) }), /invalid-volume-size.*1 to 16384/],
    ['EBS volume min 1 GiB', () => ({ instanceType: EBS, volumeSize: Size.gibibytes(1) }), () => ({ instanceType: EBS, volumeSize: Size.gibibytes(0) }), /invalid-volume-size/],
    ['local NVMe volume max (g4dn.xlarge: 125 GB)', () => ({ instanceType: AcceleratorInstanceType.G4DN_XLARGE, volumeSize: Size.gibibytes(125) }),
      () => ({ instanceType: AcceleratorInstanceType.G4DN_XLARGE, volumeSize: Size.gibibytes(126) }), /invalid-volume-size.*125 GB of local NVMe/],
    ['maxRuntime max 28 days', () => ({ maxRuntime: Duration.days(28) }), () => ({ maxRuntime: Duration.seconds(28 * 86400 + 1) }), /invalid-max-runtime/],
    ['maxRuntime min 1 second', () => ({ maxRuntime: Duration.seconds(1) }), () => ({ maxRuntime: Duration.millis(999) }), /invalid-max-runtime/],
    ['spot maxWait max 28 days', (store) => ({ compute: TrainingCompute.spot(Duration.days(28)), checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'ckpt/') }),
      (store) => ({ compute: TrainingCompute.spot(Duration.seconds(28 * 86400 + 1)), checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'ckpt/') }), /invalid-max-wait/],
    ['spot maxWait min maxRuntime', (store) => ({ maxRuntime: Duration.hours(10), compute: TrainingCompute.spot(Duration.hours(10)), checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'ckpt/') }),
      (store) => ({ maxRuntime: Duration.hours(10), compute: TrainingCompute.spot(Duration.seconds(10 * 3600 - 1)), checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'ckpt/') }), /invalid-max-wait/],
    ['inputs max 20', (store) => ({ inputs: inputs(20, store) }), (store) => ({ inputs: inputs(21, store) }), /invalid-inputs.*1 to 20/],
    ['inputs min 1', (store) => ({ inputs: inputs(1, store) }), () => ({ inputs: [] }), /invalid-inputs.*1 to 20/],
    ['channel name max 64', (store) => ({ inputs: [TrainingInput.fromZone(store, 'features', { channelName: 'c'.repeat(64) })] }),
      (store) => ({ inputs: [TrainingInput.fromZone(store, 'features', { channelName: 'c'.repeat(65) })] }), /invalid-inputs.*channel name/],
    ['image tag max 128', () => ({ imageTag: 't'.repeat(128) }), () => ({ imageTag: 't'.repeat(129) }), /invalid-image-tag/],
    ['hyperparameters max 100', () => ({ hyperparameters: entries(100) }), () => ({ hyperparameters: entries(101) }), /invalid-hyperparameters/],
    ['hyperparameter key max 256', () => ({ hyperparameters: { ['k'.repeat(256)]: 'v' } }), () => ({ hyperparameters: { ['k'.repeat(257)]: 'v' } }), /invalid-hyperparameters/],
    ['hyperparameter value max 2500', () => ({ hyperparameters: { k: 'v'.repeat(2500) } }), () => ({ hyperparameters: { k: 'v'.repeat(2501) } }), /invalid-hyperparameters/],
    ['environment max 100', () => ({ environment: entries(100, (i) => `K${i}`) }), () => ({ environment: entries(101, (i) => `K${i}`) }), /invalid-environment/],
    ['environment key max 512', () => ({ environment: { ['K'.repeat(512)]: 'v' } }), () => ({ environment: { ['K'.repeat(513)]: 'v' } }), /invalid-environment/],
    ['environment value max 512', () => ({ environment: { K: 'v'.repeat(512) } }), () => ({ environment: { K: 'v'.repeat(513) } }), /invalid-environment/],
    ['metrics max 40', () => ({ metrics: metrics(40) }), () => ({ metrics: metrics(41) }), /invalid-metrics.*at most 40/],
    ['metric name max 255', () => ({ metrics: [{ name: 'n'.repeat(255), regex: 'v=([0-9.]+)' }] }), () => ({ metrics: [{ name: 'n'.repeat(256), regex: 'v=([0-9.]+)' }] }), /invalid-metrics/],
    ['metric regex max 500', () => ({ metrics: [{ name: 'n', regex: `(x)${'y'.repeat(497)}` }] }), () => ({ metrics: [{ name: 'n', regex: `(x)${'y'.repeat(498)}` }] }), /invalid-metrics/],
  ];

  test.each(limits)('%s: the edge passes, one past it fails', (_name, valid, invalid, pattern) => {
    const ok = setup();
    expect(() => ok.make(valid(ok.store))).not.toThrow();
    const bad = setup();
    expectValidationError(() => bad.make(invalid(bad.store)), pattern);
  });

  test('job names of 63 characters and step names of 64 pass; one more fails', () => {
    const template = setup().make();
    expect(template.toCreateTrainingJobRequest('j'.repeat(63)).TrainingJobName).toBe('j'.repeat(63));
    expectValidationError(() => template.toCreateTrainingJobRequest('j'.repeat(64)), /invalid-name.*jobName/);
    expect(template.toPipelineStep('s'.repeat(64)).Name).toBe('s'.repeat(64));
    expectValidationError(() => template.toPipelineStep('s'.repeat(65)), /invalid-name.*pipeline step name/);
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

  test('input modes render as SageMaker names; a string that is none of them is refused', () => {
    for (const [mode, rendered] of [[TrainingInputMode.FILE, 'File'], [TrainingInputMode.FAST_FILE, 'FastFile'], [TrainingInputMode.PIPE, 'Pipe']] as const) {
      const { store, make } = setup();
      const request = make({ inputs: [TrainingInput.fromZone(store, 'features', { inputMode: mode })] }).toCreateTrainingJobRequest('job');
      expect(request.InputDataConfig[0].InputMode).toBe(rendered);
    }
    const { store, make } = setup();
    // what a caller from another language (or a cast) could pass
    expectValidationError(() => make({ inputs: [TrainingInput.fromZone(store, 'features', { inputMode: 'Stream' as TrainingInputMode })] }),
      /invalid-inputs.*inputMode must be File, FastFile or Pipe.*Received: "Stream"/);
  });
});
