import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

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
 * matched by `rules`, each with its rule's reason (a wildcard several statements share gets all
 * their reasons). Wildcards in any other statement stay reported. Finding ids contain resolved
 * ARNs, which are final only once cross-stack references are resolved, so they are computed when
 * the tree is validated. @internal
 */
export function acknowledgeInherentWildcards(policy: iam.ManagedPolicy, rules: InherentWildcard[]): void {
  const cfn = policy.node.defaultChild as iam.CfnManagedPolicy;
  policy.node.addValidation({
    validate: () => {
      const document = (Stack.of(policy).resolve(cfn.policyDocument) ?? {}) as { Statement?: Statement[] };
      const acks = new Map<string, string[]>();
      const add = (finding: string, reason: string) => {
        const reasons = acks.get(finding) ?? [];
        if (!reasons.includes(reason)) reasons.push(reason);
        acks.set(finding, reasons);
      };
      for (const statement of document.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        const actions = asArray(statement.Action).map(String);
        const rule = rules.find((r) => (r.sid !== undefined && r.sid === statement.Sid)
          || (r.actions !== undefined && actions.every((a) => r.actions!.includes(a))));
        if (!rule) continue;
        for (const action of actions.filter((a) => a.includes('*'))) add(`Action::${action}`, rule.reason);
        for (const resource of asArray(statement.Resource).map(flatten).filter((r) => r.includes('*'))) add(`Resource::${resource}`, rule.reason);
      }
      for (const [finding, reasons] of acks) {
        Validations.of(policy).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason: reasons.join(' ') });
      }
      return [];
    },
  });
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
