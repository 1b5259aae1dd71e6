/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`): applying one ({@link jsonMergePatch})
 * and computing one ({@link createJsonMergePatch}).
 *
 * @packageDocumentation
 */
import { isObject, jsonEqual, type JsonObject, type JsonValue, setKey, toJson } from './patch.js';

const hasOwn = Object.hasOwn;

/**
 * The merge of `patch` (a JSON copy) into `target` without copying what the patch does not touch:
 * only the objects on the patched paths are new (shallow copies without `undefined` keys).
 */
function mergePatchShared(target: unknown, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const t: JsonObject = {};
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    for (const k of Object.keys(target)) {
      const x = (target as Record<string, unknown>)[k];
      if (x !== undefined) setKey(t, k, x as JsonValue);
    }
  }
  for (const k of Object.keys(patch)) {
    const v = patch[k]!;
    if (v === null) delete t[k];
    else setKey(t, k, mergePatchShared(hasOwn(t, k) ? t[k]! : null, v));
  }
  return t;
}

/**
 * Applies an RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge
 * recursively, `null` deletes a key, anything else (lists included) replaces.
 *
 * The result shares the parts of `target` the patch does not touch (a status patch does not copy
 * the pod's spec): treat both as immutable, as the API server treats stored objects. A target
 * that is not plain JSON (class instances with `toJSON`) is converted first.
 *
 * @param target - the document to patch (not modified).
 * @param patch - the merge patch.
 * @returns the patched document, a new object.
 */
export function jsonMergePatch<T>(target: T, patch: unknown): T {
  const p = toJson(patch);
  const plain = target === null || typeof target !== 'object' || typeof (target as { toJSON?: unknown }).toJSON !== 'function';
  return mergePatchShared(plain ? target : toJson(target), p) as T;
}

function diffForMerge(original: JsonValue, modified: JsonValue): JsonValue | undefined {
  if (!isObject(original) || !isObject(modified)) return jsonEqual(original, modified) ? undefined : modified;
  const patch: JsonObject = {};
  for (const k of Object.keys(original)) if (!hasOwn(modified, k)) setKey(patch, k, null);
  for (const k of Object.keys(modified)) {
    const m = modified[k]!;
    if (!hasOwn(original, k)) setKey(patch, k, m);
    else {
      const d = diffForMerge(original[k]!, m);
      if (d !== undefined) setKey(patch, k, d);
    }
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/**
 * The RFC 7386 merge patch that turns `original` into `modified` (as `jsonpatch.CreateMergePatch`).
 * `null` values inside objects of `modified` cannot be expressed by a merge patch.
 *
 * @param original - the document before.
 * @param modified - the document after.
 * @returns the patch (`{}` when nothing changed; `modified` itself when either is not an object).
 */
export function createJsonMergePatch(original: unknown, modified: unknown): JsonValue {
  const o = toJson(original);
  const m = toJson(modified);
  const d = diffForMerge(o, m);
  if (d === undefined) return isObject(m) ? {} : m;
  return d;
}
