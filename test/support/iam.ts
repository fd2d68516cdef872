/**
 * Per-statement IAM assertions. A test that searches the stringified policy for an action or an
 * ARN fragment still passes when a resource is widened to `*` or a statement gains an action; these
 * helpers collect the statements that apply to a role (inline policies, `AWS::IAM::Policy`
 * resources and customer-managed `AWS::IAM::ManagedPolicy` resources attached to it, whether by
 * the policy's `Roles` or the role's `ManagedPolicyArns`) and compare them statement by statement,
 * with exact actions, resources and conditions.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ManagedPolicyGrantee } from '../../lib';

/** A policy statement as a test writes it (the CloudFormation shape; single values or lists). */
export interface ExpectedStatement {
  readonly Sid?: string;
  /** @default 'Allow' */
  readonly Effect?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
  readonly Principal?: unknown;
}

/** A statement in a canonical form: lists sorted, so that order does not matter. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: Record<string, unknown>;
  readonly Principal?: unknown;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function sortByJson(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

/** The canonical form of a statement (template or expected). */
export function canonical(s: ExpectedStatement | Json): Statement {
  const out: Json = {
    Effect: s.Effect ?? 'Allow',
    Action: [...new Set(list(s.Action).map(String))].sort(),
    Resource: sortByJson(list(s.Resource)),
  };
  if (s.Sid !== undefined) out.Sid = s.Sid;
  if (s.Condition !== undefined) out.Condition = s.Condition;
  if (s.Principal !== undefined) out.Principal = s.Principal;
  for (const key of Object.keys(s)) {
    if (!['Sid', 'Effect', 'Action', 'Resource', 'Condition', 'Principal'].includes(key)) out[key] = (s as Json)[key];
  }
  return out as Statement;
}

/** The role a grantee's statements land on (a role, or the role of a ManagedPolicyGrantee). */
export function roleOf(grantee: iam.IGrantable): iam.IRole {
  const principal = grantee.grantPrincipal;
  if (principal instanceof ManagedPolicyGrantee) return principal.role;
  if ((principal as iam.IRole).roleName !== undefined) return principal as iam.IRole;
  throw new Error(`${principal} is not a role`);
}

/** What a policy's `Roles` list holds for `role`: `{ Ref: <logical id> }`, or the name of an imported role. */
function roleReference(role: iam.IRole): unknown {
  return Stack.of(role).resolve(role.roleName);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Every statement of every policy that applies to the role of `grantee` in `template`, in
 * canonical form. AWS managed policies (ARN strings in `ManagedPolicyArns`) are not expanded:
 * read them with {@link awsManagedPolicyArns}.
 */
export function grantStatements(template: Template, grantee: iam.IGrantable): Statement[] {
  const role = roleOf(grantee);
  const ref = roleReference(role);
  const resources = template.toJSON().Resources as Record<string, Json>;
  const statements: Json[] = [];
  const roleEntry = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && sameJson({ Ref: id }, ref));
  const attachedByRole = new Set<string>();
  if (roleEntry) {
    for (const p of roleEntry[1].Properties?.Policies ?? []) statements.push(...list(p.PolicyDocument.Statement) as Json[]);
    for (const arn of roleEntry[1].Properties?.ManagedPolicyArns ?? []) {
      if (arn && typeof arn === 'object' && typeof arn.Ref === 'string') attachedByRole.add(arn.Ref);
    }
  }
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const attached = (r.Properties?.Roles ?? []).some((x: unknown) => sameJson(x, ref)) || attachedByRole.has(id);
    if (attached) statements.push(...list(r.Properties.PolicyDocument.Statement) as Json[]);
  }
  return statements.map(canonical);
}

/** The AWS managed policy ARNs (not customer-managed policies of the template) attached to the role of `grantee`. */
export function awsManagedPolicyArns(template: Template, grantee: iam.IGrantable): unknown[] {
  const ref = roleReference(roleOf(grantee));
  const resources = template.toJSON().Resources as Record<string, Json>;
  const role = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && sameJson({ Ref: id }, ref));
  return (role?.[1].Properties?.ManagedPolicyArns ?? []).filter((arn: Json) => !(arn && typeof arn === 'object' && typeof arn.Ref === 'string'));
}

/** The statements of a resource policy (`KeyPolicy`, `PolicyDocument`, `RepositoryPolicyText`...) of resource `logicalId`. */
export function resourcePolicyStatements(template: Template, logicalId: string): Statement[] {
  const r = (template.toJSON().Resources as Record<string, Json>)[logicalId];
  if (!r) throw new Error(`no resource ${logicalId}`);
  const p = r.Properties ?? {};
  const doc = p.KeyPolicy ?? p.PolicyDocument ?? p.RepositoryPolicyText ?? p.ModelPackageGroupPolicy;
  if (!doc) throw new Error(`${logicalId} has no resource policy`);
  return list(doc.Statement).map((s) => canonical(s as Json));
}

/** The statements of `statements` by Sid; fails on a duplicate or missing Sid. */
export function bySid(statements: Statement[]): Record<string, Statement> {
  const out: Record<string, Statement> = {};
  for (const s of statements) {
    if (s.Sid === undefined) throw new Error(`statement without Sid: ${JSON.stringify(s)}`);
    if (out[s.Sid]) throw new Error(`duplicate Sid ${s.Sid}`);
    out[s.Sid] = s;
  }
  return out;
}

/** Asserts that `actual` holds exactly the `expected` statements (in any order, nothing more). */
export function expectStatements(actual: Statement[], expected: ExpectedStatement[]): void {
  const key = (s: Statement) => JSON.stringify(s);
  const sort = (ss: Statement[]) => [...ss].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  expect(sort(actual)).toEqual(sort(expected.map(canonical)));
}

/** Asserts that `actual`, a statement with a Sid, is exactly `expected`. */
export function expectStatement(actual: Statement | undefined, expected: ExpectedStatement): void {
  expect(actual).toEqual(canonical(expected));
}

/** The statement a KMS grant adds to a principal policy: exactly `actions` on `key`. */
export function keyStatement(key: kms.IKey, ...actions: string[]): ExpectedStatement {
  return { Action: actions, Resource: Stack.of(key).resolve(key.keyArn) };
}

/** Statements of `statements` with a wildcard (`*` or `?`) in a resource or an action. */
export function wildcardStatements(statements: Statement[]): Statement[] {
  return statements.filter((s) => s.Action.some((a) => /[*?]/.test(a)) || s.Resource.some((r) => /[*?]/.test(JSON.stringify(r))));
}
