/**
 * Every explicit dependency the Kubernetes constructs add (the apply order a GitOps controller
 * follows), asserted on the construct tree: a test of the synthesized order alone still passes
 * when a dependency is dropped and the objects happen to be created in the right order.
 */
import { Testing } from 'cdk8s';
import { IConstruct } from 'constructs';
import { DatasetVolume, DatasetVolumeSource } from '../../../lib/k8s/data/dataset-volume';
import { MlProjectChart } from '../../../lib/k8s/templates/ml-project-chart';
import { ClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { IndexedTrainingJob } from '../../../lib/k8s/training/indexed-training-job';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { TorchTrainingRuntime } from '../../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../../lib/k8s/training/train-job';
import { chart, h100Pool, jobOptions } from './fixtures';

function setup() {
  const c = chart();
  const pool = h100Pool(c);
  const flavor = new ResourceFlavor(c, 'Flavor', { pool });
  const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'], quotas: [{ flavor, accelerators: 32 }] });
  const queue = new LocalQueue(c, 'Queue', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'training' });
  const runtime = new TorchTrainingRuntime(c, 'Torch', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch-secure' });
  const dataset = new DatasetVolume(c, 'Features', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), namespaceName: 'team-a', claimName: 'features' });
  return { c, pool, flavor, cq, queue, runtime, dataset };
}

const dependenciesOf = (c: IConstruct) => c.node.dependencies;

describe('explicit dependencies of the Kubernetes constructs', () => {
  test('a NodePool depends on its EC2NodeClass', () => {
    const { pool } = setup();
    expect(dependenciesOf(pool.nodePool)).toContain(pool.nodeClass);
  });

  test('a ClusterQueue depends on its ResourceFlavors; a LocalQueue on its ClusterQueue', () => {
    const { flavor, cq, queue } = setup();
    expect(dependenciesOf(cq)).toContain(flavor);
    expect(dependenciesOf(queue)).toContain(cq);
  });

  test('a TrainJob depends on its runtime, its LocalQueue and its dataset claim', () => {
    const { c, queue, runtime, dataset } = setup();
    const job = new TrainJob(c, 'Finetune', { ...jobOptions(), jobName: 'llm-finetune', runtime, dataset, queue });
    expect(dependenciesOf(job)).toEqual(expect.arrayContaining([runtime, queue, dataset]));
  });

  test('an indexed Job depends on its rendezvous Service, its LocalQueue and its dataset claim', () => {
    const { c, queue, dataset } = setup();
    const job = new IndexedTrainingJob(c, 'Train', { ...jobOptions(), jobName: 'fraud-train', queue, dataset });
    expect(job.service).toBeDefined();
    expect(dependenciesOf(job.job)).toContain(job.service);
    expect(dependenciesOf(job)).toEqual(expect.arrayContaining([queue, dataset]));
  });

  test('a project chart\'s dataset volumes depend on the project namespace', () => {
    const chart = new MlProjectChart(Testing.app(), 'P', {
      identity: { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' },
      datasets: [{ name: 'features', source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'features/' }) }],
    });
    const volume = chart.addDataset('raw', DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'raw/' }));
    expect(dependenciesOf(chart.datasets.features)).toContain(chart.projectNamespace);
    expect(dependenciesOf(volume)).toContain(chart.projectNamespace);
  });
});
