import { RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, IConstruct } from 'constructs';
import { acknowledge, acknowledgeDeploymentFunction, acknowledgePlainLogGroup } from '../../private/acknowledgments';
import { KMS_S3_WRITE_ACTIONS, listUnderPrefix } from '../../private/grants';
import { acknowledgeInherentWildcards } from '../../private/iam';

/** Where a set of lifecycle scripts goes. @internal */
export interface ScriptsDeploymentProps {
  /** Local directory of the scripts. */
  readonly directory: string;
  readonly bucket: s3.IBucket;
  readonly encryptionKey?: kms.IKey;
  /** Key prefix in the bucket, ending in `/`. */
  readonly keyPrefix: string;
  /** Who the scripts are for, for the descriptions. */
  readonly purpose: string;
}

/**
 * aws-cdk-lib runs every BucketDeployment of a stack with the same memory, storage and network
 * settings on one Lambda function, whose role is the one the first deployment passes. These
 * settings (256 MiB, 512 MiB of /tmp given explicitly) give the library's deployments a function of
 * their own, so a team's BucketDeployment never runs with this role (which ignores grants), nor
 * these with the team's.
 */
const HANDLER_MEMORY_MIB = 256;
const HANDLER_STORAGE = Size.mebibytes(512);

interface Handler {
  readonly role: iam.Role;
  readonly logs: logs.LogGroup;
}

const handlers = new WeakMap<Stack, Handler>();

/**
 * The role and log group of the stack's lifecycle script deployments, created once per stack:
 * the role carries no policy of its own (each deployment attaches a managed policy for its
 * prefix) and no AWS managed policy; the log group keeps a year.
 */
function handlerOf(stack: Stack): Handler {
  const existing = handlers.get(stack);
  if (existing) return existing;
  const scope = new Construct(stack, 'HyperPodScriptsDeployer');
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Uploads HyperPod lifecycle scripts of ${stack.stackName} to their dataset store prefix`,
  });
  const logsPolicy = new iam.ManagedPolicy(scope, 'LogsPolicy', {
    roles: [role],
    description: 'Logs of the HyperPod lifecycle script deployments',
    statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] })],
  });
  acknowledgeInherentWildcards(logsPolicy, [
    { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: /:\*$/, reason: 'Log streams of the deployer\'s own log group are named by Lambda at run time.' },
  ]);
  acknowledgePlainLogGroup(logGroup, 'The deployer logs which script files it copied to which S3 prefix, no data; its group is kept a year.');
  const handler = { role, logs: logGroup };
  handlers.set(stack, handler);
  return handler;
}

/**
 * Uploads a directory of lifecycle scripts to `keyPrefix` of `bucket` at deployment time: a
 * BucketDeployment (the directory as an asset, copied by aws-cdk-lib's deployment function) whose
 * permissions are a managed policy of its own, limited to the asset and to the prefix. The prefix
 * belongs to the deployment: files not in the directory are removed from it (prune), and the
 * files stay when the stack is deleted (retained). Returns the construct to depend on. @internal
 */
export function deployLifecycleScripts(scope: Construct, id: string, props: ScriptsDeploymentProps): IConstruct {
  const stack = Stack.of(scope);
  const handler = handlerOf(stack);
  const container = new Construct(scope, id);
  const asset = new s3assets.Asset(container, 'Asset', { path: props.directory });
  const key = props.encryptionKey ?? props.bucket.encryptionKey;
  const policy = new iam.ManagedPolicy(container, 'Policy', {
    roles: [handler.role],
    description: `Upload of the lifecycle scripts of ${props.purpose}`,
    statements: [
      new iam.PolicyStatement({ sid: 'ReadScriptsAsset', actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
      new iam.PolicyStatement({ sid: 'ListScriptsPrefix', actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: listUnderPrefix(props.keyPrefix) }),
      new iam.PolicyStatement({ sid: 'WriteScriptsPrefix', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [props.bucket.arnForObjects(`${props.keyPrefix}*`)] }),
      ...(key ? [new iam.PolicyStatement({
        sid: 'EncryptScripts',
        actions: KMS_S3_WRITE_ACTIONS,
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      })] : []),
    ],
  });
  acknowledgeInherentWildcards(policy, [
    { sid: 'WriteScriptsPrefix', reason: 'The deployer writes whichever script files the directory holds, all under this one lifecycle scripts prefix.' },
  ]);
  const deployment = new s3deploy.BucketDeployment(container, 'Deployment', {
    sources: [s3deploy.Source.bucket(asset.bucket, asset.s3ObjectKey)],
    destinationBucket: props.bucket,
    destinationKeyPrefix: props.keyPrefix,
    prune: true,
    retainOnDelete: true,
    role: handler.role.withoutPolicyUpdates(),
    logGroup: handler.logs,
    memoryLimit: HANDLER_MEMORY_MIB,
    ephemeralStorageSize: HANDLER_STORAGE,
  });
  // The copy runs with the policy attached.
  deployment.node.addDependency(policy);
  acknowledgeHandler(stack);
  return container;
}

/** Construct id prefix aws-cdk-lib gives the BucketDeployment functions of a stack. */
const DEPLOYMENT_FUNCTION_PREFIX = 'Custom::CDKBucketDeployment';

/** What the compliance packs find on the deployment function, and why it stands. */
function acknowledgeHandler(stack: Stack): void {
  const suffix = `${HANDLER_MEMORY_MIB}MiB${HANDLER_STORAGE.toMebibytes()}MiB`;
  const fn = stack.node.children.find((c) => c.node.id.startsWith(DEPLOYMENT_FUNCTION_PREFIX) && c.node.id.endsWith(suffix));
  if (!fn || handled.has(fn)) return;
  handled.add(fn);
  acknowledgeDeploymentFunction(fn, 'The function runs during deployment only and copies the script files from the CDK asset bucket to one dataset store prefix through the S3 API; it reaches nothing in the VPC, whose isolated subnets it would need endpoints for.');
  acknowledge(fn, {
    id: 'AwsSolutions::AwsSolutions-L1',
    reason: 'aws-cdk-lib fixes the runtime of its BucketDeployment function (Python 3.13, the one its handler and AWS CLI layer are built for); it moves with aws-cdk-lib upgrades, not by a setting of this library.',
  });
}

const handled = new WeakSet<IConstruct>();
