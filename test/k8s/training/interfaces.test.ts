/**
 * The Kubernetes constructs reach each other through their interfaces, never through a concrete
 * class: a team's own implementation of IClusterQueue, IResourceFlavor, ILocalQueue or
 * ITrainingRuntime is checked by what it exposes and ordered like the library's own, and
 * references (`fromXxx()`) keep working, in the chart or in another one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DatasetVolume, DatasetVolumeSource } from '../../../lib/k8s/data/dataset-volume';
import { ClusterQueue, IClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { IGpuNodePool } from '../../../lib/k8s/training/gpu-node-pool';
import { ILocalQueue, LocalQueue } from '../../../lib/k8s/training/local-queue';
import { IResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { ITrainingRuntime, TorchTrainingRuntime, TrainingRuntimeKind } from '../../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../../lib/k8s/training/train-job';
import { CheckpointStorage } from '../../../lib/k8s/training/training-job-options';
import { expectValidationError } from '../../support/errors';
import { chart, find, h100Pool, jobOptions, synth } from './fixtures';

/** A team's ClusterQueue: its own object, the namespaces it admits, no quota the library can read. */
class TeamClusterQueue extends Construct implements IClusterQueue {
  public readonly clusterQueueName = 'team-shared';
  public readonly namespaces = ['team-a'];
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ApiObject(this, 'Resource', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: this.clusterQueueName } });
  }
}

/** A team's ResourceFlavor, standing for a pool. */
class TeamFlavor extends Construct implements IResourceFlavor {
  public readonly flavorName = 'team-h100';
  constructor(scope: Construct, id: string, public readonly pool: IGpuNodePool) {
    super(scope, id);
    new ApiObject(this, 'Resource', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: this.flavorName } });
  }
}

/** A team's LocalQueue. */
class TeamLocalQueue extends Construct implements ILocalQueue {
  public readonly localQueueName = 'team-training';
  public readonly namespaceName = 'team-a';
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ApiObject(this, 'Resource', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: this.localQueueName, namespace: this.namespaceName } });
  }
}

/** A team's namespaced TrainingRuntime. */
class TeamRuntime extends Construct implements ITrainingRuntime {
  public readonly runtimeName = 'torch-team';
  public readonly runtimeKind = TrainingRuntimeKind.TRAINING_RUNTIME;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ApiObject(this, 'Resource', { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainingRuntime', metadata: { name: this.runtimeName, namespace: 'team-a' } });
  }
}

describe('own implementations of the interfaces', () => {
  test('a LocalQueue is checked against the namespaces an IClusterQueue exposes, and ordered after it', () => {
    const c = chart();
    const cq = new TeamClusterQueue(c, 'Cq');
    expectValidationError(() => new LocalQueue(c, 'Other', { clusterQueue: cq, namespaceName: 'team-b' }),
      /namespace-not-admitted.*ClusterQueue team-shared does not admit namespace team-b/);
    const lq = new LocalQueue(c, 'Lq', { clusterQueue: cq, namespaceName: 'team-a' });
    expect(lq.node.dependencies).toContain(cq);
    const kinds = synth(c).map((o) => o.kind);
    expect(kinds.indexOf('ClusterQueue')).toBeLessThan(kinds.indexOf('LocalQueue'));
  });

  test('a ClusterQueue is ordered after an IResourceFlavor of the chart', () => {
    const c = chart();
    const flavor = new TeamFlavor(c, 'Flavor', h100Pool(c));
    const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'], quotas: [{ flavor, accelerators: 16 }] });
    expect(cq.node.dependencies).toContain(flavor);
    expect(find(synth(c), 'ClusterQueue').spec.resourceGroups[0].flavors[0]).toMatchObject({ name: 'team-h100' });
  });

  test('a TrainJob is ordered after its ITrainingRuntime and ILocalQueue, and references the runtime by its kind', () => {
    const c = chart();
    h100Pool(c);
    const runtime = new TeamRuntime(c, 'Runtime');
    const queue = new TeamLocalQueue(c, 'Queue');
    const job = new TrainJob(c, 'Job', { ...jobOptions(), jobName: 'finetune', runtime, queue });
    expect(job.node.dependencies).toEqual(expect.arrayContaining([runtime, queue]));
    const objs = synth(c);
    const tj = find(objs, 'TrainJob');
    expect(tj.spec.runtimeRef).toEqual({ apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: 'torch-team' });
    expect(tj.metadata.labels).toEqual({ 'kueue.x-k8s.io/queue-name': 'team-training' });
    const kinds = objs.map((o) => o.kind);
    for (const kind of ['TrainingRuntime', 'LocalQueue']) expect(kinds.indexOf(kind)).toBeLessThan(kinds.indexOf('TrainJob'));
  });

  test('the quota of a ClusterQueue that exposes none is not checked (like a referenced one)', () => {
    const c = chart();
    h100Pool(c);
    const queue = new LocalQueue(c, 'Lq', { clusterQueue: new TeamClusterQueue(c, 'Cq'), namespaceName: 'team-a' });
    new TrainJob(c, 'Job', { ...jobOptions(), runtime: new TeamRuntime(c, 'Runtime'), queue });
    expect(() => synth(c)).not.toThrow();
    // The library's own ClusterQueue exposes its quota: without any, the same job is rejected.
    const d = chart();
    h100Pool(d);
    const own = new LocalQueue(d, 'Lq', { clusterQueue: new ClusterQueue(d, 'Cq', { clusterQueueName: 'empty', namespaces: ['team-a'] }), namespaceName: 'team-a' });
    new TrainJob(d, 'Job', { ...jobOptions(), runtime: new TeamRuntime(d, 'Runtime'), queue: own });
    expectValidationError(() => synth(d), /queue-has-no-quota.*ClusterQueue empty/);
  });
});

describe('references and charts', () => {
  test('references in the same chart: the job waits for nothing, its objects keep their order', () => {
    const c = chart();
    h100Pool(c);
    const cq = ClusterQueue.fromClusterQueueName(c, 'Cq', 'shared');
    const queue = LocalQueue.fromLocalQueueAttributes(c, 'Lq', { localQueueName: 'training', namespaceName: 'team-a', clusterQueue: cq });
    const runtime = TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Rt', 'torch-distributed');
    new TrainJob(c, 'Job', { ...jobOptions(), jobName: 'finetune', runtime, queue });
    new ApiObject(c, 'After', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', namespace: 'team-a' } });
    const objs = synth(c);
    expect(objs.map((o) => o.kind)).toEqual(['EC2NodeClass', 'NodePool', 'TrainJob', 'ConfigMap']);
    expect(find(objs, 'TrainJob').spec.runtimeRef).toEqual({ apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'torch-distributed' });
  });

  test('across charts: the library\'s objects order the charts, references in another chart do not', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-interfaces-'));
    try {
      const app = new App({ outdir });
      const shared = new Chart(app, 'shared');
      const team = new Chart(app, 'team');
      h100Pool(team);
      const referenced = ClusterQueue.fromClusterQueueName(shared, 'Cq', 'shared');
      const runtime = TorchTrainingRuntime.fromClusterTrainingRuntimeName(shared, 'Rt', 'torch-distributed');
      const lq = new LocalQueue(team, 'Lq', { clusterQueue: referenced, namespaceName: 'team-a' });
      const job = new TrainJob(team, 'Job', { ...jobOptions(), runtime, queue: lq });
      expect(lq.node.dependencies).toEqual([]);
      expect(job.node.dependencies).not.toContain(runtime);
      app.synth();
      expect(fs.readdirSync(outdir).sort()).toEqual(['shared.k8s.yaml', 'team.k8s.yaml']);

      // A ClusterQueue defined in the other chart: the LocalQueue waits for it, so the charts are ordered.
      const ordered = new App({ outdir: path.join(outdir, 'ordered') });
      const cluster = new Chart(ordered, 'cluster');
      const project = new Chart(ordered, 'project');
      const cq = new ClusterQueue(cluster, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'] });
      expect(new LocalQueue(project, 'Lq', { clusterQueue: cq, namespaceName: 'team-a' }).node.dependencies).toContain(cq);
      ordered.synth();
      expect(fs.readdirSync(path.join(outdir, 'ordered')).sort()).toEqual(['0000-cluster.k8s.yaml', '0001-project.k8s.yaml']);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('a job made inside its runtime does not depend on it (an ancestor)', () => {
    const c = chart();
    h100Pool(c);
    const runtime = new TeamRuntime(c, 'Runtime');
    const job = new TrainJob(runtime, 'Job', { ...jobOptions(), runtime });
    expect(job.node.dependencies).toEqual([]);
    expect(synth(c).map((o) => o.kind)).toEqual(['EC2NodeClass', 'NodePool', 'TrainingRuntime', 'TrainJob']);
  });
});

describe('DatasetVolume.isDatasetVolume', () => {
  test('true for dataset volumes only, marked across copies of the library', () => {
    const c = chart();
    const volume = new DatasetVolume(c, 'Data', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), namespaceName: 'team-a', claimName: 'features' });
    expect(DatasetVolume.isDatasetVolume(volume)).toBe(true);
    expect(DatasetVolume.isDatasetVolume(new Construct(c, 'Other'))).toBe(false);
    expect(DatasetVolume.isDatasetVolume(undefined)).toBe(false);
    expect(Symbol.for('mlops-constructs.k8s.DatasetVolume') in volume).toBe(true);
  });

  test('the checkpoint claim is checked against dataset volumes found by the mark', () => {
    const c = chart();
    h100Pool(c);
    new DatasetVolume(c, 'Data', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), namespaceName: 'team-a', claimName: 'features' });
    new TrainJob(c, 'Job', { ...jobOptions({ checkpoints: CheckpointStorage.persistentVolumeClaim('features') }), runtime: new TeamRuntime(c, 'Runtime') });
    expectValidationError(() => synth(c), /checkpoint-dataset-conflict.*writes checkpoints to claim team-a\/features/);
  });
});
