/**
 * Deep values a client sends where the kind's Go types do not bound the nesting. kube-apiserver
 * decodes JSON up to 10,000 levels (decoding.ts refuses deeper bodies first); a built-in kind's
 * typed fields nest a few dozen levels at most, so anything deeper sits in one of three places:
 *
 * - under a field the kind does not have (`unknown`): the decoder drops it (with a warning under
 *   `fieldValidation=Warn`, a 400 under `Strict`);
 * - in place of a typed field (`mismatch`): the decoder refuses it with a type error, without
 *   reading inside it;
 * - in a free-form field (`free-form`: a RawExtension, `managedFields[].fieldsV1`, a strategic
 *   merge patch's `$` directive).
 *
 * JavaScript cannot walk such values recursively (V8's own `JSON.stringify` and
 * `structuredClone` overflow the stack within a few thousand levels), and the simulation copies,
 * merges, validates and prints what it stores. So the API server looks at a body once, here,
 * without recursion, before anything else walks it. An unknown or mismatched deep value is emptied
 * ({@link emptiedAt}): the decoder then drops, names or refuses it exactly as it would the deep one.
 * A free-form value deeper than {@link MAX_FREE_FORM_DEPTH} is refused as a limit of this
 * simulator (a real server stores it).
 */
import { excessiveNestingOf } from './decoding.js';
import { GO_STRUCTS } from './go-types.data.js';

/** The deepest free-form value the simulator stores (levels of arrays and objects). */
export const MAX_FREE_FORM_DEPTH = 100;

/** Where a value nested deeper than the limit sits. */
export interface DeepValue {
  kind: 'unknown' | 'mismatch' | 'free-form';
  /** JSON keys and array indices from the body's root. */
  path: (string | number)[];
}

/** Whether `v` nests more than `limit` levels of arrays and objects (itself counted), without recursion. */
export function deeperThan(v: unknown, limit: number): boolean {
  return excessiveNestingOf(v, limit) !== undefined;
}

/** The type code of a field the kind does not have. */
const UNKNOWN = '?unknown';

const freeFormCodes = new Map<string, string>();

/** A struct without fields of its own (`runtime.RawExtension`, `v1.FieldsV1`) holds any JSON. */
function freeForm(code: string): string {
  if (!code.startsWith('@')) return code;
  let out = freeFormCodes.get(code);
  if (out === undefined) {
    const fields = GO_STRUCTS[code.slice(1)]?.fields;
    out = !fields || Object.keys(fields).length === 0 ? 'any' : code;
    freeFormCodes.set(code, out);
  }
  return out;
}

/** Whether a JSON value can be decoded into a field of Go type `code` at its top level. */
function fits(v: unknown, code: string): boolean {
  if (code === 'any') return true;
  if (code.startsWith('@') || code.startsWith('map[string]')) return !Array.isArray(v);
  if (code.startsWith('[]')) return Array.isArray(v);
  return false; // scalars, quantities, times: an array or object never fits
}

/**
 * The values of `body` (decoded into Go type `root`, a type code such as `@io.k8s.api.apps.v1.Deployment`)
 * nested deeper than `limit` where the types do not bound them, in document order.
 *
 * @param options.directives - a strategic merge patch: keys starting with `$` are its directives.
 */
export function deepValues(body: unknown, root: string, limit = MAX_FREE_FORM_DEPTH, options: { directives?: boolean; at?: (string | number)[] } = {}): DeepValue[] {
  const out: DeepValue[] = [];
  // each entry links to its parent: a path is built only for a value that is reported
  interface Entry {
    v: unknown;
    code: string;
    up: Entry | undefined;
    key: string | number | undefined;
  }
  const pathOf = (e: Entry): (string | number)[] => {
    const keys: (string | number)[] = [];
    for (let x: Entry | undefined = e; x && x.key !== undefined; x = x.up) keys.push(x.key);
    return [...(options.at ?? []), ...keys.reverse()];
  };
  const stack: Entry[] = [{ v: body, code: root, up: undefined, key: undefined }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const { v } = top;
    if (v === null || typeof v !== 'object') continue;
    const code = freeForm(top.code);
    if (code === UNKNOWN) {
      if (deeperThan(v, limit)) out.push({ kind: 'unknown', path: pathOf(top) });
      continue;
    }
    if (code === 'any') {
      if (deeperThan(v, limit)) out.push({ kind: 'free-form', path: pathOf(top) });
      continue;
    }
    if (!fits(v, code)) {
      if (deeperThan(v, limit)) out.push({ kind: 'mismatch', path: pathOf(top) });
      continue;
    }
    // children pushed last first: the first child is examined first (document order)
    if (code.startsWith('[]')) {
      const elem = code.slice(2);
      const arr = v as unknown[];
      for (let i = arr.length - 1; i >= 0; i--) if (arr[i] !== null && typeof arr[i] === 'object') stack.push({ v: arr[i], code: elem, up: top, key: i });
    } else {
      const keys = Object.keys(v);
      const record = v as Record<string, unknown>;
      if (code.startsWith('map[string]')) {
        const elem = code.slice(11);
        for (let i = keys.length - 1; i >= 0; i--) {
          const x = record[keys[i]!];
          if (x !== null && typeof x === 'object') stack.push({ v: x, code: elem, up: top, key: keys[i] });
        }
      } else {
        const fields = GO_STRUCTS[code.slice(1)]!.fields;
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i]!;
          const x = record[k];
          if (x === null || typeof x !== 'object') continue;
          const fc = Object.hasOwn(fields, k) ? fields[k]! : undefined;
          if (fc !== undefined) stack.push({ v: x, code: fc, up: top, key: k });
          else if (options.directives && k.startsWith('$')) stack.push({ v: x, code: 'any', up: top, key: k });
          else stack.push({ v: x, code: UNKNOWN, up: top, key: k });
        }
      }
    }
  }
  return out;
}

/** The Go type code at a JSON pointer's path under `root` (`/spec/containers/0/env`), or undefined where the kind has no such field. */
export function codeAtPointer(root: string, pointer: string): string | undefined {
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let code = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    code = freeForm(code);
    if (code === 'any') return 'any';
    if (code.startsWith('[]')) code = code.slice(2);
    else if (code.startsWith('map[string]')) code = code.slice(11);
    else if (code.startsWith('@')) {
      const fields = GO_STRUCTS[code.slice(1)]!.fields;
      if (!Object.hasOwn(fields, key)) return undefined;
      code = fields[key]!;
    } else return undefined;
  }
  return freeForm(code);
}

/** A path as the decoder's unknown-field warnings write it: `spec.template.foo`, `spec.containers[0].bar`. */
export function dottedPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * A copy of `body` where the value at each path is replaced by an empty one of the same JSON kind
 * (`[]` or `{}`), copying only along the paths. The decoder's verdict on such a value does not
 * depend on what it holds: an unknown field is dropped (or named, under `Strict`) by its name, and
 * a type error names only the JSON kind (`cannot unmarshal object into … of type string`).
 */
export function emptiedAt<T>(body: T, paths: readonly (readonly (string | number)[])[]): T {
  let out: unknown = body;
  for (const path of paths) {
    const copy = (node: unknown, depth: number): unknown => {
      if (depth === path.length) return Array.isArray(node) ? [] : {};
      if (node === null || typeof node !== 'object') return node;
      const key = path[depth]!;
      if (Array.isArray(node)) {
        const arr = [...node];
        arr[key as number] = copy(arr[key as number], depth + 1);
        return arr;
      }
      return { ...(node as Record<string, unknown>), [key]: copy((node as Record<string, unknown>)[key as string], depth + 1) };
    };
    out = copy(out, 0);
  }
  return out as T;
}

/**
 * A write's body with its deep unknown and mismatched values emptied (the same object when there
 * are none), and the first deep free-form value's path if there is one (the write is refused then).
 *
 * @param root - the Go type code the body decodes into (`any` for a kind without Go types).
 * @param patchType - for a patch: `json` (each operation's value is looked at under its path), `strategic` (`$` directives), `merge` or `apply`.
 */
export function boundDeepValues<T>(body: T, root: string, patchType?: string): { body: T; freeForm?: (string | number)[] } {
  if (body === null || typeof body !== 'object') return { body };
  const hits: DeepValue[] = [];
  if (patchType === 'json') {
    if (!Array.isArray(body)) return { body };
    body.forEach((operation: unknown, i) => {
      if (operation === null || typeof operation !== 'object' || !('value' in operation)) return;
      const { path, value } = operation as { path?: unknown; value: unknown };
      const code = typeof path === 'string' ? codeAtPointer(root, path) : undefined;
      if (code !== undefined) hits.push(...deepValues(value, code, MAX_FREE_FORM_DEPTH, { at: [i, 'value'] }));
      else if (deeperThan(value, MAX_FREE_FORM_DEPTH)) hits.push({ kind: 'unknown', path: [i, 'value'] });
    });
  } else {
    hits.push(...deepValues(body, root, MAX_FREE_FORM_DEPTH, { directives: patchType === 'strategic' }));
  }
  if (hits.length === 0) return { body };
  const freeFormHit = hits.find((h) => h.kind === 'free-form');
  if (freeFormHit) return { body, freeForm: freeFormHit.path };
  return { body: emptiedAt(body, hits.map((h) => h.path)) };
}
