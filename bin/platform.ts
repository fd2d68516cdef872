import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import {
  DatasetObjectLock, DatasetStore, DatasetVolumeSource, ModelRegistry, MlProjectChart, MlProjectStack, ProjectIdentityProps,
} from '../lib';

/** Options of the default platform. */
export interface PlatformOptions {
  /** Number of project instances (the first is the fraud-scoring reference project). */
  readonly projects?: number;
}

/** What the default platform contains. */
export interface Platform {
  readonly stacks: MlProjectStack[];
  readonly charts: MlProjectChart[];
}

/**
 * Registers the compliance packs every platform synth runs. The packs are loaded here, not at the
 * top of the file, so that synths without them (benchmarks) do not pay for loading them.
 */
export function addCompliancePlugins(app: cdk.App): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } = require('cdk-nag') as typeof import('cdk-nag');
  const { CfnGuardValidator } = require('@cdklabs/cdk-validator-cfnguard') as typeof import('@cdklabs/cdk-validator-cfnguard');
  /* eslint-enable @typescript-eslint/no-require-imports */
  cdk.Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new HIPAASecurityChecks(app),
    new PCIDSS321Checks(app),
    new CfnGuardValidator({ controlTowerRulesEnabled: true }),
  );
}

const SINGLE_REGION = 'The default platform is single-region: cross-region replication of datasets, models and their '
  + 'access logs needs a destination region and replica keys, which the dataset store and registry do not offer yet '
  + '(README, limits). Versioning, Object Lock and RETAIN protect against loss meanwhile.';
const REPLICATION_RULES = [
  'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled',
  'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
  'PCI.DSS.321::PCI.DSS.321-S3BucketReplicationEnabled',
  'cdk-validator-cfnguard::s3_bucket_replication_enabled_check',
];

/** Acknowledges, bucket by bucket, that the project's buckets are not replicated to another region. */
function acknowledgeSingleRegion(stack: MlProjectStack): void {
  const buckets = [stack.datasets.bucket, stack.registry.artifactBucket];
  if (stack.datasets instanceof DatasetStore) buckets.push(stack.datasets.accessLogsBucket);
  if (stack.registry instanceof ModelRegistry && stack.registry.accessLogsBucket) buckets.push(stack.registry.accessLogsBucket);
  for (const bucket of buckets) {
    cdk.Validations.of(bucket).acknowledge(...REPLICATION_RULES.map((id) => ({ id, reason: SINGLE_REGION })));
  }
}

function identityOf(index: number): ProjectIdentityProps {
  if (index === 0) {
    return { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };
  }
  const n = String(index).padStart(3, '0');
  return { project: `project-${n}`, team: `team-${index % 10}`, stage: 'dev', costCentre: `CC-${1000 + (index % 10)}` };
}

/**
 * The default platform: one MlProjectStack and one MlProjectChart per project instance. The
 * chart mounts the project's `features` zone of the dataset bucket read-only through the
 * Mountpoint for S3 CSI driver, so the bucket gets an explicit name both sides agree on
 * (`mlops-<project>-<stage>-datasets`, override with the `datasetBucketPrefix` context).
 */
export function buildPlatform(awsApp: cdk.App, k8sApp: cdk8s.App, options: PlatformOptions = {}): Platform {
  const count = options.projects ?? 1;
  const bucketPrefix = awsApp.node.tryGetContext('datasetBucketPrefix') ?? 'mlops';
  const stacks: MlProjectStack[] = [];
  const charts: MlProjectChart[] = [];
  for (let i = 0; i < count; i++) {
    const identity = identityOf(i);
    const id = `${identity.project}-${identity.stage}`;
    const bucketName = `${bucketPrefix}-${id}-datasets`;
    const stack = new MlProjectStack(awsApp, id, {
      identity,
      description: `ML project ${identity.project} (${identity.stage}): datasets and model registry`,
      datasetStoreProps: {
        bucketName,
        zones: ['raw', 'curated', 'features'],
        objectLock: i === 0 ? DatasetObjectLock.governance(cdk.Duration.days(30)) : undefined,
      },
    });
    acknowledgeSingleRegion(stack);
    stacks.push(stack);
    charts.push(new MlProjectChart(k8sApp, id, {
      identity,
      datasets: [{ name: 'features', source: DatasetVolumeSource.s3({ bucketName, prefix: 'features/' }) }],
    }));
  }
  return { stacks, charts };
}
