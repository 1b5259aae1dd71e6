/**
 * The resource registry: every resource kube-actors serves, described as the real API server's
 * discovery documents describe it (group, version, kind, plural, short names, verbs, categories,
 * subresources), plus where the real API server keeps it in etcd.
 */

/** A group/version/kind triple, as in aggregated discovery's `responseKind`. */
export interface GroupVersionKind {
  /** API group, `''` for the core group. */
  readonly group: string;
  /** API version, e.g. `v1`. */
  readonly version: string;
  /** Kind, e.g. `Scale`. */
  readonly kind: string;
}

/** A subresource such as `pods/binding` or `deployments/scale`. */
export interface SubresourceInfo {
  /** Subresource name (`status`, `binding`, `scale`, ...). */
  readonly name: string;
  /** Verbs the subresource supports. */
  readonly verbs: readonly string[];
  /** Kind of the object the subresource accepts and returns. */
  readonly responseKind: GroupVersionKind;
}

/** One resource of the registry. */
export interface ResourceInfo {
  /** API group, `''` for core. */
  readonly group: string;
  /** API version (`v1`). */
  readonly version: string;
  /** `apiVersion` of the objects: `v1` for core, otherwise `group/version`. */
  readonly apiVersion: string;
  /** Kind of the objects (`Pod`). */
  readonly kind: string;
  /** Kind of the lists (`PodList`). */
  readonly listKind: string;
  /** Plural resource name, as used in URLs (`pods`). */
  readonly plural: string;
  /** Singular resource name (`pod`). */
  readonly singular: string;
  /** True when objects live in a namespace. */
  readonly namespaced: boolean;
  /** kubectl short names (`po`). */
  readonly shortNames: readonly string[];
  /** Verbs the resource supports. */
  readonly verbs: readonly string[];
  /** Categories (`all`). */
  readonly categories: readonly string[];
  /** Subresources. */
  readonly subresources: readonly SubresourceInfo[];
  /** etcd key prefix as the real API server lays keys out, with a trailing `/` (`/registry/pods/`). */
  readonly etcdPrefix: string;
  /**
   * True for the create-only review resources (SelfSubjectAccessReview, TokenReview, ...): the
   * API server answers them at once with their status filled in and stores nothing (their
   * `etcdPrefix` is never written).
   */
  readonly virtual?: true;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const NO_COLLECTION_DELETE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

interface Spec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs?: readonly string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  etcdPrefix: string;
  virtual?: true;
}

function statusOf(group: string, version: string, kind: string): SubresourceInfo {
  return { name: 'status', verbs: STATUS_VERBS, responseKind: { group, version, kind } };
}

function define(spec: Spec): ResourceInfo {
  const info: ResourceInfo = {
    group: spec.group,
    version: spec.version,
    apiVersion: spec.group === '' ? spec.version : `${spec.group}/${spec.version}`,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    shortNames: Object.freeze([...(spec.shortNames ?? [])]),
    verbs: Object.freeze([...(spec.verbs ?? ALL_VERBS)]),
    categories: Object.freeze([...(spec.categories ?? [])]),
    subresources: Object.freeze((spec.subresources ?? []).map((s) => Object.freeze({ ...s, verbs: Object.freeze([...s.verbs]) }))),
    etcdPrefix: spec.etcdPrefix,
    ...(spec.virtual ? { virtual: true as const } : {}),
  };
  return Object.freeze(info);
}

const CORE = '';
const APPS = 'apps';
const COORD = 'coordination.k8s.io';
const RBAC = 'rbac.authorization.k8s.io';
const STORAGE = 'storage.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const NETWORKING = 'networking.k8s.io';
const BATCH = 'batch';
const POLICY = 'policy';
const METRICS = 'metrics.k8s.io';
const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';

/** A create-only review resource, answered by the API server and never stored. */
function review(group: string, kind: string, namespaced = false): Spec {
  const plural = `${kind.toLowerCase()}s`;
  return { group, version: 'v1', kind, plural, namespaced, verbs: ['create'], etcdPrefix: `/registry/-virtual-/${plural}/`, virtual: true };
}
const AUTOSCALING = 'autoscaling';

/** Every supported resource, in a fixed order: core first, then apps, batch, autoscaling, policy, coordination, rbac, storage. */
export const RESOURCES: readonly ResourceInfo[] = Object.freeze([
  define({
    group: CORE,
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      // the connect subresources (attach, exec, portforward) and log are streamed by the HTTP
      // layer (src/http/streams.ts, src/http/logs.ts) once the API server has authorized them
      { name: 'attach', verbs: ['create', 'get'], responseKind: { group: CORE, version: 'v1', kind: 'PodAttachOptions' } },
      { name: 'binding', verbs: ['create'], responseKind: { group: CORE, version: 'v1', kind: 'Binding' } },
      // kubectl debug adds ephemeral containers here (only spec.ephemeralContainers may change)
      { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'], responseKind: { group: CORE, version: 'v1', kind: 'Pod' } },
      { name: 'eviction', verbs: ['create'], responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
      { name: 'exec', verbs: ['create', 'get'], responseKind: { group: CORE, version: 'v1', kind: 'PodExecOptions' } },
      { name: 'log', verbs: ['get'], responseKind: { group: CORE, version: 'v1', kind: 'Pod' } },
      { name: 'portforward', verbs: ['create', 'get'], responseKind: { group: CORE, version: 'v1', kind: 'PodPortForwardOptions' } },
      statusOf(CORE, 'v1', 'Pod'),
    ],
    etcdPrefix: '/registry/pods/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    subresources: [statusOf(CORE, 'v1', 'Node')],
    etcdPrefix: '/registry/minions/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    verbs: NO_COLLECTION_DELETE,
    subresources: [
      { name: 'finalize', verbs: ['update'], responseKind: { group: CORE, version: 'v1', kind: 'Namespace' } },
      statusOf(CORE, 'v1', 'Namespace'),
    ],
    etcdPrefix: '/registry/namespaces/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [statusOf(CORE, 'v1', 'Service')],
    etcdPrefix: '/registry/services/specs/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    etcdPrefix: '/registry/services/endpoints/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    etcdPrefix: '/registry/events/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
    etcdPrefix: '/registry/configmaps/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    etcdPrefix: '/registry/secrets/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [{ name: 'token', verbs: ['create'], responseKind: { group: AUTHN, version: 'v1', kind: 'TokenRequest' } }],
    etcdPrefix: '/registry/serviceaccounts/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    namespaced: false,
    shortNames: ['pv'],
    subresources: [statusOf(CORE, 'v1', 'PersistentVolume')],
    etcdPrefix: '/registry/persistentvolumes/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: [statusOf(CORE, 'v1', 'PersistentVolumeClaim')],
    etcdPrefix: '/registry/persistentvolumeclaims/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    namespaced: true,
    shortNames: ['rc'],
    categories: ['all'],
    subresources: [
      { name: 'scale', verbs: STATUS_VERBS, responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
      statusOf(CORE, 'v1', 'ReplicationController'),
    ],
    etcdPrefix: '/registry/controllers/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    namespaced: true,
    shortNames: ['quota'],
    subresources: [statusOf(CORE, 'v1', 'ResourceQuota')],
    etcdPrefix: '/registry/resourcequotas/',
  }),
  define({
    group: CORE,
    version: 'v1',
    kind: 'LimitRange',
    plural: 'limitranges',
    namespaced: true,
    shortNames: ['limits'],
    etcdPrefix: '/registry/limitranges/',
  }),
  define({
    group: APPS,
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      { name: 'scale', verbs: STATUS_VERBS, responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
      statusOf(APPS, 'v1', 'Deployment'),
    ],
    etcdPrefix: '/registry/deployments/',
  }),
  define({
    group: APPS,
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [
      { name: 'scale', verbs: STATUS_VERBS, responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
      statusOf(APPS, 'v1', 'ReplicaSet'),
    ],
    etcdPrefix: '/registry/replicasets/',
  }),
  define({
    group: APPS,
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [statusOf(APPS, 'v1', 'DaemonSet')],
    etcdPrefix: '/registry/daemonsets/',
  }),
  define({
    group: APPS,
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [
      { name: 'scale', verbs: STATUS_VERBS, responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
      statusOf(APPS, 'v1', 'StatefulSet'),
    ],
    etcdPrefix: '/registry/statefulsets/',
  }),
  define({
    group: APPS,
    version: 'v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    namespaced: true,
    etcdPrefix: '/registry/controllerrevisions/',
  }),
  define({
    group: BATCH,
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    namespaced: true,
    categories: ['all'],
    subresources: [statusOf(BATCH, 'v1', 'Job')],
    etcdPrefix: '/registry/jobs/',
  }),
  define({
    group: BATCH,
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [statusOf(BATCH, 'v1', 'CronJob')],
    etcdPrefix: '/registry/cronjobs/',
  }),
  define({
    group: AUTOSCALING,
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [statusOf(AUTOSCALING, 'v2', 'HorizontalPodAutoscaler')],
    etcdPrefix: '/registry/horizontalpodautoscalers/',
  }),
  define({
    group: POLICY,
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: [statusOf(POLICY, 'v1', 'PodDisruptionBudget')],
    etcdPrefix: '/registry/poddisruptionbudgets/',
  }),
  define({
    group: COORD,
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true,
    etcdPrefix: '/registry/leases/',
  }),
  define({
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    plural: 'priorityclasses',
    namespaced: false,
    shortNames: ['pc'],
    etcdPrefix: '/registry/priorityclasses/',
  }),
  define({ group: RBAC, version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, etcdPrefix: '/registry/roles/' }),
  define({ group: RBAC, version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, etcdPrefix: '/registry/clusterroles/' }),
  define({ group: RBAC, version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, etcdPrefix: '/registry/rolebindings/' }),
  define({
    group: RBAC,
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
    etcdPrefix: '/registry/clusterrolebindings/',
  }),
  define({
    group: DISCOVERY,
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true,
    etcdPrefix: '/registry/endpointslices/',
  }),
  define({
    group: NETWORKING,
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    namespaced: true,
    shortNames: ['ing'],
    subresources: [statusOf(NETWORKING, 'v1', 'Ingress')],
    etcdPrefix: '/registry/ingress/',
  }),
  define({
    group: NETWORKING,
    version: 'v1',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    namespaced: false,
    etcdPrefix: '/registry/ingressclasses/',
  }),
  define({
    group: NETWORKING,
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
    etcdPrefix: '/registry/networkpolicies/',
  }),
  define({
    group: STORAGE,
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    namespaced: false,
    shortNames: ['sc'],
    etcdPrefix: '/registry/storageclasses/',
  }),
  // the resource metrics API, as metrics-server serves it: read-only, computed, never stored
  define({
    group: METRICS,
    version: 'v1beta1',
    kind: 'NodeMetrics',
    plural: 'nodes',
    namespaced: false,
    verbs: ['get', 'list'],
    etcdPrefix: '/registry/metrics.k8s.io/nodes/',
  }),
  define({
    group: METRICS,
    version: 'v1beta1',
    kind: 'PodMetrics',
    plural: 'pods',
    namespaced: true,
    verbs: ['get', 'list'],
    etcdPrefix: '/registry/metrics.k8s.io/pods/',
  }),
  define(review(AUTHN, 'SelfSubjectReview')),
  define(review(AUTHN, 'TokenReview')),
  define(review(AUTHZ, 'LocalSubjectAccessReview', true)),
  define(review(AUTHZ, 'SelfSubjectAccessReview')),
  define(review(AUTHZ, 'SelfSubjectRulesReview')),
  define(review(AUTHZ, 'SubjectAccessReview')),
]);

/** True for the resources of the metrics API (`metrics.k8s.io`), computed from the usage model and never stored. */
export function isMetricsResource(info: Pick<ResourceInfo, 'group'>): boolean {
  return info.group === METRICS;
}

const byName = new Map<string, ResourceInfo[]>();
const byGvk = new Map<string, ResourceInfo>();
const byGroupPlural = new Map<string, ResourceInfo>();
for (const info of RESOURCES) {
  for (const name of new Set([info.plural, info.singular, info.kind.toLowerCase(), ...info.shortNames])) {
    const list = byName.get(name) ?? [];
    list.push(info);
    byName.set(name, list);
  }
  byGvk.set(`${info.apiVersion}/${info.kind}`, info);
  byGroupPlural.set(`${info.group}/${info.plural}`, info);
}

/**
 * Finds a resource the way kubectl resolves a type argument: case-insensitive plural, singular,
 * kind or short name (`pods`, `pod`, `Pod`, `po`), optionally qualified by group
 * (`deployments.apps`, `deploy.apps`) or by version and group (`deployments.v1.apps`).
 */
export function findResource(nameOrKindOrShortName: string): ResourceInfo | undefined {
  const text = nameOrKindOrShortName.trim().toLowerCase();
  if (text === '') return undefined;
  const direct = byName.get(text);
  if (direct) return direct[0];
  const dot = text.indexOf('.');
  if (dot <= 0) return undefined;
  const head = text.slice(0, dot);
  const rest = text.slice(dot + 1);
  const candidates = byName.get(head);
  if (!candidates) return undefined;
  for (const info of candidates) {
    if (info.group === rest) return info;
    if (`${info.version}.${info.group}` === rest) return info;
    if (info.group === '' && (rest === info.version || rest === `${info.version}.`)) return info;
  }
  return undefined;
}

/** The resource whose objects have this `apiVersion` and `kind` (`'apps/v1', 'Deployment'`). */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byGvk.get(`${apiVersion}/${kind}`);
}

/** The resource with this group and plural (`'apps', 'deployments'`). */
export function resourceForGroupResource(group: string, plural: string): ResourceInfo | undefined {
  return byGroupPlural.get(`${group}/${plural}`);
}

/** The resource name qualified by its group, as Kubernetes prints it in errors: `pods`, `deployments.apps`. */
export function qualifiedResource(info: ResourceInfo): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

/** The kind qualified by its group, as in 422 messages: `Pod`, `Deployment.apps`. */
export function qualifiedKind(info: ResourceInfo): string {
  return info.group === '' ? info.kind : `${info.kind}.${info.group}`;
}

/**
 * The etcd key of one object: `/registry/pods/default/web-1`, `/registry/minions/node-1`.
 * @throws {Error} when a namespaced resource is given no namespace.
 */
export function etcdKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  if (info.namespaced) {
    if (!namespace) throw new Error(`${qualifiedResource(info)} are namespaced: etcdKey needs a namespace`);
    return `${info.etcdPrefix}${namespace}/${name}`;
  }
  return `${info.etcdPrefix}${name}`;
}

/**
 * The etcd prefix a list reads: every object of the resource (`/registry/pods/`), or for a
 * namespaced resource and a namespace, that namespace's objects (`/registry/pods/default/`).
 */
export function etcdListPrefix(info: ResourceInfo, namespace?: string): string {
  return info.namespaced && namespace ? `${info.etcdPrefix}${namespace}/` : info.etcdPrefix;
}

/** The API path prefix of a group version: `/api/v1` or `/apis/apps/v1`. */
function groupVersionPath(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
}

/**
 * The REST path of a collection or object: `/api/v1/namespaces/default/pods/x`,
 * `/apis/apps/v1/deployments` (all namespaces), `/api/v1/nodes/n1`. The namespace is ignored
 * for cluster-scoped resources.
 */
export function apiPath(info: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  let path = groupVersionPath(info);
  if (info.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${info.plural}`;
  if (name !== undefined) {
    path += `/${encodeURIComponent(name)}`;
    if (subresource) path += `/${subresource}`;
  }
  return path;
}

/** A REST path taken apart by {@link parseApiPath}. */
export interface ParsedApiPath {
  /** The resource addressed. */
  info: ResourceInfo;
  /** Namespace from the path, if any. */
  namespace?: string;
  /** Object name, absent for collections. */
  name?: string;
  /** Subresource (`status`, `binding`, `scale`, ...), if any. */
  subresource?: string;
  /** True for the deprecated `/api/v1/watch/...` form. */
  watch?: boolean;
}

/**
 * Parses a REST path (query string allowed) into resource, namespace, name and subresource.
 * Returns `undefined` for unknown groups, versions, resources or subresources, or for
 * namespaced paths to cluster-scoped resources.
 */
export function parseApiPath(path: string): ParsedApiPath | undefined {
  const q = path.indexOf('?');
  const clean = q >= 0 ? path.slice(0, q) : path;
  const parts = clean.split('/').filter((p) => p !== '');
  let group: string;
  let version: string;
  let i: number;
  if (parts[0] === 'api') {
    group = '';
    version = parts[1] ?? '';
    i = 2;
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    i = 3;
  } else {
    return undefined;
  }
  if (!version) return undefined;
  let rest: string[];
  try {
    rest = parts.slice(i).map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  let watch = false;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  if (rest.length === 0) return undefined;
  const lookup = (plural: string): ResourceInfo | undefined => {
    const info = byGroupPlural.get(`${group}/${plural}`);
    return info && info.version === version ? info : undefined;
  };
  const result = (r: ParsedApiPath): ParsedApiPath => {
    if (watch) r.watch = true;
    return r;
  };
  const withName = (info: ResourceInfo, namespace: string | undefined, tail: string[]): ParsedApiPath | undefined => {
    if (tail.length === 0) return result(namespace === undefined ? { info } : { info, namespace });
    const name = tail[0]!;
    if (name === '') return undefined;
    if (tail.length === 1) return result(namespace === undefined ? { info, name } : { info, namespace, name });
    if (tail.length > 2 || watch) return undefined;
    const subresource = tail[1]!;
    if (!info.subresources.some((s) => s.name === subresource)) return undefined;
    return result(namespace === undefined ? { info, name, subresource } : { info, namespace, name, subresource });
  };
  if (rest[0] === 'namespaces' && group === '' && rest.length >= 3) {
    // /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]], unless {resource} is a namespace subresource.
    const ns = rest[1]!;
    const nsInfo = lookup('namespaces');
    if (nsInfo && rest.length === 3 && nsInfo.subresources.some((s) => s.name === rest[2]) && !lookup(rest[2]!)) {
      return withName(nsInfo, undefined, [ns, rest[2]!]);
    }
    const info = lookup(rest[2]!);
    if (!info || !info.namespaced) return undefined;
    return withName(info, ns, rest.slice(3));
  }
  if (rest[0] === 'namespaces' && group !== '' && rest.length >= 3) {
    const info = lookup(rest[2]!);
    if (!info || !info.namespaced) return undefined;
    return withName(info, rest[1], rest.slice(3));
  }
  const info = lookup(rest[0]!);
  if (!info) return undefined;
  // a namespaced object is named only under its namespace (`/api/v1/pods` lists, `/api/v1/pods/x` is 404)
  if (info.namespaced && rest.length > 1) return undefined;
  return withName(info, undefined, rest.slice(1));
}
