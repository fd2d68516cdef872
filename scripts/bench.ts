/**
 * Synthesis benchmark: `npm run bench`.
 *
 * Synthesizes the default platform (bin/main.ts) with 1, 10 and 100 project instances, each run in
 * a fresh `node --import tsx bin/main.ts` child process with the compliance plugins and the
 * built-in CloudFormation validation off, and prints per size the median wall time, peak memory
 * (max RSS), CPU time, the number of CloudFormation resources plus Kubernetes objects produced and the time
 * per resource, as a markdown table, followed by a linearity check. One extra run at N=1 with all
 * validation on shows what the validation harness costs.
 *
 * Then the floor ratio: at 100 projects (validation off), the app compiled to JavaScript
 * (scripts/tsconfig.app.json: bin/ and lib/ into .bench/app with jsii's compiler settings) and run
 * on plain node, against the floor for the same output (../shared/tools/replay-synth.cjs on that
 * run's cdk.out: the same templates rebuilt from bare CfnResources), alternated, BENCH_RUNS each;
 * the ratio of the median wall times. The floor has no Kubernetes side; the app's time includes it,
 * so the app is also run without it (MLOPS_K8S=false), for the ratio of the same output.
 *
 * Outputs go to .bench/<N>/{cdk.out,dist} so the real cdk.out/ and dist/ are left alone. The
 * context of cdk.json is handed to the app through CDK_CONTEXT_JSON, as `cdk synth` does, so the
 * templates are those of `npm run synth`.
 *
 * Environment:
 *   BENCH_SIZES=1,10,100   project counts to measure
 *   BENCH_RUNS=3           runs per size (the median is reported)
 *   BENCH_WARMUP=1         untimed runs at N=1 first (fills the tsx and file-system caches)
 *   BENCH_VALIDATION=true  also measure one N=1 run with validation on (false: skip it)
 *   BENCH_RSS=auto         how to measure peak RSS and CPU time: auto (/usr/bin/time if usable), time, preload
 *   BENCH_CDK_CONTEXT=true pass cdk.json's context to the app (false: no context)
 *   BENCH_RATIO=true       measure the floor ratio (false: skip it; skipped when the floor tool is missing)
 *   BENCH_RATIO_SIZE=100   project count of the floor ratio
 *   BENCH_FLOOR_TOOL=../shared/tools/replay-synth.cjs  the floor program (relative to the repository root)
 * With the ratio, one run of scripts/resolution-cost.mjs shows what it is made of (the same templates
 * resolved as the library's constructs, as typed L1s, and as bare CfnResources).
 *
 * A benchmark, not a test: it exits 0 whatever the figures, and 1 only when a child fails.
 * Progress goes to stderr, results to stdout (`npm run -s bench > results.md`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const BENCH_DIR = path.join(ROOT, '.bench');
const APP = ['--import', 'tsx', path.join(ROOT, 'bin', 'main.ts')];
/** bin/ and lib/ compiled by tsc with jsii's settings into .bench/app (see scripts/tsconfig.app.json). */
const APP_TSCONFIG = path.join(ROOT, 'scripts', 'tsconfig.app.json');
const COMPILED_DIR = path.join(BENCH_DIR, 'app');
const COMPILED_APP = [path.join(COMPILED_DIR, 'bin', 'main.js')];
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The floor of CDK synthesis for a given cloud assembly (../shared/tools/README.md). */
const RESOLUTION_TOOL = path.join(ROOT, 'scripts', 'resolution-cost.mjs');
const FLOOR_TOOL = path.resolve(ROOT, process.env.BENCH_FLOOR_TOOL ?? path.join('..', 'shared', 'tools', 'replay-synth.cjs'));
const TARGET_RATIO = 2.5;
const TIME_BIN = '/usr/bin/time';
const TARGET_MS = 5000;
const TARGET_SIZE = 100;

/** Env variables the benchmark sets itself; inherited values are dropped. */
const CONTROLLED_ENV = ['MLOPS_PROJECTS', 'MLOPS_COMPLIANCE', 'MLOPS_K8S', 'CDK_VALIDATION', 'CDK_OUTDIR', 'MLOPS_K8S_OUTDIR', 'CDK_CONTEXT_JSON'];

/** GNU time format: user CPU seconds, system CPU seconds, peak RSS in KiB. */
const TIME_FORMAT = '%U %S %M';

/**
 * Preload for when /usr/bin/time is unusable: writes the process's CPU times and peak RSS in
 * TIME_FORMAT to $BENCH_USAGE_FILE when it exits. Passed inline as a data: URL, so there is no
 * file to keep.
 */
const USAGE_PRELOAD = 'data:text/javascript,' + encodeURIComponent(
  "import { writeFileSync } from 'node:fs';"
  + "process.on('exit', () => { const f = process.env.BENCH_USAGE_FILE; if (!f) return;"
  + ' const u = process.resourceUsage();'
  + ' writeFileSync(f, `${u.userCPUTime / 1e6} ${u.systemCPUTime / 1e6} ${u.maxRSS}\\n`); });',
);

type RssMethod = 'time' | 'preload';

interface Counts {
  readonly cfnResources: number;
  readonly k8sObjects: number;
}

interface Usage {
  readonly cpuMs: number;
  readonly rssKiB: number;
}

interface RunResult extends Counts, Usage {
  readonly wallMs: number;
}

interface SizeResult extends Counts {
  readonly label: string;
  readonly projects: number;
  readonly runs: RunResult[];
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssKiB: number;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function envSizes(): number[] {
  const raw = process.env.BENCH_SIZES ?? '1,10,100';
  const sizes = raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`BENCH_SIZES must be a comma-separated list of positive integers, got "${raw}"`);
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The context `cdk synth` would give the app: cdk.json's `context`, then cdk.context.json. */
function cdkContext(): string | undefined {
  if (process.env.BENCH_CDK_CONTEXT === 'false') return undefined;
  const context: Record<string, unknown> = {};
  const cdkJson = path.join(ROOT, 'cdk.json');
  if (fs.existsSync(cdkJson)) {
    const parsed: unknown = JSON.parse(fs.readFileSync(cdkJson, 'utf8'));
    if (isRecord(parsed) && isRecord(parsed.context)) Object.assign(context, parsed.context);
  }
  const cdkContextJson = path.join(ROOT, 'cdk.context.json');
  if (fs.existsSync(cdkContextJson)) {
    const parsed: unknown = JSON.parse(fs.readFileSync(cdkContextJson, 'utf8'));
    if (isRecord(parsed)) Object.assign(context, parsed);
  }
  return JSON.stringify(context);
}

/** The last non-empty line of a TIME_FORMAT file (GNU time may print a status line first). */
function readUsage(file: string): Usage | undefined {
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const match = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/.exec(lines[lines.length - 1] ?? '');
  if (!match) return undefined;
  return { cpuMs: (Number(match[1]) + Number(match[2])) * 1000, rssKiB: Number(match[3]) };
}

/** Uses /usr/bin/time when it exists and understands `-f FORMAT -o FILE` (GNU time); else the preload. */
function chooseRssMethod(): RssMethod {
  const wanted = process.env.BENCH_RSS ?? 'auto';
  if (wanted === 'preload') return 'preload';
  if (wanted !== 'auto' && wanted !== 'time') throw new Error(`BENCH_RSS must be auto, time or preload, got "${wanted}"`);
  let usable = false;
  if (fs.existsSync(TIME_BIN)) {
    const probe = path.join(BENCH_DIR, 'time-probe.txt');
    fs.rmSync(probe, { force: true });
    const result = spawnSync(TIME_BIN, ['-f', TIME_FORMAT, '-o', probe, process.execPath, '-e', '0'], { stdio: 'ignore' });
    usable = result.status === 0 && (readUsage(probe)?.rssKiB ?? 0) > 0;
    fs.rmSync(probe, { force: true });
  }
  if (wanted === 'time' && !usable) throw new Error(`BENCH_RSS=time but ${TIME_BIN} is missing or not GNU time`);
  return usable ? 'time' : 'preload';
}

function walk(dir: string, accept: (file: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full, accept));
    else if (entry.isFile() && accept(entry.name)) files.push(full);
  }
  return files.sort();
}

/** CloudFormation resources (without AWS::CDK::Metadata) of every template, Kubernetes objects of every YAML file. */
function countOutputs(cdkOut: string, k8sOut: string): Counts {
  let cfnResources = 0;
  for (const file of walk(cdkOut, (name) => name.endsWith('.template.json'))) {
    const template: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const resources = isRecord(template) && isRecord(template.Resources) ? Object.values(template.Resources) : [];
    cfnResources += resources.filter((r) => !(isRecord(r) && r.Type === 'AWS::CDK::Metadata')).length;
  }
  let k8sObjects = 0;
  for (const file of walk(k8sOut, (name) => name.endsWith('.yaml') || name.endsWith('.yml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      if (doc.toJSON() !== null) k8sObjects++;
    }
  }
  return { cfnResources, k8sObjects };
}

function fail(what: string, status: number | null, signal: NodeJS.Signals | null, stderr: string, error?: Error): never {
  log(`\n${what} failed (${error ? error.message : signal ? `signal ${signal}` : `exit code ${status}`}). Its stderr:`);
  log(stderr.trim() === '' ? '(empty)' : stderr);
  process.exit(1);
}

/** Runs `node ...nodeArgs` in a fresh child process, timed, with its CPU time and peak RSS. */
function timedNode(label: string, nodeArgs: string[], env: NodeJS.ProcessEnv, usageFile: string, rss: RssMethod): { wallMs: number; usage: Usage } {
  let command: string;
  let args: string[];
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (rss === 'time') {
    command = TIME_BIN;
    args = ['-f', TIME_FORMAT, '-o', usageFile, process.execPath, ...nodeArgs];
  } else {
    command = process.execPath;
    args = ['--import', USAGE_PRELOAD, ...nodeArgs];
    childEnv.BENCH_USAGE_FILE = usageFile;
  }

  const start = performance.now();
  const result = spawnSync(command, args, { cwd: ROOT, env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 512 * 1024 * 1024 });
  const wallMs = performance.now() - start;
  if (result.error || result.status !== 0) fail(label, result.status, result.signal, result.stderr ?? '', result.error);

  const usage = readUsage(usageFile);
  if (usage === undefined) fail(`${label} (reading CPU time and peak RSS from ${path.relative(ROOT, usageFile)})`, result.status, null, result.stderr ?? '');
  return { wallMs, usage };
}

/** The environment of every child: the inherited one without the variables the benchmark controls. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED_ENV) delete env[name];
  return env;
}

/** One synthesis in a fresh child process (`app`: the node arguments that run bin/main). */
function runOnce(label: string, dirName: string, projects: number, validation: boolean, rss: RssMethod, context: string | undefined,
  app: string[] = APP, extraEnv: Record<string, string> = {}): RunResult {
  const dir = path.join(BENCH_DIR, dirName);
  const cdkOut = path.join(dir, 'cdk.out');
  const k8sOut = path.join(dir, 'dist');
  // The CDK app never cleans its outdir: stale templates would be counted.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });

  const env = baseEnv();
  Object.assign(env, { MLOPS_PROJECTS: String(projects), CDK_OUTDIR: cdkOut, MLOPS_K8S_OUTDIR: k8sOut });
  if (!validation) Object.assign(env, { MLOPS_COMPLIANCE: 'false', CDK_VALIDATION: 'false' });
  if (context !== undefined) env.CDK_CONTEXT_JSON = context;
  Object.assign(env, extraEnv);

  const { wallMs, usage } = timedNode(label, app, env, path.join(dir, 'usage.txt'), rss);
  return { wallMs, ...usage, ...countOutputs(cdkOut, k8sOut) };
}

/**
 * The floor for the output of one run: replay-synth rebuilds the CloudFormation templates of
 * `assemblyDir` from bare CfnResources and synthesizes them again (with the built-in validation
 * off, like the app). It produces no Kubernetes output.
 */
function runFloor(label: string, assemblyDir: string, dirName: string, rss: RssMethod): RunResult {
  const dir = path.join(BENCH_DIR, dirName);
  const cdkOut = path.join(dir, 'cdk.out');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const env = baseEnv();
  env.CDK_VALIDATION = 'false';
  const { wallMs, usage } = timedNode(label, [FLOOR_TOOL, ROOT, assemblyDir, cdkOut], env, path.join(dir, 'usage.txt'), rss);
  return { wallMs, ...usage, ...countOutputs(cdkOut, path.join(dir, 'none')) };
}

/** Compiles bin/ and lib/ to .bench/app with tsc (scripts/tsconfig.app.json), from scratch. */
function compileApp(): void {
  fs.rmSync(COMPILED_DIR, { recursive: true, force: true });
  const start = performance.now();
  const result = spawnSync(process.execPath, [TSC, '-p', APP_TSCONFIG], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error || result.status !== 0) fail('tsc -p scripts/tsconfig.app.json', result.status, result.signal, `${result.stdout ?? ''}${result.stderr ?? ''}`, result.error);
  log(`  compiled bin/ and lib/ to ${path.relative(ROOT, COMPILED_DIR)}/ in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

interface RatioResult {
  readonly projects: number;
  /** The whole app: CloudFormation and Kubernetes. */
  readonly app: SizeResult;
  /** The app with MLOPS_K8S=false: the same CloudFormation output as the floor, no charts. */
  readonly awsOnly: SizeResult;
  readonly floor: SizeResult;
}

function summarize(label: string, projects: number, results: RunResult[]): SizeResult {
  const first = results[0];
  if (results.some((r) => r.cfnResources !== first.cfnResources || r.k8sObjects !== first.k8sObjects)) {
    log(`  WARNING: ${label}: the runs produced different resource counts; the first run's are reported`);
  }
  return {
    label, projects, runs: results, cfnResources: first.cfnResources, k8sObjects: first.k8sObjects,
    wallMs: median(results.map((r) => r.wallMs)),
    cpuMs: median(results.map((r) => r.cpuMs)),
    rssKiB: median(results.map((r) => r.rssKiB)),
  };
}

/**
 * The app on plain node against the floor for the same output: app run i, the floor on the
 * cdk.out of app run i, then the app without its Kubernetes side, `runs` times, so that all three
 * see the same machine state.
 */
function measureRatio(projects: number, runs: number, rss: RssMethod, context: string | undefined): RatioResult {
  const apps: RunResult[] = [];
  const awsOnly: RunResult[] = [];
  const floors: RunResult[] = [];
  for (let i = 1; i <= runs; i++) {
    const app = runOnce(`app ${projects} (compiled)`, 'ratio-app', projects, false, rss, context, COMPILED_APP);
    const floor = runFloor(`floor ${projects}`, path.join(BENCH_DIR, 'ratio-app', 'cdk.out'), 'ratio-floor', rss);
    const aws = runOnce(`app ${projects} (compiled, MLOPS_K8S=false)`, 'ratio-app-aws', projects, false, rss, context, COMPILED_APP, { MLOPS_K8S: 'false' });
    for (const [what, r] of [['floor', floor], ['app without Kubernetes', aws]] as const) {
      if (r.cfnResources !== app.cfnResources) log(`  WARNING: the ${what} wrote ${r.cfnResources} CloudFormation resources, the app ${app.cfnResources}`);
    }
    apps.push(app);
    floors.push(floor);
    awsOnly.push(aws);
    log(`  ratio run ${i}/${runs}: app ${app.wallMs.toFixed(0)} ms wall (${app.cpuMs.toFixed(0)} ms CPU), `
      + `floor ${floor.wallMs.toFixed(0)} ms (${floor.cpuMs.toFixed(0)} ms CPU), app without Kubernetes ${aws.wallMs.toFixed(0)} ms `
      + `(${aws.cpuMs.toFixed(0)} ms CPU): ${(app.wallMs / floor.wallMs).toFixed(2)}x, ${(aws.wallMs / floor.wallMs).toFixed(2)}x`);
  }
  return {
    projects,
    app: summarize(`app, compiled, plain node (${projects})`, projects, apps),
    awsOnly: summarize(`app without Kubernetes, MLOPS_K8S=false (${projects})`, projects, awsOnly),
    floor: summarize(`floor, replay-synth (${projects})`, projects, floors),
  };
}

function measure(label: string, dirName: string, projects: number, runs: number, validation: boolean, rss: RssMethod, context: string | undefined): SizeResult {
  const results: RunResult[] = [];
  for (let i = 1; i <= runs; i++) {
    const run = runOnce(label, dirName, projects, validation, rss, context);
    results.push(run);
    log(`  ${label}, run ${i}/${runs}: ${run.wallMs.toFixed(0)} ms wall, ${run.cpuMs.toFixed(0)} ms CPU, ${(run.rssKiB / 1024).toFixed(0)} MB, `
      + `${run.cfnResources} CloudFormation resources + ${run.k8sObjects} Kubernetes objects`);
  }
  return summarize(label, projects, results);
}

const total = (r: Counts): number => r.cfnResources + r.k8sObjects;
const msPerResource = (r: SizeResult): number => r.wallMs / total(r);
const mb = (kib: number): string => (kib / 1024).toFixed(0);

function row(r: SizeResult): string {
  const walls = r.runs.map((x) => x.wallMs);
  const range = walls.length > 1 ? `${Math.min(...walls).toFixed(0)}–${Math.max(...walls).toFixed(0)}` : '–';
  return `| ${r.label} | ${r.cfnResources} | ${r.k8sObjects} | ${total(r)} | ${r.wallMs.toFixed(0)} | ${range} | `
    + `${r.cpuMs.toFixed(0)} | ${mb(r.rssKiB)} | ${msPerResource(r).toFixed(2)} |`;
}

function marginal(a: SizeResult, b: SizeResult): { perProject: number; perResource: number; rssPerProject: number } {
  return {
    perProject: (b.wallMs - a.wallMs) / (b.projects - a.projects),
    perResource: (b.wallMs - a.wallMs) / (total(b) - total(a)),
    rssPerProject: (b.rssKiB - a.rssKiB) / 1024 / (b.projects - a.projects),
  };
}

/** The floor-ratio section of the report. */
function ratioReport(r: RatioResult, runs: number, loadBefore: number, tsxApp: SizeResult | undefined): string[] {
  const value = r.app.wallMs / r.floor.wallMs;
  const awsValue = r.awsOnly.wallMs / r.floor.wallMs;
  const perRun = (x: SizeResult) => x.runs.map((a, i) => (a.wallMs / r.floor.runs[i].wallMs).toFixed(2)).join(', ');
  const out: string[] = [];
  out.push('');
  out.push(`Floor ratio at ${r.projects} projects (validation off): the app compiled to JavaScript (bin/ and lib/ by tsc with jsii's `
    + `settings, scripts/tsconfig.app.json) run as \`node .bench/app/bin/main.js\` on plain node, against the floor for the `
    + `same output: \`node ${path.relative(ROOT, FLOOR_TOOL)}\` on that run's cdk.out, which rebuilds its templates from bare `
    + `CfnResources and synthesizes them again (CDK_VALIDATION=false). Alternated (app, floor, app without Kubernetes, app...), `
    + `${runs} run(s) each, medians. Load average (1 min) ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after.`);
  out.push('');
  out.push('| Run | CFN resources | K8s objects | Wall time (ms) | Wall range (ms) | CPU time (ms) | Peak RSS (MB) | Ratio to the floor |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of [r.app, r.awsOnly, r.floor]) {
    const walls = x.runs.map((y) => y.wallMs);
    const range = walls.length > 1 ? `${Math.min(...walls).toFixed(0)}–${Math.max(...walls).toFixed(0)}` : '–';
    out.push(`| ${x.label} | ${x.cfnResources} | ${x.k8sObjects} | ${x.wallMs.toFixed(0)} | ${range} | ${x.cpuMs.toFixed(0)} | ${mb(x.rssKiB)} | `
      + `${(x.wallMs / r.floor.wallMs).toFixed(2)} |`);
  }
  out.push('');
  out.push(`- ratio app / floor (median wall times): **${value.toFixed(2)}x** (per run: ${perRun(r.app)}; CPU time: `
    + `${(r.app.cpuMs / r.floor.cpuMs).toFixed(2)}x). The app's time includes its whole Kubernetes side (cdk8s charts, their `
    + `synth and ${r.app.k8sObjects} objects written as YAML), which the floor does not produce, so this overstates the AWS part's ratio.`);
  out.push(`- the same output as the floor, the app without its Kubernetes side (MLOPS_K8S=false; it still loads cdk8s and `
    + `cdk8s-plus-27 with the library): **${awsValue.toFixed(2)}x** (per run: ${perRun(r.awsOnly)}; CPU time: `
    + `${(r.awsOnly.cpuMs / r.floor.cpuMs).toFixed(2)}x)`);
  if (tsxApp) {
    out.push(`- for comparison, \`node --import tsx bin/main.ts\` at ${r.projects} (table above, not alternated): ${tsxApp.wallMs.toFixed(0)} ms, `
      + `${(tsxApp.wallMs / r.floor.wallMs).toFixed(2)}x the floor (tsx transpiles lib/ at every start)`);
  }
  out.push(value <= TARGET_RATIO
    ? `- target: app / floor <= ${TARGET_RATIO}: met`
    : `- WARNING: app / floor is ${value.toFixed(2)}, above the ${TARGET_RATIO} target${awsValue <= TARGET_RATIO ? ` (without Kubernetes: ${awsValue.toFixed(2)}, met)` : ''}`);
  return out;
}

interface ResolutionCost {
  readonly projects: number;
  readonly resources: number;
  readonly phases: { readonly loadMs: number; readonly constructMs: number; readonly synthMs: number };
  readonly resolveThreeTimes: { readonly appMs: number; readonly typedL1Ms: number; readonly bareMs: number };
  readonly top: ReadonlyArray<{ readonly type: string; readonly app: number; readonly typedL1: number; readonly bare: number }>;
}

/** One run of scripts/resolution-cost.mjs on the compiled app: what the ratio is made of. */
function measureResolution(projects: number, context: string | undefined): ResolutionCost {
  const env: NodeJS.ProcessEnv = { ...baseEnv(), CDK_VALIDATION: 'false', MLOPS_COMPLIANCE: 'false' };
  if (context !== undefined) env.CDK_CONTEXT_JSON = context;
  const result = spawnSync(process.execPath, [RESOLUTION_TOOL, COMPILED_DIR, String(projects)], { cwd: ROOT, env, encoding: 'utf8' });
  if (result.error || result.status !== 0) fail('scripts/resolution-cost.mjs', result.status, result.signal, result.stderr ?? '', result.error);
  return JSON.parse(result.stdout) as ResolutionCost;
}

function resolutionReport(r: ResolutionCost): string[] {
  const x = r.resolveThreeTimes;
  const out: string[] = [];
  out.push('');
  out.push(`Where the ratio comes from (one run of \`node scripts/resolution-cost.mjs\` at ${r.projects} projects, in one process): `
    + `load ${r.phases.loadMs} ms, construction ${r.phases.constructMs} ms, synthesis ${r.phases.synthMs} ms. Resolving the same `
    + `${r.resources} resources three times, as a synth does (references, template, tree.json):`);
  out.push('');
  out.push('| Resources as | Resolve x3 (ms) | vs bare |');
  out.push('|---|---:|---:|');
  out.push(`| the library built them (L2 constructs, tokens, policy documents) | ${x.appMs} | ${(x.appMs / x.bareMs).toFixed(2)} |`);
  out.push(`| typed L1s read back from the templates (cloudformation-include: generated classes, their validators) | ${x.typedL1Ms} | ${(x.typedL1Ms / x.bareMs).toFixed(2)} |`);
  out.push(`| bare CfnResources (what the floor synthesizes) | ${x.bareMs} | 1.00 |`);
  out.push('');
  out.push(`- costliest types (ms, library / typed L1 / bare): ${r.top.map((t) => `${t.type} ${t.app}/${t.typedL1}/${t.bare}`).join('; ')}`);
  return out;
}

function main(): void {
  const sizes = envSizes();
  const runs = envInt('BENCH_RUNS', 3, 1);
  const warmups = envInt('BENCH_WARMUP', 1, 0);
  const withValidation = process.env.BENCH_VALIDATION !== 'false';
  const ratioSize = envInt('BENCH_RATIO_SIZE', TARGET_SIZE, 1);
  const withRatio = process.env.BENCH_RATIO !== 'false' && fs.existsSync(FLOOR_TOOL);
  if (process.env.BENCH_RATIO !== 'false' && !withRatio) log(`  ${FLOOR_TOOL} not found: no floor ratio (set BENCH_FLOOR_TOOL)`);
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const rss = chooseRssMethod();
  const context = cdkContext();

  log(`Benchmark: sizes ${sizes.join(', ')}; ${runs} run(s) each; ${warmups} warm-up run(s); `
    + `CPU time and peak RSS via ${rss === 'time' ? `${TIME_BIN} -f '${TIME_FORMAT}'` : 'a process.resourceUsage() preload'}`);
  if (withRatio) compileApp();
  for (let i = 1; i <= warmups; i++) {
    runOnce('warm-up', 'warmup', 1, false, rss, context);
    if (withRatio) {
      runOnce('warm-up (compiled)', 'warmup-compiled', 1, false, rss, context, COMPILED_APP);
      runFloor('warm-up (floor)', path.join(BENCH_DIR, 'warmup-compiled', 'cdk.out'), 'warmup-floor', rss);
    }
    log(`  warm-up ${i}/${warmups} done`);
  }

  const loadBefore = os.loadavg()[0];
  const results = sizes.map((n) => measure(`${n}`, String(n), n, runs, false, rss, context));
  const validated = withValidation
    ? measure('1 (validation ON)', '1-validation', 1, 1, true, rss, context)
    : undefined;
  const loadBeforeRatio = os.loadavg()[0];
  const ratio = withRatio ? measureRatio(ratioSize, runs, rss, context) : undefined;

  const out: string[] = [];
  out.push('');
  out.push(`Synthesis benchmark — ${new Date().toISOString()}, node ${process.version}, ${os.platform()}/${os.arch()}, `
    + `${os.cpus().length} CPU(s) (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
  out.push(`Median of ${runs} run(s) per size, each in a fresh \`node --import tsx bin/main.ts\` process; `
    + 'MLOPS_COMPLIANCE=false and CDK_VALIDATION=false unless marked "validation ON". '
    + 'Wall time includes node start-up and TypeScript loading; CPU time is user + system of the child '
    + '(node uses helper threads, so it can exceed wall time); ms / resource is wall time / total. '
    + `Load average (1 min) ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after: `
    + `other work on the machine inflates wall time${os.cpus().length <= 2 ? ' (few CPUs)' : ''}.`);
  out.push('');
  out.push('| Projects | CFN resources | K8s objects | Total | Wall time (ms) | Wall range (ms) | CPU time (ms) | Peak RSS (MB) | ms / resource |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) out.push(row(r));
  if (validated) out.push(row(validated));
  if (validated) {
    out.push('');
    out.push('"1 (validation ON)": a single run at N=1 with CDK_VALIDATION and MLOPS_COMPLIANCE unset, i.e. the built-in '
      + 'CloudFormation schema validation plus cdk-nag (AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1) and '
      + 'cfn-guard (Control Tower rules).');
  }

  out.push('');
  out.push('Linearity:');
  if (results.length >= 2) {
    const a = results[results.length - 2];
    const b = results[results.length - 1];
    const m = marginal(a, b);
    const ratio = msPerResource(b) / msPerResource(a);
    out.push(`- time per resource at ${b.projects} / at ${a.projects}: ${ratio.toFixed(2)} `
      + `(${msPerResource(b).toFixed(2)} / ${msPerResource(a).toFixed(2)} ms; below 1 means the fixed start-up cost is being amortised)`);
    out.push(`- marginal cost ${a.projects} → ${b.projects} projects: ${m.perProject.toFixed(1)} ms per project, `
      + `${m.perResource.toFixed(2)} ms per resource, ${m.rssPerProject.toFixed(2)} MB RSS per project`);
    out.push(`- implied fixed cost (wall time extrapolated to 0 projects): ${(a.wallMs - a.projects * m.perProject).toFixed(0)} ms`);
    if (results.length >= 3) {
      const earlier = marginal(results[results.length - 3], a);
      out.push(`- marginal cost ${results[results.length - 3].projects} → ${a.projects} projects: ${earlier.perProject.toFixed(1)} ms per project `
        + `(vs ${m.perProject.toFixed(1)} at ${a.projects} → ${b.projects}; roughly equal means linear growth)`);
    }
  } else {
    out.push('- needs at least two sizes (BENCH_SIZES)');
  }
  if (validated && results[0]?.projects === 1) {
    out.push(`- validation harness at N=1: +${(validated.wallMs - results[0].wallMs).toFixed(0)} ms wall, `
      + `+${mb(validated.rssKiB - results[0].rssKiB)} MB peak RSS (single run)`);
  }
  const big = results.find((r) => r.projects === TARGET_SIZE);
  if (big && big.wallMs >= TARGET_MS) {
    out.push('');
    out.push(`WARNING: ${TARGET_SIZE} projects took ${big.wallMs.toFixed(0)} ms, at or above the ${TARGET_MS} ms target (validation off).`);
  } else if (big) {
    out.push(`- target: ${TARGET_SIZE} projects in ${big.wallMs.toFixed(0)} ms < ${TARGET_MS} ms (validation off): met`);
  }
  if (ratio) out.push(...ratioReport(ratio, runs, loadBeforeRatio, results.find((r) => r.projects === ratio.projects)));
  if (ratio) out.push(...resolutionReport(measureResolution(ratioSize, context)));
  console.log(out.join('\n'));
}

main();
