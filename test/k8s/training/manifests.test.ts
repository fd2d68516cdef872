import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { Accelerator, MigProfile } from '../../../lib/k8s/core/accelerators';
import { DatasetVolume, DatasetVolumeSource } from '../../../lib/k8s/data/dataset-volume';
import { ClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { GpuNodePool } from '../../../lib/k8s/training/gpu-node-pool';
import { IndexedTrainingJob } from '../../../lib/k8s/training/indexed-training-job';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { CapacityReservationSelector, CapacityType, GpuNodeImage } from '../../../lib/k8s/training/node-pool-options';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { TorchTrainingRuntime } from '../../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../../lib/k8s/training/train-job';
import { CheckpointStorage } from '../../../lib/k8s/training/training-job-options';
import { WorkloadPriorityClass } from '../../../lib/k8s/training/workload-priority-class';
import { KubernetesVersion, ManifestValidator, sharedAvailable } from '../../support/k8s-schema';
import { find, Obj, POOL_NETWORK } from './fixtures';

const VERSIONS: KubernetesVersion[] = ['1.27', '1.33'];

/** Every construct of the training capability, with most options set. */
function platform(): Obj[] {
  const app = Testing.app();
  const cluster = new Chart(app, 'Cluster');
  const h100 = new GpuNodePool(cluster, 'H100', {
    nodePoolName: 'gpu-h100', instanceTypes: [AcceleratorInstanceType.P5_48XLARGE, AcceleratorInstanceType.P5EN_48XLARGE], acceleratorLimit: 64, efa: true,
    capacityTypes: [CapacityType.RESERVED, CapacityType.ON_DEMAND],
    capacityReservations: [CapacityReservationSelector.tags({ 'ml-platform': 'training' }), CapacityReservationSelector.id('cr-0123456789abcdef0')],
    placementGroupName: 'ml-training', useInstanceStores: true, tags: { team: 'ml-platform' }, labels: { 'example.com/tier': 'training' }, weight: 10,
    volumeKmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', expireAfter: Duration.days(30), terminationGracePeriod: Duration.hours(48),
    ...POOL_NETWORK,
  });
  const l40s = new GpuNodePool(cluster, 'L40S', {
    nodePoolName: 'gpu-l40s', instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE, AcceleratorInstanceType.G6E_48XLARGE], acceleratorLimit: 32,
    capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND], image: GpuNodeImage.BOTTLEROCKET_LATEST, volumeSize: Size.gibibytes(300), ...POOL_NETWORK,
  });
  const mig = new GpuNodePool(cluster, 'Mig', {
    nodePoolName: 'a100-mig', instanceTypes: [AcceleratorInstanceType.P4DE_24XLARGE], acceleratorLimit: 8, migProfile: MigProfile.MIG_1G_10GB, image: GpuNodeImage.al2023('v20240807'), ...POOL_NETWORK,
  });
  const trn = new GpuNodePool(cluster, 'Trn', { nodePoolName: 'trn2', instanceTypes: [AcceleratorInstanceType.TRN2_48XLARGE], acceleratorLimit: 32, efa: true, ...POOL_NETWORK });
  const flavors = [h100, l40s, mig, trn].map((pool) => new ResourceFlavor(cluster, `${pool.node.id}Flavor`, { pool }));
  const cpu = new ResourceFlavor(cluster, 'CpuFlavor', { flavorName: 'cpu', nodeLabels: { 'karpenter.sh/nodepool': 'general' }, tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] });
  const cq = new ClusterQueue(cluster, 'RiskMl', {
    clusterQueueName: 'risk-ml', namespaces: ['team-a'], cohort: 'ml-platform',
    // The single-model L40S flavor first: Kueue assigns flavors first-fit, and the H100/H200 pool's
    // flavor cannot carry one model label, so listed first it would take the L40S job's quota.
    quotas: [
      { flavor: flavors[1], accelerators: 16 },
      { flavor: flavors[0], accelerators: 32, acceleratorBorrowingLimit: 16, acceleratorLendingLimit: 8 },
      { flavor: flavors[2], accelerators: 28 },
      { flavor: flavors[3], accelerators: 32 },
      { flavor: cpu, accelerators: 0, cpu: kplus.Cpu.millis(64500), memory: Size.gibibytes(256) },
    ],
  });
  const urgent = new WorkloadPriorityClass(cluster, 'Urgent', { priorityClassName: 'urgent', value: 1000, description: 'Deadline-bound retraining' });
  const torch = new TorchTrainingRuntime(cluster, 'Torch', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1', runtimeName: 'torch-secure', command: ['torchrun'] });

  const project = new Chart(app, 'Project');
  const queue = new LocalQueue(project, 'Queue', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'training' });
  const dataset = new DatasetVolume(project, 'Features', { source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'fraud-datasets', prefix: 'features/' }), namespaceName: 'team-a', claimName: 'features' });
  const common = {
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:1.4.2', command: ['torchrun', '/app/train.py'], queue, dataset,
    checkpoints: CheckpointStorage.persistentVolumeClaim('checkpoints'),
  };
  new TrainJob(project, 'Finetune', {
    ...common, jobName: 'llm-finetune', runtime: torch, priorityClass: urgent, activeDeadline: Duration.days(3), env: { NCCL_DEBUG: 'WARN' },
    accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 }), nodes: 4, cpu: kplus.Cpu.units(180), memory: Size.gibibytes(1800),
  });
  new TrainJob(project, 'Neuron', {
    ...common, jobName: 'neuron-pretrain', runtime: torch,
    accelerator: Accelerator.neuron({ count: 16, model: 'Trainium2', efa: 16 }), nodes: 2, cpu: kplus.Cpu.units(180), memory: Size.gibibytes(1800),
  });
  new IndexedTrainingJob(project, 'Vision', {
    ...common, jobName: 'defect-vision', accelerator: Accelerator.nvidiaGpu({ count: 4, model: 'L40S' }), nodes: 3, cpu: kplus.Cpu.units(44), memory: Size.gibibytes(340),
    sharedMemory: Size.gibibytes(64), serviceAccountName: 'trainer', podFailurePolicy: { rules: [{ action: 'FailJob', onPodConditions: [], onExitCodes: { operator: 'In', values: [42] } }] },
  });
  new IndexedTrainingJob(project, 'Sweep', {
    ...common, jobName: 'mig-sweep', accelerator: Accelerator.nvidiaGpu({ count: 1, migProfile: MigProfile.MIG_1G_10GB }), nodes: 1, cpu: kplus.Cpu.millis(7500), memory: Size.mebibytes(30720),
    checkpoints: CheckpointStorage.ephemeral({ sizeLimit: Size.gibibytes(20) }),
  });
  return [...Testing.synth(cluster), ...Testing.synth(project)] as Obj[];
}

/** The pod templates of the training workloads, with the resources of their training container. */
function trainingPods(objs: Obj[]): { name: string; spec: Record<string, unknown>; resources: { requests: Record<string, unknown>; limits: Record<string, unknown> } }[] {
  const pods = [];
  for (const o of objs) {
    if (o.kind === 'Job') {
      pods.push({ name: o.metadata.name, spec: o.spec.template.spec, resources: o.spec.template.spec.containers[0].resources });
    } else if (o.kind === 'TrainJob') {
      const template = o.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template;
      pods.push({ name: o.metadata.name, spec: template.spec, resources: o.spec.trainer.resourcesPerNode });
    }
  }
  return pods;
}

describe('training manifests', () => {
  const objs = platform();

  test.each(VERSIONS)('validate against the Kubernetes %s schemas and the CRDs, unknown fields rejected', (version) => {
    if (!sharedAvailable()) {
      console.warn('skipped: ../shared not present');
      return;
    }
    const validator = ManifestValidator.forKubernetes(version);
    expect(objs.filter((o) => !validator.hasSchema(o.apiVersion, o.kind)).map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([]);
    expect(validator.validateAll(objs)).toEqual([]);
  });

  test('contain every kind of the capability', () => {
    expect([...new Set(objs.map((o) => `${o.apiVersion} ${o.kind}`))].sort()).toEqual([
      'batch/v1 Job',
      'karpenter.k8s.aws/v1 EC2NodeClass',
      'karpenter.sh/v1 NodePool',
      'kueue.x-k8s.io/v1beta2 ClusterQueue',
      'kueue.x-k8s.io/v1beta2 LocalQueue',
      'kueue.x-k8s.io/v1beta2 ResourceFlavor',
      'kueue.x-k8s.io/v1beta2 WorkloadPriorityClass',
      'trainer.kubeflow.org/v1alpha1 ClusterTrainingRuntime',
      'trainer.kubeflow.org/v1alpha1 TrainJob',
      'v1 PersistentVolume',
      'v1 PersistentVolumeClaim',
      'v1 Service',
    ]);
  });

  test('every training pod gets accelerator limits == requests as positive integers, the toleration and node selection together', () => {
    const pods = trainingPods(objs);
    expect(pods.map((p) => p.name).sort()).toEqual(['defect-vision', 'llm-finetune', 'mig-sweep', 'neuron-pretrain']);
    for (const pod of pods) {
      const accelerators = Object.keys(pod.resources.limits).filter((r) => /^(nvidia\.com\/(gpu|mig-.+)|aws\.amazon\.com\/neuron)$/.test(r));
      expect(accelerators).toHaveLength(1);
      const [resource] = accelerators;
      const count = pod.resources.limits[resource];
      expect(Number.isInteger(count) && (count as number) > 0).toBe(true);
      expect(pod.resources.requests[resource]).toBe(count);
      const taint = resource.startsWith('nvidia.com/') ? 'nvidia.com/gpu' : 'aws.amazon.com/neuron';
      expect(pod.spec.tolerations).toContainEqual({ key: taint, operator: 'Exists', effect: 'NoSchedule' });
      const selector = pod.spec.nodeSelector as Record<string, string>;
      expect(selector[taint === 'nvidia.com/gpu' ? 'karpenter.k8s.aws/instance-gpu-manufacturer' : 'karpenter.k8s.aws/instance-accelerator-manufacturer']).toBeDefined();
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    }
  });

  test('cluster-scoped objects carry no namespace; workloads live in the team namespace', () => {
    const clusterScoped = new Set(['NodePool', 'EC2NodeClass', 'ResourceFlavor', 'ClusterQueue', 'WorkloadPriorityClass', 'ClusterTrainingRuntime', 'PersistentVolume']);
    for (const o of objs) {
      if (clusterScoped.has(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace).toBe('team-a');
    }
    expect(find(objs, 'ClusterQueue').spec.resourceGroups[0].coveredResources).toEqual(['cpu', 'memory', 'aws.amazon.com/neuron', 'nvidia.com/gpu', 'nvidia.com/mig-1g.10gb', 'vpc.amazonaws.com/efa']);
  });
});
