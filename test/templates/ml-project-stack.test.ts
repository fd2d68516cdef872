import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Duration } from 'aws-cdk-lib';
import { Size } from 'aws-cdk-lib';
import {
  AcceleratorInstanceType, DatasetStore, GpuCluster, HyperPodInstanceType, HyperPodOrchestrator, HyperPodProjectTrainingOptions, HyperPodSlurmNodeType, ModelRegistry, MlProjectStack, ProjectTraining, TrainingCompute, ProjectNetwork,
} from '../../lib';
import { expectValidationError } from '../support/errors';
import { canonical, expectStatements, grantStatements, keyStatement } from '../support/iam';

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };

describe('MlProjectStack', () => {
  test('composes a dataset store and a registry named after the project, all tagged', () => {
    const stack = new MlProjectStack(new App(), 'P', { identity });
    expect(stack.datasets).toBeInstanceOf(DatasetStore);
    expect(stack.registry).toBeInstanceOf(ModelRegistry);
    expect(stack.registry.modelPackageGroupName).toBe('fraud-scoring-prod');
    const t = Template.fromStack(stack);
    const tags = [
      { Key: 'mlops:cost-centre', Value: 'CC-4711' },
      { Key: 'mlops:project', Value: 'fraud-scoring' },
      { Key: 'mlops:stage', Value: 'prod' },
      { Key: 'mlops:team', Value: 'risk-ml' },
    ];
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::ECR::Repository', 'AWS::SNS::Topic']) {
      const resources = Object.values(t.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) expect(r.Properties.Tags).toEqual(expect.arrayContaining(tags));
    }
    t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'fraud-scoring-prod',
      Tags: Match.arrayWith([{ Key: 'mlops:team', Value: 'risk-ml' }]),
    });
  });

  test('passes capability props through', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity,
      datasetStoreProps: { zones: ['bronze', 'silver', 'gold'] },
      registryProps: { modelPackageGroupName: 'custom-group', notifications: false },
    });
    expect(stack.datasets.zoneNames).toEqual(['bronze', 'silver', 'gold']);
    expect(stack.registry.modelPackageGroupName).toBe('custom-group');
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('accepts pre-built components and creates none of its own', () => {
    const app = new App();
    const shared = new Stack(app, 'Shared');
    const bucket = s3.Bucket.fromBucketName(shared, 'B', 'org-datasets');
    const store = DatasetStore.fromDatasetStoreAttributes(shared, 'Store', { bucket });
    const registry = ModelRegistry.fromModelRegistryAttributes(shared, 'Registry', {
      modelPackageGroupName: 'org-models',
      repository: ecr.Repository.fromRepositoryName(shared, 'Repo', 'org-models'),
      artifactBucket: s3.Bucket.fromBucketName(shared, 'Art', 'org-model-artifacts'),
    });
    const stack = new MlProjectStack(app, 'P', { identity, datasetStore: store, registry });
    expect(stack.datasets).toBe(store);
    expect(stack.registry).toBe(registry);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
  });

  test('rejects a bad identity with the field and the fix', () => {
    expectValidationError(() => new MlProjectStack(new App(), 'P', { identity: { ...identity, stage: 'Prod Stage' } }), /\[mlops:invalid-identity\] P: Project identity field "stage".*Received: "Prod Stage".*Fix: Set stage to a value such as "prod"/);
  });

  test('long project names still give valid SageMaker names', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity: { ...identity, project: 'a'.repeat(32), stage: 'b'.repeat(16) },
    });
    expect(stack.registry.modelPackageGroupName).toBe(`${'a'.repeat(32)}-${'b'.repeat(16)}`);
  });

  test('no training section by default', () => {
    const stack = new MlProjectStack(new App(), 'P', { identity });
    expect(stack.sageMakerTraining ?? stack.gpuCluster ?? stack.hyperPodCluster).toBeUndefined();
    // the network is created on first use, and nothing used it
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 0);
  });

  test('SageMaker training: network, job template reading features, spot checkpoints in the artifact bucket', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity,
      training: ProjectTraining.sageMaker({
        imageTag: 'v1', instanceType: AcceleratorInstanceType.G6E_2XLARGE, compute: TrainingCompute.spot(Duration.hours(30)),
      }),
    });
    expect(stack.network).toBeInstanceOf(ProjectNetwork);
    expect(stack.network.node.path).toBe('P/TrainingNetwork');
    expect(stack.gpuCluster).toBeUndefined();
    const request = stack.sageMakerTraining!.toCreateTrainingJobRequest('job');
    expect(JSON.stringify(request.InputDataConfig)).toContain('/features/');
    expect(JSON.stringify(request.CheckpointConfig)).toContain('/checkpoints/job/');
    expect(request.VpcConfig).toEqual({ Subnets: expect.any(Array), SecurityGroupIds: [expect.anything()] });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('Kubernetes training: a GPU cluster named after the project, administered by the given roles', () => {
    const stack = new MlProjectStack(new App(), 'P', { identity, training: ProjectTraining.kubernetes({ adminRoleArns: ['arn:aws:iam::111111111111:role/platform-admin'] }) });
    expect(stack.gpuCluster!.clusterName).toBe('fraud-scoring-prod');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EKS::Cluster', { Name: 'fraud-scoring-prod' });
    expect(JSON.stringify(t.findResources('AWS::EKS::AccessEntry'))).toContain(':role/platform-admin');
  });

  test('Kubernetes training: the S3 CSI driver reads the mounted zones and reads, writes and deletes checkpoints in its zone only', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity, datasetStoreProps: { zones: ['raw', 'features', 'checkpoints'] },
      training: ProjectTraining.kubernetes({ mountedZones: ['features', 'raw'], checkpointZone: 'checkpoints' }),
    });
    const t = Template.fromStack(stack);
    const csi = (stack.gpuCluster as GpuCluster).addS3CsiDriver(); // the driver installed by the binding
    const store = stack.datasets;
    const READ = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'];
    const LIST = ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'];
    const list = (prefix: string) => ({ Action: LIST, Resource: stack.resolve(store.bucket.bucketArn), Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } } });
    expectStatements(grantStatements(t, csi), [
      { Action: READ, Resource: stack.resolve(store.bucket.arnForObjects('features/*')) }, list('features/'), keyStatement(store.encryptionKey!, 'kms:Decrypt'),
      { Action: READ, Resource: stack.resolve(store.bucket.arnForObjects('raw/*')) }, list('raw/'), // (the identical decrypt statement is merged)
      {
        Action: [...READ, 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:DeleteObject'],
        Resource: stack.resolve(store.bucket.arnForObjects('checkpoints/*')),
      },
      list('checkpoints/'), keyStatement(store.encryptionKey!, 'kms:GenerateDataKey', 'kms:Decrypt'),
    ]);
  });

  test('Kubernetes training with S3 Express checkpoints: CreateSession on each directory bucket only, and the s3express gateway endpoint', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity, training: ProjectTraining.kubernetes({ mountedZones: [], checkpointDirectoryBuckets: ['ckpt--euw1-az1--x-s3'] }),
    });
    const t = Template.fromStack(stack);
    const csi = (stack.gpuCluster as GpuCluster).addS3CsiDriver();
    expectStatements(grantStatements(t, csi), [{
      Sid: 'CheckpointDirectoryBuckets', Action: ['s3express:CreateSession'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3express:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':bucket/ckpt--euw1-az1--x-s3']] },
    }]);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3express']] } });
    expectValidationError(() => new MlProjectStack(new App(), 'Q', { identity, training: ProjectTraining.kubernetes({ checkpointDirectoryBuckets: ['ckpt-bucket'] }) }),
      /invalid-directory-bucket.*checkpointDirectoryBuckets\[0\]/);
  });

  test('Kubernetes training without mounted zones or checkpoints installs no S3 CSI driver', () => {
    const stack = new MlProjectStack(new App(), 'P', { identity, training: ProjectTraining.kubernetes({ mountedZones: [] }) });
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::EKS::Addon')).map((a) => a.Properties.AddonName)).toEqual(['eks-pod-identity-agent']);
  });

  test('SageMaker training: spot checkpoints are read and written under checkpoints/ of the artifact bucket only', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity, training: ProjectTraining.sageMaker({ imageTag: 'v1', instanceType: AcceleratorInstanceType.G6E_2XLARGE, compute: TrainingCompute.spot(Duration.hours(30)) }),
    });
    const bucket = stack.registry.artifactBucket;
    const statements = grantStatements(Template.fromStack(stack), stack.sageMakerTraining!);
    const checkpoints = statements.filter((st) => JSON.stringify(st.Resource).includes('/checkpoints/') || JSON.stringify(st.Condition ?? {}).includes('checkpoints/'));
    expectStatements(checkpoints, [
      {
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging', 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: stack.resolve(bucket.arnForObjects('checkpoints/*')),
      },
      { Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], Resource: stack.resolve(bucket.bucketArn), Condition: { StringLike: { 's3:prefix': ['checkpoints/', 'checkpoints/*'] } } },
    ]);
    // the artifact bucket's key, for checkpoints and output alike
    expect(statements).toContainEqual(canonical(keyStatement(stack.registry.encryptionKey!, 'kms:GenerateDataKey', 'kms:Decrypt')));
  });

  test('networkProps configure the created network; a brought network is used as is', () => {
    const app = new App();
    const stack = new MlProjectStack(app, 'P', {
      identity,
      networkProps: { cidr: '10.80.0.0/16' },
      training: ProjectTraining.sageMaker({ imageTag: 'v1', instanceType: AcceleratorInstanceType.G5_XLARGE }),
    });
    const shared = new ProjectNetwork(new Stack(app, 'Network'), 'Net');
    const other = new MlProjectStack(app, 'Q', {
      identity: { ...identity, project: 'churn' }, network: shared,
      training: ProjectTraining.sageMaker({ imageTag: 'v1', instanceType: AcceleratorInstanceType.G5_XLARGE }),
    });
    expect(other.network).toBe(shared);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.80.0.0/16' });
    Template.fromStack(other).resourceCountIs('AWS::EC2::VPC', 0);
  });

  test('a team rename changes tags only: no create-only property of a fixed-name resource (the model package group description) carries the team', () => {
    const template = (team: string) => {
      const stack = new MlProjectStack(new App(), 'P', { identity: { ...identity, team }, training: ProjectTraining.kubernetes({ lustre: { zones: ['features'] } }) });
      const strip = (x: unknown): unknown => Array.isArray(x) ? x.map(strip)
        : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'Tags').map(([k, v]) => [k, strip(v)])) : x;
      return strip(Template.fromStack(stack).toJSON());
    };
    const before = template('risk-ml');
    expect(JSON.stringify(before)).not.toContain('risk-ml');
    expect(template('fraud-ml')).toEqual(before);
    const group = Object.values(Template.fromStack(new MlProjectStack(new App(), 'P', { identity })).findResources('AWS::SageMaker::ModelPackageGroup'))[0];
    expect(group.Properties.ModelPackageGroupDescription).toBe('Models of fraud-scoring (prod)');
  });

  test('HyperPod training: cluster named after the project, Slurm configured by HyperPod, the file system mounted, in its subnet, after the endpoints', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity,
      training: ProjectTraining.hyperPod({
        instanceGroups: [
          { instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.CONTROLLER },
          { instanceGroupName: 'workers', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE), instanceCount: 2 },
        ],
        lustre: { zones: ['features', 'curated'], storageCapacity: Size.gibibytes(2400) },
      }),
    });
    expect(stack.hyperPodCluster!.clusterName).toBe('fraud-scoring-prod');
    const t = Template.fromStack(stack);
    const lustre = stack.getLogicalId(stack.lustre!.node.defaultChild as CfnElement);
    const mount = { FsxLustreConfig: { DnsName: { 'Fn::GetAtt': [lustre, 'DNSName'] }, MountName: { 'Fn::GetAtt': [lustre, 'LustreMountName'] }, MountPath: '/fsx' } };
    t.hasResourceProperties('AWS::SageMaker::Cluster', {
      ClusterName: 'fraud-scoring-prod',
      NodeRecovery: 'Automatic',
      Orchestrator: { Slurm: { SlurmConfigStrategy: 'Managed' } },
      // no lifecycle scripts by default: nothing has to be uploaded before the cluster is created
      InstanceGroups: [
        Match.objectLike({ InstanceGroupName: 'controller', SlurmConfig: { NodeType: 'Controller' }, InstanceStorageConfigs: [mount], LifeCycleConfig: Match.absent() }),
        Match.objectLike({ InstanceType: 'ml.p5.48xlarge', InstanceCount: 2, SlurmConfig: { NodeType: 'Compute', PartitionNames: ['workers'] }, InstanceStorageConfigs: [mount], LifeCycleConfig: Match.absent() }),
      ],
      // only the file system's subnet: HyperPod cannot pick another zone
      VpcConfig: Match.objectLike({ Subnets: [stack.resolve(stack.lustre!.subnetId)] }),
    });
    t.hasResourceProperties('AWS::FSx::FileSystem', { FileSystemType: 'LUSTRE', StorageCapacity: 2400 });
    t.resourceCountIs('AWS::FSx::DataRepositoryAssociation', 2);
    t.hasResourceProperties('AWS::FSx::DataRepositoryAssociation', { FileSystemPath: '/datasets/features' });
    // created after the file system, its dataset links and every VPC endpoint of the network (S3 gateway, Logs...)
    const cluster = Object.values(t.findResources('AWS::SageMaker::Cluster'))[0] as { DependsOn: string[] };
    const ids = (type: string) => Object.keys(t.findResources(type));
    expect(cluster.DependsOn).toEqual(expect.arrayContaining([lustre, ...ids('AWS::FSx::DataRepositoryAssociation'), ...ids('AWS::EC2::VPCEndpoint')]));
    expect(ids('AWS::EC2::VPCEndpoint')).toEqual(expect.arrayContaining([expect.stringMatching(/^TrainingNetworkS3/), expect.stringMatching(/^TrainingNetworkEndpointlogs/)]));
    // what a manual mount needs
    t.hasOutput('LustreDnsName', { Value: { 'Fn::GetAtt': [lustre, 'DNSName'] } });
    t.hasOutput('LustreMountName', { Value: { 'Fn::GetAtt': [lustre, 'LustreMountName'] } });
  });

  test('HyperPod training with the team\'s lifecycle scripts: read from the named zone', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity,
      training: ProjectTraining.hyperPod({
        lifecycleScriptsZone: 'curated',
        instanceGroups: [{ instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.CONTROLLER }],
      }),
    });
    const groups = Template.fromStack(stack).findResources('AWS::SageMaker::Cluster');
    const group = (Object.values(groups)[0] as { Properties: { InstanceGroups: { LifeCycleConfig: { OnCreate: string; SourceS3Uri: unknown } }[] } }).Properties.InstanceGroups[0];
    expect(group.LifeCycleConfig.OnCreate).toBeUndefined();
    expect((group.LifeCycleConfig as unknown as { OnInitComplete: string }).OnInitComplete).toBe('on_create.sh');
    expect(JSON.stringify(group.LifeCycleConfig.SourceS3Uri)).toContain('/curated/lifecycle-scripts/');
  });

  test('HyperPod training on EKS: the library\'s node script is uploaded to the curated zone before the cluster, unless the team names its zone', () => {
    const eks = (options: Partial<HyperPodProjectTrainingOptions> = {}) => Template.fromStack(new MlProjectStack(new App(), 'P', {
      identity,
      training: ProjectTraining.hyperPod({
        orchestrator: HyperPodOrchestrator.eksClusterArn('arn:aws:eks:eu-west-1:111111111111:cluster/training'),
        instanceGroups: [{ instanceGroupName: 'workers', instanceType: HyperPodInstanceType.accelerated(AcceleratorInstanceType.P5_48XLARGE), instanceCount: 2, ebsVolumeSize: Size.gibibytes(500) }],
        ...options,
      }),
    }));
    const t = eks();
    const [[deploymentId, deployment]] = Object.entries(t.findResources('Custom::CDKBucketDeployment'));
    expect(deployment.Properties.DestinationBucketKeyPrefix).toBe('curated/lifecycle-scripts/');
    const [cluster] = Object.values(t.findResources('AWS::SageMaker::Cluster'));
    expect(cluster.DependsOn).toEqual(expect.arrayContaining([deploymentId]));
    expect(cluster.Properties.InstanceGroups[0].LifeCycleConfig.OnCreate).toBe('on_create.sh');
    // the team's scripts, uploaded by the team: nothing to deploy
    const own = eks({ lifecycleScriptsZone: 'features' });
    own.resourceCountIs('Custom::CDKBucketDeployment', 0);
    expect(JSON.stringify(Object.values(own.findResources('AWS::SageMaker::Cluster'))[0].Properties.InstanceGroups[0].LifeCycleConfig.SourceS3Uri)).toContain('/features/lifecycle-scripts/');
    // Slurm uploads nothing unless asked
    const slurm = Template.fromStack(new MlProjectStack(new App(), 'S', {
      identity,
      training: ProjectTraining.hyperPod({
        instanceGroups: [{ instanceGroupName: 'controller', instanceType: HyperPodInstanceType.M5_2XLARGE, instanceCount: 1, slurmNodeType: HyperPodSlurmNodeType.CONTROLLER }],
      }),
    }));
    slurm.resourceCountIs('Custom::CDKBucketDeployment', 0);
    expect(Object.values(slurm.findResources('AWS::SageMaker::Cluster'))[0].Properties.InstanceGroups[0].LifeCycleConfig).toBeUndefined();
  });

  test('Kubernetes training with FSx: the file system admits the training security group', () => {
    const stack = new MlProjectStack(new App(), 'P', { identity, training: ProjectTraining.kubernetes({ lustre: { zones: ['features'] } }) });
    expect(stack.lustre).toBeDefined();
    expect(stack.gpuCluster!.nodeRoleName).toBe('KarpenterNode-fraud-scoring-prod');
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 988, ToPort: 988,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TrainingNetworkTrainingSecurityGroup'), 'GroupId'] },
    });
  });
});
