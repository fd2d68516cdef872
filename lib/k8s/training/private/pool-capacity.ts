/**
 * The capacity of a GPU node pool, defined (`GpuNodePool`) or declared
 * (`GpuNodePool.fromNodePoolAttributes`): instance types of one vendor, the accelerator limit,
 * MIG, EFA, capacity types, node labels and taints, validated the same way for both. Not exported
 * from the library.
 */
import { Construct, IConstruct } from 'constructs';
import { NODEPOOL_LABEL } from './karpenter';
import { checkCount, checkLabels, checkName, checkTaints, generateName, uniqueSorted } from './render';
import { AcceleratorInstanceType } from '../../../core/accelerators';
import { ValidationError } from '../../../core/errors';
import { AcceleratorCapabilities, MigProfile } from '../../core/accelerators';
import { k8s } from '../../core/plus';
import type { GpuNodePoolProps, GpuNodePoolSpec, IGpuNodePool } from '../gpu-node-pool';
import { CapacityType } from '../node-pool-options';

/** Marks node pools (defined or declared) for `GpuNodePool.isGpuNodePool`. */
export const POOL_SYMBOL = Symbol.for('mlops-constructs.GpuNodePool');

/** Label the NVIDIA GPU operator's MIG manager reads to partition the GPUs of a node. */
const MIG_CONFIG_LABEL = 'nvidia.com/mig.config';

/** The validated capacity of a pool: every member of {@link IGpuNodePool} but the construct's. */
export type ResolvedPool = Omit<IGpuNodePool, keyof IConstruct>;

/**
 * Validates the capacity of a defined or declared pool on behalf of `scope` and marks `scope` as a
 * pool for `GpuNodePool.isGpuNodePool`.
 */
export function resolvePool(scope: Construct, spec: GpuNodePoolSpec): ResolvedPool {
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

/**
 * The node labels of a defined pool: `labels`, plus `nvidia.com/mig.config: all-<profile>` for a
 * MIG pool (the label the GPU operator's MIG manager partitions the node's GPUs by).
 */
export function migLabels(props: GpuNodePoolProps): Record<string, string> | undefined {
  if (props.migProfile === undefined) return props.labels;
  return { ...props.labels, [MIG_CONFIG_LABEL]: `all-${props.migProfile.name}` };
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

function checkMig(scope: IConstruct, types: AcceleratorInstanceType[], profile: MigProfile): void {
  const withoutMig = types.filter((t) => !t.spec!.migCapable);
  if (withoutMig.length > 0) {
    throw new ValidationError({
      code: 'mig-not-supported', scope,
      message: `migProfile "${profile.name}" is set, but the GPUs of ${withoutMig.map((t) => t.ec2Name).join(', ')} do not support Multi-Instance GPU.`,
      received: profile.name,
      fix: 'Use only MIG-capable types (p4d, p4de, p5, p5e, p5en) in a MIG pool, or omit migProfile.',
    });
  }
  const unsupported = types.filter((t) => AcceleratorCapabilities.migDevicesPerGpu(t, profile) === 0);
  if (unsupported.length > 0) {
    throw new ValidationError({
      code: 'invalid-mig-profile', scope,
      message: `MIG profile "${profile.name}" is not supported by the GPUs of ${unsupported.map((t) => t.ec2Name).join(', ')}.`,
      received: profile.name,
      fix: `Use a profile every type supports: ${unsupported.map((t) => `${t.ec2Name}: ${AcceleratorCapabilities.migProfiles(t).map((p) => p.name).join(' ')}`).join('; ')}.`,
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
