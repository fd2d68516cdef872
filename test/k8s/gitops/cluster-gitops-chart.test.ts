import { App, Testing } from 'cdk8s';
import {
  AcceleratorInstanceType, AddonVersions, MigProfile, ArgoCdCluster, ClusterGitOpsChart, ClusterGitOpsChartProps, GpuNodeImage, GpuNodePool, IChartCapability, ImageUpstream, MlProjectChart,
} from '../../../lib';
import { expectValidationError } from '../../support/errors';
import { ManifestValidator, sharedAvailable } from '../../support/k8s-schema';

const identity = { project: 'defect-detection', team: 'vision-ml', stage: 'prod', costCentre: 'CC-5120' };
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const ARN = 'arn:aws:eks:eu-west-1:123456789012:cluster/defect-detection-prod';
const REPO = 'https://git.example.com/platform/mlops.git';
const UPSTREAMS = [ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES, ImageUpstream.QUAY, ImageUpstream.GITHUB_CONTAINER_REGISTRY];
const IMAGES = { account: '123456789012', region: 'eu-west-1', cacheNamespace: 'defect-detection-prod', cacheUpstreams: UPSTREAMS };

function pools(options: { efa?: boolean; al2023?: boolean; neuron?: boolean; mig?: boolean } = {}): IChartCapability {
  const type = options.neuron ? AcceleratorInstanceType.TRN1_32XLARGE : options.mig ? AcceleratorInstanceType.P4DE_24XLARGE : options.efa ? AcceleratorInstanceType.P5_48XLARGE : AcceleratorInstanceType.G6E_12XLARGE;
  return {
    capabilityName: 'pools',
    bind: (p) => {
      new GpuNodePool(p.chart, 'Pool', {
        nodePoolName: 'gpu', instanceTypes: [type], acceleratorLimit: 16, efa: options.efa,
        image: options.al2023 ? GpuNodeImage.AL2023_LATEST : undefined,
        migProfile: options.mig ? MigProfile.MIG_1G_10GB : undefined,
        instanceProfile: 'KarpenterNode-x', subnetTags: { a: 'b' }, securityGroupTags: { a: 'b' },
      });
    },
  };
}

function render(overrides: Partial<ClusterGitOpsChartProps> = {}, capability?: IChartCapability) {
  const app = new App();
  const project = new MlProjectChart(app, 'defect-detection-prod', { identity, capabilities: capability ? [capability] : [] });
  const chart = new ClusterGitOpsChart(app, 'defect-detection-prod-gitops', {
    cluster: ArgoCdCluster.eksCluster(ARN), images: IMAGES, repository: { repoURL: REPO, revision: 'v1.0.0' },
    karpenter: { clusterName: 'defect-detection-prod', interruptionQueueName: 'defect-detection-prod' }, projects: [project], ...overrides,
  });
  return { chart, objects: Testing.synth(chart) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
const apps = (objects: any[]) => Object.fromEntries(objects.filter((o) => o.kind === 'Application').map((o) => [o.metadata.name, o]));

describe('ClusterGitOpsChart', () => {
  test('the add-ons at the pinned versions, charts and images from the cache, in waves; the cluster registered by ARN', () => {
    const { chart, objects } = render();
    const a = apps(objects);
    expect(Object.keys(a).sort()).toEqual(['defect-detection-prod', 'defect-detection-prod-gitops', 'jobset', 'karpenter', 'kubeflow-trainer', 'kueue']);
    const source = (name: string) => a[name].spec.source;
    expect(source('karpenter')).toMatchObject({ repoURL: `${HOST}/defect-detection-prod/ecr/karpenter`, chart: 'karpenter', targetRevision: AddonVersions.KARPENTER });
    expect(source('karpenter').helm.valuesObject).toEqual({
      serviceAccount: { name: 'karpenter' },
      settings: { clusterName: 'defect-detection-prod', interruptionQueue: 'defect-detection-prod', isolatedVPC: true },
      controller: { image: { repository: `${HOST}/defect-detection-prod/ecr/karpenter/controller`, tag: AddonVersions.KARPENTER, digest: '' } },
    });
    expect(a.karpenter.spec.destination).toEqual({ server: ARN, namespace: 'kube-system' });
    expect(source('kueue')).toMatchObject({ repoURL: `${HOST}/defect-detection-prod/k8s/kueue/charts`, chart: 'kueue', targetRevision: AddonVersions.KUEUE });
    expect(source('kueue').helm.valuesObject.controllerManager.manager.image).toEqual({ repository: `${HOST}/defect-detection-prod/k8s/kueue/kueue`, tag: `v${AddonVersions.KUEUE}` });
    expect(source('jobset').helm.valuesObject.image).toEqual({ repository: `${HOST}/defect-detection-prod/k8s/jobset/jobset`, tag: `v${AddonVersions.JOBSET}` });
    expect(source('kubeflow-trainer')).toMatchObject({ repoURL: `${HOST}/defect-detection-prod/ghcr/kubeflow/charts`, chart: 'kubeflow-trainer', targetRevision: AddonVersions.KUBEFLOW_TRAINER });
    expect(source('kubeflow-trainer').helm.valuesObject).toEqual({
      jobset: { install: false },
      image: { registry: HOST, repository: 'defect-detection-prod/ghcr/kubeflow/trainer/trainer-controller-manager', tag: `v${AddonVersions.KUBEFLOW_TRAINER}` },
    });
    // waves: this chart, then controllers with their CRDs, the Trainer after JobSet, then the project
    const wave = (name: string) => Number(a[name].metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('defect-detection-prod-gitops')).toBeLessThan(wave('jobset'));
    expect(wave('jobset')).toBeLessThan(wave('kubeflow-trainer'));
    expect(wave('kueue')).toBeLessThan(wave('defect-detection-prod'));
    expect(wave('kubeflow-trainer')).toBeLessThan(wave('defect-detection-prod'));
    // the cluster secret and the OCI chart repositories
    const secrets = objects.filter((o) => o.kind === 'Secret');
    // the capability pulls the ECR charts with its role: no repository secrets, only the cluster's
    expect(secrets).toEqual([{
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'in-cluster', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'cluster' }, annotations: { 'argocd.argoproj.io/sync-wave': '-10' } },
      stringData: { name: 'in-cluster', server: ARN },
    }]);
    // projects before the Applications that name them
    for (const p of objects.filter((o) => o.kind === 'AppProject' && o.metadata.name === 'platform-addons')) {
      expect(Number(p.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(wave('defect-detection-prod-gitops'));
    }
    // every image the add-ons run, for the first pull from outside the VPC
    expect(chart.cachedImages).toEqual([
      `${HOST}/defect-detection-prod/ecr/karpenter/controller:${AddonVersions.KARPENTER}`,
      `${HOST}/defect-detection-prod/k8s/jobset/jobset:v${AddonVersions.JOBSET}`,
      `${HOST}/defect-detection-prod/k8s/kueue/kueue:v${AddonVersions.KUEUE}`,
      `${HOST}/defect-detection-prod/ghcr/kubeflow/trainer/trainer-controller-manager:v${AddonVersions.KUBEFLOW_TRAINER}`,
    ]);
    if (sharedAvailable()) expect(ManifestValidator.forKubernetes('1.33').validateAll(objects)).toEqual([]);
  });

  test('each project in its own AppProject: its namespace and the cluster-scoped kinds its chart defines, from the Git repository', () => {
    const { objects } = render({}, pools());
    const team = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'defect-detection-prod');
    expect(team.spec.sourceRepos).toEqual([REPO]);
    expect(team.spec.destinations).toEqual([{ server: ARN, namespace: 'defect-detection-prod' }]);
    expect(team.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace' }, { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass' }, { group: 'karpenter.sh', kind: 'NodePool' },
    ]);
    const app = apps(objects)['defect-detection-prod'];
    expect(app.spec.project).toBe('defect-detection-prod');
    expect(app.spec.source).toEqual({ repoURL: REPO, path: 'dist', targetRevision: 'v1.0.0', directory: { include: 'defect-detection-prod.k8s.yaml' } });
    expect(app.spec.destination).toEqual({ server: ARN, namespace: 'defect-detection-prod' });
    const self = apps(objects)['defect-detection-prod-gitops'];
    expect(self.spec.source.directory).toEqual({ include: 'defect-detection-prod-gitops.k8s.yaml' });
    expect(self.spec.destination.namespace).toBe('argocd');
    expect(self.spec.project).toBe('platform-addons');
  });

  test('device plugins follow the pools: none for Bottlerocket, EFA for EFA pools, NVIDIA\'s (from a project repository) for AL2023', () => {
    expect(Object.keys(apps(render({}, pools()).objects))).not.toContain('nvidia-device-plugin');
    const efa = apps(render({}, pools({ efa: true })).objects)['aws-efa-k8s-device-plugin'];
    expect(efa.spec.source).toMatchObject({ repoURL: 'https://aws.github.io/eks-charts', chart: 'aws-efa-k8s-device-plugin', targetRevision: AddonVersions.EFA_DEVICE_PLUGIN_CHART });
    expect(efa.spec.source.helm.valuesObject.image).toEqual({ repository: `${HOST}/defect-detection-prod/ecr/eks/aws-efa-k8s-device-plugin`, tag: AddonVersions.EFA_DEVICE_PLUGIN_IMAGE });
    // on the EFA pools' GPU nodes, whose taint it tolerates
    expect(efa.spec.source.helm.valuesObject.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(efa.spec.source.helm.valuesObject.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'karpenter.sh/nodepool', operator: 'In', values: ['gpu'] }]);
    expectValidationError(() => render({}, pools({ al2023: true })), /missing-device-plugin.*gpu/);
    expectValidationError(() => render({ nvidiaDevicePluginImage: 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0' }, pools({ al2023: true })), /image-outside-project-registry/);
    const nvidia = apps(render({ nvidiaDevicePluginImage: `${HOST}/nvidia/k8s-device-plugin:v0.20.0` }, pools({ al2023: true })).objects)['nvidia-device-plugin'];
    expect(nvidia.spec.source.helm.valuesObject.image).toEqual({ repository: `${HOST}/nvidia/k8s-device-plugin`, tag: 'v0.20.0' });
    expectValidationError(() => render({ nvidiaDevicePluginImage: `${HOST}/nvidia/k8s-device-plugin@sha256:${'a'.repeat(64)}` }, pools({ al2023: true })), /invalid-image.*tag/);
    expect(nvidia.spec.source.helm.valuesObject.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(nvidia.spec.source.helm.valuesObject.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'karpenter.sh/nodepool', operator: 'In', values: ['gpu'] }]);
    // MIG pools: the GPU operator's MIG manager must run, and this chart does not install it
    expectValidationError(() => render({}, pools({ mig: true })), /missing-device-plugin.*MIG manager/);
    const withOperator = Object.keys(apps(render({ nvidiaGpuOperatorInstalled: true }, pools({ mig: true })).objects));
    expect(withOperator).not.toContain('nvidia-device-plugin');
    expect(Object.keys(apps(render({ nvidiaGpuOperatorInstalled: true }, pools({ al2023: true })).objects))).not.toContain('nvidia-device-plugin');
    // Neuron pools: the plugin must come from elsewhere, and say so
    expectValidationError(() => render({}, pools({ neuron: true })), /missing-device-plugin.*Neuron/);
    expect(Object.keys(apps(render({ neuronDevicePluginInstalled: true }, pools({ neuron: true })).objects))).not.toContain('nvidia-device-plugin');
  });

  test('without Karpenter settings no Karpenter; a self-installed Argo CD gets no cluster secret; the cache must mirror the add-ons\' registries', () => {
    const inCluster = render({ karpenter: undefined, cluster: ArgoCdCluster.inCluster() });
    expect(Object.keys(apps(inCluster.objects))).not.toContain('karpenter');
    expect(inCluster.objects.find((o) => o.metadata.name === 'in-cluster')).toBeUndefined();
    // a self-installed Argo CD gets the OCI chart repositories declared (their ECR token is added and refreshed there)
    const repos = inCluster.objects.filter((o) => o.kind === 'Secret' && o.metadata.labels['argocd.argoproj.io/secret-type'] === 'repository').map((s) => s.stringData);
    expect(repos.map((r) => r.url).sort()).toEqual([`${HOST}/defect-detection-prod/ecr/karpenter`, `${HOST}/defect-detection-prod/ghcr/kubeflow/charts`, `${HOST}/defect-detection-prod/k8s/jobset/charts`, `${HOST}/defect-detection-prod/k8s/kueue/charts`]);
    for (const r of repos) expect(r).toMatchObject({ type: 'helm', enableOCI: 'true' });
    expect(apps(inCluster.objects).kueue.spec.destination.server).toBe('https://kubernetes.default.svc');
    expectValidationError(() => render({ images: { ...IMAGES, cacheUpstreams: [ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES] } }), /image-not-cached.*GitHub Container Registry/);
    expectValidationError(() => render({ karpenter: { clusterName: '', interruptionQueueName: 'q' } }), /invalid-addon.*karpenter/);
    expectValidationError(() => render({ repository: { repoURL: REPO, revision: 'main' } }), /unpinned-revision/);
  });
});
