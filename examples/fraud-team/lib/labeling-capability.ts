import * as iam from 'aws-cdk-lib/aws-iam';
import { IMlProject, IProjectCapability } from 'mlops-constructs';

/** Options of the fraud team's labeling capability. */
export interface LabelingCapabilityOptions {
  /**
   * Zone the labeling jobs read transactions from.
   *
   * @default 'raw'
   */
  readonly sourceZone?: string;
  /**
   * Zone the labeling workforce writes chargeback labels to; the project's store must have it.
   *
   * @default 'labels'
   */
  readonly labelsZone?: string;
}

/**
 * The fraud team's own capability, bound by the project template like the library's: a role for
 * SageMaker Ground Truth labeling jobs that reads the source zone, writes the labels zone (never
 * deletes) and pulls the pre-labeling model image from the project registry.
 */
export class LabelingCapability implements IProjectCapability {
  public readonly capabilityName = 'labeling';
  private boundRole?: iam.Role;

  constructor(private readonly options: LabelingCapabilityOptions = {}) {}

  /** The labeling jobs' role, once bound. */
  public get role(): iam.Role {
    if (!this.boundRole) throw new Error('LabelingCapability: bind() it to a project first (MlProjectStackProps.capabilities).');
    return this.boundRole;
  }

  public bind(project: IMlProject): void {
    if (this.boundRole) throw new Error('LabelingCapability: one instance per project; create another for the next project.');
    const source = this.options.sourceZone ?? 'raw';
    const labels = this.options.labelsZone ?? 'labels';
    const zones = project.datasets.zoneNames;
    for (const zone of [source, labels]) {
      // the store's grants refuse an unknown zone too; this names what to change in the team's terms
      if (!zones.includes(zone)) {
        throw new Error(`LabelingCapability: the project's dataset store has no "${zone}" zone (it has ${zones.join(', ')}). Add it to the store (FraudDatasetStore adds "labels").`);
      }
    }
    const role = new iam.Role(project.stack, 'LabelingRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Ground Truth labeling jobs of ${project.identity.qualifiedName}`,
    });
    project.datasets.grantRead(role, source).combine(project.datasets.grantWrite(role, labels));
    project.registry.grantPull(role);
    this.boundRole = role;
  }
}
