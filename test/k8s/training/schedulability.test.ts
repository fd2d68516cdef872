import { App, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { ValidationError } from '../../../lib/core/errors';
import { Accelerator, MigProfile } from '../../../lib/k8s/core/accelerators';
import { ClusterQueue, FlavorQuota } from '../../../lib/k8s/training/cluster-queue';
import { GpuNodePool, IGpuNodePool } from '../../../lib/k8s/training/gpu-node-pool';
import { IndexedTrainingJob } from '../../../lib/k8s/training/indexed-training-job';
import { LocalQueue } from '../../../lib/k8s/training/local-queue';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { TorchTrainingRuntime } from '../../../lib/k8s/training/torch-training-runtime';
import { TrainJob } from '../../../lib/k8s/training/train-job';
import { TrainingJobOptions } from '../../../lib/k8s/training/training-job-options';
import { expectValidationError } from '../../support/errors';
import { chart, h100Pool, jobOptions, POOL_NETWORK, synth } from './fixtures';

const { P4DE_24XLARGE, G6E_12XLARGE, TRN1_32XLARGE } = AcceleratorInstanceType;

/** An IndexedTrainingJob named `train` in `c`. */
function job(c: Chart, overrides: Partial<TrainingJobOptions> = {}): IndexedTrainingJob {
  return new IndexedTrainingJob(c, 'Train', { ...jobOptions(overrides), jobName: 'train' });
}

describe('schedulability check at synth', () => {
  test('passes when a pool of the chart can run the job; pods pack onto nodes within the limit', () => {
    const c = chart();
    h100Pool(c, { acceleratorLimit: 8 });
    // 4 pods of 2 GPUs fit one 8-GPU node
    job(c, { nodes: 4, accelerator: Accelerator.nvidiaGpu({ count: 2, model: 'H100' }), cpu: kplus.Cpu.units(40), memory: Size.gibibytes(400) });
    expect(synth(c).some((o) => o.kind === 'Job')).toBe(true);
  });

  test('a job no pool of the chart offers the accelerator for: the error names the job, the pools and the fix', () => {
    const c = chart();
    h100Pool(c);
    job(c, { accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'A100' }) });
    const err = expectValidationError(() => Testing.synth(c),
      /^\[mlops:unschedulable-accelerator\] Test\/Train: Job train asks for 2 node\(s\) with 8 x NVIDIA A100, 160 vCPU and 1600 GiB each, which no node pool can give: node pool gpu-h100 offers p5.48xlarge \(H100\)\./);
    expect(err.constructPath).toBe('Test/Train');
    expect(err.fix).toMatch(/extend or add a GpuNodePool/);
  });

  test('app.synth() surfaces the ValidationError itself, not cdk8s\'s wrapped validation message', () => {
    const app = Testing.app();
    const c = new Chart(app, 'Platform');
    job(c, { namespaceName: 'team-a' });
    let caught: unknown;
    try {
      app.synth();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as Error).message).not.toMatch(/Validation failed with the following errors/);
    expectValidationError(() => app.synth(), /^\[mlops:unschedulable-accelerator\] Platform\/Train: .*chart Platform defines or declares no GPU node pool.*Fix: Define a GpuNodePool in the chart, or declare the cluster's pool with GpuNodePool.fromNodePoolAttributes\(\)/);
    expect(() => new App({ outdir: app.outdir }).synth()).not.toThrow();
  });

  test.each<[string, (c: Chart) => void, Partial<TrainingJobOptions>, RegExp]>([
    ['vendor', (c) => h100Pool(c), { accelerator: Accelerator.neuron({ count: 16, model: 'Trainium' }), memory: Size.gibibytes(400) },
      /unschedulable-accelerator.*gpu-h100 has NVIDIA accelerators, not AWS Neuron ones/],
    ['per-node count', (c) => h100Pool(c, { nodePoolName: 'l40s', instanceTypes: [G6E_12XLARGE], efa: false }), { accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'L40S' }), cpu: kplus.Cpu.units(40), memory: Size.gibibytes(300) },
      /unschedulable-accelerator.*l40s has at most 4 accelerators per node/],
    ['node count over the GPU limit', (c) => h100Pool(c, { acceleratorLimit: 16 }), { nodes: 3 },
      /unschedulable-accelerator.*gpu-h100 may launch 16 accelerators in total \(acceleratorLimit\), but 3 such node\(s\) take at least 24/],
    ['EFA on a pool without it', (c) => h100Pool(c, { efa: false }), { accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 }) },
      /unschedulable-accelerator.*gpu-h100 does not attach EFA interfaces/],
    ['MIG devices on a whole-GPU pool', (c) => h100Pool(c), { accelerator: Accelerator.nvidiaGpu({ count: 1, model: 'H100', migProfile: MigProfile.MIG_1G_10GB }), cpu: kplus.Cpu.units(4), memory: Size.gibibytes(32) },
      /unschedulable-accelerator.*gpu-h100 has whole GPUs, not MIG 1g.10gb devices/],
    ['whole GPUs on a MIG pool', (c) => new GpuNodePool(c, 'Mig', { nodePoolName: 'mig', instanceTypes: [P4DE_24XLARGE], acceleratorLimit: 8, migProfile: MigProfile.MIG_1G_10GB, ...POOL_NETWORK }),
      { accelerator: Accelerator.nvidiaGpu({ count: 1, model: 'A100' }), cpu: kplus.Cpu.units(4), memory: Size.gibibytes(32) },
      /unschedulable-accelerator.*mig partitions its GPUs into MIG 1g.10gb devices \(request migProfile "1g.10gb"\)/],
    ['more CPU than a node has', (c) => h100Pool(c), { cpu: kplus.Cpu.units(192) },
      /unschedulable-accelerator.*gpu-h100 has nodes with about 191.4 vCPU and \d+(\.\d)? GiB allocatable at most/],
    ['more memory than a node has', (c) => h100Pool(c), { memory: Size.gibibytes(2000) },
      /unschedulable-accelerator.*allocatable at most/],
  ])('rejects a job no pool can give: %s', (_name, pools, overrides, pattern) => {
    const c = chart();
    pools(c);
    job(c, overrides);
    expectValidationError(() => Testing.synth(c), pattern);
  });

  test('MIG jobs run on a MIG pool of the profile', () => {
    const c = chart();
    new GpuNodePool(c, 'Mig', { nodePoolName: 'mig', instanceTypes: [P4DE_24XLARGE], acceleratorLimit: 8, migProfile: MigProfile.MIG_1G_10GB, ...POOL_NETWORK });
    job(c, { nodes: 10, accelerator: Accelerator.nvidiaGpu({ count: 1, migProfile: MigProfile.MIG_1G_10GB }), cpu: kplus.Cpu.units(4), memory: Size.gibibytes(32) });
    expect(() => synth(c)).not.toThrow();
  });

  test('pools declared with fromNodePoolAttributes count, for pools defined elsewhere', () => {
    const c = chart();
    GpuNodePool.fromNodePoolAttributes(c, 'Shared', { nodePoolName: 'shared-trn1', instanceTypes: [TRN1_32XLARGE], acceleratorLimit: 64, efa: true });
    job(c, { accelerator: Accelerator.neuron({ count: 16, model: 'Trainium', efa: 8 }), cpu: kplus.Cpu.units(120), memory: Size.gibibytes(400) });
    expect(() => synth(c)).not.toThrow();
  });

  describe('queues', () => {
    function queued(quota: Omit<FlavorQuota, 'flavor'>, cohort?: string, overrides: Partial<TrainingJobOptions> = {}) {
      const c = chart();
      const pool = h100Pool(c);
      const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'], cohort, quotas: [{ flavor: new ResourceFlavor(c, 'Flavor', { pool }), ...quota }] });
      const queue = new LocalQueue(c, 'Queue', { clusterQueue: cq, localQueueName: 'training', namespaceName: 'team-a' });
      new TrainJob(c, 'Finetune', { ...jobOptions(overrides), jobName: 'finetune', runtime: new TorchTrainingRuntime(c, 'Torch', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/torch:2.7.1' }), queue });
      return c;
    }

    test('passes with enough quota, or borrowing from a cohort without a limit', () => {
      expect(() => synth(queued({ accelerators: 16 }))).not.toThrow();
      expect(() => synth(queued({ accelerators: 8 }, 'ml-platform'))).not.toThrow();
    });

    test('rejects a job whose queue grants too little, even when borrowing up to its limit', () => {
      const err = expectValidationError(() => synth(queued({ accelerators: 8 })),
        /^\[mlops:queue-quota-too-small\] Test\/Finetune: TrainJob finetune needs 16 nvidia.com\/gpu, 320 vCPU, 3200 GiB at once, more than LocalQueue training \(ClusterQueue risk-ml\) can ever admit: flavor gpu-h100 grants 8 nvidia.com\/gpu, 192 vCPU, 2048 GiB, 32 EFA\. Received: \{"resource":"nvidia.com\/gpu","accelerators":16,"cpu":320,"memoryGiB":3200,"efa":0\}/);
      expect(err.fix).toMatch(/Raise the quota of ClusterQueue risk-ml in flavor gpu-h100/);
      expectValidationError(() => synth(queued({ accelerators: 8, acceleratorBorrowingLimit: 4 }, 'ml-platform')), /queue-quota-too-small.*\(\+4 borrowed\)/);
      // CPU quota counts too
      expectValidationError(() => synth(queued({ accelerators: 16, cpu: kplus.Cpu.units(100), memory: Size.gibibytes(4096) })), /queue-quota-too-small.*100 vCPU/);
    });

    test('rejects a job whose queue has no quota for its accelerator', () => {
      const c = chart();
      h100Pool(c);
      const trn = new GpuNodePool(c, 'Trn', { nodePoolName: 'trn1', instanceTypes: [TRN1_32XLARGE], acceleratorLimit: 32, ...POOL_NETWORK });
      const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'neuron-only', namespaces: ['team-a'], quotas: [{ flavor: new ResourceFlavor(c, 'Flavor', { pool: trn }), accelerators: 32 }] });
      const queue = new LocalQueue(c, 'Queue', { clusterQueue: cq, localQueueName: 'training', namespaceName: 'team-a' });
      job(c, { queue });
      const err = expectValidationError(() => synth(c),
        /^\[mlops:queue-has-no-quota\] Test\/Train: Job train is submitted to LocalQueue training \(ClusterQueue neuron-only\), which has no nvidia.com\/gpu quota in a flavor of a node pool that can run it \(gpu-h100\); its flavors: trn1 \(node pool trn1, 32 aws.amazon.com\/neuron\)\./);
      expect(err.fix).toBe('Add quota to ClusterQueue neuron-only in a ResourceFlavor of node pool gpu-h100, or submit to a queue that has it.');
    });

    test('a queue\'s flavor pool counts even when the pool is defined in another chart', () => {
      const app = Testing.app();
      const platform = new Chart(app, 'Platform');
      const pool = h100Pool(platform);
      const cq = new ClusterQueue(platform, 'Cq', { namespaces: ['team-a'], quotas: [{ flavor: new ResourceFlavor(platform, 'Flavor', { pool }), accelerators: 32 }] });
      const project = new Chart(app, 'Project');
      const queue = new LocalQueue(project, 'Queue', { clusterQueue: cq, namespaceName: 'team-a' });
      new IndexedTrainingJob(project, 'Train', { ...jobOptions(), queue });
      expect(() => app.synth()).not.toThrow();
    });
  });

  describe('Kueue\'s first-fit flavor assignment', () => {
    /** A queue whose flavors are, in order, those of `pools`, each with 32 accelerators. */
    function inOrder(pools: (c: Chart) => IGpuNodePool[], overrides: Partial<TrainingJobOptions>) {
      const c = chart();
      const quotas = pools(c).map((pool) => ({ flavor: new ResourceFlavor(c, `${pool.node.id}Flavor`, { pool }), accelerators: 32 }));
      const cq = new ClusterQueue(c, 'Cq', { clusterQueueName: 'risk-ml', namespaces: ['team-a'], quotas });
      const queue = new LocalQueue(c, 'Queue', { clusterQueue: cq, localQueueName: 'training', namespaceName: 'team-a' });
      new IndexedTrainingJob(c, 'Train', { ...jobOptions(overrides), jobName: 'train', queue });
      return c;
    }
    const g4 = (c: Chart) => new GpuNodePool(c, 'Small', { nodePoolName: 'l40s-4', instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 32, ...POOL_NETWORK });
    const g8 = (c: Chart) => new GpuNodePool(c, 'Large', { nodePoolName: 'l40s-8', instanceTypes: [AcceleratorInstanceType.G6E_48XLARGE], acceleratorLimit: 32, ...POOL_NETWORK });
    const mixed = (c: Chart) => new GpuNodePool(c, 'Mixed', {
      nodePoolName: 'h100-h200', instanceTypes: [AcceleratorInstanceType.P5_48XLARGE, AcceleratorInstanceType.P5EN_48XLARGE], acceleratorLimit: 32, efa: true, ...POOL_NETWORK,
    });
    const eightL40s = { accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'L40S' }), nodes: 2, cpu: kplus.Cpu.units(90), memory: Size.gibibytes(700) };

    test('the first flavor that fits is one whose pool cannot hold the pods: refused, naming both', () => {
      // both pools are L40S, so the model label does not tell them apart; 8 GPUs per node exist on g6e.48xlarge only
      const err = expectValidationError(() => synth(inOrder((c) => [g4(c), g8(c)], eightL40s)),
        /first-fit-flavor-cannot-run.*would be admitted by LocalQueue training \(ClusterQueue risk-ml\) to flavor l40s-4.*node pool l40s-4 has at most 4 accelerators per node/);
      expect(err.fix).toMatch(/List a flavor of l40s-8 before l40s-4/);
    });

    test('in the other order it passes; flavors of single-model pools of another model are skipped', () => {
      expect(() => synth(inOrder((c) => [g8(c), g4(c)], eightL40s))).not.toThrow();
      // an H100 job skips the L40S flavor listed first (its model label conflicts with the job's node selector)
      expect(() => synth(inOrder((c) => [g8(c), h100Pool(c)], {}))).not.toThrow();
    });

    test('Kueue skips a first flavor whose labels conflict with the pods\' node selector, or whose taints they do not tolerate', () => {
      // pinned to the larger pool: the smaller pool's flavor (listed first) has another karpenter.sh/nodepool
      expect(() => synth(inOrder((c) => [g4(c), g8(c)], { ...eightL40s, nodeSelector: { 'karpenter.sh/nodepool': 'l40s-8' } }))).not.toThrow();
      // a first flavor whose pool has a taint the job does not tolerate is skipped too
      const taintedSmall = (c: Chart) => GpuNodePool.fromNodePoolAttributes(c, 'TaintedSmall', {
        nodePoolName: 'l40s-4-dedicated', instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 32,
        taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }, { key: 'example.com/dedicated', value: 'other-team', effect: 'NoSchedule' }],
      });
      expect(() => synth(inOrder((c) => [taintedSmall(c), g8(c)], eightL40s))).not.toThrow();
    });

    test('a multi-model pool\'s flavor carries no model label, so listed first it takes a job of another model', () => {
      expectValidationError(() => synth(inOrder((c) => [mixed(c), g8(c)], eightL40s)), /first-fit-flavor-cannot-run.*flavor h100-h200/);
      const c = chart();
      const flavor = new ResourceFlavor(c, 'F', { pool: mixed(c) });
      expect(JSON.stringify(Testing.synth(c).find((o) => o.kind === 'ResourceFlavor'))).not.toContain('instance-gpu-name');
      expect(flavor.flavorName).toBe('h100-h200');
    });
  });

  describe('pools with taints of their own, and jobs with their own tolerations and node selector', () => {
    const dedicated = { key: 'example.com/dedicated', value: 'risk-ml', effect: 'NoSchedule' };
    // a pool declared with the taints its nodes carry (the accelerator taint and a team's own)
    const tainted = (c: Chart) => GpuNodePool.fromNodePoolAttributes(c, 'Dedicated', {
      nodePoolName: 'gpu-h100-risk', instanceTypes: [AcceleratorInstanceType.P5_48XLARGE], acceleratorLimit: 32,
      taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }, dedicated],
    });

    test('a job that does not tolerate the pool\'s extra taint cannot run there; with the toleration it can', () => {
      const c1 = chart();
      tainted(c1);
      job(c1);
      expectValidationError(() => synth(c1), /unschedulable-accelerator.*has the taint\(s\) example.com\/dedicated=risk-ml:NoSchedule, which the pods do not tolerate/);
      const c2 = chart();
      tainted(c2);
      const j = job(c2, { tolerations: [{ key: 'example.com/dedicated', operator: 'Equal', value: 'risk-ml', effect: 'NoSchedule' }] });
      expect(() => synth(c2)).not.toThrow();
      // the pods carry both tolerations, and the job's node selector next to the accelerator's
      const rendered = JSON.stringify(Testing.synth(c2).find((o) => o.kind === 'Job'));
      expect(rendered).toContain('"key":"example.com/dedicated"');
      expect(rendered).toContain('"key":"nvidia.com/gpu"');
      expect(j).toBeDefined();
    });

    test('a toleration of another value, or of another effect, does not count; Exists on the key does', () => {
      for (const [tol, ok] of [
        [{ key: 'example.com/dedicated', operator: 'Equal', value: 'other', effect: 'NoSchedule' }, false],
        [{ key: 'example.com/dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
        [{ key: 'example.com/dedicated', operator: 'Exists' }, true],
      ] as const) {
        const c = chart();
        tainted(c);
        job(c, { tolerations: [tol] });
        if (ok) expect(() => synth(c)).not.toThrow();
        else expectValidationError(() => synth(c), /unschedulable-accelerator.*do not tolerate/);
      }
    });

    test('a node selector pinning another pool leaves no pool; one repeating an accelerator key is refused', () => {
      const c = chart();
      h100Pool(c);
      job(c, { nodeSelector: { 'karpenter.sh/nodepool': 'elsewhere' } });
      expectValidationError(() => synth(c), /unschedulable-accelerator.*is not node pool elsewhere, which the pods select/);
      const c2 = chart();
      h100Pool(c2);
      job(c2, { nodeSelector: { 'karpenter.sh/nodepool': 'gpu-h100' } });
      expect(() => synth(c2)).not.toThrow();
      expect(JSON.stringify(Testing.synth(c2).find((o) => o.kind === 'Job'))).toContain('"karpenter.sh/nodepool":"gpu-h100"');
      expectValidationError(() => job(chart(), { nodeSelector: { 'karpenter.k8s.aws/instance-gpu-name': 'a100' } }), /invalid-training-job.*nodeSelector sets karpenter.k8s.aws\/instance-gpu-name/);
      expectValidationError(() => job(chart(), { tolerations: [{ key: 'x', operator: 'Sometimes' }] }), /invalid-training-job.*tolerations/);
    });
  });
});
