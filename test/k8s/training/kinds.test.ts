/**
 * The choices of the Kubernetes side are enums or enum-like classes, not strings: each test ties
 * a member to the value it stands for in the rendered YAML (or the behaviour it selects), so a
 * broken mapping fails here.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { Accelerator, AcceleratorCapabilities, MigProfile } from '../../../lib/k8s/core/accelerators';
import { DatasetVolume, DatasetVolumeSource, DatasetVolumeSourceKind } from '../../../lib/k8s/data/dataset-volume';
import { ClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { GpuNodePool } from '../../../lib/k8s/training/gpu-node-pool';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { GpuNodeImage, GpuNodeImageFamily } from '../../../lib/k8s/training/node-pool-options';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { TorchTrainingRuntime, TrainingRuntimeKind } from '../../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../../lib/k8s/training/train-job';
import { CheckpointStorage, CheckpointStorageKind } from '../../../lib/k8s/training/training-job-options';
import { expectValidationError } from '../../support/errors';
import { chart, find, h100Pool, jobOptions, Obj, POOL_NETWORK, synth } from './fixtures';

describe('TrainingRuntimeKind', () => {
  test('values are the Trainer kinds; TorchTrainingRuntime and its references are ClusterTrainingRuntimes', () => {
    expect(TrainingRuntimeKind.CLUSTER_TRAINING_RUNTIME).toBe('ClusterTrainingRuntime');
    expect(TrainingRuntimeKind.TRAINING_RUNTIME).toBe('TrainingRuntime');
    const c = chart();
    h100Pool(c);
    const own = new TorchTrainingRuntime(c, 'Torch', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch-secure' });
    const referenced = TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Upstream', 'torch-distributed');
    expect(own.runtimeKind).toBe(TrainingRuntimeKind.CLUSTER_TRAINING_RUNTIME);
    expect(referenced.runtimeKind).toBe(TrainingRuntimeKind.CLUSTER_TRAINING_RUNTIME);
    new TrainJob(c, 'Own', { ...jobOptions(), jobName: 'own', runtime: own });
    new TrainJob(c, 'Ref', { ...jobOptions(), jobName: 'ref', runtime: referenced });
    const objs = synth(c);
    // The kind of the runtime object itself and the kind each TrainJob references agree.
    expect(find(objs, 'ClusterTrainingRuntime').metadata.name).toBe('torch-secure');
    expect(find(objs, 'TrainJob', 'own').spec.runtimeRef).toEqual({ apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'torch-secure' });
    expect(find(objs, 'TrainJob', 'ref').spec.runtimeRef).toEqual({ apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'torch-distributed' });
  });
});

describe('GpuNodeImageFamily', () => {
  const nodeClass = (image: GpuNodeImage): Obj => {
    const c = chart();
    h100Pool(c, { image });
    return find(synth(c), 'EC2NodeClass');
  };

  test.each([
    ['al2023@latest', GpuNodeImage.AL2023_LATEST, GpuNodeImageFamily.AL2023],
    ['al2023@v20240807', GpuNodeImage.al2023('v20240807'), GpuNodeImageFamily.AL2023],
    ['bottlerocket@latest', GpuNodeImage.BOTTLEROCKET_LATEST, GpuNodeImageFamily.BOTTLEROCKET],
    ['bottlerocket@v1.20.4', GpuNodeImage.bottlerocket('v1.20.4'), GpuNodeImageFamily.BOTTLEROCKET],
  ])('AMI alias %s: the image\'s family and the rendered selector', (alias, image, family) => {
    expect(image.family).toBe(family);
    expect(image.alias).toBe(alias);
    expect(nodeClass(image).spec.amiSelectorTerms).toEqual([{ alias }]);
  });

  test('the family decides the volumes: one root volume (AL2023), an OS and a data volume (Bottlerocket)', () => {
    expect(GpuNodeImageFamily.AL2023).toBe('al2023');
    expect(GpuNodeImageFamily.BOTTLEROCKET).toBe('bottlerocket');
    const devices = (image: GpuNodeImage) => nodeClass(image).spec.blockDeviceMappings.map((m: { deviceName: string; rootVolume?: boolean; ebs: { volumeSize: string } }) =>
      [m.deviceName, m.rootVolume ?? false, m.ebs.volumeSize]);
    expect(devices(GpuNodeImage.AL2023_LATEST)).toEqual([['/dev/xvda', true, '200Gi']]);
    expect(devices(GpuNodeImage.BOTTLEROCKET_LATEST)).toEqual([['/dev/xvda', false, '4Gi'], ['/dev/xvdb', false, '200Gi']]);
  });

  test('the family decides which release tags are valid', () => {
    expectValidationError(() => h100Pool(chart(), { image: GpuNodeImage.al2023('v1.20.4') }), /invalid-node-image.*not a al2023 release tag.*v20240807/);
    expectValidationError(() => h100Pool(chart(), { image: GpuNodeImage.bottlerocket('v20240807') }), /invalid-node-image.*not a bottlerocket release tag.*v1\.20\.4/);
  });
});

describe('CheckpointStorageKind', () => {
  const checkpointVolume = (checkpoints: CheckpointStorage): Record<string, unknown> => {
    const c = chart();
    h100Pool(c);
    new TrainJob(c, 'Job', { ...jobOptions({ checkpoints }), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Rt', 'torch') });
    const template = find(synth(c), 'TrainJob').spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template;
    return template.spec.volumes.find((v: { name: string }) => v.name === 'checkpoints');
  };

  test('a claim is durable and renders a persistentVolumeClaim volume', () => {
    const storage = CheckpointStorage.persistentVolumeClaim('ckpt');
    expect(storage.kind).toBe(CheckpointStorageKind.PERSISTENT_VOLUME_CLAIM);
    expect(CheckpointStorageKind.PERSISTENT_VOLUME_CLAIM).toBe('persistent-volume-claim');
    expect(storage.durable).toBe(true);
    expect(checkpointVolume(storage)).toEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt', readOnly: false } });
  });

  test('ephemeral is not durable and renders an emptyDir', () => {
    const storage = CheckpointStorage.ephemeral({ sizeLimit: Size.gibibytes(50) });
    expect(storage.kind).toBe(CheckpointStorageKind.EPHEMERAL);
    expect(CheckpointStorageKind.EPHEMERAL).toBe('ephemeral');
    expect(storage.durable).toBe(false);
    expect(checkpointVolume(storage)).toEqual({ name: 'checkpoints', emptyDir: { sizeLimit: '50Gi' } });
  });
});

describe('DatasetVolumeSourceKind', () => {
  const fsx = { fileSystemId: 'fs-0123456789abcdef0', dnsName: 'fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com', mountName: 'abcdefgh', storageCapacity: Size.gibibytes(1200) };
  test.each([
    ['fsx-lustre', 'fsx.csi.aws.com', DatasetVolumeSource.fsxLustre(fsx), DatasetVolumeSourceKind.FSX_LUSTRE],
    ['efs', 'efs.csi.aws.com', DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0' }), DatasetVolumeSourceKind.EFS],
    ['s3', 's3.csi.aws.com', DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), DatasetVolumeSourceKind.S3],
  ])('%s: the source\'s kind, the volume\'s sourceKind and CSI driver %s', (value, driver, source, kind) => {
    expect(source.kind).toBe(kind);
    expect(kind).toBe(value);
    const c = chart();
    const volume = new DatasetVolume(c, 'Data', { source, namespaceName: 'team-a', claimName: 'features' });
    expect(volume.sourceKind).toBe(kind);
    expect(find(synth(c), 'PersistentVolume').spec.csi.driver).toBe(driver);
  });
});

describe('MigProfile', () => {
  const constants = Object.entries(MigProfile).filter((e): e is [string, MigProfile] => e[1] instanceof MigProfile);

  test('a constant per catalogued profile, named after it; of() returns the constant', () => {
    const catalogued = new Set(AcceleratorInstanceType.all().flatMap((t) => AcceleratorCapabilities.migProfiles(t).map((p) => p.name)));
    expect(constants.map(([, p]) => p.name).sort()).toEqual([...catalogued].sort());
    for (const [key, profile] of constants) {
      expect(key).toBe(`MIG_${profile.name.replace('.', '_').toUpperCase()}`);
      expect(MigProfile.of(profile.name)).toBe(profile);
    }
    expect(MigProfile.MIG_1G_10GB.name).toBe('1g.10gb');
    expect(MigProfile.MIG_7G_141GB.name).toBe('7g.141gb');
    // Another profile: a new object of that name.
    expect(MigProfile.of('1g.23gb').name).toBe('1g.23gb');
  });

  test.each([
    ['1g.10gb', 'A100 80 GB', AcceleratorInstanceType.P4DE_24XLARGE, MigProfile.MIG_1G_10GB, 7],
    ['3g.20gb', 'A100 40 GB', AcceleratorInstanceType.P4D_24XLARGE, MigProfile.MIG_3G_20GB, 2],
    ['1g.20gb', 'H100 80 GB', AcceleratorInstanceType.P5_48XLARGE, MigProfile.MIG_1G_20GB, 4],
    ['1g.18gb', 'H200 141 GB', AcceleratorInstanceType.P5E_48XLARGE, MigProfile.MIG_1G_18GB, 7],
  ])('%s on %s: the MIG configuration label, the pool and pod resources and the queue quota use the name', (name, _gpu, type, profile, perGpu) => {
    const c = chart('team-a');
    const pool = new GpuNodePool(c, 'Mig', { nodePoolName: 'mig', instanceTypes: [type], acceleratorLimit: 8, migProfile: profile, ...POOL_NETWORK });
    const flavor = new ResourceFlavor(c, 'Flavor', { pool });
    const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'mig', namespaces: ['team-a'], quotas: [{ flavor, accelerators: 8 * perGpu }] });
    const queue = new LocalQueue(c, 'Lq', { clusterQueue: cq });
    new TrainJob(c, 'Job', {
      ...jobOptions({ accelerator: Accelerator.nvidiaGpu({ count: 1, migProfile: MigProfile.of(name) }), nodes: 1, cpu: kplus.Cpu.units(4), memory: Size.gibibytes(32) }),
      runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Rt', 'torch'), queue,
    });
    const objs = synth(c);
    expect(find(objs, 'NodePool').spec.template.metadata.labels).toEqual({ 'nvidia.com/mig.config': `all-${name}` });
    expect(pool.resourceName).toBe(`nvidia.com/mig-${name}`);
    expect(find(objs, 'TrainJob').spec.trainer.resourcesPerNode.limits[`nvidia.com/mig-${name}`]).toBe(1);
    expect(find(objs, 'ClusterQueue').spec.resourceGroups[0].flavors[0].resources).toContainEqual({ name: `nvidia.com/mig-${name}`, nominalQuota: 8 * perGpu });
    expect(AcceleratorCapabilities.migDevicesPerGpu(type, profile)).toBe(perGpu);
  });

  test('a profile the GPU does not offer is rejected by name', () => {
    const c = chart();
    expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, model: 'H200', migProfile: MigProfile.MIG_1G_10GB }).bind(c),
      /invalid-mig-profile.*MIG profile "1g\.10gb" is not supported.*1g\.18gb \(H200 141 GB\)/);
    expectValidationError(() => new GpuNodePool(c, 'Bad', { instanceTypes: [AcceleratorInstanceType.P4D_24XLARGE], acceleratorLimit: 8, migProfile: MigProfile.of('1g.23gb'), ...POOL_NETWORK }),
      /invalid-mig-profile.*"1g\.23gb".*p4d\.24xlarge: 1g\.5gb 2g\.10gb/);
  });
});
