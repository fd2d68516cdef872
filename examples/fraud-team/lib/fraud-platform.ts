import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DatasetObjectLock, MlProjectStack, ModelRegistry } from 'mlops-constructs';
import { FraudDatasetStore } from './fraud-dataset-store';
import { LabelingCapability } from './labeling-capability';

/** The stacks of the fraud team. */
export interface FraudPlatform {
  /** Shared data stack: one labelled dataset store for every stage. */
  readonly data: Stack;
  readonly store: FraudDatasetStore;
  /** The project template instance for production. */
  readonly project: MlProjectStack;
  /** A second registry for the explainer models that accompany each fraud model. */
  readonly explainers: ModelRegistry;
  /** The team's own capability, bound by the template. */
  readonly labeling: LabelingCapability;
  readonly labelingRole: iam.Role;
}

/**
 * How a team uses the library: it extends a construct (its own dataset store with a `labels`
 * zone), brings a capability of its own (labeling) through the template's binding interface,
 * adds a second registry, and instantiates the project template with the pre-built store.
 */
export function buildFraudPlatform(app: App): FraudPlatform {
  const data = new Stack(app, 'fraud-data', { description: 'Fraud team datasets (shared by all stages)' });
  const store = new FraudDatasetStore(data, 'Datasets', {
    objectLock: DatasetObjectLock.governance(Duration.days(90)),
    noncurrentVersionExpiration: Duration.days(730),
  });

  const labeling = new LabelingCapability({ sourceZone: 'raw', labelsZone: 'labels' });
  const project = new MlProjectStack(app, 'fraud-scoring-prod', {
    identity: { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' },
    datasetStore: store,
    registryProps: { crossAccountReadAccounts: ['222222222222'] },
    capabilities: [labeling],
  });

  const explainers = new ModelRegistry(project, 'Explainers', {
    modelPackageGroupName: 'fraud-scoring-explainers',
    description: 'SHAP explainer models paired with each fraud model version',
  });

  return { data, store, project, explainers, labeling, labelingRole: labeling.role };
}
