/**
 * The three patch formats of the Kubernetes API, plus the patch kubectl's client-side apply
 * computes:
 *
 * - {@link jsonMergePatch}: RFC 7386 (`application/merge-patch+json`);
 * - {@link jsonPatch}: RFC 6902 (`application/json-patch+json`);
 * - {@link strategicMergePatch}: `application/strategic-merge-patch+json`, with the list merge keys
 *   and directives of apimachinery's `strategicpatch` package, for the kinds in
 *   {@link strategicPatchKinds}; other kinds get merge-patch semantics;
 * - {@link createThreeWayMergePatch}: what `kubectl apply` sends, from the last-applied
 *   configuration, the new manifest and the live object.
 *
 * No function mutates its inputs: each works on a deep copy and returns new objects.
 *
 * @packageDocumentation
 */

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Thrown for a patch that cannot be applied or computed: a malformed patch, a failed RFC 6902
 * operation or test, a list item without its merge key, a bad directive. The API server answers
 * these with 422 Unprocessable Entity (or 400 for a document that is not a patch).
 */
export class PatchError extends Error {
  /**
   * @param message - what was wrong, naming the path or directive.
   */
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

const hasOwn = Object.hasOwn;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Assigns a property, also when the key is `__proto__`. */
function setKey(o: JsonObject, k: string, v: JsonValue): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * A deep copy as JSON: `undefined` properties are dropped (in arrays they become `null`), objects
 * with `toJSON` (kubernetes-models instances) are converted.
 */
function toJson(v: unknown, where = ''): JsonValue {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new PatchError(`not a JSON value at "${where}": ${v}`);
      return v;
    case 'object': {
      if (Array.isArray(v)) return v.map((x, i) => (x === undefined ? null : toJson(x, `${where}/${i}`)));
      const withToJson = v as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return toJson(withToJson.toJSON(), where);
      const out: JsonObject = {};
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) setKey(out, k, toJson(x, `${where}/${k}`));
      }
      return out;
    }
    default:
      throw new PatchError(`not a JSON value at "${where}": ${typeof v}`);
  }
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
  return true;
}

type Kind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
function kindOf(v: JsonValue): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as Kind;
}

/** Go's `fmt.Sprintf("%v", x)` for a decoded JSON scalar, used to sort lists. */
function goString(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function describe(v: JsonValue | undefined): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch
// ---------------------------------------------------------------------------------------------

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

/** Escapes one reference token for a JSON pointer. */
export function escapeJsonPointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
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

// ---------------------------------------------------------------------------------------------
// Strategic merge patch: the patch metadata of the supported kinds
// ---------------------------------------------------------------------------------------------

/**
 * The patch metadata of one field (the Go struct tags `patchStrategy` and `patchMergeKey`).
 * Fields without metadata merge when they are maps and are replaced when they are lists.
 */
export interface FieldPatchMeta {
  /** `merge` merges lists (by `mergeKey` for lists of maps, as sets for lists of scalars); `replace` replaces. */
  strategy?: 'merge' | 'replace';
  /** For lists of maps with the merge strategy: the key identifying an item. */
  mergeKey?: string;
  /** The `retainKeys` strategy: patches carry `$retainKeys` and keys not listed are cleared. */
  retainKeys?: boolean;
  /** The metadata of the fields of the map, or of the items of the list. */
  fields?: PatchSchema;
}

/** Patch metadata by field name. */
export type PatchSchema = Readonly<Record<string, FieldPatchMeta>>;

const EMPTY_SCHEMA: PatchSchema = Object.freeze({});

const byName = (fields?: PatchSchema): FieldPatchMeta => ({ strategy: 'merge', mergeKey: 'name', ...(fields ? { fields } : {}) });
const byType: FieldPatchMeta = { strategy: 'merge', mergeKey: 'type' };
const conditionsOnly: PatchSchema = { conditions: byType };

const CONTAINER: PatchSchema = {
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  env: byName(),
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

const OBJECT_META: PatchSchema = {
  finalizers: { strategy: 'merge' },
  ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
};

const POD_SPEC: PatchSchema = {
  volumes: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  initContainers: byName(CONTAINER),
  containers: byName(CONTAINER),
  ephemeralContainers: byName(CONTAINER),
  imagePullSecrets: byName(),
  hostAliases: { strategy: 'merge', mergeKey: 'ip' },
  topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
  resourceClaims: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  schedulingGates: byName(),
  // tolerations, readinessGates: no strategy (the whole list is replaced)
};

const POD_STATUS: PatchSchema = {
  conditions: byType,
  podIPs: { strategy: 'merge', mergeKey: 'ip' },
  hostIPs: { strategy: 'merge', mergeKey: 'ip' },
  resourceClaimStatuses: byName(),
};

const POD_TEMPLATE_SPEC: PatchSchema = { metadata: { fields: OBJECT_META }, spec: { fields: POD_SPEC } };
const template: FieldPatchMeta = { fields: POD_TEMPLATE_SPEC };

function kindSchema(top: Record<string, PatchSchema>): PatchSchema {
  const s: Record<string, FieldPatchMeta> = { metadata: { fields: OBJECT_META } };
  for (const [k, fields] of Object.entries(top)) s[k] = { fields };
  return s;
}

const META_ONLY = kindSchema({});

/** The patch metadata of the kinds strategic merge patch knows. */
const SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  Pod: kindSchema({ spec: POD_SPEC, status: POD_STATUS }),
  PodTemplate: kindSchema({ template: POD_TEMPLATE_SPEC }),
  Deployment: kindSchema({ spec: { template, strategy: { retainKeys: true } }, status: conditionsOnly }),
  ReplicaSet: kindSchema({ spec: { template }, status: conditionsOnly }),
  ReplicationController: kindSchema({ spec: { template }, status: conditionsOnly }),
  StatefulSet: kindSchema({ spec: { template }, status: conditionsOnly }),
  DaemonSet: kindSchema({ spec: { template }, status: conditionsOnly }),
  Job: kindSchema({ spec: { template }, status: conditionsOnly }),
  PodDisruptionBudget: kindSchema({ status: conditionsOnly }),
  CronJob: kindSchema({ spec: { jobTemplate: { fields: { metadata: { fields: OBJECT_META }, spec: { fields: { template } } } } } }),
  Service: kindSchema({ spec: { ports: { strategy: 'merge', mergeKey: 'port' } }, status: conditionsOnly }),
  Node: kindSchema({
    spec: { podCIDRs: { strategy: 'merge' } },
    status: { conditions: byType, addresses: byType },
  }),
  Namespace: kindSchema({ status: conditionsOnly }),
  ServiceAccount: { metadata: { fields: OBJECT_META }, secrets: byName() },
  PersistentVolumeClaim: kindSchema({ status: conditionsOnly }),
  PersistentVolume: META_ONLY,
  StorageClass: META_ONLY,
  ControllerRevision: META_ONLY,
  Endpoints: META_ONLY,
  EndpointSlice: META_ONLY,
  ConfigMap: META_ONLY,
  ResourceQuota: META_ONLY,
  LimitRange: META_ONLY,
  Ingress: META_ONLY,
  IngressClass: META_ONLY,
  NetworkPolicy: META_ONLY,
  Secret: META_ONLY,
  Event: META_ONLY,
  Lease: META_ONLY,
  Binding: META_ONLY,
  Role: META_ONLY,
  ClusterRole: META_ONLY,
  RoleBinding: META_ONLY,
  ClusterRoleBinding: META_ONLY,
  Scale: META_ONLY,
};

/** The kinds {@link strategicMergePatch} has list merge keys for; other kinds get merge-patch semantics. */
export function strategicPatchKinds(): string[] {
  return Object.keys(SCHEMAS);
}

/**
 * The patch metadata of a kind, or undefined when strategic merge patch does not know it.
 *
 * @param kind - e.g. `Pod`.
 */
export function patchSchemaFor(kind: string): PatchSchema | undefined {
  return hasOwn(SCHEMAS, kind) ? SCHEMAS[kind] : undefined;
}

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
