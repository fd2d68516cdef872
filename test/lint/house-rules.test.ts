// The house rules on imports (eslint.config.mjs, ARCHITECTURE.md "Rules of the house"): for each
// rule a snippet that breaks it and one that keeps it, linted as virtual files (no fixture lands
// in lib/) with the repository's ESLint config, through the ESLint Node API.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const HOUSE_RULES = ['no-restricted-imports', 'house/boundaries'];

interface LintMessage { ruleId: string | null; message: string; line: number; fatal: boolean }
interface Case {
  /** Virtual path, relative to the repository root. */
  readonly filePath: string;
  readonly code: string;
  /** The house rule that must report, and a pattern of its message; undefined: no house rule reports. */
  readonly breaks?: { readonly ruleId: string; readonly message: RegExp };
}

const K8S_NO_AWS = /lib\/k8s never imports aws-cdk-lib/;
const K8S_ONLY_K8S_CORE = /lib\/k8s imports only lib\/k8s and lib\/core/;
const AWS_NO_CDK8S = /the AWS side \(lib outside lib\/k8s\) never imports cdk8s/;
const AWS_NO_K8S = /the AWS side never imports lib\/k8s/;
const ONLY_PLUS = /only lib\/k8s\/core\/plus\.ts imports cdk8s-plus-27/;
const CORE_NEUTRAL = /lib\/core is target-neutral/;
const PRIVATE = /is private to/;
const DIRECTORY = /never import a directory/;

const nri = (message: RegExp) => ({ ruleId: 'no-restricted-imports', message });
const house = (message: RegExp) => ({ ruleId: 'house/boundaries', message });

const cases: Record<string, Case> = {
  // 1. lib/k8s: no aws-cdk-lib, no AWS side.
  'k8s: import of aws-cdk-lib': { filePath: 'lib/k8s/training/x.ts', code: "import { Stack } from 'aws-cdk-lib';\nexport { Stack };\n", breaks: nri(K8S_NO_AWS) },
  'k8s: import type of an aws-cdk-lib subpath': { filePath: 'lib/k8s/data/x.ts', code: "import type { IBucket } from 'aws-cdk-lib/aws-s3';\nexport type B = IBucket;\n", breaks: nri(K8S_NO_AWS) },
  'k8s: inline type specifier': { filePath: 'lib/k8s/data/x.ts', code: "import { type IBucket } from 'aws-cdk-lib/aws-s3';\nexport type B = IBucket;\n", breaks: nri(K8S_NO_AWS) },
  'k8s: re-export of aws-cdk-lib': { filePath: 'lib/k8s/templates/x.ts', code: "export * from 'aws-cdk-lib/aws-iam';\n", breaks: nri(K8S_NO_AWS) },
  'k8s: import = require of aws-cdk-lib': { filePath: 'lib/k8s/training/x.ts', code: "import cdk = require('aws-cdk-lib');\nexport const s = cdk.Stack;\n", breaks: nri(K8S_NO_AWS) },
  'k8s: require() of aws-cdk-lib': { filePath: 'lib/k8s/training/x.ts', code: "export const cdk = require('aws-cdk-lib');\n", breaks: house(K8S_NO_AWS) },
  'k8s: typeof import() of aws-cdk-lib': { filePath: 'lib/k8s/training/x.ts', code: "export type Cdk = typeof import('aws-cdk-lib');\n", breaks: house(K8S_NO_AWS) },
  'k8s: import of cdk8s is allowed': { filePath: 'lib/k8s/training/x.ts', code: "import { ApiObject } from 'cdk8s';\nexport { ApiObject };\n" },
  'k8s: import from lib/private': { filePath: 'lib/k8s/core/x.ts', code: "import { isUnresolvedString } from '../../private/tokens';\nexport { isUnresolvedString };\n", breaks: house(K8S_ONLY_K8S_CORE) },
  'k8s: import from an AWS capability': { filePath: 'lib/k8s/training/x.ts', code: "import { DatasetStore } from '../../data/dataset-store';\nexport { DatasetStore };\n", breaks: house(K8S_ONLY_K8S_CORE) },
  'k8s: import from a future AWS capability': { filePath: 'lib/k8s/serving/x.ts', code: "import type { INetwork } from '../../network/project-network';\nexport type N = INetwork;\n", breaks: house(K8S_ONLY_K8S_CORE) },
  'k8s: import of lib/index': { filePath: 'lib/k8s/templates/x.ts', code: "export * from '../../index';\n", breaks: house(K8S_ONLY_K8S_CORE) },
  'k8s: imports of lib/core and lib/k8s are allowed': {
    filePath: 'lib/k8s/training/x.ts',
    code: "import { ValidationError } from '../../core/errors';\nimport { plus } from '../core/plus';\nimport { DatasetVolume } from '../data/dataset-volume';\nexport { ValidationError, plus, DatasetVolume };\n",
  },

  // 2. lib outside lib/k8s: no cdk8s, no cdk8s-plus-27, no lib/k8s.
  'AWS side: import of cdk8s': { filePath: 'lib/data/x.ts', code: "import { Chart } from 'cdk8s';\nexport { Chart };\n", breaks: nri(AWS_NO_CDK8S) },
  'AWS side: import type of cdk8s-plus-27': { filePath: 'lib/templates/x.ts', code: "import type { Deployment } from 'cdk8s-plus-27';\nexport type D = Deployment;\n", breaks: nri(AWS_NO_CDK8S) },
  'AWS side: cdk8s in lib/private': { filePath: 'lib/private/x.ts', code: "export { Chart } from 'cdk8s';\n", breaks: nri(AWS_NO_CDK8S) },
  'AWS side: cdk8s in a future capability': { filePath: 'lib/serving/x.ts', code: "import * as cdk8s from 'cdk8s';\nexport { cdk8s };\n", breaks: nri(AWS_NO_CDK8S) },
  'AWS side: import() of cdk8s': { filePath: 'lib/network/x.ts', code: "export const load = () => import('cdk8s');\n", breaks: house(AWS_NO_CDK8S) },
  'AWS side: cdk8s in lib/index.ts': { filePath: 'lib/index.ts', code: "export * from 'cdk8s';\n", breaks: nri(AWS_NO_CDK8S) },
  'AWS side: relative import of lib/k8s': { filePath: 'lib/templates/x.ts', code: "import { MlProjectChart } from '../k8s/templates/ml-project-chart';\nexport { MlProjectChart };\n", breaks: house(AWS_NO_K8S) },
  'AWS side: aws-cdk-lib is allowed': { filePath: 'lib/data/x.ts', code: "import { Stack } from 'aws-cdk-lib';\nimport type { IBucket } from 'aws-cdk-lib/aws-s3';\nexport { Stack };\nexport type B = IBucket;\n" },
  'lib/index.ts: re-exports of both sides are allowed': { filePath: 'lib/index.ts', code: "export * from './data/dataset-store';\nexport * from './k8s/data/dataset-volume';\n" },

  // lib/core: target-neutral.
  'core: import of aws-cdk-lib': { filePath: 'lib/core/x.ts', code: "import { Token } from 'aws-cdk-lib';\nexport { Token };\n", breaks: nri(CORE_NEUTRAL) },
  'core: import of cdk8s': { filePath: 'lib/core/private/x.ts', code: "import type { Chart } from 'cdk8s';\nexport type C = Chart;\n", breaks: nri(CORE_NEUTRAL) },
  'core: import from lib/private': { filePath: 'lib/core/x.ts', code: "import { isUnresolvedString } from '../private/tokens';\nexport { isUnresolvedString };\n", breaks: house(CORE_NEUTRAL) },
  'core: constructs and lib/core are allowed': { filePath: 'lib/core/x.ts', code: "import { IConstruct } from 'constructs';\nimport { ValidationError } from './errors';\nexport type C = IConstruct;\nexport { ValidationError };\n" },

  // 3. cdk8s-plus-27 only in lib/k8s/core/plus.ts.
  'plus: cdk8s-plus-27 elsewhere in lib/k8s': { filePath: 'lib/k8s/training/x.ts', code: "import * as kplus from 'cdk8s-plus-27';\nexport { kplus };\n", breaks: nri(ONLY_PLUS) },
  'plus: cdk8s-plus-27 in lib/k8s/core': { filePath: 'lib/k8s/core/objects.ts', code: "import type { Pod } from 'cdk8s-plus-27';\nexport type P = Pod;\n", breaks: nri(ONLY_PLUS) },
  'plus: require() of cdk8s-plus-27': { filePath: 'lib/k8s/core/x.ts', code: "export const kplus = require('cdk8s-plus-27');\n", breaks: house(ONLY_PLUS) },
  'plus: lib/k8s/core/plus.ts may import it': { filePath: 'lib/k8s/core/plus.ts', code: "import * as kplus from 'cdk8s-plus-27';\nexport { kplus };\n" },
  'plus: lib/k8s/core/plus.ts still may not import aws-cdk-lib': { filePath: 'lib/k8s/core/plus.ts', code: "import { Stack } from 'aws-cdk-lib';\nexport { Stack };\n", breaks: nri(K8S_NO_AWS) },

  // 4. Another capability's private/ folder.
  'private: AWS template into a capability': { filePath: 'lib/templates/x.ts', code: "import { render } from '../training/private/render';\nexport { render };\n", breaks: house(PRIVATE) },
  'private: Kubernetes template into a capability': { filePath: 'lib/k8s/templates/x.ts', code: "import { podSpec } from '../training/private/pod';\nexport { podSpec };\n", breaks: house(PRIVATE) },
  'private: one Kubernetes capability into another': { filePath: 'lib/k8s/data/x.ts', code: "import { podSpec } from '../training/private/pod';\nexport { podSpec };\n", breaks: house(PRIVATE) },
  'private: one AWS capability into another (moved files)': { filePath: 'lib/network/x.ts', code: "import type { Thing } from '../data/private/lustre';\nexport type T = Thing;\n", breaks: house(PRIVATE) },
  'private: export from another capability': { filePath: 'lib/serving/project.ts', code: "export * from '../registry/private/approval';\n", breaks: house(PRIVATE) },
  'private: a capability into its own private/': { filePath: 'lib/k8s/training/x.ts', code: "import { render } from './private/render';\nexport { render };\n" },
  'private: within private/': { filePath: 'lib/k8s/training/private/x.ts', code: "import { render } from './render';\nimport { TrainJob } from '../train-job';\nexport { render, TrainJob };\n" },
  'private: lib/private and lib/core/private are shared': {
    filePath: 'lib/templates/x.ts',
    code: "import { grantRead } from '../private/grants';\nimport { validate } from '../core/private/validate';\nexport { grantRead, validate };\n",
  },
  'private: lib/core/private is shared with lib/k8s': { filePath: 'lib/k8s/templates/x.ts', code: "import { validate } from '../../core/private/validate';\nexport { validate };\n" },

  // 5. No directory imports (lib, bin, examples, scripts).
  'directory: bin imports ../lib': { filePath: 'bin/x.ts', code: "import { DatasetStore } from '../lib';\nexport { DatasetStore };\n", breaks: house(DIRECTORY) },
  'directory: lib imports a capability folder': { filePath: 'lib/templates/x.ts', code: "export * from '../compliance';\n", breaks: house(DIRECTORY) },
  'directory: ../lib/index is allowed': { filePath: 'scripts/x.ts', code: "import { DatasetStore } from '../lib/index';\nexport { DatasetStore };\n" },
  'directory: test/ may import ../lib (jest resolves index.ts)': { filePath: 'test/x.test.ts', code: "import { DatasetStore } from '../lib';\nexport { DatasetStore };\n" },
};

const names = Object.keys(cases);
let results: Record<string, LintMessage[]>;

beforeAll(() => {
  const input = JSON.stringify(names.map((name) => ({ filePath: cases[name].filePath, code: cases[name].code })));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'lint-text.mjs')], { cwd: root, input, encoding: 'utf8' });
  const lists = JSON.parse(out) as LintMessage[][];
  results = Object.fromEntries(names.map((name, i) => [name, lists[i]]));
});

test.each(names)('%s', (name) => {
  const messages = results[name];
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  const houseMessages = messages.filter((m) => m.ruleId !== null && HOUSE_RULES.includes(m.ruleId));
  const { breaks } = cases[name];
  if (breaks) {
    expect(houseMessages).toEqual([expect.objectContaining({ ruleId: breaks.ruleId, message: expect.stringMatching(breaks.message) })]);
    expect(houseMessages[0].message).toMatch(/^(?:'[^']+' import is restricted from being used by a pattern\. )?House rule: /);
  } else {
    expect(houseMessages).toEqual([]);
  }
});
