import { Aspects, IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

/**
 * A principal that is a role, but whose grants land in one customer-managed policy attached to
 * it instead of the role's inline default policy (NIST 800-53, HIPAA and PCI DSS reject inline
 * policies). Pass it wherever an `IGrantable` is expected. @internal
 */
export class ManagedPolicyPrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly principalAccount?: string;
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, public readonly role: iam.Role, description: string) {
    this.policy = new iam.ManagedPolicy(scope, id, { description, roles: [role] });
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/** A class of wildcard the service itself forces, with the reason it cannot be narrowed. @internal */
export interface InherentWildcard {
  /** Statement id the rule applies to. */
  readonly sid?: string;
  /** Or: the statement's actions are all in this list. */
  readonly actions?: string[];
  /** Why the wildcard cannot be avoided. */
  readonly reason: string;
}

/**
 * Acknowledges the AwsSolutions-IAM5 findings (wildcards) of `policy` that come from statements
 * matched by `rules`, each with its rule's reason. Runs as an aspect because the finding ids
 * contain resolved logical ids. Wildcards in any other statement stay reported. @internal
 */
export function acknowledgeInherentWildcards(policy: iam.ManagedPolicy, rules: InherentWildcard[]): void {
  Aspects.of(policy).add(new InherentWildcardAcknowledger(policy, rules));
}

class InherentWildcardAcknowledger implements IAspect {
  constructor(private readonly policy: iam.ManagedPolicy, private readonly rules: InherentWildcard[]) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnManagedPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: Statement[] };
    const acks = new Map<string, string>();
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const actions = asArray(statement.Action);
      const rule = this.rules.find((r) => (r.sid !== undefined && r.sid === statement.Sid)
        || (r.actions !== undefined && actions.every((a) => r.actions!.includes(String(a)))));
      if (!rule) continue;
      for (const action of actions.map(String).filter((a) => a.includes('*'))) acks.set(`Action::${action}`, rule.reason);
      for (const resource of asArray(statement.Resource).map(flatten).filter((r) => r.includes('*'))) acks.set(`Resource::${resource}`, rule.reason);
    }
    for (const [finding, reason] of acks) {
      Validations.of(this.policy).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Renders a CloudFormation value the way finding ids spell it: `<Logical.Attr>`, `<Ref>`, joins inlined. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if (v['Fn::Sub'] !== undefined) return flatten(v['Fn::Sub']);
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [resource, attribute] = v['Fn::GetAtt'] as unknown[];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (v['Fn::ImportValue'] !== undefined) return flatten(v['Fn::ImportValue']);
    if (v.Ref !== undefined) return `<${flatten(v.Ref)}>`;
  }
  return JSON.stringify(value);
}
