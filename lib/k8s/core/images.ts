import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { ImageCacheNaming, ImageUpstream } from '../../core/image-upstreams';
import { cachedImageReference, splitImageReference } from '../../core/private/image-references';
import { validateAccountId } from '../../core/private/identifiers';
import { isUnresolvedString } from '../../core/private/tokens';
import { NameRule } from '../../core/names';
import { checkImage } from './validation';

/** Where a project's images come from, for {@link ProjectImages}. */
export interface ProjectImagesOptions {
  /** The AWS account (12 digits) whose private registry holds the project's ECR repositories and its image cache. */
  readonly account: string;
  /** The region of that registry (the project stack's region). */
  readonly region: string;
  /**
   * Namespace of the project's ECR pull-through cache (the stack output `ImageCacheNamespace`).
   *
   * @default - `ImageCacheNaming.defaultNamespace(identity)`, what a project stack names its cache
   */
  readonly cacheNamespace?: string;
  /**
   * The registries the cache mirrors (the project stack's `imageCacheOptions.upstreams`).
   *
   * @default - ECR Public, registry.k8s.io and Quay (the cache's defaults)
   */
  readonly cacheUpstreams?: ImageUpstream[];
}

/** Properties of {@link ProjectImages}: {@link ProjectImagesOptions} with the cache's namespace given. */
export interface ProjectImagesProps {
  /** The AWS account (12 digits) whose private registry holds the project's ECR repositories and its image cache. */
  readonly account: string;
  /** The region of that registry. */
  readonly region: string;
  /** Namespace of the project's pull-through cache (the stack output `ImageCacheNamespace`). */
  readonly cacheNamespace: string;
  /**
   * The registries the cache mirrors.
   *
   * @default - ECR Public, registry.k8s.io and Quay (the cache's defaults)
   */
  readonly cacheUpstreams?: ImageUpstream[];
}

/** The cache's default upstreams, as `ImageCacheProps.upstreams` has them. */
const DEFAULT_CACHE_UPSTREAMS = [ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES, ImageUpstream.QUAY];

/** Marks a chart whose images are checked already. */
const CHECKED = Symbol.for('mlops-constructs.k8s.imagesChecked');

/**
 * The registry a project's pods may pull from: the project account's private ECR registry in the
 * project's region, holding the project's own repositories and the repositories its pull-through
 * cache creates. In an isolated network nothing else is reachable, so the chart that has one
 * fails synth (`image-outside-project-registry`) on any image elsewhere, and workloads build
 * their references with `ecr()` and `cached()`.
 */
export class ProjectImages extends Construct {
  /** The registry host, `<account>.dkr.ecr.<region>.amazonaws.com`. */
  public readonly registryHost: string;
  /** Namespace of the pull-through cache (the first part of its repositories' names). */
  public readonly cacheNamespace: string;
  /** The registries the cache mirrors. */
  public readonly upstreams: ImageUpstream[];

  constructor(scope: Construct, id: string, props: ProjectImagesProps) {
    super(scope, id);
    validateAccountId(this, 'images.account', props.account);
    if (typeof props.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region)) {
      throw new ValidationError({
        code: 'invalid-region', scope: this,
        message: 'images.region must be an AWS region name.',
        received: props.region, fix: 'Give the project stack\'s region, for example "eu-west-1".',
      });
    }
    this.registryHost = ImageCacheNaming.registryHost(props.account, props.region);
    this.cacheNamespace = ImageCacheNaming.validateNamespace(this, props.cacheNamespace);
    this.upstreams = [...(props.cacheUpstreams ?? DEFAULT_CACHE_UPSTREAMS)];
    checkChartImages(Chart.of(this), this);
  }

  /**
   * The reference through the project's cache of `reference`, a public image of one of the
   * cache's upstreams: `registry.k8s.io/kueue/kueue:v0.13.4` becomes
   * `<registry>/<namespace>/k8s/kueue/kueue:v0.13.4`. Fails with `image-not-cached` for an image
   * of a registry the cache does not mirror.
   */
  public cached(reference: string): string {
    checkImage(this, 'invalid-image', 'reference', reference);
    return cachedImageReference(this, { registryHost: this.registryHost, repositoryNamespace: this.cacheNamespace, upstreams: this.upstreams }, reference);
  }

  /**
   * The reference of an image in one of the project's own ECR repositories, pinned by `tagOrDigest`
   * (`1.4.2` or `sha256:<64 hex digits>`).
   */
  public ecr(repositoryName: string, tagOrDigest: string): string {
    NameRule.ECR_REPOSITORY.validate(this, 'repositoryName', repositoryName, { generated: false, example: 'defect-detection' });
    if (repositoryName.startsWith(`${this.cacheNamespace}/`)) {
      throw new ValidationError({
        code: 'invalid-image', scope: this,
        message: `repositoryName is under the image cache's namespace "${this.cacheNamespace}", whose repositories the cache rules own.`,
        received: repositoryName, fix: 'Use cached() for images of the cache, or a repository outside its namespace.',
      });
    }
    const reference = `${this.registryHost}/${repositoryName}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;
    return checkImage(this, 'invalid-image', 'tagOrDigest', reference);
  }

  /** Why pods could not pull `image` from this registry, or undefined when they can. */
  public problem(image: string): string | undefined {
    if (isUnresolvedString(image)) return undefined;
    const { host, path } = splitImageReference(image);
    if (host !== this.registryHost) {
      return `it is not in the project's registry ${this.registryHost}, which is all an isolated network reaches`;
    }
    if (path.startsWith(`${this.cacheNamespace}/`)) {
      const prefix = path.slice(this.cacheNamespace.length + 1).split('/')[0];
      if (!this.upstreams.some((u) => u.cachePrefix === prefix)) {
        return `it is under the image cache's namespace, but the cache has no rule for "${this.cacheNamespace}/${prefix}" (it mirrors ${this.upstreams.map((u) => u.displayName).join(', ') || 'nothing'})`;
      }
    }
    return undefined;
  }
}

/** Fails the chart's synth on any `image` its objects render that `images` cannot serve. */
function checkChartImages(chart: Chart, images: ProjectImages): void {
  if ((chart as unknown as Record<symbol, unknown>)[CHECKED] === true) return;
  Object.defineProperty(chart, CHECKED, { value: true });
  chart.node.addValidation({
    validate: () => {
      for (const c of chart.node.findAll()) {
        if (!ApiObject.isApiObject(c)) continue;
        const json = c.toJson();
        for (const [where, image] of imagesIn(json, '')) {
          const problem = images.problem(image);
          if (problem !== undefined) {
            throw new ValidationError({
              code: 'image-outside-project-registry', scope: c,
              message: `${c.kind} "${c.name}" pulls the image at ${where.slice(1)} from outside the project's registry: ${problem}.`,
              received: image,
              fix: 'Push the image to a project ECR repository and use images.ecr(), or take a public image through the cache with images.cached().',
            });
          }
        }
      }
      return [];
    },
  });
}

/** Every string under a key named `image` in `value`, with its path. */
function imagesIn(value: unknown, path: string): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => imagesIn(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const found: Array<[string, string]> = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'image' && typeof v === 'string') found.push([`${path}.${key}`, v]);
    else found.push(...imagesIn(v, `${path}.${key}`));
  }
  return found;
}
