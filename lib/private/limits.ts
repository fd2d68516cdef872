import { Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';

/** Longest S3 object key, in UTF-8 bytes (S3 counts bytes, not characters). @internal */
export const S3_MAX_KEY_BYTES = 1024;

/** Length of `value` in UTF-8 bytes, as S3 counts key lengths. @internal */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

const MS = { days: 86_400_000, seconds: 1_000 } as const;

/** How a duration prop must be given. @internal */
export interface WholeDurationRule {
  /** The unit the service counts in. */
  readonly unit: 'days' | 'seconds';
  /** Smallest number of units. */
  readonly min: number;
  /** Largest number of units. */
  readonly max?: number;
  /** Why, for the message ("S3 lifecycle rules count whole days"). */
  readonly why: string;
  /** Error code. @default 'invalid-duration' */
  readonly code?: string;
  /** Fix, when the default one ("Use Duration.days(n) with ...") does not fit. */
  readonly fix?: string;
}

/**
 * The number of whole `rule.unit`s in `value`, or a ValidationError naming `prop` when `value`
 * is fractional or out of range: caught before aws-cdk-lib's `toDays()`/`toSeconds()` throws its
 * own error, which names neither the construct nor the prop. Deploy-time durations pass through
 * (they must be given in the unit itself). @internal
 */
export function wholeDuration(scope: IConstruct, prop: string, value: Duration, rule: WholeDurationRule): number {
  const code = rule.code ?? 'invalid-duration';
  const range = rule.max === undefined ? `at least ${rule.min}` : `at least ${rule.min} and at most ${rule.max}`;
  const fix = rule.fix ?? `Use Duration.${rule.unit}(n) with a whole number n ${range}.`;
  if (value.isUnresolved()) {
    try {
      return rule.unit === 'days' ? value.toDays() : value.toSeconds();
    } catch {
      throw new ValidationError({
        code, scope,
        message: `${prop} comes from a deploy-time value in another unit; it must be given in ${rule.unit} (${rule.why}).`,
        received: value.toString(), fix: `Give it as Duration.${rule.unit}(token).`,
      });
    }
  }
  const amount = value.toMilliseconds({ integral: false }) / MS[rule.unit];
  if (!Number.isInteger(amount) || amount < rule.min || (rule.max !== undefined && amount > rule.max)) {
    throw new ValidationError({
      code, scope,
      message: `${prop} must be a whole number of ${rule.unit} ${range}: ${rule.why}.`,
      received: value.toHumanString(), fix,
    });
  }
  return amount;
}

/**
 * `size` in GiB, unrounded (the caller checks the steps the service allows). A deploy-time size
 * given in another unit cannot be converted: rejected naming `prop` rather than with
 * aws-cdk-lib's error. @internal
 */
export function gibibytes(scope: IConstruct, prop: string, size: Size, code: string): number {
  try {
    return size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  } catch {
    throw new ValidationError({
      code, scope,
      message: `${prop} comes from a deploy-time value in another unit; the service counts it in whole GiB.`,
      received: 'a deploy-time size', fix: 'Give it as Size.gibibytes(token).',
    });
  }
}

/**
 * Rejects more security groups than the service's network configuration takes (`what`, e.g.
 * "A SageMaker training job's VpcConfig"). @internal
 */
export function checkSecurityGroupCount(scope: IConstruct, prop: string, count: number, max: number, what: string, fix: string): void {
  if (!Token.isUnresolved(count) && count > max) {
    throw new ValidationError({
      code: 'too-many-security-groups', scope,
      message: `${prop}: ${what} takes at most ${max} security groups.`,
      received: `${count} security groups`, fix,
    });
  }
}
