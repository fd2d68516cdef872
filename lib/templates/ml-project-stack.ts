import { Stack, StackProps, TagManager, Tags, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';
import { ProjectIdentity, ProjectIdentityProps } from '../core/identity';
import { NameRule } from '../core/names';
import { BoundCapabilities } from '../core/private/capabilities';
import { validateAccountId } from '../core/private/identifiers';
import { MAX_TAGS_PER_RESOURCE, RESERVED_TAG_PREFIX, tagKeyProblem, validateTags } from '../core/private/validate';
import { DatasetStore, DatasetStoreProps, IDatasetStore } from '../data/dataset-store';
import { IDatasetFileSystem } from '../data/lustre-file-system';
import { IProjectNetwork, ProjectNetwork, ProjectNetworkProps } from '../network/project-network';
import { IImageCache, ImageCache, ImageCacheOptions } from '../network/image-cache';
import { ImageCacheNaming } from '../core/image-upstreams';
import { IMlProject, IProjectCapability } from '../project/ml-project';
import { IModelRegistry, ModelRegistry, ModelRegistryProps } from '../registry/model-registry';
import { IGpuCluster } from '../training/gpu-cluster';
import { IHyperPodCluster } from '../training/hyperpod-cluster';
import { ProjectTraining } from '../training/project';
import { ArgoCdCapability } from '../gitops/argo-cd-capability';
import { ITrainingTemplate } from '../training/sagemaker-training';

/** Properties of an {@link MlProjectStack}. */
export interface MlProjectStackProps extends StackProps {
  /** Project, team, stage and cost centre; tags every resource of the stack. */
  readonly identity: ProjectIdentityProps;
  /**
   * A dataset store built elsewhere (another stack, another team).
   *
   * @default - a new DatasetStore configured by `datasetStoreProps`
   */
  readonly datasetStore?: IDatasetStore;
  /**
   * Configuration of the store created when `datasetStore` is not given.
   *
   * @default - DatasetStore defaults
   */
  readonly datasetStoreProps?: DatasetStoreProps;
  /**
   * A model registry built elsewhere.
   *
   * @default - a new ModelRegistry configured by `registryProps`
   */
  readonly registry?: IModelRegistry;
  /**
   * Configuration of the registry created when `registry` is not given.
   *
   * @default - ModelRegistry defaults, with the group and the image repository named `<project>-<stage>`
   */
  readonly registryProps?: ModelRegistryProps;
  /**
   * How the project trains: SageMaker jobs, HyperPod or Kubernetes.
   *
   * @default - no training
   */
  readonly training?: ProjectTraining;
  /**
   * A team's own capabilities, bound after the library's ones in this order. Each gets the same
   * `IMlProject` view of the project.
   *
   * @default - none
   */
  readonly capabilities?: IProjectCapability[];
  /**
   * The network the project's workloads share (built elsewhere, or imported with
   * `ProjectNetwork.fromProjectNetworkAttributes()`).
   *
   * @default - a new ProjectNetwork (configured by `networkProps`), created when a capability first needs it
   */
  readonly network?: IProjectNetwork;
  /**
   * Configuration of the network created when `network` is not given.
   *
   * @default - ProjectNetwork defaults
   */
  readonly networkProps?: ProjectNetworkProps;
  /**
   * The ECR pull-through cache the project's nodes pull public images through (one shared by
   * several projects of the account, or imported with `ImageCache.fromImageCacheAttributes()`).
   *
   * @default - a new ImageCache (configured by `imageCacheOptions`, namespace
   * `ImageCacheNaming.defaultNamespace(identity)`), created when a capability first needs it
   */
  readonly imageCache?: IImageCache;
  /**
   * Configuration of the cache created when `imageCache` is not given.
   *
   * @default - ImageCache defaults (ECR Public, registry.k8s.io and Quay)
   */
  readonly imageCacheOptions?: ImageCacheOptions;
}

/**
 * The stack of one ML project instance (one team, one use case, one stage): a dataset store and a
 * model registry, tagged with the project identity. Later capabilities (training, serving,
 * monitoring, edge) join it here.
 *
 * @example
 * const project = new MlProjectStack(app, 'FraudScoringProd', {
 *   identity: { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' },
 * });
 * project.datasets.grantRead(someRole, 'features');
 */
export class MlProjectStack extends Stack implements IMlProject {
  /** The validated project identity. */
  public readonly identity: ProjectIdentity;
  /** The project's dataset store. */
  public readonly datasets: IDatasetStore;
  /** The project's model registry. */
  public readonly registry: IModelRegistry;
  /** The SageMaker training job template (SageMaker training). */
  public readonly sageMakerTraining?: ITrainingTemplate;
  /** The EKS GPU cluster (Kubernetes training). */
  public readonly gpuCluster?: IGpuCluster;
  /** The SageMaker HyperPod cluster (HyperPod training). */
  public readonly hyperPodCluster?: IHyperPodCluster;
  /** The FSx for Lustre file system linked to the dataset store (when asked for). */
  public readonly lustre?: IDatasetFileSystem;
  /** The EKS Argo CD capability (Kubernetes training with `argoCd`). */
  public readonly argoCd?: ArgoCdCapability;

  private readonly networkProps?: ProjectNetworkProps;
  private projectNetwork?: IProjectNetwork;
  private readonly imageCacheOptions?: ImageCacheOptions;
  private projectImageCache?: IImageCache;
  private readonly capabilities = new BoundCapabilities(this, 'project');

  constructor(scope: Construct, id: string, props: MlProjectStackProps) {
    super(scope, id, props);
    this.identity = ProjectIdentity.of(this, props.identity);
    if (props.env?.account !== undefined) validateAccountId(this, 'env.account', props.env.account);
    validateTags(this, 'tags', props.tags, { otherKeys: Object.keys(this.identity.tags), otherKeysBy: 'the project identity' });
    for (const [key, value] of Object.entries(this.identity.tags)) Tags.of(this).add(key, value);
    // Tags added later (Tags.of(), constructs' own tags) are only known once aspects have run.
    this.node.addValidation({ validate: () => { checkResourceTags(this); return []; } });

    this.datasets = props.datasetStore ?? new DatasetStore(this, 'Datasets', props.datasetStoreProps);
    this.registry = props.registry ?? new ModelRegistry(this, 'Registry', {
      modelPackageGroupName: NameRule.SAGEMAKER.generate(this, this.identity.project, this.identity.stage),
      // The description is create-only and the group has a fixed name: only what the name already
      // fixes goes in (not the team, which can change; the team is in the mlops:team tag).
      description: `Models of ${this.identity.project} (${this.identity.stage})`,
      // A known name, so manifests written before deployment can name the project's images.
      repositoryName: this.identity.qualifiedName,
      ...props.registryProps,
    });
    this.projectNetwork = props.network;
    this.networkProps = props.networkProps;
    this.projectImageCache = props.imageCache;
    this.imageCacheOptions = props.imageCacheOptions;

    // The library's capabilities first, in the order they build on each other, then the team's.
    const training = props.training?.bind(this);
    this.sageMakerTraining = training?.sageMakerTraining;
    this.hyperPodCluster = training?.hyperPodCluster;
    this.gpuCluster = training?.gpuCluster;
    this.lustre = training?.fileSystem;
    this.argoCd = training?.argoCd;
    for (const capability of props.capabilities ?? []) this.addCapability(capability);
  }

  /** This stack (the scope capabilities build in). */
  public get stack(): Stack {
    return this;
  }

  /**
   * The network the project's workloads share: the one given in props, or a ProjectNetwork
   * (construct id `TrainingNetwork`, kept from earlier releases so deployed VPCs are not replaced)
   * created on first use.
   */
  public get network(): IProjectNetwork {
    if (!this.projectNetwork) this.projectNetwork = new ProjectNetwork(this, 'TrainingNetwork', this.networkProps);
    return this.projectNetwork;
  }

  /**
   * The pull-through cache the project's nodes pull public images through: the one given in
   * props, or an ImageCache (construct id `ImageCache`) created on first use.
   */
  public get imageCache(): IImageCache {
    if (!this.projectImageCache) {
      this.projectImageCache = new ImageCache(this, 'ImageCache', { ...this.imageCacheOptions, repositoryNamespace: ImageCacheNaming.defaultNamespace(this.identity) });
    }
    return this.projectImageCache;
  }

  /** Binds a team's capability to the project (after those already bound). */
  public addCapability(capability: IProjectCapability): void {
    this.capabilities.add(capability.capabilityName);
    capability.bind(this);
  }
}

/**
 * Every taggable resource of `stack` (stack tags included, which CloudFormation propagates) must
 * end up with at most 50 user tags and no `aws:` keys: AWS rejects the resource otherwise.
 */
function checkResourceTags(stack: Stack): void {
  const stackTags = stack.tags.tagValues();
  for (const construct of stack.node.findAll()) {
    const manager = construct === stack ? undefined : TagManager.of(construct);
    if (!manager) continue;
    const tags = { ...stackTags, ...manager.tagValues() };
    const keys = Object.keys(tags).filter((key) => !Token.isUnresolved(key));
    const reserved = keys.find((key) => RESERVED_TAG_PREFIX.test(key));
    if (reserved !== undefined) {
      fail(construct, 'invalid-tags', `carries the tag "${reserved}" (from the stack's tags, Tags.of() or its props), whose key ${tagKeyProblem(reserved)}.`,
        reserved, 'Rename the tag without the "aws:" prefix.');
    }
    const counted = keys.filter((key) => !RESERVED_TAG_PREFIX.test(key));
    if (counted.length > MAX_TAGS_PER_RESOURCE) {
      fail(construct, 'too-many-tags',
        `carries ${counted.length} tags (the stack's tags, the project identity, Tags.of() and its own); AWS allows at most ${MAX_TAGS_PER_RESOURCE} user tags per resource.`,
        counted, `Remove ${counted.length - MAX_TAGS_PER_RESOURCE} tags from the stack's tags prop or Tags.of() calls that reach this resource.`);
    }
  }
}

function fail(scope: IConstruct, code: string, problem: string, received: unknown, fix: string): never {
  throw new ValidationError({ code, scope, message: `The resource ${problem}`, received, fix });
}
