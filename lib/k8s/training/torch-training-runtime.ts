import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkCount, checkName, clusterScoped, generateName } from './private/render';
import { containerSecurityContext, ignoreDisruptions, TORCH_NODE } from './private/pod';
import { registerObjects } from '../core/objects';
import { k8s } from '../core/plus';
import { checkImage } from '../core/validation';

/** The kind of a Kubeflow Trainer runtime (`spec.runtimeRef.kind` of a TrainJob). */
export enum TrainingRuntimeKind {
  /** A cluster-scoped `ClusterTrainingRuntime`, usable from every namespace. */
  CLUSTER_TRAINING_RUNTIME = 'ClusterTrainingRuntime',
  /** A namespaced `TrainingRuntime`, usable from TrainJobs of its namespace. */
  TRAINING_RUNTIME = 'TrainingRuntime',
}

/** A Kubeflow Trainer runtime that TrainJobs reference (`spec.runtimeRef`). */
export interface ITrainingRuntime extends IConstruct {
  /** Name of the runtime. */
  readonly runtimeName: string;
  /** `ClusterTrainingRuntime` or `TrainingRuntime`. */
  readonly runtimeKind: TrainingRuntimeKind;
}

/** Properties of a {@link TorchTrainingRuntime}. */
export interface TorchTrainingRuntimeProps {
  /**
   * Name of the ClusterTrainingRuntime.
   *
   * @default - generated from the construct path
   */
  readonly runtimeName?: string;
  /**
   * Default image of the training container, pinned by tag or digest; TrainJobs normally give
   * their own. No public default: in an isolated network only the project's ECR repositories and
   * its pull-through cache are reachable (`ProjectImages.ecr()`, `ProjectImages.cached()`).
   */
  readonly image: string;
  /**
   * Default entrypoint of the training container; TrainJobs normally give their own.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Training nodes when a TrainJob does not say.
   *
   * @default 1
   */
  readonly numNodes?: number;
  /**
   * How often the whole job (all nodes) is restarted after a node fails, resuming from the last
   * checkpoint. Disruptions (preemption, node drain) do not count.
   *
   * @default 3
   */
  readonly maxRestarts?: number;
  /**
   * User and group id of the training container (non-root).
   *
   * @default 1000
   */
  readonly runAsUser?: number;
}

/**
 * A Kubeflow Trainer `ClusterTrainingRuntime` (trainer.kubeflow.org/v1alpha1) for distributed
 * PyTorch: the `torch` ML policy (the Trainer injects the `PET_*` torchrun rendezvous settings)
 * and a JobSet template with one replicated job `node`.
 *
 * The template is secure by default (non-root, read-only root filesystem, no capabilities, no
 * service account token); a failed node fails its Job at once and the JobSet restarts all nodes
 * together, up to `maxRestarts` times, while preemptions and node drains do not count as failures.
 *
 * @example
 * const torch = new TorchTrainingRuntime(chart, 'Torch', { runtimeName: 'torch-distributed-secure', image: images.ecr('defect-detection', '2.0.1') });
 */
export class TorchTrainingRuntime extends Construct implements ITrainingRuntime {
  /**
   * Refers to a ClusterTrainingRuntime defined outside this app, for example the Trainer's own
   * `torch-distributed`.
   */
  public static fromClusterTrainingRuntimeName(scope: Construct, id: string, runtimeName: string): ITrainingRuntime {
    class Imported extends Construct implements ITrainingRuntime {
      public readonly runtimeName = checkName(this, 'runtimeName', runtimeName);
      public readonly runtimeKind: TrainingRuntimeKind = TrainingRuntimeKind.CLUSTER_TRAINING_RUNTIME;
    }
    return new Imported(scope, id);
  }

  /** Name of the ClusterTrainingRuntime. */
  public readonly runtimeName: string;
  /** Always `ClusterTrainingRuntime`. */
  public readonly runtimeKind: TrainingRuntimeKind = TrainingRuntimeKind.CLUSTER_TRAINING_RUNTIME;
  /** The ClusterTrainingRuntime object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: TorchTrainingRuntimeProps) {
    super(scope, id);
    registerObjects(this, 'training runtime');
    this.runtimeName = props.runtimeName !== undefined ? checkName(this, 'runtimeName', props.runtimeName) : generateName(this);
    const image = checkImage(this, 'invalid-training-runtime', 'image', props.image);
    const numNodes = checkCount(this, 'invalid-training-runtime', 'numNodes', props.numNodes ?? 1);
    const maxRestarts = checkCount(this, 'invalid-training-runtime', 'maxRestarts', props.maxRestarts ?? 3, true);
    const user = checkCount(this, 'invalid-training-runtime', 'runAsUser', props.runAsUser ?? 1000);

    const podSecurityContext: k8s.PodSecurityContext = {
      runAsNonRoot: true, runAsUser: user, runAsGroup: user, fsGroup: user,
      fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    };
    const container: k8s.Container = {
      name: TORCH_NODE,
      image,
      command: props.command,
      securityContext: containerSecurityContext(user, user),
    };
    this.resource = clusterScoped(new ApiObject(this, 'Resource', {
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'ClusterTrainingRuntime',
      metadata: { name: this.runtimeName, labels: { 'trainer.kubeflow.org/framework': 'torch' } },
      spec: {
        mlPolicy: { numNodes, torch: {} },
        template: {
          spec: {
            failurePolicy: { maxRestarts },
            replicatedJobs: [{
              name: TORCH_NODE,
              template: {
                metadata: { labels: { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' } },
                spec: {
                  backoffLimit: 0,
                  podFailurePolicy: k8s.toJson_PodFailurePolicy(ignoreDisruptions()),
                  template: {
                    spec: {
                      restartPolicy: 'Never',
                      automountServiceAccountToken: false,
                      enableServiceLinks: false,
                      securityContext: k8s.toJson_PodSecurityContext(podSecurityContext),
                      containers: [k8s.toJson_Container(container)],
                    },
                  },
                },
              },
            }],
          },
        },
      },
    }));
  }
}
