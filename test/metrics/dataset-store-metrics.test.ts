import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DatasetStorageType, DatasetStore, DatasetStoreMetricNames, IDatasetStore } from '../../lib';
import { expectValidationError } from '../support/errors';
import { alarmProperties, metricShape } from './metric-shape';

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
}

const BUCKET = { Ref: expect.stringMatching(/^Data[0-9A-F]{8}$/) };

describe('DatasetStore request metrics configuration', () => {
  test('by default: one for the whole bucket and one per zone, filtered by the zone prefix; the log bucket has none', () => {
    const s = stack();
    const store = new DatasetStore(s, 'Data');
    expect(store.requestMetricsEnabled).toBe(true);
    const t = Template.fromStack(s);
    const buckets = t.findResources('AWS::S3::Bucket');
    const withMetrics = Object.values(buckets).filter((b) => b.Properties.MetricsConfigurations !== undefined);
    expect(withMetrics).toHaveLength(1);
    t.hasResourceProperties('AWS::S3::Bucket', {
      MetricsConfigurations: [
        { Id: 'EntireBucket' },
        { Id: 'raw', Prefix: 'raw/' },
        { Id: 'curated', Prefix: 'curated/' },
        { Id: 'features', Prefix: 'features/' },
      ],
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'datasets/' }),
    });
  });

  test('a zone added later gets its configuration, and its metrics', () => {
    const s = stack();
    const store = new DatasetStore(s, 'Data', { zones: ['raw'] });
    store.addZone('labels');
    Template.fromStack(s).hasResourceProperties('AWS::S3::Bucket', {
      MetricsConfigurations: [{ Id: 'EntireBucket' }, { Id: 'raw', Prefix: 'raw/' }, { Id: 'labels', Prefix: 'labels/' }],
    });
    expect(metricShape(s, store.metricAllRequests('labels')).dimensions).toEqual({ BucketName: BUCKET, FilterId: 'labels' });
  });

  test('requestMetrics: false adds no configuration, and the request metrics refuse', () => {
    const s = stack();
    const store = new DatasetStore(s, 'Data', { requestMetrics: false });
    store.addZone('labels');
    expect(store.requestMetricsEnabled).toBe(false);
    const buckets = Template.fromStack(s).findResources('AWS::S3::Bucket');
    for (const b of Object.values(buckets)) expect(b.Properties.MetricsConfigurations).toBeUndefined();
    expectValidationError(() => store.metricAllRequests(), /request-metrics-disabled/);
    expectValidationError(() => store.metricServerErrors('raw'), /request-metrics-disabled/);
    // the daily storage metrics exist for every bucket
    expect(metricShape(s, store.metricNumberOfObjects()).metricName).toBe('NumberOfObjects');
  });
});

describe('DatasetStore metrics', () => {
  const s = stack();
  const store = new DatasetStore(s, 'Data');

  const requestMetrics: Array<[string, (st: IDatasetStore, zone?: string) => cloudwatch.Metric, string, string]> = [
    ['metricAllRequests', (st, z) => st.metricAllRequests(z), 'AllRequests', 'Sum'],
    ['metricGetRequests', (st, z) => st.metricGetRequests(z), 'GetRequests', 'Sum'],
    ['metricPutRequests', (st, z) => st.metricPutRequests(z), 'PutRequests', 'Sum'],
    ['metricClientErrors', (st, z) => st.metricClientErrors(z), '4xxErrors', 'Sum'],
    ['metricServerErrors', (st, z) => st.metricServerErrors(z), '5xxErrors', 'Sum'],
    ['metricFirstByteLatency', (st, z) => st.metricFirstByteLatency(z), 'FirstByteLatency', 'p99'],
    ['metricTotalRequestLatency', (st, z) => st.metricTotalRequestLatency(z), 'TotalRequestLatency', 'p99'],
    ['metricBytesDownloaded', (st, z) => st.metricBytesDownloaded(z), 'BytesDownloaded', 'Sum'],
    ['metricBytesUploaded', (st, z) => st.metricBytesUploaded(z), 'BytesUploaded', 'Sum'],
  ];

  test.each(requestMetrics)('%s: AWS/S3, whole bucket (EntireBucket) and per zone (FilterId = zone), 5 minutes', (_, metricOf, name, statistic) => {
    expect(metricShape(s, metricOf(store))).toEqual({
      namespace: 'AWS/S3', metricName: name, dimensions: { BucketName: BUCKET, FilterId: 'EntireBucket' },
      statistic, periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
    expect(metricShape(s, metricOf(store, 'features'))).toEqual({
      namespace: 'AWS/S3', metricName: name, dimensions: { BucketName: BUCKET, FilterId: 'features' },
      statistic, periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
    expectValidationError(() => metricOf(store, 'gold'), /unknown-zone/);
  });

  test('the named metrics use the names of DatasetStoreMetricNames', () => {
    expect(requestMetrics.map(([, , name]) => name)).toEqual([
      DatasetStoreMetricNames.ALL_REQUESTS, DatasetStoreMetricNames.HTTP_GET_REQUESTS, DatasetStoreMetricNames.HTTP_PUT_REQUESTS,
      DatasetStoreMetricNames.CLIENT_ERRORS, DatasetStoreMetricNames.SERVER_ERRORS, DatasetStoreMetricNames.FIRST_BYTE_LATENCY,
      DatasetStoreMetricNames.TOTAL_REQUEST_LATENCY, DatasetStoreMetricNames.BYTES_DOWNLOADED, DatasetStoreMetricNames.BYTES_UPLOADED,
    ]);
    expect(DatasetStoreMetricNames.METRIC_NAMESPACE).toBe('AWS/S3');
    expect(DatasetStoreMetricNames.ENTIRE_BUCKET_FILTER).toBe('EntireBucket');
  });

  test.each([
    [DatasetStorageType.STANDARD, 'StandardStorage'],
    [DatasetStorageType.INTELLIGENT_TIERING_FREQUENT_ACCESS, 'IntelligentTieringFAStorage'],
    [DatasetStorageType.INTELLIGENT_TIERING_INFREQUENT_ACCESS, 'IntelligentTieringIAStorage'],
    [DatasetStorageType.INTELLIGENT_TIERING_ARCHIVE_INSTANT_ACCESS, 'IntelligentTieringAIAStorage'],
  ])('metricBucketSizeBytes(%s): daily, Average over 1 day, StorageType %s', (storageType, dimension) => {
    expect(metricShape(s, store.metricBucketSizeBytes(storageType))).toEqual({
      namespace: 'AWS/S3', metricName: 'BucketSizeBytes', dimensions: { BucketName: BUCKET, StorageType: dimension },
      statistic: 'Average', periodSeconds: 86400, account: '111111111111', region: 'eu-west-1',
    });
  });

  test('metricNumberOfObjects: all storage types, Average over 1 day', () => {
    expect(metricShape(s, store.metricNumberOfObjects())).toEqual({
      namespace: 'AWS/S3', metricName: 'NumberOfObjects', dimensions: { BucketName: BUCKET, StorageType: 'AllStorageTypes' },
      statistic: 'Average', periodSeconds: 86400, account: '111111111111', region: 'eu-west-1',
    });
  });

  test('metric(): any S3 request metric by name; options override statistic, period and label', () => {
    const m = store.metric('HeadRequests', 'raw', { statistic: 'Average', period: Duration.minutes(1), label: 'heads' });
    expect(metricShape(s, m)).toEqual({
      namespace: 'AWS/S3', metricName: 'HeadRequests', dimensions: { BucketName: BUCKET, FilterId: 'raw' },
      statistic: 'Average', periodSeconds: 60, account: '111111111111', region: 'eu-west-1',
    });
    expect(m.label).toBe('heads');
    expect(metricShape(s, store.metric('ListRequests')).dimensions).toEqual({ BucketName: BUCKET, FilterId: 'EntireBucket' });
    expect(metricShape(s, store.metricServerErrors(undefined, { statistic: 'Average' })).statistic).toBe('Average');
  });

  test('metric() refuses what S3 never publishes: a zone\'s ListRequests, storage metrics by FilterId', () => {
    expect(expectValidationError(() => store.metric('ListRequests', 'raw'), /no-zone-metric/).message).toContain('ListRequests of zone raw');
    expectValidationError(() => store.metric(DatasetStoreMetricNames.BUCKET_SIZE_BYTES), /no-zone-metric.*StorageType/);
    expectValidationError(() => store.metric(DatasetStoreMetricNames.NUMBER_OF_OBJECTS, 'raw'), /no-zone-metric.*StorageType/);
  });

  test('an alarm on a zone metric renders the bucket reference and the zone filter', () => {
    expect(alarmProperties(s, store.metricServerErrors('features'), 'ServerErrors')).toEqual(expect.objectContaining({
      Namespace: 'AWS/S3', MetricName: '5xxErrors', Statistic: 'Sum', Period: 300,
      Dimensions: [{ Name: 'BucketName', Value: BUCKET }, { Name: 'FilterId', Value: 'features' }],
    }));
  });
});

describe('metrics configurations per bucket (S3: at most 1,000)', () => {
  const zones = (n: number) => Array.from({ length: n }, (_, i) => `z${i}`);
  const configurations = (st: Stack) => {
    const buckets = Template.fromStack(st).findResources('AWS::S3::Bucket', { Properties: { MetricsConfigurations: Match.anyValue() } });
    return Object.values(buckets).map((b) => (b as { Properties: { MetricsConfigurations: unknown[] } }).Properties.MetricsConfigurations.length);
  };

  test('999 zones and the whole bucket: 1,000 configurations pass', () => {
    const st = stack();
    new DatasetStore(st, 'Data', { zones: zones(999) });
    expect(configurations(st)).toEqual([1000]);
  });

  test('the 1,000th zone is refused, at construction or by addZone()', () => {
    expectValidationError(() => new DatasetStore(stack(), 'Data', { zones: zones(1000) }), /too-many-metrics-configurations.*1000/s);
    const store = new DatasetStore(stack(), 'Data', { zones: zones(999) });
    expectValidationError(() => store.addZone('one-more'), /too-many-metrics-configurations/);
  });

  test('without request metrics, zones are not limited by configurations', () => {
    expect(() => new DatasetStore(stack(), 'Data', { zones: zones(1000), requestMetrics: false })).not.toThrow();
  });
});

describe('imported DatasetStore metrics', () => {
  test('request metrics only when the attributes say the configurations exist (default: they do not)', () => {
    const s = stack();
    const bucket = s3.Bucket.fromBucketName(s, 'B', 'shared-datasets');
    const plain = DatasetStore.fromDatasetStoreAttributes(s, 'Plain', { bucket });
    expect(plain.requestMetricsEnabled).toBe(false);
    expectValidationError(() => plain.metricAllRequests('raw'), /request-metrics-disabled/);
    expect(metricShape(s, plain.metricBucketSizeBytes(DatasetStorageType.STANDARD)).dimensions)
      .toEqual({ BucketName: 'shared-datasets', StorageType: 'StandardStorage' });

    const withMetrics = DatasetStore.fromDatasetStoreAttributes(s, 'WithMetrics', { bucket, requestMetrics: true, zones: ['raw', 'labels'] });
    expect(metricShape(s, withMetrics.metricClientErrors('labels'))).toEqual({
      namespace: 'AWS/S3', metricName: '4xxErrors', dimensions: { BucketName: 'shared-datasets', FilterId: 'labels' },
      statistic: 'Sum', periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
    expectValidationError(() => withMetrics.metricClientErrors('features'), /unknown-zone/);
  });

  test('a bucket of another account and region: the metrics carry that account and region', () => {
    const s = stack();
    const bucket = s3.Bucket.fromBucketAttributes(s, 'B', { bucketName: 'central-datasets', account: '222222222222', region: 'us-east-1' });
    const store = DatasetStore.fromDatasetStoreAttributes(s, 'Central', { bucket, requestMetrics: true });
    expect(metricShape(s, store.metricGetRequests('features'))).toEqual({
      namespace: 'AWS/S3', metricName: 'GetRequests', dimensions: { BucketName: 'central-datasets', FilterId: 'features' },
      statistic: 'Sum', periodSeconds: 300, account: '222222222222', region: 'us-east-1',
    });
    expect(metricShape(s, store.metricNumberOfObjects())).toEqual(expect.objectContaining({ account: '222222222222', region: 'us-east-1' }));
  });

  test('in an environment-agnostic stack the metrics follow the deployment account and region', () => {
    const s = new Stack(new App(), 'Agnostic');
    const store = new DatasetStore(s, 'Data');
    const shape = metricShape(s, store.metricAllRequests());
    expect(shape.account).toBeUndefined();
    expect(shape.region).toBeUndefined();
  });
});
