import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DatasetObjectLock, DatasetStore, DatasetVersionKind } from '../../lib';
import { expectValidationError } from '../support/errors';
import { expectStatements, grantStatements, keyStatement } from '../support/iam';

function setup() {
  const stack = new Stack(new App(), 'S');
  return stack;
}

describe('DatasetStore defaults', () => {
  const stack = setup();
  const store = new DatasetStore(stack, 'Data');
  const t = Template.fromStack(stack);

  test('data bucket: KMS with its own key, versioning, public access blocked, logs, EventBridge, Object Lock on', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataKey'), 'Arn'] } },
        }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('DataAccessLogs') }, LogFilePrefix: 'datasets/' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: Match.absent(),
    });
  });

  test('lifecycle: Intelligent-Tiering from day 0, noncurrent versions expire after 365 days', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.anyValue(),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'intelligent-tiering', Status: 'Enabled', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }] }),
          Match.objectLike({ Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 365 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
  });

  test('key rotates, is retained, and only AWS services may create grants', () => {
    t.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny', Action: 'kms:CreateGrant',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        })]) },
      },
    });
  });

  test('buckets are retained and TLS-only', () => {
    const buckets = t.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const b of Object.values(buckets)) expect(b.DeletionPolicy).toBe('RetainExceptOnCreate');
    const policies = t.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const p of Object.values(policies)) {
      expect(JSON.stringify(p)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('log bucket: SSE-S3 (the only encryption S3 log delivery supports), expires logs, accepts only this bucket\'s logs', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('Data'), 'Arn'] } } },
      })]) },
    });
  });

  test('default zones and URIs', () => {
    expect(store.zoneNames).toEqual(['raw', 'curated', 'features']);
    expect(store.zonePrefix('curated')).toBe('curated/');
    const bucketId = stack.getLogicalId(store.bucket.node.defaultChild as s3.CfnBucket);
    expect(stack.resolve(store.s3Uri('raw'))).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/raw/']] });
    expect(store.node.defaultChild).toBe(store.bucket);
  });
});

describe('DatasetStore grants', () => {
  const READ = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'];
  const LIST = ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'];
  const PUT = ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

  test('zone read is scoped to the prefix (objects and listing) and includes decrypt on the store key', () => {
    const stack = setup();
    const store = new DatasetStore(stack, 'Data');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    store.grantRead(role, 'features');
    expectStatements(grantStatements(Template.fromStack(stack), role), [
      { Action: READ, Resource: stack.resolve(store.bucket.arnForObjects('features/*')) },
      { Action: LIST, Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': ['features/', 'features/*'] } } },
      keyStatement(store.encryptionKey!, 'kms:Decrypt'),
    ]);
  });

  test('whole-store read: every object, listing without a prefix condition', () => {
    const stack = setup();
    const store = new DatasetStore(stack, 'Data');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    store.grantRead(role);
    expectStatements(grantStatements(Template.fromStack(stack), role), [
      { Action: READ, Resource: stack.resolve(store.bucket.arnForObjects('*')) },
      { Action: LIST, Resource: stack.resolve(store.bucket.bucketArn) },
      keyStatement(store.encryptionKey!, 'kms:Decrypt'),
    ]);
  });

  test('write grants put under the zone but never delete, with the key actions S3 needs', () => {
    const stack = setup();
    const store = new DatasetStore(stack, 'Data');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    store.grantWrite(role, 'raw');
    const statements = grantStatements(Template.fromStack(stack), role);
    expectStatements(statements, [
      { Action: PUT, Resource: stack.resolve(store.bucket.arnForObjects('raw/*')) },
      keyStatement(store.encryptionKey!, 'kms:GenerateDataKey', 'kms:Decrypt'),
    ]);
    // explicit actions only: no wildcard for the compliance packs to flag
    expect(statements.flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([]);
  });

  test('addZone extends the zones; unknown zone is rejected with the known ones', () => {
    const stack = setup();
    const store = new DatasetStore(stack, 'Data');
    store.addZone('labels');
    expect(store.zoneNames).toContain('labels');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    expectValidationError(() => store.grantRead(role, 'gold'), /\[mlops:unknown-zone\] S\/Data: .*Received: "gold".*Fix: Use one of \["raw","curated","features","labels"\]/);
  });
});

describe('DatasetStore options', () => {
  test('Object Lock governance with default retention', () => {
    const stack = setup();
    new DatasetStore(stack, 'Data', { objectLock: DatasetObjectLock.governance(Duration.days(30)) });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
    });
  });

  test('Object Lock compliance', () => {
    const stack = setup();
    new DatasetStore(stack, 'Data', { objectLock: DatasetObjectLock.compliance(Duration.days(2555)) });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
    });
  });

  test('brought key, name, lifecycle periods and log bucket are used', () => {
    const stack = setup();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const logs = new s3.Bucket(stack, 'Logs');
    new DatasetStore(stack, 'Data', {
      encryptionKey: key, bucketName: 'team-datasets', accessLogsBucket: logs,
      noncurrentVersionExpiration: Duration.days(30), intelligentTieringAfter: Duration.days(7),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'team-datasets',
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('Logs') } },
      LifecycleConfiguration: { Rules: Match.arrayWith([
        Match.objectLike({ Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 7 }] }),
        Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
      ]) },
    });
  });

  test('a removal policy other than RETAIN warns', () => {
    const stack = setup();
    new DatasetStore(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    Annotations.fromStack(stack).hasWarning('/S/Data/Resource', Match.stringLikeRegexp('removal policy is destroy'));
    Template.fromStack(stack).hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: { LoggingConfiguration: Match.anyValue() } });
  });

  test.each([
    ['bucketName', { bucketName: 'Bad_Name' }, /invalid-name.*bucketName is not a valid S3 bucket name/],
    ['zone name', { zones: ['Raw Data'] }, /invalid-zone.*Received: "Raw Data".*Fix: Use a name such as "raw"/],
    ['duplicate zone', { zones: ['raw', 'raw'] }, /duplicate-zone/],
    ['noncurrent days', { noncurrentVersionExpiration: Duration.hours(36) }, /invalid-duration.*noncurrentVersionExpiration must be a whole number of days.*Fix: Use Duration.days/],
    ['noncurrent zero', { noncurrentVersionExpiration: Duration.days(0) }, /invalid-duration/],
    ['tiering partial days', { intelligentTieringAfter: Duration.minutes(90) }, /invalid-duration.*intelligentTieringAfter/],
    ['lock retention zero', { objectLock: DatasetObjectLock.governance(Duration.days(0)) }, /invalid-duration.*objectLock retention/],
    ['lock retention huge', { objectLock: DatasetObjectLock.compliance(Duration.days(40000)) }, /invalid-duration.*at most 36500/],
  ])('rejects bad %s', (_name, props, pattern) => {
    expectValidationError(() => new DatasetStore(setup(), 'Data', props), pattern);
  });
});

describe('DatasetStore limits at their edges', () => {
  test.each([
    ['zone name of 63 characters', { zones: ['z'.repeat(63)] }],
    ['zone name of 1 character', { zones: ['z'] }],
    ['noncurrent versions kept 1 day', { noncurrentVersionExpiration: Duration.days(1) }],
    ['tiering from day 0', { intelligentTieringAfter: Duration.days(0) }],
    ['Object Lock retention of 1 day', { objectLock: DatasetObjectLock.governance(Duration.days(1)) }],
    ['Object Lock retention of 36500 days', { objectLock: DatasetObjectLock.compliance(Duration.days(36500)) }],
  ])('accepts %s', (_name, props) => {
    expect(() => new DatasetStore(setup(), 'Data', props)).not.toThrow();
  });

  test.each([
    ['zone name of 64 characters', { zones: ['z'.repeat(64)] }, /invalid-zone/],
    ['empty zone name', { zones: [''] }, /invalid-zone/],
    ['noncurrent versions kept 0 days', { noncurrentVersionExpiration: Duration.days(0) }, /invalid-duration.*noncurrentVersionExpiration/],
    ['Object Lock retention of 0 days', { objectLock: DatasetObjectLock.governance(Duration.days(0)) }, /invalid-duration.*objectLock retention/],
    ['Object Lock retention of 36501 days', { objectLock: DatasetObjectLock.compliance(Duration.days(36501)) }, /invalid-duration.*at most 36500/],
  ])('rejects %s', (_name, props, pattern) => {
    expectValidationError(() => new DatasetStore(setup(), 'Data', props), pattern);
  });

  // S3 object keys are at most 1024 bytes: "features/" (9) + 1015 fills them.
  test.each([
    ['a key of 1 character', { key: 'k', versionId: 'v' }],
    ['a key filling 1024 characters with the zone prefix', { key: 'k'.repeat(1015), versionId: 'v' }],
    ['a version id of 1024 characters', { key: 'k', versionId: 'v'.repeat(1024) }],
  ])('a dataset version accepts %s', (_name, options) => {
    const store = new DatasetStore(setup(), 'Data');
    expect(store.datasetVersion({ zone: 'features', ...options }).objectKey).toBe(`features/${options.key}`);
  });

  test.each([
    ['a key of 1025 characters with the zone prefix', { key: 'k'.repeat(1016), versionId: 'v' }, /invalid-dataset-key/],
    ['a version id of 1025 characters', { key: 'k', versionId: 'v'.repeat(1025) }, /invalid-dataset-version/],
  ])('a dataset version rejects %s', (_name, options, pattern) => {
    const store = new DatasetStore(setup(), 'Data');
    expectValidationError(() => store.datasetVersion({ zone: 'features', ...options }), pattern);
  });
});

describe('dataset versions', () => {
  test('names an immutable object version and its lineage', () => {
    const stack = setup();
    const store = new DatasetStore(stack, 'Data');
    const v = store.datasetVersion({ zone: 'features', key: 'fraud/v3/train.parquet', versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY' });
    expect(v.objectKey).toBe('features/fraud/v3/train.parquet');
    expect(v.kind).toBe(DatasetVersionKind.OBJECT);
    expect(v.sageMakerS3DataType).toBe('S3Prefix');
    expect(v.toLineage()).toMatchObject({ 'dataset:version-id': '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY', 'dataset:kind': 'object', 'dataset:zone': 'features' });
    const bucketId = stack.getLogicalId(store.bucket.node.defaultChild as s3.CfnBucket);
    expect(stack.resolve(v.s3Uri)).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/features/fraud/v3/train.parquet']] });
  });

  test('a manifest version reads as ManifestFile; grantRead pins the version object', () => {
    const stack = setup();
    const store = new DatasetStore(stack, 'Data');
    const v = store.datasetVersion({ zone: 'curated', key: 'manifests/2026-11.json', versionId: 'abc', kind: DatasetVersionKind.MANIFEST });
    expect(v.sageMakerS3DataType).toBe('ManifestFile');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    v.grantRead(role);
    expectStatements(grantStatements(Template.fromStack(stack), role), [
      { Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging'], Resource: stack.resolve(store.bucket.arnForObjects('curated/manifests/2026-11.json')) },
      keyStatement(store.encryptionKey!, 'kms:Decrypt'),
    ]);
  });

  test.each([
    [{ zone: 'features', key: '', versionId: 'v' }, /invalid-dataset-key/],
    [{ zone: 'features', key: '/abs', versionId: 'v' }, /invalid-dataset-key.*Fix: Give the object key relative to the zone/],
    [{ zone: 'features', key: 'dir/', versionId: 'v' }, /invalid-dataset-key/],
    [{ zone: 'features', key: 'k', versionId: 'null' }, /invalid-dataset-version.*Received: "null"/],
    [{ zone: 'features', key: 'k', versionId: '' }, /invalid-dataset-version/],
    [{ zone: 'nope', key: 'k', versionId: 'v' }, /unknown-zone/],
  ])('rejects %j', (options, pattern) => {
    const store = new DatasetStore(setup(), 'Data');
    expectValidationError(() => store.datasetVersion(options), pattern);
  });
});

describe('imported store', () => {
  test('grants reach the imported bucket and key', () => {
    const stack = setup();
    const key = kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'B', { bucketName: 'shared-datasets', encryptionKey: key });
    const store = DatasetStore.fromDatasetStoreAttributes(stack, 'Imported', { bucket, zones: ['gold'] });
    expect(store.zoneNames).toEqual(['gold']);
    expect(store.encryptionKey).toBe(key);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    store.grantRead(role, 'gold');
    expectStatements(grantStatements(Template.fromStack(stack), role), [
      { Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-datasets/gold/*']] } },
      { Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-datasets']] },
        Condition: { StringLike: { 's3:prefix': ['gold/', 'gold/*'] } } },
      { Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    ]);
    expectValidationError(() => store.grantRead(role, 'raw'), /unknown-zone/);
  });
});
