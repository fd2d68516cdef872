import { App, Validations } from 'aws-cdk-lib';
import { expectValidationError } from '../support/errors';

// cdk-nag is an optional peer dependency: an app without it gets the library's error, naming the package.
jest.mock('cdk-nag', () => {
  throw Object.assign(new Error('Cannot find module \'cdk-nag\''), { code: 'MODULE_NOT_FOUND' });
});

test('the compliance gate names the optional peer dependency that is missing', async () => {
  const { ComplianceGate } = await import('../../lib');
  const err = expectValidationError(() => ComplianceGate.apply(new App()), /compliance-pack-missing.*cdk-nag.*npm install --save-dev cdk-nag/);
  expect(err.code).toBe('compliance-pack-missing');
  expect(err.received).toBe('"cdk-nag"');
  expect(err.fix).toContain('pip install cdk-nag');
});

test('without cdk-nag, the Control Tower rules alone still apply (cdk-nag is loaded only for its packs)', async () => {
  const { ComplianceGate } = await import('../../lib');
  const app = new App();
  const addPlugins = jest.spyOn(Validations.prototype, 'addPlugins');
  expect(() => ComplianceGate.apply(app, { packs: [] })).not.toThrow();
  expect(addPlugins).toHaveBeenCalledTimes(1);
  expect(addPlugins.mock.calls[0].map((p) => p.name)).toEqual(['cdk-validator-cfnguard']);
  addPlugins.mockRestore();
});
