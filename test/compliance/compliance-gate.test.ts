import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CompliancePack, ComplianceGate, DatasetStore, ManagedPolicyGrantee } from '../../lib';
import { expectValidationError } from '../support/errors';
import { CompliantSynth, PluginReport, synthWithReport } from '../support/synth-platform';

function synth(build: (app: App, stack: Stack) => void): CompliantSynth {
  return synthWithReport((app) => build(app, new Stack(app, 'Team', { env: { account: '111111111111', region: 'eu-west-1' } })));
}

const replicationRule = (r: PluginReport) => r.violations.filter((v) => /S3BucketReplicationEnabled/.test(v.ruleName));

describe('ComplianceGate.apply', () => {
  test('runs the packs asked for, and only those', () => {
    const { error, reports } = synth((app, stack) => {
      ComplianceGate.apply(app, { packs: [CompliancePack.AWS_SOLUTIONS], controlTowerRules: false });
      new s3.CfnBucket(stack, 'Insecure', {});
    });
    expect(error?.message).toMatch(/validation-report/);
    expect(reports.map((r) => r.pluginName)).toEqual(['AwsSolutions']);
    expect(reports[0].violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  test('runs all four packs and the Control Tower rules by default', () => {
    const { reports } = synth((app, stack) => {
      ComplianceGate.apply(app);
      new s3.CfnBucket(stack, 'Insecure', {});
    });
    expect(reports.map((r) => r.pluginName).sort()).toEqual(['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321', 'cdk-validator-cfnguard']);
    for (const r of reports) expect(r.violations.length).toBeGreaterThan(0);
  });

  test('takes only an App or a Stage, and refuses a gate that checks nothing', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    expectValidationError(() => ComplianceGate.apply(stack), /compliance-gate-scope.*App or a Stage/);
    expectValidationError(() => ComplianceGate.apply(app, { packs: [], controlTowerRules: false }), /compliance-gate-empty/);
  });
});

describe('ComplianceGate.acknowledgeSingleRegion', () => {
  const nist = { packs: [CompliancePack.NIST_800_53_R5], controlTowerRules: false };

  test('without it, an unreplicated dataset store fails NIST 800-53', () => {
    const { reports } = synth((app, stack) => {
      ComplianceGate.apply(app, nist);
      new DatasetStore(stack, 'Datasets');
    });
    expect(replicationRule(reports[0]).length).toBeGreaterThan(0);
  });

  test('acknowledges the replication findings on each bucket of the scope, buckets added later included, and nothing else', () => {
    const { reports } = synth((app, stack) => {
      ComplianceGate.apply(app, nist);
      ComplianceGate.acknowledgeSingleRegion(stack);
      new DatasetStore(stack, 'Datasets');
      new s3.CfnBucket(stack, 'Plain', {});
    });
    const report = reports[0];
    expect(replicationRule(report)).toEqual([]);
    const suppressed = report.suppressedViolations ?? [];
    const at = suppressed.filter((s) => /S3BucketReplicationEnabled/.test(s.ruleName)).map((s) => s.acknowledgedAt).sort();
    expect(at).toEqual(['Team/Datasets/AccessLogs', 'Team/Datasets/Resource', 'Team/Plain']);
    const singleRegion = suppressed.filter((s) => s.reason.startsWith('Single-region platform'));
    expect(singleRegion.map((s) => s.ruleName).every((r) => /S3BucketReplicationEnabled$/.test(r))).toBe(true);
    expect(singleRegion).toHaveLength(3);
    // the plain bucket's other findings stay reported
    expect(report.violations.some((v) => v.violatingConstructs?.some((c) => c.constructPath === 'Team/Plain'))).toBe(true);
  });

  test('wants a reason an auditor can read: 60 characters pass, 59 fail', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => ComplianceGate.acknowledgeSingleRegion(stack, 'x'.repeat(60))).not.toThrow();
    expectValidationError(() => ComplianceGate.acknowledgeSingleRegion(stack, 'x'.repeat(59)), /acknowledgment-reason-too-short/);
    expect(ComplianceGate.singleRegionRules()).toHaveLength(4);
  });
});

describe('ManagedPolicyGrantee', () => {
  test('puts grants in one customer-managed policy attached to the role, not in an inline policy', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const grantee = new ManagedPolicyGrantee(stack, 'JobPolicy', { role, description: 'Batch scoring job' });
    const bucket = new s3.Bucket(stack, 'Bucket');
    const grant = bucket.grantRead(grantee);
    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack).toJSON();
    const types = Object.values<{ Type: string }>(template.Resources).map((r) => r.Type);
    expect(types).toContain('AWS::IAM::ManagedPolicy');
    expect(types).not.toContain('AWS::IAM::Policy');
    const policy = Object.values<{ Type: string; Properties: Record<string, unknown> }>(template.Resources).find((r) => r.Type === 'AWS::IAM::ManagedPolicy')!;
    expect(policy.Properties.Roles).toEqual([{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }]);
    expect(policy.Properties.Description).toBe('Batch scoring job');
    expect(grantee.grantPrincipal).toBe(grantee);
    expect(grantee.policyFragment.principalJson).toEqual(role.policyFragment.principalJson);
  });
});
