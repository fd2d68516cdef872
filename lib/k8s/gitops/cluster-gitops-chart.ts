import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { AcceleratorVendor } from '../../core/accelerators';
import { ValidationError } from '../../core/errors';
import { ImageUpstream } from '../../core/image-upstreams';
import { isClusterScoped, registerObjects } from '../core/objects';
import { ProjectImages, ProjectImagesProps } from '../core/images';
import { checkName } from '../core/names';
import { checkNotSystemNamespace } from '../core/validation';
import { IMlProjectChart } from '../project/ml-project-chart';
import { GpuNodePool } from '../training/gpu-node-pool';
import { GpuNodeImageFamily } from '../training/node-pool-options';
import { AddonVersions } from './addon-versions';
import { ArgoCdApplication, ArgoCdSource } from './argo-cd-application';
import { ArgoCdCluster } from './argo-cd-destination';
import { ArgoCdGroupKind, ArgoCdProject } from './argo-cd-project';

/** The Git repository Argo CD reads the synthesized manifests (`dist/`) from. */
export interface GitOpsRepository {
  /** Its URL (`https://...` or `ssh://...`). */
  readonly repoURL: string;
  /** The tag or commit of the manifests to deploy. */
  readonly revision: string;
  /**
   * The directory of the manifests in the repository.
   *
   * @default 'dist'
   */
  readonly path?: string;
}

/** What the self-managed Karpenter add-on is configured with (the GpuCluster's values). */
export interface KarpenterAddonOptions {
  /** Name of the EKS cluster. */
  readonly clusterName: string;
  /** Name of the SQS queue of interruption notices (the GpuCluster's `interruptionQueue`). */
  readonly interruptionQueueName: string;
}

/** Properties of a {@link ClusterGitOpsChart}. */
export interface ClusterGitOpsChartProps extends ChartProps {
  /**
   * The cluster, as Argo CD names it: `ArgoCdCluster.eksCluster(<cluster ARN>)` for the EKS Argo
   * CD capability, `ArgoCdCluster.inCluster()` for an Argo CD installed in the cluster.
   */
  readonly cluster: ArgoCdCluster;
  /**
   * Namespace Argo CD runs in.
   *
   * @default 'argocd'
   */
  readonly argoCdNamespace?: string;
  /**
   * The registry the add-ons' charts and images come from: the cluster's project account, region
   * and pull-through cache. The cache must mirror ECR Public (Karpenter, the EFA device plugin),
   * registry.k8s.io (Kueue, JobSet) and GHCR (the Kubeflow Trainer).
   */
  readonly images: ProjectImagesProps;
  /** The Git repository of the synthesized manifests, for the project Applications and this chart's own. */
  readonly repository: GitOpsRepository;
  /**
   * Karpenter's settings. Without them Karpenter is not installed (EKS Auto Mode, or installed
   * elsewhere).
   *
   * @default - Karpenter is not installed
   */
  readonly karpenter?: KarpenterAddonOptions;
  /**
   * The project charts Argo CD applies, each through an Application limited by an AppProject of
   * its own to the project's namespace and the cluster-scoped kinds its chart defines.
   *
   * @default - none
   */
  readonly projects?: IMlProjectChart[];
  /**
   * Reference of the NVIDIA device plugin image in a project ECR repository, for NVIDIA pools
   * on AL2023 (Bottlerocket runs the plugin itself). Its registry, nvcr.io, is not one ECR can
   * cache: copy `nvcr.io/nvidia/k8s-device-plugin:v<AddonVersions.NVIDIA_DEVICE_PLUGIN>` into the repository.
   *
   * @default - none; an NVIDIA pool on AL2023 fails the synth
   */
  readonly nvidiaDevicePluginImage?: string;
  /**
   * Whether the NVIDIA GPU operator runs on the cluster already (installed outside this chart:
   * its images are on nvcr.io): its device plugin and MIG manager (mixed strategy) serve AL2023
   * pools, MIG pools included, and this chart installs no NVIDIA device plugin.
   *
   * @default false - MIG pools fail the synth; AL2023 NVIDIA pools need `nvidiaDevicePluginImage`
   */
  readonly nvidiaGpuOperatorInstalled?: boolean;
  /**
   * Whether the Neuron device plugin runs on the cluster already (installed outside this chart),
   * for Neuron pools: this chart does not install it.
   *
   * @default false - a Neuron pool fails the synth
   */
  readonly neuronDevicePluginInstalled?: boolean;
}

/** Helm values that put a DaemonSet on the nodes of `pools` only, tolerating their taints. */
function onPools(pools: GpuNodePool[]): Record<string, unknown> {
  const tolerations = new Map<string, Record<string, string>>();
  for (const taint of pools.flatMap((p) => p.taints)) {
    tolerations.set(`${taint.key}:${taint.effect}`, { key: taint.key, operator: 'Exists', effect: taint.effect });
  }
  return {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'karpenter.sh/nodepool', operator: 'In', values: pools.map((p) => p.nodePoolName) }] }] } } },
    tolerations: [...tolerations.values()],
  };
}

/** Argo CD's sync wave of each kind of Application: controllers and their CRDs, then projects. */
const WAVE = { setup: -10, controllers: -2, dependants: -1, devicePlugins: 0, projects: 1 } as const;

/**
 * What Argo CD needs to run a cluster's add-ons and its projects: an AppProject for the
 * platform's add-ons, an Application per add-on at the versions of {@link AddonVersions} with
 * charts and images from the project's pull-through cache (Karpenter, JobSet, Kueue, the Kubeflow
 * Trainer, and device plugins the node pools need), an AppProject and an Application per project
 * chart, and an Application that keeps this chart itself in sync from Git. For the EKS Argo CD
 * capability it also registers the cluster (a cluster Secret naming it by ARN).
 *
 * Applied once by hand (`kubectl apply -f` from inside the VPC); from then on Argo CD syncs it
 * and everything it names.
 */
export class ClusterGitOpsChart extends Chart {
  /** The registry the add-ons come from. */
  public readonly images: ProjectImages;
  /** The project of the platform's add-ons (any namespace of the cluster, any kind). */
  public readonly addonsProject: ArgoCdProject;
  /** The add-on Applications, by add-on (`karpenter`, `jobset`, `kueue`, `kubeflow-trainer`...). */
  public readonly addons: Record<string, ArgoCdApplication> = {};
  /** The project Applications, by project namespace. */
  public readonly projectApplications: Record<string, ArgoCdApplication> = {};
  /**
   * The images the add-ons run, as the nodes pull them through the cache. Nodes in the isolated
   * network cannot make the first pull of an image through the cache: pull each once from
   * outside the VPC (the default app writes them to `dist/<chart>.images.txt`).
   */
  public readonly cachedImages: string[] = [];

  constructor(scope: Construct, id: string, props: ClusterGitOpsChartProps) {
    super(scope, id, { ...props, namespace: undefined });
    registerObjects(this);
    const argoCdNamespace = checkName(this, 'argoCdNamespace', props.argoCdNamespace ?? 'argocd');
    const cluster = props.cluster;
    cluster._validate(this);
    this.images = new ProjectImages(this, 'Images', props.images);
    const images = this.images;
    for (const upstream of [ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES, ImageUpstream.GITHUB_CONTAINER_REGISTRY]) {
      if (!images.upstreams.includes(upstream)) {
        throw new ValidationError({
          code: 'image-not-cached', scope: this,
          message: `The add-ons' charts and images come through the project's pull-through cache, which does not mirror ${upstream.displayName}.`,
          received: images.upstreams.map((u) => u.displayName),
          fix: 'Give the project stack\'s image cache ECR Public, registry.k8s.io and GHCR (with credentials), and list them in images.cacheUpstreams.',
        });
      }
    }
    const repository = props.repository;
    const path = repository.path ?? 'dist';

    // Charts through the cache: an OCI Helm repository is its registry path without oci://.
    const chartRepo = (upstreamPath: string): string => {
      const image = images.cached(`${upstreamPath}/chart:0`);
      return image.slice(0, image.lastIndexOf('/'));
    };
    const karpenterCharts = chartRepo('public.ecr.aws/karpenter');
    const kueueCharts = chartRepo('registry.k8s.io/kueue/charts');
    const jobsetCharts = chartRepo('registry.k8s.io/jobset/charts');
    const trainerCharts = chartRepo('ghcr.io/kubeflow/charts');
    const efaCharts = 'https://aws.github.io/eks-charts';
    const nvidiaCharts = 'https://nvidia.github.io/k8s-device-plugin';

    this.addonsProject = new ArgoCdProject(this, 'Addons', {
      projectName: 'platform-addons',
      argoCdNamespace,
      description: 'Cluster add-ons the platform installs (controllers, device plugins) and the GitOps chart itself',
      sourceRepos: [karpenterCharts, kueueCharts, jobsetCharts, trainerCharts, efaCharts, nvidiaCharts, repository.repoURL],
      destinations: [{ cluster, namespaceName: '*' }],
      clusterResources: [{ group: '*', kind: '*' }],
    });
    const project = this.addonsProject;
    const repositoryOf = (image: string) => image.slice(0, image.lastIndexOf(':'));
    const cached = (reference: string): string => {
      const image = images.cached(reference);
      this.cachedImages.push(image);
      return image;
    };

    // Projects and secrets before the Applications that need them, when a sync (not the first
    // kubectl apply) recreates them.
    const first = { 'argocd.argoproj.io/sync-wave': String(WAVE.setup) };
    project.resource.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(WAVE.setup));
    if (cluster.isEksArn) {
      // The EKS capability does not know the cluster it runs for until it is registered.
      new ApiObject(this, 'ClusterRegistration', {
        apiVersion: 'v1', kind: 'Secret',
        metadata: { name: 'in-cluster', namespace: argoCdNamespace, labels: { 'argocd.argoproj.io/secret-type': 'cluster' }, annotations: first },
        stringData: { name: 'in-cluster', server: cluster.server },
      });
    } else {
      // A self-installed Argo CD: the cache's charts are OCI repositories, which need an ECR
      // token (username AWS) in these secrets, refreshed within its 12 hours. The EKS capability
      // pulls ECR charts with its IAM role and needs no repository configuration.
      for (const [name, url] of [['karpenter', karpenterCharts], ['kueue', kueueCharts], ['jobset', jobsetCharts], ['kubeflow-trainer', trainerCharts]]) {
        new ApiObject(this, `Repository-${name}`, {
          apiVersion: 'v1', kind: 'Secret',
          metadata: { name: `charts-${name}`, namespace: argoCdNamespace, labels: { 'argocd.argoproj.io/secret-type': 'repository' }, annotations: first },
          stringData: { type: 'helm', enableOCI: 'true', name: `${name}-charts`, url },
        });
      }
    }

    const addon = (name: string, namespace: string, wave: number, source: ArgoCdSource): ArgoCdApplication => {
      const app = new ArgoCdApplication(this, name, {
        applicationName: name, project, source, destination: { cluster, namespaceName: namespace }, syncWave: wave, createNamespace: true,
      });
      this.addons[name] = app;
      return app;
    };

    if (props.karpenter) {
      const k = props.karpenter;
      if (!k.clusterName || !k.interruptionQueueName) {
        throw new ValidationError({
          code: 'invalid-addon', scope: this,
          message: 'karpenter needs the cluster name and the interruption queue name: without them the controller cannot discover the cluster or hear of spot interruptions.',
          received: k, fix: 'Pass the GpuCluster\'s clusterName and interruptionQueue.queueName.',
        });
      }
      addon('karpenter', 'kube-system', WAVE.controllers, ArgoCdSource.helmChart({
        repoURL: karpenterCharts, chart: 'karpenter', version: AddonVersions.KARPENTER, releaseName: 'karpenter',
        values: {
          // The service account the stack's Pod Identity association names (kube-system/karpenter).
          serviceAccount: { name: 'karpenter' },
          settings: { clusterName: k.clusterName, interruptionQueue: k.interruptionQueueName, isolatedVPC: true },
          // The upstream digest would pin the image whatever the repository says.
          controller: { image: { repository: repositoryOf(cached(`public.ecr.aws/karpenter/controller:${AddonVersions.KARPENTER}`)), tag: AddonVersions.KARPENTER, digest: '' } },
        },
      }));
    }
    addon('jobset', 'jobset-system', WAVE.controllers, ArgoCdSource.helmChart({
      repoURL: jobsetCharts, chart: 'jobset', version: AddonVersions.JOBSET, releaseName: 'jobset',
      values: { image: { repository: repositoryOf(cached(`registry.k8s.io/jobset/jobset:v${AddonVersions.JOBSET}`)), tag: `v${AddonVersions.JOBSET}` } },
    }));
    addon('kueue', 'kueue-system', WAVE.controllers, ArgoCdSource.helmChart({
      repoURL: kueueCharts, chart: 'kueue', version: AddonVersions.KUEUE, releaseName: 'kueue',
      values: { controllerManager: { manager: { image: { repository: repositoryOf(cached(`registry.k8s.io/kueue/kueue:v${AddonVersions.KUEUE}`)), tag: `v${AddonVersions.KUEUE}` } } } },
    }));
    // The Trainer runs TrainJobs as JobSets: after JobSet, which it does not install a second time.
    const trainerImage = cached(`ghcr.io/kubeflow/trainer/trainer-controller-manager:v${AddonVersions.KUBEFLOW_TRAINER}`);
    addon('kubeflow-trainer', 'kubeflow-system', WAVE.dependants, ArgoCdSource.helmChart({
      repoURL: trainerCharts, chart: 'kubeflow-trainer', version: AddonVersions.KUBEFLOW_TRAINER, releaseName: 'kubeflow-trainer',
      values: {
        jobset: { install: false },
        image: {
          registry: images.registryHost,
          repository: repositoryOf(trainerImage).slice(images.registryHost.length + 1),
          tag: `v${AddonVersions.KUBEFLOW_TRAINER}`,
        },
      },
    }));

    // Device plugins the projects' node pools need.
    const pools = (props.projects ?? []).flatMap((p) => p.chart.node.findAll().filter((c): c is GpuNodePool => GpuNodePool.isGpuNodePool(c) && 'image' in c));
    const efaPools = pools.filter((p) => p.efa);
    if (efaPools.length > 0) {
      addon('aws-efa-k8s-device-plugin', 'kube-system', WAVE.devicePlugins, ArgoCdSource.helmChart({
        repoURL: efaCharts, chart: 'aws-efa-k8s-device-plugin', version: AddonVersions.EFA_DEVICE_PLUGIN_CHART, releaseName: 'aws-efa-k8s-device-plugin',
        values: {
          image: { repository: repositoryOf(cached(`public.ecr.aws/eks/aws-efa-k8s-device-plugin:${AddonVersions.EFA_DEVICE_PLUGIN_IMAGE}`)), tag: AddonVersions.EFA_DEVICE_PLUGIN_IMAGE },
          // On the EFA pools' nodes, through their taints (the chart tolerates none of its own).
          ...onPools(efaPools),
        },
      }));
    }
    const mig = pools.filter((p) => p.migProfile !== undefined);
    if (mig.length > 0 && !props.nvidiaGpuOperatorInstalled) {
      throw new ValidationError({
        code: 'missing-device-plugin', scope: this,
        message: `Node pools ${mig.map((p) => p.nodePoolName).join(', ')} partition GPUs with MIG, which needs the NVIDIA GPU operator's MIG manager (mixed strategy) on their nodes; this chart does not install it (its images are on nvcr.io), so no MIG pod would schedule.`,
        received: mig.map((p) => `${p.nodePoolName}: ${p.migProfile!.name}`),
        fix: 'Install the GPU operator with the MIG manager (mixed strategy) and set nvidiaGpuOperatorInstalled: true, or request whole GPUs.',
      });
    }
    const al2023Nvidia = props.nvidiaGpuOperatorInstalled ? [] : pools.filter((p) => p.vendor === AcceleratorVendor.NVIDIA && p.image.family === GpuNodeImageFamily.AL2023);
    if (al2023Nvidia.length > 0) {
      const image = props.nvidiaDevicePluginImage;
      if (image === undefined) {
        throw new ValidationError({
          code: 'missing-device-plugin', scope: this,
          message: `Node pools ${al2023Nvidia.map((p) => p.nodePoolName).join(', ')} run NVIDIA GPUs on AL2023, which has no device plugin of its own, so no pod could request a GPU there; the plugin's registry (nvcr.io) cannot be cached.`,
          received: al2023Nvidia.map((p) => p.nodePoolName),
          fix: 'Use Bottlerocket for the pools (the default; it runs the plugin), or copy nvcr.io/nvidia/k8s-device-plugin into a project ECR repository and pass nvidiaDevicePluginImage (images.ecr(...)).',
        });
      }
      const problem = images.problem(image);
      if (problem !== undefined) {
        throw new ValidationError({
          code: 'image-outside-project-registry', scope: this,
          message: `nvidiaDevicePluginImage is not an image the nodes can pull: ${problem}.`,
          received: image, fix: 'Copy the image into a project ECR repository and pass images.ecr(<repository>, <tag>).',
        });
      }
      if (image.includes('@') || !image.slice(image.lastIndexOf('/') + 1).includes(':')) {
        // The chart takes a repository and a tag (image.tag), not a digest.
        throw new ValidationError({
          code: 'invalid-image', scope: this,
          message: 'nvidiaDevicePluginImage must be pinned by a tag: the device plugin chart sets its image from a repository and a tag, not a digest.',
          received: image, fix: 'Pass images.ecr(<repository>, <tag>), for example images.ecr("nvidia/k8s-device-plugin", "v0.20.0").',
        });
      }
      addon('nvidia-device-plugin', 'nvidia-device-plugin', WAVE.devicePlugins, ArgoCdSource.helmChart({
        repoURL: nvidiaCharts, chart: 'nvidia-device-plugin', version: AddonVersions.NVIDIA_DEVICE_PLUGIN, releaseName: 'nvidia-device-plugin',
        values: {
          image: { repository: repositoryOf(image), tag: image.slice(image.lastIndexOf(':') + 1) },
          // Only the AL2023 pools: Bottlerocket nodes run their own plugin.
          ...onPools(al2023Nvidia),
        },
      }));
    }

    const neuron = pools.filter((p) => p.vendor === AcceleratorVendor.AWS);
    if (neuron.length > 0 && !props.neuronDevicePluginInstalled) {
      throw new ValidationError({
        code: 'missing-device-plugin', scope: this,
        message: `Node pools ${neuron.map((p) => p.nodePoolName).join(', ')} run Neuron devices, whose device plugin this chart does not install, so no pod could request aws.amazon.com/neuron there.`,
        received: neuron.map((p) => p.nodePoolName),
        fix: 'Install the Neuron device plugin on the cluster (its image through the cache) and set neuronDevicePluginInstalled: true.',
      });
    }

    // Each project through its own AppProject: its namespace, and the cluster-scoped kinds it defines.
    for (const p of props.projects ?? []) {
      const namespace = checkNotSystemNamespace(this, 'projects[].namespaceName', p.namespaceName);
      const kinds = new Map<string, ArgoCdGroupKind>();
      for (const c of p.chart.node.findAll()) {
        if (!ApiObject.isApiObject(c)) continue;
        const slash = c.apiVersion.indexOf('/');
        const group = slash < 0 ? '' : c.apiVersion.slice(0, slash);
        if (isClusterScoped(group, c.kind)) kinds.set(`${group}/${c.kind}`, { group, kind: c.kind });
      }
      const teamProject = new ArgoCdProject(this, `Project-${namespace}`, {
        projectName: namespace,
        argoCdNamespace,
        description: `Project ${p.identity.project} (${p.identity.stage}) of team ${p.identity.team}`,
        sourceRepos: [repository.repoURL],
        destinations: [{ cluster, namespaceName: namespace }],
        clusterResources: [...kinds.values()].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`)),
      });
      this.projectApplications[namespace] = new ArgoCdApplication(this, `App-${namespace}`, {
        applicationName: namespace,
        project: teamProject,
        source: ArgoCdSource.gitDirectory({ repoURL: repository.repoURL, path, revision: repository.revision, include: `${p.chart.node.id}.k8s.yaml` }),
        destination: { cluster, namespaceName: namespace },
        syncWave: WAVE.projects,
      });
    }

    // This chart, from Git: once applied by hand, Argo CD keeps it (and what it names) in sync.
    new ArgoCdApplication(this, 'Self', {
      applicationName: checkName(this, 'id', `${id}`.toLowerCase(), 63),
      project,
      source: ArgoCdSource.gitDirectory({ repoURL: repository.repoURL, path, revision: repository.revision, include: `${id}.k8s.yaml` }),
      destination: { cluster, namespaceName: argoCdNamespace },
      syncWave: WAVE.controllers - 1,
    });
  }
}
