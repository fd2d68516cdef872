import { ArnFormat, CfnOutput, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { ManagedPolicyGrantee } from '../compliance/managed-policy-grantee';
import { IImageCache } from '../network/image-cache';
import { IProjectNetwork } from '../network/project-network';
import { acknowledgeDeploymentFunction, acknowledgePlainLogGroup } from '../private/acknowledgments';
import { IMAGE_CACHE_PULL_WILDCARDS } from '../private/grants';
import { acknowledgeInherentWildcards } from '../private/iam';
import { IGpuCluster } from '../training/gpu-cluster';

/** An Argo CD role of the EKS capability. */
export enum ArgoCdRole {
  /** Full administration. */
  ADMIN = 'ADMIN',
  /** Edit Applications and projects. */
  EDITOR = 'EDITOR',
  /** Read only. */
  VIEWER = 'VIEWER',
}

/** The kind of an IAM Identity Center identity. */
export enum IdentityCenterIdentityType {
  /** A user. */
  USER = 'SSO_USER',
  /** A group. */
  GROUP = 'SSO_GROUP',
}

/** IAM Identity Center users or groups that get an Argo CD role. */
export interface ArgoCdRoleMapping {
  /** The Argo CD role. */
  readonly role: ArgoCdRole;
  /** Identity Center user or group ids. */
  readonly identityIds: string[];
  /**
   * Whether the ids are of users or groups.
   *
   * @default IdentityCenterIdentityType.GROUP
   */
  readonly identityType?: IdentityCenterIdentityType;
}

/** Properties of an {@link ArgoCdCapability}. */
export interface ArgoCdCapabilityProps {
  /** The cluster Argo CD deploys to. */
  readonly cluster: IGpuCluster;
  /**
   * ARN of the IAM Identity Center instance Argo CD users sign in with (the capability has no
   * local users): `arn:aws:sso:::instance/ssoins-...`.
   *
   * @default - a stack parameter `ArgoCdIdentityCenterInstanceArn`, which the deployment must give
   */
  readonly identityCenterInstanceArn?: string;
  /**
   * Region of the Identity Center instance.
   *
   * @default - the stack's region
   */
  readonly identityCenterRegion?: string;
  /**
   * Who may use Argo CD, with which role.
   *
   * @default - nobody until mappings are added (Applications sync all the same)
   */
  readonly roleMappings?: ArgoCdRoleMapping[];
  /**
   * Network whose interface endpoint (`eks-capabilities`) makes the Argo CD API and UI private:
   * reachable from the VPC only, no longer from the internet.
   *
   * @default - the API and UI are public (sign-in through Identity Center)
   */
  readonly network?: IProjectNetwork;
  /**
   * Pull-through cache the add-ons' Helm charts come from: the capability's role may pull
   * through it (Argo CD pulls charts from outside the VPC, so their first pull needs nothing more).
   *
   * @default - no cache access
   */
  readonly imageCache?: IImageCache;
  /**
   * Name of the capability.
   *
   * @default 'argocd'
   */
  readonly capabilityName?: string;
}

const IDC_INSTANCE_ARN = /^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;
/** The namespace the capability's Argo CD watches for Applications and AppProjects. */
const ARGOCD_NAMESPACE = 'argocd';
/** Kubernetes permissions the add-ons need (CRDs, cluster roles, webhooks): the cluster admin access policy. */
const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy';

/**
 * The EKS managed Argo CD capability (`AWS::EKS::Capability`, type ARGOCD) of a GPU cluster:
 * Argo CD run by AWS outside the cluster (no pods, no images to pull for it), signing users in
 * through IAM Identity Center, syncing Applications from the `argocd` namespace.
 *
 * It creates the capability's role (trusted by `capabilities.eks.amazonaws.com`), lets it pull the
 * add-ons' Helm charts through the project's pull-through cache, makes its API private with an
 * `eks-capabilities` interface endpoint when given a network, and gives the role the cluster
 * admin access policy: the access entry EKS creates for it carries only Argo CD's own policies,
 * which deploy nothing. The association is made by an AWS API call after the capability exists
 * (a custom resource: CloudFormation has no resource for a policy on an access entry it did not
 * create). Removing the capability leaves what Argo CD deployed in place (`RETAIN`, the only
 * delete propagation EKS offers).
 */
export class ArgoCdCapability extends Construct {
  /** The capability resource. */
  public readonly capability: eks.CfnCapability;
  /** The role Argo CD acts as. */
  public readonly role: iam.Role;
  /** Namespace of Argo CD's Applications and AppProjects. */
  public readonly argoCdNamespace: string = ARGOCD_NAMESPACE;
  /** The interface endpoint of the private API, when a network was given. */
  public readonly endpoint?: ec2.IInterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: ArgoCdCapabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const instanceArn = props.identityCenterInstanceArn ?? new CfnParameter(stack, 'ArgoCdIdentityCenterInstanceArn', {
      type: 'String',
      description: 'ARN of the IAM Identity Center instance Argo CD users sign in with (arn:aws:sso:::instance/ssoins-...)',
      allowedPattern: IDC_INSTANCE_ARN.source,
      constraintDescription: 'must be an IAM Identity Center instance ARN, arn:aws:sso:::instance/ssoins-<16 characters>',
    }).valueAsString;
    if (!Token.isUnresolved(instanceArn) && !IDC_INSTANCE_ARN.test(instanceArn)) {
      throw new ValidationError({
        code: 'invalid-identity-center-instance', scope: this,
        message: 'identityCenterInstanceArn is not an IAM Identity Center instance ARN; the Argo CD capability signs users in through Identity Center only.',
        received: instanceArn, fix: 'Give the ARN from `aws sso-admin list-instances` (arn:aws:sso:::instance/ssoins-...).',
      });
    }
    const capabilityName = props.capabilityName ?? 'argocd';
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(capabilityName)) {
      throw new ValidationError({
        code: 'invalid-name', scope: this,
        message: 'capabilityName must be 1-100 letters, digits, "-" and "_", starting with a letter or digit.',
        received: capabilityName, fix: 'Use "argocd".',
      });
    }
    const mappings = props.roleMappings ?? [];
    for (const m of mappings) {
      if (m.identityIds.length === 0) {
        throw new ValidationError({
          code: 'invalid-role-mapping', scope: this,
          message: `The ${m.role} mapping lists no Identity Center identity.`,
          received: m, fix: 'Give the ids of the users or groups that get the role, or leave the mapping out.',
        });
      }
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('capabilities.eks.amazonaws.com').withSessionTags(),
      description: `The EKS Argo CD capability of ${props.cluster.clusterName}`,
    });
    const dependencies: Construct[] = [this.role];
    if (props.imageCache) {
      const grantee = new ManagedPolicyGrantee(this, 'ChartPolicy', { role: this.role, description: `Helm charts Argo CD of ${props.cluster.clusterName} pulls through the image cache` });
      props.imageCache.grantPull(grantee);
      acknowledgeInherentWildcards(grantee.policy, IMAGE_CACHE_PULL_WILDCARDS);
      dependencies.push(grantee.policy);
    }
    if (props.network) {
      const service = new ec2.InterfaceVpcEndpointAwsService('eks-capabilities');
      if (!props.network.hasInterfaceEndpoint(service)) this.endpoint = props.network.addInterfaceEndpoint(service);
    }

    this.capability = new eks.CfnCapability(this, 'Resource', {
      capabilityName,
      clusterName: props.cluster.clusterName,
      type: 'ARGOCD',
      roleArn: this.role.roleArn,
      deletePropagationPolicy: 'RETAIN',
      configuration: {
        argoCd: {
          awsIdc: { idcInstanceArn: instanceArn, idcRegion: props.identityCenterRegion ?? stack.region },
          namespace: ARGOCD_NAMESPACE,
          networkAccess: this.endpoint ? { vpceIds: [this.endpoint.vpcEndpointId] } : undefined,
          rbacRoleMappings: mappings.length > 0
            ? mappings.map((m) => ({ role: m.role, identities: m.identityIds.map((i) => ({ id: i, type: m.identityType ?? IdentityCenterIdentityType.GROUP })) }))
            : undefined,
        },
      },
    });
    for (const d of dependencies) this.capability.node.addDependency(d);
    // The capability creates the cluster's Argo CD CRDs and its access entry; only then can the
    // entry get the policy that lets Argo CD deploy.
    this.capability.node.addDependency(props.cluster);

    const entry = { clusterName: props.cluster.clusterName, principalArn: this.role.roleArn };
    const policyArn = `arn:${stack.partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`;
    // The handler's role keeps its permissions in a customer-managed policy, and its logs a year.
    const handlerLogs = new logs.LogGroup(this, 'ClusterAccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const handlerRole = new iam.Role(this, 'ClusterAccessRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Gives the Argo CD capability of ${props.cluster.clusterName} its cluster access policy`,
    });
    const handlerPolicy = new iam.ManagedPolicy(this, 'ClusterAccessPolicy', {
      roles: [handlerRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'AssociateArgoCdAccessPolicy',
          actions: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
          resources: [stack.formatArn({ service: 'eks', resource: 'access-entry', resourceName: `${props.cluster.clusterName}/role/${stack.account}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
        }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${handlerLogs.logGroupArn}:*`] }),
      ],
    });
    acknowledgeInherentWildcards(handlerPolicy, [
      { sid: 'AssociateArgoCdAccessPolicy', reason: 'EKS names an access entry with a suffix it generates; the statement covers the role entries of this cluster only.' },
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: /:\*$/, reason: 'Log streams of the handler\'s own log group are named by Lambda at run time.' },
    ]);
    // The same call on update: a replaced role or capability gets a new access entry.
    const associate: cr.AwsSdkCall = {
      service: 'EKS', action: 'associateAccessPolicy',
      parameters: { ...entry, policyArn, accessScope: { type: 'cluster' } },
      physicalResourceId: cr.PhysicalResourceId.of(`${capabilityName}-cluster-admin`),
    };
    const association = new cr.AwsCustomResource(this, 'ClusterAccess', {
      onCreate: associate,
      onUpdate: associate,
      onDelete: { service: 'EKS', action: 'disassociateAccessPolicy', parameters: { ...entry, policyArn } },
      role: handlerRole,
      logGroup: handlerLogs,
      installLatestAwsSdk: false,
    });
    association.node.addDependency(this.capability, handlerPolicy);

    new CfnOutput(stack, 'ArgoCdServerUrl', { value: this.capability.attrConfigurationArgoCdServerUrl, description: 'URL of the Argo CD API and UI of the cluster (sign in through IAM Identity Center)' });
    acknowledgeHandler(this, handlerLogs);
  }
}

/**
 * What the compliance packs find on the custom resource's handler (one Lambda function per stack,
 * created by aws-cdk-lib beside the stack's other constructs) and its logs, and why it stands.
 */
function acknowledgeHandler(scope: Construct, logGroup: logs.LogGroup): void {
  const handler = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_HANDLER);
  if (handler) {
    acknowledgeDeploymentFunction(handler, 'The handler runs for seconds during deployment and calls only the EKS API, with a role limited to this cluster\'s access entries; it reaches no resource in the VPC, whose isolated subnets it would need endpoints for.');
  }
  acknowledgePlainLogGroup(logGroup, 'The handler logs the EKS calls it makes (cluster name, role ARN, policy ARN), no data; its group is kept a year.');
}

/** Construct id aws-cdk-lib gives the one Lambda function of a stack's AwsCustomResources. */
const AWS_CUSTOM_RESOURCE_HANDLER = 'AWS679f53fac002430cb0da5b7982bd2287';
