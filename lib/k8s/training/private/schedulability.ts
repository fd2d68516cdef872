/**
 * The schedulability check of training jobs: can a node pool of the chart (or one declared in it)
 * run the job, and does its queue have quota for it? Run on the finished tree, at synth. Not
 * exported from the library.
 */
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AcceleratorInstanceType, AcceleratorVendor } from '../../../core/accelerators';
import { ValidationError } from '../../../core/errors';
import { Accelerator, AcceleratorCapabilities } from '../../core/accelerators';
import { ResolvedFlavorQuota } from '../cluster-queue';
import { GpuNodePool, IGpuNodePool } from '../gpu-node-pool';
import { ILocalQueue } from '../local-queue';
import { k8s } from '../../core/plus';

/** What one training job needs. */
export interface TrainingDemand {
  /** Kind and name of the job, for messages (`TrainJob llm-finetune`). */
  readonly jobDescription: string;
  readonly accelerator: Accelerator;
  /** The pods' node selector (the accelerator's and the job's own). */
  readonly nodeSelector: { [key: string]: string };
  /** The pods' tolerations (the accelerator taint's and the job's own). */
  readonly tolerations: k8s.Toleration[];
  /** Training nodes (pods). */
  readonly nodes: number;
  /** CPU and memory per pod. */
  readonly cpuCores: number;
  readonly memoryMiB: number;
  readonly queue?: ILocalQueue;
}

/**
 * Adds the check to `job`. It runs when the app (or a chart) is synthesized and throws the
 * ValidationError itself: cdk8s would otherwise wrap validation messages in a generic Error.
 */
export function addSchedulabilityCheck(job: Construct, demand: TrainingDemand): void {
  job.node.addValidation({
    validate: () => {
      checkSchedulable(job, demand);
      return [];
    },
  });
}

function checkSchedulable(job: IConstruct, demand: TrainingDemand): void {
  const chart = Chart.of(job);
  const flavorPools = queueQuotas(demand.queue).flatMap((q) => (q.flavor.pool ? [q.flavor.pool] : []));
  const pools = [...new Set([...chart.node.findAll().filter((c): c is IGpuNodePool => GpuNodePool.isGpuNodePool(c)), ...flavorPools])];
  const verdicts = pools.map((pool) => ({ pool, problem: poolProblem(pool, demand) }));
  const fitting = verdicts.filter((v) => v.problem === undefined).map((v) => v.pool);
  const acc = demand.accelerator;
  const asked = `${demand.nodes} node(s) with ${acc.describe()}, ${demand.cpuCores} vCPU and ${gib(demand.memoryMiB)} GiB each`;

  if (fitting.length === 0) {
    throw new ValidationError({
      code: 'unschedulable-accelerator', scope: job,
      message: pools.length === 0
        ? `${demand.jobDescription} asks for ${asked}, but chart ${chart.node.id} defines or declares no GPU node pool to run it on.`
        : `${demand.jobDescription} asks for ${asked}, which no node pool can give: ${verdicts.map((v) => `node pool ${v.pool.nodePoolName} ${v.problem}`).join('; ')}.`,
      received: { accelerator: acc.describe(), resource: acc.resourceName, nodes: demand.nodes, cpu: demand.cpuCores, memoryGiB: gib(demand.memoryMiB) },
      fix: pools.length === 0
        ? 'Define a GpuNodePool in the chart, or declare the cluster\'s pool with GpuNodePool.fromNodePoolAttributes(), with instance types that offer these accelerators.'
        : 'Request what a pool offers, or extend or add a GpuNodePool (instance types, acceleratorLimit, efa, migProfile) that can run the job.',
    });
  }
  checkQueue(job, demand, fitting);
}

/** Why `pool` cannot run the job, or undefined when it can. */
function poolProblem(pool: IGpuNodePool, demand: TrainingDemand): string | undefined {
  const acc = demand.accelerator;
  if (pool.vendor !== acc.vendor) return `has ${vendorName(pool.vendor)} accelerators, not ${vendorName(acc.vendor)} ones`;
  const pinned = demand.nodeSelector['karpenter.sh/nodepool'];
  if (pinned !== undefined && pinned !== pool.nodePoolName) return `is not node pool ${pinned}, which the pods select (nodeSelector)`;
  const untolerated = untoleratedTaints(pool.taints, demand.tolerations);
  if (untolerated.length > 0) {
    return `has the taint(s) ${untolerated.map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`).join(', ')}, which the pods do not tolerate (add tolerations)`;
  }
  // Profiles are compared by name: MigProfile.of() of a name without a constant makes a new object.
  if (pool.migProfile?.name !== acc.migProfile?.name) {
    return pool.migProfile === undefined
      ? `has whole GPUs, not MIG ${acc.migProfile?.name} devices`
      : `partitions its GPUs into MIG ${pool.migProfile.name} devices (request migProfile "${pool.migProfile.name}")`;
  }
  const matching = pool.instanceTypes.filter((t) => acc.capacityOn(t) > 0);
  if (matching.length === 0) return `offers ${pool.instanceTypes.map((t) => `${t.ec2Name} (${t.spec!.acceleratorModel})`).join(', ')}`;
  const unit = acc.migProfile ? `MIG ${acc.migProfile.name} devices` : 'accelerators';
  const large = matching.filter((t) => acc.capacityOn(t) >= acc.count);
  if (large.length === 0) return `has at most ${Math.max(...matching.map((t) => acc.capacityOn(t)))} ${unit} per node`;
  let candidates = large;
  if (acc.efa > 0) {
    if (!pool.efa) return 'does not attach EFA interfaces (set efa on the pool)';
    candidates = candidates.filter((t) => AcceleratorCapabilities.efaInterfaces(t) >= acc.efa);
    if (candidates.length === 0) return `has at most ${Math.max(...large.map((t) => AcceleratorCapabilities.efaInterfaces(t)))} EFA interfaces per node`;
  }
  const fits = candidates.filter((t) => podsPerNode(t, demand) >= 1);
  if (fits.length === 0) {
    const best = candidates.map((t) => allocatable(t)).sort((a, b) => b.cpu - a.cpu)[0];
    return `has nodes with about ${best.cpu.toFixed(1)} vCPU and ${gib(best.memoryMiB)} GiB allocatable at most`;
  }
  const needed = fits.map((t) => Math.ceil(demand.nodes / podsPerNode(t, demand)) * t.spec!.acceleratorCount);
  const leastNeeded = Math.min(...needed);
  if (leastNeeded > pool.acceleratorLimit) {
    return `may launch ${pool.acceleratorLimit} accelerators in total (acceleratorLimit), but ${demand.nodes} such node(s) take at least ${leastNeeded}`;
  }
  return undefined;
}

/** The taints that keep pods with `tolerations` off a node (PreferNoSchedule only prefers). */
function untoleratedTaints(taints: k8s.Taint[], tolerations: k8s.Toleration[]): k8s.Taint[] {
  return taints.filter((t) => t.effect !== 'PreferNoSchedule' && !tolerations.some((tol) => tolerates(tol, t)));
}

/** Whether `toleration` tolerates `taint`, as the scheduler decides it. */
function tolerates(toleration: k8s.Toleration, taint: k8s.Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  if ((toleration.operator ?? 'Equal') === 'Exists') return toleration.key === undefined || toleration.key === '' || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** How many pods of the job one node of `type` holds. */
function podsPerNode(type: AcceleratorInstanceType, demand: TrainingDemand): number {
  const { cpu, memoryMiB } = allocatable(type);
  return Math.min(
    Math.floor(demand.accelerator.capacityOn(type) / demand.accelerator.count),
    Math.floor(cpu / demand.cpuCores),
    Math.floor(memoryMiB / demand.memoryMiB),
  );
}

/**
 * Upper estimate of what one node offers to pods, as Karpenter computes it: vCPUs minus the
 * kube-reserved CPU of the EKS AMIs; memory minus Karpenter's 7.5% VM overhead, the
 * kube-reserved memory for 110 pods and the eviction threshold. DaemonSets take more.
 */
function allocatable(type: AcceleratorInstanceType): { cpu: number; memoryMiB: number } {
  const vcpus = type.spec!.vcpus;
  const reservedMillis = 60 + (vcpus > 1 ? 10 : 0) + Math.min(Math.max(vcpus - 2, 0), 2) * 5 + Math.max(vcpus - 4, 0) * 2.5;
  const memoryMiB = Math.floor(type.spec!.memoryGiB * 1024 * 0.925) - (11 * 110 + 255) - 100;
  return { cpu: vcpus - reservedMillis / 1000, memoryMiB };
}

function checkQueue(job: IConstruct, demand: TrainingDemand, fitting: IGpuNodePool[]): void {
  const queue = demand.queue;
  const cq = queue?.clusterQueue;
  // Quotas are checked when the ClusterQueue knows them (one defined in this app does).
  const quotas = cq?._quotas?.();
  if (!queue || !cq || quotas === undefined) return;
  const acc = demand.accelerator;
  const fittingNames = new Set(fitting.map((p) => p.nodePoolName));
  const usable = quotas.filter((q) => q.flavor.pool && fittingNames.has(q.flavor.pool.nodePoolName) && q.resourceName === acc.resourceName && q.accelerators > 0);
  const queueName = `LocalQueue ${queue.localQueueName} (ClusterQueue ${cq.clusterQueueName})`;
  if (usable.length === 0) {
    const flavors = quotas.map((q) => `${q.flavor.flavorName} (${q.flavor.pool ? `node pool ${q.flavor.pool.nodePoolName}, ${q.accelerators} ${q.resourceName}` : 'no node pool'})`);
    throw new ValidationError({
      code: 'queue-has-no-quota', scope: job,
      message: `${demand.jobDescription} is submitted to ${queueName}, which has no ${acc.resourceName} quota in a flavor of a node pool that can run it (${fitting.map((p) => p.nodePoolName).join(', ')}); its flavors: ${flavors.length > 0 ? flavors.join(', ') : 'none'}.`,
      received: { queue: queue.localQueueName, clusterQueue: cq.clusterQueueName, resource: acc.resourceName },
      fix: `Add quota to ClusterQueue ${cq.clusterQueueName} in a ResourceFlavor of node pool ${fitting[0].nodePoolName}, or submit to a queue that has it.`,
    });
  }
  const total = {
    accelerators: demand.nodes * acc.count,
    cpu: demand.nodes * demand.cpuCores,
    memoryMiB: demand.nodes * demand.memoryMiB,
    efa: demand.nodes * acc.efa,
  };
  const borrow = (limit: number | undefined): number => (cq.cohort ? (limit ?? Infinity) : 0);
  const anyBorrow = borrow(undefined);
  const fits = (q: ResolvedFlavorQuota): boolean => total.accelerators <= q.accelerators + borrow(q.acceleratorBorrowingLimit)
    && total.cpu <= q.cpuCores + anyBorrow && total.memoryMiB <= q.memoryMiB + anyBorrow && total.efa <= q.efa + anyBorrow;
  // Kueue assigns the first flavor, in the ClusterQueue's order, whose labels the pods' node
  // selector allows and whose quota fits (borrowing included); it does not know whether the
  // flavor's nodes can hold the pods. A first fit on a pool that cannot run the job leaves its
  // pods pending for good.
  // As Kueue judges a flavor for the pods: its labels must not conflict with their node selector
  // (a single-model pool's flavor carries the model label), and its taints must be tolerated.
  const allowed = (q: ResolvedFlavorQuota): boolean => {
    const pool = q.flavor.pool;
    if (pool && pool.vendor !== acc.vendor) return false;
    const labels = q.flavor.nodeLabels ?? (pool ? { 'karpenter.sh/nodepool': pool.nodePoolName } : {});
    if (Object.entries(labels).some(([key, value]) => key in demand.nodeSelector && demand.nodeSelector[key] !== value)) return false;
    const taints = q.flavor.nodeTaints ?? pool?.taints ?? [];
    return untoleratedTaints(taints, demand.tolerations).length === 0;
  };
  const firstFit = quotas.find((q) => q.resourceName === acc.resourceName && q.accelerators + borrow(q.acceleratorBorrowingLimit) > 0 && allowed(q) && fits(q));
  if (firstFit && !(firstFit.flavor.pool && fittingNames.has(firstFit.flavor.pool.nodePoolName))) {
    const pool = firstFit.flavor.pool;
    throw new ValidationError({
      code: 'first-fit-flavor-cannot-run', scope: job,
      message: `${demand.jobDescription} would be admitted by ${queueName} to flavor ${firstFit.flavor.flavorName}, the first in the queue's order whose labels and quota fit it (Kueue assigns flavors first-fit), but ${pool ? `node pool ${pool.nodePoolName} ${poolProblem(pool, demand) ?? 'cannot run it'}` : 'that flavor names no node pool'}: its pods would stay pending.`,
      received: { flavor: firstFit.flavor.flavorName, flavors: quotas.filter((q) => q.resourceName === acc.resourceName).map((q) => q.flavor.flavorName) },
      fix: `List a flavor of ${fitting.map((p) => p.nodePoolName).join(' or ')} before ${firstFit.flavor.flavorName} in ClusterQueue ${cq.clusterQueueName}, request the accelerator model or instance type the job needs, or submit it to a queue without that flavor.`,
    });
  }
  if (!usable.some(fits)) {
    const largest = [...usable].sort((a, b) => (b.accelerators + borrow(b.acceleratorBorrowingLimit)) - (a.accelerators + borrow(a.acceleratorBorrowingLimit)))[0];
    throw new ValidationError({
      code: 'queue-quota-too-small', scope: job,
      message: `${demand.jobDescription} needs ${total.accelerators} ${acc.resourceName}, ${total.cpu} vCPU, ${gib(total.memoryMiB)} GiB${total.efa > 0 ? ` and ${total.efa} EFA interfaces` : ''} at once, more than ${queueName} can ever admit: flavor ${largest.flavor.flavorName} grants ${largest.accelerators} ${acc.resourceName}${largest.acceleratorBorrowingLimit !== undefined && cq.cohort ? ` (+${largest.acceleratorBorrowingLimit} borrowed)` : ''}, ${largest.cpuCores} vCPU, ${gib(largest.memoryMiB)} GiB${largest.efa > 0 || total.efa > 0 ? `, ${largest.efa} EFA` : ''}.`,
      received: { resource: acc.resourceName, accelerators: total.accelerators, cpu: total.cpu, memoryGiB: gib(total.memoryMiB), efa: total.efa },
      fix: `Raise the quota of ClusterQueue ${cq.clusterQueueName} in flavor ${largest.flavor.flavorName}, let it borrow from a cohort, or run fewer or smaller nodes.`,
    });
  }
}

function queueQuotas(queue: ILocalQueue | undefined): ResolvedFlavorQuota[] {
  return queue?.clusterQueue?._quotas?.() ?? [];
}

function vendorName(vendor: AcceleratorVendor): string {
  return vendor === AcceleratorVendor.AWS ? 'AWS Neuron' : 'NVIDIA';
}

function gib(mebibytes: number): number {
  return Math.round((mebibytes / 1024) * 10) / 10;
}
