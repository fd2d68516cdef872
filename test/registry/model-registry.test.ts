import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ModelRegistry } from '../../lib';
import { expectValidationError } from '../support/errors';
import { canonical, expectStatements, grantStatements, keyStatement, resourcePolicyStatements } from '../support/iam';

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
}

describe('ModelRegistry defaults', () => {
  const s = stack();
  const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'Fraud-Scoring', description: 'fraud models' });
  const t = Template.fromStack(s);

  test('model package group with the validated name, retained', () => {
    t.hasResource('AWS::SageMaker::ModelPackageGroup', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: { ModelPackageGroupName: 'Fraud-Scoring', ModelPackageGroupDescription: 'fraud models', ModelPackageGroupPolicy: Match.absent() },
    });
    expect(registry.node.defaultChild).toBe(registry.modelPackageGroup);
  });

  test('ECR: scan on push, immutable tags, KMS with the registry key, untagged images expire, retained', () => {
    t.hasResource('AWS::ECR::Repository', {
      DeletionPolicy: 'RetainExceptOnCreate',
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
    const keyId = s.getLogicalId(registry.encryptionKey!.node.defaultChild as CfnElement);
    // (the SNS target adds the same statement again for an encrypted topic)
    const eventsGrants = resourcePolicyStatements(t, keyId).filter((st) => JSON.stringify(st.Principal).includes('events'));
    expect(eventsGrants.length).toBeGreaterThan(0);
    for (const st of eventsGrants) {
      expect(st).toEqual(canonical({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: '*' }));
    }
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
  const READ = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'];
  const LIST = ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'];
  const PUT = ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
  const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
  const PUSH = ['ecr:CompleteLayerUpload', 'ecr:UploadLayerPart', 'ecr:InitiateLayerUpload', 'ecr:PutImage'];

  function statementsOf(grant: (r: ModelRegistry, role: iam.Role) => void) {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'Fraud-Scoring' });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    grant(registry, role);
    const r = (v: string) => s.resolve(v);
    return {
      statements: grantStatements(Template.fromStack(s), role),
      group: r(registry.modelPackageGroupArn),
      // model packages of this group only, with the lower-cased group name SageMaker puts in ARNs
      packages: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/fraud-scoring/*']] },
      repository: r(registry.repository.repositoryArn),
      objects: (prefix: string) => r(registry.artifactBucket.arnForObjects(`${prefix}*`)),
      bucket: r(registry.artifactBucket.bucketArn),
      key: registry.encryptionKey!,
    };
  }

  test('grantRegisterModel: create packages in this group only, artifacts read and put (no delete), image pull and push', () => {
    const { statements, group, packages, repository, objects, bucket, key } = statementsOf((r, role) => r.grantRegisterModel(role));
    expectStatements(statements, [
      { Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'], Resource: [group, packages] },
      { Action: ['sagemaker:DescribeModelPackage', 'sagemaker:AddTags'], Resource: packages },
      { Action: [...PULL, ...PUSH], Resource: repository },
      { Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Action: [...READ, ...PUT], Resource: objects('') },
      { Action: LIST, Resource: bucket },
      keyStatement(key, 'kms:GenerateDataKey', 'kms:Decrypt'),
    ]);
    expect(group).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Registry/), 'ModelPackageGroupArn'] });
  });

  test('grantApprove: describe the group, describe and update its packages, nothing else', () => {
    const { statements, group, packages } = statementsOf((r, role) => r.grantApprove(role));
    expectStatements(statements, [
      { Action: 'sagemaker:DescribeModelPackageGroup', Resource: group },
      { Action: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'], Resource: packages },
    ]);
  });

  test('grantPull: describe, pull the image, read artifacts with decrypt; no writes', () => {
    const { statements, group, packages, repository, objects, bucket, key } = statementsOf((r, role) => r.grantPull(role));
    expectStatements(statements, [
      { Action: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage'], Resource: [group, packages] },
      { Action: PULL, Resource: repository },
      { Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Action: READ, Resource: objects('') },
      { Action: LIST, Resource: bucket },
      keyStatement(key, 'kms:Decrypt'),
    ]);
  });

  test('grantReadArtifacts: objects and listing under the prefix, with decrypt', () => {
    const { statements, objects, bucket, key } = statementsOf((r, role) => r.grantReadArtifacts(role, 'evaluation/'));
    expectStatements(statements, [
      { Action: READ, Resource: objects('evaluation/') },
      { Action: LIST, Resource: bucket, Condition: { StringLike: { 's3:prefix': ['evaluation/', 'evaluation/*'] } } },
      keyStatement(key, 'kms:Decrypt'),
    ]);
  });

  // A grant returns what it granted: monitoring and teams compose grants (`grant.applyBefore`,
  // `assertSuccess`), and a part missing from the returned Grant (the ECR part, the registry
  // login) is a permission nobody can see or depend on.
  test.each<[string, (r: ModelRegistry, role: iam.Role) => iam.Grant]>([
    ['grantRegisterModel', (r, role) => r.grantRegisterModel(role)],
    ['grantApprove', (r, role) => r.grantApprove(role)],
    ['grantPull', (r, role) => r.grantPull(role)],
    ['grantReadArtifacts', (r, role) => r.grantReadArtifacts(role, 'evaluation/')],
    ['grantWriteArtifacts', (r, role) => r.grantWriteArtifacts(role, 'training-output/')],
  ])('%s returns a Grant holding every statement it added to the role, ECR and registry login included', (_, grantOf) => {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'Fraud-Scoring' });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const grant = grantOf(registry, role);
    expect(grant.success).toBe(true);
    expect(grant.resourceStatements).toEqual([]);
    const returned = grant.principalStatements.map((st) => canonical(s.resolve(st.toStatementJson())));
    const granted = grantStatements(Template.fromStack(s), role);
    expect(granted.length).toBeGreaterThan(0);
    expectStatements(returned, granted);
  });

  test('the image parts of grantPull and grantRegisterModel: the repository and the registry login, in the returned Grant', () => {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'Fraud-Scoring' });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const repository = s.resolve(registry.repository.repositoryArn);
    const ecrParts = (grant: iam.Grant) => grant.principalStatements
      .map((st) => canonical(s.resolve(st.toStatementJson())))
      .filter((st) => st.Action.some((a) => a.startsWith('ecr:')));
    expectStatements(ecrParts(registry.grantPull(role)), [
      { Action: PULL, Resource: repository },
      { Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]);
    expectStatements(ecrParts(registry.grantRegisterModel(role)), [
      { Action: [...PULL, ...PUSH], Resource: repository },
      { Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]);
  });

  test('grantWriteArtifacts: put under the prefix only, with the key actions S3 needs', () => {
    const { statements, objects, key } = statementsOf((r, role) => r.grantWriteArtifacts(role, 'training-output/'));
    expectStatements(statements, [
      { Action: PUT, Resource: objects('training-output/') },
      keyStatement(key, 'kms:GenerateDataKey', 'kms:Decrypt'),
    ]);
  });
});

describe('cross-account read', () => {
  test('adds group, repository, bucket and key resource policies for each account', () => {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', crossAccountReadAccounts: ['222222222222', '333333333333'] });
    const t = Template.fromStack(s);
    const id = (c: IConstruct) => s.getLogicalId(c.node.defaultChild as CfnElement);
    const root = (account: string) => ({ AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } });
    const packages = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/fraud/*']] };
    const group = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package-group/fraud']] };
    expectStatements(resourcePolicyStatements(t, id(registry)), ['222222222222', '333333333333'].flatMap((account, i) => [
      { Sid: `CrossAccountReadGroup${i + 1}`, Principal: root(account), Action: 'sagemaker:DescribeModelPackageGroup', Resource: group },
      { Sid: `CrossAccountReadPackages${i + 1}`, Principal: root(account), Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'], Resource: packages },
    ]));
    // ECR repository policies take no Resource
    expect(t.findResources('AWS::ECR::Repository')[id(registry.repository)].Properties.RepositoryPolicyText.Statement).toEqual(
      ['222222222222', '333333333333'].map((account) => ({
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Effect: 'Allow', Principal: root(account),
      })));
    const bucketPolicy = Object.values(t.findResources('AWS::S3::BucketPolicy'))
      .find((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id(registry.artifactBucket) }))!;
    const granted = bucketPolicy.Properties.PolicyDocument.Statement.filter((st: { Effect: string }) => st.Effect === 'Allow').map(canonical);
    expect(granted).toEqual(expect.arrayContaining(['222222222222', '333333333333'].flatMap((account) => [
      canonical({ Principal: root(account), Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: s.resolve(registry.artifactBucket.arnForObjects('*')) }),
      canonical({ Principal: root(account), Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], Resource: s.resolve(registry.artifactBucket.bucketArn) }),
    ])));
    expect(granted).toHaveLength(4);
    const keyGrants = resourcePolicyStatements(t, id(registry.encryptionKey!)).filter((st) => JSON.stringify(st.Principal).match(/222222222222|333333333333/));
    expectStatements(keyGrants, ['222222222222', '333333333333'].map((account) => ({ Principal: root(account), Action: 'kms:Decrypt', Resource: '*' })));
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

  test.each([
    ['a group name of 63 characters', { modelPackageGroupName: 'x'.repeat(63) }],
    ['a group name of 1 character', { modelPackageGroupName: 'x' }],
    ['a description of 1024 characters', { description: 'd'.repeat(1024) }],
    ['a repository name of 256 characters', { repositoryName: 'r'.repeat(256) }],
    ['a repository name of 2 characters', { repositoryName: 'rr' }],
  ])('accepts %s (the edge of the limit)', (_name, props) => {
    expect(() => new ModelRegistry(stack(), 'Registry', props)).not.toThrow();
  });

  test.each([
    [{ modelPackageGroupName: '' }, /invalid-name.*must be 1-63 characters long \(it has 0\)/],
    [{ repositoryName: 'r'.repeat(257) }, /invalid-name.*repositoryName/],
    [{ repositoryName: 'r' }, /invalid-name.*repositoryName/],
    [{ crossAccountReadAccounts: ['1'.repeat(11)] }, /invalid-account/],
    [{ crossAccountReadAccounts: ['1'.repeat(13)] }, /invalid-account/],
  ])('rejects one past the limit: %j', (props, pattern) => {
    expectValidationError(() => new ModelRegistry(stack(), 'Registry', props), pattern);
  });

  test('rule names: 64 characters pass, 65 fail', () => {
    const registry = new ModelRegistry(stack(), 'Registry', { notifications: false });
    expect(() => registry.onModelApproved('A', { ruleName: 'r'.repeat(64) })).not.toThrow();
    expectValidationError(() => registry.onModelApproved('B', { ruleName: 'r'.repeat(65) }), /invalid-name.*ruleName/);
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
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${resource}`]] });
    expectStatements(grantStatements(t, role), [
      { Action: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage'],
        Resource: [arn('sagemaker:eu-west-1:111111111111:model-package-group/shared-models'), arn('sagemaker:eu-west-1:111111111111:model-package/shared-models/*')] },
      { Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: arn('ecr:eu-west-1:111111111111:repository/shared-models') },
      { Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: arn('s3:::shared-model-artifacts/*') },
      { Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], Resource: arn('s3:::shared-model-artifacts') },
    ]);
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { ModelPackageGroupName: ['shared-models'] } } });
    expectValidationError(() => ModelRegistry.fromModelRegistryAttributes(s, 'Bad', {
      modelPackageGroupName: 'no_underscores', repository: ecr.Repository.fromRepositoryName(s, 'R2', 'x1'), artifactBucket: s3.Bucket.fromBucketName(s, 'B2', 'bucket-2'),
    }), /invalid-name/);
  });
});
