/**
 * The API server's decoding of a built-in kind: a value of the wrong JSON type is refused before
 * defaulting or validation sees it, never coerced. The messages are those of the decoders
 * kube-apiserver runs on each path:
 *
 * - create and update (and a JSON or merge patch's result) go through Go's `encoding/json`
 *   (sigs.k8s.io/json): `json: cannot unmarshal string into Go struct field
 *   DeploymentSpec.spec.replicas of type int32`;
 * - a strategic merge patch's result goes through the unstructured converter
 *   (`runtime.DefaultUnstructuredConverter.FromUnstructured`): `unrecognized type: int32`,
 *   `cannot restore struct from: string`;
 * - server-side apply types the applied configuration with structured-merge-diff:
 *   `.spec.replicas: expected numeric (int or float), got string`.
 *
 * The Go type of each field comes from `go-types.data.ts` (generated from kubernetes-models).
 * Kinds not in it are not checked here (validation's schema check still runs).
 */
import { GO_ROOTS, GO_STRUCTS } from './go-types.data.js';
import { childAt } from './json-values.js';

/** Which decoder reads the value. */
export type Decoder = 'json' | 'unstructured' | 'apply';

const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const INT32 = 2 ** 31;

/** The Go type name of a type code, as Go prints it in `of type ...`. */
function goTypeName(code: string): string {
  if (code.startsWith('[]')) return `[]${goTypeName(code.slice(2))}`;
  if (code.startsWith('map[string]')) return `map[string]${goTypeName(code.slice(11))}`;
  if (code.startsWith('@')) return GO_STRUCTS[code.slice(1)]?.go ?? code.slice(1);
  switch (code) {
    case 'quantity':
      return 'resource.Quantity';
    case 'intstr':
      return 'intstr.IntOrString';
    case 'time':
      return 'v1.Time';
    case 'any':
      return 'interface {}';
    default:
      return code;
  }
}

/** What Go's json decoder calls a JSON value (`string`, `number`, `bool`, `array`, `object`). */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : 'string';
}

/** The Go kind of a value in an unstructured map (`int64`, `float64`, `string`, `bool`, `map`, `slice`). */
function unstructuredKind(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'string';
}

function isInt(v: unknown, code: string): boolean {
  if (typeof v !== 'number' || !Number.isInteger(v)) return false;
  return code === 'int32' ? v >= -INT32 && v < INT32 : Number.isSafeInteger(v);
}

/**
 * Where a value is, as a chain to the root built only as the walk descends: the messages' field
 * stack and path are assembled from it when there is an error, never for a value that decodes.
 */
interface Place {
  readonly up: Place | undefined;
  /** Innermost Go struct (its short name). */
  readonly struct: string;
  /** The JSON field name this step adds to Go's errorContext.FieldStack (struct fields only). */
  readonly field: string | undefined;
  /** This step of structured-merge-diff's path (`.spec`, `[0]`). */
  readonly seg: string;
}

const ROOT_SEG = '';

/** Go's errorContext.FieldStack: the struct fields from the root. */
function fieldsOf(at: Place): string[] {
  const fields: string[] = [];
  for (let p: Place | undefined = at; p; p = p.up) if (p.field !== undefined) fields.push(p.field);
  return fields.reverse();
}

/** structured-merge-diff's path (`.spec.containers[0].image`). */
function pathOf(at: Place): string {
  const segs: string[] = [];
  for (let p: Place | undefined = at; p; p = p.up) segs.push(p.seg);
  return segs.reverse().join('');
}

/** Go's json error for a value of the wrong JSON type at `at`. */
function jsonError(at: Place, code: string, v: unknown, type = goTypeName(code), what = jsonKind(v)): string {
  return `json: cannot unmarshal ${what} into Go struct field ${at.struct}.${fieldsOf(at).join('.')} of type ${type}`;
}

/**
 * The first wrong-typed value in document order, as the decoder reports it; undefined if none.
 * `base` is a value known to decode (what is stored): a subtree that is the same value as the
 * base's at the same place decodes too, and is not walked again (a patch's result shares the
 * stored object's untouched parts).
 */
function walk(v: unknown, code: string, at: Place, decoder: Decoder, base: unknown): string | undefined {
  if (v === null || v === undefined || code === 'any') return undefined;
  if (base !== undefined && v === base) return undefined;
  if (code.startsWith('@')) {
    const s = GO_STRUCTS[code.slice(1)];
    if (!s) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      if (decoder === 'json') return jsonError(at, code, v);
      if (decoder === 'unstructured') return `cannot restore struct from: ${unstructuredKind(v)}`;
      return `${pathOf(at)}: expected map, got ${goValue(v)}`;
    }
    const name = s.go.split('.').pop()!;
    for (const k in v) {
      // own fields only: a client's `__proto__` key is an unknown field, not Object.prototype
      if (!Object.hasOwn(v, k)) continue;
      const fc = Object.hasOwn(s.fields, k) ? s.fields[k] : undefined;
      if (fc === undefined) continue; // unknown fields are strict decoding's concern
      const child = (v as Record<string, unknown>)[k];
      if (child === null || child === undefined) continue;
      const err = walk(child, fc, { up: at, struct: name, field: k, seg: `.${k}` }, decoder, childAt(base, k));
      if (err) return err;
    }
    return undefined;
  }
  if (code.startsWith('[]')) {
    if (!Array.isArray(v)) {
      if (decoder === 'json') return jsonError(at, code, v);
      if (decoder === 'unstructured') return `cannot restore slice from ${unstructuredKind(v)}`;
      return `${pathOf(at)}: expected list, got ${goValue(v)}`;
    }
    const elem = code.slice(2);
    for (let i = 0; i < v.length; i++) {
      const err = walk(v[i], elem, { up: at, struct: at.struct, field: undefined, seg: `[${i}]` }, decoder, childAt(base, i));
      if (err) return err;
    }
    return undefined;
  }
  if (code.startsWith('map[string]')) {
    if (typeof v !== 'object' || Array.isArray(v)) {
      if (decoder === 'json') return jsonError(at, code, v);
      if (decoder === 'unstructured') return `cannot restore map from ${unstructuredKind(v)}`;
      return `${pathOf(at)}: expected map, got ${goValue(v)}`;
    }
    const elem = code.slice(11);
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      const err = walk(child, elem, { up: at, struct: at.struct, field: undefined, seg: `.${k}` }, decoder, childAt(base, k));
      if (err) return err;
    }
    return undefined;
  }
  return scalar(v, code, at, decoder);
}

function scalar(v: unknown, code: string, at: Place, decoder: Decoder): string | undefined {
  const json = (type?: string, what?: string) => jsonError(at, code, v, type, what);
  switch (code) {
    case 'string':
      if (typeof v === 'string') return undefined;
      if (decoder === 'json') return json();
      if (decoder === 'unstructured') return typeof v === 'number' && Number.isInteger(v) ? 'cannot convert int64 to string' : 'unrecognized type: string';
      return `${pathOf(at)}: expected string, got &value.valueUnstructured{Value:${goValue(v)}}`;
    case 'bool':
      if (typeof v === 'boolean') return undefined;
      if (decoder === 'json') return json();
      if (decoder === 'unstructured') return 'unrecognized type: bool';
      return `${pathOf(at)}: expected boolean, got &{${goValue(v)}}`;
    case 'int32':
    case 'int64':
    case 'float64': {
      if (typeof v === 'number') {
        if (code === 'float64' || isInt(v, code)) return undefined;
        if (decoder === 'json') return json(code, `number ${goNumber(v)}`);
        if (decoder === 'unstructured') return Number.isInteger(v) ? undefined : `cannot convert float64 to ${code}`;
        return undefined; // structured-merge-diff has one numeric type
      }
      if (decoder === 'json') return json();
      if (decoder === 'unstructured') return `unrecognized type: ${code}`;
      return `${pathOf(at)}: expected numeric (int or float), got ${goTypeOf(v)}`;
    }
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number' ? undefined : decoder === 'apply' ? `${pathOf(at)}: expected string, got &value.valueUnstructured{Value:${goValue(v)}}` : QUANTITY_MSG;
    case 'intstr':
      if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return undefined;
      if (decoder === 'apply') return `${pathOf(at)}: expected string or numeric, got ${goTypeOf(v)}`;
      return decoder === 'json' ? json('int32') : `json: cannot unmarshal ${jsonKind(v)} into Go value of type int32`;
    case 'time':
      if (typeof v === 'string') return undefined;
      if (decoder === 'apply') return `${pathOf(at)}: expected string, got &value.valueUnstructured{Value:${goValue(v)}}`;
      return decoder === 'json' ? json('string') : `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`;
    default:
      return undefined;
  }
}

/** Go's `%T` of an unstructured value. */
function goTypeOf(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'string';
}

function goNumber(n: number): string {
  return Number.isInteger(n) || Math.abs(n) < 1e21 ? String(n) : n.toExponential().replace(/e\+?/, 'e+');
}

/**
 * Go's `%+v` of an unstructured value: `map[spec:map[replicas:5]]`, `[a b]`, strings unquoted,
 * map keys sorted, `<nil>` for null. Bounded: nesting deeper than 64 prints `...`.
 */
export function goValue(v: unknown, depth = 0): string {
  if (depth > 64) return '...';
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map((x) => goValue(x, depth + 1)).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goValue((v as Record<string, unknown>)[k], depth + 1)}`).join(' ')}]`;
  }
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/** The struct a kind decodes into, or undefined for a kind the decoder does not know. */
export function rootStruct(apiVersion: string, kind: string): string | undefined {
  return GO_ROOTS[`${apiVersion}/${kind}`];
}

/**
 * The first wrong-typed field of `obj` as the decoder would report it, or undefined.
 *
 * @param apiVersion - `apps/v1`, `v1`, ...
 * @param kind - the kind the body decodes into.
 * @param base - a value known to decode into the kind (the stored object a patch applied to):
 *   the parts `obj` shares with it are not walked again.
 */
export function decodeError(obj: unknown, apiVersion: string, kind: string, decoder: Decoder = 'json', base?: unknown): string | undefined {
  const root = rootStruct(apiVersion, kind);
  if (!root) return undefined;
  return walk(obj, `@${root}`, { up: undefined, struct: kind, field: undefined, seg: ROOT_SEG }, decoder, base);
}

/** The deepest nesting Go's JSON decoder accepts (encoding/json's maxNestingDepth). */
const MAX_JSON_DEPTH = 10_000;

/**
 * Where a JSON text nests deeper than `max` arrays and objects: the bracket that opens one level
 * too many (`[` or `{`), or undefined. Scans the text without recursion (strings skipped).
 */
export function excessiveNesting(text: string, max = MAX_JSON_DEPTH): '[' | '{' | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return c === 91 ? '[' : '{';
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

/** Like {@link excessiveNesting} for a decoded value (a YAML body, a library client's object), without recursion. */
export function excessiveNestingOf(value: unknown, max = MAX_JSON_DEPTH): '[' | '{' | undefined {
  // two parallel stacks (no pair allocated per value): the API server looks at every write's body
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return Array.isArray(v) ? '[' : '{';
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/**
 * The decoder's error for a body nested too deep: for an object to create or replace, as the
 * serializer reports a body it cannot read (`the object provided is unrecognized (must be of type
 * ConfigMap): couldn't get version/kind; json parse error: invalid character '[' exceeded max
 * depth ({"apiVersion":"v1","kind":"Con ...)`); for other bodies, Go's syntax error.
 */
export function tooDeepMessage(bracket: '[' | '{', kind: string | undefined, text?: string): string {
  const syntax = `invalid character '${bracket}' exceeded max depth`;
  if (!kind) return syntax;
  return `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${syntax} (${summarize(text)})`;
}

/**
 * The first `n` characters of a value's JSON text, written without recursing deeper than `n`
 * (the text of a too-deep value cannot be written whole).
 */
export function jsonPrefix(value: unknown, n = 31): string {
  let out = '';
  const write = (v: unknown): void => {
    if (out.length >= n) return;
    if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v) ?? 'null';
      return;
    }
    if (Array.isArray(v)) {
      out += '[';
      v.forEach((x, i) => {
        if (out.length >= n) return;
        if (i > 0) out += ',';
        write(x);
      });
      out += ']';
      return;
    }
    out += '{';
    Object.entries(v).forEach(([k, x], i) => {
      if (out.length >= n) return;
      out += `${i > 0 ? ',' : ''}${JSON.stringify(k)}:`;
      write(x);
    });
    out += '}';
  };
  write(value);
  return out.slice(0, n);
}

/** apimachinery's summarizeData(body, 30). */
function summarize(text: string | undefined): string {
  if (text === undefined || text.length === 0) return '<empty>';
  if (text.startsWith('{')) return text.length > 30 ? `${text.slice(0, 30)} ...` : text;
  const hex = Buffer.from(text.slice(0, 30), 'utf8').subarray(0, 30).toString('hex');
  return text.length > 30 ? `${hex} ...` : hex;
}
