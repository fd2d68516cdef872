import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { addCompliancePlugins, buildPlatform, Platform } from '../../bin/platform';

/** The context of cdk.json, so in-process synths behave like `npm run synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/** A validation-report.json entry. */
export interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: { ruleName: string; severity?: string; violatingConstructs: { constructPath: string }[] }[];
  readonly suppressedViolations?: {
    ruleName: string; acknowledgedId: string; reason: string; acknowledgedAt: string;
    violatingConstructs: { constructPath: string }[];
  }[];
}

/** Result of synthesizing the default platform with every validation plugin on. */
export interface ValidatedSynth {
  readonly platform: Platform;
  readonly outdir: string;
  readonly error?: Error;
  readonly reports: PluginReport[];
}

/**
 * Builds the default platform with the compliance plugins and the CloudFormation schema validation
 * made to fail synth, lets `mutate` change it, synthesizes, and returns the validation report.
 */
export function synthValidated(projects: number, mutate?: (platform: Platform, app: cdk.App) => void): ValidatedSynth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-cdk-'));
  const app = new cdk.App({ outdir, context: cdkJsonContext() });
  addCompliancePlugins(app);
  const platform = buildPlatform(app, new cdk8s.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-k8s-')) }), { projects });
  mutate?.(platform, app);
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  const reports = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')).pluginReports as PluginReport[] : [];
  return { platform, outdir, error, reports };
}
