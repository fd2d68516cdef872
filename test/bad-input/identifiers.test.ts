/**
 * Identifiers that used to synthesize (or fail later with another library's error) although no
 * AWS resource can have them: account ids that are not 12 digits, ARNs of the wrong service,
 * account or form, resource ids of imported resources, and ARNs given where a name is expected.
 * One set of shared validators (lib/core/private/identifiers.ts) checks them, naming the prop.
 */
import { App, Aws, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Size as K8sSize } from 'cdk8s';
import { AcceleratorInstanceType } from '../../lib/core/accelerators';
import { DatasetStore } from '../../lib/data/dataset-store';
import { DatasetVolume, DatasetVolumeSource } from '../../lib/k8s/data/dataset-volume';
import { GpuNodePool } from '../../lib/k8s/training/gpu-node-pool';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { ProjectTraining } from '../../lib/training/project';
import { MlProjectStack } from '../../lib/templates/ml-project-stack';
import { GpuCluster } from '../../lib/training/gpu-cluster';
import { HyperPodCluster } from '../../lib/training/hyperpod-cluster';
import { DatasetFileSystem, DatasetFileSystemAttributes } from '../../lib/data/lustre-file-system';
import { expectValidationError } from '../support/errors';
import { chart, POOL_NETWORK } from '../k8s/training/fixtures';

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
}

let n = 0;
/** A fresh construct id, so that failed constructions in one stack do not collide. */
function id(): string {
  return `C${n++}`;
}

describe('account ids', () => {
  test.each([
    ['12 digits', '123456789012'],
    ['12 digits with leading zeros', '000000000001'],
    ['a token', Aws.ACCOUNT_ID],
  ])('crossAccountReadAccounts accepts %s', (_, account) => {
    expect(() => new ModelRegistry(stack(), 'R', { crossAccountReadAccounts: [account] })).not.toThrow();
  });

  test.each([
    ['11 digits', '12345678901', /\(it has 11 digits\)/],
    ['13 digits', '1234567890123', /\(it has 13 digits\)/],
    ['a name', 'production', /must be a 12-digit AWS account id\./],
    ['an ARN', 'arn:aws:iam::123456789012:root', /must be a 12-digit AWS account id\./],
  ])('crossAccountReadAccounts rejects %s, naming the entry', (_, account, detail) => {
    const err = expectValidationError(() => new ModelRegistry(stack(), 'R', { crossAccountReadAccounts: ['222222222222', account] }),
      /\[mlops:invalid-account\] S\/R: crossAccountReadAccounts\[1\] must be a 12-digit AWS account id.*Fix: Give the account id as a string of 12 digits/);
    expect(err.message).toMatch(detail);
  });

  test('addCrossAccountReader() checks its argument', () => {
    const registry = new ModelRegistry(stack(), 'R');
    expectValidationError(() => registry.addCrossAccountReader('12345'), /\[mlops:invalid-account\] S\/R: accountId must be a 12-digit AWS account id \(it has 5 digits\)/);
  });

  test.each([
    ['11', '12345678901', false],
    ['12', '123456789012', true],
    ['13', '1234567890123', false],
  ])('MlProjectStack env.account of %s digits', (_, account, valid) => {
    const make = () => new MlProjectStack(new App(), 'P', { identity, env: { account, region: 'eu-west-1' } });
    if (valid) expect(make).not.toThrow();
    else expectValidationError(make, /\[mlops:invalid-account\] P: env.account must be a 12-digit AWS account id/);
  });
});

describe('admin role ARNs of a Kubernetes project', () => {
  const kubernetes = (adminRoleArns: string[]) => () => new MlProjectStack(new App(), 'P', { identity, training: ProjectTraining.kubernetes({ adminRoleArns }) });
  const sso = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_0123456789abcdef';

  test('with a path (an IAM Identity Center role) and from another account: the access entry takes the ARN as given', () => {
    const stack = kubernetes([sso, 'arn:aws:iam::222222222222:role/ops/ml-admin'])();
    const entries = JSON.stringify(Template.fromStack(stack).findResources('AWS::EKS::AccessEntry'));
    expect(entries).toContain(sso);
    expect(entries).toContain('arn:aws:iam::222222222222:role/ops/ml-admin');
  });

  test.each([
    ['a role name, not an ARN', 'platform-admin', /does not have the form arn/],
    ['a session of the role', 'arn:aws:sts::111111111111:assumed-role/platform-admin/alice', /session of the role "platform-admin".*arn:aws:iam::111111111111:role\/platform-admin/],
    ['a user', 'arn:aws:iam::111111111111:user/alice', /not role\/<optional path\/><role name>/],
    ['a role name of 65 characters', `arn:aws:iam::111111111111:role/${'r'.repeat(65)}`, /role\/<optional path\/><role name>/],
  ])('refused: %s', (_, arn, pattern) => {
    const err = expectValidationError(kubernetes([sso, arn]), /\[mlops:invalid-arn\] P: training.adminRoleArns\[1\]/);
    expect(err.message).toMatch(pattern);
  });

  test('a role name of 64 characters passes', () => {
    expect(kubernetes([`arn:aws:iam::111111111111:role/${'r'.repeat(64)}`])).not.toThrow();
  });
});

describe('a role ARN where a role name is expected', () => {
  test('GpuNodePool instanceProfile: a name of 1 to 128 characters, never an ARN', () => {
    const pool = (instanceProfile: string) => () => new GpuNodePool(chart(), 'Pool', {
      instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 8, ...POOL_NETWORK, instanceProfile,
    });
    expect(pool('KarpenterNode-ml')).not.toThrow();
    expect(pool('p'.repeat(128))).not.toThrow();
    expectValidationError(pool('p'.repeat(129)), /invalid-node-pool.*instanceProfile must be the name.*1-128/);
    expectValidationError(pool('ml/node'), /invalid-node-pool.*instanceProfile/);
    // A chart applied through the EKS kubectl provider may take the name from the stack.
    expect(pool(Aws.STACK_NAME)).not.toThrow();
    expectValidationError(pool('arn:aws:iam::123456789012:instance-profile/KarpenterNode-ml'),
      /\[mlops:arn-where-name-expected\] Test\/Pool: instanceProfile takes the name of the IAM instance profile, not its ARN.*Pass the name instead of the ARN, here "KarpenterNode-ml"/);
  });

  test('GpuNodePool volumeKmsKeyId: key ARNs, multi-Region keys, aliases with ":", and deploy-time values', () => {
    const pool = (volumeKmsKeyId: string) => () => new GpuNodePool(chart(), 'Pool', {
      instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 8, ...POOL_NETWORK, volumeKmsKeyId,
    });
    for (const key of [`arn:aws:kms:eu-west-1:123456789012:key/${KEY_ID}`, 'mrk-0123456789abcdef0123456789abcdef',
      'arn:aws:kms:eu-west-1:123456789012:alias/team:ebs', 'alias/team:ebs', Aws.ACCOUNT_ID]) {
      expect(pool(key)).not.toThrow();
    }
    expectValidationError(pool('my key'), /invalid-node-pool.*volumeKmsKeyId must be a KMS key id/);
  });
});

describe('GpuCluster: admin role ARNs, key ARNs, cluster name', () => {
  const s = stack();
  const vpc = new ec2.Vpc(s, 'Vpc', { subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const cluster = (props: Record<string, unknown>) => () => new GpuCluster(s, id(), { vpc, ...props });
  const role = (arn: string) => iam.Role.fromRoleArn(s, id(), arn);

  test.each([
    ['a path', 'arn:aws:iam::123456789012:role/platform/ml/admin'],
    ['a service-role path', 'arn:aws:iam::123456789012:role/service-role/ml-admin'],
    ['the aws-cn partition', 'arn:aws-cn:iam::123456789012:role/admin'],
    ['the aws-us-gov partition', 'arn:aws-us-gov:iam::123456789012:role/admin'],
    ['the European Sovereign Cloud partition', 'arn:aws-eusc:iam::123456789012:role/admin'],
    ['a name of 64 characters with + = , . @ _ -', `arn:aws:iam::123456789012:role/${'a'.repeat(57)}+=,.@_-`],
  ])('adminRoles: accepts a role ARN with %s', (_, arn) => {
    expect(cluster({ adminRoles: [role(arn)] })).not.toThrow();
  });

  test('adminRoles: accepts roles imported by name (tokens in the ARN)', () => {
    expect(cluster({ adminRoles: [iam.Role.fromRoleName(s, id(), 'platform-admin')] })).not.toThrow();
  });

  test.each([
    ['a key id', `arn:aws:kms:eu-west-1:123456789012:key/${KEY_ID}`],
    ['a multi-Region key id', 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef'],
    ['an alias', 'arn:aws:kms:eu-west-1:123456789012:alias/platform/eks-secrets'],
    ['an alias with ":" (KMS AliasNameType allows it)', 'arn:aws:kms:eu-west-1:123456789012:alias/team:ml_secrets-1'],
    ['the aws-cn partition', `arn:aws-cn:kms:cn-north-1:123456789012:key/${KEY_ID}`],
    ['the aws-us-gov partition', `arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/${KEY_ID}`],
    ['the European Sovereign Cloud region eusc-de-east-1', `arn:aws-eusc:kms:eusc-de-east-1:123456789012:key/${KEY_ID}`],
    ['an ISO region', `arn:aws-iso-b:kms:us-isob-east-1:123456789012:key/${KEY_ID}`],
  ])('encryptionKey: accepts a key ARN with %s', (_, arn) => {
    expect(cluster({ encryptionKey: kms.Key.fromKeyArn(s, id(), arn) })).not.toThrow();
  });

  test('encryptionKey: accepts a key created in the stack and an alias imported by name (tokens)', () => {
    expect(cluster({ encryptionKey: new kms.Key(s, id()) })).not.toThrow();
    expect(cluster({ encryptionKey: kms.Alias.fromAliasName(s, id(), 'alias/eks-secrets') })).not.toThrow();
  });

  test.each([
    ['an account of 11 digits', 'arn:aws:iam::12345678901:role/admin', /has the account "12345678901", which is not a 12-digit account id/],
    ['a region', 'arn:aws:iam:eu-west-1:123456789012:role/admin', /has the region "eu-west-1"; IAM role ARNs have none/],
    ['a user instead of a role', 'arn:aws:iam::123456789012:user/alice', /has the resource "user\/alice", not role\/<optional path\/><role name>/],
    ['a policy instead of a role', 'arn:aws:iam::123456789012:policy/admin', /has the resource "policy\/admin", not role/],
  ])('adminRoles: a role ARN with %s', (_, arn, detail) => {
    const err = expectValidationError(cluster({ adminRoles: [role(arn)] }), /\[mlops:invalid-arn\] S\/C\d+: adminRoles\[0\] is not a valid IAM role ARN/);
    expect(err.message).toMatch(detail);
  });

  test('adminRoles: an assumed-role session ARN gets the role ARN as fix', () => {
    expectValidationError(cluster({ adminRoles: [role('arn:aws:sts::123456789012:assumed-role/Admin/alice')] }),
      /\[mlops:invalid-arn\].*adminRoles\[0\] is not a valid IAM role ARN: it is the ARN of a session of the role "Admin".*Fix: Give the role's ARN, arn:aws:iam::123456789012:role\/Admin\./);
  });

  test.each([
    ['an 11-digit account', `arn:aws:kms:eu-west-1:12345678901:key/${KEY_ID}`, /has the account "12345678901"/],
    ['a key id that is not a UUID', 'arn:aws:kms:eu-west-1:123456789012:key/my-key', /has the resource "key\/my-key", not key\/<key id> or alias\/<alias name>/],
    ['no region', `arn:aws:kms::123456789012:key/${KEY_ID}`, /has the region "", which is not a region/],
  ])('encryptionKey: a key ARN with %s', (_, arn, detail) => {
    const err = expectValidationError(cluster({ encryptionKey: kms.Key.fromKeyArn(s, id(), arn) }), /\[mlops:invalid-arn\] S\/C\d+: encryptionKey is not a valid KMS key ARN/);
    expect(err.message).toMatch(detail);
  });

  test('clusterName: an EKS cluster ARN is refused with the name to pass', () => {
    expectValidationError(cluster({ clusterName: 'arn:aws:eks:eu-west-1:123456789012:cluster/ml-training' }),
      /\[mlops:arn-where-name-expected\] S\/C\d+: clusterName takes the name of the EKS cluster, not its ARN.*"ml-training"/);
  });
});

describe('imported dataset stores and registries: repository names and ARNs, key ARNs', () => {
  const importStore = (bucketName: string, keyArn?: string) => {
    const s = stack();
    return () => DatasetStore.fromDatasetStoreAttributes(s, 'Store', {
      bucket: s3.Bucket.fromBucketName(s, 'B', bucketName),
      encryptionKey: keyArn === undefined ? undefined : kms.Key.fromKeyArn(s, 'K', keyArn),
    });
  };

  test('bucket names are checked by aws-cdk-lib when the bucket is imported, before the store sees them', () => {
    // Bucket.fromBucketAttributes() applies the (legacy) S3 naming rules itself; the store adds nothing.
    expect(importStore('shared-datasets')).not.toThrow();
    expect(importStore('s3://shared-datasets')).toThrow(/Invalid S3 bucket name/);
  });

  test('the key of an imported store', () => {
    expect(importStore('shared-datasets', `arn:aws:kms:eu-west-1:111111111111:key/${KEY_ID}`)).not.toThrow();
    expect(importStore('shared-datasets', 'arn:aws:kms:eu-west-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef')).not.toThrow();
    expectValidationError(importStore('shared-datasets', `arn:aws:kms:eu-west-1:1111111111111:key/${KEY_ID}`),
      /\[mlops:invalid-arn\] S\/Store: encryptionKey is not a valid KMS key ARN: it has the account "1111111111111"/);
  });

  const importRegistry = (repository: (s: Stack) => ecr.IRepository) => {
    const s = stack();
    return () => ModelRegistry.fromModelRegistryAttributes(s, 'Reg', {
      modelPackageGroupName: 'shared', repository: repository(s), artifactBucket: s3.Bucket.fromBucketName(s, 'A', 'shared-artifacts'),
    });
  };

  test.each([
    ['2 characters', 'ab'],
    ['256 characters', `${'a'.repeat(127)}/${'b'.repeat(128)}`],
    ['path segments', 'team/fraud-scoring_v1.2'],
  ])('repository names of %s are accepted', (_, name) => {
    expect(importRegistry((s) => ecr.Repository.fromRepositoryName(s, 'Repo', name))).not.toThrow();
  });

  test.each([
    ['1 character', 'a', /it must be 2-256 characters long \(it has 1\)/],
    ['257 characters', `${'a'.repeat(128)}/${'b'.repeat(128)}`, /it must be 2-256 characters long \(it has 257\)/],
    ['upper case', 'FraudScoring', /it may only contain lowercase letters/],
    ['an image URI', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud-scoring', /it is a repository URI/],
  ])('a repository name of %s is rejected', (_, name, detail) => {
    const err = expectValidationError(importRegistry((s) => ecr.Repository.fromRepositoryName(s, 'Repo', name)),
      /\[mlops:invalid-name\] S\/Reg: repository.repositoryName is not the name of an existing ECR repository/);
    expect(err.message).toMatch(detail);
  });

  test('a repository ARN given as the name, and a repository ARN with a bad account', () => {
    expectValidationError(importRegistry((s) => ecr.Repository.fromRepositoryName(s, 'Repo', 'arn:aws:ecr:eu-west-1:123456789012:repository/fraud')),
      /\[mlops:arn-where-name-expected\] S\/Reg: repository.repositoryName takes the name of the ECR repository, not its ARN.*"fraud"/);
    expectValidationError(importRegistry((s) => ecr.Repository.fromRepositoryArn(s, 'Repo', 'arn:aws:ecr:eu-west-1:12345678901:repository/fraud')),
      /\[mlops:invalid-arn\] S\/Reg: repository.repositoryArn is not a valid ECR repository ARN: it has the account "12345678901"/);
  });

});

describe('imported FSx for Lustre file systems and HyperPod clusters', () => {
  const attrs = (s: Stack, overrides: Partial<DatasetFileSystemAttributes> = {}): DatasetFileSystemAttributes => ({
    fileSystemId: 'fs-0123456789abcdef0',
    dnsName: 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com',
    mountName: 'abcdefgh',
    storageCapacity: Size.gibibytes(1200),
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, id(), 'sg-0123456789abcdef0'),
    ...overrides,
  });
  const importFs = (overrides: Partial<DatasetFileSystemAttributes>) => {
    const s = stack();
    return () => DatasetFileSystem.fromDatasetFileSystemAttributes(s, 'Fs', attrs(s, overrides));
  };

  test.each([
    ['8 hex digits (11 characters)', 'fs-01234567'],
    ['17 hex digits', 'fs-0123456789abcdef0'],
    ['18 hex digits (21 characters)', 'fs-0123456789abcdef01'],
  ])('fileSystemId with %s is accepted', (_, fileSystemId) => {
    expect(importFs({ fileSystemId })).not.toThrow();
  });

  test.each([
    ['7 hex digits', 'fs-0123456', /it is 10 characters long \(11-21 allowed\)/],
    ['19 hex digits', 'fs-0123456789abcdef012', /it is 22 characters long \(11-21 allowed\)/],
    ['upper-case hex', 'fs-0123456789ABCDEF0', /it is not "fs-" and 8 to 18 lowercase hexadecimal digits/],
    ['another prefix', 'fc-0123456789abcdef0', /it is not "fs-"/],
    ['an ARN', 'arn:aws:fsx:eu-west-1:123456789012:file-system/fs-0123456789abcdef0', /it is an ARN/],
  ])('fileSystemId with %s is rejected', (_, fileSystemId, detail) => {
    const err = expectValidationError(importFs({ fileSystemId }), /\[mlops:invalid-resource-id\] S\/Fs: fileSystemId is not a valid FSx file system id/);
    expect(err.message).toMatch(detail);
  });

  test.each([
    ['mountName of 8 characters', { mountName: 'abcd_-12' }, undefined],
    ['mountName "fsx" of scratch file systems', { mountName: 'fsx' }, undefined],
    ['mountName of 9 characters', { mountName: 'abcdefghi' }, /\[mlops:invalid-resource-id\] S\/Fs: mountName is not a valid Lustre mount name: it is 9 characters long \(1-8 allowed\)/],
    ['a dnsName with a scheme', { dnsName: 'https://fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com' }, /\[mlops:invalid-resource-id\] S\/Fs: dnsName is not a valid FSx DNS name/],
    ['a dnsName of another host', { dnsName: 'lustre.example.com' }, /\[mlops:invalid-resource-id\] S\/Fs: dnsName is not a valid FSx DNS name/],
  ])('%s', (_, overrides, pattern) => {
    if (pattern === undefined) expect(importFs(overrides)).not.toThrow();
    else expectValidationError(importFs(overrides), pattern);
  });

  test('dnsName in the European Sovereign Cloud (amazonaws.eu) and in China (amazonaws.com.cn)', () => {
    expect(importFs({ dnsName: 'fs-0123456789abcdef0.fsx.eusc-de-east-1.amazonaws.eu' })).not.toThrow();
    expect(importFs({ dnsName: 'fs-0123456789abcdef0.fsx.cn-north-1.amazonaws.com.cn' })).not.toThrow();
  });

  test('a DatasetVolume on FSx takes the same DNS names; an S3 source takes every region code', () => {
    const fsx = (dnsName: string) => () => new DatasetVolume(chart(), 'Data', {
      namespaceName: 'team-a',
      source: DatasetVolumeSource.fsxLustre({ fileSystemId: 'fs-0123456789abcdef0', dnsName, mountName: 'abcdefgh', storageCapacity: K8sSize.gibibytes(1200) }),
    });
    expect(fsx('fs-0123456789abcdef0.fsx.eusc-de-east-1.amazonaws.eu')).not.toThrow();
    expect(fsx('fs-0123456789abcdef0.fsx.cn-north-1.amazonaws.com.cn')).not.toThrow();
    expect(fsx('lustre.example.com')).toThrow(/invalid-dataset-source/);
    for (const region of ['eusc-de-east-1', 'us-gov-west-1', 'ap-southeast-7', 'us-isob-east-1']) {
      expect(() => new DatasetVolume(chart(), 'Data', {
        namespaceName: 'team-a', source: DatasetVolumeSource.s3({ bucketName: 'fraud-datasets', region }),
      })).not.toThrow();
    }
  });

  test.each([
    ['8 hex digits', 'sg-12345678', true],
    ['17 hex digits', 'sg-0123456789abcdef0', true],
    ['9 hex digits', 'sg-123456789', false],
    ['no prefix', '0123456789abcdef0', false],
  ])('a security group id with %s', (_, sgId, valid) => {
    const s = stack();
    const make = () => DatasetFileSystem.fromDatasetFileSystemAttributes(s, 'Fs', attrs(s, { securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', sgId) }));
    if (valid) expect(make).not.toThrow();
    else expectValidationError(make, /\[mlops:invalid-resource-id\] S\/Fs: securityGroup.securityGroupId is not a valid security group id/);
  });

  const importHyperPod = (clusterArn: string) => {
    const s = stack();
    return () => HyperPodCluster.fromHyperPodClusterAttributes(s, 'Hp', {
      clusterName: 'shared', clusterArn, securityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', 'sg-12345678'),
    });
  };

  test.each([
    ['the cluster name instead of its id', 'arn:aws:sagemaker:eu-west-1:111111111111:cluster/shared', /has the resource "cluster\/shared", not cluster\/<12-character cluster id>.*Fix: .*the cluster id, not its name/],
    ['an 11-digit account', 'arn:aws:sagemaker:eu-west-1:11111111111:cluster/abcdefghijkl', /has the account "11111111111"/],
    ['an EKS cluster ARN', 'arn:aws:eks:eu-west-1:111111111111:cluster/shared', /is an ARN of the service "eks", not of a SageMaker HyperPod cluster/],
    ['a name', 'shared', /does not have the form arn:<partition>:<service>:<region>:<account>:<resource>/],
  ])('clusterArn with %s is rejected', (_, arn, detail) => {
    const err = expectValidationError(importHyperPod(arn), /\[mlops:invalid-arn\] S\/Hp: clusterArn is not a valid SageMaker HyperPod cluster ARN/);
    expect(err.message).toMatch(detail);
  });

  test('a valid HyperPod cluster ARN, in any partition', () => {
    expect(importHyperPod('arn:aws:sagemaker:eu-west-1:111111111111:cluster/abcdefghijkl')).not.toThrow();
    expect(importHyperPod('arn:aws-us-gov:sagemaker:us-gov-west-1:111111111111:cluster/a1b2c3d4e5f6')).not.toThrow();
  });
});
