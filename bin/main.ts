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
import { ComplianceGate } from '../lib/index';
import { buildPlatform } from './platform';

const projects = Number(process.env.MLOPS_PROJECTS ?? '3');
if (!Number.isInteger(projects) || projects < 1) {
  throw new Error(`MLOPS_PROJECTS must be a positive integer, got "${process.env.MLOPS_PROJECTS}"`);
}
const outdir = process.env.MLOPS_K8S_OUTDIR ?? 'dist';

const awsApp = new cdk.App();
if (process.env.MLOPS_COMPLIANCE !== 'false') ComplianceGate.apply(awsApp);
let k8sApp: cdk8s.App | undefined;
if (process.env.MLOPS_K8S !== 'false') {
  fs.rmSync(outdir, { recursive: true, force: true });
  k8sApp = new cdk8s.App({ outdir });
}

buildPlatform(awsApp, k8sApp, { projects });
k8sApp?.synth();
awsApp.synth();
