import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CapacityReservationSelector, CapacityType, DisruptionReason, GpuNodeImage, NodePoolDisruptionBudget } from './node-pool-options';
import { checkCount, checkLabels, checkName, checkTaints, clusterScoped, generateName, goDuration, uniqueSorted } from './private/render';
import { AcceleratorInstanceType, AcceleratorVendor } from '../../core/accelerators';
import { ValidationError } from '../../core/errors';
import { rejectArnWhereNameExpected, ROLE_NAME } from '../../core/private/identifiers';
import { validateTags } from '../../core/private/validate';
import { isUnresolvedString } from '../../private/tokens';
import { AcceleratorCapabilities } from '../core/accelerators';
import { registerObjects } from '../core/objects';
import { k8s } from '../core/plus';

const POOL_SYMBOL = Symbol.for('mlops-constructs.GpuNodePool');

/** Label Karpenter puts on every node of a NodePool, with the pool's name as value. */
const NODEPOOL_LABEL = 'karpenter.sh/nodepool';
/** Label the NVIDIA GPU operator's MIG manager reads to partition the GPUs of a node. */
const MIG_CONFIG_LABEL = 'nvidia.com/mig.config';

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
  readonly migProfile?: string;
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
  readonly migProfile?: string;
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
  readonly migProfile?: string;
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

/** The validated capacity of a pool: every member of {@link IGpuNodePool} but the construct's. */
type ResolvedPool = Omit<IGpuNodePool, keyof IConstruct>;

/**
 * Validates the capacity of a defined or declared pool on behalf of `scope` and marks `scope` as a
 * pool for {@link GpuNodePool.isGpuNodePool}.
 */
function resolvePool(scope: Construct, spec: GpuNodePoolSpec): ResolvedPool {
  Object.defineProperty(scope, POOL_SYMBOL, { value: true });
  const nodePoolName = spec.nodePoolName === undefined ? generateName(scope) : checkName(scope, 'nodePoolName', spec.nodePoolName);
  const instanceTypes = checkInstanceTypes(scope, spec.instanceTypes);
  const vendor = instanceTypes[0].spec!.vendor;
  const efa = spec.efa ?? false;
  if (spec.migProfile !== undefined) checkMig(scope, instanceTypes, spec.migProfile);
  if (efa) checkEfa(scope, instanceTypes);
  const acceleratorLimit = checkLimit(scope, instanceTypes, spec.acceleratorLimit);
  const capacityTypes = [...new Set(spec.capacityTypes ?? [CapacityType.ON_DEMAND])];
  if (capacityTypes.length === 0) {
    throw new ValidationError({
      code: 'invalid-node-pool', scope,
      message: 'capacityTypes is empty, so the pool could never launch a node.',
      received: spec.capacityTypes,
      fix: 'Give at least one capacity type, for example [CapacityType.ON_DEMAND].',
    });
  }
  const labels = { ...spec.labels };
  checkLabels(scope, 'labels', labels);
  const restricted = Object.keys(labels).filter((key) => key !== MIG_CONFIG_LABEL && isRestrictedLabel(key));
  if (restricted.length > 0) {
    throw new ValidationError({
      code: 'invalid-labels', scope,
      message: 'Node labels in the kubernetes.io, k8s.io, karpenter.sh and karpenter.k8s.aws domains are reserved: Karpenter or the kubelet set them.',
      received: restricted,
      fix: 'Use your own label domain, for example "example.com/team", or node-restriction.kubernetes.io/ for labels workloads must not set.',
    });
  }
  return {
    nodePoolName,
    vendor,
    instanceTypes,
    acceleratorModels: uniqueSorted(instanceTypes.map((t) => t.spec!.acceleratorModel)),
    maxAcceleratorsPerNode: Math.max(...instanceTypes.map((t) => t.spec!.acceleratorCount)),
    acceleratorLimit,
    migProfile: spec.migProfile,
    efa,
    resourceName: AcceleratorCapabilities.resourceName(vendor, spec.migProfile),
    taints: checkedTaints(scope, spec.taints) ?? [{ key: AcceleratorCapabilities.taintKey(vendor), effect: 'NoSchedule' }],
    nodeLabels: { ...labels, [NODEPOOL_LABEL]: nodePoolName },
    capacityTypes,
  };
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
  /** Name of the IAM role of the nodes (EC2NodeClass `role`), for example `KarpenterNodeRole-ml`. */
  readonly nodeRole: string;
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
   *
   * @default GpuNodeImage.AL2023_LATEST
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
   * Partition every GPU into MIG devices of this profile (for example `1g.10gb`): nodes get the
   * `nvidia.com/mig.config: all-<profile>` label the NVIDIA GPU operator's MIG manager applies,
   * and pods request `nvidia.com/mig-<profile>`. Karpenter does not model MIG devices when it
   * provisions, so MIG pods run on nodes that already exist.
   *
   * @default - whole GPUs
   */
  readonly migProfile?: string;
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

// KMS alias names may contain ":" (KMS API AliasNameType `^[a-zA-Z0-9:/_-]+$`).
const KMS_KEY = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9:/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias\/[A-Za-z0-9:/_-]+|mrk-[0-9a-f]{32})$/;
const PLACEMENT_GROUP = /^[\x20-\x7E]{1,255}$/;
const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const CRON = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/;
const RESTRICTED_TAGS = ['eks:eks-cluster-name', 'karpenter.sh/nodepool', 'karpenter.sh/nodeclaim', 'karpenter.k8s.aws/ec2nodeclass'];

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
  public readonly migProfile?: string;
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
 *   nodeRole: 'KarpenterNodeRole-ml',
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

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id, { ...props, labels: migLabels(props) });
    registerObjects(this, 'GPU node pool');
    this.nodeClassName = this.nodePoolName;
    const nodeClassSpec = this.renderNodeClass(props);
    const nodePoolSpec = this.renderNodePool(props);

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

  private renderNodePool(props: GpuNodePoolProps): Record<string, unknown> {
    const families = uniqueSorted(this.instanceTypes.map((t) => t.family));
    const models = this.acceleratorModels.map((m) => m.toLowerCase());
    const nvidia = this.vendor === AcceleratorVendor.NVIDIA;
    const requirements = [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: uniqueSorted(this.instanceTypes.map((t) => t.ec2Name)) },
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: families },
      { key: nvidia ? 'karpenter.k8s.aws/instance-gpu-name' : 'karpenter.k8s.aws/instance-accelerator-name', operator: 'In', values: models },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...this.capacityTypes] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
    ];
    const templateLabels = { ...this.nodeLabels };
    delete templateLabels[NODEPOOL_LABEL];

    if (props.weight !== undefined) checkCount(this, 'invalid-node-pool', 'weight', props.weight, false, 100);
    const consolidateAfter = props.consolidateAfter ?? Duration.minutes(10);
    return {
      template: {
        metadata: Object.keys(templateLabels).length > 0 ? { labels: templateLabels } : undefined,
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.nodeClassName },
          requirements,
          taints: this.taints.map((t) => k8s.toJson_Taint(t)),
          expireAfter: props.expireAfter ? this.duration('expireAfter', props.expireAfter) : 'Never',
          terminationGracePeriod: props.terminationGracePeriod ? this.duration('terminationGracePeriod', props.terminationGracePeriod) : undefined,
        },
      },
      disruption: {
        consolidationPolicy: 'WhenEmpty',
        consolidateAfter: goDuration(consolidateAfter),
        budgets: this.renderBudgets(props.disruptionBudgets ?? [
          { nodes: '0', reasons: [DisruptionReason.DRIFTED, DisruptionReason.UNDERUTILIZED] },
          { nodes: '10%', reasons: [DisruptionReason.EMPTY] },
        ]),
      },
      limits: { [AcceleratorCapabilities.resourceName(this.vendor)]: this.acceleratorLimit },
      weight: props.weight,
    };
  }

  private renderBudgets(budgets: NodePoolDisruptionBudget[]): Record<string, unknown>[] {
    return budgets.map((budget) => {
      const fail = (message: string, fix: string): never => {
        throw new ValidationError({ code: 'invalid-disruption-budget', scope: this, message, received: budget.nodes, fix });
      };
      if (!BUDGET_NODES.test(budget.nodes)) fail('A disruption budget allows a number of nodes ("0", "2") or a percentage ("10%").', 'Give nodes as "0", "3" or "20%".');
      if ((budget.schedule === undefined) !== (budget.duration === undefined)) fail('A disruption budget needs both a schedule and a duration, or neither.', 'Give schedule and duration together, or omit both for an always active budget.');
      if (budget.schedule !== undefined && !CRON.test(budget.schedule)) fail(`Schedule "${budget.schedule}" is not a cron expression.`, 'Use five cron fields ("0 8 * * mon-fri") or a macro such as "@daily".');
      if (budget.duration !== undefined && (budget.duration.toSeconds() < 60 || budget.duration.toSeconds() % 60 !== 0)) fail('A budget duration is whole minutes or hours.', 'Give a duration such as Duration.hours(10).');
      return {
        nodes: budget.nodes,
        reasons: budget.reasons ? [...new Set(budget.reasons)] : undefined,
        schedule: budget.schedule,
        duration: budget.duration ? goDuration(budget.duration) : undefined,
      };
    });
  }

  private renderNodeClass(props: GpuNodePoolProps): Record<string, unknown> {
    const fail = (code: string, message: string, received: unknown, fix: string): never => {
      throw new ValidationError({ code, scope: this, message, received, fix });
    };
    rejectArnWhereNameExpected(this, 'nodeRole', props.nodeRole, 'IAM role');
    // Deploy-time values (a chart applied through the EKS kubectl provider) pass.
    if (!isUnresolvedString(props.nodeRole) && !ROLE_NAME.test(props.nodeRole)) {
      fail('invalid-node-pool', 'nodeRole must be the name (not the ARN) of an IAM role: 1-64 letters, digits and +=,.@_-.', props.nodeRole, 'Give the role name, for example "KarpenterNodeRole-ml".');
    }
    const subnets = checkSelectorTags(this, 'subnetTags', props.subnetTags);
    const securityGroups = checkSelectorTags(this, 'securityGroupTags', props.securityGroupTags);
    const image = props.image ?? GpuNodeImage.AL2023_LATEST;
    image._validate(this);

    const volumeSize = props.volumeSize ?? Size.gibibytes(200);
    const gib = volumeSize.toMebibytes() / 1024;
    if (!Number.isInteger(gib) || gib < 20 || gib > 16384) {
      fail('invalid-node-pool', 'volumeSize must be whole gibibytes from 20 GiB (the image) to 16384 GiB (the gp3 maximum).', `${volumeSize.toMebibytes()} MiB`, 'Give a size such as Size.gibibytes(200).');
    }
    if (props.volumeKmsKeyId !== undefined && !isUnresolvedString(props.volumeKmsKeyId) && !KMS_KEY.test(props.volumeKmsKeyId)) {
      fail('invalid-node-pool', 'volumeKmsKeyId must be a KMS key id, key ARN or alias ARN.', props.volumeKmsKeyId, 'Give the key ARN, for example arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab.');
    }
    const ebs = (size: string): Record<string, unknown> => ({
      volumeSize: size, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, kmsKeyID: props.volumeKmsKeyId,
    });
    const blockDeviceMappings = image.family === 'bottlerocket'
      // Bottlerocket: a small OS volume and a data volume for images and ephemeral storage.
      ? [{ deviceName: '/dev/xvda', ebs: ebs('4Gi') }, { deviceName: '/dev/xvdb', ebs: ebs(`${gib}Gi`) }]
      : [{ deviceName: '/dev/xvda', rootVolume: true, ebs: ebs(`${gib}Gi`) }];

    const reserved = this.capacityTypes.includes(CapacityType.RESERVED);
    const reservations = (props.capacityReservations ?? []).map((r) => r._render(this));
    if (reserved !== reservations.length > 0) {
      fail('invalid-capacity-reservation', reserved
        ? 'capacityTypes includes RESERVED but no capacityReservations select a reservation, so no reserved node could launch.'
        : 'capacityReservations are given but capacityTypes does not include RESERVED, so Karpenter would never use them.',
      { capacityTypes: this.capacityTypes, capacityReservations: reservations.length },
      'Give capacityReservations together with CapacityType.RESERVED in capacityTypes.');
    }
    if (reservations.length > 30) fail('invalid-capacity-reservation', 'At most 30 capacity reservation selectors are allowed.', reservations.length, 'Select reservations by tags instead of listing ids.');
    if (props.placementGroupName !== undefined && !isUnresolvedString(props.placementGroupName) && !PLACEMENT_GROUP.test(props.placementGroupName)) {
      fail('invalid-node-pool', 'placementGroupName must be 1-255 printable ASCII characters.', props.placementGroupName, 'Give the name of the placement group.');
    }
    const tags = props.tags ?? {};
    validateTags(this, 'tags', tags, { otherKeys: ['Name', ...RESTRICTED_TAGS, 'kubernetes.io/cluster/<cluster>'], otherKeysBy: 'Karpenter' });
    for (const [key, value] of Object.entries(tags)) {
      if (key === '' || RESTRICTED_TAGS.includes(key) || key.startsWith('kubernetes.io/cluster')) {
        fail('invalid-node-pool', `Tag "${key}" is empty or reserved by EKS or Karpenter.`, key, `Remove the tag; Karpenter sets ${RESTRICTED_TAGS.join(', ')} itself.`);
      }
      if (key.length > 128 || value.length > 256) fail('invalid-node-pool', 'EC2 tag keys have at most 128 and values at most 256 characters.', key, 'Shorten the tag.');
    }

    return {
      role: props.nodeRole,
      amiSelectorTerms: [{ alias: image.alias }],
      subnetSelectorTerms: [{ tags: subnets }],
      securityGroupSelectorTerms: [{ tags: securityGroups }],
      blockDeviceMappings,
      instanceStorePolicy: props.useInstanceStores ? 'RAID0' : undefined,
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
      associatePublicIPAddress: false,
      capacityReservationSelectorTerms: reservations.length > 0 ? reservations : undefined,
      placementGroupSelector: props.placementGroupName !== undefined ? { name: props.placementGroupName } : undefined,
      tags: Object.keys(tags).length > 0 ? tags : undefined,
    };
  }

  private duration(prop: string, duration: Duration): string {
    if (duration.toSeconds() < 1 || !Number.isInteger(duration.toSeconds())) {
      throw new ValidationError({
        code: 'invalid-node-pool', scope: this,
        message: `${prop} must be at least one second, in whole seconds.`,
        received: duration.toHumanString(),
        fix: `Give ${prop} such as Duration.hours(720).`,
      });
    }
    return goDuration(duration);
  }
}

/** A pool declared with {@link GpuNodePool.fromNodePoolAttributes}: capacity only, no objects. */
class ImportedGpuNodePool extends GpuNodePoolBase {
  constructor(scope: Construct, id: string, attrs: GpuNodePoolAttributes) {
    super(scope, id, attrs);
  }
}

function checkedTaints(scope: IConstruct, taints: k8s.Taint[] | undefined): k8s.Taint[] | undefined {
  if (taints !== undefined) checkTaints(scope, 'invalid-node-pool', 'taints', taints);
  return taints;
}

function isRestrictedLabel(key: string): boolean {
  if (!key.includes('/')) return false;
  const domain = key.slice(0, key.indexOf('/'));
  if (domain === 'node-restriction.kubernetes.io' || domain.endsWith('.node-restriction.kubernetes.io')) return false;
  return ['kubernetes.io', 'k8s.io', 'karpenter.sh', 'karpenter.k8s.aws'].some((d) => domain === d || domain.endsWith(`.${d}`));
}

function migLabels(props: GpuNodePoolProps): Record<string, string> | undefined {
  if (props.migProfile === undefined) return props.labels;
  return { ...props.labels, [MIG_CONFIG_LABEL]: `all-${props.migProfile}` };
}

function checkInstanceTypes(scope: IConstruct, types: AcceleratorInstanceType[]): AcceleratorInstanceType[] {
  if (!Array.isArray(types) || types.length === 0) {
    throw new ValidationError({
      code: 'invalid-node-pool', scope,
      message: 'A node pool needs at least one instance type.',
      received: types,
      fix: 'Give instanceTypes, for example [AcceleratorInstanceType.P5_48XLARGE].',
    });
  }
  const unknown = types.filter((t) => !t.wellFormed || !t.catalogued);
  if (unknown.length > 0) {
    throw new ValidationError({
      code: 'unknown-instance-type', scope,
      message: 'A GPU node pool only launches catalogued accelerator instance types, whose accelerators the library knows.',
      received: unknown.map((t) => t.ec2Name),
      fix: 'Use AcceleratorInstanceType members such as P5_48XLARGE or G6E_12XLARGE.',
    });
  }
  const vendors = new Set(types.map((t) => t.spec!.vendor));
  if (vendors.size > 1) {
    throw new ValidationError({
      code: 'mixed-accelerator-vendors', scope,
      message: 'A node pool serves one accelerator family: its instance types mix NVIDIA GPUs and AWS Neuron devices, which need different taints, drivers and resources.',
      received: types.map((t) => t.ec2Name),
      fix: 'Define one GpuNodePool for the NVIDIA types and another for the Neuron types.',
    });
  }
  const byName = new Map(types.map((t) => [t.ec2Name, t]));
  return [...byName.values()];
}

function checkMig(scope: IConstruct, types: AcceleratorInstanceType[], profile: string): void {
  const withoutMig = types.filter((t) => !t.spec!.migCapable);
  if (withoutMig.length > 0) {
    throw new ValidationError({
      code: 'mig-not-supported', scope,
      message: `migProfile "${profile}" is set, but the GPUs of ${withoutMig.map((t) => t.ec2Name).join(', ')} do not support Multi-Instance GPU.`,
      received: profile,
      fix: 'Use only MIG-capable types (p4d, p4de, p5, p5e, p5en) in a MIG pool, or omit migProfile.',
    });
  }
  const unsupported = types.filter((t) => AcceleratorCapabilities.migDevicesPerGpu(t, profile) === 0);
  if (unsupported.length > 0) {
    throw new ValidationError({
      code: 'invalid-mig-profile', scope,
      message: `MIG profile "${profile}" is not supported by the GPUs of ${unsupported.map((t) => t.ec2Name).join(', ')}.`,
      received: profile,
      fix: `Use a profile every type supports: ${unsupported.map((t) => `${t.ec2Name}: ${AcceleratorCapabilities.migProfiles(t).join(' ')}`).join('; ')}.`,
    });
  }
}

function checkEfa(scope: IConstruct, types: AcceleratorInstanceType[]): void {
  const withoutEfa = types.filter((t) => AcceleratorCapabilities.efaInterfaces(t) === 0);
  if (withoutEfa.length > 0) {
    throw new ValidationError({
      code: 'efa-not-supported', scope,
      message: `efa is set, but ${withoutEfa.map((t) => t.ec2Name).join(', ')} have no Elastic Fabric Adapter.`,
      received: withoutEfa.map((t) => t.ec2Name),
      fix: 'Remove the types without EFA from the pool, or set efa to false.',
    });
  }
}

function checkLimit(scope: IConstruct, types: AcceleratorInstanceType[], limit: number): number {
  checkCount(scope, 'invalid-accelerator-limit', 'acceleratorLimit', limit);
  const tooLarge = types.filter((t) => t.spec!.acceleratorCount > limit);
  if (tooLarge.length > 0) {
    const needed = Math.max(...tooLarge.map((t) => t.spec!.acceleratorCount));
    throw new ValidationError({
      code: 'invalid-accelerator-limit', scope,
      message: `acceleratorLimit ${limit} is below the accelerators of one ${tooLarge[0].ec2Name} node (${needed}), so Karpenter could never launch it.`,
      received: limit,
      fix: `Raise acceleratorLimit to at least ${needed} (a multiple of it for several nodes), or remove ${tooLarge.map((t) => t.ec2Name).join(', ')}.`,
    });
  }
  return limit;
}

function checkSelectorTags(scope: IConstruct, prop: string, tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0 || entries.length > 20 || entries.some(([k, v]) => k === '' || typeof v !== 'string' || v === '')) {
    throw new ValidationError({
      code: 'invalid-node-pool', scope,
      message: `${prop} must have 1-20 tags with non-empty keys and values; Karpenter selects by all of them.`,
      received: tags,
      fix: `Give the tags that mark the resources, for example { "karpenter.sh/discovery": "<cluster name>" }.`,
    });
  }
  validateTags(scope, prop, tags, { selector: true });
  return { ...tags };
}
