import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ModelRegistry } from '../../lib';
import { expectValidationError } from '../support/errors';

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
}

describe('ModelRegistry defaults', () => {
  const s = stack();
  const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'Fraud-Scoring', description: 'fraud models' });
  const t = Template.fromStack(s);

  test('model package group with the validated name, retained', () => {
    t.hasResource('AWS::SageMaker::ModelPackageGroup', {
      DeletionPolicy: 'Retain',
      Properties: { ModelPackageGroupName: 'Fraud-Scoring', ModelPackageGroupDescription: 'fraud models', ModelPackageGroupPolicy: Match.absent() },
    });
    expect(registry.node.defaultChild).toBe(registry.modelPackageGroup);
  });

  test('ECR: scan on push, immutable tags, KMS with the registry key, untagged images expire, retained', () => {
    t.hasResource('AWS::ECR::Repository', {
      DeletionPolicy: 'Retain',
      Properties: {
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('RegistryKey'), 'Arn'] } },
        LifecyclePolicy: { LifecyclePolicyText: Match.serializedJson(Match.objectLike({
          rules: [Match.objectLike({ selection: Match.objectLike({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 }) })],
        })) },
      },
    });
  });

  test('artifact bucket: KMS, versioned, logs to its own log bucket', () => {
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 'model-artifacts/', DestinationBucketName: Match.anyValue() },
    });
  });

  test('state changes of this group go to an encrypted SNS topic the events service can use', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['Fraud-Scoring'] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('RegistryNotifications') } })],
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('RegistryKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' }),
      ]) },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      })]) },
    });
  });
});

describe('approval events', () => {
  test('onModelApproved / onModelRejected filter this group and status', () => {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'churn', notifications: false });
    registry.onModelApproved('Approved', { ruleName: 'churn-approved' });
    registry.onModelRejected('Rejected');
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::Events::Rule', 2);
    t.hasResourceProperties('AWS::Events::Rule', {
      Name: 'churn-approved',
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Rejected'] } },
    });
    t.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('a rule name over 64 characters is rejected', () => {
    const registry = new ModelRegistry(stack(), 'Registry', { notifications: false });
    expectValidationError(() => registry.onModelApproved('A', { ruleName: 'r'.repeat(65) }), /\[mlops:invalid-name\] S\/Registry: ruleName is not a valid EventBridge rule name: it must be 1-64 characters long/);
  });
});

describe('grants', () => {
  function policyOf(grant: (r: ModelRegistry, role: iam.Role) => void): string {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'Fraud-Scoring' });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    grant(registry, role);
    return JSON.stringify(Template.fromStack(s).findResources('AWS::IAM::Policy'));
  }

  test('grantRegisterModel: create packages in this group only (lower-cased ARN), artifacts rw, image push', () => {
    const policy = policyOf((r, role) => r.grantRegisterModel(role));
    expect(policy).toContain('sagemaker:CreateModelPackage');
    expect(policy).toContain('"ModelPackageGroupArn"');
    expect(policy).toContain(':model-package/fraud-scoring/*');
    expect(policy).toContain('s3:PutObject');
    expect(policy).toContain('ecr:PutImage');
    expect(policy).not.toContain('s3:DeleteObject');
    expect(policy).not.toContain('sagemaker:UpdateModelPackage');
  });

  test('grantApprove: update packages, nothing else', () => {
    const policy = policyOf((r, role) => r.grantApprove(role));
    expect(policy).toContain('sagemaker:UpdateModelPackage');
    expect(policy).not.toContain('s3:');
    expect(policy).not.toContain('ecr:');
  });

  test('grantPull: describe, pull image, read artifacts; no writes', () => {
    const policy = policyOf((r, role) => r.grantPull(role));
    expect(policy).toContain('sagemaker:DescribeModelPackage');
    expect(policy).toContain('ecr:BatchGetImage');
    expect(policy).toContain('s3:GetObject');
    expect(policy).not.toContain('s3:PutObject');
    expect(policy).not.toContain('ecr:PutImage');
    expect(policy).not.toContain('sagemaker:CreateModelPackage');
    expect(policy).not.toMatch(/"(s3|kms|sagemaker):[A-Za-z]*\*"/);
  });

  test('grantWriteArtifacts: put under the prefix only, with the key actions S3 needs', () => {
    const policy = policyOf((r, role) => r.grantWriteArtifacts(role, 'training-output/'));
    expect(policy).toContain('/training-output/*');
    expect(policy).toContain('"kms:GenerateDataKey","kms:Decrypt"');
    expect(policy).not.toContain('s3:GetObject');
    expect(policy).not.toContain('s3:DeleteObject');
  });
});

describe('cross-account read', () => {
  test('adds group, repository, bucket and key resource policies for each account', () => {
    const s = stack();
    new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', crossAccountReadAccounts: ['222222222222', '333333333333'] });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupPolicy: { Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } },
          Action: 'sagemaker:DescribeModelPackageGroup',
        }),
        Match.objectLike({
          Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/fraud/*']] },
        }),
      ]) },
    });
    const repoPolicy = JSON.stringify(t.findResources('AWS::ECR::Repository'));
    expect(repoPolicy).toContain('333333333333');
    expect(repoPolicy).toContain('ecr:BatchGetImage');
    const bucketPolicies = JSON.stringify(t.findResources('AWS::S3::BucketPolicy'));
    expect(bucketPolicies).toContain('222222222222');
    const keyPolicy = JSON.stringify(t.findResources('AWS::KMS::Key'));
    expect(keyPolicy).toMatch(/222222222222.*kms:Decrypt|kms:Decrypt.*222222222222/);
  });

  test('rejects an account id that is not 12 digits', () => {
    expectValidationError(() => new ModelRegistry(stack(), 'Registry', { crossAccountReadAccounts: ['12345'] }), /\[mlops:invalid-account\].*Received: "12345".*Fix: Give the account id as a string of 12 digits/);
  });
});

describe('bad input and options', () => {
  test.each([
    [{ modelPackageGroupName: 'bad_name' }, /invalid-name.*modelPackageGroupName is not a valid SageMaker name/],
    [{ modelPackageGroupName: 'x'.repeat(64) }, /invalid-name.*must be 1-63 characters long \(it has 64\)/],
    [{ repositoryName: 'Upper/Case' }, /invalid-name.*repositoryName is not a valid ECR repository name/],
    [{ description: 'd'.repeat(1025) }, /description-too-long/],
  ])('rejects %j', (props, pattern) => {
    expectValidationError(() => new ModelRegistry(stack(), 'Registry', props), pattern);
  });

  test('a generated group name fits SageMaker limits', () => {
    const s = new Stack(new App(), 'AStackWithAVeryLongNameThatKeepsGoingAndGoing');
    const r = new ModelRegistry(s, 'ARegistryWithAnEvenLongerConstructIdThanTheStackHas');
    expect(r.modelPackageGroupName.length).toBeLessThanOrEqual(63);
    expect(r.modelPackageGroupName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
  });

  test('brought artifact bucket and topic are used; no own bucket or topic', () => {
    const s = stack();
    const bucket = s3.Bucket.fromBucketName(s, 'Shared', 'shared-artifacts');
    const topic = sns.Topic.fromTopicArn(s, 'T', 'arn:aws:sns:eu-west-1:111111111111:approvals');
    const r = new ModelRegistry(s, 'Registry', { artifactBucket: bucket, notificationTopic: topic, untaggedImageExpiration: Duration.days(3) });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: 'arn:aws:sns:eu-west-1:111111111111:approvals' })] });
    expect(r.artifactBucket).toBe(bucket);
    expect(r.accessLogsBucket).toBeUndefined();
  });

  test('fromModelRegistryAttributes grants and events work on the imported group', () => {
    const s = stack();
    const imported = ModelRegistry.fromModelRegistryAttributes(s, 'Imported', {
      modelPackageGroupName: 'shared-models',
      repository: ecr.Repository.fromRepositoryName(s, 'Repo', 'shared-models'),
      artifactBucket: s3.Bucket.fromBucketName(s, 'Art', 'shared-model-artifacts'),
    });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    imported.grantPull(role);
    imported.onModelApproved('Approved');
    const t = Template.fromStack(s);
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('model-package/shared-models/*');
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { ModelPackageGroupName: ['shared-models'] } } });
    expectValidationError(() => ModelRegistry.fromModelRegistryAttributes(s, 'Bad', {
      modelPackageGroupName: 'no_underscores', repository: ecr.Repository.fromRepositoryName(s, 'R2', 'x1'), artifactBucket: s3.Bucket.fromBucketName(s, 'B2', 'bucket-2'),
    }), /invalid-name/);
  });
});
