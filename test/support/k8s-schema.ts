/**
 * Schema validation of Kubernetes manifests for tests.
 *
 * Core kinds are checked against the JSON-schema definitions cdk8s publishes per Kubernetes
 * version, custom resources against the `openAPIV3Schema` of the upstream CRDs; both are read
 * from `../shared` beside the repository. Unlike the upstream schemas, unknown fields are
 * rejected (the API server prunes or refuses them, so a typo would silently disappear), and
 * `metadata` is checked against the core ObjectMeta everywhere, custom resources included.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/** Shared data (schemas, CRDs) beside the repository. */
export const SHARED_DIR = path.resolve(__dirname, '../../../shared');

const SCHEMA_DIR = path.join(SHARED_DIR, 'k8s-schemas');
const CRD_DIR = path.join(SHARED_DIR, 'crds');
/** Parsed CRDs are cached as JSON here: parsing the 8 MB of CRD YAML takes about 2 s. */
const CACHE_DIR = path.resolve(__dirname, '../../node_modules/.cache/mlops-k8s-schema');

/** Kubernetes versions with schemas in `../shared/k8s-schemas`. */
export type KubernetesVersion = '1.27' | '1.33';

/** A Kubernetes object as plain JSON. */
export type Manifest = Record<string, unknown>;

type Schema = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
/** Version-independent alias of the core ObjectMeta, so prepared CRD schemas need no version. */
const OBJECT_META_ID = 'https://k8s-schema.test/object-meta.json';

/** Whether `../shared` (schemas and CRDs) is present. */
export function sharedAvailable(): boolean {
  return fs.existsSync(path.join(SCHEMA_DIR, 'v1.27.0_definitions.json'));
}

/**
 * Parses every `*.yaml` file of `dir` (multi-document YAML), in file-name order, dropping empty
 * documents.
 */
export function loadManifests(dir: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const value of parseYamlFile(path.join(dir, file))) {
      if (value === null || value === undefined) continue;
      if (!isObject(value)) throw new Error(`${path.join(dir, file)}: a document is not a mapping: ${preview(value)}`);
      manifests.push(value);
    }
  }
  return manifests;
}

/**
 * Validates Kubernetes objects against the core schemas of one Kubernetes version and the CRDs
 * in `../shared/crds`. Schemas are compiled on first use of a kind and cached.
 */
export class ManifestValidator {
  /** A validator for Kubernetes `version` plus the shared CRDs. */
  public static forKubernetes(version: KubernetesVersion): ManifestValidator {
    return new ManifestValidator(version);
  }

  /** Kubernetes version of the core schemas. */
  public readonly version: KubernetesVersion;
  /**
   * What the preparation had to change in the upstream schemas beyond closing objects (for
   * example patterns in Go syntax that JavaScript cannot compile), one line each.
   */
  public readonly schemaNotes: string[] = [];

  private readonly ajv: Ajv;
  /** `apiVersion|kind` → `$ref` of the core definition. */
  private readonly coreKinds = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(version: KubernetesVersion) {
    this.version = version;
    this.ajv = new Ajv({
      // The upstream schemas carry x-kubernetes-* and OpenAPI keywords (nullable, example)
      // that are not JSON schema; strict mode would refuse them.
      strict: false,
      allErrors: true,
      validateFormats: true,
      // Large shared subschemas (see shareRepeatedSubschemas) must stay functions of their own.
      inlineRefs: 12,
      // Unoptimised code compiles about twice as fast and validates fast enough (~3 µs per PVC).
      code: { optimize: false },
    });
    addKubernetesFormats(this.ajv);

    const definitionsId = `https://k8s-schema.test/v${version}/definitions.json`;
    const document = prepareSchema(readJson(path.join(SCHEMA_DIR, `v${version}.0_definitions.json`)), {
      crd: false, source: `v${version}.0_definitions.json`, notes: this.schemaNotes,
    });
    if (!isObject(document) || !isObject(document.definitions)) {
      throw new Error(`v${version}.0_definitions.json: no "definitions"`);
    }
    this.ajv.addSchema({ ...document, $id: definitionsId });
    this.ajv.addSchema({ $id: OBJECT_META_ID, $ref: `${definitionsId}#/definitions/${OBJECT_META}` });
    for (const [name, definition] of Object.entries(document.definitions)) {
      const gvks = isObject(definition) ? definition['x-kubernetes-group-version-kind'] : undefined;
      if (!Array.isArray(gvks)) continue;
      for (const gvk of gvks) {
        if (!isObject(gvk) || typeof gvk.kind !== 'string' || typeof gvk.version !== 'string') continue;
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        const key = kindKey(apiVersion, gvk.kind);
        if (!this.coreKinds.has(key)) this.coreKinds.set(key, `${definitionsId}#/definitions/${name}`);
      }
    }
  }

  /** Whether a schema exists for `apiVersion` `kind`. */
  public hasSchema(apiVersion: string, kind: string): boolean {
    const key = kindKey(apiVersion, kind);
    return this.coreKinds.has(key) || crdSchemas().has(key);
  }

  /** Human-readable problems of one object; empty when it is valid. */
  public validate(manifest: unknown): string[] {
    if (!isObject(manifest)) return [`not an object: ${preview(manifest)}`];
    const { apiVersion, kind } = manifest;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      return [`apiVersion and kind must be strings (got ${preview(apiVersion)} ${preview(kind)})`];
    }
    const validate = this.validatorFor(apiVersion, kind);
    if (!validate) return [`no schema for ${apiVersion} ${kind} (Kubernetes ${this.version} or a CRD in ${CRD_DIR})`];
    if (validate(manifest)) return [];
    return formatErrors(validate.errors ?? [], manifest);
  }

  /** Problems of all objects, each prefixed with `<kind>/<metadata.name>`. */
  public validateAll(manifests: readonly unknown[]): string[] {
    const problems: string[] = [];
    for (const manifest of manifests) {
      const kind = isObject(manifest) && typeof manifest.kind === 'string' ? manifest.kind : '(no kind)';
      const metadata = isObject(manifest) ? manifest.metadata : undefined;
      const name = isObject(metadata) && typeof metadata.name === 'string' ? metadata.name : '(no name)';
      for (const problem of this.validate(manifest)) problems.push(`${kind}/${name}: ${problem}`);
    }
    return problems;
  }

  private validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = kindKey(apiVersion, kind);
    const cached = this.compiled.get(key);
    if (cached) return cached;
    let validate: ValidateFunction | undefined;
    const coreRef = this.coreKinds.get(key);
    if (coreRef) {
      validate = this.ajv.getSchema(coreRef);
      if (!validate) throw new Error(`cannot resolve ${coreRef}`);
    } else {
      const crd = crdSchemas().get(key);
      if (!crd) return undefined;
      const prepared = prepareSchema(crd.schema, { crd: true, source: crd.source, notes: this.schemaNotes });
      if (!isObject(prepared)) throw new Error(`${crd.source}: openAPIV3Schema is not an object`);
      const schema = shareRepeatedSubschemas(prepared);
      if (!this.ajv.validateSchema(schema)) {
        throw new Error(`${crd.source} (${key}): invalid schema: ${this.ajv.errorsText(this.ajv.errors)}`);
      }
      validate = this.ajv.compile(schema);
    }
    this.compiled.set(key, validate);
    return validate;
  }
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

// ---------------------------------------------------------------------------------------------
// CRDs

interface CrdSchema {
  /** File it came from, for messages. */
  readonly source: string;
  /** The version's `openAPIV3Schema`, as upstream wrote it. */
  readonly schema: unknown;
}

let crdCache: Map<string, CrdSchema> | undefined;

/** `<group>/<version>|<kind>` → schema, for every served version of every CRD in `../shared/crds`. */
function crdSchemas(): Map<string, CrdSchema> {
  if (crdCache) return crdCache;
  const result = new Map<string, CrdSchema>();
  if (fs.existsSync(CRD_DIR)) {
    for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseCachedYaml(path.join(CRD_DIR, file))) {
        if (!isObject(doc) || doc.kind !== 'CustomResourceDefinition' || !isObject(doc.spec)) continue;
        const { group, names, versions } = doc.spec;
        if (typeof group !== 'string' || !isObject(names) || typeof names.kind !== 'string' || !Array.isArray(versions)) {
          throw new Error(`${file}: not a CustomResourceDefinition with spec.group, spec.names.kind and spec.versions`);
        }
        for (const version of versions) {
          if (!isObject(version) || typeof version.name !== 'string' || version.served === false) continue;
          const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
          if (!isObject(schema)) continue;
          result.set(kindKey(`${group}/${version.name}`, names.kind), { source: file, schema });
        }
      }
    }
  }
  crdCache = result;
  return result;
}

/** The documents of a YAML file, through a JSON cache keyed by the file's content hash. */
function parseCachedYaml(file: string): unknown[] {
  const text = fs.readFileSync(file, 'utf8');
  const hash = crypto.createHash('sha1').update(text).digest('hex').slice(0, 16);
  const cached = path.join(CACHE_DIR, `${path.basename(file)}.${hash}.json`);
  try {
    const docs: unknown = JSON.parse(fs.readFileSync(cached, 'utf8'));
    if (Array.isArray(docs)) return docs;
  } catch {
    // not cached yet, or unreadable: parse the YAML
  }
  const docs = parseYaml(text, file);
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Write then rename, so that parallel jest workers never read a half-written file.
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(docs));
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only checkout only loses the cache
  }
  return docs;
}

function parseYamlFile(file: string): unknown[] {
  return parseYaml(fs.readFileSync(file, 'utf8'), file);
}

function parseYaml(text: string, file: string): unknown[] {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// Schema preparation

interface PrepareContext {
  /** A CRD schema (structural: the API server prunes every field it does not declare). */
  readonly crd: boolean;
  readonly source: string;
  readonly notes: string[];
}

/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);
/** Keywords whose value is one schema (or, for items, possibly a list). */
const SUBSCHEMAS = new Set(['items', 'additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'if', 'then', 'else']);
/** Keywords whose subschemas only add constraints to the enclosing schema. */
const JUNCTORS = new Set(['allOf', 'anyOf', 'oneOf', 'not']);

/**
 * A copy of `node` ready for ajv: objects that declare properties are closed
 * (`additionalProperties: false`), CRD objects that declare nothing accept only `{}`, `metadata`
 * refers to the core ObjectMeta, `x-kubernetes-int-or-string` becomes integer-or-string,
 * patterns in Go syntax are translated, and descriptions are dropped.
 *
 * Not closed: schemas with `x-kubernetes-preserve-unknown-fields: true` (their declared
 * children still are), schemas with a `$ref` (whose target declares the properties), schemas
 * with an explicit `additionalProperties`, and subschemas of allOf/anyOf/oneOf/not, which
 * only add constraints to the enclosing schema; property names those branches declare are
 * added to the enclosing schema so that closing it does not reject them.
 */
function prepareSchema(node: unknown, ctx: PrepareContext, inJunctor = false, root = true): unknown {
  if (!isObject(node)) return node;
  const out = mapSubschemas(node, (sub, keyword, name) => (keyword === 'properties' && name === 'metadata' && ctx.crd
    ? prepareMetadata(sub, ctx, inJunctor, root)
    : prepareSchema(sub, ctx, inJunctor || JUNCTORS.has(keyword), false)));
  delete out.description;

  if (typeof out.pattern === 'string') {
    const pattern = toJsPattern(out.pattern);
    if (pattern === undefined) {
      ctx.notes.push(`${ctx.source}: pattern ${JSON.stringify(out.pattern)} is not valid in JavaScript; not checked`);
      delete out.pattern;
    } else if (pattern !== out.pattern) {
      ctx.notes.push(`${ctx.source}: Go pattern ${JSON.stringify(out.pattern)} checked as ${JSON.stringify(pattern)}`);
      out.pattern = pattern;
    }
  }

  if (out['x-kubernetes-int-or-string'] === true && out.anyOf === undefined && out.oneOf === undefined) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }

  if (!inJunctor && out.additionalProperties === undefined && out.$ref === undefined
    && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    if (isObject(out.properties)) {
      out.properties = { ...junctorPropertyNames(out), ...out.properties };
      out.additionalProperties = false;
    } else if (ctx.crd && out.type === 'object' && out.patternProperties === undefined
      && out['x-kubernetes-embedded-resource'] !== true) {
      // The API server prunes every field of an object schema that declares none.
      out.additionalProperties = false;
    }
  }
  return out;
}

/**
 * A shallow copy of `schema` whose direct subschemas are replaced by `fn(subschema, keyword,
 * name)`; `name` is the key in keyword maps such as `properties`. Values that are data (enum,
 * default, example, x-kubernetes-*) are copied unchanged.
 */
function mapSubschemas(schema: Schema, fn: (sub: unknown, keyword: string, name?: string) => unknown): Schema {
  const out: Schema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(keyword) && isObject(value)) {
      const map: Schema = {};
      for (const [name, sub] of Object.entries(value)) map[name] = isObject(sub) ? fn(sub, keyword, name) : sub;
      out[keyword] = map;
    } else if (SUBSCHEMAS.has(keyword) || JUNCTORS.has(keyword)) {
      out[keyword] = Array.isArray(value) ? value.map((sub) => fn(sub, keyword)) : isObject(value) ? fn(value, keyword) : value;
    } else {
      out[keyword] = value;
    }
  }
  return out;
}

/**
 * `schema` with every large subschema that occurs more than once moved to `definitions` and
 * referenced. CRDs repeat the pod spec many times (an InferenceService has it for predictor,
 * explainer, transformer, workers...); compiled once, an InferenceService compiles in a tenth
 * of the time.
 */
function shareRepeatedSubschemas(schema: Schema, minNodes = 20): Schema {
  // Intern every subschema bottom-up: identical subschemas get the same id.
  const idOf = new Map<Schema, number>();
  const ids = new Map<string, number>();
  const sizes: number[] = [];
  const counts: number[] = [];
  const intern = (node: Schema): number => {
    let size = 1;
    const signature = mapSubschemas(node, (sub) => {
      if (!isObject(sub)) return sub;
      const id = intern(sub);
      size += sizes[id];
      return `#${id}`;
    });
    const key = JSON.stringify(signature);
    let id = ids.get(key);
    if (id === undefined) {
      id = sizes.length;
      ids.set(key, id);
      sizes.push(size);
      counts.push(0);
    }
    counts[id]++;
    idOf.set(node, id);
    return id;
  };
  intern(schema);

  const definitions: Schema = {};
  const replace = (node: Schema, top: boolean): Schema => {
    const id = idOf.get(node) as number;
    if (!top && counts[id] > 1 && sizes[id] >= minNodes) {
      const name = `shared-${id}`;
      if (!(name in definitions)) definitions[name] = replace(node, true);
      return { $ref: `#/definitions/${name}` };
    }
    return mapSubschemas(node, (sub) => (isObject(sub) ? replace(sub, false) : sub));
  };
  const result = replace(schema, true);
  if (Object.keys(definitions).length > 0) {
    if (result.definitions !== undefined) throw new Error('schema already has definitions');
    result.definitions = definitions;
  }
  return result;
}

/** `{ name: true }` for each property the allOf/anyOf/oneOf branches of `schema` declare. */
function junctorPropertyNames(schema: Schema): Schema {
  const names: Schema = {};
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (isObject(branch) && isObject(branch.properties)) {
        for (const name of Object.keys(branch.properties)) names[name] = true;
      }
    }
  }
  return names;
}

/**
 * The schema of a `metadata` property in a CRD. Controller-gen usually writes just
 * `type: object`; those are checked against the core ObjectMeta. At the root of a custom
 * resource, constraints the CRD adds (such as a name length) apply on top of ObjectMeta. A
 * nested `metadata` that declares its own fields (the subset a controller keeps, as in pod
 * templates) or that is a plain map keeps its own schema.
 */
function prepareMetadata(node: unknown, ctx: PrepareContext, inJunctor: boolean, root: boolean): unknown {
  if (!isObject(node) || node.type !== 'object') return prepareSchema(node, ctx, inJunctor, false);
  const ref: Schema = { $ref: OBJECT_META_ID };
  if (typeof node.description === 'string') ref.description = node.description;
  if (Object.keys(node).every((k) => k === 'type' || k === 'description')) return ref;
  if (root && node.additionalProperties === undefined) return { allOf: [ref, prepareSchema(node, ctx, true, false)] };
  return prepareSchema(node, ctx, inJunctor, false);
}

/**
 * `pattern` in JavaScript syntax: Kubernetes patterns are Go (RE2) regular expressions. The
 * inline flag `(?i)` becomes explicit case alternatives; `undefined` when the pattern still
 * does not compile.
 */
export function toJsPattern(pattern: string): string | undefined {
  let result = pattern;
  const flag = result.indexOf('(?i)');
  if (flag >= 0) result = result.slice(0, flag) + caseInsensitive(result.slice(flag + 4));
  try {
    new RegExp(result, 'u');
    return result;
  } catch {
    return undefined;
  }
}

/** `abc` → `[aA][bB][cC]`, `[a-z]` → `[a-zA-Z]`; escapes are kept. */
function caseInsensitive(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
    } else if (c === '[') {
      let end = i + 1;
      if (source[end] === '^') end++;
      if (source[end] === ']') end++;
      while (end < source.length && source[end] !== ']') end += source[end] === '\\' ? 2 : 1;
      const negated = source[i + 1] === '^';
      const body = source.slice(i + (negated ? 2 : 1), end);
      out += `[${negated ? '^' : ''}${body}${swapCase(body)}]`;
      i = end;
    } else if (/[a-zA-Z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    } else {
      out += c;
    }
  }
  return out;
}

/** Letters of a character-class body with their case swapped (escapes kept, others dropped). */
function swapCase(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      i++;
      continue;
    }
    const c = body[i];
    if (!/[a-zA-Z]/.test(c)) continue;
    const swapped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
    // Keep ranges: a-z → A-Z.
    if (body[i + 1] === '-' && /[a-zA-Z]/.test(body[i + 2] ?? '')) {
      const to = body[i + 2];
      out += `${swapped}-${to === to.toLowerCase() ? to.toUpperCase() : to.toLowerCase()}`;
      i += 2;
    } else {
      out += swapped;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formats

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Formats of the Kubernetes OpenAPI: integers and date-times are checked, the rest (several
 * are Kubernetes-specific, such as int-or-string and quantity) are accepted as they come.
 */
function addKubernetesFormats(ajv: Ajv): void {
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', RFC3339);
  ajv.addFormat('byte', BASE64);
  for (const name of ['double', 'float', 'int-or-string', 'quantity', 'duration', 'date', 'uri', 'url', 'email',
    'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'password', 'binary']) {
    ajv.addFormat(name, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Error messages

function formatErrors(errors: readonly ErrorObject[], manifest: Manifest): string[] {
  // A failed anyOf/oneOf reports every branch. Branches that failed only on the type of the
  // value are noise when another branch had the right type (its errors tell what is wrong),
  // and read better as one "must be X or Y" line when all branches failed on the type.
  const consumed = new Set<ErrorObject>();
  const lines: string[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    const prefix = `${error.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of errors) {
      if (e === error || !e.schemaPath.startsWith(prefix)) continue;
      // The same schema applies to other values too (array items, map values).
      if (e.instancePath !== error.instancePath && !e.instancePath.startsWith(`${error.instancePath}/`)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0];
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const typeOnly = [...branches.values()]
      .filter((list) => list.every((e) => e.keyword === 'type' && e.instancePath === error.instancePath));
    if (typeOnly.length === 0) continue;
    for (const e of typeOnly.flat()) consumed.add(e);
    consumed.add(error);
    if (typeOnly.length === branches.size) {
      const types = typeOnly.flat().map((e) => String(e.params.type));
      lines.push(`${displayPath(error.instancePath)}: must be ${types.join(' or ')}, got ${preview(valueAt(manifest, error.instancePath))}`);
    }
  }
  for (const error of errors) {
    if (!consumed.has(error)) lines.push(formatError(error, manifest));
  }
  return [...new Set(lines)];
}

function formatError(error: ErrorObject, manifest: Manifest): string {
  const at = displayPath(error.instancePath);
  const got = (): string => preview(valueAt(manifest, error.instancePath));
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      return `${displayPath(error.instancePath, field)}: unknown field "${field}"`;
    }
    case 'required':
      return `${displayPath(error.instancePath, String(error.params.missingProperty))}: required field is missing`;
    case 'enum':
      return `${at}: must be one of ${JSON.stringify(error.params.allowedValues)}, got ${got()}`;
    case 'type':
      return `${at}: must be ${String(error.params.type)}, got ${got()}`;
    default:
      return `${at}: ${error.message ?? error.keyword}${error.keyword === 'pattern' || error.keyword === 'format' ? `, got ${got()}` : ''}`;
  }
}

/** `/spec/accessModes/0` → `spec.accessModes[0]`; keys that are not identifiers are quoted. */
function displayPath(pointer: string, child?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

function valueAt(manifest: Manifest, pointer: string): unknown {
  let current: unknown = manifest;
  if (pointer === '') return current;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function preview(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
