/**
 * The Kubernetes-side limits at their edges: the largest (smallest) valid value passes and one
 * more (less) fails, next to the far-off values the other tests reject.
 */
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { Accelerator, MigProfile } from '../../../lib/k8s/core/accelerators';
import { ClusterQueue } from '../../../lib/k8s/training/cluster-queue';
import { ResourceFlavor } from '../../../lib/k8s/training/resource-flavor';
import { WorkloadPriorityClass } from '../../../lib/k8s/training/workload-priority-class';
import { expectValidationError } from '../../support/errors';
import { chart, h100Pool } from './fixtures';

const scope = (): Construct => new Construct(Testing.chart(), 'Job');
const { P5_48XLARGE, P4D_24XLARGE, G6_XLARGE } = AcceleratorInstanceType;

describe('accelerator counts per pod', () => {
  test.each([
    ['8 GPUs on p5.48xlarge', () => Accelerator.nvidiaGpu({ count: 8, instanceType: P5_48XLARGE }), () => Accelerator.nvidiaGpu({ count: 9, instanceType: P5_48XLARGE })],
    ['1 GPU on g6.xlarge', () => Accelerator.nvidiaGpu({ count: 1, instanceType: G6_XLARGE }), () => Accelerator.nvidiaGpu({ count: 2, instanceType: G6_XLARGE })],
    ['16 Trainium devices', () => Accelerator.neuron({ count: 16, model: 'Trainium' }), () => Accelerator.neuron({ count: 17, model: 'Trainium' })],
    ['56 MIG 1g.10gb devices (8 x 7)', () => Accelerator.nvidiaGpu({ count: 56, model: 'A100', migProfile: MigProfile.MIG_1G_10GB }),
      () => Accelerator.nvidiaGpu({ count: 57, model: 'A100', migProfile: MigProfile.MIG_1G_10GB })],
  ])('%s pass, one more fails', (_name, valid, invalid) => {
    expect(() => valid().bind(scope())).not.toThrow();
    expectValidationError(() => invalid().bind(scope()), /accelerator-count-not-offered/);
  });

  test('1 GPU passes, 0 fails', () => {
    expect(() => Accelerator.nvidiaGpu({ count: 1, model: 'H100' }).bind(scope())).not.toThrow();
    expectValidationError(() => Accelerator.nvidiaGpu({ count: 0, model: 'H100' }).bind(scope()), /invalid-accelerator-count/);
  });

  test('4 EFA interfaces on p4d.24xlarge pass, 5 fail; 0 passes, -1 fails', () => {
    expect(() => Accelerator.nvidiaGpu({ count: 8, instanceType: P4D_24XLARGE, efa: 4 }).bind(scope())).not.toThrow();
    expectValidationError(() => Accelerator.nvidiaGpu({ count: 8, instanceType: P4D_24XLARGE, efa: 5 }).bind(scope()), /efa-not-supported.*at most 4/);
    expect(() => Accelerator.nvidiaGpu({ count: 8, instanceType: P4D_24XLARGE, efa: 0 }).bind(scope())).not.toThrow();
    expectValidationError(() => Accelerator.nvidiaGpu({ count: 8, instanceType: P4D_24XLARGE, efa: -1 }).bind(scope()), /invalid-efa-count/);
  });
});

describe('node pools and queues', () => {
  test('an accelerator limit of one node (8) passes, 7 fails', () => {
    expect(() => h100Pool(chart(), { acceleratorLimit: 8 })).not.toThrow();
    expectValidationError(() => h100Pool(chart(), { acceleratorLimit: 7 }), /invalid-accelerator-limit.*below the accelerators of one p5.48xlarge node \(8\)/);
  });

  test('weights 1 and 100 pass; 0 and 101 fail', () => {
    expect(() => h100Pool(chart(), { weight: 1 })).not.toThrow();
    expect(() => h100Pool(chart(), { weight: 100 })).not.toThrow();
    expectValidationError(() => h100Pool(chart(), { weight: 0 }), /invalid-node-pool.*weight/);
    expectValidationError(() => h100Pool(chart(), { weight: 101 }), /invalid-node-pool.*weight/);
  });

  test('a quota of the pool limit (32) passes, 33 fails; a lending limit of the quota passes, one more fails', () => {
    const c = chart();
    const flavor = new ResourceFlavor(c, 'Flavor', { pool: h100Pool(c) });
    let n = 0;
    const queue = (props: Partial<ConstructorParameters<typeof ClusterQueue>[2]>) => (): unknown => new ClusterQueue(c, `Q${n++}`, { namespaces: ['team-a'], ...props });
    expect(queue({ quotas: [{ flavor, accelerators: 32 }] })).not.toThrow();
    expectValidationError(queue({ quotas: [{ flavor, accelerators: 33 }] }), /quota-exceeds-pool-limit.*at most 32/);
    expect(queue({ quotas: [{ flavor, accelerators: 0 }] })).not.toThrow();
    expectValidationError(queue({ quotas: [{ flavor, accelerators: -1 }] }), /invalid-queue-quota/);
    expect(queue({ cohort: 'ml', quotas: [{ flavor, accelerators: 8, acceleratorLendingLimit: 8 }] })).not.toThrow();
    expectValidationError(queue({ cohort: 'ml', quotas: [{ flavor, accelerators: 8, acceleratorLendingLimit: 9 }] }), /invalid-queue-quota.*cannot exceed/);
  });

  test('priority values of 32 bits pass, one more fails; descriptions of 2048 characters pass, 2049 fail', () => {
    const c = chart('team-a');
    expect(() => new WorkloadPriorityClass(c, 'Max', { value: 2 ** 31 - 1 })).not.toThrow();
    expect(() => new WorkloadPriorityClass(c, 'Min', { value: -(2 ** 31) })).not.toThrow();
    expectValidationError(() => new WorkloadPriorityClass(c, 'Over', { value: 2 ** 31 }), /invalid-priority-class.*32-bit/);
    expectValidationError(() => new WorkloadPriorityClass(c, 'Under', { value: -(2 ** 31) - 1 }), /invalid-priority-class.*32-bit/);
    expect(() => new WorkloadPriorityClass(c, 'Long', { value: 1, description: 'x'.repeat(2048) })).not.toThrow();
    expectValidationError(() => new WorkloadPriorityClass(c, 'TooLong', { value: 1, description: 'x'.repeat(2049) }), /invalid-priority-class.*2048/);
  });
});
