import { Chart, Names, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { NameRule } from '../../core/names';
import { REGION } from '../../core/private/identifiers';
import { isUnresolvedString } from '../../core/private/tokens';
import { k8s, kplus } from '../core/plus';
import { DATASET_VOLUME_ROLE, registerObjects } from '../core/objects';
import { createStaticVolume, s3VolumeHandle } from '../core/static-volume';
import { checkNotSystemNamespace } from '../core/validation';

/** Where the data of a {@link DatasetVolumeSource} lives, and so which CSI driver mounts it. */
export enum DatasetVolumeSourceKind {
  /** FSx for Lustre, through the FSx CSI driver (`fsx-lustre`). */
  FSX_LUSTRE = 'fsx-lustre',
  /** EFS, through the EFS CSI driver (`efs`). */
  EFS = 'efs',
  /** S3, through the Mountpoint for Amazon S3 CSI driver (`s3`). */
  S3 = 's3',
}

/** What a dataset source renders into a PersistentVolume. @internal */
export interface DatasetVolumeSourceConfig {
  readonly csi: k8s.CsiPersistentVolumeSource;
  readonly accessModes: string[];
  readonly mountOptions?: string[];
  readonly capacity: Size;
}

/** An FSx for Lustre file system (static provisioning through the FSx CSI driver). */
export interface FsxLustreDatasetOptions {
  /** File system id, `fs-0123456789abcdef0`. */
  readonly fileSystemId: string;
  /** DNS name of the file system, `fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com`. */
  readonly dnsName: string;
  /** Lustre mount name (8 characters, or `fsx` for SCRATCH_1). */
  readonly mountName: string;
  /** Storage capacity of the file system. */
  readonly storageCapacity: Size;
}

/** An EFS file system (static provisioning through the EFS CSI driver). */
export interface EfsDatasetOptions {
  /** File system id, `fs-0123456789abcdef0`. */
  readonly fileSystemId: string;
  /**
   * Access point that roots the mount and sets the POSIX identity.
   *
   * @default - the file system root
   */
  readonly accessPointId?: string;
}

/** An S3 bucket (prefix) mounted through the Mountpoint for Amazon S3 CSI driver. */
export interface S3DatasetOptions {
  /** Bucket name. */
  readonly bucketName: string;
  /**
   * Key prefix to mount, ending in `/`, for example `curated/`.
   *
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /**
   * Region of the bucket, passed to Mountpoint (`region` mount option). Required: Mountpoint
   * would otherwise find it through the instance metadata service, which the GPU nodes' hop
   * limit of 1 keeps from pods, and a wrong guess fails the mount.
   */
  readonly region: string;
}

const FS_ID = /^fs-[0-9a-f]{8,40}$/;
// DNS suffixes of every partition: amazonaws.com, amazonaws.com.cn, amazonaws.eu (European Sovereign Cloud), ...
const FSX_DNS = /^fs-[0-9a-f]{8,40}\.fsx\.[a-z0-9-]+\.[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const FSX_MOUNT_NAME = /^([a-z0-9]{8}|fsx)$/;
const ACCESS_POINT = /^fsap-[0-9a-f]{8,40}$/;
/**
 * Whether some FSx for Lustre file system can have `gib` of storage: 1200 or 2400 GiB, or a
 * multiple of 2400 (SSD deployment types), of 3600 (SCRATCH_1), of 1800 or 6000 (HDD, 40 or 12
 * MB/s/TiB). The volume does not know the deployment type; the AWS side checks the exact step.
 */
function isLustreCapacity(gib: number): boolean {
  return Number.isInteger(gib) && (gib === 1200 || gib === 2400 || [1800, 2400, 3600, 6000].some((step) => gib % step === 0));
}

// The CSI drivers ignore capacity for EFS and S3, but Kubernetes requires one on the volume.
const NOMINAL_CAPACITY = Size.tebibytes(1);

/** Marks dataset volumes for `DatasetVolume.isDatasetVolume`, across copies of the library. */
const DATASET_VOLUME_SYMBOL = Symbol.for('mlops-constructs.k8s.DatasetVolume');

/**
 * Where a dataset volume's data lives: FSx for Lustre, EFS, or S3 through Mountpoint.
 * Each renders the correct CSI driver, volume handle, attributes, mount options and access modes.
 */
export abstract class DatasetVolumeSource {
  /** FSx for Lustre: the fastest path for GPU jobs; ReadWriteMany; `flock` mount option. */
  public static fsxLustre(options: FsxLustreDatasetOptions): DatasetVolumeSource {
    return new (class extends DatasetVolumeSource {
      public readonly kind = DatasetVolumeSourceKind.FSX_LUSTRE;
      public _bind(scope: IConstruct): DatasetVolumeSourceConfig {
        match(scope, 'fileSystemId', options.fileSystemId, FS_ID, 'fs-0123456789abcdef0');
        match(scope, 'dnsName', options.dnsName, FSX_DNS, 'fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com');
        match(scope, 'mountName', options.mountName, FSX_MOUNT_NAME, 'the MountName output of the file system, such as "abcdefgh"');
        const deployTime = isUnresolvedString(options.dnsName) || isUnresolvedString(options.fileSystemId);
        if (!deployTime && !options.dnsName.startsWith(`${options.fileSystemId}.`)) {
          throw new ValidationError({
            code: 'invalid-dataset-source', scope,
            message: 'dnsName belongs to a different file system than fileSystemId.',
            received: { fileSystemId: options.fileSystemId, dnsName: options.dnsName },
            fix: 'Take both values from the same FSx for Lustre file system.',
          });
        }
        const gib = options.storageCapacity.toGibibytes();
        if (gib < 1200) {
          throw new ValidationError({
            code: 'invalid-dataset-source', scope,
            message: 'An FSx for Lustre file system has at least 1.2 TiB (1200 GiB) of storage.',
            received: `${gib} GiB`,
            fix: 'Give the storage capacity of the file system, for example Size.gibibytes(1200).',
          });
        }
        if (!isLustreCapacity(gib)) {
          throw new ValidationError({
            code: 'invalid-dataset-source', scope,
            message: 'storageCapacity is a size no FSx for Lustre file system can have, so it cannot be the capacity of the file system the volume names.',
            received: `${gib} GiB`,
            fix: 'Give the file system\'s StorageCapacity: 1200 or 2400 GiB, or a multiple of 2400 (SSD), 3600 (SCRATCH_1), 1800 or 6000 GiB (HDD).',
          });
        }
        return {
          csi: {
            driver: 'fsx.csi.aws.com',
            volumeHandle: options.fileSystemId,
            volumeAttributes: { dnsname: options.dnsName, mountname: options.mountName },
          },
          accessModes: ['ReadWriteMany'],
          mountOptions: ['flock'],
          capacity: options.storageCapacity,
        };
      }
    })();
  }

  /** EFS: elastic, shared; ReadWriteMany; TLS in transit. */
  public static efs(options: EfsDatasetOptions): DatasetVolumeSource {
    return new (class extends DatasetVolumeSource {
      public readonly kind = DatasetVolumeSourceKind.EFS;
      public _bind(scope: IConstruct): DatasetVolumeSourceConfig {
        match(scope, 'fileSystemId', options.fileSystemId, FS_ID, 'fs-0123456789abcdef0');
        if (options.accessPointId !== undefined) match(scope, 'accessPointId', options.accessPointId, ACCESS_POINT, 'fsap-0123456789abcdef0');
        return {
          csi: {
            driver: 'efs.csi.aws.com',
            volumeHandle: options.accessPointId ? `${options.fileSystemId}::${options.accessPointId}` : options.fileSystemId,
            volumeAttributes: { encryptInTransit: 'true' },
          },
          accessModes: ['ReadWriteMany'],
          capacity: NOMINAL_CAPACITY,
        };
      }
    })();
  }

  /**
   * S3 through the Mountpoint for Amazon S3 CSI driver: read-only (`ReadOnlyMany`, `read-only`
   * mount option), optionally limited to a prefix such as one dataset zone.
   */
  public static s3(options: S3DatasetOptions): DatasetVolumeSource {
    return new (class extends DatasetVolumeSource {
      public readonly kind = DatasetVolumeSourceKind.S3;
      public _bind(scope: IConstruct): DatasetVolumeSourceConfig {
        NameRule.S3_BUCKET.validate(scope, 'bucketName', options.bucketName);
        const prefix = options.prefix;
        if (prefix !== undefined && (prefix.length === 0 || prefix.startsWith('/') || !prefix.endsWith('/'))) {
          throw new ValidationError({
            code: 'invalid-dataset-source', scope,
            message: 'An S3 prefix to mount must not start with "/" and must end with "/".',
            received: prefix,
            fix: 'Use a prefix such as "curated/" or "features/v3/".',
          });
        }
        match(scope, 'region', options.region, REGION, 'us-east-1');
        const mountOptions = ['read-only', 'allow-other', `region ${options.region}`];
        if (prefix) mountOptions.push(`prefix ${prefix}`);
        return {
          csi: {
            driver: 's3.csi.aws.com',
            volumeHandle: s3VolumeHandle(options.bucketName, prefix),
            volumeAttributes: { bucketName: options.bucketName },
          },
          accessModes: ['ReadOnlyMany'],
          mountOptions,
          capacity: NOMINAL_CAPACITY,
        };
      }
    })();
  }

  /** Where the data lives: FSx for Lustre, EFS or S3. */
  public abstract readonly kind: DatasetVolumeSourceKind;

  /** Validates the options on behalf of `scope` and renders them. @internal */
  public abstract _bind(scope: IConstruct): DatasetVolumeSourceConfig;
}

/** Properties of a {@link DatasetVolume}. */
export interface DatasetVolumeProps {
  /** Where the data lives. */
  readonly source: DatasetVolumeSource;
  /**
   * Namespace of the claim; not a system namespace (`kube-*`, `karpenter`, `kueue-system`...).
   *
   * @default - the chart's namespace, else `default`
   */
  readonly namespaceName?: string;
  /**
   * Name of the PersistentVolumeClaim (the PersistentVolume is named `<namespace>-<name>`).
   *
   * @default - generated from the construct path
   */
  readonly claimName?: string;
}

/** Options of {@link DatasetVolume.mount}. */
export interface DatasetMountOptions {
  /**
   * Directory inside the container.
   *
   * @default '/data'
   */
  readonly path?: string;
  /**
   * Sub-path of the volume to mount, for example one zone (`curated`).
   *
   * @default - the volume root
   */
  readonly subPath?: string;
}

/**
 * A dataset volume: a statically provisioned PersistentVolume (FSx for Lustre, EFS or S3
 * Mountpoint CSI) bound to a PersistentVolumeClaim, mounted read-only into the pods that train
 * on it. Static binding (`storageClassName: ""` plus `claimRef`/`volumeName`) guarantees the
 * claim gets this data and never a dynamically provisioned empty disk.
 *
 * @example
 * const data = new DatasetVolume(chart, 'Features', {
 *   source: DatasetVolumeSource.s3({ bucketName: 'fraud-datasets', prefix: 'features/' }),
 * });
 * data.mount(job.containers[0], { path: '/data' });
 */
export class DatasetVolume extends Construct {
  /** Whether `x` is a dataset volume (also one created by another copy of this library). */
  public static isDatasetVolume(x: unknown): x is DatasetVolume {
    return x !== null && typeof x === 'object' && DATASET_VOLUME_SYMBOL in x;
  }

  /** The claim. */
  public readonly claim: kplus.IPersistentVolumeClaim;
  /** Name of the claim. */
  public readonly claimName: string;
  /** Name of the (cluster-scoped) PersistentVolume. */
  public readonly volumeName: string;
  /** Namespace of the claim. */
  public readonly namespaceName: string;
  /** Where the data lives: FSx for Lustre, EFS or S3. */
  public readonly sourceKind: DatasetVolumeSourceKind;
  /** The raw PersistentVolume object. */
  public readonly persistentVolume: k8s.KubePersistentVolume;

  private readonly podVolume: kplus.Volume;

  constructor(scope: Construct, id: string, props: DatasetVolumeProps) {
    super(scope, id);
    Object.defineProperty(this, DATASET_VOLUME_SYMBOL, { value: true });
    registerObjects(this, DATASET_VOLUME_ROLE);
    const chart = Chart.of(this);
    const config = props.source._bind(this);
    this.sourceKind = props.source.kind;
    this.namespaceName = props.namespaceName ?? chart.namespace ?? 'default';
    NameRule.KUBERNETES.validate(this, 'namespaceName', this.namespaceName);
    checkNotSystemNamespace(this, 'namespaceName', this.namespaceName);
    this.claimName = props.claimName === undefined
      ? Names.toDnsLabel(this, { maxLen: 63 })
      : NameRule.KUBERNETES.validate(this, 'claimName', props.claimName);
    this.volumeName = NameRule.KUBERNETES.generate(this, this.namespaceName, this.claimName);
    this.persistentVolume = createStaticVolume(this, {
      volumeName: this.volumeName, claimName: this.claimName, namespace: this.namespaceName,
      accessModes: config.accessModes, capacityGiB: config.capacity.toGibibytes(), csi: config.csi, mountOptions: config.mountOptions,
    });
    this.claim = kplus.PersistentVolumeClaim.fromClaimName(this, 'Claim', this.claimName);
    this.podVolume = kplus.Volume.fromPersistentVolumeClaim(this, 'PodVolume', this.claim, { name: this.claimName, readOnly: true });
  }

  /**
   * Mounts the dataset read-only into a cdk8s-plus container (and adds the volume to its pod).
   */
  public mount(container: kplus.Container, options: DatasetMountOptions = {}): void {
    container.mount(this.mountPath(options), this.podVolume, { readOnly: true, subPath: options.subPath });
  }

  /**
   * The pod `volumes` entry, for pod specs written by hand (custom resources such as TrainJob).
   */
  public toPodVolume(): k8s.Volume {
    return { name: this.claimName, persistentVolumeClaim: { claimName: this.claimName, readOnly: true } };
  }

  /**
   * The container `volumeMounts` entry (read-only), for pod specs written by hand.
   */
  public toVolumeMount(options: DatasetMountOptions = {}): k8s.VolumeMount {
    return { name: this.claimName, mountPath: this.mountPath(options), readOnly: true, subPath: options.subPath };
  }

  private mountPath(options: DatasetMountOptions): string {
    const path = options.path ?? '/data';
    if (!path.startsWith('/') || path.split('/').includes('..')) {
      throw new ValidationError({
        code: 'invalid-mount-path', scope: this,
        message: 'A dataset mount path must be absolute and must not contain "..".',
        received: path,
        fix: 'Use an absolute path such as "/data".',
      });
    }
    if (options.subPath !== undefined && (options.subPath.startsWith('/') || options.subPath.split('/').includes('..'))) {
      throw new ValidationError({
        code: 'invalid-mount-path', scope: this,
        message: 'A sub-path must be relative and must not contain "..".',
        received: options.subPath,
        fix: 'Use a relative path such as "curated".',
      });
    }
    return path;
  }
}

function match(scope: IConstruct, prop: string, value: string, pattern: RegExp, example: string): void {
  // Values known only at deploy time (a chart deployed through the EKS kubectl provider) pass.
  // A missing value (from JavaScript or Python, where the compiler does not check) fails too.
  if (typeof value !== 'string' || (!isUnresolvedString(value) && !pattern.test(value))) {
    throw new ValidationError({
      code: 'invalid-dataset-source', scope,
      message: `${prop} ${typeof value === 'string' ? 'does not have the form the CSI driver expects' : 'is required'}.`,
      received: value,
      fix: `Give a value such as ${example}.`,
    });
  }
}
