import { Annotations, Duration, IResource, RemovalPolicy, Resource, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DatasetVersion, DatasetVersionOptions } from './dataset-version';
import { ValidationError } from '../core/errors';
import { NameRule } from '../core/names';
import { KMS_KEY_ARN, validateArn } from '../core/private/identifiers';
import { grantBucketObjects, KMS_S3_READ_ACTIONS, KMS_S3_WRITE_ACTIONS, S3_PUT_OBJECT_ACTIONS, S3_READ_OBJECT_ACTIONS, S3_READ_WRITE_OBJECT_ACTIONS } from '../private/grants';
import { createDataKey } from '../private/keys';
import { S3_MAX_KEY_BYTES, utf8Bytes, wholeDuration } from '../private/limits';
import { createSecureBucket } from '../private/secure-bucket';
import { BucketReplication } from './bucket-replication';

const ZONE_NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** Metrics configurations per bucket (S3 user guide, "CloudWatch metrics configurations"). */
const MAX_METRICS_CONFIGURATIONS = 1000;

/**
 * The CloudWatch metrics of a dataset store, in one place: the monitoring capability takes
 * metrics from the store's `metricXxx()` methods, and names only come from here.
 *
 * Source: Amazon S3 user guide, "Metrics and dimensions" (daily storage metrics and request
 * metrics in the `AWS/S3` namespace).
 */
export class DatasetStoreMetricNames {
  /** Namespace of the S3 storage and request metrics. */
  public static readonly METRIC_NAMESPACE = 'AWS/S3';
  /** FilterId of the request metrics configuration that covers the whole bucket. */
  public static readonly ENTIRE_BUCKET_FILTER = 'EntireBucket';
  /** Request metric: all HTTP requests (Sum). */
  public static readonly ALL_REQUESTS = 'AllRequests';
  /** Request metric: GET requests for objects (Sum). (Not `GET_...`: Java would take it for a getter.) */
  public static readonly HTTP_GET_REQUESTS = 'GetRequests';
  /** Request metric: PUT requests for objects (Sum). */
  public static readonly HTTP_PUT_REQUESTS = 'PutRequests';
  /** Request metric: requests answered with a 4xx status, 0 or 1 per request (Sum: count, Average: rate). */
  public static readonly CLIENT_ERRORS = '4xxErrors';
  /** Request metric: requests answered with a 5xx status (503 SlowDown included), 0 or 1 per request. */
  public static readonly SERVER_ERRORS = '5xxErrors';
  /** Request metric: milliseconds from the complete request to the first response byte. */
  public static readonly FIRST_BYTE_LATENCY = 'FirstByteLatency';
  /** Request metric: milliseconds from the first request byte to the last response byte. */
  public static readonly TOTAL_REQUEST_LATENCY = 'TotalRequestLatency';
  /** Request metric: bytes downloaded in responses with a body. */
  public static readonly BYTES_DOWNLOADED = 'BytesDownloaded';
  /** Request metric: bytes uploaded in requests with a body. */
  public static readonly BYTES_UPLOADED = 'BytesUploaded';
  /** Daily storage metric: bytes stored per storage type, current and noncurrent versions (Average). */
  public static readonly BUCKET_SIZE_BYTES = 'BucketSizeBytes';
  /** Daily storage metric: objects (current and noncurrent versions, upload parts) of all storage types (Average). */
  public static readonly NUMBER_OF_OBJECTS = 'NumberOfObjects';

  private constructor() {}
}

/**
 * Storage types (the `StorageType` dimension of `BucketSizeBytes`) a dataset store's objects are
 * in: new objects land in STANDARD and the store's lifecycle moves those larger than 128 KB to
 * Intelligent-Tiering (S3 does not transition smaller objects by default), whose automatic tiers
 * are frequent, infrequent and archive instant access. The opt-in archive tiers are not
 * configured by the store, so they are not listed.
 */
export enum DatasetStorageType {
  /**
   * S3 Standard (`StandardStorage`): objects before the lifecycle transition, and for good the
   * objects of 128 KB or less (labels, manifests), which lifecycle rules do not transition.
   */
  STANDARD = 'StandardStorage',
  /** Intelligent-Tiering frequent access tier (`IntelligentTieringFAStorage`): transitioned objects accessed in the last 30 days. */
  INTELLIGENT_TIERING_FREQUENT_ACCESS = 'IntelligentTieringFAStorage',
  /** Intelligent-Tiering infrequent access tier (`IntelligentTieringIAStorage`): not accessed for 30 days. */
  INTELLIGENT_TIERING_INFREQUENT_ACCESS = 'IntelligentTieringIAStorage',
  /** Intelligent-Tiering archive instant access tier (`IntelligentTieringAIAStorage`): not accessed for 90 days. */
  INTELLIGENT_TIERING_ARCHIVE_INSTANT_ACCESS = 'IntelligentTieringAIAStorage',
}

/**
 * A dataset store: where a project keeps its data, in zones (prefixes) such as `raw`,
 * `curated` and `features`.
 */
export interface IDatasetStore extends IResource {
  /** The bucket holding the data. @attribute */
  readonly bucket: s3.IBucket;
  /** The key the data is encrypted with, if a customer-managed key is used. */
  readonly encryptionKey?: kms.IKey;
  /** Names of the zones in the store. */
  readonly zoneNames: string[];
  /** Key prefix of a zone (`raw/`). Throws `unknown-zone` for a zone the store does not have. */
  zonePrefix(zone: string): string;
  /** `s3://bucket/zone/` (or `s3://bucket/` without a zone). */
  s3Uri(zone?: string): string;
  /**
   * Grants read access (get objects and versions, list) to the whole store or to one zone,
   * including decrypt on the key.
   */
  grantRead(grantee: iam.IGrantable, zone?: string): iam.Grant;
  /**
   * Grants write access (put objects, multipart uploads; no delete) to the whole store or one
   * zone, including encrypt/decrypt on the key.
   */
  grantWrite(grantee: iam.IGrantable, zone?: string): iam.Grant;
  /**
   * Grants read, write and delete of objects (and listing) in the whole store or one zone, with
   * encrypt/decrypt on the key: for working data such as checkpoints, which a job overwrites and
   * prunes. Versioning keeps deleted objects as noncurrent versions.
   */
  grantReadWrite(grantee: iam.IGrantable, zone?: string): iam.Grant;
  /** Names one immutable dataset version in the store (validated). */
  datasetVersion(options: DatasetVersionOptions): DatasetVersion;

  /**
   * Whether the bucket has the store's request metrics configurations (FilterId
   * `EntireBucket`, and one per zone named after the zone), so that the request metrics exist.
   */
  readonly requestMetricsEnabled: boolean;
  /**
   * An S3 request metric (`AWS/S3`, dimensions `BucketName` and `FilterId`) of the whole store,
   * or of one zone. Request metrics exist only where the bucket has a metrics configuration:
   * throws `request-metrics-disabled` when `requestMetricsEnabled` is false, `unknown-zone` for
   * a zone the store does not have. A zone's metrics (a prefix filter) count only requests on
   * single objects: List and multi-object Delete requests appear in the whole store's metrics
   * only, so `ListRequests` of a zone is refused (`no-zone-metric`), as are the daily storage
   * metrics, which have no FilterId (use `metricBucketSizeBytes()`, `metricNumberOfObjects()`).
   *
   * @param metricName a name from `DatasetStoreMetricNames`
   * @param zone the zone, or the whole store when omitted
   * @param props statistic (default Sum), period (default 5 minutes), label...
   */
  metric(metricName: string, zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** All HTTP requests to the store or a zone (Sum over 5 minutes). */
  metricAllRequests(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** GET requests for objects of the store or a zone (Sum over 5 minutes). */
  metricGetRequests(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** PUT requests for objects of the store or a zone (Sum over 5 minutes). */
  metricPutRequests(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Requests answered with a 4xx status (`4xxErrors`; AccessDenied after a grant or key change
   * shows here): count, Sum over 5 minutes. Use `statistic: 'Average'` for the error rate. A
   * zone's count leaves out List requests (an AccessDenied on `s3:ListBucket` shows in the whole
   * store's count only).
   */
  metricClientErrors(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Requests answered with a 5xx status (`5xxErrors`; 503 SlowDown when data loaders exceed the
   * prefix request rate shows here): count, Sum over 5 minutes.
   */
  metricServerErrors(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Time to first byte in milliseconds (p99 over 5 minutes). */
  metricFirstByteLatency(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Total request time in milliseconds (p99 over 5 minutes). */
  metricTotalRequestLatency(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Bytes downloaded (Sum over 5 minutes): how much data training reads. */
  metricBytesDownloaded(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Bytes uploaded (Sum over 5 minutes). */
  metricBytesUploaded(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Bytes stored in one storage type (`BucketSizeBytes`, dimensions `BucketName` and
   * `StorageType`; Average over 1 day). A daily storage metric: S3 publishes it for every
   * bucket, free, once a day; there are no per-zone storage metrics.
   */
  metricBucketSizeBytes(storageType: DatasetStorageType, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Objects stored in all storage types (`NumberOfObjects`, `StorageType` `AllStorageTypes`; Average over 1 day). */
  metricNumberOfObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** S3 Object Lock retention mode. */
export enum ObjectLockMode {
  /** Principals with `s3:BypassGovernanceRetention` can still delete or shorten the retention. */
  GOVERNANCE = 'GOVERNANCE',
  /** Nobody, including the root user, can delete a version or shorten its retention. */
  COMPLIANCE = 'COMPLIANCE',
}

/** Object Lock mode and default retention for new object versions. */
export class DatasetObjectLock {
  /**
   * Governance mode: versions cannot be overwritten or deleted during `retention` except by
   * principals with `s3:BypassGovernanceRetention`.
   */
  public static governance(retention: Duration): DatasetObjectLock {
    return new DatasetObjectLock(ObjectLockMode.GOVERNANCE, retention);
  }

  /**
   * Compliance mode: nobody, including the root user, can delete a version during `retention`,
   * and the retention cannot be shortened. Use for regulated training data.
   */
  public static compliance(retention: Duration): DatasetObjectLock {
    return new DatasetObjectLock(ObjectLockMode.COMPLIANCE, retention);
  }

  private constructor(
    /** The retention mode. */
    public readonly mode: ObjectLockMode,
    /** Default retention of each new object version. */
    public readonly retention: Duration,
  ) {}
}

/** Properties of a {@link DatasetStore}. */
export interface DatasetStoreProps {
  /**
   * Physical bucket name (validated against S3 bucket naming rules).
   *
   * @default - generated by CloudFormation (globally unique)
   */
  readonly bucketName?: string;
  /**
   * Customer-managed KMS key for the data.
   *
   * @default - a new key with automatic rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Zones (key prefixes) of the store.
   *
   * @default ['raw', 'curated', 'features']
   */
  readonly zones?: string[];
  /**
   * How long a replaced or deleted object version is kept before it expires.
   * Dataset versions referenced by models must stay readable at least as long as those models.
   *
   * @default Duration.days(365)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Age after which objects move to S3 Intelligent-Tiering.
   *
   * @default Duration.days(0)
   */
  readonly intelligentTieringAfter?: Duration;
  /**
   * Object Lock for write-once datasets. Object Lock can only be enabled when the bucket is
   * created.
   *
   * @default - no Object Lock
   */
  readonly objectLock?: DatasetObjectLock;
  /**
   * Replication of every object version (delete markers and Object Lock settings included) to a
   * bucket in another region, re-encrypted there with its key: the data survives the loss of
   * the region. The replication findings of the compliance packs then hold without an
   * acknowledgment. Existing objects are not copied (S3 Batch Replication does that).
   *
   * @default - no replication (see ComplianceGate.acknowledgeSingleRegion)
   */
  readonly replication?: BucketReplication;
  /**
   * What happens to the bucket and key when removed from the stack. The default keeps them
   * (on a stack delete, and when an update replaces them) except when the stack's first create
   * fails, so a retry does not collide with a fixed-name bucket left behind. Anything that does not
   * keep them leaves a warning.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Bucket that receives the server access logs.
   *
   * @default - a dedicated SSE-S3 log bucket is created
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * How long server access logs are kept in the created log bucket.
   *
   * @default Duration.days(365)
   */
  readonly accessLogsRetention?: Duration;
  /**
   * Whether the bucket gets S3 request metrics configurations: one for the whole bucket
   * (FilterId `EntireBucket`) and one per zone, filtered by the zone prefix (FilterId = the zone
   * name), so that request counts, 4xx/5xx errors, latency and bytes transferred are published
   * to CloudWatch each minute, per zone. Without them S3 publishes only the daily storage metrics,
   * and throttling (503 SlowDown) or AccessDenied during training is invisible.
   *
   * On by default: the store feeds GPU jobs whose failures cost far more than the metrics. S3
   * request metrics are billed as CloudWatch custom metrics (up to 16 metrics per
   * configuration, billed for the hours in which requests occur): 1 + the number of zones
   * configurations. Turn off for stores that see no traffic worth watching.
   *
   * @default true
   */
  readonly requestMetrics?: boolean;
}

/** Attributes of a dataset store created elsewhere. */
export interface DatasetStoreAttributes {
  /** The bucket. Import it with `s3.Bucket.fromBucketAttributes()`. */
  readonly bucket: s3.IBucket;
  /**
   * The key the bucket is encrypted with.
   *
   * @default - the bucket's own `encryptionKey`, if any
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Zones of the store.
   *
   * @default ['raw', 'curated', 'features']
   */
  readonly zones?: string[];
  /**
   * Whether the bucket has the request metrics configurations a `DatasetStore` creates
   * (FilterId `EntireBucket`, and one per zone named after the zone). Say so only when it does:
   * request metrics of a configuration that does not exist never have data.
   *
   * @default false
   */
  readonly requestMetrics?: boolean;
}

/** Grants, zones and dataset versions shared by created and imported stores. */
export abstract class DatasetStoreBase extends Resource implements IDatasetStore {
  public abstract readonly bucket: s3.IBucket;
  public abstract readonly encryptionKey?: kms.IKey;
  protected readonly zones: string[] = [];
  public abstract readonly requestMetricsEnabled: boolean;

  public metric(metricName: string, zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.requestMetricsEnabled) {
      throw new ValidationError({
        code: 'request-metrics-disabled',
        scope: this,
        message: 'S3 publishes request metrics only for a bucket with a metrics configuration, and this store has none.',
        received: metricName,
        fix: 'Create the store with requestMetrics: true (the default), or import it with requestMetrics: true if its bucket has the DatasetStore metrics configurations.',
      });
    }
    if (metricName === DatasetStoreMetricNames.BUCKET_SIZE_BYTES || metricName === DatasetStoreMetricNames.NUMBER_OF_OBJECTS
      || (zone !== undefined && metricName === 'ListRequests')) {
      throw new ValidationError({
        code: 'no-zone-metric',
        scope: this,
        message: zone === undefined || metricName !== 'ListRequests'
          ? 'Daily storage metrics have a StorageType dimension, not a FilterId: metric() would name a series S3 never publishes.'
          : 'A zone\'s request metrics (a prefix filter) count only requests on single objects; S3 publishes no List requests for it.',
        received: zone === undefined ? metricName : `${metricName} of zone ${zone}`,
        fix: metricName === 'ListRequests' ? 'Omit the zone: the whole store\'s ListRequests.' : 'Use metricBucketSizeBytes() or metricNumberOfObjects().',
      });
    }
    // zonePrefix() refuses a zone the store does not have; the FilterId is the zone's name.
    const filterId = zone === undefined ? DatasetStoreMetricNames.ENTIRE_BUCKET_FILTER : this.zonePrefix(zone).slice(0, -1);
    return this.s3Metric(metricName, { BucketName: this.bucket.bucketName, FilterId: filterId }, cloudwatch.Stats.SUM, Duration.minutes(5), props);
  }

  public metricAllRequests(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.ALL_REQUESTS, zone, props);
  }

  public metricGetRequests(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.HTTP_GET_REQUESTS, zone, props);
  }

  public metricPutRequests(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.HTTP_PUT_REQUESTS, zone, props);
  }

  public metricClientErrors(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.CLIENT_ERRORS, zone, props);
  }

  public metricServerErrors(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.SERVER_ERRORS, zone, props);
  }

  public metricFirstByteLatency(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.FIRST_BYTE_LATENCY, zone, { statistic: cloudwatch.Stats.p(99), ...props });
  }

  public metricTotalRequestLatency(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.TOTAL_REQUEST_LATENCY, zone, { statistic: cloudwatch.Stats.p(99), ...props });
  }

  public metricBytesDownloaded(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.BYTES_DOWNLOADED, zone, props);
  }

  public metricBytesUploaded(zone?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DatasetStoreMetricNames.BYTES_UPLOADED, zone, props);
  }

  public metricBucketSizeBytes(storageType: DatasetStorageType, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.s3Metric(DatasetStoreMetricNames.BUCKET_SIZE_BYTES, { BucketName: this.bucket.bucketName, StorageType: storageType },
      cloudwatch.Stats.AVERAGE, Duration.days(1), props);
  }

  public metricNumberOfObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.s3Metric(DatasetStoreMetricNames.NUMBER_OF_OBJECTS, { BucketName: this.bucket.bucketName, StorageType: 'AllStorageTypes' },
      cloudwatch.Stats.AVERAGE, Duration.days(1), props);
  }

  /** A metric in `AWS/S3`, in the bucket's account and region (an imported bucket may live elsewhere). */
  private s3Metric(metricName: string, dimensionsMap: Record<string, string>, statistic: string, period: Duration, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const env = this.bucket.env;
    return new cloudwatch.Metric({
      namespace: DatasetStoreMetricNames.METRIC_NAMESPACE,
      metricName,
      dimensionsMap,
      statistic,
      period,
      account: Token.isUnresolved(env.account) ? undefined : env.account,
      region: Token.isUnresolved(env.region) ? undefined : env.region,
      ...props,
    }).attachTo(this);
  }

  public get zoneNames(): string[] {
    return [...this.zones];
  }

  public zonePrefix(zone: string): string {
    if (!this.zones.includes(zone)) {
      throw new ValidationError({
        code: 'unknown-zone',
        scope: this,
        message: 'The dataset store has no such zone.',
        received: zone,
        fix: `Use one of ${JSON.stringify(this.zones)}, or add the zone with addZone() / the zones prop.`,
      });
    }
    return `${zone}/`;
  }

  public s3Uri(zone?: string): string {
    return `s3://${this.bucket.bucketName}/${zone === undefined ? '' : this.zonePrefix(zone)}`;
  }

  public grantRead(grantee: iam.IGrantable, zone?: string): iam.Grant {
    return grantBucketObjects({
      grantee, bucket: this.bucket, key: this.encryptionKey, prefix: zone === undefined ? '' : this.zonePrefix(zone),
      actions: S3_READ_OBJECT_ACTIONS, keyActions: KMS_S3_READ_ACTIONS, list: true,
    });
  }

  public grantWrite(grantee: iam.IGrantable, zone?: string): iam.Grant {
    return grantBucketObjects({
      grantee, bucket: this.bucket, key: this.encryptionKey, prefix: zone === undefined ? '' : this.zonePrefix(zone),
      actions: S3_PUT_OBJECT_ACTIONS, keyActions: KMS_S3_WRITE_ACTIONS, list: false,
    });
  }

  public grantReadWrite(grantee: iam.IGrantable, zone?: string): iam.Grant {
    return grantBucketObjects({
      grantee, bucket: this.bucket, key: this.encryptionKey, prefix: zone === undefined ? '' : this.zonePrefix(zone),
      actions: S3_READ_WRITE_OBJECT_ACTIONS, keyActions: KMS_S3_WRITE_ACTIONS, list: true,
    });
  }

  public datasetVersion(options: DatasetVersionOptions): DatasetVersion {
    const prefix = this.zonePrefix(options.zone);
    const key = options.key;
    if (!Token.isUnresolved(key) && (key.length === 0 || key.startsWith('/') || key.endsWith('/'))) {
      throw new ValidationError({
        code: 'invalid-dataset-key',
        scope: this,
        message: 'A dataset version must name one object by its key inside the zone: not empty, no leading or trailing "/", at most 1024 bytes with the zone prefix.',
        received: key,
        fix: 'Give the object key relative to the zone, for example "transactions/2026-11.parquet".',
      });
    }
    // S3 counts key lengths in UTF-8 bytes: 512 "é" are 1024 bytes.
    if (!Token.isUnresolved(key) && utf8Bytes(`${prefix}${key}`) > S3_MAX_KEY_BYTES) {
      throw new ValidationError({
        code: 'invalid-dataset-key',
        scope: this,
        message: `key: the object key "${prefix}" + key is ${utf8Bytes(`${prefix}${key}`)} bytes in UTF-8; S3 keys are at most ${S3_MAX_KEY_BYTES} bytes.`,
        received: key.length > 64 ? `${key.slice(0, 64)}... (${key.length} characters)` : key,
        fix: `Shorten the key to at most ${S3_MAX_KEY_BYTES - utf8Bytes(prefix)} bytes (characters outside ASCII take 2 to 4).`,
      });
    }
    const versionId = options.versionId;
    if (!Token.isUnresolved(versionId) && (versionId.length === 0 || versionId === 'null' || utf8Bytes(versionId) > 1024 || /\s/.test(versionId))) {
      throw new ValidationError({
        code: 'invalid-dataset-version',
        scope: this,
        message: 'A dataset version needs the S3 version id of the object; "null" (written while versioning was off) does not pin immutable bytes.',
        received: versionId,
        fix: 'Use the VersionId returned by PutObject or shown by `aws s3api list-object-versions`.',
      });
    }
    return DatasetVersion._create(this, options, `${prefix}${key}`);
  }

  protected addZoneName(zone: string): void {
    if (!ZONE_NAME.test(zone)) {
      throw new ValidationError({
        code: 'invalid-zone',
        scope: this,
        message: 'A zone name becomes a key prefix and must be 1-63 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit.',
        received: zone,
        fix: 'Use a name such as "raw", "curated" or "features".',
      });
    }
    if (this.zones.includes(zone)) {
      throw new ValidationError({
        code: 'duplicate-zone',
        scope: this,
        message: 'The zone is defined twice.',
        received: zone,
        fix: 'Define each zone once.',
      });
    }
    this.zones.push(zone);
  }
}

/**
 * A dataset store on S3: a customer-managed KMS key with rotation, versioning, TLS-only access,
 * all public access blocked, server access logs to a separate bucket, lifecycle (noncurrent
 * versions expire, objects move to Intelligent-Tiering), optional Object Lock, and RETAIN by
 * default.
 *
 * @example
 * const store = new DatasetStore(this, 'Datasets');
 * store.grantRead(trainingRole, 'features');
 * const version = store.datasetVersion({ zone: 'features', key: 'v1/train.parquet', versionId });
 */
export class DatasetStore extends DatasetStoreBase {
  /** The zones a store has when none are given: `raw`, `curated`, `features`. */
  public static readonly DEFAULT_ZONES: string[] = ['raw', 'curated', 'features'];

  /** Imports a store created elsewhere. */
  public static fromDatasetStoreAttributes(scope: Construct, id: string, attrs: DatasetStoreAttributes): IDatasetStore {
    class Imported extends DatasetStoreBase {
      public readonly bucket = attrs.bucket;
      public readonly encryptionKey = attrs.encryptionKey ?? attrs.bucket.encryptionKey;
      public readonly requestMetricsEnabled = attrs.requestMetrics ?? false;
      constructor() {
        super(scope, id);
        for (const zone of attrs.zones ?? DatasetStore.DEFAULT_ZONES) this.addZoneName(zone);
      }
    }
    const imported = new Imported();
    if (imported.encryptionKey) validateArn(imported, attrs.encryptionKey ? 'encryptionKey' : 'bucket.encryptionKey', imported.encryptionKey.keyArn, KMS_KEY_ARN);
    return imported;
  }

  public readonly bucket: s3.IBucket;
  /** The customer-managed key of the store (always set on a store created here; optional for jsii, as on IDatasetStore). */
  public readonly encryptionKey?: kms.IKey;
  /** The bucket that receives the server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  public readonly requestMetricsEnabled: boolean;
  private readonly resourceBucket: s3.Bucket;
  private zoneMetricsCount = 0;

  constructor(scope: Construct, id: string, props: DatasetStoreProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    if (props.bucketName !== undefined) NameRule.S3_BUCKET.validate(this, 'bucketName', props.bucketName);
    if (props.encryptionKey) validateArn(this, 'encryptionKey', props.encryptionKey.keyArn, KMS_KEY_ARN);
    for (const zone of props.zones ?? DatasetStore.DEFAULT_ZONES) this.addZoneName(zone);

    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(365);
    const tiering = props.intelligentTieringAfter ?? Duration.days(0);
    const accessLogsRetention = props.accessLogsRetention ?? Duration.days(365);
    // S3 lifecycle rules count whole days: expirations from 1, Intelligent-Tiering transitions from 0
    // (accessLogsRetention is checked where the log bucket is made, in createSecureBucket).
    const lifecycle = 'S3 lifecycle rules count in whole days';
    wholeDuration(this, 'noncurrentVersionExpiration', noncurrent, { unit: 'days', min: 1, why: lifecycle });
    wholeDuration(this, 'intelligentTieringAfter', tiering, { unit: 'days', min: 0, why: lifecycle });
    const lock = props.objectLock;
    if (lock) {
      wholeDuration(this, 'objectLock retention', lock.retention, {
        unit: 'days', min: 1, max: 36500, why: 'S3 Object Lock retention counts in whole days (at most 100 years)',
      });
      if (lock.mode === ObjectLockMode.COMPLIANCE) {
        Annotations.of(this).addInfo(`Object Lock in COMPLIANCE mode for ${lock.retention.toDays()} days: no one can delete locked versions before they expire.`);
      }
    }

    this.encryptionKey = props.encryptionKey ?? createDataKey(this, 'Key', `Dataset store ${this.node.path}`, removalPolicy);

    const secure = createSecureBucket(this, 'Resource', {
      bucketName: props.bucketName,
      encryptionKey: this.encryptionKey,
      removalPolicy,
      objectLockDefaultRetention: lock === undefined ? undefined
        : lock.mode === ObjectLockMode.COMPLIANCE ? s3.ObjectLockRetention.compliance(lock.retention) : s3.ObjectLockRetention.governance(lock.retention),
      lifecycleRules: [
        {
          id: 'intelligent-tiering',
          transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: tiering }],
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: noncurrent,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      accessLogsBucket: props.accessLogsBucket,
      accessLogsPrefix: 'datasets/',
      accessLogsRetention,
      replication: props.replication,
    });
    this.bucket = secure.bucket;
    this.accessLogsBucket = secure.accessLogsBucket;
    // Request metrics: the whole bucket, and each zone by its prefix (zones added later get theirs in addZone).
    this.requestMetricsEnabled = props.requestMetrics ?? true;
    this.resourceBucket = secure.bucket;
    if (this.requestMetricsEnabled) {
      secure.bucket.addMetric({ id: DatasetStoreMetricNames.ENTIRE_BUCKET_FILTER });
      for (const zone of this.zones) this.addZoneMetrics(zone);
    }
  }

  /** Adds a zone (key prefix) to the store. */
  public addZone(zone: string): void {
    this.addZoneName(zone);
    if (this.requestMetricsEnabled) this.addZoneMetrics(zone);
  }

  /**
   * A request metrics configuration for one zone: FilterId = the zone name, filtered by its
   * prefix. A bucket has at most 1,000 metrics configurations (one is `EntireBucket`).
   */
  private addZoneMetrics(zone: string): void {
    if (this.zoneMetricsCount >= MAX_METRICS_CONFIGURATIONS - 1) {
      throw new ValidationError({
        code: 'too-many-metrics-configurations',
        scope: this,
        message: `S3 allows ${MAX_METRICS_CONFIGURATIONS} metrics configurations per bucket: the whole bucket and ${MAX_METRICS_CONFIGURATIONS - 1} zones.`,
        received: this.zoneMetricsCount + 1,
        fix: 'Use fewer zones (a zone is a top-level area such as raw or features; put datasets under a zone), or set requestMetrics: false.',
      });
    }
    this.zoneMetricsCount++;
    this.resourceBucket.addMetric({ id: zone, prefix: this.zonePrefix(zone) });
  }
}
