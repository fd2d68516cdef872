import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ProjectIdentity } from '../../core/identity';
import { DatasetVolume } from '../data/dataset-volume';
import { ProjectImages } from '../core/images';

/**
 * What a project chart gives every Kubernetes capability it binds: who the project is, its
 * namespace and its dataset volumes. `MlProjectChart` is one.
 */
export interface IMlProjectChart extends IConstruct {
  /** The chart capabilities create their objects in. */
  readonly chart: Chart;
  /** The validated project identity (its labels are already on the chart). */
  readonly identity: ProjectIdentity;
  /** Name of the project namespace. */
  readonly namespaceName: string;
  /** The project's read-only dataset volumes, by claim name. */
  readonly datasets: Record<string, DatasetVolume>;
  /** The registry the project's pods pull from (its ECR repositories and image cache), if the chart has one. */
  readonly images?: ProjectImages;
}

/**
 * A Kubernetes capability a project chart binds: it creates its objects in `project.chart` from
 * what the chart gives it, the way `IProjectCapability` does for the project stack. A team adds
 * its own by implementing it and passing it in `MlProjectChartProps.capabilities`.
 */
export interface IChartCapability {
  /** A name for messages and for the chart's list of bound capabilities, for example `training`. */
  readonly capabilityName: string;
  /** Creates the capability's objects for `project`. Called once per chart. */
  bind(project: IMlProjectChart): void;
}
