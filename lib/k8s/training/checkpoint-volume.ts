import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { CheckpointStorage } from './training-job-options';
import { ValidationError } from '../../core/errors';
import { DIRECTORY_BUCKET_NAME, REGION } from '../../core/private/identifiers';
import { isUnresolvedString } from '../../core/private/tokens';
import { NameRule } from '../../core/names';
import { CHECKPOINT_VOLUME_ROLE, registerObjects } from '../core/objects';
import { createStaticVolume, s3VolumeHandle } from '../core/static-volume';
import { KubernetesWarnings } from '../core/warnings';
import { DatasetVolumeSource, DatasetVolumeSourceKind } from '../data/dataset-volume';

import { checkNotSystemNamespace } from '../core/validation';

/** Properties of a {@link CheckpointVolume}. */
export interface CheckpointVolumeProps {
  /** Namespace of the claim (the training jobs' namespace). */
  readonly namespaceName: string;
  /**
   * A file system for the checkpoints instead of S3: `DatasetVolumeSource.fsxLustre()` or
   * `DatasetVolumeSource.efs()`, mounted read-write. Both rename files and directories, which
   * PyTorch distributed checkpointing does when it commits a checkpoint.
   *
   * @default - S3 through Mountpoint (`bucketName`, `prefix`, `region`)
   */
  readonly fileSystem?: DatasetVolumeSource;
  /**
   * Bucket the checkpoints go to: an S3 Express One Zone directory bucket
   * (`<name>--<zone id>--x-s3`), where Mountpoint renames files (Mountpoint 1.19, CSI driver 1.15
   * or later), or a general purpose bucket (the project's dataset store, a `checkpoints` zone),
   * where nothing can be renamed: checkpointing that writes a temporary file and renames it fails
   * there (a warning says so; see `KubernetesWarnings`). Not with `fileSystem`.
   *
   * @default - none; required without `fileSystem`
   */
  readonly bucketName?: string;
  /**
   * Key prefix of the checkpoints, ending in `/`, for example `checkpoints/`. With `bucketName`.
   *
   * @default - none; required with `bucketName`
   */
  readonly prefix?: string;
  /**
   * Region of the bucket, passed to Mountpoint (`region` mount option). Required with
   * `bucketName`: Mountpoint would otherwise find it through the instance metadata service,
   * which the GPU nodes' hop limit of 1 keeps from pods.
   *
   * @default - none; required with `bucketName`
   */
  readonly region?: string;
  /**
   * Name of the claim; it must differ from every dataset claim of the namespace.
   *
   * @default 'checkpoints'
   */
  readonly claimName?: string;
  /**
   * User and group that own the mounted files: the user the training containers run as.
   *
   * @default 1000
   */
  readonly uid?: number;
}

/**
 * A writable, shared (ReadWriteMany) checkpoint volume: every node of a distributed job writes
 * its shards, and a restarted or preempted job resumes from them. On S3 through the Mountpoint
 * for Amazon S3 CSI driver (files owned by the training user; overwrites and deletes allowed so
 * that checkpoint rotation works), or on FSx for Lustre or EFS. Statically provisioned and
 * retained: deleting the claim keeps the checkpoints.
 */
export class CheckpointVolume extends Construct {
  /** Name of the claim. */
  public readonly claimName: string;
  /** Name of the (cluster-scoped) PersistentVolume. */
  public readonly volumeName: string;

  constructor(scope: Construct, id: string, props: CheckpointVolumeProps) {
    super(scope, id);
    registerObjects(this, CHECKPOINT_VOLUME_ROLE);
    NameRule.KUBERNETES.validate(this, 'namespaceName', props.namespaceName);
    checkNotSystemNamespace(this, 'namespaceName', props.namespaceName);
    this.claimName = NameRule.KUBERNETES.validate(this, 'claimName', props.claimName ?? 'checkpoints');
    this.volumeName = NameRule.KUBERNETES.generate(this, props.namespaceName, this.claimName);
    if (props.fileSystem !== undefined) {
      if (props.bucketName !== undefined || props.prefix !== undefined || props.region !== undefined) {
        throw new ValidationError({
          code: 'invalid-checkpoint-volume', scope: this,
          message: 'fileSystem and bucketName (with prefix and region) are two places for the checkpoints; give one.',
          received: { fileSystem: props.fileSystem.kind, bucketName: props.bucketName }, fix: 'Remove bucketName, prefix and region, or fileSystem.',
        });
      }
      if (props.fileSystem.kind === DatasetVolumeSourceKind.S3) {
        throw new ValidationError({
          code: 'invalid-checkpoint-volume', scope: this,
          message: 'fileSystem is an S3 dataset source, which mounts read-only.',
          received: props.fileSystem.kind, fix: 'Give bucketName, prefix and region for checkpoints on S3, or an FSx for Lustre or EFS source.',
        });
      }
      const config = props.fileSystem._bind(this);
      if (props.fileSystem.kind === DatasetVolumeSourceKind.EFS && !config.csi.volumeHandle.includes('::')) {
        // The EFS CSI driver ignores fsGroup: without an access point the training user cannot write.
        throw new ValidationError({
          code: 'invalid-checkpoint-volume', scope: this,
          message: 'Checkpoints on EFS need an access point: the EFS CSI driver does not apply fsGroup, and a new file system\'s root is writable by root only, so the non-root training user could write nothing.',
          received: config.csi.volumeHandle, fix: 'Give accessPointId: an access point whose POSIX user is the training user (1000:1000) and whose root directory it owns.',
        });
      }
      createStaticVolume(this, {
        volumeName: this.volumeName, claimName: this.claimName, namespace: props.namespaceName,
        accessModes: ['ReadWriteMany'], capacityGiB: config.capacity.toGibibytes(), csi: config.csi, mountOptions: config.mountOptions,
      });
      return;
    }
    if (props.bucketName === undefined || props.prefix === undefined || props.region === undefined) {
      throw new ValidationError({
        code: 'invalid-checkpoint-volume', scope: this,
        message: 'Checkpoints on S3 need bucketName, prefix and region (or give fileSystem).',
        received: { bucketName: props.bucketName, prefix: props.prefix, region: props.region }, fix: 'Give all three, or a fileSystem.',
      });
    }
    const directoryBucket = props.bucketName.endsWith('--x-s3');
    if (directoryBucket) {
      if (!isUnresolvedString(props.bucketName) && !DIRECTORY_BUCKET_NAME.test(props.bucketName)) {
        throw new ValidationError({
          code: 'invalid-checkpoint-volume', scope: this,
          message: 'bucketName ends like an S3 Express One Zone directory bucket but is not one: <base name>--<zone id>--x-s3, 3-63 lowercase letters, digits and hyphens.',
          received: props.bucketName, fix: 'Give the directory bucket\'s full name, for example "checkpoints--euw1-az1--x-s3".',
        });
      }
    } else {
      NameRule.S3_BUCKET.validate(this, 'bucketName', props.bucketName);
      KubernetesWarnings.add(this, `Checkpoints on the general purpose bucket ${props.bucketName}: Mountpoint cannot rename there, and PyTorch distributed checkpointing (and any writer that renames a temporary file) fails. Use an S3 Express One Zone directory bucket, FSx for Lustre or EFS for such writers.`);
    }
    if (props.prefix.length === 0 || props.prefix.startsWith('/') || !props.prefix.endsWith('/')) {
      throw new ValidationError({
        code: 'invalid-checkpoint-volume', scope: this,
        message: 'The checkpoint prefix must not be empty, must not start with "/" and must end with "/".',
        received: props.prefix, fix: 'Use a prefix such as "checkpoints/".',
      });
    }
    if (typeof props.region !== 'string' || (!isUnresolvedString(props.region) && !REGION.test(props.region))) {
      throw new ValidationError({
        code: 'invalid-checkpoint-volume', scope: this,
        message: 'region (required: Mountpoint\'s region mount option) is not an AWS region name.',
        received: props.region, fix: 'Give the region of the bucket, such as "us-east-1".',
      });
    }
    const uid = props.uid ?? 1000;
    if (!Number.isInteger(uid) || uid < 1) {
      throw new ValidationError({
        code: 'invalid-checkpoint-volume', scope: this,
        message: 'uid must be a positive whole number: training containers run as non-root.',
        received: uid, fix: 'Use the runAsUser of the training jobs (1000 by default).',
      });
    }
    const mountOptions = ['allow-overwrite', 'allow-delete', 'allow-other', `uid=${uid}`, `gid=${uid}`, `prefix ${props.prefix}`];
    mountOptions.push(`region ${props.region}`);
    createStaticVolume(this, {
      volumeName: this.volumeName, claimName: this.claimName, namespace: props.namespaceName,
      accessModes: ['ReadWriteMany'],
      capacityGiB: Size.tebibytes(1).toGibibytes(),
      csi: {
        driver: 's3.csi.aws.com',
        volumeHandle: s3VolumeHandle(props.bucketName, props.prefix),
        volumeAttributes: { bucketName: props.bucketName },
      },
      mountOptions,
    });
  }

  /** The job setting that writes checkpoints here (mounted read-write at `path`). */
  public storage(path?: string): CheckpointStorage {
    return CheckpointStorage.persistentVolumeClaim(this.claimName, { path });
  }
}
