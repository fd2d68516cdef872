import { Duration, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { NameRule } from '../core/names';
import { ECR_REPOSITORY_ARN, KMS_KEY_ARN, validateAccountId, validateArn, validateImportedName } from '../core/private/identifiers';
import { createDataKey } from '../private/keys';
import { grantBucketObjects, KMS_S3_READ_ACTIONS, KMS_S3_WRITE_ACTIONS, S3_PUT_OBJECT_ACTIONS, S3_READ_OBJECT_ACTIONS } from '../private/grants';
import { wholeDuration } from '../private/limits';
import { createSecureBucket } from '../private/secure-bucket';
import { BucketReplication } from '../data/bucket-replication';

/** Approval status of a model package, as SageMaker reports it. */
export enum ModelApprovalStatus {
  /** Approved for deployment. */
  APPROVED = 'Approved',
  /** Rejected. */
  REJECTED = 'Rejected',
  /** Registered, waiting for a decision. */
  PENDING_MANUAL_APPROVAL = 'PendingManualApproval',
}

/**
 * A model registry: a SageMaker model package group, the ECR repository of its inference images
 * and the bucket of its model artifacts.
 */
export interface IModelRegistry extends IResource {
  /** Name of the SageMaker model package group. @attribute */
  readonly modelPackageGroupName: string;
  /** ARN of the model package group. @attribute */
  readonly modelPackageGroupArn: string;
  /** Repository of the model's container images. */
  readonly repository: ecr.IRepository;
  /** Bucket of model artifacts (`model.tar.gz`, evaluation reports). */
  readonly artifactBucket: s3.IBucket;
  /** Key the artifacts are encrypted with, if customer-managed. */
  readonly encryptionKey?: kms.IKey;
  /** An EventBridge rule for state changes of this group's model packages. */
  onModelPackageStateChange(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule that fires when a model package of this group is approved. */
  onModelApproved(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule that fires when a model package of this group is rejected. */
  onModelRejected(id: string, options?: events.OnEventOptions): events.Rule;
  /**
   * Grants what a training pipeline needs to register a model version: create and describe
   * model packages in this group, read and write artifacts, pull and push images. The returned
   * grant holds every part: group, images (with the registry login), artifacts and key.
   */
  grantRegisterModel(grantee: iam.IGrantable): iam.Grant;
  /** Grants describing and updating (approving, rejecting) this group's model packages. */
  grantApprove(grantee: iam.IGrantable): iam.Grant;
  /**
   * Grants what a deployment needs: describe model packages, pull images, read artifacts. The
   * returned grant holds every part: group, images (with the registry login), artifacts and key.
   */
  grantPull(grantee: iam.IGrantable): iam.Grant;
  /** Grants reading artifacts (objects and versions, listing) under `prefix`, with decrypt. */
  grantReadArtifacts(grantee: iam.IGrantable, prefix?: string): iam.Grant;
  /**
   * Grants writing artifacts under `prefix` (put and multipart uploads, never delete), with the
   * key actions S3 needs. Training jobs write their output here.
   */
  grantWriteArtifacts(grantee: iam.IGrantable, prefix: string): iam.Grant;
  /**
   * A metric of the registry's image repository (`AWS/ECR`, dimension `RepositoryName`; Sum over
   * 5 minutes). The repository is the only part of a registry with CloudWatch metrics: a
   * SageMaker model package group publishes none (its state changes are EventBridge events, see
   * `onModelPackageStateChange`).
   *
   * @param metricName a name from `ModelRegistryMetricNames`
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * Pulls of the registry's images (`RepositoryPullCount`; Sum over 5 minutes): deployments,
   * training jobs and endpoint scale-outs pulling model images.
   */
  metricImagePullCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * The CloudWatch metrics of a model registry, in one place: the monitoring capability takes
 * metrics from the registry's `metricXxx()` methods, and names only come from here.
 *
 * Source: Amazon ECR user guide, "Amazon ECR repository metrics": ECR publishes
 * `RepositoryPullCount` for private repositories in `AWS/ECR` with the dimension
 * `RepositoryName`, each minute, without setup. SageMaker publishes no CloudWatch metrics for
 * model package groups.
 */
export class ModelRegistryMetricNames {
  /** Namespace of the repository metrics. */
  public static readonly METRIC_NAMESPACE = 'AWS/ECR';
  /** Pulls of the repository's images (Sum). */
  public static readonly REPOSITORY_PULL_COUNT = 'RepositoryPullCount';

  private constructor() {}
}

/** Properties of a {@link ModelRegistry}. */
export interface ModelRegistryProps {
  /**
   * Name of the model package group (SageMaker rules: 1-63 letters, digits, hyphens).
   *
   * @default - generated from the construct path
   */
  readonly modelPackageGroupName?: string;
  /**
   * Description of the model package group.
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * Name of the ECR repository.
   *
   * @default - generated by CloudFormation
   */
  readonly repositoryName?: string;
  /**
   * Customer-managed KMS key for images and artifacts.
   *
   * @default - a new key with automatic rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket for model artifacts. Bring your own to share one artifact bucket between registries.
   *
   * @default - a new KMS-encrypted, versioned, TLS-only bucket with access logs
   */
  readonly artifactBucket?: s3.IBucket;
  /**
   * AWS accounts (12-digit ids) that may read the registry: list and describe model packages,
   * pull images, read artifacts and decrypt them. Typical: the staging and production accounts.
   *
   * @default - no cross-account access
   */
  readonly crossAccountReadAccounts?: string[];
  /**
   * Whether every state change of the group's model packages (registered, approved, rejected) is
   * published to an SNS topic that approvers and deployers subscribe to.
   *
   * @default true
   */
  readonly notifications?: boolean;
  /**
   * Topic for the notifications. Bring your own to share one topic across registries.
   *
   * @default - a new topic encrypted with the registry key, TLS-only
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * How long untagged images (left by interrupted pushes) are kept.
   *
   * @default Duration.days(14)
   */
  readonly untaggedImageExpiration?: Duration;
  /**
   * Replication of every object version of the artifact bucket (delete markers and Object Lock settings included) to a
   * bucket in another region, re-encrypted there with its key: the model artifacts survive the loss of
   * the region. The replication findings of the compliance packs then hold without an
   * acknowledgment. Existing objects are not copied (S3 Batch Replication does that).
   *
   * @default - no replication (see ComplianceGate.acknowledgeSingleRegion)
   */
  readonly replication?: BucketReplication;
  /**
   * What happens to the group, repository, bucket and key when removed from the stack. The
   * default keeps them (on a stack delete, and when an update replaces them) except when the
   * stack's first create fails, so a retry does not collide with the fixed names left behind.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Attributes of a registry created elsewhere. */
export interface ModelRegistryAttributes {
  /** Name of the model package group. */
  readonly modelPackageGroupName: string;
  /** The image repository. */
  readonly repository: ecr.IRepository;
  /** The artifact bucket. */
  readonly artifactBucket: s3.IBucket;
  /**
   * Key of the artifacts.
   *
   * @default - the bucket's `encryptionKey`, if any
   */
  readonly encryptionKey?: kms.IKey;
}

const STATE_CHANGE = 'SageMaker Model Package State Change';
/** What `ecr.Repository` grants for pulls and pushes (same actions, same order). */
const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
const ECR_PUSH_ACTIONS = ['ecr:CompleteLayerUpload', 'ecr:UploadLayerPart', 'ecr:InitiateLayerUpload', 'ecr:BatchCheckLayerAvailability', 'ecr:PutImage'];

/** Events and grants shared by created and imported registries. */
export abstract class ModelRegistryBase extends Resource implements IModelRegistry {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly repository: ecr.IRepository;
  public abstract readonly artifactBucket: s3.IBucket;
  public abstract readonly encryptionKey?: kms.IKey;

  /** ARN of the model package group (SageMaker ARNs carry the name in lower case). */
  public get modelPackageGroupArn(): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: this.lowerName() });
  }

  /** ARN pattern of every model package version in the group. */
  public get modelPackagesArn(): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.lowerName()}/*` });
  }

  public onModelPackageStateChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.rule(id, options);
  }

  public onModelApproved(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.rule(id, options, ModelApprovalStatus.APPROVED);
  }

  public onModelRejected(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.rule(id, options, ModelApprovalStatus.REJECTED);
  }

  public grantRegisterModel(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      resourceArns: [this.modelPackageGroupArn, this.modelPackagesArn],
    }).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
      resourceArns: [this.modelPackagesArn],
    }));
    // Read and put, never delete: registered artifacts are evidence of what was released.
    return grant.combine(this.grantImages(grantee, [...ECR_PULL_ACTIONS, ...ECR_PUSH_ACTIONS])).combine(grantBucketObjects({
      grantee, bucket: this.artifactBucket, key: this.encryptionKey, prefix: '',
      actions: [...S3_READ_OBJECT_ACTIONS, ...S3_PUT_OBJECT_ACTIONS], keyActions: KMS_S3_WRITE_ACTIONS, list: true,
    }));
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackageGroup'],
      resourceArns: [this.modelPackageGroupArn],
    }).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
      resourceArns: [this.modelPackagesArn],
    }));
  }

  public grantPull(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage'],
      resourceArns: [this.modelPackageGroupArn, this.modelPackagesArn],
    });
    return grant.combine(this.grantImages(grantee, ECR_PULL_ACTIONS)).combine(this.grantReadArtifacts(grantee));
  }

  public grantReadArtifacts(grantee: iam.IGrantable, prefix = ''): iam.Grant {
    return grantBucketObjects({
      grantee, bucket: this.artifactBucket, key: this.encryptionKey, prefix,
      actions: S3_READ_OBJECT_ACTIONS, keyActions: KMS_S3_READ_ACTIONS, list: true,
    });
  }

  public grantWriteArtifacts(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return grantBucketObjects({
      grantee, bucket: this.artifactBucket, key: this.encryptionKey, prefix,
      actions: S3_PUT_OBJECT_ACTIONS, keyActions: KMS_S3_WRITE_ACTIONS, list: false,
    });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // In the repository's account and region: an imported repository may live elsewhere.
    const env = this.repository.env;
    return new cloudwatch.Metric({
      namespace: ModelRegistryMetricNames.METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { RepositoryName: this.repository.repositoryName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      account: Token.isUnresolved(env.account) ? undefined : env.account,
      region: Token.isUnresolved(env.region) ? undefined : env.region,
      ...props,
    }).attachTo(this);
  }

  public metricImagePullCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ModelRegistryMetricNames.REPOSITORY_PULL_COUNT, props);
  }

  /**
   * The repository part and the registry login (account-wide) of an image grant, both in the
   * returned grant: `ecr.IRepository.grantPull()` adds the login statement but returns only the
   * repository part.
   */
  private grantImages(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return this.repository.grant(grantee, ...actions).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecr:GetAuthorizationToken'],
      resourceArns: ['*'],
    }));
  }

  private lowerName(): string {
    return Token.isUnresolved(this.modelPackageGroupName) ? this.modelPackageGroupName : this.modelPackageGroupName.toLowerCase();
  }

  private rule(id: string, options: events.OnEventOptions, status?: ModelApprovalStatus): events.Rule {
    if (options.ruleName !== undefined) NameRule.EVENTBRIDGE_RULE.validate(this, 'ruleName', options.ruleName);
    const rule = new events.Rule(this, id, {
      ruleName: options.ruleName,
      description: options.description ?? `Model packages of ${this.modelPackageGroupName}${status ? ` set to ${status}` : ' change state'}`,
      crossStackScope: options.crossStackScope,
    });
    rule.addEventPattern({
      source: ['aws.sagemaker'],
      detailType: [STATE_CHANGE],
      detail: {
        ModelPackageGroupName: [this.modelPackageGroupName],
        ...(status ? { ModelApprovalStatus: [status] } : {}),
      },
    });
    rule.addEventPattern(options.eventPattern);
    if (options.target) rule.addTarget(options.target);
    return rule;
  }
}

/**
 * A model registry: a SageMaker model package group (validated name), an ECR repository for
 * inference images (scan on push, immutable tags, KMS), a KMS-encrypted artifact bucket,
 * approval events and least-privilege grants, with optional cross-account read through
 * resource policies. Everything is retained by default.
 *
 * @example
 * const registry = new ModelRegistry(this, 'Registry', { modelPackageGroupName: 'fraud-scoring' });
 * registry.grantRegisterModel(pipelineRole);
 * registry.onModelApproved('Deploy', { target: new targets.LambdaFunction(deployer) });
 */
export class ModelRegistry extends ModelRegistryBase {
  /** Imports a registry created elsewhere. */
  public static fromModelRegistryAttributes(scope: Construct, id: string, attrs: ModelRegistryAttributes): IModelRegistry {
    class Imported extends ModelRegistryBase {
      public readonly modelPackageGroupName = attrs.modelPackageGroupName;
      public readonly repository = attrs.repository;
      public readonly artifactBucket = attrs.artifactBucket;
      public readonly encryptionKey = attrs.encryptionKey ?? attrs.artifactBucket.encryptionKey;
    }
    const imported = new Imported(scope, id);
    NameRule.SAGEMAKER.validate(imported, 'modelPackageGroupName', attrs.modelPackageGroupName, { generated: false });
    validateImportedName(imported, 'repository.repositoryName', attrs.repository.repositoryName, NameRule.ECR_REPOSITORY);
    validateArn(imported, 'repository.repositoryArn', attrs.repository.repositoryArn, ECR_REPOSITORY_ARN);
    if (imported.encryptionKey) validateArn(imported, attrs.encryptionKey ? 'encryptionKey' : 'artifactBucket.encryptionKey', imported.encryptionKey.keyArn, KMS_KEY_ARN);
    return imported;
  }

  public readonly modelPackageGroupName: string;
  public readonly repository: ecr.IRepository;
  public readonly artifactBucket: s3.IBucket;
  /** The customer-managed key of the registry (always set on a registry created here; optional for jsii, as on IModelRegistry). */
  public readonly encryptionKey?: kms.IKey;
  /** Bucket receiving the artifact bucket's access logs (undefined when the artifact bucket was given). */
  public readonly accessLogsBucket?: s3.IBucket;
  /** Topic receiving the model package state changes (undefined when notifications are off). */
  public readonly notificationTopic?: sns.ITopic;
  /** The rule that publishes state changes to the topic (undefined when notifications are off). */
  public readonly notificationRule?: events.Rule;
  /** The L1 model package group. */
  public readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;

  private readonly groupPolicy = new iam.PolicyDocument();
  private readonly readers = new Set<string>();

  constructor(scope: Construct, id: string, props: ModelRegistryProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.modelPackageGroupName = props.modelPackageGroupName === undefined
      ? NameRule.SAGEMAKER.generate(this, Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }))
      : NameRule.SAGEMAKER.validate(this, 'modelPackageGroupName', props.modelPackageGroupName);
    if (props.repositoryName !== undefined) NameRule.ECR_REPOSITORY.validate(this, 'repositoryName', props.repositoryName);
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > 1024) {
      throw new ValidationError({
        code: 'description-too-long',
        scope: this,
        message: 'A model package group description is at most 1024 characters.',
        received: `${props.description.length} characters`,
        fix: 'Shorten the description.',
      });
    }
    const untagged = props.untaggedImageExpiration ?? Duration.days(14);
    // ECR lifecycle rules count sinceImagePushed in whole days, from 1.
    wholeDuration(this, 'untaggedImageExpiration', untagged, { unit: 'days', min: 1, why: 'ECR lifecycle rules count image age (sinceImagePushed) in whole days, from 1' });
    if (props.encryptionKey) validateArn(this, 'encryptionKey', props.encryptionKey.keyArn, KMS_KEY_ARN);
    (props.crossAccountReadAccounts ?? []).forEach((account, i) => validateAccountId(this, `crossAccountReadAccounts[${i}]`, account));

    this.encryptionKey = props.encryptionKey ?? createDataKey(this, 'Key', `Model registry ${this.node.path}`, removalPolicy);

    this.modelPackageGroup = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageGroupDescription: props.description,
      modelPackageGroupPolicy: Lazy.any({ produce: () => (this.groupPolicy.isEmpty ? undefined : this.groupPolicy.toJSON()) }),
    });
    this.modelPackageGroup.applyRemovalPolicy(removalPolicy);

    this.repository = new ecr.Repository(this, 'Images', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.encryptionKey,
      removalPolicy,
      lifecycleRules: [{
        description: 'Expire untagged images left by interrupted pushes',
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageAge: untagged,
      }],
    });

    const artifacts = props.artifactBucket ? undefined : createSecureBucket(this, 'Artifacts', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
      lifecycleRules: [
        { id: 'intelligent-tiering', transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }] },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      accessLogsPrefix: 'model-artifacts/',
      accessLogsRetention: Duration.days(365),
      replication: props.replication,
    });
    this.artifactBucket = props.artifactBucket ?? artifacts!.bucket;
    this.accessLogsBucket = artifacts?.accessLogsBucket;

    for (const account of props.crossAccountReadAccounts ?? []) this.addCrossAccountReader(account);

    if (props.notifications ?? true) {
      const key = this.encryptionKey;
      this.notificationTopic = props.notificationTopic ?? new sns.Topic(this, 'Notifications', {
        displayName: `Model package state changes of ${this.modelPackageGroupName}`,
        masterKey: key,
        enforceSSL: true,
      });
      if (!props.notificationTopic) {
        // EventBridge must be able to encrypt messages for the KMS-encrypted topic.
        key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
      }
      this.notificationRule = this.onModelPackageStateChange('StateChange', {
        target: new targets.SnsTopic(this.notificationTopic),
      });
    }
  }

  /** The ARN as CloudFormation returns it. */
  public override get modelPackageGroupArn(): string {
    return this.modelPackageGroup.attrModelPackageGroupArn;
  }

  /**
   * Lets another AWS account read the registry: describe the group and its model packages, pull
   * images, read and decrypt artifacts. Adds statements to the group, repository, bucket and key
   * resource policies.
   */
  public addCrossAccountReader(accountId: string): void {
    validateAccountId(this, 'accountId', accountId);
    if (this.readers.has(accountId)) return;
    this.readers.add(accountId);
    const principal = new iam.AccountPrincipal(accountId);
    const n = this.readers.size;
    this.groupPolicy.addStatements(
      new iam.PolicyStatement({
        sid: `CrossAccountReadGroup${n}`,
        principals: [principal],
        actions: ['sagemaker:DescribeModelPackageGroup'],
        resources: [super.modelPackageGroupArn],
      }),
      new iam.PolicyStatement({
        sid: `CrossAccountReadPackages${n}`,
        principals: [principal],
        actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
        resources: [this.modelPackagesArn],
      }),
    );
    this.repository.grantPull(principal);
    this.grantReadArtifacts(principal);
  }
}
