import { MlopsErrors } from '../../lib';
import { ValidationError } from '../../lib/core/errors';

/**
 * Asserts that `fn` throws this library's ValidationError whose message matches `pattern` (which
 * names the error code), starts with the code and the construct path, and ends with a fix.
 */
export function expectValidationError(fn: () => unknown, pattern: RegExp): ValidationError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect(MlopsErrors.isValidationError(caught)).toBe(true);
  const err = caught as ValidationError;
  expect(err.message).toMatch(pattern);
  expect(pattern.source).toContain(err.code);
  expect(err.message.startsWith(`[mlops:${err.code}] ${err.constructPath}: `)).toBe(true);
  expect(err.fix.length).toBeGreaterThan(10);
  expect(err.message.endsWith(`Fix: ${err.fix}`)).toBe(true);
  return err;
}
