/**
 * Who makes the accelerator.
 */
export enum AcceleratorVendor {
  /** NVIDIA GPUs (`nvidia.com/gpu`). */
  NVIDIA = 'nvidia',
  /** AWS Trainium and Inferentia (`aws.amazon.com/neuron`). */
  AWS = 'aws',
}

interface CatalogEntry {
  readonly vendor: AcceleratorVendor;
  readonly model: string;
  readonly count: number;
  readonly memoryGiB: number;
  readonly vcpus: number;
  readonly memoryGiBHost: number;
  readonly mig: boolean;
  readonly efa: boolean;
}

/** Static description of an accelerator instance type. */
export interface AcceleratorInstanceTypeSpec {
  /** Accelerator vendor. */
  readonly vendor: AcceleratorVendor;
  /** Accelerator model, for example `H100`, `L40S`, `Trainium2`. */
  readonly acceleratorModel: string;
  /** Accelerators (GPUs or Neuron devices) per instance. */
  readonly acceleratorCount: number;
  /** Memory of one accelerator, in GiB. */
  readonly acceleratorMemoryGiB: number;
  /** vCPUs per instance. */
  readonly vcpus: number;
  /** Host memory per instance, in GiB. */
  readonly memoryGiB: number;
  /** Whether the GPUs support Multi-Instance GPU partitioning. */
  readonly migCapable: boolean;
  /** Whether the instance supports Elastic Fabric Adapter. */
  readonly efaCapable: boolean;
  /** EFA interfaces one instance offers (`vpc.amazonaws.com/efa`); 0 without EFA. */
  readonly efaInterfaces: number;
  /**
   * MIG profiles the GPUs support, each with the number of devices one GPU is partitioned into
   * (`{'1g.10gb': 7, ...}`); empty without MIG.
   */
  readonly migDevicesPerGpu: Record<string, number>;
  /**
   * Training processes per accelerator: 1 per NVIDIA GPU, one per logical NeuronCore of a
   * Neuron device (2 for Trainium and Inferentia2, 4 for Trainium2).
   */
  readonly processesPerAccelerator: number;
  /** Local NVMe instance storage in GB; 0 for types with EBS storage only. */
  readonly localStorageGB: number;
}

/**
 * MIG profiles per GPU variant (model and memory of one GPU in GiB): how many devices of each
 * profile one GPU can be partitioned into (NVIDIA MIG user guide, "supported profiles").
 */
const MIG_PROFILES: Record<string, Record<string, number>> = {
  'A100-40': { '1g.5gb': 7, '2g.10gb': 3, '3g.20gb': 2, '4g.20gb': 1, '7g.40gb': 1 },
  'A100-80': { '1g.10gb': 7, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  'H100-80': { '1g.10gb': 7, '1g.20gb': 4, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  'H200-141': { '1g.18gb': 7, '1g.35gb': 4, '2g.35gb': 3, '3g.71gb': 2, '4g.71gb': 1, '7g.141gb': 1 },
};

/**
 * EFA interfaces (`vpc.amazonaws.com/efa`) an instance type offers, where it is more than one
 * (Karpenter instance type reference). Other EFA-capable catalogued types offer one.
 */
const EFA_INTERFACES: Record<string, number> = {
  'p5.48xlarge': 32,
  'p5e.48xlarge': 32,
  'p5en.48xlarge': 16,
  'p4d.24xlarge': 4,
  'p4de.24xlarge': 4,
  'g6e.24xlarge': 2,
  'g6e.48xlarge': 4,
  'trn1.32xlarge': 8,
  'trn1n.32xlarge': 16,
  'trn2.48xlarge': 16,
};

/**
 * Logical NeuronCores per Neuron device at the default Logical NeuronCore configuration: one
 * training process runs per logical core (Trainium2 defaults to LNC=2: 8 physical, 4 logical).
 */
const NEURON_CORES_PER_DEVICE: Record<string, number> = {
  Trainium: 2,
  Trainium2: 4,
  Inferentia2: 2,
};

/**
 * Local NVMe instance storage in GB (decimal, as AWS lists it), for types that have it. SageMaker
 * uses it instead of an EBS volume on these types: no volume key, and the volume size may not
 * exceed it.
 */
const LOCAL_STORAGE_GB: Record<string, number> = {
  'g4dn.xlarge': 125, 'g4dn.2xlarge': 225, 'g4dn.4xlarge': 225, 'g4dn.8xlarge': 900, 'g4dn.12xlarge': 900, 'g4dn.16xlarge': 900,
  'g5.xlarge': 250, 'g5.2xlarge': 450, 'g5.4xlarge': 600, 'g5.8xlarge': 900, 'g5.12xlarge': 3800, 'g5.16xlarge': 1900, 'g5.24xlarge': 3800, 'g5.48xlarge': 7600,
  'g6.xlarge': 250, 'g6.2xlarge': 450, 'g6.4xlarge': 600, 'g6.8xlarge': 900, 'g6.12xlarge': 3760, 'g6.16xlarge': 1880, 'g6.24xlarge': 3760, 'g6.48xlarge': 7520,
  'g6e.xlarge': 250, 'g6e.2xlarge': 450, 'g6e.4xlarge': 600, 'g6e.8xlarge': 900, 'g6e.12xlarge': 3800, 'g6e.16xlarge': 1900, 'g6e.24xlarge': 3800, 'g6e.48xlarge': 7600,
  'p3dn.24xlarge': 1800, 'p4d.24xlarge': 8000, 'p4de.24xlarge': 8000,
  'p5.48xlarge': 30400, 'p5e.48xlarge': 30400, 'p5en.48xlarge': 30400,
  'trn1.2xlarge': 474, 'trn1.32xlarge': 7600, 'trn1n.32xlarge': 7600, 'trn2.48xlarge': 7600,
};

const NAME = /^(ml\.)?([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;

/** A SageMaker service an instance type is offered for, as `AcceleratorInstanceType.supports()` answers it. */
export enum InstanceTypeUse {
  /** SageMaker training jobs (`ResourceConfig.InstanceType` of `CreateTrainingJob`). */
  SAGEMAKER_TRAINING = 'sagemaker-training',
  /** SageMaker endpoints (`ProductionVariant.InstanceType` of `CreateEndpointConfig`). */
  SAGEMAKER_HOSTING = 'sagemaker-hosting',
  /** SageMaker HyperPod instance groups (`ClusterInstanceGroupSpecification.InstanceType`). */
  HYPERPOD = 'hyperpod',
}

// Sources of the lists below: the SageMaker API enums TrainingInstanceType, ProductionVariantInstanceType
// and ClusterInstanceType, as published in the AWS SDKs (botocore sagemaker/2017-07-24/service-2.json,
// checked against its August 2026 release). A type missing from a list is rejected by that service
// whatever EC2 offers: inf2 trains nowhere, p3dn.24xlarge hosts nowhere, and sizes such as p5.2xlarge do
// not exist at all. Types of a family no list knows (one SageMaker added after this list) are not
// rejected by the constructs: they warn, and SageMaker decides at deploy time.
const SIZES_LARGE_TO_48X = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
const SIZES_LARGE_TO_24X = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'];
const SIZES_LARGE_TO_32X = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'];
const SIZES_GPU_8 = ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
const SIZES_G4DN = ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const SIZES_GRAVITON = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const SIZES_GRAVITON4 = ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
const SIZES_GRAVITON_MEDIUM = ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const SIZES_AMD = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge', '48xlarge'];
const SIZES_G7 = ['2xlarge', '4xlarge', '8xlarge', '12xlarge', '24xlarge', '48xlarge'];
const P_LARGE = [
  'p4d.24xlarge', 'p4de.24xlarge', 'p5.4xlarge', 'p5.48xlarge', 'p5e.48xlarge', 'p5en.48xlarge', 'p6-b200.48xlarge', 'p6-b300.48xlarge',
  'p6e-gb200.36xlarge',
];

const SAGEMAKER_TYPES: Record<InstanceTypeUse, ReadonlySet<string>> = {
  [InstanceTypeUse.SAGEMAKER_TRAINING]: new Set([
    ...family('c4', ['xlarge', '2xlarge', '4xlarge', '8xlarge']),
    ...family('c5', ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge']),
    ...family('c5n', ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge']),
    ...family('c6i', ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge']),
    ...family('c7i', SIZES_LARGE_TO_48X),
    ...family('g4dn', SIZES_G4DN), ...family('g5', SIZES_GPU_8), ...family('g6', SIZES_GPU_8), ...family('g6e', SIZES_GPU_8),
    ...family('g7', SIZES_G7), ...family('g7e', SIZES_G7),
    ...family('m4', ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge']),
    ...family('m5', ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge']),
    ...family('m6i', SIZES_LARGE_TO_32X), ...family('m7i', SIZES_LARGE_TO_48X),
    ...family('p2', ['xlarge', '8xlarge', '16xlarge']), ...family('p3', ['2xlarge', '8xlarge', '16xlarge']), 'ml.p3dn.24xlarge',
    ...P_LARGE.map((t) => `ml.${t}`),
    ...family('r5', SIZES_LARGE_TO_24X), ...family('r5d', SIZES_LARGE_TO_24X), ...family('r7i', SIZES_LARGE_TO_48X),
    ...family('t3', ['medium', 'large', 'xlarge', '2xlarge']),
    'ml.trn1.2xlarge', 'ml.trn1.32xlarge', 'ml.trn1n.32xlarge', 'ml.trn2.48xlarge',
  ]),
  [InstanceTypeUse.SAGEMAKER_HOSTING]: new Set([
    ...family('c4', ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']),
    ...family('c5', ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge']),
    ...family('c5d', ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge']),
    ...family('c6g', SIZES_GRAVITON), ...family('c6gd', SIZES_GRAVITON), ...family('c6gn', SIZES_GRAVITON),
    ...family('c6i', SIZES_LARGE_TO_32X), ...family('c6in', SIZES_LARGE_TO_32X),
    ...family('c7g', SIZES_GRAVITON), ...family('c7i', SIZES_LARGE_TO_48X), ...family('c8g', SIZES_GRAVITON4),
    'ml.dl1.24xlarge',
    ...family('g4dn', SIZES_G4DN), ...family('g5', SIZES_GPU_8), ...family('g6', SIZES_GPU_8), ...family('g6e', SIZES_GPU_8),
    ...family('g7', SIZES_G7), ...family('g7e', SIZES_G7),
    ...family('inf1', ['xlarge', '2xlarge', '6xlarge', '24xlarge']), ...family('inf2', ['xlarge', '8xlarge', '24xlarge', '48xlarge']),
    ...family('m4', ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge']),
    ...family('m5', ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge']),
    ...family('m5d', ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge']),
    ...family('m6g', SIZES_GRAVITON), ...family('m6gd', SIZES_GRAVITON),
    ...family('m6i', SIZES_LARGE_TO_32X), ...family('m7i', SIZES_LARGE_TO_48X), ...family('m8g', SIZES_GRAVITON4),
    ...family('p2', ['xlarge', '8xlarge', '16xlarge']), ...family('p3', ['2xlarge', '8xlarge', '16xlarge']),
    ...P_LARGE.map((t) => `ml.${t}`),
    ...family('r5', ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge']),
    ...family('r5d', ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge']),
    ...family('r6g', SIZES_GRAVITON), ...family('r6gd', SIZES_GRAVITON),
    ...family('r6i', SIZES_LARGE_TO_32X), ...family('r7gd', ['medium', ...SIZES_GRAVITON]), ...family('r7i', SIZES_LARGE_TO_48X),
    ...family('r8g', SIZES_GRAVITON4),
    ...family('t2', ['medium', 'large', 'xlarge', '2xlarge']),
    'ml.trn1.2xlarge', 'ml.trn1.32xlarge', 'ml.trn1n.32xlarge', 'ml.trn2.48xlarge',
  ]),
  [InstanceTypeUse.HYPERPOD]: new Set([
    ...family('c5', ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '12xlarge', '18xlarge', '24xlarge']),
    ...family('c5n', ['large', '2xlarge', '4xlarge', '9xlarge', '18xlarge']),
    ...family('c6a', SIZES_AMD), ...family('c6i', SIZES_LARGE_TO_32X),
    ...family('c6g', SIZES_GRAVITON_MEDIUM), ...family('c7g', SIZES_GRAVITON_MEDIUM), ...family('c8g', SIZES_GRAVITON4),
    ...family('m5', SIZES_LARGE_TO_24X),
    ...family('m6a', SIZES_AMD), ...family('m6i', SIZES_LARGE_TO_32X), ...family('m7i', SIZES_LARGE_TO_48X),
    ...family('m6g', SIZES_GRAVITON_MEDIUM), ...family('m7g', SIZES_GRAVITON_MEDIUM), ...family('m8g', SIZES_GRAVITON4),
    'ml.r5d.16xlarge', ...family('r6i', SIZES_LARGE_TO_32X), ...family('r7i', SIZES_LARGE_TO_48X),
    ...family('t3', ['medium', 'large', 'xlarge', '2xlarge']),
    ...family('i3en', ['large', 'xlarge', '2xlarge', '3xlarge', '6xlarge', '12xlarge', '24xlarge']),
    ...family('g4dn', SIZES_G4DN), ...family('g5', SIZES_GPU_8), ...family('g6', SIZES_GPU_8), ...family('g6e', SIZES_GPU_8),
    ...family('g7e', SIZES_G7), ...family('gr6', ['4xlarge', '8xlarge']),
    ...P_LARGE.map((t) => `ml.${t}`),
    'ml.trn1.32xlarge', 'ml.trn1n.32xlarge', 'ml.trn2.3xlarge', 'ml.trn2.48xlarge',
  ]),
};

function family(name: string, sizes: string[]): string[] {
  return sizes.map((size) => `ml.${name}.${size}`);
}

/**
 * An EC2 / SageMaker instance type with accelerators, from the library's catalog.
 *
 * The static members cover the GPU and Neuron types ML platforms use most; `of()` accepts any
 * other name (`of('ml.g6e.xlarge')` or `of('g6e.xlarge')`) and returns the catalog entry when
 * the type is listed, or an entry whose `spec` is undefined when it is not.
 */
export class AcceleratorInstanceType {
  private static readonly catalog = new Map<string, AcceleratorInstanceType>();

  /** p5.48xlarge: 8 x NVIDIA H100 80 GB. */
  public static readonly P5_48XLARGE = AcceleratorInstanceType.define('p5.48xlarge', gpu('H100', 8, 80, 192, 2048, true, true));
  /** p5e.48xlarge: 8 x NVIDIA H200 141 GB. */
  public static readonly P5E_48XLARGE = AcceleratorInstanceType.define('p5e.48xlarge', gpu('H200', 8, 141, 192, 2048, true, true));
  /** p5en.48xlarge: 8 x NVIDIA H200 141 GB, faster networking. */
  public static readonly P5EN_48XLARGE = AcceleratorInstanceType.define('p5en.48xlarge', gpu('H200', 8, 141, 192, 2048, true, true));
  /** p4d.24xlarge: 8 x NVIDIA A100 40 GB. */
  public static readonly P4D_24XLARGE = AcceleratorInstanceType.define('p4d.24xlarge', gpu('A100', 8, 40, 96, 1152, true, true));
  /** p4de.24xlarge: 8 x NVIDIA A100 80 GB. */
  public static readonly P4DE_24XLARGE = AcceleratorInstanceType.define('p4de.24xlarge', gpu('A100', 8, 80, 96, 1152, true, true));
  /** p3.2xlarge: 1 x NVIDIA V100 16 GB. */
  public static readonly P3_2XLARGE = AcceleratorInstanceType.define('p3.2xlarge', gpu('V100', 1, 16, 8, 61, false, false));
  /** p3.8xlarge: 4 x NVIDIA V100 16 GB. */
  public static readonly P3_8XLARGE = AcceleratorInstanceType.define('p3.8xlarge', gpu('V100', 4, 16, 32, 244, false, false));
  /** p3.16xlarge: 8 x NVIDIA V100 16 GB. */
  public static readonly P3_16XLARGE = AcceleratorInstanceType.define('p3.16xlarge', gpu('V100', 8, 16, 64, 488, false, false));
  /** p3dn.24xlarge: 8 x NVIDIA V100 32 GB. */
  public static readonly P3DN_24XLARGE = AcceleratorInstanceType.define('p3dn.24xlarge', gpu('V100', 8, 32, 96, 768, false, true));

  /** g5.xlarge: 1 x NVIDIA A10G 24 GB. */
  public static readonly G5_XLARGE = AcceleratorInstanceType.define('g5.xlarge', gpu('A10G', 1, 24, 4, 16, false, false));
  /** g5.2xlarge: 1 x NVIDIA A10G 24 GB. */
  public static readonly G5_2XLARGE = AcceleratorInstanceType.define('g5.2xlarge', gpu('A10G', 1, 24, 8, 32, false, false));
  /** g5.4xlarge: 1 x NVIDIA A10G 24 GB. */
  public static readonly G5_4XLARGE = AcceleratorInstanceType.define('g5.4xlarge', gpu('A10G', 1, 24, 16, 64, false, false));
  /** g5.8xlarge: 1 x NVIDIA A10G 24 GB. */
  public static readonly G5_8XLARGE = AcceleratorInstanceType.define('g5.8xlarge', gpu('A10G', 1, 24, 32, 128, false, true));
  /** g5.12xlarge: 4 x NVIDIA A10G 24 GB. */
  public static readonly G5_12XLARGE = AcceleratorInstanceType.define('g5.12xlarge', gpu('A10G', 4, 24, 48, 192, false, true));
  /** g5.16xlarge: 1 x NVIDIA A10G 24 GB. */
  public static readonly G5_16XLARGE = AcceleratorInstanceType.define('g5.16xlarge', gpu('A10G', 1, 24, 64, 256, false, true));
  /** g5.24xlarge: 4 x NVIDIA A10G 24 GB. */
  public static readonly G5_24XLARGE = AcceleratorInstanceType.define('g5.24xlarge', gpu('A10G', 4, 24, 96, 384, false, true));
  /** g5.48xlarge: 8 x NVIDIA A10G 24 GB. */
  public static readonly G5_48XLARGE = AcceleratorInstanceType.define('g5.48xlarge', gpu('A10G', 8, 24, 192, 768, false, true));

  /** g6.xlarge: 1 x NVIDIA L4 24 GB. */
  public static readonly G6_XLARGE = AcceleratorInstanceType.define('g6.xlarge', gpu('L4', 1, 24, 4, 16, false, false));
  /** g6.2xlarge: 1 x NVIDIA L4 24 GB. */
  public static readonly G6_2XLARGE = AcceleratorInstanceType.define('g6.2xlarge', gpu('L4', 1, 24, 8, 32, false, false));
  /** g6.4xlarge: 1 x NVIDIA L4 24 GB. */
  public static readonly G6_4XLARGE = AcceleratorInstanceType.define('g6.4xlarge', gpu('L4', 1, 24, 16, 64, false, false));
  /** g6.8xlarge: 1 x NVIDIA L4 24 GB. */
  public static readonly G6_8XLARGE = AcceleratorInstanceType.define('g6.8xlarge', gpu('L4', 1, 24, 32, 128, false, true));
  /** g6.12xlarge: 4 x NVIDIA L4 24 GB. */
  public static readonly G6_12XLARGE = AcceleratorInstanceType.define('g6.12xlarge', gpu('L4', 4, 24, 48, 192, false, true));
  /** g6.16xlarge: 1 x NVIDIA L4 24 GB. */
  public static readonly G6_16XLARGE = AcceleratorInstanceType.define('g6.16xlarge', gpu('L4', 1, 24, 64, 256, false, true));
  /** g6.24xlarge: 4 x NVIDIA L4 24 GB. */
  public static readonly G6_24XLARGE = AcceleratorInstanceType.define('g6.24xlarge', gpu('L4', 4, 24, 96, 384, false, true));
  /** g6.48xlarge: 8 x NVIDIA L4 24 GB. */
  public static readonly G6_48XLARGE = AcceleratorInstanceType.define('g6.48xlarge', gpu('L4', 8, 24, 192, 768, false, true));

  /** g6e.xlarge: 1 x NVIDIA L40S 48 GB. */
  public static readonly G6E_XLARGE = AcceleratorInstanceType.define('g6e.xlarge', gpu('L40S', 1, 48, 4, 32, false, false));
  /** g6e.2xlarge: 1 x NVIDIA L40S 48 GB. */
  public static readonly G6E_2XLARGE = AcceleratorInstanceType.define('g6e.2xlarge', gpu('L40S', 1, 48, 8, 64, false, false));
  /** g6e.4xlarge: 1 x NVIDIA L40S 48 GB. */
  public static readonly G6E_4XLARGE = AcceleratorInstanceType.define('g6e.4xlarge', gpu('L40S', 1, 48, 16, 128, false, false));
  /** g6e.8xlarge: 1 x NVIDIA L40S 48 GB. */
  public static readonly G6E_8XLARGE = AcceleratorInstanceType.define('g6e.8xlarge', gpu('L40S', 1, 48, 32, 256, false, true));
  /** g6e.12xlarge: 4 x NVIDIA L40S 48 GB. */
  public static readonly G6E_12XLARGE = AcceleratorInstanceType.define('g6e.12xlarge', gpu('L40S', 4, 48, 48, 384, false, true));
  /** g6e.16xlarge: 1 x NVIDIA L40S 48 GB. */
  public static readonly G6E_16XLARGE = AcceleratorInstanceType.define('g6e.16xlarge', gpu('L40S', 1, 48, 64, 512, false, true));
  /** g6e.24xlarge: 4 x NVIDIA L40S 48 GB. */
  public static readonly G6E_24XLARGE = AcceleratorInstanceType.define('g6e.24xlarge', gpu('L40S', 4, 48, 96, 768, false, true));
  /** g6e.48xlarge: 8 x NVIDIA L40S 48 GB. */
  public static readonly G6E_48XLARGE = AcceleratorInstanceType.define('g6e.48xlarge', gpu('L40S', 8, 48, 192, 1536, false, true));

  /** g4dn.xlarge: 1 x NVIDIA T4 16 GB. */
  public static readonly G4DN_XLARGE = AcceleratorInstanceType.define('g4dn.xlarge', gpu('T4', 1, 16, 4, 16, false, false));
  /** g4dn.2xlarge: 1 x NVIDIA T4 16 GB. */
  public static readonly G4DN_2XLARGE = AcceleratorInstanceType.define('g4dn.2xlarge', gpu('T4', 1, 16, 8, 32, false, false));
  /** g4dn.4xlarge: 1 x NVIDIA T4 16 GB. */
  public static readonly G4DN_4XLARGE = AcceleratorInstanceType.define('g4dn.4xlarge', gpu('T4', 1, 16, 16, 64, false, false));
  /** g4dn.8xlarge: 1 x NVIDIA T4 16 GB. */
  public static readonly G4DN_8XLARGE = AcceleratorInstanceType.define('g4dn.8xlarge', gpu('T4', 1, 16, 32, 128, false, true));
  /** g4dn.12xlarge: 4 x NVIDIA T4 16 GB. */
  public static readonly G4DN_12XLARGE = AcceleratorInstanceType.define('g4dn.12xlarge', gpu('T4', 4, 16, 48, 192, false, true));
  /** g4dn.16xlarge: 1 x NVIDIA T4 16 GB. */
  public static readonly G4DN_16XLARGE = AcceleratorInstanceType.define('g4dn.16xlarge', gpu('T4', 1, 16, 64, 256, false, true));

  /** trn1.2xlarge: 1 x AWS Trainium 32 GB. */
  public static readonly TRN1_2XLARGE = AcceleratorInstanceType.define('trn1.2xlarge', neuron('Trainium', 1, 32, 8, 32, false));
  /** trn1.32xlarge: 16 x AWS Trainium 32 GB. */
  public static readonly TRN1_32XLARGE = AcceleratorInstanceType.define('trn1.32xlarge', neuron('Trainium', 16, 32, 128, 512, true));
  /** trn1n.32xlarge: 16 x AWS Trainium 32 GB, faster networking. */
  public static readonly TRN1N_32XLARGE = AcceleratorInstanceType.define('trn1n.32xlarge', neuron('Trainium', 16, 32, 128, 512, true));
  /** trn2.48xlarge: 16 x AWS Trainium2 96 GB. */
  public static readonly TRN2_48XLARGE = AcceleratorInstanceType.define('trn2.48xlarge', neuron('Trainium2', 16, 96, 192, 2048, true));
  /** inf2.xlarge: 1 x AWS Inferentia2 32 GB. */
  public static readonly INF2_XLARGE = AcceleratorInstanceType.define('inf2.xlarge', neuron('Inferentia2', 1, 32, 4, 16, false));
  /** inf2.8xlarge: 1 x AWS Inferentia2 32 GB. */
  public static readonly INF2_8XLARGE = AcceleratorInstanceType.define('inf2.8xlarge', neuron('Inferentia2', 1, 32, 32, 128, false));
  /** inf2.24xlarge: 6 x AWS Inferentia2 32 GB. */
  public static readonly INF2_24XLARGE = AcceleratorInstanceType.define('inf2.24xlarge', neuron('Inferentia2', 6, 32, 96, 384, false));
  /** inf2.48xlarge: 12 x AWS Inferentia2 32 GB. */
  public static readonly INF2_48XLARGE = AcceleratorInstanceType.define('inf2.48xlarge', neuron('Inferentia2', 12, 32, 192, 768, false));

  /**
   * The instance type named `name`, with or without the SageMaker `ml.` prefix.
   * Returns the catalog entry when listed; otherwise an uncatalogued type (`spec` undefined).
   * A malformed name yields a type whose `wellFormed` is false; constructs that consume it reject it.
   */
  public static of(name: string): AcceleratorInstanceType {
    const ec2Name = name.startsWith('ml.') ? name.slice(3) : name;
    return AcceleratorInstanceType.catalog.get(ec2Name) ?? new AcceleratorInstanceType(ec2Name, undefined);
  }

  /** Every type in the catalog. */
  public static all(): AcceleratorInstanceType[] {
    return [...AcceleratorInstanceType.catalog.values()];
  }

  /**
   * The `ml.*` names of every instance type the SageMaker service `use` offers, catalogued or not
   * (the service's API enum as this library knows it), sorted.
   */
  public static typesFor(use: InstanceTypeUse): string[] {
    return [...SAGEMAKER_TYPES[use]].sort();
  }

  private static define(ec2Name: string, entry: CatalogEntry): AcceleratorInstanceType {
    const type = new AcceleratorInstanceType(ec2Name, entry);
    AcceleratorInstanceType.catalog.set(ec2Name, type);
    return type;
  }

  /** EC2 name, for example `p5.48xlarge`. */
  public readonly ec2Name: string;
  /** Instance family, for example `p5` (empty when the name is malformed). */
  public readonly family: string;
  /** What the catalog knows about the type; undefined for types not in the catalog. */
  public readonly spec?: AcceleratorInstanceTypeSpec;

  private constructor(ec2Name: string, entry: CatalogEntry | undefined) {
    this.ec2Name = ec2Name;
    this.family = NAME.exec(ec2Name)?.[2] ?? '';
    if (entry) {
      this.spec = {
        vendor: entry.vendor,
        acceleratorModel: entry.model,
        acceleratorCount: entry.count,
        acceleratorMemoryGiB: entry.memoryGiB,
        vcpus: entry.vcpus,
        memoryGiB: entry.memoryGiBHost,
        migCapable: entry.mig,
        efaCapable: entry.efa,
        efaInterfaces: entry.efa ? EFA_INTERFACES[ec2Name] ?? 1 : 0,
        migDevicesPerGpu: entry.mig ? { ...MIG_PROFILES[`${entry.model}-${entry.memoryGiB}`] } : {},
        processesPerAccelerator: entry.vendor === AcceleratorVendor.AWS ? NEURON_CORES_PER_DEVICE[entry.model] ?? 1 : 1,
        localStorageGB: LOCAL_STORAGE_GB[ec2Name] ?? 0,
      };
    }
  }

  /** SageMaker name, for example `ml.p5.48xlarge`. */
  public get sageMakerName(): string {
    return `ml.${this.ec2Name}`;
  }

  /** Whether the name has the `family.size` form EC2 and SageMaker use. */
  public get wellFormed(): boolean {
    return NAME.test(this.ec2Name) && !this.ec2Name.startsWith('ml.');
  }

  /**
   * Whether the SageMaker service `use` offers this type (training, hosting, HyperPod). Answers for
   * uncatalogued names too: `of('ml.p5.2xlarge').supports(...)` is false for every use, as that
   * size does not exist.
   */
  public supports(use: InstanceTypeUse): boolean {
    return SAGEMAKER_TYPES[use]?.has(this.sageMakerName) ?? false;
  }

  /** Whether the type is in the library's catalog. */
  public get catalogued(): boolean {
    return this.spec !== undefined;
  }

  /** Total accelerator memory of one instance in GiB (0 when not catalogued). */
  public get totalAcceleratorMemoryGiB(): number {
    return this.spec ? this.spec.acceleratorCount * this.spec.acceleratorMemoryGiB : 0;
  }

  /** The EC2 name. */
  public toString(): string {
    return this.ec2Name;
  }
}

function gpu(model: string, count: number, memoryGiB: number, vcpus: number, host: number, mig: boolean, efa: boolean): CatalogEntry {
  return { vendor: AcceleratorVendor.NVIDIA, model, count, memoryGiB, vcpus, memoryGiBHost: host, mig, efa };
}

function neuron(model: string, count: number, memoryGiB: number, vcpus: number, host: number, efa: boolean): CatalogEntry {
  return { vendor: AcceleratorVendor.AWS, model, count, memoryGiB, vcpus, memoryGiBHost: host, mig: false, efa };
}
