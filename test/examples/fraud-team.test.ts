import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildFraudPlatform } from '../../examples/fraud-team/lib/fraud-platform';
import { LabelingCapability } from '../../examples/fraud-team/lib/labeling-capability';
import { MlProjectStack } from '../../lib/index';
import { expectValidationError } from '../support/errors';
import { expectStatements, grantStatements } from '../support/iam';

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'dev', costCentre: 'CC-4711' };

describe('example: fraud team repository', () => {
  const app = new App();
  const platform = buildFraudPlatform(app);
  const assembly = app.synth();

  test('synthesizes both stacks', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['fraud-data', 'fraud-scoring-prod']);
  });

  test('the extended store has the labels zone and Object Lock', () => {
    expect(platform.store.zoneNames).toEqual(['raw', 'curated', 'features', 'labels']);
    Template.fromStack(platform.data).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 90 } } },
    });
  });

  test('the template uses the pre-built store and the team adds a second registry', () => {
    expect(platform.project.datasets).toBe(platform.store);
    const t = Template.fromStack(platform.project);
    t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 2);
    t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: 'fraud-scoring-explainers' });
    t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'fraud-scoring-prod',
      ModelPackageGroupPolicy: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Action: 'sagemaker:DescribeModelPackageGroup' })]) }),
    });
    // no dataset bucket in the project stack: artifacts + access logs of each of the two registries
    t.resourceCountIs('AWS::S3::Bucket', 4);
  });

  test('the team capability is bound by the template, in the project stack, through IMlProject', () => {
    expect(platform.labelingRole.node.path).toBe('fraud-scoring-prod/LabelingRole');
    expect(platform.labelingRole.stack).toBe(platform.project);
    // bound once: a second project needs its own instance
    expect(() => platform.labeling.bind(platform.project)).toThrow(/one instance per project/);
  });

  test('the team capability refuses a store without its zones, and the template refuses a capability name twice', () => {
    const app2 = new App();
    expect(() => new MlProjectStack(app2, 'p', { identity, capabilities: [new LabelingCapability()] }))
      .toThrow(/no "labels" zone \(it has raw, curated, features\)/);
    const twice = new MlProjectStack(app2, 'q', { identity, datasetStoreProps: { zones: ['raw', 'labels'] }, capabilities: [new LabelingCapability()] });
    expectValidationError(() => twice.addCapability(new LabelingCapability()), /duplicate-capability.*Received: "labeling"/);
  });

  test('the labeling grant reads raw, writes labels, never deletes: exactly these statements on the shared store', () => {
    const statements = grantStatements(Template.fromStack(platform.project), platform.labelingRole);
    const onStore = statements.filter((st) => JSON.stringify(st.Resource).includes('fraud-data:'));
    const imported = (fragment: string) => {
      const name = JSON.stringify(onStore).match(new RegExp(`fraud-data:ExportsOutputFnGetAtt${fragment}[A-Za-z0-9]*`));
      expect(name).not.toBeNull();
      return { 'Fn::ImportValue': name![0] };
    };
    const bucket = imported('Datasets9A172240Arn');
    const key = imported('DatasetsKey83EDD9A9Arn');
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucket, `/${prefix}/*`]] });
    expectStatements(onStore, [
      { Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: objects('raw') },
      { Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], Resource: bucket, Condition: { StringLike: { 's3:prefix': ['raw/', 'raw/*'] } } },
      { Action: 'kms:Decrypt', Resource: key },
      { Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: objects('labels') },
      { Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: key },
    ]);
    expect(statements.flatMap((st) => st.Action).filter((a) => /Delete/.test(a))).toEqual([]);
  });
});
