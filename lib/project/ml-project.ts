import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ProjectIdentity } from '../core/identity';
import { IDatasetStore } from '../data/dataset-store';
import { IImageCache } from '../network/image-cache';
import { IProjectNetwork } from '../network/project-network';
import { IModelRegistry } from '../registry/model-registry';

/**
 * What a project gives every capability it binds: who it is, where its data and models live, and
 * the network its workloads share. `MlProjectStack` is one; a team's own template can be another.
 */
export interface IMlProject extends IConstruct {
  /** The stack capabilities create their constructs in. */
  readonly stack: Stack;
  /** The validated project identity (tags are already applied to the stack). */
  readonly identity: ProjectIdentity;
  /** The project's dataset store. */
  readonly datasets: IDatasetStore;
  /** The project's model registry. */
  readonly registry: IModelRegistry;
  /**
   * The network the project's workloads share. A project that builds its own creates it on first
   * use, so projects without workloads have no VPC.
   */
  readonly network: IProjectNetwork;
  /**
   * The ECR pull-through cache the project's nodes pull public images through. A project that
   * builds its own creates it on first use, so projects without Kubernetes nodes have no rules.
   */
  readonly imageCache: IImageCache;
}

/**
 * A capability a project binds: it builds its constructs in `project.stack` from what the
 * project gives it. The library's capabilities (`ProjectTraining`...) have this shape; a team adds
 * its own by implementing it and passing it in `MlProjectStackProps.capabilities`.
 */
export interface IProjectCapability {
  /** A name for messages and for the project's list of bound capabilities, for example `labeling`. */
  readonly capabilityName: string;
  /** Builds the capability's constructs for `project`. Called once per project. */
  bind(project: IMlProject): void;
}
