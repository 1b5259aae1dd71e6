/**
 * Writes `src/api/go-types.data.ts`: the Go type of every field of every built-in kind the API
 * server serves (and of the structs they reach), read from the kubernetes-models package (its
 * `.d.ts` interfaces give the struct graph, its compiled JSON-schema validators tell int32 from
 * int64 from float64). The API server's decoder (`decoding.ts`) refuses a wrong-typed value with
 * the message Go's `encoding/json` gives, which names the struct and the field's Go type.
 *
 * Run: `npx tsx src/api/go-types.generate.ts` (again after adding a kind to resources.ts).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { isMetricsResource, RESOURCES } from './resources.js';

const require = createRequire(import.meta.url);
const MODELS = dirname(require.resolve('kubernetes-models/package.json'));
const MACHINERY = dirname(require.resolve('@kubernetes-models/apimachinery/package.json'));

/** A struct: its Go name (`v1.DeploymentSpec`) and its fields' type codes. */
interface Struct {
  go: string;
  fields: Record<string, string>;
}

const structs: Record<string, Struct> = {};
const roots: Record<string, string> = {};

function dts(path: string): string {
  return readFileSync(path.endsWith('.d.ts') ? path : `${path}.d.ts`, 'utf8');
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

function importsOf(file: string, text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
    const spec = m[2]!;
    const path = spec.startsWith('.') ? resolve(dirname(file), spec) : spec.startsWith('@kubernetes-models/apimachinery/') ? join(MACHINERY, spec.slice('@kubernetes-models/apimachinery/'.length)) : join(MODELS, spec);
    out.set(m[1]!, path);
  }
  return out;
}

/** The long name (IoK8sApiAppsV1DeploymentSpec) and the Go name (v1.DeploymentSpec) of the file's model. */
function namesOf(file: string, text: string): { long: string; go: string } {
  const m = /export \{ I(\w+) as I(Io\w+)/.exec(text);
  if (!m) throw new Error(`no model export in ${file}`);
  const pkg = dirname(file).split('/').pop()!;
  return { long: m[2]!, go: `${pkg}.${m[1]!}` };
}

function schemaValidator(file: string, long: string): (data: unknown) => boolean {
  const root = file.startsWith(MACHINERY) ? MACHINERY : MODELS;
  return require(join(root, '_schemas', `${long}.js`)).validate as (data: unknown) => boolean;
}

function numberType(validate: ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null }, field: string): string {
  const at = (v: unknown) => {
    validate({ [field]: v });
    return ((validate as { errors?: { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null }).errors ?? []).filter((e) => e.instancePath === `/${field}`);
  };
  if (!at(0.5).some((e) => e.keyword === 'type')) return 'float64';
  return at(2 ** 40).some((e) => e.keyword === 'format' && e.params.format === 'int32') ? 'int32' : 'int64';
}

/** Reads one property type text into a type code. */
function typeCode(text: string, imports: Map<string, string>, numberOf: () => string): string {
  const t = text.trim();
  if (t === 'string' || /^"[^"]*"(\s*\|\s*"[^"]*")*$/.test(t)) return 'string';
  if (t === 'boolean') return 'bool';
  if (t === 'number') return numberOf();
  if (t === 'any' || t === 'object' || t === '{}' || t === 'unknown') return 'any';
  const arr = /^Array<(.+)>$/s.exec(t);
  if (arr) return `[]${typeCode(arr[1]!, imports, numberOf)}`;
  const map = /^\{\s*\[key: string\]: (.+?);?\s*\}$/s.exec(t);
  if (map) return `map[string]${typeCode(map[1]!, imports, numberOf)}`;
  const file = imports.get(t);
  if (file) return refCode(file);
  if (t.startsWith('{')) return inlineStruct(t, imports);
  throw new Error(`unknown type ${t}`);
}

/** The code of a named type: a struct (`@Long`) or one with its own JSON form. */
function refCode(file: string): string {
  const text = dts(file);
  if (/export declare type I\w+ = /.test(text)) {
    if (/Quantity/.test(file)) return 'quantity';
    if (/IntOrString/.test(file)) return 'intstr';
    if (/MicroTime|Time/.test(file)) return 'time';
    if (/RawExtension|FieldsV1|JSON/.test(file)) return 'any';
    const alias = /export declare type I\w+ = ([^;]+);/.exec(text)![1]!.trim();
    if (alias === 'string') return 'string';
    return 'any';
  }
  return `@${struct(file)}`;
}

/**
 * An object type written inline (StatefulSet's volumeClaimTemplates hold whole
 * PersistentVolumeClaims): named after the kind its `spec` belongs to.
 */
function inlineStruct(t: string, imports: Map<string, string>): string {
  const spec = /"spec"\??: I(Io\w+)Spec;/.exec(t);
  if (!spec) return 'any';
  const long = spec[1]!;
  if (!structs[long]) {
    const pkg = dirname(imports.get(`I${long}Spec`)!).split('/').pop()!;
    const entry: Struct = { go: `${pkg}.${/[A-Z][a-z]*V\d+(?:(?:alpha|beta)\d+)?(\w+)$/.exec(long)?.[1] ?? long}`, fields: {} };
    structs[long] = entry;
    readFields(t.slice(1, -1), imports, entry, () => 'int64');
  }
  return `@${long}`;
}

/** Reads the properties of an interface body into the struct's fields. */
function readFields(src: string, imports: Map<string, string>, entry: Struct, numberOf: (name: string) => string): void {
  let i = 0;
  const prop = /\s*"([^"]+)"\??: /y;
  while (i < src.length) {
    prop.lastIndex = i;
    const m = prop.exec(src);
    if (!m) {
      i++;
      continue;
    }
    let j = prop.lastIndex;
    let depth = 0;
    for (; j < src.length; j++) {
      const c = src[j];
      if (c === '{' || c === '<' || c === '(') depth++;
      else if (c === '}' || c === '>' || c === ')') depth--;
      else if (c === ';' && depth === 0) break;
    }
    const name = m[1]!;
    entry.fields[name] = typeCode(src.slice(prop.lastIndex, j), imports, () => numberOf(name));
    i = j + 1;
  }
}

function struct(file: string): string {
  const raw = dts(file);
  const { long, go } = namesOf(file, raw);
  if (structs[long]) return long;
  const entry: Struct = { go, fields: {} };
  structs[long] = entry;
  const imports = importsOf(file, raw);
  const text = stripComments(raw);
  const body = /export interface I\w+ (?:extends \w+ )?\{([\s\S]*?)\n\}/.exec(text);
  if (!body) return long;
  const validate = schemaValidator(file, long);
  readFields(body[1]!, imports, entry, (name) => numberType(validate, name));
  return long;
}

for (const info of RESOURCES) {
  // the metrics API is read-only: nothing is ever decoded into its kinds
  if (isMetricsResource(info)) continue;
  const file = join(MODELS, info.group, info.version, `${info.kind}.d.ts`);
  if (!existsSync(file)) throw new Error(`kubernetes-models has no ${file}`);
  roots[`${info.apiVersion}/${info.kind}`] = struct(file);
}

// the autoscaling/v1 Scale of the scale subresource
roots['autoscaling/v1/Scale'] = struct(join(MODELS, 'autoscaling', 'v1', 'Scale.d.ts'));
// the authentication.k8s.io/v1 TokenRequest of the serviceaccounts/token subresource
roots['authentication.k8s.io/v1/TokenRequest'] = struct(join(MODELS, 'authentication.k8s.io', 'v1', 'TokenRequest.d.ts'));

const out = `/**
 * The Go types of the built-in kinds' fields, for the decoder's type errors (\`decoding.ts\`).
 * Generated by \`npx tsx src/api/go-types.generate.ts\` from kubernetes-models: do not edit.
 *
 * A type code is \`string\`, \`bool\`, \`int32\`, \`int64\`, \`float64\`, \`quantity\`, \`intstr\`, \`time\`,
 * \`any\`, \`[]<code>\`, \`map[string]<code>\` or \`@<struct>\` (a key of {@link GO_STRUCTS}).
 */

/** A Go struct: its name as Go prints it and its JSON fields' type codes. */
export interface GoStruct {
  go: string;
  fields: Readonly<Record<string, string>>;
}

/** The struct of each kind, by \`apiVersion/kind\`. */
export const GO_ROOTS: Readonly<Record<string, string>> = ${JSON.stringify(roots, null, 2)};

/** Every struct the kinds reach. */
export const GO_STRUCTS: Readonly<Record<string, GoStruct>> = ${JSON.stringify(
  Object.fromEntries(Object.entries(structs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  null,
  2,
)};
`;
writeFileSync(new URL('./go-types.data.ts', import.meta.url), out);
console.log(`${Object.keys(structs).length} structs for ${Object.keys(roots).length} kinds`);
