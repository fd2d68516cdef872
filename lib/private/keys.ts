import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';

/**
 * A customer-managed key for data or models: automatic rotation, and a key policy that only lets
 * AWS services (S3, ECR, SageMaker acting for a caller) create grants on it. @internal
 */
export function createDataKey(scope: Construct, id: string, description: string, removalPolicy: RemovalPolicy): kms.Key {
  const key = new kms.Key(scope, id, { description, enableKeyRotation: true, removalPolicy });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  }));
  return key;
}

/** What {@link allowLogsToUseKey} adds, and how it says so when it cannot. @internal */
export interface LogsKeyPolicyOptions {
  /** ARN of the log group, or a pattern with `*` (`...:log-group:*`) when the name is not known. */
  readonly logGroupArn: string;
  /** What the log group is, for the warning ("the log group /aws/fsx/lustre/x"). */
  readonly logGroup: string;
  /** Id of the warning left when `key` is imported (its key policy cannot be changed). */
  readonly warningId: string;
  /** Statement id. @default - none */
  readonly sid?: string;
}

/**
 * Lets CloudWatch Logs of the stack's region use `key` for the log groups `logGroupArn` names,
 * with the statement the CloudWatch Logs guide gives ("Encrypt log data in CloudWatch Logs using
 * AWS KMS"), bound by the `kms:EncryptionContext:aws:logs:arn` condition (`ArnEquals` for one
 * log group, `ArnLike` for a pattern). An imported key keeps its own policy: a warning then says
 * what it must allow. @internal
 */
export function allowLogsToUseKey(scope: IConstruct, key: kms.IKey, options: LogsKeyPolicyOptions): void {
  const service = `logs.${Stack.of(scope).region}.amazonaws.com`;
  const operator = options.logGroupArn.includes('*') ? 'ArnLike' : 'ArnEquals';
  const added = key.addToResourcePolicy(new iam.PolicyStatement({
    sid: options.sid,
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    principals: [new iam.ServicePrincipal(service)],
    resources: ['*'],
    conditions: { [operator]: { 'kms:EncryptionContext:aws:logs:arn': options.logGroupArn } },
  }), true);
  if (!added.statementAdded) {
    Annotations.of(scope).addWarningV2(`mlops-constructs:${options.warningId}`,
      `The encryption key is imported, so its key policy was not changed: it must allow ${service} to use it for ${options.logGroup}.`);
  }
}
