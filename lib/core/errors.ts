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
 * Its message always names the construct path, the value received and the fix, on one line:
 * `[mlops:name-too-long] Project/Registry: ... Received: "...". Fix: ...` (line breaks in the
 * problem, value or fix are written `\n`; a path that contains `": "` is written as a JSON string).
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
    const received = props.received === undefined ? undefined : oneLine(render(props.received));
    const problem = oneLine(props.message);
    const fix = oneLine(props.fix);
    super(`[mlops:${props.code}] ${renderPath(path)}: ${problem}${received === undefined ? '' : ` Received: ${received}.`} Fix: ${fix}`);
    this.name = 'ValidationError';
    this.code = props.code;
    this.constructPath = path;
    this.problem = problem;
    this.received = received;
    this.fix = fix;
    Object.defineProperty(this, VALIDATION_ERROR_SYMBOL, { value: true });
  }
}

/**
 * The message is one line, so that a reader (`MlopsErrors.validationErrorDetails`) can take it
 * apart even with a stack trace after it: line breaks in the problem, the value or the fix (a
 * value read from a file, interpolated into the problem) are written as `\n` and `\r`.
 */
function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/**
 * The construct path as the message shows it: as is, or as a JSON string when it would be
 * ambiguous (an id containing `": "`, a line break, or starting with a quote).
 */
function renderPath(path: string): string {
  return /: |[\r\n]|^"/.test(path) ? JSON.stringify(path) : path;
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
