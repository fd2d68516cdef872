import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { isUnresolvedString } from '../../core/private/tokens';
import { checkName, generateName } from '../core/names';
import { dependOn } from '../core/dependencies';
import { registerObjects } from '../core/objects';
import { ArgoCdDestination } from './argo-cd-destination';
import { IArgoCdProject } from './argo-cd-project';

/** Options of {@link ArgoCdSource.helmChart}. */
export interface HelmChartSourceOptions {
  /**
   * The Helm repository: an `https://` chart repository, or an OCI registry path without
   * `oci://` (`<account>.dkr.ecr.<region>.amazonaws.com/<namespace>/k8s/kueue/charts`).
   */
  readonly repoURL: string;
  /** The chart name (`kueue`). */
  readonly chart: string;
  /** The chart version, exactly (`0.13.4`): ranges would let a sync install another one. */
  readonly version: string;
  /**
   * Helm values (rendered as `helm.valuesObject`).
   *
   * @default - the chart's defaults
   */
  readonly values?: Record<string, unknown>;
  /**
   * Helm release name.
   *
   * @default - the Application's name
   */
  readonly releaseName?: string;
}

/** Options of {@link ArgoCdSource.gitDirectory}. */
export interface GitDirectorySourceOptions {
  /** The Git repository URL (`https://...` or `ssh://...`). */
  readonly repoURL: string;
  /** The directory in the repository (`dist`). */
  readonly path: string;
  /** A tag or a full commit SHA: a branch would let the deployed state move without a change here. */
  readonly revision: string;
  /**
   * Which files of the directory to apply (a glob, `defect-detection-prod.k8s.yaml`).
   *
   * @default - every manifest of the directory
   */
  readonly include?: string;
}

/** Revisions that move: an Application on them deploys whatever was pushed last. */
const MOVING_REVISIONS = new Set(['', 'HEAD', 'head', 'main', 'master', 'trunk', 'develop', 'latest']);
const EXACT_CHART_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Where an Argo CD Application's manifests come from. */
export class ArgoCdSource {
  /** A Helm chart at an exact version. */
  public static helmChart(options: HelmChartSourceOptions): ArgoCdSource {
    return new ArgoCdSource(options.repoURL, options.version, (scope, name) => {
      if (!isUnresolvedString(options.version) && !EXACT_CHART_VERSION.test(options.version)) {
        throw unpinned(scope, 'version', options.version, 'Give the exact chart version, for example "0.13.4".');
      }
      if (options.repoURL.startsWith('oci://')) {
        throw new ValidationError({
          code: 'invalid-argocd-source', scope,
          message: 'An OCI Helm repository is given to Argo CD without the oci:// scheme (its repository credentials carry enableOCI).',
          received: options.repoURL, fix: `Use "${options.repoURL.slice('oci://'.length)}".`,
        });
      }
      checkName(scope, 'chart', options.chart, 253);
      return {
        repoURL: options.repoURL,
        chart: options.chart,
        targetRevision: options.version,
        helm: { releaseName: options.releaseName ?? name, ...(options.values ? { valuesObject: options.values } : {}) },
      };
    });
  }

  /** The manifests of a directory of a Git repository, at a tag or commit. */
  public static gitDirectory(options: GitDirectorySourceOptions): ArgoCdSource {
    return new ArgoCdSource(options.repoURL, options.revision, (scope) => {
      const r = options.revision;
      if (!isUnresolvedString(r) && (MOVING_REVISIONS.has(r) || /[*^~<>\s]/.test(r))) {
        throw unpinned(scope, 'revision', r, 'Give a tag (v1.4.0) or a full commit SHA.');
      }
      if (options.path.startsWith('/') || options.path.split('/').includes('..')) {
        throw new ValidationError({
          code: 'invalid-argocd-source', scope,
          message: 'path is a directory relative to the repository root, without "..".',
          received: options.path, fix: 'Give the directory of the manifests, for example "dist".',
        });
      }
      return {
        repoURL: options.repoURL,
        path: options.path,
        targetRevision: r,
        directory: options.include === undefined ? undefined : { include: options.include },
      };
    });
  }

  private constructor(
    /** The repository URL (what the project's `sourceRepos` must list). */
    public readonly repoURL: string,
    /** The pinned revision: a chart version, tag or commit. */
    public readonly revision: string,
    private readonly render: (scope: IConstruct, applicationName: string) => Record<string, unknown>,
  ) {}

  /** @internal */
  public _render(scope: IConstruct, applicationName: string): Record<string, unknown> {
    return this.render(scope, applicationName);
  }
}

function unpinned(scope: IConstruct, prop: string, value: string, fix: string): ValidationError {
  return new ValidationError({
    code: 'unpinned-revision', scope,
    message: `${prop} must pin what is deployed: "${value}" can point at something else tomorrow, and Argo CD would deploy it on the next sync.`,
    received: value, fix,
  });
}

/** Properties of an {@link ArgoCdApplication}. */
export interface ArgoCdApplicationProps {
  /**
   * Name of the Application.
   *
   * @default - generated from the construct path
   */
  readonly applicationName?: string;
  /** The project that limits it; the Application lives in the project's Argo CD namespace. */
  readonly project: IArgoCdProject;
  /** Where its manifests come from. */
  readonly source: ArgoCdSource;
  /** Where they are deployed: within the project's destinations. */
  readonly destination: ArgoCdDestination;
  /**
   * Sync wave of the Application within the Application that applies it (lower first). Argo CD
   * does not wait for a child Application to be healthy before the next wave unless its
   * Application health check is enabled; objects whose kinds another Application defines are
   * retried until it has (see `retries`).
   *
   * @default 0
   */
  readonly syncWave?: number;
  /**
   * Whether the sync creates the destination namespace.
   *
   * @default false
   */
  readonly createNamespace?: boolean;
  /**
   * Sync attempts after a failure (with backoff from 30 s, doubling, up to 5 min), or -1 for no
   * limit: an object whose custom resource definition or webhook another Application installs
   * fails until that one runs, which can take as long as the first pulls of its images, and Argo
   * CD does not retry a revision once the attempts are spent.
   *
   * @default -1 (no limit)
   */
  readonly retries?: number;
}

/**
 * An Argo CD `Application` (argoproj.io/v1alpha1) synced automatically (pruning and self-heal on,
 * server-side apply for large CRDs, dry runs of kinds not yet defined skipped and retried), from
 * a pinned source into a destination its project allows. Deleting the Application leaves what it
 * deployed in place (no cascading finalizer): the add-ons' CRDs hold the jobs and queues of every
 * team.
 */
export class ArgoCdApplication extends Construct {
  /** Name of the Application. */
  public readonly applicationName: string;
  /** The Application object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    registerObjects(this, 'Argo CD application');
    this.applicationName = props.applicationName !== undefined ? checkName(this, 'applicationName', props.applicationName) : generateName(this);
    const project = props.project;
    const { cluster, namespaceName: namespace } = props.destination;
    cluster._validate(this);
    checkName(this, 'destination.namespaceName', namespace);
    if (!project.destinations.some((d) => d.cluster.server === cluster.server && (d.namespaceName === '*' || d.namespaceName === namespace))) {
      throw new ValidationError({
        code: 'destination-not-permitted', scope: this,
        message: `Project ${project.projectName} does not allow deploying to namespace ${namespace} of ${cluster.server}, so Argo CD would refuse every sync.`,
        received: { server: cluster.server, namespace, allowed: project.destinations.map((d) => `${d.cluster.server} ${d.namespaceName}`) },
        fix: 'Deploy to a destination of the project, or add this one to its destinations.',
      });
    }
    const source = props.source._render(this, this.applicationName);
    if (!project.sourceRepos.includes(props.source.repoURL)) {
      throw new ValidationError({
        code: 'source-not-permitted', scope: this,
        message: `Project ${project.projectName} does not list the repository ${props.source.repoURL} in its sourceRepos, so Argo CD would refuse the Application.`,
        received: { repoURL: props.source.repoURL, allowed: project.sourceRepos },
        fix: 'Add the repository to the project\'s sourceRepos, or use one it lists.',
      });
    }
    const wave = props.syncWave ?? 0;
    const retries = props.retries ?? -1;
    for (const [prop, value, min] of [['syncWave', wave, -1000], ['retries', retries, -1]] as const) {
      if (!Number.isInteger(value) || value < min || value > 1000) {
        throw new ValidationError({
          code: 'invalid-argocd-application', scope: this,
          message: `${prop} must be a whole number from ${min} to 1000.`,
          received: value, fix: `Give ${prop} as a whole number, for example ${prop === 'syncWave' ? '1' : '10 (or -1 for no limit)'}.`,
        });
      }
    }
    const syncOptions = ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true'];
    if (props.createNamespace) syncOptions.push('CreateNamespace=true');
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: this.applicationName,
        namespace: project.argoCdNamespace,
        annotations: { 'argocd.argoproj.io/sync-wave': String(wave) },
      },
      spec: {
        project: project.projectName,
        source,
        destination: { server: cluster.server, namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions,
          retry: { limit: retries, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
        },
      },
    });
    dependOn(this, project);
  }
}
