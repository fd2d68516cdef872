import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Accelerator, AcceleratorInstanceType, ArgoCdCluster, ClusterGitOpsChart, ImageCacheNaming, ImageCacheUpstream, ImageUpstream, ComplianceGate, CapacityType, CheckpointVolume, ClusterQueue, GpuNodePool, HyperPodInstanceType, HyperPodSlurmNodeType,
  IChartCapability, IGpuCluster, IMlProjectChart, IndexedTrainingJob, LocalQueue, ResourceFlavor, TorchTrainingRuntime, TrainJob, WorkloadPriorityClass, DatasetObjectLock, DatasetVolumeSource, ProjectTraining, TrainingCompute, MlProjectChart, MlProjectStack, ProjectIdentityProps,
} from '../lib/index';

/** The account the manifests name when neither -c account=... nor CLI credentials give one. */
export const PLACEHOLDER_ACCOUNT = '000000000000';

/** Options of the default platform. */
export interface PlatformOptions {
  /**
   * Number of project instances. The first three are the reference projects (fraud scoring on
   * SageMaker jobs, LLM fine-tuning on HyperPod, defect detection on Kubernetes); the others are
   * plain projects.
   *
   * @default 3
   */
  readonly projects?: number;
}

/** What the default platform contains. */
export interface Platform {
  readonly stacks: MlProjectStack[];
  readonly charts: cdk8s.Chart[];
}

/** The reference projects the default platform starts with: one per way of training. */
interface ReferenceProject {
  readonly identity: ProjectIdentityProps;
  readonly training?: ProjectTraining;
  /** Dataset zones (default raw, curated, features). */
  readonly zones?: string[];
  /** Whether the project's chart gets node pools, queues and training jobs. */
  readonly kubernetesTraining?: boolean;
  /** Registries the project's image cache mirrors (default: the cache's). */
  readonly cacheUpstreams?: ImageCacheUpstream[];
}

function referenceProject(index: number, app: cdk.App): ReferenceProject {
  switch (index) {
    case 0:
      // Tabular fraud scoring: SageMaker training jobs on managed spot.
      return {
        identity: { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' },
        training: ProjectTraining.sageMaker({
          imageTag: 'xgboost-2026-11-25',
          instanceType: AcceleratorInstanceType.G6E_2XLARGE,
          compute: TrainingCompute.spot(cdk.Duration.hours(30)),
          maxRuntime: cdk.Duration.hours(24),
          metrics: [{ name: 'validation:auc', regex: 'validation-auc:([0-9.]+)' }],
        }),
      };
    case 1:
      // LLM fine-tuning: a HyperPod cluster (Slurm) of H100 nodes reading datasets from FSx for Lustre.
      return {
        identity: { project: 'llm-finetune', team: 'genai', stage: 'prod', costCentre: 'CC-6200' },
        training: ProjectTraining.hyperPod({
          instanceGroups: [
            { instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.CONTROLLER },
            { instanceGroupName: 'workers', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE), instanceCount: 2 },
          ],
          lustre: { zones: ['features'], storageCapacity: cdk.Size.gibibytes(2400) },
        }),
      };
    case 2:
      // Vision defect detection: an EKS cluster whose GPU pools, queues and jobs are Kubernetes objects.
      return {
        identity: { project: 'defect-detection', team: 'vision-ml', stage: 'prod', costCentre: 'CC-5120' },
        zones: ['raw', 'curated', 'features', 'checkpoints'],
        training: ProjectTraining.kubernetes({
          // context eksAdminRoleArn: the platform team's role, for example its IAM Identity Center role
          adminRoleArns: [app.node.tryGetContext('eksAdminRoleArn') ?? `arn:${cdk.Aws.PARTITION}:iam::${cdk.Aws.ACCOUNT_ID}:role/mlops-platform-admin`],
          lustre: { zones: ['features'] },
          mountedZones: ['features'],
          checkpointZone: 'checkpoints',
          // The EKS Argo CD capability: context identityCenterInstanceArn, else a stack parameter.
          argoCd: { identityCenterInstanceArn: app.node.tryGetContext('identityCenterInstanceArn'), identityCenterRegion: app.node.tryGetContext('identityCenterRegion') },
        }),
        kubernetesTraining: true,
        // The add-ons' charts and images: Karpenter (ECR Public), Kueue and JobSet (registry.k8s.io),
        // the Kubeflow Trainer (GHCR, with a GitHub token in Secrets Manager).
        cacheUpstreams: [
          ImageCacheUpstream.of(ImageUpstream.ECR_PUBLIC), ImageCacheUpstream.of(ImageUpstream.KUBERNETES), ImageCacheUpstream.of(ImageUpstream.QUAY),
          ghcrCredentials(app),
        ],
      };
    default: {
      const n = String(index).padStart(3, '0');
      return { identity: { project: `project-${n}`, team: `team-${index % 10}`, stage: 'dev', costCentre: `CC-${1000 + (index % 10)}` } };
    }
  }
}

/**
 * GHCR credentials of the image cache: the secret's complete ARN from context ghcrCredentialsArn,
 * else the secret named ecr-pullthroughcache/ghcr (a partial ARN; see the network README).
 */
function ghcrCredentials(app: cdk.App): ImageCacheUpstream {
  const arn = app.node.tryGetContext('ghcrCredentialsArn') as string | undefined;
  return arn !== undefined
    ? ImageCacheUpstream.withCredentialsArn(ImageUpstream.GITHUB_CONTAINER_REGISTRY, arn)
    : ImageCacheUpstream.withCredentialsName(ImageUpstream.GITHUB_CONTAINER_REGISTRY, 'ecr-pullthroughcache/ghcr');
}

/** The Git repository the manifests are committed to, for Argo CD (context gitRepositoryUrl, gitRevision). */
export const PLACEHOLDER_GIT_REPOSITORY = 'https://git.example.com/platform/mlops-platform.git';

/**
 * Where the project charts go: one cdk8s App for all of them, or the App each chart gets (called
 * with the project's id) when every chart is synthesized on its own.
 */
export type ChartApps = cdk8s.App | ((projectId: string) => cdk8s.App);

/**
 * The platform: one project stack per project in `awsApp` and, unless `k8s` is undefined, one
 * project chart per project (see {@link ChartApps}).
 */
export function buildPlatform(awsApp: cdk.App, k8s: ChartApps | undefined, options: PlatformOptions = {}): Platform {
  const chartApp = typeof k8s === 'function' ? k8s : () => k8s!;
  const count = options.projects ?? 3;
  const bucketPrefix = awsApp.node.tryGetContext('datasetBucketPrefix') ?? 'mlops';
  // The region the stacks are deployed to (they are environment-agnostic): the Kubernetes
  // manifests name it, for Mountpoint's region mount option. cdk.json sets it; -c region=... overrides.
  const region: string = awsApp.node.tryGetContext('region') ?? 'eu-west-1';
  // The account whose ECR registry the manifests' images name: -c account=..., else the one the
  // CDK CLI found credentials for; without either the manifests name a placeholder account
  // (000000000000) and the summary says so.
  const account: string = awsApp.node.tryGetContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT;
  // Not compared with CDK_DEFAULT_REGION: the CDK CLI sets it to us-east-1 when no profile names a
  // region, so it cannot tell the deploy region. Deploying elsewhere, pass -c region=<region>.
  const stacks: MlProjectStack[] = [];
  const charts: cdk8s.Chart[] = [];
  for (let i = 0; i < count; i++) {
    const { identity, training, zones, kubernetesTraining, cacheUpstreams } = referenceProject(i, awsApp);
    const id = `${identity.project}-${identity.stage}`;
    const bucketName = `${bucketPrefix}-${id}-datasets`;
    const stack = new MlProjectStack(awsApp, id, {
      identity,
      description: `ML project ${identity.project} (${identity.stage})`,
      training,
      imageCacheOptions: cacheUpstreams ? { upstreams: cacheUpstreams } : undefined,
      datasetStoreProps: {
        bucketName,
        zones: zones ?? ['raw', 'curated', 'features'],
        objectLock: i === 0 ? DatasetObjectLock.governance(cdk.Duration.days(30)) : undefined,
      },
    });
    ComplianceGate.acknowledgeSingleRegion(stack);
    stacks.push(stack);
    if (!k8s) continue;
    // The project's FSx for Lustre file system, once deployed: its id, DNS name and mount name are
    // outputs of the stack, passed back as context (see lib/training/README.md).
    const lustre = kubernetesTraining && stack.lustre ? lustreFromContext(awsApp, stack.lustre.storageCapacity.toGibibytes()) : undefined;
    const chart = new MlProjectChart(chartApp(id), id, {
      identity,
      images: { account, region, cacheUpstreams: cacheUpstreams?.map((u) => u.upstream) },
      datasets: [
        { name: 'features', source: DatasetVolumeSource.s3({ region, bucketName, prefix: 'features/' }) },
        ...(lustre ? [{ name: 'lustre', source: lustre }] : []),
      ],
      capabilities: kubernetesTraining
        ? [new DetectorTraining(stack.gpuCluster!, bucketName, region, awsApp.node.tryGetContext('defectDetectionImageTag') ?? 'detector-2026-11-30')]
        : [],
    });
    charts.push(chart);
    if (kubernetesTraining && stack.gpuCluster) {
      // What Argo CD (the EKS capability) installs and syncs on the project's cluster.
      const gitops = `${id}-gitops`;
      const clusterName = stack.gpuCluster.clusterName;
      const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
      charts.push(new ClusterGitOpsChart(chartApp(gitops), gitops, {
        cluster: ArgoCdCluster.eksCluster(`arn:${partition}:eks:${region}:${account}:cluster/${clusterName}`),
        images: { account, region, cacheNamespace: ImageCacheNaming.defaultNamespace(stack.identity), cacheUpstreams: cacheUpstreams?.map((u) => u.upstream) },
        repository: {
          repoURL: awsApp.node.tryGetContext('gitRepositoryUrl') ?? PLACEHOLDER_GIT_REPOSITORY,
          revision: awsApp.node.tryGetContext('gitRevision') ?? 'v0.1.0',
        },
        karpenter: { clusterName, interruptionQueueName: stack.gpuCluster.interruptionQueueName },
        projects: [chart],
      }));
    }
  }
  return { stacks, charts };
}

/**
 * The Kubernetes side of a project that trains on its EKS cluster, as a capability the project
 * chart binds: an L40S node pool (spot first, then on-demand) capped at 32 GPUs, its Kueue
 * flavor, the team's ClusterQueue (16 GPUs, borrowing in the `ml` cohort) and LocalQueue, a
 * priority class, the torch runtime, a checkpoint volume on the dataset store, and the detector
 * training as a TrainJob and, for clusters without the Kubeflow Trainer, as an indexed Job.
 */
const LUSTRE_CONTEXT = ['lustreFileSystemId', 'lustreDnsName', 'lustreMountName'] as const;

/**
 * The Lustre volume of the Kubernetes reference project, from the context keys
 * lustreFileSystemId, lustreDnsName and lustreMountName (the stack's LustreFileSystemId,
 * LustreDnsName and LustreMountName outputs); none when they are not given.
 */
function lustreFromContext(app: cdk.App, capacityGiB: number): DatasetVolumeSource | undefined {
  const values = LUSTRE_CONTEXT.map((key) => app.node.tryGetContext(key) as string | undefined);
  if (values.every((v) => v === undefined)) return undefined;
  const missing = LUSTRE_CONTEXT.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) throw new Error(`Give all three Lustre context values (the stack outputs); missing: ${missing.join(', ')}`);
  const [fileSystemId, dnsName, mountName] = values as string[];
  return DatasetVolumeSource.fsxLustre({ fileSystemId, dnsName, mountName, storageCapacity: cdk8s.Size.gibibytes(capacityGiB) });
}

class DetectorTraining implements IChartCapability {
  public readonly capabilityName = 'training';

  constructor(
    private readonly cluster: IGpuCluster,
    private readonly bucketName: string,
    private readonly region: string,
    private readonly imageTag: string,
  ) {}

  public bind(project: IMlProjectChart): void {
    const chart = project.chart;
    const namespace = project.namespaceName;
    // The detector image the team pushes to the project's ECR repository (named <project>-<stage>).
    if (!project.images) throw new Error('The detector training needs the chart\'s images (the project registry).');
    const image = project.images.ecr(project.identity.qualifiedName, this.imageTag);
    const pool = new GpuNodePool(chart, 'L40S', {
      nodePoolName: 'gpu-l40s',
      instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE, AcceleratorInstanceType.G6E_48XLARGE],
      acceleratorLimit: 32,
      capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND],
      instanceProfile: this.cluster.nodeInstanceProfileName,
      subnetTags: this.cluster.discoveryTags,
      securityGroupTags: this.cluster.discoveryTags,
    });
    const flavor = new ResourceFlavor(chart, 'L40SFlavor', { pool });
    const clusterQueue = new ClusterQueue(chart, 'TeamQueue', { namespaces: [namespace], cohort: 'ml', quotas: [{ flavor, accelerators: 16 }] });
    const queue = new LocalQueue(chart, 'Queue', { clusterQueue, namespaceName: namespace });
    const priority = new WorkloadPriorityClass(chart, 'Production', { value: 1000, description: 'Production retraining' });
    const runtime = new TorchTrainingRuntime(chart, 'Torch', { image });
    const checkpoints = new CheckpointVolume(chart, 'Checkpoints', { region: this.region, namespaceName: namespace, bucketName: this.bucketName, prefix: 'checkpoints/' });
    const job = {
      namespace,
      image,
      command: ['torchrun', '/app/train_detector.py'],
      accelerator: Accelerator.nvidiaGpu({ count: 4, model: 'L40S' }),
      nodes: 2,
      cpu: kplus.Cpu.units(40),
      memory: cdk8s.Size.gibibytes(320),
      // the zone through FSx for Lustre (linked at /datasets/features) once the file system is known
      dataset: project.datasets.lustre ?? project.datasets.features,
      checkpoints: checkpoints.storage(),
      queue,
      priorityClass: priority,
    };
    new TrainJob(chart, 'TrainDetector', { ...job, jobName: 'train-detector', runtime });
    new IndexedTrainingJob(chart, 'TrainDetectorIndexed', { ...job, jobName: 'train-detector-indexed' });
  }
}
