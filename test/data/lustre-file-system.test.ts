import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, Duration, RemovalPolicy, Size, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fsx from 'aws-cdk-lib/aws-fsx';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  DataRepositoryEvent, DatasetFileSystem, DatasetFileSystemProps, DatasetStore, LustreDeploymentType, LustreStorageType,
} from '../../lib';
import { expectValidationError } from '../support/errors';
import { bySid, expectStatement, resourcePolicyStatements } from '../support/iam';
import { PluginReport, synthCompliant, trainingFixture } from '../support/synth-platform';

// The built-in CloudFormation schema validation is on in this file (setup-env turns it off
// elsewhere); it only runs for apps with '@aws-cdk/core:validateAgainstDefaultRules', here the
// compliance test's.
delete process.env.CDK_VALIDATION;

function setup(zones?: string[]) {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const store = new DatasetStore(stack, 'Datasets', { zones });
  return { stack, vpc, store };
}

function fileSystem(props: Partial<DatasetFileSystemProps> = {}, zones?: string[]) {
  const { stack, vpc, store } = setup(zones);
  const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, ...props });
  return { stack, vpc, store, lustre };
}

describe('DatasetFileSystem defaults', () => {
  const { stack, vpc, store, lustre } = fileSystem();
  lustre.addDatasetLink('features', '/datasets/features');
  const t = Template.fromStack(stack);

  test('PERSISTENT_2, Lustre 2.15, 1200 GiB SSD at 250 MB/s/TiB, LZ4, encrypted with its own key, retained', () => {
    t.resourceCountIs('AWS::FSx::FileSystem', 1);
    t.hasResource('AWS::FSx::FileSystem', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        FileSystemType: 'LUSTRE',
        FileSystemTypeVersion: '2.15',
        StorageCapacity: 1200,
        StorageType: 'SSD',
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LustreKey'), 'Arn'] },
        LustreConfiguration: Match.objectLike({
          DeploymentType: 'PERSISTENT_2',
          PerUnitStorageThroughput: 250,
          DataCompressionType: 'LZ4',
          // linked to the dataset store: FSx backs up only file systems that are not
          AutomaticBackupRetentionDays: 0,
          CopyTagsToBackups: true,
          DriveCacheType: Match.absent(),
          ImportPath: Match.absent(),
          AutoImportPolicy: Match.absent(),
        }),
      },
    });
    expect(lustre.node.defaultChild).toBe(lustre.fileSystem);
    expect(lustre.deploymentType.name).toBe('PERSISTENT_2');
  });

  test('the key rotates, is retained and lets CloudWatch Logs use it for this log group only', () => {
    const keyId = stack.getLogicalId(lustre.encryptionKey!.node.defaultChild as CfnElement);
    const key = t.findResources('AWS::KMS::Key')[keyId];
    expect(key).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', Properties: { EnableKeyRotation: true } });
    const logGroupName = t.findResources('AWS::Logs::LogGroup')[stack.getLogicalId(lustre.logGroup!.node.defaultChild as CfnElement)].Properties.LogGroupName;
    expect(logGroupName).toMatch(/^\/aws\/fsx\/lustre\/S-Lustre-[0-9A-F]{8}$/);
    const statements = resourcePolicyStatements(t, keyId);
    expectStatement(bySid(statements.filter((st) => st.Sid !== undefined)).AllowCloudWatchLogsForFSxLogGroup, {
      Sid: 'AllowCloudWatchLogsForFSxLogGroup',
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      // the statement of the CloudWatch Logs guide, bound to this one log group
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:111111111111:log-group:${logGroupName}`]],
      } } },
    });
    // besides the account's administration and the grant restriction, nobody else may use the key
    expect(statements.filter((st) => st.Effect === 'Allow').map((st) => st.Sid ?? JSON.stringify(st.Principal))).toEqual([
      JSON.stringify({ AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } }), 'AllowCloudWatchLogsForFSxLogGroup',
    ]);
  });

  test('one private subnet, and a security group open to Lustre traffic from itself only', () => {
    t.hasResourceProperties('AWS::FSx::FileSystem', {
      SubnetIds: [stack.resolve(vpc.privateSubnets[0].subnetId)],
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LustreSecurityGroup'), 'GroupId'] }],
    });
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress).toEqual(expect.arrayContaining([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 988, ToPort: 988 }),
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 1018, ToPort: 1023 }),
    ]));
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) {
      expect(rule.SourceSecurityGroupId).toEqual(rule.GroupId);
      expect(rule.CidrIp).toBeUndefined();
    }
    expect(lustre.connections.defaultPort?.toString()).toBe('988');
  });

  test('warnings and errors go to a KMS-encrypted /aws/fsx log group kept one year, retained', () => {
    t.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: {
        LogGroupName: Match.stringLikeRegexp('^/aws/fsx/lustre/S-Lustre-'),
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LustreKey'), 'Arn'] },
        RetentionInDays: 365,
      },
    });
    t.hasResource('AWS::FSx::FileSystem', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^LustreLogs')]),
      Properties: { LustreConfiguration: Match.objectLike({ LogConfiguration: {
        Level: 'WARN_ERROR',
        Destination: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:', { Ref: Match.stringLikeRegexp('^LustreLogs') }]] },
      } }) },
    });
  });

  test('the link maps the zone prefix to the directory, imports new, changed and deleted objects, exports new and changed files', () => {
    t.hasResource('AWS::FSx::DataRepositoryAssociation', {
      DeletionPolicy: 'RetainExceptOnCreate',
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^DatasetsKey')]),
      Properties: {
        FileSystemId: { Ref: Match.stringLikeRegexp('^Lustre') },
        FileSystemPath: '/datasets/features',
        DataRepositoryPath: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Datasets') }, '/features/']] },
        BatchImportMetaDataOnCreate: true,
        S3: { AutoImportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] }, AutoExportPolicy: { Events: ['NEW', 'CHANGED'] } },
      },
    });
    expect(Object.keys(lustre.dataRepositoryAssociations)).toEqual(['features']);
  });

  test('the dataset store key lets the FSx S3 service-linked roles of the account use it through S3 only', () => {
    const keys = t.findResources('AWS::KMS::Key');
    const storeKey = Object.entries(keys).find(([id]) => id.startsWith('DatasetsKey'))![1];
    const statement = storeKey.Properties.KeyPolicy.Statement.find((s: { Sid?: string }) => s.Sid === 'AllowFSxForLustreS3AccessThroughS3');
    expect(statement).toEqual({
      Sid: 'AllowFSxForLustreS3AccessThroughS3',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Resource: '*',
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Condition: {
        ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' },
          ':iam::111111111111:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*']] } },
        StringEquals: { 'kms:CallerAccount': '111111111111', 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
      },
    });
    expect(store.encryptionKey).toBeDefined();
  });

  test('exposes what the Kubernetes dataset volume needs (deploy-time values for dns and mount names)', () => {
    expect(stack.resolve(lustre.fileSystemId)).toEqual({ Ref: stack.getLogicalId(lustre.fileSystem) });
    expect(stack.resolve(lustre.dnsName)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(lustre.fileSystem), 'DNSName'] });
    expect(stack.resolve(lustre.mountName)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(lustre.fileSystem), 'LustreMountName'] });
    expect(lustre.storageCapacityGiB).toBe(1200);
    expect(lustre.storageCapacity.toGibibytes()).toBe(1200);
  });

  test('no warnings with the defaults', () => {
    Annotations.fromStack(stack).hasNoWarning('/S/Lustre', Match.anyValue());
  });
});

describe('deployment types', () => {
  test('PERSISTENT_1 HDD at 12 MB/s/TiB in steps of 6000 GiB, with a read cache', () => {
    const { stack } = fileSystem({
      deploymentType: LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 12 }),
      storageCapacity: Size.gibibytes(12000),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::FSx::FileSystem', {
      StorageType: 'HDD',
      StorageCapacity: 12000,
      LustreConfiguration: Match.objectLike({ DeploymentType: 'PERSISTENT_1', PerUnitStorageThroughput: 12, DriveCacheType: 'READ' }),
    });
  });

  test('PERSISTENT_1 HDD at 40 MB/s/TiB without cache, PERSISTENT_1 SSD at 200', () => {
    const hdd = LustreDeploymentType.persistent1Hdd({ readCache: false });
    expect([hdd.throughputPerTiB, hdd.driveCacheType, hdd.storageType]).toEqual([40, 'NONE', LustreStorageType.HDD]);
    expect(hdd.isValidCapacity(1800)).toBe(true);
    expect(hdd.isValidCapacity(2400)).toBe(false);
    const ssd = LustreDeploymentType.persistent1Ssd();
    expect([ssd.name, ssd.throughputPerTiB, ssd.persistent]).toEqual(['PERSISTENT_1', 200, true]);
    // without a capacity, the smallest one of the type
    const { stack } = fileSystem({ deploymentType: hdd });
    Template.fromStack(stack).hasResourceProperties('AWS::FSx::FileSystem', { StorageCapacity: 1800, StorageType: 'HDD' });
    expect(LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 12 }).minimumCapacityGiB).toBe(6000);
  });

  test('capacity rules per type', () => {
    const p2 = LustreDeploymentType.persistent2();
    expect([1200, 2400, 4800, 9600].every((c) => p2.isValidCapacity(c))).toBe(true);
    expect([600, 1800, 3600, 1228.8].some((c) => p2.isValidCapacity(c))).toBe(false);
    const s1 = LustreDeploymentType.SCRATCH_1;
    expect([1200, 2400, 3600, 7200].every((c) => s1.isValidCapacity(c))).toBe(true);
    expect([4800, 6000].some((c) => s1.isValidCapacity(c))).toBe(false);
    expect(LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 12 }).isValidCapacity(1800)).toBe(false);
  });

  test('SCRATCH_2: FSx-managed key, no backups; the created key only encrypts the log group', () => {
    const { stack, lustre } = fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_2 });
    lustre.addDatasetLink('raw', '/raw');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::FSx::FileSystem', {
      KmsKeyId: Match.absent(),
      LustreConfiguration: {
        DeploymentType: 'SCRATCH_2',
        DataCompressionType: 'LZ4',
        LogConfiguration: Match.anyValue(),
      },
    });
    t.resourceCountIs('AWS::FSx::DataRepositoryAssociation', 1);
    expect(lustre.deploymentType.persistent).toBe(false);
  });

  test('a scratch file system without logging needs no key of its own', () => {
    const { stack, lustre } = fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_2, logging: false });
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1); // the dataset store's
    expect(lustre.encryptionKey).toBeUndefined();
  });

  test('SCRATCH_1 takes 3600 GiB steps', () => {
    const { stack } = fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_1, storageCapacity: Size.gibibytes(7200) });
    Template.fromStack(stack).hasResourceProperties('AWS::FSx::FileSystem', {
      StorageCapacity: 7200, LustreConfiguration: Match.objectLike({ DeploymentType: 'SCRATCH_1' }),
    });
  });
});

describe('options', () => {
  test('backup window, maintenance window, no compression on a file system without links', () => {
    const { stack } = fileSystem({
      dataCompression: false,
      automaticBackupRetention: Duration.days(30),
      dailyAutomaticBackupStartTime: new fsx.DailyAutomaticBackupStartTime({ hour: 1, minute: 30 }),
      weeklyMaintenanceStartTime: new fsx.LustreMaintenanceTime({ day: fsx.Weekday.SUNDAY, hour: 3, minute: 0 }),
      copyTagsToBackups: false,
      logRetention: logs.RetentionDays.TWO_YEARS,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::FSx::FileSystem', {
      LustreConfiguration: Match.objectLike({
        DataCompressionType: 'NONE',
        AutomaticBackupRetentionDays: 30,
        DailyAutomaticBackupStartTime: '01:30',
        WeeklyMaintenanceStartTime: '7:03:00',
        CopyTagsToBackups: false,
      }),
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    Annotations.fromStack(stack).hasNoWarning('/S/Lustre', Match.anyValue());
  });

  test('links: an import-only read cache (no export), export events of their own, metadata import off', () => {
    const { stack, lustre } = fileSystem({
      datasetLinks: [{ zone: 'curated', fileSystemPath: '/datasets/curated', autoExportEvents: [DataRepositoryEvent.NEW], autoImportEvents: [] }],
    });
    lustre.addDatasetLink('features', '/datasets/features', { importMetadataOnCreate: false, autoExportEvents: [] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::FSx::DataRepositoryAssociation', {
      FileSystemPath: '/datasets/curated',
      S3: { AutoExportPolicy: { Events: ['NEW'] }, AutoImportPolicy: Match.absent() },
    });
    t.hasResourceProperties('AWS::FSx::DataRepositoryAssociation', {
      FileSystemPath: '/datasets/features', BatchImportMetaDataOnCreate: false,
      S3: { AutoImportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] }, AutoExportPolicy: Match.absent() },
    });
  });

  test('backups: 7 days until a zone is linked (also later, with addDatasetLink), then none; asking for them on a linked file system is refused', () => {
    const days = (stack: Stack) => (Object.values(Template.fromStack(stack).findResources('AWS::FSx::FileSystem'))[0] as {
      Properties: { LustreConfiguration: { AutomaticBackupRetentionDays?: number; DailyAutomaticBackupStartTime?: string } };
    }).Properties.LustreConfiguration;
    expect(days(fileSystem().stack).AutomaticBackupRetentionDays).toBe(7);
    const later = fileSystem({ dailyAutomaticBackupStartTime: undefined });
    later.lustre.addDatasetLink('features', '/datasets/features');
    expect(days(later.stack).AutomaticBackupRetentionDays).toBe(0);
    const window = new fsx.DailyAutomaticBackupStartTime({ hour: 1, minute: 30 });
    for (const props of [{ automaticBackupRetention: Duration.days(1) }, { dailyAutomaticBackupStartTime: window }]) {
      expectValidationError(() => fileSystem({ ...props, datasetLinks: [{ zone: 'features', fileSystemPath: '/datasets/features' }] }),
        /backups-with-dataset-links/);
      const { lustre } = fileSystem(props);
      expectValidationError(() => lustre.addDatasetLink('features', '/datasets/features'), /backups-with-dataset-links/);
    }
    // Duration.days(0) is not asking for backups: links are allowed (and the off-warning stays)
    const off = fileSystem({ automaticBackupRetention: Duration.days(0), datasetLinks: [{ zone: 'features', fileSystemPath: '/datasets/features' }] });
    expect(days(off.stack).AutomaticBackupRetentionDays).toBe(0);
  });

  test('a kept file system keeps its security group and the rules among its servers, not the rules of its clients', () => {
    for (const [removalPolicy, kept] of [[undefined, 'RetainExceptOnCreate'], [RemovalPolicy.RETAIN, 'Retain'], [RemovalPolicy.DESTROY, 'Delete']] as const) {
      const { stack, vpc } = setup();
      const nodes = new ec2.SecurityGroup(stack, 'Nodes', { vpc });
      const lustre = new DatasetFileSystem(stack, 'Lustre', {
        datasets: DatasetStore.fromDatasetStoreAttributes(stack, 'Imported', { bucket: s3.Bucket.fromBucketName(stack, 'B', 'shared-datasets') }), vpc, clients: [nodes], removalPolicy,
      });
      const t = Template.fromStack(stack);
      const group = stack.getLogicalId(lustre.securityGroup.node.defaultChild as CfnElement);
      expect(t.toJSON().Resources[group].DeletionPolicy ?? 'Delete').toBe(kept);
      const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [group, 'GroupId'] } } })) as
        { DeletionPolicy?: string; Properties: { SourceSecurityGroupId: { 'Fn::GetAtt': string[] } } }[];
      const self = ingress.filter((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0] === group);
      const clients = ingress.filter((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0] !== group);
      expect(self).toHaveLength(2);
      expect(clients).toHaveLength(2);
      for (const r of self) expect(r.DeletionPolicy ?? 'Delete').toBe(kept);
      for (const r of clients) expect(r.DeletionPolicy).toBeUndefined();
    }
  });

  test('clients are admitted on TCP 988 and 1018-1023', () => {
    const { stack, vpc } = setup();
    const nodes = new ec2.SecurityGroup(stack, 'Nodes', { vpc, allowAllOutbound: false });
    const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: DatasetStore.fromDatasetStoreAttributes(stack, 'Imported', { bucket: s3.Bucket.fromBucketName(stack, 'B', 'shared-datasets') }), vpc, clients: [nodes] });
    const other = new ec2.SecurityGroup(stack, 'Other', { vpc });
    lustre.allowClientsFrom(other);
    const t = Template.fromStack(stack);
    for (const [from, to] of [[988, 988], [1018, 1023]]) {
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: from, ToPort: to, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Nodes'), 'GroupId'] },
      });
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: from, ToPort: to, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Other'), 'GroupId'] },
      });
      // the client's own group gets the matching egress rule
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { FromPort: from, ToPort: to, GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Nodes'), 'GroupId'] } });
      // and admits the Lustre servers, which open connections back to their clients
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: from, ToPort: to, GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Nodes'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LustreSecurityGroup'), 'GroupId'] },
      });
    }
  });

  test('a given security group gets no rules of its own, and the selected Availability Zone is used', () => {
    const { stack, vpc, store } = setup();
    const sg = new ec2.SecurityGroup(stack, 'Given', { vpc });
    new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, securityGroup: sg, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [vpc.availabilityZones[1]] } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    t.hasResourceProperties('AWS::FSx::FileSystem', { SubnetIds: [stack.resolve(vpc.privateSubnets[1].subnetId)] });
  });

  test('the dataset store key can be shared; the FSx tags follow Tags.of', () => {
    const { stack, store } = setup();
    const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc: ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'],
    }), encryptionKey: store.encryptionKey });
    Tags.of(stack).add('mlops:team', 'risk-ml');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::FSx::FileSystem', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatasetsKey'), 'Arn'] },
      SubnetIds: ['subnet-0123456789abcdef0'],
      Tags: Match.arrayWith([{ Key: 'mlops:team', Value: 'risk-ml' }]),
    });
    expect(lustre.encryptionKey).toBe(store.encryptionKey);
  });

  test('imports keep the attributes and the Lustre ports', () => {
    const { stack, vpc } = setup();
    const imported = DatasetFileSystem.fromDatasetFileSystemAttributes(stack, 'Shared', {
      fileSystemId: 'fs-0123456789abcdef0',
      dnsName: 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com',
      mountName: 'abcdefgh',
      storageCapacity: Size.gibibytes(2400),
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'SharedSg', 'sg-12345678'),
    });
    imported.allowClientsFrom(new ec2.SecurityGroup(stack, 'Nodes', { vpc }));
    expect(imported.mountName).toBe('abcdefgh');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-12345678', FromPort: 1018, ToPort: 1023 });
  });
});

describe('opt-outs leave warnings', () => {
  test('backups off, logging off, not retained, deletions exported', () => {
    const { stack, lustre } = fileSystem({ automaticBackupRetention: Duration.days(0), logging: false, removalPolicy: RemovalPolicy.DESTROY });
    lustre.addDatasetLink('raw', '/raw', { autoExportEvents: [DataRepositoryEvent.NEW, DataRepositoryEvent.DELETED] });
    const a = Annotations.fromStack(stack);
    for (const id of ['fsx-backups-off', 'fsx-logging-off', 'fsx-not-retained', 'fsx-exports-deletions']) {
      a.hasWarning('/S/Lustre', Match.stringLikeRegexp(`mlops-constructs:${id}`));
    }
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Logs::LogGroup', 0);
    t.hasResource('AWS::FSx::FileSystem', {
      DeletionPolicy: 'Delete',
      Properties: { LustreConfiguration: Match.objectLike({ AutomaticBackupRetentionDays: 0, LogConfiguration: { Level: 'DISABLED' } }) },
    });
  });

  test('imported keys cannot be changed: warnings name the statements to add', () => {
    const { stack, vpc } = setup();
    const key = kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555');
    const store = DatasetStore.fromDatasetStoreAttributes(stack, 'Shared', { bucket: s3.Bucket.fromBucketName(stack, 'B', 'shared-datasets'), encryptionKey: key });
    const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, encryptionKey: key });
    lustre.addDatasetLink('features', '/features');
    const a = Annotations.fromStack(stack);
    a.hasWarning('/S/Lustre', Match.stringLikeRegexp('mlops-constructs:fsx-log-key-policy'));
    a.hasWarning('/S/Lustre', Match.stringLikeRegexp('AWSServiceRoleForFSxS3Access.*mlops-constructs:fsx-store-key-policy'));
  });
});

describe('bad input', () => {
  test('a capacity that is not a valid step for the type', () => {
    expectValidationError(() => fileSystem({ storageCapacity: Size.gibibytes(2000) }),
      /\[mlops:invalid-storage-capacity\] S\/Lustre: A PERSISTENT_2 SSD file system has 1200 GiB, 2400 GiB, or a multiple of 2400 GiB\. Received: "2000 GiB"\. Fix: .*Size\.gibibytes\(1200\) or Size\.gibibytes\(2400\)/);
    expectValidationError(() => fileSystem({ storageCapacity: Size.gibibytes(3600) }), /\[mlops:invalid-storage-capacity\].*Size\.gibibytes\(2400\) or Size\.gibibytes\(4800\)/);
    expectValidationError(() => fileSystem({ storageCapacity: Size.tebibytes(1.2) }), /\[mlops:invalid-storage-capacity\].*"1\.2 TiB" as 1200 GiB.*Received: "1228\.8 GiB"/);
    expectValidationError(() => fileSystem({ deploymentType: LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 12 }), storageCapacity: Size.gibibytes(1800) }),
      /\[mlops:invalid-storage-capacity\].*a multiple of 6000 GiB \(at 12 MB\/s\/TiB\).*Size\.gibibytes\(6000\)/);
    expectValidationError(() => fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_1, storageCapacity: Size.gibibytes(4800) }),
      /\[mlops:invalid-storage-capacity\].*1200 GiB, 2400 GiB, or a multiple of 3600 GiB.*Size\.gibibytes\(3600\) or Size\.gibibytes\(7200\)/);
  });

  const P2 = LustreDeploymentType.persistent2();
  const HDD12 = LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 12 });
  const HDD40 = LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 40 });
  const S1 = LustreDeploymentType.SCRATCH_1;
  test.each([
    ['PERSISTENT_2', P2, [1200, 2400, 4800, 7200], [1199, 1201, 2399, 2401, 4799, 4801]],
    ['PERSISTENT_1 SSD', LustreDeploymentType.persistent1Ssd(), [1200, 2400, 4800], [1199, 1201, 2401]],
    ['SCRATCH_2', LustreDeploymentType.SCRATCH_2, [1200, 2400, 4800], [1199, 2401]],
    ['SCRATCH_1', S1, [1200, 2400, 3600, 7200], [1199, 2401, 3599, 3601]],
    ['PERSISTENT_1 HDD at 12 MB/s/TiB', HDD12, [6000, 12000], [5999, 6001, 11999]],
    ['PERSISTENT_1 HDD at 40 MB/s/TiB', HDD40, [1800, 3600], [1799, 1801, 3599]],
  ])('%s capacities: each step passes, one GiB either side fails', (_name, type, valid, invalid) => {
    for (const gib of valid) expect({ gib, valid: type.isValidCapacity(gib) }).toEqual({ gib, valid: true });
    for (const gib of invalid) expect({ gib, valid: type.isValidCapacity(gib) }).toEqual({ gib, valid: false });
    expect(() => fileSystem({ deploymentType: type, storageCapacity: Size.gibibytes(valid[0]) })).not.toThrow();
    expectValidationError(() => fileSystem({ deploymentType: type, storageCapacity: Size.gibibytes(invalid[0]) }), /invalid-storage-capacity/);
    expect(type.minimumCapacityGiB).toBe(valid[0]);
  });

  test.each([
    ['PERSISTENT_2', (t: number) => LustreDeploymentType.persistent2({ throughputPerTiB: t }), [125, 250, 500, 1000], [124, 126, 999, 1001, 200]],
    ['PERSISTENT_1 SSD', (t: number) => LustreDeploymentType.persistent1Ssd({ throughputPerTiB: t }), [50, 100, 200], [49, 51, 199, 201, 125]],
    ['PERSISTENT_1 HDD', (t: number) => LustreDeploymentType.persistent1Hdd({ throughputPerTiB: t }), [12, 40], [11, 13, 39, 41]],
  ])('%s throughput: each documented value passes, its neighbours fail', (_name, make, valid, invalid) => {
    for (const t of valid) {
      const type = make(t);
      expect(() => fileSystem({ deploymentType: type, storageCapacity: Size.gibibytes(type.minimumCapacityGiB) })).not.toThrow();
    }
    for (const t of invalid) expectValidationError(() => fileSystem({ deploymentType: make(t) }), /invalid-throughput/);
  });

  test('backup retention: 0 and 90 days pass, 91 fails; file-system paths: 4096 characters pass, 4097 fail', () => {
    expect(() => fileSystem({ automaticBackupRetention: Duration.days(0) })).not.toThrow();
    expect(() => fileSystem({ automaticBackupRetention: Duration.days(90) })).not.toThrow();
    expectValidationError(() => fileSystem({ automaticBackupRetention: Duration.days(91) }), /invalid-duration/);
    const { lustre } = fileSystem();
    lustre.addDatasetLink('raw', `/${'p'.repeat(4095)}`);
    expectValidationError(() => lustre.addDatasetLink('features', `/${'q'.repeat(4096)}`), /invalid-file-system-path/);
  });

  test('a throughput the type does not provision', () => {
    expectValidationError(() => fileSystem({ deploymentType: LustreDeploymentType.persistent2({ throughputPerTiB: 200 }) }),
      /\[mlops:invalid-throughput\] S\/Lustre: PERSISTENT_2 SSD file systems provision 125, 250, 500, 1000 MB\/s per TiB\. Received: 200/);
    expectValidationError(() => fileSystem({ deploymentType: LustreDeploymentType.persistent1Hdd({ throughputPerTiB: 50 }) }), /\[mlops:invalid-throughput\]/);
  });

  test('a customer key or backups on a scratch file system', () => {
    const key = (s: Stack) => new kms.Key(s, 'Own');
    expectValidationError(() => {
      const { stack, vpc, store } = setup();
      new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, deploymentType: LustreDeploymentType.SCRATCH_2, encryptionKey: key(stack) });
    }, /\[mlops:unsupported-encryption-key\] S\/Lustre: SCRATCH_2 file systems are always encrypted with a key FSx manages/);
    expectValidationError(() => fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_2, automaticBackupRetention: Duration.days(7) }),
      /\[mlops:backups-not-supported\] S\/Lustre: SCRATCH_2 file systems cannot be backed up/);
    expectValidationError(() => fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_1, copyTagsToBackups: true }), /\[mlops:backups-not-supported\]/);
  });

  test('a backup retention outside 0-90 whole days', () => {
    expectValidationError(() => fileSystem({ automaticBackupRetention: Duration.days(91) }), /\[mlops:invalid-duration\] S\/Lustre: automaticBackupRetention must be a whole number of days at least 0 and at most 90: FSx keeps automatic backups for whole days, 0 \(off\) to 90\..*Fix: Use Duration\.days\(n\) with 0 <= n <= 90 \(0 turns backups off\)/);
    expectValidationError(() => fileSystem({ automaticBackupRetention: Duration.hours(36) }), /\[mlops:invalid-duration\]/);
  });

  test('a public or empty subnet selection', () => {
    expectValidationError(() => fileSystem({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }), /\[mlops:invalid-subnet\] S\/Lustre: The file system would be placed in public subnets/);
    expectValidationError(() => fileSystem({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), /\[mlops:invalid-subnet\] S\/Lustre: The subnet selection matches no subnet/);
  });

  test('links on SCRATCH_1, to an unknown or already linked zone', () => {
    const scratch1 = fileSystem({ deploymentType: LustreDeploymentType.SCRATCH_1 }).lustre;
    expectValidationError(() => scratch1.addDatasetLink('features', '/features'), /\[mlops:dataset-link-not-supported\] S\/Lustre: SCRATCH_1 file systems cannot have data repository associations/);
    const { lustre } = fileSystem();
    expectValidationError(() => lustre.addDatasetLink('gold', '/gold'), /\[mlops:unknown-zone\] S\/Datasets: The dataset store has no such zone\. Received: "gold"/);
    lustre.addDatasetLink('features', '/datasets/features');
    expectValidationError(() => lustre.addDatasetLink('features', '/other'), /\[mlops:duplicate-dataset-link\] S\/Lustre: The zone is already linked/);
  });

  test('file-system paths that are relative, malformed or overlapping', () => {
    const { lustre } = fileSystem();
    expectValidationError(() => lustre.addDatasetLink('raw', 'datasets/raw'), /\[mlops:invalid-file-system-path\] S\/Lustre: A file-system path is an absolute directory.*Received: "datasets\/raw"/);
    expectValidationError(() => lustre.addDatasetLink('raw', '/datasets/../raw'), /\[mlops:invalid-file-system-path\]/);
    expectValidationError(() => lustre.addDatasetLink('raw', '/datasets//raw'), /\[mlops:invalid-file-system-path\]/);
    lustre.addDatasetLink('features', '/datasets/features');
    expectValidationError(() => lustre.addDatasetLink('raw', '/datasets'), /\[mlops:overlapping-file-system-path\] S\/Lustre: Two links cannot overlap/);
    expectValidationError(() => lustre.addDatasetLink('raw', '/datasets/features/raw/'), /\[mlops:overlapping-file-system-path\]/);
    expectValidationError(() => lustre.addDatasetLink('raw', '/'), /\[mlops:overlapping-file-system-path\] S\/Lustre: A link at "\/" must be the only link/);
    lustre.addDatasetLink('raw', '/datasets/features-raw');
  });

  test('more than 8 links, or an event listed twice', () => {
    const zones = ['z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7', 'z8', 'z9'];
    const { lustre } = fileSystem({}, zones);
    for (const z of zones.slice(0, 8)) lustre.addDatasetLink(z, `/${z}`);
    expectValidationError(() => lustre.addDatasetLink('z9', '/z9'), /\[mlops:too-many-dataset-links\] S\/Lustre: An FSx for Lustre file system has at most 8 data repository associations/);
    const other = fileSystem().lustre;
    expectValidationError(() => other.addDatasetLink('raw', '/raw', { autoImportEvents: [DataRepositoryEvent.NEW, DataRepositoryEvent.NEW] }),
      /\[mlops:invalid-dataset-link\] S\/Lustre: autoImportEvents lists an event twice/);
  });
});

// The compliance packs and the CloudFormation schema on a stack holding the file system.
describe('compliance', () => {
  let reports: PluginReport[] = [];
  let error: Error | undefined;

  beforeAll(() => {
    ({ error, reports } = synthCompliant((app) => {
      const { stack, vpc, store } = trainingFixture(app);
      const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, datasetLinks: [{ zone: 'features', fileSystemPath: '/datasets/features' }] });
      lustre.addDatasetLink('curated', '/datasets/curated', { autoExportEvents: [DataRepositoryEvent.NEW, DataRepositoryEvent.CHANGED] });
    }));
  });

  test('every pack and the CloudFormation schema pass with nothing left unacknowledged', () => {
    expect(error).toBeUndefined();
    // A pack appears in the report only when it found something, acknowledged or not (the
    // CloudFormation schema check is proven to run by the control below).
    expect(reports.map((r) => r.pluginName)).toEqual(expect.arrayContaining([
      'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'cdk-validator-cfnguard',
    ]));
    for (const report of reports) {
      expect({ plugin: report.pluginName, violations: report.violations }).toEqual({ plugin: report.pluginName, violations: [] });
      expect(report.conclusion).toBe('success');
    }
  });

  test('the file system needs no acknowledgment: the only ones are on the test VPC and the store\'s buckets', () => {
    const suppressed = reports.flatMap((r) => r.suppressedViolations ?? []);
    for (const s of suppressed) {
      expect(s.acknowledgedAt).toMatch(/^Training\/(Vpc\/(Resource|TrainingSecurityGroup\/.*)|Datasets\/(Resource|AccessLogs))$/);
      expect(s.reason.length).toBeGreaterThan(40);
    }
    expect(suppressed.filter((s) => s.acknowledgedAt.startsWith('Training/Lustre'))).toEqual([]);
  });
});

describe('the schema validation covers the file system', () => {
  test('a misspelt FSx property fails synth in the CloudFormation schema check', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-fsx-schema-'));
    const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const { stack, vpc, store } = trainingFixture(app);
    const lustre = new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc });
    lustre.fileSystem.addPropertyOverride('LustreConfiguration.DeploymentTyp', 'PERSISTENT_2');
    expect(() => app.synth()).toThrow(/DeploymentTyp.*CloudFormation Validate/s);
    const reports: PluginReport[] = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')).pluginReports;
    const schema = reports.find((r) => r.pluginName === 'CloudFormation Validate');
    expect(JSON.stringify(schema?.violations)).toContain('DeploymentTyp');
  });
});

