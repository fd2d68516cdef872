import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubernetesVersion, Manifest, ManifestValidator, loadManifests, sharedAvailable, toJsPattern } from './k8s-schema';

const VERSIONS: KubernetesVersion[] = ['1.27', '1.33'];
const validators = new Map<KubernetesVersion, ManifestValidator>();

function validator(version: KubernetesVersion): ManifestValidator {
  let v = validators.get(version);
  if (!v) {
    v = ManifestValidator.forKubernetes(version);
    validators.set(version, v);
  }
  return v;
}

/** False (and a console message) when ../shared is missing: the test then checks nothing. */
function sharedPresent(): boolean {
  if (sharedAvailable()) return true;
  console.warn('skipped: ../shared not present');
  return false;
}

function pvc(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'features', namespace: 'fraud-scoring-prod', labels: { team: 'risk-ml' }, ...metadata },
    spec: {
      accessModes: ['ReadOnlyMany'],
      storageClassName: '',
      volumeName: 'fraud-scoring-prod-features',
      volumeMode: 'Filesystem',
      resources: { requests: { storage: '1024Gi' } },
      ...spec,
    },
  };
}

function localQueue(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'LocalQueue',
    metadata: { name: 'training', namespace: 'fraud-scoring-prod', ...metadata },
    spec: { clusterQueue: 'gpu', ...spec },
  };
}

function nodePool(requirement: Record<string, unknown>): Manifest {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: 'gpu' },
    spec: {
      template: {
        metadata: { labels: { 'mlops.example.com/pool': 'gpu' } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' },
          requirements: [requirement],
          expireAfter: '720h',
        },
      },
      limits: { 'nvidia.com/gpu': 8, memory: '1000Gi' },
      disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '5m' },
    },
  };
}

describe('ManifestValidator', () => {
  test('a valid PersistentVolumeClaim passes on 1.27 and 1.33', () => {
    if (!sharedPresent()) return;
    for (const version of VERSIONS) expect(validator(version).validate(pvc())).toEqual([]);
  });

  test('an unknown field in spec fails and the error names it', () => {
    if (!sharedPresent()) return;
    for (const version of VERSIONS) {
      expect(validator(version).validate(pvc({ storageClass: 'gp3' })))
        .toEqual(['spec.storageClass: unknown field "storageClass"']);
    }
  });

  test('a typo in metadata fails', () => {
    if (!sharedPresent()) return;
    for (const version of VERSIONS) {
      expect(validator(version).validate(pvc({}, { label: { team: 'risk-ml' } })))
        .toEqual(['metadata.label: unknown field "label"']);
    }
  });

  test('a wrong type fails', () => {
    if (!sharedPresent()) return;
    for (const version of VERSIONS) {
      expect(validator(version).validate(pvc({ accessModes: 'ReadWriteOnce' })))
        .toEqual(['spec.accessModes: must be array, got "ReadWriteOnce"']);
    }
  });

  test('a missing required field fails', () => {
    if (!sharedPresent()) return;
    const pv = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data' },
      spec: { capacity: { storage: '1Ti' }, accessModes: ['ReadOnlyMany'], csi: { volumeHandle: 'h' } },
    };
    expect(validator('1.33').validate(pv)).toEqual(['spec.csi.driver: required field is missing']);
  });

  test('IntOrString and Quantity take a number or a string, nothing else', () => {
    if (!sharedPresent()) return;
    const deployment = (port: unknown, memory: unknown): Manifest => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{
              name: 'web', image: 'nginx',
              resources: { limits: { memory } },
              readinessProbe: { httpGet: { path: '/', port } },
            }],
          },
        },
      },
    });
    const v = validator('1.27');
    expect(v.validate(deployment(8080, '512Mi'))).toEqual([]);
    expect(v.validate(deployment('http', 2))).toEqual([]);
    expect(v.validate(deployment(80.5, true)).sort()).toEqual([
      'spec.template.spec.containers[0].readinessProbe.httpGet.port: must be string or integer, got 80.5',
      'spec.template.spec.containers[0].resources.limits.memory: must be string or number, got true',
    ]);
  });

  test('a custom resource validates against its CRD; unknown spec and metadata fields fail', () => {
    if (!sharedPresent()) return;
    for (const version of VERSIONS) {
      const v = validator(version);
      expect(v.validate(localQueue())).toEqual([]);
      expect(v.validate(localQueue({ clusterQueueName: 'gpu' }))).toEqual(['spec.clusterQueueName: unknown field "clusterQueueName"']);
      // metadata of a custom resource is checked against the core ObjectMeta.
      expect(v.validate(localQueue({}, { lables: { team: 'risk-ml' } }))).toEqual(['metadata.lables: unknown field "lables"']);
      expect(v.validate(localQueue({}, { labels: { team: 7 } })))
        .toEqual(['metadata.labels.team: must be string, got 7']);
    }
  });

  test('an unknown nested field of a Karpenter NodePool fails', () => {
    if (!sharedPresent()) return;
    const v = validator('1.33');
    expect(v.validate(nodePool({ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g5', 'p5'] }))).toEqual([]);
    expect(v.validate(nodePool({ key: 'karpenter.k8s.aws/instance-family', operater: 'In', values: ['g5'] }))).toEqual([
      'spec.template.spec.requirements[0].operator: required field is missing',
      'spec.template.spec.requirements[0].operater: unknown field "operater"',
    ]);
    // The CRD enum and pattern apply too.
    expect(v.validate(nodePool({ key: 'karpenter.k8s.aws/instance-family', operator: 'in' }))).toEqual([
      'spec.template.spec.requirements[0].operator: must be one of ["Gte","Lte","In","NotIn","Exists","DoesNotExist","Gt","Lt"], got "in"',
    ]);
  });

  test('an unknown nested field of a KServe InferenceService fails', () => {
    if (!sharedPresent()) return;
    const isvc = (model: Record<string, unknown>): Manifest => ({
      apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService',
      metadata: { name: 'fraud', namespace: 'fraud-scoring-prod' },
      spec: { predictor: { serviceAccountName: 'fraud', model: { modelFormat: { name: 'xgboost' }, ...model } } },
    });
    const v = validator('1.33');
    expect(v.validate(isvc({ storageUri: 's3://models/fraud/' }))).toEqual([]);
    expect(v.validate(isvc({ storageURI: 's3://models/fraud/' })))
      .toEqual(['spec.predictor.model.storageURI: unknown field "storageURI"']);
  });

  test('fields marked x-kubernetes-preserve-unknown-fields stay open, their neighbours closed', () => {
    if (!sharedPresent()) return;
    const app = (helm: Record<string, unknown>): Manifest => ({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'fraud', namespace: 'argocd' },
      spec: {
        project: 'default',
        destination: { server: 'https://kubernetes.default.svc', namespace: 'fraud-scoring-prod' },
        source: { repoURL: 'https://example.com/charts', chart: 'fraud', targetRevision: '1.0.0', helm },
      },
    });
    const v = validator('1.27');
    expect(v.validate(app({ valuesObject: { anything: { nested: [1, 2] } } }))).toEqual([]);
    expect(v.validate(app({ valuesObjekt: {} }))).toEqual(['spec.source.helm.valuesObjekt: unknown field "valuesObjekt"']);
  });

  test('CRD patterns and int-or-string quantities are checked, Go regular expression syntax included', () => {
    if (!sharedPresent()) return;
    const v = validator('1.33');
    const rule = (strategy: string): Manifest => ({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'fraud', namespace: 'fraud-scoring-prod' },
      spec: { groups: [{ name: 'fraud', rules: [], partial_response_strategy: strategy }] },
    });
    // The CRD pattern is ^(?i)(abort|warn)?$, which JavaScript cannot compile as is.
    for (const ok of ['warn', 'ABORT', '']) expect(v.validate(rule(ok))).toEqual([]);
    expect(v.validate(rule('warnx'))).toEqual([
      'spec.groups[0].partial_response_strategy: must match pattern "^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$", got "warnx"',
    ]);
    expect(v.schemaNotes).toContain(
      'monitoring.coreos.com_prometheusrules.yaml: Go pattern "^(?i)(abort|warn)?$" checked as "^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$"');

    const limits = nodePool({ key: 'karpenter.k8s.aws/instance-family', operator: 'Exists' });
    (limits.spec as Record<string, unknown>).limits = { cpu: 'lots', memory: 1.5, 'nvidia.com/gpu': 8, pods: '110' };
    expect(v.validate(limits).sort()).toEqual([
      expect.stringMatching(/^spec\.limits\.cpu: must match pattern ".*", got "lots"$/),
      'spec.limits.memory: must be integer or string, got 1.5',
    ]);
  });

  test('Go regular expressions become JavaScript ones', () => {
    expect(toJsPattern('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')).toBe('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
    expect(toJsPattern('^(?i)(abort|warn)?$')).toBe('^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$');
    expect(toJsPattern('(?i)^[a-z0-9\\-]+$')).toBe('^[a-z0-9\\-A-Z]+$');
    expect(toJsPattern('^x(?i)[^a-f\\d]$')).toBe('^x[^a-f\\dA-F]$');
    expect(toJsPattern('^(?P<name>a)$')).toBeUndefined();
  });

  test('an unknown apiVersion or kind is an error', () => {
    if (!sharedPresent()) return;
    const v = validator('1.27');
    expect(v.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0])
      .toMatch(/^no schema for example\.com\/v1 Widget/);
    // Known kind, wrong version.
    expect(v.validate({ ...localQueue(), apiVersion: 'kueue.x-k8s.io/v1' })[0]).toMatch(/^no schema for kueue\.x-k8s\.io\/v1 LocalQueue/);
    expect(v.validate({ kind: 'Pod' })).toEqual(['apiVersion and kind must be strings (got undefined "Pod")']);
  });

  test('validateAll prefixes each error with kind/name', () => {
    if (!sharedPresent()) return;
    expect(validator('1.33').validateAll([pvc(), pvc({ storageClass: 'gp3' }, { name: 'raw' }), localQueue({ foo: 1 })])).toEqual([
      'PersistentVolumeClaim/raw: spec.storageClass: unknown field "storageClass"',
      'LocalQueue/training: spec.foo: unknown field "foo"',
    ]);
  });
});

describe('loadManifests', () => {
  test('parses every multi-document YAML file of a directory and drops empty documents', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-schema-'));
    try {
      fs.writeFileSync(path.join(dir, 'b.yaml'), '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n---\n---\n# nothing\n');
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n'
        + 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\nspec:\n  capacity:\n    storage: 1024Gi\n');
      fs.writeFileSync(path.join(dir, 'ignored.json'), '{}');
      const manifests = loadManifests(dir);
      expect(manifests.map((m) => m.kind)).toEqual(['Namespace', 'PersistentVolume', 'Namespace']);
      expect(manifests[1]).toMatchObject({ spec: { capacity: { storage: '1024Gi' } } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
