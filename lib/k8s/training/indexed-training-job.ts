import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkPodFailurePolicy } from './private/failure-policy';
import { checkCount, checkName, generateName } from './private/render';
import { checkEnvName, registerTrainingWorkload, ignoreDisruptions, JOB_LABEL, TrainingPod, trainingPod } from './private/pod';
import { TrainingJobOptions } from './training-job-options';
import { Accelerator } from '../core/accelerators';
import { registerObjects } from '../core/objects';
import { k8s } from '../core/plus';

/** Properties of an {@link IndexedTrainingJob}. */
export interface IndexedTrainingJobProps extends TrainingJobOptions {
  /**
   * Pod failures tolerated before the job fails (all nodes together).
   *
   * @default - 3 for one node; 0 for several (the job fails as a whole, see `podFailurePolicy`)
   */
  readonly backoffLimit?: number;
  /**
   * Which pod failures count towards `backoffLimit`. Actions are `FailJob`, `Ignore` and `Count`
   * (`FailIndex` needs `backoffLimitPerIndex`, which this job does not set); exit codes are 0-255,
   * sorted and unique, and `containerName` is `trainer` when given.
   *
   * @default - one node: evictions (preemption, node drain, spot interruption) do not count.
   * Several nodes: the first failed or evicted pod fails the whole job, since a replacement pod
   * alone would wait in a rendezvous its peers have left (a Job cannot restart the gang; a
   * TrainJob's JobSet restarts it, up to the runtime's `maxRestarts`)
   */
  readonly podFailurePolicy?: k8s.PodFailurePolicy;
  /**
   * Port of the torch rendezvous on node 0.
   *
   * @default 29500
   */
  readonly rendezvousPort?: number;
}

/** Name of the training container. */
const CONTAINER = 'trainer';

/** A multi-node job fails as a whole on the first pod that fails or is evicted. */
function failTheGang(): k8s.PodFailurePolicy {
  return {
    rules: [
      { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      // Kueue preempts by suspending the Job: its pods are deleted and the trainer ends on
      // SIGTERM (143), which must not fail the Job (it is requeued and resumes from checkpoints).
      // onPodConditions: [] as well: the 1.27 schema requires the field.
      { action: 'Ignore', onPodConditions: [], onExitCodes: { containerName: CONTAINER, operator: 'In', values: [143] } },
      { action: 'FailJob', onPodConditions: [], onExitCodes: { containerName: CONTAINER, operator: 'NotIn', values: [0] } },
    ],
  };
}
/** Pod annotation holding the completion index (the node rank) of an indexed Job's pod. */
const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/**
 * Distributed training as a plain `batch/v1` Job, for clusters without the Kubeflow Trainer:
 * `completionMode: Indexed` with `completions = parallelism = nodes`, one pod per training node.
 *
 * For several nodes, a headless Service gives every pod a stable DNS name
 * (`<job>-<index>.<job>`) and the container gets the torchrun settings the Trainer would inject:
 * `PET_NNODES`, `PET_NPROC_PER_NODE`, `PET_NODE_RANK` (the completion index), `PET_MASTER_ADDR`
 * (pod 0) and `PET_MASTER_PORT`, so `torchrun train.py` needs no flags. Scheduling, volumes,
 * security and the synth-time schedulability check are those of {@link TrainJob}.
 *
 * @example
 * new IndexedTrainingJob(chart, 'Train', {
 *   image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/defects:2.0.1',
 *   command: ['torchrun', '/app/train.py'],
 *   accelerator: Accelerator.nvidiaGpu({ count: 4, model: 'L40S' }),
 *   nodes: 2,
 *   cpu: Cpu.units(40),
 *   memory: Size.gibibytes(320),
 *   checkpoints: CheckpointStorage.persistentVolumeClaim('checkpoints'),
 * });
 */
export class IndexedTrainingJob extends Construct {
  /** Name of the Job (and of its headless Service). */
  public readonly jobName: string;
  /** Namespace of the Job. */
  public readonly namespaceName: string;
  /** Accelerators of each node. */
  public readonly accelerator: Accelerator;
  /** Training nodes (pods). */
  public readonly nodes: number;
  /** Training processes per node. */
  public readonly processesPerNode: number;
  /** The Job object. */
  public readonly job: k8s.KubeJob;
  /** The headless Service for the rendezvous (only with more than one node). */
  public readonly service?: k8s.KubeService;

  private readonly extraEnv: k8s.EnvVar[] = [];

  constructor(scope: Construct, id: string, props: IndexedTrainingJobProps) {
    super(scope, id);
    registerObjects(this, 'indexed training job');
    const pod = trainingPod(this, props);
    // Pods are named <job>-<index>-<suffix> and host-named <job>-<index>: at most 63 characters.
    const maxLength = 63 - 1 - String(pod.nodes - 1).length;
    this.jobName = props.jobName !== undefined ? checkName(this, 'jobName', props.jobName, maxLength, true) : generateName(this, maxLength, true);
    this.namespaceName = pod.namespaceName;
    this.accelerator = props.accelerator;
    this.nodes = pod.nodes;
    this.processesPerNode = pod.processesPerNode;
    const port = checkCount(this, 'invalid-training-job', 'rendezvousPort', props.rendezvousPort ?? 29500, false, 65535);
    const backoffLimit = checkCount(this, 'invalid-training-job', 'backoffLimit', props.backoffLimit ?? (pod.nodes > 1 ? 0 : 3), true);
    if (props.podFailurePolicy !== undefined) checkPodFailurePolicy(this, props.podFailurePolicy, [CONTAINER]);

    if (pod.nodes > 1) {
      this.service = new k8s.KubeService(this, 'Rendezvous', {
        metadata: { name: this.jobName, namespace: this.namespaceName },
        spec: {
          clusterIp: 'None',
          publishNotReadyAddresses: true,
          selector: { [JOB_LABEL]: this.jobName },
          ports: [{ name: 'rendezvous', port, targetPort: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }],
        },
      });
    }
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: this.jobName,
        namespace: this.namespaceName,
        // A Job's (TrainJob's) spec cannot change in place: a GitOps sync recreates it instead.
        annotations: { 'argocd.argoproj.io/sync-options': 'Force=true,Replace=true' },
        labels: Object.keys(pod.workloadLabels).length > 0 ? pod.workloadLabels : undefined,
      },
      spec: Lazy.any({ produce: () => this.renderSpec(props, pod, port, backoffLimit) }),
    });
    if (this.service) this.job.node.addDependency(this.service);
    registerTrainingWorkload(this, props, pod, `Job ${this.jobName}`);
  }

  /** Adds (or replaces) an environment variable of the training container. */
  public addEnv(name: string, value: string): void {
    checkEnvName(this, name);
    // A second addEnv of one name replaces the first: a container must not list a variable twice.
    const existing = this.extraEnv.findIndex((e) => e.name === name);
    if (existing >= 0) this.extraEnv.splice(existing, 1);
    this.extraEnv.push({ name, value });
  }

  private renderSpec(props: IndexedTrainingJobProps, pod: TrainingPod, port: number, backoffLimit: number): k8s.JobSpec {
    const rendezvous: k8s.EnvVar[] = [
      { name: 'PET_NNODES', value: String(pod.nodes) },
      { name: 'PET_NPROC_PER_NODE', value: String(pod.processesPerNode) },
      { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } },
    ];
    if (this.service) {
      rendezvous.push(
        { name: 'PET_MASTER_ADDR', value: `${this.jobName}-0.${this.jobName}.${this.namespaceName}.svc` },
        { name: 'PET_MASTER_PORT', value: String(port) },
      );
    }
    const env = [...pod.env.filter((e) => !this.extraEnv.some((x) => x.name === e.name)), ...this.extraEnv, ...rendezvous];
    return {
      completionMode: 'Indexed',
      completions: pod.nodes,
      parallelism: pod.nodes,
      backoffLimit,
      podFailurePolicy: props.podFailurePolicy ?? (pod.nodes > 1 ? failTheGang() : ignoreDisruptions()),
      activeDeadlineSeconds: pod.activeDeadlineSeconds,
      template: {
        metadata: {
          labels: { [JOB_LABEL]: this.jobName },
          annotations: Object.keys(pod.podAnnotations).length > 0 ? pod.podAnnotations : undefined,
        },
        spec: {
          restartPolicy: 'Never',
          subdomain: this.service ? this.jobName : undefined,
          serviceAccountName: props.serviceAccountName,
          // No API token unless a service account is given (it may need one, for example for IRSA).
          automountServiceAccountToken: props.serviceAccountName === undefined ? false : undefined,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
          securityContext: pod.podSecurityContext,
          nodeSelector: pod.nodeSelector,
          tolerations: pod.tolerations,
          volumes: pod.volumes,
          containers: [{
            name: CONTAINER,
            image: props.image,
            command: props.command,
            args: props.args,
            env,
            ports: this.service ? [{ name: 'rendezvous', containerPort: port, protocol: 'TCP' }] : undefined,
            resources: pod.resources,
            securityContext: pod.containerSecurityContext,
            volumeMounts: pod.volumeMounts,
          }],
        },
      },
    };
  }
}
