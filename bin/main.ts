/**
 * The default app: `npm run synth` runs it through `cdk synth`. CloudFormation goes to cdk.out/
 * (written by the CDK CLI), Kubernetes YAML to dist/.
 *
 * Environment: MLOPS_PROJECTS (number of project instances, default 3: the reference projects), MLOPS_COMPLIANCE=false
 * (skip cdk-nag and cfn-guard, for benchmarks), CDK_VALIDATION=false (skip the built-in
 * CloudFormation schema validation), MLOPS_K8S=false (AWS side only: no charts, nothing written to
 * dist/; for benchmarks).
 */
import * as fs from 'node:fs';
import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { ComplianceGate, KubernetesWarnings } from '../lib/index';
import { buildPlatform } from './platform';

const projects = Number(process.env.MLOPS_PROJECTS ?? '3');
if (!Number.isInteger(projects) || projects < 1) {
  throw new Error(`MLOPS_PROJECTS must be a positive integer, got "${process.env.MLOPS_PROJECTS}"`);
}
const outdir = process.env.MLOPS_K8S_OUTDIR ?? 'dist';

const awsApp = new cdk.App();
if (process.env.MLOPS_COMPLIANCE !== 'false') ComplianceGate.apply(awsApp);
// One cdk8s App per project chart, all writing to the same outdir: cdk8s writes a chart by
// validating its whole App and resolving the App's dependencies again, so an App of N charts costs
// O(N^2) (0.25 s at 100 projects, 3.9 s at 400). The charts are independent (one namespace each;
// every check is per chart), and the files and their contents are the same.
const k8sApps: cdk8s.App[] = [];
const withKubernetes = process.env.MLOPS_K8S !== 'false';
if (withKubernetes) fs.rmSync(outdir, { recursive: true, force: true });
const chartApp = (): cdk8s.App => {
  const app = new cdk8s.App({ outdir });
  k8sApps.push(app);
  return app;
};

const platform = buildPlatform(awsApp, withKubernetes ? chartApp : undefined, { projects });
for (const app of k8sApps) {
  app.synth();
  for (const warning of KubernetesWarnings.of(app)) console.error(`[Warning] ${warning}`);
}
// The images the nodes pull through the cache, which must be pulled once from outside the VPC first.
for (const chart of platform.charts) {
  const images = (chart as { cachedImages?: string[] }).cachedImages;
  if (images) fs.writeFileSync(`${outdir}/${chart.node.id}.images.txt`, `${images.join('\n')}\n`);
}
awsApp.synth();
