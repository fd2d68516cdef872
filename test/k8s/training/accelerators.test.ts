import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { AcceleratorInstanceType, AcceleratorVendor } from '../../../lib/core/accelerators';
import { Accelerator, AcceleratorCapabilities, MigProfile } from '../../../lib/k8s/core/accelerators';
import { expectValidationError } from '../../support/errors';

const scope = (): Construct => new Construct(Testing.chart(), 'Job');

describe('Accelerator', () => {
  test('whole NVIDIA GPUs: integer resource, toleration and node selection together', () => {
    const settings = Accelerator.nvidiaGpu({ count: 8, model: 'h100' }).bind(scope());
    expect(Object.keys(settings.resources)).toEqual(['nvidia.com/gpu']);
    expect(settings.resources['nvidia.com/gpu'].value).toBe(8);
    expect(settings.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(settings.nodeSelector).toEqual({
      'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia',
      'karpenter.k8s.aws/instance-gpu-name': 'h100',
    });
    expect(settings.model).toBe('H100');
    expect(settings.instanceTypes.map((t) => t.ec2Name)).toEqual(['p5.48xlarge']);
  });

  test('a pinned instance type selects the type and implies the model', () => {
    const acc = Accelerator.nvidiaGpu({ count: 4, instanceType: AcceleratorInstanceType.G6E_12XLARGE });
    const settings = acc.bind(scope());
    expect(settings.nodeSelector).toEqual({
      'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia',
      'karpenter.k8s.aws/instance-gpu-name': 'l40s',
      'node.kubernetes.io/instance-type': 'g6e.12xlarge',
    });
    expect(acc.resourceName).toBe('nvidia.com/gpu');
    expect(acc.describe()).toBe('4 x NVIDIA L40S on g6e.12xlarge');
    expect(Accelerator.nvidiaGpu({ count: 8, model: 'H100', efa: 32 }).describe()).toBe('8 x NVIDIA H100 + 32 EFA');
  });

  test('without a model: any NVIDIA type with enough GPUs, smallest first', () => {
    const settings = Accelerator.nvidiaGpu({ count: 8 }).bind(scope());
    expect(settings.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia' });
    expect(settings.instanceTypes.every((t) => t.spec!.acceleratorCount >= 8)).toBe(true);
    expect(settings.instanceTypes.map((t) => t.ec2Name)).toContain('p5.48xlarge');
    expect(settings.instanceTypes[0].spec!.vcpus).toBeLessThanOrEqual(settings.instanceTypes[settings.instanceTypes.length - 1].spec!.vcpus);
  });

  test('MIG devices: nvidia.com/mig-<profile>, counted per instance', () => {
    const acc = Accelerator.nvidiaGpu({ count: 2, model: 'A100', migProfile: MigProfile.MIG_1G_10GB });
    const settings = acc.bind(scope());
    expect(settings.resources['nvidia.com/mig-1g.10gb'].value).toBe(2);
    expect(settings.resources['nvidia.com/gpu']).toBeUndefined();
    // 1g.10gb exists on the A100 80 GB only
    expect(settings.instanceTypes.map((t) => t.ec2Name)).toEqual(['p4de.24xlarge']);
    expect(acc.capacityOn(AcceleratorInstanceType.P4DE_24XLARGE)).toBe(56);
    expect(acc.capacityOn(AcceleratorInstanceType.P5_48XLARGE)).toBe(0);
  });

  test('Neuron devices with EFA', () => {
    const settings = Accelerator.neuron({ count: 16, model: 'trainium2', efa: 16 }).bind(scope());
    expect(Object.fromEntries(Object.entries(settings.resources).map(([k, v]) => [k, v.value]))).toEqual({ 'aws.amazon.com/neuron': 16, 'vpc.amazonaws.com/efa': 16 });
    expect(settings.tolerations).toEqual([{ key: 'aws.amazon.com/neuron', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(settings.nodeSelector).toEqual({
      'karpenter.k8s.aws/instance-accelerator-manufacturer': 'aws',
      'karpenter.k8s.aws/instance-accelerator-name': 'trainium2',
    });
    expect(settings.instanceTypes.map((t) => t.ec2Name)).toEqual(['trn2.48xlarge']);
  });

  test('capabilities: MIG tables per GPU variant, EFA interfaces, processes per device', () => {
    const names = (t: AcceleratorInstanceType) => AcceleratorCapabilities.migProfiles(t).map((p) => p.name);
    expect(names(AcceleratorInstanceType.P4D_24XLARGE)).toEqual(['1g.5gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb']);
    expect(names(AcceleratorInstanceType.P4DE_24XLARGE)).toEqual(['1g.10gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']);
    expect(names(AcceleratorInstanceType.P5_48XLARGE)).toEqual(['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']);
    expect(names(AcceleratorInstanceType.P5E_48XLARGE)).toEqual(['1g.18gb', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb']);
    expect(names(AcceleratorInstanceType.G6E_48XLARGE)).toEqual([]);
    // The catalogued profiles are the constants.
    expect(AcceleratorCapabilities.migProfiles(AcceleratorInstanceType.P5_48XLARGE)).toContain(MigProfile.MIG_1G_20GB);
    expect(AcceleratorCapabilities.migDevicesPerGpu(AcceleratorInstanceType.P5_48XLARGE, MigProfile.MIG_1G_20GB)).toBe(4);
    expect(AcceleratorCapabilities.migDevicesPerGpu(AcceleratorInstanceType.P5_48XLARGE, MigProfile.of('1g.20gb'))).toBe(4);
    expect(AcceleratorCapabilities.efaInterfaces(AcceleratorInstanceType.P5_48XLARGE)).toBe(32);
    expect(AcceleratorCapabilities.efaInterfaces(AcceleratorInstanceType.G5_12XLARGE)).toBe(1);
    expect(AcceleratorCapabilities.efaInterfaces(AcceleratorInstanceType.G5_XLARGE)).toBe(0);
    expect(AcceleratorCapabilities.processesPerAccelerator(AcceleratorInstanceType.P5_48XLARGE)).toBe(1);
    expect(AcceleratorCapabilities.processesPerAccelerator(AcceleratorInstanceType.TRN1_32XLARGE)).toBe(2);
    expect(AcceleratorCapabilities.processesPerAccelerator(AcceleratorInstanceType.TRN2_48XLARGE)).toBe(4);
    expect(AcceleratorCapabilities.models(AcceleratorVendor.AWS).sort()).toEqual(['Inferentia2', 'Trainium', 'Trainium2']);
  });

  describe('rejects', () => {
    test.each([0, -1, 1.5, Number.NaN])('GPU count %p', (count) => {
      expectValidationError(() => Accelerator.nvidiaGpu({ count }).bind(scope()),
        /\[mlops:invalid-accelerator-count\] test\/Job: An accelerator count must be a positive integer.*Fix: Request at least 1/);
    });

    test('a count the instance type does not offer', () => {
      const err = expectValidationError(() => Accelerator.nvidiaGpu({ count: 16, instanceType: AcceleratorInstanceType.P5_48XLARGE }).bind(scope()),
        /accelerator-count-not-offered.*16 GPUs per pod is more than one instance of p5.48xlarge offers \(at most 8\)/);
      expect(err.fix).toMatch(/at most 8 GPUs per pod/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 2, model: 'L4', migProfile: undefined, instanceType: AcceleratorInstanceType.G6_XLARGE }).bind(scope()),
        /accelerator-count-not-offered.*at most 1/);
      expectValidationError(() => Accelerator.neuron({ count: 32, model: 'Trainium' }).bind(scope()), /accelerator-count-not-offered.*Neuron devices.*at most 16/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 57, model: 'A100', migProfile: MigProfile.MIG_1G_10GB }).bind(scope()), /accelerator-count-not-offered.*MIG 1g.10gb devices.*at most 56/);
    });

    test('a MIG profile on a GPU without MIG', () => {
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, model: 'L40S', migProfile: MigProfile.MIG_1G_10GB }).bind(scope()),
        /mig-not-supported.*MIG profile "1g.10gb" requested on L40S, whose GPUs do not support Multi-Instance GPU.*Fix: Request whole GPUs/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, instanceType: AcceleratorInstanceType.G5_48XLARGE, migProfile: MigProfile.MIG_1G_5GB }).bind(scope()), /mig-not-supported.*g5.48xlarge/);
    });

    test('a MIG profile the GPU does not have', () => {
      const err = expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, instanceType: AcceleratorInstanceType.P4D_24XLARGE, migProfile: MigProfile.MIG_1G_10GB }).bind(scope()),
        /invalid-mig-profile.*"1g.10gb" is not supported by the GPUs of p4d.24xlarge/);
      expect(err.fix).toContain('1g.5gb (A100 40 GB)');
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, model: 'H100', migProfile: MigProfile.of('big') }).bind(scope()), /invalid-mig-profile/);
    });

    test('EFA on a type without EFA, or more interfaces than it has', () => {
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, instanceType: AcceleratorInstanceType.G6E_XLARGE, efa: 1 }).bind(scope()),
        /efa-not-supported.*g6e.xlarge has no Elastic Fabric Adapter/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 8, instanceType: AcceleratorInstanceType.P4D_24XLARGE, efa: 8 }).bind(scope()),
        /efa-not-supported.*8 EFA interfaces per pod is more than p4d.24xlarge offers \(at most 4\)/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, efa: -1 }).bind(scope()), /invalid-efa-count/);
    });

    test('unknown models and instance types, vendor mismatches', () => {
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, model: 'B200' }).bind(scope()), /unknown-accelerator-model.*"B200".*Fix: Use one of H100/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, instanceType: AcceleratorInstanceType.of('m7i.large') }).bind(scope()), /unknown-instance-type.*m7i.large/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, instanceType: AcceleratorInstanceType.TRN1_2XLARGE }).bind(scope()), /accelerator-vendor-mismatch.*trn1.2xlarge has Trainium/);
      expectValidationError(() => Accelerator.neuron({ count: 1, instanceType: AcceleratorInstanceType.P5_48XLARGE }).bind(scope()), /accelerator-vendor-mismatch.*Fix: Use a trn or inf2/);
      expectValidationError(() => Accelerator.nvidiaGpu({ count: 1, model: 'A100', instanceType: AcceleratorInstanceType.P5_48XLARGE }).bind(scope()), /accelerator-vendor-mismatch.*H100 accelerators, not A100/);
    });
  });
});
