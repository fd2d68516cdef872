// What a team gets is what is tested: pack the built library (npm run build first), install the
// tarball into a scratch team repository that has only the peer dependencies (and TypeScript),
// compile the team app there with plain tsc (no tsx, no path mapping) and synthesize it with node.
// Run by `npm run test:package` (part of `npm test`), outside jest: the install takes ~20 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const installed = (name) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: undefined, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
  } catch (e) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`.slice(0, 6000));
  }
}

// The scratch folder is outside the checkout (and NODE_PATH is cleared), so nothing resolves from
// the repository's node_modules.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-team-repo-'));
for (let dir = path.dirname(scratch); ; dir = path.dirname(dir)) {
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules would be found from the scratch repository`);
  if (dir === path.dirname(dir)) break;
}

test('the package is built', () => {
  for (const file of ['lib/index.js', 'lib/index.d.ts', '.jsii']) {
    assert.ok(fs.existsSync(path.join(root, file)), `${file} is missing: run npm run build first`);
  }
  assert.equal(pkg.private, undefined);
  assert.equal(pkg.main, 'lib/index.js');
  assert.equal(pkg.types, 'lib/index.d.ts');
  for (const field of ['name', 'version', 'license', 'repository', 'author']) assert.ok(pkg[field], `package.json has no ${field}`);
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
  for (const peer of ['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk8s-plus-27']) {
    assert.ok(pkg.peerDependencies[peer], `${peer} is not a peer dependency`);
    assert.equal(pkg.peerDependenciesMeta?.[peer]?.optional, undefined, `${peer} must be a required peer`);
  }
  for (const peer of ['cdk-nag', '@cdklabs/cdk-validator-cfnguard']) assert.equal(pkg.peerDependenciesMeta[peer].optional, true);
});

let tarball;
test('the tarball ships the compiled library, its declarations, the jsii assembly, the READMEs and the license, nothing else', () => {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], root));
  tarball = path.join(scratch, packed.filename);
  const files = packed.files.map((f) => f.path);
  for (const file of ['lib/index.js', 'lib/index.d.ts', '.jsii', 'README.md', 'LICENSE', 'package.json', 'lib/data/README.md', 'lib/compliance/compliance-gate.js']) {
    assert.ok(files.includes(file), `${file} is not in the tarball`);
  }
  const unexpected = files.filter((f) => !(/^lib\/.*(\.js|\.d\.ts|README\.md)$/.test(f) || ['.jsii', 'README.md', 'LICENSE', 'package.json'].includes(f)));
  // the shipped lifecycle scripts (HyperPodScriptsSource.eksNodeStorage()), and nothing else
  const assets = fs.readdirSync(path.join(root, 'lib'), { recursive: true }).filter((f) => /(^|\/)assets\//.test(f) && fs.statSync(path.join(root, 'lib', f)).isFile()).map((f) => `lib/${f}`);
  assert.ok(assets.includes('lib/training/assets/hyperpod-eks/on_create.sh'));
  assert.deepEqual(unexpected.sort(), assets.sort());
  assert.equal(packed.files.find((f) => f.path === 'lib/training/assets/hyperpod-eks/on_create.sh').mode & 0o111, 0o111, 'the script lost its execute bits');
  // every source module is shipped compiled
  const sources = fs.readdirSync(path.join(root, 'lib'), { recursive: true }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  for (const source of sources) assert.ok(files.includes(`lib/${source.replace(/\.ts$/, '.js')}`), `lib/${source} is not compiled into the tarball`);
});

test('a team repository with only the peer dependencies installs it, compiles with plain tsc and synthesizes with node', () => {
  const peers = ['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk8s-plus-27', 'cdk-nag', '@cdklabs/cdk-validator-cfnguard'];
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({
    name: 'team-repo', version: '1.0.0', private: true,
    dependencies: Object.fromEntries([['mlops-constructs', `file:./${path.basename(tarball)}`], ...peers.map((p) => [p, installed(p)])]),
    devDependencies: { typescript: installed('typescript'), '@types/node': installed('@types/node') },
  }, null, 2));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel', 'error'], scratch);
  const lib = path.join(scratch, 'node_modules', 'mlops-constructs');
  assert.ok(!fs.existsSync(path.join(lib, 'test')) && !fs.existsSync(path.join(lib, 'lib', 'index.ts')), 'sources or tests were installed');
  // the shipped scripts resolve inside the installed package
  const dir = run(process.execPath, ['-e', "process.stdout.write(require('mlops-constructs').HyperPodScriptsSource.eksNodeStorage().directory)"], scratch);
  assert.equal(dir, path.join(fs.realpathSync(lib), 'lib/training/assets/hyperpod-eks'));
  assert.ok(fs.existsSync(path.join(dir, 'on_create.sh')));

  for (const file of ['app.ts', 'tsconfig.json']) fs.copyFileSync(path.join(root, 'test/package/team-app', file), path.join(scratch, file));
  run(path.join(scratch, 'node_modules/.bin/tsc'), ['-p', '.'], scratch);
  const out = JSON.parse(run(process.execPath, [path.join(scratch, 'out/app.js'), scratch], scratch).trim().split('\n').pop());

  assert.deepEqual(out.stacks, ['churn-dev']);
  const template = JSON.parse(fs.readFileSync(path.join(scratch, 'cdk.out/churn-dev.template.json'), 'utf8'));
  const types = Object.values(template.Resources).map((r) => r.Type);
  for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::SageMaker::ModelPackageGroup', 'AWS::ECR::Repository', 'AWS::Events::Rule', 'AWS::IAM::ManagedPolicy']) {
    assert.ok(types.includes(type), `${type} was not synthesized`);
  }
  assert.ok(!types.includes('AWS::IAM::Policy'), 'an inline policy was synthesized: the packs would fail it');
  // the compliance gate ran and found nothing unacknowledged (synth would have failed otherwise)
  const report = JSON.parse(fs.readFileSync(path.join(scratch, 'cdk.out/validation-report.json'), 'utf8'));
  assert.deepEqual(report.pluginReports.map((r) => r.pluginName).sort(), ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321', 'cdk-validator-cfnguard']);
  for (const r of report.pluginReports) assert.deepEqual(r.violations, [], `${r.pluginName} reported violations`);

  const yaml = fs.readFileSync(path.join(scratch, 'dist/churn-dev.k8s.yaml'), 'utf8');
  assert.match(yaml, /kind: Namespace/);
  assert.match(yaml, /kind: PersistentVolumeClaim/);

  assert.equal(out.badInput.code, 'invalid-identity');
  assert.equal(out.badInput.constructPath, 'bad');
  assert.equal(out.badInput.received, '"Churn_Model"');
  assert.match(out.badInput.fix, /^Set project to/);
});

test.after(() => {
  if (process.env.KEEP_SCRATCH) console.log(`scratch team repository kept in ${scratch}`);
  else fs.rmSync(scratch, { recursive: true, force: true });
});
