import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DatasetStore, ModelRegistry } from '../../lib/index';
import { expectValidationError } from '../support/errors';
import { synthCompliant } from '../support/synth-platform';
import { bySid, expectStatement, grantStatements } from '../support/iam';
import * as iam from 'aws-cdk-lib/aws-iam';

const replication = {
  destinationBucketArn: 'arn:aws:s3:::mlops-fraud-scoring-prod-datasets-replica',
  destinationRegion: 'eu-central-1',
  replicaKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};

function stack(region = 'eu-west-1'): Stack {
  return new Stack(new App(), 'S', { env: { account: '123456789012', region } });
}

describe('bucket replication to a second region', () => {
  test('every version, delete markers and SSE-KMS objects, to the replica bucket under its key, by a role with the documented permissions', () => {
    const s = stack();
    const store = new DatasetStore(s, 'Datasets', { replication });
    const t = Template.fromStack(s);
    const bucketId = s.getLogicalId(store.bucket.node.defaultChild as CfnElement);
    const bucket = t.toJSON().Resources[bucketId];
    const roleId = bucket.Properties.ReplicationConfiguration.Role['Fn::GetAtt'][0];
    expect(bucket.Properties.ReplicationConfiguration.Rules).toEqual([{
      Id: 'replicate-everything', Priority: 1, Status: 'Enabled',
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Enabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: { Bucket: replication.destinationBucketArn, EncryptionConfiguration: { ReplicaKmsKeyID: replication.replicaKeyArn } },
    }]);
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }] } });
    const roleConstruct = store.node.findChild('ResourceReplicationRole') as iam.Role;
    expect(s.getLogicalId(roleConstruct.node.defaultChild as CfnElement)).toBe(roleId);
    const statements = bySid(grantStatements(t, roleConstruct));
    const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    expectStatement(statements.ReadReplicationConfiguration, { Sid: 'ReadReplicationConfiguration', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: bucketArn });
    expectStatement(statements.ReadSourceVersions, {
      Sid: 'ReadSourceVersions',
      Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
      Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
    });
    expectStatement(statements.WriteReplicas, { Sid: 'WriteReplicas', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: `${replication.destinationBucketArn}/*` });
    expectStatement(statements.DecryptSource, {
      Sid: 'DecryptSource', Action: ['kms:Decrypt'], Resource: { 'Fn::GetAtt': [s.getLogicalId(store.encryptionKey!.node.defaultChild as CfnElement), 'Arn'] },
      Condition: { StringLike: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
    expectStatement(statements.EncryptReplicas, {
      Sid: 'EncryptReplicas', Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], Resource: replication.replicaKeyArn,
      Condition: { StringLike: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
    expect(Object.keys(statements)).toHaveLength(5);
    // the policy names the bucket, so it comes after it (S3 checks only that the role exists)
    expect(t.toJSON().Resources[s.getLogicalId(store.node.findChild('ResourceReplicationPolicy').node.defaultChild as CfnElement)]).toBeDefined();
    // the access log bucket is not replicated
    const logs = Object.values(t.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.ReplicationConfiguration === undefined);
    expect(logs).toHaveLength(1);
  });

  test('the registry replicates its artifacts the same way', () => {
    const s = stack();
    new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', replication });
    const replicated = Object.values(Template.fromStack(s).findResources('AWS::S3::Bucket')).filter((b) => b.Properties.ReplicationConfiguration !== undefined);
    expect(replicated).toHaveLength(1);
    expect(replicated[0].Properties.ReplicationConfiguration.Rules[0].Destination.Bucket).toBe(replication.destinationBucketArn);
  });

  test('a second region, a key of that region, ARNs of the right kinds', () => {
    expectValidationError(() => new DatasetStore(stack('eu-central-1'), 'D', { replication }), /invalid-replication.*own region/);
    expectValidationError(() => new DatasetStore(stack(), 'D', { replication: { ...replication, replicaKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }), /invalid-replication.*another region/);
    expectValidationError(() => new DatasetStore(stack(), 'D', { replication: { ...replication, destinationRegion: 'Frankfurt' } }), /invalid-replication.*region name/);
    expectValidationError(() => new DatasetStore(stack(), 'D', { replication: { ...replication, destinationBucketArn: 'mlops-replica' } }), /invalid-arn.*destinationBucketArn/);
    expectValidationError(() => new DatasetStore(stack(), 'D', { replication: { ...replication, replicaKeyArn: 'arn:aws:s3:::bucket' } }), /invalid-arn.*replicaKeyArn/);
    // an environment-agnostic stack: the region is checked at deploy time by S3
    new DatasetStore(new Stack(new App(), 'Agnostic'), 'D', { replication });
  });

  test('a replicated store passes every compliance pack without the single-region acknowledgment', () => {
    const validation = process.env.CDK_VALIDATION;
    delete process.env.CDK_VALIDATION;
    try {
      const result = synthCompliant((app) => new DatasetStore(new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } }), 'Datasets', { replication }));
      expect(result.error).toBeUndefined();
      for (const report of result.reports) expect({ plugin: report.pluginName, violations: report.violations }).toEqual({ plugin: report.pluginName, violations: [] });
      // the only replication acknowledgment is the one on the access log bucket
      const suppressed = result.reports.flatMap((r) => r.suppressedViolations ?? []).filter((v) => /Replication/i.test(v.acknowledgedId));
      expect(new Set(suppressed.map((v) => v.acknowledgedAt))).toEqual(new Set(['S/Datasets/AccessLogs']));
    } finally {
      if (validation !== undefined) process.env.CDK_VALIDATION = validation;
    }
  });
});
