/* eslint-disable @typescript-eslint/no-explicit-any */
import { IConstruct } from 'constructs';

/**
 * Properties of a {@link ValidationError}.
 */
export interface ValidationErrorProps {
  /**
   * Stable, documented error code (for example `name-too-long`). Tests and
   * tooling match on it; it never changes once released.
   */
  readonly code: string;
  /** The construct whose input was rejected. */
  readonly scope: IConstruct;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /**
   * The value received, rendered for a person.
   *
   * @default - the value is not shown
   */
  readonly received?: any;
  /** How to fix it, in one sentence. */
  readonly fix: string;
}

/**
 * The one error this library throws for input it rejects at synth time.
 *
 * Its message always names the construct path, the value received and the fix:
 * `[mlops:name-too-long] Project/Registry: ... Received: "...". Fix: ...`
 *
 * Not part of the jsii API (a class extending `Error` cannot cross to other languages): users
 * recognise it with `MlopsErrors.isValidationError()` and read it with
 * `MlopsErrors.validationErrorDetails()`, which also parses the message a Python user catches.
 */
export class ValidationError extends Error {
  /** Stable error code. */
  public readonly code: string;
  /** Path of the construct whose input was rejected. */
  public readonly constructPath: string;
  /** What is wrong, in one sentence. */
  public readonly problem: string;
  /** The value received, rendered for a person (undefined when not shown). */
  public readonly received?: string;
  /** How to fix the problem. */
  public readonly fix: string;

  constructor(props: ValidationErrorProps) {
    const path = props.scope.node.path || '<root>';
    const received = props.received === undefined ? undefined : render(props.received);
    super(`[mlops:${props.code}] ${path}: ${props.message}${received === undefined ? '' : ` Received: ${received}.`} Fix: ${props.fix}`);
    this.name = 'ValidationError';
    this.code = props.code;
    this.constructPath = path;
    this.problem = props.message;
    this.received = received;
    this.fix = props.fix;
    Object.defineProperty(this, VALIDATION_ERROR_SYMBOL, { value: true });
  }
}

/** Marks this library's validation errors across copies of the library in one process. */
export const VALIDATION_ERROR_SYMBOL = Symbol.for('mlops-constructs.ValidationError');

function render(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
