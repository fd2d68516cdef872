import { ApiObject, Testing } from 'cdk8s';
import { IChartCapability, IMlProjectChart, ImageUpstream, MlProjectChart } from '../../../lib';
import { expectValidationError } from '../../support/errors';

const identity = { project: 'defect-detection', team: 'vision-ml', stage: 'prod', costCentre: 'CC-5120' };
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** A capability that renders one Deployment-like object pulling `image`. */
function pulling(image: (project: IMlProjectChart) => string, at: 'container' | 'trainer' = 'container'): IChartCapability {
  return {
    capabilityName: 'test',
    bind: (project) => {
      const ref = image(project);
      new ApiObject(project.chart, 'Workload', {
        apiVersion: 'example.com/v1', kind: 'Workload', metadata: { name: 'w', namespace: project.namespaceName },
        spec: at === 'container' ? { template: { spec: { initContainers: [{ name: 'init', image: `${HOST}/defect-detection-prod:1.0.0` }], containers: [{ name: 'main', image: ref }] } } } : { trainer: { image: ref } },
      });
    },
  };
}

/** A project chart of the registry of account 123456789012 in eu-west-1, or (`null`) of none. */
function chart(capability: IChartCapability, images: object | null = { account: '123456789012', region: 'eu-west-1' }) {
  return new MlProjectChart(Testing.app(), 'P', { identity, images: (images ?? undefined) as never, capabilities: [capability] });
}

describe('ProjectImages', () => {
  test('references into the project registry: its own repositories and the cache', () => {
    let seen: Record<string, string> = {};
    const c = chart({
      capabilityName: 'refs',
      bind: (p) => {
        const images = p.images!;
        seen = {
          own: images.ecr('defect-detection-prod', 'detector-2.0.1'),
          digest: images.ecr('defect-detection-prod', `sha256:${'b'.repeat(64)}`),
          k8s: images.cached('registry.k8s.io/jobset/jobset:v0.8.2'),
          ecrPublic: images.cached('public.ecr.aws/karpenter/controller:1.9.0'),
          quay: images.cached('quay.io/jetstack/cert-manager-controller:v1.18.2'),
        };
      },
    });
    Testing.synth(c);
    expect(c.images!.registryHost).toBe(HOST);
    expect(c.images!.cacheNamespace).toBe('defect-detection-prod');
    expect(seen).toEqual({
      own: `${HOST}/defect-detection-prod:detector-2.0.1`,
      digest: `${HOST}/defect-detection-prod@sha256:${'b'.repeat(64)}`,
      k8s: `${HOST}/defect-detection-prod/k8s/jobset/jobset:v0.8.2`,
      ecrPublic: `${HOST}/defect-detection-prod/ecr/karpenter/controller:1.9.0`,
      quay: `${HOST}/defect-detection-prod/quay/jetstack/cert-manager-controller:v1.18.2`,
    });
  });

  test('every image the chart renders must come from the project registry, under any key named image', () => {
    // cached and own images pass, wherever they sit
    Testing.synth(chart(pulling((p) => p.images!.cached('registry.k8s.io/pause:3.10'))));
    Testing.synth(chart(pulling((p) => p.images!.ecr('defect-detection-prod', '1.0.0'), 'trainer')));
    // a public image fails, as a container or as a TrainJob's trainer image
    expectValidationError(() => Testing.synth(chart(pulling(() => 'pytorch/pytorch:2.7.1-cuda12.6-cudnn9-runtime'))),
      /image-outside-project-registry.*Workload "w".*spec\.template\.spec\.containers\[0\]\.image.*not in the project's registry 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/);
    expectValidationError(() => Testing.synth(chart(pulling(() => 'ghcr.io/kubeflow/trainer/torch:v2.0.0', 'trainer'))), /image-outside-project-registry.*spec\.trainer\.image/);
    // another account's or region's registry is not the project's
    expectValidationError(() => Testing.synth(chart(pulling(() => '210987654321.dkr.ecr.eu-west-1.amazonaws.com/defect-detection-prod:1.0.0'))), /image-outside-project-registry/);
    expectValidationError(() => Testing.synth(chart(pulling(() => '123456789012.dkr.ecr.us-east-1.amazonaws.com/defect-detection-prod:1.0.0'))), /image-outside-project-registry/);
    // under the cache's namespace, but no rule serves that prefix
    expectValidationError(() => Testing.synth(chart(pulling(() => `${HOST}/defect-detection-prod/docker/library/alpine:3.20`))),
      /image-outside-project-registry.*no rule for "defect-detection-prod\/docker"/);
    // without images, nothing is checked
    Testing.synth(chart(pulling(() => 'pytorch/pytorch:2.7.1'), null));
  });

  test('the cache namespace and upstreams follow the stack when given', () => {
    const c = chart(pulling((p) => p.images!.cached('alpine:3.20')), {
      account: '123456789012', region: 'eu-west-1', cacheNamespace: 'platform', cacheUpstreams: [ImageUpstream.DOCKER_HUB],
    });
    const workload = Testing.synth(c).find((o) => o.kind === 'Workload');
    expect(workload.spec.template.spec.containers[0].image).toBe(`${HOST}/platform/docker/library/alpine:3.20`);
    expectValidationError(() => chart(pulling((p) => p.images!.cached('registry.k8s.io/pause:3.10')), {
      account: '123456789012', region: 'eu-west-1', cacheUpstreams: [ImageUpstream.DOCKER_HUB],
    }), /image-not-cached.*registry\.k8s\.io/);
  });

  test('bad input: account, region, namespace, repository, pin', () => {
    const noop: IChartCapability = { capabilityName: 'noop', bind: () => undefined };
    expectValidationError(() => chart(noop, { account: '12345678901', region: 'eu-west-1' }), /invalid-account/);
    expectValidationError(() => chart(noop, { account: '123456789012', region: 'Europe' }), /invalid-region/);
    expectValidationError(() => chart(noop, { account: '123456789012', region: 'eu-west-1', cacheNamespace: 'x'.repeat(24) }), /invalid-image-cache/);
    expectValidationError(() => chart(pulling((p) => p.images!.ecr('Detector', '1.0'))), /invalid-name.*repositoryName/);
    expectValidationError(() => chart(pulling((p) => p.images!.ecr('defect-detection-prod/k8s/pause', '3.10'))), /invalid-image.*namespace/);
    expectValidationError(() => chart(pulling((p) => p.images!.ecr('detector', 'not a tag'))), /invalid-image.*tagOrDigest/);
    expectValidationError(() => chart(pulling((p) => p.images!.cached('registry.k8s.io/pause'))), /invalid-image.*not pinned/);
  });
});
