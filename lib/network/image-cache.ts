import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';
import { ImageCacheNaming, ImageUpstream } from '../core/image-upstreams';
import { cachedImageReference } from '../core/private/image-references';
import { ECR_LOGIN_SID, IMAGE_CACHE_PULL_ACTIONS } from '../private/grants';
import { acknowledgeInherentWildcards } from '../private/iam';
import { createDataKey } from '../private/keys';
import { wholeDuration } from '../private/limits';

/** Prefix Amazon ECR requires of the names of pull-through cache credential secrets. */
const CREDENTIAL_SECRET_PREFIX = 'ecr-pullthroughcache/';

/**
 * One upstream registry of an {@link ImageCache}, with the Secrets Manager secret ECR
 * authenticates with where the upstream needs one (Docker Hub, GitHub Container Registry).
 */
export class ImageCacheUpstream {
  /** An upstream that needs no credentials: ECR Public, registry.k8s.io or Quay. */
  public static of(upstream: ImageUpstream): ImageCacheUpstream {
    return new ImageCacheUpstream(upstream);
  }

  /**
   * An upstream ECR authenticates to with `credentials`: a secret in the cache's account and
   * region whose name starts with `ecr-pullthroughcache/`, holding `{"username": ..., "accessToken": ...}`,
   * encrypted with the default `aws/secretsmanager` key (ECR's service-linked role can read no
   * other). Import an existing one with `secretsmanager.Secret.fromSecretCompleteArn()` (the
   * complete ARN, as AWS's examples give it; `fromSecretNameV2()` gives a partial ARN, which ECR
   * was not verified to accept).
   */
  public static withCredentials(upstream: ImageUpstream, credentials: secretsmanager.ISecret): ImageCacheUpstream {
    return new ImageCacheUpstream(upstream, { secret: credentials });
  }

  /**
   * Like `withCredentials()`, with the secret's complete ARN
   * (`arn:aws:secretsmanager:<region>:<account>:secret:ecr-pullthroughcache/<name>-<6 characters>`).
   */
  public static withCredentialsArn(upstream: ImageUpstream, secretArn: string): ImageCacheUpstream {
    return new ImageCacheUpstream(upstream, { arn: secretArn });
  }

  /**
   * Like `withCredentials()`, with the secret's name (`ecr-pullthroughcache/ghcr`): the rule gets
   * the partial ARN of that name in the cache's account and region, which ECR was not verified to
   * accept; prefer `withCredentialsArn()` once the secret exists.
   */
  public static withCredentialsName(upstream: ImageUpstream, secretName: string): ImageCacheUpstream {
    return new ImageCacheUpstream(upstream, { name: secretName });
  }

  private constructor(
    /** The upstream registry. */
    public readonly upstream: ImageUpstream,
    private readonly credentials?: { secret?: secretsmanager.ISecret; arn?: string; name?: string },
  ) {}

  /** Whether credentials were given. */
  public get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The secret's name as far as it is known at synth time (with its suffix, for an ARN). @internal */
  public _secretName(): string | undefined {
    const c = this.credentials;
    if (c?.secret) return c.secret.secretName;
    if (c?.arn !== undefined) return Token.isUnresolved(c.arn) ? undefined : /:secret:(.+)$/.exec(c.arn)?.[1] ?? c.arn;
    return c?.name;
  }

  /** The `CredentialArn` of the rule. @internal */
  public _credentialArn(scope: IConstruct): string | undefined {
    const c = this.credentials;
    if (c === undefined) return undefined;
    // The complete ARN where it is known: every documented example passes one.
    if (c.secret) return c.secret.secretFullArn ?? c.secret.secretArn;
    if (c.arn !== undefined) return c.arn;
    return Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: c.name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}

/** The upstreams a cache mirrors unless told otherwise: those that need no credentials. */
const DEFAULT_UPSTREAMS = [ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES, ImageUpstream.QUAY];

/** What an {@link ImageCache} mirrors and how it keeps the images; the project stack takes these. */
export interface ImageCacheOptions {
  /**
   * The registries to mirror. Each is one pull-through cache rule; ECR allows only a few rules
   * per registry (check the "Pull through cache rules" quota of your account), so projects in one
   * account can share one cache.
   *
   * @default - ECR Public, registry.k8s.io and Quay (the upstreams that need no credentials)
   */
  readonly upstreams?: ImageCacheUpstream[];
  /**
   * Key of the cached repositories. ECR creates those repositories on first pull, outside
   * CloudFormation, so they outlive this stack: a key created here is retained with them.
   *
   * @default - a new key with automatic rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Tag mutability of the cached repositories. ECR refreshes a cached tag from its upstream (at
   * most once every 24 hours) and may not be able to do so in an immutable repository; pin
   * workloads by digest for images that never change under them.
   *
   * @default ecr.TagMutability.MUTABLE
   */
  readonly imageTagMutability?: ecr.TagMutability;
  /**
   * Age at which untagged images (left behind when ECR refreshes a tag) are expired: whole days.
   *
   * @default Duration.days(14)
   */
  readonly untaggedImageExpiration?: Duration;
}

/** Properties of an {@link ImageCache}. */
export interface ImageCacheProps extends ImageCacheOptions {
  /**
   * First part of every cached repository's name: the rule for an upstream caches into
   * `<namespace>/<upstream prefix>/...` (`vision-prod/quay/...`). At most 23 characters, so the
   * longest rule prefix (`<namespace>/docker`) stays within ECR's 30.
   * `ImageCacheNaming.defaultNamespace(identity)` derives one from a project identity.
   */
  readonly repositoryNamespace: string;
}

/** An image cache: pull-through cache rules that mirror public registries into private ECR repositories. */
export interface IImageCache extends IConstruct {
  /** First part of the cached repositories' names. */
  readonly repositoryNamespace: string;
  /** The registries the cache mirrors. */
  readonly upstreams: ImageUpstream[];
  /** Host of the private registry the cache lives in: `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registryHost: string;
  /**
   * The reference through the cache of `reference`, an image of one of the upstreams
   * (`quay.io/prometheus/node-exporter:v1.8.2`, or `pytorch/pytorch:2.7.1` for Docker Hub).
   * Fails with `image-not-cached` for an image of another registry.
   */
  cachedImage(reference: string): string;
  /**
   * Lets `grantee` pull images through the cache: read the cached repositories, import an image
   * from upstream (`ecr:BatchImportUpstreamImage`) and create a repository on first pull
   * (`ecr:CreateRepository`, which `AmazonEC2ContainerRegistryPullOnly` lacks), all on
   * `repository/<namespace>/*`, and get a registry login.
   */
  grantPull(grantee: iam.IGrantable): iam.Grant;
}

/** An existing cache, for {@link ImageCache.fromImageCacheAttributes}. */
export interface ImageCacheAttributes {
  /** The cache's namespace. */
  readonly repositoryNamespace: string;
  /** The registries it mirrors. */
  readonly upstreams: ImageUpstream[];
}

abstract class ImageCacheBase extends Construct implements IImageCache {
  public abstract readonly repositoryNamespace: string;
  public abstract readonly upstreams: ImageUpstream[];

  public get registryHost(): string {
    const stack = Stack.of(this);
    return Token.isUnresolved(stack.region)
      ? `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}`
      : ImageCacheNaming.registryHost(stack.account, stack.region);
  }

  public cachedImage(reference: string): string {
    return cachedImageReference(this, this, reference);
  }

  public grantPull(grantee: iam.IGrantable): iam.Grant {
    const pull = iam.Grant.addToPrincipal({ grantee, actions: IMAGE_CACHE_PULL_ACTIONS, resourceArns: [this.repositoryArns()] });
    // GetAuthorizationToken has no resource-level permissions (identical statements are merged).
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ sid: ECR_LOGIN_SID, actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    return pull;
  }

  /** ARN pattern of the cached repositories: `repository/<namespace>/*`. */
  protected repositoryArns(): string {
    return Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: `${this.repositoryNamespace}/*` });
  }
}

/**
 * Amazon ECR pull-through cache rules that mirror public registries (ECR Public, registry.k8s.io,
 * Quay, and Docker Hub or GHCR with credentials) into the private registry of the stack's account
 * and region, so nodes in an isolated network pull public images through the ECR endpoints.
 * A repository creation template gives every cached repository the cache's key, tags and a
 * lifecycle rule. ECR creates a cached repository on the first pull of an image, and that first
 * pull needs a route to the internet: through VPC endpoints alone it fails, so pull each image
 * once from outside the VPC before workloads need it (see the network README).
 */
export class ImageCache extends ImageCacheBase {
  /** A cache created elsewhere (another stack, or the platform team's account setup). */
  public static fromImageCacheAttributes(scope: Construct, id: string, attrs: ImageCacheAttributes): IImageCache {
    class Imported extends ImageCacheBase {
      public readonly repositoryNamespace = ImageCacheNaming.validateNamespace(this, attrs.repositoryNamespace);
      public readonly upstreams = [...attrs.upstreams];
    }
    return new Imported(scope, id);
  }

  public readonly repositoryNamespace: string;
  public readonly upstreams: ImageUpstream[];
  /** Key of the cached repositories. */
  public readonly encryptionKey: kms.IKey;
  /** The pull-through cache rule of each upstream, by its `UpstreamRegistry` (`quay`...). */
  public readonly rules: Record<string, ecr.CfnPullThroughCacheRule> = {};
  /** The role ECR assumes to create cached repositories with the key and tags. */
  public readonly creationRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ImageCacheProps) {
    super(scope, id);
    this.repositoryNamespace = ImageCacheNaming.validateNamespace(this, props.repositoryNamespace);
    const upstreams = props.upstreams ?? DEFAULT_UPSTREAMS.map((u) => ImageCacheUpstream.of(u));
    this.validateUpstreams(upstreams);
    this.upstreams = upstreams.map((u) => u.upstream);
    const untagged = wholeDuration(this, 'untaggedImageExpiration', props.untaggedImageExpiration ?? Duration.days(14), {
      unit: 'days', min: 1, why: 'ECR lifecycle rules count image age (sinceImagePushed) in whole days, from 1',
    });

    // The cached repositories are ECR's, not the stack's: they stay, and need their key. ECR
    // creates the key's grants itself (as the creation role), which the key policy allows.
    this.encryptionKey = props.encryptionKey ?? createDataKey(this, 'Key', `Cached images of ${this.node.path}`, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    const repositories = this.repositoryArns();
    const role = new iam.Role(this, 'CreationRole', {
      assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com'),
      description: `ECR creates the cached repositories of ${this.node.path} with it`,
    });
    const policy = new iam.ManagedPolicy(this, 'CreationPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ sid: 'CreateCachedRepositories', actions: ['ecr:CreateRepository', 'ecr:TagResource'], resources: [repositories] }),
        new iam.PolicyStatement({ sid: 'EncryptCachedRepositories', actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'], resources: [this.encryptionKey.keyArn] }),
      ],
    });
    this.creationRole = role;
    acknowledgeInherentWildcards(policy, [{
      sid: 'CreateCachedRepositories',
      reason: 'ECR creates one repository per cached upstream image, named on first pull; the statement covers the cache\'s namespace (repository/<namespace>/*) only.',
    }]);

    const lifecyclePolicy = JSON.stringify({
      rules: [{
        rulePriority: 1,
        description: 'Expire untagged images left behind when ECR refreshes a cached tag',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untagged },
        action: { type: 'expire' },
      }],
    });
    for (const entry of upstreams) {
      const upstream = entry.upstream;
      const prefix = ImageCacheNaming.rulePrefix(this.repositoryNamespace, upstream);
      const id = upstream.upstreamRegistry;
      // ECR applies the template with the same prefix to the repositories the rule creates.
      const template = new ecr.CfnRepositoryCreationTemplate(this, `Template-${id}`, {
        prefix,
        appliedFor: ['PULL_THROUGH_CACHE'],
        description: `Repositories cached from ${upstream.displayName}`,
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: this.encryptionKey.keyArn },
        imageTagMutability: props.imageTagMutability ?? ecr.TagMutability.MUTABLE,
        lifecyclePolicy,
        customRoleArn: role.roleArn,
        resourceTags: [{ key: 'mlops:image-cache', value: this.repositoryNamespace }],
      });
      template.node.addDependency(policy);
      const rule = new ecr.CfnPullThroughCacheRule(this, `Rule-${id}`, {
        ecrRepositoryPrefix: prefix,
        upstreamRegistry: upstream.upstreamRegistry,
        upstreamRegistryUrl: upstream.upstreamRegistryUrl,
        credentialArn: entry._credentialArn(this),
      });
      // No repository is created before its template exists.
      rule.node.addDependency(template);
      this.rules[id] = rule;
    }
  }

  private validateUpstreams(upstreams: ImageCacheUpstream[]): void {
    const seen = new Set<ImageUpstream>();
    for (const entry of upstreams) {
      const upstream = entry.upstream;
      if (seen.has(upstream)) {
        throw new ValidationError({
          code: 'invalid-image-cache', scope: this,
          message: 'upstreams lists a registry twice; a registry has one rule in a cache.',
          received: upstream.displayName, fix: 'List each upstream once.',
        });
      }
      seen.add(upstream);
      if (upstream.requiresCredentials && !entry.hasCredentials) {
        throw new ValidationError({
          code: 'missing-upstream-credentials', scope: this,
          message: `ECR pulls from ${upstream.displayName} only with credentials: a Secrets Manager secret named ecr-pullthroughcache/... holding a username and an access token.`,
          received: upstream.displayName,
          fix: `Use ImageCacheUpstream.withCredentials(upstream, secretsmanager.Secret.fromSecretCompleteArn(this, 'Credentials', <ARN of ecr-pullthroughcache/${upstream.cachePrefix}-...>)).`,
        });
      }
      if (entry.hasCredentials && !upstream.requiresCredentials) {
        throw new ValidationError({
          code: 'invalid-image-cache', scope: this,
          message: `${upstream.displayName} takes no credentials in a pull-through cache rule.`,
          received: upstream.displayName, fix: 'Use ImageCacheUpstream.of(upstream).',
        });
      }
      const name = entry._secretName();
      if (name !== undefined && !Token.isUnresolved(name) && !name.startsWith(CREDENTIAL_SECRET_PREFIX)) {
        throw new ValidationError({
          code: 'invalid-upstream-credentials', scope: this,
          message: `ECR reads pull-through cache credentials only from secrets whose name starts with "${CREDENTIAL_SECRET_PREFIX}".`,
          received: name, fix: `Store the credentials in a secret named ${CREDENTIAL_SECRET_PREFIX}${upstream.cachePrefix} (same account and region) and pass that.`,
        });
      }
    }
  }
}
