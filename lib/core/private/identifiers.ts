/**
 * Validators for AWS identifiers users pass in: account ids, ARNs, resource ids of imported
 * resources, and names where an ARN is a common mistake. Target-neutral string checks (the ARN
 * is split the way aws-cdk-lib's `Arn.split` does, without importing aws-cdk-lib, so that the
 * Kubernetes side may use them too). Values with unresolved tokens pass: components that are
 * tokens are not checked. Not exported from the library.
 *
 * Formats (service API references unless noted):
 * - account id: 12 digits;
 * - ARN: `arn:<partition>:<service>:<region>:<account>:<resource>` (AWS General Reference, ARN format);
 * - IAM role ARN `arn:<p>:iam::<account>:role/<path/><name>`, role name 1-64 of `[\w+=,.@-]`;
 * - KMS key ARN `arn:<p>:kms:<region>:<account>:key/<uuid | mrk-32 hex>` or `...:alias/<name>` (alias
 *   names `^[a-zA-Z0-9:/_-]+$`, at most 256 characters with `alias/`);
 * - EKS cluster ARN `arn:<p>:eks:<region>:<account>:cluster/<name>`, name 1-100 `[0-9A-Za-z][A-Za-z0-9_-]*`;
 * - SageMaker HyperPod cluster ARN `arn:<p>:sagemaker:<region>:<account>:cluster/<12 lowercase letters or digits>`;
 * - ECR repository ARN `arn:<p>:ecr:<region>:<account>:repository/<name>`;
 * - FSx file system id `fs-` and at least 8 lowercase hex digits, 11-21 characters; Lustre mount
 *   name 1-8 of `[A-Za-z0-9_-]`; DNS name `fs-<hex>.<domain>`;
 * - EC2 security group id `sg-` and 8 or 17 lowercase hex digits.
 */
import { IConstruct } from 'constructs';
import { isUnresolvedString } from './tokens';
import { ValidationError } from '../errors';
import { NameRule } from '../names';

/** AWS account ids: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
const PARTITION = /^aws(-[a-z]+)*$/;
/** Region codes of every partition: us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1 (botocore endpoints.json). */
export const REGION = /^[a-z]{2,}(-[a-z]+)+-\d{1,2}$/;

/** The six components of an ARN; `resource` is everything after the fifth colon. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** The components of `arn`, or undefined when it does not have the ARN shape. */
export function splitArn(arn: string): ArnParts | undefined {
  if (typeof arn !== 'string') return undefined;
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
}

/**
 * Throws a `ValidationError` (code `invalid-account`) unless `accountId` is 12 digits (or a token).
 *
 * @param prop the property that carried the id, for the message
 */
export function validateAccountId(scope: IConstruct, prop: string, accountId: string): string {
  if (typeof accountId === 'string' && (isUnresolvedString(accountId) || ACCOUNT_ID.test(accountId))) return accountId;
  const digits = typeof accountId === 'string' && /^\d+$/.test(accountId) ? ` (it has ${accountId.length} digits)` : '';
  throw new ValidationError({
    code: 'invalid-account',
    scope,
    message: `${prop} must be a 12-digit AWS account id${digits}.`,
    received: accountId,
    fix: `Give the account id as a string of 12 digits in ${prop}, for example "123456789012" (a string keeps leading zeros).`,
  });
}

/** What an ARN of one kind of resource looks like. */
export interface ArnKind {
  /** Human-readable kind, for example `IAM role`. */
  readonly what: string;
  /** Service component. */
  readonly service: string;
  /** Whether the region component is empty (IAM, S3) rather than a region. */
  readonly global?: boolean;
  /** Whether the account component is empty (S3 buckets). */
  readonly noAccount?: boolean;
  /** The resource component: a pattern, and the form to show. */
  readonly resource: RegExp;
  readonly resourceForm: string;
  /** An example of a valid ARN. */
  readonly example: string;
}

/** IAM role ARNs. */
export const IAM_ROLE_ARN: ArnKind = {
  what: 'IAM role', service: 'iam', global: true,
  resource: /^role\/([\x21-\x7E]+\/)?[\w+=,.@-]{1,64}$/, resourceForm: 'role/<optional path/><role name>',
  example: 'arn:aws:iam::123456789012:role/platform-admin',
};

/** KMS key and alias ARNs. */
export const KMS_KEY_ARN: ArnKind = {
  what: 'KMS key', service: 'kms',
  resource: /^(key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})|alias\/[A-Za-z0-9:/_-]{1,250})$/,
  resourceForm: 'key/<key id> or alias/<alias name>',
  example: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};

/** An S3 Express One Zone directory bucket name: `<base>--<zone id>--x-s3`, 3-63 characters. */
export const DIRECTORY_BUCKET_NAME = /^(?=.{3,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?--[a-z0-9]+-az\d+--x-s3$/;

/** S3 general purpose bucket ARNs (no region, no account). */
export const S3_BUCKET_ARN: ArnKind = {
  what: 'S3 bucket', service: 's3', global: true, noAccount: true,
  resource: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, resourceForm: '<bucket name>',
  example: 'arn:aws:s3:::mlops-fraud-scoring-prod-datasets-replica',
};

/** EKS cluster ARNs. */
export const EKS_CLUSTER_ARN: ArnKind = {
  what: 'EKS cluster', service: 'eks',
  resource: /^cluster\/[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, resourceForm: 'cluster/<cluster name>',
  example: 'arn:aws:eks:us-east-1:123456789012:cluster/ml-training',
};

/** SageMaker HyperPod cluster ARNs (the resource is the cluster id, not its name). */
export const HYPERPOD_CLUSTER_ARN: ArnKind = {
  what: 'SageMaker HyperPod cluster', service: 'sagemaker',
  resource: /^cluster\/[a-z0-9]{12}$/, resourceForm: 'cluster/<12-character cluster id>',
  example: 'arn:aws:sagemaker:us-east-1:123456789012:cluster/a1b2c3d4e5f6',
};

/** ECR repository ARNs. */
export const ECR_REPOSITORY_ARN: ArnKind = {
  what: 'ECR repository', service: 'ecr',
  resource: /^repository\/(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, resourceForm: 'repository/<repository name>',
  example: 'arn:aws:ecr:us-east-1:123456789012:repository/fraud-scoring',
};

/** The problem with `arn` as an ARN of `kind`, or undefined when it is valid (token components pass). */
export function arnProblem(arn: string, kind: ArnKind): string | undefined {
  if (typeof arn !== 'string') return 'is not a string';
  const parts = splitArn(arn);
  if (!parts) {
    if (isUnresolvedString(arn)) return undefined;
    return 'does not have the form arn:<partition>:<service>:<region>:<account>:<resource>';
  }
  const resolved = (s: string) => !isUnresolvedString(s);
  if (resolved(parts.partition) && !PARTITION.test(parts.partition)) return `has the partition "${parts.partition}", which is not an AWS partition (aws, aws-cn, aws-us-gov...)`;
  if (resolved(parts.service) && parts.service !== kind.service) {
    if (kind.service === 'iam' && parts.service === 'sts' && /^assumed-role\//.test(parts.resource)) {
      return `is the ARN of a session of the role "${parts.resource.split('/')[1]}" (sts assumed-role), not of the role`;
    }
    return `is an ARN of the service "${parts.service}", not of a ${kind.what} (service "${kind.service}")`;
  }
  if (resolved(parts.region)) {
    if (kind.global && parts.region !== '') return `has the region "${parts.region}"; ${kind.what} ARNs have none`;
    if (!kind.global && !REGION.test(parts.region)) return `has the region "${parts.region}", which is not a region such as us-east-1`;
  }
  if (resolved(parts.account)) {
    if (kind.noAccount && parts.account !== '') return `has the account "${parts.account}"; ${kind.what} ARNs have none`;
    if (!kind.noAccount && !ACCOUNT_ID.test(parts.account)) return `has the account "${parts.account}", which is not a 12-digit account id`;
  }
  if (resolved(parts.resource) && !kind.resource.test(parts.resource)) return `has the resource "${parts.resource}", not ${kind.resourceForm}`;
  return undefined;
}

/**
 * Throws a `ValidationError` (code `invalid-arn`) when `arn` cannot be the ARN of a `kind`.
 *
 * @param prop the property that carried the ARN, for the message
 */
export function validateArn(scope: IConstruct, prop: string, arn: string, kind: ArnKind, fix?: string): string {
  const problem = arnProblem(arn, kind);
  if (problem) {
    const session = splitArn(arn);
    const roleOfSession = kind === IAM_ROLE_ARN && session?.service === 'sts' && session.resource.startsWith('assumed-role/')
      ? ` Give the role's ARN, arn:${session.partition}:iam::${session.account}:role/${session.resource.split('/')[1]}.` : '';
    throw new ValidationError({
      code: 'invalid-arn',
      scope,
      message: `${prop} is not a valid ${kind.what} ARN: it ${problem}.`,
      received: arn,
      fix: roleOfSession ? roleOfSession.trim() : (fix ?? `Give the ARN of the ${kind.what}, for example "${kind.example}".`),
    });
  }
  return arn;
}

/**
 * Throws a `ValidationError` (code `arn-where-name-expected`) when `value` is an ARN although
 * `prop` takes the name of a `what`.
 * The fix names the last segment of the ARN's resource as the name to pass.
 */
export function rejectArnWhereNameExpected(scope: IConstruct, prop: string, value: string, what: string): string {
  if (typeof value === 'string' && value.startsWith('arn:')) {
    const resource = splitArn(value)?.resource ?? '';
    const name = resource.slice(resource.lastIndexOf('/') + 1) || resource;
    throw new ValidationError({
      code: 'arn-where-name-expected',
      scope,
      message: `${prop} takes the name of the ${what}, not its ARN.`,
      received: value,
      fix: `Pass the name instead of the ARN${name ? `, here "${name}"` : ''}.`,
    });
  }
  return value;
}

/** IAM role names: 1-64 letters, digits and `+=,.@_-`. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Throws when `name` is not an IAM role name: `arn-where-name-expected` for an ARN, `invalid-name`
 * for anything else that is not 1-64 of letters, digits and `+=,.@_-`.
 */
export function validateRoleName(scope: IConstruct, prop: string, name: string): string {
  rejectArnWhereNameExpected(scope, prop, name, 'IAM role');
  if (typeof name === 'string' && (isUnresolvedString(name) || ROLE_NAME.test(name))) return name;
  throw new ValidationError({
    code: 'invalid-name',
    scope,
    message: `${prop} is not a valid IAM role name: it must be 1-64 letters, digits and "+=,.@_-" (no path).`,
    received: name,
    fix: 'Give the role name as IAM shows it, for example "platform-admin".',
  });
}

/** What an id of one kind of resource looks like. */
export interface ResourceIdKind {
  /** Human-readable kind, for example `FSx file system id`. */
  readonly what: string;
  readonly pattern: RegExp;
  readonly minLength: number;
  readonly maxLength: number;
  /** The form, for the message. */
  readonly form: string;
  readonly example: string;
}

/** FSx file system ids. */
export const FSX_FILE_SYSTEM_ID: ResourceIdKind = {
  what: 'FSx file system id', pattern: /^fs-[0-9a-f]{8,}$/, minLength: 11, maxLength: 21,
  form: '"fs-" and 8 to 18 lowercase hexadecimal digits', example: 'fs-0123456789abcdef0',
};

/** FSx for Lustre mount names. */
export const LUSTRE_MOUNT_NAME: ResourceIdKind = {
  what: 'Lustre mount name', pattern: /^[A-Za-z0-9_-]+$/, minLength: 1, maxLength: 8,
  form: '1-8 letters, digits, "_" and "-"', example: 'abcdefgh',
};

/** FSx DNS names. */
export const FSX_DNS_NAME: ResourceIdKind = {
  what: 'FSx DNS name', pattern: /^(fs|fc)i?-[0-9a-f]{8,}\.[A-Za-z0-9.-]{4,253}$/, minLength: 16, maxLength: 275,
  form: 'the file system id followed by its domain, without scheme, port or path', example: 'fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com',
};

/** EC2 security group ids. */
export const SUBNET_ID: ResourceIdKind = {
  what: 'subnet id', pattern: /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, minLength: 15, maxLength: 24,
  form: '"subnet-" and 8 or 17 lowercase hexadecimal digits', example: 'subnet-0123456789abcdef0',
};

export const SECURITY_GROUP_ID: ResourceIdKind = {
  what: 'security group id', pattern: /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, minLength: 11, maxLength: 20,
  form: '"sg-" and 8 or 17 lowercase hexadecimal digits', example: 'sg-0123456789abcdef0',
};

/**
 * Throws a `ValidationError` (code `invalid-resource-id`) when `value` cannot be a `kind`.
 *
 * @param prop the property that carried the id, for the message
 */
export function validateResourceId(scope: IConstruct, prop: string, value: string, kind: ResourceIdKind): string {
  if (typeof value === 'string' && isUnresolvedString(value)) return value;
  const problem = typeof value !== 'string' ? 'is not a string'
    : value.startsWith('arn:') ? 'is an ARN'
      : value.length < kind.minLength || value.length > kind.maxLength ? `is ${value.length} characters long (${kind.minLength}-${kind.maxLength} allowed)`
        : !kind.pattern.test(value) ? `is not ${kind.form}` : undefined;
  if (problem) {
    throw new ValidationError({
      code: 'invalid-resource-id',
      scope,
      message: `${prop} is not a valid ${kind.what}: it ${problem}.`,
      received: value,
      fix: `Give ${kind.form}, as the service shows it, for example "${kind.example}".`,
    });
  }
  return value;
}

/**
 * Checks the name of an existing resource a user imports (an ECR repository): an ARN
 * (`arn-where-name-expected`), a URI, or a name that breaks the service's rule (`invalid-name`).
 * Not for S3 buckets: aws-cdk-lib checks the names of imported buckets itself (with the legacy
 * rules of buckets created before March 2018), in `Bucket.fromBucketAttributes()`.
 */
export function validateImportedName(scope: IConstruct, prop: string, name: string, rule: NameRule): string {
  if (typeof name === 'string' && isUnresolvedString(name)) return name;
  rejectArnWhereNameExpected(scope, prop, name, rule.service);
  const problem = typeof name !== 'string' ? 'is not a string'
    : /^[a-z0-9]+:\/\//i.test(name) ? 'is a URI'
      : rule === NameRule.ECR_REPOSITORY && /\.dkr\.ecr\./.test(name) ? 'is a repository URI (registry host and name)'
        : rule.problem(name);
  if (problem) {
    throw new ValidationError({
      code: 'invalid-name',
      scope,
      message: `${prop} is not the name of an existing ${rule.service}: it ${problem}.`,
      received: name,
      fix: `Give the ${rule.service} name alone (no scheme, host or ARN), as the service shows it.`,
    });
  }
  return name;
}
