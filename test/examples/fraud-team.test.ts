import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildFraudPlatform } from '../../examples/fraud-team/lib/fraud-platform';

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

  test('the labeling grant reads raw, writes labels, never deletes', () => {
    const policy = JSON.stringify(Template.fromStack(platform.project).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('/raw/*');
    expect(policy).toContain('/labels/*');
    expect(policy).toContain('s3:PutObject');
    expect(policy).not.toContain('s3:DeleteObject');
    expect(policy).toMatch(/Fn::ImportValue/);
  });
});
