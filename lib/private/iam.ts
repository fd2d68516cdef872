import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { validationPluginsReach } from './acknowledgments';

/**
 * A class of wildcard the service itself forces, with the reason it cannot be narrowed: the
 * statements with `sid`, or (for the statements `grant*()` methods write, which carry no Sid) the
 * statements whose actions are all in `actions` and whose wildcard resources all match
 * `resources`. @internal
 */
export interface InherentWildcard {
  /** Statement id the rule applies to. */
  readonly sid?: string;
  /** Or: the statement's actions are all in this list. */
  readonly actions?: string[];
  /**
   * With `actions`: the shape every wildcard resource of the statement must have, as finding ids
   * spell it. A bare `*` never matches: a statement on every resource is reviewed only by its Sid.
   *
   * @default S3_OBJECT_PREFIX_ARN (`<Bucket.Arn>/prefix/*`)
   */
  readonly resources?: RegExp;
  /** Why the wildcard cannot be avoided. */
  readonly reason: string;
}

/**
 * The object ARNs of S3 grants scoped to a prefix: a bucket ARN without wildcards, `/`, a prefix
 * without wildcards and one trailing `*`. @internal
 */
export const S3_OBJECT_PREFIX_ARN = /^[^*?/]+\/[^*?]*\*$/;

/**
 * Acknowledges the AwsSolutions-IAM5 findings (wildcards) of `policy` that come from statements
 * matched by `rules` (the reviewed statements), each with its rule's reason (a wildcard several
 * statements share gets all their reasons). A finding that also comes from a statement no rule
 * matches stays reported: the finding id (`Resource::*`) cannot tell a reviewed statement from a
 * new one, so a `*` added to an acknowledged policy fails the compliance gate instead of passing
 * under another statement's reason. Finding ids contain resolved ARNs, which are final only once
 * cross-stack references are resolved, so they are computed when the tree is validated. @internal
 */
export function acknowledgeInherentWildcards(policy: iam.ManagedPolicy, rules: InherentWildcard[]): void {
  for (const rule of rules) {
    if ((rule.sid === undefined) === (rule.actions === undefined)) {
      throw new Error(`An inherent wildcard names either a sid or actions: ${JSON.stringify(rule)}`);
    }
  }
  const cfn = policy.node.defaultChild as iam.CfnManagedPolicy;
  policy.node.addValidation({
    validate: () => {
      // Only AwsSolutions (a validation plugin) reads these: with no plugin, skip resolving the document.
      if (!validationPluginsReach(policy)) return [];
      const document = (Stack.of(policy).resolve(cfn.policyDocument) ?? {}) as { Statement?: Statement[] };
      const acks = new Map<string, string[]>();
      const refused = new Set<string>();
      for (const statement of document.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        const actions = asArray(statement.Action).map(String);
        const resources = asArray(statement.Resource).map(flatten);
        const findings = [
          ...actions.filter((a) => a.includes('*')).map((a) => `Action::${a}`),
          ...resources.filter((r) => r.includes('*')).map((r) => `Resource::${r}`),
        ];
        const wildcardResources = resources.filter((r) => /[*?]/.test(r));
        const rule = rules.find((r) => (r.sid !== undefined && r.sid === statement.Sid)
          || (r.actions !== undefined && actions.every((a) => r.actions!.includes(a))
            && wildcardResources.every((w) => w !== '*' && (r.resources ?? S3_OBJECT_PREFIX_ARN).test(w))));
        for (const finding of findings) {
          if (!rule) {
            refused.add(finding);
            continue;
          }
          const reasons = acks.get(finding) ?? [];
          if (!reasons.includes(rule.reason)) reasons.push(rule.reason);
          acks.set(finding, reasons);
        }
      }
      for (const [finding, reasons] of acks) {
        if (refused.has(finding)) continue;
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
