import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

const PODS = 'pods.eks.amazonaws.com';

/**
 * A role for EKS Pod Identity: assumed by `pods.eks.amazonaws.com`, which also tags the session
 * (`sts:TagSession`, required by Pod Identity). @internal
 */
export function podIdentityRole(scope: Construct, id: string, description: string): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal(PODS), description });
  role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
    actions: ['sts:TagSession'],
    principals: [new iam.ServicePrincipal(PODS)],
  }));
  return role;
}

/** What {@link associatePodIdentity} binds. @internal */
export interface PodIdentityBinding {
  /** Name of the EKS cluster. */
  readonly clusterName: string;
  /** The Pod Identity Agent add-on, which must run before pods can assume the role. */
  readonly agent: IConstruct;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly role: iam.IRole;
}

/**
 * Associates `binding.role` with a service account (`AWS::EKS::PodIdentityAssociation`), after
 * the Pod Identity Agent. @internal
 */
export function associatePodIdentity(scope: Construct, id: string, binding: PodIdentityBinding): eks.CfnPodIdentityAssociation {
  const association = new eks.CfnPodIdentityAssociation(scope, id, {
    clusterName: binding.clusterName, namespace: binding.namespace, serviceAccount: binding.serviceAccount, roleArn: binding.role.roleArn,
  });
  association.node.addDependency(binding.agent);
  return association;
}
