import { Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ProjectIdentity, ProjectIdentityProps } from '../core/identity';
import { NameRule } from '../core/names';
import { DatasetStore, DatasetStoreProps, IDatasetStore } from '../data/dataset-store';
import { IModelRegistry, ModelRegistry, ModelRegistryProps } from '../registry/model-registry';

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

  constructor(scope: Construct, id: string, props: MlProjectStackProps) {
    super(scope, id, props);
    this.identity = ProjectIdentity.of(this, props.identity);
    for (const [key, value] of Object.entries(this.identity.tags)) Tags.of(this).add(key, value);

    this.datasets = props.datasetStore ?? new DatasetStore(this, 'Datasets', props.datasetStoreProps);
    this.registry = props.registry ?? new ModelRegistry(this, 'Registry', {
      modelPackageGroupName: NameRule.SAGEMAKER.generate(this, this.identity.project, this.identity.stage),
      description: `Models of ${this.identity.project} (${this.identity.stage}), team ${this.identity.team}`,
      ...props.registryProps,
    });
  }
}
