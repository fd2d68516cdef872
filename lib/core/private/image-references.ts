import { IConstruct } from 'constructs';
import { ValidationError } from '../errors';
import { ImageCacheNaming, ImageUpstream } from '../image-upstreams';

/** An image reference split into registry host, repository path and tag or digest. */
export interface ImageReferenceParts {
  /** The registry host (with port), or undefined for a Docker Hub short reference. */
  readonly host?: string;
  /** The repository path, for example `pytorch/pytorch`. */
  readonly path: string;
  /** `:tag`, `@digest` or both, as written. */
  readonly pin: string;
}

/** Splits an image reference; the first path component is a host when it has a dot or a port, or is localhost. */
export function splitImageReference(reference: string): ImageReferenceParts {
  const at = reference.indexOf('@');
  const named = at < 0 ? reference : reference.slice(0, at);
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const name = colon < 0 ? named : named.slice(0, colon);
  const pin = reference.slice(name.length);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasHost = slash > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? { host: first, path: name.slice(slash + 1), pin } : { path: name, pin };
}

/** The upstream an image reference names (Docker Hub for references without a registry), or undefined. */
export function upstreamOf(reference: string): ImageUpstream | undefined {
  const { host } = splitImageReference(reference);
  if (host === undefined) return ImageUpstream.DOCKER_HUB;
  return ImageUpstream.all().find((u) => u.hosts.includes(host));
}

/**
 * The reference of `reference` (an upstream image) in a project's cache:
 * `<registry host>/<namespace>/<upstream prefix>/<path><pin>`, with `library/` added to Docker
 * Hub's official images. Throws `image-not-cached` when the reference is not from one of
 * `upstreams`.
 */
export function cachedImageReference(scope: IConstruct, cache: { readonly registryHost: string; readonly repositoryNamespace: string; readonly upstreams: ImageUpstream[] }, reference: string): string {
  const upstream = upstreamOf(reference);
  if (upstream === undefined || !cache.upstreams.includes(upstream)) {
    const configured = cache.upstreams.map((u) => u.displayName).join(', ') || 'none';
    throw new ValidationError({
      code: 'image-not-cached', scope,
      message: `The image is not from a registry the project's pull-through cache mirrors (${configured}), so the cache cannot serve it${upstream ? `: add ${upstream.displayName} to the cache's upstreams` : ''}.`,
      received: reference,
      fix: upstream
        ? `Add ImageUpstream.${upstreamKey(upstream)} to the image cache (with credentials where it needs them), or push the image to the project's ECR repository.`
        : 'Push the image to the project\'s ECR repository, or use one from ECR Public, registry.k8s.io, Quay, Docker Hub or GHCR through the cache.',
    });
  }
  const parts = splitImageReference(reference);
  const path = upstream === ImageUpstream.DOCKER_HUB && !parts.path.includes('/') ? `library/${parts.path}` : parts.path;
  return `${cache.registryHost}/${ImageCacheNaming.rulePrefix(cache.repositoryNamespace, upstream)}/${path}${parts.pin}`;
}

function upstreamKey(upstream: ImageUpstream): string {
  switch (upstream) {
    case ImageUpstream.ECR_PUBLIC: return 'ECR_PUBLIC';
    case ImageUpstream.KUBERNETES: return 'KUBERNETES';
    case ImageUpstream.QUAY: return 'QUAY';
    case ImageUpstream.DOCKER_HUB: return 'DOCKER_HUB';
    default: return 'GITHUB_CONTAINER_REGISTRY';
  }
}
