/**
 * Quota evaluation, shared by the ResourceQuota admission step of the API server and the
 * resourcequota controller, after kube's `pkg/quota/v1` (`evaluator/core/pods.go`,
 * `services.go`, `persistent_volume_claims.go`, `generic/evaluator.go`, `resources.go`):
 *
 * - what an object uses (`Usage`): a pod `count/pods` always, and while it is not terminal `pods`,
 *   `cpu`/`requests.cpu`, `limits.cpu`, the same for memory and ephemeral-storage, hugepages and
 *   extended resources (`requests.<name>`), from the pod's effective requests and limits; a
 *   Service `services`, `count/services`, `services.nodeports` (its ports, when NodePort or
 *   LoadBalancer) and `services.loadbalancers`; a claim `persistentvolumeclaims`,
 *   `requests.storage` and their `<class>.storageclass.storage.k8s.io/…` forms; any other
 *   namespaced object `count/<resource>[.<group>]`, and the legacy names `configmaps`, `secrets`,
 *   `replicationcontrollers`, `resourcequotas`;
 * - which quotas an object is charged to (`Matches`): the quota's hard resources include one the
 *   object's evaluator measures, and every scope (`spec.scopes`, `spec.scopeSelector`) matches
 *   (scopes match pods only: Terminating, NotTerminating, BestEffort, NotBestEffort,
 *   PriorityClass, CrossNamespacePodAffinity);
 * - a pod's constraints: when a quota limits cpu or memory (requests or limits), every container
 *   must state it (`must specify limits.cpu for: app`);
 * - `CheckRequest` of the admission plugin and `CalculateUsage` of the controller.
 */
import type { KubeObject } from './types.js';
import { addQuantities, compareQuantities, formatQuantity, parseResourceList, ZERO, type Quantity } from './quantity-math.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** A resource list as a map (resource name → quantity). */
export type Usage = Map<string, Quantity>;

const one = (): Quantity => ({ nanos: 10n ** 9n, format: 'DecimalSI' });
const count = (n: number): Quantity => ({ nanos: BigInt(n) * 10n ** 9n, format: 'DecimalSI' });

/** `ObjectCountQuotaResourceNameFor`: `count/pods`, `count/deployments.apps`. */
function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** The legacy object count names of the core group (`install.legacyObjectCountAliases`). */
const LEGACY_COUNT: Record<string, string> = { configmaps: 'configmaps', resourcequotas: 'resourcequotas', replicationcontrollers: 'replicationcontrollers', secrets: 'secrets' };

const POD_RESOURCES = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);
const POD_PREFIXES = ['hugepages-', 'requests.hugepages-'];
const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.loadbalancers', 'services.nodeports']);
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
/** The resources whose request a quota on them makes every container state (`validationSet`). */
const CONTAINER_CONSTRAINED = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

/** `helper.IsExtendedResourceName` for quota: `requests.<domain>/<name>` outside kubernetes.io. */
function isExtendedForQuota(name: string): boolean {
  if (!name.startsWith('requests.')) return false;
  return isExtendedResource(name.slice('requests.'.length));
}

function isExtendedResource(name: string): boolean {
  if (!name.includes('/')) return false;
  const domain = name.slice(0, name.indexOf('/'));
  if (domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io')) return false;
  return !name.startsWith('requests.');
}

/** What kind of evaluator measures an object of a resource (`registry.Get`). */
export type EvaluatorKind = 'pods' | 'services' | 'persistentvolumeclaims' | 'count';

/** The evaluator of a group/resource. Events are ignored by quota (`DefaultIgnoredResources`). */
export function evaluatorFor(group: string, resource: string): EvaluatorKind | undefined {
  if (group === '' && resource === 'events') return undefined;
  if (group === '' && (resource === 'pods' || resource === 'services' || resource === 'persistentvolumeclaims')) return resource;
  return 'count';
}

/** `MatchingResources`: the names among `names` that the evaluator of group/resource measures. */
export function matchingResources(group: string, resource: string, names: Iterable<string>): string[] {
  const kind = evaluatorFor(group, resource);
  const out: string[] = [];
  for (const n of names) {
    if (kind === 'pods' && (POD_RESOURCES.has(n) || POD_PREFIXES.some((p) => n.startsWith(p)) || isExtendedForQuota(n))) out.push(n);
    else if (kind === 'services' && SERVICE_RESOURCES.has(n)) out.push(n);
    else if (kind === 'persistentvolumeclaims' && (n === 'count/persistentvolumeclaims' || n === 'persistentvolumeclaims' || n === 'requests.storage' || (n.includes(STORAGE_CLASS_SUFFIX) && (n.endsWith('/persistentvolumeclaims') || n.endsWith('/requests.storage'))))) out.push(n);
    else if (kind === 'count' && (n === objectCountName(group, resource) || (group === '' && LEGACY_COUNT[resource] === n))) out.push(n);
  }
  return out;
}

// ---- pods ------------------------------------------------------------------------------------

function sumInto(into: Usage, list: Usage): void {
  for (const [k, v] of list) into.set(k, addQuantities(into.get(k) ?? ZERO, v));
}

function maxInto(into: Usage, list: Usage): void {
  for (const [k, v] of list) {
    const cur = into.get(k);
    if (!cur || compareQuantities(v, cur) > 0) into.set(k, v);
  }
}

/**
 * `resourcehelper.PodRequests` / `PodLimits`: app containers summed, raised to the init
 * containers (sidecars added), plus the overhead unless `overhead` is false (the LimitRanger's
 * own `podRequests`/`podLimits` do not add it).
 */
export function podResourceTotals(pod: KubeObject, which: 'requests' | 'limits', overhead = true): Usage {
  const p = pod as Obj;
  const spec = isObj(p.spec) ? p.spec : {};
  const total: Usage = new Map();
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) sumInto(total, parseResourceList(c?.resources?.[which]));
  const sidecars: Usage = new Map();
  const initMax: Usage = new Map();
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    const own = parseResourceList(c?.resources?.[which]);
    if (c?.restartPolicy === 'Always') {
      sumInto(total, own);
      sumInto(sidecars, own);
      maxInto(initMax, sidecars);
    } else {
      const tmp: Usage = new Map(own);
      sumInto(tmp, sidecars);
      maxInto(initMax, tmp);
    }
  }
  maxInto(total, initMax);
  if (overhead && isObj(spec.overhead)) sumInto(total, parseResourceList(spec.overhead));
  return total;
}

/** `podComputeUsageHelper`: the compute resource names of requests and limits. */
function computeUsage(requests: Usage, limits: Usage): Usage {
  const out: Usage = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith('hugepages-')) {
      out.set(r, q);
      out.set(`requests.${r}`, q);
    }
    if (isExtendedResource(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

/** `QuotaV1Pod`: a pod counts towards compute quota until it is terminal or past its deletion grace. */
export function podCountsForQuota(pod: Obj, nowMs: number, timeOf: (ts: string) => number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const m = pod.metadata ?? {};
  if (m.deletionTimestamp && typeof m.deletionGracePeriodSeconds === 'number') {
    const at = timeOf(m.deletionTimestamp);
    if (Number.isFinite(at) && nowMs > at + m.deletionGracePeriodSeconds * 1000) return false;
  }
  return true;
}

/** The QoS class of a pod (`status.qosClass`, computed from its containers when unset). */
function isBestEffort(pod: Obj): boolean {
  if (typeof pod.status?.qosClass === 'string') return pod.status.qosClass === 'BestEffort';
  const spec = pod.spec ?? {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const which of ['requests', 'limits']) {
      const list = c?.resources?.[which];
      if (isObj(list) && (list.cpu !== undefined || list.memory !== undefined)) return false;
    }
  }
  return true;
}

/** `usesCrossNamespacePodAffinity`: an affinity term naming namespaces or a namespace selector. */
function usesCrossNamespacePodAffinity(pod: Obj): boolean {
  const aff = pod.spec?.affinity ?? {};
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = aff[kind] ?? {};
    const terms = [...(a.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(a.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w: Obj) => w?.podAffinityTerm ?? {})];
    if (terms.some((t: Obj) => (Array.isArray(t?.namespaces) && t.namespaces.length > 0) || t?.namespaceSelector !== undefined && t?.namespaceSelector !== null)) return true;
  }
  return false;
}

// ---- usage -----------------------------------------------------------------------------------

/** What the quota's clock says, for pods past their deletion grace period. */
export interface QuotaClock {
  /** Virtual now, ms. */
  readonly nowMs: number;
  /** The virtual time (ms) of a timestamp. */
  timeOf(timestamp: string): number;
}

/** `Evaluator.Usage`: what one object of group/resource uses. */
export function usageOf(group: string, resource: string, obj: KubeObject, clock: QuotaClock): Usage {
  const kind = evaluatorFor(group, resource);
  const o = obj as Obj;
  const out: Usage = new Map();
  if (kind === 'pods') {
    out.set('count/pods', one());
    if (!podCountsForQuota(o, clock.nowMs, (t) => clock.timeOf(t))) return out;
    for (const [k, v] of computeUsage(podResourceTotals(o, 'requests'), podResourceTotals(o, 'limits'))) out.set(k, v);
  } else if (kind === 'services') {
    const spec = o.spec ?? {};
    const ports: Obj[] = Array.isArray(spec.ports) ? spec.ports : [];
    out.set('count/services', one());
    out.set('services', one());
    out.set('services.loadbalancers', ZERO);
    out.set('services.nodeports', ZERO);
    if (spec.type === 'NodePort') out.set('services.nodeports', count(ports.length));
    else if (spec.type === 'LoadBalancer') {
      out.set('services.nodeports', count(spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => (p.nodePort ?? 0) !== 0).length : ports.length));
      out.set('services.loadbalancers', one());
    }
  } else if (kind === 'persistentvolumeclaims') {
    out.set('persistentvolumeclaims', one());
    out.set('count/persistentvolumeclaims', one());
    const cls: string = o.spec?.storageClassName ?? o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
    const requested = parseResourceList(o.spec?.resources?.requests).get('storage');
    const allocated = parseResourceList(o.status?.allocatedResources).get('storage');
    const storage = requested && allocated ? (compareQuantities(allocated, requested) > 0 ? allocated : requested) : (requested ?? allocated);
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
  } else if (kind === 'count') {
    out.set(objectCountName(group, resource), one());
    if (group === '' && LEGACY_COUNT[resource]) out.set(LEGACY_COUNT[resource], one());
  }
  return out;
}

// ---- scopes ----------------------------------------------------------------------------------

/** A scope of a quota (`ScopedResourceSelectorRequirement`). */
export interface ScopeRequirement {
  readonly scopeName: string;
  readonly operator: string;
  readonly values: readonly string[];
}

/** `getScopeSelectorsFromQuota`: `spec.scopes` (as Exists) and `spec.scopeSelector.matchExpressions`. */
function quotaScopes(quota: KubeObject): ScopeRequirement[] {
  const spec = (quota as Obj).spec ?? {};
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec.scopes) ? spec.scopes : []) out.push({ scopeName: String(s), operator: 'Exists', values: [] });
  for (const e of Array.isArray(spec.scopeSelector?.matchExpressions) ? spec.scopeSelector.matchExpressions : []) {
    out.push({ scopeName: String(e?.scopeName ?? ''), operator: String(e?.operator ?? ''), values: Array.isArray(e?.values) ? e.values.map(String) : [] });
  }
  return out;
}

/** `podMatchesScopeFunc`. */
function podMatchesScope(scope: ScopeRequirement, pod: Obj): boolean {
  const terminating = typeof pod.spec?.activeDeadlineSeconds === 'number' && pod.spec.activeDeadlineSeconds >= 0;
  switch (scope.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass': {
      const name: string = pod.spec?.priorityClassName ?? '';
      // the label set {PriorityClass: name} always has the key
      if (scope.operator === 'Exists') return name !== '';
      if (scope.operator === 'In') return scope.values.includes(name);
      if (scope.operator === 'NotIn') return !scope.values.includes(name);
      return false;
    }
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
  }
  return false;
}

/** `Evaluator.Matches`: the quota limits something the object's evaluator measures, and every scope matches. */
function quotaMatches(quota: KubeObject, hard: Iterable<string>, group: string, resource: string, obj: KubeObject): boolean {
  if (matchingResources(group, resource, hard).length === 0) return false;
  const kind = evaluatorFor(group, resource);
  for (const scope of quotaScopes(quota)) {
    // only pods have scopes (the other evaluators' MatchesNoScopeFunc)
    if (kind !== 'pods' || !podMatchesScope(scope, obj)) return false;
  }
  return true;
}

/**
 * The resources among `hardNames` a quota charges an object of group/resource for: those its
 * evaluator measures, when every scope of the quota matches the object; none otherwise.
 */
export function chargedResources(quota: KubeObject, hardNames: Iterable<string>, group: string, resource: string, obj: KubeObject): string[] {
  const names = [...hardNames];
  return quotaMatches(quota, names, group, resource, obj) ? matchingResources(group, resource, names) : [];
}

// ---- admission -------------------------------------------------------------------------------

/** `podEvaluator.Constraints`: a quota on cpu or memory makes every container state it. @returns the error, or undefined. */
export function podConstraints(required: readonly string[], pod: KubeObject): string | undefined {
  const needed = CONTAINER_CONSTRAINED.filter((r) => required.includes(r));
  if (needed.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  const spec = (pod as Obj).spec ?? {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const have = computeUsage(parseResourceList(c?.resources?.requests), parseResourceList(c?.resources?.limits));
    for (const r of needed) if (!have.has(r)) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(String(c?.name ?? ''));
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing].map(([r, names]) => `${r} for: ${[...names].sort().join(',')}`).sort();
  return `must specify ${parts.join('; ')}`;
}

/** `prettyPrint`: `pods=1,requests.cpu=500m`, names sorted. */
function prettyPrint(list: Usage): string {
  return [...list.keys()].sort().map((k) => `${k}=${formatQuantity(list.get(k)!)}`).join(',');
}

/** A quota admission verdict: refused with a message, or the quotas whose `status.used` grows. */
export type QuotaVerdict = { readonly refused: string } | { readonly charged: readonly KubeObject[] };

/**
 * `Evaluator.Handles` for an update of the main resource: the Service evaluator (a type change
 * moves node ports and load balancers) and the claim evaluator (an expansion grows the storage
 * request); pods (kube-apiserver 1.32, in-place resize off) and the object count evaluators
 * handle creates only.
 */
export function handlesUpdate(group: string, resource: string): boolean {
  const kind = evaluatorFor(group, resource);
  return kind === 'services' || kind === 'persistentvolumeclaims';
}

/** `quota.SubtractWithNonNegativeResult`: a − b, each name at least zero. */
function subtractNonNegative(a: Usage, b: Usage): Usage {
  const out: Usage = new Map();
  for (const [k, v] of a) {
    const d = v.nanos - (b.get(k)?.nanos ?? 0n);
    out.set(k, { nanos: d > 0n ? d : 0n, format: v.format });
  }
  return out;
}

/**
 * The admission plugin's `CheckRequest` for a create, or with `old` an update (the caller asks
 * only for updates {@link handlesUpdate} says the evaluator handles): refuses when a matching
 * quota has no usage yet (`status unknown for quota`), when a pod misses a constrained request
 * (`failed quota: q: must specify …`), or when the new usage passes a hard limit
 * (`exceeded quota: q, requested: …, used: …, limited: …`); otherwise returns the quotas with
 * their new `status.used` (to write before the object).
 *
 * An update is charged by the difference new − old, never below zero per resource (a NodePort
 * Service made ClusterIP frees nothing here; the controller's recalculation does), to each quota
 * that matched the old object too; a quota the old object did not match is charged the whole new
 * usage. An old object without a resourceVersion (an update that creates) is charged in full.
 */
export function checkQuotas(quotas: readonly KubeObject[], group: string, resource: string, obj: KubeObject, clock: QuotaClock, old?: KubeObject): QuotaVerdict {
  const interesting: { quota: KubeObject; hard: Usage }[] = [];
  for (const quota of quotas) {
    const hard = parseResourceList((quota as Obj).status?.hard);
    if (!quotaMatches(quota, hard.keys(), group, resource, obj)) continue;
    const required = matchingResources(group, resource, hard.keys());
    if (evaluatorFor(group, resource) === 'pods') {
      const failed = podConstraints(required, obj);
      if (failed) return { refused: `failed quota: ${quota.metadata?.name}: ${failed}` };
    }
    const used = (quota as Obj).status?.used ?? {};
    const unknown = required.filter((r) => !isObj(used) || used[r] === undefined);
    if (unknown.length > 0) return { refused: `status unknown for quota: ${quota.metadata?.name}, resources: ${[...required].sort().join(',')}` };
    interesting.push({ quota, hard });
  }
  if (interesting.length === 0) return { charged: [] };
  const input = usageOf(group, resource, obj, clock);
  for (const v of input.values()) if (v.nanos < 0n) return { refused: `quota usage is negative for resource(s): ${[...input.keys()].filter((n) => input.get(n)!.nanos < 0n).sort().join(',')}` };
  const previous = old?.metadata?.resourceVersion ? old : undefined;
  const delta = previous ? subtractNonNegative(input, usageOf(group, resource, previous, clock)) : input;
  const charged: KubeObject[] = [];
  for (const { quota, hard } of interesting) {
    const own = previous && quotaMatches(quota, hard.keys(), group, resource, previous) ? delta : input;
    const requested: Usage = new Map([...own].filter(([k, v]) => hard.has(k) && v.nanos !== 0n));
    if (requested.size === 0) continue;
    const used = parseResourceList((quota as Obj).status?.used);
    const exceeded = [...requested.keys()].filter((k) => compareQuantities(addQuantities(used.get(k) ?? ZERO, requested.get(k)!), hard.get(k)!) > 0);
    if (exceeded.length > 0) {
      const pick = (list: Usage): Usage => new Map(exceeded.filter((k) => list.has(k)).map((k) => [k, list.get(k)!]));
      return { refused: `exceeded quota: ${quota.metadata?.name}, requested: ${prettyPrint(pick(requested))}, used: ${prettyPrint(pick(used))}, limited: ${prettyPrint(pick(hard))}` };
    }
    const next: Usage = new Map(used);
    for (const [k, v] of requested) next.set(k, addQuantities(used.get(k) ?? ZERO, v));
    const status = { ...((quota as Obj).status ?? {}), used: listObject(next) };
    charged.push({ ...quota, status } as KubeObject);
  }
  return { charged };
}

/** A usage as the JSON object of a `ResourceList` (canonical quantities, sorted names). */
export function listObject(list: Usage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatQuantity(list.get(k)!);
  return out;
}

// ---- the controller --------------------------------------------------------------------------

/**
 * `quota.CalculateUsage` for one quota: for every evaluator measuring one of its hard resources,
 * the sum of the usage of the namespace's objects that match its scopes, zero for what nothing
 * uses, masked to the hard resources. `objects(group, resource)` lists the namespace's objects.
 */
export function calculateUsage(quota: KubeObject, hard: Usage, resources: readonly { group: string; resource: string }[], objects: (group: string, resource: string) => readonly KubeObject[], clock: QuotaClock): Usage {
  const used: Usage = new Map();
  for (const { group, resource } of resources) {
    const matched = matchingResources(group, resource, hard.keys());
    if (matched.length === 0) continue;
    for (const m of matched) if (!used.has(m)) used.set(m, ZERO);
    const kind = evaluatorFor(group, resource);
    const scopes = quotaScopes(quota);
    for (const obj of objects(group, resource)) {
      if (scopes.some((s) => kind !== 'pods' || !podMatchesScope(s, obj))) continue;
      for (const [k, v] of usageOf(group, resource, obj, clock)) if (matched.includes(k)) used.set(k, addQuantities(used.get(k) ?? ZERO, v));
    }
  }
  return used;
}
