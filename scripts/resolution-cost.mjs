/**
 * Where the floor ratio comes from: the cost of resolving the same templates three ways.
 *
 *   node scripts/resolution-cost.mjs COMPILED_APP_DIR PROJECTS
 *
 * COMPILED_APP_DIR is the bench's compiled app (`.bench/app`, from scripts/tsconfig.app.json).
 * Run with CDK_CONTEXT_JSON set to cdk.json's context (the bench does), so the templates are
 * those of `npm run synth`.
 *
 * It builds the default platform (AWS side) in this process, then resolves every CloudFormation
 * resource of every stack three times (what a synth does: cross-stack references, the template,
 * tree.json), timing:
 *   - app:      the elements as the library built them (L2 constructs, tokens, policy documents);
 *   - typed L1: the same resolved templates read back with `cloudformation-include`, so every
 *               resource is the generated L1 class (CfnBucket, CfnKey, ...) with its property
 *               validators, and no L2 or token is left;
 *   - bare:     the same templates as bare `CfnResource`s (what ../shared/tools/replay-synth.cjs
 *               synthesizes: no validators, properties are plain JSON).
 * The construction and synthesis phases of the app are timed too. Prints one JSON object.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const [, , appDir, projectsArg] = process.argv;
if (!appDir || !projectsArg) {
  console.error('usage: node scripts/resolution-cost.mjs COMPILED_APP_DIR PROJECTS');
  process.exit(2);
}
const projects = Number(projectsArg);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// aws-cdk-lib and the compiled app are CommonJS: load them the way the app loads them.
const load = createRequire(path.join(root, 'package.json'));

const t0 = performance.now();
const cdk = load('aws-cdk-lib');
const include = load('aws-cdk-lib/cloudformation-include');
const { buildPlatform } = load(path.resolve(appDir, 'bin', 'platform.js'));
const t1 = performance.now();

const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'resolution-cost-')) });
buildPlatform(app, undefined, { projects });
const t2 = performance.now();

const stacksOf = (a) => a.node.children.filter((c) => cdk.Stack.isStack(c));

/** Resolves every resource of every stack `passes` times; ms in all and per resource type. */
function resolveAll(stacks, passes) {
  const byType = {};
  let total = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const stack of stacks) {
      for (const c of stack.node.findAll()) {
        if (!cdk.CfnResource.isCfnResource(c)) continue;
        const start = performance.now();
        stack.resolve(c._toCloudFormation());
        const ms = performance.now() - start;
        const type = c.cfnResourceType;
        byType[type] = (byType[type] ?? 0) + ms;
        total += ms;
      }
    }
  }
  return { total, byType };
}

const appStacks = stacksOf(app);
const templates = appStacks.map((s) => ({ id: s.node.id, template: s.resolve(s._toCloudFormation()) }));
const appCost = resolveAll(appStacks, 3);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'resolution-cost-tpl-'));
const typedApp = new cdk.App({ outdir: path.join(scratch, 'typed') });
const bareApp = new cdk.App({ outdir: path.join(scratch, 'bare') });
let resources = 0;
for (const { id, template } of templates) {
  const file = path.join(scratch, `${id}.json`);
  fs.writeFileSync(file, JSON.stringify(template));
  new include.CfnInclude(new cdk.Stack(typedApp, id), 'Template', { templateFile: file });
  const bare = new cdk.Stack(bareApp, id);
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    resources++;
    const res = new cdk.CfnResource(bare, logicalId, { type: r.Type, properties: r.Properties });
    res.overrideLogicalId(logicalId);
  }
}
const typedCost = resolveAll(stacksOf(typedApp), 3);
const bareCost = resolveAll(stacksOf(bareApp), 3);

const t3 = performance.now();
app.synth();
const t4 = performance.now();
fs.rmSync(scratch, { recursive: true, force: true });
fs.rmSync(app.outdir, { recursive: true, force: true });

const round = (n) => Math.round(n);
const top = Object.entries(appCost.byType).sort((a, b) => b[1] - a[1]).slice(0, 6)
  .map(([type, ms]) => ({ type, app: round(ms), typedL1: round(typedCost.byType[type] ?? 0), bare: round(bareCost.byType[type] ?? 0) }));
console.log(JSON.stringify({
  projects,
  resources,
  phases: { loadMs: round(t1 - t0), constructMs: round(t2 - t1), synthMs: round(t4 - t3) },
  resolveThreeTimes: { appMs: round(appCost.total), typedL1Ms: round(typedCost.total), bareMs: round(bareCost.total) },
  top,
}));
