import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { isUnresolvedString } from '../../core/private/tokens';
import { checkName, generateName } from '../core/names';
import { registerObjects } from '../core/objects';
import { ArgoCdDestination } from './argo-cd-destination';

/** The namespace Argo CD watches for Applications and AppProjects unless told otherwise. */
const DEFAULT_ARGOCD_NAMESPACE = 'argocd';

/** An API group and kind, as Argo CD's resource allow-lists name them. */
export interface ArgoCdGroupKind {
  /** API group (`''` for the core group, `karpenter.sh`...). */
  readonly group: string;
  /** Kind (`Namespace`, `NodePool`...), or `*`. */
  readonly kind: string;
}

/** An Argo CD project (AppProject): which repositories its Applications may use, and where they may deploy. */
export interface IArgoCdProject extends IConstruct {
  /** Name of the AppProject (an Application's `spec.project`). */
  readonly projectName: string;
  /** Namespace of the AppProject and of its Applications (Argo CD's namespace). */
  readonly argoCdNamespace: string;
  /** Repositories its Applications may use. */
  readonly sourceRepos: string[];
  /** Where its Applications may deploy. */
  readonly destinations: ArgoCdDestination[];
  /** Cluster-scoped kinds its Applications may create (none unless listed). */
  readonly clusterResources: ArgoCdGroupKind[];
}

/** Properties of an {@link ArgoCdProject}. */
export interface ArgoCdProjectProps {
  /**
   * Name of the AppProject. `default` is Argo CD's own, which allows everything: not accepted.
   *
   * @default - generated from the construct path
   */
  readonly projectName?: string;
  /**
   * Namespace Argo CD runs in (the capability's namespace for the EKS managed Argo CD).
   *
   * @default 'argocd'
   */
  readonly argoCdNamespace?: string;
  /** What the project is for. */
  readonly description: string;
  /** Repositories (Git URLs, Helm repository URLs or OCI registries) its Applications may use; no `*`. */
  readonly sourceRepos: string[];
  /** Where its Applications may deploy: a cluster and a namespace (`*` for any namespace). */
  readonly destinations: ArgoCdDestination[];
  /**
   * Cluster-scoped kinds its Applications may create. Namespaced kinds are allowed in the
   * destination namespaces; cluster-scoped ones only when listed here.
   *
   * @default - none
   */
  readonly clusterResources?: ArgoCdGroupKind[];
}

/**
 * An Argo CD `AppProject` (argoproj.io/v1alpha1): the source repositories, destinations and
 * cluster-scoped kinds its Applications are limited to. Applications name it in `spec.project`;
 * an Application outside its limits fails the synth here instead of failing its sync.
 */
export class ArgoCdProject extends Construct implements IArgoCdProject {
  public readonly projectName: string;
  public readonly argoCdNamespace: string;
  public readonly sourceRepos: string[];
  public readonly destinations: ArgoCdDestination[];
  public readonly clusterResources: ArgoCdGroupKind[];
  /** The AppProject object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoCdProjectProps) {
    super(scope, id);
    registerObjects(this, 'Argo CD project');
    this.projectName = props.projectName !== undefined ? checkName(this, 'projectName', props.projectName) : generateName(this);
    if (this.projectName === 'default') {
      throw new ValidationError({
        code: 'invalid-argocd-project', scope: this,
        message: 'projectName "default" is Argo CD\'s own project, which allows every repository, destination and kind.',
        received: this.projectName, fix: 'Give the project its own name, for example the team\'s namespace.',
      });
    }
    this.argoCdNamespace = checkName(this, 'argoCdNamespace', props.argoCdNamespace ?? DEFAULT_ARGOCD_NAMESPACE);
    if (props.sourceRepos.length === 0 || props.sourceRepos.some((r) => typeof r !== 'string' || r.length === 0 || (!isUnresolvedString(r) && r.includes('*')))) {
      throw new ValidationError({
        code: 'invalid-argocd-project', scope: this,
        message: 'sourceRepos must list the repositories the project\'s Applications use, each exactly: a wildcard lets any repository deploy into the project\'s destinations.',
        received: props.sourceRepos, fix: 'List each Git, Helm or OCI repository URL the Applications use.',
      });
    }
    if (props.destinations.length === 0) {
      throw new ValidationError({
        code: 'invalid-argocd-project', scope: this,
        message: 'destinations is empty, so no Application of the project could deploy anywhere.',
        received: props.destinations, fix: 'Give the cluster and namespace the project deploys to.',
      });
    }
    for (const d of props.destinations) {
      d.cluster._validate(this);
      if (d.namespaceName !== '*') checkName(this, 'destinations[].namespaceName', d.namespaceName);
    }
    this.sourceRepos = [...props.sourceRepos];
    this.destinations = [...props.destinations];
    this.clusterResources = [...(props.clusterResources ?? [])];
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: {
        name: this.projectName,
        namespace: this.argoCdNamespace,
        // Argo CD keeps a project while Applications still refer to it.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        description: props.description,
        sourceRepos: this.sourceRepos,
        destinations: this.destinations.map((d) => ({ server: d.cluster.server, namespace: d.namespaceName })),
        clusterResourceWhitelist: this.clusterResources.map((r) => ({ group: r.group, kind: r.kind })),
        // The EKS Argo CD capability reads Applications from its own namespace only, and needs
        // the project to say so; a self-installed Argo CD ignores it for that namespace.
        sourceNamespaces: [this.argoCdNamespace],
      },
    });
  }
}
