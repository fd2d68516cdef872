/**
 * Tags (AWS) and labels (Kubernetes) that used to synthesize and would then be rejected by
 * CloudFormation, EC2 or the API server: keys and values at their length limits, reserved `aws:`
 * keys, characters outside the tag alphabet, more than 50 tags on one resource, label keys and
 * values outside the Kubernetes syntax. One shared validator (lib/core/private/validate.ts) checks
 * every prop that carries tags or labels.
 */
import { App, Aws, Tags } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Testing } from 'cdk8s';
import { AcceleratorInstanceType } from '../../lib/core/accelerators';
import { MlProjectChart } from '../../lib/k8s/templates/ml-project-chart';
import { GpuNodePool, GpuNodePoolProps } from '../../lib/k8s/training/gpu-node-pool';
import { CapacityReservationSelector, CapacityType } from '../../lib/k8s/training/node-pool-options';
import { ResourceFlavor } from '../../lib/k8s/training/resource-flavor';
import { MlProjectStack } from '../../lib/templates/ml-project-stack';
import { expectValidationError } from '../support/errors';
import { chart, POOL_NETWORK } from '../k8s/training/fixtures';

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };

function project(tags?: Record<string, string>): MlProjectStack {
  return new MlProjectStack(new App(), 'P', { identity, tags });
}

/** `n` distinct tags `t0`..`t<n-1>`. */
function manyTags(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'x']));
}

function pool(props: Partial<GpuNodePoolProps>): () => GpuNodePool {
  return () => new GpuNodePool(chart(), 'Pool', {
    nodePoolName: 'gpu', instanceTypes: [AcceleratorInstanceType.G6E_12XLARGE], acceleratorLimit: 8, ...POOL_NETWORK, ...props,
  });
}

/** A DNS subdomain of exactly `n` characters (labels of 63 joined by dots). */
function subdomain(n: number): string {
  const parts: string[] = [];
  let left = n;
  while (left > 0) {
    const len = Math.min(63, left);
    parts.push('a'.repeat(len));
    left -= len + 1;
  }
  return parts.join('.');
}

describe('AWS tags: stack tags of MlProjectStack', () => {
  test.each([
    ['a key of 128 characters', { ['k'.repeat(128)]: 'v' }],
    ['a key of one character', { k: 'v' }],
    ['a value of 256 characters', { team: 'v'.repeat(256) }],
    ['an empty value', { team: '' }],
    ['Unicode letters, spaces and _ . : / = + - @', { 'équipe/owner': 'Zoë Müller_1.0:a/b=c+d-e@f' }],
    ['46 tags, which make 50 with the 4 identity tags', manyTags(46)],
    ['47 tags of which one overrides an identity tag', { ...manyTags(46), 'mlops:team': 'risk-ml' }],
  ])('accepts %s', (_, tags) => {
    expect(() => project(tags)).not.toThrow();
  });

  test.each([
    ['a key of 129 characters', { ['k'.repeat(129)]: 'v' }, /\[mlops:invalid-tags\] P: tags has a tag key that is 129 characters long; AWS tag keys have 1-128/],
    ['an empty key', { '': 'v' }, /\[mlops:invalid-tags\] P: tags has a tag key that is 0 characters long/],
    ['a value of 257 characters', { team: 'v'.repeat(257) }, /\[mlops:invalid-tags\] P: tags\["team"\] is not a valid AWS tag value: it is 257 characters long; AWS tag values have 0-256/],
    ['an aws: key', { 'aws:team': 'risk' }, /\[mlops:invalid-tags\] P: tags has a tag key that starts with "aws:".*Fix: Rename the tag in tags without the "aws:" prefix, for example "team"/],
    ['an AWS: key in another case', { 'AWS:Owner': 'risk' }, /\[mlops:invalid-tags\].*tags has a tag key that starts with "aws:"/],
    ['a key with a character outside the tag alphabet', { 'cost#centre': 'x' }, /\[mlops:invalid-tags\].*tags has a tag key that contains a character AWS tags do not allow/],
    ['a value with a character outside the tag alphabet', { owner: 'risk-ml, fraud' }, /\[mlops:invalid-tags\].*tags\["owner"\] is not a valid AWS tag value: it contains a character/],
    ['47 tags, which make 51 with the 4 identity tags', manyTags(47), /\[mlops:too-many-tags\] P: tags puts 51 tags on one resource together with the 4 tags the project identity sets.*at most 50/],
  ])('rejects %s', (_, tags, pattern) => {
    expectValidationError(() => project(tags), pattern);
  });

  test('an aws: tag added with Tags.of() fails the synth, naming the resource', () => {
    const stack = project();
    Tags.of(stack.datasets).add('aws:owner', 'risk');
    expectValidationError(() => App.of(stack)!.synth(), /\[mlops:invalid-tags\] P\/Datasets\/.*: The resource carries the tag "aws:owner" \(from the stack's tags, Tags.of\(\) or its props\), whose key starts with "aws:"/);
  });

  test('more than 50 tags on one resource through Tags.of() fail the synth; 50 pass', () => {
    const ok = project(manyTags(40));
    for (const [k, v] of Object.entries(manyTags(6))) Tags.of(ok.datasets.bucket).add(`extra-${k}`, v);
    expect(() => App.of(ok)!.synth()).not.toThrow();

    const stack = project(manyTags(40));
    for (const [k, v] of Object.entries(manyTags(7))) Tags.of(stack.datasets.bucket).add(`extra-${k}`, v);
    expectValidationError(() => App.of(stack)!.synth(), /\[mlops:too-many-tags\] P\/Datasets\/Resource.*: The resource carries 51 tags .*at most 50 user tags per resource.*Fix: Remove 1 tags from the stack's tags prop or Tags.of\(\)/);
  });

  test('tags set on an L1 resource count too', () => {
    const stack = project();
    const cfn = stack.datasets.bucket.node.defaultChild as s3.CfnBucket;
    for (const [k, v] of Object.entries(manyTags(47))) cfn.tags.setTag(k, v);
    expectValidationError(() => App.of(stack)!.synth(), /\[mlops:too-many-tags\] P\/Datasets\/Resource\/Resource: The resource carries 51 tags/);
  });
});

describe('AWS tags: EC2NodeClass tags and selector tags of GpuNodePool', () => {
  test.each([
    ['tags with a 128-character key and a 256-character value', { tags: { ['k'.repeat(128)]: 'v'.repeat(256) } }],
    ['44 tags (Karpenter adds 6 of its own)', { tags: manyTags(44) }],
    ['45 tags when one of them is the Name tag Karpenter would set', { tags: { ...manyTags(44), Name: 'gpu-node' } }],
    ['subnetTags selecting an AWS-set aws: tag', { subnetTags: { 'aws:cloudformation:stack-name': 'ml-network' } }],
    ['securityGroupTags matching any value with "*"', { securityGroupTags: { 'karpenter.sh/discovery': '*' } }],
  ])('accepts %s', (_, props) => {
    expect(pool(props)).not.toThrow();
  });

  test.each([
    ['a 129-character tag key', { tags: { ['k'.repeat(129)]: 'v' } }, /\[mlops:invalid-tags\] Test\/Pool: tags has a tag key that is 129 characters long/],
    ['a 257-character tag value', { tags: { team: 'v'.repeat(257) } }, /\[mlops:invalid-tags\] Test\/Pool: tags\["team"\] is not a valid AWS tag value: it is 257 characters long/],
    ['an aws: tag key, which EC2 rejects', { tags: { 'aws:team': 'risk' } }, /\[mlops:invalid-tags\].*tags has a tag key that starts with "aws:"/],
    ['45 tags: 51 with the 6 Karpenter sets', { tags: manyTags(45) }, /\[mlops:too-many-tags\] Test\/Pool: tags puts 51 tags on one resource together with the 6 tags Karpenter sets/],
    ['a 129-character subnetTags key', { subnetTags: { ['k'.repeat(129)]: 'ml' } }, /\[mlops:invalid-tags\] Test\/Pool: subnetTags has a tag key that is 129 characters long/],
    ['a 257-character subnetTags value', { subnetTags: { 'karpenter.sh/discovery': 'v'.repeat(257) } }, /\[mlops:invalid-tags\].*subnetTags\["karpenter.sh\/discovery"\] is not a valid AWS tag value/],
    ['a securityGroupTags value outside the tag alphabet', { securityGroupTags: { 'karpenter.sh/discovery': 'ml;prod' } }, /\[mlops:invalid-tags\].*securityGroupTags\["karpenter.sh\/discovery"\].*contains a character.*or "\*" to match any value/],
  ])('rejects %s', (_, props, pattern) => {
    expectValidationError(pool(props), pattern);
  });

  test('capacity reservation tag selectors follow the tag rules', () => {
    const reserved = (tags: Record<string, string>) => pool({ capacityTypes: [CapacityType.RESERVED], capacityReservations: [CapacityReservationSelector.tags(tags)] });
    expect(reserved({ ['k'.repeat(128)]: 'v'.repeat(256) })).not.toThrow();
    expectValidationError(reserved({ ['k'.repeat(129)]: 'v' }), /\[mlops:invalid-tags\].*capacityReservations tags has a tag key that is 129 characters long/);
  });
});

describe('Kubernetes labels: chart labels, node pool labels, flavor node labels', () => {
  const chartWith = (labels: Record<string, string>) => () => new MlProjectChart(Testing.app(), 'Q', { identity, labels });

  test.each([
    ['a 63-character value', { team: 'v'.repeat(63) }],
    ['an empty value', { team: '' }],
    ['a value with "-", "_" and "."', { team: 'risk-ml_v1.2' }],
    ['a 63-character key name', { ['n'.repeat(63)]: 'x' }],
    ['a 253-character prefix', { [`${subdomain(253)}/team`]: 'x' }],
    ['a prefix of several DNS labels', { 'ml.example.com/team': 'x' }],
    ['well-known prefixes', { 'app.kubernetes.io/part-of': 'fraud-scoring', 'karpenter.sh/nodepool': 'gpu', 'kueue.x-k8s.io/queue-name': 'team' }],
    // A chart applied through the EKS kubectl provider may carry aws-cdk-lib tokens.
    ['a deploy-time value', { 'example.com/account': Aws.ACCOUNT_ID }],
    ['a deploy-time key prefix', { [`${Aws.STACK_NAME}/team`]: 'x' }],
  ])('accepts %s', (_, labels) => {
    expect(chartWith(labels)).not.toThrow();
  });

  test.each([
    ['a 64-character value', { team: 'v'.repeat(64) }, /\[mlops:invalid-labels\] Q: labels\["team"\] is not a valid label value: it is 64 characters long; at most 63/],
    ['a value starting with "-"', { team: '-risk' }, /\[mlops:invalid-labels\] Q: labels\["team"\] is not a valid label value: it may only contain/],
    ['a value with a space', { team: 'risk ml' }, /\[mlops:invalid-labels\].*labels\["team"\] is not a valid label value/],
    ['a 64-character key name', { ['n'.repeat(64)]: 'x' }, /\[mlops:invalid-labels\] Q: labels has a key that is not a valid label key: it has a name of 64 characters; at most 63/],
    ['a 254-character prefix', { [`${subdomain(254)}/team`]: 'x' }, /\[mlops:invalid-labels\].*labels has a key .*has a prefix of 254 characters; at most 253/],
    ['an upper-case prefix', { 'Example.com/team': 'x' }, /\[mlops:invalid-labels\].*labels has a key .*has a prefix "Example.com" that is not a DNS subdomain/],
    ['an empty prefix', { '/team': 'x' }, /\[mlops:invalid-labels\].*labels has a key .*has an empty prefix/],
    ['two slashes', { 'example.com/a/b': 'x' }, /\[mlops:invalid-labels\].*labels has a key .*has a name "a\/b"/],
    ['an empty name after the prefix', { 'example.com/': 'x' }, /\[mlops:invalid-labels\].*labels has a key .*has an empty name/],
  ])('rejects %s', (_, labels, pattern) => {
    expectValidationError(chartWith(labels), pattern);
  });

  test('node pool labels and flavor node labels use the same rules', () => {
    expect(pool({ labels: { 'example.com/team': 'v'.repeat(63) } })).not.toThrow();
    expect(pool({ labels: { 'example.com/account': Aws.ACCOUNT_ID } })).not.toThrow();
    expectValidationError(pool({ labels: { 'example.com/team': 'v'.repeat(64) } }), /\[mlops:invalid-labels\] Test\/Pool: labels\["example.com\/team"\] is not a valid label value: it is 64 characters long/);
    expectValidationError(() => new ResourceFlavor(chart(), 'F', { nodeLabels: { [`${subdomain(254)}/pool`]: 'gpu' } }), /\[mlops:invalid-labels\] Test\/F: nodeLabels has a key .*prefix of 254 characters/);
  });
});
