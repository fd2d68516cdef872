import { Duration, Size } from 'cdk8s';
import { AcceleratorInstanceType, AcceleratorVendor } from '../../../lib/core/accelerators';
import { MigProfile } from '../../../lib/k8s/core/accelerators';
import { GpuNodePool } from '../../../lib/k8s/training/gpu-node-pool';
import { CapacityReservationSelector, CapacityType, DisruptionReason, GpuNodeImage } from '../../../lib/k8s/training/node-pool-options';
import { expectValidationError } from '../../support/errors';
import { chart, find, h100Pool, POOL_NETWORK, synth } from './fixtures';

const { P5_48XLARGE, P4DE_24XLARGE, P4D_24XLARGE, G6E_12XLARGE, G6E_48XLARGE, G6E_XLARGE, TRN1_32XLARGE, TRN2_48XLARGE } = AcceleratorInstanceType;

describe('GpuNodePool', () => {
  test('NodePool: instance types, GPU name, capacity type, taint, GPU limit, training-safe disruption', () => {
    const c = chart();
    const pool = h100Pool(c);
    const np = find(synth(c), 'NodePool');
    expect(np.apiVersion).toBe('karpenter.sh/v1');
    expect(np.metadata).toEqual({ name: 'gpu-h100' });
    expect(np.spec).toEqual({
      template: {
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu-h100' },
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p5.48xlarge'] },
            { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['p5'] },
            { key: 'karpenter.k8s.aws/instance-gpu-name', operator: 'In', values: ['h100'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
          ],
          taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
          expireAfter: 'Never',
        },
      },
      disruption: {
        consolidationPolicy: 'WhenEmpty',
        consolidateAfter: '10m',
        budgets: [
          { nodes: '0', reasons: ['Drifted', 'Underutilized'] },
          { nodes: '10%', reasons: ['Empty'] },
        ],
      },
      limits: { 'nvidia.com/gpu': 32 },
    });
    // what the schedulability check and the queues read
    expect(pool.vendor).toBe(AcceleratorVendor.NVIDIA);
    expect(pool.acceleratorModels).toEqual(['H100']);
    expect(pool.maxAcceleratorsPerNode).toBe(8);
    expect(pool.acceleratorLimit).toBe(32);
    expect(pool.resourceName).toBe('nvidia.com/gpu');
    expect(pool.nodeLabels).toEqual({ 'karpenter.sh/nodepool': 'gpu-h100' });
    expect(pool.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
    expect(pool.capacityTypes).toEqual([CapacityType.ON_DEMAND]);
    expect(pool.efa).toBe(true);
  });

  test('EC2NodeClass: Bottlerocket for NVIDIA (its device plugin runs on the node), 200 GiB encrypted gp3 data volume, IMDSv2 hop limit 1, no public IP', () => {
    const c = chart();
    const pool = h100Pool(c);
    expect(pool.image).toBe(GpuNodeImage.BOTTLEROCKET_LATEST);
    const nc = find(synth(c), 'EC2NodeClass');
    expect(nc.apiVersion).toBe('karpenter.k8s.aws/v1');
    const ebs = { volumeType: 'gp3', encrypted: true, deleteOnTermination: true };
    expect(nc.spec).toEqual({
      instanceProfile: 'KarpenterNode-ml',
      amiSelectorTerms: [{ alias: 'bottlerocket@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'ml' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'ml' } }],
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '4Gi', ...ebs } }, { deviceName: '/dev/xvdb', ebs: { volumeSize: '200Gi', ...ebs } }],
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
      associatePublicIPAddress: false,
    });
    // the node class is applied before the pool that references it
    const objs = synth(c);
    expect(objs.findIndex((o) => o.kind === 'EC2NodeClass')).toBeLessThan(objs.findIndex((o) => o.kind === 'NodePool'));
  });

  test('options: spot + reserved capacity, Bottlerocket, KMS, instance stores, placement group, budgets, expiry, labels, tags, weight', () => {
    const c = chart();
    h100Pool(c, {
      instanceTypes: [P5_48XLARGE, AcceleratorInstanceType.P5EN_48XLARGE],
      acceleratorLimit: 64,
      capacityTypes: [CapacityType.RESERVED, CapacityType.ON_DEMAND],
      capacityReservations: [CapacityReservationSelector.id('cr-0123456789abcdef0'), CapacityReservationSelector.tags({ team: 'risk-ml' }, '123456789012')],
      image: GpuNodeImage.bottlerocket('v1.20.4'),
      volumeSize: Size.gibibytes(500),
      volumeKmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      useInstanceStores: true,
      placementGroupName: 'ml-cluster-pg',
      consolidateAfter: Duration.minutes(30),
      expireAfter: Duration.days(14),
      terminationGracePeriod: Duration.hours(24),
      disruptionBudgets: [{ nodes: '1', reasons: [DisruptionReason.DRIFTED], schedule: '0 2 * * sat', duration: Duration.hours(6) }],
      labels: { 'example.com/team': 'risk-ml' },
      tags: { team: 'risk-ml' },
      weight: 50,
    });
    const objs = synth(c);
    const np = find(objs, 'NodePool');
    const nc = find(objs, 'EC2NodeClass');
    expect(np.spec.template.metadata).toEqual({ labels: { 'example.com/team': 'risk-ml' } });
    expect(np.spec.template.spec.requirements[0].values).toEqual(['p5.48xlarge', 'p5en.48xlarge']);
    expect(np.spec.template.spec.requirements[1].values).toEqual(['p5', 'p5en']);
    expect(np.spec.template.spec.requirements[2].values).toEqual(['h100', 'h200']);
    expect(np.spec.template.spec.requirements[3].values).toEqual(['reserved', 'on-demand']);
    expect(np.spec.template.spec.expireAfter).toBe('336h');
    expect(np.spec.template.spec.terminationGracePeriod).toBe('24h');
    expect(np.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty', consolidateAfter: '30m',
      budgets: [{ nodes: '1', reasons: ['Drifted'], schedule: '0 2 * * sat', duration: '6h' }],
    });
    expect(np.spec.weight).toBe(50);
    expect(np.spec.limits).toEqual({ 'nvidia.com/gpu': 64 });
    expect(nc.spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@v1.20.4' }]);
    const ebs = (size: string): Record<string, unknown> => ({ volumeSize: size, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, kmsKeyID: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
    expect(nc.spec.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', ebs: ebs('4Gi') }, { deviceName: '/dev/xvdb', ebs: ebs('500Gi') }]);
    expect(nc.spec.instanceStorePolicy).toBe('RAID0');
    expect(nc.spec.placementGroupSelector).toEqual({ name: 'ml-cluster-pg' });
    expect(nc.spec.capacityReservationSelectorTerms).toEqual([{ id: 'cr-0123456789abcdef0' }, { tags: { team: 'risk-ml' }, ownerID: '123456789012' }]);
    expect(nc.spec.tags).toEqual({ team: 'risk-ml' });
  });

  test('Neuron pool: Neuron taint, accelerator name, neuron limit', () => {
    const c = chart();
    const pool = new GpuNodePool(c, 'Trn', { instanceTypes: [TRN1_32XLARGE, TRN2_48XLARGE], acceleratorLimit: 64, ...POOL_NETWORK });
    const np = find(synth(c), 'NodePool');
    expect(np.spec.template.spec.taints).toEqual([{ key: 'aws.amazon.com/neuron', effect: 'NoSchedule' }]);
    expect(np.spec.template.spec.requirements[2]).toEqual({ key: 'karpenter.k8s.aws/instance-accelerator-name', operator: 'In', values: ['trainium', 'trainium2'] });
    expect(np.spec.limits).toEqual({ 'aws.amazon.com/neuron': 64 });
    expect(pool.resourceName).toBe('aws.amazon.com/neuron');
    // Neuron nodes boot AL2023 (the cluster runs the Neuron device plugin), one root volume
    expect(pool.image).toBe(GpuNodeImage.AL2023_LATEST);
    const nc = find(synth(c), 'EC2NodeClass');
    expect(nc.spec.amiSelectorTerms).toEqual([{ alias: 'al2023@latest' }]);
    expect(nc.spec.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '200Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }]);
    // generated name from the construct path
    expect(pool.nodePoolName).toMatch(/^test-trn-[0-9a-f]{8}$/);
  });

  test('MIG pool: GPU operator label, MIG resource; limits stay in GPUs', () => {
    const c = chart();
    const pool = new GpuNodePool(c, 'Mig', { nodePoolName: 'a100-mig', instanceTypes: [P4DE_24XLARGE], acceleratorLimit: 16, migProfile: MigProfile.MIG_1G_10GB, ...POOL_NETWORK });
    const np = find(synth(c), 'NodePool');
    expect(np.spec.template.metadata).toEqual({ labels: { 'nvidia.com/mig.config': 'all-1g.10gb' } });
    expect(np.spec.limits).toEqual({ 'nvidia.com/gpu': 16 });
    expect(pool.resourceName).toBe('nvidia.com/mig-1g.10gb');
    expect(pool.nodeLabels['nvidia.com/mig.config']).toBe('all-1g.10gb');
    // the GPU operator's MIG manager (mixed strategy) runs on AL2023, the default of MIG pools
    expect(pool.image).toBe(GpuNodeImage.AL2023_LATEST);
    expect(find(synth(c), 'EC2NodeClass').spec.amiSelectorTerms).toEqual([{ alias: 'al2023@latest' }]);
    // Bottlerocket partitions with the single strategy, which never advertises nvidia.com/mig-*
    expectValidationError(() => new GpuNodePool(chart(), 'Mig', {
      nodePoolName: 'a100-mig', instanceTypes: [P4DE_24XLARGE], acceleratorLimit: 16, migProfile: MigProfile.MIG_1G_10GB, image: GpuNodeImage.BOTTLEROCKET_LATEST, ...POOL_NETWORK,
    }), /mig-node-image.*single strategy/);
  });

  test('cluster-scoped objects carry no namespace even in a namespaced chart', () => {
    const c = chart('team-a');
    h100Pool(c);
    for (const o of synth(c)) expect(o.metadata.namespace).toBeUndefined();
  });

  test('fromNodePoolAttributes declares a pool without creating objects', () => {
    const c = chart();
    const pool = GpuNodePool.fromNodePoolAttributes(c, 'Existing', {
      nodePoolName: 'shared-l40s', instanceTypes: [G6E_12XLARGE, G6E_48XLARGE], acceleratorLimit: 48, labels: { 'example.com/tier': 'shared' },
    });
    expect(synth(c)).toEqual([]);
    expect(GpuNodePool.isGpuNodePool(pool)).toBe(true);
    expect(GpuNodePool.isGpuNodePool(c)).toBe(false);
    expect(pool.maxAcceleratorsPerNode).toBe(8);
    expect(pool.nodeLabels).toEqual({ 'example.com/tier': 'shared', 'karpenter.sh/nodepool': 'shared-l40s' });
    expect(pool.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
    expectValidationError(() => GpuNodePool.fromNodePoolAttributes(chart(), 'Bad', { nodePoolName: 'Shared', instanceTypes: [G6E_12XLARGE], acceleratorLimit: 4 }), /invalid-name.*nodePoolName/);
  });

  describe('rejects', () => {
    const pool = (overrides: Parameters<typeof h100Pool>[1]) => (): unknown => h100Pool(chart(), overrides);

    test('GPU limits that are not positive or below one node', () => {
      expectValidationError(pool({ acceleratorLimit: 0 }), /invalid-accelerator-limit.*acceleratorLimit must be an integer from 1/);
      expectValidationError(pool({ acceleratorLimit: 2.5 }), /invalid-accelerator-limit/);
      const err = expectValidationError(pool({ acceleratorLimit: 4 }), /invalid-accelerator-limit.*acceleratorLimit 4 is below the accelerators of one p5.48xlarge node \(8\)/);
      expect(err.fix).toMatch(/at least 8/);
    });

    test('instance types: none, uncatalogued, mixed vendors', () => {
      expectValidationError(pool({ instanceTypes: [] }), /invalid-node-pool.*at least one instance type/);
      expectValidationError(pool({ instanceTypes: [AcceleratorInstanceType.of('m7i.48xlarge')] }), /unknown-instance-type.*m7i.48xlarge/);
      expectValidationError(pool({ instanceTypes: [P5_48XLARGE, TRN1_32XLARGE] }), /mixed-accelerator-vendors.*Fix: Define one GpuNodePool for the NVIDIA types/);
    });

    test('MIG and EFA the instance types do not have', () => {
      expectValidationError(pool({ instanceTypes: [G6E_48XLARGE], migProfile: MigProfile.MIG_1G_10GB }), /mig-not-supported.*g6e.48xlarge/);
      expectValidationError(pool({ instanceTypes: [P4D_24XLARGE], acceleratorLimit: 8, migProfile: MigProfile.MIG_1G_10GB }), /invalid-mig-profile.*p4d.24xlarge: 1g.5gb/);
      expectValidationError(pool({ instanceTypes: [G6E_XLARGE, G6E_12XLARGE], efa: true }), /efa-not-supported.*g6e.xlarge have no Elastic Fabric Adapter/);
    });

    test('names, labels and tags Kubernetes, Karpenter or EC2 reject', () => {
      expectValidationError(pool({ nodePoolName: 'GPU_Pool' }), /invalid-name.*nodePoolName/);
      expectValidationError(pool({ labels: { 'karpenter.sh/nodepool': 'x' } }), /invalid-labels.*reserved/);
      expectValidationError(pool({ labels: { 'node.kubernetes.io/role': 'gpu' } }), /invalid-labels/);
      expectValidationError(pool({ labels: { team: 'risk ml' } }), /invalid-labels.*not a valid label value/);
      expectValidationError(pool({ tags: { 'kubernetes.io/cluster/ml': 'owned' } }), /invalid-node-pool.*reserved by EKS or Karpenter/);
      expectValidationError(pool({ tags: { 'karpenter.sh/nodepool': 'x' } }), /invalid-node-pool.*reserved/);
    });

    test('node class settings', () => {
      expectValidationError(pool({ instanceProfile: 'arn:aws:iam::123456789012:instance-profile/Node' }), /arn-where-name-expected.*instanceProfile takes the name of the IAM instance profile, not its ARN.*Pass the name instead of the ARN, here "Node"/);
      expectValidationError(pool({ subnetTags: {} }), /invalid-node-pool.*subnetTags must have 1-20 tags/);
      expectValidationError(pool({ securityGroupTags: { 'karpenter.sh/discovery': '' } }), /invalid-node-pool.*securityGroupTags/);
      expectValidationError(pool({ volumeSize: Size.gibibytes(10) }), /invalid-node-pool.*volumeSize/);
      expectValidationError(pool({ volumeKmsKeyId: 'my-key' }), /invalid-node-pool.*volumeKmsKeyId/);
      expectValidationError(pool({ image: GpuNodeImage.al2023('latest-1') }), /invalid-node-image.*al2023/);
      expectValidationError(pool({ weight: 101 }), /invalid-node-pool.*weight must be an integer from 1 to 100/);
      expectValidationError(pool({ capacityTypes: [] }), /invalid-node-pool.*capacityTypes is empty/);
    });

    test('capacity reservations without the reserved capacity type, and the reverse', () => {
      expectValidationError(pool({ capacityTypes: [CapacityType.RESERVED] }), /invalid-capacity-reservation.*RESERVED but no capacityReservations/);
      expectValidationError(pool({ capacityReservations: [CapacityReservationSelector.id('cr-0123456789abcdef0')] }), /invalid-capacity-reservation.*Karpenter would never use them/);
      expectValidationError(pool({ capacityTypes: [CapacityType.RESERVED], capacityReservations: [CapacityReservationSelector.id('r-1')] }), /invalid-capacity-reservation.*cr-0123456789abcdef0/);
      expectValidationError(pool({ capacityTypes: [CapacityType.RESERVED], capacityReservations: [CapacityReservationSelector.tags({ team: 'a' }, '123')] }), /invalid-capacity-reservation.*12 digits/);
    });

    test('disruption budgets Karpenter rejects', () => {
      expectValidationError(pool({ disruptionBudgets: [{ nodes: '150%' }] }), /invalid-disruption-budget/);
      expectValidationError(pool({ disruptionBudgets: [{ nodes: '0', schedule: '@daily' }] }), /invalid-disruption-budget.*schedule and a duration/);
      expectValidationError(pool({ disruptionBudgets: [{ nodes: '0', schedule: '@daily', duration: Duration.seconds(90) }] }), /invalid-disruption-budget.*whole minutes/);
      expectValidationError(pool({ disruptionBudgets: [{ nodes: '0', schedule: 'sometimes', duration: Duration.hours(1) }] }), /invalid-disruption-budget.*cron/);
    });
  });
});
