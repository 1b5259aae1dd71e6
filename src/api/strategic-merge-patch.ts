/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), with the list merge keys and
 * directives of apimachinery's `strategicpatch` package, for the kinds in
 * {@link strategicPatchKinds}; other kinds get merge-patch semantics. Also the patches kubectl
 * computes: {@link createTwoWayMergePatch} and {@link createThreeWayMergePatch} (what
 * `kubectl apply` sends, from the last-applied configuration, the new manifest and the live object).
 *
 * No function mutates its inputs: each works on a deep copy and returns new objects.
 *
 * @packageDocumentation
 */
import { describe, EMPTY_SCHEMA, type FieldPatchMeta, goString, isObject, jsonEqual, type JsonObject, type JsonValue, type Kind, kindOf, PatchError, type PatchSchema, patchSchemaFor, setKey, toJson } from './patch.js';

const hasOwn = Object.hasOwn;

// ---------------------------------------------------------------------------------------------
// Strategic merge patch: applying
// ---------------------------------------------------------------------------------------------

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

interface MergeOptions {
  /** True when applying (server side): process parallel lists; false when merging two patches. */
  mergeParallelList: boolean;
  /** True when applying: a null deletes; false when merging two patches: nulls are kept. */
  ignoreUnmatchedNulls: boolean;
}

const APPLY: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };

function metaOf(schema: PatchSchema, key: string): FieldPatchMeta {
  return hasOwn(schema, key) ? schema[key]! : {};
}

function errNoMergeKey(m: JsonValue, key: string): PatchError {
  return new PatchError(`map: ${describe(m)} does not contain declared merge key: ${key}`);
}

function errBadPatchType(t: JsonValue | undefined, m: JsonValue): PatchError {
  return new PatchError(`unknown patch type: ${goString(t)} in map: ${describe(m)}`);
}

function extractKey(key: string, prefix: string): string {
  const i = key.indexOf('/');
  if (i < 0 || key.slice(0, i) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw new PatchError('invalid patch format of primitive list');
    throw new PatchError('invalid patch format of setElementOrder list');
  }
  return key.slice(i + 1);
}

function expectArray(v: JsonValue | undefined, what: string): JsonValue[] {
  if (!Array.isArray(v)) throw new PatchError(`expected a list for ${what}, but received ${describe(v)}`);
  return v;
}

/** The kind shared by every element of the lists (`sliceElementType`). */
function elementKind(...lists: JsonValue[][]): Kind | undefined {
  let k: Kind | undefined;
  for (const l of lists) {
    for (const v of l) {
      const vk = kindOf(v);
      if (k === undefined) {
        if (vk === 'array') throw new PatchError('lists of lists are not supported');
        k = vk;
      } else if (vk !== k) {
        throw new PatchError(`list element types are not identical: ${describe(lists)}`);
      }
    }
  }
  return k;
}

/** A value entering the result where there was nothing: when applying, nulls and directives are processed away. */
function adopt(v: JsonValue, meta: FieldPatchMeta, opts: MergeOptions): JsonValue {
  if (!opts.mergeParallelList) return v;
  if (isObject(v)) return mergeMap({}, v, meta.fields ?? EMPTY_SCHEMA, opts);
  if (Array.isArray(v) && meta.strategy === 'merge' && meta.mergeKey !== undefined && v.every(isObject)) {
    const items = v;
    const kept = items.filter((item) => !hasOwn(item, DIRECTIVE));
    return kept.map((item) => mergeMap({}, item, meta.fields ?? EMPTY_SCHEMA, opts));
  }
  return v;
}

/** `mergeMap`: merges `patch` into `original` (both owned by the caller and mutated). */
function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema, opts: MergeOptions): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      delete patch[DIRECTIVE];
      return opts.mergeParallelList ? mergeMap({}, patch, schema, opts) : patch;
    }
    if (d === 'delete') return {};
    throw errBadPatchType(d, patch);
  }
  applyRetainKeysDirective(original, patch, opts);
  mergePatchIntoOriginal(original, patch, schema, opts);

  // Parallel deletion lists go after the additions to the same list.
  const keys = Object.keys(patch);
  const ordered = [
    ...keys.filter((k) => !k.startsWith(DELETE_FROM_PRIMITIVE_LIST)),
    ...keys.filter((k) => k.startsWith(DELETE_FROM_PRIMITIVE_LIST)),
  ];
  for (const rawKey of ordered) {
    const patchV = patch[rawKey]!;
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      if (!opts.mergeParallelList) {
        setKey(original, rawKey, patchV);
        continue;
      }
      k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    const meta = metaOf(schema, k);
    if (patchV === null) {
      delete original[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    if (!hasOwn(original, k)) {
      if (!isDeleteList) setKey(original, k, adopt(patchV, meta, opts));
      continue;
    }
    const origV = original[k]!;
    const ok = kindOf(origV);
    if (ok !== kindOf(patchV)) {
      if (!isDeleteList) setKey(original, k, adopt(patchV, meta, opts));
      continue;
    }
    if (ok === 'object') {
      setKey(
        original,
        k,
        meta.strategy === 'replace'
          ? adopt(patchV, { ...meta, strategy: undefined }, opts)
          : mergeMap(origV as JsonObject, patchV as JsonObject, meta.fields ?? EMPTY_SCHEMA, opts),
      );
    } else if (ok === 'array') {
      setKey(original, k, mergeSliceHandler(origV as JsonValue[], patchV as JsonValue[], meta, isDeleteList, opts));
    } else {
      setKey(original, k, patchV);
    }
  }
  return original;
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject, opts: MergeOptions): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS]!;
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    if (hasOwn(original, RETAIN_KEYS)) {
      if (!jsonEqual(original[RETAIN_KEYS], retain)) {
        throw new PatchError(`${describe(original[RETAIN_KEYS])} and ${describe(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`);
      }
    } else setKey(original, RETAIN_KEYS, retain);
    return;
  }
  if (!Array.isArray(retain)) throw new PatchError('invalid patch format of retainKeys');
  const keep = new Set(retain.map((v) => (typeof v === 'string' ? v : goString(v))));
  for (const k of Object.keys(patch)) {
    if (patch[k] === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw new PatchError(`invalid patch format of retainKeys: ${JSON.stringify(k)} is in the patch but not in $retainKeys`);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Processes `$setElementOrder/<list>` together with `<list>` (`mergePatchIntoOriginal`). */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const setOrder = patch[key]!;
    if (!opts.mergeParallelList) {
      if (hasOwn(original, key)) {
        if (!jsonEqual(original[key], setOrder)) throw new PatchError('invalid patch format of setElementOrder list');
      } else setKey(original, key, setOrder);
    }
    delete patch[key];
    if (!Array.isArray(setOrder)) throw new PatchError('invalid patch format of setElementOrder list');
    const listKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = hasOwn(original, listKey);
    const foundPatch = hasOwn(patch, listKey);
    const originalList = foundOriginal ? expectArray(original[listKey], listKey) : [];
    const patchList = foundPatch ? expectArray(patch[listKey], listKey) : [];
    const meta = metaOf(schema, listKey);
    const mergeKey = meta.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, setOrder, mergeKey);
    let merged: JsonValue[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = expectArray(adopt(patchList, meta, opts), listKey);
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, meta, false, opts);
    else continue;
    const kind = elementKind(originalList, patchList);
    if (kind === undefined) {
      setKey(original, listKey, merged);
      delete patch[listKey];
      continue;
    }
    const [patchItems, serverOnly] = partitionByPresence(merged, setOrder, mergeKey, kind);
    setKey(original, listKey, normalizeElementOrder(patchItems, serverOnly, setOrder, originalList, mergeKey, kind));
    delete patch[listKey];
  }
}

function validatePatchWithSetOrderList(patchList: JsonValue[], setOrder: JsonValue[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    const item = nonDelete[p]!;
    if (isObject(item) && hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrder[s]!, mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw new PatchError(`The order in patch list:\n${describe(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${describe(setOrder)}\n`);
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isObject(left)) throw new PatchError(`expected a map, but received ${describe(left)}`);
  if (!isObject(right)) throw new PatchError(`expected a map, but received ${describe(right)}`);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function mergeSliceHandler(
  original: JsonValue[],
  patch: JsonValue[],
  meta: FieldPatchMeta,
  isDeleteList: boolean,
  opts: MergeOptions,
): JsonValue[] {
  if (meta.strategy === 'merge') return mergeSlice(original, patch, meta, opts, isDeleteList);
  return patch;
}

function mergeSlice(
  original: JsonValue[],
  patch: JsonValue[],
  meta: FieldPatchMeta,
  opts: MergeOptions,
  isDeleteList: boolean,
): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch)!;
  const mergeKey = meta.mergeKey ?? '';
  let merged: JsonValue[];
  if (kind !== 'object') {
    if (opts.mergeParallelList && isDeleteList) {
      const del = new Set(patch);
      return original.filter((v) => !del.has(v));
    }
    merged = [...new Set([...original, ...patch])];
  } else {
    if (mergeKey === '') throw new PatchError('cannot merge lists without merge key');
    let replaced: boolean;
    [original, patch, replaced] = mergeSliceWithSpecialElements(original as JsonObject[], patch as JsonObject[], mergeKey);
    // `$patch: replace`: the other items are the list; when applying, they are taken as new values.
    if (replaced) original = original.map((v) => adopt(v, { fields: meta.fields }, opts));
    merged = mergeSliceWithoutSpecialElements(original as JsonObject[], patch as JsonObject[], mergeKey, meta, opts);
  }
  const [patchItems, serverOnly] = partitionByPresence(merged, patch, mergeKey, kind);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function mergeSliceWithSpecialElements(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
): [JsonObject[], JsonObject[], boolean] {
  const plain: JsonObject[] = [];
  let replace = false;
  for (const v of patch) {
    if (!hasOwn(v, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    switch (v[DIRECTIVE]) {
      case 'delete': {
        if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
        const key = v[mergeKey];
        original = original.filter((o) => !(hasOwn(o, mergeKey) && o[mergeKey] === key));
        break;
      }
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw new PatchError('merging lists cannot yet be specified in the patch');
      default:
        throw errBadPatchType(v[DIRECTIVE], v);
    }
  }
  return replace ? [plain, [], true] : [original, plain, false];
}

function mergeSliceWithoutSpecialElements(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  meta: FieldPatchMeta,
  opts: MergeOptions,
): JsonValue[] {
  const out: JsonValue[] = [...original];
  for (const v of patch) {
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    const key = v[mergeKey];
    const i = out.findIndex((o) => isObject(o) && hasOwn(o, mergeKey) && o[mergeKey] === key);
    if (i >= 0) out[i] = mergeMap(out[i] as JsonObject, v, meta.fields ?? EMPTY_SCHEMA, opts);
    else out.push(adopt(v, { fields: meta.fields }, opts));
  }
  return out;
}

function indexIn(list: readonly JsonValue[], item: JsonValue, mergeKey: string, kind: Kind): number {
  if (kind === 'object') {
    const key = isObject(item) ? item[mergeKey] : undefined;
    return list.findIndex((v) => isObject(v) && v[mergeKey] === key);
  }
  return list.indexOf(item);
}

function partitionByPresence(items: JsonValue[], by: JsonValue[], mergeKey: string, kind: Kind): [JsonValue[], JsonValue[]] {
  const present: JsonValue[] = [];
  const absent: JsonValue[] = [];
  if (kind !== 'object') {
    const s = new Set(by);
    for (const v of items) (s.has(v) ? present : absent).push(v);
    return [present, absent];
  }
  const keys = new Set(by.map((v) => (isObject(v) ? v[mergeKey] : undefined)));
  for (const v of items) {
    if (!isObject(v) || !hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (keys.has(v[mergeKey]) ? present : absent).push(v);
  }
  return [present, absent];
}

function normalizeSliceOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, kind: Kind): JsonValue[] {
  let toDelete: JsonValue[] = [];
  if (kind === 'object') {
    for (const l of [toSort, order]) for (const v of l) if (!isObject(v) || !hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    toDelete = toSort.filter((v) => (v as JsonObject)[DIRECTIVE] === 'delete');
    toSort = toSort.filter((v) => (v as JsonObject)[DIRECTIVE] !== 'delete');
  }
  const indexed = toSort.map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }));
  indexed.sort((a, b) => {
    if (a.at >= 0 && b.at >= 0) return a.at - b.at || a.i - b.i;
    if (a.at >= 0) return -1;
    if (b.at >= 0) return 1;
    return a.i - b.i;
  });
  return [...indexed.map((x) => x.v), ...toDelete];
}

/** Orders patch items as the patch (or `$setElementOrder`) says, and keeps server-only items near their live position. */
function normalizeElementOrder(
  patch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: Kind,
): JsonValue[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  // mergeSortedSlice(serverOnly, patch): take a server-only item first only when both are in the live list and it comes earlier.
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < s.length || j < p.length) {
    if (i >= s.length) out.push(p[j++]!);
    else if (j >= p.length) out.push(s[i++]!);
    else {
      const li = indexIn(serverOrder, s[i]!, mergeKey, kind);
      const ri = indexIn(serverOrder, p[j]!, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(s[i++]!);
      else out.push(p[j++]!);
    }
  }
  return out;
}

/**
 * Applies a strategic merge patch (`application/strategic-merge-patch+json`) as the API server:
 *
 * - maps merge recursively and `null` deletes a key;
 * - lists with a merge key (containers, env, volumes, ports, ...) merge item by item, lists of
 *   scalars with the merge strategy (finalizers) merge as sets, other lists are replaced;
 * - directives: `$patch: delete` (a list item by merge key, or a whole map, which becomes `{}`),
 *   `$patch: replace` (a map, or a list when given as an item), `$setElementOrder/<list>`,
 *   `$retainKeys`, `$deleteFromPrimitiveList/<list>`.
 *
 * Kinds without patch metadata (see {@link strategicPatchKinds}) get merge-patch semantics
 * (lists replaced), as custom resources do.
 *
 * @param target - the live object (not modified).
 * @param patch - the patch.
 * @param kind - the object's kind; defaults to `target.kind`.
 * @returns the patched object, a new object.
 * @throws PatchError for a malformed patch (a list item without its merge key, an unknown
 *   directive, `$retainKeys` not covering the patch, ...).
 */
export function strategicMergePatch<T>(target: T, patch: unknown, kind?: string): T {
  const t = toJson(target);
  const p = toJson(patch);
  if (!isObject(p)) throw new PatchError('a strategic merge patch must be a JSON object');
  const k = kind ?? (isObject(t) && typeof t.kind === 'string' ? t.kind : '');
  return mergeMap(isObject(t) ? t : {}, p, patchSchemaFor(k) ?? EMPTY_SCHEMA, APPLY) as T;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch: computing (diff)
// ---------------------------------------------------------------------------------------------

interface DiffOptions {
  setElementOrder: boolean;
  ignoreChangesAndAdditions: boolean;
  ignoreDeletions: boolean;
  buildRetainKeysDirective: boolean;
}

function sortScalars(list: JsonValue[]): JsonValue[] {
  return list
    .map((v, i) => ({ v, i, s: goString(v) }))
    .sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : a.i - b.i))
    .map((x) => x.v);
}

function diffMaps(original: JsonObject, modified: JsonObject, schema: PatchSchema, opts: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: JsonValue[] = [];
  for (const key of Object.keys(modified)) {
    const modV = modified[key]!;
    if (opts.buildRetainKeysDirective && modV !== null) retainKeys.push(key);
    if (!hasOwn(original, key)) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, modV);
      continue;
    }
    const origV = original[key]!;
    if (key === DIRECTIVE) {
      if (typeof origV !== 'string' || typeof modV !== 'string') throw new PatchError(`invalid value for special key: ${DIRECTIVE}`);
      if (origV !== modV) setKey(patch, key, modV);
      continue;
    }
    if (kindOf(origV) !== kindOf(modV)) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, modV);
      continue;
    }
    const meta = metaOf(schema, key);
    if (isObject(origV)) {
      if (meta.strategy === 'replace') {
        if (!opts.ignoreChangesAndAdditions) setKey(patch, key, modV);
      } else {
        const sub = diffMaps(origV, modV as JsonObject, meta.fields ?? EMPTY_SCHEMA, { ...opts, buildRetainKeysDirective: meta.retainKeys === true });
        if (Object.keys(sub).length > 0) setKey(patch, key, sub);
      }
    } else if (Array.isArray(origV)) {
      if (meta.strategy === 'merge') {
        const [add, del, order] = diffLists(origV, modV as JsonValue[], meta, { ...opts, buildRetainKeysDirective: meta.retainKeys === true });
        if (add.length > 0) setKey(patch, key, add);
        if (del.length > 0) setKey(patch, `${DELETE_FROM_PRIMITIVE_LIST}/${key}`, del);
        if (order.length > 0) setKey(patch, `${SET_ELEMENT_ORDER}/${key}`, order);
      } else if (!opts.ignoreChangesAndAdditions && !jsonEqual(origV, modV)) {
        setKey(patch, key, modV);
      }
    } else if (!opts.ignoreChangesAndAdditions && origV !== modV) {
      setKey(patch, key, modV);
    }
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!hasOwn(modified, key)) setKey(patch, key, null);
  }
  const hasAdditionalField = () => Object.keys(original).some((k) => original[k] !== null && !hasOwn(modified, k));
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalField())) {
    setKey(patch, RETAIN_KEYS, sortScalars(retainKeys));
  }
  return patch;
}

function diffLists(original: JsonValue[], modified: JsonValue[], meta: FieldPatchMeta, opts: DiffOptions): [JsonValue[], JsonValue[], JsonValue[]] {
  if (original.length === 0) {
    if (modified.length === 0 || opts.ignoreChangesAndAdditions) return [[], [], []];
    return [modified, [], []];
  }
  const kind = elementKind(original, modified)!;
  const mergeKey = meta.mergeKey ?? '';
  if (kind === 'object') {
    if (mergeKey === '') throw new PatchError('cannot merge lists without merge key');
    const [patchList0, deleteList] = diffListsOfMaps(original as JsonObject[], modified as JsonObject[], meta, opts);
    const patchList = [...normalizeSliceOrder(patchList0, modified, mergeKey, kind), ...deleteList];
    const orderSame =
      original.length === modified.length && original.every((o, i) => mergeKeyValueEqual(o, modified[i]!, mergeKey));
    let setOrder: JsonValue[] = [];
    if (
      opts.setElementOrder &&
      ((!opts.ignoreChangesAndAdditions && (patchList.length > 0 || !orderSame)) || (!opts.ignoreDeletions && patchList.length > 0))
    ) {
      setOrder = modified.map((v) => {
        const o: JsonObject = {};
        setKey(o, mergeKey, (v as JsonObject)[mergeKey]!);
        return o;
      });
    }
    return [patchList, [], setOrder];
  }
  const [add, del] = diffListsOfScalars(original, modified, opts);
  const patchList = normalizeSliceOrder(add, modified, '', kind);
  // apimachinery compares the modified list with the original after sorting the latter in place, so a
  // pure reorder into sorted order yields no patch there; here any change of order is kept.
  const setOrder =
    opts.setElementOrder &&
    ((!opts.ignoreDeletions && del.length > 0) || (!opts.ignoreChangesAndAdditions && !jsonEqual(original, modified)))
      ? modified
      : [];
  return [patchList, del, setOrder];
}

function diffListsOfScalars(original: JsonValue[], modified: JsonValue[], opts: DiffOptions): [JsonValue[], JsonValue[]] {
  const o = sortScalars(original);
  const m = sortScalars(modified);
  const add: JsonValue[] = [];
  const del: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const os = i < o.length ? goString(o[i]) : undefined;
    const ms = j < m.length ? goString(m[j]) : undefined;
    if (os !== undefined && ms !== undefined && os === ms) {
      i++;
      j++;
    } else if (os === undefined || (ms !== undefined && os > ms)) {
      if (!opts.ignoreChangesAndAdditions) add.push(m[j]!);
      j++;
    } else {
      if (!opts.ignoreDeletions) del.push(o[i]!);
      i++;
    }
  }
  return [add, [...new Set(del)]];
}

function diffListsOfMaps(original: JsonObject[], modified: JsonObject[], meta: FieldPatchMeta, opts: DiffOptions): [JsonValue[], JsonValue[]] {
  const mergeKey = meta.mergeKey!;
  const sortByKey = (l: JsonObject[]) =>
    l
      .map((v) => {
        if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
        return { v, s: goString(v[mergeKey]) };
      })
      .sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  const o = sortByKey(original);
  const m = sortByKey(modified);
  const patch: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const oe = o[i];
    const me = m[j];
    if (oe !== undefined && me !== undefined && oe.s === me.s) {
      const pv = diffMaps(oe.v, me.v, meta.fields ?? EMPTY_SCHEMA, opts);
      if (Object.keys(pv).length > 0) {
        setKey(pv, mergeKey, me.v[mergeKey]!);
        patch.push(pv);
      }
      i++;
      j++;
    } else if (oe === undefined || (me !== undefined && oe.s > me.s)) {
      if (!opts.ignoreChangesAndAdditions) patch.push(me!.v);
      j++;
    } else {
      if (!opts.ignoreDeletions) {
        const d: JsonObject = {};
        setKey(d, mergeKey, oe.v[mergeKey]!);
        d[DIRECTIVE] = 'delete';
        deletions.push(d);
      }
      i++;
    }
  }
  return [patch, deletions];
}

function asObject(v: unknown, what: string): JsonObject {
  if (v === undefined || v === null) return {};
  const j = toJson(v);
  if (!isObject(j)) throw new PatchError(`${what} must be a JSON object`);
  return j;
}

/**
 * The strategic merge patch that turns `original` into `modified` (`CreateTwoWayMergePatch`),
 * with `$setElementOrder` lists, `$patch: delete` items and `$deleteFromPrimitiveList` lists.
 *
 * @param original - the object before.
 * @param modified - the object after.
 * @param kind - the kind whose patch metadata to use; defaults to `modified.kind`.
 */
export function createTwoWayMergePatch(original: unknown, modified: unknown, kind?: string): JsonObject {
  const o = asObject(original, 'original');
  const m = asObject(modified, 'modified');
  const k = kind ?? (typeof m.kind === 'string' ? m.kind : '');
  return diffMaps(o, m, patchSchemaFor(k) ?? EMPTY_SCHEMA, {
    setElementOrder: true,
    ignoreChangesAndAdditions: false,
    ignoreDeletions: false,
    buildRetainKeysDirective: false,
  });
}

/**
 * The patch `kubectl apply` (client side) sends (`CreateThreeWayMergePatch` with overwrite):
 * the changes and additions from `current` to `modified`, plus the deletions from `original`
 * to `modified`. Fields the user never managed (status, `spec.nodeName`, defaults the server
 * filled in) are left alone; fields removed from the manifest since the last apply are deleted.
 *
 * For kinds without patch metadata the result is a JSON merge patch (lists replaced), as kubectl
 * computes for custom resources. To reproduce kubectl exactly, `modified` should already carry the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation of the new manifest.
 *
 * @param original - the last-applied configuration (`{}` or undefined when there is none).
 * @param modified - the new manifest.
 * @param current - the live object.
 * @param kind - the kind whose patch metadata to use; defaults to the manifest's `kind`.
 * @returns the patch, to apply to `current` with {@link strategicMergePatch}.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown, kind?: string): JsonObject {
  const o = asObject(original, 'original');
  const m = asObject(modified, 'modified');
  const c = asObject(current, 'current');
  const k = kind ?? (typeof m.kind === 'string' ? m.kind : typeof c.kind === 'string' ? c.kind : '');
  const schema = patchSchemaFor(k) ?? EMPTY_SCHEMA;
  const delta = diffMaps(c, m, schema, {
    setElementOrder: true,
    ignoreChangesAndAdditions: false,
    ignoreDeletions: true,
    buildRetainKeysDirective: false,
  });
  const deletions = diffMaps(o, m, schema, {
    setElementOrder: true,
    ignoreChangesAndAdditions: true,
    ignoreDeletions: false,
    buildRetainKeysDirective: false,
  });
  return mergeMap(deletions, delta, schema, { mergeParallelList: false, ignoreUnmatchedNulls: false });
}
