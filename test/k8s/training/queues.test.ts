import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { MigProfile } from '../../../lib/k8s/core/accelerators';
import { ClusterQueue, CohortReclaimPolicy, QueuePreemptionPolicy, QueueingStrategy } from '../../../lib/k8s/training/cluster-queue';
import { GpuNodePool } from '../../../lib/k8s/training/gpu-node-pool';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { WorkloadPriorityClass } from '../../../lib/k8s/training/workload-priority-class';
import { expectValidationError } from '../../support/errors';
import { chart, find, h100Pool, POOL_NETWORK, synth } from './fixtures';

describe('ResourceFlavor', () => {
  test('per pool: pins pods to the pool, admits only workloads that tolerate its taint', () => {
    const c = chart();
    const flavor = new ResourceFlavor(c, 'Flavor', { pool: h100Pool(c) });
    const rf = find(synth(c), 'ResourceFlavor');
    expect(rf.apiVersion).toBe('kueue.x-k8s.io/v1beta2');
    expect(rf.metadata).toEqual({ name: 'gpu-h100' });
    expect(rf.spec).toEqual({
      // a single-model pool's flavor also selects the model, so Kueue never gives its quota to a job asking for another
      nodeLabels: { 'karpenter.sh/nodepool': 'gpu-h100', 'karpenter.k8s.aws/instance-gpu-name': 'h100' },
      nodeTaints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
    });
    expect(flavor.flavorName).toBe('gpu-h100');
  });

  test('explicit labels, taints and tolerations', () => {
    const c = chart();
    new ResourceFlavor(c, 'Cpu', {
      flavorName: 'cpu',
      nodeLabels: { 'karpenter.sh/nodepool': 'general' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
    });
    expect(find(synth(c), 'ResourceFlavor').spec).toEqual({
      nodeLabels: { 'karpenter.sh/nodepool': 'general' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
    });
  });

  test('rejects flavors that match every node, and too many labels', () => {
    expectValidationError(() => new ResourceFlavor(chart(), 'F', {}), /invalid-resource-flavor.*matches every node/);
    const labels = Object.fromEntries([...Array(9).keys()].map((i) => [`l${i}`, 'x']));
    expectValidationError(() => new ResourceFlavor(chart(), 'F', { nodeLabels: labels }), /invalid-labels.*at most 8/);
    expectValidationError(() => new ResourceFlavor(chart(), 'F', { nodeLabels: { a: 'b' }, nodeTaints: [{ key: 'x', effect: 'Never' }] }), /invalid-resource-flavor.*effect "Never"/);
  });
});

describe('ClusterQueue', () => {
  test('team quota per flavor: GPUs, derived CPU, memory and EFA; cohort borrowing; namespaces', () => {
    const c = chart();
    const pool = h100Pool(c);
    const flavor = new ResourceFlavor(c, 'Flavor', { pool });
    const queue = new ClusterQueue(c, 'Queue', {
      clusterQueueName: 'risk-ml',
      namespaces: ['fraud-scoring-prod', 'fraud-scoring-dev'],
      cohort: 'ml-platform',
      quotas: [{ flavor, accelerators: 16, acceleratorBorrowingLimit: 8, acceleratorLendingLimit: 8 }],
    });
    const cq = find(synth(c), 'ClusterQueue');
    expect(cq.apiVersion).toBe('kueue.x-k8s.io/v1beta2');
    expect(cq.spec).toEqual({
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['fraud-scoring-dev', 'fraud-scoring-prod'] }] },
      cohortName: 'ml-platform',
      queueingStrategy: 'BestEffortFIFO',
      preemption: { withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any' },
      resourceGroups: [{
        coveredResources: ['cpu', 'memory', 'nvidia.com/gpu', 'vpc.amazonaws.com/efa'],
        flavors: [{
          name: 'gpu-h100',
          resources: [
            // 16 of 8-GPU p5.48xlarge nodes with 192 vCPU and 2048 GiB: two nodes' worth
            { name: 'cpu', nominalQuota: 384 },
            { name: 'memory', nominalQuota: '4096Gi' },
            { name: 'nvidia.com/gpu', nominalQuota: 16, borrowingLimit: 8, lendingLimit: 8 },
            { name: 'vpc.amazonaws.com/efa', nominalQuota: 64 },
          ],
        }],
      }],
    });
    expect(queue.cohort).toBe('ml-platform');
  });

  test('addQuota renders lazily; flavors of different pools share one resource group', () => {
    const c = chart();
    const h100 = new ResourceFlavor(c, 'H100Flavor', { pool: h100Pool(c, { efa: false }) });
    const trn = new ResourceFlavor(c, 'TrnFlavor', {
      pool: new GpuNodePool(c, 'Trn', { nodePoolName: 'trn1', instanceTypes: [AcceleratorInstanceType.TRN1_32XLARGE], acceleratorLimit: 32, ...POOL_NETWORK }),
    });
    const cpu = new ResourceFlavor(c, 'CpuFlavor', { flavorName: 'cpu', nodeLabels: { 'karpenter.sh/nodepool': 'general' } });
    const queue = new ClusterQueue(c, 'Queue', {
      clusterQueueName: 'research', namespaces: ['research'],
      preemptWithinQueue: QueuePreemptionPolicy.NEVER, reclaimWithinCohort: CohortReclaimPolicy.LOWER_PRIORITY, queueingStrategy: QueueingStrategy.STRICT_FIFO,
    });
    queue.addQuota({ flavor: h100, accelerators: 8, cpu: kplus.Cpu.units(96), memory: Size.gibibytes(1024) });
    queue.addQuota({ flavor: trn, accelerators: 16 });
    queue.addQuota({ flavor: cpu, accelerators: 0, cpu: kplus.Cpu.millis(64500), memory: Size.mebibytes(1536) });
    const cq = find(synth(c), 'ClusterQueue');
    expect(cq.spec.preemption).toEqual({ withinClusterQueue: 'Never' });
    expect(cq.spec.cohortName).toBeUndefined();
    expect(cq.spec.queueingStrategy).toBe('StrictFIFO');
    expect(cq.spec.resourceGroups).toEqual([{
      coveredResources: ['cpu', 'memory', 'aws.amazon.com/neuron', 'nvidia.com/gpu'],
      flavors: [
        { name: 'gpu-h100', resources: [{ name: 'cpu', nominalQuota: 96 }, { name: 'memory', nominalQuota: '1024Gi' }, { name: 'aws.amazon.com/neuron', nominalQuota: 0 }, { name: 'nvidia.com/gpu', nominalQuota: 8 }] },
        { name: 'trn1', resources: [{ name: 'cpu', nominalQuota: 128 }, { name: 'memory', nominalQuota: '512Gi' }, { name: 'aws.amazon.com/neuron', nominalQuota: 16 }, { name: 'nvidia.com/gpu', nominalQuota: 0 }] },
        { name: 'cpu', resources: [{ name: 'cpu', nominalQuota: '64500m' }, { name: 'memory', nominalQuota: '1536Mi' }, { name: 'aws.amazon.com/neuron', nominalQuota: 0 }, { name: 'nvidia.com/gpu', nominalQuota: 0 }] },
      ],
    }]);
  });

  test('MIG flavors grant MIG devices', () => {
    const c = chart();
    const pool = new GpuNodePool(c, 'Mig', { nodePoolName: 'a100-mig', instanceTypes: [AcceleratorInstanceType.P4DE_24XLARGE], acceleratorLimit: 8, migProfile: MigProfile.MIG_1G_10GB, ...POOL_NETWORK });
    new ClusterQueue(c, 'Queue', { namespaces: ['team-a'], quotas: [{ flavor: new ResourceFlavor(c, 'F', { pool }), accelerators: 56 }] });
    const groups = find(synth(c), 'ClusterQueue').spec.resourceGroups;
    expect(groups[0].coveredResources).toEqual(['cpu', 'memory', 'nvidia.com/mig-1g.10gb']);
    expect(groups[0].flavors[0].resources[2]).toEqual({ name: 'nvidia.com/mig-1g.10gb', nominalQuota: 56 });
    // 8 GPUs x 7 devices is the pool's ceiling
    expectValidationError(() => new ClusterQueue(c, 'Too', { namespaces: ['team-a'], quotas: [{ flavor: new ResourceFlavor(c, 'G', { pool, flavorName: 'g' }), accelerators: 57 }] }),
      /quota-exceeds-pool-limit.*57 MIG 1g.10gb devices.*at most 56/);
  });

  test('rejects a quota exceeding the pool limit, naming queue, pool and fix', () => {
    const c = chart();
    const flavor = new ResourceFlavor(c, 'Flavor', { pool: h100Pool(c) });
    const err = expectValidationError(
      () => new ClusterQueue(c, 'Queue', { clusterQueueName: 'risk-ml', namespaces: ['team-a'], quotas: [{ flavor, accelerators: 64 }] }),
      /^\[mlops:quota-exceeds-pool-limit\] Test\/Queue: ClusterQueue risk-ml grants 64 accelerators in flavor gpu-h100, but node pool gpu-h100 may launch at most 32 \(its acceleratorLimit\)/,
    );
    expect(err.fix).toBe('Lower the quota to at most 32, or raise acceleratorLimit of node pool gpu-h100.');
  });

  test('rejects other bad quotas and queues', () => {
    const c = chart();
    const flavor = new ResourceFlavor(c, 'Flavor', { pool: h100Pool(c) });
    const cpuFlavor = new ResourceFlavor(c, 'Cpu', { flavorName: 'cpu', nodeLabels: { pool: 'cpu' } });
    let n = 0;
    const queue = (props: Partial<ConstructorParameters<typeof ClusterQueue>[2]>) => (): unknown => new ClusterQueue(c, `Q${n++}`, { namespaces: ['team-a'], ...props });
    expectValidationError(queue({ namespaces: [] }), /invalid-cluster-queue.*admits nothing/);
    expectValidationError(queue({ namespaces: ['Team A'] }), /invalid-name.*namespaces/);
    expectValidationError(queue({ quotas: [{ flavor, accelerators: -1 }] }), /invalid-queue-quota.*accelerators/);
    expectValidationError(queue({ quotas: [{ flavor, accelerators: 8 }, { flavor, accelerators: 8 }] }), /invalid-queue-quota.*already has quota in flavor gpu-h100/);
    expectValidationError(queue({ quotas: [{ flavor, accelerators: 8, acceleratorBorrowingLimit: 8 }] }), /invalid-queue-quota.*acceleratorBorrowingLimit needs a cohort/);
    expectValidationError(queue({ cohort: 'ml', quotas: [{ flavor, accelerators: 8, acceleratorLendingLimit: 9 }] }), /invalid-queue-quota.*cannot exceed/);
    expectValidationError(queue({ quotas: [{ flavor: cpuFlavor, accelerators: 4 }] }), /invalid-queue-quota.*no node pool.*accelerator resource/);
    expectValidationError(queue({ quotas: [{ flavor: cpuFlavor, accelerators: 0 }] }), /invalid-queue-quota.*derive CPU and memory/);
  });
});

describe('LocalQueue and WorkloadPriorityClass', () => {
  test('LocalQueue in the team namespace points at the ClusterQueue', () => {
    const c = chart();
    const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'] });
    const lq = new LocalQueue(c, 'Lq', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'training' });
    expect(find(synth(c), 'LocalQueue')).toEqual({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue',
      metadata: { name: 'training', namespace: 'team-a' },
      spec: { clusterQueue: 'risk-ml' },
    });
    expect(lq.clusterQueue).toBe(cq);
  });

  test('namespace from the chart; imported queues', () => {
    const c = chart('team-b');
    const cq = ClusterQueue.fromClusterQueueName(c, 'Cq', 'shared');
    const lq = new LocalQueue(c, 'Lq', { clusterQueue: cq });
    expect(lq.namespaceName).toBe('team-b');
    expect(find(synth(c), 'LocalQueue').spec).toEqual({ clusterQueue: 'shared' });
    const imported = LocalQueue.fromLocalQueueAttributes(c, 'Other', { localQueueName: 'batch', namespaceName: 'team-b' });
    expect(imported.clusterQueue).toBeUndefined();
  });

  test('rejects a namespace the ClusterQueue does not admit, and a missing namespace', () => {
    const c = chart();
    const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'] });
    const err = expectValidationError(() => new LocalQueue(c, 'Lq', { clusterQueue: cq, namespaceName: 'team-b' }), /namespace-not-admitted.*ClusterQueue risk-ml does not admit namespace team-b/);
    expect(err.fix).toMatch(/Add "team-b" to the namespaces of ClusterQueue risk-ml/);
    expectValidationError(() => new LocalQueue(c, 'Lq2', { clusterQueue: cq }), /invalid-name.*namespace/);
    expectValidationError(() => new LocalQueue(c, 'Lq3', { clusterQueue: cq, namespaceName: 'team-a', localQueueName: 'Training' }), /invalid-name.*localQueueName/);
  });

  test('WorkloadPriorityClass', () => {
    const c = chart('team-a');
    new WorkloadPriorityClass(c, 'Urgent', { priorityClassName: 'urgent', value: 1000, description: 'Deadline-bound retraining' });
    expect(find(synth(c), 'WorkloadPriorityClass')).toEqual({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'WorkloadPriorityClass',
      metadata: { name: 'urgent' }, value: 1000, description: 'Deadline-bound retraining',
    });
    expectValidationError(() => new WorkloadPriorityClass(c, 'Bad', { value: 2 ** 31 }), /invalid-priority-class.*32-bit/);
    expectValidationError(() => new WorkloadPriorityClass(c, 'Long', { value: 1, description: 'x'.repeat(2049) }), /invalid-priority-class.*2048/);
    expect(WorkloadPriorityClass.fromPriorityClassName(c, 'Imported', 'low').priorityClassName).toBe('low');
  });
});
