import { App } from 'aws-cdk-lib';
import { expectValidationError } from '../support/errors';

// cdk-nag is an optional peer dependency: an app without it gets the library's error, naming the package.
jest.mock('cdk-nag', () => {
  throw Object.assign(new Error('Cannot find module \'cdk-nag\''), { code: 'MODULE_NOT_FOUND' });
});

test('the compliance gate names the optional peer dependency that is missing', async () => {
  const { ComplianceGate } = await import('../../lib');
  expectValidationError(() => ComplianceGate.apply(new App()), /compliance-pack-missing.*cdk-nag.*npm install --save-dev cdk-nag/);
});
