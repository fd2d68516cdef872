/**
 * The Karpenter objects of a GpuNodePool: the `karpenter.sh/v1` NodePool spec (instance
 * requirements, node template, disruption, limits) and the `karpenter.k8s.aws/v1` EC2NodeClass
 * spec (role, selectors, AMI, volumes, IMDS, reservations, tags), with the checks of the props
 * only these objects use. Not exported from the library.
 */
import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkCount, goDuration, uniqueSorted } from './render';
import { AcceleratorVendor } from '../../../core/accelerators';
import { ValidationError } from '../../../core/errors';
import { rejectArnWhereNameExpected } from '../../../core/private/identifiers';

/** IAM instance profile names (IAM API InstanceProfileName). */
const INSTANCE_PROFILE_NAME = /^[\w+=,.@-]{1,128}$/;
import { validateTags } from '../../../core/private/validate';
import { isUnresolvedString } from '../../../core/private/tokens';
import { AcceleratorCapabilities } from '../../core/accelerators';
import { k8s } from '../../core/plus';
import type { GpuNodePool, GpuNodePoolProps } from '../gpu-node-pool';
import { CapacityType, DisruptionReason, GpuNodeImageFamily, NodePoolDisruptionBudget } from '../node-pool-options';

/** Label Karpenter puts on every node of a NodePool, with the pool's name as value. */
export const NODEPOOL_LABEL = 'karpenter.sh/nodepool';

// KMS alias names may contain ":" (KMS API AliasNameType `^[a-zA-Z0-9:/_-]+$`).
const KMS_KEY = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9:/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias\/[A-Za-z0-9:/_-]+|mrk-[0-9a-f]{32})$/;
const PLACEMENT_GROUP = /^[\x20-\x7E]{1,255}$/;
const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const CRON = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/;
const RESTRICTED_TAGS = ['eks:eks-cluster-name', 'karpenter.sh/nodepool', 'karpenter.sh/nodeclaim', 'karpenter.k8s.aws/ec2nodeclass'];

/**
 * The NodePool spec of `pool`: what its nodes may be (instance types, families, accelerator
 * models, capacity types, amd64 Linux), their labels and taints, disruption (empty nodes only)
 * and the accelerator limit.
 */
export function renderNodePool(pool: GpuNodePool, props: GpuNodePoolProps): Record<string, unknown> {
  const families = uniqueSorted(pool.instanceTypes.map((t) => t.family));
  const models = pool.acceleratorModels.map((m) => m.toLowerCase());
  const nvidia = pool.vendor === AcceleratorVendor.NVIDIA;
  const requirements = [
    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: uniqueSorted(pool.instanceTypes.map((t) => t.ec2Name)) },
    { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: families },
    { key: nvidia ? 'karpenter.k8s.aws/instance-gpu-name' : 'karpenter.k8s.aws/instance-accelerator-name', operator: 'In', values: models },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...pool.capacityTypes] },
    { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
    { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
  ];
  const templateLabels = { ...pool.nodeLabels };
  delete templateLabels[NODEPOOL_LABEL];

  if (props.weight !== undefined) checkCount(pool, 'invalid-node-pool', 'weight', props.weight, false, 100);
  const consolidateAfter = props.consolidateAfter ?? Duration.minutes(10);
  return {
    template: {
      metadata: Object.keys(templateLabels).length > 0 ? { labels: templateLabels } : undefined,
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: pool.nodeClassName },
        requirements,
        taints: pool.taints.map((t) => k8s.toJson_Taint(t)),
        expireAfter: props.expireAfter ? duration(pool, 'expireAfter', props.expireAfter) : 'Never',
        terminationGracePeriod: props.terminationGracePeriod ? duration(pool, 'terminationGracePeriod', props.terminationGracePeriod) : undefined,
      },
    },
    disruption: {
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: goDuration(consolidateAfter),
      budgets: renderBudgets(pool, props.disruptionBudgets ?? [
        { nodes: '0', reasons: [DisruptionReason.DRIFTED, DisruptionReason.UNDERUTILIZED] },
        { nodes: '10%', reasons: [DisruptionReason.EMPTY] },
      ]),
    },
    limits: { [AcceleratorCapabilities.resourceName(pool.vendor)]: pool.acceleratorLimit },
    weight: props.weight,
  };
}

function renderBudgets(scope: IConstruct, budgets: NodePoolDisruptionBudget[]): Record<string, unknown>[] {
  return budgets.map((budget) => {
    const fail = (message: string, fix: string): never => {
      throw new ValidationError({ code: 'invalid-disruption-budget', scope, message, received: budget.nodes, fix });
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

/**
 * The EC2NodeClass spec of `pool`: the node role, subnet and security group selectors, the AMI
 * alias, encrypted gp3 volumes, IMDSv2 with a hop limit of 1, no public IP, capacity
 * reservations, placement group and tags.
 */
export function renderNodeClass(pool: GpuNodePool, props: GpuNodePoolProps): Record<string, unknown> {
  const fail = (code: string, message: string, received: unknown, fix: string): never => {
    throw new ValidationError({ code, scope: pool, message, received, fix });
  };
  rejectArnWhereNameExpected(pool, 'instanceProfile', props.instanceProfile, 'IAM instance profile');
  // Deploy-time values (a chart applied through the EKS kubectl provider) pass.
  if (typeof props.instanceProfile !== 'string' || (!isUnresolvedString(props.instanceProfile) && !INSTANCE_PROFILE_NAME.test(props.instanceProfile))) {
    fail('invalid-node-pool', 'instanceProfile must be the name (not the ARN) of an IAM instance profile: 1-128 letters, digits and +=,.@_-.', props.instanceProfile,
      'Give the instance profile name, for example GpuCluster.nodeInstanceProfileName ("KarpenterNode-ml").');
  }
  const subnets = checkSelectorTags(pool, 'subnetTags', props.subnetTags);
  const securityGroups = checkSelectorTags(pool, 'securityGroupTags', props.securityGroupTags);
  const image = pool.image;
  image._validate(pool);

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
  const blockDeviceMappings = image.family === GpuNodeImageFamily.BOTTLEROCKET
    // Bottlerocket: a small OS volume and a data volume for images and ephemeral storage.
    ? [{ deviceName: '/dev/xvda', ebs: ebs('4Gi') }, { deviceName: '/dev/xvdb', ebs: ebs(`${gib}Gi`) }]
    : [{ deviceName: '/dev/xvda', rootVolume: true, ebs: ebs(`${gib}Gi`) }];

  const reserved = pool.capacityTypes.includes(CapacityType.RESERVED);
  const reservations = (props.capacityReservations ?? []).map((r) => r._render(pool));
  if (reserved !== reservations.length > 0) {
    fail('invalid-capacity-reservation', reserved
      ? 'capacityTypes includes RESERVED but no capacityReservations select a reservation, so no reserved node could launch.'
      : 'capacityReservations are given but capacityTypes does not include RESERVED, so Karpenter would never use them.',
    { capacityTypes: pool.capacityTypes, capacityReservations: reservations.length },
    'Give capacityReservations together with CapacityType.RESERVED in capacityTypes.');
  }
  if (reservations.length > 30) fail('invalid-capacity-reservation', 'At most 30 capacity reservation selectors are allowed.', reservations.length, 'Select reservations by tags instead of listing ids.');
  if (props.placementGroupName !== undefined && !isUnresolvedString(props.placementGroupName) && !PLACEMENT_GROUP.test(props.placementGroupName)) {
    fail('invalid-node-pool', 'placementGroupName must be 1-255 printable ASCII characters.', props.placementGroupName, 'Give the name of the placement group.');
  }
  const tags = props.tags ?? {};
  validateTags(pool, 'tags', tags, { otherKeys: ['Name', ...RESTRICTED_TAGS, 'kubernetes.io/cluster/<cluster>'], otherKeysBy: 'Karpenter' });
  for (const [key, value] of Object.entries(tags)) {
    if (key === '' || RESTRICTED_TAGS.includes(key) || key.startsWith('kubernetes.io/cluster')) {
      fail('invalid-node-pool', `Tag "${key}" is empty or reserved by EKS or Karpenter.`, key, `Remove the tag; Karpenter sets ${RESTRICTED_TAGS.join(', ')} itself.`);
    }
    if (key.length > 128 || value.length > 256) fail('invalid-node-pool', 'EC2 tag keys have at most 128 and values at most 256 characters.', key, 'Shorten the tag.');
  }

  return {
    instanceProfile: props.instanceProfile,
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

/** A Karpenter duration of at least one second, in whole seconds. */
function duration(scope: IConstruct, prop: string, value: Duration): string {
  if (value.toSeconds() < 1 || !Number.isInteger(value.toSeconds())) {
    throw new ValidationError({
      code: 'invalid-node-pool', scope,
      message: `${prop} must be at least one second, in whole seconds.`,
      received: value.toHumanString(),
      fix: `Give ${prop} such as Duration.hours(720).`,
    });
  }
  return goDuration(value);
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
