/**
 * What kube-apiserver's storage keeps of an object: it writes built-in kinds to etcd as protobuf,
 * where an empty map and an empty list cannot be told from an absent one, so an object read back
 * has neither (`annotations: {}` after the last annotation is removed comes back without
 * `annotations`). The API server writes what it would read back, so that semantic equality
 * (the deployment controller's template comparison, a no-op update) is the real server's.
 *
 * Driven by the kinds' Go types (`src/api/go-types.data.ts`): only fields whose Go type is a map
 * or a slice are dropped when empty; an empty struct (`emptyDir: {}`, `status.loadBalancer: {}`)
 * is a set pointer or a value protobuf keeps. A field sent as `null` (kubectl's rollback sends a
 * template with `creationTimestamp: null`) is a nil pointer or a zero value, stored as absent.
 * Kinds without Go types are stored as they are.
 */
import { GO_ROOTS, GO_STRUCTS } from '../../src/api/go-types.data.js';
import { childAt } from '../../src/api/json-values.js';

type Json = Record<string, unknown>;

function isEmptyCollection(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/**
 * Objects `asStored` returned: normalizing one again gives it back unchanged (the registry
 * normalizes an update to compare it with what is stored, and the write to etcd does again).
 */
const normalized = new WeakSet<object>();

/**
 * `value` with its empty map and slice fields dropped, by type code; the same object when nothing
 * changes. A part that is the same value as `base`'s (a stored object, already normalized) at the
 * same place is kept as it is without being walked.
 */
function normalize(value: unknown, code: string, base: unknown): unknown {
  if (typeof value !== 'object' || value === null || value === base) return value;
  if (code.startsWith('[]')) {
    if (!Array.isArray(value)) return value;
    const element = code.slice(2);
    if (!element.startsWith('@') && !element.startsWith('[]') && !element.startsWith('map[')) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = normalize(item, element, childAt(base, i));
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  if (code.startsWith('map[')) {
    if (Array.isArray(value)) return value;
    const element = code.slice(code.indexOf(']') + 1);
    if (!element.startsWith('@') && !element.startsWith('[]') && !element.startsWith('map[')) return value;
    let out: Json | undefined;
    for (const [key, item] of Object.entries(value)) {
      const next = normalize(item, element, childAt(base, key));
      if (next !== item) (out ??= { ...(value as Json) })[key] = next;
    }
    return out ?? value;
  }
  if (!code.startsWith('@') || Array.isArray(value)) return value;
  const struct = GO_STRUCTS[code.slice(1)];
  if (!struct) return value;
  // the copy is built key by key, never by deleting from a copy: a deleted property turns a V8
  // object into a dictionary, 450 B instead of 50 for a pod's PodScheduled condition, kept as
  // long as the pod
  let out: Json | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = (value as Json)[key];
    const fieldCode = struct.fields[key];
    // null: a nil pointer or a zero value (kubectl's `creationTimestamp: null` in a pod template)
    const drop = fieldCode !== undefined && (item === null || ((fieldCode.startsWith('[]') || fieldCode.startsWith('map[')) && isEmptyCollection(item)));
    const next = fieldCode === undefined || drop ? item : normalize(item, fieldCode, childAt(base, key));
    if (out === undefined) {
      if (!drop && next === item) continue;
      out = {};
      for (let j = 0; j < i; j++) setKey(out, keys[j]!, (value as Json)[keys[j]!]);
    }
    if (!drop) setKey(out, key, next);
  }
  return out ?? value;
}

/** Assigns a property, also when the key is `__proto__` (an own property, as a spread copies it). */
function setKey(o: Json, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  else o[key] = v;
}

/**
 * The object as protobuf storage would give it back: empty maps and lists dropped. Returns the
 * same object when it has none (nothing is copied), a copy otherwise (the argument is not changed).
 * `stored`, an object as storage gave it back (the one an update changes), lets the parts `obj`
 * shares with it go unwalked.
 */
export function asStored<T extends { apiVersion?: string; kind?: string }>(obj: T, stored?: unknown): T {
  if (normalized.has(obj)) return obj;
  const root = GO_ROOTS[`${obj.apiVersion}/${obj.kind}`];
  if (!root) return obj;
  const out = normalize(obj, `@${root}`, stored) as T;
  normalized.add(out);
  return out;
}
