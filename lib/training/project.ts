import { CfnOutput, Duration, Size, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AcceleratorInstanceType } from '../core/accelerators';
import { DIRECTORY_BUCKET_NAME, IAM_ROLE_ARN, validateArn } from '../core/private/identifiers';
import { ValidationError } from '../core/errors';
import { DatasetFileSystem, IDatasetFileSystem } from '../data/lustre-file-system';
import { IMlProject } from '../project/ml-project';
import { ArgoCdCapability, ArgoCdRoleMapping } from '../gitops/argo-cd-capability';
import { GpuCluster, IGpuCluster } from './gpu-cluster';
import { HyperPodCluster, HyperPodInstanceGroupOptions, HyperPodLifecycleScripts, HyperPodOrchestrator, HyperPodOrchestratorKind, IHyperPodCluster } from './hyperpod-cluster';
import { HyperPodScriptsSource } from './hyperpod-scripts-source';
import { ITrainingTemplate, SageMakerTrainingTemplate, TrainingMetric } from './sagemaker-training';
import { CheckpointLocation, TrainingCompute, TrainingInput } from './training-input';
import { acknowledge } from '../private/acknowledgments';

/** An FSx for Lustre file system linked to the project's dataset zones. */
export interface ProjectLustreOptions {
  /** Dataset zones linked into the file system, each at `/datasets/<zone>`. */
  readonly zones: string[];
  /**
   * Storage capacity (FSx steps: 1200 GiB, 2400 GiB, then multiples of 2400 GiB).
   *
   * @default Size.gibibytes(1200)
   */
  readonly storageCapacity?: Size;
}

/** Options of SageMaker training jobs in a project. */
export interface SageMakerProjectTrainingOptions {
  /** Tag of the training image in the project registry's repository. */
  readonly imageTag: string;
  /** Instance type of the jobs. */
  readonly instanceType: AcceleratorInstanceType;
  /**
   * Instances per job.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Dataset zone the jobs read.
   *
   * @default 'features'
   */
  readonly inputZone?: string;
  /**
   * On-demand or spot. Spot jobs checkpoint to `checkpoints/` in the registry's artifact bucket.
   *
   * @default TrainingCompute.onDemand()
   */
  readonly compute?: TrainingCompute;
  /**
   * Maximum run time of a job.
   *
   * @default Duration.days(1)
   */
  readonly maxRuntime?: Duration;
  /**
   * Metrics parsed from the logs.
   *
   * @default - none
   */
  readonly metrics?: TrainingMetric[];
}

/** Options of an EKS GPU cluster in a project. */
export interface KubernetesProjectTrainingOptions {
  /**
   * Cluster name.
   *
   * @default '<project>-<stage>'
   */
  readonly clusterName?: string;
  /**
   * ARNs of the IAM roles that administer the cluster (EKS cluster admin access policy), with
   * their path: an IAM Identity Center role is
   * `arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<permission set>_<id>`
   * (access entries, unlike the aws-auth ConfigMap, take the path). Roles of other accounts are
   * allowed. ARNs rather than roles so a template can be declared before its stack exists.
   *
   * @default - none
   */
  readonly adminRoleArns?: string[];
  /**
   * kubectl layer, to deploy charts through CloudFormation instead of GitOps.
   *
   * @default - GitOps (charts written to dist/)
   */
  readonly kubectlLayer?: lambda.ILayerVersion;
  /**
   * Dataset zones pods mount read-only through the Mountpoint for S3 CSI driver (installed with
   * its own role when this is not empty).
   *
   * @default ['features']
   */
  readonly mountedZones?: string[];
  /**
   * Zone the training jobs write checkpoints to through the S3 CSI driver (read, write, delete
   * under that zone only).
   *
   * @default - none
   */
  readonly checkpointZone?: string;
  /**
   * S3 Express One Zone directory buckets (`<name>--<zone id>--x-s3`, in the project's account
   * and region) the training jobs checkpoint to through the S3 CSI driver (`CheckpointVolume`
   * with such a `bucketName`: Mountpoint renames files there). The driver's role gets
   * `s3express:CreateSession` on each (directory buckets authorize by session, for the whole
   * bucket), and the network an `s3express` gateway endpoint, through which nodes reach them.
   * Buckets encrypted with SSE-KMS need the key granted as well.
   *
   * @default - none
   */
  readonly checkpointDirectoryBuckets?: string[];
  /**
   * An FSx for Lustre file system for the GPU nodes.
   *
   * @default - none
   */
  readonly lustre?: ProjectLustreOptions;
  /**
   * The EKS managed Argo CD capability, which installs the cluster's add-ons and applies the
   * project's charts (`ClusterGitOpsChart` on the Kubernetes side). Its API and UI are private
   * (an `eks-capabilities` endpoint in the project network).
   *
   * @default - none: an Argo CD installed in the cluster by the platform team (see lib/gitops/README.md)
   */
  readonly argoCd?: ProjectArgoCdOptions;
}

/** The Argo CD capability of a Kubernetes project: who signs in, and how. */
export interface ProjectArgoCdOptions {
  /**
   * ARN of the IAM Identity Center instance Argo CD users sign in with.
   *
   * @default - a stack parameter (ArgoCdIdentityCenterInstanceArn) the deployment gives
   */
  readonly identityCenterInstanceArn?: string;
  /**
   * Region of the Identity Center instance.
   *
   * @default - the stack's region
   */
  readonly identityCenterRegion?: string;
  /**
   * Identity Center users or groups and their Argo CD roles.
   *
   * @default - none
   */
  readonly roleMappings?: ArgoCdRoleMapping[];
}

/** Options of a SageMaker HyperPod cluster in a project. */
export interface HyperPodProjectTrainingOptions {
  /** Instance groups (controller, workers...). */
  readonly instanceGroups: HyperPodInstanceGroupOptions[];
  /**
   * Dataset zone of the lifecycle scripts (under `lifecycle-scripts/`, entry point
   * `on_create.sh`). Without `lifecycleScripts` the team uploads them there before the stack is
   * deployed.
   *
   * @default - 'curated' when the cluster has scripts (EKS, or `lifecycleScripts`); none on Slurm
   */
  readonly lifecycleScriptsZone?: string;
  /**
   * Scripts the stack uploads to the zone before the cluster is created. With Slurm they are
   * optional (HyperPod configures Slurm from the groups' `slurmNodeType` and mounts the project's
   * file system itself) and only add the team's own steps; an EKS orchestrator needs scripts.
   *
   * @default - on EKS, HyperPodScriptsSource.eksNodeStorage() unless `lifecycleScriptsZone` names
   * the team's uploaded scripts; none on Slurm
   */
  readonly lifecycleScripts?: HyperPodScriptsSource;
  /**
   * Slurm or EKS.
   *
   * @default HyperPodOrchestrator.slurm()
   */
  readonly orchestrator?: HyperPodOrchestrator;
  /**
   * An FSx for Lustre file system for the cluster. With Slurm every node mounts it at
   * `/fsx`, and the cluster is placed in the file system's subnet.
   *
   * @default - none
   */
  readonly lustre?: ProjectLustreOptions;
}

/** What a project's training binding built. */
export interface ProjectTrainingResources {
  /**
   * The SageMaker training job template (SageMaker training).
   *
   * @default - none
   */
  readonly sageMakerTraining?: ITrainingTemplate;
  /**
   * The SageMaker HyperPod cluster (HyperPod training).
   *
   * @default - none
   */
  readonly hyperPodCluster?: IHyperPodCluster;
  /**
   * The EKS GPU cluster (Kubernetes training).
   *
   * @default - none
   */
  readonly gpuCluster?: IGpuCluster;
  /**
   * The FSx for Lustre file system linked to the dataset store (when asked for).
   *
   * @default - none
   */
  readonly fileSystem?: IDatasetFileSystem;
  /**
   * The Argo CD capability of the EKS cluster (Kubernetes training with `argoCd`).
   *
   * @default - none
   */
  readonly argoCd?: ArgoCdCapability;
}

/**
 * How a project trains: SageMaker training jobs, a SageMaker HyperPod cluster, or an EKS cluster
 * with GPU capacity scheduled from Kubernetes. The project calls `bind()`, which builds the
 * training constructs in the project's stack (construct ids `Training`, `HyperPod`, `GpuCluster`,
 * `Lustre`) on the project's network.
 */
export abstract class ProjectTraining {
  /** SageMaker training jobs (a job template the pipeline starts jobs from). */
  public static sageMaker(options: SageMakerProjectTrainingOptions): ProjectTraining {
    return new SageMakerProjectTraining(options);
  }

  /** A SageMaker HyperPod cluster for long-running distributed training. */
  public static hyperPod(options: HyperPodProjectTrainingOptions): ProjectTraining {
    return new HyperPodProjectTraining(options);
  }

  /** An EKS cluster whose GPU node pools, queues and jobs are Kubernetes objects. */
  public static kubernetes(options: KubernetesProjectTrainingOptions = {}): ProjectTraining {
    return new KubernetesProjectTraining(options);
  }

  /** Builds the training constructs of `project`. */
  public abstract bind(project: IMlProject): ProjectTrainingResources;
}

class SageMakerProjectTraining extends ProjectTraining {
  constructor(private readonly options: SageMakerProjectTrainingOptions) {
    super();
  }

  public bind(project: IMlProject): ProjectTrainingResources {
    const o = this.options;
    const network = project.network;
    // Spot jobs resume from checkpoints: they go next to the job output, in the artifact bucket.
    const spot = o.compute?.isSpot ?? false;
    const sageMakerTraining = new SageMakerTrainingTemplate(project.stack, 'Training', {
      inputs: [TrainingInput.fromZone(project.datasets, o.inputZone ?? 'features')],
      registry: project.registry,
      imageTag: o.imageTag,
      instanceType: o.instanceType,
      instanceCount: o.instanceCount,
      compute: o.compute,
      checkpoints: spot ? CheckpointLocation.inBucket(project.registry.artifactBucket, 'checkpoints/') : undefined,
      maxRuntime: o.maxRuntime,
      metrics: o.metrics,
      vpc: network.vpc,
      vpcSubnets: network.workloadSubnets,
      securityGroups: [network.trainingSecurityGroup],
    });
    return { sageMakerTraining };
  }
}

class HyperPodProjectTraining extends ProjectTraining {
  constructor(private readonly options: HyperPodProjectTrainingOptions) {
    super();
  }

  public bind(project: IMlProject): ProjectTrainingResources {
    const o = this.options;
    const network = project.network;
    const fileSystem = createLustre(project, o.lustre);
    const slurm = (o.orchestrator?.kind ?? HyperPodOrchestratorKind.SLURM) === HyperPodOrchestratorKind.SLURM;
    const hyperPodCluster = new HyperPodCluster(project.stack, 'HyperPod', {
      clusterName: project.identity.qualifiedName,
      instanceGroups: o.instanceGroups,
      lifecycleScripts: lifecycleScriptsOf(project, o, slurm),
      orchestrator: o.orchestrator,
      vpc: network.vpc,
      // With a file system on Slurm the cluster goes in the file system's subnet.
      vpcSubnets: fileSystem && slurm ? undefined : network.workloadSubnets,
      securityGroup: network.trainingSecurityGroup,
      fileSystem: slurm ? fileSystem : undefined,
    });
    // The nodes fetch lifecycle scripts from S3 and write logs as they boot: the endpoints first.
    hyperPodCluster.cluster.node.addDependency(network.endpoints);
    return { hyperPodCluster, fileSystem };
  }
}

/** Where a project's HyperPod scripts are, and what the stack uploads there. */
function lifecycleScriptsOf(project: IMlProject, o: HyperPodProjectTrainingOptions, slurm: boolean): HyperPodLifecycleScripts | undefined {
  // EKS nodes need an entry point: the library's, unless the team names a zone of its own scripts.
  const source = o.lifecycleScripts ?? (slurm || o.lifecycleScriptsZone !== undefined ? undefined : HyperPodScriptsSource.eksNodeStorage());
  if (source === undefined && o.lifecycleScriptsZone === undefined) return undefined;
  return { datasets: project.datasets, zone: o.lifecycleScriptsZone ?? 'curated', source };
}

/**
 * Interface endpoints an EKS cluster in isolated subnets needs for its own AWS calls: nodes join
 * (STS, EKS, EKS Auth, EC2), pull images (ECR), are managed (SSM), ship logs (CloudWatch Logs), and
 * Karpenter reads spot interruption notices (SQS). S3 is reached through the gateway endpoint.
 */
const CLUSTER_ENDPOINTS = [
  ec2.InterfaceVpcEndpointAwsService.STS, ec2.InterfaceVpcEndpointAwsService.EKS, ec2.InterfaceVpcEndpointAwsService.EKS_AUTH,
  ec2.InterfaceVpcEndpointAwsService.EC2, ec2.InterfaceVpcEndpointAwsService.ECR, ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  ec2.InterfaceVpcEndpointAwsService.SSM, ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, ec2.InterfaceVpcEndpointAwsService.SQS,
];

class KubernetesProjectTraining extends ProjectTraining {
  constructor(private readonly options: KubernetesProjectTrainingOptions) {
    super();
  }

  public bind(project: IMlProject): ProjectTrainingResources {
    const o = this.options;
    const stack = project.stack;
    const network = project.network;
    // Karpenter reads spot interruption notices from SQS.
    const sqs = ec2.InterfaceVpcEndpointAwsService.SQS;
    if (!network.hasInterfaceEndpoint(sqs)) network.addInterfaceEndpoint(sqs);
    const gpuCluster = new GpuCluster(stack, 'GpuCluster', {
      vpc: network.vpc,
      vpcSubnets: network.workloadSubnets,
      nodeSecurityGroups: [network.trainingSecurityGroup],
      clusterName: o.clusterName ?? project.identity.qualifiedName,
      adminRoles: (o.adminRoleArns ?? []).map((arn, i) => iam.Role.fromRoleArn(stack, `ClusterAdmin${i}`,
        validateArn(stack, `training.adminRoleArns[${i}]`, arn, IAM_ROLE_ARN), { mutable: false })),
      kubectlLayer: o.kubectlLayer,
      // Controllers and public images come through the project's pull-through cache.
      imageCache: project.imageCache,
    });
    new CfnOutput(stack, 'ImageCacheNamespace', { value: project.imageCache.repositoryNamespace, description: 'First part of the names of the repositories the project\'s image cache creates (<registry>/<namespace>/<upstream>/...)' });
    const fileSystem = createLustre(project, o.lustre);
    // Pods mount the file system through the FSx CSI driver (static volumes).
    if (fileSystem) gpuCluster.addFsxCsiDriver();
    const mounted = o.mountedZones ?? ['features'];
    const directoryBuckets = o.checkpointDirectoryBuckets ?? [];
    if (mounted.length > 0 || o.checkpointZone || directoryBuckets.length > 0) {
      const csi = gpuCluster.addS3CsiDriver();
      for (const zone of mounted) project.datasets.grantRead(csi, zone);
      if (o.checkpointZone) project.datasets.grantReadWrite(csi, o.checkpointZone);
      if (directoryBuckets.length > 0) grantDirectoryBuckets(project, csi, directoryBuckets);
    }
    // With a kubectl layer, aws-cdk-lib's kubectl provider runs in the cluster's subnets and calls Lambda.
    const lambdaEndpoint = ec2.InterfaceVpcEndpointAwsService.LAMBDA;
    if (o.kubectlLayer && network.isolated && !network.hasInterfaceEndpoint(lambdaEndpoint)) network.addInterfaceEndpoint(lambdaEndpoint);
    const needed = o.kubectlLayer ? [...CLUSTER_ENDPOINTS, lambdaEndpoint] : CLUSTER_ENDPOINTS;
    if (network.isolated && network.hasS3GatewayEndpoint && needed.every((service) => network.hasInterfaceEndpoint(service))) {
      acknowledge(gpuCluster.cluster, {
        id: 'Annotation::@aws-cdk/aws-eks:isolatedSubnetsForKubectlPrivateSubnets',
        reason: 'The project network has the STS, EKS, EKS Auth, EC2, ECR, SSM, CloudWatch Logs and SQS interface endpoints the cluster\'s AWS calls need (and S3 through its gateway endpoint); public images come through the project\'s ECR pull-through cache (see the network README).',
      });
    }
    const argoCd = o.argoCd && new ArgoCdCapability(stack, 'ArgoCd', {
      cluster: gpuCluster, network, imageCache: project.imageCache, ...o.argoCd,
    });
    return { gpuCluster, fileSystem, argoCd };
  }
}

/** Lets the S3 CSI driver open sessions on directory buckets, and the nodes reach them. */
function grantDirectoryBuckets(project: IMlProject, csi: iam.IGrantable, names: string[]): void {
  const stack = project.stack;
  names.forEach((name, i) => {
    if (!Token.isUnresolved(name) && !DIRECTORY_BUCKET_NAME.test(name)) {
      throw new ValidationError({
        code: 'invalid-directory-bucket', scope: stack,
        message: `training.checkpointDirectoryBuckets[${i}] is not an S3 Express One Zone directory bucket name: <base name>--<zone id>--x-s3, 3-63 lowercase letters, digits and hyphens.`,
        received: name, fix: 'Give the directory bucket\'s full name, for example "checkpoints--euw1-az1--x-s3".',
      });
    }
  });
  csi.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'CheckpointDirectoryBuckets',
    actions: ['s3express:CreateSession'],
    resources: names.map((name) => stack.formatArn({ service: 's3express', resource: 'bucket', resourceName: name })),
  }));
  const vpc = project.network.vpc;
  if (!vpc.node.tryFindChild('S3Express')) {
    vpc.addGatewayEndpoint('S3Express', { service: ec2.GatewayVpcEndpointAwsService.S3_EXPRESS, subnets: [project.network.workloadSubnets] });
  }
}

function createLustre(project: IMlProject, options: ProjectLustreOptions | undefined): DatasetFileSystem | undefined {
  if (!options) return undefined;
  const network = project.network;
  const fileSystem = new DatasetFileSystem(project.stack, 'Lustre', {
    datasets: project.datasets,
    vpc: network.vpc,
    vpcSubnets: network.workloadSubnets,
    storageCapacity: options.storageCapacity,
    clients: [network.trainingSecurityGroup],
    datasetLinks: options.zones.map((zone) => ({ zone, fileSystemPath: `/datasets/${zone}` })),
  });
  // What a mount needs (mount -t lustre <dns>@tcp:/<mount name>), known only after deployment.
  new CfnOutput(project.stack, 'LustreDnsName', { value: fileSystem.dnsName, description: 'DNS name of the project\'s FSx for Lustre file system' });
  new CfnOutput(project.stack, 'LustreMountName', { value: fileSystem.mountName, description: 'Lustre mount name of the project\'s file system' });
  new CfnOutput(project.stack, 'LustreFileSystemId', { value: fileSystem.fileSystemId, description: 'Id of the project\'s FSx for Lustre file system (the volume handle of its Kubernetes volume)' });
  return fileSystem;
}
