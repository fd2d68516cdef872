/**
 * Shared fixtures of the Kubernetes training tests. The constructs are imported from their
 * modules (lib/index.ts re-exports them).
 */
import { Chart, Size, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AcceleratorInstanceType } from '../../../lib/core/accelerators';
import { Accelerator } from '../../../lib/k8s/core/accelerators';
import { GpuNodePool, GpuNodePoolProps } from '../../../lib/k8s/training/gpu-node-pool';
import { CheckpointStorage, TrainingJobOptions } from '../../../lib/k8s/training/training-job-options';

/** A synthesized Kubernetes object. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: any; [key: string]: any };

/** The props every pool of the tests needs besides instance types and limit. */
export const POOL_NETWORK = {
  instanceProfile: 'KarpenterNode-ml',
  subnetTags: { 'karpenter.sh/discovery': 'ml' },
  securityGroupTags: { 'karpenter.sh/discovery': 'ml' },
};

/** A chart in a fresh app. */
export function chart(namespace?: string): Chart {
  return new Chart(Testing.app(), 'Test', { namespace });
}

/** An H100 pool (p5.48xlarge) with EFA and a 32-GPU limit, unless overridden. */
export function h100Pool(scope: Construct, overrides: Partial<GpuNodePoolProps> = {}): GpuNodePool {
  return new GpuNodePool(scope, 'H100', {
    nodePoolName: 'gpu-h100',
    instanceTypes: [AcceleratorInstanceType.P5_48XLARGE],
    acceleratorLimit: 32,
    efa: true,
    ...POOL_NETWORK,
    ...overrides,
  });
}

/** Common job props: 8 x H100 on 2 nodes, 160 vCPU and 1600 GiB each, durable checkpoints. */
export function jobOptions(overrides: Partial<TrainingJobOptions> = {}): TrainingJobOptions {
  return {
    namespaceName: 'team-a',
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:1.4.2',
    command: ['torchrun', '/app/train.py'],
    accelerator: Accelerator.nvidiaGpu({ count: 8, model: 'H100' }),
    nodes: 2,
    cpu: kplus.Cpu.units(160),
    memory: Size.gibibytes(1600),
    checkpoints: CheckpointStorage.persistentVolumeClaim('checkpoints'),
    ...overrides,
  };
}

/** Synthesizes `c` and returns its objects. */
export function synth(c: Chart): Obj[] {
  return Testing.synth(c) as Obj[];
}

/** The one object of `kind` (and `name`, when given). */
export function find(objs: Obj[], kind: string, name?: string): Obj {
  const matches = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${matches.length}`);
  return matches[0];
}

/** The YAML text `cdk8s synth` writes for `objs`. */
export function yaml(objs: Obj[]): string {
  return Yaml.stringify(...objs);
}
