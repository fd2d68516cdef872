/* eslint-disable @typescript-eslint/no-explicit-any */
import { VALIDATION_ERROR_SYMBOL, ValidationError } from './errors';

/** What a validation error of this library says, field by field. */
export interface ValidationErrorDetails {
  /** Stable error code, for example `name-too-long`. */
  readonly code: string;
  /** Path of the construct whose input was rejected (`<root>` for the app itself). */
  readonly constructPath: string;
  /** What is wrong, in one sentence. */
  readonly problem: string;
  /**
   * The value received, as the message renders it (JSON for strings and objects).
   *
   * @default - the error does not show the value
   */
  readonly received?: string;
  /** How to fix it, in one sentence. */
  readonly fix: string;
}

/**
 * The message is one line (a runtime may append a stack trace after it); the path is a JSON string
 * when it contains `": "`.
 */
const MESSAGE_FORMAT = /^\[mlops:([a-z0-9-]+)\] ("(?:[^"\\\n]|\\.)*"|[^\n]*?): ([^\n]*?)(?: Received: ([^\n]*)\.)? Fix: ([^\n]*)/;

/**
 * Recognises and reads the errors this library throws for input it rejects at synth time.
 *
 * Every such error has a stable code, the path of the construct, the value received and the fix,
 * and its message reads `[mlops:<code>] <path>: <problem> Received: <value>. Fix: <fix>`, on one
 * line (line breaks written `\n`; a path containing `": "` written as a JSON string). In
 * TypeScript, `isValidationError(e)` narrows a caught value to the error with those fields; in
 * Python (and the other jsii languages) the error arrives as the runtime's exception with the same
 * message, which `validationErrorDetails(str(e))` turns back into the fields.
 *
 * @example
 * try {
 *   new MlProjectStack(app, 'Project', { identity });
 * } catch (e) {
 *   const details = MlopsErrors.validationErrorDetails(e);
 *   if (details?.code === 'name-too-long') { ... }
 * }
 */
export class MlopsErrors {
  /** Whether `x` is a validation error thrown by this library (any copy of it in the process). */
  public static isValidationError(x: any): x is ValidationError {
    return x !== null && typeof x === 'object' && (x as Record<symbol, unknown>)[VALIDATION_ERROR_SYMBOL] === true;
  }

  /**
   * The fields of a validation error of this library: `x` is the error itself, or its message
   * (what a Python `except` clause sees as `str(e)`), or a message that contains one. Undefined
   * when `x` is neither.
   */
  public static validationErrorDetails(x: any): ValidationErrorDetails | undefined {
    if (MlopsErrors.isValidationError(x)) {
      return { code: x.code, constructPath: x.constructPath, problem: x.problem, received: x.received, fix: x.fix };
    }
    const text = typeof x === 'string' ? x : (x instanceof Error ? x.message : undefined);
    if (text === undefined) return undefined;
    const start = text.indexOf('[mlops:');
    if (start < 0) return undefined;
    const match = MESSAGE_FORMAT.exec(text.slice(start));
    if (!match) return undefined;
    const [, code, path, problem, received, fix] = match;
    let constructPath = path;
    if (path.startsWith('"')) {
      try {
        constructPath = JSON.parse(path) as string;
      } catch {
        return undefined;
      }
    }
    return { code, constructPath, problem, received, fix: fix.trimEnd() };
  }

  private constructor() {}
}
