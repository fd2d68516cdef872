import {
  Annotations, ArnFormat, CfnResource, Duration, IResource, Lazy, Names, RemovalPolicy, Resource, Size, SizeRoundingBehavior, Stack, Token,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fsx from 'aws-cdk-lib/aws-fsx';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { FSX_DNS_NAME, FSX_FILE_SYSTEM_ID, LUSTRE_MOUNT_NAME, SECURITY_GROUP_ID, SUBNET_ID, validateResourceId } from '../core/private/identifiers';
import { IDatasetStore } from './dataset-store';
import { LustreDeploymentType } from './lustre-deployment-type';
import { allowLogsToUseKey, createDataKey } from '../private/keys';
import { isUnresolvedString } from '../core/private/tokens';
import { gibibytes, wholeDuration } from '../private/limits';
import { warnIfNotRetained } from '../private/retention';
import { selectPrivateSubnets } from '../private/subnets';

// Sources of the FSx rules enforced below (checked 2025; the capacity and throughput rules of each
// deployment type are in lustre-deployment-type.ts):
// - Customer keys: CloudFormation `KmsKeyId` ("Amazon FSx for Lustre PERSISTENT_1 and PERSISTENT_2
//   deployment types only. SCRATCH_1 and SCRATCH_2 types are encrypted using the Amazon FSx service
//   AWS KMS key for your account.").
// - Data repository associations: FSx API CreateDataRepositoryAssociation ("maximum of 8 data
//   repository associations on a file system ... supported on all FSx for Lustre 2.12 and 2.15 file
//   systems, excluding scratch_1 deployment type"; "Two data repository associations cannot have
//   overlapping file system paths"; "/" only for the first and then only association) and the FSx
//   for Lustre guide, "Working with server-side encrypted Amazon S3 buckets" (key policy statement
//   for the AWSServiceRoleForFSxS3Access_<fs-id> service-linked role).
// - Log destination: FSx API LustreLogCreateConfiguration ("The name of the Amazon CloudWatch Logs
//   log group must begin with the /aws/fsx prefix").
// - Backups: scratch file systems cannot be backed up; retention 0-90 days.
// - Lustre ports: FSx for Lustre guide, "File system access control with Amazon VPC" (TCP 988 and
//   1018-1023 between the file servers and from the clients).

const LUSTRE_VERSION = '2.15';
const MAX_LINKS = 8;
const FSX_S3_SERVICE_LINKED_ROLE = 'role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*';
const KEY_ACTIONS_FOR_S3 = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/** Events a data repository association synchronizes. */
export enum DataRepositoryEvent {
  /** New objects / files. */
  NEW = 'NEW',
  /** Changed objects / files. */
  CHANGED = 'CHANGED',
  /** Deleted objects / files. */
  DELETED = 'DELETED',
}

/** How a file-system directory is linked to a dataset store zone. */
export interface DatasetLinkOptions {
  /**
   * S3 events the file system imports automatically (object listings and metadata; contents load
   * on first read). An empty list turns automatic import off.
   *
   * @default [NEW, CHANGED, DELETED]
   */
  readonly autoImportEvents?: DataRepositoryEvent[];
  /**
   * File-system events exported automatically to the zone. A linked file system has no backups
   * (FSx backs up only file systems not linked to S3), so by default new and changed files are
   * written back to the zone and nothing written exists only on the file system. Exporting
   * `DELETED` deletes the current objects in the dataset store (older versions stay in the
   * versioned bucket) and leaves a warning. An empty list makes the link a read-only cache.
   *
   * @default [NEW, CHANGED]
   */
  readonly autoExportEvents?: DataRepositoryEvent[];
  /**
   * Whether FSx imports the metadata of the objects already in the zone when the association is
   * created.
   *
   * @default true
   */
  readonly importMetadataOnCreate?: boolean;
}

/** A file-system directory linked to a dataset store zone. */
export interface DatasetLink extends DatasetLinkOptions {
  /** Zone of the dataset store, for example `features`. */
  readonly zone: string;
  /**
   * Directory on the file system, for example `/datasets/features`. Starts with `/`; links may not
   * overlap (one may not be a parent of another); `/` alone only as the only link.
   */
  readonly fileSystemPath: string;
}

/** An FSx for Lustre file system holding (a cache of) datasets. */
export interface IDatasetFileSystem extends IResource, ec2.IConnectable {
  /** File system id, `fs-0123456789abcdef0`. @attribute */
  readonly fileSystemId: string;
  /** DNS name of the file system (a deploy-time value for created file systems). @attribute */
  readonly dnsName: string;
  /** Lustre mount name (a deploy-time value for created file systems; `fsx` for SCRATCH_1). @attribute */
  readonly mountName: string;
  /** Storage capacity. */
  readonly storageCapacity: Size;
  /**
   * The subnet of the file system (FSx for Lustre lives in one Availability Zone), when known:
   * clients that must sit in its zone (HyperPod nodes) are placed there.
   */
  readonly subnetId?: string;
  /**
   * Allows Lustre clients (GPU nodes, pods' node security groups) to mount the file system:
   * TCP 988 and 1018-1023.
   */
  allowClientsFrom(peer: ec2.IConnectable): void;
}

/** Attributes of a file system created elsewhere. */
export interface DatasetFileSystemAttributes {
  /** File system id. */
  readonly fileSystemId: string;
  /** DNS name. */
  readonly dnsName: string;
  /** Lustre mount name. */
  readonly mountName: string;
  /** Storage capacity. */
  readonly storageCapacity: Size;
  /** Security group of the file system. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The subnet of the file system.
   *
   * @default - unknown: clients are not placed in its zone for you
   */
  readonly subnetId?: string;
}

/** Properties of a {@link DatasetFileSystem}. */
export interface DatasetFileSystemProps {
  /** The dataset store whose zones are linked to directories of the file system. */
  readonly datasets: IDatasetStore;
  /** VPC of the file system. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the file system goes. FSx for Lustre lives in one subnet (one Availability Zone): the
   * first subnet of the selection is used. Select the Availability Zone of your GPU instances.
   * Public subnets are rejected.
   *
   * @default - the VPC's private subnets (with egress, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security group of the file system.
   *
   * @default - a new group that allows Lustre traffic (TCP 988, 1018-1023) within itself and from `clients`
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * Clients allowed to mount the file system (TCP 988 and 1018-1023). More with `allowClientsFrom()`.
   *
   * @default - none besides the file system's own security group
   */
  readonly clients?: ec2.IConnectable[];
  /**
   * Deployment type, throughput and storage class.
   *
   * @default LustreDeploymentType.persistent2() (250 MB/s/TiB)
   */
  readonly deploymentType?: LustreDeploymentType;
  /**
   * Storage capacity, in the steps FSx allows for the deployment type (see
   * `LustreDeploymentType.capacityRule`). FSx's "1.2 TiB" is 1200 GiB: use `Size.gibibytes(1200)`.
   *
   * @default - the smallest capacity of the deployment type: 1200 GiB on SSD, 1800 GiB on HDD at 40 MB/s/TiB, 6000 GiB at 12
   */
  readonly storageCapacity?: Size;
  /**
   * Customer-managed key of the file system (persistent types; scratch types always use an
   * FSx-managed key and reject this) and of its log group.
   *
   * A dedicated key rather than the dataset store's: the file system holds copies of the data, but
   * its key policy, grants and lifetime are its own, and linking never changes more of the store's
   * key policy than the one statement the FSx S3 role needs. Pass `datasets.encryptionKey` to
   * share the store's key.
   *
   * @default - a new key with automatic rotation, retained like the file system
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether data is compressed with LZ4 (transparent; less storage and network per file read).
   *
   * @default true
   */
  readonly dataCompression?: boolean;
  /**
   * How long daily automatic backups are kept (persistent types only): 0-90 whole days.
   * `Duration.days(0)` turns backups off and leaves a warning. FSx backs up only file systems
   * that are not linked to S3: a file system with dataset links has none (asking for them is
   * refused with `backups-with-dataset-links`), and automatic export keeps its files in the store.
   *
   * @default - Duration.days(7) for persistent types without dataset links; none otherwise
   */
  readonly automaticBackupRetention?: Duration;
  /**
   * Start of the daily automatic backup window (UTC).
   *
   * @default - chosen by FSx
   */
  readonly dailyAutomaticBackupStartTime?: fsx.DailyAutomaticBackupStartTime;
  /**
   * Whether the file system's tags are copied to its backups.
   *
   * @default true (persistent types)
   */
  readonly copyTagsToBackups?: boolean;
  /**
   * Start of the weekly 30-minute maintenance window (UTC).
   *
   * @default - chosen by FSx
   */
  readonly weeklyMaintenanceStartTime?: fsx.LustreMaintenanceTime;
  /**
   * Directories linked to zones of the dataset store. More with `addDatasetLink()`.
   *
   * @default - none
   */
  readonly datasetLinks?: DatasetLink[];
  /**
   * Whether warnings and errors (for example failed imports and exports) are logged to a
   * KMS-encrypted CloudWatch Logs group `/aws/fsx/...`. Turning it off leaves a warning.
   *
   * @default true
   */
  readonly logging?: boolean;
  /**
   * How long the logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the file system, its key, log group, links and (when created here) its
   * security group with the rules among its servers, which a kept file system needs to keep
   * working. The default keeps them except when the stack's first create fails. Anything that
   * does not keep them leaves a warning.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Connections and mount permissions shared by created and imported file systems. */
export abstract class DatasetFileSystemBase extends Resource implements IDatasetFileSystem {
  public abstract readonly fileSystemId: string;
  public abstract readonly dnsName: string;
  public abstract readonly mountName: string;
  public abstract readonly storageCapacity: Size;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly subnetId?: string;

  public allowClientsFrom(peer: ec2.IConnectable): void {
    this.connections.allowFrom(peer, ec2.Port.tcp(988), 'Lustre clients (TCP 988)');
    this.connections.allowFrom(peer, ec2.Port.tcpRange(1018, 1023), 'Lustre clients (TCP 1018-1023)');
    // Lustre servers also open connections back to their clients on the same ports.
    peer.connections.allowFrom(this, ec2.Port.tcp(988), 'Lustre servers (TCP 988)');
    peer.connections.allowFrom(this, ec2.Port.tcpRange(1018, 1023), 'Lustre servers (TCP 1018-1023)');
  }

  /** Storage capacity in GiB (for `Size.gibibytes()` of other libraries, such as cdk8s). */
  public get storageCapacityGiB(): number {
    return this.storageCapacity.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  }
}

/**
 * An FSx for Lustre file system linked to a dataset store: the fast path from S3 to GPU
 * instances. Directories of the file system are linked to zones of the store through data
 * repository associations, so objects in the zone appear as files (imported lazily, kept in sync).
 *
 * Secure defaults: PERSISTENT_2 encrypted with a customer-managed key (rotation on), Lustre 2.15,
 * private subnet, a security group that only admits Lustre traffic from itself and named clients,
 * LZ4 compression, daily backups kept 7 days (tags copied), warnings and errors logged to a
 * KMS-encrypted log group kept one year, file system, key and logs RETAINed.
 *
 * @example
 * const fs = new DatasetFileSystem(this, 'Lustre', { datasets: store, vpc });
 * fs.addDatasetLink('features', '/datasets/features');
 * fs.allowClientsFrom(cluster);
 */
export class DatasetFileSystem extends DatasetFileSystemBase {
  /** Imports a file system created elsewhere. */
  public static fromDatasetFileSystemAttributes(scope: Construct, id: string, attrs: DatasetFileSystemAttributes): IDatasetFileSystem {
    class Imported extends DatasetFileSystemBase {
      public readonly fileSystemId = attrs.fileSystemId;
      public readonly dnsName = attrs.dnsName;
      public readonly mountName = attrs.mountName;
      public readonly storageCapacity = attrs.storageCapacity;
      public readonly subnetId = attrs.subnetId;
      public readonly connections = new ec2.Connections({ securityGroups: [attrs.securityGroup], defaultPort: ec2.Port.tcp(988) });
    }
    const imported = new Imported(scope, id);
    validateResourceId(imported, 'fileSystemId', attrs.fileSystemId, FSX_FILE_SYSTEM_ID);
    validateResourceId(imported, 'dnsName', attrs.dnsName, FSX_DNS_NAME);
    validateResourceId(imported, 'mountName', attrs.mountName, LUSTRE_MOUNT_NAME);
    validateResourceId(imported, 'securityGroup.securityGroupId', attrs.securityGroup.securityGroupId, SECURITY_GROUP_ID);
    if (attrs.subnetId !== undefined) validateResourceId(imported, 'subnetId', attrs.subnetId, SUBNET_ID);
    return imported;
  }

  public readonly fileSystemId: string;
  public readonly dnsName: string;
  public readonly mountName: string;
  public readonly storageCapacity: Size;
  public readonly connections: ec2.Connections;
  /** The subnet of the file system (always set on a file system created here; optional for jsii, as on IDatasetFileSystem). */
  public readonly subnetId?: string;
  /** The dataset store linked to the file system. */
  public readonly datasets: IDatasetStore;
  /** Deployment type. */
  public readonly deploymentType: LustreDeploymentType;
  /** Security group of the file system. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Key of the file system (persistent types) and of its log group; undefined for a scratch file
   * system without logging.
   */
  public readonly encryptionKey?: kms.IKey;
  /** Log group receiving warnings and errors (undefined when logging is off). */
  public readonly logGroup?: logs.ILogGroup;
  /** The L1 file system. */
  public readonly fileSystem: fsx.CfnFileSystem;

  private readonly removalPolicy: RemovalPolicy;
  private readonly links = new Map<string, { path: string; association: fsx.CfnDataRepositoryAssociation }>();
  private storeKeyPolicyAdded = false;
  /** Whether backups were asked for explicitly (a retention above 0 or a start time). */
  private readonly backupsAsked: boolean;

  constructor(scope: Construct, id: string, props: DatasetFileSystemProps) {
    super(scope, id);
    this.datasets = props.datasets;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    const type = props.deploymentType ?? LustreDeploymentType.persistent2();
    type._validate(this);
    this.deploymentType = type;

    this.storageCapacity = props.storageCapacity ?? Size.gibibytes(type.minimumCapacityGiB);
    const gib = this.validateCapacity(type, this.storageCapacity);
    const subnetId = this.selectSubnet(props.vpc, props.vpcSubnets);
    this.subnetId = subnetId;

    if (!type.persistent && props.encryptionKey) {
      throw new ValidationError({
        code: 'unsupported-encryption-key',
        scope: this,
        message: `${type.name} file systems are always encrypted with a key FSx manages; only PERSISTENT_1 and PERSISTENT_2 take a customer-managed key.`,
        received: type.name,
        fix: 'Use LustreDeploymentType.persistent2() for a customer-managed key, or omit encryptionKey.',
      });
    }
    const backups = this.backupDays(type, props.automaticBackupRetention);
    // A deploy-time retention counts as asking for backups.
    this.backupsAsked = (props.automaticBackupRetention !== undefined && backups !== undefined && backups !== 0)
      || props.dailyAutomaticBackupStartTime !== undefined;
    if (!type.persistent && (props.dailyAutomaticBackupStartTime || props.copyTagsToBackups !== undefined)) {
      throw new ValidationError({
        code: 'backups-not-supported',
        scope: this,
        message: `${type.name} file systems cannot be backed up.`,
        received: type.name,
        fix: 'Remove the backup settings, or use a persistent deployment type.',
      });
    }

    this.securityGroup = props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `FSx for Lustre ${this.node.path}: Lustre traffic (TCP 988, 1018-1023) within the group and from its clients`,
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(988) });
    if (!props.securityGroup) {
      this.allowClientsFrom(this.securityGroup);
      // A kept file system keeps its group and the rules among its own servers (not the rules of
      // clients, whose groups go with the stack).
      const group = this.securityGroup.node.defaultChild as ec2.CfnSecurityGroup;
      group.applyRemovalPolicy(this.removalPolicy);
      for (const child of this.securityGroup.node.children) {
        if (CfnResource.isCfnResource(child) && child.cfnResourceType === ec2.CfnSecurityGroupIngress.CFN_RESOURCE_TYPE_NAME
          && (child as ec2.CfnSecurityGroupIngress).sourceSecurityGroupId === this.securityGroup.securityGroupId) {
          child.applyRemovalPolicy(this.removalPolicy);
        }
      }
    }
    for (const client of props.clients ?? []) this.allowClientsFrom(client);

    const logging = props.logging ?? true;
    this.encryptionKey = props.encryptionKey ?? (type.persistent || logging
      ? createDataKey(this, 'Key', `FSx for Lustre ${this.node.path}`, this.removalPolicy)
      : undefined);

    this.logGroup = logging ? this.createLogGroup(this.encryptionKey!, props.logRetention ?? logs.RetentionDays.ONE_YEAR) : undefined;
    if (!this.logGroup) {
      Annotations.of(this).addWarningV2('mlops-constructs:fsx-logging-off',
        'FSx for Lustre logging is off: failed imports and exports from the dataset store will go unnoticed.');
    }

    this.fileSystem = new fsx.CfnFileSystem(this, 'Resource', {
      fileSystemType: 'LUSTRE',
      fileSystemTypeVersion: LUSTRE_VERSION,
      storageCapacity: gib,
      storageType: type.storageType,
      subnetIds: [subnetId],
      securityGroupIds: [this.securityGroup.securityGroupId],
      kmsKeyId: type.persistent ? this.encryptionKey!.keyArn : undefined,
      lustreConfiguration: {
        deploymentType: type.name,
        perUnitStorageThroughput: type.throughputPerTiB,
        driveCacheType: type.driveCacheType,
        dataCompressionType: (props.dataCompression ?? true) ? 'LZ4' : 'NONE',
        // FSx backs up only persistent file systems not linked to S3: once a zone is linked, backups
        // are off, and automatic export (on by default) keeps written files in the dataset store.
        automaticBackupRetentionDays: backups === undefined ? undefined : Lazy.number({ produce: () => (this.links.size > 0 ? 0 : backups) }),
        copyTagsToBackups: type.persistent ? (props.copyTagsToBackups ?? true) : undefined,
        dailyAutomaticBackupStartTime: backups && props.dailyAutomaticBackupStartTime
          ? Lazy.string({ produce: () => (this.links.size > 0 ? undefined : props.dailyAutomaticBackupStartTime!.toTimestamp()) })
          : undefined,
        weeklyMaintenanceStartTime: props.weeklyMaintenanceStartTime?.toTimestamp(),
        logConfiguration: this.logGroup
          ? { level: 'WARN_ERROR', destination: this.logGroupArn(this.logGroup.logGroupName) }
          : { level: 'DISABLED' },
      },
    });
    this.fileSystem.applyRemovalPolicy(this.removalPolicy);
    if (this.logGroup) this.fileSystem.node.addDependency(this.logGroup);
    warnIfNotRetained(this, this.removalPolicy, {
      id: 'fsx-not-retained', what: 'File system',
      consequence: 'deleting the stack deletes the file system, including files not exported to the dataset store.',
    });

    this.fileSystemId = this.fileSystem.ref;
    this.dnsName = this.fileSystem.attrDnsName;
    this.mountName = this.fileSystem.attrLustreMountName;

    for (const link of props.datasetLinks ?? []) this.addDatasetLink(link.zone, link.fileSystemPath, link);
  }

  /**
   * Links a directory of the file system to a zone of the dataset store through an
   * `AWS::FSx::DataRepositoryAssociation` (`s3://bucket/zone/` <-> `fileSystemPath`).
   *
   * FSx reaches the bucket through the service-linked role
   * `AWSServiceRoleForFSxS3Access_<file-system-id>`, which FSx creates with the S3 permissions it
   * needs. When the store is KMS-encrypted, the store's key policy gets one statement that lets
   * such roles of this account use the key, only through S3 in this region (an imported key
   * cannot be changed: a warning then shows the statement to add).
   *
   * @param zone zone of the dataset store
   * @param fileSystemPath directory on the file system, for example `/datasets/features`
   */
  public addDatasetLink(zone: string, fileSystemPath: string, options: DatasetLinkOptions = {}): fsx.CfnDataRepositoryAssociation {
    if (!this.deploymentType.supportsDataRepositoryAssociations) {
      throw new ValidationError({
        code: 'dataset-link-not-supported',
        scope: this,
        message: 'SCRATCH_1 file systems cannot have data repository associations.',
        received: { deploymentType: this.deploymentType.name, zone, fileSystemPath },
        fix: 'Use LustreDeploymentType.persistent2() (or SCRATCH_2 for temporary copies) to link a dataset zone.',
      });
    }
    if (this.backupsAsked) {
      throw new ValidationError({
        code: 'backups-with-dataset-links',
        scope: this,
        message: 'FSx backs up only file systems that are not linked to S3, and this one asks for automatic backups.',
        received: { zone, fileSystemPath },
        fix: 'Remove automaticBackupRetention and dailyAutomaticBackupStartTime: the linked zones are in the dataset store, and automatic export writes new and changed files back to it.',
      });
    }
    const dataRepositoryPath = this.datasets.s3Uri(zone);
    this.validateLinkPath(zone, fileSystemPath);

    const importEvents = options.autoImportEvents ?? [DataRepositoryEvent.NEW, DataRepositoryEvent.CHANGED, DataRepositoryEvent.DELETED];
    const exportEvents = options.autoExportEvents ?? [DataRepositoryEvent.NEW, DataRepositoryEvent.CHANGED];
    for (const [what, events] of [['autoImportEvents', importEvents], ['autoExportEvents', exportEvents]] as const) {
      if (new Set(events).size !== events.length) {
        throw new ValidationError({
          code: 'invalid-dataset-link',
          scope: this,
          message: `${what} lists an event twice.`,
          received: events,
          fix: 'List each of NEW, CHANGED and DELETED at most once.',
        });
      }
    }
    if (exportEvents.includes(DataRepositoryEvent.DELETED)) {
      Annotations.of(this).addWarningV2('mlops-constructs:fsx-exports-deletions',
        `Files deleted under ${fileSystemPath} are deleted from the "${zone}" zone of the dataset store (older object versions remain).`);
    }

    const association = new fsx.CfnDataRepositoryAssociation(this, `Link-${zone}`, {
      fileSystemId: this.fileSystemId,
      fileSystemPath,
      dataRepositoryPath,
      batchImportMetaDataOnCreate: options.importMetadataOnCreate ?? true,
      s3: {
        autoImportPolicy: importEvents.length ? { events: [...importEvents] } : undefined,
        autoExportPolicy: exportEvents.length ? { events: [...exportEvents] } : undefined,
      },
    });
    association.applyRemovalPolicy(this.removalPolicy);
    this.links.set(zone, { path: fileSystemPath, association });
    this.allowFsxToUseStoreKey();
    // The import must not start before the store's key policy lets FSx decrypt.
    if (this.datasets.encryptionKey) association.node.addDependency(this.datasets.encryptionKey);
    return association;
  }

  /** The data repository associations, by zone. */
  public get dataRepositoryAssociations(): Record<string, fsx.CfnDataRepositoryAssociation> {
    const out: Record<string, fsx.CfnDataRepositoryAssociation> = {};
    for (const [zone, link] of this.links) out[zone] = link.association;
    return out;
  }

  private validateCapacity(type: LustreDeploymentType, capacity: Size): number {
    const gib = gibibytes(this, 'storageCapacity', capacity, 'invalid-storage-capacity');
    if (Token.isUnresolved(gib)) return gib;
    if (!type.isValidCapacity(gib)) {
      const tib = Number.isInteger(gib) ? '' : ' FSx counts "1.2 TiB" as 1200 GiB: give the capacity with Size.gibibytes().';
      throw new ValidationError({
        code: 'invalid-storage-capacity',
        scope: this,
        message: `A ${type.name} ${type.storageType} file system has ${type.capacityRule}.${tib}`,
        received: `${gib} GiB`,
        fix: `Use a valid capacity such as ${type._neighbours(gib).map((c) => `Size.gibibytes(${c})`).join(' or ')}.`,
      });
    }
    return gib;
  }

  private backupDays(type: LustreDeploymentType, retention: Duration | undefined): number | undefined {
    if (!type.persistent) {
      if (retention !== undefined && retention.toMilliseconds() !== 0) {
        throw new ValidationError({
          code: 'backups-not-supported',
          scope: this,
          message: `${type.name} file systems cannot be backed up.`,
          received: retention.toHumanString(),
          fix: 'Remove automaticBackupRetention, or use a persistent deployment type.',
        });
      }
      return undefined;
    }
    const days = wholeDuration(this, 'automaticBackupRetention', retention ?? Duration.days(7), {
      unit: 'days', min: 0, max: 90, why: 'FSx keeps automatic backups for whole days, 0 (off) to 90',
      fix: 'Use Duration.days(n) with 0 <= n <= 90 (0 turns backups off).',
    });
    if (days === 0) {
      Annotations.of(this).addWarningV2('mlops-constructs:fsx-backups-off',
        'Automatic backups are off: a lost file system can only be rebuilt from the dataset store (exported but unsynced files are lost).');
    }
    return days;
  }

  private selectSubnet(vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined): string {
    // A Lustre file system lives in one subnet: the first of the selection.
    return selectPrivateSubnets(this, vpc, selection, 'The file system')[0];
  }

  private validateLinkPath(zone: string, path: string): void {
    if (this.links.has(zone)) {
      throw new ValidationError({
        code: 'duplicate-dataset-link',
        scope: this,
        message: 'The zone is already linked: each association needs its own S3 prefix.',
        received: { zone, fileSystemPath: path, linkedAt: this.links.get(zone)!.path },
        fix: 'Link each zone once.',
      });
    }
    if (this.links.size >= MAX_LINKS) {
      throw new ValidationError({
        code: 'too-many-dataset-links',
        scope: this,
        message: `An FSx for Lustre file system has at most ${MAX_LINKS} data repository associations.`,
        received: [...this.links.keys(), zone],
        fix: 'Link fewer zones, or use a second file system.',
      });
    }
    if (isUnresolvedString(path)) return;
    const bad = path.length === 0 || path.length > 4096 || !path.startsWith('/') || /[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(path)
      || path.includes('//') || path.split('/').some((s) => s === '.' || s === '..');
    if (bad) {
      throw new ValidationError({
        code: 'invalid-file-system-path',
        scope: this,
        message: 'A file-system path is an absolute directory: it starts with "/", has no empty, "." or ".." segments and no control characters, and is at most 4096 characters.',
        received: path,
        fix: 'Use a path such as "/datasets/features".',
      });
    }
    const norm = (p: string) => (p.endsWith('/') ? p : `${p}/`);
    for (const [other, link] of this.links) {
      if (isUnresolvedString(link.path)) continue;
      const a = norm(path);
      const b = norm(link.path);
      if (a.startsWith(b) || b.startsWith(a)) {
        throw new ValidationError({
          code: 'overlapping-file-system-path',
          scope: this,
          message: path === '/' || link.path === '/'
            ? 'A link at "/" must be the only link of the file system.'
            : 'Two links cannot overlap: one file-system path may not contain another.',
          received: { zone, fileSystemPath: path, overlaps: { zone: other, fileSystemPath: link.path } },
          fix: 'Give each zone its own sibling directory, for example "/datasets/raw" and "/datasets/features".',
        });
      }
    }
  }

  /**
   * Lets the FSx S3 service-linked roles of this account use the dataset store's key through S3
   * (FSx for Lustre guide, "Working with server-side encrypted Amazon S3 buckets"). The guide also
   * narrows the statement to the bucket with an encryption-context condition; that condition
   * would make the key policy reference the bucket, whose encryption references the key: a
   * circular dependency. The store's key is the store's own, so `kms:ViaService` (S3 in this
   * region), `kms:CallerAccount` and the role name pattern bound it instead.
   */
  private allowFsxToUseStoreKey(): void {
    const key = this.datasets.encryptionKey;
    if (!key || this.storeKeyPolicyAdded) return;
    this.storeKeyPolicyAdded = true;
    const stack = Stack.of(this);
    const statement = new iam.PolicyStatement({
      sid: 'AllowFSxForLustreS3AccessThroughS3',
      principals: [new iam.AnyPrincipal()],
      actions: KEY_ACTIONS_FOR_S3,
      resources: ['*'],
      conditions: {
        ArnLike: { 'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:${FSX_S3_SERVICE_LINKED_ROLE}` },
        StringEquals: { 'kms:CallerAccount': stack.account, 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
      },
    });
    if (!key.addToResourcePolicy(statement, true).statementAdded) {
      Annotations.of(this).addWarningV2('mlops-constructs:fsx-store-key-policy',
        'The dataset store key is imported, so its key policy was not changed. FSx can only read and write the '
        + 'KMS-encrypted zone if the key policy allows the FSx S3 service-linked roles: add '
        + JSON.stringify(stack.resolve(statement.toStatementJson())));
    }
  }

  private createLogGroup(key: kms.IKey, retention: logs.RetentionDays): logs.LogGroup {
    const logGroupName = `/aws/fsx/lustre/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    allowLogsToUseKey(this, key, {
      logGroupArn: this.logGroupArn(logGroupName), logGroup: `the log group ${logGroupName}`,
      warningId: 'fsx-log-key-policy', sid: 'AllowCloudWatchLogsForFSxLogGroup',
    });
    const group = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      encryptionKey: key,
      retention,
      removalPolicy: this.removalPolicy,
    });
    return group;
  }

  private logGroupArn(logGroupName: string): string {
    return Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}
