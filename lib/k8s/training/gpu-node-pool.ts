import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CapacityReservationSelector, CapacityType, GpuNodeImage, GpuNodeImageFamily, NodePoolDisruptionBudget } from './node-pool-options';
import { renderNodeClass, renderNodePool } from './private/karpenter';
import { migLabels, POOL_SYMBOL, resolvePool } from './private/pool-capacity';
import { clusterScoped } from './private/render';
import { AcceleratorInstanceType, AcceleratorVendor } from '../../core/accelerators';
import { ValidationError } from '../../core/errors';
import { MigProfile } from '../core/accelerators';
import { registerObjects } from '../core/objects';
import { k8s } from '../core/plus';

/**
 * A pool of accelerator nodes that training jobs can be scheduled on: a Karpenter NodePool
 * defined in this app ({@link GpuNodePool}) or one declared with
 * {@link GpuNodePool.fromNodePoolAttributes}.
 */
export interface IGpuNodePool extends IConstruct {
  /** Name of the NodePool (the value of the `karpenter.sh/nodepool` node label). */
  readonly nodePoolName: string;
  /** Accelerator vendor of every instance type of the pool. */
  readonly vendor: AcceleratorVendor;
  /** Instance types the pool launches. */
  readonly instanceTypes: AcceleratorInstanceType[];
  /** Accelerator models the pool offers, for example `['H100']`. */
  readonly acceleratorModels: string[];
  /** Most accelerators (GPUs or Neuron devices) one node of the pool has. */
  readonly maxAcceleratorsPerNode: number;
  /** Upper bound on the accelerators of all nodes of the pool together (the cost guardrail). */
  readonly acceleratorLimit: number;
  /** MIG profile the pool's GPUs are partitioned into, if any. */
  readonly migProfile?: MigProfile;
  /** Whether every instance type of the pool has EFA. */
  readonly efa: boolean;
  /** The extended resource pods request on this pool (`nvidia.com/gpu`, `nvidia.com/mig-1g.10gb`, `aws.amazon.com/neuron`). */
  readonly resourceName: string;
  /** Taints every node of the pool carries. */
  readonly taints: k8s.Taint[];
  /** Labels every node of the pool carries, `karpenter.sh/nodepool` included. */
  readonly nodeLabels: { [key: string]: string };
  /** How the pool's nodes are bought. */
  readonly capacityTypes: CapacityType[];
}

/** What describes a node pool defined outside this app, for the schedulability checks. */
export interface GpuNodePoolAttributes {
  /** Name of the NodePool (`karpenter.sh/nodepool` label value of its nodes). */
  readonly nodePoolName: string;
  /** Catalogued accelerator instance types the pool launches, all of one vendor. */
  readonly instanceTypes: AcceleratorInstanceType[];
  /** Most accelerators all nodes of the pool may have together (its `limits`). */
  readonly acceleratorLimit: number;
  /**
   * MIG profile the pool's GPUs are partitioned into.
   *
   * @default - whole GPUs
   */
  readonly migProfile?: MigProfile;
  /**
   * Whether the pool's nodes attach EFA interfaces.
   *
   * @default false
   */
  readonly efa?: boolean;
  /**
   * Labels the pool's nodes carry, besides `karpenter.sh/nodepool`.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Taints the pool's nodes carry.
   *
   * @default - the accelerator taint (`nvidia.com/gpu:NoSchedule` or `aws.amazon.com/neuron:NoSchedule`)
   */
  readonly taints?: k8s.Taint[];
  /**
   * How the pool's nodes are bought.
   *
   * @default [CapacityType.ON_DEMAND]
   */
  readonly capacityTypes?: CapacityType[];
}

/**
 * The capacity of a GPU node pool, as {@link GpuNodePoolBase} validates it: what a defined pool
 * ({@link GpuNodePoolProps}) and a declared one ({@link GpuNodePoolAttributes}) have in common.
 */
export interface GpuNodePoolSpec {
  /**
   * Name of the NodePool.
   *
   * @default - generated from the construct path
   */
  readonly nodePoolName?: string;
  /** Catalogued accelerator instance types the pool launches, all of one vendor. */
  readonly instanceTypes: AcceleratorInstanceType[];
  /** Most accelerators all nodes of the pool may have together. */
  readonly acceleratorLimit: number;
  /**
   * MIG profile the pool's GPUs are partitioned into.
   *
   * @default - whole GPUs
   */
  readonly migProfile?: MigProfile;
  /**
   * Whether the pool's nodes attach EFA interfaces.
   *
   * @default false
   */
  readonly efa?: boolean;
  /**
   * Labels the pool's nodes carry, besides `karpenter.sh/nodepool`.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Taints the pool's nodes carry.
   *
   * @default - the accelerator taint
   */
  readonly taints?: k8s.Taint[];
  /**
   * How the pool's nodes are bought.
   *
   * @default [CapacityType.ON_DEMAND]
   */
  readonly capacityTypes?: CapacityType[];
}

/** Properties of a {@link GpuNodePool}. */
export interface GpuNodePoolProps {
  /**
   * Name of the NodePool and its EC2NodeClass.
   *
   * @default - generated from the construct path
   */
  readonly nodePoolName?: string;
  /**
   * Catalogued accelerator instance types the pool may launch, all of one vendor (NVIDIA or
   * AWS Neuron): one pool per accelerator family.
   */
  readonly instanceTypes: AcceleratorInstanceType[];
  /**
   * Most accelerators (GPUs or Neuron devices) all nodes of the pool may have together: the
   * NodePool `limits`, a cost guardrail. At least the accelerators of the largest instance type.
   */
  readonly acceleratorLimit: number;
  /**
   * Name of the IAM instance profile the nodes are launched with (EC2NodeClass
   * `spec.instanceProfile`), for example `GpuCluster.nodeInstanceProfileName`. A profile created
   * beforehand, not a role for Karpenter to make one from: IAM has no VPC endpoint, so Karpenter in
   * an isolated VPC cannot create instance profiles (Karpenter 1.9 or later with
   * `settings.isolatedVPC=true` then makes no IAM call).
   */
  readonly instanceProfile: string;
  /** Tags that select the (private) subnets for the nodes, for example `{ "karpenter.sh/discovery": "ml" }`. */
  readonly subnetTags: { [key: string]: string };
  /** Tags that select the security groups of the nodes. */
  readonly securityGroupTags: { [key: string]: string };
  /**
   * How nodes may be bought. `RESERVED` requires `capacityReservations`.
   *
   * @default [CapacityType.ON_DEMAND]
   */
  readonly capacityTypes?: CapacityType[];
  /**
   * Capacity reservations (ODCRs, capacity blocks) the pool launches into first.
   *
   * @default - none
   */
  readonly capacityReservations?: CapacityReservationSelector[];
  /**
   * Node image. Karpenter picks the accelerated variant of the family for GPU and Neuron types.
   * Bottlerocket's NVIDIA variant runs the NVIDIA device plugin itself and has the Lustre client;
   * on AL2023 the cluster must run the NVIDIA device plugin (or the Neuron device plugin).
   *
   * @default - GpuNodeImage.BOTTLEROCKET_LATEST for NVIDIA pools, GpuNodeImage.AL2023_LATEST for Neuron pools
   */
  readonly image?: GpuNodeImage;
  /**
   * Size of the (encrypted, gp3) volume holding container images and ephemeral storage; training
   * images are large.
   *
   * @default Size.gibibytes(200)
   */
  readonly volumeSize?: Size;
  /**
   * KMS key (id, ARN or alias ARN) that encrypts the node volumes.
   *
   * @default - the AWS managed EBS key
   */
  readonly volumeKmsKeyId?: string;
  /**
   * Use the instance's local NVMe disks (RAID0) for ephemeral storage instead of the EBS volume
   * (`instanceStorePolicy: RAID0`).
   *
   * @default false
   */
  readonly useInstanceStores?: boolean;
  /**
   * Launch EFA-capable instance types only, so that pods can request EFA interfaces
   * (`vpc.amazonaws.com/efa`); Karpenter attaches them. The security group must allow all
   * traffic to itself.
   *
   * @default false
   */
  readonly efa?: boolean;
  /**
   * Name of an EC2 placement group (cluster strategy) for low-latency collective communication.
   *
   * @default - none
   */
  readonly placementGroupName?: string;
  /**
   * Partition every GPU into MIG devices of this profile (for example `MigProfile.MIG_1G_10GB`): nodes get the
   * `nvidia.com/mig.config: all-<profile>` label the NVIDIA GPU operator's MIG manager applies,
   * and pods request `nvidia.com/mig-<profile>`. Karpenter does not model MIG devices when it
   * provisions, so MIG pods run on nodes that already exist.
   *
   * @default - whole GPUs
   */
  readonly migProfile?: MigProfile;
  /**
   * How long a node must be empty before Karpenter removes it. Running training is never
   * consolidated: the pool uses `consolidationPolicy: WhenEmpty`.
   *
   * @default Duration.minutes(10)
   */
  readonly consolidateAfter?: Duration;
  /**
   * Maximum node lifetime. Expiry is forceful (budgets do not apply), so the default never
   * expires nodes; empty nodes are replaced with fresh ones anyway.
   *
   * @default - never
   */
  readonly expireAfter?: Duration;
  /**
   * How long a node being deleted waits for its pods before it is forced down.
   *
   * @default - waits for the pods
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Disruption budgets.
   *
   * @default - drifted and underutilized nodes are never disrupted (`nodes: "0"`), at most 10% of
   * the nodes are removed at once when empty
   */
  readonly disruptionBudgets?: NodePoolDisruptionBudget[];
  /**
   * Labels of the nodes (besides the well-known ones Karpenter sets).
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Tags of the EC2 instances and volumes.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
  /**
   * Priority among NodePools that can all run a pod (1-100, higher first).
   *
   * @default - no weight (0)
   */
  readonly weight?: number;
}

/** What defined and declared node pools share: the capacity the schedulability check reads. */
export abstract class GpuNodePoolBase extends Construct implements IGpuNodePool {
  /** Name of the NodePool (the value of the `karpenter.sh/nodepool` node label). */
  public readonly nodePoolName: string;
  /** Accelerator vendor of every instance type of the pool. */
  public readonly vendor: AcceleratorVendor;
  /** Instance types the pool launches. */
  public readonly instanceTypes: AcceleratorInstanceType[];
  /** Accelerator models the pool offers, for example `['H100']`. */
  public readonly acceleratorModels: string[];
  /** Most accelerators (GPUs or Neuron devices) one node of the pool has. */
  public readonly maxAcceleratorsPerNode: number;
  /** Upper bound on the accelerators of all nodes of the pool together. */
  public readonly acceleratorLimit: number;
  /** MIG profile the pool's GPUs are partitioned into, if any. */
  public readonly migProfile?: MigProfile;
  /** Whether the pool's nodes attach EFA interfaces. */
  public readonly efa: boolean;
  /** The extended resource pods request on this pool. */
  public readonly resourceName: string;
  /** Taints every node of the pool carries. */
  public readonly taints: k8s.Taint[];
  /** Labels every node of the pool carries, `karpenter.sh/nodepool` included. */
  public readonly nodeLabels: { [key: string]: string };
  /** How the pool's nodes are bought. */
  public readonly capacityTypes: CapacityType[];

  protected constructor(scope: Construct, id: string, spec: GpuNodePoolSpec) {
    super(scope, id);
    const pool = resolvePool(this, spec);
    this.nodePoolName = pool.nodePoolName;
    this.vendor = pool.vendor;
    this.instanceTypes = pool.instanceTypes;
    this.acceleratorModels = pool.acceleratorModels;
    this.maxAcceleratorsPerNode = pool.maxAcceleratorsPerNode;
    this.acceleratorLimit = pool.acceleratorLimit;
    this.migProfile = pool.migProfile;
    this.efa = pool.efa;
    this.resourceName = pool.resourceName;
    this.taints = pool.taints;
    this.nodeLabels = pool.nodeLabels;
    this.capacityTypes = pool.capacityTypes;
  }
}

/**
 * A pool of GPU or Neuron nodes provisioned by Karpenter: a `karpenter.sh/v1` NodePool and its
 * `karpenter.k8s.aws/v1` EC2NodeClass.
 *
 * Defaults protect running training and cost: nodes carry the accelerator taint, the pool's
 * accelerators are capped by `acceleratorLimit`, only empty nodes are consolidated, drifted nodes
 * are not replaced while busy, nodes never expire, IMDSv2 is required with a hop limit of 1,
 * volumes are encrypted and nodes get no public IP.
 *
 * @example
 * new GpuNodePool(chart, 'H100', {
 *   instanceTypes: [AcceleratorInstanceType.P5_48XLARGE],
 *   acceleratorLimit: 32,
 *   instanceProfile: 'KarpenterNode-ml',
 *   subnetTags: { 'karpenter.sh/discovery': 'ml' },
 *   securityGroupTags: { 'karpenter.sh/discovery': 'ml' },
 *   efa: true,
 * });
 */
export class GpuNodePool extends GpuNodePoolBase {
  /**
   * Declares a node pool defined outside this app (another chart, Helm, the console), so that
   * training jobs and queues in this chart can be checked against it. Creates no object.
   */
  public static fromNodePoolAttributes(scope: Construct, id: string, attrs: GpuNodePoolAttributes): IGpuNodePool {
    return new ImportedGpuNodePool(scope, id, attrs);
  }

  /** Whether `x` is a node pool (defined or declared). */
  public static isGpuNodePool(x: unknown): x is IGpuNodePool {
    return x !== null && typeof x === 'object' && POOL_SYMBOL in x;
  }

  /** Name of the EC2NodeClass (the same as the NodePool). */
  public readonly nodeClassName: string;
  /** The NodePool object. */
  public readonly nodePool: ApiObject;
  /** The EC2NodeClass object. */
  public readonly nodeClass: ApiObject;
  /** The node image (family and version) the pool's nodes boot. */
  public readonly image: GpuNodeImage;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id, { ...props, labels: migLabels(props) });
    registerObjects(this, 'GPU node pool');
    this.nodeClassName = this.nodePoolName;
    // Bottlerocket partitions MIG GPUs with the single strategy (each slice is an nvidia.com/gpu),
    // while MIG pods here request nvidia.com/mig-<profile> (the mixed strategy of the GPU
    // operator's MIG manager, on AL2023).
    this.image = props.image ?? (this.vendor === AcceleratorVendor.NVIDIA && this.migProfile === undefined ? GpuNodeImage.BOTTLEROCKET_LATEST : GpuNodeImage.AL2023_LATEST);
    if (this.migProfile !== undefined && this.image.family === GpuNodeImageFamily.BOTTLEROCKET) {
      throw new ValidationError({
        code: 'mig-node-image', scope: this,
        message: `A MIG pool (${this.migProfile.name}) on Bottlerocket: Bottlerocket partitions GPUs with the single strategy (every slice advertised as nvidia.com/gpu), and MIG pods request ${this.resourceName}, which only the mixed strategy advertises, so none would schedule.`,
        received: { image: this.image.alias, migProfile: this.migProfile.name },
        fix: 'Leave image unset (AL2023) and run the NVIDIA GPU operator\'s MIG manager with the mixed strategy on the cluster, or request whole GPUs.',
      });
    }
    const nodeClassSpec = renderNodeClass(this, props);
    const nodePoolSpec = renderNodePool(this, props);

    this.nodeClass = clusterScoped(new ApiObject(this, 'NodeClass', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: this.nodeClassName },
      spec: nodeClassSpec,
    }));
    this.nodePool = clusterScoped(new ApiObject(this, 'Resource', {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.nodePoolName },
      spec: nodePoolSpec,
    }));
    this.nodePool.node.addDependency(this.nodeClass);
  }
}

/** A pool declared with {@link GpuNodePool.fromNodePoolAttributes}: capacity only, no objects. */
class ImportedGpuNodePool extends GpuNodePoolBase {
  constructor(scope: Construct, id: string, attrs: GpuNodePoolAttributes) {
    super(scope, id, attrs);
  }
}
