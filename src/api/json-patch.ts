/**
 * RFC 6902 JSON patch (`application/json-patch+json`) and RFC 6901 JSON pointers.
 *
 * @packageDocumentation
 */
import { describe, isObject, jsonEqual, type JsonObject, type JsonValue, PatchError, setKey, toJson } from './patch.js';

const hasOwn = Object.hasOwn;

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: unknown };

/**
 * Parses an RFC 6901 JSON pointer into its reference tokens (`~1` → `/`, `~0` → `~`).
 *
 * @param pointer - e.g. `/spec/containers/0/image`; `""` is the whole document.
 * @throws PatchError for a pointer not starting with `/` or with a bad `~` escape.
 */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must be empty or start with "/"`);
  if (/~(?![01])/.test(pointer)) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: "~" must be followed by 0 or 1`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

class JsonPatcher {
  constructor(public root: JsonValue) {}

  private fail(i: number, op: string, msg: string): never {
    throw new PatchError(`json patch operation ${i} (${op}) failed: ${msg}`);
  }

  /** The container holding the last token of `tokens`, and that token. */
  private parent(tokens: string[], i: number, op: string, path: string): [JsonValue[] | JsonObject, string] {
    let cur: JsonValue = this.root;
    for (let k = 0; k < tokens.length - 1; k++) {
      const t = tokens[k]!;
      if (Array.isArray(cur)) {
        if (!ARRAY_INDEX.test(t) || Number(t) >= cur.length) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
        cur = cur[Number(t)]!;
      } else if (isObject(cur)) {
        if (!hasOwn(cur, t)) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
        cur = cur[t]!;
      } else {
        this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
      }
    }
    if (!Array.isArray(cur) && !isObject(cur)) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
    return [cur, tokens[tokens.length - 1]!];
  }

  get(path: string, i: number, op: string): JsonValue {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) return this.root;
    const [c, last] = this.parent(tokens, i, op, path);
    if (Array.isArray(c)) {
      if (!ARRAY_INDEX.test(last) || Number(last) >= c.length) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
      return c[Number(last)]!;
    }
    if (!hasOwn(c, last)) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
    return c[last]!;
  }

  add(path: string, value: JsonValue, i: number, op: string): void {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) {
      this.root = value;
      return;
    }
    const [c, last] = this.parent(tokens, i, op, path);
    if (Array.isArray(c)) {
      if (last === '-') c.push(value);
      else if (ARRAY_INDEX.test(last) && Number(last) <= c.length) c.splice(Number(last), 0, value);
      else this.fail(i, op, `index ${JSON.stringify(last)} is out of bounds for the array at ${JSON.stringify(path)} (length ${c.length})`);
    } else setKey(c, last, value);
  }

  remove(path: string, i: number, op: string): JsonValue {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) this.fail(i, op, 'cannot remove the whole document');
    const [c, last] = this.parent(tokens, i, op, path);
    if (Array.isArray(c)) {
      if (!ARRAY_INDEX.test(last) || Number(last) >= c.length) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
      return c.splice(Number(last), 1)[0]!;
    }
    if (!hasOwn(c, last)) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
    const v = c[last]!;
    delete c[last];
    return v;
  }

  replace(path: string, value: JsonValue, i: number, op: string): void {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) {
      this.root = value;
      return;
    }
    const [c, last] = this.parent(tokens, i, op, path);
    if (Array.isArray(c)) {
      if (!ARRAY_INDEX.test(last) || Number(last) >= c.length) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
      c[Number(last)] = value;
    } else {
      if (!hasOwn(c, last)) this.fail(i, op, `path ${JSON.stringify(path)} does not exist`);
      setKey(c, last, value);
    }
  }
}

/**
 * Applies RFC 6902 operations (`application/json-patch+json`) in order: `add`, `remove`,
 * `replace`, `move`, `copy`, `test`, with RFC 6901 pointers (`-` appends to an array).
 * All or nothing: when one operation fails, the error names it and the input is untouched.
 *
 * @param target - the document (not modified).
 * @param ops - the operations.
 * @returns the patched document, a new object.
 * @throws PatchError naming the failing operation, e.g.
 *   `json patch operation 1 (test) failed: value at "/spec/replicas" is 3, not 2`.
 */
export function jsonPatch<T>(target: T, ops: readonly JsonPatchOperation[]): T {
  if (!Array.isArray(ops)) throw new PatchError('a json patch must be an array of operations');
  const p = new JsonPatcher(toJson(target));
  ops.forEach((raw, i) => {
    const o = raw as unknown as Record<string, unknown>;
    if (!isObject(o)) throw new PatchError(`json patch operation ${i} is not an object`);
    const op = o.op;
    if (typeof o.path !== 'string') throw new PatchError(`json patch operation ${i} (${String(op)}) has no "path"`);
    const path = o.path;
    const needValue = () => {
      if (!hasOwn(o, 'value') || o.value === undefined) throw new PatchError(`json patch operation ${i} (${String(op)}) has no "value"`);
      return toJson(o.value);
    };
    const needFrom = () => {
      if (typeof o.from !== 'string') throw new PatchError(`json patch operation ${i} (${String(op)}) has no "from"`);
      return o.from;
    };
    switch (op) {
      case 'add':
        p.add(path, needValue(), i, op);
        break;
      case 'remove':
        p.remove(path, i, op);
        break;
      case 'replace':
        p.replace(path, needValue(), i, op);
        break;
      case 'move': {
        const from = needFrom();
        if (from === path) {
          p.get(from, i, op);
          break;
        }
        if (path.startsWith(from + '/')) {
          throw new PatchError(`json patch operation ${i} (move) failed: cannot move ${JSON.stringify(from)} into its own child ${JSON.stringify(path)}`);
        }
        const v = p.remove(from, i, op);
        p.add(path, v, i, op);
        break;
      }
      case 'copy': {
        const v = toJson(p.get(needFrom(), i, op));
        p.add(path, v, i, op);
        break;
      }
      case 'test': {
        const expected = needValue();
        const actual = p.get(path, i, op);
        if (!jsonEqual(actual, expected)) {
          throw new PatchError(`json patch operation ${i} (test) failed: value at ${JSON.stringify(path)} is ${describe(actual)}, not ${describe(expected)}`);
        }
        break;
      }
      default:
        throw new PatchError(`json patch operation ${i}: unknown op ${JSON.stringify(op)}`);
    }
  });
  return p.root as T;
}
