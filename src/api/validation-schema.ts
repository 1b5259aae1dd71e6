/**
 * Validation against the JSON schemas of kubernetes-models: the schema validator of each kind,
 * its errors turned into field causes with dotted paths (`spec.containers[0].image`), and the
 * unknown fields (`fieldValidation=Strict|Warn|Ignore`), found by walking a tree of known
 * properties learned once per kind from the schema validators themselves.
 */
import type { AnyObject, KubeObject, StatusCause } from './types.js';
import { Pod as PodModel } from 'kubernetes-models/v1/Pod';
import { Node as NodeModel } from 'kubernetes-models/v1/Node';
import { Namespace as NamespaceModel } from 'kubernetes-models/v1/Namespace';
import { Service as ServiceModel } from 'kubernetes-models/v1/Service';
import { Endpoints as EndpointsModel } from 'kubernetes-models/v1/Endpoints';
import { EndpointSlice as EndpointSliceModel } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import { Event as EventModel } from 'kubernetes-models/v1/Event';
import { ConfigMap as ConfigMapModel } from 'kubernetes-models/v1/ConfigMap';
import { Secret as SecretModel } from 'kubernetes-models/v1/Secret';
import { ServiceAccount as ServiceAccountModel } from 'kubernetes-models/v1/ServiceAccount';
import { Lease as LeaseModel } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { PriorityClass as PriorityClassModel } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { ReplicaSet as ReplicaSetModel } from 'kubernetes-models/apps/v1/ReplicaSet';
import { Deployment as DeploymentModel } from 'kubernetes-models/apps/v1/Deployment';
import { DaemonSet as DaemonSetModel } from 'kubernetes-models/apps/v1/DaemonSet';
import { StatefulSet as StatefulSetModel } from 'kubernetes-models/apps/v1/StatefulSet';
import { ControllerRevision as ControllerRevisionModel } from 'kubernetes-models/apps/v1/ControllerRevision';
import { PersistentVolume as PersistentVolumeModel } from 'kubernetes-models/v1/PersistentVolume';
import { PersistentVolumeClaim as PersistentVolumeClaimModel } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { StorageClass as StorageClassModel } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { ReplicationController as ReplicationControllerModel } from 'kubernetes-models/v1/ReplicationController';
import { Job as JobModel } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget as PodDisruptionBudgetModel } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ResourceQuota as ResourceQuotaModel } from 'kubernetes-models/v1/ResourceQuota';
import { LimitRange as LimitRangeModel } from 'kubernetes-models/v1/LimitRange';
import { Ingress as IngressModel } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { IngressClass as IngressClassModel } from 'kubernetes-models/networking.k8s.io/v1/IngressClass';
import { NetworkPolicy as NetworkPolicyModel } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { HorizontalPodAutoscaler as HorizontalPodAutoscalerModel } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob as CronJobModel } from 'kubernetes-models/batch/v1/CronJob';
import { Role as RoleModel } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { ClusterRole as ClusterRoleModel } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { RoleBinding as RoleBindingModel } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ClusterRoleBinding as ClusterRoleBindingModel } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { resourceForKind, type ResourceInfo } from './resources.js';
import { fieldError } from './status.js';

// ---------------------------------------------------------------------------------------------
// Schema validators from kubernetes-models

export interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type SchemaFn = (this: unknown) => void;

const MODELS: ReadonlyArray<readonly [string, { prototype: unknown }]> = [
  ['v1/Pod', PodModel],
  ['v1/Node', NodeModel],
  ['v1/Namespace', NamespaceModel],
  ['v1/Service', ServiceModel],
  ['v1/Endpoints', EndpointsModel],
  ['discovery.k8s.io/v1/EndpointSlice', EndpointSliceModel],
  ['v1/Event', EventModel],
  ['v1/ConfigMap', ConfigMapModel],
  ['v1/Secret', SecretModel],
  ['v1/ServiceAccount', ServiceAccountModel],
  ['coordination.k8s.io/v1/Lease', LeaseModel],
  ['scheduling.k8s.io/v1/PriorityClass', PriorityClassModel],
  ['apps/v1/ReplicaSet', ReplicaSetModel],
  ['apps/v1/Deployment', DeploymentModel],
  ['apps/v1/DaemonSet', DaemonSetModel],
  ['apps/v1/StatefulSet', StatefulSetModel],
  ['apps/v1/ControllerRevision', ControllerRevisionModel],
  ['v1/PersistentVolume', PersistentVolumeModel],
  ['v1/PersistentVolumeClaim', PersistentVolumeClaimModel],
  ['storage.k8s.io/v1/StorageClass', StorageClassModel],
  ['v1/ReplicationController', ReplicationControllerModel],
  ['v1/ResourceQuota', ResourceQuotaModel],
  ['v1/LimitRange', LimitRangeModel],
  ['networking.k8s.io/v1/Ingress', IngressModel],
  ['networking.k8s.io/v1/IngressClass', IngressClassModel],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicyModel],
  ['batch/v1/Job', JobModel],
  ['batch/v1/CronJob', CronJobModel],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudgetModel],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscalerModel],
  ['rbac.authorization.k8s.io/v1/Role', RoleModel],
  ['rbac.authorization.k8s.io/v1/ClusterRole', ClusterRoleModel],
  ['rbac.authorization.k8s.io/v1/RoleBinding', RoleBindingModel],
  ['rbac.authorization.k8s.io/v1/ClusterRoleBinding', ClusterRoleBindingModel],
];

export const SCHEMA_FNS = new Map<string, SchemaFn>(MODELS.map(([k, m]) => [k, (m.prototype as { validate: SchemaFn }).validate]));

export function runSchema(fn: SchemaFn, data: unknown): AjvError[] | null {
  try {
    fn.call(data);
    return null;
  } catch (e) {
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors as AjvError[];
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Known-property trees, learned from the schema validators

/**
 * A node of the known-property tree of one kind. Learned by running the compiled schema
 * validator over a recording proxy: a struct validator reads every property it knows
 * (`data.x === undefined`), a map validator enumerates the keys, a free-form object is not read.
 */
interface SchemaNode {
  learned: boolean;
  kind: 'struct' | 'map' | 'array' | 'free';
  known: Set<string>;
  props: Map<string, SchemaNode>;
  items?: SchemaNode;
  values?: SchemaNode;
}

function newNode(): SchemaNode {
  return { learned: false, kind: 'free', known: new Set(), props: new Map() };
}

interface AccessRecord {
  keys: Set<string>;
  enumerated: boolean;
  isArray: boolean;
  children: Map<string, { proxy: object; rec: AccessRecord }>;
}

function recordingProxy(target: object, rec: AccessRecord): object {
  return new Proxy(target, {
    get(t, k) {
      const v = Reflect.get(t, k) as unknown;
      if (typeof k !== 'string') return v;
      rec.keys.add(k);
      if (v !== null && typeof v === 'object') {
        let child = rec.children.get(k);
        if (!child) {
          const crec: AccessRecord = { keys: new Set(), enumerated: false, isArray: Array.isArray(v), children: new Map() };
          child = { proxy: recordingProxy(v, crec), rec: crec };
          rec.children.set(k, child);
        }
        return child.proxy;
      }
      return v;
    },
    ownKeys(t) {
      rec.enumerated = true;
      return Reflect.ownKeys(t);
    },
  });
}

function merge(node: SchemaNode, rec: AccessRecord): void {
  if (rec.isArray) {
    node.kind = 'array';
    for (const [k, c] of rec.children) if (/^\d+$/.test(k)) merge((node.items ??= newNode()), c.rec);
  } else if (rec.enumerated) {
    node.kind = 'map';
    for (const c of rec.children.values()) merge((node.values ??= newNode()), c.rec);
  } else if (rec.keys.size === 0) {
    if (!node.learned) node.kind = 'free';
  } else {
    node.kind = 'struct';
    for (const k of rec.keys) node.known.add(k);
    for (const [k, c] of rec.children) {
      let child = node.props.get(k);
      if (!child) node.props.set(k, (child = newNode()));
      merge(child, c.rec);
    }
  }
  node.learned = true;
}

const TREES = new Map<string, SchemaNode>();

/**
 * Top-level fields a kind has that its kubernetes-models schema lost: the schema generator takes a
 * property named `description` for the JSON Schema annotation and drops it, so PriorityClass's
 * `description` would be refused as unknown.
 */
const FIELDS_THE_SCHEMA_LOST: Record<string, readonly string[]> = {
  'scheduling.k8s.io/v1/PriorityClass': ['description'],
};

function treeFor(key: string): SchemaNode {
  let t = TREES.get(key);
  if (!t) {
    TREES.set(key, (t = newNode()));
    for (const f of FIELDS_THE_SCHEMA_LOST[key] ?? []) t.known.add(f);
  }
  return t;
}

interface UnknownHit {
  path: string;
  parent: Record<string, unknown>;
  key: string;
}

function joinPath(parts: readonly (string | number)[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/**
 * Walks `value` against `node`, pushing unknown properties to `hits`. Returns true when it met
 * an object under a node not learned yet (and `learnMissing` is set).
 */
function walkUnknown(
  value: unknown,
  node: SchemaNode,
  path: (string | number)[],
  hits: UnknownHit[] | null,
  learnMissing: boolean,
): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (!node.learned) return learnMissing;
  let missing = false;
  switch (node.kind) {
    case 'free':
      return false;
    case 'array': {
      if (!Array.isArray(value)) return false;
      const items = node.items;
      for (let i = 0; i < value.length; i++) {
        const v = value[i] as unknown;
        if (v === null || typeof v !== 'object') continue;
        if (!items) {
          if (learnMissing) return true;
          continue;
        }
        path.push(i);
        missing = walkUnknown(v, items, path, hits, learnMissing) || missing;
        path.pop();
      }
      return missing;
    }
    case 'map': {
      if (Array.isArray(value)) return false;
      const values = node.values;
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k];
        if (v === null || typeof v !== 'object') continue;
        if (!values) {
          if (learnMissing) return true;
          continue;
        }
        path.push(k);
        missing = walkUnknown(v, values, path, hits, learnMissing) || missing;
        path.pop();
      }
      return missing;
    }
    case 'struct': {
      if (Array.isArray(value)) return false;
      const obj = value as Record<string, unknown>;
      for (const k in obj) {
        if (!node.known.has(k)) {
          if (hits) {
            path.push(k);
            hits.push({ path: joinPath(path), parent: obj, key: k });
            path.pop();
          }
          continue;
        }
        const v = obj[k];
        if (v === null || typeof v !== 'object') continue;
        const child = node.props.get(k);
        if (!child) {
          if (learnMissing) return true;
          continue;
        }
        path.push(k);
        missing = walkUnknown(v, child, path, hits, learnMissing) || missing;
        path.pop();
      }
      return missing;
    }
  }
}

function plainCopy(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Finds unknown fields, learning the kind's tree first when the object reaches parts of the
 * schema not seen yet. Returns the hits and, when learning ran the schema validator, its errors
 * (so the caller does not run it twice).
 */
export function unknownFieldsOf(key: string, fn: SchemaFn, data: KubeObject): { hits: UnknownHit[]; schemaErrors?: AjvError[] | null } {
  const tree = treeFor(key);
  if (!walkUnknown(data, tree, [], null, true)) {
    const hits: UnknownHit[] = [];
    walkUnknown(data, tree, [], hits, false);
    return { hits };
  }
  const rec: AccessRecord = { keys: new Set(), enumerated: false, isArray: false, children: new Map() };
  const schemaErrors = runSchema(fn, recordingProxy(plainCopy(data) as object, rec));
  merge(tree, rec);
  const hits: UnknownHit[] = [];
  walkUnknown(data, tree, [], hits, false);
  return { hits, schemaErrors };
}

function keyOfObject(obj: KubeObject, resource?: ResourceInfo): { key: string; info?: ResourceInfo } | undefined {
  const info = resource ?? (obj.apiVersion && obj.kind ? resourceForKind(obj.apiVersion, obj.kind) : undefined);
  if (!info) return undefined;
  return { key: `${info.apiVersion}/${info.kind}`, info };
}

/**
 * The unknown fields of an object (dotted paths, document order), as strict decoding reports
 * them; `[]` for kinds outside the registry.
 */
export function findUnknownFields(obj: KubeObject, resource?: ResourceInfo): string[] {
  const k = keyOfObject(obj, resource);
  if (!k) return [];
  const fn = SCHEMA_FNS.get(k.key);
  if (!fn) return [];
  return unknownFieldsOf(k.key, fn, withTypeMeta(obj, k.info!)).hits.map((h) => h.path);
}

/**
 * A copy of the object without its unknown fields: what a real server stores under
 * `fieldValidation=Warn` or `Ignore`. The input is not modified.
 */
export function pruneUnknownFields<T extends KubeObject>(obj: T, resource?: ResourceInfo): T {
  const k = keyOfObject(obj, resource);
  if (!k) return obj;
  const fn = SCHEMA_FNS.get(k.key);
  if (!fn) return obj;
  const { hits } = unknownFieldsOf(k.key, fn, obj);
  if (hits.length === 0) return obj;
  const drop = new Map<object, Set<string>>();
  for (const h of hits) {
    let s = drop.get(h.parent);
    if (!s) drop.set(h.parent, (s = new Set()));
    s.add(h.key);
  }
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(copy);
    const skip = drop.get(v);
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(v)) if (!skip?.has(key)) out[key] = copy(val);
    return out;
  };
  return copy(obj) as T;
}

// ---------------------------------------------------------------------------------------------
// Schema errors → causes

const MAP_PARENTS = new Set([
  'labels',
  'annotations',
  'nodeSelector',
  'selector',
  'matchLabels',
  'data',
  'stringData',
  'binaryData',
  'requests',
  'limits',
  'capacity',
  'allocatable',
  'overhead',
  'hard',
  'used',
]);

function pointerToPath(instancePath: string, root: unknown): { path: string; value: unknown } {
  if (instancePath === '') return { path: '', value: root };
  const segs = instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  let cur: unknown = root;
  let prev = '';
  for (const seg of segs) {
    if (Array.isArray(cur)) out += `[${seg}]`;
    else if (MAP_PARENTS.has(prev) && !(prev === 'selector' && cur !== null && typeof cur === 'object' && ('matchLabels' in cur || 'matchExpressions' in cur)))
      out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    prev = seg;
  }
  return { path: out, value: cur };
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export function schemaCauses(errors: readonly AjvError[], data: unknown): StatusCause[] {
  const groups = new Map<string, AjvError[]>();
  for (const e of errors) {
    if (e.keyword === 'required') continue;
    const g = groups.get(e.instancePath);
    if (g) g.push(e);
    else groups.set(e.instancePath, [e]);
  }
  const causes: StatusCause[] = [];
  for (const e of errors) {
    if (e.keyword !== 'required') continue;
    const { path } = pointerToPath(e.instancePath, data);
    const prop = String(e.params['missingProperty']);
    causes.push(fieldError.required(path ? `${path}.${prop}` : prop));
  }
  for (const [ptr, errs] of groups) {
    const { path, value } = pointerToPath(ptr, data);
    const types = errs.filter((e) => e.keyword === 'type').map((e) => String(e.params['type']));
    const formats = errs.filter((e) => e.keyword === 'format').map((e) => String(e.params['format']));
    const oneOf = errs.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    const enumErr = errs.find((e) => e.keyword === 'enum');
    if (formats.includes('quantity') || (oneOf && types.includes('number') && types.includes('string'))) {
      causes.push(fieldError.invalid(path, value, QUANTITY_MSG));
    } else if (oneOf) {
      const t = jsonTypeName(value);
      causes.push(fieldError.typeInvalid(path, t, `${path} in body must be of type int-or-string: "${t}"`));
    } else if (types.length > 0) {
      const t = jsonTypeName(value);
      causes.push(fieldError.typeInvalid(path, t, `${path} in body must be of type ${types[0]}: "${t}"`));
    } else if (enumErr) {
      causes.push(fieldError.notSupported(path, value, (enumErr.params['allowedValues'] as unknown[]).map(String)));
    } else if (formats.length > 0) {
      causes.push(fieldError.invalid(path, value, `${path} in body must be of type ${formats[0]}: ${JSON.stringify(value)}`));
    } else {
      causes.push(fieldError.invalid(path, value, errs[0]!.message ?? errs[0]!.keyword));
    }
  }
  return causes;
}

/** The object with the apiVersion and kind of its resource, when a client posted a bare body. */
export function withTypeMeta(obj: KubeObject, info: ResourceInfo): AnyObject {
  if (obj.apiVersion === info.apiVersion && obj.kind === info.kind) return obj as AnyObject;
  return { ...obj, apiVersion: obj.apiVersion ?? info.apiVersion, kind: obj.kind ?? info.kind };
}
