// Lints virtual files with the repository's eslint.config.mjs through the ESLint Node API, in a
// plain Node process: inside jest, ESLint cannot import() its config file (jest's VM needs
// --experimental-vm-modules). Reads [{ filePath, code }] as JSON on stdin, writes
// [[{ ruleId, message, line, fatal }]] (one list per case) as JSON on stdout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: root });
const out = [];
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push(result.messages.map(({ ruleId, message, line, fatal }) => ({ ruleId, message, line, fatal: fatal ?? false })));
}
process.stdout.write(JSON.stringify(out));
