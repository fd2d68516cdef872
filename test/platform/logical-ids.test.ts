import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { buildPlatform } from '../../bin/platform';
import { cdkJsonContext } from '../support/synth-platform';

// Construct ids are public API: a changed id makes CloudFormation replace the resource, and a
// replaced bucket, key, file system, repository or cluster loses (or orphans) what it holds. The
// logical ids of every data-holding resource of the default platform are pinned here, as they
// were before the restructuring into capability folders (issue 7). Adding such a resource means
// adding it here; changing an id means a migration note, not an edit of this list.
const DATA_HOLDING = new Set([
  'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::FSx::FileSystem', 'AWS::FSx::DataRepositoryAssociation', 'AWS::ECR::Repository',
  'AWS::SageMaker::ModelPackageGroup', 'AWS::Logs::LogGroup', 'AWS::EKS::Cluster', 'AWS::SageMaker::Cluster', 'AWS::EC2::VPC',
  'AWS::SQS::Queue', 'AWS::SNS::Topic',
]);

const STORE_AND_REGISTRY = {
  Datasets9A172240: 'AWS::S3::Bucket',
  DatasetsAccessLogs72037CA6: 'AWS::S3::Bucket',
  DatasetsKey83EDD9A9: 'AWS::KMS::Key',
  Registry4DB9CCA5: 'AWS::SageMaker::ModelPackageGroup',
  RegistryAccessLogs7B323143: 'AWS::S3::Bucket',
  RegistryArtifacts7C2929DE: 'AWS::S3::Bucket',
  RegistryImages57582A22: 'AWS::ECR::Repository',
  RegistryKey1053ED4C: 'AWS::KMS::Key',
  RegistryNotifications69BA0499: 'AWS::SNS::Topic',
};
const NETWORK = {
  TrainingNetwork8D4C16A2: 'AWS::EC2::VPC',
  TrainingNetworkFlowLogKeyEA71B9CC: 'AWS::KMS::Key',
  TrainingNetworkFlowLogsA768BD30: 'AWS::Logs::LogGroup',
};
const LUSTRE = {
  LustreF8935BA0: 'AWS::FSx::FileSystem',
  LustreKeyB04314ED: 'AWS::KMS::Key',
  LustreLinkfeatures23C49A9E: 'AWS::FSx::DataRepositoryAssociation',
  LustreLogs8D7A60CF: 'AWS::Logs::LogGroup',
};

/** Per stack: the data-holding resources by logical id, and the stack's resource count (without AWS::CDK::Metadata). */
const EXPECTED: Record<string, { dataHolding: Record<string, string>; resources: number }> = {
  'fraud-scoring-prod': { dataHolding: { ...STORE_AND_REGISTRY, ...NETWORK }, resources: 45 },
  'llm-finetune-prod': { dataHolding: { ...STORE_AND_REGISTRY, ...NETWORK, ...LUSTRE, HyperPodED6AB1C4: 'AWS::SageMaker::Cluster' }, resources: 61 },
  'defect-detection-prod': {
    dataHolding: {
      ...STORE_AND_REGISTRY, ...NETWORK, ...LUSTRE,
      GpuClusterE4981ECB: 'AWS::EKS::Cluster', GpuClusterInterruptionQueue8C56A6F7: 'AWS::SQS::Queue', GpuClusterKey3ABB0039: 'AWS::KMS::Key',
      // added by issue 8: the control plane log group EKS would otherwise create unmanaged
      GpuClusterControlPlaneLogs35E66122: 'AWS::Logs::LogGroup',
      // added by issue 8: the key of the repositories the image cache creates (they outlive the stack)
      ImageCacheKey78940FCF: 'AWS::KMS::Key',
      // the logs of the Argo CD capability's access association handler
      ArgoCdClusterAccessLogsBF9174E5: 'AWS::Logs::LogGroup',
    },
    // issue 8: + the image cache (key, creation role and policy, 3 templates, 3 rules) and the nodes' pull policy
    // and: the GHCR rule and template, the Argo CD capability (role, chart policy, private endpoint,
    // the access association: custom resource, handler, its role, policy and logs)
    resources: 108,
  },
};

let templates: Record<string, { Resources: Record<string, { Type: string }> }>;
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'logical-ids-'));
  const awsApp = new cdk.App({ outdir, context: cdkJsonContext() });
  buildPlatform(awsApp, new cdk8s.App({ outdir: path.join(outdir, 'dist') }), { projects: 3 });
  const assembly = awsApp.synth();
  templates = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template]));
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('the default platform keeps the logical ids of what holds data', () => {
  test('the same three stacks', () => {
    expect(Object.keys(templates).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.keys(EXPECTED))('%s: every data-holding resource under its pinned logical id, and no other', (stack) => {
    const resources = templates[stack].Resources;
    const dataHolding = Object.fromEntries(Object.entries(resources).filter(([, r]) => DATA_HOLDING.has(r.Type)).map(([id, r]) => [id, r.Type]));
    expect(dataHolding).toEqual(EXPECTED[stack].dataHolding);
  });

  test.each(Object.keys(EXPECTED))('%s: the same number of resources', (stack) => {
    const counted = Object.values(templates[stack].Resources).filter((r) => r.Type !== 'AWS::CDK::Metadata');
    expect(counted).toHaveLength(EXPECTED[stack].resources);
  });
});
