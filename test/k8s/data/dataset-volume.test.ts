import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DatasetVolume, DatasetVolumeSource, S3DatasetOptions } from '../../../lib';
import { expectValidationError } from '../../support/errors';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };

function render(source: DatasetVolumeSource, namespace = 'team-a'): { pv: Obj; pvc: Obj; volume: DatasetVolume; chart: Chart } {
  const chart = Testing.chart();
  const volume = new DatasetVolume(chart, 'Data', { source, namespaceName: namespace, claimName: 'features' });
  const objs = Testing.synth(chart) as Obj[];
  return { pv: objs.find((o) => o.kind === 'PersistentVolume')!, pvc: objs.find((o) => o.kind === 'PersistentVolumeClaim')!, volume, chart };
}

const fsx = { fileSystemId: 'fs-0123456789abcdef0', dnsName: 'fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com', mountName: 'abcdefgh', storageCapacity: Size.gibibytes(2400) };

describe('DatasetVolume', () => {
  test('FSx for Lustre: static PV with the FSx CSI driver, RWX, flock, capacity of the file system', () => {
    const { pv, pvc } = render(DatasetVolumeSource.fsxLustre(fsx));
    expect(pv.metadata).toEqual({ name: 'team-a-features' });
    expect(pv.spec).toEqual({
      accessModes: ['ReadWriteMany'],
      capacity: { storage: '2400Gi' },
      csi: { driver: 'fsx.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0', volumeAttributes: { dnsname: fsx.dnsName, mountname: 'abcdefgh' } },
      mountOptions: ['flock'],
      storageClassName: '',
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
      claimRef: { name: 'features', namespace: 'team-a' },
    });
    expect(pvc.metadata).toEqual({ name: 'features', namespace: 'team-a' });
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteMany'], storageClassName: '', volumeName: 'team-a-features', volumeMode: 'Filesystem',
      resources: { requests: { storage: '2400Gi' } },
    });
  });

  test('EFS: access point in the volume handle, TLS in transit', () => {
    const { pv } = render(DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'fsap-0123456789abcdef0' }));
    expect(pv.spec.csi).toEqual({ driver: 'efs.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0::fsap-0123456789abcdef0', volumeAttributes: { encryptInTransit: 'true' } });
    expect(pv.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  test('S3 Mountpoint: read-only, ReadOnlyMany, prefix and region mount options', () => {
    const { pv } = render(DatasetVolumeSource.s3({ bucketName: 'fraud-datasets', prefix: 'features/v3/', region: 'eu-west-1' }));
    expect(pv.spec.csi).toEqual({ driver: 's3.csi.aws.com', volumeHandle: 's3-fraud-datasets-features-v3', volumeAttributes: { bucketName: 'fraud-datasets' } });
    expect(pv.spec.accessModes).toEqual(['ReadOnlyMany']);
    expect(pv.spec.mountOptions).toEqual(['read-only', 'allow-other', 'region eu-west-1', 'prefix features/v3/']);
  });

  test('mounts read-only into a cdk8s-plus container and its pod', () => {
    const chart = Testing.chart();
    const volume = new DatasetVolume(chart, 'Data', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), claimName: 'features' });
    const job = new kplus.Job(chart, 'Train', { containers: [{ image: 'trainer:1.0', securityContext: { user: 1000 } }] });
    volume.mount(job.containers[0], { path: '/data', subPath: 'curated' });
    const spec = (Testing.synth(chart).find((o) => o.kind === 'Job')).spec.template.spec;
    expect(spec.volumes).toEqual([{ name: 'features', persistentVolumeClaim: { claimName: 'features', readOnly: true } }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'features', mountPath: '/data', readOnly: true, subPath: 'curated' }]);
  });

  test('raw pod spec helpers for custom resources', () => {
    const { volume } = render(DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }));
    expect(volume.toPodVolume()).toEqual({ name: 'features', persistentVolumeClaim: { claimName: 'features', readOnly: true } });
    expect(volume.toVolumeMount({ path: '/datasets' })).toEqual({ name: 'features', mountPath: '/datasets', readOnly: true, subPath: undefined });
    expectValidationError(() => volume.toVolumeMount({ path: 'relative' }), /\[mlops:invalid-mount-path\].*Received: "relative"/);
    expectValidationError(() => volume.toVolumeMount({ path: '/data', subPath: '../etc' }), /invalid-mount-path/);
  });

  test('defaults: claim name from the path, namespace default', () => {
    const chart = Testing.chart();
    const v = new DatasetVolume(chart, 'Data', { source: DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0' }) });
    expect(v.namespaceName).toBe('default');
    expect(v.claimName).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(v.volumeName).toBe(`default-${v.claimName}`);
  });

  test.each([
    ['FSx id', DatasetVolumeSource.fsxLustre({ ...fsx, fileSystemId: 'fsx-123' }), /invalid-dataset-source.*fileSystemId.*Received: "fsx-123"/],
    ['FSx DNS of another fs', DatasetVolumeSource.fsxLustre({ ...fsx, dnsName: 'fs-0fedcba9876543210.fsx.us-east-1.amazonaws.com' }), /invalid-dataset-source.*dnsName belongs to a different file system/],
    ['FSx mount name', DatasetVolumeSource.fsxLustre({ ...fsx, mountName: 'ABC' }), /invalid-dataset-source.*mountName/],
    ['FSx too small', DatasetVolumeSource.fsxLustre({ ...fsx, storageCapacity: Size.gibibytes(100) }), /invalid-dataset-source.*at least 1.2 TiB.*Received: "100 GiB"/],
    ['FSx 1199 GiB', DatasetVolumeSource.fsxLustre({ ...fsx, storageCapacity: Size.gibibytes(1199) }), /invalid-dataset-source.*at least 1.2 TiB/],
    ['FSx 1500 GiB (no step of any type)', DatasetVolumeSource.fsxLustre({ ...fsx, storageCapacity: Size.gibibytes(1500) }), /invalid-dataset-source.*no FSx for Lustre file system can have.*Received: "1500 GiB"/],
    ['FSx 4200 GiB (no step of any type)', DatasetVolumeSource.fsxLustre({ ...fsx, storageCapacity: Size.gibibytes(4200) }), /invalid-dataset-source.*no FSx for Lustre file system can have/],
    ['FSx 2401 GiB', DatasetVolumeSource.fsxLustre({ ...fsx, storageCapacity: Size.gibibytes(2401) }), /invalid-dataset-source.*no FSx for Lustre file system can have/],
    ['EFS access point', DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'ap-1' }), /invalid-dataset-source.*accessPointId/],
    ['S3 bucket', DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'Bad_Bucket' }), /invalid-name.*bucketName/],
    ['S3 prefix', DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: '/features' }), /invalid-dataset-source.*prefix.*Fix: Use a prefix such as "curated\/"/],
    ['S3 region', DatasetVolumeSource.s3({ bucketName: 'fraud-datasets', region: 'Europe' }), /invalid-dataset-source.*region/],
    // from JavaScript or Python, where the compiler does not require it: Mountpoint needs the region
    ['S3 without a region', DatasetVolumeSource.s3({ bucketName: 'fraud-datasets' } as unknown as S3DatasetOptions), /invalid-dataset-source.*region/],
  ])('rejects bad %s', (_name, source, pattern) => {
    expectValidationError(() => new DatasetVolume(Testing.chart(), 'Data', { source }), pattern);
  });

  test.each([1200, 1800, 2400, 3600, 4800, 6000, 7200])('FSx capacities some Lustre file system has pass: %i GiB', (gib) => {
    expect(() => render(DatasetVolumeSource.fsxLustre({ ...fsx, storageCapacity: Size.gibibytes(gib) }))).not.toThrow();
  });

  test('rejects bad claim and namespace names', () => {
    const source = DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' });
    expectValidationError(() => new DatasetVolume(Testing.chart(), 'A', { source, claimName: 'Features' }), /invalid-name.*claimName/);
    expectValidationError(() => new DatasetVolume(Testing.chart(), 'B', { source, namespaceName: 'Team_A' }), /invalid-name.*namespace/);
  });
});

describe('DatasetVolume with deploy-time values', () => {
  test('FSx ids that are CloudFormation tokens pass (charts deployed through the kubectl provider)', () => {
    const { pv } = render(DatasetVolumeSource.fsxLustre({ ...fsx, fileSystemId: '${Token[TOKEN.1]}', dnsName: '${Token[TOKEN.2]}', mountName: '${Token[TOKEN.3]}' }));
    expect(pv.spec.csi).toEqual({ driver: 'fsx.csi.aws.com', volumeHandle: '${Token[TOKEN.1]}', volumeAttributes: { dnsname: '${Token[TOKEN.2]}', mountname: '${Token[TOKEN.3]}' } });
  });
});
