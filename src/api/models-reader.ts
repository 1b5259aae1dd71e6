/**
 * Reads the struct graph of the Kubernetes API types from the kubernetes-models package, for the
 * build-time generators (`go-types.generate.ts`, `openapi-schemas.generate.ts`): its `.d.ts`
 * interfaces give each struct's fields, their types, whether they are optional, and the upstream
 * field documentation (TSDoc comments); its compiled JSON-schema validators tell int32 from int64
 * from float64 and carry string formats (`byte`, `date-time`).
 *
 * Nothing at run time imports this module: it reads `node_modules`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const MODELS = dirname(require.resolve('kubernetes-models/package.json'));
const MACHINERY = dirname(require.resolve('@kubernetes-models/apimachinery/package.json'));

/** The type of a field, as the declaration and the validator describe it. */
export type ModelType =
  | { kind: 'string'; enum?: string[]; format?: string }
  | { kind: 'boolean' }
  | { kind: 'number'; format: 'int32' | 'int64' | 'float64' }
  | { kind: 'any' }
  | { kind: 'array'; items: ModelType }
  | { kind: 'map'; values: ModelType }
  /** A struct: a key of {@link ModelReader.structs}. */
  | { kind: 'struct'; name: string }
  /** A named type with its own JSON form (Quantity, IntOrString, Time…): a key of {@link ModelReader.aliases}. */
  | { kind: 'alias'; name: string };

/** A field of a struct. */
export interface ModelField {
  name: string;
  type: ModelType;
  /** The upstream documentation of the field. */
  description?: string;
  /** The declaration has no `?`. */
  required: boolean;
}

/** A struct (an interface of the package). */
export interface ModelStruct {
  /** The long name (`IoK8sApiAppsV1DeploymentSpec`). */
  long: string;
  /** The Go name (`v1.DeploymentSpec`). */
  go: string;
  /** The declaration file, without `.d.ts`. */
  file: string;
  description?: string;
  /** True when the interface extends TypeMeta (a kind: its apiVersion and kind are literals). */
  typeMeta: boolean;
  /** The fields, in declaration order. */
  fields: ModelField[];
}

/** A named type with its own JSON form. */
export interface ModelAlias {
  long: string;
  file: string;
  /** How it is encoded. */
  form: 'quantity' | 'intstr' | 'time' | 'any' | 'string';
  description?: string;
}

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null };

function dts(path: string): string {
  return readFileSync(path.endsWith('.d.ts') ? path : `${path}.d.ts`, 'utf8');
}

/** The text of a TSDoc comment body (between `/**` and `*\/`), as the upstream description. */
function docText(body: string): string {
  return body
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** The index just past the comment starting at `i`, or `i` when none starts there. */
function skipComment(src: string, i: number): number {
  if (src.startsWith('/*', i)) return src.indexOf('*/', i + 2) + 2;
  if (src.startsWith('//', i)) {
    const nl = src.indexOf('\n', i);
    return nl < 0 ? src.length : nl;
  }
  return i;
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

function aliasForm(file: string, text: string): ModelAlias['form'] {
  if (/Quantity/.test(file)) return 'quantity';
  if (/IntOrString/.test(file)) return 'intstr';
  if (/MicroTime|Time/.test(file)) return 'time';
  if (/RawExtension|FieldsV1|JSON/.test(file)) return 'any';
  return /export declare type I\w+ = ([^;]+);/.exec(text)![1]!.trim() === 'string' ? 'string' : 'any';
}

/** One property of an interface body: its name, `?`, type text and the comment before it. */
interface RawProp {
  name: string;
  optional: boolean;
  type: string;
  doc?: string;
}

/** Splits an interface body (comments kept) into its properties. */
function propsOf(src: string): RawProp[] {
  const out: RawProp[] = [];
  const prop = /"([^"]+)"(\??): /y;
  let doc: string | undefined;
  let i = 0;
  while (i < src.length) {
    if (src.startsWith('/**', i)) {
      const end = src.indexOf('*/', i + 3);
      doc = docText(src.slice(i + 3, end));
      i = end + 2;
      continue;
    }
    const skipped = skipComment(src, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    prop.lastIndex = i;
    const m = prop.exec(src);
    if (!m) {
      i++;
      continue;
    }
    let j = prop.lastIndex;
    let depth = 0;
    for (; j < src.length; j++) {
      const after = skipComment(src, j);
      if (after !== j) {
        j = after - 1;
        continue;
      }
      const c = src[j];
      if (c === '{' || c === '<' || c === '(') depth++;
      else if (c === '}' || c === '>' || c === ')') depth--;
      else if (c === ';' && depth === 0) break;
    }
    out.push({ name: m[1]!, optional: m[2] === '?', type: src.slice(prop.lastIndex, j), ...(doc ? { doc } : {}) });
    doc = undefined;
    i = j + 1;
  }
  return out;
}

/** The struct graph read so far: call {@link ModelReader.struct} on the kinds' files. */
export class ModelReader {
  /** Every struct reached, by long name. */
  readonly structs: Record<string, ModelStruct> = {};
  /** Every named non-struct type reached, by long name. */
  readonly aliases: Record<string, ModelAlias> = {};

  /** The declaration file (without `.d.ts`) of a kind: `apps`, `v1`, `Deployment`; `''` for the core group. */
  static kindFile(group: string, version: string, kind: string): string {
    return join(MODELS, group, version, kind);
  }

  /** The declaration file of an apimachinery type (`apis/meta/v1/Status`). */
  static machineryFile(path: string): string {
    return join(MACHINERY, path);
  }

  /** Where the file's model lives: the package root it belongs to and its path inside. */
  static location(file: string): { machinery: boolean; path: string } {
    const machinery = file.startsWith(MACHINERY);
    return { machinery, path: relative(machinery ? MACHINERY : MODELS, file).replace(/\.d\.ts$/, '') };
  }

  /** Reads the struct of a declaration file (and every struct it reaches); returns its long name. */
  struct(file: string): string {
    const raw = dts(file);
    const { long, go } = namesOf(file, raw);
    if (this.structs[long]) return long;
    const body = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?export interface I\w+ (extends \w+ )?\{([\s\S]*?)\n\}/.exec(raw);
    const entry: ModelStruct = { long, go, file: file.replace(/\.d\.ts$/, ''), typeMeta: body?.[2] !== undefined, fields: [], ...(body?.[1] ? { description: docText(body[1]) } : {}) };
    this.structs[long] = entry;
    if (!body) return long;
    const imports = importsOf(file, raw);
    const validate = this.validator(file, long);
    this.readFields(body[3]!, imports, entry, validate);
    return long;
  }

  private validator(file: string, long: string): Validator {
    const root = file.startsWith(MACHINERY) ? MACHINERY : MODELS;
    return require(join(root, '_schemas', `${long}.js`)).validate as Validator;
  }

  private readFields(src: string, imports: Map<string, string>, entry: ModelStruct, validate: Validator | undefined): void {
    for (const p of propsOf(src)) {
      const numberOf = (): 'int32' | 'int64' | 'float64' => (validate ? numberType(validate, p.name) : 'int64');
      const type = this.typeOf(stripComments(p.type).trim(), imports, numberOf, p.type);
      if (validate) addStringFormat(type, validate, p.name);
      entry.fields.push({ name: p.name, type, required: !p.optional, ...(p.doc ? { description: p.doc } : {}) });
    }
  }

  /** Reads one property type text (`raw`: the same with its comments, for inline structs). */
  private typeOf(t: string, imports: Map<string, string>, numberOf: () => 'int32' | 'int64' | 'float64', raw: string): ModelType {
    if (t === 'string') return { kind: 'string' };
    if (/^"[^"]*"(\s*\|\s*"[^"]*")*$/.test(t)) return { kind: 'string', enum: [...t.matchAll(/"([^"]*)"/g)].map((m) => m[1]!) };
    if (t === 'boolean') return { kind: 'boolean' };
    if (t === 'number') return { kind: 'number', format: numberOf() };
    if (t === 'any' || t === 'object' || t === '{}' || t === 'unknown') return { kind: 'any' };
    const arr = /^Array<(.+)>$/s.exec(t);
    if (arr) return { kind: 'array', items: this.typeOf(arr[1]!, imports, numberOf, /^\s*Array<([\s\S]+)>\s*$/.exec(raw)?.[1] ?? arr[1]!) };
    const map = /^\{\s*\[key: string\]: (.+?);?\s*\}$/s.exec(t);
    if (map) return { kind: 'map', values: this.typeOf(map[1]!, imports, numberOf, map[1]!) };
    const file = imports.get(t);
    if (file) return this.named(file);
    if (t.startsWith('{')) return this.inlineStruct(raw.trim(), imports);
    throw new Error(`unknown type ${t}`);
  }

  /** A named type: a struct, or one with its own JSON form. */
  private named(file: string): ModelType {
    const text = dts(file);
    if (/export declare type I\w+ = /.test(text)) {
      const { long } = namesOf(file, text);
      if (!this.aliases[long]) {
        const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export declare type I\w+ = /.exec(text);
        this.aliases[long] = { long, file: file.replace(/\.d\.ts$/, ''), form: aliasForm(file, text), ...(doc ? { description: docText(doc[1]!) } : {}) };
      }
      return { kind: 'alias', name: long };
    }
    return { kind: 'struct', name: this.struct(file) };
  }

  /**
   * An object type written inline (StatefulSet's volumeClaimTemplates hold whole
   * PersistentVolumeClaims): named after the kind its `spec` belongs to.
   */
  private inlineStruct(raw: string, imports: Map<string, string>): ModelType {
    const t = stripComments(raw);
    const spec = /"spec"\??: I(Io\w+)Spec;/.exec(t);
    if (!spec) return { kind: 'any' };
    const long = spec[1]!;
    if (!this.structs[long]) {
      const specFile = imports.get(`I${long}Spec`)!;
      const pkg = dirname(specFile).split('/').pop()!;
      const name = /[A-Z][a-z]*V\d+(?:(?:alpha|beta)\d+)?(\w+)$/.exec(long)?.[1] ?? long;
      const entry: ModelStruct = { long, go: `${pkg}.${name}`, file: join(dirname(specFile), name), typeMeta: false, fields: [] };
      this.structs[long] = entry;
      this.readFields(raw.slice(1, -1), imports, entry, undefined);
    }
    return { kind: 'struct', name: long };
  }
}

function numberType(validate: Validator, field: string): 'int32' | 'int64' | 'float64' {
  const at = (v: unknown) => {
    validate({ [field]: v });
    return (validate.errors ?? []).filter((e) => e.instancePath === `/${field}`);
  };
  if (!at(0.5).some((e) => e.keyword === 'type')) return 'float64';
  return at(2 ** 40).some((e) => e.keyword === 'format' && e.params.format === 'int32') ? 'int32' : 'int64';
}

/** The validator's string format of a string field (or of a list's or map's strings): `byte`… */
function addStringFormat(type: ModelType, validate: Validator, field: string): void {
  const probe = '%%%';
  const [target, value, path] =
    type.kind === 'string' ? [type, probe, `/${field}`] : type.kind === 'array' && type.items.kind === 'string' ? [type.items, [probe], `/${field}/0`] : type.kind === 'map' && type.values.kind === 'string' ? [type.values, { k: probe }, `/${field}/k`] : [undefined, undefined, ''];
  if (!target || target.enum) return;
  validate({ [field]: value });
  const format = (validate.errors ?? []).find((e) => e.instancePath === path && e.keyword === 'format')?.params.format;
  if (typeof format === 'string') target.format = format;
}
