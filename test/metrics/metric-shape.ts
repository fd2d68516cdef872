import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** What a metric queries, with its dimension values resolved in `stack` (tokens become Ref / GetAtt). */
export interface MetricShape {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, unknown>;
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly account?: string;
  readonly region?: string;
}

export function metricShape(stack: Stack, metric: cloudwatch.Metric): MetricShape {
  const stat = metric.toMetricConfig().metricStat!;
  const shape: Record<string, unknown> = {
    namespace: stat.namespace,
    metricName: stat.metricName,
    dimensions: Object.fromEntries((stat.dimensions ?? []).map((d) => [d.name, stack.resolve(d.value)])),
    statistic: stat.statistic,
    periodSeconds: stat.period.toSeconds(),
  };
  if (stat.account !== undefined) shape.account = stat.account;
  if (stat.region !== undefined) shape.region = stat.region;
  return shape as unknown as MetricShape;
}

/**
 * The `AWS::CloudWatch::Alarm` properties an alarm on `metric` renders in `stack`: proves the metric
 * is usable as monitoring will use it (dimensions, statistic and period as CloudFormation sees them).
 */
export function alarmProperties(stack: Stack, metric: cloudwatch.Metric, id: string): Record<string, unknown> {
  metric.createAlarm(stack, id, { threshold: 1, evaluationPeriods: 1 });
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
  const entry = Object.entries(alarms).find(([logicalId]) => logicalId.startsWith(id));
  if (!entry) throw new Error(`no alarm ${id}`);
  return entry[1].Properties;
}
