import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Chart, Testing } from 'cdk8s';
import { DatasetStore, MlopsErrors } from '../../lib';
import { ValidationError } from '../../lib/core/errors';
import { checkEnvName } from '../../lib/k8s/training/private/pod';
import { expectValidationError } from '../support/errors';

// A Python (or Java, .NET, Go) user only sees the message: `str(e)` of the RuntimeError the jsii
// runtime raises, which is "ValidationError: " + the message. Whatever the library puts into a
// message must come back field by field, also when a stack trace follows it.
function caught(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('nothing was thrown');
}

function expectRoundTrip(err: ValidationError): void {
  const fields = { code: err.code, constructPath: err.constructPath, problem: err.problem, received: err.received, fix: err.fix };
  expect(err.message).not.toMatch(/[\r\n]/);
  for (const text of [err.message, `ValidationError: ${err.message}`, `ValidationError: ${err.message}\n    at Object.<anonymous> (app.js:1:1)`]) {
    expect(MlopsErrors.validationErrorDetails(text)).toEqual(fields);
  }
}

describe('messages read back field by field', () => {
  const stack = new Stack(new App(), 'S');
  const at = (id: string): iam.Role => new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });

  test.each<[string, () => ValidationError]>([
    ['a construct id with ": "', () => caught(() => new DatasetStore(stack, 'Team: datasets').grantRead(at('Reader'), 'no-such-zone'))],
    ['a construct id with a line break and a quote', () => new ValidationError({ code: 'c', scope: at('"odd\nid'), message: 'm.', fix: 'f.' })],
    ['a construct id with spaces and colons', () => new ValidationError({ code: 'c', scope: at('arn:aws:thing with spaces'), message: 'm: n.', fix: 'f.' })],
    ['a line break interpolated into the problem', () => caught(() => checkEnvName(new Chart(Testing.app(), 'K'), 'BAD\nNAME'))],
    ['line breaks in the value and the fix', () => new ValidationError({ code: 'c', scope: stack, message: 'Bad.', received: { text: 'a\nb' }, fix: 'Line one.\r\nLine two.' })],
    ['colons and quotes everywhere', () => new ValidationError({ code: 'c', scope: stack, message: 'Key "a: b" is bad: really.', received: 'x: "y". z', fix: 'Use "c: d".' })],
    ['a value that is not JSON', () => new ValidationError({ code: 'c', scope: stack, message: 'Bad.', received: BigInt(10), fix: 'f.' })],
  ])('%s', (_name, make) => {
    expectRoundTrip(make());
  });

  test('a path that needs quoting is shown as a JSON string, the field is the path itself', () => {
    const err = caught(() => new DatasetStore(stack, 'Quoted: store').grantRead(at('Reader2'), 'no-such-zone'));
    expect(err.constructPath).toBe('S/Quoted: store');
    expect(err.message).toContain('] "S/Quoted: store": ');
  });

  test('a foreign message with a malformed quoted path is not read', () => {
    expect(MlopsErrors.validationErrorDetails('[mlops:c] "S/\\x": m. Fix: f.')).toBeUndefined();
  });

  test('a line break becomes \\n in the problem (the field is what the message shows)', () => {
    const err = expectValidationError(() => checkEnvName(new Chart(Testing.app(), 'K'), 'BAD\nNAME'), /invalid-training-job/);
    expect(err.problem).toBe('"BAD\\nNAME" is not a valid environment variable name.');
  });
});
