import { Testing } from 'cdk8s';
import { CheckpointVolume, CheckpointVolumeProps } from '../../../lib';
import { expectValidationError } from '../../support/errors';
import { ManifestValidator, sharedAvailable } from '../../support/k8s-schema';

describe('CheckpointVolume', () => {
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
