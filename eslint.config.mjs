import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// House rules on imports (ARCHITECTURE.md, "Rules of the house"; test/lint/house-rules.test.ts).
//
// Packages, in static imports and exports (`import`, `import type`, `export ... from`,
// `import x = require()`): the core `no-restricted-imports` rule, one `files` block per zone.
// Relative paths (and packages in `require()`, `import()`, `typeof import()`, which
// `no-restricted-imports` does not see): the local rule `house/boundaries` below, which resolves
// each path against the importing file and classifies both ends by folder, so it keeps working
// while files move between capabilities.
//
// Flat config does not merge rule options: for a file matched by two blocks, the later block's
// `no-restricted-imports` options replace the earlier ones. So the zones below are disjoint
// (`ignores`), every lib file is in exactly one zone, and each zone lists all its restrictions.
// ---------------------------------------------------------------------------------------------

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/** `name` and its subpaths (`aws-cdk-lib`, `aws-cdk-lib/aws-s3`). */
const pkg = (name) => `^(${name})(/.*)?$`;
const PLUS = 'cdk8s-plus-\\d+';

const restrictions = {
  awsInK8s: {
    regex: pkg('aws-cdk-lib'),
    message: 'House rule: lib/k8s never imports aws-cdk-lib (the Kubernetes side is cdk8s only; move shared code to lib/core).',
  },
  plusOutsidePlus: {
    regex: pkg(PLUS),
    message: 'House rule: only lib/k8s/core/plus.ts imports cdk8s-plus-27; import it from lib/k8s/core/plus.',
  },
  cdk8sOnAws: {
    regex: pkg(`cdk8s|${PLUS}`),
    message: 'House rule: the AWS side (lib outside lib/k8s) never imports cdk8s or cdk8s-plus-27; Kubernetes code lives in lib/k8s.',
  },
  targetInCore: {
    regex: pkg(`aws-cdk-lib|cdk8s|${PLUS}`),
    message: 'House rule: lib/core is target-neutral and imports neither aws-cdk-lib nor cdk8s.',
  },
};

/** Disjoint zones of lib/: files, and the packages they may not import. */
const zones = [
  { files: ['lib/k8s/core/plus.ts'], forbid: [restrictions.awsInK8s] },
  { files: ['lib/k8s/**/*.ts'], ignores: ['lib/k8s/core/plus.ts'], forbid: [restrictions.awsInK8s, restrictions.plusOutsidePlus] },
  { files: ['lib/core/**/*.ts'], forbid: [restrictions.targetInCore] },
  { files: ['lib/**/*.ts'], ignores: ['lib/k8s/**', 'lib/core/**'], forbid: [restrictions.cdk8sOnAws] },
];

// ----- house/boundaries ----------------------------------------------------------------------

const rel = (abs) => path.relative(ROOT, abs).split(path.sep).join('/');

/** 'root' (lib/index.ts), 'core' (lib/core), 'k8s' (lib/k8s), 'aws' (lib/private, lib/<capability>), or undefined outside lib. */
function sideOf(relPath) {
  const segs = relPath.split('/');
  if (segs[0] !== 'lib') return undefined;
  if (segs.length <= 2) return 'root';
  if (segs[1] === 'core') return 'core';
  if (segs[1] === 'k8s') return 'k8s';
  return 'aws';
}

const statCache = new Map();
function isDirectory(abs) {
  if (!statCache.has(abs)) statCache.set(abs, fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory() ?? false);
  return statCache.get(abs);
}
const fileCache = new Map();
function isFile(abs) {
  if (!fileCache.has(abs)) fileCache.set(abs, fs.statSync(abs, { throwIfNoEntry: false })?.isFile() ?? false);
  return fileCache.get(abs);
}
/** TypeScript (and tsx) resolve `./x` to x.ts before x/index.ts: only a path with no such file is a directory import. */
const directoryImport = (abs) => isDirectory(abs) && !['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'].some((ext) => isFile(abs + ext));

/**
 * The folder whose `private/` holds `targetRel`, or undefined. `<x>/core/private` is shared by
 * everything under `<x>` (lib/core/private: all of lib; lib/k8s/core/private: all of lib/k8s),
 * as lib/private is shared by lib (the AWS side; the side rules keep lib/k8s and lib/core out).
 */
function privateOwner(targetRel, targetAbs) {
  const segs = targetRel.split('/');
  let i = segs.slice(0, -1).lastIndexOf('private');
  if (i < 0 && segs[segs.length - 1] === 'private' && isDirectory(targetAbs)) i = segs.length - 1;
  if (i < 0) return undefined;
  const owner = segs.slice(0, i);
  if (owner.length > 1 && owner[owner.length - 1] === 'core') owner.pop();
  return { owner: owner.join('/'), folder: segs.slice(0, i + 1).join('/') };
}

const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'House rules on imports between lib/core, the AWS side, lib/k8s and private/ folders (ARCHITECTURE.md)' },
    schema: [{
      type: 'object',
      additionalProperties: false,
      properties: {
        packages: { type: 'array', items: { type: 'object', properties: { regex: { type: 'string' }, message: { type: 'string' } }, required: ['regex', 'message'], additionalProperties: false } },
      },
    }],
    messages: {
      k8sToAws: "House rule: lib/k8s imports only lib/k8s and lib/core; '{{spec}}' resolves to {{target}} (AWS side). Move target-neutral code to lib/core.",
      coreToOther: "House rule: lib/core is target-neutral and imports only lib/core; '{{spec}}' resolves to {{target}}.",
      awsToK8s: "House rule: the AWS side never imports lib/k8s; '{{spec}}' resolves to {{target}}.",
      otherPrivate: "House rule: {{folder}}/ is private to {{owner}}/; '{{spec}}' reaches into it from outside. Use that capability's exports (index.ts, its interfaces).",
      directory: "House rule: never import a directory ('{{spec}}'); import its index file ('{{spec}}/index') so tsx does not load a compiled index.js.",
      package: '{{message}}',
    },
  },
  create(context) {
    const packages = (context.options[0]?.packages ?? []).map((p) => ({ re: new RegExp(p.regex, 'u'), message: p.message }));
    const fromAbs = context.filename;
    const fromRel = rel(fromAbs);
    const fromSide = sideOf(fromRel);

    function check(node, spec, dynamic) {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        // Static imports of packages are no-restricted-imports' job; this covers require()/import().
        const hit = dynamic && packages.find((p) => p.re.test(spec));
        if (hit) context.report({ node, messageId: 'package', data: { message: hit.message } });
        return;
      }
      const targetAbs = path.resolve(path.dirname(fromAbs), spec);
      if (directoryImport(targetAbs)) {
        context.report({ node, messageId: 'directory', data: { spec } });
        return;
      }
      if (!fromSide) return;
      const targetRel = rel(targetAbs);
      const toSide = sideOf(targetRel);
      if (!toSide) return;
      const data = { spec, target: targetRel };
      if (fromSide === 'k8s' && toSide !== 'k8s' && toSide !== 'core') return context.report({ node, messageId: 'k8sToAws', data });
      if (fromSide === 'core' && toSide !== 'core') return context.report({ node, messageId: 'coreToOther', data });
      if (fromSide === 'aws' && toSide === 'k8s') return context.report({ node, messageId: 'awsToK8s', data });
      const priv = privateOwner(targetRel, targetAbs);
      if (priv && !fromRel.startsWith(`${priv.owner}/`)) context.report({ node, messageId: 'otherPrivate', data: { spec, ...priv } });
    }

    const literal = (n) => (n?.type === 'Literal' ? n.value : n?.type === 'TemplateLiteral' && n.expressions.length === 0 ? n.quasis[0].value.cooked : undefined);
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value, false),
      ExportAllDeclaration: (node) => check(node.source, node.source.value, false),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value, false),
      TSImportEqualsDeclaration: (node) => node.moduleReference.type === 'TSExternalModuleReference'
        && check(node.moduleReference.expression, literal(node.moduleReference.expression), false),
      ImportExpression: (node) => check(node.source, literal(node.source), true),
      TSImportType: (node) => {
        const source = node.source ?? node.argument?.literal;
        check(source ?? node, literal(source), true);
      },
      CallExpression: (node) => node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length > 0
        && check(node.arguments[0], literal(node.arguments[0]), true),
    };
  },
};

const house = { meta: { name: 'house' }, rules: { boundaries } };

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '.bench/', '.scratch/', 'build/', 'lib/**/*.js', 'lib/**/*.d.ts', 'examples/**/cdk.out/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: 'error',
      'prefer-const': 'error',
    },
  },
  { plugins: { house } },
  ...zones.map(({ files, ignores, forbid }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid.map(({ regex, message }) => ({ regex, message, caseSensitive: true })) }],
      'house/boundaries': ['error', { packages: forbid }],
    },
  })),
  // Outside lib only the directory-import rule applies (as in test/package/sources-over-build).
  // test/ is left out: jest resolves a directory to its index.ts.
  { files: ['bin/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'], rules: { 'house/boundaries': 'error' } },
);
