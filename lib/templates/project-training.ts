import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Size } from 'aws-cdk-lib';
import { AcceleratorInstanceType } from '../core/accelerators';
import { HyperPodInstanceGroupOptions, HyperPodOrchestrator } from '../training/hyperpod-cluster';
import { TrainingCompute, TrainingMetric } from '../training/sagemaker-training';

/** An FSx for Lustre file system linked to the project's dataset zones. */
export interface ProjectLustreOptions {
  /** Dataset zones linked into the file system, each at `/datasets/<zone>`. */
  readonly zones: string[];
  /**
   * Storage capacity (FSx steps: 1200 GiB, 2400 GiB, then multiples of 2400 GiB).
   *
   * @default Size.gibibytes(1200)
   */
  readonly storageCapacity?: Size;
}

/** Options of SageMaker training jobs in a project. */
export interface SageMakerProjectTrainingOptions {
  /** Tag of the training image in the project registry's repository. */
  readonly imageTag: string;
  /** Instance type of the jobs. */
  readonly instanceType: AcceleratorInstanceType;
  /**
   * Instances per job.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Dataset zone the jobs read.
   *
   * @default 'features'
   */
  readonly inputZone?: string;
  /**
   * On-demand or spot. Spot jobs checkpoint to `checkpoints/` in the registry's artifact bucket.
   *
   * @default TrainingCompute.onDemand()
   */
  readonly compute?: TrainingCompute;
  /**
   * Maximum run time of a job.
   *
   * @default Duration.days(1)
   */
  readonly maxRuntime?: Duration;
  /**
   * Metrics parsed from the logs.
   *
   * @default - none
   */
  readonly metrics?: TrainingMetric[];
}

/** Options of an EKS GPU cluster in a project. */
export interface KubernetesProjectTrainingOptions {
  /**
   * Cluster name.
   *
   * @default '<project>-<stage>'
   */
  readonly clusterName?: string;
  /**
   * Names of IAM roles, in the stack's account, that administer the cluster (for example the
   * platform team's SSO role). Names rather than roles so a template can be declared before its
   * stack exists.
   *
   * @default - none
   */
  readonly adminRoleNames?: string[];
  /**
   * kubectl layer, to deploy charts through CloudFormation instead of GitOps.
   *
   * @default - GitOps (charts written to dist/)
   */
  readonly kubectlLayer?: lambda.ILayerVersion;
  /**
   * Dataset zones pods mount read-only through the Mountpoint for S3 CSI driver (installed with
   * its own role when this is not empty).
   *
   * @default ['features']
   */
  readonly mountedZones?: string[];
  /**
   * Zone the training jobs write checkpoints to through the S3 CSI driver (read, write, delete
   * under that zone only).
   *
   * @default - none
   */
  readonly checkpointZone?: string;
  /**
   * An FSx for Lustre file system for the GPU nodes.
   *
   * @default - none
   */
  readonly lustre?: ProjectLustreOptions;
}

/** Options of a SageMaker HyperPod cluster in a project. */
export interface HyperPodProjectTrainingOptions {
  /** Instance groups (controller, workers...). */
  readonly instanceGroups: HyperPodInstanceGroupOptions[];
  /**
   * Dataset zone holding the lifecycle scripts (under `lifecycle-scripts/`).
   *
   * @default 'curated'
   */
  readonly lifecycleScriptsZone?: string;
  /**
   * Slurm or EKS.
   *
   * @default HyperPodOrchestrator.slurm()
   */
  readonly orchestrator?: HyperPodOrchestrator;
  /**
   * An FSx for Lustre file system for the cluster.
   *
   * @default - none
   */
  readonly lustre?: ProjectLustreOptions;
}

/**
 * How a project trains: SageMaker training jobs, a SageMaker HyperPod cluster, or an EKS cluster
 * with GPU capacity scheduled from Kubernetes.
 */
export class ProjectTraining {
  /** SageMaker training jobs (a job template the pipeline starts jobs from). */
  public static sageMaker(options: SageMakerProjectTrainingOptions): ProjectTraining {
    return new ProjectTraining('sagemaker', options, undefined);
  }

  /** A SageMaker HyperPod cluster for long-running distributed training. */
  public static hyperPod(options: HyperPodProjectTrainingOptions): ProjectTraining {
    return new ProjectTraining('hyperpod', undefined, undefined, options);
  }

  /** An EKS cluster whose GPU node pools, queues and jobs are Kubernetes objects. */
  public static kubernetes(options: KubernetesProjectTrainingOptions = {}): ProjectTraining {
    return new ProjectTraining('kubernetes', undefined, options);
  }

  private constructor(
    /** `sagemaker`, `hyperpod` or `kubernetes`. */
    public readonly kind: string,
    /** SageMaker options, when kind is `sagemaker`. */
    public readonly sageMakerOptions?: SageMakerProjectTrainingOptions,
    /** Kubernetes options, when kind is `kubernetes`. */
    public readonly kubernetesOptions?: KubernetesProjectTrainingOptions,
    /** HyperPod options, when kind is `hyperpod`. */
    public readonly hyperPodOptions?: HyperPodProjectTrainingOptions,
  ) {}
}
