import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CompliancePack, ComplianceGate, DatasetStore } from '../../lib';
import { expectValidationError } from '../support/errors';
import { PluginReport } from '../support/synth-platform';

// Apps with Stages (a pipeline's dev and prod): aspects stop at a Stage, nested Stages are
// synthesized before the app, and the validation plugins run once, for the whole app, at the end.
const nist = { packs: [CompliancePack.NIST_800_53_R5], controlTowerRules: false };
const env = { account: '111111111111', region: 'eu-west-1' };

function synth(build: (app: App) => void): PluginReport[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-stages-'));
  const app = new App({ outdir });
  build(app);
  try {
    app.synth();
  } catch {
    // findings fail the synth; the report says which
  }
  return JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')).pluginReports;
}

const replication = (r: PluginReport) => r.violations
  .filter((v) => /S3BucketReplicationEnabled/.test(v.ruleName))
  .flatMap((v) => (v.violatingConstructs ?? []).map((c) => c.constructPath)).sort();
const acknowledged = (r: PluginReport) => (r.suppressedViolations ?? [])
  .filter((s) => /S3BucketReplicationEnabled/.test(s.ruleName)).map((s) => `${s.acknowledgedAt} ${s.reason}`).sort();

describe('ComplianceGate in an app with Stages', () => {
  test('applied once on the App, it checks the stacks of nested Stages, each finding once', () => {
    const reports = synth((app) => {
      ComplianceGate.apply(app, nist);
      new DatasetStore(new Stack(new Stage(app, 'Prod'), 'Data', { env }), 'Store');
    });
    expect(reports.map((r) => r.pluginName)).toEqual(['NIST.800.53.R5']);
    expect(replication(reports[0])).toEqual(['Prod/Data/Store/AccessLogs/Resource', 'Prod/Data/Store/Resource/Resource']);
  });

  test('acknowledgeSingleRegion(app) reaches the buckets of nested Stages, at any depth', () => {
    const reports = synth((app) => {
      ComplianceGate.apply(app, nist);
      ComplianceGate.acknowledgeSingleRegion(app);
      const prod = new Stage(app, 'Prod');
      new DatasetStore(new Stack(prod, 'Data', { env }), 'Store');
      new s3.CfnBucket(new Stack(new Stage(prod, 'Eu'), 'Raw', { env }), 'Plain', {});
      new s3.CfnBucket(new Stack(app, 'Top', { env }), 'Plain', {});
    });
    expect(replication(reports[0])).toEqual([]);
    expect(acknowledged(reports[0]).map((a) => a.split(' ')[0])).toEqual(['Prod/Data/Store/AccessLogs', 'Prod/Data/Store/Resource', 'Prod/Eu/Raw/Plain', 'Top/Plain']);
  });

  test('called twice on overlapping scopes, one acknowledgment per bucket, with the later reason', () => {
    const later = 'Replicated by the organisation-wide S3 Batch Replication job of the platform account.';
    const reports = synth((app) => {
      ComplianceGate.apply(app, nist);
      const stack = new Stack(app, 'Data', { env });
      new DatasetStore(stack, 'Store');
      ComplianceGate.acknowledgeSingleRegion(app);
      ComplianceGate.acknowledgeSingleRegion(stack, later);
    });
    expect(acknowledged(reports[0])).toEqual([`Data/Store/AccessLogs ${later}`, `Data/Store/Resource ${later}`]);
  });

  test.each<[string, (app: App) => void]>([
    ['twice on the App', (app) => {
      ComplianceGate.apply(app, nist);
      ComplianceGate.apply(app, { packs: [CompliancePack.AWS_SOLUTIONS, CompliancePack.NIST_800_53_R5], controlTowerRules: false });
    }],
    ['on the App, then on a Stage', (app) => {
      ComplianceGate.apply(app);
      ComplianceGate.apply(new Stage(app, 'Prod'), { packs: [], controlTowerRules: true });
    }],
    ['on a Stage, then on the App', (app) => {
      ComplianceGate.apply(new Stage(app, 'Prod'), nist);
      ComplianceGate.apply(app);
    }],
  ])('a pack applied %s is refused', (_name, build) => {
    expectValidationError(() => build(new App()), /compliance-gate-applied-twice.*Received: \[".*"\]/);
  });

  test('different packs at different levels are fine', () => {
    const app = new App();
    ComplianceGate.apply(app, nist);
    expect(() => ComplianceGate.apply(new Stage(app, 'Prod'), { packs: [CompliancePack.PCI_DSS_321] })).not.toThrow();
  });
});
