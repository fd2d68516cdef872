import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

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
