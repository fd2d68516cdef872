import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelRegistry, ModelRegistryMetricNames } from '../../lib';
import { alarmProperties, metricShape } from './metric-shape';

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
}

describe('ModelRegistry metrics', () => {
  test('metricImagePullCount: AWS/ECR RepositoryPullCount of the registry repository, Sum over 5 minutes', () => {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
    const repository = { Ref: expect.stringMatching(/^RegistryImages[0-9A-F]{8}$/) };
    expect(metricShape(s, registry.metricImagePullCount())).toEqual({
      namespace: 'AWS/ECR', metricName: 'RepositoryPullCount', dimensions: { RepositoryName: repository },
      statistic: 'Sum', periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
    expect(ModelRegistryMetricNames.REPOSITORY_PULL_COUNT).toBe('RepositoryPullCount');
    expect(ModelRegistryMetricNames.METRIC_NAMESPACE).toBe('AWS/ECR');
    expect(alarmProperties(s, registry.metricImagePullCount({ period: Duration.minutes(1) }), 'Pulls')).toEqual(expect.objectContaining({
      Namespace: 'AWS/ECR', MetricName: 'RepositoryPullCount', Statistic: 'Sum', Period: 60,
      Dimensions: [{ Name: 'RepositoryName', Value: repository }],
    }));
  });

  test('metric(): by name, with the options overriding the defaults', () => {
    const s = stack();
    const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
    expect(metricShape(s, registry.metric(ModelRegistryMetricNames.REPOSITORY_PULL_COUNT, { statistic: 'Maximum', period: Duration.hours(1) })))
      .toEqual(expect.objectContaining({ metricName: 'RepositoryPullCount', statistic: 'Maximum', periodSeconds: 3600 }));
  });

  test('an imported registry: the repository name, and the account and region of a repository imported by ARN', () => {
    const s = stack();
    const local = ModelRegistry.fromModelRegistryAttributes(s, 'Local', {
      modelPackageGroupName: 'shared-models',
      repository: ecr.Repository.fromRepositoryName(s, 'Repo', 'shared-models'),
      artifactBucket: s3.Bucket.fromBucketName(s, 'Art', 'shared-model-artifacts'),
    });
    expect(metricShape(s, local.metricImagePullCount())).toEqual({
      namespace: 'AWS/ECR', metricName: 'RepositoryPullCount', dimensions: { RepositoryName: 'shared-models' },
      statistic: 'Sum', periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
    const central = ModelRegistry.fromModelRegistryAttributes(s, 'Central', {
      modelPackageGroupName: 'central-models',
      repository: ecr.Repository.fromRepositoryArn(s, 'CentralRepo', 'arn:aws:ecr:us-east-1:222222222222:repository/central-models'),
      artifactBucket: s3.Bucket.fromBucketName(s, 'CentralArt', 'central-model-artifacts'),
    });
    expect(metricShape(s, central.metricImagePullCount())).toEqual({
      namespace: 'AWS/ECR', metricName: 'RepositoryPullCount', dimensions: { RepositoryName: 'central-models' },
      statistic: 'Sum', periodSeconds: 300, account: '222222222222', region: 'us-east-1',
    });
  });
});
