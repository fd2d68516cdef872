import { Testing } from 'cdk8s';
import { Size } from 'cdk8s';
import { CheckpointVolume, CheckpointVolumeProps, DatasetVolumeSource, KubernetesWarnings } from '../../../lib';
import { expectValidationError } from '../../support/errors';
import { ManifestValidator, sharedAvailable } from '../../support/k8s-schema';

describe('CheckpointVolume', () => {
  test('a general purpose bucket warns that nothing can be renamed there; a directory bucket, FSx for Lustre and EFS do not', () => {
    const gp = Testing.chart();
    new CheckpointVolume(gp, 'Ckpt', { namespaceName: 'team-a', bucketName: 'fraud-datasets', prefix: 'checkpoints/', region: 'eu-west-1' });
    const [warning] = KubernetesWarnings.of(gp);
    expect(KubernetesWarnings.of(gp)).toHaveLength(1);
    expect(warning).toMatch(/Ckpt: Checkpoints on the general purpose bucket fraud-datasets: Mountpoint cannot rename/);

    const express = Testing.chart();
    new CheckpointVolume(express, 'Ckpt', { namespaceName: 'team-a', bucketName: 'fraud-ckpt--euw1-az1--x-s3', prefix: 'run/', region: 'eu-west-1' });
    expect(KubernetesWarnings.of(express)).toEqual([]);
    const pv = Testing.synth(express).find((o) => o.kind === 'PersistentVolume');
    expect(pv.spec.csi).toMatchObject({ driver: 's3.csi.aws.com', volumeAttributes: { bucketName: 'fraud-ckpt--euw1-az1--x-s3' } });
    expect(pv.spec.mountOptions).toEqual(expect.arrayContaining(['allow-overwrite', 'allow-delete']));
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a', bucketName: 'Fraud--euw1-az1--x-s3', prefix: 'run/', region: 'eu-west-1' }), /invalid-checkpoint-volume.*directory bucket/);
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a', bucketName: 'fraud--x-s3', prefix: 'run/', region: 'eu-west-1' }), /invalid-checkpoint-volume.*directory bucket/);

    const lustre = Testing.chart();
    new CheckpointVolume(lustre, 'Ckpt', {
      namespaceName: 'team-a',
      fileSystem: DatasetVolumeSource.fsxLustre({ fileSystemId: 'fs-0123456789abcdef0', dnsName: 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com', mountName: 'abcdefgh', storageCapacity: Size.gibibytes(2400) }),
    });
    expect(KubernetesWarnings.of(lustre)).toEqual([]);
    const objs = Testing.synth(lustre);
    const lpv = objs.find((o) => o.kind === 'PersistentVolume');
    expect(lpv.spec).toMatchObject({
      accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Retain', capacity: { storage: '2400Gi' },
      csi: { driver: 'fsx.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0', volumeAttributes: { dnsname: 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com', mountname: 'abcdefgh' } },
      claimRef: { name: 'checkpoints', namespace: 'team-a' },
    });
    if (sharedAvailable()) expect(ManifestValidator.forKubernetes('1.33').validateAll(objs)).toEqual([]);
    const efs = Testing.chart();
    new CheckpointVolume(efs, 'Ckpt', { namespaceName: 'team-a', fileSystem: DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'fsap-0123456789abcdef0' }) });
    expect(Testing.synth(efs).find((o) => o.kind === 'PersistentVolume').spec.csi).toMatchObject({ driver: 'efs.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0::fsap-0123456789abcdef0' });
    // without an access point the non-root training user could not write (the driver ignores fsGroup)
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a', fileSystem: DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0' }) }), /invalid-checkpoint-volume.*access point/);

    // one place for the checkpoints, and a writable one
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a', bucketName: 'fraud-datasets', fileSystem: DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0' }) }), /invalid-checkpoint-volume.*give one/);
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a', fileSystem: DatasetVolumeSource.s3({ bucketName: 'fraud-datasets', region: 'eu-west-1' }) }), /invalid-checkpoint-volume.*read-only/);
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a', bucketName: 'fraud-datasets', prefix: 'checkpoints/' }), /invalid-checkpoint-volume.*bucketName, prefix and region/);
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'C', { namespaceName: 'team-a' }), /invalid-checkpoint-volume/);
  });

  test('regions: any AWS region name, or a deploy-time value', () => {
    for (const region of ['me-central-1', 'us-gov-west-1', 'ap-southeast-7', '${Token[AWS.Region.1]}']) {
      expect(() => new CheckpointVolume(Testing.chart(), 'Ckpt', { region, namespaceName: 'team-a', bucketName: 'fraud-datasets', prefix: 'checkpoints/' })).not.toThrow();
    }
  });

  test('a writable, retained S3 volume owned by the training user, bound to its claim', () => {
    const chart = Testing.chart();
    const volume = new CheckpointVolume(chart, 'Ckpt', { namespaceName: 'team-a', bucketName: 'fraud-datasets', prefix: 'checkpoints/', region: 'eu-west-1' });
    const objs = Testing.synth(chart);
    const pv = objs.find((o) => o.kind === 'PersistentVolume');
    const pvc = objs.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(pv.spec).toMatchObject({
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      claimRef: { name: 'checkpoints', namespace: 'team-a' },
      csi: { driver: 's3.csi.aws.com', volumeAttributes: { bucketName: 'fraud-datasets' } },
      mountOptions: ['allow-overwrite', 'allow-delete', 'allow-other', 'uid=1000', 'gid=1000', 'prefix checkpoints/', 'region eu-west-1'],
    });
    expect(pv.spec.mountOptions).not.toContain('read-only');
    expect(pvc.metadata).toMatchObject({ name: 'checkpoints', namespace: 'team-a' });
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteMany'], volumeName: volume.volumeName, storageClassName: '' });
    expect(volume.storage('/ckpt')).toMatchObject({ kind: 'persistent-volume-claim', claimName: 'checkpoints', path: '/ckpt' });
    if (!sharedAvailable()) {
      console.warn('skipped schema check: ../shared not present');
      return;
    }
    expect(ManifestValidator.forKubernetes('1.33').validateAll(objs)).toEqual([]);
  });

  test.each([
    [{ prefix: 'checkpoints' }, /invalid-checkpoint-volume.*prefix/],
    [{ bucketName: 'Bad_Bucket' }, /invalid-name.*bucketName/],
    [{ namespaceName: 'Team_A' }, /invalid-name.*namespace/],
    [{ uid: 0 }, /invalid-checkpoint-volume.*non-root/],
    [{ region: 'Ireland' }, /invalid-checkpoint-volume.*region/],
    [{ region: 'eu-west' }, /invalid-checkpoint-volume.*region/],
    // from JavaScript or Python, where the compiler does not require it
    [{ region: undefined }, /invalid-checkpoint-volume.*region/],
  ])('rejects %j', (override, pattern) => {
    const props = { region: 'eu-west-1', namespaceName: 'team-a', bucketName: 'fraud-datasets', prefix: 'checkpoints/', ...override } as CheckpointVolumeProps;
    expectValidationError(() => new CheckpointVolume(Testing.chart(), 'Ckpt', props), pattern);
  });
});
