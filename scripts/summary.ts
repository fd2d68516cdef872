/**
 * Prints what `npm run synth` produced: CloudFormation stacks with their resource counts by type
 * (cdk.out/) and Kubernetes manifests with their kinds (dist/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return new Map([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function format(counts: Map<string, number>): string {
  return [...counts.entries()].map(([k, n]) => `${k} x${n}`).join(', ');
}

const cdkOut = process.argv[2] ?? 'cdk.out';
const dist = process.argv[3] ?? 'dist';
const manifest = JSON.parse(fs.readFileSync(path.join(cdkOut, 'manifest.json'), 'utf8'));
const stacks = Object.entries<{ type: string; properties?: { templateFile?: string } }>(manifest.artifacts ?? {})
  .filter(([, a]) => a.type === 'aws:cloudformation:stack');

let resources = 0;
console.log(`\nCloudFormation (${cdkOut}/): ${stacks.length} stack(s)`);
for (const [name, artifact] of stacks) {
  const template = JSON.parse(fs.readFileSync(path.join(cdkOut, artifact.properties!.templateFile!), 'utf8'));
  const types = Object.values<{ Type: string }>(template.Resources ?? {}).map((r) => r.Type).filter((t) => t !== 'AWS::CDK::Metadata');
  resources += types.length;
  console.log(`  ${name}: ${types.length} resources (${format(countBy(types, (t) => t))})`);
}

const files = fs.existsSync(dist) ? fs.readdirSync(dist).filter((f) => f.endsWith('.yaml')).sort() : [];
const kinds: string[] = [];
console.log(`\nKubernetes (${dist}/): ${files.length} manifest file(s)`);
let placeholderAccount = false;
let placeholderRepository = false;
for (const file of files) {
  const text = fs.readFileSync(path.join(dist, file), 'utf8');
  placeholderAccount ||= text.includes('000000000000.dkr.ecr.');
  placeholderRepository ||= text.includes('https://git.example.com/');
  const docs = parseAllDocuments(text).map((d) => d.toJSON()).filter(Boolean);
  kinds.push(...docs.map((d) => d.kind));
  console.log(`  ${file}: ${docs.length} objects (${format(countBy(docs, (d) => d.kind))})`);
}
console.log(`\nTotal: ${stacks.length} stacks, ${resources} AWS resources; ${files.length} charts, ${kinds.length} Kubernetes objects.`);
if (placeholderAccount) {
  console.log('\nNote: the manifests name the ECR registry of the placeholder account 000000000000: no -c account=<id> was given and the CDK CLI found no credentials. Synthesize with -c account=<your account id> before applying them.');
}
if (placeholderRepository) {
  console.log('Note: the Argo CD Applications name the placeholder Git repository https://git.example.com/...: synthesize with -c gitRepositoryUrl=<url> -c gitRevision=<tag> (the repository dist/ is committed to).');
}
