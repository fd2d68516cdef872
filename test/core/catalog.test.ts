/**
 * The catalogs of the library, entry by entry, against tables kept here from the services'
 * published values, so that a typo in one entry of many fails a test.
 *
 * Sources (checked 2026-12):
 * - Accelerated instance specifications: EC2 DescribeInstanceTypes, as the Karpenter instance
 *   type reference (karpenter-provider-aws, website/content/en/docs/reference/instance-types.md,
 *   v1.14) lists it: vCPUs, memory, GPU / Neuron count and model, EFA interfaces
 *   (`vpc.amazonaws.com/efa`), local NVMe (GB). Accelerator memory is the EC2 user guide's
 *   "Accelerated computing instance specifications" figure (24 GiB for an A10G or an L4, 48 for
 *   an L40S; DescribeInstanceTypes reports the usable MiB, slightly less). p3.2xlarge, p3.8xlarge
 *   and p3.16xlarge (Xen, not in the Karpenter reference): EC2 user guide, from memory.
 * - MIG profiles: NVIDIA MIG user guide, "Supported MIG Profiles" (A100 40 and 80 GB, H100 80 GB);
 *   H200 141 GB from memory.
 * - Logical NeuronCores per device: AWS Neuron docs (Trainium and Inferentia2 2, Trainium2 4 at
 *   the default LNC=2), from memory.
 * - HyperPod instance types: the SageMaker API enum ClusterInstanceType (aws-sdk-go-v2
 *   service/sagemaker/types/enums.go), the entries up to ml.r7i.48xlarge.
 */
import { AcceleratorInstanceType, AcceleratorVendor, HyperPodInstanceType } from '../../lib';

// name: [model, count, accelerator GiB, vCPUs, memory GiB, MIG, EFA interfaces, local NVMe GB]
type Row = [string, number, number, number, number, boolean, number, number];
const NVIDIA: Record<string, Row> = {
  'p5.48xlarge': ['H100', 8, 80, 192, 2048, true, 32, 30400],
  'p5e.48xlarge': ['H200', 8, 141, 192, 2048, true, 32, 30400],
  'p5en.48xlarge': ['H200', 8, 141, 192, 2048, true, 16, 30400],
  'p4d.24xlarge': ['A100', 8, 40, 96, 1152, true, 4, 8000],
  'p4de.24xlarge': ['A100', 8, 80, 96, 1152, true, 4, 8000],
  'p3.2xlarge': ['V100', 1, 16, 8, 61, false, 0, 0],
  'p3.8xlarge': ['V100', 4, 16, 32, 244, false, 0, 0],
  'p3.16xlarge': ['V100', 8, 16, 64, 488, false, 0, 0],
  'p3dn.24xlarge': ['V100', 8, 32, 96, 768, false, 1, 1800],
  'g5.xlarge': ['A10G', 1, 24, 4, 16, false, 0, 250],
  'g5.2xlarge': ['A10G', 1, 24, 8, 32, false, 0, 450],
  'g5.4xlarge': ['A10G', 1, 24, 16, 64, false, 0, 600],
  'g5.8xlarge': ['A10G', 1, 24, 32, 128, false, 1, 900],
  'g5.12xlarge': ['A10G', 4, 24, 48, 192, false, 1, 3800],
  'g5.16xlarge': ['A10G', 1, 24, 64, 256, false, 1, 1900],
  'g5.24xlarge': ['A10G', 4, 24, 96, 384, false, 1, 3800],
  'g5.48xlarge': ['A10G', 8, 24, 192, 768, false, 1, 7600],
  'g6.xlarge': ['L4', 1, 24, 4, 16, false, 0, 250],
  'g6.2xlarge': ['L4', 1, 24, 8, 32, false, 0, 450],
  'g6.4xlarge': ['L4', 1, 24, 16, 64, false, 0, 600],
  'g6.8xlarge': ['L4', 1, 24, 32, 128, false, 1, 900],
  'g6.12xlarge': ['L4', 4, 24, 48, 192, false, 1, 3760],
  'g6.16xlarge': ['L4', 1, 24, 64, 256, false, 1, 1880],
  'g6.24xlarge': ['L4', 4, 24, 96, 384, false, 1, 3760],
  'g6.48xlarge': ['L4', 8, 24, 192, 768, false, 1, 7520],
  'g6e.xlarge': ['L40S', 1, 48, 4, 32, false, 0, 250],
  'g6e.2xlarge': ['L40S', 1, 48, 8, 64, false, 0, 450],
  'g6e.4xlarge': ['L40S', 1, 48, 16, 128, false, 0, 600],
  'g6e.8xlarge': ['L40S', 1, 48, 32, 256, false, 1, 900],
  'g6e.12xlarge': ['L40S', 4, 48, 48, 384, false, 1, 3800],
  'g6e.16xlarge': ['L40S', 1, 48, 64, 512, false, 1, 1900],
  'g6e.24xlarge': ['L40S', 4, 48, 96, 768, false, 2, 3800],
  'g6e.48xlarge': ['L40S', 8, 48, 192, 1536, false, 4, 7600],
  'g4dn.xlarge': ['T4', 1, 16, 4, 16, false, 0, 125],
  'g4dn.2xlarge': ['T4', 1, 16, 8, 32, false, 0, 225],
  'g4dn.4xlarge': ['T4', 1, 16, 16, 64, false, 0, 225],
  'g4dn.8xlarge': ['T4', 1, 16, 32, 128, false, 1, 900],
  'g4dn.12xlarge': ['T4', 4, 16, 48, 192, false, 1, 900],
  'g4dn.16xlarge': ['T4', 1, 16, 64, 256, false, 1, 900],
};
const NEURON: Record<string, Row> = {
  'trn1.2xlarge': ['Trainium', 1, 32, 8, 32, false, 0, 474],
  'trn1.32xlarge': ['Trainium', 16, 32, 128, 512, false, 8, 7600],
  'trn1n.32xlarge': ['Trainium', 16, 32, 128, 512, false, 16, 7600],
  'trn2.48xlarge': ['Trainium2', 16, 96, 192, 2048, false, 16, 7600],
  'inf2.xlarge': ['Inferentia2', 1, 32, 4, 16, false, 0, 0],
  'inf2.8xlarge': ['Inferentia2', 1, 32, 32, 128, false, 0, 0],
  'inf2.24xlarge': ['Inferentia2', 6, 32, 96, 384, false, 0, 0],
  'inf2.48xlarge': ['Inferentia2', 12, 32, 192, 768, false, 0, 0],
};
const MIG: Record<string, Record<string, number>> = {
  'A100-40': { '1g.5gb': 7, '2g.10gb': 3, '3g.20gb': 2, '4g.20gb': 1, '7g.40gb': 1 },
  'A100-80': { '1g.10gb': 7, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  'H100-80': { '1g.10gb': 7, '1g.20gb': 4, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  'H200-141': { '1g.18gb': 7, '1g.35gb': 4, '2g.35gb': 3, '3g.71gb': 2, '4g.71gb': 1, '7g.141gb': 1 },
};
const PROCESSES: Record<string, number> = { Trainium: 2, Trainium2: 4, Inferentia2: 2 };

describe('accelerator catalog, entry by entry', () => {
  test('the catalog holds exactly the documented types', () => {
    expect(AcceleratorInstanceType.all().map((t) => t.ec2Name).sort()).toEqual([...Object.keys(NVIDIA), ...Object.keys(NEURON)].sort());
  });

  test.each([
    ...Object.entries(NVIDIA).map(([name, row]) => [name, AcceleratorVendor.NVIDIA, row] as const),
    ...Object.entries(NEURON).map(([name, row]) => [name, AcceleratorVendor.AWS, row] as const),
  ])('%s', (name, vendor, [model, count, memory, vcpus, host, mig, efa, nvme]) => {
    const type = AcceleratorInstanceType.of(name);
    expect(type.spec).toEqual({
      vendor,
      acceleratorModel: model,
      acceleratorCount: count,
      acceleratorMemoryGiB: memory,
      vcpus,
      memoryGiB: host,
      migCapable: mig,
      efaCapable: efa > 0,
      efaInterfaces: efa,
      migDevicesPerGpu: mig ? MIG[`${model}-${memory}`] : {},
      processesPerAccelerator: vendor === AcceleratorVendor.AWS ? PROCESSES[model] : 1,
      localStorageGB: nvme,
    });
    expect(type.sageMakerName).toBe(`ml.${name}`);
    expect(AcceleratorInstanceType.of(`ml.${name}`)).toBe(type);
  });
});

describe('HyperPod instance types, entry by entry', () => {
  const sizes = (family: string, list: string[]) => list.map((s) => `ml.${family}.${s}`);
  const GPU_SIZES = ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'];
  const HYPERPOD = [
    'ml.p4d.24xlarge', 'ml.p4de.24xlarge', 'ml.p5.48xlarge', 'ml.p5.4xlarge', 'ml.p6e-gb200.36xlarge', 'ml.trn1.32xlarge', 'ml.trn1n.32xlarge',
    ...sizes('g5', GPU_SIZES),
    ...sizes('c5', ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '12xlarge', '18xlarge', '24xlarge']),
    ...sizes('c5n', ['large', '2xlarge', '4xlarge', '9xlarge', '18xlarge']),
    ...sizes('m5', ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']),
    ...sizes('t3', ['medium', 'large', 'xlarge', '2xlarge']),
    ...sizes('g6', GPU_SIZES), ...sizes('gr6', ['4xlarge', '8xlarge']), ...sizes('g6e', GPU_SIZES),
    'ml.p5e.48xlarge', 'ml.p5en.48xlarge', 'ml.p6-b200.48xlarge', 'ml.trn2.3xlarge', 'ml.trn2.48xlarge',
    ...['c6i', 'm6i', 'r6i'].flatMap((f) => sizes(f, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'])),
    ...sizes('i3en', ['large', 'xlarge', '2xlarge', '3xlarge', '6xlarge', '12xlarge', '24xlarge']),
    ...['m7i', 'r7i'].flatMap((f) => sizes(f, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'])),
    // Added to ClusterInstanceType by August 2026 (botocore sagemaker/2017-07-24/service-2.json).
    'ml.r5d.16xlarge', 'ml.p6-b300.48xlarge',
    ...sizes('g7e', ['2xlarge', '4xlarge', '8xlarge', '12xlarge', '24xlarge', '48xlarge']),
    ...sizes('g4dn', ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge']),
    ...['c6g', 'c7g', 'm6g', 'm7g'].flatMap((f) => sizes(f, ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'])),
    ...['c8g', 'm8g'].flatMap((f) => sizes(f, ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'])),
    ...['c6a', 'm6a'].flatMap((f) => sizes(f, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge', '48xlarge'])),
  ];

  test('the supported list is exactly the documented one', () => {
    expect(HYPERPOD).toHaveLength(201);
    expect(new Set(HYPERPOD).size).toBe(HYPERPOD.length);
    expect([...HyperPodInstanceType.supportedTypes()].sort()).toEqual([...HYPERPOD].sort());
  });

  test.each(HYPERPOD)('%s is offered', (name) => {
    expect(HyperPodInstanceType.of(name).supported).toBe(true);
  });

  test.each([
    // sizes that do not exist, families HyperPod does not offer (in this list), and near misses
    'ml.p5.2xlarge', 'ml.p3.16xlarge', 'ml.p3dn.24xlarge', 'ml.inf2.48xlarge', 'ml.trn1.2xlarge', 'ml.c5n.xlarge', 'ml.m5.xlarge2',
    'ml.g5.96xlarge', 'ml.t3.small', 'ml.c6i.48xlarge', 'ml.m7i.32xlarge', 'ml.i3en.metal', 'p5.48xlarge',
  ])('%s is not offered', (name) => {
    expect(HyperPodInstanceType.of(name).sageMakerName.startsWith('ml.')).toBe(true);
    expect(HyperPodInstanceType.supportedTypes()).not.toContain(name);
  });
});
