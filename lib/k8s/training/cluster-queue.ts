import { ApiObject, Lazy, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IResourceFlavor } from './resource-flavor';
import { checkCount, checkName, clusterScoped, cpuCores, cpuQuantity, generateName, memoryQuantity, uniqueSorted } from './private/render';
import { ValidationError } from '../../core/errors';
import { Accelerator, AcceleratorCapabilities } from '../core/accelerators';
import { dependOn } from '../core/dependencies';
import { registerObjects } from '../core/objects';
import { kplus } from '../core/plus';
import { checkNotSystemNamespace } from '../core/validation';

/**
 * A Kueue ClusterQueue: a pool of quota that LocalQueues in team namespaces submit to. What an
 * implementation knows is checked at synth: the namespaces its LocalQueues may live in, and the
 * quota the training jobs submitted through them need.
 */
export interface IClusterQueue extends IConstruct {
  /** Name of the ClusterQueue. */
  readonly clusterQueueName: string;
  /**
   * Namespaces whose LocalQueues may submit, when known: a LocalQueue in another namespace is
   * rejected.
   *
   * @default - unknown (a ClusterQueue defined outside this app): any namespace is accepted
   */
  readonly namespaces?: string[];
  /**
   * The cohort the queue borrows from and lends to, when known.
   *
   * @default - none, or unknown
   */
  readonly cohort?: string;
  /**
   * The validated quotas in admission order, when known: training jobs submitted through the
   * queue are checked against them at synth. Without it, quotas are not checked. @internal
   */
  _quotas?(): ResolvedFlavorQuota[];
}

/** Quota of one ClusterQueue in one ResourceFlavor (one node pool). */
export interface FlavorQuota {
  /** The flavor (node pool) the quota is granted in. */
  readonly flavor: IResourceFlavor;
  /**
   * Accelerators the queue may use in the flavor: GPUs, Neuron devices, or MIG devices for a MIG
   * pool. At most what the flavor's pool may launch. Use 0 for a flavor without accelerators.
   */
  readonly accelerators: number;
  /**
   * CPU the queue may use in the flavor.
   *
   * @default - the accelerators' share of the pool's instance types (required for a flavor without a pool)
   */
  readonly cpu?: kplus.Cpu;
  /**
   * Memory the queue may use in the flavor.
   *
   * @default - the accelerators' share of the pool's instance types (required for a flavor without a pool)
   */
  readonly memory?: Size;
  /**
   * Accelerators the queue may borrow from its cohort on top of its quota. Requires a cohort.
   *
   * @default - unlimited within the cohort (none without a cohort)
   */
  readonly acceleratorBorrowingLimit?: number;
  /**
   * Accelerators of the quota the queue lends to its cohort at most. Requires a cohort.
   *
   * @default - all unused quota can be lent
   */
  readonly acceleratorLendingLimit?: number;
}

/** Which workloads of the same queue a pending workload may preempt. */
export enum QueuePreemptionPolicy {
  /** Never preempt. */
  NEVER = 'Never',
  /** Preempt workloads of lower priority. */
  LOWER_PRIORITY = 'LowerPriority',
  /** Preempt workloads of lower priority, and newer ones of equal priority. */
  LOWER_OR_NEWER_EQUAL_PRIORITY = 'LowerOrNewerEqualPriority',
}

/** Which borrowing workloads of other queues of the cohort a workload may preempt to reclaim its quota. */
export enum CohortReclaimPolicy {
  /** Never preempt: wait until borrowed quota is released. */
  NEVER = 'Never',
  /** Preempt borrowing workloads of lower priority. */
  LOWER_PRIORITY = 'LowerPriority',
  /** Preempt any borrowing workload: nominal quota is guaranteed. */
  ANY = 'Any',
}

/** In which order pending workloads are admitted. */
export enum QueueingStrategy {
  /** Oldest first, but a workload that does not fit does not block newer ones that do. */
  BEST_EFFORT_FIFO = 'BestEffortFIFO',
  /** Oldest first, strictly. */
  STRICT_FIFO = 'StrictFIFO',
}

/** Properties of a {@link ClusterQueue}. */
export interface ClusterQueueProps {
  /**
   * Name of the ClusterQueue.
   *
   * @default - generated from the construct path
   */
  readonly clusterQueueName?: string;
  /** Namespaces whose LocalQueues may submit to this queue (usually one team's namespaces; no system namespace). */
  readonly namespaces: string[];
  /**
   * Quotas per flavor, tried in order.
   *
   * @default - none; add them with `addQuota()`
   */
  readonly quotas?: FlavorQuota[];
  /**
   * Cohort of ClusterQueues that lend each other unused quota (`cohortName`).
   *
   * @default - no borrowing or lending
   */
  readonly cohort?: string;
  /**
   * Which workloads of this queue a pending workload of higher priority may preempt.
   *
   * @default QueuePreemptionPolicy.LOWER_PRIORITY
   */
  readonly preemptWithinQueue?: QueuePreemptionPolicy;
  /**
   * Which borrowing workloads of the cohort a workload may preempt to get its nominal quota back.
   *
   * @default CohortReclaimPolicy.ANY
   */
  readonly reclaimWithinCohort?: CohortReclaimPolicy;
  /**
   * Admission order.
   *
   * @default QueueingStrategy.BEST_EFFORT_FIFO
   */
  readonly queueingStrategy?: QueueingStrategy;
}

/** A validated quota, for the schedulability checks. @internal */
export interface ResolvedFlavorQuota {
  readonly flavor: IResourceFlavor;
  /** Accelerator resource the quota is in (`nvidia.com/gpu`...), undefined for a flavor without a pool. */
  readonly resourceName?: string;
  readonly accelerators: number;
  readonly cpuCores: number;
  readonly memoryMiB: number;
  readonly efa: number;
  readonly acceleratorBorrowingLimit?: number;
  readonly acceleratorLendingLimit?: number;
}

const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

/**
 * A Kueue `ClusterQueue` (kueue.x-k8s.io/v1beta2): GPU, CPU and memory quota of one team per
 * flavor (node pool), optionally shared with a cohort. Only the listed namespaces may submit.
 *
 * One resource group covers CPU, memory and every accelerator resource, so a pod's CPU, memory
 * and accelerators are always granted in the same flavor, that is on the same nodes.
 *
 * @example
 * const queue = new ClusterQueue(chart, 'RiskMl', {
 *   namespaces: ['fraud-scoring-prod'],
 *   cohort: 'ml-platform',
 *   quotas: [{ flavor: h100, accelerators: 16 }],
 * });
 */
export class ClusterQueue extends Construct implements IClusterQueue {
  /** Refers to a ClusterQueue defined outside this app (its quota cannot be checked). */
  public static fromClusterQueueName(scope: Construct, id: string, clusterQueueName: string): IClusterQueue {
    class Imported extends Construct implements IClusterQueue {
      public readonly clusterQueueName = checkName(this, 'clusterQueueName', clusterQueueName);
    }
    return new Imported(scope, id);
  }

  /** Name of the ClusterQueue. */
  public readonly clusterQueueName: string;
  /** Namespaces whose LocalQueues may submit (always set on a ClusterQueue defined here). */
  public readonly namespaces?: string[];
  /** The cohort, if any. */
  public readonly cohort?: string;
  /** The ClusterQueue object. */
  public readonly resource: ApiObject;

  private readonly quotas: ResolvedFlavorQuota[] = [];

  constructor(scope: Construct, id: string, props: ClusterQueueProps) {
    super(scope, id);
    registerObjects(this, 'ClusterQueue');
    this.clusterQueueName = props.clusterQueueName !== undefined ? checkName(this, 'clusterQueueName', props.clusterQueueName) : generateName(this);
    if (!Array.isArray(props.namespaces) || props.namespaces.length === 0) {
      throw new ValidationError({
        code: 'invalid-cluster-queue', scope: this,
        message: 'A ClusterQueue without namespaces admits nothing (Kueue selects no namespace by default).',
        received: props.namespaces,
        fix: 'List the team namespaces whose LocalQueues submit to this queue.',
      });
    }
    const namespaces = uniqueSorted(props.namespaces.map((ns) => checkNotSystemNamespace(this, 'namespaces', checkName(this, 'namespaces', ns))));
    this.namespaces = namespaces;
    this.cohort = props.cohort !== undefined ? checkName(this, 'cohort', props.cohort) : undefined;
    for (const quota of props.quotas ?? []) this.addQuota(quota);

    const preemptWithinQueue = props.preemptWithinQueue ?? QueuePreemptionPolicy.LOWER_PRIORITY;
    const reclaimWithinCohort = props.reclaimWithinCohort ?? CohortReclaimPolicy.ANY;
    this.resource = clusterScoped(new ApiObject(this, 'Resource', {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ClusterQueue',
      metadata: { name: this.clusterQueueName },
      spec: Lazy.any({
        produce: () => ({
          namespaceSelector: { matchExpressions: [{ key: NAMESPACE_LABEL, operator: 'In', values: namespaces }] },
          cohortName: this.cohort,
          queueingStrategy: props.queueingStrategy ?? QueueingStrategy.BEST_EFFORT_FIFO,
          preemption: {
            withinClusterQueue: preemptWithinQueue,
            reclaimWithinCohort: this.cohort ? reclaimWithinCohort : undefined,
          },
          resourceGroups: this.renderResourceGroups(),
        }),
      }),
    }));
  }

  /**
   * Grants quota in one more flavor (flavors are tried in the order they are added).
   *
   * @throws ValidationError `quota-exceeds-pool-limit` when the quota is more than the flavor's
   *   pool may ever launch, `invalid-queue-quota` for other bad values
   */
  public addQuota(quota: FlavorQuota): void {
    const fail = (code: string, message: string, received: unknown, fix: string): never => {
      throw new ValidationError({ code, scope: this, message, received, fix });
    };
    const flavor = quota.flavor;
    if (this.quotas.some((q) => q.flavor.flavorName === flavor.flavorName)) {
      fail('invalid-queue-quota', `ClusterQueue ${this.clusterQueueName} already has quota in flavor ${flavor.flavorName}.`, flavor.flavorName, 'Give one quota per flavor.');
    }
    checkCount(this, 'invalid-queue-quota', 'accelerators', quota.accelerators, true);
    const pool = flavor.pool;
    if (!pool && quota.accelerators > 0) {
      fail('invalid-queue-quota', `Flavor ${flavor.flavorName} has no node pool, so the accelerator resource of its quota is unknown.`, quota.accelerators,
        'Create the flavor with the pool it stands for, or grant 0 accelerators in it.');
    }
    if (pool) {
      const mig = pool.migProfile;
      const poolCapacity = pool.acceleratorLimit * (mig === undefined ? 1
        : Math.max(...pool.instanceTypes.map((t) => AcceleratorCapabilities.migDevicesPerGpu(t, mig))));
      const unit = mig ? `MIG ${mig.name} devices` : 'accelerators';
      if (quota.accelerators > poolCapacity) {
        fail('quota-exceeds-pool-limit',
          `ClusterQueue ${this.clusterQueueName} grants ${quota.accelerators} ${unit} in flavor ${flavor.flavorName}, but node pool ${pool.nodePoolName} may launch at most ${poolCapacity} (its acceleratorLimit): admitted workloads would stay pending.`,
          quota.accelerators,
          `Lower the quota to at most ${poolCapacity}, or raise acceleratorLimit of node pool ${pool.nodePoolName}.`);
      }
    }
    for (const [prop, value] of [['acceleratorBorrowingLimit', quota.acceleratorBorrowingLimit], ['acceleratorLendingLimit', quota.acceleratorLendingLimit]] as const) {
      if (value === undefined) continue;
      checkCount(this, 'invalid-queue-quota', prop, value, true);
      if (!this.cohort) fail('invalid-queue-quota', `${prop} needs a cohort: a ClusterQueue without one neither borrows nor lends.`, value, 'Set cohort, or remove the limit.');
    }
    if (quota.acceleratorLendingLimit !== undefined && quota.acceleratorLendingLimit > quota.accelerators) {
      fail('invalid-queue-quota', 'acceleratorLendingLimit cannot exceed the quota it lends from.', quota.acceleratorLendingLimit, `Lend at most ${quota.accelerators}.`);
    }
    if (!pool && (quota.cpu === undefined || quota.memory === undefined)) {
      fail('invalid-queue-quota', `Flavor ${flavor.flavorName} has no node pool to derive CPU and memory quota from.`, { cpu: quota.cpu?.amount, memory: quota.memory?.toMebibytes() }, 'Give cpu and memory for the flavor.');
    }

    const types = pool?.instanceTypes ?? [];
    const perAccelerator = (of: (spec: { vcpus: number; memoryGiB: number }) => number): number =>
      Math.max(...types.map((t) => of(t.spec!) / AcceleratorCapabilities.acceleratorsPerInstance(t, pool!.migProfile)));
    const cores = quota.cpu ? cpuCores(quota.cpu) : Math.floor(quota.accelerators * perAccelerator((s) => s.vcpus));
    const memoryMiB = quota.memory ? quota.memory.toMebibytes() : Math.floor(quota.accelerators * perAccelerator((s) => s.memoryGiB)) * 1024;
    if (!Number.isFinite(cores) || cores < 0 || !Number.isFinite(memoryMiB) || memoryMiB < 0) {
      fail('invalid-queue-quota', 'cpu and memory quota must be non-negative.', { cpu: quota.cpu?.amount, memory: quota.memory?.toMebibytes() }, 'Give cpu and memory of at least 0.');
    }
    const efaPerAccelerator = pool?.efa ? Math.max(...types.map((t) => AcceleratorCapabilities.efaInterfaces(t) / AcceleratorCapabilities.acceleratorsPerInstance(t, pool.migProfile))) : 0;
    dependOn(this, flavor);
    this.quotas.push({
      flavor,
      resourceName: pool?.resourceName,
      accelerators: quota.accelerators,
      cpuCores: cores,
      memoryMiB,
      efa: Math.ceil(quota.accelerators * efaPerAccelerator),
      acceleratorBorrowingLimit: quota.acceleratorBorrowingLimit,
      acceleratorLendingLimit: quota.acceleratorLendingLimit,
    });
  }

  /** The validated quotas, in admission order. @internal */
  public _quotas(): ResolvedFlavorQuota[] {
    return [...this.quotas];
  }

  private renderResourceGroups(): unknown[] | undefined {
    if (this.quotas.length === 0) return undefined;
    const accelerators = uniqueSorted(this.quotas.flatMap((q) => (q.resourceName ? [q.resourceName] : [])));
    const efa = this.quotas.some((q) => q.efa > 0);
    const covered = ['cpu', 'memory', ...accelerators, ...(efa ? [Accelerator.EFA_RESOURCE] : [])];
    return [{
      coveredResources: covered,
      flavors: this.quotas.map((q) => ({
        name: q.flavor.flavorName,
        resources: covered.map((name) => {
          if (name === 'cpu') return { name, nominalQuota: cpuQuantity(q.cpuCores).value };
          if (name === 'memory') return { name, nominalQuota: memoryQuantity(Size.mebibytes(q.memoryMiB)).value };
          if (name === Accelerator.EFA_RESOURCE) return { name, nominalQuota: q.efa };
          const own = name === q.resourceName;
          return {
            name,
            nominalQuota: own ? q.accelerators : 0,
            borrowingLimit: own ? q.acceleratorBorrowingLimit : undefined,
            lendingLimit: own ? q.acceleratorLendingLimit : undefined,
          };
        }),
      })),
    }];
  }
}
