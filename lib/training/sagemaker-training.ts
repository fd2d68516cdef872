import { Annotations, ArnFormat, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AcceleratorInstanceType, InstanceTypeUse } from '../core/accelerators';
import { ValidationError } from '../core/errors';
import { NameRule } from '../core/names';
import { IModelRegistry } from '../registry/model-registry';
import { grantBucketObjects, KMS_S3_WRITE_ACTIONS, S3_PUT_OBJECT_ACTIONS, S3_READ_OBJECT_ACTIONS } from '../private/grants';
import { acknowledgeInherentWildcards, S3_OBJECT_PREFIX_ARN } from '../private/iam';
import { ManagedPolicyGrantee } from '../compliance/managed-policy-grantee';
import { isKnownInstanceFamily } from '../private/instance-types';
import { checkSecurityGroupCount, gibibytes, S3_MAX_KEY_BYTES, utf8Bytes, wholeDuration } from '../private/limits';
import { selectPrivateSubnets } from '../private/subnets';
import { isUnresolvedString } from '../core/private/tokens';
import { CheckpointLocation, TrainingCompute, TrainingInput, TrainingInputMode } from './training-input';

/** MaxRuntimeInSeconds and MaxWaitTimeInSeconds: at most 28 days (SageMaker API StoppingCondition). */
const MAX_RUNTIME_SECONDS = Duration.days(28).toSeconds();
/** SageMaker VpcConfig: 1-16 subnets, 1-5 security groups. */
const MAX_VPC_SUBNETS = 16;
const MAX_VPC_SECURITY_GROUPS = 5;
/** A job or pipeline step folder under the output and checkpoint prefixes: a name of up to 64 characters and "/". */
const RUN_FOLDER_BYTES = 65;

/** A metric SageMaker parses from the training logs (the quality gate reads these). */
export interface TrainingMetric {
  /** Metric name, for example `validation:auc`. */
  readonly name: string;
  /** Regular expression with one capture group for the value, for example `val_auc=([0-9.]+)`. */
  readonly regex: string;
}

/**
 * The CloudWatch metrics of SageMaker training jobs, in one place: the monitoring capability takes
 * metrics from the template's `metricXxx()` methods, and names only come from here.
 *
 * Sources: SageMaker developer guide, "Monitor Amazon SageMaker with Amazon CloudWatch" (instance
 * metrics of training jobs in `/aws/sagemaker/TrainingJobs`, dimension `Host` =
 * `<training-job-name>/algo-<instance-number>`, each minute) and "Monitor and Analyze Training Jobs
 * Using Metrics" (the metrics of `MetricDefinitions`, parsed from the logs, in the same namespace
 * with the dimension `TrainingJobName`).
 */
export class TrainingJobMetricNames {
  /** Namespace of the instance metrics and of the metrics parsed from the logs. */
  public static readonly METRIC_NAMESPACE = '/aws/sagemaker/TrainingJobs';
  /** CPU utilization of the algorithm container, summed over cores (0-100% per core). */
  public static readonly CPU_UTILIZATION = 'CPUUtilization';
  /** Memory utilization of the algorithm container (0-100%). */
  public static readonly MEMORY_UTILIZATION = 'MemoryUtilization';
  /** GPU utilization of the algorithm container, summed over GPUs (0-100% per GPU). */
  public static readonly GPU_UTILIZATION = 'GPUUtilization';
  /** GPU memory utilization of the algorithm container, summed over GPUs (0-100% per GPU). */
  public static readonly GPU_MEMORY_UTILIZATION = 'GPUMemoryUtilization';
  /** Disk utilization of the algorithm container (0-100%). */
  public static readonly DISK_UTILIZATION = 'DiskUtilization';

  private constructor() {}
}

/** Options of a training job instance metric. */
export interface TrainingInstanceMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Which instance of the job (SageMaker numbers them `algo-1`, `algo-2`...): 1 to the
   * template's `instanceCount`.
   *
   * @default 1
   */
  readonly instance?: number;
}

/** Properties of a {@link SageMakerTrainingTemplate}. */
export interface SageMakerTrainingTemplateProps {
  /** Input channels (1-20, unique names). */
  readonly inputs: TrainingInput[];
  /** Registry whose repository holds the training image and whose bucket receives the output. */
  readonly registry: IModelRegistry;
  /** Tag of the training image in the registry repository (tags are immutable there). */
  readonly imageTag: string;
  /**
   * Instance type, from the accelerator catalog (or `AcceleratorInstanceType.of('ml.x')`); one
   * SageMaker offers for training (`supports(InstanceTypeUse.SAGEMAKER_TRAINING)`: not inf2).
   */
  readonly instanceType: AcceleratorInstanceType;
  /**
   * Instances (nodes) per job.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Size of the ML storage volume per instance.
   *
   * @default Size.gibibytes(200)
   */
  readonly volumeSize?: Size;
  /**
   * On-demand or managed spot.
   *
   * @default TrainingCompute.onDemand()
   */
  readonly compute?: TrainingCompute;
  /**
   * Where checkpoints go; required for spot.
   *
   * @default - no checkpoints
   */
  readonly checkpoints?: CheckpointLocation;
  /**
   * Maximum run time of a job, in whole seconds from 1 second to 28 days.
   *
   * @default Duration.days(1)
   */
  readonly maxRuntime?: Duration;
  /** VPC the training instances run in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the training instances (private ones only; at most 16).
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the training instances (at most 5).
   *
   * @default - a new group: all traffic among its members, HTTPS out
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Whether the training container has no network access at all (data comes in through the
   * channels, output goes out through SageMaker). Turning it off leaves a warning.
   *
   * @default true
   */
  readonly networkIsolation?: boolean;
  /**
   * Whether traffic between the instances of a distributed job is encrypted. Turning it off
   * leaves a warning.
   *
   * @default true
   */
  readonly interContainerEncryption?: boolean;
  /**
   * Key for the ML storage volumes and the output.
   *
   * @default - the registry's key (the output lands in its artifact bucket)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Hyperparameters (at most 100; keys up to 256, values up to 2500 characters).
   *
   * @default - none
   */
  readonly hyperparameters?: Record<string, string>;
  /**
   * Environment variables of the training container (at most 100).
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Metrics parsed from the logs (at most 40).
   *
   * @default - none
   */
  readonly metrics?: TrainingMetric[];
  /**
   * Prefix of the output under the registry's artifact bucket.
   *
   * @default 'training-output/'
   */
  readonly outputPrefix?: string;
}

const INHERENT_WILDCARDS = [
  { sid: 'TrainingJobLogs', reason: 'SageMaker names each job\'s log stream at run time; the grant is limited to the /aws/sagemaker/TrainingJobs log group.' },
  { sid: 'TrainingJobMetrics', reason: 'cloudwatch:PutMetricData supports no resource-level permission; the grant is limited to the /aws/sagemaker/TrainingJobs namespace by condition.' },
  { sid: 'TrainingJobNetworkInterfacesInSubnets', reason: 'SageMaker creates the job\'s network interfaces at run time, so their ids are unknown; the subnets and security groups they may use are named exactly.' },
  { sid: 'TrainingJobNetworkInterfaceLifecycle', reason: 'SageMaker manages the network interfaces it created for the job, whose ids exist only at run time; limited to this account and region.' },
  { sid: 'TrainingJobDescribeNetwork', reason: 'EC2 Describe actions support no resource-level permission.' },
  { sid: 'TrainingImageRegistryLogin', reason: 'ECR authorization tokens are account-wide: ecr:GetAuthorizationToken supports no resource-level permission.' },
  {
    actions: [...S3_READ_OBJECT_ACTIONS, ...S3_PUT_OBJECT_ACTIONS],
    resources: S3_OBJECT_PREFIX_ARN,
    reason: 'S3 object ARNs need a wildcard after the dataset zone, checkpoint or output prefix that scopes the grant.',
  },
];

/**
 * A template SageMaker training jobs are started from, as the pipeline and monitoring
 * capabilities see it: the job's role and grant principal, its compute, the lineage of its inputs,
 * and the job configuration rendered for Step Functions or SageMaker Pipelines.
 */
export interface ITrainingTemplate extends IConstruct, iam.IGrantable {
  /** The instance type. */
  readonly instanceType: AcceleratorInstanceType;
  /** Instances per job. */
  readonly instanceCount: number;
  /** Lineage of the inputs (dataset URIs and versions), for the model registry. */
  readonly lineage: Record<string, string>;
  /** The `CreateTrainingJob` request for a job named `jobName`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document (jsii: Json)
  toCreateTrainingJobRequest(jobName: string): { [key: string]: any };
  /** A SageMaker Pipelines training step named `stepName`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document (jsii: Json)
  toPipelineStep(stepName: string): { [key: string]: any };

  /**
   * Names of the metrics the jobs parse from their logs (the template's `metrics`), for `metricTrainingMetric`.
   *
   * The metric methods below name one job: SageMaker's dimensions are the job name, which is new
   * for every run (SageMaker Pipelines generates it), so an alarm on them watches that run only.
   * For recurring jobs build a CloudWatch metric math SEARCH over the namespace with these names.
   */
  readonly trainingMetricNames: string[];
  /**
   * An instance metric of the job named `jobName` (`/aws/sagemaker/TrainingJobs`, dimension
   * `Host` = `<jobName>/algo-<instance>`; Average over 5 minutes). Throws `invalid-name` for a
   * job name SageMaker would reject and `invalid-instance` for an instance the jobs do not have.
   *
   * @param metricName a name from `TrainingJobMetricNames`
   * @param jobName the `TrainingJobName` the job was started with (`toCreateTrainingJobRequest`)
   */
  metricInstance(metricName: string, jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric;
  /** CPU utilization of one instance, summed over its cores (Average over 5 minutes). */
  metricCpuUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric;
  /** Memory utilization of one instance (Average over 5 minutes). */
  metricMemoryUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric;
  /**
   * GPU utilization of one instance, summed over its GPUs: 0-800% on 8 GPUs (Average over 5
   * minutes). Only GPU instances report it.
   */
  metricGpuUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric;
  /** GPU memory utilization of one instance, summed over its GPUs (Average over 5 minutes). */
  metricGpuMemoryUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric;
  /** Disk utilization of one instance (Average over 5 minutes): a full volume fails the job. */
  metricDiskUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric;
  /**
   * A metric the job named `jobName` parses from its logs, one of the template's `metrics`
   * (`/aws/sagemaker/TrainingJobs`, dimension `TrainingJobName`; Average over 1 minute). Throws
   * `unknown-training-metric` for a name the template does not declare: SageMaker publishes
   * only the declared ones.
   */
  metricTrainingMetric(metricName: string, jobName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * A SageMaker training job template: the execution role (scoped to the input zones or dataset
 * versions, the registry's image and output prefix, the checkpoint prefix and the keys; no
 * managed policies), VPC placement with a security group, network isolation and inter-container
 * encryption on, KMS for volumes and output, managed spot with checkpoints, and the job
 * configuration, rendered as a `CreateTrainingJob` request or a SageMaker Pipelines step.
 *
 * Training jobs are not CloudFormation resources: pipelines (Step Functions, SageMaker Pipelines)
 * start them from the configuration this template renders.
 */
export class SageMakerTrainingTemplate extends Construct implements ITrainingTemplate {
  /** The execution role SageMaker assumes. */
  public readonly role: iam.Role;
  /** Grant to this to give the job more permissions (they land in its managed policy). */
  public readonly grantPrincipal: iam.IPrincipal;
  /** Security groups of the training instances. */
  public readonly securityGroups: ec2.ISecurityGroup[];
  /** The instance type. */
  public readonly instanceType: AcceleratorInstanceType;
  /** Instances per job. */
  public readonly instanceCount: number;
  /** Lineage of the inputs (dataset URIs and versions), for the model registry. */
  public readonly lineage: Record<string, string>;

  private readonly props: SageMakerTrainingTemplateProps;
  private readonly subnetIds: string[];
  private readonly key?: kms.IKey;
  private readonly outputPrefix: string;
  private readonly checkpointPrefix?: string;
  private readonly maxRuntime: Duration;
  private readonly localStorageGB: number;
  private readonly volumeSizeGB: number;

  constructor(scope: Construct, id: string, props: SageMakerTrainingTemplateProps) {
    super(scope, id);
    this.props = props;
    this.instanceType = props.instanceType;
    this.instanceCount = props.instanceCount ?? 1;
    this.maxRuntime = props.maxRuntime ?? Duration.days(1);
    this.outputPrefix = props.outputPrefix ?? 'training-output/';
    this.key = props.encryptionKey ?? props.registry.encryptionKey;
    this.localStorageGB = props.instanceType.spec?.localStorageGB ?? 0;
    this.volumeSizeGB = (props.volumeSize ? gibibytes(this, 'volumeSize', props.volumeSize, 'invalid-volume-size') : undefined)
      ?? (this.localStorageGB > 0 ? Math.min(200, this.localStorageGB) : 200);
    this.validate(props);

    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `SageMaker training jobs of ${this.node.path}`,
      maxSessionDuration: Duration.hours(12),
    });
    const principal = new ManagedPolicyGrantee(this, 'Policy', { role: this.role, description: `Permissions of the training jobs of ${this.node.path}` });
    this.grantPrincipal = principal;

    const lineage: Record<string, string> = {};
    for (const input of props.inputs) {
      input._bind(principal);
      for (const [k, v] of Object.entries(input.lineage)) lineage[`${input.channelName}:${k}`] = v;
      lineage[`${input.channelName}:s3-uri`] = input.s3Uri;
    }
    this.lineage = lineage;
    // Pull the training image; the registry login (account-wide, on `*`) gets a Sid of its own.
    props.registry.repository.grant(principal, 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage');
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingImageRegistryLogin',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }));
    props.registry.grantWriteArtifacts(principal, this.outputPrefix);
    if (this.key) {
      // Output encryption (Encrypt, GenerateDataKey) and EBS volume encryption (grants for EBS).
      principal.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'TrainingJobKey',
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [this.key.keyArn],
      }));
      principal.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'TrainingJobKeyGrants',
        actions: ['kms:CreateGrant'],
        resources: [this.key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }));
    }
    if (props.checkpoints) {
      this.checkpointPrefix = props.checkpoints.prefix;
      grantBucketObjects({
        grantee: principal, bucket: props.checkpoints.bucket, key: props.checkpoints.encryptionKey, prefix: this.checkpointPrefix,
        actions: [...S3_READ_OBJECT_ACTIONS, ...S3_PUT_OBJECT_ACTIONS], keyActions: KMS_S3_WRITE_ACTIONS, list: true,
      });
    }
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingJobLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingJobMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } },
    }));

    this.subnetIds = selectPrivateSubnets(this, props.vpc, props.vpcSubnets, 'Training instances');
    if (this.subnetIds.length > MAX_VPC_SUBNETS) {
      throw new ValidationError({
        code: 'invalid-subnet', scope: this,
        message: `vpcSubnets: a SageMaker training job's VpcConfig takes at most ${MAX_VPC_SUBNETS} subnets.`,
        received: `${this.subnetIds.length} subnets`, fix: 'Narrow vpcSubnets, for example to the Availability Zones of your capacity.',
      });
    }
    checkSecurityGroupCount(this, 'securityGroups', props.securityGroups?.length ?? 0, MAX_VPC_SECURITY_GROUPS, 'a SageMaker training job\'s VpcConfig',
      'Give at most 5 groups; merge rules into fewer groups.');
    if (props.securityGroups && props.securityGroups.length > 0) {
      this.securityGroups = props.securityGroups;
    } else {
      const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'SageMaker training instances: all traffic among members, HTTPS out',
        allowAllOutbound: false,
      });
      sg.addEgressRule(sg, ec2.Port.allTraffic(), 'Members of the training job');
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS service endpoints');
      sg.addIngressRule(sg, ec2.Port.allTraffic(), 'Members of the training job');
      this.securityGroups = [sg];
    }
    this.grantNetworkInterfaces(principal, stack);
    acknowledgeInherentWildcards(principal.policy, INHERENT_WILDCARDS);

    if (props.networkIsolation === false) {
      Annotations.of(this).addWarningV2('mlops-constructs:network-isolation-off', 'Network isolation is off: training code can reach the network from the container.');
    }
    if (props.interContainerEncryption === false) {
      Annotations.of(this).addWarningV2('mlops-constructs:inter-container-encryption-off', 'Inter-container traffic encryption is off: distributed training traffic crosses the network in clear text.');
    }
  }

  /**
   * The network interfaces SageMaker creates for the job's instances: only in the job's subnets
   * and with its security groups; the interfaces themselves have ids only at run time, and EC2
   * Describe actions take no resource.
   */
  private grantNetworkInterfaces(principal: iam.IGrantable, stack: Stack): void {
    const ec2Arn = (resource: string, id: string) => stack.formatArn({ service: 'ec2', resource, resourceName: id });
    principal.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingJobNetworkInterfacesInSubnets',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ec2Arn('network-interface', '*'),
        ...this.subnetIds.map((id) => ec2Arn('subnet', id)),
        ...this.securityGroups.map((sg) => ec2Arn('security-group', sg.securityGroupId)),
      ],
    }));
    principal.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingJobNetworkInterfaceLifecycle',
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [ec2Arn('network-interface', '*')],
    }));
    principal.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TrainingJobDescribeNetwork',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
      resources: ['*'],
    }));
  }

  /**
   * The `CreateTrainingJob` request for a job named `jobName` (SageMaker rules, at most 63
   * characters). Values that are only known at deploy time are CloudFormation tokens; embed the
   * request in a CloudFormation-deployed definition (Step Functions, SageMaker Pipelines).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document (jsii: Json)
  public toCreateTrainingJobRequest(jobName: string): { [key: string]: any } {
    NameRule.SAGEMAKER.validate(this, 'jobName', jobName, { generated: false });
    return { TrainingJobName: jobName, ...this.jobArguments(jobName) };
  }

  /**
   * A SageMaker Pipelines training step (`Type: Training`) named `stepName`; the pipeline names
   * the job itself.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document (jsii: Json)
  public toPipelineStep(stepName: string): { [key: string]: any } {
    NameRule.SAGEMAKER_PIPELINE_STEP.validate(this, 'stepName', stepName, { generated: false, example: 'Train' });
    // Every execution gets its own output and checkpoint folder: SageMaker would otherwise copy
    // an earlier execution's checkpoints into the new job and resume from them.
    const args = this.jobArguments(stepName) as { OutputDataConfig: Record<string, unknown>; CheckpointConfig?: Record<string, unknown> };
    const perExecution = (uri: unknown) => ({ 'Std:Join': { On: '/', Values: [uri, { Get: 'Execution.PipelineExecutionId' }, ''] } });
    args.OutputDataConfig.S3OutputPath = perExecution(this.s3Uri(this.props.registry.artifactBucket, `${this.outputPrefix}${stepName}`));
    if (args.CheckpointConfig) args.CheckpointConfig.S3Uri = perExecution(this.s3Uri(this.props.checkpoints!.bucket, `${this.checkpointPrefix}${stepName}`));
    return { Name: stepName, Type: 'Training', Arguments: args };
  }

  public get trainingMetricNames(): string[] {
    return (this.props.metrics ?? []).map((m) => m.name);
  }

  public metricInstance(metricName: string, jobName: string, options: TrainingInstanceMetricOptions = {}): cloudwatch.Metric {
    NameRule.SAGEMAKER.validate(this, 'jobName', jobName, { generated: false });
    const { instance = 1, ...props } = options;
    if (!Token.isUnresolved(instance) && (!Number.isInteger(instance) || instance < 1 || instance > this.instanceCount)) {
      throw new ValidationError({
        code: 'invalid-instance', scope: this,
        message: `instance: the jobs of this template run on instances 1 to ${this.instanceCount} (algo-1 to algo-${this.instanceCount}).`,
        received: instance, fix: `Use a whole number from 1 to ${this.instanceCount}.`,
      });
    }
    return this.jobMetric(metricName, { Host: `${jobName}/algo-${instance}` }, cloudwatch.Stats.AVERAGE, Duration.minutes(5), props);
  }

  public metricCpuUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric {
    return this.metricInstance(TrainingJobMetricNames.CPU_UTILIZATION, jobName, options);
  }

  public metricMemoryUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric {
    return this.metricInstance(TrainingJobMetricNames.MEMORY_UTILIZATION, jobName, options);
  }

  public metricGpuUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric {
    return this.metricInstance(TrainingJobMetricNames.GPU_UTILIZATION, jobName, options);
  }

  public metricGpuMemoryUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric {
    return this.metricInstance(TrainingJobMetricNames.GPU_MEMORY_UTILIZATION, jobName, options);
  }

  public metricDiskUtilization(jobName: string, options?: TrainingInstanceMetricOptions): cloudwatch.Metric {
    return this.metricInstance(TrainingJobMetricNames.DISK_UTILIZATION, jobName, options);
  }

  public metricTrainingMetric(metricName: string, jobName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const declared = this.trainingMetricNames;
    if (!declared.includes(metricName)) {
      throw new ValidationError({
        code: 'unknown-training-metric', scope: this,
        message: 'SageMaker publishes only the metrics the job declares (MetricDefinitions), and this template does not declare this one.',
        received: metricName,
        fix: declared.length > 0 ? `Use one of ${JSON.stringify(declared)}, or add it to the template's metrics.` : 'Declare it in the template\'s metrics ({ name, regex }).',
      });
    }
    NameRule.SAGEMAKER.validate(this, 'jobName', jobName, { generated: false });
    return this.jobMetric(metricName, { TrainingJobName: jobName }, cloudwatch.Stats.AVERAGE, Duration.minutes(1), props);
  }

  private jobMetric(metricName: string, dimensionsMap: Record<string, string>, statistic: string, period: Duration, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: TrainingJobMetricNames.METRIC_NAMESPACE, metricName, dimensionsMap, statistic, period, ...props,
    }).attachTo(this);
  }

  private s3Uri(bucket: s3.IBucket, key: string): string {
    return `s3://${bucket.bucketName}/${key}`;
  }

  private jobArguments(runName: string): Record<string, unknown> {
    const p = this.props;
    const spot = p.compute?.isSpot ?? false;
    const stopping: Record<string, number> = { MaxRuntimeInSeconds: this.maxRuntime.toSeconds() };
    if (spot) stopping.MaxWaitTimeInSeconds = p.compute!.maxWait!.toSeconds();
    const request: Record<string, unknown> = {
      AlgorithmSpecification: {
        TrainingImage: p.registry.repository.repositoryUriForTag(p.imageTag),
        TrainingInputMode: 'File',
        MetricDefinitions: p.metrics?.map((m) => ({ Name: m.name, Regex: m.regex })),
      },
      RoleArn: this.role.roleArn,
      InputDataConfig: p.inputs.map((input) => ({
        ChannelName: input.channelName,
        InputMode: input.inputMode,
        DataSource: { S3DataSource: { S3DataType: input.s3DataType, S3Uri: input.s3Uri, S3DataDistributionType: 'FullyReplicated' } },
      })),
      OutputDataConfig: {
        S3OutputPath: `s3://${p.registry.artifactBucket.bucketName}/${this.outputPrefix}${runName}/`,
        KmsKeyId: this.key?.keyArn,
      },
      ResourceConfig: {
        InstanceType: this.instanceType.sageMakerName,
        InstanceCount: this.instanceCount,
        VolumeSizeInGB: this.volumeSizeGB,
        // Types with local NVMe storage use it, hardware-encrypted; SageMaker rejects a volume key there.
        VolumeKmsKeyId: this.localStorageGB > 0 ? undefined : this.key?.keyArn,
      },
      VpcConfig: { Subnets: this.subnetIds, SecurityGroupIds: this.securityGroups.map((sg) => sg.securityGroupId) },
      StoppingCondition: stopping,
      EnableNetworkIsolation: p.networkIsolation ?? true,
      EnableInterContainerTrafficEncryption: p.interContainerEncryption ?? true,
      EnableManagedSpotTraining: spot,
      HyperParameters: p.hyperparameters,
      Environment: p.environment,
    };
    if (this.checkpointPrefix !== undefined) {
      request.CheckpointConfig = {
        S3Uri: `s3://${p.checkpoints!.bucket.bucketName}/${this.checkpointPrefix}${runName}/`,
        LocalPath: '/opt/ml/checkpoints',
      };
    }
    // Tokens stay unresolved: the stack that embeds the request (Stack.toJsonString, a Step
    // Functions or pipeline definition) resolves them, with cross-stack references if needed.
    return JSON.parse(JSON.stringify(request));
  }

  private validate(props: SageMakerTrainingTemplateProps): void {
    const fail = (code: string, message: string, received: unknown, fix: string): never => {
      throw new ValidationError({ code, scope: this, message, received, fix });
    };
    const type = props.instanceType;
    if (!type.wellFormed) fail('invalid-instance-type', 'The instance type is not a SageMaker or EC2 instance type name.', type.ec2Name, 'Use a catalog entry such as AcceleratorInstanceType.G6E_XLARGE or AcceleratorInstanceType.of("ml.g6e.xlarge").');
    const listed = isKnownInstanceFamily(type.family);
    if (!isUnresolvedString(type.ec2Name) && type.wellFormed && !listed) {
      // A family newer than the library's lists: SageMaker may offer it already, so it decides at deploy time.
      Annotations.of(this).addWarningV2('mlops-constructs:unlisted-instance-type',
        `Instance type ${type.sageMakerName} is of a family the library's list of SageMaker training types (the SageMaker API as of August 2026) does not have; it is passed on unchecked, and CreateTrainingJob rejects it if SageMaker does not train on it.`);
    } else if (!isUnresolvedString(type.ec2Name) && !type.supports(InstanceTypeUse.SAGEMAKER_TRAINING)) {
      const sameFamily = AcceleratorInstanceType.typesFor(InstanceTypeUse.SAGEMAKER_TRAINING).filter((t) => AcceleratorInstanceType.of(t).family === type.family);
      fail('unsupported-instance-type', `instanceType: SageMaker training does not offer ${type.sageMakerName}${type.supports(InstanceTypeUse.SAGEMAKER_HOSTING) ? ' (it is offered for hosting only)' : ''}.`,
        type.sageMakerName, sameFamily.length > 0
          ? `Use a size SageMaker trains on: ${sameFamily.join(', ')}.`
          : 'Use a type SageMaker trains on (AcceleratorInstanceType.typesFor(InstanceTypeUse.SAGEMAKER_TRAINING)), for example ml.g6e.xlarge, ml.p5.48xlarge or ml.trn1.32xlarge.');
    }
    if (!type.catalogued) Annotations.of(this).addInfo(`Instance type ${type.sageMakerName} is not in the accelerator catalog; its accelerators are not checked.`);
    if (!Number.isInteger(this.instanceCount) || this.instanceCount < 1) fail('invalid-instance-count', 'instanceCount must be a whole number of at least 1.', props.instanceCount, 'Use 1 for single-node training, more for distributed training.');
    const volume = this.volumeSizeGB;
    if (!Token.isUnresolved(volume) && (!Number.isInteger(volume) || volume < 1 || volume > 16384)) fail('invalid-volume-size', 'volumeSize must be a whole number of GiB from 1 to 16384 (SageMaker counts VolumeSizeInGB in whole GiB).', `${volume} GiB`, 'Use Size.gibibytes(n) with a whole n from 1 to 16384.');
    if (!Token.isUnresolved(volume) && this.localStorageGB > 0 && volume > this.localStorageGB) {
      fail('invalid-volume-size', `${type.sageMakerName} trains on its ${this.localStorageGB} GB of local NVMe storage; SageMaker rejects a larger volume size.`,
        `${volume} GiB`, `Use at most Size.gibibytes(${this.localStorageGB}), or an instance type with more local storage.`);
    }
    // MaxRuntimeInSeconds and MaxWaitTimeInSeconds are whole seconds, at most 28 days.
    const runtime = wholeDuration(this, 'maxRuntime', this.maxRuntime, {
      unit: 'seconds', min: 1, max: MAX_RUNTIME_SECONDS, code: 'invalid-max-runtime',
      why: 'SageMaker counts MaxRuntimeInSeconds in whole seconds, up to 28 days', fix: 'Use a duration such as Duration.hours(24), at most Duration.days(28).',
    });
    if (props.compute?.isSpot) {
      if (!props.checkpoints) fail('spot-without-checkpoints', 'Managed spot training without checkpoints restarts interrupted jobs from scratch.', 'compute: spot, checkpoints: undefined', 'Set checkpoints, e.g. CheckpointLocation.inDatasetStore(store, "features", "checkpoints/"), or use TrainingCompute.onDemand().');
      const wait = wholeDuration(this, 'compute (TrainingCompute.spot maxWait)', props.compute.maxWait!, {
        unit: 'seconds', min: 1, max: MAX_RUNTIME_SECONDS, code: 'invalid-max-wait',
        why: 'SageMaker counts MaxWaitTimeInSeconds in whole seconds, up to 28 days', fix: 'Use a maxWait of maxRuntime plus the time you accept waiting for capacity, at most Duration.days(28).',
      });
      if (!Token.isUnresolved(wait) && !Token.isUnresolved(runtime) && wait < runtime) fail('invalid-max-wait', 'compute: the spot maxWait must be at least maxRuntime (SageMaker counts the run time within the wait).', { maxWait: props.compute.maxWait!.toHumanString(), maxRuntime: this.maxRuntime.toHumanString() }, 'Use a maxWait of maxRuntime plus the time you accept waiting for capacity.');
    }
    if (props.checkpoints) {
      const prefix = props.checkpoints.prefix;
      if (!Token.isUnresolved(prefix) && prefix !== '' && (prefix.startsWith('/') || !prefix.endsWith('/'))) fail('invalid-prefix', 'A checkpoint prefix must not start with "/" and must end with "/".', prefix, 'Use a prefix such as "checkpoints/".');
      if (!Token.isUnresolved(prefix) && utf8Bytes(prefix) > S3_MAX_KEY_BYTES - RUN_FOLDER_BYTES) {
        fail('key-too-long', `checkpoints: the checkpoint prefix is ${utf8Bytes(prefix)} bytes in UTF-8; with a job folder (up to ${RUN_FOLDER_BYTES} bytes) S3 keys would pass ${S3_MAX_KEY_BYTES} bytes.`,
          prefix, `Shorten the prefix to at most ${S3_MAX_KEY_BYTES - RUN_FOLDER_BYTES} bytes (characters such as "é" take 2).`);
      }
    }
    if (!this.outputPrefix.endsWith('/') || this.outputPrefix.startsWith('/')) fail('invalid-prefix', 'outputPrefix must not start with "/" and must end with "/".', this.outputPrefix, 'Use a prefix such as "training-output/".');
    if (!Token.isUnresolved(this.outputPrefix) && utf8Bytes(this.outputPrefix) > S3_MAX_KEY_BYTES - RUN_FOLDER_BYTES) {
      fail('key-too-long', `outputPrefix is ${utf8Bytes(this.outputPrefix)} bytes in UTF-8; with a job folder (up to ${RUN_FOLDER_BYTES} bytes) S3 keys would pass ${S3_MAX_KEY_BYTES} bytes.`,
        this.outputPrefix, `Shorten outputPrefix to at most ${S3_MAX_KEY_BYTES - RUN_FOLDER_BYTES} bytes (characters such as "é" take 2).`);
    }
    // The Docker tag grammar, which ECR accepts: a word character, then up to 127 of word characters, "." and "-".
    if (!/^\w[\w.-]{0,127}$/.test(props.imageTag) && !Token.isUnresolved(props.imageTag)) fail('invalid-image-tag', 'imageTag is not a valid image tag (1-128 letters, digits, "_", "." and "-", not starting with "." or "-").', props.imageTag, 'Use the immutable tag you pushed, such as "2026-11-25-abc1234".');
    if (props.inputs.length < 1 || props.inputs.length > 20) fail('invalid-inputs', 'A training job has 1 to 20 input channels.', props.inputs.length, 'Give at least one TrainingInput.');
    const names = new Set<string>();
    for (const input of props.inputs) {
      const channelProblem = NameRule.SAGEMAKER_CHANNEL.problem(input.channelName);
      if (channelProblem) fail('invalid-inputs', `A channel name ${channelProblem}.`, input.channelName, 'Use a name such as "train" or "validation".');
      if (names.has(input.channelName)) fail('invalid-inputs', 'Channel names must be unique.', input.channelName, 'Give each input its own channelName.');
      const uri = input.s3Uri;
      if (!isUnresolvedString(uri) && [...uri].length > 1024) fail('key-too-long', `inputs: channel "${input.channelName}" has an S3 URI of ${[...uri].length} characters; SageMaker takes at most 1024.`, `${uri.slice(0, 80)}...`, 'Use a shorter dataset key or zone.');
      // An enum in TypeScript; from other languages or through casts a plain string can still arrive.
      if (!Object.values(TrainingInputMode).includes(input.inputMode)) fail('invalid-inputs', 'inputMode must be File, FastFile or Pipe.', input.inputMode, 'Use TrainingInputMode.FAST_FILE (streaming) or TrainingInputMode.FILE (copy first).');
      names.add(input.channelName);
    }
    checkMap(this, 'hyperparameters', props.hyperparameters, 100, 256, 2500);
    checkMap(this, 'environment', props.environment, 100, 512, 512);
    const badEnv = Object.keys(props.environment ?? {}).find((k) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k));
    if (badEnv !== undefined) fail('invalid-environment', 'Environment variable names are letters, digits and "_", not starting with a digit.', badEnv, 'Rename the variable, for example MODEL_DIR.');
    const metrics = props.metrics ?? [];
    if (metrics.length > 40) fail('invalid-metrics', 'A training job parses at most 40 metrics.', metrics.length, 'Keep the metrics the quality gate and dashboards use.');
    for (const m of metrics) {
      if (m.name.length < 1 || m.name.length > 255 || m.regex.length < 1 || m.regex.length > 500) fail('invalid-metrics', 'A metric has a name of 1-255 characters and a regex of 1-500 characters.', m, 'Shorten the name or the regex.');
      let groups = 0;
      try {
        groups = new RegExp(`${m.regex}|`).exec('')!.length - 1;
      } catch {
        fail('invalid-metrics', 'The metric regex does not compile.', m.regex, 'Fix the regular expression.');
      }
      if (groups !== 1) fail('invalid-metrics', 'A metric regex needs exactly one capture group: the value.', m.regex, 'Capture the number, e.g. "val_auc=([0-9.]+)".');
    }
  }
}

function checkMap(scope: IConstruct, prop: string, map: Record<string, string> | undefined, maxEntries: number, maxKey: number, maxValue: number): void {
  if (!map) return;
  const entries = Object.entries(map);
  const bad = entries.find(([k, v]) => k.length < 1 || k.length > maxKey || typeof v !== 'string' || v.length > maxValue);
  if (entries.length > maxEntries || bad) {
    throw new ValidationError({
      code: `invalid-${prop}`, scope,
      message: `${prop} allows at most ${maxEntries} entries, keys of 1-${maxKey} characters and string values of at most ${maxValue} characters.`,
      received: bad ? bad[0] : `${entries.length} entries`,
      fix: `Trim ${prop}; pass large configuration as an input channel instead.`,
    });
  }
}
