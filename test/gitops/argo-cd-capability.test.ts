import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ArgoCdCapability, ArgoCdRole, GpuCluster, IdentityCenterIdentityType, ImageCache, MlProjectStack, ProjectTraining,
} from '../../lib/index';
import { expectValidationError } from '../support/errors';
import { expectStatements, grantStatements } from '../support/iam';

const identity = { project: 'defect-detection', team: 'vision-ml', stage: 'prod', costCentre: 'CC-5120' };
const IDC = 'arn:aws:sso:::instance/ssoins-0123456789abcdef';

describe('ArgoCdCapability', () => {
  const project = new MlProjectStack(new App(), 'P', {
    identity,
    training: ProjectTraining.kubernetes({
      argoCd: { identityCenterInstanceArn: IDC, roleMappings: [{ role: ArgoCdRole.ADMIN, identityIds: ['g-123'] }, { role: ArgoCdRole.VIEWER, identityIds: ['u-1'], identityType: IdentityCenterIdentityType.USER }] },
    }),
  });
  const t = Template.fromStack(project);
  const argoCd = project.argoCd!;
  const cluster = project.gpuCluster as GpuCluster;

  test('the capability: Identity Center sign-in, the argocd namespace, a private API, retained on removal', () => {
    const endpointId = project.getLogicalId(argoCd.endpoint!.node.defaultChild as CfnElement);
    t.hasResourceProperties('AWS::EKS::Capability', {
      CapabilityName: 'argocd', ClusterName: 'defect-detection-prod', Type: 'ARGOCD', DeletePropagationPolicy: 'RETAIN',
      RoleArn: { 'Fn::GetAtt': [project.getLogicalId(argoCd.role.node.defaultChild as CfnElement), 'Arn'] },
      Configuration: {
        ArgoCd: {
          AwsIdc: { IdcInstanceArn: IDC, IdcRegion: { Ref: 'AWS::Region' } },
          Namespace: 'argocd',
          NetworkAccess: { VpceIds: [{ Ref: endpointId }] },
          RbacRoleMappings: [
            { Role: 'ADMIN', Identities: [{ Id: 'g-123', Type: 'SSO_GROUP' }] },
            { Role: 'VIEWER', Identities: [{ Id: 'u-1', Type: 'SSO_USER' }] },
          ],
        },
      },
    });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.eks-capabilities']] }, PrivateDnsEnabled: true });
    t.hasOutput('ArgoCdServerUrl', {});
    // no parameter when the instance is given
    expect(t.toJSON().Parameters?.ArgoCdIdentityCenterInstanceArn).toBeUndefined();
  });

  test('the role: trusted by EKS capabilities with session tags; pulls charts through the cache only', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: ['sts:AssumeRole', 'sts:TagSession'], Effect: 'Allow', Principal: { Service: 'capabilities.eks.amazonaws.com' } }] },
    });
    const repo = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/defect-detection-prod/*']] };
    expectStatements(grantStatements(t, argoCd.role), [
      { Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'], Resource: repo },
      { Sid: 'EcrLogin', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    ]);
  });

  test('after the capability (and the cluster), its access entry gets the cluster admin policy, through a handler limited to the cluster\'s role entries', () => {
    const capabilityId = project.getLogicalId(argoCd.capability);
    const capability = t.toJSON().Resources[capabilityId];
    expect(capability.DependsOn).toEqual(expect.arrayContaining([project.getLogicalId(cluster.cluster.node.defaultChild as CfnElement), project.getLogicalId(argoCd.role.node.defaultChild as CfnElement)]));
    const [[, association]] = Object.entries(t.findResources('Custom::AWS'));
    expect(association.DependsOn).toEqual(expect.arrayContaining([capabilityId]));
    const create = JSON.stringify(project.resolve(association.Properties.Create));
    expect(create).toContain('associateAccessPolicy');
    expect(create).toContain('cluster-access-policy/AmazonEKSClusterAdminPolicy');
    expect(create).toContain('\\"accessScope\\":{\\"type\\":\\"cluster\\"}');
    expect(JSON.stringify(project.resolve(association.Properties.Delete))).toContain('disassociateAccessPolicy');
    // the same call on update: a replaced role or capability gets a new entry
    expect(project.resolve(association.Properties.Update)).toEqual(project.resolve(association.Properties.Create));
    const handler = Object.values(t.findResources('AWS::Lambda::Function'))[0];
    const handlerRole = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) => id === handler.Properties.Role['Fn::GetAtt'][0])!;
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: handlerRole[0] }]));
    expect(policies).toHaveLength(1);
    const [eksStatement] = policies[0].Properties.PolicyDocument.Statement;
    expect(eksStatement).toEqual({
      Sid: 'AssociateArgoCdAccessPolicy', Effect: 'Allow', Action: ['eks:AssociateAccessPolicy', 'eks:DisassociateAccessPolicy'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':access-entry/defect-detection-prod/role/', { Ref: 'AWS::AccountId' }, '/*']] },
    });
    // no inline policies on the handler's role
    expect(handlerRole[1].Properties.Policies).toBeUndefined();
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('without an instance ARN, a stack parameter the deployment must give, checked by CloudFormation before anything is created', () => {
    const p = new MlProjectStack(new App(), 'P', { identity, training: ProjectTraining.kubernetes({ argoCd: {} }) });
    const parameter = Template.fromStack(p).toJSON().Parameters.ArgoCdIdentityCenterInstanceArn;
    expect(parameter.Default).toBeUndefined();
    const pattern = new RegExp(parameter.AllowedPattern);
    expect(pattern.test(IDC)).toBe(true);
    expect(pattern.test('arn:aws:sso:::instance/ssoins-0123456789abcde')).toBe(false);
    expect(pattern.test('ssoins-0123456789abcdef')).toBe(false);
    Template.fromStack(p).hasResourceProperties('AWS::EKS::Capability', { Configuration: { ArgoCd: { AwsIdc: { IdcInstanceArn: { Ref: 'ArgoCdIdentityCenterInstanceArn' } } } } });
  });

  test('bad input', () => {
    const stack = new Stack(new App(), 'S');
    const c = GpuCluster.fromGpuClusterAttributes(stack, 'C', { clusterName: 'ml' });
    expectValidationError(() => new ArgoCdCapability(stack, 'A', { cluster: c, identityCenterInstanceArn: 'ssoins-0123456789abcdef' }), /invalid-identity-center-instance/);
    expectValidationError(() => new ArgoCdCapability(stack, 'B', { cluster: c, identityCenterInstanceArn: IDC, capabilityName: 'argo cd' }), /invalid-name.*capabilityName/);
    expectValidationError(() => new ArgoCdCapability(stack, 'D', { cluster: c, identityCenterInstanceArn: IDC, roleMappings: [{ role: ArgoCdRole.ADMIN, identityIds: [] }] }), /invalid-role-mapping/);
    // an imported cluster, no network, no cache: the capability and its role only
    new ArgoCdCapability(stack, 'E', { cluster: c, identityCenterInstanceArn: IDC, imageCache: ImageCache.fromImageCacheAttributes(stack, 'Cache', { repositoryNamespace: 'platform', upstreams: [] }) });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});
