import { App, CfnElement, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IDependable } from 'constructs';
import { AcceleratorInstanceType, GpuCluster, MlProjectStack, ProjectNetwork, ProjectTraining } from '../../lib/index';
import { expectValidationError } from '../support/errors';
import { expectStatements, grantStatements, resourcePolicyStatements } from '../support/iam';

describe('ProjectNetwork', () => {
  test('isolated subnets, endpoints, encrypted flow logs, a closed training security group', () => {
    const stack = new Stack(new App(), 'N');
    const network = new ProjectNetwork(stack, 'Net');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.resourceCountIs('AWS::EC2::Subnet', 2);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 12);
    t.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Training nodes'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: '-1', SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TrainingSecurityGroup'), 'GroupId'] } });
    expect(network.vpc.isolatedSubnets).toHaveLength(2);
    // flow log delivery: write to its own log group only, from this account only
    const role = network.node.findChild('FlowLogRole') as iam.Role;
    expectStatements(grantStatements(t, role), [{
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: stack.resolve(network.flowLogGroup.logGroupArn),
    }]);
    expect(stack.resolve(network.flowLogGroup.logGroupArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^NetFlowLogs/), 'Arn'] });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } })] },
    });
    // the flow log key: CloudWatch Logs of this region, for log groups of this account and region only
    const keyId = stack.getLogicalId(network.node.findChild('FlowLogKey').node.defaultChild as CfnElement);
    expectStatements(resourcePolicyStatements(t, keyId).filter((st) => JSON.stringify(st.Principal).includes('logs.')), [{
      Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']] } } },
    }]);
  });

  test('NAT gateways are an explicit, warned opt-in', () => {
    const stack = new Stack(new App(), 'N');
    new ProjectNetwork(stack, 'Net', { natGateways: 1, interfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API] });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 1);
    Annotations.fromStack(stack).hasWarning('/N/Net', Match.stringLikeRegexp('NAT gateway'));
  });

  test.each([
    [{ maxAzs: 2 }], [{ maxAzs: 6 }], [{ natGateways: 0 }], [{ natGateways: 2 }], [{ maxAzs: 3, natGateways: 3 }],
  ])('accepts %j (the edges of the limits)', (props) => {
    expect(() => new ProjectNetwork(new Stack(new App(), 'N'), 'Net', props)).not.toThrow();
  });

  test.each([
    [{ maxAzs: 1 }, /invalid-network.*maxAzs/],
    [{ maxAzs: 7 }, /invalid-network.*maxAzs/],
    [{ natGateways: 3 }, /invalid-network.*natGateways/],
    [{ maxAzs: 3, natGateways: 4 }, /invalid-network.*natGateways/],
    [{ natGateways: -1 }, /invalid-network.*natGateways/],
  ])('rejects %j', (props, pattern) => {
    expectValidationError(() => new ProjectNetwork(new Stack(new App(), 'N'), 'Net', props), pattern);
  });
});

const identity = { project: 'fraud-scoring', team: 'risk-ml', stage: 'prod', costCentre: 'CC-4711' };
const SQS = ec2.InterfaceVpcEndpointAwsService.SQS;
const endpointServices = (t: Template) => Object.values(t.findResources('AWS::EC2::VPCEndpoint'))
  .map((e) => JSON.stringify(e.Properties.ServiceName)).filter((n) => n.includes('sqs'));
const KUBECTL_SUBNETS = 'Annotation::@aws-cdk/aws-eks:isolatedSubnetsForKubectlPrivateSubnets';
/** Whether the kubectl-subnet warning of the project's cluster is acknowledged. */
function kubectlAcknowledged(stack: MlProjectStack): boolean {
  const cluster = (stack.gpuCluster as GpuCluster).cluster;
  return JSON.stringify(cluster.node.metadata).includes(KUBECTL_SUBNETS);
}

describe('ProjectNetwork.endpoints: what boot-time callers of AWS services wait for', () => {
  /** The logical ids a construct depending on `dependable` gets in its DependsOn. */
  const dependsOnOf = (stack: Stack, dependable: IDependable) => {
    const probe = new ec2.CfnSecurityGroup(stack, 'Probe', { groupDescription: 'probe' });
    probe.node.addDependency(dependable);
    const t = Template.fromStack(stack);
    return { t, deps: (Object.values(t.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'probe' } }))[0] as { DependsOn?: string[] }).DependsOn ?? [] };
  };

  test('the S3 gateway endpoint and every interface endpoint, the ones added later included, and nothing else', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const network = new ProjectNetwork(stack, 'Net', { interfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS] });
    network.addInterfaceEndpoint(SQS);
    const { t, deps } = dependsOnOf(stack, network.endpoints);
    const endpoints = Object.keys(t.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(3);
    expect([...deps].sort()).toEqual([...endpoints].sort());
    expect(deps).toEqual(expect.arrayContaining([expect.stringMatching(/^NetS3/), expect.stringMatching(/^NetEndpointlogs/), expect.stringMatching(/^NetEndpointsqs/)]));
  });

  test('an imported network: only the endpoints added to it', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.20.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    });
    const network = ProjectNetwork.fromProjectNetworkAttributes(stack, 'Net', {
      vpc, trainingSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0'), s3GatewayEndpoint: true,
    });
    network.addInterfaceEndpoint(SQS);
    const { t, deps } = dependsOnOf(stack, network.endpoints);
    expect(deps).toEqual(Object.keys(t.findResources('AWS::EC2::VPCEndpoint')));
    expect(deps).toHaveLength(1);
  });
});

describe('ProjectNetwork.fromProjectNetworkAttributes: an existing VPC as the project network', () => {
  const existing = (stack: Stack, attrs: { isolated?: boolean; interfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[]; s3GatewayEndpoint?: boolean } = {}) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.20.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');
    return ProjectNetwork.fromProjectNetworkAttributes(stack, 'Net', { vpc, trainingSecurityGroup: sg, ...attrs });
  };

  test('declared endpoints are known; an added one gets an endpoint group open to HTTPS from the VPC range only', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const network = existing(stack, { interfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.STS] });
    expect(network.isolated).toBe(true);
    expect(network.hasInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.STS)).toBe(true);
    expect(network.hasInterfaceEndpoint(SQS)).toBe(false);
    network.addInterfaceEndpoint(SQS);
    expect(network.hasInterfaceEndpoint(SQS)).toBe(true);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0123456789abcdef0', PrivateDnsEnabled: true, SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '10.20.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'HTTPS from the VPC' }],
    });
    expectValidationError(() => network.addInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.STS), /duplicate-endpoint.*Received: "sts"/);
  });

  test('Kubernetes training on it: SQS is added only when not declared; the kubectl-subnet warning is acknowledged only when every endpoint the cluster needs is there', () => {
    const all = [
      ec2.InterfaceVpcEndpointAwsService.STS, ec2.InterfaceVpcEndpointAwsService.EKS, ec2.InterfaceVpcEndpointAwsService.EKS_AUTH,
      ec2.InterfaceVpcEndpointAwsService.EC2, ec2.InterfaceVpcEndpointAwsService.ECR, ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      ec2.InterfaceVpcEndpointAwsService.SSM, ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    ];
    const project = (name: string, endpoints: ec2.InterfaceVpcEndpointAwsService[], isolated = true, s3GatewayEndpoint = true) => {
      const app = new App();
      const shared = new Stack(app, 'Shared', { env: { account: '111111111111', region: 'eu-west-1' } });
      return new MlProjectStack(app, name, {
        identity, env: { account: '111111111111', region: 'eu-west-1' },
        network: existing(shared, { interfaceEndpoints: endpoints, isolated, s3GatewayEndpoint }), training: ProjectTraining.kubernetes({ mountedZones: [] }),
      });
    };
    const complete = project('complete', [...all, SQS]);
    expect(endpointServices(Template.fromStack(complete.network.node.scope as Stack))).toEqual([]);
    expect(kubectlAcknowledged(complete)).toBe(true);

    const withoutSqs = project('without-sqs', all);
    expect(withoutSqs.network.hasInterfaceEndpoint(SQS)).toBe(true);
    expect(endpointServices(Template.fromStack(withoutSqs.network.node.scope as Stack))).toHaveLength(1);
    expect(kubectlAcknowledged(withoutSqs)).toBe(true);

    // one endpoint short: the warning stays for the user to see
    expect(kubectlAcknowledged(project('no-ecr', all.filter((s) => s !== ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER)))).toBe(false);
    // not isolated: the warning does not arise, and nothing is acknowledged
    expect(kubectlAcknowledged(project('egress', all, false))).toBe(false);
    // every interface endpoint, but no S3 gateway endpoint declared: image layers would not download
    expect(kubectlAcknowledged(project('no-s3', [...all, SQS], true, false))).toBe(false);
  });

  test('an imported VPC without its IPv4 range: adding an endpoint says what to pass, unless an endpoint group is given', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');
    const network = ProjectNetwork.fromProjectNetworkAttributes(stack, 'Net', { vpc, trainingSecurityGroup: sg });
    expectValidationError(() => network.addInterfaceEndpoint(SQS), /missing-vpc-cidr.*Received: "vpc-0123456789abcdef0".*vpcCidrBlock/);
    const endpointSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'EndpointSg', 'sg-0fedcba9876543210');
    const withGroup = ProjectNetwork.fromProjectNetworkAttributes(stack, 'Net2', { vpc, trainingSecurityGroup: sg, endpointSecurityGroup });
    withGroup.addInterfaceEndpoint(SQS);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', { SecurityGroupIds: ['sg-0fedcba9876543210'] });
  });
});

describe('MlProjectStack and its network', () => {
  test('the template-made network gets the SQS endpoint once, and the cluster acknowledges the kubectl-subnet warning', () => {
    const stack = new MlProjectStack(new App(), 'P', { identity, training: ProjectTraining.kubernetes() });
    expect(endpointServices(Template.fromStack(stack))).toHaveLength(1);
    expect(kubectlAcknowledged(stack)).toBe(true);
  });

  test('with a kubectl layer the isolated network also gets the Lambda endpoint the kubectl provider calls', () => {
    const app = new App();
    const kubectlLayer = lambda.LayerVersion.fromLayerVersionArn(new Stack(app, 'L'), 'Layer', 'arn:aws:lambda:eu-west-1:111111111111:layer:kubectl:1');
    const stack = new MlProjectStack(app, 'P', { identity, training: ProjectTraining.kubernetes({ mountedZones: [], kubectlLayer }) });
    expect(stack.network.hasInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.LAMBDA)).toBe(true);
    expect(kubectlAcknowledged(stack)).toBe(true);
    const without = new MlProjectStack(new App(), 'Q', { identity, training: ProjectTraining.kubernetes({ mountedZones: [] }) });
    expect(without.network.hasInterfaceEndpoint(ec2.InterfaceVpcEndpointAwsService.LAMBDA)).toBe(false);
  });

  test('a network that already lists SQS is not given a second endpoint', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity, networkProps: { interfaceEndpoints: [SQS, ec2.InterfaceVpcEndpointAwsService.ECR] },
      training: ProjectTraining.kubernetes({ mountedZones: [] }),
    });
    expect(endpointServices(Template.fromStack(stack))).toHaveLength(1);
    // that network lacks STS, EKS...: the warning is left for the user
    expect(kubectlAcknowledged(stack)).toBe(false);
  });

  test('a SageMaker-only project creates the network on first use, under the construct id it always had', () => {
    const stack = new MlProjectStack(new App(), 'P', {
      identity, training: ProjectTraining.sageMaker({ imageTag: 'v1', instanceType: AcceleratorInstanceType.G5_XLARGE }),
    });
    expect(stack.network.node.path).toBe('P/TrainingNetwork');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPC', 1);
    expect(Object.keys(t.findResources('AWS::EC2::VPC'))).toEqual([expect.stringMatching(/^TrainingNetwork[0-9A-F]{8}$/)]);
    expect(endpointServices(t)).toEqual([]);
  });
});
