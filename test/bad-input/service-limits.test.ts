import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import {
  AcceleratorInstanceType, CheckpointLocation, DatasetFileSystem, DatasetObjectLock, DatasetStore, GpuCluster, HyperPodCluster,
  HyperPodInstanceType, InstanceTypeUse, LustreDeploymentType, ModelRegistry, SageMakerTrainingTemplate, SageMakerTrainingTemplateProps,
  TrainingCompute, TrainingInput,
} from '../../lib';
import { expectValidationError } from '../support/errors';

// Service limits at their edges: the largest (or smallest) valid value passes, one more (or less)
// fails with the error code and the prop in the message.

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A string of exactly `bytes` UTF-8 bytes made of 2-byte "é" and, when odd, one "a". */
function bytesOf(bytes: number, suffix = ''): string {
  const body = bytes - Buffer.byteLength(suffix, 'utf8');
  return `${'é'.repeat(Math.floor(body / 2))}${body % 2 ? 'a' : ''}${suffix}`;
}

function privateVpc(stack: Stack, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(stack, id, { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'training', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }] });
}

describe('SageMaker training', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const vpc = privateVpc(stack);
  const store = new DatasetStore(stack, 'Data');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
  let n = 0;
  const make = (props: Partial<SageMakerTrainingTemplateProps> = {}) => new SageMakerTrainingTemplate(stack, `Train${n++}`, {
    inputs: [TrainingInput.fromZone(store, 'features')], registry, imageTag: 'v1',
    instanceType: AcceleratorInstanceType.G6E_XLARGE, vpc, ...props,
  });
  const groups = (count: number) => Array.from({ length: count }, (_, i) => new ec2.SecurityGroup(stack, `Sg${n}-${i}`, { vpc }));
  const subnets = (count: number) => ({
    subnets: Array.from({ length: count }, (_, i) => ec2.Subnet.fromSubnetAttributes(stack, `Subnet${n}-${i}`, {
      subnetId: `subnet-${(i + 1).toString(16).padStart(17, '0')}`, availabilityZone: 'eu-west-1a',
    })),
  });

  test.each([1, 5])('takes %i security groups', (count) => {
    const template = make({ securityGroups: groups(count) });
    expect((template.toCreateTrainingJobRequest('job').VpcConfig as { SecurityGroupIds: unknown[] }).SecurityGroupIds).toHaveLength(count);
  });

  test.each([6, 10])('rejects %i security groups (VpcConfig takes 1-5)', (count) => {
    expectValidationError(() => make({ securityGroups: groups(count) }), /too-many-security-groups.*securityGroups.*at most 5.*Received: "\d+ security groups"/);
  });

  test.each([1, 16])('takes %i subnets', (count) => {
    const template = make({ vpcSubnets: subnets(count) });
    expect((template.toCreateTrainingJobRequest('job').VpcConfig as { Subnets: unknown[] }).Subnets).toHaveLength(count);
  });

  test.each([17, 20])('rejects %i subnets (VpcConfig takes 1-16)', (count) => {
    expectValidationError(() => make({ vpcSubnets: subnets(count) }), /invalid-subnet.*vpcSubnets.*at most 16 subnets/);
  });

  test.each([
    ['1 second', Duration.seconds(1), 1],
    ['28 days', Duration.days(28), 2_419_200],
    ['90 minutes', Duration.minutes(90), 5_400],
  ])('maxRuntime of %s renders MaxRuntimeInSeconds', (_, maxRuntime, seconds) => {
    expect(make({ maxRuntime }).toCreateTrainingJobRequest('job').StoppingCondition).toEqual({ MaxRuntimeInSeconds: seconds });
  });

  test.each([
    ['28 days + 1 s', Duration.days(28).plus(Duration.seconds(1))],
    ['29 days', Duration.days(29)],
    ['0 s', Duration.seconds(0)],
    ['999 ms', Duration.millis(999)],
    ['1.5 s (not whole seconds)', Duration.millis(1500)],
  ])('rejects a maxRuntime of %s', (_, maxRuntime) => {
    expectValidationError(() => make({ maxRuntime }), /invalid-max-runtime.*maxRuntime must be a whole number of seconds at least 1 and at most 2419200/);
  });

  test.each([
    ['maxWait = maxRuntime', Duration.days(1), Duration.days(1)],
    ['maxWait = 28 days', Duration.days(28), Duration.days(1)],
  ])('spot: %s passes', (_, maxWait, maxRuntime) => {
    const request = make({ compute: TrainingCompute.spot(maxWait), maxRuntime, checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'checkpoints/') })
      .toCreateTrainingJobRequest('job');
    expect(request.StoppingCondition).toEqual({ MaxRuntimeInSeconds: maxRuntime.toSeconds(), MaxWaitTimeInSeconds: maxWait.toSeconds() });
  });

  test.each([
    ['maxWait 1 s short of maxRuntime', Duration.days(1).minus(Duration.seconds(1)), Duration.days(1), /invalid-max-wait.*compute: the spot maxWait must be at least maxRuntime/],
    ['maxWait 28 days + 1 s', Duration.days(28).plus(Duration.seconds(1)), Duration.days(1), /invalid-max-wait.*maxWait.*whole number of seconds at least 1 and at most 2419200/],
    ['maxWait in fractional seconds', Duration.millis(86_400_500), Duration.days(1), /invalid-max-wait.*maxWait.*whole number of seconds/],
  ])('spot: rejects %s', (_, maxWait, maxRuntime, pattern) => {
    expectValidationError(() => make({
      compute: TrainingCompute.spot(maxWait), maxRuntime, checkpoints: CheckpointLocation.inDatasetStore(store, 'features', 'checkpoints/'),
    }), pattern);
  });

  test.each([
    ['G4DN_XLARGE (SageMaker trains on g4dn)', AcceleratorInstanceType.G4DN_XLARGE],
    ['P3DN_24XLARGE', AcceleratorInstanceType.P3DN_24XLARGE],
    ['TRN1_2XLARGE', AcceleratorInstanceType.TRN1_2XLARGE],
    ['uncatalogued ml.p6-b200.48xlarge', AcceleratorInstanceType.of('ml.p6-b200.48xlarge')],
    ['a CPU type by name', AcceleratorInstanceType.of('ml.m5.xlarge')],
    // Added to TrainingInstanceType in 2026 (botocore sagemaker service-2.json).
    ['ml.p6-b300.48xlarge', AcceleratorInstanceType.of('ml.p6-b300.48xlarge')],
    ['ml.g7e.2xlarge (the smallest g7e)', AcceleratorInstanceType.of('ml.g7e.2xlarge')],
    ['ml.g7.48xlarge', AcceleratorInstanceType.of('ml.g7.48xlarge')],
  ])('trains on %s', (_, instanceType) => {
    expect(make({ instanceType }).toCreateTrainingJobRequest('job').ResourceConfig)
      .toMatchObject({ InstanceType: instanceType.sageMakerName });
  });

  test.each([
    ['inference-only INF2_XLARGE', AcceleratorInstanceType.INF2_XLARGE, /unsupported-instance-type.*instanceType: SageMaker training does not offer ml\.inf2\.xlarge \(it is offered for hosting only\)/],
    ['INF2_48XLARGE', AcceleratorInstanceType.INF2_48XLARGE, /unsupported-instance-type.*instanceType.*ml\.inf2\.48xlarge/],
    ['a size that does not exist: ml.p5.2xlarge', AcceleratorInstanceType.of('ml.p5.2xlarge'), /unsupported-instance-type.*instanceType.*ml\.p5\.2xlarge.*Fix: Use a size SageMaker trains on: ml\.p5\.48xlarge, ml\.p5\.4xlarge/],
    ['ml.m5.8xlarge (hosting has it, training does not)', AcceleratorInstanceType.of('ml.m5.8xlarge'), /unsupported-instance-type.*instanceType.*ml\.m5\.8xlarge/],
    ['ml.g7e.xlarge (g7e starts at 2xlarge)', AcceleratorInstanceType.of('ml.g7e.xlarge'), /unsupported-instance-type.*instanceType.*ml\.g7e\.xlarge.*Fix: Use a size SageMaker trains on: ml\.g7e\.12xlarge/],
  ])('rejects %s for training', (_, instanceType, pattern) => {
    expectValidationError(() => make({ instanceType }), pattern);
  });

  test.each([
    ['a leading "_" (Docker tag grammar)', '_rc1', true],
    ['upper case, "." and "-"', 'V1.2-rc.3', true],
    ['a leading "."', '.rc1', false],
    ['a leading "-"', '-rc1', false],
  ])('imageTag with %s', (_, imageTag, valid) => {
    if (valid) expect(make({ imageTag }).toCreateTrainingJobRequest('job').AlgorithmSpecification).toBeDefined();
    else expectValidationError(() => make({ imageTag }), /invalid-image-tag.*imageTag is not a valid image tag/);
  });

  test('a family newer than the library\'s lists is not rejected: it warns, and SageMaker decides at deploy time', () => {
    const template = make({ instanceType: AcceleratorInstanceType.of('ml.x9.large') });
    expect(template.toCreateTrainingJobRequest('job').ResourceConfig).toMatchObject({ InstanceType: 'ml.x9.large' });
    expect(template.node.metadata.map((m) => `${m.type} ${m.data}`))
      .toContainEqual(expect.stringMatching(/^aws:cdk:warning .*ml\.x9\.large is of a family the library's list of SageMaker training types .* does not have.*\[ack: mlops-constructs:unlisted-instance-type\]/));
  });

  test('an uncatalogued training type passes with an info annotation only', () => {
    const template = make({ instanceType: AcceleratorInstanceType.of('ml.p5.4xlarge') });
    expect(template.node.metadata.map((m) => `${m.type} ${m.data}`)).toContainEqual(expect.stringMatching(/^aws:cdk:info .*ml\.p5\.4xlarge is not in the accelerator catalog/));
  });

  // S3 keys are counted in UTF-8 bytes; a job folder of up to 65 bytes goes under each prefix.
  test.each([
    ['959 bytes of ASCII', `${'a'.repeat(958)}/`],
    ['959 bytes with 2-byte characters', bytesOf(959, '/')],
  ])('takes a checkpoint prefix of %s', (_, prefix) => {
    const request = make({ checkpoints: CheckpointLocation.inBucket(registry.artifactBucket, prefix) }).toCreateTrainingJobRequest('job');
    expect(JSON.stringify(stack.resolve(request.CheckpointConfig))).toContain(prefix);
  });

  test.each([
    ['960 bytes of ASCII', `${'a'.repeat(959)}/`],
    ['960 bytes with 2-byte characters (480 characters)', bytesOf(960, '/')],
    ['4-byte characters', `${'😀'.repeat(240)}/`],
  ])('rejects a checkpoint prefix of %s', (_, prefix) => {
    expectValidationError(() => make({ checkpoints: CheckpointLocation.inBucket(registry.artifactBucket, prefix) }),
      /key-too-long.*checkpoints: the checkpoint prefix is \d+ bytes in UTF-8/);
  });

  test('counts the zone prefix of a checkpoint location in a dataset store', () => {
    make({ checkpoints: CheckpointLocation.inDatasetStore(store, 'features', bytesOf(959 - 'features/'.length, '/')) });
    expectValidationError(() => make({ checkpoints: CheckpointLocation.inDatasetStore(store, 'features', bytesOf(960 - 'features/'.length, '/')) }),
      /key-too-long.*checkpoints.*960 bytes/);
  });

  test.each([
    [959, false], [960, true],
  ])('outputPrefix of %i bytes (multi-byte) fails: %s', (bytes, fails) => {
    const outputPrefix = bytesOf(bytes, '/');
    if (fails) expectValidationError(() => make({ outputPrefix }), /key-too-long.*outputPrefix is 960 bytes in UTF-8/);
    else expect(JSON.stringify(make({ outputPrefix }).toCreateTrainingJobRequest('job').OutputDataConfig)).toContain(outputPrefix);
  });
});

describe('dataset store: keys in UTF-8 bytes, lifecycle and Object Lock in whole days', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const store = new DatasetStore(stack, 'Data', { zones: ['raw'] });
  let n = 0;
  const newStore = (props: ConstructorParameters<typeof DatasetStore>[2]) => new DatasetStore(stack, `Store${n++}`, props);

  // "raw/" is 4 bytes: the key itself may have 1020.
  test.each([
    ['510 "é" (1020 bytes)', 'é'.repeat(510)],
    ['1020 ASCII characters', 'a'.repeat(1020)],
    ['255 4-byte emoji', '😀'.repeat(255)],
    ['mixed, 1020 bytes', `${'€'.repeat(300)}${'é'.repeat(60)}`],
  ])('a dataset key of %s passes (1024 bytes with "raw/")', (_, key) => {
    expect(store.datasetVersion({ zone: 'raw', key, versionId: 'v1' }).objectKey).toBe(`raw/${key}`);
  });

  test.each([
    ['510 "é" and one "a" (1021 bytes)', `${'é'.repeat(510)}a`],
    ['511 "é" (1022 bytes, 511 characters)', 'é'.repeat(511)],
    ['1021 ASCII characters', 'a'.repeat(1021)],
    ['256 4-byte emoji (256 characters)', '😀'.repeat(256)],
  ])('a dataset key of %s fails', (_, key) => {
    expectValidationError(() => store.datasetVersion({ zone: 'raw', key, versionId: 'v1' }),
      /invalid-dataset-key.*key: the object key "raw\/" \+ key is \d+ bytes in UTF-8; S3 keys are at most 1024 bytes/);
  });

  test.each([
    ['noncurrentVersionExpiration of 1 day', { noncurrentVersionExpiration: Duration.days(1) }],
    ['intelligentTieringAfter of 0 days (S3 allows 0 for Intelligent-Tiering)', { intelligentTieringAfter: Duration.days(0) }],
    ['accessLogsRetention of 1 day', { accessLogsRetention: Duration.days(1) }],
    ['Object Lock of 1 day', { objectLock: DatasetObjectLock.governance(Duration.days(1)) }],
    ['Object Lock of 36500 days (100 years)', { objectLock: DatasetObjectLock.compliance(Duration.days(36500)) }],
  ])('%s passes', (_, props) => {
    expect(() => newStore(props)).not.toThrow();
  });

  test.each([
    ['noncurrentVersionExpiration of 0 days', { noncurrentVersionExpiration: Duration.days(0) }, 'noncurrentVersionExpiration'],
    ['noncurrentVersionExpiration of 36 hours', { noncurrentVersionExpiration: Duration.hours(36) }, 'noncurrentVersionExpiration'],
    ['intelligentTieringAfter of 12 hours', { intelligentTieringAfter: Duration.hours(12) }, 'intelligentTieringAfter'],
    ['accessLogsRetention of 0 days', { accessLogsRetention: Duration.days(0) }, 'accessLogsRetention'],
    ['accessLogsRetention of 1.5 days', { accessLogsRetention: Duration.hours(36) }, 'accessLogsRetention'],
    ['Object Lock of 0 days', { objectLock: DatasetObjectLock.governance(Duration.days(0)) }, 'objectLock'],
    ['Object Lock of 36501 days', { objectLock: DatasetObjectLock.compliance(Duration.days(36501)) }, 'objectLock'],
    ['Object Lock of 12 hours', { objectLock: DatasetObjectLock.governance(Duration.hours(12)) }, 'objectLock'],
  ])('%s fails', (_, props, prop) => {
    expectValidationError(() => newStore(props), new RegExp(`invalid-duration.*${prop}[^.]* must be a whole number of days`));
  });
});

describe('model registry: ECR lifecycle days', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  let n = 0;
  const registry = (untaggedImageExpiration: Duration) => new ModelRegistry(stack, `R${n++}`, { untaggedImageExpiration, notifications: false });

  test.each([Duration.days(1), Duration.days(3650)])('untaggedImageExpiration of %s passes', (d) => {
    expect(() => registry(d)).not.toThrow();
  });

  test.each([
    ['0 days', Duration.days(0)],
    ['12 hours', Duration.hours(12)],
    ['1.5 days', Duration.hours(36)],
  ])('untaggedImageExpiration of %s fails (sinceImagePushed counts whole days from 1)', (_, d) => {
    expectValidationError(() => registry(d), /invalid-duration.*untaggedImageExpiration must be a whole number of days at least 1: ECR/);
  });
});

describe('instance types: which SageMaker service offers which', () => {
  test.each([
    // type, training, hosting, HyperPod (SageMaker API TrainingInstanceType, ProductionVariantInstanceType, ClusterInstanceType)
    [AcceleratorInstanceType.P5_48XLARGE, true, true, true],
    [AcceleratorInstanceType.P4D_24XLARGE, true, true, true],
    [AcceleratorInstanceType.G6E_XLARGE, true, true, true],
    [AcceleratorInstanceType.G4DN_12XLARGE, true, true, true],
    [AcceleratorInstanceType.P3_2XLARGE, true, true, false],
    [AcceleratorInstanceType.P3DN_24XLARGE, true, false, false],
    [AcceleratorInstanceType.TRN1_2XLARGE, true, true, false],
    [AcceleratorInstanceType.TRN1_32XLARGE, true, true, true],
    [AcceleratorInstanceType.TRN2_48XLARGE, true, true, true],
    [AcceleratorInstanceType.INF2_XLARGE, false, true, false],
    [AcceleratorInstanceType.INF2_48XLARGE, false, true, false],
    [AcceleratorInstanceType.of('ml.p5.2xlarge'), false, false, false],
    [AcceleratorInstanceType.of('ml.p5.4xlarge'), true, true, true],
    [AcceleratorInstanceType.of('ml.trn2.3xlarge'), false, false, true],
    [AcceleratorInstanceType.of('ml.p6-b300.48xlarge'), true, true, true],
    [AcceleratorInstanceType.of('ml.g7e.48xlarge'), true, true, true],
    [AcceleratorInstanceType.of('ml.g7.2xlarge'), true, true, false],
    [AcceleratorInstanceType.of('ml.m7g.medium'), false, false, true],
    [AcceleratorInstanceType.of('ml.r5d.16xlarge'), true, false, true],
  ])('%s: training %s, hosting %s, HyperPod %s', (type, training, hosting, hyperPod) => {
    expect(type.supports(InstanceTypeUse.SAGEMAKER_TRAINING)).toBe(training);
    expect(type.supports(InstanceTypeUse.SAGEMAKER_HOSTING)).toBe(hosting);
    expect(type.supports(InstanceTypeUse.HYPERPOD)).toBe(hyperPod);
  });

  test('every catalogued type is offered by at least one SageMaker service, and typesFor() lists ml. names', () => {
    for (const type of AcceleratorInstanceType.all()) {
      expect(Object.values(InstanceTypeUse).some((use) => type.supports(use))).toBe(true);
    }
    const training = AcceleratorInstanceType.typesFor(InstanceTypeUse.SAGEMAKER_TRAINING);
    expect(training).toEqual([...training].sort());
    expect(training.every((t) => t.startsWith('ml.'))).toBe(true);
    expect(HyperPodInstanceType.supportedTypes()).toEqual(AcceleratorInstanceType.typesFor(InstanceTypeUse.HYPERPOD));
  });

  const hyperPod = (name: string) => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const vpc = privateVpc(stack);
    const store = new DatasetStore(stack, 'Data');
    return new HyperPodCluster(stack, 'Cluster', {
      vpc, lifecycleScripts: { datasets: store, zone: 'curated' },
      instanceGroups: [{ instanceGroupName: 'workers', instanceType: HyperPodInstanceType.of(name), instanceCount: 1 }],
    });
  };

  // Added to ClusterInstanceType in 2026 (botocore sagemaker service-2.json).
  test.each(['ml.p6-b300.48xlarge', 'ml.g7e.2xlarge', 'ml.g4dn.xlarge', 'ml.m7g.medium', 'ml.c8g.48xlarge', 'ml.m6a.48xlarge', 'ml.r5d.16xlarge'])('HyperPod takes %s', (name) => {
    expect(hyperPod(name).node.metadata.filter((m) => m.type === 'aws:cdk:warning')).toEqual([]);
  });

  test('HyperPod: a family newer than the library\'s lists warns instead of failing', () => {
    expect(hyperPod('ml.x9.large').node.metadata.map((m) => `${m.type} ${m.data}`))
      .toContainEqual(expect.stringMatching(/^aws:cdk:warning Instance group "workers": ml\.x9\.large is of a family the library's list of HyperPod types .*\[ack: mlops-constructs:unlisted-instance-type\]/));
  });

  test.each(['ml.p5.2xlarge', 'ml.inf2.xlarge', 'ml.trn1.2xlarge', 'ml.c6g.24xlarge'])('HyperPod rejects %s', (name) => {
    expectValidationError(() => hyperPod(name), new RegExp(`unsupported-instance-type.*"workers": HyperPod does not offer.*${name.replace(/\./g, '\\.')}`));
  });
});

describe('EKS: Kubernetes versions and node security groups', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const vpc = privateVpc(stack);
  let n = 0;
  const cluster = (props: { version?: eks.KubernetesVersion; groups?: number }) => new GpuCluster(stack, `Gpu${n++}`, {
    vpc, clusterName: `ml-${n}`, version: props.version,
    nodeSecurityGroups: Array.from({ length: props.groups ?? 1 }, (_, i) => new ec2.SecurityGroup(stack, `NodeSg${n}-${i}`, { vpc })),
  });

  test('the oldest version EKS still creates (1.32), with 5 node security groups, passes', () => {
    expect(cluster({ version: eks.KubernetesVersion.V1_32, groups: 5 }).cluster).toBeDefined();
  });

  test('the newest version aws-cdk-lib knows (1.37) passes', () => {
    expect(cluster({ version: eks.KubernetesVersion.V1_37 }).cluster).toBeDefined();
  });

  test.each([
    ['1.31 (extended support ended 2026-11-26)', eks.KubernetesVersion.V1_31],
    ['1.29', eks.KubernetesVersion.V1_29],
    ['1.25', eks.KubernetesVersion.V1_25],
  ])('rejects %s with the accepted versions', (_, version) => {
    expectValidationError(() => cluster({ version }),
      /unsupported-kubernetes-version.*version: EKS no longer creates clusters on Kubernetes 1\.\d+.*Fix: Use a version EKS creates: 1\.32, 1\.33, 1\.34, 1\.35, 1\.36, 1\.37/);
  });

  test.each(['latest', '1.x', '2.0'])('rejects the malformed version %s', (version) => {
    expectValidationError(() => cluster({ version: eks.KubernetesVersion.of(version) }), /unsupported-kubernetes-version.*version: not a Kubernetes minor version/);
  });

  test('rejects subnets in a single Availability Zone (EKS needs two)', () => {
    const oneZone = new ec2.Vpc(stack, 'OneZone', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expectValidationError(() => new GpuCluster(stack, 'OneZoneCluster', { vpc: oneZone, clusterName: 'one-zone' }),
      /invalid-subnet.*vpcSubnets: an EKS cluster needs subnets in at least two Availability Zones/);
  });

  const warnings = (c: GpuCluster) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));

  test('5 node security groups (the default quota per network interface) pass without a warning', () => {
    expect(warnings(cluster({ groups: 5 }))).toEqual([]);
  });

  // The quota "Security groups per network interface" is 5 by default and can be raised to 16.
  test.each([6, 16])('%i node security groups pass with a warning about the quota', (groups) => {
    expect(warnings(cluster({ groups }))).toContainEqual(expect.stringMatching(
      new RegExp(`nodeSecurityGroups: ${groups} security groups per node exceed the default quota of 5 .*raised to ${groups} or more.*\\[ack: mlops-constructs:node-security-groups\\]`)));
  });

  test.each([17, 20])('rejects %i node security groups (the quota is at most 16)', (groups) => {
    expectValidationError(() => cluster({ groups }), /too-many-security-groups.*nodeSecurityGroups.*at most 16 security groups/);
  });
});

describe('FSx for Lustre: storage capacities per deployment type', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const vpc = privateVpc(stack);
  const store = new DatasetStore(stack, 'Data');
  let n = 0;
  const lustre = (deploymentType: LustreDeploymentType, gib: number) => new DatasetFileSystem(stack, `Fs${n++}`, {
    datasets: store, vpc, deploymentType, storageCapacity: Size.gibibytes(gib),
  });
  const P2 = LustreDeploymentType.persistent2();
  const HDD12 = LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 12 });
  const HDD40 = LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 40 });

  test.each([
    ['PERSISTENT_2', P2, 1200], ['PERSISTENT_2', P2, 2400], ['PERSISTENT_2', P2, 4800],
    ['SCRATCH_2', LustreDeploymentType.SCRATCH_2, 1200], ['SCRATCH_2', LustreDeploymentType.SCRATCH_2, 9600],
    ['SCRATCH_1', LustreDeploymentType.SCRATCH_1, 3600],
    ['PERSISTENT_1 HDD 12', HDD12, 6000], ['PERSISTENT_1 HDD 40', HDD40, 1800],
  ])('%s takes %i GiB', (_, type, gib) => {
    expect(lustre(type, gib).storageCapacityGiB).toBe(gib);
  });

  test.each([
    ['PERSISTENT_2', P2, 1199], ['PERSISTENT_2', P2, 3600], ['PERSISTENT_2', P2, 4801],
    ['SCRATCH_2', LustreDeploymentType.SCRATCH_2, 2401],
    ['SCRATCH_1', LustreDeploymentType.SCRATCH_1, 4800],
    ['PERSISTENT_1 HDD 12', HDD12, 1800], ['PERSISTENT_1 HDD 40', HDD40, 2400],
  ])('%s rejects %i GiB', (_, type, gib) => {
    expectValidationError(() => lustre(type, gib), /invalid-storage-capacity.*file system has/);
  });
});
