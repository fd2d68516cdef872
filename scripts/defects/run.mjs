// Planted-defect measure: how many small realistic defects in lib/ the tests notice.
//
//   node scripts/defects/run.mjs [mutants.json] [--only id,id]
//
// Copies the checkout (without node_modules, which is linked) to a scratch folder, then for each
// mutant replaces one exact snippet in one lib/ file (it must occur exactly once), runs tsc on
// the copy (a defect the type checker catches counts as caught, by tsc) and the mutant's jest
// files, and restores the file. A mutant is caught when tsc or jest fails. Prints a table and
// the rate; exits 1 below 90 %. Not part of npm test: it runs jest once per mutant.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1].split(',') : undefined;
const listFile = args.find((a, i) => !a.startsWith('--') && i !== onlyAt + 1) ?? path.join(root, 'scripts/defects/mutants.json');
const mutants = JSON.parse(fs.readFileSync(listFile, 'utf8')).filter((m) => !only || only.includes(m.id));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-defects-'));
for (const entry of fs.readdirSync(root)) {
  if (['node_modules', '.git', 'cdk.out', 'dist', 'build'].includes(entry)) continue;
  fs.cpSync(path.join(root, entry), path.join(work, entry), { recursive: true, filter: (src) => !/\.(js|d\.ts)$/.test(src) || !src.includes(`${path.sep}lib${path.sep}`) });
}
fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
// the shared schemas and CRDs sit beside the checkout
if (fs.existsSync(path.join(root, '../shared')) && !fs.existsSync(path.join(work, '../shared'))) {
  fs.symlinkSync(path.join(root, '../shared'), path.join(work, '../shared'));
}

const results = [];
for (const m of mutants) {
  const file = path.join(work, m.file);
  const original = fs.readFileSync(file, 'utf8');
  const count = original.split(m.find).length - 1;
  if (count !== 1) {
    results.push({ ...m, outcome: `INVALID (snippet found ${count} times)` });
    continue;
  }
  fs.writeFileSync(file, original.replace(m.find, m.replace));
  let outcome;
  try {
    const tsc = spawnSync(path.join(work, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: work, encoding: 'utf8' });
    if (tsc.status !== 0) {
      outcome = 'caught (tsc)';
    } else {
      const tests = m.tests ?? ['test'];
      const jest = spawnSync(path.join(work, 'node_modules/.bin/jest'), ['--silent', '--bail', ...tests], {
        cwd: work, encoding: 'utf8', env: { ...process.env, CI: 'true' },
      });
      const failed = /Tests:.*(\d+) failed/.exec(jest.stderr ?? '') || jest.status !== 0;
      outcome = failed ? 'caught' : 'MISSED';
    }
  } finally {
    fs.writeFileSync(file, original);
  }
  results.push({ ...m, outcome });
  console.log(`${outcome.padEnd(14)} ${m.id}  (${m.class})`);
}

const valid = results.filter((r) => !r.outcome.startsWith('INVALID'));
const caught = valid.filter((r) => r.outcome.startsWith('caught'));
console.log('\n| # | defect | class | outcome |\n|---|---|---|---|');
results.forEach((r, i) => console.log(`| ${i + 1} | ${r.id}: ${r.description} | ${r.class} | ${r.outcome} |`));
const rate = valid.length === 0 ? 0 : caught.length / valid.length;
console.log(`\n${caught.length} of ${valid.length} planted defects caught (${(rate * 100).toFixed(0)} %)`
  + `${results.length > valid.length ? `; ${results.length - valid.length} invalid` : ''}.`);
fs.rmSync(work, { recursive: true, force: true });
process.exit(rate >= 0.9 ? 0 : 1);
