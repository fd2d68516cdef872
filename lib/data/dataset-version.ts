import * as iam from 'aws-cdk-lib/aws-iam';
import type { IDatasetStore } from './dataset-store';
import { KMS_S3_READ_ACTIONS } from '../private/grants';

/** What a dataset version points at. */
export enum DatasetVersionKind {
  /** One object (for example a Parquet file or a tar archive) at one S3 version. */
  OBJECT = 'object',
  /** A manifest object that lists every file of the dataset (SageMaker `ManifestFile`). */
  MANIFEST = 'manifest',
}

/** Identifies one immutable version of a dataset in a store. */
export interface DatasetVersionOptions {
  /** Zone that holds the object, for example `curated`. */
  readonly zone: string;
  /** Key of the object inside the zone, for example `transactions/2026-11/part-0.parquet`. */
  readonly key: string;
  /** S3 version id of the object. Pins the exact bytes that trained a model. */
  readonly versionId: string;
  /**
   * Whether the object is a single data object or a manifest listing the dataset's files.
   *
   * @default DatasetVersionKind.OBJECT
   */
  readonly kind?: DatasetVersionKind;
}

/**
 * One immutable version of a dataset: an object key plus its S3 version id (or a manifest object
 * at a version). Training records it and the registry stores it as lineage, so a model version
 * always says exactly which data trained it.
 *
 * Create it with `store.datasetVersion({...})`, which validates the zone, key and version id.
 */
export class DatasetVersion {
  /** @internal */
  public static _create(store: IDatasetStore, options: DatasetVersionOptions, objectKey: string): DatasetVersion {
    return new DatasetVersion(store, options, objectKey);
  }

  /** The store that holds the data. */
  public readonly store: IDatasetStore;
  /** Zone of the object. */
  public readonly zone: string;
  /** Full object key, including the zone prefix. */
  public readonly objectKey: string;
  /** S3 version id. */
  public readonly versionId: string;
  /** Object or manifest. */
  public readonly kind: DatasetVersionKind;

  private constructor(store: IDatasetStore, options: DatasetVersionOptions, objectKey: string) {
    this.store = store;
    this.zone = options.zone;
    this.objectKey = objectKey;
    this.versionId = options.versionId;
    this.kind = options.kind ?? DatasetVersionKind.OBJECT;
  }

  /** `s3://bucket/key` of the object (the version is in `versionId`). */
  public get s3Uri(): string {
    return `s3://${this.store.bucket.bucketName}/${this.objectKey}`;
  }

  /**
   * SageMaker `S3DataType` for a training channel that reads this version:
   * `ManifestFile` for manifests, `S3Prefix` for objects.
   */
  public get sageMakerS3DataType(): string {
    return this.kind === DatasetVersionKind.MANIFEST ? 'ManifestFile' : 'S3Prefix';
  }

  /**
   * Lineage record for model metadata and tags: `dataset:uri`, `dataset:version-id`,
   * `dataset:kind`, `dataset:zone`.
   */
  public toLineage(): Record<string, string> {
    return {
      'dataset:uri': this.s3Uri,
      'dataset:version-id': this.versionId,
      'dataset:kind': this.kind,
      'dataset:zone': this.zone,
    };
  }

  /**
   * Grants read access to exactly this object version (and decrypt on the store's key).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging'],
      resourceArns: [this.store.bucket.arnForObjects(this.objectKey)],
      resource: this.store.bucket,
    });
    const key = this.store.encryptionKey;
    return key ? grant.combine(key.grant(grantee, ...KMS_S3_READ_ACTIONS)) : grant;
  }
}
