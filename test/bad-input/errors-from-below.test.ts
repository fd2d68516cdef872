import { App, Duration, Lazy, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  AcceleratorInstanceType, DatasetFileSystem, DatasetStore, HyperPodCluster, HyperPodInstanceType, ModelRegistry,
  SageMakerTrainingTemplate, SageMakerTrainingTemplateProps, TrainingInput, ProjectNetwork, ProjectNetworkProps,
} from '../../lib';
import { expectValidationError } from '../support/errors';

// Input that aws-cdk-lib would reject with its own error (naming neither the construct's prop nor
// the limit), or would render into a template that fails at deploy time: caught first, with the
// library's ValidationError naming the prop.

const ENV = { account: '111111111111', region: 'eu-west-1' };
const deployTime = (value: number) => Lazy.number({ produce: () => value });

describe('ProjectNetwork: a CIDR too small for the subnets asked, before aws-cdk-lib\'s "has no room"', () => {
  let n = 0;
  const network = (props: ProjectNetworkProps, env: typeof ENV | undefined = undefined) => {
    const stack = new Stack(new App(), `S${n++}`, { env });
    return new ProjectNetwork(stack, 'Net', { interfaceEndpoints: [], ...props });
  };
  const cidrsOf = (net: ProjectNetwork) => net.vpc.isolatedSubnets.concat(net.vpc.privateSubnets, net.vpc.publicSubnets).map((s) => s.ipv4CidrBlock);

  test.each([
    ['2 zones x /19 in a /18 (exactly full)', { cidr: '10.64.0.0/18' }, undefined, 2],
    ['2 zones x (/19 + /24) in a /17', { cidr: '10.64.0.0/17', natGateways: 1 }, undefined, 4],
    ['3 zones x /19 in a /17', { cidr: '10.64.0.0/17', maxAzs: 3 }, ENV, 3],
    ['an environment-agnostic stack has 2 zones: maxAzs 3 fits a /18', { cidr: '10.64.0.0/18', maxAzs: 3 }, undefined, 2],
    ['the default /16 with 6 zones asked (3 known here)', { maxAzs: 6 }, ENV, 3],
  ])('%s', (_, props, env, subnets) => {
    const net = network(props, env);
    expect(cidrsOf(net)).toHaveLength(subnets);
  });

  test.each([
    ['2 zones x /19 in a /19', { cidr: '10.64.0.0/19' }, undefined, /cidr-too-small.*cidr: a \/19 range holds 8192 addresses, but the subnets need 16384 \(2 x \/19 training\).*Fix: Use a range of \/18 or larger/],
    ['2 zones x (/19 + /24) in a /18', { cidr: '10.64.0.0/18', natGateways: 1 }, undefined, /cidr-too-small.*cidr: a \/18 range holds 16384 addresses, but the subnets need 16896 \(2 x \/19 training \+ 2 x \/24 egress\).*\/17 or larger/],
    ['3 zones x /19 in a /18', { cidr: '10.64.0.0/18', maxAzs: 3 }, ENV, /cidr-too-small.*cidr: a \/18 range holds 16384 addresses, but the subnets need 24576 \(3 x \/19 training\)/],
    ['2 zones in the smallest VPC, a /28', { cidr: '10.64.0.0/28' }, undefined, /cidr-too-small.*cidr: a \/28 range holds 16 addresses.*\/18 or larger/],
  ])('rejects %s', (_, props, env, pattern) => {
    expectValidationError(() => network(props, env), pattern);
  });

  test.each([
    ['a /15 (VPCs are /16 to /28)', '10.64.0.0/15', /invalid-cidr.*cidr: a VPC's IPv4 range is \/16 to \/28/],
    ['a /29', '10.64.0.0/29', /invalid-cidr.*cidr: a VPC's IPv4 range is \/16 to \/28/],
    ['host bits set (aws-cdk-lib would carve subnets outside the range)', '10.64.1.0/16', /invalid-cidr.*cidr: the address has host bits set.*"10\.64\.0\.0\/16"/],
    ['no mask', '10.64.0.0', /invalid-cidr.*cidr must be an IPv4 range in CIDR notation/],
    ['an octet over 255', '10.300.0.0/16', /invalid-cidr.*cidr must be an IPv4 range/],
    ['an IPv6 range', 'fd00::/56', /invalid-cidr.*cidr must be an IPv4 range/],
  ])('rejects %s', (_, cidr, pattern) => {
    expectValidationError(() => network({ cidr }), pattern);
  });
});

describe('ProjectNetwork: one interface endpoint per service, before aws-cdk-lib\'s duplicate construct id', () => {
  test('a service listed twice in interfaceEndpoints', () => {
    const stack = new Stack(new App(), 'S');
    const ecr = ec2.InterfaceVpcEndpointAwsService.ECR;
    expectValidationError(() => new ProjectNetwork(stack, 'Net', { interfaceEndpoints: [ecr, ecr] }),
      /duplicate-endpoint.*interfaceEndpoints: the network already has an interface endpoint for this service.*Received: "ecr\.api"/);
  });

  test('a default endpoint added again', () => {
    const net = new ProjectNetwork(new Stack(new App(), 'S'), 'Net');
    expect(() => net.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME)).not.toThrow();
    expectValidationError(() => net.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.STS), /duplicate-endpoint.*Received: "sts"/);
  });
});

describe('Durations aws-cdk-lib cannot render', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const store = new DatasetStore(stack, 'Data');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
  let n = 0;
  const training = (props: Partial<SageMakerTrainingTemplateProps>) => new SageMakerTrainingTemplate(stack, `Train${n++}`, {
    inputs: [TrainingInput.fromZone(store, 'features')], registry, imageTag: 'v1', instanceType: AcceleratorInstanceType.G6E_XLARGE, vpc, ...props,
  });

  test('aws-cdk-lib itself throws an error naming no prop for fractional seconds', () => {
    expect(() => Duration.millis(1500).toSeconds()).toThrow(/cannot be converted into a whole number of seconds/);
  });

  test.each([
    ['1.5 s', Duration.millis(1500)],
    ['a day and a half second', Duration.days(1).plus(Duration.millis(500))],
  ])('maxRuntime of %s: caught before the request is rendered', (_, maxRuntime) => {
    expectValidationError(() => training({ maxRuntime }), /invalid-max-runtime.*S\/Train\d+: maxRuntime must be a whole number of seconds/);
  });

  test('a deploy-time maxRuntime in seconds passes through', () => {
    const request = training({ maxRuntime: Duration.seconds(deployTime(3600)) }).toCreateTrainingJobRequest('job');
    expect(stack.resolve(request.StoppingCondition)).toEqual({ MaxRuntimeInSeconds: 3600 });
  });

  test('a deploy-time maxRuntime in hours cannot become seconds: named, not aws-cdk-lib\'s conversion error', () => {
    expectValidationError(() => training({ maxRuntime: Duration.hours(deployTime(2)) }),
      /invalid-max-runtime.*maxRuntime comes from a deploy-time value in another unit; it must be given in seconds.*Fix: Give it as Duration\.seconds\(token\)/);
  });

  test.each([
    ['noncurrentVersionExpiration', { noncurrentVersionExpiration: Duration.hours(36) }],
    ['intelligentTieringAfter', { intelligentTieringAfter: Duration.minutes(90) }],
    ['accessLogsRetention', { accessLogsRetention: Duration.hours(25) }],
  ])('dataset store %s in fractional days', (prop, props) => {
    expectValidationError(() => new DatasetStore(stack, `Store${n++}`, props), new RegExp(`invalid-duration.*${prop} must be a whole number of days`));
  });

  test('a deploy-time lifecycle duration in hours is named', () => {
    expectValidationError(() => new DatasetStore(stack, `Store${n++}`, { noncurrentVersionExpiration: Duration.hours(deployTime(48)) }),
      /invalid-duration.*noncurrentVersionExpiration comes from a deploy-time value in another unit; it must be given in days/);
  });

  test('ECR image age in fractional days', () => {
    expectValidationError(() => new ModelRegistry(stack, `Registry${n++}`, { untaggedImageExpiration: Duration.hours(30), notifications: false }),
      /invalid-duration.*untaggedImageExpiration must be a whole number of days/);
  });

  test('FSx backup retention in fractional days', () => {
    expectValidationError(() => new DatasetFileSystem(stack, `Fs${n++}`, { datasets: store, vpc, automaticBackupRetention: Duration.hours(36) }),
      /invalid-duration.*automaticBackupRetention must be a whole number of days/);
  });
});

describe('Sizes that are not whole GiB where the service counts GiB', () => {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const store = new DatasetStore(stack, 'Data');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
  let n = 0;
  const training = (volumeSize: Size) => new SageMakerTrainingTemplate(stack, `Train${n++}`, {
    inputs: [TrainingInput.fromZone(store, 'features')], registry, imageTag: 'v1', instanceType: AcceleratorInstanceType.P3_2XLARGE, vpc, volumeSize,
  });
  const hyperPod = (ebsVolumeSize: Size) => new HyperPodCluster(stack, `Cluster${n++}`, {
    vpc, lifecycleScripts: { datasets: store, zone: 'curated' },
    instanceGroups: [{ instanceGroupName: 'workers', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE), instanceCount: 1, ebsVolumeSize }],
  });
  const lustre = (storageCapacity: Size) => new DatasetFileSystem(stack, `Fs${n++}`, { datasets: store, vpc, storageCapacity });

  test.each([
    ['1 GiB', Size.gibibytes(1), 1], ['16384 GiB', Size.gibibytes(16384), 16384], ['2048 MiB', Size.mebibytes(2048), 2],
  ])('a SageMaker volume of %s passes', (_, size, gib) => {
    expect(training(size).toCreateTrainingJobRequest('job').ResourceConfig).toMatchObject({ VolumeSizeInGB: gib });
  });

  test.each([
    ['1.5 GiB (1536 MiB)', Size.mebibytes(1536)], ['16385 GiB', Size.gibibytes(16385)], ['0 GiB', Size.gibibytes(0)],
  ])('a SageMaker volume of %s fails', (_, size) => {
    expectValidationError(() => training(size), /invalid-volume-size.*volumeSize must be a whole number of GiB from 1 to 16384/);
  });

  test('a deploy-time volume in TiB is named, not aws-cdk-lib\'s conversion error', () => {
    expect(() => Size.tebibytes(deployTime(1)).toGibibytes()).toThrow(/cannot be converted/);
    expectValidationError(() => training(Size.tebibytes(deployTime(1))), /invalid-volume-size.*volumeSize comes from a deploy-time value in another unit.*Size\.gibibytes\(token\)/);
  });

  test.each([
    ['1.5 GiB', Size.mebibytes(1536)], ['16385 GiB', Size.gibibytes(16385)],
  ])('a HyperPod EBS volume of %s fails', (_, size) => {
    expectValidationError(() => hyperPod(size), /invalid-volume-size.*"workers": the additional EBS volume is a whole number of GiB/);
  });

  test('a deploy-time HyperPod EBS volume in TiB is named', () => {
    expectValidationError(() => hyperPod(Size.tebibytes(deployTime(1))), /invalid-volume-size.*instanceGroups\["workers"\]\.ebsVolumeSize comes from a deploy-time value/);
  });

  test.each([
    ['1.2 TiB (FSx writes 1.2 TiB, but means 1200 GiB)', Size.tebibytes(1.2)],
    ['1200.5 GiB', Size.mebibytes(1200 * 1024 + 512)],
  ])('a Lustre capacity of %s fails with the GiB hint', (_, size) => {
    expectValidationError(() => lustre(size), /invalid-storage-capacity.*FSx counts "1\.2 TiB" as 1200 GiB/);
  });

  test('a deploy-time Lustre capacity in TiB is named', () => {
    expectValidationError(() => lustre(Size.tebibytes(deployTime(2))), /invalid-storage-capacity.*storageCapacity comes from a deploy-time value in another unit/);
  });
});
