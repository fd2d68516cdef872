import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AcceleratorCapabilities } from '../core/accelerators';
import { IGpuNodePool } from './gpu-node-pool';
import { checkLabels, checkName, checkTaints, checkTolerations, clusterScoped, generateName } from './private/render';
import { ValidationError } from '../../core/errors';
import { registerObjects } from '../core/objects';
import { k8s } from '../core/plus';

/** A Kueue ResourceFlavor: a kind of node quota is granted in. */
export interface IResourceFlavor extends IConstruct {
  /** Name of the ResourceFlavor. */
  readonly flavorName: string;
  /** The node pool whose nodes the flavor stands for, when known. */
  readonly pool?: IGpuNodePool;
  /**
   * The flavor's node labels, when known: Kueue skips a flavor whose labels conflict with a
   * pod's node selector.
   */
  readonly nodeLabels?: { [key: string]: string };
  /** The flavor's node taints, when known: Kueue skips a flavor whose taints a pod does not tolerate. */
  readonly nodeTaints?: k8s.Taint[];
}

/** What describes a ResourceFlavor defined outside this app. */
export interface ResourceFlavorAttributes {
  /** Name of the ResourceFlavor. */
  readonly flavorName: string;
  /**
   * The node pool the flavor stands for; without it, quotas in the flavor cannot be checked.
   *
   * @default - unknown
   */
  readonly pool?: IGpuNodePool;
  /**
   * The flavor's node labels (for the first-fit check of the queues that use it).
   *
   * @default - `karpenter.sh/nodepool` of `pool`, when given
   */
  readonly nodeLabels?: { [key: string]: string };
  /**
   * The flavor's node taints.
   *
   * @default - the taints of `pool`, when given
   */
  readonly nodeTaints?: k8s.Taint[];
}

/** Properties of a {@link ResourceFlavor}. */
export interface ResourceFlavorProps {
  /**
   * Name of the ResourceFlavor.
   *
   * @default - the pool's name, else generated from the construct path
   */
  readonly flavorName?: string;
  /**
   * The node pool the flavor stands for: admitted pods are pinned to its nodes
   * (`karpenter.sh/nodepool`) and only workloads that tolerate its taints are admitted to it.
   *
   * @default - give nodeLabels instead
   */
  readonly pool?: IGpuNodePool;
  /**
   * Node labels Kueue adds as node selector to admitted pods (at most 8).
   *
   * @default - `karpenter.sh/nodepool: <pool>` when a pool is given
   */
  readonly nodeLabels?: { [key: string]: string };
  /**
   * Taints of the flavor's nodes: a workload is admitted to the flavor only if it tolerates them
   * (at most 8). This keeps CPU-only workloads out of GPU quota.
   *
   * @default - the pool's taints
   */
  readonly nodeTaints?: k8s.Taint[];
  /**
   * Tolerations Kueue adds to pods admitted to the flavor (at most 8). Leave empty for GPU pools:
   * accelerator pods already tolerate the taint, and adding it would let CPU-only pods onto GPU nodes.
   *
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
}

/**
 * A Kueue `ResourceFlavor` (kueue.x-k8s.io/v1beta2) standing for the nodes of one GPU node pool.
 *
 * @example
 * const h100 = new ResourceFlavor(chart, 'H100Flavor', { pool: h100Pool });
 */
export class ResourceFlavor extends Construct implements IResourceFlavor {
  /** Refers to a ResourceFlavor defined outside this app. */
  public static fromResourceFlavorAttributes(scope: Construct, id: string, attrs: ResourceFlavorAttributes): IResourceFlavor {
    class Imported extends Construct implements IResourceFlavor {
      public readonly flavorName = checkName(this, 'flavorName', attrs.flavorName);
      public readonly pool = attrs.pool;
      public readonly nodeLabels = attrs.nodeLabels;
      public readonly nodeTaints = attrs.nodeTaints;
    }
    return new Imported(scope, id);
  }

  /** Name of the ResourceFlavor. */
  public readonly flavorName: string;
  /** The node pool the flavor stands for, if given. */
  public readonly pool?: IGpuNodePool;
  /** The flavor's node labels (optional for jsii, as on IResourceFlavor; always set here). */
  public readonly nodeLabels?: { [key: string]: string };
  /** The flavor's node taints (optional for jsii, as on IResourceFlavor; always set here). */
  public readonly nodeTaints?: k8s.Taint[];
  /** The ResourceFlavor object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ResourceFlavorProps) {
    super(scope, id);
    registerObjects(this, 'ResourceFlavor');
    this.pool = props.pool;
    this.flavorName = props.flavorName !== undefined
      ? checkName(this, 'flavorName', props.flavorName)
      : props.pool?.nodePoolName ?? generateName(this);
    const nodeLabels = props.nodeLabels ?? (props.pool ? poolLabels(props.pool) : undefined);
    if (!nodeLabels || Object.keys(nodeLabels).length === 0) {
      throw new ValidationError({
        code: 'invalid-resource-flavor', scope: this,
        message: 'A ResourceFlavor without node labels matches every node, so quota granted in it says nothing about where pods run.',
        received: props.nodeLabels,
        fix: 'Give the pool the flavor stands for, or nodeLabels that select its nodes.',
      });
    }
    checkLabels(this, 'nodeLabels', nodeLabels, 8);
    const nodeTaints = props.nodeTaints ?? props.pool?.taints ?? [];
    const tolerations = props.tolerations ?? [];
    for (const [prop, list] of [['nodeTaints', nodeTaints], ['tolerations', tolerations]] as const) {
      if (list.length > 8) {
        throw new ValidationError({
          code: 'invalid-resource-flavor', scope: this,
          message: `${prop} has ${list.length} entries; a ResourceFlavor allows at most 8.`,
          received: list.length,
          fix: `Keep ${prop} to 8 entries or fewer.`,
        });
      }
    }
    checkTaints(this, 'invalid-resource-flavor', 'nodeTaints', nodeTaints);
    this.nodeLabels = nodeLabels;
    this.nodeTaints = nodeTaints;
    checkTolerations(this, 'invalid-resource-flavor', 'tolerations', tolerations);
    this.resource = clusterScoped(new ApiObject(this, 'Resource', {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ResourceFlavor',
      metadata: { name: this.flavorName },
      spec: {
        nodeLabels,
        nodeTaints: nodeTaints.length > 0 ? nodeTaints.map((t) => k8s.toJson_Taint(t)) : undefined,
        tolerations: tolerations.length > 0 ? tolerations.map((t) => k8s.toJson_Toleration(t)) : undefined,
      },
    }));
  }
}

/**
 * What a flavor of `pool` selects: the pool, and the accelerator model when the pool has one, so
 * that Kueue, which checks a flavor's labels against a pod's node selector, never admits a job
 * asking for another model to this pool's quota (the pods would wait for nodes that never come).
 */
function poolLabels(pool: IGpuNodePool): { [key: string]: string } {
  const labels: { [key: string]: string } = { 'karpenter.sh/nodepool': pool.nodePoolName };
  if (pool.acceleratorModels.length === 1) labels[AcceleratorCapabilities.modelLabel(pool.vendor)] = pool.acceleratorModels[0].toLowerCase();
  return labels;
}
