import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  AcceleratorInstanceType, DatasetStore, GpuCluster, GpuClusterMetricNames, IGpuCluster, ITrainingTemplate, ModelRegistry, ProjectNetwork,
  SageMakerTrainingTemplate, TrainingInput, TrainingJobMetricNames,
} from '../../lib';
import { expectValidationError } from '../support/errors';
import { alarmProperties, metricShape } from './metric-shape';

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
}

describe('SageMakerTrainingTemplate metrics', () => {
  const s = stack();
  const network = new ProjectNetwork(s, 'Net');
  const store = new DatasetStore(s, 'Data');
  const registry = new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', notifications: false });
  const template: ITrainingTemplate = new SageMakerTrainingTemplate(s, 'Train', {
    inputs: [TrainingInput.fromZone(store, 'features')],
    registry, imageTag: '2026-11-25', instanceType: AcceleratorInstanceType.G6E_12XLARGE, instanceCount: 2, vpc: network.vpc,
    metrics: [{ name: 'validation:auc', regex: 'val_auc=([0-9.]+)' }, { name: 'train:loss', regex: 'loss=([0-9.]+)' }],
  });

  const instanceMetrics: Array<[string, string, (t: ITrainingTemplate, job: string, instance?: number) => cloudwatch.Metric]> = [
    ['metricCpuUtilization', 'CPUUtilization', (t, job, instance) => t.metricCpuUtilization(job, { instance })],
    ['metricMemoryUtilization', 'MemoryUtilization', (t, job, instance) => t.metricMemoryUtilization(job, { instance })],
    ['metricGpuUtilization', 'GPUUtilization', (t, job, instance) => t.metricGpuUtilization(job, { instance })],
    ['metricGpuMemoryUtilization', 'GPUMemoryUtilization', (t, job, instance) => t.metricGpuMemoryUtilization(job, { instance })],
    ['metricDiskUtilization', 'DiskUtilization', (t, job, instance) => t.metricDiskUtilization(job, { instance })],
  ];

  test.each(instanceMetrics)('%s: /aws/sagemaker/TrainingJobs %s, Host <job>/algo-<n>, Average over 5 minutes', (_, name, metricOf) => {
    expect(metricShape(s, metricOf(template, 'fraud-train-2026-11-25'))).toEqual({
      namespace: '/aws/sagemaker/TrainingJobs', metricName: name, dimensions: { Host: 'fraud-train-2026-11-25/algo-1' },
      statistic: 'Average', periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
    expect(metricShape(s, metricOf(template, 'fraud-train-2026-11-25', 2)).dimensions).toEqual({ Host: 'fraud-train-2026-11-25/algo-2' });
  });

  test('the named metrics use the names of TrainingJobMetricNames', () => {
    expect(instanceMetrics.map(([, name]) => name)).toEqual([
      TrainingJobMetricNames.CPU_UTILIZATION, TrainingJobMetricNames.MEMORY_UTILIZATION, TrainingJobMetricNames.GPU_UTILIZATION,
      TrainingJobMetricNames.GPU_MEMORY_UTILIZATION, TrainingJobMetricNames.DISK_UTILIZATION,
    ]);
    expect(TrainingJobMetricNames.METRIC_NAMESPACE).toBe('/aws/sagemaker/TrainingJobs');
  });

  test('an instance the jobs do not have, or a job name SageMaker rejects, is refused', () => {
    for (const instance of [0, 3, 1.5, -1]) {
      expectValidationError(() => template.metricGpuUtilization('fraud-train', { instance }), /invalid-instance/);
    }
    expectValidationError(() => template.metricGpuUtilization('fraud_train'), /invalid-name/);
    expectValidationError(() => template.metricInstance(TrainingJobMetricNames.CPU_UTILIZATION, 'x'.repeat(64)), /invalid-name/);
  });

  test('metricInstance(): by name; the options override statistic and period (and are not dimensions)', () => {
    const m = template.metricInstance(TrainingJobMetricNames.GPU_UTILIZATION, 'fraud-train', { instance: 2, statistic: 'Minimum', period: Duration.minutes(1) });
    expect(metricShape(s, m)).toEqual({
      namespace: '/aws/sagemaker/TrainingJobs', metricName: 'GPUUtilization', dimensions: { Host: 'fraud-train/algo-2' },
      statistic: 'Minimum', periodSeconds: 60, account: '111111111111', region: 'eu-west-1',
    });
  });

  test('metricTrainingMetric: a declared metric, dimension TrainingJobName, Average over 1 minute', () => {
    expect(template.trainingMetricNames).toEqual(['validation:auc', 'train:loss']);
    expect(metricShape(s, template.metricTrainingMetric('validation:auc', 'fraud-train'))).toEqual({
      namespace: '/aws/sagemaker/TrainingJobs', metricName: 'validation:auc', dimensions: { TrainingJobName: 'fraud-train' },
      statistic: 'Average', periodSeconds: 60, account: '111111111111', region: 'eu-west-1',
    });
    expect(metricShape(s, template.metricTrainingMetric('train:loss', 'fraud-train', { statistic: 'Minimum' })).statistic).toBe('Minimum');
    expect(alarmProperties(s, template.metricTrainingMetric('validation:auc', 'fraud-train'), 'Auc')).toEqual(expect.objectContaining({
      Namespace: '/aws/sagemaker/TrainingJobs', MetricName: 'validation:auc', Statistic: 'Average', Period: 60,
      Dimensions: [{ Name: 'TrainingJobName', Value: 'fraud-train' }],
    }));
  });

  test('metricTrainingMetric refuses a metric the template does not declare (SageMaker would publish nothing)', () => {
    const err = expectValidationError(() => template.metricTrainingMetric('validation:f1', 'fraud-train'), /unknown-training-metric/);
    expect(err.fix).toContain('validation:auc');
    expectValidationError(() => template.metricTrainingMetric('validation:auc', 'bad_name'), /invalid-name/);
  });

  test('a template without metrics declares none, and says how to declare one', () => {
    const s2 = stack();
    const net2 = new ProjectNetwork(s2, 'Net');
    const store2 = new DatasetStore(s2, 'Data');
    const plain = new SageMakerTrainingTemplate(s2, 'Train', {
      inputs: [TrainingInput.fromZone(store2, 'features')],
      registry: new ModelRegistry(s2, 'Registry', { modelPackageGroupName: 'fraud', notifications: false }),
      imageTag: 'v1', instanceType: AcceleratorInstanceType.G6E_XLARGE, vpc: net2.vpc,
    });
    expect(plain.trainingMetricNames).toEqual([]);
    const err = expectValidationError(() => plain.metricTrainingMetric('validation:auc', 'job'), /unknown-training-metric/);
    expect(err.fix).toContain('metrics');
    expectValidationError(() => plain.metricCpuUtilization('job', { instance: 2 }), /invalid-instance/);
  });
});

describe('GpuCluster metrics', () => {
  const s = stack();
  const network = new ProjectNetwork(s, 'Net');
  const created = new GpuCluster(s, 'Gpu', { vpc: network.vpc, clusterName: 'ml-training' });
  const imported = GpuCluster.fromGpuClusterAttributes(s, 'Imported', { clusterName: 'shared-training' });

  const named: Array<[string, string, string, (c: IGpuCluster) => cloudwatch.Metric]> = [
    ['metricPendingPods', 'scheduler_pending_pods', 'Sum', (c) => c.metricPendingPods()],
    ['metricUnschedulablePods', 'scheduler_pending_pods_UNSCHEDULABLE', 'Sum', (c) => c.metricUnschedulablePods()],
    ['metricUnschedulableAttempts', 'scheduler_schedule_attempts_UNSCHEDULABLE', 'Sum', (c) => c.metricUnschedulableAttempts()],
    ['metricSchedulingErrors', 'scheduler_schedule_attempts_ERROR', 'Sum', (c) => c.metricSchedulingErrors()],
    ['metricApiServerRequests', 'apiserver_request_total', 'Sum', (c) => c.metricApiServerRequests()],
    ['metricApiServerErrors', 'apiserver_request_total_5XX', 'Sum', (c) => c.metricApiServerErrors()],
    ['metricApiServerThrottledRequests', 'apiserver_request_total_429', 'Sum', (c) => c.metricApiServerThrottledRequests()],
    ['metricEtcdStorageSize', 'apiserver_storage_size_bytes', 'Maximum', (c) => c.metricEtcdStorageSize()],
  ];

  test.each(named)('%s: AWS/EKS %s, ClusterName, %s over 1 minute, created and imported', (_, name, statistic, metricOf) => {
    expect(metricShape(s, metricOf(created))).toEqual({
      namespace: 'AWS/EKS', metricName: name, dimensions: { ClusterName: 'ml-training' },
      statistic, periodSeconds: 60, account: '111111111111', region: 'eu-west-1',
    });
    expect(metricShape(s, metricOf(imported))).toEqual({
      namespace: 'AWS/EKS', metricName: name, dimensions: { ClusterName: 'shared-training' },
      statistic, periodSeconds: 60, account: '111111111111', region: 'eu-west-1',
    });
  });

  test('the named metrics use the names of GpuClusterMetricNames', () => {
    expect(named.map(([, name]) => name)).toEqual([
      GpuClusterMetricNames.SCHEDULER_PENDING_PODS, GpuClusterMetricNames.SCHEDULER_PENDING_PODS_UNSCHEDULABLE,
      GpuClusterMetricNames.SCHEDULER_SCHEDULE_ATTEMPTS_UNSCHEDULABLE, GpuClusterMetricNames.SCHEDULER_SCHEDULE_ATTEMPTS_ERROR,
      GpuClusterMetricNames.APISERVER_REQUEST_TOTAL, GpuClusterMetricNames.APISERVER_REQUEST_TOTAL_5XX,
      GpuClusterMetricNames.APISERVER_REQUEST_TOTAL_429, GpuClusterMetricNames.APISERVER_STORAGE_SIZE_BYTES,
    ]);
    expect(GpuClusterMetricNames.METRIC_NAMESPACE).toBe('AWS/EKS');
  });

  test('metric(): any vended EKS metric by name; the options override the defaults', () => {
    expect(metricShape(s, created.metric('apiserver_request_total_4XX', { statistic: 'Average', period: Duration.minutes(5) }))).toEqual({
      namespace: 'AWS/EKS', metricName: 'apiserver_request_total_4XX', dimensions: { ClusterName: 'ml-training' },
      statistic: 'Average', periodSeconds: 300, account: '111111111111', region: 'eu-west-1',
    });
  });

  test('an alarm on unschedulable pods renders the cluster name', () => {
    expect(alarmProperties(s, created.metricUnschedulablePods(), 'Unschedulable')).toEqual(expect.objectContaining({
      Namespace: 'AWS/EKS', MetricName: 'scheduler_pending_pods_UNSCHEDULABLE', Statistic: 'Sum', Period: 60,
      Dimensions: [{ Name: 'ClusterName', Value: 'ml-training' }],
    }));
  });
});
