import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { S3_PUT_OBJECT_ACTIONS, S3_READ_OBJECT_ACTIONS } from '../private/grants';
import { acknowledgeInherentWildcards } from '../private/iam';

/** Properties of a {@link ManagedPolicyGrantee}. */
export interface ManagedPolicyGranteeProps {
  /** The role whose grants the managed policy holds. */
  readonly role: iam.IRole;
  /**
   * Description of the managed policy (what it lets the role do).
   *
   * @default - no description
   */
  readonly description?: string;
}

/**
 * A principal that is a role, but whose grants land in one customer-managed policy attached to it
 * instead of the role's inline default policy. The NIST 800-53, HIPAA and PCI DSS packs reject
 * inline policies; pass this wherever an `IGrantable` is expected (`store.grantRead(grantee)`) so
 * that a team's own roles pass them the way the library's roles do.
 *
 * The policy (`AWS::IAM::ManagedPolicy`) is created as `id` in `scope`. Statements are merged
 * under the app's `@aws-cdk/aws-iam:minimizePolicies` setting like any other policy's. The one
 * wildcard the library's own grants make (the `*` after the dataset zone or artifact prefix of an
 * S3 object grant) is acknowledged for the AwsSolutions pack with that reason; any other wildcard
 * in the policy stays reported.
 *
 * @example
 * const grantee = new ManagedPolicyGrantee(this, 'JobPolicy', { role, description: 'Batch scoring job' });
 * project.datasets.grantRead(grantee, 'features');
 */
export class ManagedPolicyGrantee implements iam.IPrincipal {
  /** This principal (grants are made to it). */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The role's assume-role action. */
  public readonly assumeRoleAction: string;
  /** The account of the role, if known. */
  public readonly principalAccount?: string;
  /** The role the policy is attached to. */
  public readonly role: iam.IRole;
  /** The customer-managed policy that receives every grant. */
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ManagedPolicyGranteeProps) {
    this.role = props.role;
    this.policy = new iam.ManagedPolicy(scope, id, { description: props.description, roles: [props.role] });
    this.grantPrincipal = this;
    this.assumeRoleAction = props.role.assumeRoleAction;
    this.principalAccount = props.role.principalAccount;
    acknowledgeInherentWildcards(this.policy, [{
      actions: [...S3_READ_OBJECT_ACTIONS, ...S3_PUT_OBJECT_ACTIONS],
      reason: 'S3 object ARNs need a wildcard after the dataset zone or artifact prefix that scopes the grant.',
    }]);
  }

  /** The role's policy fragment (a grantee is the role in trust and resource policies). */
  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  /** Adds `statement` to the managed policy; always true. */
  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  /** Adds `statement` to the managed policy, which is what dependents must wait for. */
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
