/**
 * The whole-platform validation harness: the default platform synthesizes with the CloudFormation
 * schema validation built into aws-cdk-lib made to fail synth, the cdk-nag AwsSolutions, NIST
 * 800-53 rev 5, HIPAA and PCI DSS packs, and the cfn-guard Control Tower rules, with no finding
 * left unacknowledged; every acknowledgment sits on a specific bucket with a specific reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { synthValidated } from '../support/synth-platform';

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
      [/^AwsSolutions::AwsSolutions-IAM5\[/, /\/(Training\/Policy|GpuCluster\/(KarpenterPolicy|S3CsiPolicy)|HyperPod\/InstanceGroup-[\w-]+\/Policy)$/],
      [/^AwsSolutions::AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/Amazon(EKS|EC2ContainerRegistryPullOnly|SSMManagedInstanceCore)/, /\/GpuCluster\/(NodeRole|SystemNodeRole|Resource\/Role)$/],
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
    expect([...eksTypes].filter((t) => t.startsWith('Custom::') || t === 'AWS::Lambda::Function')).toEqual([]);
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
