/**
 * One identity per Kubernetes object in a chart: two objects of the same API group, kind,
 * namespace (for namespaced kinds) and name would overwrite each other on `kubectl apply` or a
 * GitOps sync, silently. Checked on the finished tree, so construction order does not matter.
 * Not exported from the library.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { isUnresolvedString } from '../../core/private/tokens';

/** What a construct of this library is, for messages (`GPU node pool`, `dataset volume`). */
const OWNER_ROLE = Symbol.for('mlops-constructs.k8s.objectOwnerRole');
/** Marks a chart that already carries the check. */
const CHECKED = Symbol.for('mlops-constructs.k8s.uniqueObjectsChecked');

/** Roles whose collision has its own error code. */
export const DATASET_VOLUME_ROLE = 'dataset volume';
export const CHECKPOINT_VOLUME_ROLE = 'checkpoint volume';

/**
 * Kinds without a namespace, by API group (`''` is the core group): their names are unique in
 * the whole cluster. Every other kind is treated as namespaced.
 */
const CLUSTER_SCOPED: Record<string, string[]> = {
  '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'scheduling.k8s.io': ['PriorityClass'],
  'node.k8s.io': ['RuntimeClass'],
  'networking.k8s.io': ['IngressClass'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  'admissionregistration.k8s.io': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
  'certificates.k8s.io': ['CertificateSigningRequest'],
  'snapshot.storage.k8s.io': ['VolumeSnapshotClass', 'VolumeSnapshotContent'],
  'karpenter.sh': ['NodePool', 'NodeClaim'],
  'karpenter.k8s.aws': ['EC2NodeClass'],
  'kueue.x-k8s.io': ['ResourceFlavor', 'ClusterQueue', 'WorkloadPriorityClass', 'Cohort', 'AdmissionCheck', 'Topology'],
  'trainer.kubeflow.org': ['ClusterTrainingRuntime'],
  'serving.kserve.io': ['ClusterServingRuntime', 'ClusterStorageContainer'],
};

/** Whether objects of `kind` in API group `group` are cluster-scoped. */
export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED[group]?.includes(kind) ?? false;
}

/**
 * Records that `owner` creates Kubernetes objects in its chart (`role` names it in messages) and
 * makes sure the chart checks, at synth, that no two of its objects share an identity.
 */
export function registerObjects(owner: IConstruct, role?: string): void {
  if (role !== undefined) Object.defineProperty(owner, OWNER_ROLE, { value: role, configurable: true });
  const chart = Chart.of(owner);
  if ((chart as unknown as Record<symbol, unknown>)[CHECKED] === true) return;
  Object.defineProperty(chart, CHECKED, { value: true });
  // Thrown from the validation itself: cdk8s would wrap returned messages in a generic Error.
  chart.node.addValidation({ validate: () => { checkUniqueObjects(chart); return []; } });
}

interface Identity {
  readonly key: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/**
 * Identities by object: name, namespace, kind and API version are fixed when an ApiObject is
 * created, and cdk8s validates the whole app once more for every chart it writes, so each
 * identity is worked out once. (`null`: the name or namespace is a token.)
 */
const IDENTITIES = new WeakMap<ApiObject, Identity | null>();

function cachedIdentityOf(obj: ApiObject): Identity | undefined {
  let id = IDENTITIES.get(obj);
  if (id === undefined) {
    id = identityOf(obj) ?? null;
    IDENTITIES.set(obj, id);
  }
  return id ?? undefined;
}

function identityOf(obj: ApiObject): Identity | undefined {
  const name = obj.name;
  if (typeof name !== 'string' || isUnresolvedString(name)) return undefined;
  const slash = obj.apiVersion.indexOf('/');
  // The version does not count: kueue.x-k8s.io/v1beta1 and /v1beta2 are the same object.
  const group = slash < 0 ? '' : obj.apiVersion.slice(0, slash);
  const namespace = isClusterScoped(group, obj.kind) ? undefined : (obj.metadata.namespace ?? '');
  if (namespace !== undefined && isUnresolvedString(namespace)) return undefined;
  return { key: JSON.stringify([group, obj.kind, namespace ?? null, name]), group, kind: obj.kind, namespace, name };
}

/** The construct of this library that created `obj`, else the cdk8s-plus construct or the object itself. */
function ownerOf(obj: ApiObject): IConstruct {
  for (let c: IConstruct | undefined = obj; c !== undefined && !Chart.isChart(c); c = c.node.scope) {
    if (roleOf(c) !== undefined) return c;
  }
  return obj.node.id === 'Resource' && obj.node.scope && !Chart.isChart(obj.node.scope) ? obj.node.scope : obj;
}

function roleOf(c: IConstruct): string | undefined {
  return (c as unknown as Record<symbol, string | undefined>)[OWNER_ROLE];
}

function describe(c: IConstruct): string {
  const role = roleOf(c);
  return role === undefined ? c.node.path : `${role} ${c.node.path}`;
}

/** The API objects whose chart is `chart`, in construct-tree preorder (nested charts hold their own). */
function objectsOf(chart: Chart): ApiObject[] {
  const objects: ApiObject[] = [];
  const visit = (scope: IConstruct): void => {
    for (const child of scope.node.children) {
      if (Chart.isChart(child)) continue;
      if (ApiObject.isApiObject(child)) objects.push(child);
      visit(child);
    }
  };
  visit(chart);
  return objects;
}

function checkUniqueObjects(chart: Chart): void {
  const seen = new Map<string, ApiObject>();
  for (const c of objectsOf(chart)) {
    const id = cachedIdentityOf(c);
    if (id === undefined) continue;
    const first = seen.get(id.key);
    if (first === undefined) {
      seen.set(id.key, c);
      continue;
    }
    throw duplicate(chart, id, ownerOf(first), ownerOf(c));
  }
}

function duplicate(chart: Chart, id: Identity, first: IConstruct, second: IConstruct): ValidationError {
  const what = `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
  const received = { apiVersion: id.group || 'v1', kind: id.kind, namespace: id.namespace, name: id.name, definedBy: [first.node.path, second.node.path] };
  const roles = new Set([roleOf(first), roleOf(second)]);
  if (roles.has(DATASET_VOLUME_ROLE) && roles.has(CHECKPOINT_VOLUME_ROLE)) {
    return new ValidationError({
      code: 'checkpoint-dataset-conflict', scope: second,
      message: `${describe(first)} and ${describe(second)} both define ${what}: the checkpoint claim would take the place of the dataset claim, so training would write checkpoints into the read-only dataset or read checkpoints as data.`,
      received,
      fix: 'Give the CheckpointVolume a claimName other than every dataset claim of its namespace (the default is "checkpoints").',
    });
  }
  const scope = id.namespace === undefined ? 'the cluster' : `namespace ${id.namespace || '(none)'}`;
  return new ValidationError({
    code: 'duplicate-object', scope: second,
    message: `${what} is defined twice in chart ${chart.node.id}, by ${describe(first)} and by ${describe(second)}; ${id.kind} names are unique in ${scope}, so on kubectl apply or a GitOps sync one would silently overwrite the other.`,
    received,
    fix: 'Give one of them another name (or leave the name unset to have a unique one generated), or define the object once and share it.',
  });
}
