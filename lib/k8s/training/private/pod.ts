/**
 * The pod of a training node, shared by TrainJob and IndexedTrainingJob: validated props turned
 * into typed Kubernetes pieces. Not exported from the library.
 */
import { Chart, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkCount, checkLabels, checkName, checkSubdomainName, checkTolerations, cpuCores, cpuQuantity, memoryQuantity } from './render';
import { addSchedulabilityCheck } from './schedulability';
import { ValidationError } from '../../../core/errors';
import { AcceleratorCapabilities, AcceleratorPodSettings } from '../../core/accelerators';
import { dependOn } from '../../core/dependencies';
import { k8s } from '../../core/plus';
import { checkImage, checkNotSystemNamespace } from '../../core/validation';
import { DatasetVolume } from '../../data/dataset-volume';
import { TrainingJobOptions } from '../training-job-options';

/** Kueue labels of workloads. */
export const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';
/** Name of the replicated job, and of its container, that the torch plugin of the Trainer drives. */
export const TORCH_NODE = 'node';
/** Pod label naming the training job. */
export const JOB_LABEL = 'mlops-constructs.io/training-job';

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const RESERVED_ENV = ['DATA_DIR', 'CHECKPOINT_DIR'];

/** Everything a training pod needs, validated. */
export interface TrainingPod {
  readonly namespaceName: string;
  readonly nodes: number;
  readonly processesPerNode: number;
  readonly cpuCores: number;
  readonly memoryMiB: number;
  readonly accelerator: AcceleratorPodSettings;
  /** The accelerator's node selector plus the job's own. */
  readonly nodeSelector: { [key: string]: string };
  /** The accelerator taint's toleration plus the job's own. */
  readonly tolerations: k8s.Toleration[];
  readonly resources: k8s.ResourceRequirements;
  /** User environment plus DATA_DIR, CHECKPOINT_DIR, HOME (and FI_PROVIDER with EFA). */
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly podSecurityContext: k8s.PodSecurityContext;
  readonly containerSecurityContext: k8s.SecurityContext;
  /** Labels of the workload object (Kueue queue and priority). */
  readonly workloadLabels: Record<string, string>;
  /** Annotations of the pods. */
  readonly podAnnotations: Record<string, string>;
  readonly terminationGracePeriodSeconds: number;
  readonly activeDeadlineSeconds?: number;
}

/** Validates the common training job props on behalf of `scope`. */
export function trainingPod(scope: IConstruct, props: TrainingJobOptions): TrainingPod {
  const fail = (code: string, message: string, received: unknown, fix: string): never => {
    throw new ValidationError({ code, scope, message, received, fix });
  };
  checkImage(scope, 'invalid-training-job', 'image', props.image);
  const accelerator = props.accelerator.bind(scope);
  const ownSelector = props.nodeSelector ?? {};
  checkLabels(scope, 'nodeSelector', ownSelector);
  for (const key of Object.keys(ownSelector)) {
    if (key in accelerator.nodeSelector) {
      fail('invalid-training-job', `nodeSelector sets ${key}, which the accelerator request selects already.`, key,
        'Say it in the accelerator (model, instanceType) instead, and drop it from nodeSelector.');
    }
  }
  const ownTolerations = props.tolerations ?? [];
  checkTolerations(scope, 'invalid-training-job', 'tolerations', ownTolerations);
  const nodes = checkCount(scope, 'invalid-training-job', 'nodes', props.nodes ?? 1, false, 100_000);
  const processesPerNode = props.processesPerNode !== undefined
    ? checkCount(scope, 'invalid-training-job', 'processesPerNode', props.processesPerNode)
    : defaultProcesses(scope, props, accelerator);

  const cores = cpuCores(props.cpu);
  if (!Number.isFinite(cores) || cores <= 0) fail('invalid-training-job', 'cpu must be more than 0.', props.cpu.amount, 'Request CPU such as Cpu.units(16).');
  const memoryMiB = props.memory.toMebibytes();
  if (!Number.isInteger(memoryMiB) || memoryMiB < 1) fail('invalid-training-job', 'memory must be at least 1 MiB, in whole mebibytes.', memoryMiB, 'Request memory such as Size.gibibytes(64).');
  const shmMiB = props.sharedMemory ? props.sharedMemory.toMebibytes() : Math.floor(memoryMiB / 4);
  if (!Number.isInteger(shmMiB) || shmMiB < 64 || shmMiB >= memoryMiB) {
    fail('invalid-training-job', '/dev/shm counts against the memory limit: sharedMemory must be at least 64 MiB and less than memory.',
      { sharedMemoryMiB: shmMiB, memoryMiB }, 'Give sharedMemory such as a quarter of memory, or raise memory.');
  }
  const tmpMiB = (props.tmpSize ?? Size.gibibytes(10)).toMebibytes();
  if (!Number.isInteger(tmpMiB) || tmpMiB < 1) fail('invalid-training-job', 'tmpSize must be at least 1 MiB.', tmpMiB, 'Give tmpSize such as Size.gibibytes(10).');

  const namespace = resolveNamespace(scope, props);
  const runAsUser = checkCount(scope, 'invalid-training-job', 'runAsUser', props.runAsUser ?? 1000);
  const runAsGroup = checkCount(scope, 'invalid-training-job', 'runAsGroup', props.runAsGroup ?? 1000);
  if (props.serviceAccountName !== undefined) checkSubdomainName(scope, 'serviceAccountName', props.serviceAccountName);

  // Volumes: shared memory, writable /tmp, the dataset (read-only), the checkpoints.
  const checkpoints = props.checkpoints._bind(scope);
  const volumes: k8s.Volume[] = [
    { name: 'dev-shm', emptyDir: { medium: 'Memory', sizeLimit: memoryQuantity(Size.mebibytes(shmMiB)) } },
    { name: 'tmp', emptyDir: { sizeLimit: memoryQuantity(Size.mebibytes(tmpMiB)) } },
    checkpoints.volume,
  ];
  const volumeMounts: k8s.VolumeMount[] = [
    { name: 'dev-shm', mountPath: '/dev/shm' },
    { name: 'tmp', mountPath: '/tmp' },
    checkpoints.mount,
  ];
  const env: Record<string, string> = { CHECKPOINT_DIR: checkpoints.mount.mountPath };
  if (props.dataset) {
    if (checkpoints.volume.persistentVolumeClaim?.claimName === props.dataset.claimName) {
      fail('checkpoint-dataset-conflict', `The checkpoints go to claim "${props.dataset.claimName}", the claim of the dataset: the job would write checkpoints into its read-only training data.`,
        { dataset: props.dataset.claimName, checkpoints: props.checkpoints.claimName },
        'Write checkpoints to a claim of their own, for example a CheckpointVolume (claim "checkpoints").');
    }
    const volume = props.dataset.toPodVolume();
    const mount = props.dataset.toVolumeMount(props.datasetMount);
    if (volumes.some((v) => v.name === volume.name)) {
      fail('invalid-training-job', `Dataset claim "${volume.name}" has the name of a volume the job adds itself.`, volume.name, 'Give the dataset another claimName than dev-shm, tmp or checkpoints.');
    }
    volumes.splice(2, 0, volume);
    volumeMounts.splice(2, 0, mount);
    env.DATA_DIR = mount.mountPath;
  }
  // Compare normalised paths: "/data/" and "/data//" are /data to the kubelet.
  const describeMount = (name: string): string => {
    if (name === checkpoints.mount.name) return 'the checkpoints';
    return props.dataset && name === props.dataset.claimName ? `dataset ${name}` : `volume ${name}`;
  };
  const mounts = volumeMounts.map((m) => ({ what: describeMount(m.name), path: normalisePath(m.mountPath) }));
  for (const [i, a] of mounts.entries()) {
    const b = mounts.find((m, j) => j !== i && (a.path === m.path || m.path === '/' || a.path.startsWith(`${m.path}/`)));
    if (b) {
      fail('invalid-mount-path', `Two volumes of the training pod are mounted at the same or nested paths: ${a.what} at ${a.path} and ${b.what} at ${b.path}.`,
        Object.fromEntries(volumeMounts.map((m) => [m.name, m.mountPath])), 'Mount the dataset and the checkpoints at separate paths outside /tmp and /dev/shm, neither inside the other.');
    }
  }

  const userEnv = props.env ?? {};
  for (const name of Object.keys(userEnv)) checkEnvName(scope, name);
  if (accelerator.resources['vpc.amazonaws.com/efa'] !== undefined) env.FI_PROVIDER = 'efa';
  env.HOME = '/tmp';
  // The user's values win for HOME and FI_PROVIDER; the reserved names were rejected above.
  const merged = { ...env, ...userEnv };

  const extended = accelerator.resources;
  const resources: k8s.ResourceRequirements = {
    requests: { cpu: cpuQuantity(cores), memory: memoryQuantity(Size.mebibytes(memoryMiB)), ...extended },
    // No CPU limit (throttling slows training); memory and extended resources limited to the request.
    limits: { memory: memoryQuantity(Size.mebibytes(memoryMiB)), ...extended },
  };

  const workloadLabels: Record<string, string> = {};
  if (props.queue) workloadLabels[QUEUE_LABEL] = props.queue.localQueueName;
  if (props.priorityClass) workloadLabels[PRIORITY_LABEL] = props.priorityClass.priorityClassName;

  return {
    namespaceName: namespace,
    nodes,
    processesPerNode,
    cpuCores: cores,
    memoryMiB,
    accelerator,
    nodeSelector: { ...accelerator.nodeSelector, ...ownSelector },
    tolerations: [...accelerator.tolerations, ...ownTolerations],
    resources,
    env: Object.entries(merged).map(([name, value]) => ({ name, value })),
    volumes,
    volumeMounts,
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser,
      runAsGroup,
      fsGroup: runAsGroup,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containerSecurityContext: containerSecurityContext(runAsUser, runAsGroup),
    workloadLabels,
    podAnnotations: props.doNotDisrupt === false ? {} : { 'karpenter.sh/do-not-disrupt': 'true' },
    terminationGracePeriodSeconds: seconds(scope, 'terminationGracePeriod', props.terminationGracePeriod ?? Duration.minutes(2), true),
    activeDeadlineSeconds: props.activeDeadline ? seconds(scope, 'activeDeadline', props.activeDeadline, false) : undefined,
  };
}

/**
 * What every training job does once its pod is built: it is ordered after the objects it needs
 * (apply order for GitOps: its LocalQueue, in the chart or defining objects, and its dataset claim), and
 * its demand is checked at synth against the node pools and the queue.
 */
export function registerTrainingWorkload(job: Construct, props: TrainingJobOptions, pod: TrainingPod, jobDescription: string): void {
  if (props.queue) dependOn(job, props.queue);
  if (props.dataset) job.node.addDependency(props.dataset);
  const claim = props.checkpoints.claimName;
  if (claim !== undefined) {
    job.node.addValidation({
      validate: () => {
        const dataset = Chart.of(job).node.findAll()
          .find((c): c is DatasetVolume => DatasetVolume.isDatasetVolume(c) && c.namespaceName === pod.namespaceName && c.claimName === claim);
        if (dataset) {
          throw new ValidationError({
            code: 'checkpoint-dataset-conflict', scope: job,
            message: `${jobDescription} writes checkpoints to claim ${pod.namespaceName}/${claim}, which is dataset volume ${dataset.node.path}: checkpoints would go into read-only training data.`,
            received: { checkpoints: claim, dataset: dataset.node.path },
            fix: 'Write checkpoints to a claim of their own, for example a CheckpointVolume (claim "checkpoints").',
          });
        }
        return [];
      },
    });
  }
  addSchedulabilityCheck(job, {
    jobDescription,
    accelerator: props.accelerator,
    nodeSelector: pod.nodeSelector,
    tolerations: pod.tolerations,
    nodes: pod.nodes,
    cpuCores: pod.cpuCores,
    memoryMiB: pod.memoryMiB,
    queue: props.queue,
  });
}

/** Checks the name of an environment variable the user sets. */
export function checkEnvName(scope: IConstruct, name: string): void {
  if (!ENV_NAME.test(name)) {
    throw new ValidationError({
      code: 'invalid-training-job', scope,
      message: `"${name}" is not a valid environment variable name.`,
      received: name,
      fix: 'Use letters, digits, "_", "-" and ".", not starting with a digit.',
    });
  }
  if (name.startsWith('PET_') || RESERVED_ENV.includes(name)) {
    throw new ValidationError({
      code: 'invalid-training-job', scope,
      message: `Environment variable ${name} is set by the training job itself.`,
      received: name,
      fix: 'Remove it: PET_* come from the rendezvous, DATA_DIR and CHECKPOINT_DIR from the mounts.',
    });
  }
}

/** The restricted-profile container security context. */
export function containerSecurityContext(runAsUser: number, runAsGroup: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function defaultProcesses(scope: IConstruct, props: TrainingJobOptions, accelerator: AcceleratorPodSettings): number {
  const perDevice = new Set(accelerator.instanceTypes.map((t) => AcceleratorCapabilities.processesPerAccelerator(t)));
  if (perDevice.size !== 1) {
    throw new ValidationError({
      code: 'invalid-training-job', scope,
      message: 'processesPerNode cannot be derived: the accelerator may land on devices with different numbers of NeuronCores.',
      received: accelerator.instanceTypes.map((t) => t.ec2Name),
      fix: 'Give the accelerator model or instance type, or set processesPerNode (one per logical NeuronCore).',
    });
  }
  return props.accelerator.count * [...perDevice][0];
}

function resolveNamespace(scope: IConstruct, props: TrainingJobOptions): string {
  const namespace = props.namespaceName ?? props.queue?.namespaceName ?? props.dataset?.namespaceName ?? Chart.of(scope).namespace;
  if (namespace === undefined) {
    throw new ValidationError({
      code: 'invalid-name', scope,
      message: 'A training job lives in a namespace, and neither the props, the queue, the dataset nor the chart give one.',
      received: namespace,
      fix: 'Set namespaceName to the team namespace.',
    });
  }
  checkName(scope, 'namespaceName', namespace);
  checkNotSystemNamespace(scope, 'namespaceName', namespace);
  for (const [what, other] of [['queue', props.queue?.namespaceName], ['dataset', props.dataset?.namespaceName]] as const) {
    if (other !== undefined && other !== namespace) {
      throw new ValidationError({
        code: 'namespace-mismatch', scope,
        message: `The job runs in namespace ${namespace}, but its ${what} is in ${other}: ${what === 'queue' ? 'Kueue only admits workloads of the LocalQueue\'s namespace' : 'a pod can only mount claims of its own namespace'}.`,
        received: { job: namespace, [what]: other },
        fix: `Create the job, the queue and the dataset in the same namespace (${other}).`,
      });
    }
  }
  return namespace;
}

function normalisePath(path: string): string {
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

function seconds(scope: IConstruct, prop: string, duration: Duration, allowZero: boolean): number {
  const value = duration.toSeconds();
  return checkCount(scope, 'invalid-training-job', `${prop} (seconds)`, value, allowZero);
}

/**
 * A pod failure policy under which evictions for preemption, node drain or spot interruption
 * (the `DisruptionTarget` condition) do not count towards the backoff limit.
 */
export function ignoreDisruptions(): k8s.PodFailurePolicy {
  return { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] };
}
