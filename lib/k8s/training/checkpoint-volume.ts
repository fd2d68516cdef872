import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { CheckpointStorage } from './training-job-options';
import { ValidationError } from '../../core/errors';
import { REGION } from '../../core/private/identifiers';
import { isUnresolvedString } from '../../core/private/tokens';
import { NameRule } from '../../core/names';
import { CHECKPOINT_VOLUME_ROLE, registerObjects } from '../core/objects';
import { createStaticVolume, s3VolumeHandle } from '../core/static-volume';
import { checkNotSystemNamespace } from '../core/validation';

/** Properties of a {@link CheckpointVolume}. */
export interface CheckpointVolumeProps {
  /** Namespace of the claim (the training jobs' namespace). */
  readonly namespaceName: string;
  /** Bucket the checkpoints go to (for example the project's dataset store, a `checkpoints` zone). */
  readonly bucketName: string;
  /** Key prefix of the checkpoints, ending in `/`, for example `checkpoints/`. */
  readonly prefix: string;
  /**
   * Region of the bucket, passed to Mountpoint (`region` mount option). Required: Mountpoint
   * would otherwise find it through the instance metadata service, which the GPU nodes' hop
   * limit of 1 keeps from pods.
   */
  readonly region: string;
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
 * A writable, shared (ReadWriteMany) checkpoint volume on S3 through the Mountpoint for Amazon S3
 * CSI driver: every node of a distributed job writes its shards, and a restarted or preempted job
 * resumes from them. Files are owned by the training user; overwrites and deletes are allowed so
 * that checkpoint rotation works. Statically provisioned and retained: deleting the claim keeps
 * the checkpoints.
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
    NameRule.S3_BUCKET.validate(this, 'bucketName', props.bucketName);
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
    this.volumeName = NameRule.KUBERNETES.generate(this, props.namespaceName, this.claimName);
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
