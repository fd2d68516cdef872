import { createHash } from 'node:crypto';
import { IConstruct } from 'constructs';
import { ValidationError } from './errors';
import { ProjectIdentity } from './identity';

/** Properties of an {@link ImageUpstream}. */
interface ImageUpstreamSpec {
  readonly upstreamRegistry: string;
  readonly upstreamRegistryUrl: string;
  readonly hosts: string[];
  readonly cachePrefix: string;
  readonly requiresCredentials: boolean;
  readonly displayName: string;
}

/**
 * A public registry the platform's images come from, which an ECR pull-through cache mirrors
 * into the project's account. Target-neutral: the AWS side creates the cache rule, the Kubernetes
 * side writes image references into the cache.
 */
export class ImageUpstream {
  /** Amazon ECR Public (`public.ecr.aws`); no credentials. */
  public static readonly ECR_PUBLIC = new ImageUpstream({
    upstreamRegistry: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws', hosts: ['public.ecr.aws'],
    cachePrefix: 'ecr', requiresCredentials: false, displayName: 'ECR Public',
  });
  /** The Kubernetes project's registry (`registry.k8s.io`); no credentials. */
  public static readonly KUBERNETES = new ImageUpstream({
    upstreamRegistry: 'k8s', upstreamRegistryUrl: 'registry.k8s.io', hosts: ['registry.k8s.io'],
    cachePrefix: 'k8s', requiresCredentials: false, displayName: 'registry.k8s.io',
  });
  /** Quay (`quay.io`); no credentials. */
  public static readonly QUAY = new ImageUpstream({
    upstreamRegistry: 'quay', upstreamRegistryUrl: 'quay.io', hosts: ['quay.io'],
    cachePrefix: 'quay', requiresCredentials: false, displayName: 'Quay',
  });
  /**
   * Docker Hub (`docker.io`): ECR needs a Docker Hub user and access token in Secrets Manager.
   * References without a registry (`pytorch/pytorch:2.7.1`, `alpine:3.20`) are Docker Hub's;
   * official images sit under `library/` in the cache.
   */
  public static readonly DOCKER_HUB = new ImageUpstream({
    upstreamRegistry: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', hosts: ['docker.io', 'index.docker.io', 'registry-1.docker.io'],
    cachePrefix: 'docker', requiresCredentials: true, displayName: 'Docker Hub',
  });
  /** GitHub Container Registry (`ghcr.io`): ECR needs a GitHub user and token in Secrets Manager. */
  public static readonly GITHUB_CONTAINER_REGISTRY = new ImageUpstream({
    upstreamRegistry: 'github-container-registry', upstreamRegistryUrl: 'ghcr.io', hosts: ['ghcr.io'],
    cachePrefix: 'ghcr', requiresCredentials: true, displayName: 'GitHub Container Registry',
  });

  /** Every upstream this library knows, for look-ups by host. */
  public static all(): ImageUpstream[] {
    return [ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES, ImageUpstream.QUAY, ImageUpstream.DOCKER_HUB, ImageUpstream.GITHUB_CONTAINER_REGISTRY];
  }

  /** The `UpstreamRegistry` value of the pull-through cache rule, for example `docker-hub`. */
  public readonly upstreamRegistry: string;
  /** The `UpstreamRegistryUrl` of the rule, for example `registry-1.docker.io`. */
  public readonly upstreamRegistryUrl: string;
  /** The registry host names image references use for this upstream. */
  public readonly hosts: string[];
  /** The last part of the cache's repository prefix, after the project's namespace (`docker`, `quay`...). */
  public readonly cachePrefix: string;
  /** Whether ECR needs credentials (a Secrets Manager secret) to pull from this upstream. */
  public readonly requiresCredentials: boolean;
  /** A name for messages. */
  public readonly displayName: string;

  private constructor(spec: ImageUpstreamSpec) {
    this.upstreamRegistry = spec.upstreamRegistry;
    this.upstreamRegistryUrl = spec.upstreamRegistryUrl;
    this.hosts = spec.hosts;
    this.cachePrefix = spec.cachePrefix;
    this.requiresCredentials = spec.requiresCredentials;
    this.displayName = spec.displayName;
  }
}

/** Longest ECR repository prefix of a pull-through cache rule (`EcrRepositoryPrefix`: 2-30). */
const MAX_RULE_PREFIX = 30;
/** Longest namespace: room for `/` and the longest upstream prefix (`docker`). */
const MAX_CACHE_NAMESPACE = MAX_RULE_PREFIX - 1 - Math.max(...ImageUpstream.all().map((u) => u.cachePrefix.length));
// ECR's API takes single separators in rule prefixes (its CloudFormation schema would allow more).
const NAMESPACE_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * Where a project's image cache puts its repositories: `<namespace>/<upstream prefix>/<upstream
 * path>` in the project account's private registry. The AWS and Kubernetes sides compute the same
 * names from the project identity, so manifests name the repositories the cache rules create.
 */
export class ImageCacheNaming {
  /**
   * The default namespace of a project's cache: `<project>-<stage>` when it fits the 23
   * characters a rule prefix leaves (30 minus `/docker`), otherwise cut and ended with six
   * hex digits of a hash of the whole name, so it stays unique and is the same on both sides.
   */
  public static defaultNamespace(identity: ProjectIdentity): string {
    // Project names may repeat hyphens, which ECR's rule prefixes do not take.
    const name = identity.qualifiedName.replace(/-{2,}/g, '-');
    if (name.length <= MAX_CACHE_NAMESPACE) return name;
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
    return `${name.slice(0, MAX_CACHE_NAMESPACE - hash.length - 1).replace(/[^a-z0-9]+$/, '')}-${hash}`;
  }

  /** Throws `invalid-image-cache` unless `namespace` can start an ECR rule prefix of every upstream. */
  public static validateNamespace(scope: IConstruct, repositoryNamespace: string): string {
    const namespace = repositoryNamespace;
    if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace) || namespace.length < 2 || namespace.length > MAX_CACHE_NAMESPACE) {
      throw new ValidationError({
        code: 'invalid-image-cache', scope,
        message: `namespace must be 2-${MAX_CACHE_NAMESPACE} lowercase letters and digits joined by single ".", "_" or "-": it starts every pull-through cache rule prefix (at most 30 characters with "/docker").`,
        received: namespace, fix: 'Give a short name such as "vision-prod", or leave namespace out to derive it from the project.',
      });
    }
    return namespace;
  }

  /** The repository prefix of the cache rule for `upstream`: `<namespace>/<upstream prefix>`. */
  public static rulePrefix(repositoryNamespace: string, upstream: ImageUpstream): string {
    return `${repositoryNamespace}/${upstream.cachePrefix}`;
  }

  /**
   * The host of an account's private registry in a region:
   * `<account>.dkr.ecr.<region>.amazonaws.com` (`.amazonaws.com.cn` in the China regions).
   */
  public static registryHost(account: string, region: string): string {
    return `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
  }
}
