import { Chart, Testing } from 'cdk8s';
import { ArgoCdApplication, ArgoCdCluster, ArgoCdProject, ArgoCdSource } from '../../../lib';
import { expectValidationError } from '../../support/errors';
import { ManifestValidator, sharedAvailable } from '../../support/k8s-schema';

const ARN = 'arn:aws:eks:eu-west-1:123456789012:cluster/defect-detection-prod';
const REPO = 'https://git.example.com/vision/defect-detection.git';
const CHARTS = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/defect-detection-prod/k8s/kueue/charts';

function project(chart: Chart, namespace = 'defect-detection-prod') {
  return new ArgoCdProject(chart, 'Team', {
    projectName: 'vision-ml',
    description: 'The vision team',
    sourceRepos: [REPO, CHARTS],
    destinations: [{ cluster: ArgoCdCluster.eksCluster(ARN), namespaceName: namespace }],
    clusterResources: [{ group: 'karpenter.sh', kind: 'NodePool' }],
  });
}

describe('ArgoCdProject and ArgoCdApplication', () => {
  test('an AppProject limited to its repositories, destinations and cluster kinds; an Application synced from a pinned source', () => {
    const chart = Testing.chart();
    const p = project(chart);
    const app = new ArgoCdApplication(chart, 'Charts', {
      applicationName: 'defect-detection-prod',
      project: p,
      source: ArgoCdSource.gitDirectory({ repoURL: REPO, path: 'dist', revision: 'v1.4.0', include: 'defect-detection-prod.k8s.yaml' }),
      destination: { cluster: ArgoCdCluster.eksCluster(ARN), namespaceName: 'defect-detection-prod' },
      syncWave: 2,
    });
    const objects = Testing.synth(chart);
    const [appProject, application] = objects;
    // the project is written first: the Application needs it
    expect(appProject.kind).toBe('AppProject');
    expect(appProject).toEqual({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject',
      metadata: { name: 'vision-ml', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        description: 'The vision team',
        sourceRepos: [REPO, CHARTS],
        destinations: [{ server: ARN, namespace: 'defect-detection-prod' }],
        clusterResourceWhitelist: [{ group: 'karpenter.sh', kind: 'NodePool' }],
        sourceNamespaces: ['argocd'],
      },
    });
    expect(application).toEqual({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application',
      metadata: { name: 'defect-detection-prod', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
      spec: {
        project: 'vision-ml',
        source: { repoURL: REPO, path: 'dist', targetRevision: 'v1.4.0', directory: { include: 'defect-detection-prod.k8s.yaml' } },
        destination: { server: ARN, namespace: 'defect-detection-prod' },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true'],
          retry: { limit: -1, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
        },
      },
    });
    // deleting the Application leaves what it deployed
    expect(application.metadata.finalizers).toBeUndefined();
    expect(app.applicationName).toBe('defect-detection-prod');
    if (!sharedAvailable()) {
      console.warn('skipped: ../shared not present');
      return;
    }
    expect(ManifestValidator.forKubernetes('1.33').validateAll(objects)).toEqual([]);
  });

  test('a Helm chart at an exact version, from an OCI registry without the scheme; in-cluster destination', () => {
    const chart = Testing.chart();
    const p = new ArgoCdProject(chart, 'Addons', {
      projectName: 'platform-addons', description: 'Cluster add-ons', sourceRepos: [CHARTS],
      destinations: [{ cluster: ArgoCdCluster.inCluster(), namespaceName: '*' }],
      clusterResources: [{ group: '*', kind: '*' }],
    });
    new ArgoCdApplication(chart, 'Kueue', {
      project: p,
      source: ArgoCdSource.helmChart({ repoURL: CHARTS, chart: 'kueue', version: '0.13.4', values: { enablePrometheus: true } }),
      destination: { cluster: ArgoCdCluster.inCluster(), namespaceName: 'kueue-system' },
      createNamespace: true, syncWave: -1,
    });
    const objects = Testing.synth(chart);
    const application = objects.find((o) => o.kind === 'Application');
    expect(application.metadata.name).toMatch(/^test-kueue-[0-9a-f]{8}$/);
    expect(application.spec.source).toEqual({
      repoURL: CHARTS, chart: 'kueue', targetRevision: '0.13.4',
      helm: { releaseName: application.metadata.name, valuesObject: { enablePrometheus: true } },
    });
    expect(application.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'kueue-system' });
    expect(application.spec.syncPolicy.syncOptions).toEqual(['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'CreateNamespace=true']);
    expect(application.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    if (sharedAvailable()) expect(ManifestValidator.forKubernetes('1.33').validateAll(objects)).toEqual([]);
  });

  test('an Application outside its project fails at synth, not at sync', () => {
    const source = ArgoCdSource.gitDirectory({ repoURL: REPO, path: 'dist', revision: 'v1.4.0' });
    const c1 = Testing.chart();
    expectValidationError(() => new ArgoCdApplication(c1, 'A', { project: project(c1), source, destination: { cluster: ArgoCdCluster.eksCluster(ARN), namespaceName: 'other-team' } }),
      /destination-not-permitted.*vision-ml.*other-team/);
    const c2 = Testing.chart();
    expectValidationError(() => new ArgoCdApplication(c2, 'A', { project: project(c2), source, destination: { cluster: ArgoCdCluster.inCluster(), namespaceName: 'defect-detection-prod' } }),
      /destination-not-permitted.*kubernetes\.default\.svc/);
    const c3 = Testing.chart();
    expectValidationError(() => new ArgoCdApplication(c3, 'A', {
      project: project(c3), source: ArgoCdSource.gitDirectory({ repoURL: 'https://github.com/someone/else.git', path: 'dist', revision: 'v1' }),
      destination: { cluster: ArgoCdCluster.eksCluster(ARN), namespaceName: 'defect-detection-prod' },
    }), /source-not-permitted.*someone\/else/);
  });

  test('revisions must be pinned: tags, commits and exact chart versions pass; branches, HEAD and ranges fail', () => {
    const destination = { cluster: ArgoCdCluster.eksCluster(ARN), namespaceName: 'defect-detection-prod' };
    const git = (revision: string) => {
      const c = Testing.chart();
      return new ArgoCdApplication(c, 'A', { project: project(c), destination, source: ArgoCdSource.gitDirectory({ repoURL: REPO, path: 'dist', revision }) });
    };
    const helm = (version: string) => {
      const c = Testing.chart();
      return new ArgoCdApplication(c, 'A', { project: project(c), destination, source: ArgoCdSource.helmChart({ repoURL: CHARTS, chart: 'kueue', version }) });
    };
    git('v1.4.0');
    git('0123456789abcdef0123456789abcdef01234567');
    helm('0.13.4');
    helm('v2.0.0-rc.1');
    for (const r of ['HEAD', 'main', 'master', '', 'v1.*']) expectValidationError(() => git(r), /unpinned-revision.*revision/);
    for (const v of ['0.13', '^0.13.0', '>=0.13.0', '*', '0.13.x']) expectValidationError(() => helm(v), /unpinned-revision.*version/);
    const c = Testing.chart();
    expectValidationError(() => new ArgoCdApplication(c, 'A', { project: project(c), destination, source: ArgoCdSource.helmChart({ repoURL: `oci://${CHARTS}`, chart: 'kueue', version: '0.13.4' }) }),
      /invalid-argocd-source.*oci:\/\//);
    const c4 = Testing.chart();
    expectValidationError(() => new ArgoCdApplication(c4, 'A', { project: project(c4), destination, source: ArgoCdSource.gitDirectory({ repoURL: REPO, path: '../dist', revision: 'v1' }) }),
      /invalid-argocd-source.*path/);
  });

  test('bad projects and applications', () => {
    const base = { description: 'x', sourceRepos: [REPO], destinations: [{ cluster: ArgoCdCluster.inCluster(), namespaceName: 'team' }] };
    expectValidationError(() => new ArgoCdProject(Testing.chart(), 'P', { ...base, projectName: 'default' }), /invalid-argocd-project.*default/);
    expectValidationError(() => new ArgoCdProject(Testing.chart(), 'P', { ...base, sourceRepos: ['*'] }), /invalid-argocd-project.*wildcard/);
    expectValidationError(() => new ArgoCdProject(Testing.chart(), 'P', { ...base, sourceRepos: [] }), /invalid-argocd-project/);
    expectValidationError(() => new ArgoCdProject(Testing.chart(), 'P', { ...base, destinations: [] }), /invalid-argocd-project.*destinations/);
    expectValidationError(() => new ArgoCdProject(Testing.chart(), 'P', { ...base, destinations: [{ cluster: ArgoCdCluster.eksCluster('defect-detection-prod'), namespaceName: 'team' }] }),
      /invalid-destination.*ARN/);
    const c = Testing.chart();
    const p = new ArgoCdProject(c, 'P', base);
    const source = ArgoCdSource.gitDirectory({ repoURL: REPO, path: 'dist', revision: 'v1' });
    const destination = { cluster: ArgoCdCluster.inCluster(), namespaceName: 'team' };
    new ArgoCdApplication(c, 'Edge', { project: p, source, destination, syncWave: 1000, retries: 0 });
    new ArgoCdApplication(c, 'Unlimited', { project: p, source, destination, syncWave: -1000, retries: -1 });
    expectValidationError(() => new ArgoCdApplication(c, 'A', { project: p, source, destination, syncWave: 1001 }), /invalid-argocd-application.*syncWave/);
    expectValidationError(() => new ArgoCdApplication(c, 'B', { project: p, source, destination, syncWave: 1.5 }), /invalid-argocd-application.*syncWave/);
    expectValidationError(() => new ArgoCdApplication(c, 'C', { project: p, source, destination, retries: -2 }), /invalid-argocd-application.*retries/);
    expectValidationError(() => new ArgoCdApplication(c, 'D', { project: p, source, destination, syncWave: -1001 }), /invalid-argocd-application.*syncWave/);
  });
});
