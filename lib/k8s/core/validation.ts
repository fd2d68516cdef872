/**
 * Synth-time checks of values every Kubernetes construct of the library may take: container
 * image references and namespaces. Not exported from the library.
 */
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { isUnresolvedString } from '../../core/private/tokens';

/**
 * Namespaces no project object may be placed in:
 * - `kube-system`, `kube-public`, `kube-node-lease` and every other `kube-` namespace, which
 *   Kubernetes reserves for itself;
 * - the namespaces of the controllers the platform installs: Karpenter (`karpenter`), Kueue
 *   (`kueue-system`), the Kubeflow Trainer (`kubeflow-system`, `kubeflow` for the v1 operator),
 *   Argo CD (`argocd`), KServe (`kserve`), cert-manager (`cert-manager`, which the Kueue and
 *   KServe webhooks use) and the NVIDIA GPU operator (`gpu-operator`).
 *
 * Objects there escape the team's restricted Pod Security profile and quotas, run next to
 * privileged add-ons, and may be pruned or overwritten by the controller that owns the namespace.
 */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'kube-system', 'kube-public', 'kube-node-lease',
  'karpenter', 'kueue-system', 'kubeflow-system', 'kubeflow', 'argocd', 'kserve', 'cert-manager', 'gpu-operator',
];

/** Why `namespace` is a system namespace, or undefined when it is not. */
export function systemNamespaceOwner(namespace: string): string | undefined {
  if (namespace.startsWith('kube-')) return 'Kubernetes';
  switch (namespace) {
    case 'karpenter': return 'Karpenter';
    case 'kueue-system': return 'Kueue';
    case 'kubeflow-system': case 'kubeflow': return 'the Kubeflow Trainer';
    case 'argocd': return 'Argo CD';
    case 'kserve': return 'KServe';
    case 'cert-manager': return 'cert-manager';
    case 'gpu-operator': return 'the NVIDIA GPU operator';
    default: return undefined;
  }
}

/**
 * Throws `system-namespace` when `namespace` (given through `prop`) is reserved for Kubernetes or
 * a platform controller; see {@link SYSTEM_NAMESPACES}.
 */
export function checkNotSystemNamespace(scope: IConstruct, prop: string, namespace: string): string {
  if (typeof namespace !== 'string' || isUnresolvedString(namespace)) return namespace;
  const owner = systemNamespaceOwner(namespace);
  if (owner !== undefined) {
    throw new ValidationError({
      code: 'system-namespace', scope,
      message: `${prop} "${namespace}" is a system namespace owned by ${owner}: project objects there escape the team's Pod Security profile and quotas, and the owning controller may prune or overwrite them.`,
      received: namespace,
      fix: 'Use the team\'s own namespace, for example the namespaceName of its MlProjectChart (not kube-*, karpenter, kueue-system, kubeflow-system, kubeflow, argocd, kserve, cert-manager or gpu-operator).',
    });
  }
  return namespace;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST_HEX = new Map([['sha256', 64], ['sha384', 96], ['sha512', 128]]);
/** Longest repository name (registry host included) a registry accepts. */
const MAX_NAME_LENGTH = 255;

/**
 * The problem with a container image reference, or undefined when it is valid: the Docker
 * reference grammar (`[registry[:port]/]path[:tag][@digest]`, lowercase path components joined by
 * `.`, `_`, `__` or dashes, a tag of up to 128 word characters, `.` and `-` not starting with `.`
 * or `-`, a `sha256:` digest of 64 lowercase hex digits), pinned by a tag or a digest. Values known
 * only at deploy time (tokens) are valid.
 */
export function imageProblem(image: string): string | undefined {
  if (typeof image !== 'string' || image.length === 0) return 'is empty';
  if (isUnresolvedString(image)) return undefined;
  if (/\s/.test(image)) return 'contains whitespace';
  const at = image.indexOf('@');
  const named = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const name = colon < 0 ? named : named.slice(0, colon);
  const tag = colon < 0 ? undefined : named.slice(colon + 1);

  if (name.length === 0) return 'has no repository name';
  if (name.length > MAX_NAME_LENGTH) return `has a repository name of ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`;
  const components = name.split('/');
  const first = components[0];
  // As Docker reads it: the first component is a registry when it has a dot or a port, is
  // localhost, or has uppercase letters.
  const hasDomain = components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (hasDomain && !DOMAIN.test(first)) return `has "${first}" as registry, which is not a host name with an optional port`;
  for (const component of hasDomain ? components.slice(1) : components) {
    if (component !== component.toLowerCase() && PATH_COMPONENT.test(component.toLowerCase())) {
      return `has the repository path component "${component}" with uppercase letters; repository names are lowercase`;
    }
    if (!PATH_COMPONENT.test(component)) {
      return `has the repository path component "${component}", which is not lowercase letters and digits joined by ".", "_", "__" or "-"`;
    }
  }
  if (tag !== undefined && !TAG.test(tag)) {
    return `has the tag "${tag}", which is not 1-128 letters, digits, "_", "." and "-" starting with a letter, digit or "_"`;
  }
  if (digest !== undefined) {
    const [algorithm, hex, ...rest] = digest.split(':');
    const length = DIGEST_HEX.get(algorithm);
    if (length === undefined || hex === undefined || rest.length > 0 || hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
      return `has the digest "${digest}", which is not sha256: followed by 64 lowercase hex digits (or sha384: 96, sha512: 128)`;
    }
  }
  if (tag === undefined && digest === undefined) {
    return 'is not pinned by a tag or a digest: an untagged reference means ":latest", so the nodes of one job could pull different images as "latest" moves (add the tag you pushed, or @sha256:<digest>)';
  }
  return undefined;
}

/** Throws `code` when `image` (given through `prop`) is not a valid, pinned image reference. */
export function checkImage(scope: IConstruct, code: string, prop: string, image: string): string {
  const problem = imageProblem(image);
  if (problem !== undefined) {
    throw new ValidationError({
      code, scope,
      message: `${prop} is not a valid container image reference: it ${problem}.`,
      received: image,
      fix: `Give ${prop} as [registry[:port]/]repository:tag or repository@sha256:<64 hex digits>, for example "123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:1.4.2".`,
    });
  }
  return image;
}
