import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatform } from '../../bin/platform';
import { KubernetesVersion, loadManifests, Manifest, ManifestValidator, sharedAvailable } from '../support/k8s-schema';

const VERSIONS: KubernetesVersion[] = ['1.27', '1.33'];
/** Kinds without a namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'PersistentVolume', 'NodePool', 'EC2NodeClass', 'ResourceFlavor', 'ClusterQueue', 'WorkloadPriorityClass', 'ClusterTrainingRuntime',
]);

let outdir: string;
let manifests: Manifest[];

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-manifests-'));
  const awsApp = new cdk.App();
  const k8sApp = new cdk8s.App({ outdir });
  buildPlatform(awsApp, k8sApp, { projects: 3 });
  // validate the YAML files exactly as `npm run synth` writes them to dist/
  k8sApp.synth();
  manifests = loadManifests(outdir);
});

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

function metadataOf(manifest: Manifest): Record<string, unknown> {
  const metadata = manifest.metadata;
  if (typeof metadata !== 'object' || metadata === null) throw new Error(`${String(manifest.kind)} without metadata`);
  return metadata as Record<string, unknown>;
}

function ids(list: Manifest[]): string[] {
  return list.map((m) => `${String(m.kind)}/${String(metadataOf(m).name)}`);
}

describe('the Lustre volume of the Kubernetes reference project, from the stack outputs passed as context', () => {
  const lustreContext = { lustreFileSystemId: 'fs-0123456789abcdef0', lustreDnsName: 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com', lustreMountName: 'abcdefgh' };
  const render = (context: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-lustre-'));
    try {
      const k8sApp = new cdk8s.App({ outdir: dir });
      buildPlatform(new cdk.App({ context }), k8sApp, { projects: 3 });
      k8sApp.synth();
      return loadManifests(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test('a static FSx volume the jobs mount; the stack installs the FSx CSI driver', () => {
    const ms = render(lustreContext);
    const pv = ms.find((m) => m.kind === 'PersistentVolume' && JSON.stringify(m).includes('fsx.csi.aws.com')) as { spec: Record<string, unknown> };
    expect(pv.spec).toEqual(expect.objectContaining({
      accessModes: ['ReadWriteMany'], mountOptions: ['flock'], capacity: { storage: '1200Gi' },
      csi: expect.objectContaining({ driver: 'fsx.csi.aws.com', volumeHandle: 'fs-0123456789abcdef0', volumeAttributes: { dnsname: lustreContext.lustreDnsName, mountname: 'abcdefgh' } }),
    }));
    const claim = ms.find((m) => m.kind === 'PersistentVolumeClaim' && JSON.stringify(m).includes('"lustre"'));
    expect(claim).toBeDefined();
    // both jobs read the dataset through the Lustre claim
    for (const kind of ['TrainJob', 'Job']) {
      const job = JSON.stringify(ms.find((m) => m.kind === kind && String((m.metadata as { namespace?: string }).namespace) === 'defect-detection-prod'));
      expect(job).toContain('"claimName":"lustre"');
    }
    const app = new cdk.App({ context: lustreContext });
    const { stacks } = buildPlatform(app, undefined, { projects: 3 });
    const defect = stacks.find((st) => st.stackName === 'defect-detection-prod')!;
    const t = Template.fromStack(defect);
    t.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'aws-fsx-csi-driver' });
    t.hasOutput('LustreFileSystemId', Match.anyValue());
  });

  test('without the context, no Lustre volume is rendered; a partial context is refused', () => {
    expect(JSON.stringify(render({}))).not.toContain('fsx.csi.aws.com');
    expect(() => render({ lustreFileSystemId: 'fs-0123456789abcdef0' })).toThrow(/missing: lustreDnsName, lustreMountName/);
  });
});

describe('default platform Kubernetes manifests', () => {
  test('contain the namespace and the dataset volumes of every project', () => {
    const kinds = new Set(manifests.map((m) => m.kind));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['Namespace', 'PersistentVolume', 'PersistentVolumeClaim']));
    expect(manifests.filter((m) => m.kind === 'Namespace')).toHaveLength(3);
    const claims = manifests.filter((m) => m.kind === 'PersistentVolumeClaim').map((m) => `${String(metadataOf(m).namespace)}/${String(metadataOf(m).name)}`);
    expect(claims.sort()).toEqual([
      'defect-detection-prod/checkpoints', 'defect-detection-prod/features', 'fraud-scoring-prod/features', 'llm-finetune-prod/features',
    ]);
  });

  test('contain the GPU training objects of the Kubernetes reference project', () => {
    const kinds = new Set(manifests.map((m) => String(m.kind)));
    for (const kind of ['NodePool', 'EC2NodeClass', 'ResourceFlavor', 'ClusterQueue', 'LocalQueue', 'WorkloadPriorityClass', 'ClusterTrainingRuntime', 'TrainJob', 'Job']) {
      expect(kinds).toContain(kind);
    }
  });

  test('every image is in the project account\'s ECR registry: its own repository or its pull-through cache', () => {
    const images = (list: Manifest[]): string[] => {
      const found: string[] = [];
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(visit);
        else if (value && typeof value === 'object') {
          for (const [k, v] of Object.entries(value)) {
            if (k === 'image' && typeof v === 'string') found.push(v);
            else visit(v);
          }
        }
      };
      list.forEach(visit);
      return found;
    };
    // without -c account and CLI credentials, a placeholder account (the summary says so)
    const placeholder = images(manifests);
    expect(placeholder.length).toBeGreaterThanOrEqual(3);
    for (const image of placeholder) expect(image).toMatch(/^000000000000\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/defect-detection-prod[:@]/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-account-'));
    try {
      const k8sApp = new cdk8s.App({ outdir: dir });
      buildPlatform(new cdk.App({ context: { account: '123456789012', region: 'eu-central-1' } }), k8sApp, { projects: 3 });
      k8sApp.synth();
      const named = images(loadManifests(dir));
      expect(named).toHaveLength(placeholder.length);
      for (const image of named) expect(image).toMatch(/^123456789012\.dkr\.ecr\.eu-central-1\.amazonaws\.com\//);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every GPU quantity is a positive integer, never null', () => {
    const gpuValues: unknown[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'nvidia.com/gpu') gpuValues.push(v);
          visit(v);
        }
      }
    };
    manifests.forEach(visit);
    // the pool limit, and requests + limits of both jobs (the queue quota names the resource in a list)
    expect(gpuValues).toHaveLength(5);
    for (const v of gpuValues) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v as number).toBeGreaterThan(0);
    }
  });

  test.each(VERSIONS)('validate against the Kubernetes %s schemas with unknown fields rejected', (version) => {
    if (!sharedAvailable()) {
      console.warn('skipped: ../shared not present');
      return;
    }
    expect(ManifestValidator.forKubernetes(version).validateAll(manifests)).toEqual([]);
  });

  test('cluster-scoped objects carry no namespace, namespaced objects do', () => {
    const clusterScoped = manifests.filter((m) => CLUSTER_SCOPED.has(String(m.kind)));
    const namespaced = manifests.filter((m) => !CLUSTER_SCOPED.has(String(m.kind)));
    expect(clusterScoped.length).toBeGreaterThan(0);
    expect(namespaced.length).toBeGreaterThan(0);
    expect(ids(clusterScoped.filter((m) => 'namespace' in metadataOf(m)))).toEqual([]);
    expect(ids(namespaced.filter((m) => typeof metadataOf(m).namespace !== 'string' || metadataOf(m).namespace === ''))).toEqual([]);
  });

  test('each claim lives in its project namespace and binds the volume that points back at it', () => {
    const namespaces = new Set(manifests.filter((m) => m.kind === 'Namespace').map((m) => metadataOf(m).name));
    const volumes = new Map(manifests.filter((m) => m.kind === 'PersistentVolume').map((m) => [metadataOf(m).name, m]));
    for (const claim of manifests.filter((m) => m.kind === 'PersistentVolumeClaim')) {
      const { name, namespace } = metadataOf(claim);
      expect(namespaces.has(namespace)).toBe(true);
      const volumeName = (claim.spec as Record<string, unknown>).volumeName;
      const volume = volumes.get(volumeName);
      expect(volume).toBeDefined();
      expect((volume?.spec as Record<string, unknown>).claimRef).toEqual({ name, namespace });
    }
  });
});
