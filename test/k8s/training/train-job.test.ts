import { Duration, Size } from 'cdk8s';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { Accelerator } from '../../../lib/k8s/core/accelerators';
import { DatasetVolume, DatasetVolumeSource } from '../../../lib/k8s/data/dataset-volume';
import { ClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { TorchTrainingRuntime } from '../../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../../lib/k8s/training/train-job';
import { CheckpointStorage } from '../../../lib/k8s/training/training-job-options';
import { WorkloadPriorityClass } from '../../../lib/k8s/training/workload-priority-class';
import { expectValidationError } from '../../support/errors';
import { chart, find, h100Pool, jobOptions, Obj, synth, yaml } from './fixtures';

const SECURE_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsGroup: 1000,
  runAsNonRoot: true,
  runAsUser: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};

function podPatch(trainJob: Obj): { metadata: Obj['metadata']; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } {
  expect(trainJob.spec.runtimePatches).toHaveLength(1);
  const patch = trainJob.spec.runtimePatches[0];
  expect(patch.manager).toBe('mlops-constructs.io/training-job');
  const jobs = patch.trainingRuntimeSpec.template.spec.replicatedJobs;
  expect(jobs.map((j: { name: string }) => j.name)).toEqual(['node']);
  return jobs[0].template.spec.template;
}

describe('TorchTrainingRuntime', () => {
  test('ClusterTrainingRuntime: torch policy, one "node" replicated job, secure pod, whole-job restarts', () => {
    const c = chart('team-a');
    const runtime = new TorchTrainingRuntime(c, 'Torch', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch-secure', maxRestarts: 5, command: ['torchrun'] });
    const rt = find(synth(c), 'ClusterTrainingRuntime');
    expect(rt.apiVersion).toBe('trainer.kubeflow.org/v1alpha1');
    expect(rt.metadata).toEqual({ name: 'torch-secure', labels: { 'trainer.kubeflow.org/framework': 'torch' } });
    expect(rt.spec.mlPolicy).toEqual({ numNodes: 1, torch: {} });
    expect(rt.spec.template.spec.failurePolicy).toEqual({ maxRestarts: 5 });
    const [node] = rt.spec.template.spec.replicatedJobs;
    expect(node.name).toBe('node');
    expect(node.template.metadata.labels).toEqual({ 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' });
    expect(node.template.spec.backoffLimit).toBe(0);
    expect(node.template.spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
    const pod = node.template.spec.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers).toEqual([{ name: 'node', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', command: ['torchrun'], securityContext: SECURE_CONTAINER }]);
    expect(runtime.runtimeKind).toBe('ClusterTrainingRuntime');
    // defaults
    const d = chart();
    new TorchTrainingRuntime(d, 'Default', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1' });
    const defaults = find(synth(d), 'ClusterTrainingRuntime');
    expect(defaults.metadata.name).toMatch(/^test-default-[0-9a-f]{8}$/);
    expect(defaults.spec.template.spec.failurePolicy).toEqual({ maxRestarts: 3 });
    expect(defaults.spec.template.spec.replicatedJobs[0].template.spec.template.spec.containers[0].command).toBeUndefined();
  });

  test('rejects bad values', () => {
    expectValidationError(() => new TorchTrainingRuntime(chart(), 'T', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'Torch' }), /invalid-name.*runtimeName/);
    expectValidationError(() => new TorchTrainingRuntime(chart(), 'T', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', maxRestarts: -1 }), /invalid-training-runtime.*maxRestarts/);
    expectValidationError(() => new TorchTrainingRuntime(chart(), 'T', { image: 'py torch' }), /invalid-training-runtime.*image/);
  });
});

describe('TrainJob', () => {
  function setup(namespace = 'team-a') {
    const c = chart();
    const pool = h100Pool(c);
    const flavor = new ResourceFlavor(c, 'Flavor', { pool });
    const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: [namespace], quotas: [{ flavor, accelerators: 32 }] });
    const queue = new LocalQueue(c, 'Queue', { clusterQueue: cq, namespaceName: namespace, localQueueName: 'training' });
    const runtime = new TorchTrainingRuntime(c, 'Torch', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch-secure' });
    const dataset = new DatasetVolume(c, 'Features', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), namespaceName: namespace, claimName: 'features' });
    return { c, pool, cq, queue, runtime, dataset };
  }

  test('trainer: image, command, nodes, processes per node, GPU requests == limits as integers', () => {
    const { c, queue, runtime, dataset } = setup();
    const priority = new WorkloadPriorityClass(c, 'Urgent', { priorityClassName: 'urgent', value: 1000 });
    const job = new TrainJob(c, 'Finetune', {
      ...jobOptions({ accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 }), env: { MLFLOW_TRACKING_URI: 'http://mlflow.mlflow:5000' } }),
      jobName: 'llm-finetune', runtime, dataset, queue, priorityClass: priority, args: ['--epochs', '3'], activeDeadline: Duration.hours(48),
    });
    const tj = find(synth(c), 'TrainJob');
    expect(tj.apiVersion).toBe('trainer.kubeflow.org/v1alpha1');
    expect(tj.metadata).toEqual({
      name: 'llm-finetune', namespace: 'team-a',
      labels: { 'kueue.x-k8s.io/queue-name': 'training', 'kueue.x-k8s.io/priority-class': 'urgent' },
      // a GitOps sync recreates a TrainJob whose spec changed (it cannot change in place)
      annotations: { 'argocd.argoproj.io/sync-options': 'Force=true,Replace=true' },
    });
    expect(tj.spec.runtimeRef).toEqual({ apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime', name: 'torch-secure' });
    expect(tj.spec.activeDeadlineSeconds).toBe(172800);
    expect(tj.spec.trainer).toEqual({
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:1.4.2',
      command: ['torchrun', '/app/train.py'],
      args: ['--epochs', '3'],
      env: [
        { name: 'CHECKPOINT_DIR', value: '/checkpoints' },
        { name: 'DATA_DIR', value: '/data' },
        { name: 'FI_PROVIDER', value: 'efa' },
        { name: 'HOME', value: '/tmp' },
        { name: 'MLFLOW_TRACKING_URI', value: 'http://mlflow.mlflow:5000' },
      ],
      numNodes: 2,
      numProcPerNode: 8,
      resourcesPerNode: {
        requests: { cpu: 160, memory: '1600Gi', 'nvidia.com/gpu': 8, 'vpc.amazonaws.com/efa': 32 },
        limits: { memory: '1600Gi', 'nvidia.com/gpu': 8, 'vpc.amazonaws.com/efa': 32 },
      },
    });
    expect(job.processesPerNode).toBe(8);
    // apply order: the runtime (the Trainer's webhook checks it exists), the queue and the claim come first
    const objs = synth(c);
    const at = (kind: string): number => objs.findIndex((o) => o.kind === kind);
    for (const kind of ['ClusterTrainingRuntime', 'LocalQueue', 'ClusterQueue', 'ResourceFlavor', 'PersistentVolumeClaim']) expect(at(kind)).toBeLessThan(at('TrainJob'));
    expect(at('ResourceFlavor')).toBeLessThan(at('ClusterQueue'));
  });

  test('pods: toleration, node selection and GPU limits together; volumes; secure contexts; do-not-disrupt', () => {
    const { c, queue, runtime, dataset } = setup();
    new TrainJob(c, 'Finetune', { ...jobOptions(), jobName: 'llm-finetune', runtime, dataset, datasetMount: { path: '/datasets', subPath: 'curated' }, queue });
    const tj = find(synth(c), 'TrainJob');
    const template = podPatch(tj);
    expect(template.metadata).toEqual({ labels: { 'mlops-constructs.io/training-job': 'llm-finetune' }, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } });
    expect(template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(template.spec.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia', 'karpenter.k8s.aws/instance-gpu-name': 'h100' });
    expect(tj.spec.trainer.resourcesPerNode.limits['nvidia.com/gpu']).toBe(8);
    expect(template.spec.volumes).toEqual([
      { name: 'dev-shm', emptyDir: { medium: 'Memory', sizeLimit: '400Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '10Gi' } },
      { name: 'features', persistentVolumeClaim: { claimName: 'features', readOnly: true } },
      { name: 'checkpoints', persistentVolumeClaim: { claimName: 'checkpoints', readOnly: false } },
    ]);
    expect(template.spec.containers).toEqual([{
      name: 'node',
      securityContext: SECURE_CONTAINER,
      volumeMounts: [
        { name: 'dev-shm', mountPath: '/dev/shm' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'features', mountPath: '/datasets', readOnly: true, subPath: 'curated' },
        { name: 'checkpoints', mountPath: '/checkpoints' },
      ],
    }]);
    expect(template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    expect(template.spec.terminationGracePeriodSeconds).toBe(120);
    expect(tj.spec.trainer.env).toContainEqual({ name: 'DATA_DIR', value: '/datasets' });
  });

  test('the YAML has integer GPU counts and never null', () => {
    const { c, queue, runtime } = setup();
    new TrainJob(c, 'Finetune', { ...jobOptions(), runtime, queue });
    const text = yaml(synth(c));
    expect(text).toMatch(/^ {8}nvidia\.com\/gpu: 8$/m);
    expect(text).not.toMatch(/nvidia\.com\/gpu: "8"/);
    expect(text).not.toMatch(/:\s*null\b/);
    expect(text).not.toMatch(/\bvalue: 8\b/);
  });

  test('options: shared memory, tmp, ephemeral checkpoints, service account, no do-not-disrupt, processes, addEnv, generated name', () => {
    const { c, runtime } = setup();
    const job = new TrainJob(c, 'Small', {
      ...jobOptions({
        accelerator: Accelerator.nvidiaGpu({ count: 2, model: 'H100' }), nodes: 1, sharedMemory: Size.gibibytes(64), tmpSize: Size.gibibytes(50),
        checkpoints: CheckpointStorage.ephemeral({ path: '/ckpt', sizeLimit: Size.gibibytes(200) }), serviceAccountName: 'trainer', doNotDisrupt: false, processesPerNode: 1,
        terminationGracePeriod: Duration.minutes(10),
      }),
      runtime,
    });
    job.addEnv('WANDB_MODE', 'offline');
    job.addEnv('HOME', '/tmp/home');
    const tj = find(synth(c), 'TrainJob');
    const template = podPatch(tj);
    expect(tj.metadata.name).toMatch(/^test-small-[0-9a-f]{8}$/);
    expect(tj.metadata.labels).toBeUndefined();
    expect(template.metadata.annotations).toBeUndefined();
    expect(template.spec.serviceAccountName).toBe('trainer');
    expect(template.spec.terminationGracePeriodSeconds).toBe(600);
    expect(template.spec.volumes).toContainEqual({ name: 'dev-shm', emptyDir: { medium: 'Memory', sizeLimit: '64Gi' } });
    expect(template.spec.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '50Gi' } });
    expect(template.spec.volumes).toContainEqual({ name: 'checkpoints', emptyDir: { sizeLimit: '200Gi' } });
    expect(tj.spec.trainer.numProcPerNode).toBe(1);
    expect(tj.spec.trainer.numNodes).toBe(1);
    expect(tj.spec.trainer.env).toEqual([
      { name: 'CHECKPOINT_DIR', value: '/ckpt' },
      { name: 'WANDB_MODE', value: 'offline' },
      { name: 'HOME', value: '/tmp/home' },
    ]);
    expect(CheckpointStorage.ephemeral().durable).toBe(false);
  });

  test('Neuron: one process per logical NeuronCore, Neuron toleration and selection', () => {
    const c = chart();
    const pool = h100Pool(c, { nodePoolName: 'trn2', instanceTypes: [AcceleratorInstanceType.TRN2_48XLARGE], acceleratorLimit: 64 });
    expect(pool.resourceName).toBe('aws.amazon.com/neuron');
    const runtime = TorchTrainingRuntime.fromClusterTrainingRuntimeName(c, 'Upstream', 'torch-distributed');
    new TrainJob(c, 'Trn', { ...jobOptions({ accelerator: Accelerator.neuron({ count: 16, model: 'Trainium2', efa: 16 }), memory: Size.gibibytes(1800) }), runtime });
    const tj = find(synth(c), 'TrainJob');
    expect(tj.spec.runtimeRef.name).toBe('torch-distributed');
    expect(tj.spec.trainer.numProcPerNode).toBe(64);
    expect(tj.spec.trainer.resourcesPerNode.limits).toEqual({ memory: '1800Gi', 'aws.amazon.com/neuron': 16, 'vpc.amazonaws.com/efa': 16 });
    const template = podPatch(tj);
    expect(template.spec.tolerations).toEqual([{ key: 'aws.amazon.com/neuron', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(template.spec.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-accelerator-manufacturer': 'aws', 'karpenter.k8s.aws/instance-accelerator-name': 'trainium2' });
  });

  describe('rejects', () => {
    test('GPU count 0 or negative', () => {
      const { c, runtime } = setup();
      expectValidationError(() => new TrainJob(c, 'Zero', { ...jobOptions({ accelerator: Accelerator.nvidiaGpu({ count: 0 }) }), runtime }), /invalid-accelerator-count.*Received: 0/);
      expectValidationError(() => new TrainJob(c, 'Neg', { ...jobOptions({ accelerator: Accelerator.nvidiaGpu({ count: -8 }) }), runtime }), /invalid-accelerator-count.*Received: -8/);
    });

    test('names, namespaces and props the API server or the Trainer reject', () => {
      const { c, runtime, queue, dataset } = setup();
      let n = 0;
      const job = (props: Partial<Parameters<typeof jobOptions>[0]> & { jobName?: string }) => (): unknown => new TrainJob(c, `J${n++}`, { ...jobOptions(props), runtime, ...(props.jobName ? { jobName: props.jobName } : {}) });
      expectValidationError(job({ jobName: 'LLM' }), /invalid-name.*jobName/);
      expectValidationError(job({ jobName: '1-llm' }), /invalid-name.*starting with a letter/);
      expectValidationError(job({ jobName: 'a'.repeat(60) }), /invalid-name.*1-54 lowercase/);
      expectValidationError(job({ namespaceName: 'team-b', queue }), /namespace-mismatch.*queue is in team-a/);
      expectValidationError(job({ namespaceName: 'team-b', dataset }), /namespace-mismatch.*dataset is in team-a/);
      expectValidationError(job({ namespaceName: undefined }), /invalid-name.*neither the props, the queue, the dataset nor the chart/);
      expectValidationError(job({ nodes: 0 }), /invalid-training-job.*nodes/);
      expectValidationError(job({ image: 'trainer latest' }), /invalid-training-job.*image/);
      expectValidationError(job({ memory: Size.gibibytes(1), sharedMemory: Size.gibibytes(1) }), /invalid-training-job.*sharedMemory.*less than memory/);
      expectValidationError(job({ env: { PET_NNODES: '4' } }), /invalid-training-job.*PET_NNODES is set by the training job/);
      expectValidationError(job({ env: { '1BAD': 'x' } }), /invalid-training-job.*not a valid environment variable name/);
      expectValidationError(job({ runAsUser: 0 }), /invalid-training-job.*runAsUser/);
      expectValidationError(job({ checkpoints: CheckpointStorage.persistentVolumeClaim('ckpt', { path: '/tmp/ckpt' }) }), /invalid-mount-path.*same or nested paths/);
      expectValidationError(job({ checkpoints: CheckpointStorage.persistentVolumeClaim('Ckpt') }), /invalid-name.*checkpoint claimName/);
      expectValidationError(job({ checkpoints: CheckpointStorage.ephemeral({ path: 'ckpt' }) }), /invalid-mount-path.*absolute/);
      expectValidationError(job({ accelerator: Accelerator.neuron({ count: 1 }) }), /invalid-training-job.*processesPerNode cannot be derived/);
      expectValidationError(() => new TrainJob(c, 'Env', { ...jobOptions(), runtime }).addEnv('CHECKPOINT_DIR', '/x'), /invalid-training-job.*CHECKPOINT_DIR/);
    });
  });
});
