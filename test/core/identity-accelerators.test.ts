import { App, Stack } from 'aws-cdk-lib';
import { AcceleratorInstanceType, AcceleratorVendor, ProjectIdentity } from '../../lib';
import { expectValidationError } from '../support/errors';

describe('ProjectIdentity', () => {
  const stack = new Stack(new App(), 'Id');
  const props = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };

  test('tags and labels carry all four fields', () => {
    const id = ProjectIdentity.of(stack, props);
    expect(id.tags).toEqual({
      'mlops:project': 'fraud-scoring', 'mlops:team': 'risk-ml', 'mlops:stage': 'prod', 'mlops:cost-centre': 'CC-4711',
    });
    expect(id.labels).toEqual({
      'mlops-constructs.io/project': 'fraud-scoring',
      'mlops-constructs.io/team': 'risk-ml',
      'mlops-constructs.io/stage': 'prod',
      'mlops-constructs.io/cost-centre': 'CC-4711',
    });
    expect(id.qualifiedName).toBe('fraud-scoring-prod');
  });

  test.each([
    ['project', 'p'.repeat(32)], ['project', 'p'],
    ['team', 't'.repeat(32)], ['team', 't'],
    ['stage', 's'.repeat(16)], ['stage', 's'],
    ['costCentre', 'c'.repeat(63)], ['costCentre', 'c'],
  ])('accepts %s of length %#: the longest and shortest valid values', (field, value) => {
    expect(ProjectIdentity.of(stack, { ...props, [field]: value })[field as 'project']).toBe(value);
  });

  test.each([
    ['project', 'p'.repeat(33)],
    ['team', 't'.repeat(33)],
    ['stage', 's'.repeat(17)],
    ['costCentre', 'c'.repeat(64)],
    ['project', ''],
    ['stage', ''],
    ['costCentre', ''],
  ])('rejects %s one character past its limit (%#)', (field, value) => {
    expectValidationError(() => ProjectIdentity.of(stack, { ...props, [field]: value }), new RegExp(`\\[mlops:invalid-identity\\] Id: Project identity field "${field}"`));
  });

  test.each([
    ['project', 'Fraud Scoring'],
    ['project', 'x'.repeat(33)],
    ['team', ''],
    ['stage', 'production-environment'],
    ['costCentre', 'CC 4711'],
  ])('rejects %s = %j with invalid-identity and a fix', (field, value) => {
    expectValidationError(() => ProjectIdentity.of(stack, { ...props, [field]: value }), new RegExp(`\\[mlops:invalid-identity\\] Id: Project identity field "${field}".*Fix: Set ${field}`));
  });
});

describe('AcceleratorInstanceType', () => {
  test('catalog entries describe accelerators', () => {
    const p5 = AcceleratorInstanceType.P5_48XLARGE;
    expect(p5.ec2Name).toBe('p5.48xlarge');
    expect(p5.sageMakerName).toBe('ml.p5.48xlarge');
    expect(p5.family).toBe('p5');
    expect(p5.spec).toMatchObject({ vendor: AcceleratorVendor.NVIDIA, acceleratorModel: 'H100', acceleratorCount: 8, acceleratorMemoryGiB: 80, migCapable: true, efaCapable: true });
    expect(p5.totalAcceleratorMemoryGiB).toBe(640);
    expect(AcceleratorInstanceType.TRN2_48XLARGE.spec?.vendor).toBe(AcceleratorVendor.AWS);
    expect(AcceleratorInstanceType.G5_XLARGE.spec?.migCapable).toBe(false);
  });

  test('EFA interfaces, MIG partitions and processes per accelerator', () => {
    expect(AcceleratorInstanceType.P5_48XLARGE.spec!.efaInterfaces).toBe(32);
    expect(AcceleratorInstanceType.G5_XLARGE.spec!.efaInterfaces).toBe(0);
    expect(AcceleratorInstanceType.P4DE_24XLARGE.spec!.migDevicesPerGpu).toMatchObject({ '1g.10gb': 7, '7g.80gb': 1 });
    expect(AcceleratorInstanceType.P4D_24XLARGE.spec!.migDevicesPerGpu).toMatchObject({ '1g.5gb': 7 });
    expect(AcceleratorInstanceType.TRN2_48XLARGE.spec!.processesPerAccelerator).toBe(4);
    expect(AcceleratorInstanceType.P5_48XLARGE.spec!.processesPerAccelerator).toBe(1);
    expect(AcceleratorInstanceType.G4DN_XLARGE.spec!.localStorageGB).toBe(125);
    expect(AcceleratorInstanceType.P3_2XLARGE.spec!.localStorageGB).toBe(0);
  });

  test('of() finds catalogued types with or without the ml. prefix', () => {
    expect(AcceleratorInstanceType.of('ml.g6e.xlarge')).toBe(AcceleratorInstanceType.G6E_XLARGE);
    expect(AcceleratorInstanceType.of('g6e.xlarge')).toBe(AcceleratorInstanceType.G6E_XLARGE);
  });

  test('of() accepts uncatalogued and flags malformed names', () => {
    const future = AcceleratorInstanceType.of('ml.p6-b200.48xlarge');
    expect(future.catalogued).toBe(false);
    expect(future.wellFormed).toBe(true);
    expect(future.family).toBe('p6-b200');
    expect(future.spec).toBeUndefined();
    expect(AcceleratorInstanceType.of('not a type').wellFormed).toBe(false);
  });

  test('catalog is consistent', () => {
    const all = AcceleratorInstanceType.all();
    expect(all.length).toBeGreaterThanOrEqual(40);
    for (const t of all) {
      expect(t.wellFormed).toBe(true);
      expect(t.spec!.acceleratorCount).toBeGreaterThan(0);
      expect(t.spec!.memoryGiB).toBeGreaterThan(t.spec!.vcpus);
      if (t.spec!.migCapable) expect(['A100', 'H100', 'H200']).toContain(t.spec!.acceleratorModel);
      // every MIG-capable GPU has its profile table; EFA-capable types offer at least one interface
      expect(Object.keys(t.spec!.migDevicesPerGpu).length > 0).toBe(t.spec!.migCapable);
      expect(t.spec!.efaInterfaces > 0).toBe(t.spec!.efaCapable);
    }
  });
});
