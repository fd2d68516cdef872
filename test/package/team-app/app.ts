/**
 * A team's CDK + cdk8s app, as a team repository writes it: it depends on the packed library and
 * its peers only, compiles with plain tsc and runs with plain node. The package test installs it
 * in a scratch folder (test/package/pack-install-synth.test.mjs).
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cdk8s from 'cdk8s';
import {
  ComplianceGate, DatasetVolumeSource, ManagedPolicyGrantee, MlopsErrors, MlProjectChart, MlProjectStack, ValidationErrorDetails,
} from 'mlops-constructs';

const outdir = process.argv[2] ?? '.';
const identity = { project: 'churn', team: 'growth-ml', stage: 'dev', costCentre: 'CC-1234' };

const app = new App({ outdir: path.join(outdir, 'cdk.out') });
ComplianceGate.apply(app);
const project = new MlProjectStack(app, 'churn-dev', { identity, env: { account: '111111111111', region: 'eu-west-1' } });
ComplianceGate.acknowledgeSingleRegion(project);
project.registry.onModelApproved('Deploy');

// the team's own role passes the packs the way the library's roles do
const scoring = new iam.Role(project, 'ScoringRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
project.datasets.grantRead(new ManagedPolicyGrantee(project, 'ScoringPolicy', { role: scoring, description: 'Batch scoring reads features' }), 'features');

const k8sApp = new cdk8s.App({ outdir: path.join(outdir, 'dist') });
new MlProjectChart(k8sApp, 'churn-dev', {
  identity,
  datasets: [{ name: 'features', source: DatasetVolumeSource.s3({ region: 'eu-west-1', bucketName: 'churn-dev-datasets', prefix: 'features/' }) }],
});

// bad input: the library's error, readable field by field
let badInput: ValidationErrorDetails | undefined;
try {
  new MlProjectStack(new App(), 'bad', { identity: { ...identity, project: 'Churn_Model' } });
} catch (e) {
  if (!MlopsErrors.isValidationError(e)) throw e;
  badInput = MlopsErrors.validationErrorDetails(e);
}

k8sApp.synth();
app.synth();
console.log(JSON.stringify({ stacks: app.node.children.filter((c) => Stack.isStack(c)).map((s) => s.node.id), badInput }));
