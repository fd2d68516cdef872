/**
 * Kubernetes input that used to synthesize and would then fail on apply, or silently overwrite
 * another object: duplicate objects, checkpoint claims that are dataset claims, invalid image
 * references, pod failure policies the API server rejects, system namespaces, names, taints.
 */
import { ApiObject, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AcceleratorInstanceType } from '../../lib/core/accelerators';
import { Accelerator } from '../../lib/k8s/core/accelerators';
import { k8s } from '../../lib/k8s/core/plus';
import { imageProblem } from '../../lib/k8s/core/validation';
import { DatasetVolume, DatasetVolumeSource } from '../../lib/k8s/data/dataset-volume';
import { MlProjectChart } from '../../lib/k8s/templates/ml-project-chart';
import { CheckpointVolume } from '../../lib/k8s/training/checkpoint-volume';
import { ClusterQueue } from '../../lib/k8s/training/cluster-queue';
import { GpuNodePool } from '../../lib/k8s/training/gpu-node-pool';
import { IndexedTrainingJob } from '../../lib/k8s/training/indexed-training-job';
import { LocalQueue } from '../../lib/k8s/training/local-queue';
import { ResourceFlavor } from '../../lib/k8s/training/resource-flavor';
import { TorchTrainingRuntime } from '../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../lib/k8s/training/train-job';
import { CheckpointStorage, TrainingJobOptions } from '../../lib/k8s/training/training-job-options';
import { WorkloadPriorityClass } from '../../lib/k8s/training/workload-priority-class';
import { expectValidationError } from '../support/errors';
import { chart, h100Pool, jobOptions, POOL_NETWORK } from '../k8s/training/fixtures';

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };
const S3 = DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'features/' });
const HEX64 = '0123456789abcdef'.repeat(4);

/** A chart in namespace team-a with an H100 pool, so that jobs are schedulable. */
function trainingChart(): Chart {
  const c = chart('team-a');
  h100Pool(c);
  return c;
}

function pool(scope: Construct, id: string, nodePoolName: string): GpuNodePool {
  return new GpuNodePool(scope, id, { nodePoolName, instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 8, ...POOL_NETWORK });
}

function ckptVolume(scope: Construct, id: string, namespaceName: string, claimName?: string): CheckpointVolume {
  return new CheckpointVolume(scope, id, { region: 'eu-west-1', namespaceName, bucketName: 'fraud-datasets', prefix: 'checkpoints/', claimName });
}

type Make = (c: Chart, id: string) => unknown;

describe('duplicate-object: two objects of one identity in a chart fail the synth, whichever comes first', () => {
  const cq = (name: string, namespaces = ['team-a']): Make => (c, id) => new ClusterQueue(c, id, { clusterQueueName: name, namespaces });
  const raw = (apiVersion: string, kind: string, name: string, namespace?: string): Make => (c, id) => new ApiObject(c, id, { apiVersion, kind, metadata: { name, namespace } });
  // [what, first construct, second construct, object the message names]
  const cases: [string, Make, Make, string][] = [
    ['node pools', (c, id) => pool(c, id, 'gpu-l40s'), (c, id) => pool(c, id, 'gpu-l40s'), 'EC2NodeClass gpu-l40s'],
    ['a node pool and a hand-written NodePool', (c, id) => pool(c, id, 'gpu-l40s'), raw('karpenter.sh/v1', 'NodePool', 'gpu-l40s'), 'NodePool gpu-l40s'],
    ['resource flavors', (c, id) => new ResourceFlavor(c, id, { flavorName: 'l40s', nodeLabels: { pool: 'l40s' } }), (c, id) => new ResourceFlavor(c, id, { flavorName: 'l40s', nodeLabels: { pool: 'other' } }), 'ResourceFlavor l40s'],
    ['cluster queues (admitting different namespaces)', cq('team'), cq('team', ['team-b']), 'ClusterQueue team'],
    ['a cluster queue and a v1beta1 one (the version does not count)', cq('team'), raw('kueue.x-k8s.io/v1beta1', 'ClusterQueue', 'team'), 'ClusterQueue team'],
    ['local queues of one namespace', (c, id) => new LocalQueue(c, id, { clusterQueue: ClusterQueue.fromClusterQueueName(c, `${id}Cq`, 'team'), namespaceName: 'team-a', localQueueName: 'training' }),
      (c, id) => new LocalQueue(c, id, { clusterQueue: ClusterQueue.fromClusterQueueName(c, `${id}Cq`, 'other'), namespaceName: 'team-a', localQueueName: 'training' }), 'LocalQueue team-a/training'],
    ['priority classes', (c, id) => new WorkloadPriorityClass(c, id, { priorityClassName: 'urgent', value: 1000 }), (c, id) => new WorkloadPriorityClass(c, id, { priorityClassName: 'urgent', value: 10 }), 'WorkloadPriorityClass urgent'],
    ['training runtimes', (c, id) => new TorchTrainingRuntime(c, id, { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch' }), (c, id) => new TorchTrainingRuntime(c, id, { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch', maxRestarts: 1 }), 'ClusterTrainingRuntime torch'],
    ['dataset volumes of one claim', (c, id) => new DatasetVolume(c, id, { source: S3, namespaceName: 'team-a', claimName: 'features' }),
      (c, id) => new DatasetVolume(c, id, { source: DatasetVolumeSource.efs({ fileSystemId: 'fs-0123456789abcdef0' }), namespaceName: 'team-a', claimName: 'features' }), 'PersistentVolume team-a-features'],
    ['persistent volumes of claims in different namespaces (cluster-scoped: the name alone counts)', (c, id) => new DatasetVolume(c, id, { source: S3, namespaceName: 'team-a', claimName: 'raw-x' }),
      (c, id) => new DatasetVolume(c, id, { source: S3, namespaceName: 'team-a-raw', claimName: 'x' }), 'PersistentVolume team-a-raw-x'],
    ['checkpoint volumes', (c, id) => ckptVolume(c, id, 'team-a'), (c, id) => ckptVolume(c, id, 'team-a'), 'PersistentVolume team-a-checkpoints'],
    ['a dataset claim and a hand-written claim', (c, id) => new DatasetVolume(c, id, { source: S3, namespaceName: 'team-a', claimName: 'features' }), raw('v1', 'PersistentVolumeClaim', 'features', 'team-a'), 'PersistentVolumeClaim team-a/features'],
    ['train jobs', (c, id) => new TrainJob(c, id, { ...jobOptions(), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, `${id}Rt`, 'torch'), jobName: 'finetune' }),
      (c, id) => new TrainJob(c, id, { ...jobOptions({ nodes: 1 }), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, `${id}Rt`, 'torch'), jobName: 'finetune' }), 'TrainJob team-a/finetune'],
    ['indexed jobs (their rendezvous services first)', (c, id) => new IndexedTrainingJob(c, id, { ...jobOptions(), jobName: 'train' }), (c, id) => new IndexedTrainingJob(c, id, { ...jobOptions(), jobName: 'train' }), 'Service team-a/train'],
    ['an indexed job and a hand-written Job', (c, id) => new IndexedTrainingJob(c, id, { ...jobOptions({ nodes: 1, accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100' }) }), jobName: 'train' }),
      (c, id) => new kplus.Job(c, id, { metadata: { name: 'train', namespace: 'team-a' }, containers: [{ image: 'trainer:1.0' }] }), 'Job team-a/train'],
  ];

  describe.each(cases)('%s', (_what, makeA, makeB, object) => {
    test.each([['A first', [makeA, makeB]], ['B first', [makeB, makeA]]] as const)('%s', (_order, makers) => {
      const c = trainingChart();
      makers[0](c, 'First');
      makers[1](c, 'Second');
      const err = expectValidationError(() => Testing.synth(c), new RegExp(`duplicate-object.*${object.replace(/[/.]/g, '\\$&')} is defined twice(?=.*Test/First)(?=.*Test/Second)`));
      expect(err.constructPath).toMatch(/^Test\/Second/);
    });
  });

  test('the project namespace and a hand-written Namespace of the same name', () => {
    const c = new MlProjectChart(Testing.app(), 'P', { identity });
    new kplus.Namespace(c, 'Extra', { metadata: { name: 'fraud-scoring-prod' } });
    expectValidationError(() => Testing.synth(c), /duplicate-object.*Namespace fraud-scoring-prod is defined twice.*by P\/Namespace and by P\/Extra; Namespace names are unique in the cluster/);
  });

  test.each([
    ['one name in two namespaces', (c: Chart) => {
      const cq = ClusterQueue.fromClusterQueueName(c, 'Cq', 'team');
      new LocalQueue(c, 'A', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'training' });
      new LocalQueue(c, 'B', { clusterQueue: cq, namespaceName: 'team-b', localQueueName: 'training' });
    }],
    ['one name for objects of different kinds', (c: Chart) => {
      const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'team', namespaces: ['team-a'] });
      new LocalQueue(c, 'Lq', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'team' });
      new WorkloadPriorityClass(c, 'P', { priorityClassName: 'team', value: 1 });
    }],
    ['a flavor named after its pool (the default)', (c: Chart) => {
      new ResourceFlavor(c, 'F', { pool: pool(c, 'L40S', 'gpu-l40s') });
    }],
    ['one dataset claim name in two namespaces', (c: Chart) => {
      new DatasetVolume(c, 'A', { source: S3, namespaceName: 'team-a', claimName: 'features' });
      new DatasetVolume(c, 'B', { source: S3, namespaceName: 'team-b', claimName: 'features' });
    }],
    ['jobs of one name in two namespaces', (c: Chart) => {
      new IndexedTrainingJob(c, 'A', { ...jobOptions(), jobName: 'train' });
      new IndexedTrainingJob(c, 'B', { ...jobOptions({ namespaceName: 'team-b' }), jobName: 'train' });
    }],
  ])('passes: %s', (_what, build) => {
    const c = trainingChart();
    build(c);
    expect(() => Testing.synth(c)).not.toThrow();
  });

  test('objects of two charts are checked per chart (charts may target different clusters)', () => {
    const app = Testing.app();
    pool(new Chart(app, 'ClusterA'), 'L40S', 'gpu-l40s');
    pool(new Chart(app, 'ClusterB'), 'L40S', 'gpu-l40s');
    expect(() => app.synthYaml()).not.toThrow();
  });
});

describe('checkpoint-dataset-conflict: checkpoints never go to a dataset claim', () => {
  const dataset = (c: Chart, id: string, claimName = 'features'): DatasetVolume => new DatasetVolume(c, id, { source: S3, namespaceName: 'team-a', claimName });

  test.each([
    ['the dataset first', (c: Chart) => { dataset(c, 'Data'); ckptVolume(c, 'Ckpt', 'team-a', 'features'); }, 'Test/Ckpt'],
    ['the checkpoint volume first', (c: Chart) => { ckptVolume(c, 'Ckpt', 'team-a', 'features'); dataset(c, 'Data'); }, 'Test/Data'],
  ])('a CheckpointVolume with the claim of a DatasetVolume, %s', (_order, build, scope) => {
    const c = chart('team-a');
    build(c);
    const err = expectValidationError(() => Testing.synth(c), /checkpoint-dataset-conflict.*checkpoint volume Test\/Ckpt|checkpoint-dataset-conflict.*dataset volume Test\/Data.*checkpoint volume Test\/Ckpt/);
    expect(err.message).toMatch(/team-a-features/);
    expect(err.constructPath).toBe(scope);
  });

  test('a project dataset named "checkpoints" and a CheckpointVolume with the default claim', () => {
    const c = new MlProjectChart(Testing.app(), 'P', { identity });
    c.addDataset('checkpoints', S3);
    new CheckpointVolume(c, 'Ckpt', { region: 'eu-west-1', namespaceName: c.namespaceName, bucketName: 'fraud-datasets', prefix: 'checkpoints/' });
    expectValidationError(() => Testing.synth(c), /checkpoint-dataset-conflict.*dataset volume P\/Dataset-checkpoints and checkpoint volume P\/Ckpt/);
  });

  test('passes: the same claim name in another namespace', () => {
    const c = chart('team-a');
    dataset(c, 'Data');
    ckptVolume(c, 'Ckpt', 'team-b', 'features');
    expect(() => Testing.synth(c)).not.toThrow();
  });

  test('a job whose checkpoint claim is its own dataset claim (at construction)', () => {
    const c = trainingChart();
    const data = dataset(c, 'Data');
    expectValidationError(() => new IndexedTrainingJob(c, 'Job', { ...jobOptions({ dataset: data, checkpoints: CheckpointStorage.persistentVolumeClaim('features') }) }),
      /checkpoint-dataset-conflict.*claim "features", the claim of the dataset/);
    expectValidationError(() => new TrainJob(c, 'Tj', { ...jobOptions({ dataset: data, checkpoints: CheckpointStorage.persistentVolumeClaim('features') }), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Rt', 'torch') }),
      /checkpoint-dataset-conflict.*claim "features"/);
  });

  test.each([
    ['without a dataset of its own', {}],
    ['with another dataset', { datasetClaim: 'features' }],
  ])('a job whose checkpoint claim is another dataset volume of the chart, %s, created after the job', (_what, opts: { datasetClaim?: string }) => {
    const c = trainingChart();
    const own = opts.datasetClaim ? dataset(c, 'Own', opts.datasetClaim) : undefined;
    new IndexedTrainingJob(c, 'Job', { ...jobOptions({ dataset: own, checkpoints: CheckpointStorage.persistentVolumeClaim('raw') }), jobName: 'train' });
    dataset(c, 'Raw', 'raw');
    expectValidationError(() => Testing.synth(c), /checkpoint-dataset-conflict.*Job train writes checkpoints to claim team-a\/raw, which is dataset volume Test\/Raw/);
  });

  test('passes: a checkpoint claim named like a dataset of another namespace', () => {
    const c = trainingChart();
    new DatasetVolume(c, 'Raw', { source: S3, namespaceName: 'team-b', claimName: 'raw' });
    new IndexedTrainingJob(c, 'Job', { ...jobOptions({ checkpoints: CheckpointStorage.persistentVolumeClaim('raw') }) });
    expect(() => Testing.synth(c)).not.toThrow();
  });

  test.each([
    ['/data', '/data', /dataset features at \/data and the checkpoints at \/data\./],
    ['/data/', '/data', /dataset features at \/data and the checkpoints at \/data\./],
    ['/data//ckpt', '/data', /the checkpoints at \/data\/ckpt and dataset features at \/data/],
    ['/ckpt', '/ckpt/data', /dataset features at \/ckpt\/data and the checkpoints at \/ckpt/],
    ['/ckpt', '/', /dataset features at \//],
    ['/tmp/ckpt', '/data', /the checkpoints at \/tmp\/ckpt and volume tmp at \/tmp/],
  ])('invalid-mount-path: checkpoints at %s, dataset at %s', (ckptPath, dataPath, detail) => {
    const c = trainingChart();
    const data = dataset(c, 'Data');
    const err = expectValidationError(() => new IndexedTrainingJob(c, 'Job', { ...jobOptions({ dataset: data, datasetMount: { path: dataPath }, checkpoints: CheckpointStorage.persistentVolumeClaim('checkpoints', { path: ckptPath }) }) }),
      /invalid-mount-path.*same or nested paths/);
    expect(err.message).toMatch(detail);
  });

  test.each([['/data2', '/data'], ['/checkpoints', '/data'], ['/data-ckpt', '/data']])('passes: checkpoints at %s, dataset at %s', (ckptPath, dataPath) => {
    const c = trainingChart();
    const data = dataset(c, 'Data');
    new IndexedTrainingJob(c, 'Job', { ...jobOptions({ dataset: data, datasetMount: { path: dataPath }, checkpoints: CheckpointStorage.persistentVolumeClaim('checkpoints', { path: ckptPath }) }) });
    expect(() => Testing.synth(c)).not.toThrow();
  });
});

describe('image references (Docker reference grammar, pinned)', () => {
  const VALID = [
    'pytorch/pytorch:2.7.1-cuda12.6-cudnn9-runtime',
    'python:3',
    'localhost:5000/trainer:1',
    'localhost/trainer:1',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/trainer:1.4.2',
    `ghcr.io/org/trainer@sha256:${HEX64}`,
    `trainer:1.4.2@sha256:${HEX64}`,
    `trainer@sha512:${HEX64.repeat(2)}`,
    `trainer:${'x'.repeat(128)}`,
    'trainer:_rc1',
    'trainer:V1.0',
    '[::1]:5000/trainer:1',
    'a__b/c---d/e.f_g:1',
    'MyRegistry.Example.com/trainer:1',
    `${'a'.repeat(255)}:1`,
    'nvcr.io/nvidia/pytorch:24.01-py3',
    'docker.io/library/python:3.12',
    // ECR pull-through cache: the upstream path under the cache prefix.
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/python:3.12-slim',
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/trainer:1',
    'public.ecr.aws/neuron/pytorch-training-neuronx:2.1.2-neuronx-py310-sdk2.20.0-ubuntu20.04',
    'registry.example.com:5000/team/trainer:1',
    '10.0.0.5:5000/trainer:1',
    'trainer:latest',
  ];
  const INVALID: [string, RegExp][] = [
    ['Trainer:1.0', /path component "Trainer" with uppercase letters/],
    ['team/Trainer:1', /path component "Trainer" with uppercase letters/],
    ['docker.io/Library/python:3', /path component "Library" with uppercase letters/],
    ['trainer', /not pinned by a tag or a digest/],
    ['registry.example.com:5000/trainer', /not pinned/],
    ['trainer:', /tag ""/],
    [`trainer:${'x'.repeat(129)}`, /tag "x{129}"/],
    ['trainer:.1', /tag "\.1"/],
    ['trainer:-1', /tag "-1"/],
    ['trainer:1:2', /tag "1:2"/],
    ['trainer:1+build', /tag "1\+build"/],
    [`trainer@sha256:${HEX64.slice(1)}`, /digest "sha256:/],
    [`trainer@sha256:${HEX64}0`, /digest/],
    [`trainer@sha256:${HEX64.toUpperCase()}`, /digest/],
    [`trainer@md5:${HEX64}`, /digest "md5:/],
    [`trainer@${HEX64}`, /digest/],
    [`trainer@sha256:${HEX64}@sha256:${HEX64}`, /digest/],
    ['trainer latest', /whitespace/],
    [' trainer:1', /whitespace/],
    ['', /is empty/],
    ['registry.example.com:port/trainer:1', /"registry\.example\.com:port" as registry/],
    ['-registry.io/trainer:1', /registry/],
    ['/trainer:1', /path component ""/],
    ['team//trainer:1', /path component ""/],
    ['a_-b:1', /path component "a_-b"/],
    ['a___b:1', /path component "a___b"/],
    ['trainer.:1', /path component "trainer\."/],
    [':1', /no repository name/],
    [`${'a'.repeat(256)}:1`, /256 characters; at most 255/],
  ];

  test.each(VALID)('valid: %s', (image) => {
    expect(imageProblem(image)).toBeUndefined();
  });

  test('deploy-time values (tokens) pass', () => {
    expect(imageProblem('${Token[TOKEN.123]}:1.0')).toBeUndefined();
    expect(imageProblem('${Token[TOKEN.123]}')).toBeUndefined();
    // repositoryUriForTag() of an ECR repository in an environment-agnostic stack
    expect(imageProblem('${Token[AWS.AccountId.5]}.dkr.ecr.${Token[AWS.Region.6]}.${Token[AWS.URLSuffix.7]}/trainer:${Token[TOKEN.8]}')).toBeUndefined();
  });

  test('an untagged image is refused, and the message says it would mean :latest', () => {
    expect(imageProblem('trainer')).toMatch(/an untagged reference means ":latest", so the nodes of one job could pull different images/);
  });

  const constructs: [string, string, (c: Chart, image: string) => unknown][] = [
    ['TrainJob', 'invalid-training-job', (c, image) => new TrainJob(c, 'Tj', { ...jobOptions({ image }), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Rt', 'torch') })],
    ['IndexedTrainingJob', 'invalid-training-job', (c, image) => new IndexedTrainingJob(c, 'Job', { ...jobOptions({ image }) })],
    ['TorchTrainingRuntime', 'invalid-training-runtime', (c, image) => new TorchTrainingRuntime(c, 'Torch', { image })],
  ];
  describe.each(constructs)('%s', (_kind, code, make) => {
    test.each(INVALID)('rejects %j', (image, detail) => {
      const err = expectValidationError(() => make(trainingChart(), image), new RegExp(`${code}.*image is not a valid container image reference`));
      expect(err.message).toMatch(detail);
    });
    test.each(VALID.slice(0, 5))('accepts %s', (image) => {
      const c = trainingChart();
      make(c, image);
      expect(JSON.stringify(Testing.synth(c))).toContain(`"image":"${image}"`);
    });
  });
});

describe('invalid-pod-failure-policy (IndexedTrainingJob podFailurePolicy)', () => {
  const exitRule = (operator: string, values: number[], action = 'FailJob', containerName?: string): k8s.PodFailurePolicyRule =>
    ({ action, onPodConditions: [], onExitCodes: { operator, values, containerName } });
  const conditionRule = (type: string, status: string, action = 'Ignore'): k8s.PodFailurePolicyRule => ({ action, onPodConditions: [{ type, status }] });
  const job = (rules: k8s.PodFailurePolicyRule[]) => (): IndexedTrainingJob => new IndexedTrainingJob(trainingChart(), 'Job', { ...jobOptions(), podFailurePolicy: { rules } });
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  test.each([
    ['FailJob on exit code 1', [exitRule('In', [1])]],
    ['Count on exit code 255 (the largest)', [exitRule('In', [255], 'Count')]],
    ['NotIn 0 (0 is allowed with NotIn)', [exitRule('NotIn', [0])]],
    ['255 exit codes (the most)', [exitRule('In', range(1, 255))]],
    ['NotIn 0-254 (255 values)', [exitRule('NotIn', range(0, 254))]],
    ['the training container by name', [exitRule('In', [42], 'FailJob', 'trainer')]],
    ['20 rules (the most)', range(1, 20).map((v) => exitRule('In', [v]))],
    ['20 condition patterns (the most)', [{ action: 'Ignore', onPodConditions: range(1, 20).map((i) => ({ type: `example.com/Cond${i}`, status: 'True' })) }]],
    ['statuses False and Unknown', [conditionRule('DisruptionTarget', 'False'), conditionRule('Ready', 'Unknown', 'Count')]],
    ['no rules', []],
  ])('accepts %s', (_what, rules) => {
    const built = job(rules)();
    const spec = Testing.synth(Chart.of(built)).find((o) => o.kind === 'Job').spec;
    expect(spec.podFailurePolicy.rules).toHaveLength(rules.length);
  });

  test.each([
    ['the action FailIndex (needs backoffLimitPerIndex)', [exitRule('In', [42], 'FailIndex')], /rules\[0\] uses action FailIndex, which requires backoffLimitPerIndex/],
    ['the action "Fail"', [exitRule('In', [42], 'Fail')], /rules\[0\] has the action "Fail", which does not exist/],
    ['the action "failjob" (case-sensitive)', [exitRule('In', [42], 'failjob')], /action "failjob"/],
    ['an empty action', [conditionRule('DisruptionTarget', 'True', '')], /action ""/],
    ['the operator "Equals"', [exitRule('Equals', [42])], /rules\[0\]\.onExitCodes has the operator "Equals"/],
    ['the operator "in"', [exitRule('in', [42])], /operator "in"/],
    ['exit code 256', [exitRule('In', [1, 256])], /exit codes 256, outside 0-255/],
    ['exit code -1', [exitRule('NotIn', [-1, 0])], /exit codes -1, outside 0-255/],
    ['exit code 1.5', [exitRule('In', [1.5])], /exit codes 1\.5, outside 0-255/],
    ['exit code 0 with In', [exitRule('In', [0, 1])], /matches exit code 0 with In/],
    ['unsorted exit codes', [exitRule('In', [2, 1])], /out of order.*Sort them: \[1, 2\]/],
    ['a repeated exit code', [exitRule('In', [3, 3])], /repeats the exit codes 3/],
    ['no exit codes', [exitRule('In', [])], /has 0 values; it needs 1-255/],
    ['256 exit codes (NotIn 0-255)', [exitRule('NotIn', range(0, 255))], /has 256 values; it needs 1-255/],
    ['21 rules', range(1, 21).map((v) => exitRule('In', [v])), /has 21 rules; the API server accepts at most 20/],
    ['21 condition patterns', [{ action: 'Ignore', onPodConditions: range(1, 21).map((i) => ({ type: `example.com/Cond${i}`, status: 'True' })) }], /rules\[0\]\.onPodConditions has 21 patterns/],
    ['both onExitCodes and onPodConditions', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }], /both onExitCodes and onPodConditions/],
    ['neither onExitCodes nor onPodConditions', [{ action: 'FailJob', onPodConditions: [] }], /neither onExitCodes nor onPodConditions/],
    ['a container the pod does not have', [exitRule('In', [42], 'FailJob', 'main')], /names the container "main", which the pod does not have.*"trainer"/],
    ['the status "true"', [conditionRule('DisruptionTarget', 'true')], /onPodConditions\[0\] has the status "true"/],
    ['the status "Yes"', [conditionRule('DisruptionTarget', 'Yes')], /status "Yes"/],
    ['a condition type with a space', [conditionRule('Disruption Target', 'True')], /type "Disruption Target", which is not a pod condition type/],
    ['a later bad rule', [conditionRule('DisruptionTarget', 'True'), exitRule('In', [42], 'Restart')], /rules\[1\] has the action "Restart"/],
  ])('rejects %s', (_what, rules, detail) => {
    const err = expectValidationError(job(rules), /invalid-pod-failure-policy.*podFailurePolicy/);
    expect(err.message).toMatch(detail);
  });
});

describe('system-namespace: no project object in a namespace of Kubernetes or a platform controller', () => {
  const SYSTEM = ['kube-system', 'kube-public', 'kube-node-lease', 'kube-anything', 'karpenter', 'kueue-system', 'kubeflow-system', 'kubeflow', 'argocd', 'kserve', 'cert-manager', 'gpu-operator'];
  const ALLOWED = ['default', 'kube', 'kubeflow-team', 'team-kube-system', 'karpenter-jobs', 'kueue', 'argo'];
  const cq = (c: Chart, ns: string): ClusterQueue => new ClusterQueue(c, 'Cq', { clusterQueueName: 'team', namespaces: ['team-a', ns] });
  const makers: [string, string, (ns: string) => unknown][] = [
    ['MlProjectChart', 'namespace', (ns) => new MlProjectChart(Testing.app(), 'P', { identity, namespace: ns })],
    ['DatasetVolume', 'namespaceName', (ns) => new DatasetVolume(chart(), 'Data', { source: S3, namespaceName: ns })],
    ['DatasetVolume in a chart of that namespace', 'namespaceName', (ns) => new DatasetVolume(chart(ns), 'Data', { source: S3 })],
    ['CheckpointVolume', 'namespaceName', (ns) => ckptVolume(chart(), 'Ckpt', ns)],
    ['ClusterQueue', 'namespaces', (ns) => cq(chart(), ns)],
    ['LocalQueue', 'namespaceName', (ns) => new LocalQueue(chart(), 'Lq', { clusterQueue: ClusterQueue.fromClusterQueueName(chart(), 'Cq', 'team'), namespaceName: ns })],
    ['TrainJob', 'namespaceName', (ns) => { const c = trainingChart(); return new TrainJob(c, 'Tj', { ...jobOptions({ namespaceName: ns }), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Rt', 'torch') }); }],
    ['IndexedTrainingJob', 'namespaceName', (ns) => new IndexedTrainingJob(trainingChart(), 'Job', { ...jobOptions({ namespaceName: ns }) })],
  ];
  describe.each(makers)('%s', (_kind, prop, make) => {
    test.each(SYSTEM)('rejects %s', (ns) => {
      expectValidationError(() => make(ns), new RegExp(`system-namespace.*${prop} "${ns}" is a system namespace`));
    });
    test.each(ALLOWED)('accepts %s', (ns) => {
      expect(() => make(ns)).not.toThrow();
    });
  });
});

describe('names, taints and tolerations the API server rejects', () => {
  test.each([
    ['trainer.sa', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['Trainer', false],
    ['trainer_sa', false],
    ['trainer.', false],
    ['.trainer', false],
  ])('serviceAccountName %s (DNS-1123 subdomain): valid=%s', (name, valid) => {
    const make = (): unknown => new IndexedTrainingJob(trainingChart(), 'Job', { ...jobOptions({ serviceAccountName: name }) });
    if (valid) expect(make).not.toThrow();
    else expectValidationError(make, /invalid-name.*serviceAccountName is not a valid Kubernetes name \(DNS-1123 subdomain\)/);
  });

  test.each([
    ['ckpt.v2', true],
    ['c'.repeat(253), true],
    ['c'.repeat(254), false],
    ['Ckpt', false],
    ['ckpt_v2', false],
  ])('checkpoint claimName %s (DNS-1123 subdomain): valid=%s', (name, valid) => {
    const make = (): unknown => new IndexedTrainingJob(trainingChart(), 'Job', { ...jobOptions({ checkpoints: CheckpointStorage.persistentVolumeClaim(name) }) });
    if (valid) expect(make).not.toThrow();
    else expectValidationError(make, /invalid-name.*checkpoint claimName/);
  });

  // Taints are declared for pools defined elsewhere (a defined pool always carries the accelerator taint).
  const poolWith = (taints: k8s.Taint[]) => (): unknown => GpuNodePool.fromNodePoolAttributes(chart(), 'Pool', {
    nodePoolName: 'gpu', instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 8, taints,
  });
  test.each([
    [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
    [{ key: 'example.com/dedicated', value: 'v'.repeat(63), effect: 'NoExecute' }],
    [{ key: `${'p'.repeat(253)}/${'n'.repeat(63)}`, value: '', effect: 'PreferNoSchedule' }],
  ])('declared node pool accepts taint %j', (taint) => {
    expect(poolWith([taint])).not.toThrow();
  });
  test.each([
    [{ key: 'dedicated team', effect: 'NoSchedule' }, /taint "dedicated team", whose key is not a qualified name/],
    [{ key: `example.com/${'n'.repeat(64)}`, effect: 'NoSchedule' }, /key is not a qualified name/],
    [{ key: '', effect: 'NoSchedule' }, /key is not a qualified name/],
    [{ key: 'example.com/dedicated', value: 'v'.repeat(64), effect: 'NoSchedule' }, /value is not a valid label value/],
    [{ key: 'example.com/dedicated', value: 'team a', effect: 'NoSchedule' }, /value is not a valid label value/],
    [{ key: 'nvidia.com/gpu', effect: 'NoScheduling' }, /effect "NoScheduling" does not exist/],
  ])('declared node pool rejects taint %j', (taint, detail) => {
    const err = expectValidationError(poolWith([taint]), /invalid-node-pool.*taints has the taint/);
    expect(err.message).toMatch(detail);
  });

  const flavorWith = (tolerations: k8s.Toleration[], nodeTaints?: k8s.Taint[]) => (): ResourceFlavor => new ResourceFlavor(chart(), 'F', { nodeLabels: { pool: 'a' }, tolerations, nodeTaints });
  test.each([
    [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    [{ operator: 'Exists' }],
    [{ key: 'example.com/dedicated', value: 'team-a' }],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  ])('flavor accepts toleration %j', (toleration) => {
    expect(flavorWith([toleration])).not.toThrow();
  });
  test.each([
    [{ key: 'nvidia.com/gpu', operator: 'Exist' }, /operator "Exist" does not exist/],
    [{ key: 'nvidia.com/gpu', operator: 'Exists', value: 'true' }, /operator is Exists but a value is given/],
    [{ value: 'x' }, /key is empty while the operator is Equal/],
    [{ key: 'bad key', operator: 'Exists' }, /key "bad key" is not a qualified name/],
    [{ key: 'example.com/dedicated', value: 'team a' }, /value "team a" is not a valid label value/],
    [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'Never' }, /effect "Never" does not exist/],
    [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }, /tolerationSeconds is set, which only applies to the NoExecute effect/],
  ])('flavor rejects toleration %j', (toleration, detail) => {
    const err = expectValidationError(flavorWith([toleration]), /invalid-resource-flavor.*tolerations has a toleration/);
    expect(err.message).toMatch(detail);
  });
  test('flavor rejects a node taint with a bad key', () => {
    expectValidationError(flavorWith([], [{ key: 'bad key', effect: 'NoSchedule' }]), /invalid-resource-flavor.*nodeTaints has the taint "bad key"/);
  });

  test('node pool labels use the shared label validator', () => {
    const make = (labels: Record<string, string>) => (): GpuNodePool => new GpuNodePool(chart(), 'Pool', {
      nodePoolName: 'gpu', instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 8, labels, ...POOL_NETWORK,
    });
    expect(make({ 'example.com/team': 'v'.repeat(63) })).not.toThrow();
    expect(make({ 'example.com/team': '' })).not.toThrow();
    expectValidationError(make({ 'example.com/team': 'v'.repeat(64) }), /invalid-labels.*labels\["example.com\/team"\] is not a valid label value.*64 characters/);
    expectValidationError(make({ [`example.com/${'n'.repeat(64)}`]: 'x' }), /invalid-labels.*labels has a key that is not a valid label key/);
  });
});

test('addEnv twice with one name renders the variable once, with the last value', () => {
  const c = trainingChart();
  const job = new IndexedTrainingJob(c, 'Job', { ...jobOptions() });
  job.addEnv('WANDB_MODE', 'online');
  job.addEnv('WANDB_MODE', 'offline');
  const env: { name: string; value?: string }[] = Testing.synth(c).find((o) => o.kind === 'Job').spec.template.spec.containers[0].env;
  expect(env.filter((e) => e.name === 'WANDB_MODE')).toEqual([{ name: 'WANDB_MODE', value: 'offline' }]);
  const tc = trainingChart();
  const tj = new TrainJob(tc, 'Tj', { ...jobOptions(), runtime: TorchTrainingRuntime.fromClusterTrainingRuntimeName(tc, 'Rt', 'torch') });
  tj.addEnv('HOME', '/tmp/a');
  tj.addEnv('HOME', '/tmp/b');
  const tenv: { name: string; value?: string }[] = Testing.synth(tc).find((o) => o.kind === 'TrainJob').spec.trainer.env;
  expect(tenv.filter((e) => e.name === 'HOME')).toEqual([{ name: 'HOME', value: '/tmp/b' }]);
});

test('sanity: the shared fixtures still synthesize a complete training chart', () => {
  const c = trainingChart();
  const data = new DatasetVolume(c, 'Data', { source: S3, claimName: 'features' });
  const options: TrainingJobOptions = { ...jobOptions({ dataset: data, memory: Size.gibibytes(1600) }) };
  new IndexedTrainingJob(c, 'Job', options);
  expect(Testing.synth(c).map((o) => o.kind).sort()).toEqual(['EC2NodeClass', 'Job', 'NodePool', 'PersistentVolume', 'PersistentVolumeClaim', 'Service']);
});
