import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkName, generateName } from './private/render';
import { checkEnvName, registerTrainingWorkload, JOB_LABEL, TORCH_NODE, TrainingPod, trainingPod } from './private/pod';
import { ITrainingRuntime } from './torch-training-runtime';
import { TrainingJobOptions } from './training-job-options';
import { Accelerator } from '../core/accelerators';
import { dependOn } from '../core/dependencies';
import { registerObjects } from '../core/objects';
import { k8s } from '../core/plus';

/** Properties of a {@link TrainJob}. */
export interface TrainJobProps extends TrainingJobOptions {
  /** The training runtime: a {@link TorchTrainingRuntime}, or one referenced by name. */
  readonly runtime: ITrainingRuntime;
}

/** Who owns the runtime patch of a TrainJob (`spec.runtimePatches[].manager`). */
const PATCH_MANAGER = 'mlops-constructs.io/training-job';

/**
 * A Kubeflow Trainer `TrainJob` (trainer.kubeflow.org/v1alpha1) on a PyTorch training runtime:
 * `nodes` pods with the accelerator, CPU and memory of `resourcesPerNode`; the Trainer injects the
 * torchrun rendezvous (`PET_*`).
 *
 * The job's scheduling (node selector, accelerator toleration), volumes (`/dev/shm`, `/tmp`, the
 * dataset read-only, the checkpoints) and security contexts reach the pods through a runtime
 * patch of the `node` replicated job. With a queue, Kueue admits the job as a whole when its
 * quota allows. At synth, the job fails with a ValidationError if no node pool of the chart
 * (or declared in it) can run it, or its queue has no quota for it.
 *
 * @example
 * new TrainJob(chart, 'Finetune', {
 *   runtime: torch,
 *   image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-finetune:1.4.2',
 *   command: ['torchrun', '/app/train.py'],
 *   accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 }),
 *   nodes: 2,
 *   cpu: Cpu.units(160),
 *   memory: Size.gibibytes(1600),
 *   dataset: chart.datasets.features,
 *   checkpoints: CheckpointStorage.persistentVolumeClaim('checkpoints'),
 *   queue,
 * });
 */
export class TrainJob extends Construct {
  /** Name of the TrainJob. */
  public readonly jobName: string;
  /** Namespace of the TrainJob. */
  public readonly namespaceName: string;
  /** Accelerators of each node. */
  public readonly accelerator: Accelerator;
  /** Training nodes. */
  public readonly nodes: number;
  /** Training processes per node. */
  public readonly processesPerNode: number;
  /** The TrainJob object. */
  public readonly resource: ApiObject;

  private readonly extraEnv: k8s.EnvVar[] = [];

  constructor(scope: Construct, id: string, props: TrainJobProps) {
    super(scope, id);
    registerObjects(this, 'TrainJob');
    const pod = trainingPod(this, props);
    // The JobSet names pods <trainjob>-node-<job index>-<pod index>; host names have 63 characters at most.
    const maxLength = 63 - `-${TORCH_NODE}-0-`.length - String(pod.nodes - 1).length;
    this.jobName = props.jobName !== undefined ? checkName(this, 'jobName', props.jobName, maxLength, true) : generateName(this, maxLength, true);
    this.namespaceName = pod.namespaceName;
    this.accelerator = props.accelerator;
    this.nodes = pod.nodes;
    this.processesPerNode = pod.processesPerNode;

    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'TrainJob',
      metadata: {
        name: this.jobName,
        namespace: this.namespaceName,
        // A Job's (TrainJob's) spec cannot change in place: a GitOps sync recreates it instead.
        annotations: { 'argocd.argoproj.io/sync-options': 'Force=true,Replace=true' },
        labels: Object.keys(pod.workloadLabels).length > 0 ? pod.workloadLabels : undefined,
      },
      spec: Lazy.any({ produce: () => this.renderSpec(props, pod) }),
    });
    // The Trainer rejects a TrainJob whose runtime does not exist yet.
    dependOn(this, props.runtime);
    registerTrainingWorkload(this, props, pod, `TrainJob ${this.jobName}`);
  }

  /** Adds (or replaces) an environment variable of the training container. */
  public addEnv(name: string, value: string): void {
    checkEnvName(this, name);
    // A second addEnv of one name replaces the first: a container must not list a variable twice.
    const existing = this.extraEnv.findIndex((e) => e.name === name);
    if (existing >= 0) this.extraEnv.splice(existing, 1);
    this.extraEnv.push({ name, value });
  }

  private renderSpec(props: TrainJobProps, pod: TrainingPod): Record<string, unknown> {
    const env = [...pod.env.filter((e) => !this.extraEnv.some((x) => x.name === e.name)), ...this.extraEnv];
    return {
      runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: props.runtime.runtimeKind, name: props.runtime.runtimeName },
      activeDeadlineSeconds: pod.activeDeadlineSeconds,
      trainer: {
        image: props.image,
        command: props.command,
        args: props.args,
        env: env.map((e) => k8s.toJson_EnvVar(e)),
        numNodes: pod.nodes,
        numProcPerNode: pod.processesPerNode,
        resourcesPerNode: k8s.toJson_ResourceRequirements(pod.resources),
      },
      runtimePatches: [{
        manager: PATCH_MANAGER,
        trainingRuntimeSpec: {
          template: {
            spec: {
              replicatedJobs: [{
                name: TORCH_NODE,
                template: {
                  spec: {
                    template: {
                      metadata: {
                        labels: { [JOB_LABEL]: this.jobName },
                        annotations: Object.keys(pod.podAnnotations).length > 0 ? pod.podAnnotations : undefined,
                      },
                      spec: {
                        nodeSelector: pod.nodeSelector,
                        tolerations: pod.tolerations.map((t) => k8s.toJson_Toleration(t)),
                        securityContext: k8s.toJson_PodSecurityContext(pod.podSecurityContext),
                        serviceAccountName: props.serviceAccountName,
                        terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
                        volumes: pod.volumes.map((v) => k8s.toJson_Volume(v)),
                        containers: [{
                          name: TORCH_NODE,
                          securityContext: k8s.toJson_SecurityContext(pod.containerSecurityContext),
                          volumeMounts: pod.volumeMounts.map((m) => k8s.toJson_VolumeMount(m)),
                        }],
                      },
                    },
                  },
                },
              }],
            },
          },
        },
      }],
    };
  }
}
