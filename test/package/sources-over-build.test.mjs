// jsii compiles lib/ in place (lib/**/*.js beside lib/**/*.ts). jest prefers .ts
// (moduleFileExtensions), but tsx (npm run synth, bench, the examples) resolves an import of a
// directory to its index.js when one exists: after a build, `import '../lib'` would run the
// compiled, possibly stale, library. So no TypeScript file imports a directory, and after a
// build the default app still loads the sources only. (Tests run in jest, which resolves a
// directory to index.ts first.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('no TypeScript source imports a directory (tsx would load its compiled index.js)', () => {
  const offenders = [];
  for (const dir of ['lib', 'bin', 'examples', 'scripts']) {
    for (const rel of fs.readdirSync(path.join(root, dir), { recursive: true })) {
      if (!rel.endsWith('.ts') || rel.endsWith('.d.ts') || rel.includes('node_modules')) continue;
      const file = path.join(root, dir, rel);
      const text = fs.readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import|require\()\s*'(\.{1,2}(?:\/[^']*)?)'/g)) {
        const target = path.resolve(path.dirname(file), spec);
        if (fs.existsSync(target) && fs.statSync(target).isDirectory()) offenders.push(`${path.relative(root, file)}: '${spec}'`);
      }
    }
  }
  assert.deepEqual(offenders, [], 'import the directory\'s index file explicitly (\'../lib/index\')');
});

test('after a build, the default app and the example run the TypeScript sources, not lib/**/*.js', (t) => {
  if (!fs.existsSync(path.join(root, 'lib/index.js'))) return t.skip('not built: nothing to confuse');
  const probe = 'require("./bin/platform"); require("./examples/fraud-team/lib/fraud-platform");'
    + 'const lib = Object.keys(require.cache).filter((f) => f.startsWith(process.cwd() + "/lib/"));'
    + 'console.log(JSON.stringify({ ts: lib.filter((f) => f.endsWith(".ts")).length, js: lib.filter((f) => f.endsWith(".js")) }));';
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--eval', probe], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop());
  assert.deepEqual(out.js, []);
  assert.ok(out.ts > 20, `only ${out.ts} library sources were loaded`);
});
