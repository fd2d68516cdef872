import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IDatasetStore } from '../data/dataset-store';
import { DatasetVersion, DatasetVersionKind } from '../data/dataset-version';
import { grantBucketObjects, KMS_S3_READ_ACTIONS, S3_READ_OBJECT_ACTIONS } from '../private/grants';

/** On-demand or managed spot capacity for a SageMaker training job. */
export class TrainingCompute {
  /** On-demand instances. */
  public static onDemand(): TrainingCompute {
    return new TrainingCompute(false);
  }

  /**
   * Managed spot training: up to 90% cheaper, interrupted jobs resume from their checkpoints.
   * Needs `checkpoints` on the template.
   *
   * @param maxWait how long the job may wait for spot capacity plus run; at least `maxRuntime`, at most 28 days, whole seconds
   */
  public static spot(maxWait: Duration): TrainingCompute {
    return new TrainingCompute(true, maxWait);
  }

  private constructor(
    /** Whether managed spot training is used. */
    public readonly isSpot: boolean,
    /** Maximum wait plus run time (spot only). */
    public readonly maxWait?: Duration,
  ) {}
}

/** Where checkpoints are written, so interrupted (spot) jobs resume. */
export class CheckpointLocation {
  /** Checkpoints in a zone of a dataset store, under `prefix` (e.g. `checkpoints/`). */
  public static inDatasetStore(store: IDatasetStore, zone: string, prefix = ''): CheckpointLocation {
    return new CheckpointLocation(store.bucket, store.encryptionKey, () => `${store.zonePrefix(zone)}${prefix}`);
  }

  /** Checkpoints in any bucket under `prefix`. */
  public static inBucket(bucket: s3.IBucket, prefix: string): CheckpointLocation {
    return new CheckpointLocation(bucket, bucket.encryptionKey, () => prefix);
  }

  private constructor(
    /** The bucket. */
    public readonly bucket: s3.IBucket,
    /** Its key, if customer-managed. */
    public readonly encryptionKey: kms.IKey | undefined,
    private readonly prefixOf: () => string,
  ) {}

  /** Key prefix of the checkpoints (validated when the template binds it). */
  public get prefix(): string {
    return this.prefixOf();
  }
}

/** How a training job reads a channel (SageMaker `InputMode`). */
export enum TrainingInputMode {
  /** Copy the data to the instance volume before training starts. */
  FILE = 'File',
  /** Stream the data from S3 on demand through a file system interface (no copy first). */
  FAST_FILE = 'FastFile',
  /** Stream the data through a named pipe (algorithms written for pipe mode). */
  PIPE = 'Pipe',
}

/** Options of a training input channel. */
export interface TrainingInputOptions {
  /**
   * Channel name; the data appears under `/opt/ml/input/data/<channel>`.
   *
   * @default 'train'
   */
  readonly channelName?: string;
  /**
   * Stream the data (`PIPE`, `FAST_FILE`) instead of copying it to the volume first (`FILE`).
   *
   * @default TrainingInputMode.FAST_FILE
   */
  readonly inputMode?: TrainingInputMode;
}

/** One input channel of a training job: a dataset zone, or one pinned dataset version. */
export class TrainingInput {
  /** Everything in a zone of a dataset store. */
  public static fromZone(store: IDatasetStore, zone: string, options: TrainingInputOptions = {}): TrainingInput {
    return new TrainingInput(options, () => store.s3Uri(zone), 'S3Prefix',
      (grantee) => store.grantRead(grantee, zone), { 'dataset:zone': zone });
  }

  /**
   * One dataset version (object at a version id, or a manifest). The lineage records the version
   * id. SageMaker channels cannot name an S3 version: the job reads the key's current version, so
   * keep released dataset keys immutable (write new keys, lock them with Object Lock) or have the
   * pipeline check the current version id before it starts the job.
   */
  public static fromDatasetVersion(version: DatasetVersion, options: TrainingInputOptions = {}): TrainingInput {
    const grant = (grantee: iam.IGrantable) => version.kind === DatasetVersionKind.MANIFEST
      // a manifest lists files of its zone: the job reads the manifest and those files
      ? version.store.grantRead(grantee, version.zone)
      // S3Prefix lists the key as a prefix and reads it
      : grantBucketObjects({
        grantee, bucket: version.store.bucket, key: version.store.encryptionKey, prefix: version.objectKey,
        actions: S3_READ_OBJECT_ACTIONS, keyActions: KMS_S3_READ_ACTIONS, list: true,
      });
    return new TrainingInput(options, () => version.s3Uri, version.sageMakerS3DataType, grant, version.toLineage());
  }

  /** Channel name. */
  public readonly channelName: string;
  /** Input mode. */
  public readonly inputMode: TrainingInputMode;
  /** SageMaker S3 data type (`S3Prefix` or `ManifestFile`). */
  public readonly s3DataType: string;
  /** Lineage of the data (dataset version and URI when pinned). */
  public readonly lineage: Record<string, string>;

  private constructor(
    options: TrainingInputOptions,
    private readonly uriOf: () => string,
    s3DataType: string,
    private readonly grantRead: (grantee: iam.IGrantable) => iam.Grant,
    lineage: Record<string, string>,
  ) {
    this.channelName = channel(options);
    this.inputMode = options.inputMode ?? TrainingInputMode.FAST_FILE;
    this.s3DataType = s3DataType;
    this.lineage = lineage;
  }

  /** S3 URI of the data. */
  public get s3Uri(): string {
    return this.uriOf();
  }

  /** @internal */
  public _bind(grantee: iam.IGrantable): iam.Grant {
    return this.grantRead(grantee);
  }
}

function channel(options: TrainingInputOptions): string {
  return options.channelName ?? 'train';
}
