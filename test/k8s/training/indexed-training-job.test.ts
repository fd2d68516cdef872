import { Size } from 'cdk8s';
import { Accelerator } from '../../../lib/k8s/core/accelerators';
import { DatasetVolume, DatasetVolumeSource } from '../../../lib/k8s/data/dataset-volume';
import { ClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { CheckpointStorage } from '../../../lib/k8s/training/training-job-options';
import { IndexedTrainingJob } from '../../../lib/k8s/training/indexed-training-job';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { expectValidationError } from '../../support/errors';
import { chart, find, h100Pool, jobOptions, synth, yaml } from './fixtures';

describe('IndexedTrainingJob', () => {
  test('one node: a failed pod is retried on its own (3 times), evictions do not count', () => {
    const c = chart();
    h100Pool(c);
    new IndexedTrainingJob(c, 'Solo', { ...jobOptions(), jobName: 'solo', nodes: 1 });
    const j = find(synth(c), 'Job');
    expect(j.spec.backoffLimit).toBe(3);
    expect(j.spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
  });

  function setup() {
    const c = chart();
    const pool = h100Pool(c);
    const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'], quotas: [{ flavor: new ResourceFlavor(c, 'Flavor', { pool }), accelerators: 32 }] });
    const queue = new LocalQueue(c, 'Queue', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'training' });
    const dataset = new DatasetVolume(c, 'Features', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets' }), namespaceName: 'team-a', claimName: 'features' });
    return { c, queue, dataset };
  }

  test('indexed Job: completions = parallelism = nodes, the gang fails as a whole, queue label', () => {
    const { c, queue, dataset } = setup();
    const job = new IndexedTrainingJob(c, 'Train', { ...jobOptions(), jobName: 'fraud-train', queue, dataset });
    const objs = synth(c);
    const j = find(objs, 'Job');
    expect(j.apiVersion).toBe('batch/v1');
    expect(j.metadata).toEqual({
      name: 'fraud-train', namespace: 'team-a', labels: { 'kueue.x-k8s.io/queue-name': 'training' },
      // a Job's pod template is immutable: a GitOps sync recreates a changed Job
      annotations: { 'argocd.argoproj.io/sync-options': 'Force=true,Replace=true' },
    });
    expect(j.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      // two nodes: the first failed or evicted pod fails the whole job (a lone replacement would
      // wait in a rendezvous its peers have left)
      backoffLimit: 0,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // a trainer ended by SIGTERM (Kueue suspends the Job to preempt it) is not a failure
          { action: 'Ignore', onPodConditions: [], onExitCodes: { containerName: 'trainer', operator: 'In', values: [143] } },
          { action: 'FailJob', onPodConditions: [], onExitCodes: { containerName: 'trainer', operator: 'NotIn', values: [0] } },
        ],
      },
    });
    expect(j.spec.suspend).toBeUndefined();
    const pod = j.spec.template.spec;
    expect(j.spec.template.metadata).toEqual({ labels: { 'mlops-constructs.io/training-job': 'fraud-train' }, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } });
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      subdomain: 'fraud-train',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 120,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
    });
    // limits, toleration and node selection appear together
    const [container] = pod.containers;
    expect(container.resources).toEqual({
      requests: { cpu: 160, memory: '1600Gi', 'nvidia.com/gpu': 8 },
      limits: { memory: '1600Gi', 'nvidia.com/gpu': 8 },
    });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia', 'karpenter.k8s.aws/instance-gpu-name': 'h100' });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true,
      runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes).toEqual([
      { name: 'dev-shm', emptyDir: { medium: 'Memory', sizeLimit: '400Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '10Gi' } },
      { name: 'features', persistentVolumeClaim: { claimName: 'features', readOnly: true } },
      { name: 'checkpoints', persistentVolumeClaim: { claimName: 'checkpoints', readOnly: false } },
    ]);
    expect(container.volumeMounts).toContainEqual({ name: 'features', mountPath: '/data', readOnly: true });
    expect(job.service).toBeDefined();
    expect(find(objs, 'Service').spec.ports[0].port).toBe(29500);
  });

  test('torchrun rendezvous through a headless Service, as the Trainer would inject it', () => {
    const { c, queue } = setup();
    const job = new IndexedTrainingJob(c, 'Train', { ...jobOptions(), jobName: 'fraud-train', queue, rendezvousPort: 23456 });
    job.addEnv('NCCL_DEBUG', 'WARN');
    const objs = synth(c);
    const svc = find(objs, 'Service');
    expect(svc.metadata).toEqual({ name: 'fraud-train', namespace: 'team-a' });
    expect(svc.spec).toEqual({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { 'mlops-constructs.io/training-job': 'fraud-train' },
      ports: [{ name: 'rendezvous', port: 23456, targetPort: 23456, protocol: 'TCP' }],
    });
    // the Service exists before the Job's pods resolve it
    expect(objs.findIndex((o) => o.kind === 'Service')).toBeLessThan(objs.findIndex((o) => o.kind === 'Job'));
    const [container] = find(objs, 'Job').spec.template.spec.containers;
    expect(container.ports).toEqual([{ name: 'rendezvous', containerPort: 23456, protocol: 'TCP' }]);
    expect(container.env).toEqual([
      { name: 'CHECKPOINT_DIR', value: '/checkpoints' },
      { name: 'HOME', value: '/tmp' },
      { name: 'NCCL_DEBUG', value: 'WARN' },
      { name: 'PET_NNODES', value: '2' },
      { name: 'PET_NPROC_PER_NODE', value: '8' },
      { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      { name: 'PET_MASTER_ADDR', value: 'fraud-train-0.fraud-train.team-a.svc' },
      { name: 'PET_MASTER_PORT', value: '23456' },
    ]);
  });

  test('one node: no Service, no subdomain; a custom service account keeps its token', () => {
    const c = chart();
    h100Pool(c);
    const job = new IndexedTrainingJob(c, 'Train', {
      ...jobOptions({ nodes: undefined, accelerator: Accelerator.nvidiaGpu({ count: 1, model: 'H100' }), serviceAccountName: 'trainer', memory: Size.gibibytes(128), checkpoints: CheckpointStorage.ephemeral() }),
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'FailJob', onPodConditions: [], onExitCodes: { operator: 'In', values: [42] } }] },
    });
    const objs = synth(c);
    expect(objs.filter((o) => o.kind === 'Service')).toEqual([]);
    expect(job.service).toBeUndefined();
    expect(job.nodes).toBe(1);
    const j = find(objs, 'Job');
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1 });
    expect(j.spec.backoffLimit).toBe(0);
    expect(j.spec.podFailurePolicy.rules[0].action).toBe('FailJob');
    expect(j.spec.template.spec.subdomain).toBeUndefined();
    expect(j.spec.template.spec.serviceAccountName).toBe('trainer');
    expect(j.spec.template.spec.automountServiceAccountToken).toBeUndefined();
    expect(j.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['CHECKPOINT_DIR', 'HOME', 'PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK']);
    expect(j.metadata.name).toMatch(/^test-train-[0-9a-f]{8}$/);
    expect(j.spec.template.spec.volumes).toContainEqual({ name: 'checkpoints', emptyDir: { sizeLimit: '100Gi' } });
  });

  test('the YAML has integer GPU counts and never null', () => {
    const { c, queue } = setup();
    new IndexedTrainingJob(c, 'Train', { ...jobOptions({ accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 }) }), queue });
    const text = yaml(synth(c));
    expect(text.match(/^ +nvidia\.com\/gpu: 8$/gm)).toHaveLength(2);
    expect(text.match(/^ +vpc\.amazonaws\.com\/efa: 32$/gm)).toHaveLength(2);
    expect(text).not.toMatch(/:\s*null\b/);
  });

  test('rejects bad values', () => {
    const { c } = setup();
    expectValidationError(() => new IndexedTrainingJob(c, 'A', { ...jobOptions(), rendezvousPort: 70000 }), /invalid-training-job.*rendezvousPort/);
    expectValidationError(() => new IndexedTrainingJob(c, 'B', { ...jobOptions(), backoffLimit: -1 }), /invalid-training-job.*backoffLimit/);
    expectValidationError(() => new IndexedTrainingJob(c, 'C', { ...jobOptions({ nodes: 10 }), jobName: 'x'.repeat(62) }), /invalid-name.*1-61 lowercase/);
    expectValidationError(() => new IndexedTrainingJob(c, 'D', { ...jobOptions({ accelerator: Accelerator.nvidiaGpu({ count: 0 }) }) }), /invalid-accelerator-count/);
  });
});
