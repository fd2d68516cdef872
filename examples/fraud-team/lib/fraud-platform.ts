import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DatasetObjectLock, MlProjectStack, ModelRegistry } from 'mlops-constructs';
import { FraudDatasetStore } from './fraud-dataset-store';

/** The stacks of the fraud team. */
export interface FraudPlatform {
  /** Shared data stack: one labelled dataset store for every stage. */
  readonly data: Stack;
  readonly store: FraudDatasetStore;
  /** The project template instance for production. */
  readonly project: MlProjectStack;
  /** A second registry for the explainer models that accompany each fraud model. */
  readonly explainers: ModelRegistry;
  readonly labelingRole: iam.Role;
}

/**
 * How a team uses the library: it extends a construct (its own dataset store with a `labels`
 * zone), adds grants and a second registry, and instantiates the project template with the
 * pre-built store.
 */
export function buildFraudPlatform(app: App): FraudPlatform {
  const data = new Stack(app, 'fraud-data', { description: 'Fraud team datasets (shared by all stages)' });
  const store = new FraudDatasetStore(data, 'Datasets', {
    objectLock: DatasetObjectLock.governance(Duration.days(90)),
    noncurrentVersionExpiration: Duration.days(730),
  });

  const project = new MlProjectStack(app, 'fraud-scoring-prod', {
    identity: { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' },
    datasetStore: store,
    registryProps: { crossAccountReadAccounts: ['222222222222'] },
  });

  const labelingRole = new iam.Role(project, 'LabelingRole', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: 'Ground Truth labeling jobs of the fraud team',
  });
  store.grantLabelingJob(labelingRole);

  const explainers = new ModelRegistry(project, 'Explainers', {
    modelPackageGroupName: 'fraud-scoring-explainers',
    description: 'SHAP explainer models paired with each fraud model version',
  });
  project.registry.grantPull(labelingRole);

  return { data, store, project, explainers, labelingRole };
}
