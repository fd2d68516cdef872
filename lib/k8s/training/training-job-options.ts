import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ILocalQueue } from './local-queue';
import { checkSubdomainName, memoryQuantity } from './private/render';
import { IWorkloadPriorityClass } from './workload-priority-class';
import { ValidationError } from '../../core/errors';
import { Accelerator } from '../core/accelerators';
import { k8s, kplus } from '../core/plus';
import { DatasetMountOptions, DatasetVolume } from '../data/dataset-volume';

/** Options of {@link CheckpointStorage.persistentVolumeClaim}. */
export interface CheckpointClaimOptions {
  /**
   * Directory inside the container; the job sets `CHECKPOINT_DIR` to it.
   *
   * @default '/checkpoints'
   */
  readonly path?: string;
}

/** Options of {@link CheckpointStorage.ephemeral}. */
export interface EphemeralCheckpointOptions {
  /**
   * Directory inside the container; the job sets `CHECKPOINT_DIR` to it.
   *
   * @default '/checkpoints'
   */
  readonly path?: string;
  /**
   * Most disk space the checkpoints may take on the node.
   *
   * @default Size.gibibytes(100)
   */
  readonly sizeLimit?: Size;
}

/** Where a {@link CheckpointStorage} keeps the checkpoints. */
export enum CheckpointStorageKind {
  /** A PersistentVolumeClaim: checkpoints survive the pod (`persistent-volume-claim`). */
  PERSISTENT_VOLUME_CLAIM = 'persistent-volume-claim',
  /** An emptyDir on the node: checkpoints are lost with the pod (`ephemeral`). */
  EPHEMERAL = 'ephemeral',
}

/** What a checkpoint storage adds to a pod. @internal */
export interface CheckpointVolumeConfig {
  readonly volume: k8s.Volume;
  readonly mount: k8s.VolumeMount;
}

/**
 * Where a training job writes checkpoints, so that a restarted or preempted job resumes instead
 * of starting over.
 */
export class CheckpointStorage {
  /**
   * A PersistentVolumeClaim in the job's namespace (ReadWriteMany, for example on FSx for Lustre
   * or EFS, when several nodes write), mounted read-write.
   */
  public static persistentVolumeClaim(claimName: string, options: CheckpointClaimOptions = {}): CheckpointStorage {
    return new CheckpointStorage(CheckpointStorageKind.PERSISTENT_VOLUME_CLAIM, options.path, claimName, undefined);
  }

  /**
   * An emptyDir on the node: checkpoints are lost when the pod ends, so a preempted or failed job
   * starts over. An explicit opt-out for experiments.
   */
  public static ephemeral(options: EphemeralCheckpointOptions = {}): CheckpointStorage {
    return new CheckpointStorage(CheckpointStorageKind.EPHEMERAL, options.path, undefined, options.sizeLimit ?? Size.gibibytes(100));
  }

  /** Where the checkpoints are kept: a claim, or the node (ephemeral). */
  public readonly kind: CheckpointStorageKind;
  /** Directory inside the container. */
  public readonly path: string;
  /** The claim, for `persistentVolumeClaim`. */
  public readonly claimName?: string;
  /** The size limit, for `ephemeral`. */
  public readonly sizeLimit?: Size;

  private constructor(kind: CheckpointStorageKind, path: string | undefined, claimName: string | undefined, sizeLimit: Size | undefined) {
    this.kind = kind;
    this.path = path ?? '/checkpoints';
    this.claimName = claimName;
    this.sizeLimit = sizeLimit;
  }

  /** Whether checkpoints survive the pod. */
  public get durable(): boolean {
    return this.kind === CheckpointStorageKind.PERSISTENT_VOLUME_CLAIM;
  }

  /** Validates on behalf of `scope` and renders the volume and its mount. @internal */
  public _bind(scope: IConstruct): CheckpointVolumeConfig {
    if (!this.path.startsWith('/') || this.path.split('/').includes('..') || this.path === '/') {
      throw new ValidationError({
        code: 'invalid-mount-path', scope,
        message: 'A checkpoint path must be an absolute directory other than "/" and must not contain "..".',
        received: this.path,
        fix: 'Use a path such as "/checkpoints".',
      });
    }
    const name = 'checkpoints';
    if (this.claimName !== undefined) {
      checkSubdomainName(scope, 'checkpoint claimName', this.claimName);
      return {
        volume: { name, persistentVolumeClaim: { claimName: this.claimName, readOnly: false } },
        mount: { name, mountPath: this.path },
      };
    }
    return {
      volume: { name, emptyDir: { sizeLimit: memoryQuantity(this.sizeLimit!) } },
      mount: { name, mountPath: this.path },
    };
  }
}

/**
 * What every training job takes: the container, the accelerators and resources per node, data,
 * checkpoints and the Kueue queue.
 */
export interface TrainingJobOptions {
  /**
   * Name of the job.
   *
   * @default - generated from the construct path
   */
  readonly jobName?: string;
  /**
   * Namespace of the job.
   *
   * @default - the queue's namespace, else the dataset's, else the chart's
   */
  readonly namespaceName?: string;
  /** Training container image, pinned by tag or digest. */
  readonly image: string;
  /**
   * Entrypoint.
   *
   * @default - the image's entrypoint (or the training runtime's command)
   */
  readonly command?: string[];
  /**
   * Arguments.
   *
   * @default - none
   */
  readonly args?: string[];
  /**
   * Environment variables of the training container. `PET_*` are reserved for the torch
   * rendezvous, `DATA_DIR` and `CHECKPOINT_DIR` for the mounts.
   *
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /** Accelerators of each training node (pod): rendered as limits, toleration and node selection. */
  readonly accelerator: Accelerator;
  /**
   * Training nodes (pods), each with `accelerator`.
   *
   * @default 1
   */
  readonly nodes?: number;
  /**
   * Training processes per node (`torchrun --nproc-per-node`).
   *
   * @default - one per GPU or MIG device, one per logical NeuronCore
   */
  readonly processesPerNode?: number;
  /** CPU requested per node. */
  readonly cpu: kplus.Cpu;
  /** Memory requested (and limited to) per node. */
  readonly memory: Size;
  /**
   * Size of `/dev/shm` (memory-backed, counted against `memory`); PyTorch data loaders and NCCL
   * need far more than the 64 MiB container default.
   *
   * @default - a quarter of `memory`
   */
  readonly sharedMemory?: Size;
  /**
   * Size of the writable `/tmp` (the root filesystem is read-only; `HOME` points to `/tmp`).
   *
   * @default Size.gibibytes(10)
   */
  readonly tmpSize?: Size;
  /**
   * Dataset mounted read-only; the job sets `DATA_DIR` to its path.
   *
   * @default - none
   */
  readonly dataset?: DatasetVolume;
  /**
   * Where and which part of the dataset to mount.
   *
   * @default - the whole volume at /data
   */
  readonly datasetMount?: DatasetMountOptions;
  /** Where checkpoints are written; `CheckpointStorage.ephemeral()` opts out of durable checkpoints. */
  readonly checkpoints: CheckpointStorage;
  /**
   * Kueue LocalQueue to submit to (`kueue.x-k8s.io/queue-name`).
   *
   * @default - not queued: pods are created at once
   */
  readonly queue?: ILocalQueue;
  /**
   * Kueue priority (`kueue.x-k8s.io/priority-class`).
   *
   * @default - the queue's default priority
   */
  readonly priorityClass?: IWorkloadPriorityClass;
  /**
   * User id of the container (non-root).
   *
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Group id of the container, also the owner group of writable volumes (`fsGroup`).
   *
   * @default 1000
   */
  readonly runAsGroup?: number;
  /**
   * Service account of the pods, for example one with an IAM role for S3 access.
   *
   * @default - the namespace's default account, without a mounted API token
   */
  readonly serviceAccountName?: string;
  /**
   * Longest the job may run before it is failed.
   *
   * @default - no limit
   */
  readonly activeDeadline?: Duration;
  /**
   * Time a pod gets after SIGTERM (preemption, spot interruption, node drain) to write a final
   * checkpoint.
   *
   * @default Duration.minutes(2)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Mark pods `karpenter.sh/do-not-disrupt`, so that Karpenter never consolidates or replaces a
   * node while training runs on it.
   *
   * @default true
   */
  readonly doNotDisrupt?: boolean;
  /**
   * Tolerations of the pods beyond the accelerator taint they always tolerate, for a pool with
   * taints of its own (`GpuNodePool` `taints`): the schedulability check counts them.
   *
   * @default - the accelerator taint only
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Node labels the pods must run on, beyond what the accelerator selects (manufacturer, model,
   * instance type; a key of those is refused). `karpenter.sh/nodepool` pins the job to one pool,
   * and the schedulability check then considers that pool only.
   *
   * @default - what the accelerator selects
   */
  readonly nodeSelector?: { [key: string]: string };
}
