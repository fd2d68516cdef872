import { Annotations, ArnFormat, CfnElement, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';
import { NameRule } from '../core/names';
import { IAM_ROLE_ARN, KMS_KEY_ARN, rejectArnWhereNameExpected, validateArn, validateRoleName } from '../core/private/identifiers';
import { allowLogsToUseKey, createDataKey } from '../private/keys';
import { IMAGE_CACHE_PULL_WILDCARDS, S3_READ_WRITE_OBJECT_ACTIONS } from '../private/grants';
import { IImageCache } from '../network/image-cache';
import { acknowledgeInherentWildcards, S3_OBJECT_PREFIX_ARN } from '../private/iam';
import { ManagedPolicyGrantee } from '../compliance/managed-policy-grantee';
import { checkSecurityGroupCount } from '../private/limits';
import { selectPrivateSubnets } from '../private/subnets';
import { acknowledgeGroupSourcedRule } from '../private/security-groups';
import { addKarpenterStatements, KARPENTER_WILDCARDS } from './private/karpenter-policy';
import { associatePodIdentity, podIdentityRole } from './private/pod-identity';
import { acknowledge } from '../private/acknowledgments';

/** Options of an EKS add-on a {@link GpuCluster} installs. */
export interface GpuClusterAddonOptions {
  /**
   * The add-on version, `v<major>.<minor>.<patch>-eksbuild.<n>` (`aws eks describe-addon-versions`).
   *
   * @default - the S3 CSI driver: the library's tested version (2.x); the FSx CSI driver: the
   *   version EKS installs by default for the cluster's Kubernetes version
   */
  readonly addonVersion?: string;
}

/** Properties of a {@link GpuCluster}. */
export interface GpuClusterProps {
  /** VPC of the cluster. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the control plane network interfaces, the system nodes and the GPU nodes. They are
   * tagged for Karpenter discovery.
   *
   * @default - the VPC's isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups GPU nodes get in addition to the cluster security group (for example the
   * training network's group, so nodes reach FSx). Tagged for Karpenter discovery. At most 16; more
   * than 5 (the default quota of security groups per network interface) warn, as they need a raised quota.
   *
   * @default - none
   */
  readonly nodeSecurityGroups?: ec2.ISecurityGroup[];
  /**
   * Cluster name (1-100 letters, digits, `-`, `_`, starting with a letter or digit).
   *
   * @default - generated from the construct path
   */
  readonly clusterName?: string;
  /**
   * Kubernetes version: one EKS still creates clusters on (1.32 or newer as of December 2026;
   * older versions are rejected).
   *
   * @default eks.KubernetesVersion.V1_33
   */
  readonly version?: eks.KubernetesVersion;
  /**
   * Key that encrypts Kubernetes secrets.
   *
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Roles that administer the cluster (EKS access entries with the cluster admin policy). The
   * identity that deploys the stack gets no implicit access.
   *
   * @default - none
   */
  readonly adminRoles?: iam.IRole[];
  /**
   * Instance type of the system node group that runs Karpenter, CoreDNS and other controllers.
   *
   * @default m7i.xlarge
   */
  readonly systemInstanceType?: ec2.InstanceType;
  /**
   * Nodes of the system node group (spread over the subnets).
   *
   * @default 2
   */
  readonly systemNodes?: number;
  /**
   * A kubectl Lambda layer (for example from `@aws-cdk/lambda-layer-kubectl-v33`). With it,
   * `applyChart()` deploys charts through CloudFormation; without it, charts are written to
   * `dist/` and applied by a GitOps controller.
   *
   * @default - no kubectl provider (GitOps)
   */
  readonly kubectlLayer?: lambda.ILayerVersion;
  /**
   * The ECR pull-through cache the nodes pull public images through (controllers on the system
   * nodes, training images on the GPU nodes). Both node roles get `grantPull()` on it; images of
   * other registries are unreachable from an isolated network.
   *
   * @default - no cache: the nodes pull only from ECR repositories of the account
   */
  readonly imageCache?: IImageCache;
  /**
   * What happens to the cluster when removed from the stack. The cluster holds no data (datasets
   * and checkpoints are in S3 and FSx, which are kept; its manifests are in Git), and what it
   * needs to keep working (its role, node group, security groups, Karpenter's roles and queue) is
   * deleted with the stack, so it is not kept by default; RETAIN leaves a warning. Its secrets key
   * and control plane log group are kept (retained except on a failed first create) unless this
   * is `DESTROY`.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the control plane logs (API, audit, authenticator, controller manager, scheduler)
   * are kept in `/aws/eks/<cluster name>/cluster`, which the stack creates (encrypted with the
   * cluster's key) before the cluster, so EKS does not create it unmanaged, without expiry.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly controlPlaneLogRetention?: logs.RetentionDays;
}

/**
 * Kubernetes minor versions EKS creates clusters on (standard or extended support) as of
 * 2026-12-02: 1.31 left extended support on 2026-11-26. Newer versions than listed pass (EKS adds
 * them); older ones are rejected. EKS user guide, "Understand the Kubernetes version lifecycle on EKS".
 */
const EKS_VERSIONS = ['1.32', '1.33', '1.34', '1.35', '1.36', '1.37'];
const OLDEST_EKS_MINOR = 32;
/**
 * Amazon VPC quota "Security groups per network interface" (a Karpenter node gets all of
 * nodeSecurityGroups): 5 by default, adjustable up to 16 (Amazon VPC user guide, "Amazon VPC quotas").
 */
/**
 * The Mountpoint for S3 CSI add-on version installed unless another is given: the 2.x line takes
 * its credentials from EKS Pod Identity (2.0.0 was the first). Taken from the driver's releases
 * (2.7.0, June 2026); confirm it is offered in the region with
 * `aws eks describe-addon-versions --addon-name aws-mountpoint-s3-csi-driver`.
 */
const S3_CSI_DRIVER_VERSION = 'v2.7.0-eksbuild.1';
const ADDON_VERSION = /^v(\d+)\.(\d+)\.(\d+)-eksbuild\.(\d+)$/;

const DEFAULT_NODE_SECURITY_GROUPS = 5;
const MAX_NODE_SECURITY_GROUPS = 16;

/**
 * An EKS cluster with GPU capacity, as the Kubernetes side and other capabilities see it: what an
 * EC2NodeClass names (the node role, the discovery tags) and the cluster to attach to.
 */
export interface IGpuCluster extends IConstruct {
  /** Cluster name. */
  readonly clusterName: string;
  /** Cluster ARN. */
  readonly clusterArn: string;
  /** Name of the role of the GPU nodes Karpenter launches. */
  readonly nodeRoleName: string;
  /**
   * Name of the instance profile of that role, which the EC2NodeClass names
   * (`spec.instanceProfile`): Karpenter then needs no IAM call, which an isolated VPC cannot reach.
   */
  readonly nodeInstanceProfileName: string;
  /** Tags on the subnets and security groups Karpenter selects (`karpenter.sh/discovery`). */
  readonly discoveryTags: Record<string, string>;
  /**
   * Name of the SQS queue of spot interruption and instance health events Karpenter reads
   * (`settings.interruptionQueue`), known at synth time.
   */
  readonly interruptionQueueName: string;

  /**
   * A control-plane metric EKS publishes for free (`AWS/EKS`, dimension `ClusterName`; Sum over
   * 1 minute, the frequency EKS publishes at). EKS vends these for clusters on Kubernetes 1.28
   * and newer (every version GpuCluster creates).
   *
   * GPU, node and pod metrics (utilization, memory, XID errors) are not among them: they need
   * Container Insights (the CloudWatch Observability add-on) or the DCGM exporter with
   * Prometheus, which this cluster does not install, so none are offered here.
   *
   * @param metricName a name from `GpuClusterMetricNames`
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Pods waiting for the scheduler (`scheduler_pending_pods`, a gauge sampled each minute; Sum
   * over 1 minute is the count, and EKS lists Sum as the only valid statistic: keep the period at
   * 1 minute, since a longer Sum adds up several samples of the same pods).
   */
  metricPendingPods(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Pending pods the scheduler tried and failed to place (`scheduler_pending_pods_UNSCHEDULABLE`;
   * Sum over 1 minute): GPU jobs waiting for capacity Karpenter cannot provide. A gauge like
   * `metricPendingPods()`: keep the period at 1 minute.
   */
  metricUnschedulablePods(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Scheduling attempts that found no node meeting the pod's constraints
   * (`scheduler_schedule_attempts_UNSCHEDULABLE`; Sum over 1 minute).
   */
  metricUnschedulableAttempts(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Scheduling attempts that failed inside the scheduler (`scheduler_schedule_attempts_ERROR`; Sum over 1 minute). */
  metricSchedulingErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests to the API servers (`apiserver_request_total`; Sum over 1 minute). */
  metricApiServerRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** API server requests answered with a 5xx status (`apiserver_request_total_5XX`; Sum over 1 minute). */
  metricApiServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * API server requests rejected with 429 by API Priority and Fairness
   * (`apiserver_request_total_429`; Sum over 1 minute): controllers being throttled.
   */
  metricApiServerThrottledRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Size of the etcd database in bytes (`apiserver_storage_size_bytes`; Maximum over 1 minute). */
  metricEtcdStorageSize(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * The CloudWatch metrics of a GPU cluster, in one place: the monitoring capability takes metrics
 * from the cluster's `metricXxx()` methods, and names only come from here.
 *
 * Source: EKS user guide, "Monitor cluster data with Amazon CloudWatch", "Basic metrics in
 * Amazon CloudWatch" (vended for free in `AWS/EKS` each minute for clusters on Kubernetes 1.28
 * and newer; dimension `ClusterName`).
 */
export class GpuClusterMetricNames {
  /** Namespace of the EKS control-plane metrics. */
  public static readonly METRIC_NAMESPACE = 'AWS/EKS';
  /** Pending pods (Sum). */
  public static readonly SCHEDULER_PENDING_PODS = 'scheduler_pending_pods';
  /** Pending pods in the unschedulable queue (Sum). */
  public static readonly SCHEDULER_PENDING_PODS_UNSCHEDULABLE = 'scheduler_pending_pods_UNSCHEDULABLE';
  /** Scheduling attempts that found the pod unschedulable (Sum). */
  public static readonly SCHEDULER_SCHEDULE_ATTEMPTS_UNSCHEDULABLE = 'scheduler_schedule_attempts_UNSCHEDULABLE';
  /** Scheduling attempts that failed with a scheduler error (Sum). */
  public static readonly SCHEDULER_SCHEDULE_ATTEMPTS_ERROR = 'scheduler_schedule_attempts_ERROR';
  /** API server requests (Sum). */
  public static readonly APISERVER_REQUEST_TOTAL = 'apiserver_request_total';
  /** API server requests with a 5xx status (Sum). */
  public static readonly APISERVER_REQUEST_TOTAL_5XX = 'apiserver_request_total_5XX';
  /** API server requests with a 429 status (Sum). */
  public static readonly APISERVER_REQUEST_TOTAL_429 = 'apiserver_request_total_429';
  /** etcd database size in bytes (Maximum). */
  public static readonly APISERVER_STORAGE_SIZE_BYTES = 'apiserver_storage_size_bytes';

  private constructor() {}
}

/** The control-plane metrics shared by created and imported GPU clusters. */
export abstract class GpuClusterBase extends Construct implements IGpuCluster {
  public abstract readonly clusterName: string;
  public abstract readonly clusterArn: string;
  public abstract readonly nodeRoleName: string;
  public abstract readonly nodeInstanceProfileName: string;
  public abstract readonly discoveryTags: Record<string, string>;
  public abstract readonly interruptionQueueName: string;

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: GpuClusterMetricNames.METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { ClusterName: this.clusterName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      ...props,
    }).attachTo(this);
  }

  public metricPendingPods(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.SCHEDULER_PENDING_PODS, props);
  }

  public metricUnschedulablePods(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.SCHEDULER_PENDING_PODS_UNSCHEDULABLE, props);
  }

  public metricUnschedulableAttempts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.SCHEDULER_SCHEDULE_ATTEMPTS_UNSCHEDULABLE, props);
  }

  public metricSchedulingErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.SCHEDULER_SCHEDULE_ATTEMPTS_ERROR, props);
  }

  public metricApiServerRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.APISERVER_REQUEST_TOTAL, props);
  }

  public metricApiServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.APISERVER_REQUEST_TOTAL_5XX, props);
  }

  public metricApiServerThrottledRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.APISERVER_REQUEST_TOTAL_429, props);
  }

  public metricEtcdStorageSize(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(GpuClusterMetricNames.APISERVER_STORAGE_SIZE_BYTES, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }
}

/** An existing GPU cluster, for {@link GpuCluster.fromGpuClusterAttributes}. */
export interface GpuClusterAttributes {
  /** Cluster name. */
  readonly clusterName: string;
  /**
   * Name of the GPU node role.
   *
   * @default 'KarpenterNode-<clusterName>', what GpuCluster names it when that fits IAM's 64 characters (required otherwise)
   */
  readonly nodeRoleName?: string;
  /**
   * Name of the GPU nodes' instance profile.
   *
   * @default - the node role name, as GpuCluster names it
   */
  readonly nodeInstanceProfileName?: string;
}

/**
 * An EKS cluster for GPU training: private API endpoint only, all control-plane logs, secrets
 * encrypted with KMS, access through EKS access entries, a small on-demand system node group, and
 * what self-managed Karpenter needs to provision GPU nodes: the node role (with its access entry),
 * the controller role (EKS Pod Identity), the spot interruption queue and its EventBridge rules,
 * and discovery tags on subnets and security groups.
 *
 * GPU capacity itself is declared on the Kubernetes side (`GpuNodePool`: Karpenter NodePool and
 * EC2NodeClass); point its EC2NodeClass at `nodeRole.roleName` and `discoveryTags`.
 */
export class GpuCluster extends GpuClusterBase {
  /** A cluster created elsewhere (by another stack, or by a GpuCluster in another app). */
  public static fromGpuClusterAttributes(scope: Construct, id: string, attrs: GpuClusterAttributes): IGpuCluster {
    return new ImportedGpuCluster(scope, id, attrs);
  }

  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  /** Cluster name. */
  public readonly clusterName: string;
  /** Cluster ARN. */
  public readonly clusterArn: string;
  /**
   * Role of the GPU nodes Karpenter launches (for the EC2NodeClass `role`), named
   * `KarpenterNode-<cluster>` so that manifests can name it before deployment.
   */
  public readonly nodeRole: iam.Role;
  /** Name of `nodeRole`, known at synth time. */
  public readonly nodeRoleName: string;
  /**
   * The instance profile of `nodeRole`, created by the stack and named like the role, known at
   * synth time: the EC2NodeClass written to dist/ names it (`spec.instanceProfile`).
   */
  public readonly nodeInstanceProfileName: string;
  /** Role of the system node group (controllers). */
  public readonly systemNodeRole: iam.Role;
  /** Role of the Karpenter controller (EKS Pod Identity, `kube-system/karpenter`). */
  public readonly karpenterRole: iam.Role;
  /** Queue of spot interruption and instance health events Karpenter reads. */
  public readonly interruptionQueue: sqs.Queue;
  /** Name of `interruptionQueue`: the cluster name (its first 80 characters, SQS's limit). */
  public readonly interruptionQueueName: string;
  /** Tags on the subnets and security groups Karpenter selects (`karpenter.sh/discovery`). */
  public readonly discoveryTags: Record<string, string>;
  /** `/aws/eks/<cluster name>/cluster`: the control plane logs, created with the cluster. */
  public readonly controlPlaneLogGroup: logs.ILogGroup;

  private readonly hasKubectl: boolean;
  private readonly podIdentityAgent: eks.Addon;
  private s3Csi?: iam.IGrantable;
  private fsxCsi?: eks.Addon;

  constructor(scope: Construct, id: string, props: GpuClusterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    // The key and the logs it encrypts outlive the cluster unless DESTROY is asked for.
    const keptPolicy = props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    if (removalPolicy === RemovalPolicy.RETAIN || removalPolicy === RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE) {
      Annotations.of(this).addWarningV2('mlops-constructs:cluster-retained-alone',
        'The EKS cluster is retained, but its role, node group, security groups and Karpenter\'s roles and queue are deleted with the stack: the retained cluster cannot be operated. It holds no data; leave removalPolicy unset.');
    }
    this.clusterName = props.clusterName ?? generatedName(this);
    if (props.clusterName !== undefined) {
      rejectArnWhereNameExpected(this, 'clusterName', props.clusterName, 'EKS cluster');
      NameRule.EKS_CLUSTER.validate(this, 'clusterName', props.clusterName, { example: 'ml-training' });
    }
    (props.adminRoles ?? []).forEach((role, i) => validateArn(this, `adminRoles[${i}]`, role.roleArn, IAM_ROLE_ARN));
    if (props.encryptionKey) validateArn(this, 'encryptionKey', props.encryptionKey.keyArn, KMS_KEY_ARN);
    const systemNodes = props.systemNodes ?? 2;
    if (!Number.isInteger(systemNodes) || systemNodes < 1 || systemNodes > 10) {
      throw new ValidationError({
        code: 'invalid-node-count', scope: this,
        message: 'systemNodes must be a whole number from 1 to 10 (the system group runs controllers, not training).',
        received: systemNodes, fix: 'Use 2 for high availability.',
      });
    }
    const version = props.version ?? eks.KubernetesVersion.V1_33;
    validateVersion(this, version.version);
    const nodeGroups = props.nodeSecurityGroups?.length ?? 0;
    checkSecurityGroupCount(this, 'nodeSecurityGroups', nodeGroups, MAX_NODE_SECURITY_GROUPS,
      'a GPU node\'s network interface (the "Security groups per network interface" quota is at most 16)', 'Give at most 16 groups; merge their rules into fewer groups.');
    if (nodeGroups > DEFAULT_NODE_SECURITY_GROUPS) {
      Annotations.of(this).addWarningV2('mlops-constructs:node-security-groups',
        `nodeSecurityGroups: ${nodeGroups} security groups per node exceed the default quota of ${DEFAULT_NODE_SECURITY_GROUPS} per network interface; nodes fail to launch unless the account's "Security groups per network interface" quota is raised to ${nodeGroups} or more.`);
    }
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    selectPrivateSubnets(this, props.vpc, subnets, 'The cluster');
    requireTwoZones(this, props.vpc, subnets);
    this.discoveryTags = discoveryTags(this.clusterName);
    this.hasKubectl = props.kubectlLayer !== undefined;

    const key = props.encryptionKey ?? createDataKey(this, 'Key', `Kubernetes secrets of ${this.node.path}`, keptPolicy);
    this.controlPlaneLogGroup = this.createControlPlaneLogGroup(key, props.controlPlaneLogRetention ?? logs.RetentionDays.ONE_YEAR, keptPolicy);
    this.cluster = new eks.Cluster(this, 'Resource', {
      clusterName: this.clusterName,
      version,
      vpc: props.vpc,
      vpcSubnets: [subnets],
      endpointAccess: eks.EndpointAccess.PRIVATE,
      secretsEncryptionKey: key,
      clusterLogging: [
        eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER, eks.ClusterLoggingTypes.SCHEDULER,
      ],
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      bootstrapClusterCreatorAdminPermissions: false,
      kubectlProviderOptions: props.kubectlLayer ? { kubectlLayer: props.kubectlLayer } : undefined,
      removalPolicy,
    });
    this.clusterArn = this.cluster.clusterArn;
    // EKS creates the control plane log group on first use unless it exists.
    (this.cluster.node.defaultChild as CfnElement).node.addDependency(this.controlPlaneLogGroup);
    acknowledge(this.cluster.role, {
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]',
      reason: 'AmazonEKSClusterPolicy is the AWS-maintained policy the EKS control plane needs to manage the cluster\'s network interfaces and load balancers.',
    });
    acknowledge(this.cluster.node.defaultChild!, {
      id: 'CloudFormation-Validate::W9009',
      reason: 'aws-eks-v2 renders EncryptionConfig.Resources ["secrets"], which the schema marks deprecated but EKS still accepts; secrets are encrypted with the given key.',
    });
    for (const [i, role] of (props.adminRoles ?? []).entries()) {
      this.cluster.grantAccess(`Admin${i}`, role.roleArn, [
        eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', { accessScopeType: eks.AccessScopeType.CLUSTER }),
      ]);
    }

    // System node group: on-demand, for controllers (Karpenter, CoreDNS, Kueue, JobSet, the
    // Trainer, a GitOps agent). Untainted so they run without extra tolerations; GPU nodes are
    // tainted, so no other workload lands here by accident of capacity.
    const systemRole = workerRole(this, 'SystemNodeRole', 'EKS system nodes');
    this.systemNodeRole = systemRole;
    this.cluster.addNodegroupCapacity('SystemNodes', {
      instanceTypes: [props.systemInstanceType ?? new ec2.InstanceType('m7i.xlarge')],
      minSize: systemNodes, desiredSize: systemNodes, maxSize: systemNodes + 1,
      subnets,
      nodeRole: systemRole,
      capacityType: eks.CapacityType.ON_DEMAND,
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      labels: { 'mlops-constructs.io/node-role': 'system' },
      enableNodeAutoRepair: true,
    });

    // GPU nodes launched by Karpenter.
    // A fixed name: the EC2NodeClass, written to dist/ before deployment, names the role.
    this.nodeRoleName = nodeRoleName(this, this.clusterName);
    this.nodeRole = workerRole(this, 'NodeRole', 'GPU nodes launched by Karpenter', this.nodeRoleName);
    // The instance profile Karpenter launches nodes with: IAM has no VPC endpoint, so Karpenter in
    // an isolated network cannot create one itself.
    this.nodeInstanceProfileName = this.nodeRoleName;
    new iam.CfnInstanceProfile(this, 'NodeInstanceProfile', { instanceProfileName: this.nodeInstanceProfileName, roles: [this.nodeRole.roleName] });
    if (props.imageCache) this.pullImagesThrough(props.imageCache);
    new eks.AccessEntry(this, 'NodeAccess', {
      cluster: this.cluster, principal: this.nodeRole.roleArn, accessEntryType: eks.AccessEntryType.EC2_LINUX, accessPolicies: [],
    });

    // A fixed name: the Karpenter add-on, written to dist/ before deployment, names the queue.
    this.interruptionQueueName = interruptionQueueName(this.clusterName);
    this.interruptionQueue = new sqs.Queue(this, 'InterruptionQueue', {
      queueName: this.interruptionQueueName,
      retentionPeriod: Duration.minutes(5),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const noDlq = 'Interruption notices matter only within the two-minute spot warning; a dead-letter queue would only keep stale events.';
    acknowledge(this.interruptionQueue,
      { id: 'AwsSolutions::AwsSolutions-SQS3', reason: noDlq },
      { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: noDlq },
    );
    const interruptionEvents: Array<[string, events.EventPattern]> = [
      ['SpotInterruption', { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] }],
      ['Rebalance', { source: ['aws.ec2'], detailType: ['EC2 Instance Rebalance Recommendation'] }],
      ['InstanceStateChange', { source: ['aws.ec2'], detailType: ['EC2 Instance State-change Notification'] }],
      ['ScheduledChange', { source: ['aws.health'], detailType: ['AWS Health Event'] }],
    ];
    for (const [name, eventPattern] of interruptionEvents) {
      new events.Rule(this, `${name}Rule`, { eventPattern, targets: [new targets.SqsQueue(this.interruptionQueue)] });
    }

    this.karpenterRole = podIdentityRole(this, 'KarpenterRole', `Karpenter controller of ${this.clusterName}`);
    const karpenter = new ManagedPolicyGrantee(this, 'KarpenterPolicy', { role: this.karpenterRole, description: `Karpenter controller of ${this.clusterName}` });
    addKarpenterStatements(karpenter, stack, this.clusterName, this.nodeRole, this.interruptionQueue, this.cluster.clusterArn);
    acknowledgeInherentWildcards(karpenter.policy, KARPENTER_WILDCARDS);
    const podIdentityAgent = new eks.Addon(this, 'PodIdentityAgent', { cluster: this.cluster, addonName: 'eks-pod-identity-agent' });
    this.podIdentityAgent = podIdentityAgent;
    associatePodIdentity(this, 'KarpenterIdentity', {
      clusterName: this.cluster.clusterName, agent: podIdentityAgent, namespace: 'kube-system', serviceAccount: 'karpenter', role: this.karpenterRole,
    });

    for (const subnet of props.vpc.selectSubnets(subnets).subnets) Tags.of(subnet).add('karpenter.sh/discovery', this.clusterName);
    // Karpenter nodes get the node security groups (selected by the discovery tag). They must
    // reach the control plane and the system nodes (API server, CoreDNS), and be reached by them
    // (kubelet, webhooks): all traffic both ways with the cluster security group EKS manages.
    const clusterSg = this.cluster.clusterSecurityGroupId;
    for (const [i, sg] of (props.nodeSecurityGroups ?? []).entries()) {
      Tags.of(sg).add('karpenter.sh/discovery', this.clusterName);
      const rules = [
        new ec2.CfnSecurityGroupIngress(this, `NodesToCluster${i}`, {
          groupId: clusterSg, sourceSecurityGroupId: sg.securityGroupId, ipProtocol: '-1', description: 'Karpenter nodes to the control plane and system nodes',
        }),
        new ec2.CfnSecurityGroupIngress(this, `ClusterToNodes${i}`, {
          groupId: sg.securityGroupId, sourceSecurityGroupId: clusterSg, ipProtocol: '-1', description: 'Control plane and system nodes to Karpenter nodes',
        }),
      ];
      new ec2.CfnSecurityGroupEgress(this, `NodesEgressToCluster${i}`, {
        groupId: sg.securityGroupId, destinationSecurityGroupId: clusterSg, ipProtocol: '-1', description: 'Karpenter nodes to the control plane and system nodes',
      });
      const reason = 'The only source is a security group of this cluster (nodes or control plane): kubelet, API server, webhooks and DNS need these ports between them; no address range is open.';
      for (const rule of rules) {
        acknowledgeGroupSourcedRule(rule, reason);
      }
    }
  }

  /**
   * The control plane log group, named as EKS names it. Retained except when the stack's first
   * create fails (a retained group with this fixed name would make the retry fail), unless
   * `removalPolicy` is DESTROY.
   */
  private createControlPlaneLogGroup(key: kms.IKey, retention: logs.RetentionDays, removalPolicy: RemovalPolicy): logs.LogGroup {
    const logGroupName = `/aws/eks/${this.clusterName}/cluster`;
    allowLogsToUseKey(this, key, {
      logGroupArn: Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      logGroup: `the log group ${logGroupName}`, warningId: 'eks-log-key-policy', sid: 'AllowCloudWatchLogsForControlPlaneLogs',
    });
    return new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName,
      encryptionKey: key,
      retention,
      removalPolicy,
    });
  }

  /**
   * Installs the Mountpoint for Amazon S3 CSI driver (EKS add-on, at least version 2, the first
   * to take its credentials from EKS Pod Identity) with its own role (EKS Pod Identity,
   * `kube-system/s3-csi-driver-sa`), and returns that role's principal: grant it the buckets and
   * prefixes S3-backed volumes mount (`store.grantRead(csi, 'features')`). The grants land in a
   * customer-managed policy. Called again, it returns the same principal.
   */
  public addS3CsiDriver(options: GpuClusterAddonOptions = {}): iam.IGrantable {
    if (this.s3Csi) return this.s3Csi;
    const addonVersion = addonVersionOf(this, 'S3 CSI driver', options.addonVersion ?? S3_CSI_DRIVER_VERSION, 2);
    const role = podIdentityRole(this, 'S3CsiRole', `Mountpoint for Amazon S3 CSI driver of ${this.clusterName}`);
    const principal = new ManagedPolicyGrantee(this, 'S3CsiPolicy', { role, description: `Buckets the S3 CSI driver of ${this.clusterName} mounts` });
    // aws-cdk-lib would fail synth on the empty policy without saying what is missing.
    principal.policy.node.addValidation({
      validate: () => {
        if (principal.policy.document.isEmpty) {
          throw new ValidationError({
            code: 's3-csi-driver-without-grants', scope: this,
            message: 'The S3 CSI driver was added, but no bucket was granted to it, so it could mount nothing (and its managed policy would be empty).',
            received: 'no grants', fix: 'Grant it what the S3 volumes mount, for example store.grantRead(cluster.addS3CsiDriver(), "features").',
          });
        }
        return [];
      },
    });
    acknowledgeInherentWildcards(principal.policy, [{
      actions: S3_READ_WRITE_OBJECT_ACTIONS,
      resources: S3_OBJECT_PREFIX_ARN,
      reason: 'S3 object ARNs need a wildcard after the dataset zone or checkpoint prefix that scopes the grant.',
    }]);
    const addon = new eks.Addon(this, 'S3CsiDriver', { cluster: this.cluster, addonName: 'aws-mountpoint-s3-csi-driver', addonVersion });
    const association = associatePodIdentity(this, 'S3CsiIdentity', {
      clusterName: this.cluster.clusterName, agent: this.podIdentityAgent, namespace: 'kube-system', serviceAccount: 's3-csi-driver-sa', role,
    });
    addon.node.addDependency(association);
    this.s3Csi = principal;
    return principal;
  }

  /**
   * Installs the FSx for Lustre CSI driver (EKS add-on `aws-fsx-csi-driver`), which mounts FSx
   * for Lustre file systems into pods through static persistent volumes (the file system's id, DNS
   * name and mount name; `DatasetVolumeSource.fsxLustre()`). The add-on needs the EKS Pod Identity
   * agent, installed first. Static volumes need no AWS permissions (the node mounts
   * `<dns name>@tcp:/<mount name>`), so the driver gets no role: creating file systems from
   * Kubernetes (dynamic provisioning) is not offered. The nodes need TCP 988 and 1018-1023 to the
   * file system (`allowClientsFrom()`) and the Lustre client kernel module: the driver's image
   * brings the user-space tools only, Bottlerocket ships the module, and whether an EKS-optimized
   * AL2023 AMI does was not verified here (check before choosing its node image for Lustre
   * mounts). Called again, it returns the same add-on.
   */
  public addFsxCsiDriver(options: GpuClusterAddonOptions = {}): eks.Addon {
    if (this.fsxCsi) return this.fsxCsi;
    const addonVersion = options.addonVersion === undefined ? undefined : addonVersionOf(this, 'FSx CSI driver', options.addonVersion, 1);
    const addon = new eks.Addon(this, 'FsxCsiDriver', { cluster: this.cluster, addonName: 'aws-fsx-csi-driver', addonVersion });
    // EKS refuses the add-on until the Pod Identity agent runs.
    addon.node.addDependency(this.podIdentityAgent);
    this.fsxCsi = addon;
    return addon;
  }

  /**
   * Lets the system and GPU nodes pull images through `cache`, in one customer-managed policy
   * attached to both node roles.
   */
  private pullImagesThrough(cache: IImageCache): void {
    const grantee = new ManagedPolicyGrantee(this, 'ImageCachePolicy', { role: this.nodeRole, description: `Pulls through the image cache ${cache.repositoryNamespace} from the nodes of ${this.clusterName}` });
    grantee.policy.attachToRole(this.systemNodeRole);
    cache.grantPull(grantee);
    acknowledgeInherentWildcards(grantee.policy, IMAGE_CACHE_PULL_WILDCARDS);
  }

  /**
   * Deploys a cdk8s chart through CloudFormation (kubectl provider). Needs `kubectlLayer`;
   * otherwise synthesize the chart to `dist/` and let a GitOps controller apply it.
   */
  public applyChart(id: string, chart: Construct): eks.KubernetesManifest {
    if (!this.hasKubectl) {
      throw new ValidationError({
        code: 'kubectl-not-configured', scope: this,
        message: 'applyChart() deploys through a kubectl provider, and this cluster has none.',
        received: id,
        fix: 'Pass kubectlLayer (e.g. from @aws-cdk/lambda-layer-kubectl-v33) to GpuCluster, or write the chart to dist/ for GitOps.',
      });
    }
    return this.cluster.addCdk8sChart(id, chart);
  }
}

/** EKS places its control-plane network interfaces in subnets of at least two Availability Zones. */
function requireTwoZones(scope: Construct, vpc: ec2.IVpc, selection: ec2.SubnetSelection): void {
  let zones: string[];
  try {
    zones = vpc.selectSubnets(selection).subnets.map((s) => s.availabilityZone);
  } catch {
    return; // imported subnets without their zone: EKS checks at deploy time
  }
  if (new Set(zones).size < 2) {
    throw new ValidationError({
      code: 'invalid-subnet', scope,
      message: 'vpcSubnets: an EKS cluster needs subnets in at least two Availability Zones.',
      received: zones, fix: 'Select subnets in two or more zones, for example the training network\'s subnets (maxAzs >= 2).',
    });
  }
}

function validateVersion(scope: Construct, version: string): void {
  if (Token.isUnresolved(version)) return;
  const minor = /^1\.(\d{1,3})$/.exec(version);
  if (!minor || Number(minor[1]) < OLDEST_EKS_MINOR) {
    throw new ValidationError({
      code: 'unsupported-kubernetes-version', scope,
      message: minor
        ? `version: EKS no longer creates clusters on Kubernetes ${version} (past the end of extended support).`
        : 'version: not a Kubernetes minor version such as "1.34".',
      received: version,
      fix: `Use a version EKS creates: ${EKS_VERSIONS.join(', ')} (eks.KubernetesVersion.V1_${EKS_VERSIONS[EKS_VERSIONS.length - 1].split('.')[1]}, or newer).`,
    });
  }
}

function generatedName(scope: Construct): string {
  const path = scope.node.path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return path.length <= 92 ? path : `${path.slice(0, 83)}-${scope.node.addr.slice(-8)}`;
}

/** An EKS add-on version: `v<major>.<minor>.<patch>-eksbuild.<n>`, of at least `minMajor`. */
function addonVersionOf(scope: IConstruct, what: string, version: string, minMajor: number): string {
  if (Token.isUnresolved(version)) return version;
  const m = ADDON_VERSION.exec(version);
  if (!m || Number(m[1]) < minMajor) {
    throw new ValidationError({
      code: 'invalid-addon-version', scope,
      message: m
        ? `The ${what} add-on must be version ${minMajor} or later${minMajor === 2 ? ' (earlier versions do not take credentials from EKS Pod Identity)' : ''}.`
        : `The ${what} add-on version has the form v<major>.<minor>.<patch>-eksbuild.<n>.`,
      received: version,
      fix: 'List the versions with aws eks describe-addon-versions --addon-name <add-on> --kubernetes-version <version>, and give one of them.',
    });
  }
  return version;
}

const WORKER_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore'];

function nodeRoleName(scope: Construct, clusterName: string): string {
  const name = `KarpenterNode-${clusterName}`;
  return name.length <= 64 ? name : `${name.slice(0, 55)}-${scope.node.addr.slice(-8)}`;
}

function workerRole(scope: Construct, id: string, what: string, roleName?: string): iam.Role {
  const role = new iam.Role(scope, id, {
    roleName,
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: `${what} of ${scope.node.path}`,
    managedPolicies: WORKER_POLICIES.map((p) => iam.ManagedPolicy.fromAwsManagedPolicyName(p)),
  });
  acknowledge(role, ...WORKER_POLICIES.map((p) => ({
    id: `AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${p}]`,
    reason: `${p} is the AWS-maintained policy EKS worker nodes need (kubelet, VPC CNI, image pulls, SSM); it grants no *FullAccess.`,
  })));
  return role;
}

/** IAM instance profile names: 1-128 of letters, digits and +=,.@_- (an ARN is not a name). */
function validateInstanceProfileName(scope: IConstruct, prop: string, name: string): string {
  rejectArnWhereNameExpected(scope, prop, name, 'IAM instance profile');
  if (!Token.isUnresolved(name) && !/^[\w+=,.@-]{1,128}$/.test(name)) {
    throw new ValidationError({
      code: 'invalid-name', scope,
      message: `${prop} is not a valid IAM instance profile name: 1-128 letters, digits and +=,.@_-.`,
      received: name, fix: 'Give the instance profile name, for example "KarpenterNode-ml-training".',
    });
  }
  return name;
}

/** The interruption queue of a cluster: named like it, within SQS's 80 characters (EKS names fit SQS's characters). */
function interruptionQueueName(clusterName: string): string {
  return clusterName.slice(0, 80);
}

function discoveryTags(clusterName: string): Record<string, string> {
  return { 'karpenter.sh/discovery': clusterName };
}

class ImportedGpuCluster extends GpuClusterBase {
  public readonly clusterName: string;
  public readonly clusterArn: string;
  public readonly nodeRoleName: string;
  public readonly nodeInstanceProfileName: string;
  public readonly discoveryTags: Record<string, string>;
  public readonly interruptionQueueName: string;

  constructor(scope: Construct, id: string, attrs: GpuClusterAttributes) {
    super(scope, id);
    rejectArnWhereNameExpected(this, 'clusterName', attrs.clusterName, 'EKS cluster');
    this.clusterName = attrs.clusterName;
    this.clusterArn = Stack.of(this).formatArn({ service: 'eks', resource: 'cluster', resourceName: attrs.clusterName });
    const defaultName = `KarpenterNode-${attrs.clusterName}`;
    if (attrs.nodeRoleName === undefined && !Token.isUnresolved(attrs.clusterName) && defaultName.length > 64) {
      // GpuCluster shortens such names with a hash of its construct path, which an import cannot rebuild.
      throw new ValidationError({
        code: 'missing-node-role-name', scope: this,
        message: `nodeRoleName: the default name "${defaultName}" is longer than IAM's 64 characters, so the cluster's GpuCluster shortened it.`,
        received: attrs.clusterName, fix: 'Pass nodeRoleName (the GpuCluster\'s nodeRoleName, for example from a stack output).',
      });
    }
    this.nodeRoleName = attrs.nodeRoleName === undefined ? defaultName : validateRoleName(this, 'nodeRoleName', attrs.nodeRoleName);
    this.nodeInstanceProfileName = attrs.nodeInstanceProfileName === undefined
      ? this.nodeRoleName
      : validateInstanceProfileName(this, 'nodeInstanceProfileName', attrs.nodeInstanceProfileName);
    this.discoveryTags = discoveryTags(attrs.clusterName);
    this.interruptionQueueName = interruptionQueueName(attrs.clusterName);
  }
}
