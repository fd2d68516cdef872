/**
 * The whole-platform validation harness: the default platform synthesizes with the CloudFormation
 * schema validation built into aws-cdk-lib made to fail synth, the cdk-nag AwsSolutions, NIST
 * 800-53 rev 5, HIPAA and PCI DSS packs, and the cfn-guard Control Tower rules, with no finding
 * left unacknowledged; every acknowledgment sits on a specific bucket with a specific reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import {
  AcceleratorInstanceType, CompliancePack, ComplianceGate, DatasetStore, ManagedPolicyGrantee, ModelRegistry, SageMakerTrainingTemplate,
  TrainingInput, ProjectNetwork,
} from '../../lib';
import { acknowledgeInherentWildcards } from '../../lib/private/iam';
import { PluginReport, synthValidated } from '../support/synth-platform';

// The built-in CloudFormation validation is on in this file (setup-env turns it off elsewhere).
delete process.env.CDK_VALIDATION;

describe('default platform compliance', () => {
  const result = synthValidated(3);

  test('synthesizes with every validation on and no unacknowledged finding', () => {
    if (result.error) {
      throw new Error(`synth failed: ${result.error.message}\n${JSON.stringify(result.reports.map((r) => r.violations), null, 1).slice(0, 4000)}`);
    }
    for (const report of result.reports) {
      expect({ plugin: report.pluginName, violations: report.violations }).toEqual({ plugin: report.pluginName, violations: [] });
      expect(report.conclusion).toBe('success');
    }
    const templates = fs.readdirSync(result.outdir).filter((f) => f.endsWith('.template.json'));
    expect(templates.sort()).toEqual(['defect-detection-prod.template.json', 'fraud-scoring-prod.template.json', 'llm-finetune-prod.template.json']);
  });

  test('every acknowledgment is a known rule on the specific construct it is about, with a reason', () => {
    const suppressed = result.reports.flatMap((r) => r.suppressedViolations ?? []);
    expect(suppressed.length).toBeGreaterThan(0);
    // [acknowledged rule, construct it may sit on]; anything else is an unreviewed acknowledgment
    const allowed: Array<[RegExp, RegExp]> = [
      [/(-S3BucketReplicationEnabled|::s3_bucket_replication_enabled_check)$/, /\/(Datasets|Registry)\/(Resource|AccessLogs|Artifacts)$/],
      [/(-S3DefaultEncryptionKMS|::s3_bucket_default_encryption_kms_check|::s3_bucket_logging_enabled_check)$/, /\/(Datasets|Registry)\/AccessLogs$/],
      [/^AwsSolutions::AwsSolutions-IAM5\[/, /\/(Training\/Policy|ImageCache\/CreationPolicy|ArgoCd\/(ChartPolicy|ClusterAccessPolicy)|GpuCluster\/(KarpenterPolicy|S3CsiPolicy|ImageCachePolicy)|HyperPod\/InstanceGroup-[\w-]+\/Policy)$/],
      // the handler of the Argo CD capability's access policy association (deployment time, EKS API only)
      [/(-LambdaInsideVPC|-LambdaConcurrency|-LambdaDLQ|::lambda_inside_vpc_check)$/, /^defect-detection-prod\/AWS679f53fac002430cb0da5b7982bd2287$/],
      [/(-CloudWatchLogGroupEncrypted|::cloudwatch_log_group_encrypted_check)$/, /\/ArgoCd\/ClusterAccessLogs$/],
      [/^AwsSolutions::AwsSolutions-IAM4\[Policy::arn:(<AWS::Partition>|aws):iam::aws:policy\/Amazon(EKS|EC2ContainerRegistryPullOnly|SSMManagedInstanceCore)/, /\/GpuCluster\/(NodeRole|SystemNodeRole|Resource\/Role)$/],
      [/-EC2RestrictedCommonPorts$/, /\/(TrainingNetwork\/TrainingSecurityGroup\/from [\w-]+:ALL TRAFFIC|GpuCluster\/(NodesToCluster|ClusterToNodes)\d+)$/],
      [/-VPCDefaultSecurityGroupClosed$/, /\/TrainingNetwork\/Resource$/],
      [/(AwsSolutions-SQS3|::sqs_dlq_check)$/, /\/GpuCluster\/InterruptionQueue$/],
      [/^CloudFormation-Validate::W9009$/, /\/GpuCluster\/Resource\/Resource$/],
      [/^Annotation::@aws-cdk\/aws-eks:isolatedSubnetsForKubectlPrivateSubnets$/, /\/GpuCluster\/Resource$/],
    ];
    for (const s of suppressed) {
      const rule = allowed.find(([id]) => id.test(s.acknowledgedId));
      expect({ id: s.acknowledgedId, known: rule !== undefined }).toEqual({ id: s.acknowledgedId, known: true });
      expect({ id: s.acknowledgedId, at: rule![1].test(s.acknowledgedAt) }).toEqual({ id: s.acknowledgedId, at: true });
      expect(s.reason.length).toBeGreaterThan(60);
      for (const v of s.violatingConstructs) expect(v.constructPath.startsWith(s.acknowledgedAt)).toBe(true);
    }
  });

  test('writes the expected resources', () => {
    const template = JSON.parse(fs.readFileSync(path.join(result.outdir, 'fraud-scoring-prod.template.json'), 'utf8'));
    const types = new Set(Object.values<{ Type: string }>(template.Resources).map((r) => r.Type));
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::SageMaker::ModelPackageGroup', 'AWS::ECR::Repository', 'AWS::Events::Rule']) {
      expect(types).toContain(type);
    }
    expect([...types].filter((t) => t.startsWith('Custom::') || t === 'AWS::Lambda::Function')).toEqual([]);
    const training = JSON.stringify(template.Resources);
    expect(training).toContain('SageMaker training jobs of fraud-scoring-prod/Training');
    const eks = JSON.parse(fs.readFileSync(path.join(result.outdir, 'defect-detection-prod.template.json'), 'utf8'));
    const eksTypes = new Set(Object.values<{ Type: string }>(eks.Resources).map((r) => r.Type));
    for (const type of ['AWS::EKS::Cluster', 'AWS::EKS::Nodegroup', 'AWS::EKS::PodIdentityAssociation', 'AWS::SQS::Queue']) expect(eksTypes).toContain(type);
    // one custom resource: the Argo CD capability's cluster access policy (CloudFormation has no resource for it)
    expect(Object.entries<{ Type: string }>(eks.Resources).filter(([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::Lambda::Function').map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Type]).sort())
      .toEqual([['AWS679f53fac002430cb0da5b7982bd2287', 'AWS::Lambda::Function'], ['ArgoCdClusterAccess', 'Custom::AWS']]);
    const handler = Object.values<{ Type: string; Properties: Record<string, unknown> }>(eks.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!;
    expect(handler.Properties.VpcConfig).toBeUndefined();
    const hyperPod = JSON.parse(fs.readFileSync(path.join(result.outdir, 'llm-finetune-prod.template.json'), 'utf8'));
    const hyperPodTypes = new Set(Object.values<{ Type: string }>(hyperPod.Resources).map((r) => r.Type));
    for (const type of ['AWS::SageMaker::Cluster', 'AWS::FSx::FileSystem', 'AWS::FSx::DataRepositoryAssociation']) expect(hyperPodTypes).toContain(type);
  });
});

describe('the harness catches problems', () => {
  test('an insecure bucket and an invalid property fail synth in every pack and the schema check', () => {
    const result = synthValidated(1, (platform) => {
      const stack = platform.stacks[0];
      new s3.CfnBucket(stack, 'Insecure', {});
      (stack.registry.node.defaultChild as sagemaker.CfnModelPackageGroup).addPropertyOverride('ModelPackageGroupNam', 'typo');
    });
    expect(result.error?.message).toMatch(/A copy of this report can be found in/);
    const failing = new Set(result.reports.filter((r) => r.violations.length > 0).map((r) => r.pluginName));
    expect([...failing].sort()).toEqual(expect.arrayContaining([
      'AwsSolutions', 'CloudFormation Validate', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321', 'cdk-validator-cfnguard',
    ]));
    const schema = result.reports.find((r) => r.pluginName === 'CloudFormation Validate')!;
    expect(JSON.stringify(schema.violations)).toContain('Registry');
  });
});

/**
 * A cheap synth (one stack, the AwsSolutions pack only) of what `build` adds, and the
 * AwsSolutions-IAM5 findings left on, and acknowledged at, construct paths under `path`.
 */
function iam5Under(path: string, build: (stack: Stack) => void) {
  const outdir = fs.mkdtempSync(`${os.tmpdir()}/mlops-iam5-`);
  const app = new App({ outdir });
  ComplianceGate.apply(app, { packs: [CompliancePack.AWS_SOLUTIONS], controlTowerRules: false });
  build(new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } }));
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  const file = `${outdir}/validation-report.json`;
  const reports: PluginReport[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).pluginReports : [];
  const under = (p: string) => p === path || p.startsWith(`${path}/`);
  return {
    error,
    violations: reports.flatMap((r) => r.violations).filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'))
      .flatMap((v) => (v.violatingConstructs ?? []).filter((c) => under(c.constructPath)).map(() => v.ruleName)),
    acknowledged: reports.flatMap((r) => r.suppressedViolations ?? []).filter((v) => under(v.acknowledgedAt)).map((v) => v.acknowledgedId),
  };
}

describe('inherent-wildcard acknowledgments refuse statements nobody reviewed', () => {
  function policy(stack: Stack, extra?: iam.PolicyStatement): ManagedPolicyGrantee {
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const grantee = new ManagedPolicyGrantee(stack, 'Policy', { role });
    grantee.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'Metrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': 'Team' } },
    }));
    new DatasetStore(stack, 'Data').grantRead(grantee, 'features');
    if (extra) grantee.addToPrincipalPolicy(extra);
    acknowledgeInherentWildcards(grantee.policy, [{ sid: 'Metrics', reason: 'cloudwatch:PutMetricData supports no resource-level permission; limited by namespace.' }]);
    return grantee;
  }

  test('control: the reviewed `*` and the S3 object prefix are acknowledged, nothing is left', () => {
    const result = iam5Under('S/Policy', (stack) => policy(stack));
    expect(result.violations).toEqual([]);
    expect(result.acknowledged).toEqual(expect.arrayContaining([
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]', expect.stringMatching(/^AwsSolutions::AwsSolutions-IAM5\[Resource::<Data[0-9A-F]{8}\.Arn>\/features\/\*\]$/),
    ]));
  });

  test.each([
    ['a `*` statement with a Sid nobody reviewed', new iam.PolicyStatement({ sid: 'Extra', actions: ['s3:ListAllMyBuckets'], resources: ['*'] })],
    ['a `*` statement without a Sid', new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] })],
    ['an S3 object grant widened to `*`', new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })],
  ])('%s in the acknowledged policy fails the pack', (_name, extra) => {
    const result = iam5Under('S/Policy', (stack) => policy(stack, extra));
    expect(result.error?.message).toMatch(/validation-report/);
    expect(result.violations).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    expect(result.acknowledged).not.toContain('AwsSolutions::AwsSolutions-IAM5[Resource::*]');
  });

  test('a rule names a Sid or actions, not neither', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    expect(() => acknowledgeInherentWildcards(new iam.ManagedPolicy(stack, 'P', { roles: [role] }), [{ reason: 'no statement named' }])).toThrow(/either a sid or actions/);
  });

  test('the SageMaker training policy: a grant to the job on `*` fails the pack, its own statements pass', () => {
    const build = (widen: boolean) => (stack: Stack) => {
      const network = new ProjectNetwork(stack, 'Net');
      const store = new DatasetStore(stack, 'Data');
      const registry = new ModelRegistry(stack, 'Registry', { notifications: false });
      const template = new SageMakerTrainingTemplate(stack, 'Train', {
        inputs: [TrainingInput.fromZone(store, 'features')], registry, imageTag: 'v1', instanceType: AcceleratorInstanceType.G6E_2XLARGE, vpc: network.vpc,
      });
      if (widen) template.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: ['*'] }));
    };
    const control = iam5Under('S/Train', build(false));
    expect(control.violations).toEqual([]);
    expect(control.acknowledged).toContain('AwsSolutions::AwsSolutions-IAM5[Resource::*]');
    const widened = iam5Under('S/Train', build(true));
    expect(widened.violations).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });
});
