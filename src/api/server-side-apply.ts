/**
 * Server-side apply's field management (`application/apply-patch+yaml`), as structured-merge-diff
 * does it, on kube-actors' list merge keys: which fields an applied configuration sets (a field
 * set, stored as `metadata.managedFields[].fieldsV1`), conflicts with fields other managers own
 * (409 with `FieldManagerConflict` causes, unless `force`), the merge of the configuration into
 * the live object, and the removal of fields the manager applied before and no longer does.
 *
 * Pure functions of objects: the HTTP layer reads the live object and writes the result through
 * the API server (see `server.ts`); nothing here touches the simulation.
 */
import { patchSchemaFor, type FieldPatchMeta, type PatchSchema } from './patch.js';
import type { KubeObject, Status, StatusCause } from './types.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;

/** A managedFields entry (`metav1.ManagedFieldsEntry`). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Obj;
  subresource?: string;
}

/**
 * A field set: paths as FieldsV1 keys (`f:spec`, `k:{"name":"nginx"}`, `v:"x"`, `.`) joined by
 * NUL. A path ending in `.` owns a list item itself; other paths own a leaf value.
 */
export type FieldSet = Set<string>;

const SEP = '\u0000';

/** Metadata fields the server owns: never part of a field set. */
const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
]);

/** Go's JSON encoding of a key's values, sorted by field name (as FieldsV1 writes `k:`). */
function keyText(key: Obj): string {
  const sorted: Obj = {};
  for (const k of Object.keys(key).sort()) sorted[k] = key[k];
  return JSON.stringify(sorted);
}

function itemKey(item: unknown, mergeKey: string): Obj | undefined {
  if (!isObj(item) || item[mergeKey] === undefined) return undefined;
  return { [mergeKey]: item[mergeKey] };
}

/**
 * The field set of an object (an applied configuration, or a created object).
 *
 * @param obj - the object.
 * @param kind - its kind (for list merge keys).
 * @param options.ignoreStatus - leave `status` out (the main resource of a kind with a status subresource).
 */
export function fieldSetOf(obj: KubeObject, kind: string, options: { ignoreStatus?: boolean } = {}): FieldSet {
  const out: FieldSet = new Set();
  const schema = patchSchemaFor(kind);
  const top = obj as unknown as Obj;
  for (const k of Object.keys(top)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' && options.ignoreStatus) continue;
    const v = top[k];
    if (k === 'metadata' && isObj(v)) {
      const meta: Obj = {};
      for (const [mk, mv] of Object.entries(v)) if (!SERVER_METADATA.has(mk)) meta[mk] = mv;
      if (Object.keys(meta).length > 0) collect(meta, schema?.metadata?.fields, [`f:metadata`], out);
      continue;
    }
    collectValue(v, schema?.[k], [`f:${k}`], out);
  }
  return out;
}

function collect(map: Obj, schema: PatchSchema | undefined, prefix: string[], out: FieldSet): void {
  for (const [k, v] of Object.entries(map)) {
    if (v === undefined || v === null) continue;
    collectValue(v, schema?.[k], [...prefix, `f:${k}`], out);
  }
}

function collectValue(v: unknown, meta: FieldPatchMeta | undefined, path: string[], out: FieldSet): void {
  if (isObj(v) && Object.keys(v).length > 0) {
    collect(v, meta?.fields, path, out);
    return;
  }
  if (Array.isArray(v) && v.length > 0 && meta?.strategy === 'merge') {
    if (meta.mergeKey) {
      if (v.every((item) => itemKey(item, meta.mergeKey!) !== undefined)) {
        for (const item of v) {
          const itemPath = [...path, `k:${keyText(itemKey(item, meta.mergeKey)!)}`];
          out.add([...itemPath, '.'].join(SEP));
          collect(item as Obj, meta.fields, itemPath, out);
        }
        return;
      }
    } else if (v.every((item) => item === null || typeof item !== 'object')) {
      for (const item of v) out.add([...path, `v:${JSON.stringify(item)}`].join(SEP));
      return;
    }
  }
  out.add(path.join(SEP));
}

/** A field set as FieldsV1 JSON (`{"f:spec":{"f:replicas":{}}}`). */
export function toFieldsV1(set: FieldSet): Obj {
  const root: Obj = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const key of path.split(SEP)) {
      if (!isObj(node[key])) node[key] = {};
      node = node[key] as Obj;
    }
  }
  return root;
}

/** The field set of FieldsV1 JSON. Malformed input gives the paths it can read. */
export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, prefix: string[]) => {
    if (!isObj(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0) {
      if (prefix.length > 0) out.add(prefix.join(SEP));
      return;
    }
    for (const k of keys) {
      if (k === '.') out.add([...prefix, '.'].join(SEP));
      else walk(node[k], [...prefix, k]);
    }
  };
  walk(tree, []);
  return out;
}

/** A path as structured-merge-diff prints it: `.spec.template.spec.containers[name="nginx"].image`. */
export function pathText(path: string): string {
  let out = '';
  for (const key of path.split(SEP)) {
    if (key === '.') continue;
    const tag = key.slice(0, 2);
    const rest = key.slice(2);
    if (tag === 'f:') out += `.${rest}`;
    else if (tag === 'k:') {
      try {
        const k = JSON.parse(rest) as Obj;
        out += `[${Object.entries(k).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',')}]`;
      } catch {
        out += `[${rest}]`;
      }
    } else if (tag === 'v:') out += `[=${rest}]`;
    else if (tag === 'i:') out += `[${rest}]`;
    else out += `.${key}`;
  }
  return out;
}

const MISSING = Symbol('missing');

/** The value at a path of an object (MISSING when absent). */
function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(SEP)) {
    if (key === '.') break;
    const tag = key.slice(0, 2);
    const rest = key.slice(2);
    if (tag === 'f:') {
      if (!isObj(cur) || !(rest in cur)) return MISSING;
      cur = cur[rest];
    } else if (tag === 'k:') {
      if (!Array.isArray(cur)) return MISSING;
      let k: Obj;
      try {
        k = JSON.parse(rest) as Obj;
      } catch {
        return MISSING;
      }
      const found = cur.find((item) => isObj(item) && Object.entries(k).every(([n, v]) => equal(item[n], v)));
      if (found === undefined) return MISSING;
      cur = found;
    } else if (tag === 'v:') {
      if (!Array.isArray(cur)) return MISSING;
      let v: unknown;
      try {
        v = JSON.parse(rest);
      } catch {
        return MISSING;
      }
      return cur.some((item) => equal(item, v)) ? v : MISSING;
    } else if (tag === 'i:') {
      if (!Array.isArray(cur)) return MISSING;
      cur = cur[Number(rest)];
      if (cur === undefined) return MISSING;
    } else return MISSING;
  }
  return cur;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => equal(x, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Obj)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Obj)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => equal((a as Obj)[k], (b as Obj)[k]));
}

// ---- merging ----------------------------------------------------------------------------------

function mergeMap(live: Obj, config: Obj, schema: PatchSchema | undefined): Obj {
  const out: Obj = { ...live };
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    out[k] = mergeValue(out[k], v, schema?.[k]);
  }
  return out;
}

function mergeValue(live: unknown, config: unknown, meta: FieldPatchMeta | undefined): unknown {
  if (isObj(config) && isObj(live)) return mergeMap(live, config, meta?.fields);
  if (Array.isArray(config) && Array.isArray(live) && meta?.strategy === 'merge') {
    if (meta.mergeKey) {
      const mk = meta.mergeKey;
      if (config.every((i) => itemKey(i, mk)) && live.every((i) => itemKey(i, mk))) {
        const out = [...live];
        for (const item of config) {
          const at = out.findIndex((l) => equal((l as Obj)[mk], (item as Obj)[mk]));
          if (at >= 0) out[at] = mergeMap(out[at] as Obj, item as Obj, meta.fields);
          else out.push(structuredClone(item));
        }
        return out;
      }
    } else {
      const out = [...live];
      for (const item of config) if (!out.some((l) => equal(l, item))) out.push(item);
      return out;
    }
  }
  return structuredClone(config);
}

function removePath(obj: Obj, path: string): void {
  const keys = path.split(SEP);
  const ownsItem = keys[keys.length - 1] === '.';
  if (ownsItem) keys.pop();
  const last = keys.pop();
  if (last === undefined) return;
  const parent = keys.length === 0 ? obj : valueAt(obj, keys.join(SEP));
  if (parent === MISSING) return;
  const tag = last.slice(0, 2);
  const rest = last.slice(2);
  if (tag === 'f:' && isObj(parent)) delete parent[rest];
  else if (tag === 'v:' && Array.isArray(parent)) {
    const v = JSON.parse(rest);
    const at = parent.findIndex((x) => equal(x, v));
    if (at >= 0) parent.splice(at, 1);
  } else if (tag === 'k:' && ownsItem && Array.isArray(parent)) {
    const k = JSON.parse(rest) as Obj;
    const at = parent.findIndex((item) => isObj(item) && Object.entries(k).every(([n, v]) => equal(item[n], v)));
    if (at >= 0) parent.splice(at, 1);
  }
}

// ---- apply ----------------------------------------------------------------------------------------

/** One conflict: a field another manager owns with a different value. */
export interface ApplyConflict {
  /** The other manager's entry. */
  manager: ManagedFieldsEntry;
  path: string;
}

/** What applying a configuration gives. */
export type ApplyResult =
  | { ok: true; object: KubeObject; managedFields: ManagedFieldsEntry[] }
  | { ok: false; conflicts: ApplyConflict[] };

/** Options of {@link applyConfiguration}. */
export interface ApplyOptions {
  /** The field manager (`kubectl`, `my-controller`). */
  manager: string;
  /** Take over fields other managers own instead of failing. */
  force?: boolean;
  /** The timestamp of the new entry. */
  time: string;
  /** Leave `status` out (the resource has a status subresource). */
  ignoreStatus?: boolean;
}

function sameManager(e: ManagedFieldsEntry, manager: string): boolean {
  return e.manager === manager && e.operation === 'Apply' && !e.subresource;
}

/**
 * Applies a configuration to a live object (or to nothing: a create) as server-side apply does.
 *
 * @returns the new object with its managedFields, or the conflicts.
 */
export function applyConfiguration(live: KubeObject | undefined, config: KubeObject, kind: string, options: ApplyOptions): ApplyResult {
  const cfg = structuredClone(config) as Obj;
  if (isObj(cfg.metadata)) delete cfg.metadata.managedFields;
  const newSet = fieldSetOf(cfg, kind, { ignoreStatus: options.ignoreStatus });
  const apiVersion = String(cfg.apiVersion ?? '');
  const entries: ManagedFieldsEntry[] = structuredClone(((live?.metadata as Obj | undefined)?.managedFields as ManagedFieldsEntry[] | undefined) ?? []);
  const mine = entries.find((e) => sameManager(e, options.manager));
  const oldSet = mine ? fromFieldsV1(mine.fieldsV1) : new Set<string>();
  const others = entries.filter((e) => e !== mine).map((e) => ({ entry: e, set: fromFieldsV1(e.fieldsV1) }));

  // conflicts: a leaf I set that another manager owns with a different value
  const conflicts: ApplyConflict[] = [];
  if (live) {
    for (const path of newSet) {
      if (path.endsWith('.')) continue;
      for (const o of others) {
        if (!o.set.has(path)) continue;
        if (equal(valueAt(live, path), valueAt(cfg, path))) continue;
        if (options.force) o.set.delete(path);
        else conflicts.push({ manager: o.entry, path });
      }
    }
  }
  if (conflicts.length > 0) return { ok: false, conflicts };

  const schema = patchSchemaFor(kind);
  let merged: Obj = live ? mergeMap(structuredClone(live) as Obj, cfg, schema) : cfg;
  // fields I applied before, no longer apply, and nobody else owns: removed
  const othersOwn = (p: string) => others.some((o) => o.set.has(p));
  const removed = [...oldSet].filter((p) => !newSet.has(p) && !othersOwn(p)).sort((a, b) => b.split(SEP).length - a.split(SEP).length);
  for (const p of removed) {
    try {
      removePath(merged, p);
    } catch {
      // a malformed path in stored managedFields: nothing to remove
    }
  }

  const entry: ManagedFieldsEntry = {
    manager: options.manager,
    operation: 'Apply',
    apiVersion,
    time: options.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(newSet),
  };
  const managedFields: ManagedFieldsEntry[] = [];
  let placed = false;
  for (const e of entries) {
    if (e === mine) {
      managedFields.push(entry);
      placed = true;
      continue;
    }
    const o = others.find((x) => x.entry === e)!;
    if (o.set.size === 0) continue;
    managedFields.push(options.force ? { ...e, fieldsV1: toFieldsV1(o.set) } : e);
  }
  if (!placed) managedFields.push(entry);
  merged = { ...merged, metadata: { ...(isObj(merged.metadata) ? merged.metadata : {}), managedFields } };
  return { ok: true, object: merged, managedFields };
}

/** The managedFields entry of a create or update by `manager` (operation Update). */
export function updateEntry(obj: KubeObject, kind: string, manager: string, time: string, options: { ignoreStatus?: boolean; subresource?: string } = {}): ManagedFieldsEntry | undefined {
  const set = fieldSetOf(obj, kind, options);
  if (set.size === 0) return undefined;
  return {
    manager,
    operation: 'Update',
    apiVersion: String(obj.apiVersion ?? ''),
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(set),
    ...(options.subresource ? { subresource: options.subresource } : {}),
  };
}

/** How a manager is named in conflict messages (`"kubectl"`, `"kubectl-edit" using apps/v1`). */
function managerText(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

/** The 409 of an apply with conflicts, as the API server words it. */
export function conflictStatus(conflicts: readonly ApplyConflict[]): Status {
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${managerText(c.manager)}`, field: pathText(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${managerText(conflicts[0]!.manager)}: ${pathText(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = managerText(c.manager);
      byManager.set(m, [...(byManager.get(m) ?? []), pathText(c.path)]);
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 };
}
