import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildPlatform, Platform } from '../../bin/platform';
import { ComplianceGate, DatasetStore, ProjectNetwork } from '../../lib';

/** The context of cdk.json, so in-process synths behave like `npm run synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/** A validation-report.json entry. */
export interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: { ruleName: string; severity?: string; violatingConstructs?: { constructPath: string }[] }[];
  readonly suppressedViolations?: {
    ruleName: string; acknowledgedId: string; reason: string; acknowledgedAt: string;
    violatingConstructs: { constructPath: string }[];
  }[];
}

/** Result of synthesizing the default platform with every validation plugin on. */
export interface ValidatedSynth extends CompliantSynth {
  readonly platform: Platform;
}

/** Result of a synth with every validation plugin on. */
export interface CompliantSynth {
  readonly outdir: string;
  readonly error?: Error;
  readonly reports: PluginReport[];
}

/**
 * Synthesizes what `build` adds to an app that has the compliance plugins of the default
 * platform and the CloudFormation schema validation made to fail synth, and returns the
 * validation report. Call from a test file that deleted `process.env.CDK_VALIDATION`.
 */
export function synthCompliant(build: (app: cdk.App) => void): CompliantSynth {
  return synthWithReport((app) => {
    ComplianceGate.apply(app);
    build(app);
  });
}

/**
 * Synthesizes what `build` adds to an app with the context of cdk.json (registering plugins is up
 * to `build`) and returns the error synth threw, if any, and the validation report.
 */
export function synthWithReport(build: (app: cdk.App) => void): CompliantSynth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-cdk-'));
  const app = new cdk.App({ outdir, context: cdkJsonContext() });
  build(app);
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  const reports = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')).pluginReports as PluginReport[] : [];
  return { outdir, error, reports };
}

/**
 * Builds the default platform with every validation plugin on, lets `mutate` change it, and
 * synthesizes it.
 */
export function synthValidated(projects: number, mutate?: (platform: Platform, app: cdk.App) => void): ValidatedSynth {
  let platform: Platform | undefined;
  const result = synthCompliant((app) => {
    platform = buildPlatform(app, new cdk8s.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-k8s-')) }), { projects });
    mutate?.(platform, app);
  });
  return { ...result, platform: platform! };
}

/** A stack as training constructs find it in the platform: a training network and a dataset store. */
export interface TrainingFixture {
  readonly stack: cdk.Stack;
  readonly vpc: ec2.IVpc;
  readonly store: DatasetStore;
}

/**
 * A `Training` stack in `app` with the platform's training network (id `Vpc`) and a
 * single-region dataset store (id `Datasets`, replication acknowledged as in bin/platform.ts).
 */
export function trainingFixture(app: cdk.App): TrainingFixture {
  const stack = new cdk.Stack(app, 'Training', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ProjectNetwork(stack, 'Vpc').vpc;
  const store = new DatasetStore(stack, 'Datasets');
  ComplianceGate.acknowledgeSingleRegion(store);
  return { stack, vpc, store };
}
