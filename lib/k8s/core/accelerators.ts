import { IConstruct } from 'constructs';
import { AcceleratorInstanceType, AcceleratorVendor } from '../../core/accelerators';
import { ValidationError } from '../../core/errors';
import { k8s } from './plus';

const MIG_PROFILE_FORMAT = /^[1-7]g\.[1-9][0-9]*gb$/;

/** The profiles with a constant, by name: `MigProfile.of()` returns the constant for these. */
const KNOWN_MIG_PROFILES = new Map<string, MigProfile>();

/**
 * A Multi-Instance GPU (MIG) profile: the slice of one GPU that each MIG device gets, named
 * `<compute slices>g.<memory>gb` as in the NVIDIA MIG user guide. The constants are the profiles
 * of the MIG-capable GPUs of the catalog (A100 40 GB and 80 GB, H100 80 GB, H200 141 GB); which
 * GPU supports which one is in the catalog (`AcceleratorCapabilities.migProfiles()`). Use `of()`
 * for any other profile.
 *
 * @example
 * Accelerator.nvidiaGpu({ count: 1, model: 'A100', migProfile: MigProfile.MIG_1G_10GB });
 */
export class MigProfile {
  /** `1g.5gb`: 1/7 of the compute of an A100 40 GB, 7 per GPU. */
  public static readonly MIG_1G_5GB = MigProfile.known('1g.5gb');
  /** `2g.10gb`: 2/7 of the compute of an A100 40 GB, 3 per GPU. */
  public static readonly MIG_2G_10GB = MigProfile.known('2g.10gb');
  /** `3g.20gb`: 3/7 of the compute of an A100 40 GB, 2 per GPU. */
  public static readonly MIG_3G_20GB = MigProfile.known('3g.20gb');
  /** `4g.20gb`: 4/7 of the compute of an A100 40 GB, 1 per GPU. */
  public static readonly MIG_4G_20GB = MigProfile.known('4g.20gb');
  /** `7g.40gb`: a whole A100 40 GB as one MIG device. */
  public static readonly MIG_7G_40GB = MigProfile.known('7g.40gb');
  /** `1g.10gb`: 1/7 of the compute of an A100 80 GB or H100 80 GB, 7 per GPU. */
  public static readonly MIG_1G_10GB = MigProfile.known('1g.10gb');
  /** `1g.20gb`: 1/7 of the compute and 1/4 of the memory of an H100 80 GB, 4 per GPU. */
  public static readonly MIG_1G_20GB = MigProfile.known('1g.20gb');
  /** `2g.20gb`: 2/7 of the compute of an A100 80 GB or H100 80 GB, 3 per GPU. */
  public static readonly MIG_2G_20GB = MigProfile.known('2g.20gb');
  /** `3g.40gb`: 3/7 of the compute of an A100 80 GB or H100 80 GB, 2 per GPU. */
  public static readonly MIG_3G_40GB = MigProfile.known('3g.40gb');
  /** `4g.40gb`: 4/7 of the compute of an A100 80 GB or H100 80 GB, 1 per GPU. */
  public static readonly MIG_4G_40GB = MigProfile.known('4g.40gb');
  /** `7g.80gb`: a whole A100 80 GB or H100 80 GB as one MIG device. */
  public static readonly MIG_7G_80GB = MigProfile.known('7g.80gb');
  /** `1g.18gb`: 1/7 of the compute of an H200 141 GB, 7 per GPU. */
  public static readonly MIG_1G_18GB = MigProfile.known('1g.18gb');
  /** `1g.35gb`: 1/7 of the compute and 1/4 of the memory of an H200 141 GB, 4 per GPU. */
  public static readonly MIG_1G_35GB = MigProfile.known('1g.35gb');
  /** `2g.35gb`: 2/7 of the compute of an H200 141 GB, 3 per GPU. */
  public static readonly MIG_2G_35GB = MigProfile.known('2g.35gb');
  /** `3g.71gb`: 3/7 of the compute of an H200 141 GB, 2 per GPU. */
  public static readonly MIG_3G_71GB = MigProfile.known('3g.71gb');
  /** `4g.71gb`: 4/7 of the compute of an H200 141 GB, 1 per GPU. */
  public static readonly MIG_4G_71GB = MigProfile.known('4g.71gb');
  /** `7g.141gb`: a whole H200 141 GB as one MIG device. */
  public static readonly MIG_7G_141GB = MigProfile.known('7g.141gb');

  /**
   * The profile named `name`, for example `1g.10gb` (the constant, for the profiles that have
   * one). Whether the GPUs support it is checked where it is used.
   */
  public static of(name: string): MigProfile {
    return KNOWN_MIG_PROFILES.get(name) ?? new MigProfile(name);
  }

  private static known(name: string): MigProfile {
    const profile = new MigProfile(name);
    KNOWN_MIG_PROFILES.set(name, profile);
    return profile;
  }

  /** The profile name, for example `1g.10gb`: the `nvidia.com/mig-<name>` resource and the `all-<name>` MIG configuration. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}

/**
 * What the library knows about the accelerators of catalogued instance types beyond
 * `AcceleratorInstanceType.spec`: MIG partitions, EFA interfaces and processes per device.
 */
export class AcceleratorCapabilities {
  /**
   * MIG profiles the GPUs of `instanceType` support, for example `1g.10gb`, `2g.20gb`... for
   * `p4de.24xlarge`; empty for types without MIG.
   */
  public static migProfiles(instanceType: AcceleratorInstanceType): MigProfile[] {
    return Object.keys(instanceType.spec?.migDevicesPerGpu ?? {}).map((name) => MigProfile.of(name));
  }

  /**
   * How many MIG devices of `profile` one GPU of `instanceType` is partitioned into (7 for `1g.10gb`
   * on an A100 80 GB); 0 when the GPU does not support the profile.
   */
  public static migDevicesPerGpu(instanceType: AcceleratorInstanceType, profile: MigProfile): number {
    return instanceType.spec?.migDevicesPerGpu[profile.name] ?? 0;
  }

  /** EFA interfaces one instance of `instanceType` offers (`vpc.amazonaws.com/efa`); 0 without EFA. */
  public static efaInterfaces(instanceType: AcceleratorInstanceType): number {
    return instanceType.spec?.efaInterfaces ?? 0;
  }

  /**
   * Training processes per accelerator: 1 per NVIDIA GPU or MIG device, one per logical
   * NeuronCore for Neuron devices (2 for Trainium and Inferentia2, 4 for Trainium2).
   */
  public static processesPerAccelerator(instanceType: AcceleratorInstanceType): number {
    return instanceType.spec?.processesPerAccelerator ?? 1;
  }

  /**
   * Accelerators (MIG devices when `migProfile` is given) one instance of `instanceType` offers.
   */
  public static acceleratorsPerInstance(instanceType: AcceleratorInstanceType, migProfile?: MigProfile): number {
    const count = instanceType.spec?.acceleratorCount ?? 0;
    return migProfile === undefined ? count : count * AcceleratorCapabilities.migDevicesPerGpu(instanceType, migProfile);
  }

  /** Accelerator models the catalog lists for `vendor`, for example `['H100', 'A100', ...]`. */
  public static models(vendor: AcceleratorVendor): string[] {
    return [...new Set(AcceleratorInstanceType.all()
      .filter((t) => t.spec?.vendor === vendor)
      .map((t) => t.spec!.acceleratorModel))];
  }

  /**
   * The extended resource a pod requests for `vendor`: `nvidia.com/gpu`,
   * `nvidia.com/mig-<profile>` or `aws.amazon.com/neuron`.
   */
  public static resourceName(vendor: AcceleratorVendor, migProfile?: MigProfile): string {
    if (vendor === AcceleratorVendor.AWS) return Accelerator.NEURON_RESOURCE;
    return migProfile === undefined ? Accelerator.NVIDIA_GPU_RESOURCE : `nvidia.com/mig-${migProfile.name}`;
  }

  /** The taint GPU and Neuron nodes carry, and accelerator pods tolerate. */
  public static taintKey(vendor: AcceleratorVendor): string {
    return vendor === AcceleratorVendor.AWS ? Accelerator.NEURON_RESOURCE : Accelerator.NVIDIA_GPU_RESOURCE;
  }

  /**
   * The node label Karpenter sets to the accelerator model (lower case: `l40s`, `h100`,
   * `trainium`), which a request for a model selects on: `karpenter.k8s.aws/instance-gpu-name`
   * for NVIDIA, `karpenter.k8s.aws/instance-accelerator-name` for AWS Neuron.
   */
  public static modelLabel(vendor: AcceleratorVendor): string {
    return vendor === AcceleratorVendor.AWS ? LABEL_ACCELERATOR_NAME : LABEL_GPU_NAME;
  }

  private constructor() {
    // static members only
  }
}

/** Options of {@link Accelerator.nvidiaGpu}. */
export interface NvidiaGpuOptions {
  /**
   * GPUs per pod (per training node); MIG devices per pod when `migProfile` is set. A positive
   * integer no larger than what one instance offers.
   */
  readonly count: number;
  /**
   * Run on this instance type only.
   *
   * @default - any catalogued instance type with the model (or any NVIDIA type)
   */
  readonly instanceType?: AcceleratorInstanceType;
  /**
   * GPU model, for example `H100`, `A100`, `L40S`, `A10G` (case-insensitive).
   *
   * @default - the model of `instanceType`, else any NVIDIA GPU
   */
  readonly model?: string;
  /**
   * Request MIG devices of this profile (`nvidia.com/mig-<profile>`, for example
   * `MigProfile.MIG_1G_10GB`) instead of whole GPUs. The GPU must support MIG (A100, H100, H200)
   * and the profile.
   *
   * @default - whole GPUs
   */
  readonly migProfile?: MigProfile;
  /**
   * EFA interfaces per pod (`vpc.amazonaws.com/efa`), for multi-node collective communication.
   *
   * @default 0
   */
  readonly efa?: number;
}

/** Options of {@link Accelerator.neuron}. */
export interface NeuronOptions {
  /** Neuron devices per pod (per training node). A positive integer. */
  readonly count: number;
  /**
   * Run on this instance type only.
   *
   * @default - any catalogued instance type with the model (or any Neuron type)
   */
  readonly instanceType?: AcceleratorInstanceType;
  /**
   * Neuron device model: `Trainium`, `Trainium2` or `Inferentia2` (case-insensitive).
   *
   * @default - the model of `instanceType`, else any Neuron device
   */
  readonly model?: string;
  /**
   * EFA interfaces per pod (`vpc.amazonaws.com/efa`).
   *
   * @default 0
   */
  readonly efa?: number;
}

/**
 * What an accelerator adds to a pod: resources, tolerations and node selection, always together.
 */
export interface AcceleratorPodSettings {
  /**
   * Extended resources (accelerators, EFA), as positive integers. Use them as both requests
   * and limits: Kubernetes requires them to be equal for extended resources.
   */
  readonly resources: { [name: string]: k8s.Quantity };
  /** Tolerations of the accelerator taint (`nvidia.com/gpu` or `aws.amazon.com/neuron`). */
  readonly tolerations: k8s.Toleration[];
  /**
   * Node selector on well-known Karpenter labels (accelerator manufacturer and name, instance
   * type when one is pinned).
   */
  readonly nodeSelector: { [key: string]: string };
  /**
   * The catalogued instance types that can give one pod this accelerator (count, MIG profile
   * and EFA included), smallest first.
   */
  readonly instanceTypes: AcceleratorInstanceType[];
  /** The canonical model name (`H100`), when the accelerator names or implies one. */
  readonly model?: string;
}

/** Karpenter well-known labels. */
const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
const LABEL_GPU_MANUFACTURER = 'karpenter.k8s.aws/instance-gpu-manufacturer';
const LABEL_GPU_NAME = 'karpenter.k8s.aws/instance-gpu-name';
const LABEL_ACCELERATOR_MANUFACTURER = 'karpenter.k8s.aws/instance-accelerator-manufacturer';
const LABEL_ACCELERATOR_NAME = 'karpenter.k8s.aws/instance-accelerator-name';

/**
 * An accelerator request of one pod: NVIDIA GPUs (whole or MIG devices) or AWS Neuron devices,
 * optionally with EFA interfaces.
 *
 * Bound to a construct, it renders the resource limits, the toleration of the accelerator taint
 * and the node selection together, and rejects requests no catalogued instance type can give.
 *
 * @example
 * Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 });
 * Accelerator.nvidiaGpu({ count: 1, instanceType: AcceleratorInstanceType.P4DE_24XLARGE, migProfile: MigProfile.MIG_1G_10GB });
 * Accelerator.neuron({ count: 16, instanceType: AcceleratorInstanceType.TRN2_48XLARGE });
 */
export class Accelerator {
  /** Extended resource of whole NVIDIA GPUs. */
  public static readonly NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';
  /** Extended resource of AWS Neuron devices. */
  public static readonly NEURON_RESOURCE = 'aws.amazon.com/neuron';
  /** Extended resource of EFA interfaces. */
  public static readonly EFA_RESOURCE = 'vpc.amazonaws.com/efa';

  /** NVIDIA GPUs: whole GPUs, or MIG devices of one profile. */
  public static nvidiaGpu(options: NvidiaGpuOptions): Accelerator {
    return new Accelerator(AcceleratorVendor.NVIDIA, options.count, options.instanceType, options.model, options.migProfile, options.efa);
  }

  /** AWS Neuron devices (Trainium, Inferentia2). */
  public static neuron(options: NeuronOptions): Accelerator {
    return new Accelerator(AcceleratorVendor.AWS, options.count, options.instanceType, options.model, undefined, options.efa);
  }

  /** Vendor of the accelerator. */
  public readonly vendor: AcceleratorVendor;
  /** Accelerators (or MIG devices) per pod. */
  public readonly count: number;
  /** The pinned instance type, if any. */
  public readonly instanceType?: AcceleratorInstanceType;
  /** The requested model as given, if any (see `bind()` for the canonical name). */
  public readonly model?: string;
  /** The MIG profile, if MIG devices are requested. */
  public readonly migProfile?: MigProfile;
  /** EFA interfaces per pod. */
  public readonly efa: number;

  private constructor(vendor: AcceleratorVendor, count: number, instanceType: AcceleratorInstanceType | undefined,
    model: string | undefined, migProfile: MigProfile | undefined, efa: number | undefined) {
    this.vendor = vendor;
    this.count = count;
    this.instanceType = instanceType;
    this.model = model;
    this.migProfile = migProfile;
    this.efa = efa ?? 0;
  }

  /** The extended resource requested: `nvidia.com/gpu`, `nvidia.com/mig-<profile>` or `aws.amazon.com/neuron`. */
  public get resourceName(): string {
    return AcceleratorCapabilities.resourceName(this.vendor, this.migProfile);
  }

  /** `8 x NVIDIA H100 + 32 EFA`, `1 x NVIDIA MIG 1g.10gb`, `16 x AWS Trainium2 on trn2.48xlarge`: for messages. */
  public describe(): string {
    const what = this.migProfile ? `MIG ${this.migProfile.name}` : (this.model ?? this.instanceType?.spec?.acceleratorModel ?? (this.vendor === AcceleratorVendor.AWS ? 'Neuron' : 'GPU'));
    const vendor = this.vendor === AcceleratorVendor.AWS ? 'AWS' : 'NVIDIA';
    return `${this.count} x ${vendor} ${what}${this.efa > 0 ? ` + ${this.efa} EFA` : ''}${this.instanceType ? ` on ${this.instanceType.ec2Name}` : ''}`;
  }

  /**
   * Validates the request on behalf of `scope` and returns what it adds to a pod.
   *
   * @throws ValidationError `invalid-accelerator-count`, `invalid-efa-count`, `unknown-instance-type`,
   *   `accelerator-vendor-mismatch`, `unknown-accelerator-model`, `mig-not-supported`,
   *   `invalid-mig-profile`, `accelerator-count-not-offered`, `efa-not-supported`
   */
  public bind(scope: IConstruct): AcceleratorPodSettings {
    const model = this.resolveModel(scope);
    const instanceTypes = this.resolveInstanceTypes(scope, model);
    const resources: { [name: string]: k8s.Quantity } = { [this.resourceName]: k8s.Quantity.fromNumber(this.count) };
    if (this.efa > 0) resources[Accelerator.EFA_RESOURCE] = k8s.Quantity.fromNumber(this.efa);
    const nodeSelector: { [key: string]: string } = this.vendor === AcceleratorVendor.NVIDIA
      ? { [LABEL_GPU_MANUFACTURER]: 'nvidia' }
      : { [LABEL_ACCELERATOR_MANUFACTURER]: 'aws' };
    if (model) nodeSelector[this.vendor === AcceleratorVendor.NVIDIA ? LABEL_GPU_NAME : LABEL_ACCELERATOR_NAME] = model.toLowerCase();
    if (this.instanceType) nodeSelector[LABEL_INSTANCE_TYPE] = this.instanceType.ec2Name;
    return {
      resources,
      tolerations: [{ key: AcceleratorCapabilities.taintKey(this.vendor), operator: 'Exists', effect: 'NoSchedule' }],
      nodeSelector,
      instanceTypes,
      model,
    };
  }

  /**
   * Accelerators (or MIG devices of this request's profile) one instance of `instanceType` offers this
   * request; 0 when `instanceType` cannot serve it at all (other vendor, model or no such MIG profile).
   */
  public capacityOn(instanceType: AcceleratorInstanceType): number {
    const spec = instanceType.spec;
    if (!spec || spec.vendor !== this.vendor) return 0;
    if (this.instanceType && this.instanceType.ec2Name !== instanceType.ec2Name) return 0;
    if (this.model && spec.acceleratorModel.toLowerCase() !== this.model.toLowerCase()) return 0;
    return AcceleratorCapabilities.acceleratorsPerInstance(instanceType, this.migProfile);
  }

  private resolveModel(scope: IConstruct): string | undefined {
    const fail = (code: string, message: string, received: unknown, fix: string): never => {
      throw new ValidationError({ code, scope, message, received, fix });
    };
    if (!Number.isInteger(this.count) || this.count < 1) {
      fail('invalid-accelerator-count', 'An accelerator count must be a positive integer: Kubernetes only schedules whole extended resources.',
        Number.isFinite(this.count) ? this.count : String(this.count), 'Request at least 1 accelerator per pod, for example Accelerator.nvidiaGpu({ count: 8 }).');
    }
    if (!Number.isInteger(this.efa) || this.efa < 0) {
      fail('invalid-efa-count', 'EFA interfaces per pod must be a non-negative integer.', Number.isFinite(this.efa) ? this.efa : String(this.efa), 'Give a whole number of EFA interfaces, or omit efa.');
    }
    const type = this.instanceType;
    if (type && (!type.wellFormed || !type.catalogued)) {
      fail('unknown-instance-type', `Instance type "${type.ec2Name}" is not an accelerator instance type of the catalog, so its accelerators are unknown.`,
        type.ec2Name, 'Use a catalogued type such as AcceleratorInstanceType.P5_48XLARGE, or omit instanceType and give the model.');
    }
    if (type && type.spec!.vendor !== this.vendor) {
      fail('accelerator-vendor-mismatch', `Instance type ${type.ec2Name} has ${type.spec!.acceleratorModel} accelerators, not ${this.vendor === AcceleratorVendor.AWS ? 'Neuron devices' : 'NVIDIA GPUs'}.`,
        type.ec2Name, this.vendor === AcceleratorVendor.AWS ? 'Use a trn or inf2 instance type with Accelerator.neuron().' : 'Use a p or g instance type with Accelerator.nvidiaGpu().');
    }
    let model = type?.spec?.acceleratorModel;
    if (this.model !== undefined) {
      const known = AcceleratorCapabilities.models(this.vendor);
      const canonical = known.find((m) => m.toLowerCase() === this.model!.toLowerCase());
      if (!canonical) {
        fail('unknown-accelerator-model', `Accelerator model "${this.model}" is not in the catalog.`, this.model, `Use one of ${known.join(', ')}.`);
      }
      if (model && canonical !== model) {
        fail('accelerator-vendor-mismatch', `Instance type ${type!.ec2Name} has ${model} accelerators, not ${canonical}.`,
          { model: this.model, instanceType: type!.ec2Name }, 'Give either the model or the instance type, or make them agree.');
      }
      model = canonical;
    }
    return model;
  }

  private resolveInstanceTypes(scope: IConstruct, model: string | undefined): AcceleratorInstanceType[] {
    let candidates = this.instanceType
      ? [this.instanceType]
      : AcceleratorInstanceType.all().filter((t) => t.spec!.vendor === this.vendor && (!model || t.spec!.acceleratorModel === model));
    const what = this.instanceType ? this.instanceType.ec2Name : (model ?? `any ${this.vendor === AcceleratorVendor.AWS ? 'Neuron' : 'NVIDIA'} instance type`);

    const mig = this.migProfile;
    if (mig !== undefined) {
      const migCapable = candidates.filter((t) => t.spec!.migCapable);
      if (migCapable.length === 0) {
        throw new ValidationError({
          code: 'mig-not-supported', scope,
          message: `MIG profile "${mig.name}" requested on ${what}, whose GPUs do not support Multi-Instance GPU.`,
          received: mig.name,
          fix: 'Request whole GPUs (omit migProfile), or use a MIG-capable GPU: A100 (p4d, p4de), H100 (p5) or H200 (p5e, p5en).',
        });
      }
      const supported = migCapable.filter((t) => AcceleratorCapabilities.migDevicesPerGpu(t, mig) > 0);
      if (!MIG_PROFILE_FORMAT.test(mig.name) || supported.length === 0) {
        const profiles = [...new Set(migCapable.flatMap((t) => AcceleratorCapabilities.migProfiles(t).map((p) => `${p.name} (${t.spec!.acceleratorModel} ${t.spec!.acceleratorMemoryGiB} GB)`)))];
        throw new ValidationError({
          code: 'invalid-mig-profile', scope,
          message: `MIG profile "${mig.name}" is not supported by the GPUs of ${what}.`,
          received: mig.name,
          fix: `Use one of ${profiles.join(', ')}.`,
        });
      }
      candidates = supported;
    }

    const maxCount = Math.max(...candidates.map((t) => this.capacityOn(t)));
    const unit = this.migProfile ? `MIG ${this.migProfile.name} devices` : (this.vendor === AcceleratorVendor.AWS ? 'Neuron devices' : 'GPUs');
    if (this.count > maxCount) {
      throw new ValidationError({
        code: 'accelerator-count-not-offered', scope,
        message: `${this.count} ${unit} per pod is more than one instance of ${what} offers (at most ${maxCount}).`,
        received: this.count,
        fix: `Request at most ${maxCount} ${unit} per pod and add training nodes instead, or choose a larger instance type.`,
      });
    }
    candidates = candidates.filter((t) => this.capacityOn(t) >= this.count);

    if (this.efa > 0) {
      const withEfa = candidates.filter((t) => AcceleratorCapabilities.efaInterfaces(t) > 0);
      if (withEfa.length === 0) {
        throw new ValidationError({
          code: 'efa-not-supported', scope,
          message: `EFA requested, but ${what}${this.instanceType ? '' : ` with ${this.count} ${unit}`} has no Elastic Fabric Adapter.`,
          received: { efa: this.efa, instanceTypes: candidates.map((t) => t.ec2Name) },
          fix: 'Omit efa, or use an EFA-capable instance type such as p5.48xlarge, p4d.24xlarge or trn1.32xlarge.',
        });
      }
      const maxEfa = Math.max(...withEfa.map((t) => AcceleratorCapabilities.efaInterfaces(t)));
      if (this.efa > maxEfa) {
        throw new ValidationError({
          code: 'efa-not-supported', scope,
          message: `${this.efa} EFA interfaces per pod is more than ${what} offers (at most ${maxEfa}).`,
          received: this.efa,
          fix: `Request at most ${maxEfa} EFA interfaces per pod.`,
        });
      }
      candidates = withEfa.filter((t) => AcceleratorCapabilities.efaInterfaces(t) >= this.efa);
    }
    return candidates.sort((a, b) => this.capacityOn(a) - this.capacityOn(b) || a.spec!.vcpus - b.spec!.vcpus);
  }
}
