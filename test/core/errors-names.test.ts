import { App, Stack } from 'aws-cdk-lib';
import { NameRule, ValidationError } from '../../lib';
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
  ])('%s accepts %s: %s', (rule, name, valid) => {
    expect(rule.problem(name) === undefined).toBe(valid);
  });

  test('validate throws invalid-name naming the prop, the value and the fix', () => {
    expectValidationError(() => NameRule.SAGEMAKER.validate(stack, 'modelPackageGroupName', 'bad_name'), /\[mlops:invalid-name\] Names: modelPackageGroupName is not a valid SageMaker name.*Received: "bad_name".*Fix: .*omit modelPackageGroupName/);
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
