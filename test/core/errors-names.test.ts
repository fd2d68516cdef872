import { App, Stack } from 'aws-cdk-lib';
import { MlopsErrors, NameRule } from '../../lib';
import { ValidationError } from '../../lib/core/errors';
import { expectValidationError } from '../support/errors';

describe('ValidationError', () => {
  test('names code, construct path, value received and fix', () => {
    const stack = new Stack(new App(), 'S');
    const err = new ValidationError({ code: 'some-code', scope: stack, message: 'Bad thing.', received: 'xyz', fix: 'Do this.' });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('some-code');
    expect(err.constructPath).toBe('S');
    expect(err.message).toBe('[mlops:some-code] S: Bad thing. Received: "xyz". Fix: Do this.');
  });
});

describe('MlopsErrors', () => {
  const stack = new Stack(new App(), 'S');
  const withValue = new ValidationError({ code: 'some-code', scope: stack, message: 'Bad: thing.', received: { a: 1 }, fix: 'Do this.' });
  const withoutValue = new ValidationError({ code: 'other-code', scope: stack, message: 'Missing thing.', fix: 'Set it.' });

  test('recognises the library\'s errors only', () => {
    expect(MlopsErrors.isValidationError(withValue)).toBe(true);
    expect(MlopsErrors.isValidationError(new Error(withValue.message))).toBe(false);
    expect(MlopsErrors.isValidationError('[mlops:x] S: y Fix: z')).toBe(false);
    expect(MlopsErrors.isValidationError(undefined)).toBe(false);
    expect(MlopsErrors.isValidationError(null)).toBe(false);
  });

  test('reads the fields of the error object', () => {
    expect(MlopsErrors.validationErrorDetails(withValue)).toEqual({
      code: 'some-code', constructPath: 'S', problem: 'Bad: thing.', received: '{"a":1}', fix: 'Do this.',
    });
    expect(MlopsErrors.validationErrorDetails(withoutValue)).toEqual({
      code: 'other-code', constructPath: 'S', problem: 'Missing thing.', received: undefined, fix: 'Set it.',
    });
  });

  test('parses the same fields from the message, as a Python user catches it (with a trace after it)', () => {
    for (const err of [withValue, withoutValue]) {
      const fromObject = MlopsErrors.validationErrorDetails(err);
      expect(MlopsErrors.validationErrorDetails(err.message)).toEqual(fromObject);
      expect(MlopsErrors.validationErrorDetails(`RuntimeError: ${err.message}\n    at Object.<anonymous> (x.js:1:1)`)).toEqual(fromObject);
      expect(MlopsErrors.validationErrorDetails(new Error(err.message))).toEqual(fromObject);
    }
    const nested = new ValidationError({ code: 'c', scope: new Stack(new App(), 'Deep').node.root, message: 'm.', fix: 'f.' });
    expect(MlopsErrors.validationErrorDetails(nested.message)?.constructPath).toBe('<root>');
  });

  test('is undefined for anything else', () => {
    expect(MlopsErrors.validationErrorDetails(new Error('boom'))).toBeUndefined();
    expect(MlopsErrors.validationErrorDetails('[mlops:code] no fix here')).toBeUndefined();
    expect(MlopsErrors.validationErrorDetails(42)).toBeUndefined();
  });
});

describe('NameRule', () => {
  const stack = new Stack(new App(), 'Names');

  test.each([
    [NameRule.SAGEMAKER, 'fraud-scoring-prod', true],
    [NameRule.SAGEMAKER, 'Fraud-Scoring2', true],
    [NameRule.SAGEMAKER, '-leading', false],
    [NameRule.SAGEMAKER, 'trailing-', false],
    [NameRule.SAGEMAKER, 'under_score', false],
    [NameRule.SAGEMAKER, 'a'.repeat(63), true],
    [NameRule.SAGEMAKER, 'a'.repeat(64), false],
    [NameRule.EVENTBRIDGE_RULE, 'my.rule_name-1', true],
    [NameRule.EVENTBRIDGE_RULE, 'a'.repeat(65), false],
    [NameRule.EVENTBRIDGE_RULE, 'has space', false],
    [NameRule.S3_BUCKET, 'my-datasets.v1', true],
    [NameRule.S3_BUCKET, 'ab', false],
    [NameRule.S3_BUCKET, 'Upper', false],
    [NameRule.S3_BUCKET, 'a..b', false],
    [NameRule.S3_BUCKET, '192.168.1.1', false],
    [NameRule.S3_BUCKET, 'xn--bucket', false],
    [NameRule.S3_BUCKET, 'bucket-s3alias', false],
    [NameRule.S3_BUCKET, 'bucket--x-s3', false],
    [NameRule.ECR_REPOSITORY, 'team/fraud-scoring', true],
    [NameRule.ECR_REPOSITORY, 'Team/x', false],
    [NameRule.ECR_REPOSITORY, 'a//b', false],
    [NameRule.KUBERNETES, 'features', true],
    [NameRule.KUBERNETES, 'Features', false],
    // every length limit at its edges: the shortest and longest valid names, one less and one more
    [NameRule.SAGEMAKER, 'a', true],
    [NameRule.SAGEMAKER, '', false],
    [NameRule.EVENTBRIDGE_RULE, 'a'.repeat(64), true],
    [NameRule.EVENTBRIDGE_RULE, 'a', true],
    [NameRule.EVENTBRIDGE_RULE, '', false],
    [NameRule.S3_BUCKET, 'abc', true],
    [NameRule.S3_BUCKET, 'a'.repeat(63), true],
    [NameRule.S3_BUCKET, 'a'.repeat(64), false],
    [NameRule.ECR_REPOSITORY, 'ab', true],
    [NameRule.ECR_REPOSITORY, 'a', false],
    [NameRule.ECR_REPOSITORY, 'a'.repeat(256), true],
    [NameRule.ECR_REPOSITORY, 'a'.repeat(257), false],
    [NameRule.KUBERNETES, 'a', true],
    [NameRule.KUBERNETES, '', false],
    [NameRule.KUBERNETES, 'a'.repeat(63), true],
    [NameRule.KUBERNETES, 'a'.repeat(64), false],
    // the names constructs used to check with regular expressions of their own
    [NameRule.EKS_CLUSTER, 'a', true],
    [NameRule.EKS_CLUSTER, '', false],
    [NameRule.EKS_CLUSTER, 'a'.repeat(100), true],
    [NameRule.EKS_CLUSTER, 'a'.repeat(101), false],
    [NameRule.EKS_CLUSTER, 'ml_training-2', true],
    [NameRule.EKS_CLUSTER, '_ml', false],
    [NameRule.EKS_CLUSTER, 'ml.training', false],
    [NameRule.SAGEMAKER_PIPELINE_STEP, 'Train_model-1', true],
    [NameRule.SAGEMAKER_PIPELINE_STEP, '', false],
    [NameRule.SAGEMAKER_PIPELINE_STEP, 's'.repeat(64), true],
    [NameRule.SAGEMAKER_PIPELINE_STEP, 's'.repeat(65), false],
    [NameRule.SAGEMAKER_PIPELINE_STEP, 'Train.model', false],
    [NameRule.SAGEMAKER_CHANNEL, 'train.v2_a-b', true],
    [NameRule.SAGEMAKER_CHANNEL, '', false],
    [NameRule.SAGEMAKER_CHANNEL, 'c'.repeat(64), true],
    [NameRule.SAGEMAKER_CHANNEL, 'c'.repeat(65), false],
    [NameRule.SAGEMAKER_CHANNEL, 'train/a', false],
    [NameRule.HYPERPOD_INSTANCE_GROUP, 'gpu-workers', true],
    [NameRule.HYPERPOD_INSTANCE_GROUP, 'g'.repeat(63), true],
    [NameRule.HYPERPOD_INSTANCE_GROUP, 'g'.repeat(64), false],
    [NameRule.HYPERPOD_INSTANCE_GROUP, 'gpu_workers', false],
    [NameRule.HYPERPOD_INSTANCE_GROUP, 'workers-', false],
  ])('%s accepts %s: %s', (rule, name, valid) => {
    expect(rule.problem(name) === undefined).toBe(valid);
  });

  test('validate throws invalid-name naming the prop, the value and the fix', () => {
    expectValidationError(() => NameRule.SAGEMAKER.validate(stack, 'modelPackageGroupName', 'bad_name'), /\[mlops:invalid-name\] Names: modelPackageGroupName is not a valid SageMaker name.*Received: "bad_name".*Fix: .*omit modelPackageGroupName/);
  });

  test('validate words the fix for names that must be given, with an example', () => {
    const err = expectValidationError(() => NameRule.SAGEMAKER_PIPELINE_STEP.validate(stack, 'stepName', 'Train model', { generated: false, example: 'Train' }),
      /\[mlops:invalid-name\] Names: stepName is not a valid SageMaker pipeline step name: it may only contain letters, digits, "_" and "-"\./);
    expect(err.fix).toBe('Give a name of 1-64 characters made of letters, digits, "_" and "-", such as "Train".');
    expect(() => NameRule.EKS_CLUSTER.validate(stack, 'clusterName', 'ml-training', { generated: false })).not.toThrow();
  });

  test('unresolved tokens are not checked', () => {
    expect(NameRule.SAGEMAKER.problem(stack.stackName)).toBeUndefined();
  });

  test('generate always yields a valid, deterministic name, hashed when too long', () => {
    const long = NameRule.SAGEMAKER.generate(stack, 'a-very-long-project-name-that-goes-on', 'and-on-and-on-stage', 'models_registry');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(NameRule.SAGEMAKER.problem(long)).toBeUndefined();
    expect(long.endsWith(stack.node.addr.slice(-8))).toBe(true);
    expect(NameRule.SAGEMAKER.generate(stack, 'a-very-long-project-name-that-goes-on', 'and-on-and-on-stage', 'models_registry')).toBe(long);
    expect(NameRule.SAGEMAKER.generate(stack, 'fraud', 'prod')).toBe('fraud-prod');
    expect(NameRule.S3_BUCKET.generate(stack, 'Fraud', 'PROD', 'data')).toBe('fraud-prod-data');
    const ruleName = NameRule.EVENTBRIDGE_RULE.generate(stack, 'x'.repeat(100));
    expect(ruleName.length).toBeLessThanOrEqual(64);
  });
});
