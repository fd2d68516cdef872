import { Annotations, ArnFormat, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, DependencyGroup, IConstruct, IDependable } from 'constructs';
import { ValidationError } from '../core/errors';
import { allowLogsToUseKey, createDataKey } from '../private/keys';
import { acknowledgeGroupSourcedRule } from '../private/security-groups';
import { acknowledge } from '../private/acknowledgments';

/** Properties of a {@link ProjectNetwork}. */
export interface ProjectNetworkProps {
  /**
   * Availability zones to spread subnets over (SageMaker, HyperPod, FSx and EKS want at least 2).
   *
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * IPv4 range of the VPC: /16 to /28, holding a /19 training subnet per zone (8192 addresses) and,
   * with NAT gateways, a /24 egress subnet per zone. Two zones need at least a /18.
   *
   * @default '10.64.0.0/16'
   */
  readonly cidr?: string;
  /**
   * NAT gateways for outbound internet access (package mirrors, public model hubs). With 0 the
   * training subnets are isolated and reach AWS services only through VPC endpoints.
   * Any other value leaves a warning: training code can then send data out.
   *
   * @default 0
   */
  readonly natGateways?: number;
  /**
   * Interface endpoints to create, in addition to the S3 gateway endpoint.
   *
   * @default - ECR (api, dkr), STS, CloudWatch Logs and Monitoring, SageMaker API, SSM (+ messages), EKS, EKS Auth, EC2
   */
  readonly interfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];
  /**
   * Retention of the VPC flow logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Key for the flow log group.
   *
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

/** Subnet sizes: /19 (8192 addresses) per zone for training nodes and their pods, /24 for NAT. */
const TRAINING_SUBNET_MASK = 19;
const EGRESS_SUBNET_MASK = 24;
/** A VPC's IPv4 range: /16 to /28 (Amazon VPC user guide, "VPC CIDR blocks"). */
const MIN_VPC_MASK = 16;
const MAX_VPC_MASK = 28;

const DEFAULT_ENDPOINTS = [
  ec2.InterfaceVpcEndpointAwsService.ECR,
  ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  ec2.InterfaceVpcEndpointAwsService.STS,
  ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
  ec2.InterfaceVpcEndpointAwsService.SSM,
  ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  ec2.InterfaceVpcEndpointAwsService.EKS,
  ec2.InterfaceVpcEndpointAwsService.EKS_AUTH,
  ec2.InterfaceVpcEndpointAwsService.EC2,
];

/**
 * The network a project's workloads share (training, serving, edge back ends), as capabilities
 * see it. Build one with {@link ProjectNetwork}, or bring an existing VPC with
 * `ProjectNetwork.fromProjectNetworkAttributes()`.
 */
export interface IProjectNetwork extends IConstruct {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** Private subnets for workloads: training instances, FSx, cluster nodes, endpoints. */
  readonly workloadSubnets: ec2.SubnetSelection;
  /** Security group of training nodes: all traffic among members (NCCL, EFA, Lustre), HTTPS out. */
  readonly trainingSecurityGroup: ec2.ISecurityGroup;
  /** Whether the workload subnets have no route to the internet (AWS services only through endpoints). */
  readonly isolated: boolean;
  /**
   * Whether the workload subnets reach S3 through a gateway endpoint (image layers from ECR and
   * datasets in isolated subnets need it).
   */
  readonly hasS3GatewayEndpoint: boolean;
  /**
   * The VPC endpoints this network created (the S3 gateway endpoint and every interface endpoint,
   * those added later included). A workload that calls AWS services as it boots (HyperPod nodes
   * fetching lifecycle scripts and writing logs) depends on it, so it is not created before the
   * endpoints exist. Empty for an imported network, whose endpoints exist already.
   */
  readonly endpoints: IDependable;
  /** Whether the network has an interface endpoint for `service` (created here or declared on import). */
  hasInterfaceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): boolean;
  /**
   * Adds an interface endpoint for `service` in the workload subnets (private DNS, HTTPS from the
   * VPC). Fails with `duplicate-endpoint` when the network has one already: private DNS allows one
   * per VPC (check `hasInterfaceEndpoint()` first).
   */
  addInterfaceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): ec2.IInterfaceVpcEndpoint;
}

/** An existing network, for {@link ProjectNetwork.fromProjectNetworkAttributes}. */
export interface ProjectNetworkAttributes {
  /** The VPC (for example from `ec2.Vpc.fromVpcAttributes()`). */
  readonly vpc: ec2.IVpc;
  /**
   * Private subnets for workloads.
   *
   * @default - the VPC's isolated subnets
   */
  readonly workloadSubnets?: ec2.SubnetSelection;
  /** The security group training nodes share (it should allow all traffic among its members). */
  readonly trainingSecurityGroup: ec2.ISecurityGroup;
  /**
   * Whether the workload subnets have no route to the internet.
   *
   * @default true
   */
  readonly isolated?: boolean;
  /**
   * Interface endpoints (with private DNS) the VPC already has, so capabilities do not add them again.
   *
   * @default - none
   */
  readonly interfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];
  /**
   * Whether the workload subnets' route tables have an S3 gateway endpoint.
   *
   * @default false
   */
  readonly s3GatewayEndpoint?: boolean;
  /**
   * Security group of the interface endpoints capabilities add (it must allow HTTPS from the workloads).
   *
   * @default - a new group allowing HTTPS from the VPC's IPv4 range
   */
  readonly endpointSecurityGroup?: ec2.ISecurityGroup;
}

/** Construct id of a service's interface endpoint under the VPC (one per service). */
function endpointId(service: ec2.InterfaceVpcEndpointAwsService): string {
  return `Endpoint-${service.shortName.replace(/[^a-zA-Z0-9]/g, '-')}`;
}

/** What every project network does: endpoint bookkeeping. */
abstract class ProjectNetworkBase extends Construct implements IProjectNetwork {
  public abstract readonly vpc: ec2.IVpc;
  public abstract readonly workloadSubnets: ec2.SubnetSelection;
  public abstract readonly trainingSecurityGroup: ec2.ISecurityGroup;
  public abstract readonly isolated: boolean;
  public abstract readonly hasS3GatewayEndpoint: boolean;
  private readonly endpointDependencies = new DependencyGroup();
  public readonly endpoints: IDependable = this.endpointDependencies;
  private readonly endpointServices = new Set<string>();

  public hasInterfaceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): boolean {
    return this.endpointServices.has(service.shortName);
  }

  /** Adds an interface endpoint in the workload subnets (HTTPS from the VPC only). */
  public addInterfaceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): ec2.IInterfaceVpcEndpoint {
    if (this.hasInterfaceEndpoint(service)) {
      // aws-cdk-lib would fail with a duplicate construct id, or EC2 on a second private DNS name.
      throw new ValidationError({
        code: 'duplicate-endpoint', scope: this,
        message: 'interfaceEndpoints: the network already has an interface endpoint for this service (private DNS allows one per VPC).',
        received: service.shortName, fix: 'List each service once in interfaceEndpoints, do not add the defaults again, and check hasInterfaceEndpoint() before adding.',
      });
    }
    this.endpointServices.add(service.shortName);
    const endpoint = this.vpc.addInterfaceEndpoint(endpointId(service), {
      service, subnets: this.workloadSubnets, securityGroups: [this.endpointSecurityGroup()], privateDnsEnabled: true, open: false,
    });
    this.endpointDependencies.add(endpoint);
    return endpoint;
  }

  /** Makes `endpoints` include a gateway endpoint this network created. */
  protected addEndpointDependency(endpoint: IConstruct): void {
    this.endpointDependencies.add(endpoint);
  }

  /** Records an endpoint that exists outside this construct. */
  protected declareEndpoint(service: ec2.InterfaceVpcEndpointAwsService): void {
    this.endpointServices.add(service.shortName);
  }

  protected abstract endpointSecurityGroup(): ec2.ISecurityGroup;
}

class ImportedProjectNetwork extends ProjectNetworkBase {
  public readonly vpc: ec2.IVpc;
  public readonly workloadSubnets: ec2.SubnetSelection;
  public readonly trainingSecurityGroup: ec2.ISecurityGroup;
  public readonly isolated: boolean;
  public readonly hasS3GatewayEndpoint: boolean;
  private endpointGroup?: ec2.ISecurityGroup;

  constructor(scope: Construct, id: string, attrs: ProjectNetworkAttributes) {
    super(scope, id);
    this.vpc = attrs.vpc;
    this.workloadSubnets = attrs.workloadSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.trainingSecurityGroup = attrs.trainingSecurityGroup;
    this.isolated = attrs.isolated ?? true;
    this.hasS3GatewayEndpoint = attrs.s3GatewayEndpoint ?? false;
    this.endpointGroup = attrs.endpointSecurityGroup;
    for (const service of attrs.interfaceEndpoints ?? []) this.declareEndpoint(service);
  }

  protected endpointSecurityGroup(): ec2.ISecurityGroup {
    if (!this.endpointGroup) {
      let cidr: string;
      try {
        cidr = this.vpc.vpcCidrBlock;
      } catch {
        // an imported VPC without vpcCidrBlock: aws-cdk-lib's error names neither the network nor the fix
        throw new ValidationError({
          code: 'missing-vpc-cidr', scope: this,
          message: 'An interface endpoint needs a security group that admits HTTPS from the workloads, and the imported VPC has no IPv4 range to build it from.',
          received: this.vpc.vpcId, fix: 'Pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes(), or give endpointSecurityGroup (a group that allows HTTPS from the workloads).',
        });
      }
      const group = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc, description: 'VPC interface endpoints: HTTPS from the VPC', allowAllOutbound: false,
      });
      group.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      this.endpointGroup = group;
    }
    return this.endpointGroup;
  }
}

/**
 * The network GPU training runs in: a VPC whose training subnets have no route to the internet
 * (unless NAT gateways are asked for), VPC endpoints for the AWS services training needs, flow
 * logs to an encrypted log group, and a security group for training nodes that allows all traffic
 * between its members (NCCL, EFA, Lustre) and nothing from outside.
 */
export class ProjectNetwork extends ProjectNetworkBase {
  /** An existing VPC as a project network. */
  public static fromProjectNetworkAttributes(scope: Construct, id: string, attrs: ProjectNetworkAttributes): IProjectNetwork {
    return new ImportedProjectNetwork(scope, id, attrs);
  }

  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** Subnets for training instances, FSx and cluster nodes. */
  public readonly workloadSubnets: ec2.SubnetSelection;
  /**
   * Security group of training nodes: all traffic among members, HTTPS out (in isolated subnets
   * only the VPC endpoints and S3 are reachable).
   */
  public readonly trainingSecurityGroup: ec2.ISecurityGroup;
  /** Log group of the flow logs. */
  public readonly flowLogGroup: logs.LogGroup;
  public readonly isolated: boolean;
  /** Always: the VPC is created with an S3 gateway endpoint. */
  public readonly hasS3GatewayEndpoint: boolean = true;

  private readonly endpointGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ProjectNetworkProps = {}) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    const natGateways = props.natGateways ?? 0;
    if (!Number.isInteger(maxAzs) || maxAzs < 2 || maxAzs > 6) {
      throw new ValidationError({
        code: 'invalid-network', scope: this,
        message: 'maxAzs must be a whole number from 2 to 6: FSx, EKS and HyperPod need subnets in at least two zones.',
        received: maxAzs, fix: 'Use maxAzs: 2 or 3.',
      });
    }
    if (!Number.isInteger(natGateways) || natGateways < 0 || natGateways > maxAzs) {
      throw new ValidationError({
        code: 'invalid-network', scope: this,
        message: `natGateways must be a whole number from 0 to maxAzs (${maxAzs}).`,
        received: natGateways, fix: 'Use 0 (isolated, the default) or 1 per zone.',
      });
    }
    const isolated = natGateways === 0;
    this.isolated = isolated;
    const subnetType = isolated ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS;
    const subnetConfiguration: ec2.SubnetConfiguration[] = [{ name: 'training', subnetType, cidrMask: TRAINING_SUBNET_MASK }];
    if (!isolated) {
      subnetConfiguration.push({ name: 'egress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: EGRESS_SUBNET_MASK, mapPublicIpOnLaunch: false });
      Annotations.of(this).addWarningV2('mlops-constructs:training-egress',
        `The training network has ${natGateways} NAT gateway(s): training code can reach the internet and send data out.`);
    }

    const cidr = props.cidr ?? '10.64.0.0/16';
    if (!Token.isUnresolved(cidr)) {
      // The VPC takes the first maxAzs zones of the stack (two for an environment-agnostic stack).
      const zones = Math.min(maxAzs, Stack.of(this).availabilityZones.length);
      this.validateCidr(cidr, subnetConfiguration.map((c) => ({ name: c.name, mask: c.cidrMask!, count: zones })));
    }
    this.vpc = new ec2.Vpc(this, 'Resource', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs,
      natGateways,
      subnetConfiguration,
      // Removing the default security group's rules needs a custom resource; nothing uses that group.
      restrictDefaultSecurityGroup: false,
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.addEndpointDependency(this.vpc.node.findChild('S3'));
    this.workloadSubnets = { subnetType };

    const key = props.encryptionKey ?? createDataKey(this, 'FlowLogKey', `Flow logs of ${this.node.path}`, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    // CloudFormation names the flow log group, and its ARN would make the key policy refer to the
    // log group, which refers to the key: the statement names this account's log groups instead.
    allowLogsToUseKey(this, key, {
      logGroupArn: Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      logGroup: 'the flow log group', warningId: 'flow-log-key-policy',
    });
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // Flow logs through L1 resources so the delivery role's permissions sit in a managed policy.
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Delivers the flow logs of ${this.node.path}`,
    });
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      roles: [flowLogRole],
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.flowLogGroup.logGroupArn],
      })],
    });
    new ec2.CfnFlowLog(this, 'FlowLog', {
      resourceId: this.vpc.vpcId,
      resourceType: 'VPC',
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logGroupName: this.flowLogGroup.logGroupName,
      deliverLogsPermissionArn: flowLogRole.roleArn,
    });

    this.trainingSecurityGroup = new ec2.SecurityGroup(this, 'TrainingSecurityGroup', {
      vpc: this.vpc,
      description: 'Training nodes: all traffic among members (NCCL, EFA, Lustre), HTTPS out to AWS endpoints',
      allowAllOutbound: false,
    });
    this.trainingSecurityGroup.addIngressRule(this.trainingSecurityGroup, ec2.Port.allTraffic(), 'Members of the training group');
    const selfIngress = this.trainingSecurityGroup.node.tryFindChild(`from ${Names.nodeUniqueId(this.trainingSecurityGroup.node)}:ALL TRAFFIC`);
    if (selfIngress) {
      const reason = 'The only source is the training security group itself: EFA and NCCL need all ports open between members; no address range is open.';
      acknowledgeGroupSourcedRule(selfIngress, reason);
    }
    this.trainingSecurityGroup.addEgressRule(this.trainingSecurityGroup, ec2.Port.allTraffic(), 'Members of the training group');
    // HTTPS out: to the interface endpoints and to S3 through the gateway endpoint (S3 has no
    // fixed addresses). Isolated subnets have no other route, so nothing else is reachable.
    this.trainingSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS service endpoints');

    const endpointSg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'VPC interface endpoints: HTTPS from the VPC',
      allowAllOutbound: false,
    });
    endpointSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    this.endpointGroup = endpointSg;
    for (const service of props.interfaceEndpoints ?? DEFAULT_ENDPOINTS) this.addInterfaceEndpoint(service);

    const defaultSg = 'Closing the default security group needs a custom resource (Lambda); no resource of this network is placed in the default group.';
    acknowledge(this.vpc,
      { id: 'NIST.800.53.R5::NIST.800.53.R5-VPCDefaultSecurityGroupClosed', reason: defaultSg },
      { id: 'HIPAA.Security::HIPAA.Security-VPCDefaultSecurityGroupClosed', reason: defaultSg },
      { id: 'PCI.DSS.321::PCI.DSS.321-VPCDefaultSecurityGroupClosed', reason: defaultSg },
    );
  }

  /**
   * Rejects a VPC range EC2 would not create, or one too small for the subnets asked for, before
   * aws-cdk-lib's "has no room" error (which names neither the prop nor the sizes).
   */
  private validateCidr(cidr: string, groups: Array<{ name: string; mask: number; count: number }>): void {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const octets = m ? m.slice(1, 5).map(Number) : [];
    if (!m || octets.some((o) => o > 255)) {
      throw new ValidationError({
        code: 'invalid-cidr', scope: this,
        message: 'cidr must be an IPv4 range in CIDR notation, a.b.c.d/n.',
        received: cidr, fix: 'Use a private range such as "10.64.0.0/16".',
      });
    }
    const mask = Number(m[5]);
    if (mask < MIN_VPC_MASK || mask > MAX_VPC_MASK) {
      throw new ValidationError({
        code: 'invalid-cidr', scope: this,
        message: `cidr: a VPC's IPv4 range is /${MIN_VPC_MASK} to /${MAX_VPC_MASK}.`,
        received: cidr, fix: `Use a mask from /${MIN_VPC_MASK} to /${MAX_VPC_MASK}, for example "10.64.0.0/16".`,
      });
    }
    const address = octets.reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - mask);
    if (address % size !== 0) {
      const base = address - (address % size);
      throw new ValidationError({
        code: 'invalid-cidr', scope: this,
        message: `cidr: the address has host bits set for a /${mask} range, so the subnets would be carved outside it.`,
        received: cidr, fix: `Use the network address of the range, "${[24, 16, 8, 0].map((b) => Math.floor(base / 2 ** b) % 256).join('.')}/${mask}".`,
      });
    }
    const needed = groups.reduce((sum, g) => sum + g.count * 2 ** (32 - g.mask), 0);
    if (needed > size) {
      // The smallest VPC mask that holds them: subnets are allocated in order, each aligned.
      const fits = 32 - Math.ceil(Math.log2(needed));
      throw new ValidationError({
        code: 'cidr-too-small', scope: this,
        message: `cidr: a /${mask} range holds ${size} addresses, but the subnets need ${needed} (${groups.map((g) => `${g.count} x /${g.mask} ${g.name}`).join(' + ')}).`,
        received: { cidr, maxAzs: groups[0].count },
        fix: `Use a range of /${Math.max(MIN_VPC_MASK, fits)} or larger (e.g. "10.64.0.0/16"), or fewer Availability Zones.`,
      });
    }
  }

  protected endpointSecurityGroup(): ec2.ISecurityGroup {
    return this.endpointGroup;
  }
}
