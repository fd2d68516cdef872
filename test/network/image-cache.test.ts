import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  GpuCluster, ImageCache, ImageCacheNaming, ImageCacheUpstream, ImageUpstream, MlProjectStack, ProjectIdentity, ProjectTraining,
} from '../../lib/index';
import { expectValidationError } from '../support/errors';
import { bySid, expectStatement, expectStatements, grantStatements, resourcePolicyStatements } from '../support/iam';

const ACCOUNT_ECR = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'];

function stack(): Stack {
  return new Stack(new App(), 'S');
}

/** A secret imported by its complete ARN (name plus the six-character suffix Secrets Manager adds). */
function credentials(s: Stack, name = 'ecr-pullthroughcache/docker'): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretCompleteArn(s, `Secret-${name.replace(/\W/g, '')}`, `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`);
}

describe('ImageCache', () => {
  test('one rule per upstream under <namespace>/<prefix>, each after its creation template', () => {
    const s = stack();
    const cache = new ImageCache(s, 'Cache', { repositoryNamespace: 'vision-prod' });
    const t = Template.fromStack(s);
    const rules = t.findResources('AWS::ECR::PullThroughCacheRule');
    const byPrefix = Object.fromEntries(Object.values(rules).map((r) => [r.Properties.EcrRepositoryPrefix, r.Properties]));
    expect(byPrefix).toEqual({
      'vision-prod/ecr': { EcrRepositoryPrefix: 'vision-prod/ecr', UpstreamRegistry: 'ecr-public', UpstreamRegistryUrl: 'public.ecr.aws' },
      'vision-prod/k8s': { EcrRepositoryPrefix: 'vision-prod/k8s', UpstreamRegistry: 'k8s', UpstreamRegistryUrl: 'registry.k8s.io' },
      'vision-prod/quay': { EcrRepositoryPrefix: 'vision-prod/quay', UpstreamRegistry: 'quay', UpstreamRegistryUrl: 'quay.io' },
    });
    const templates = t.findResources('AWS::ECR::RepositoryCreationTemplate');
    const policyId = s.getLogicalId(cache.node.findChild('CreationPolicy').node.defaultChild as CfnElement);
    for (const [id, rule] of Object.entries(rules)) {
      // the template of the same prefix exists before the rule can create a repository
      const [templateId] = rule.DependsOn;
      expect(rule.DependsOn).toHaveLength(1);
      expect(templates[templateId].Properties.Prefix).toBe(rule.Properties.EcrRepositoryPrefix);
      expect(templates[templateId].DependsOn).toEqual([policyId]);
      expect(id).toMatch(/^CacheRule/);
    }
    expect(cache.upstreams).toEqual([ImageUpstream.ECR_PUBLIC, ImageUpstream.KUBERNETES, ImageUpstream.QUAY]);
  });

  test('cached repositories get the cache key (retained), mutable tags, a lifecycle rule and tags, through the creation role', () => {
    const s = stack();
    const cache = new ImageCache(s, 'Cache', { repositoryNamespace: 'vision-prod', untaggedImageExpiration: Duration.days(7) });
    const t = Template.fromStack(s);
    const keyId = s.getLogicalId(cache.encryptionKey.node.defaultChild as CfnElement);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    const roleArn = { 'Fn::GetAtt': [s.getLogicalId(cache.creationRole.node.defaultChild as CfnElement), 'Arn'] };
    for (const template of Object.values(t.findResources('AWS::ECR::RepositoryCreationTemplate'))) {
      expect(template.Properties).toMatchObject({
        AppliedFor: ['PULL_THROUGH_CACHE'],
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        ImageTagMutability: 'MUTABLE',
        CustomRoleArn: roleArn,
        ResourceTags: [{ Key: 'mlops:image-cache', Value: 'vision-prod' }],
      });
      expect(JSON.parse(template.Properties.LifecyclePolicy).rules).toEqual([{
        rulePriority: 1, description: expect.any(String),
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
        action: { type: 'expire' },
      }]);
    }
    // ECR assumes the role; it creates and tags repositories of the namespace only, and grants on the key only
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecr.amazonaws.com' } }] } });
    const statements = bySid(grantStatements(t, cache.creationRole));
    expectStatement(statements.CreateCachedRepositories, { Sid: 'CreateCachedRepositories', Action: ['ecr:CreateRepository', 'ecr:TagResource'], Resource: ACCOUNT_ECR('repository/vision-prod/*') });
    expectStatement(statements.EncryptCachedRepositories, { Sid: 'EncryptCachedRepositories', Action: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(Object.keys(statements)).toHaveLength(2);
    // the key still refuses grants that are not for an AWS resource
    expect(resourcePolicyStatements(t, keyId).some((st) => st.Sid === 'DenyGrantsNotForAwsServices')).toBe(true);
  });

  test('a given key and tag mutability are used; no key is created', () => {
    const s = stack();
    const key = new kms.Key(s, 'Own');
    new ImageCache(s, 'Cache', { repositoryNamespace: 'vision-prod', encryptionKey: key, imageTagMutability: ecr.TagMutability.IMMUTABLE });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.allResourcesProperties('AWS::ECR::RepositoryCreationTemplate', { ImageTagMutability: 'IMMUTABLE', EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [s.getLogicalId(key.node.defaultChild as CfnElement), 'Arn'] } } });
  });

  test('Docker Hub and GHCR take their credentials secret; the others take none', () => {
    const s = stack();
    new ImageCache(s, 'Cache', {
      repositoryNamespace: 'vision-prod',
      upstreams: [
        ImageCacheUpstream.withCredentials(ImageUpstream.DOCKER_HUB, credentials(s)),
        ImageCacheUpstream.withCredentials(ImageUpstream.GITHUB_CONTAINER_REGISTRY, credentials(s, 'ecr-pullthroughcache/ghcr')),
      ],
    });
    const rules = Object.values(Template.fromStack(s).findResources('AWS::ECR::PullThroughCacheRule')).map((r) => r.Properties);
    // the complete ARN of each secret
    expect(rules).toEqual([
      { EcrRepositoryPrefix: 'vision-prod/docker', UpstreamRegistry: 'docker-hub', UpstreamRegistryUrl: 'registry-1.docker.io', CredentialArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-AbCdEf' },
      { EcrRepositoryPrefix: 'vision-prod/ghcr', UpstreamRegistry: 'github-container-registry', UpstreamRegistryUrl: 'ghcr.io', CredentialArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf' },
    ]);
    // a secret imported by name only: its (partial) ARN
    const s4 = stack();
    new ImageCache(s4, 'Cache', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.withCredentials(ImageUpstream.DOCKER_HUB, secretsmanager.Secret.fromSecretNameV2(s4, 'ByName', 'ecr-pullthroughcache/docker'))] });
    const [byName] = Object.values(Template.fromStack(s4).findResources('AWS::ECR::PullThroughCacheRule'));
    expect(JSON.stringify(s4.resolve(byName.Properties.CredentialArn))).toContain(':secret:ecr-pullthroughcache/docker"');
    // by ARN and by name, without a secret construct
    const s5 = stack();
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf';
    new ImageCache(s5, 'Cache', {
      repositoryNamespace: 'vision-prod',
      upstreams: [ImageCacheUpstream.withCredentialsArn(ImageUpstream.GITHUB_CONTAINER_REGISTRY, arn), ImageCacheUpstream.withCredentialsName(ImageUpstream.DOCKER_HUB, 'ecr-pullthroughcache/docker')],
    });
    const [ghcr, docker] = Object.values(Template.fromStack(s5).findResources('AWS::ECR::PullThroughCacheRule')).map((r) => r.Properties.CredentialArn);
    expect(ghcr).toBe(arn);
    expect(docker).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:ecr-pullthroughcache/docker']] });
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.withCredentialsArn(ImageUpstream.DOCKER_HUB, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf')] }),
      /invalid-upstream-credentials/);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.withCredentialsName(ImageUpstream.DOCKER_HUB, 'dockerhub')] }),
      /invalid-upstream-credentials/);

    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.of(ImageUpstream.DOCKER_HUB)] }), /missing-upstream-credentials.*Docker Hub/);
    const s2 = stack();
    expectValidationError(() => new ImageCache(s2, 'C', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.withCredentials(ImageUpstream.DOCKER_HUB, credentials(s2, 'dockerhub-token'))] }),
      /invalid-upstream-credentials.*ecr-pullthroughcache\/.*dockerhub-token/);
    const s3 = stack();
    expectValidationError(() => new ImageCache(s3, 'C', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.withCredentials(ImageUpstream.QUAY, credentials(s3))] }), /invalid-image-cache.*Quay takes no credentials/);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision-prod', upstreams: [ImageCacheUpstream.of(ImageUpstream.QUAY), ImageCacheUpstream.of(ImageUpstream.QUAY)] }), /invalid-image-cache.*twice/);
  });

  test('the namespace: 23 characters pass (the longest rule prefix is then 30), 24 fail; ECR name characters only', () => {
    new ImageCache(stack(), 'C', { repositoryNamespace: 'a'.repeat(23) });
    expect(ImageCacheNaming.rulePrefix('a'.repeat(23), ImageUpstream.DOCKER_HUB)).toHaveLength(30);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'a'.repeat(24) }), /invalid-image-cache.*namespace/);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'Vision' }), /invalid-image-cache/);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision/prod' }), /invalid-image-cache/);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'a' }), /invalid-image-cache/);
    // ECR's API takes single separators only
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision--prod' }), /invalid-image-cache/);
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision__prod' }), /invalid-image-cache/);
    new ImageCache(stack(), 'C', { repositoryNamespace: 'vision_prod.v2' });
    expectValidationError(() => new ImageCache(stack(), 'C', { repositoryNamespace: 'vision-prod', untaggedImageExpiration: Duration.hours(12) }), /invalid-duration.*untaggedImageExpiration/);
  });

  test('grantPull: read, import and create under the namespace, and the registry login', () => {
    const s = stack();
    const cache = ImageCache.fromImageCacheAttributes(s, 'Shared', { repositoryNamespace: 'platform', upstreams: [ImageUpstream.QUAY] });
    const role = new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    cache.grantPull(role);
    cache.grantPull(role);
    expectStatements(grantStatements(Template.fromStack(s), role), [
      { Action: PULL, Resource: ACCOUNT_ECR('repository/platform/*') },
      { Sid: 'EcrLogin', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    ]);
    // an imported cache creates nothing
    Template.fromStack(s).resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
    expectValidationError(() => ImageCache.fromImageCacheAttributes(stack(), 'X', { repositoryNamespace: 'Platform', upstreams: [] }), /invalid-image-cache/);
  });

  test('cachedImage: the reference in the cache, Docker Hub official images under library/', () => {
    const s = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const cache = new ImageCache(s, 'Cache', {
      repositoryNamespace: 'vision-prod',
      upstreams: [ImageCacheUpstream.of(ImageUpstream.KUBERNETES), ImageCacheUpstream.withCredentials(ImageUpstream.DOCKER_HUB, credentials(s))],
    });
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    expect(cache.registryHost).toBe(host);
    expect(cache.cachedImage('registry.k8s.io/kueue/kueue:v0.13.4')).toBe(`${host}/vision-prod/k8s/kueue/kueue:v0.13.4`);
    expect(cache.cachedImage('alpine:3.20')).toBe(`${host}/vision-prod/docker/library/alpine:3.20`);
    expect(cache.cachedImage('docker.io/library/alpine:3.20')).toBe(`${host}/vision-prod/docker/library/alpine:3.20`);
    expect(cache.cachedImage('pytorch/pytorch:2.7.1')).toBe(`${host}/vision-prod/docker/pytorch/pytorch:2.7.1`);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(cache.cachedImage(`registry.k8s.io/pause:3.10@${digest}`)).toBe(`${host}/vision-prod/k8s/pause:3.10@${digest}`);
    expectValidationError(() => cache.cachedImage('quay.io/prometheus/node-exporter:v1.8.2'), /image-not-cached.*add Quay/);
    expectValidationError(() => cache.cachedImage('nvcr.io/nvidia/k8s-device-plugin:v0.17.0'), /image-not-cached.*project's ECR repository/);
  });
});

describe('the image cache of a project', () => {
  const identity = { project: 'defect-detection', team: 'vision-ml', stage: 'prod', costCentre: 'CC-5120' };

  test('created with Kubernetes training: namespace from the identity, both node roles may pull through it', () => {
    const app = new App();
    const project = new MlProjectStack(app, 'P', { identity, training: ProjectTraining.kubernetes({}) });
    const t = Template.fromStack(project);
    expect(project.imageCache.repositoryNamespace).toBe('defect-detection-prod');
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 3);
    t.hasOutput('ImageCacheNamespace', { Value: 'defect-detection-prod' });
    const cluster = project.gpuCluster as GpuCluster;
    for (const role of [cluster.nodeRole, cluster.systemNodeRole]) {
      const statements = grantStatements(t, role).filter((st) => st.Action.some((a) => a.startsWith('ecr:')));
      expectStatements(statements, [
        { Action: PULL, Resource: ACCOUNT_ECR('repository/defect-detection-prod/*') },
        { Sid: 'EcrLogin', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      ]);
    }
    // the image repository a team pushes its training image to has a name manifests can use
    t.hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'defect-detection-prod' });
  });

  test('not created for projects without Kubernetes nodes; a given cache is used instead of a new one', () => {
    const plain = new MlProjectStack(new App(), 'Plain', { identity });
    Template.fromStack(plain).resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
    const app = new App();
    const shared = new Stack(app, 'Shared');
    const cache = new ImageCache(shared, 'Cache', { repositoryNamespace: 'platform' });
    const project = new MlProjectStack(app, 'P', { identity, imageCache: cache, training: ProjectTraining.kubernetes({}) });
    const t = Template.fromStack(project);
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
    expect(JSON.stringify(grantStatements(t, (project.gpuCluster as GpuCluster).nodeRole))).toContain('repository/platform/*');
  });

  test('a long project name gets a namespace cut to 23 characters with a hash, the same on every call', () => {
    const long = ProjectIdentity.of(new App(), { ...identity, project: 'automated-visual-inspection' });
    const ns = ImageCacheNaming.defaultNamespace(long);
    expect(ns).toMatch(/^automated-visual-[0-9a-f]{6}$/);
    expect(ns.length).toBeLessThanOrEqual(23);
    expect(ImageCacheNaming.defaultNamespace(ProjectIdentity.of(new App(), { ...identity, project: 'automated-visual-inspection' }))).toBe(ns);
    expect(ImageCacheNaming.defaultNamespace(ProjectIdentity.of(new App(), { ...identity, project: 'automated-visual-inspectors' }))).not.toBe(ns);
    // exactly 23 characters are kept as they are
    const fits = ProjectIdentity.of(new App(), { ...identity, project: 'a'.repeat(18) });
    expect(ImageCacheNaming.defaultNamespace(fits)).toBe(`${'a'.repeat(18)}-prod`);
    // repeated hyphens of a project name are collapsed
    expect(ImageCacheNaming.defaultNamespace(ProjectIdentity.of(new App(), { ...identity, project: 'defect--detection' }))).toBe('defect-detection-prod');
    expect(ImageCacheNaming.registryHost('123456789012', 'cn-north-1')).toBe('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn');
  });

  test('no stack creates a VPC for the cache alone', () => {
    const app = new App();
    const project = new MlProjectStack(app, 'P', { identity });
    expect(project.imageCache.repositoryNamespace).toBe('defect-detection-prod');
    Template.fromStack(project).resourceCountIs('AWS::EC2::VPC', 0);
  });
});
