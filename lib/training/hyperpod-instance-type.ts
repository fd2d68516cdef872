import { AcceleratorInstanceType, InstanceTypeUse } from '../core/accelerators';

/** Every instance type HyperPod offers for instance groups (SageMaker API `ClusterInstanceType`, kept in the accelerator catalog). */
const HYPERPOD_INSTANCE_TYPES: readonly string[] = AcceleratorInstanceType.typesFor(InstanceTypeUse.HYPERPOD);
export const HYPERPOD_TYPE_SET = new Set(HYPERPOD_INSTANCE_TYPES);

/**
 * An instance type for a HyperPod instance group: a GPU / Trainium type of the accelerator
 * catalog, or any other type HyperPod offers (controller, login and CPU worker nodes) by name.
 * Types HyperPod does not offer are rejected when the group is added.
 */
export class HyperPodInstanceType {
  /** ml.t3.medium: small Slurm login node. */
  public static readonly T3_MEDIUM = HyperPodInstanceType.of('ml.t3.medium');
  /** ml.m5.xlarge: Slurm controller for small clusters. */
  public static readonly M5_XLARGE = HyperPodInstanceType.of('ml.m5.xlarge');
  /** ml.m5.2xlarge: Slurm controller. */
  public static readonly M5_2XLARGE = HyperPodInstanceType.of('ml.m5.2xlarge');
  /** ml.m5.4xlarge: Slurm controller for large clusters. */
  public static readonly M5_4XLARGE = HyperPodInstanceType.of('ml.m5.4xlarge');
  /** ml.c5.4xlarge: CPU workers (data preparation). */
  public static readonly C5_4XLARGE = HyperPodInstanceType.of('ml.c5.4xlarge');

  /** A type of the accelerator catalog, for example `AcceleratorInstanceType.P5_48XLARGE`. */
  public static accelerated(instanceType: AcceleratorInstanceType): HyperPodInstanceType {
    return new HyperPodInstanceType(instanceType.sageMakerName, instanceType);
  }

  /** Any type by name, with or without the `ml.` prefix: `of('ml.m5.2xlarge')`. */
  public static of(name: string): HyperPodInstanceType {
    const sageMakerName = name.startsWith('ml.') ? name : `ml.${name}`;
    const catalogued = AcceleratorInstanceType.of(sageMakerName);
    return new HyperPodInstanceType(sageMakerName, catalogued.catalogued ? catalogued : undefined);
  }

  /** The `ml.*` names of every instance type HyperPod offers, as this library knows them. */
  public static supportedTypes(): string[] {
    return [...HYPERPOD_INSTANCE_TYPES];
  }

  /** SageMaker name, for example `ml.p5.48xlarge`. */
  public readonly sageMakerName: string;
  /** The catalog entry, for GPU and Trainium types. */
  public readonly accelerator?: AcceleratorInstanceType;

  private constructor(sageMakerName: string, accelerator: AcceleratorInstanceType | undefined) {
    this.sageMakerName = sageMakerName;
    this.accelerator = accelerator;
  }

  /** Whether HyperPod offers this type. */
  public get supported(): boolean {
    return HYPERPOD_TYPE_SET.has(this.sageMakerName);
  }

  /** The SageMaker name. */
  public toString(): string {
    return this.sageMakerName;
  }
}
