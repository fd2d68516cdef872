import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { InherentWildcard } from './iam';

/** S3 actions to read objects and their versions. @internal */
export const S3_READ_OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'];
/** S3 actions to list a bucket. @internal */
export const S3_LIST_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'];
/** S3 actions to write objects (no delete). @internal */
export const S3_PUT_OBJECT_ACTIONS = ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
/** S3 actions to read, write and delete objects (a read-write zone, a checkpoint mount). @internal */
export const S3_READ_WRITE_OBJECT_ACTIONS = [...S3_READ_OBJECT_ACTIONS, ...S3_PUT_OBJECT_ACTIONS, 's3:DeleteObject'];
/** KMS actions S3 needs to read SSE-KMS objects. @internal */
export const KMS_S3_READ_ACTIONS = ['kms:Decrypt'];
/** KMS actions S3 needs to write SSE-KMS objects (multipart uploads decrypt too). @internal */
export const KMS_S3_WRITE_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
/** What pulling through a cache takes on its repositories (`repository/<namespace>/*`). */
export const IMAGE_CACHE_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'];
/** Sid of the registry login statement `grantPull()` adds. */
export const ECR_LOGIN_SID = 'EcrLogin';
/** The wildcards of a policy that `grantPull()` of an image cache wrote into, and why they stand. */
export const IMAGE_CACHE_PULL_WILDCARDS: InherentWildcard[] = [
  { actions: IMAGE_CACHE_PULL_ACTIONS, resources: /:repository\/[^*]+\/\*$/, reason: 'ECR creates a cached repository per upstream image or chart on first pull; the grant covers the cache\'s namespace (repository/<namespace>/*) only.' },
  { sid: ECR_LOGIN_SID, reason: 'ecr:GetAuthorizationToken (the registry login every pull of an image or chart starts with) has no resource-level permissions.' },
];

/**
 * Grants `actions` on the objects of `bucket` under `prefix` (and listing under it when `list`),
 * with explicit actions (no `s3:Get*`-style wildcards), plus the key actions on the bucket's key.
 * @internal
 */
export function grantBucketObjects(options: {
  readonly grantee: iam.IGrantable;
  readonly bucket: s3.IBucket;
  readonly key?: kms.IKey;
  readonly prefix: string;
  readonly actions: string[];
  readonly keyActions: string[];
  readonly list: boolean;
}): iam.Grant {
  const { grantee, bucket, prefix } = options;
  let grant = iam.Grant.addToPrincipalOrResource({
    grantee,
    actions: options.actions,
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
    resource: bucket,
  });
  if (options.list) {
    grant = grant.combine(iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: S3_LIST_ACTIONS,
      resourceArns: [bucket.bucketArn],
      resource: bucket,
      conditions: prefix ? listUnderPrefix(prefix) : undefined,
    }));
  }
  const key = options.key ?? bucket.encryptionKey;
  if (key) grant = grant.combine(key.grant(grantee, ...options.keyActions));
  return grant;
}

/** The condition that limits `s3:ListBucket` to the keys under `prefix`. @internal */
export function listUnderPrefix(prefix: string): Record<string, Record<string, string[]>> {
  return { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } };
}
