import { ApiObject, Testing } from 'cdk8s';
import { DatasetVolumeSource, IChartCapability, IMlProjectChart, MlProjectChart } from '../../../lib';
import { expectValidationError } from '../../support/errors';

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };

describe('MlProjectChart', () => {
  test('restricted namespace, identity labels on every object, datasets in the namespace', () => {
    const app = Testing.app();
    const chart = new MlProjectChart(app, 'P', {
      identity,
      datasets: [{ name: 'features', source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'features/' }) }],
    });
    const objs = Testing.synth(chart);
    expect(objs.map((o) => o.kind).sort()).toEqual(['Namespace', 'PersistentVolume', 'PersistentVolumeClaim']);
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({
        'mlops-constructs.io/project': 'fraud-scoring',
        'mlops-constructs.io/team': 'risk-ml',
        'mlops-constructs.io/stage': 'prod',
        'mlops-constructs.io/cost-centre': 'CC-4711',
      });
    }
    const ns = objs.find((o) => o.kind === 'Namespace');
    expect(ns.metadata.name).toBe('fraud-scoring-prod');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(objs.find((o) => o.kind === 'PersistentVolume').metadata.namespace).toBeUndefined();
    expect(objs.find((o) => o.kind === 'PersistentVolumeClaim').metadata.namespace).toBe('fraud-scoring-prod');
    // the namespace is applied before the claims that live in it
    expect(objs.findIndex((o) => o.kind === 'Namespace')).toBeLessThan(objs.findIndex((o) => o.kind === 'PersistentVolumeClaim'));
    expect(chart.datasets.features.claimName).toBe('features');
  });

  test('custom namespace and addDataset', () => {
    const chart = new MlProjectChart(Testing.app(), 'P', { identity, namespace: 'risk-team' });
    chart.addDataset('raw', DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0' }));
    const pvc = Testing.synth(chart).find((o) => o.kind === 'PersistentVolumeClaim');
    expect(pvc.metadata).toMatchObject({ name: 'raw', namespace: 'risk-team' });
  });

  test('rejects bad identity and namespace', () => {
    expectValidationError(() => new MlProjectChart(Testing.app(), 'P', { identity: { ...identity, team: 'Risk ML' } }), /invalid-identity.*"team"/);
    expectValidationError(() => new MlProjectChart(Testing.app(), 'Q', { identity, namespace: 'Risk_Team' }), /invalid-name.*namespace/);
  });

  test('capabilities bind in order, after the datasets, in the chart, with the project view; a name binds once', () => {
    const seen: string[] = [];
    const capability = (name: string): IChartCapability => ({
      capabilityName: name,
      bind(project: IMlProjectChart) {
        seen.push(`${name}:${project.namespaceName}:${Object.keys(project.datasets).join(',')}`);
        new ApiObject(project.chart, `Marker-${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: project.namespaceName } });
      },
    });
    const chart = new MlProjectChart(Testing.app(), 'P', {
      identity,
      datasets: [{ name: 'features', source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'features/' }) }],
      capabilities: [capability('queues'), capability('jobs')],
    });
    expect(seen).toEqual(['queues:fraud-scoring-prod:features', 'jobs:fraud-scoring-prod:features']);
    const maps = Testing.synth(chart).filter((o) => o.kind === 'ConfigMap');
    expect(maps.map((o) => o.metadata.name)).toEqual(['queues', 'jobs']);
    // a capability's objects carry the project's labels like the chart's own
    expect(maps[0].metadata.labels['mlops-constructs.io/team']).toBe('risk-ml');
    expectValidationError(() => chart.addCapability(capability('jobs')), /duplicate-capability.*Received: "jobs"/);
    expect(seen).toHaveLength(2);
  });

  test('the namespace comes first in the YAML, before every object of the chart (capabilities\' included), so kubectl apply -f works', () => {
    const chart = new MlProjectChart(Testing.app(), 'P', { identity });
    // objects made after the namespace, and one nested in a construct of its own, in no particular order
    new ApiObject(chart, 'Queue', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: chart.namespaceName } });
    new ApiObject(chart, 'Pool', { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'gpu' } });
    chart.addDataset('features', DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'features/' }));
    const objects = Testing.synth(chart);
    expect(objects[0].kind).toBe('Namespace');
    expect(objects.filter((o) => o.kind === 'Namespace')).toHaveLength(1);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Namespace', 'NodePool', 'PersistentVolume', 'PersistentVolumeClaim']);
    // explicitly: every other API object depends on the namespace
    for (const c of chart.node.findAll()) {
      if (ApiObject.isApiObject(c) && c.kind !== 'Namespace') expect(c.node.dependencies).toContain(ApiObject.of(chart.projectNamespace));
    }
  });
});
