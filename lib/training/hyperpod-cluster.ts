import {
  Annotations, IResource, Lazy, Names, RemovalPolicy, Resource, Size, Token,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { AcceleratorInstanceType } from '../core/accelerators';
import { ValidationError } from '../core/errors';
import { NameRule } from '../core/names';
import { HYPERPOD_CLUSTER_ARN, SECURITY_GROUP_ID, validateArn, validateResourceId } from '../core/private/identifiers';
import { IDatasetStore } from '../data/dataset-store';
import { IDatasetFileSystem } from '../data/lustre-file-system';
import { acknowledgeInherentWildcards } from '../private/iam';
import { ManagedPolicyGrantee } from '../compliance/managed-policy-grantee';
import { isKnownInstanceFamily } from '../private/instance-types';
import { gibibytes } from '../private/limits';
import { selectPrivateSubnets } from '../private/subnets';
import { acknowledgeGroupSourcedRule } from '../private/security-groups';
import { isUnresolvedString } from '../core/private/tokens';
import { HyperPodInstanceType, HYPERPOD_TYPE_SET } from './hyperpod-instance-type';
import { HyperPodScriptsSource } from './hyperpod-scripts-source';
import { deployLifecycleScripts } from './private/lifecycle-scripts-deployment';
import { HYPERPOD_EXECUTION_WILDCARDS, hyperPodExecutionStatements, ResolvedLifecycleScripts } from './private/hyperpod-execution-policy';

// Sources of the HyperPod rules enforced below (checked 2025):
// - Instance types: the `ClusterInstanceType` enum of the SageMaker API (CreateCluster /
//   ClusterInstanceGroupSpecification.InstanceType), as published in the AWS SDKs, cross-checked
//   with the `InstanceType` enum of the AWS::SageMaker::Cluster resource schema.
// - AWS::SageMaker::Cluster schema: InstanceGroups 1-100 items; InstanceGroupName 1-63 characters,
//   `^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`; InstanceCount 0-6758 (this library requires at least 1);
//   ThreadsPerCore 1-2; EbsVolumeConfig.VolumeSizeInGB 1-16384; LifeCycleConfig.OnCreate 1-128
//   characters, SourceS3Uri at most 1024; VpcConfig 1-16 subnets, 1-5 security groups;
//   Orchestrator.Eks.ClusterArn pattern; NodeRecovery `Automatic` | `None`.
// - Execution role: the statements of the AWS managed policy AmazonSageMakerClusterInstanceRolePolicy
//   (CloudWatch Logs under /aws/sagemaker/Clusters, PutMetricData in that namespace, SSM channels,
//   S3 read of the lifecycle scripts), narrowed to this cluster and these scripts, plus the ENI
//   permissions HyperPod documents for clusters in a VPC and, for EKS, image pulls and EKS Pod
//   Identity.

const MAX_INSTANCE_GROUPS = 100;
const MAX_INSTANCE_COUNT = 6758;
const MAX_SUBNETS = 16;
const MAX_EBS_GIB = 16384;
const EKS_CLUSTER_ARN = /^arn:aws[a-z-]*:eks:[a-z0-9-]*:[0-9]{12}:cluster\/[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PREFIX = /^([A-Za-z0-9!_.*'()-]+\/)+$/;
const SLURM_PARTITION = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
/** The partition HyperPod adds every node to. */
const RESERVED_PARTITION = 'dev';
const MOUNT_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

/** Where an instance group's lifecycle scripts are: a prefix of a dataset store zone. */
export interface HyperPodLifecycleScripts {
  /** The dataset store holding the scripts. */
  readonly datasets: IDatasetStore;
  /** Zone of the store, for example `curated`. */
  readonly zone: string;
  /**
   * Key prefix of the scripts inside the zone, ending in `/`.
   *
   * @default 'lifecycle-scripts/'
   */
  readonly prefix?: string;
  /**
   * File name of the entry-point script under the prefix. On a Slurm cluster it runs after
   * HyperPod's own node setup (rendered as `OnInitComplete`: HyperPod has configured Slurm and
   * mounted the file system; `OnCreate` would replace that setup and leave the node without Slurm
   * and `/fsx`). On an EKS-orchestrated cluster it runs when the node is created (`OnCreate`).
   *
   * @default - the source's entry point, else 'on_create.sh'
   */
  readonly onCreate?: string;
  /**
   * Scripts the stack uploads to the prefix before the cluster is created, for example
   * `HyperPodScriptsSource.eksNodeStorage()`. The prefix then belongs to the stack: files not in
   * the source are removed from it on deployment (the files stay when the stack is deleted).
   *
   * @default - none: the scripts must be in the zone before the stack is deployed
   */
  readonly source?: HyperPodScriptsSource;
}

/** One instance group of a HyperPod cluster. */
export interface HyperPodInstanceGroupOptions {
  /** Name of the group: 1-63 letters, digits and hyphens, starting and ending with a letter or digit. */
  readonly instanceGroupName: string;
  /** Instance type; must be one HyperPod offers. */
  readonly instanceType: HyperPodInstanceType;
  /** Number of instances, 1-6758. */
  readonly instanceCount: number;
  /**
   * Threads per CPU core: 1 disables multithreading, 2 enables it where the type supports it.
   *
   * @default - the HyperPod default for the type
   */
  readonly threadsPerCore?: number;
  /**
   * Size of an additional EBS volume attached to each instance and mounted at `/opt/sagemaker`,
   * in whole GiB from 1 to 16384 (encrypted by HyperPod with an AWS owned key).
   *
   * @default - no additional volume
   */
  readonly ebsVolumeSize?: Size;
  /**
   * Lifecycle scripts of this group.
   *
   * @default - the cluster's `lifecycleScripts`
   */
  readonly lifecycleScripts?: HyperPodLifecycleScripts;
  /**
   * Role the instances of the group assume. The least-privilege permissions HyperPod needs are
   * attached to it as a customer managed policy.
   *
   * @default - a new role for this group, trusted by `sagemaker.amazonaws.com`
   */
  readonly executionRole?: iam.IRole;
  /**
   * What the group's nodes are in Slurm (Slurm orchestration only): exactly one group of a
   * cluster is the controller, at most one the login group, the others compute groups. HyperPod
   * configures Slurm from this (API-driven Slurm configuration); it cannot be changed once the
   * group exists.
   *
   * @default HyperPodSlurmNodeType.COMPUTE
   */
  readonly slurmNodeType?: HyperPodSlurmNodeType;
  /**
   * Slurm partition of a compute group (one per group; HyperPod also puts every node in its
   * `dev` partition). Letters, digits and hyphens, starting and ending with a letter or digit.
   *
   * @default - the instance group name, for a compute group
   */
  readonly slurmPartition?: string;
}

/** What an instance group's nodes are in a Slurm cluster. */
export enum HyperPodSlurmNodeType {
  /** The Slurm controller (slurmctld): exactly one group per cluster. */
  CONTROLLER = 'Controller',
  /** Login nodes users submit jobs from: at most one group per cluster. */
  LOGIN = 'Login',
  /** Compute nodes (slurmd) in a partition. */
  COMPUTE = 'Compute',
}

/**
 * How HyperPod manages `slurm.conf` on the controller (the cluster's `SlurmConfigStrategy`).
 */
export enum HyperPodSlurmConfigStrategy {
  /**
   * HyperPod owns the partition layout: a manual change to `slurm.conf` makes the next update of
   * the cluster fail (and roll back) instead of being overwritten. The template is the source of truth.
   */
  MANAGED = 'Managed',
  /** The layout of the API overwrites manual changes. */
  OVERWRITE = 'Overwrite',
  /** Manual changes are kept and merged with the layout of the API. */
  MERGE = 'Merge',
}

/** Options of Slurm orchestration. */
export interface HyperPodSlurmOptions {
  /**
   * How HyperPod manages `slurm.conf`.
   *
   * @default HyperPodSlurmConfigStrategy.MANAGED
   */
  readonly configStrategy?: HyperPodSlurmConfigStrategy;
}

/** Whether HyperPod replaces or reboots faulty nodes by itself. */
export enum HyperPodNodeRecovery {
  /** HyperPod detects faulty nodes (health checks) and replaces or reboots them. */
  AUTOMATIC = 'Automatic',
  /** No automatic recovery. */
  NONE = 'None',
}

/** What HyperPod renders for an orchestrator. @internal */
export interface HyperPodOrchestratorConfig {
  readonly orchestrator?: sagemaker.CfnCluster.OrchestratorProperty;
  readonly eksClusterArn?: string;
}

/** The orchestrator of a HyperPod cluster. */
export enum HyperPodOrchestratorKind {
  /** Slurm, configured by HyperPod from the instance groups. */
  SLURM = 'slurm',
  /** An EKS cluster. */
  EKS = 'eks',
}

/** The orchestrator of a HyperPod cluster: Slurm (lifecycle scripts) or an EKS cluster. */
export abstract class HyperPodOrchestrator {
  /**
   * Slurm, configured by HyperPod from the instance groups' `slurmNodeType` and `slurmPartition`
   * (API-driven Slurm configuration, HyperPod AMIs of January 2026 or later): no lifecycle
   * scripts and no `provisioning_parameters.json` are needed.
   */
  public static slurm(options: HyperPodSlurmOptions = {}): HyperPodOrchestrator {
    const strategy = options.configStrategy ?? HyperPodSlurmConfigStrategy.MANAGED;
    return new (class extends HyperPodOrchestrator {
      public readonly kind = HyperPodOrchestratorKind.SLURM;
      public _bind(): HyperPodOrchestratorConfig {
        return { orchestrator: { slurm: { slurmConfigStrategy: strategy } } };
      }
    })();
  }

  /**
   * An EKS cluster of this app. The HyperPod security group admits the cluster security group
   * (TCP 443 and 1025-65535, as for EKS nodes), and the cluster security group admits the
   * HyperPod nodes on TCP 443.
   */
  public static eks(cluster: eks.ICluster): HyperPodOrchestrator {
    return new (class extends HyperPodOrchestrator {
      public readonly kind = HyperPodOrchestratorKind.EKS;
      public _bind(scope: HyperPodCluster): HyperPodOrchestratorConfig {
        scope.connections.allowFrom(cluster.clusterSecurityGroup, ec2.Port.tcp(443), 'EKS control plane (TCP 443)');
        scope.connections.allowFrom(cluster.clusterSecurityGroup, ec2.Port.tcpRange(1025, 65535), 'EKS control plane (TCP 1025-65535)');
        cluster.clusterSecurityGroup.connections.allowFrom(scope.connections, ec2.Port.tcp(443), 'HyperPod nodes to the EKS API (TCP 443)');
        return { orchestrator: { eks: { clusterArn: cluster.clusterArn } }, eksClusterArn: cluster.clusterArn };
      }
    })();
  }

  /**
   * An EKS cluster by ARN. Its security group must admit the HyperPod security group on TCP 443
   * (see `HyperPodCluster.connections`).
   */
  public static eksClusterArn(clusterArn: string): HyperPodOrchestrator {
    return new (class extends HyperPodOrchestrator {
      public readonly kind = HyperPodOrchestratorKind.EKS;
      public _bind(scope: HyperPodCluster): HyperPodOrchestratorConfig {
        if (!isUnresolvedString(clusterArn) && !EKS_CLUSTER_ARN.test(clusterArn)) {
          throw new ValidationError({
            code: 'invalid-eks-cluster-arn',
            scope,
            message: 'The orchestrator must be named by the ARN of an EKS cluster.',
            received: clusterArn,
            fix: 'Give an ARN such as "arn:aws:eks:us-east-1:123456789012:cluster/training", or use HyperPodOrchestrator.eks(cluster).',
          });
        }
        return { orchestrator: { eks: { clusterArn } }, eksClusterArn: clusterArn };
      }
    })();
  }

  /** Which orchestrator. */
  public abstract readonly kind: HyperPodOrchestratorKind;

  /** @internal */
  public abstract _bind(scope: HyperPodCluster): HyperPodOrchestratorConfig;
}

/**
 * A SageMaker HyperPod cluster.
 *
 * It has no `metric()` methods, because HyperPod publishes no CloudWatch metrics of its own
 * (SageMaker developer guide, "Monitor Amazon SageMaker with Amazon CloudWatch", lists none for
 * clusters). Its observability add-on for EKS publishes cluster, instance, GPU and training
 * metrics to an Amazon Managed Service for Prometheus workspace, not to CloudWatch ("SageMaker
 * HyperPod cluster metrics"). Node health metrics (`hyperpod_node_health_status_*`, namespace `ContainerInsights`)
 * exist only for EKS-orchestrated clusters whose EKS cluster runs the CloudWatch Observability
 * add-on (CloudWatch user guide, "Amazon EKS and Kubernetes Container Insights metrics", "Amazon
 * SageMaker AI HyperPod metrics"), which this library does not install; Slurm clusters publish
 * node and GPU metrics only through exporters the lifecycle scripts install. For an
 * EKS-orchestrated cluster, the orchestrator's control-plane metrics (`AWS/EKS`) apply
 * (`IGpuCluster.metricXxx()` when it is a GpuCluster); lifecycle and node logs are in
 * `/aws/sagemaker/Clusters/<cluster-name>/<cluster-id>`.
 */
export interface IHyperPodCluster extends IResource, ec2.IConnectable {
  /** Name of the cluster. @attribute */
  readonly clusterName: string;
  /** ARN of the cluster. @attribute */
  readonly clusterArn: string;
}

/** Attributes of a cluster created elsewhere. */
export interface HyperPodClusterAttributes {
  /** Name of the cluster. */
  readonly clusterName: string;
  /** ARN of the cluster (`arn:...:cluster/<id>`; the id is not the name). */
  readonly clusterArn: string;
  /** Security group of the cluster's nodes. */
  readonly securityGroup: ec2.ISecurityGroup;
}

/** Properties of a {@link HyperPodCluster}. */
export interface HyperPodClusterProps {
  /**
   * Name of the cluster (SageMaker rules: 1-63 letters, digits and hyphens).
   *
   * @default - generated from the construct path
   */
  readonly clusterName?: string;
  /** The instance groups: at least one, at most 100. More with `addInstanceGroup()`. */
  readonly instanceGroups: HyperPodInstanceGroupOptions[];
  /**
   * Where the lifecycle scripts of the instance groups are (a group may override it). They must
   * be in place before the cluster is created. With Slurm they are optional: HyperPod configures
   * Slurm and mounts `fileSystem` itself, and scripts only add the team's own steps (they must
   * not bring a `provisioning_parameters.json`). EKS orchestration needs them.
   *
   * @default - none (Slurm); required with EKS orchestration
   */
  readonly lifecycleScripts?: HyperPodLifecycleScripts;
  /**
   * An FSx for Lustre file system every node mounts (Slurm orchestration; with EKS, pods mount it
   * through the FSx CSI driver). The cluster is created after the file system and its dataset
   * links, its nodes are admitted as Lustre clients, and, when the file system's subnet is known,
   * the cluster is placed in that subnet only (HyperPod would otherwise pick any subnet, and its
   * VPC configuration cannot change after creation).
   *
   * @default - no file system
   */
  readonly fileSystem?: IDatasetFileSystem;
  /**
   * Where the nodes mount `fileSystem`.
   *
   * @default '/fsx'
   */
  readonly fileSystemMountPath?: string;
  /**
   * Orchestrator.
   *
   * @default HyperPodOrchestrator.slurm()
   */
  readonly orchestrator?: HyperPodOrchestrator;
  /** VPC the nodes' network interfaces are placed in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the nodes (at most 16; public subnets are rejected). Put the GPU groups in the
   * Availability Zone of the FSx for Lustre file system.
   *
   * @default - the VPC's private subnets (with egress, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security group of the nodes.
   *
   * @default - a new group that allows all traffic within itself (NCCL and EFA need it) and all outbound traffic
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * Node recovery. `NONE` leaves a warning.
   *
   * @default HyperPodNodeRecovery.AUTOMATIC
   */
  readonly nodeRecovery?: HyperPodNodeRecovery;
  /**
   * What happens to the cluster when it is removed from the stack. A cluster holds no durable
   * data (keep checkpoints on FSx for Lustre or S3) and retaining it would keep GPU instances
   * running and billed, so it is destroyed by default.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

interface GroupState {
  readonly options: HyperPodInstanceGroupOptions;
  readonly role: iam.IRole;
  readonly grantee: iam.IGrantable;
  readonly scripts?: ResolvedLifecycleScripts;
}

/** What created and imported clusters share. */
export abstract class HyperPodClusterBase extends Resource implements IHyperPodCluster {
  public abstract readonly clusterName: string;
  public abstract readonly clusterArn: string;
  public abstract readonly connections: ec2.Connections;
}

/**
 * A SageMaker HyperPod cluster (`AWS::SageMaker::Cluster`): instance groups of GPU, Trainium or
 * CPU instances with lifecycle scripts from a dataset store, Slurm or EKS orchestration, automatic
 * node recovery, nodes in private subnets with a security group open only to itself (NCCL/EFA),
 * and one least-privilege execution role per group (a customer managed policy; no AWS managed
 * policies).
 *
 * @example
 * const cluster = new HyperPodCluster(this, 'Cluster', {
 *   vpc,
 *   lifecycleScripts: { datasets: store, zone: 'curated' },
 *   instanceGroups: [
 *     { instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1 },
 *     { instanceGroupName: 'workers', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE), instanceCount: 4 },
 *   ],
 * });
 */
export class HyperPodCluster extends HyperPodClusterBase {
  /** Imports a cluster created elsewhere. */
  public static fromHyperPodClusterAttributes(scope: Construct, id: string, attrs: HyperPodClusterAttributes): IHyperPodCluster {
    class Imported extends HyperPodClusterBase {
      public readonly clusterName = attrs.clusterName;
      public readonly clusterArn = attrs.clusterArn;
      public readonly connections = new ec2.Connections({ securityGroups: [attrs.securityGroup] });
    }
    const imported = new Imported(scope, id);
    NameRule.SAGEMAKER.validate(imported, 'clusterName', attrs.clusterName, { generated: false });
    validateArn(imported, 'clusterArn', attrs.clusterArn, HYPERPOD_CLUSTER_ARN,
      'Give the ARN DescribeCluster returns, for example "arn:aws:sagemaker:us-east-1:123456789012:cluster/a1b2c3d4e5f6" (the cluster id, not its name).');
    validateResourceId(imported, 'securityGroup.securityGroupId', attrs.securityGroup.securityGroupId, SECURITY_GROUP_ID);
    return imported;
  }

  public readonly clusterName: string;
  public readonly clusterArn: string;
  public readonly connections: ec2.Connections;
  /** Security group of the nodes. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Orchestrator (`slurm` or `eks`). */
  public readonly orchestrator: HyperPodOrchestrator;
  /** The L1 cluster. */
  public readonly cluster: sagemaker.CfnCluster;

  private readonly groups = new Map<string, GroupState>();
  private readonly subnetIds: string[];
  private readonly lifecycleScripts?: HyperPodLifecycleScripts;
  private readonly eksClusterArn?: string;
  private readonly fileSystem?: IDatasetFileSystem;
  private readonly mountPath: string;
  /** The source uploaded to each prefix (store address and key prefix). */
  private readonly deployments = new Map<string, HyperPodScriptsSource>();

  constructor(scope: Construct, id: string, props: HyperPodClusterProps) {
    super(scope, id);
    this.clusterName = props.clusterName === undefined
      ? NameRule.SAGEMAKER.generate(this, Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }))
      : NameRule.SAGEMAKER.validate(this, 'clusterName', props.clusterName);
    if (!props.instanceGroups || props.instanceGroups.length === 0) {
      throw new ValidationError({
        code: 'no-instance-groups',
        scope: this,
        message: 'A HyperPod cluster needs at least one instance group.',
        received: props.instanceGroups ?? [],
        fix: 'Give instanceGroups, for example a controller group and a GPU worker group.',
      });
    }
    this.lifecycleScripts = props.lifecycleScripts;
    this.orchestrator = props.orchestrator ?? HyperPodOrchestrator.slurm();
    this.fileSystem = props.fileSystem;
    this.mountPath = this.validateMountPath(props.fileSystemMountPath ?? '/fsx');
    if (this.fileSystem && this.orchestrator.kind !== HyperPodOrchestratorKind.SLURM) {
      throw new ValidationError({
        code: 'file-system-needs-slurm',
        scope: this,
        message: 'HyperPod mounts an FSx for Lustre file system on the nodes of Slurm clusters only; on an EKS-orchestrated cluster pods mount it.',
        received: this.orchestrator.kind,
        fix: 'Omit fileSystem and mount the file system in the pods (a persistent volume of the FSx CSI driver).',
      });
    }
    this.subnetIds = this.selectSubnets(props.vpc, props.vpcSubnets, props.fileSystem);

    this.securityGroup = props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `HyperPod cluster ${this.node.path}: all traffic between the nodes (NCCL, EFA)`,
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    if (!props.securityGroup) {
      // EFA requires all protocols between the nodes (its SRD transport is neither TCP nor UDP),
      // so the rule is all traffic, with the group itself as the only source.
      const selfIngress = new ec2.CfnSecurityGroupIngress(this.securityGroup, 'AllTrafficWithinGroup', {
        groupId: this.securityGroup.securityGroupId,
        sourceSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: '-1',
        description: 'All traffic between the nodes (NCCL, EFA)',
      });
      const reason = 'The only source of this all-protocol rule is the security group itself: EFA (whose SRD transport is '
        + 'neither TCP nor UDP) and NCCL need all traffic between the nodes. The packs flag every all-protocol rule, whatever its source.';
      acknowledgeGroupSourcedRule(selfIngress, reason);
    }

    const orchestration = this.orchestrator._bind(this);
    this.eksClusterArn = orchestration.eksClusterArn;

    const recovery = props.nodeRecovery ?? HyperPodNodeRecovery.AUTOMATIC;
    if (recovery !== HyperPodNodeRecovery.AUTOMATIC) {
      Annotations.of(this).addWarningV2('mlops-constructs:hyperpod-no-node-recovery',
        'Node recovery is off: a faulty GPU node stays in the cluster until someone replaces it.');
    }

    this.cluster = new sagemaker.CfnCluster(this, 'Resource', {
      clusterName: this.clusterName,
      nodeRecovery: recovery,
      orchestrator: orchestration.orchestrator,
      vpcConfig: {
        subnets: this.subnetIds,
        securityGroupIds: [this.securityGroup.securityGroupId],
      },
      instanceGroups: Lazy.any({ produce: () => [...this.groups.values()].map((g) => this.renderGroup(g)) }, { omitEmptyArray: true }),
    });
    this.cluster.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);
    this.clusterArn = this.cluster.attrClusterArn;
    if (this.fileSystem) {
      this.fileSystem.allowClientsFrom(this);
      // The nodes mount the file system as they boot: it (and its dataset links) must exist first.
      this.cluster.node.addDependency(this.fileSystem);
    }
    this.node.addValidation({ validate: () => { this.validateGroups(); return []; } });

    for (const group of props.instanceGroups) this.addInstanceGroup(group);
  }

  /** Adds an instance group (at most 100 per cluster; names unique). */
  public addInstanceGroup(options: HyperPodInstanceGroupOptions): void {
    const name = options.instanceGroupName;
    NameRule.HYPERPOD_INSTANCE_GROUP.validate(this, 'instanceGroupName', name, { generated: false, example: 'gpu-workers' });
    if (this.groups.has(name)) {
      throw new ValidationError({
        code: 'duplicate-instance-group',
        scope: this,
        message: 'Two instance groups have the same name.',
        received: name,
        fix: 'Give each instance group its own name.',
      });
    }
    if (this.groups.size >= MAX_INSTANCE_GROUPS) {
      throw new ValidationError({
        code: 'too-many-instance-groups',
        scope: this,
        message: `A HyperPod cluster has at most ${MAX_INSTANCE_GROUPS} instance groups.`,
        received: this.groups.size + 1,
        fix: 'Merge groups of the same instance type, or split the workload across clusters.',
      });
    }
    this.validateInstanceType(name, options.instanceType);
    const count = options.instanceCount;
    if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1 || count > MAX_INSTANCE_COUNT)) {
      throw new ValidationError({
        code: 'invalid-instance-count',
        scope: this,
        message: `Instance group "${name}" must have a whole number of instances from 1 to ${MAX_INSTANCE_COUNT}.`,
        received: count,
        fix: 'Set instanceCount to at least 1.',
      });
    }
    const threads = options.threadsPerCore;
    if (threads !== undefined && !Token.isUnresolved(threads) && threads !== 1 && threads !== 2) {
      throw new ValidationError({
        code: 'invalid-threads-per-core',
        scope: this,
        message: `Instance group "${name}": threadsPerCore is 1 (multithreading off) or 2 (on).`,
        received: threads,
        fix: 'Set threadsPerCore to 1 or 2, or omit it.',
      });
    }
    if (options.ebsVolumeSize) this.ebsGiB(name, options.ebsVolumeSize);
    this.validateSlurmOptions(options);
    const given = options.lifecycleScripts ?? this.lifecycleScripts;
    if (!given && this.orchestrator.kind === HyperPodOrchestratorKind.EKS) {
      throw new ValidationError({
        code: 'missing-lifecycle-scripts',
        scope: this,
        message: `Instance group "${name}": an EKS-orchestrated HyperPod cluster runs lifecycle scripts on every node, and none are given.`,
        received: 'no lifecycleScripts',
        fix: 'Give lifecycleScripts on the cluster or the group: the library\'s with { datasets, zone, source: HyperPodScriptsSource.eksNodeStorage() }, or a dataset store zone holding the team\'s on_create.sh.',
      });
    }
    const scripts = given ? this.resolveScripts(options, given) : undefined;

    const scope = new Construct(this, `InstanceGroup-${name}`);
    const role = options.executionRole ?? new iam.Role(scope, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `HyperPod instance group ${name} of ${this.node.path}`,
    });
    const grantee = new ManagedPolicyGrantee(scope, 'Policy', { role, description: `What HyperPod instance group ${name} of ${this.node.path} needs` });
    const policy = grantee.policy;
    policy.addStatements(...hyperPodExecutionStatements({
      scope: this, clusterName: this.clusterName, subnetIds: this.subnetIds, securityGroupId: this.securityGroup.securityGroupId, eksClusterArn: this.eksClusterArn,
    }, scripts));
    acknowledgeInherentWildcards(policy, HYPERPOD_EXECUTION_WILDCARDS);
    // HyperPod uses the role while it creates the nodes: the policy must be attached first.
    this.cluster.node.addDependency(policy);
    this.groups.set(name, { options, role, scripts, grantee });
  }

  /** Names of the instance groups. */
  public get instanceGroupNames(): string[] {
    return [...this.groups.keys()];
  }

  /**
   * The execution role of an instance group, for further grants (for example
   * `datasets.grantRead(cluster.instanceGroupRole('workers'), 'features')`).
   */
  public instanceGroupRole(instanceGroupName: string): iam.IRole {
    return this.group(instanceGroupName).role;
  }

  /**
   * Grant to this to give an instance group more permissions (for example
   * `datasets.grantRead(cluster.instanceGroupGrantee('workers'), 'features')`): the grants land
   * in the group's customer-managed policy, not in an inline policy of its role.
   */
  public instanceGroupGrantee(instanceGroupName: string): iam.IGrantable {
    return this.group(instanceGroupName).grantee;
  }

  private group(instanceGroupName: string): GroupState {
    const group = this.groups.get(instanceGroupName);
    if (!group) {
      throw new ValidationError({
        code: 'unknown-instance-group',
        scope: this,
        message: 'The cluster has no such instance group.',
        received: instanceGroupName,
        fix: `Use one of ${JSON.stringify(this.instanceGroupNames)}.`,
      });
    }
    return group;
  }

  private renderGroup(group: GroupState): sagemaker.CfnCluster.ClusterInstanceGroupProperty {
    const o = group.options;
    return {
      instanceGroupName: o.instanceGroupName,
      instanceType: o.instanceType.sageMakerName,
      instanceCount: o.instanceCount,
      executionRole: group.role.roleArn,
      threadsPerCore: o.threadsPerCore,
      // Slurm: the team's script runs after HyperPod's AMI-based setup (OnInitComplete); OnCreate
      // would turn that setup off. EKS nodes run it at creation.
      lifeCycleConfig: group.scripts ? {
        sourceS3Uri: `${group.scripts.datasets.s3Uri(group.scripts.zone)}${group.scripts.prefix}`,
        ...(this.orchestrator.kind === HyperPodOrchestratorKind.SLURM ? { onInitComplete: group.scripts.onCreate } : { onCreate: group.scripts.onCreate }),
      } : undefined,
      slurmConfig: this.orchestrator.kind === HyperPodOrchestratorKind.SLURM ? this.slurmConfig(o) : undefined,
      instanceStorageConfigs: this.storageConfigs(o),
    };
  }

  private slurmConfig(o: HyperPodInstanceGroupOptions): sagemaker.CfnCluster.ClusterSlurmConfigProperty {
    const nodeType = slurmNodeTypeOf(o);
    return {
      nodeType,
      partitionNames: nodeType === HyperPodSlurmNodeType.COMPUTE ? [o.slurmPartition ?? o.instanceGroupName] : undefined,
    };
  }

  private storageConfigs(o: HyperPodInstanceGroupOptions): sagemaker.CfnCluster.ClusterInstanceStorageConfigProperty[] | undefined {
    const configs: sagemaker.CfnCluster.ClusterInstanceStorageConfigProperty[] = [];
    if (o.ebsVolumeSize) configs.push({ ebsVolumeConfig: { volumeSizeInGb: this.ebsGiB(o.instanceGroupName, o.ebsVolumeSize) } });
    if (this.fileSystem) {
      configs.push({ fsxLustreConfig: { dnsName: this.fileSystem.dnsName, mountName: this.fileSystem.mountName, mountPath: this.mountPath } });
    }
    return configs.length > 0 ? configs : undefined;
  }

  /** Slurm options belong to Slurm clusters, partitions to compute groups. */
  private validateSlurmOptions(o: HyperPodInstanceGroupOptions): void {
    const name = o.instanceGroupName;
    if (this.orchestrator.kind !== HyperPodOrchestratorKind.SLURM) {
      if (o.slurmNodeType !== undefined || o.slurmPartition !== undefined) {
        throw new ValidationError({
          code: 'slurm-option-without-slurm',
          scope: this,
          message: `Instance group "${name}": slurmNodeType and slurmPartition apply to Slurm clusters only.`,
          received: this.orchestrator.kind,
          fix: 'Omit slurmNodeType and slurmPartition on an EKS-orchestrated cluster.',
        });
      }
      return;
    }
    const nodeType = slurmNodeTypeOf(o);
    if (o.slurmPartition !== undefined && nodeType !== HyperPodSlurmNodeType.COMPUTE) {
      throw new ValidationError({
        code: 'invalid-slurm-partition',
        scope: this,
        message: `Instance group "${name}": only compute groups are in a partition; this group is a ${nodeType} group.`,
        received: o.slurmPartition,
        fix: 'Omit slurmPartition on the controller and login groups.',
      });
    }
    const partition = o.slurmPartition;
    if (nodeType === HyperPodSlurmNodeType.COMPUTE && (partition ?? name) === RESERVED_PARTITION) {
      throw new ValidationError({
        code: 'invalid-slurm-partition',
        scope: this,
        message: `Instance group "${name}": HyperPod puts every node in its own "${RESERVED_PARTITION}" partition, so a compute group cannot use that name${partition === undefined ? ' (the partition defaults to the group name)' : ''}.`,
        received: partition ?? name,
        fix: 'Give slurmPartition another name, such as "gpu".',
      });
    }
    if (nodeType === HyperPodSlurmNodeType.CONTROLLER && !Token.isUnresolved(o.instanceCount) && o.instanceCount !== 1) {
      throw new ValidationError({
        code: 'invalid-slurm-controller',
        scope: this,
        message: `Instance group "${name}": the Slurm controller group has one instance with API-driven Slurm configuration (several controller nodes need a provisioning_parameters.json, which HyperPod refuses together with it).`,
        received: o.instanceCount,
        fix: 'Set instanceCount: 1 on the controller group.',
      });
    }
    if (partition !== undefined && !isUnresolvedString(partition) && !SLURM_PARTITION.test(partition)) {
      throw new ValidationError({
        code: 'invalid-slurm-partition',
        scope: this,
        message: `Instance group "${name}": a partition name is letters, digits and hyphens, starting and ending with a letter or digit.`,
        received: partition,
        fix: 'Use a name such as "gpu" or "h100-train".',
      });
    }
  }

  /** Slurm: exactly one controller group, at most one login group (checked once all groups are added). */
  private validateGroups(): void {
    if (this.orchestrator.kind !== HyperPodOrchestratorKind.SLURM) return;
    const ofType = (t: HyperPodSlurmNodeType) => [...this.groups.values()]
      .filter((g) => slurmNodeTypeOf(g.options) === t).map((g) => g.options.instanceGroupName);
    const controllers = ofType(HyperPodSlurmNodeType.CONTROLLER);
    if (controllers.length !== 1) {
      throw new ValidationError({
        code: 'invalid-slurm-controller',
        scope: this,
        message: 'A Slurm cluster has exactly one controller group (slurmNodeType: HyperPodSlurmNodeType.CONTROLLER).',
        received: controllers,
        fix: controllers.length === 0
          ? 'Add a small CPU group (for example ml.m5.2xlarge, 1 instance) with slurmNodeType: HyperPodSlurmNodeType.CONTROLLER.'
          : 'Mark one group as the controller; make the others compute or login groups.',
      });
    }
    const logins = ofType(HyperPodSlurmNodeType.LOGIN);
    if (logins.length > 1) {
      throw new ValidationError({
        code: 'invalid-slurm-login',
        scope: this,
        message: 'A Slurm cluster has at most one login group.',
        received: logins,
        fix: 'Keep one login group and raise its instanceCount instead.',
      });
    }
  }

  private validateMountPath(path: string): string {
    if (!isUnresolvedString(path) && (!MOUNT_PATH.test(path) || path.split('/').some((p) => p === '.' || p === '..'))) {
      throw new ValidationError({
        code: 'invalid-mount-path',
        scope: this,
        message: 'fileSystemMountPath is an absolute directory path on the nodes, such as /fsx.',
        received: path,
        fix: 'Use a path such as "/fsx" or "/data/lustre" (letters, digits, "_", "-", "." between slashes, no trailing slash).',
      });
    }
    return path;
  }

  private validateInstanceType(group: string, type: HyperPodInstanceType): void {
    if (isUnresolvedString(type.sageMakerName) || type.supported) return;
    const asAccelerator = AcceleratorInstanceType.of(type.sageMakerName);
    if (asAccelerator.wellFormed && !isKnownInstanceFamily(asAccelerator.family)) {
      // A family newer than the library's lists: HyperPod may offer it already, so it decides at deploy time.
      Annotations.of(this).addWarningV2('mlops-constructs:unlisted-instance-type',
        `Instance group "${group}": ${type.sageMakerName} is of a family the library's list of HyperPod types (the SageMaker API as of August 2026) does not have; it is passed on unchecked, and CreateCluster rejects it if HyperPod does not offer it.`);
      return;
    }
    const accelerated = ['ml.p5.48xlarge', 'ml.p5en.48xlarge', 'ml.p6-b200.48xlarge', 'ml.g5.12xlarge', 'ml.g6e.12xlarge', 'ml.trn2.48xlarge']
      .filter((t) => HYPERPOD_TYPE_SET.has(t));
    throw new ValidationError({
      code: 'unsupported-instance-type',
      scope: this,
      message: `Instance group "${group}": HyperPod does not offer this instance type.`,
      received: type.sageMakerName,
      fix: `Use a type HyperPod offers (HyperPodInstanceType.supportedTypes()), for example ${accelerated.join(', ')}, ... or ml.m5.2xlarge for a controller.`,
    });
  }

  private ebsGiB(group: string, size: Size): number {
    const gib = gibibytes(this, `instanceGroups[${JSON.stringify(group)}].ebsVolumeSize`, size, 'invalid-volume-size');
    if (Token.isUnresolved(gib)) return gib;
    if (!Number.isInteger(gib) || gib < 1 || gib > MAX_EBS_GIB) {
      throw new ValidationError({
        code: 'invalid-volume-size',
        scope: this,
        message: `Instance group "${group}": the additional EBS volume is a whole number of GiB from 1 to ${MAX_EBS_GIB}.`,
        received: `${gib} GiB`,
        fix: 'Use Size.gibibytes(n) with 1 <= n <= 16384.',
      });
    }
    return gib;
  }

  private resolveScripts(options: HyperPodInstanceGroupOptions, scripts: HyperPodLifecycleScripts): ResolvedLifecycleScripts {
    const group = options.instanceGroupName;
    const prefix = scripts.prefix ?? 'lifecycle-scripts/';
    const onCreate = scripts.onCreate ?? scripts.source?.entryPoint ?? 'on_create.sh';
    const zonePrefix = scripts.datasets.zonePrefix(scripts.zone);
    if (!isUnresolvedString(prefix) && (!PREFIX.test(prefix) || prefix.split('/').some((s) => s === '.' || s === '..'))) {
      throw new ValidationError({
        code: 'invalid-lifecycle-scripts',
        scope: this,
        message: `Instance group "${group}": the lifecycle scripts prefix is a relative key prefix inside the zone, ending in "/" (letters, digits and !_.*'()-).`,
        received: prefix,
        fix: 'Use a prefix such as "lifecycle-scripts/" or "hyperpod/slurm/".',
      });
    }
    if (!isUnresolvedString(onCreate) && !SCRIPT_NAME.test(onCreate)) {
      throw new ValidationError({
        code: 'invalid-lifecycle-scripts',
        scope: this,
        message: `Instance group "${group}": onCreate is the file name of a script directly under the prefix (1-128 letters, digits, ".", "_" and "-").`,
        received: onCreate,
        fix: 'Use a file name such as "on_create.sh".',
      });
    }
    const bucketName = scripts.datasets.bucket.bucketName;
    if (!isUnresolvedString(bucketName) && `s3://${bucketName}/${zonePrefix}${prefix}`.length > 1024) {
      throw new ValidationError({
        code: 'invalid-lifecycle-scripts',
        scope: this,
        message: `Instance group "${group}": the lifecycle scripts URI is longer than 1024 characters.`,
        received: `s3://${bucketName}/${zonePrefix}${prefix}`,
        fix: 'Use a shorter prefix.',
      });
    }
    const resolved = { datasets: scripts.datasets, zone: scripts.zone, prefix, onCreate };
    if (scripts.source) this.deployScripts(options, resolved, scripts.source);
    return resolved;
  }

  /**
   * Uploads a group's scripts before the cluster is created: one deployment per prefix, shared
   * by the groups that name the same source there.
   */
  private deployScripts(options: HyperPodInstanceGroupOptions, scripts: ResolvedLifecycleScripts, source: HyperPodScriptsSource): void {
    const group = options.instanceGroupName;
    const problem = (message: string, received: unknown, fix: string) => new ValidationError({ code: 'invalid-lifecycle-scripts', scope: this, message: `Instance group "${group}": ${message}`, received, fix });
    if (source.eksOnly && this.orchestrator.kind !== HyperPodOrchestratorKind.EKS) {
      throw problem('HyperPodScriptsSource.eksNodeStorage() sets up containerd and the kubelet of EKS nodes; this cluster is orchestrated by Slurm.', this.orchestrator.kind,
        'Omit lifecycleScripts on Slurm (HyperPod configures the nodes), or use HyperPodScriptsSource.fromDirectory() with the team\'s own scripts.');
    }
    if (source.entryPoint !== undefined && scripts.onCreate !== source.entryPoint) {
      throw problem(`the library's scripts start at ${source.entryPoint}.`, scripts.onCreate, `Omit onCreate, or set it to "${source.entryPoint}".`);
    }
    let entries: string[];
    try {
      entries = fs.readdirSync(source.directory);
    } catch {
      throw problem('the lifecycle scripts directory cannot be read.', source.directory, 'Give HyperPodScriptsSource.fromDirectory() an existing directory (a relative path is resolved from the working directory of the synth).');
    }
    const entry = path.join(source.directory, scripts.onCreate);
    if (!entries.includes(scripts.onCreate) || !fs.statSync(entry).isFile()) {
      throw problem(`the lifecycle scripts directory has no entry point ${scripts.onCreate} at its top level, so every node would fail to start.`, source.directory,
        `Add ${scripts.onCreate} to the directory, or set onCreate to the entry point's file name.`);
    }
    if (source.eksOnly && !options.ebsVolumeSize) {
      Annotations.of(this).addWarningV2('mlops-constructs:hyperpod-node-storage-without-volume',
        `Instance group "${group}" has no ebsVolumeSize: HyperPodScriptsSource.eksNodeStorage() then leaves container images and pod volumes on the root volume.`);
    }
    const keyPrefix = `${scripts.datasets.zonePrefix(scripts.zone)}${scripts.prefix}`;
    const where = `${scripts.datasets.node.addr}/${keyPrefix}`;
    const existing = this.deployments.get(where);
    if (existing) {
      if (existing.directory !== source.directory) {
        throw problem('another instance group uploads other scripts to the same prefix, and each upload removes the other\'s files.', source.directory,
          'Give the groups the same source, or each group its own prefix.');
      }
      return;
    }
    const deployment = deployLifecycleScripts(this, `LifecycleScripts${this.deployments.size === 0 ? '' : this.deployments.size + 1}`, {
      directory: source.directory,
      bucket: scripts.datasets.bucket,
      encryptionKey: scripts.datasets.encryptionKey,
      keyPrefix,
      purpose: `HyperPod cluster ${this.node.path}`,
    });
    this.deployments.set(where, source);
    // The nodes run the scripts as HyperPod creates them: the upload must be complete first.
    this.cluster.node.addDependency(deployment);
  }

  private selectSubnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined, fileSystem: IDatasetFileSystem | undefined): string[] {
    const selected = selectPrivateSubnets(this, vpc, selection, 'HyperPod nodes');
    const fsSubnet = fileSystem?.subnetId;
    if (fsSubnet !== undefined) {
      // Tokens of the same subnet are the same string, so this compares created subnets too.
      if (selection !== undefined && !selected.includes(fsSubnet)) {
        throw new ValidationError({
          code: 'file-system-subnet',
          scope: this,
          message: 'The nodes mount the file system, which lives in one subnet, and vpcSubnets does not include it.',
          received: selected,
          fix: 'Omit vpcSubnets (the cluster is then placed in the file system\'s subnet), or select the file system\'s subnet.',
        });
      }
      return [fsSubnet];
    }
    if (selected.length > MAX_SUBNETS) {
      throw new ValidationError({
        code: 'invalid-subnet',
        scope: this,
        message: `A HyperPod cluster takes at most ${MAX_SUBNETS} subnets.`,
        received: selected.length,
        fix: 'Narrow vpcSubnets, for example to the Availability Zones of your capacity.',
      });
    }
    return selected;
  }
}

/** A group's Slurm node type: compute unless said otherwise. */
function slurmNodeTypeOf(options: HyperPodInstanceGroupOptions): HyperPodSlurmNodeType {
  return options.slurmNodeType ?? HyperPodSlurmNodeType.COMPUTE;
}
