import { Stack, StackProps, TagManager, Tags, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';
import { ProjectIdentity, ProjectIdentityProps } from '../core/identity';
import { NameRule } from '../core/names';
import { validateAccountId, validateRoleName } from '../core/private/identifiers';
import { MAX_TAGS_PER_RESOURCE, RESERVED_TAG_PREFIX, tagKeyProblem, validateTags } from '../core/private/validate';
import { DatasetStore, DatasetStoreProps, IDatasetStore } from '../data/dataset-store';
import { IModelRegistry, ModelRegistry, ModelRegistryProps } from '../registry/model-registry';
import { grantBucketObjects, KMS_S3_WRITE_ACTIONS, S3_PUT_OBJECT_ACTIONS, S3_READ_OBJECT_ACTIONS } from '../private/grants';
import { GpuCluster } from '../training/gpu-cluster';
import { HyperPodCluster } from '../training/hyperpod-cluster';
import { DatasetFileSystem } from '../training/lustre-file-system';
import { CheckpointLocation, SageMakerTrainingTemplate, TrainingInput } from '../training/sagemaker-training';
import { TrainingNetwork, TrainingNetworkProps } from '../training/training-network';
import { ProjectLustreOptions, ProjectTraining } from './project-training';

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
   * @default - ModelRegistry defaults, with the group named `<project>-<stage>`
   */
  readonly registryProps?: ModelRegistryProps;
  /**
   * How the project trains: SageMaker jobs, HyperPod or Kubernetes.
   *
   * @default - no training section
   */
  readonly training?: ProjectTraining;
  /**
   * The network training runs in.
   *
   * @default - a new TrainingNetwork (configured by `trainingNetworkProps`) when `training` is set
   */
  readonly trainingNetwork?: TrainingNetwork;
  /**
   * Configuration of the network created when `trainingNetwork` is not given.
   *
   * @default - TrainingNetwork defaults
   */
  readonly trainingNetworkProps?: TrainingNetworkProps;
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
export class MlProjectStack extends Stack {
  /** The validated project identity. */
  public readonly identity: ProjectIdentity;
  /** The project's dataset store. */
  public readonly datasets: IDatasetStore;
  /** The project's model registry. */
  public readonly registry: IModelRegistry;
  /** The training network (when the project trains). */
  public readonly trainingNetwork?: TrainingNetwork;
  /** The SageMaker training job template (SageMaker training). */
  public readonly sageMakerTraining?: SageMakerTrainingTemplate;
  /** The EKS GPU cluster (Kubernetes training). */
  public readonly gpuCluster?: GpuCluster;
  /** The SageMaker HyperPod cluster (HyperPod training). */
  public readonly hyperPodCluster?: HyperPodCluster;
  /** The FSx for Lustre file system linked to the dataset store (when asked for). */
  public readonly lustre?: DatasetFileSystem;

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
      description: `Models of ${this.identity.project} (${this.identity.stage}), team ${this.identity.team}`,
      ...props.registryProps,
    });

    const training = props.training;
    if (!training) return;
    const network = props.trainingNetwork ?? new TrainingNetwork(this, 'TrainingNetwork', props.trainingNetworkProps);
    if (training.kubernetesOptions && !props.trainingNetwork) {
      // Karpenter reads spot interruption notices from SQS.
      network.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.SQS);
    }
    this.trainingNetwork = network;
    const sm = training.sageMakerOptions;
    if (sm) {
      const spot = sm.compute?.isSpot ?? false;
      this.sageMakerTraining = new SageMakerTrainingTemplate(this, 'Training', {
        inputs: [TrainingInput.fromZone(this.datasets, sm.inputZone ?? 'features')],
        registry: this.registry,
        imageTag: sm.imageTag,
        instanceType: sm.instanceType,
        instanceCount: sm.instanceCount,
        compute: sm.compute,
        checkpoints: spot ? CheckpointLocation.inBucket(this.registry.artifactBucket, 'checkpoints/') : undefined,
        maxRuntime: sm.maxRuntime,
        metrics: sm.metrics,
        vpc: network.vpc,
        vpcSubnets: network.trainingSubnets,
        securityGroups: [network.trainingSecurityGroup],
      });
    }
    const hp = training.hyperPodOptions;
    if (hp) {
      this.hyperPodCluster = new HyperPodCluster(this, 'HyperPod', {
        clusterName: this.identity.qualifiedName,
        instanceGroups: hp.instanceGroups,
        lifecycleScripts: { datasets: this.datasets, zone: hp.lifecycleScriptsZone ?? 'curated' },
        orchestrator: hp.orchestrator,
        vpc: network.vpc,
        vpcSubnets: network.trainingSubnets,
        securityGroup: network.trainingSecurityGroup,
      });
      this.lustre = this.createLustre(network, hp.lustre);
    }
    const k8s = training.kubernetesOptions;
    if (k8s) {
      this.gpuCluster = new GpuCluster(this, 'GpuCluster', {
        vpc: network.vpc,
        vpcSubnets: network.trainingSubnets,
        nodeSecurityGroups: [network.trainingSecurityGroup],
        clusterName: k8s.clusterName ?? this.identity.qualifiedName,
        adminRoles: (k8s.adminRoleNames ?? []).map((name, i) => iam.Role.fromRoleName(this, `ClusterAdmin${i}`,
          validateRoleName(this, `training.adminRoleNames[${i}]`, name))),
        kubectlLayer: k8s.kubectlLayer,
      });
      this.lustre = this.createLustre(network, k8s.lustre);
      const mounted = k8s.mountedZones ?? ['features'];
      if (mounted.length > 0 || k8s.checkpointZone) {
        const csi = this.gpuCluster.addS3CsiDriver();
        for (const zone of mounted) this.datasets.grantRead(csi, zone);
        if (k8s.checkpointZone) {
          grantBucketObjects({
            grantee: csi, bucket: this.datasets.bucket, key: this.datasets.encryptionKey, prefix: this.datasets.zonePrefix(k8s.checkpointZone),
            actions: [...S3_READ_OBJECT_ACTIONS, ...S3_PUT_OBJECT_ACTIONS, 's3:DeleteObject'], keyActions: KMS_S3_WRITE_ACTIONS, list: true,
          });
        }
      }
      if (!props.trainingNetwork) {
        Validations.of(this.gpuCluster.cluster).acknowledge({
          id: 'Annotation::@aws-cdk/aws-eks:isolatedSubnetsForKubectlPrivateSubnets',
          reason: 'The TrainingNetwork this template created has the STS, EKS, EKS Auth, ECR, EC2, SSM, SQS, CloudWatch and S3 endpoints the cluster\'s AWS calls need; images from public registries need an ECR pull-through cache or NAT (see the training README).',
        });
      }
    }
  }

  private createLustre(network: TrainingNetwork, options: ProjectLustreOptions | undefined): DatasetFileSystem | undefined {
    if (!options) return undefined;
    return new DatasetFileSystem(this, 'Lustre', {
      datasets: this.datasets,
      vpc: network.vpc,
      vpcSubnets: network.trainingSubnets,
      storageCapacity: options.storageCapacity,
      clients: [network.trainingSecurityGroup],
      datasetLinks: options.zones.map((zone) => ({ zone, fileSystemPath: `/datasets/${zone}` })),
    });
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
