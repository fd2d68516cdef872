import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, REPLICATION_RULES } from './acknowledgments';
import { acknowledgeInherentWildcards } from './iam';
import { wholeDuration } from './limits';
import { warnIfNotRetained } from './retention';
import { BucketReplication } from '../data/bucket-replication';
import { ValidationError } from '../core/errors';
import { S3_BUCKET_ARN, KMS_KEY_ARN, REGION, validateArn } from '../core/private/identifiers';

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
  /** Replication of every object to a bucket in another region. */
  readonly replication?: BucketReplication;
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
  const replication = props.replication && replicationOf(scope, id, props.encryptionKey, props.replication);
  const bucket = new s3.Bucket(scope, id, {
    bucketName: props.bucketName,
    replicationRole: replication?.role,
    replicationRules: replication?.rules,
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

  replication?.grant(bucket);
  if (replication && !props.accessLogsBucket) {
    const reason = `The bucket holds the server access logs of the replicated bucket ${scope.node.path}/${id}, kept in its region for their retention; the data is replicated to ${props.replication!.destinationRegion}.`;
    acknowledge(accessLogsBucket, ...REPLICATION_RULES.map((id) => ({ id, reason })));
  }
  warnIfNotRetained(bucket, props.removalPolicy, {
    id: 'bucket-not-retained', what: 'Bucket', consequence: 'deleting the stack can delete data or models. RETAIN is the default for a reason.',
  });
  return { bucket, accessLogsBucket };
}

/**
 * The role and rule that replicate every object version, delete markers and Object Lock settings
 * included, to a bucket in another region, re-encrypted with the replica key there. The role's
 * permissions are the S3 user guide's for replication of SSE-KMS objects with Object Lock, in a
 * customer-managed policy. @internal
 */
function replicationOf(scope: Construct, id: string, sourceKey: kms.IKey, r: BucketReplication) {
  validateArn(scope, 'replication.destinationBucketArn', r.destinationBucketArn, S3_BUCKET_ARN);
  validateArn(scope, 'replication.replicaKeyArn', r.replicaKeyArn, KMS_KEY_ARN);
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(r.destinationRegion)) {
    if (!REGION.test(r.destinationRegion)) {
      throw new ValidationError({
        code: 'invalid-replication', scope,
        message: 'replication.destinationRegion is not an AWS region name.',
        received: r.destinationRegion, fix: 'Give the region of the destination bucket, for example "eu-central-1".',
      });
    }
    if (!Token.isUnresolved(stack.region) && stack.region === r.destinationRegion) {
      throw new ValidationError({
        code: 'invalid-replication', scope,
        message: 'replication.destinationRegion is the bucket\'s own region: a replica there does not survive the loss of the region.',
        received: r.destinationRegion, fix: 'Replicate to a bucket in another region.',
      });
    }
  }
  const keyRegion = r.replicaKeyArn.split(':')[3];
  if (!Token.isUnresolved(r.replicaKeyArn) && !Token.isUnresolved(r.destinationRegion) && keyRegion !== r.destinationRegion) {
    throw new ValidationError({
      code: 'invalid-replication', scope,
      message: 'replication.replicaKeyArn is a key of another region than the destination bucket; S3 encrypts replicas with a key of the destination\'s region.',
      received: { replicaKeyArn: r.replicaKeyArn, destinationRegion: r.destinationRegion }, fix: 'Give a KMS key of the destination region.',
    });
  }
  const role = new iam.Role(scope, `${id}ReplicationRole`, {
    assumedBy: new iam.ServicePrincipal('s3.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Replicates ${scope.node.path} to ${r.destinationRegion}`,
  });
  const destination = s3.Bucket.fromBucketArn(scope, `${id}ReplicaBucket`, r.destinationBucketArn);
  const replicaKey = kms.Key.fromKeyArn(scope, `${id}ReplicaKey`, r.replicaKeyArn);
  const rules: s3.ReplicationRule[] = [{
    id: 'replicate-everything',
    priority: 1,
    destination,
    kmsKey: replicaKey,
    sseKmsEncryptedObjects: true,
    deleteMarkerReplication: true,
  }];
  const grant = (bucket: s3.Bucket): void => {
    const policy = new iam.ManagedPolicy(scope, `${id}ReplicationPolicy`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ sid: 'ReadReplicationConfiguration', actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'], resources: [bucket.bucketArn] }),
        new iam.PolicyStatement({
          sid: 'ReadSourceVersions',
          actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
          resources: [bucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({ sid: 'WriteReplicas', actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], resources: [`${r.destinationBucketArn}/*`] }),
        new iam.PolicyStatement({
          sid: 'DecryptSource', actions: ['kms:Decrypt'], resources: [sourceKey.keyArn],
          conditions: { StringLike: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({
          // Decrypt too: replicas keep the source's S3 Bucket Key setting, and S3 checks the bucket
          // key with the replica key (S3 user guide, "S3 Bucket Keys and replication").
          sid: 'EncryptReplicas', actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], resources: [r.replicaKeyArn],
          conditions: { StringLike: { 'kms:ViaService': `s3.${r.destinationRegion}.amazonaws.com` } },
        }),
      ],
    });
    acknowledgeInherentWildcards(policy, [
      { sid: 'ReadSourceVersions', reason: 'Replication reads every object version of the bucket it replicates.' },
      { sid: 'WriteReplicas', reason: 'Replication writes every replica into the destination bucket.' },
    ]);
  };
  return { role, rules, grant };
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
