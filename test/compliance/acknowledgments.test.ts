import { App, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CompliancePack, ComplianceGate, DatasetStore } from '../../lib/index';
import { acknowledge } from '../../lib/private/acknowledgments';
import { synthWithReport } from '../support/synth-platform';

// The library's acknowledgments of cdk-nag and cfn-guard findings are read by those plugins only:
// without one, aws-cdk-lib's recording of each (with a stack trace) is skipped; with one, whether
// registered before the constructs (the usual order) or after them, the findings are acknowledged.
const nist = { packs: [CompliancePack.NIST_800_53_R5], controlTowerRules: false };
const env = { account: '111111111111', region: 'eu-west-1' };
const KMS_RULE = 'NIST.800.53.R5-S3DefaultEncryptionKMS';

const acknowledged = (c: IConstruct): string[] => c.node.metadata
  .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
  .flatMap((m) => Object.keys(m.data as Record<string, string>));

function logBucketFindings(registerFirst: boolean) {
  return synthWithReport((app) => {
    if (registerFirst) ComplianceGate.apply(app, nist);
    const stack = new Stack(app, 'Data', { env });
    new DatasetStore(stack, 'Store');
    ComplianceGate.acknowledgeSingleRegion(stack);
    if (!registerFirst) ComplianceGate.apply(app, nist);
  }).reports.flatMap((r) => [
    ...r.violations.filter((v) => v.ruleName === KMS_RULE).flatMap((v) => (v.violatingConstructs ?? []).map((c) => `violation ${c.constructPath}`)),
    ...(r.suppressedViolations ?? []).filter((s) => s.ruleName === KMS_RULE).map((s) => `acknowledged at ${s.acknowledgedAt}`),
  ]);
}

describe('acknowledgments of plugin findings', () => {
  test('with no validation plugin, none is recorded, and the synth succeeds', () => {
    const app = new App();
    const stack = new Stack(app, 'Data', { env });
    const store = new DatasetStore(stack, 'Store');
    ComplianceGate.acknowledgeSingleRegion(stack);
    app.synth();
    const all = stack.node.findAll().flatMap(acknowledged);
    expect(all).toEqual([]);
    expect(store.node.tryFindChild('AccessLogs')).toBeDefined();
  });

  test('with the plugins registered first, the log bucket is acknowledged when it is created', () => {
    const app = new App();
    ComplianceGate.apply(app, nist);
    const store = new DatasetStore(new Stack(app, 'Data', { env }), 'Store');
    expect(acknowledged(store.node.findChild('AccessLogs'))).toContain(`NIST.800.53.R5::${KMS_RULE}`);
  });

  test.each([true, false])('the plugin finds the log bucket acknowledged (plugins registered before the constructs: %s)', (registerFirst) => {
    expect(logBucketFindings(registerFirst)).toEqual(['acknowledged at Data/Store/AccessLogs']);
  });

  test('annotation acknowledgments are recorded at once, plugin or not', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    acknowledge(stack, { id: 'Annotation::@aws-cdk/core:someWarning', reason: 'a reason' }, { id: 'AwsSolutions::AwsSolutions-S1', reason: 'another reason' });
    expect(acknowledged(stack)).toEqual(['Annotation::@aws-cdk/core:someWarning']);
    ComplianceGate.apply(app, { packs: [CompliancePack.AWS_SOLUTIONS], controlTowerRules: false });
    stack.node.validate();
    expect(acknowledged(stack)).toEqual(['Annotation::@aws-cdk/core:someWarning', 'AwsSolutions::AwsSolutions-S1']);
    // validated again (another synth), still once
    stack.node.validate();
    expect(acknowledged(stack)).toHaveLength(2);
  });
});
