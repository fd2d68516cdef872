import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';

// The FSx for Lustre rules of each deployment type (checked 2025):
// - Storage capacity steps: CloudFormation AWS::FSx::FileSystem `StorageCapacity` and FSx API
//   CreateFileSystem `StorageCapacity` (SSD SCRATCH_2, PERSISTENT_2 and PERSISTENT_1: 1200 GiB,
//   2400 GiB, then steps of 2400 GiB; PERSISTENT_1 HDD: steps of 6000 GiB at 12 MB/s/TiB and of
//   1800 GiB at 40 MB/s/TiB; SCRATCH_1: 1200 GiB, 2400 GiB, then steps of 3600 GiB).
// - Throughput per TiB: CloudFormation LustreConfiguration `PerUnitStorageThroughput` (PERSISTENT_1
//   SSD 50/100/200, PERSISTENT_1 HDD 12/40, PERSISTENT_2 SSD 125/250/500/1000).

/** Storage class of an FSx for Lustre file system. */
export enum LustreStorageType {
  /** Solid state drives: every deployment type. */
  SSD = 'SSD',
  /** Hard disk drives: PERSISTENT_1 only. */
  HDD = 'HDD',
}

/** Options of a persistent SSD deployment type. */
export interface LustrePersistentOptions {
  /**
   * Provisioned throughput per TiB of storage, in MB/s/TiB. PERSISTENT_2: 125, 250, 500 or 1000;
   * PERSISTENT_1 SSD: 50, 100 or 200.
   *
   * @default - 250 for PERSISTENT_2 (1.2 TiB gives 300 MB/s), 200 for PERSISTENT_1 SSD
   */
  readonly throughputPerTiB?: number;
}

/** Options of a PERSISTENT_1 HDD deployment. */
export interface LustreHddOptions {
  /**
   * Provisioned throughput per TiB of storage, in MB/s/TiB: 12 or 40. It sets the capacity step:
   * 6000 GiB at 12, 1800 GiB at 40.
   *
   * @default 40
   */
  readonly throughputPerTiB?: number;
  /**
   * Whether an SSD read cache of 20% of the storage capacity is provisioned (`DriveCacheType: READ`).
   *
   * @default true
   */
  readonly readCache?: boolean;
}

/**
 * Deployment type of an FSx for Lustre file system, with the throughput and storage rules that
 * come with it.
 */
export class LustreDeploymentType {
  /**
   * PERSISTENT_2: long-lived SSD storage, replicated within the Availability Zone, the highest
   * throughput per TiB, customer-managed KMS key, backups and S3 data repository associations.
   */
  public static persistent2(options: LustrePersistentOptions = {}): LustreDeploymentType {
    return new LustreDeploymentType('PERSISTENT_2', LustreStorageType.SSD, options.throughputPerTiB ?? 250, [125, 250, 500, 1000]);
  }

  /** PERSISTENT_1 on SSD: the previous persistent generation (50, 100 or 200 MB/s/TiB). */
  public static persistent1Ssd(options: LustrePersistentOptions = {}): LustreDeploymentType {
    return new LustreDeploymentType('PERSISTENT_1', LustreStorageType.SSD, options.throughputPerTiB ?? 200, [50, 100, 200]);
  }

  /** PERSISTENT_1 on HDD: the cheapest capacity for large, sequentially read datasets. */
  public static persistent1Hdd(options: LustreHddOptions = {}): LustreDeploymentType {
    return new LustreDeploymentType('PERSISTENT_1', LustreStorageType.HDD, options.throughputPerTiB ?? 40, [12, 40],
      (options.readCache ?? true) ? 'READ' : 'NONE');
  }

  /**
   * SCRATCH_2: temporary storage, not replicated, encrypted in transit, with an FSx-managed key;
   * no backups.
   */
  public static readonly SCRATCH_2 = new LustreDeploymentType('SCRATCH_2', LustreStorageType.SSD, undefined, []);

  /**
   * SCRATCH_1: the first scratch generation; no encryption in transit, capacity cannot grow, and no
   * data repository associations. Prefer SCRATCH_2.
   */
  public static readonly SCRATCH_1 = new LustreDeploymentType('SCRATCH_1', LustreStorageType.SSD, undefined, []);

  /** `PERSISTENT_2`, `PERSISTENT_1`, `SCRATCH_2` or `SCRATCH_1`. */
  public readonly name: string;
  /** Storage class. */
  public readonly storageType: LustreStorageType;
  /** Throughput per TiB in MB/s/TiB (persistent types only). */
  public readonly throughputPerTiB?: number;
  /** `READ` or `NONE` for PERSISTENT_1 HDD; undefined otherwise. */
  public readonly driveCacheType?: string;
  private readonly allowedThroughput: number[];

  private constructor(name: string, storageType: LustreStorageType, throughput: number | undefined, allowed: number[], driveCacheType?: string) {
    this.name = name;
    this.storageType = storageType;
    this.throughputPerTiB = throughput;
    this.allowedThroughput = allowed;
    this.driveCacheType = driveCacheType;
  }

  /** Whether the type keeps data across file server failures (and takes a customer key and backups). */
  public get persistent(): boolean {
    return this.name.startsWith('PERSISTENT');
  }

  /** Whether S3 data repository associations are supported (all types but SCRATCH_1). */
  public get supportsDataRepositoryAssociations(): boolean {
    return this.name !== 'SCRATCH_1';
  }

  /** The capacity rule for this type, in words. */
  public get capacityRule(): string {
    if (this.name === 'SCRATCH_1') return '1200 GiB, 2400 GiB, or a multiple of 3600 GiB';
    if (this.storageType === LustreStorageType.HDD) {
      return this.throughputPerTiB === 12 ? 'a multiple of 6000 GiB (at 12 MB/s/TiB)' : 'a multiple of 1800 GiB (at 40 MB/s/TiB)';
    }
    return '1200 GiB, 2400 GiB, or a multiple of 2400 GiB';
  }

  /** The smallest storage capacity of this type, in GiB. */
  public get minimumCapacityGiB(): number {
    if (this.storageType === LustreStorageType.HDD) return this.throughputPerTiB === 12 ? 6000 : 1800;
    return 1200;
  }

  /** Whether `gib` is a storage capacity FSx accepts for this type. */
  public isValidCapacity(gib: number): boolean {
    if (!Number.isInteger(gib) || gib <= 0) return false;
    if (this.name === 'SCRATCH_1') return gib === 1200 || gib === 2400 || gib % 3600 === 0;
    if (this.storageType === LustreStorageType.HDD) return gib % (this.throughputPerTiB === 12 ? 6000 : 1800) === 0;
    return gib === 1200 || gib % 2400 === 0;
  }

  /** Valid capacities next to `gib` (the largest below and the smallest above), for messages. @internal */
  public _neighbours(gib: number): number[] {
    const below: number[] = [];
    const above: number[] = [];
    const step = this.name === 'SCRATCH_1' ? 1200 : this.storageType === LustreStorageType.HDD ? (this.throughputPerTiB === 12 ? 6000 : 1800) : 1200;
    for (let c = step; c <= Math.max(gib, 0) + 6000 && above.length === 0; c += step) {
      if (!this.isValidCapacity(c)) continue;
      if (c < gib) below.push(c); else if (c > gib) above.push(c);
    }
    return [...below.slice(-1), ...above];
  }

  /** @internal */
  public _validate(scope: Construct): void {
    const t = this.throughputPerTiB;
    if (t !== undefined && !Token.isUnresolved(t) && !this.allowedThroughput.includes(t)) {
      throw new ValidationError({
        code: 'invalid-throughput',
        scope,
        message: `${this.name} ${this.storageType} file systems provision ${this.allowedThroughput.join(', ')} MB/s per TiB.`,
        received: t,
        fix: `Set throughputPerTiB to one of ${this.allowedThroughput.join(', ')}.`,
      });
    }
  }
}
