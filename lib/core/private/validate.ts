/**
 * Validators for the tags (AWS) and labels (Kubernetes) users pass to the constructs.
 * Target-neutral: used by the AWS and the Kubernetes side alike, so this file imports neither
 * aws-cdk-lib nor cdk8s. Not exported from the library.
 *
 * Rules enforced:
 * - AWS tags (the rules the tagging APIs share; AWS General Reference, "Tagging AWS resources",
 *   and the `Tag` types of the service APIs): key 1-128 and value 0-256 Unicode characters,
 *   letters, digits, white space and `_ . : / = + - @`; keys must not start with `aws:` in any
 *   case (reserved; CloudFormation and the services reject them); at most 50 user tags on one
 *   resource (`aws:` tags do not count).
 * - Kubernetes labels (apimachinery `IsQualifiedName` / `IsValidLabelValue`): key an optional DNS
 *   subdomain prefix (at most 253 characters) and `/`, then a name of 1-63 characters,
 *   `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`; value empty or the same pattern, at most 63.
 *   Keys and values with unresolved aws-cdk-lib tokens pass (charts applied by the EKS kubectl provider).
 */
import { IConstruct } from 'constructs';
import { isUnresolvedString } from './tokens';
import { ValidationError } from '../errors';

/** User tags one AWS resource may carry. */
export const MAX_TAGS_PER_RESOURCE = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** The tag key prefix AWS reserves for itself, in any case. */
export const RESERVED_TAG_PREFIX = /^aws:/i;

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_LABEL_NAME = 63;
const MAX_LABEL_PREFIX = 253;

/** How {@link validateTags} treats a set of tags. */
export interface TagCheckOptions {
  /**
   * The tags select resources (Karpenter subnet or security group selectors) rather than being
   * put on one: AWS-set `aws:` keys may be selected and the value `*` matches any value; they are
   * not counted.
   */
  readonly selector?: boolean;
  /**
   * Keys of tags that someone else (a controller, the service) puts on the same resource; they
   * count towards the limit of 50 together with `tags`.
   */
  readonly otherKeys?: string[];
  /** Who puts `otherKeys` on the resource, for the message (for example `Karpenter`). */
  readonly otherKeysBy?: string;
}

/** Number of Unicode characters (code points) of `s`, as AWS counts them. */
function characters(s: string): number {
  return [...s].length;
}

/**
 * The problem with one AWS tag key, or undefined when it is valid (unresolved tokens are valid).
 *
 * @param selector keys that select resources may be the AWS-set `aws:` ones
 */
export function tagKeyProblem(key: string, selector = false): string | undefined {
  if (isUnresolvedString(key)) return undefined;
  const length = characters(key);
  if (length < 1 || length > MAX_TAG_KEY) return `is ${length} characters long; AWS tag keys have 1-${MAX_TAG_KEY}`;
  if (!TAG_CHARACTERS.test(key)) return 'contains a character AWS tags do not allow (letters, digits, white space and _ . : / = + - @ are allowed)';
  if (!selector && RESERVED_TAG_PREFIX.test(key)) return 'starts with "aws:", which AWS reserves for the tags it sets itself';
  return undefined;
}

/** The problem with one AWS tag value, or undefined when it is valid (unresolved tokens are valid). */
export function tagValueProblem(value: string, selector = false): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (isUnresolvedString(value)) return undefined;
  if (selector && value === '*') return undefined;
  const length = characters(value);
  if (length > MAX_TAG_VALUE) return `is ${length} characters long; AWS tag values have 0-${MAX_TAG_VALUE}`;
  if (!TAG_CHARACTERS.test(value)) return 'contains a character AWS tags do not allow (letters, digits, white space and _ . : / = + - @ are allowed)';
  return undefined;
}

/**
 * Throws a `ValidationError` when a tag of `tags` would be rejected by AWS (code `invalid-tags`)
 * or when, with `otherKeys`, the resource would carry more than 50 user tags (code
 * `too-many-tags`).
 *
 * @param scope the construct that received the tags
 * @param prop the property that carried them, for the message
 */
export function validateTags(scope: IConstruct, prop: string, tags: Record<string, string> | undefined, options: TagCheckOptions = {}): void {
  if (tags === undefined) return;
  requireMap(scope, prop, tags, 'invalid-tags', 'tag', '{ "team": "risk-ml" }');
  const selector = options.selector ?? false;
  for (const [key, value] of Object.entries(tags)) {
    const keyProblem = tagKeyProblem(key, selector);
    if (keyProblem) {
      throw new ValidationError({
        code: 'invalid-tags', scope,
        message: `${prop} has a tag key that ${keyProblem}.`,
        received: key,
        fix: RESERVED_TAG_PREFIX.test(key) && !selector
          ? `Rename the tag in ${prop} without the "aws:" prefix, for example "${key.slice(4) || 'team'}".`
          : `Use a key of 1-${MAX_TAG_KEY} letters, digits, spaces and _ . : / = + - @ in ${prop}.`,
      });
    }
    const valueProblem = tagValueProblem(value, selector);
    if (valueProblem) {
      throw new ValidationError({
        code: 'invalid-tags', scope,
        message: `${prop}["${key}"] is not a valid AWS tag value: it ${valueProblem}.`,
        received: value,
        fix: `Use a value of 0-${MAX_TAG_VALUE} letters, digits, spaces and _ . : / = + - @ for ${prop}["${key}"]${selector ? ', or "*" to match any value' : ''}.`,
      });
    }
  }
  if (selector) return;
  const keys = new Set([...Object.keys(tags), ...(options.otherKeys ?? [])].filter((k) => !RESERVED_TAG_PREFIX.test(k)));
  if (keys.size > MAX_TAGS_PER_RESOURCE) {
    const others = options.otherKeys?.length ? ` together with the ${options.otherKeys.length} tags ${options.otherKeysBy ?? 'already'} sets (${options.otherKeys.join(', ')})` : '';
    throw new ValidationError({
      code: 'too-many-tags', scope,
      message: `${prop} puts ${keys.size} tags on one resource${others}; AWS allows at most ${MAX_TAGS_PER_RESOURCE} user tags per resource.`,
      received: Object.keys(tags).length,
      fix: `Remove ${keys.size - MAX_TAGS_PER_RESOURCE} tags from ${prop}, or combine related tags into one value.`,
    });
  }
}

/** The problem with a Kubernetes label (or taint) key, or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'is empty';
  // Deploy-time values (a chart applied through the EKS kubectl provider) pass.
  if (isUnresolvedString(key)) return undefined;
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0) return 'has an empty prefix before "/"';
    if (prefix.length > MAX_LABEL_PREFIX) return `has a prefix of ${prefix.length} characters; at most ${MAX_LABEL_PREFIX} are allowed`;
    if (!DNS_SUBDOMAIN.test(prefix)) return `has a prefix "${prefix}" that is not a DNS subdomain (lowercase letters, digits, "-" and ".")`;
  }
  if (name.length === 0) return 'has an empty name';
  if (name.length > MAX_LABEL_NAME) return `has a name of ${name.length} characters; at most ${MAX_LABEL_NAME} are allowed`;
  if (!LABEL_NAME.test(name)) return `has a name "${name}" that is not letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  return undefined;
}

/** The problem with a Kubernetes label (or taint) value, or undefined when it is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value.length === 0 || isUnresolvedString(value)) return undefined;
  if (value.length > MAX_LABEL_NAME) return `is ${value.length} characters long; at most ${MAX_LABEL_NAME} are allowed`;
  if (!LABEL_NAME.test(value)) return 'may only contain letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

const LABEL_KEY_FIX = 'Use keys such as "team" or "example.com/team": an optional DNS subdomain prefix of at most 253 characters and "/", then a name of 1-63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit.';
const LABEL_VALUE_FIX = 'Use a value of at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, or an empty value.';

/**
 * Throws a `ValidationError` (code `invalid-labels`) when a key or value of `labels` is not a
 * valid Kubernetes label, or when there are more than `max` labels.
 *
 * @param scope the construct that received the labels
 * @param prop the property that carried them, for the message
 * @param max the most labels allowed, when the consumer limits them
 */
export function validateLabels(scope: IConstruct, prop: string, labels: Record<string, string> | undefined, max?: number): void {
  if (labels === undefined) return;
  requireMap(scope, prop, labels, 'invalid-labels', 'label', '{ "example.com/team": "risk-ml" }');
  const entries = Object.entries(labels);
  if (max !== undefined && entries.length > max) {
    throw new ValidationError({
      code: 'invalid-labels', scope,
      message: `${prop} has ${entries.length} entries; at most ${max} are allowed.`,
      received: labels,
      fix: `Keep ${prop} to ${max} entries or fewer.`,
    });
  }
  for (const [key, value] of entries) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) {
      throw new ValidationError({
        code: 'invalid-labels', scope,
        message: `${prop} has a key that is not a valid label key: it ${keyProblem}.`,
        received: key,
        fix: LABEL_KEY_FIX,
      });
    }
    const valueProblem = labelValueProblem(value);
    if (valueProblem) {
      throw new ValidationError({
        code: 'invalid-labels', scope,
        message: `${prop}["${key}"] is not a valid label value: it ${valueProblem}.`,
        received: value,
        fix: LABEL_VALUE_FIX,
      });
    }
  }
}

/** Throws `code` unless `value` (given through `prop`) is a plain map of `what` keys to values. */
function requireMap(scope: IConstruct, prop: string, value: unknown, code: string, what: string, example: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError({
      code, scope,
      message: `${prop} must be a map of ${what} keys to values.`,
      received: value,
      fix: `Give ${prop} as an object, for example ${example}.`,
    });
  }
}
