import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgments';
import { wholeDuration } from './limits';
import { warnIfNotRetained } from './retention';

/** @internal */
export interface SecureBucketProps {
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly bucketName?: string;
  readonly objectLockDefaultRetention?: s3.ObjectLockRetention;
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Where server access logs go; a dedicated log bucket is created when absent. */
  readonly accessLogsBucket?: s3.IBucket;
  readonly accessLogsPrefix: string;
  readonly accessLogsRetention: Duration;
}

/** @internal */
export interface SecureBucketResult {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.IBucket;
}

/**
 * What the data bucket and its log bucket share: TLS 1.2 only, versioned, no public access, no
 * ACLs, and Object Lock, which can only be turned on when a bucket is created (on, without a
 * default retention, it lets owners lock individual versions: an approved model, an audited dataset).
 */
const PRIVATE_BUCKET: s3.BucketProps = {
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  objectLockEnabled: true,
};

/**
 * Creates, as `scope/id`, a KMS-encrypted, versioned, TLS-only, private bucket whose server access
 * logs go to a separate log bucket (`scope/AccessLogs` unless one is given). Shared by the
 * capabilities that hold data or models. @internal
 */
export function createSecureBucket(scope: Construct, id: string, props: SecureBucketProps): SecureBucketResult {
  if (!props.accessLogsBucket) {
    wholeDuration(scope, 'accessLogsRetention', props.accessLogsRetention, { unit: 'days', min: 1, why: 'S3 lifecycle expirations count in whole days' });
  }
  const accessLogsBucket = props.accessLogsBucket ?? createLogBucket(scope, 'AccessLogs', props.removalPolicy, props.accessLogsRetention);
  const bucket = new s3.Bucket(scope, id, {
    bucketName: props.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: props.encryptionKey,
    bucketKeyEnabled: true,
    ...PRIVATE_BUCKET,
    objectLockDefaultRetention: props.objectLockDefaultRetention,
    lifecycleRules: props.lifecycleRules,
    removalPolicy: props.removalPolicy,
  });

  // Server access logging through a bucket policy on the log bucket (no ACLs), rendered
  // directly so it does not depend on the app's feature flags.
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  enableEventBridge(bucket);
  cfnBucket.loggingConfiguration = {
    destinationBucketName: accessLogsBucket.bucketName,
    logFilePrefix: props.accessLogsPrefix,
  };
  accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `AllowAccessLogs${bucket.node.addr.slice(-8)}`,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [accessLogsBucket.arnForObjects(`${props.accessLogsPrefix}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
    },
  }));

  warnIfNotRetained(bucket, props.removalPolicy, {
    id: 'bucket-not-retained', what: 'Bucket', consequence: 'deleting the stack can delete data or models. RETAIN is the default for a reason.',
  });
  return { bucket, accessLogsBucket };
}

function createLogBucket(scope: Construct, id: string, removalPolicy: RemovalPolicy, retention: Duration): s3.Bucket {
  // S3 server access logs can only be delivered to buckets encrypted with SSE-S3.
  const logs = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    ...PRIVATE_BUCKET,
    removalPolicy,
    lifecycleRules: [{
      id: 'expire-access-logs',
      expiration: retention,
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    }],
  });
  const sseS3Only = 'S3 server access logs can only be delivered to a bucket encrypted with SSE-S3 (AES256); SSE-KMS is not supported for log destinations.';
  acknowledge(logs,
    { id: 'NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS', reason: sseS3Only },
    { id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS', reason: sseS3Only },
    { id: 'PCI.DSS.321::PCI.DSS.321-S3DefaultEncryptionKMS', reason: sseS3Only },
    { id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', reason: sseS3Only },
    {
      id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      reason: 'This bucket is the server access log destination; logging it would need yet another log bucket.',
    },
  );
  enableEventBridge(logs);
  return logs;
}

/**
 * Sends the bucket's object events to EventBridge (new dataset versions can start pipelines).
 * Set on the L1: the L2 `eventBridgeEnabled` deploys a custom-resource Lambda for it.
 */
function enableEventBridge(bucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
    eventBridgeConfiguration: { eventBridgeEnabled: true },
  };
}
