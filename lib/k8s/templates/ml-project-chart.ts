import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { ProjectIdentity, ProjectIdentityProps } from '../../core/identity';
import { NameRule } from '../../core/names';
import { validateLabels } from '../../core/private/validate';
import { ImageCacheNaming } from '../../core/image-upstreams';
import { ProjectImages, ProjectImagesOptions } from '../core/images';
import { registerObjects } from '../core/objects';
import { kplus } from '../core/plus';
import { PodSecurityLabels } from '../core/security';
import { checkNotSystemNamespace } from '../core/validation';
import { DatasetVolume, DatasetVolumeSource } from '../data/dataset-volume';
import { IChartCapability, IMlProjectChart } from '../project/ml-project-chart';
import { BoundCapabilities } from '../../core/private/capabilities';

/** A dataset the chart mounts for the project's workloads. */
export interface MlProjectDataset {
  /** Claim name, for example `features`. */
  readonly name: string;
  /** Where the data lives. */
  readonly source: DatasetVolumeSource;
}

/** Properties of an {@link MlProjectChart}. */
export interface MlProjectChartProps extends ChartProps {
  /** Project, team, stage and cost centre; labels every object of the chart. */
  readonly identity: ProjectIdentityProps;
  /**
   * Datasets to expose as read-only volumes.
   *
   * @default - none; add them with `addDataset()`
   */
  readonly datasets?: MlProjectDataset[];
  /**
   * Kubernetes capabilities (node pools, queues, jobs, serving...) bound after the datasets, in
   * this order. Each gets the same `IMlProjectChart` view of the project.
   *
   * @default - none; add them with `addCapability()`
   */
  readonly capabilities?: IChartCapability[];
  /**
   * The registry the project's pods pull from: its account's ECR registry, with the project's
   * repositories and its pull-through cache. With it, every image of the chart must come from
   * there (`image-outside-project-registry` otherwise), and capabilities build references with
   * `images.ecr()` and `images.cached()`.
   *
   * @default - images are not checked against a registry
   */
  readonly images?: ProjectImagesOptions;
}

/**
 * The Kubernetes side of one ML project instance: a team namespace that enforces the `restricted`
 * Pod Security profile, labelled with the project identity, and the project's dataset volumes.
 * Later capabilities (node pools, queues, training jobs, serving) join it here.
 */
export class MlProjectChart extends Chart implements IMlProjectChart {
  /** The validated project identity. */
  public readonly identity: ProjectIdentity;
  /** The project namespace. */
  public readonly projectNamespace: kplus.Namespace;
  /** Name of the project namespace (`<project>-<stage>` unless given). */
  public readonly namespaceName: string;
  /** Dataset volumes by claim name. */
  public readonly datasets: Record<string, DatasetVolume> = {};
  /** The registry the pods pull from, when `images` was given. */
  public readonly images?: ProjectImages;

  private readonly capabilities = new BoundCapabilities(this, 'chart');

  constructor(scope: Construct, id: string, props: MlProjectChartProps) {
    const identity = ProjectIdentity.of(scope, props.identity);
    const namespace = props.namespace ?? identity.qualifiedName;
    // The namespace is set on namespaced objects only: Namespace and PersistentVolume are
    // cluster-scoped and must not carry one.
    super(scope, id, { ...props, namespace: undefined, labels: { ...identity.labels, ...props.labels } });
    validateLabels(this, 'labels', props.labels);
    NameRule.KUBERNETES.validate(this, 'namespaceName', namespace);
    checkNotSystemNamespace(this, 'namespace', namespace);
    // Two objects of one identity in the chart fail the synth (duplicate-object).
    registerObjects(this);
    this.identity = identity;
    this.namespaceName = namespace;
    this.projectNamespace = new kplus.Namespace(this, 'Namespace', {
      metadata: { name: namespace, labels: PodSecurityLabels.restricted() },
    });
    // Every object of the chart comes after the namespace in the rendered YAML (cdk8s orders by
    // dependencies), so `kubectl apply -f` creates the namespace before what lives in it. Added at
    // synth, when the capabilities have created their objects.
    this.node.addValidation({
      validate: () => {
        // On the Namespace's API object itself: chart.toJson() infers construct-level dependencies
        // before it validates, so a dependency on the kplus construct added here would be missed.
        const namespaceObject = ApiObject.of(this.projectNamespace);
        for (const c of this.node.findAll()) {
          if (ApiObject.isApiObject(c) && c !== namespaceObject) c.node.addDependency(namespaceObject);
        }
        return [];
      },
    });
    if (props.images) {
      this.images = new ProjectImages(this, 'Images', { ...props.images, cacheNamespace: props.images.cacheNamespace ?? ImageCacheNaming.defaultNamespace(identity) });
    }
    for (const dataset of props.datasets ?? []) this.addDataset(dataset.name, dataset.source);
    for (const capability of props.capabilities ?? []) this.addCapability(capability);
  }

  /** This chart (the scope capabilities create their objects in). */
  public get chart(): Chart {
    return this;
  }

  /** Binds a Kubernetes capability to the project (after those already bound). */
  public addCapability(capability: IChartCapability): void {
    this.capabilities.add(capability.capabilityName);
    capability.bind(this);
  }

  /** Adds a read-only dataset volume named `name` to the project namespace. */
  public addDataset(name: string, source: DatasetVolumeSource): DatasetVolume {
    const volume = new DatasetVolume(this, `Dataset-${name}`, { source, claimName: name, namespaceName: this.namespaceName });
    volume.node.addDependency(this.projectNamespace);
    this.datasets[name] = volume;
    return volume;
  }
}
