/**
 * The helpers lib/private shares between capabilities, through the constructs that use them:
 * the not-retained warning (buckets, file systems), the CloudWatch Logs key policy (flow logs,
 * FSx logs) and the whole-day duration checks.
 */
import { App, CfnElement, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DatasetFileSystem, DatasetFileSystemProps, DatasetStore, ModelRegistry, ProjectNetwork } from '../../lib/index';
import { expectValidationError } from '../support/errors';
import { resourcePolicyStatements } from '../support/iam';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';

function warningIds(stack: Stack, path: string): string[] {
  return Annotations.fromStack(stack).findWarning(path, Match.anyValue())
    .map((w) => /mlops-constructs:[a-z-]+/.exec(String(w.entry.data))?.[0] ?? String(w.entry.data));
}

function fileSystem(props: Partial<DatasetFileSystemProps>) {
  const stack = new Stack(new App(), 'S', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const store = new DatasetStore(stack, 'Datasets');
  new DatasetFileSystem(stack, 'Lustre', { datasets: store, vpc, ...props });
  return stack;
}

describe('the not-retained warning', () => {
  test.each([
    [RemovalPolicy.RETAIN, false],
    [RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, false],
    [RemovalPolicy.DESTROY, true],
    // S3 has no snapshots: aws-cdk-lib ignores SNAPSHOT on a bucket and CloudFormation deletes it
    [RemovalPolicy.SNAPSHOT, true],
  ])('a dataset store bucket with %s warns: %s', (removalPolicy, warns) => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    new DatasetStore(stack, 'Datasets', { removalPolicy });
    expect(warningIds(stack, '/S/Datasets/Resource').includes('mlops-constructs:bucket-not-retained')).toBe(warns);
    if (warns) {
      Annotations.fromStack(stack).hasWarning('/S/Datasets/Resource',
        Match.stringLikeRegexp(`^Bucket removal policy is ${removalPolicy}: deleting the stack can delete data or models\\. RETAIN is the default for a reason\\.`));
    }
  });

  test('the registry\'s artifact bucket warns through the same helper', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', notifications: false, removalPolicy: RemovalPolicy.DESTROY });
    const found = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^Bucket removal policy is destroy: .*mlops-constructs:bucket-not-retained'));
    expect(found.map((w) => w.id)).toEqual([expect.stringMatching(/^\/S\/Registry\//)]);
  });

  test.each([
    [RemovalPolicy.RETAIN, false],
    [RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, false],
    [RemovalPolicy.DESTROY, true],
  ])('a Lustre file system with %s warns: %s', (removalPolicy, warns) => {
    const stack = fileSystem({ removalPolicy });
    expect(warningIds(stack, '/S/Lustre').includes('mlops-constructs:fsx-not-retained')).toBe(warns);
    if (warns) {
      Annotations.fromStack(stack).hasWarning('/S/Lustre', Match.stringLikeRegexp(
        `^File system removal policy is ${removalPolicy}: deleting the stack deletes the file system, including files not exported to the dataset store\\.`));
    }
  });
});

describe('the CloudWatch Logs key policy', () => {
  test('the flow log key lets CloudWatch Logs of the region use it for this account\'s log groups; no warning', () => {
    const stack = new Stack(new App(), 'N');
    const network = new ProjectNetwork(stack, 'Net');
    const keyId = stack.getLogicalId(network.node.findChild('FlowLogKey').node.defaultChild as CfnElement);
    const logs = resourcePolicyStatements(Template.fromStack(stack), keyId).filter((st) => JSON.stringify(st.Principal).includes('logs.'));
    expect(logs).toHaveLength(1);
    expect(logs[0].Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expect.anything() } });
    expect(warningIds(stack, '/N/Net')).not.toContain('mlops-constructs:flow-log-key-policy');
  });

  test('an imported flow log key cannot be changed: a warning says what it must allow', () => {
    const stack = new Stack(new App(), 'N', { env: ENV });
    new ProjectNetwork(stack, 'Net', { encryptionKey: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) });
    Annotations.fromStack(stack).hasWarning('/N/Net', Match.stringLikeRegexp(
      '^The encryption key is imported, so its key policy was not changed: it must allow logs\\.eu-west-1\\.amazonaws\\.com to use it for the flow log group\\..*mlops-constructs:flow-log-key-policy'));
  });

  test('the FSx log key names its one log group (ArnEquals), with the same actions', () => {
    const stack = fileSystem({});
    const t = Template.fromStack(stack);
    const keyId = Object.keys(t.findResources('AWS::KMS::Key')).find((id) => id.startsWith('LustreKey'))!;
    const statement = resourcePolicyStatements(t, keyId).find((st) => st.Sid === 'AllowCloudWatchLogsForFSxLogGroup')!;
    expect(Object.keys(statement.Condition!)).toEqual(['ArnEquals']);
    expect(statement.Action).toEqual(['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
  });
});

describe('whole-day durations', () => {
  test('FSx backup retention: a deploy-time number of days passes, a deploy-time value in hours is named', () => {
    expect(() => fileSystem({ automaticBackupRetention: Duration.days(Token.asNumber({ Ref: 'Days' })) })).not.toThrow();
    expectValidationError(() => fileSystem({ automaticBackupRetention: Duration.hours(Token.asNumber({ Ref: 'Hours' })) }),
      /\[mlops:invalid-duration\] S\/Lustre: automaticBackupRetention comes from a deploy-time value in another unit; it must be given in days.*Fix: Give it as Duration\.days\(token\)\./);
  });

  test('the dataset store checks its access log retention once, where the log bucket is made', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    expectValidationError(() => new DatasetStore(stack, 'Datasets', { accessLogsRetention: Duration.hours(25) }),
      /\[mlops:invalid-duration\] S\/Datasets: accessLogsRetention must be a whole number of days at least 1: S3 lifecycle expirations count in whole days\./);
  });
});
