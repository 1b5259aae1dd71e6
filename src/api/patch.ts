/**
 * The Kubernetes API's patch formats, shared parts: the JSON value types, {@link PatchError}, the
 * JSON helpers and the strategic-merge-patch metadata of the supported kinds (the Go struct tags
 * `patchStrategy` and `patchMergeKey`). The formats themselves:
 *
 * - merge-patch.ts: RFC 7386 (`application/merge-patch+json`);
 * - json-patch.ts: RFC 6902 (`application/json-patch+json`);
 * - strategic-merge-patch.ts: `application/strategic-merge-patch+json` (apimachinery's
 *   `strategicpatch` package) and the patches kubectl computes (two-way and three-way).
 *
 * No function mutates its inputs: each works on a deep copy and returns new objects.
 *
 * @packageDocumentation
 */
import { isObject as isJsonObject } from './json-values.js';

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

export const isObject: (v: unknown) => v is JsonObject = isJsonObject;

/** Assigns a property, also when the key is `__proto__`. */
export function setKey(o: JsonObject, k: string, v: JsonValue): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * A deep copy as JSON: `undefined` properties are dropped (in arrays they become `null`), objects
 * with `toJSON` (kubernetes-models instances) are converted.
 */
export function toJson(v: unknown, where = ''): JsonValue {
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

/** The JSON type of a value, as the strategicpatch package tells list elements apart. */
export type Kind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
export function kindOf(v: JsonValue): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as Kind;
}

/** Go's `fmt.Sprintf("%v", x)` for a decoded JSON scalar, used to sort lists. */
export function goString(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function describe(v: JsonValue | undefined): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
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

export const EMPTY_SCHEMA: PatchSchema = Object.freeze({});

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
