/**
 * LimitRanges (core/v1): their defaults (`SetDefaults_LimitRangeItem`), their validation
 * (`ValidateLimitRange`) and the `LimitRanger` admission plugin of kube-apiserver
 * (`plugin/pkg/admission/limitranger`):
 *
 * - on a pod's create, each container (and init container) without a request or limit for a
 *   resource gets the namespace's `Container` defaults (`defaultRequest`, `default`), and the pod
 *   is annotated `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu request for container app; …`;
 * - then the pod is checked against every item: `Container` min/max/maxLimitRequestRatio per
 *   container, `Pod` ones on the pod's total requests and limits, with the plugin's messages
 *   (`maximum cpu usage per Container is 1, but limit is 2`); a PersistentVolumeClaim's storage
 *   request against `PersistentVolumeClaim` items. Several violations are listed as Go's error
 *   aggregate prints them (`[a, b]`).
 */
import { fieldError, GoValue } from './status.js';
import type { Causes } from './validation-meta.js';
import { isQualifiedName } from './names.js';
import { compareQuantities, formatQuantity, isExactQuantity, parseExact, parseResourceList, type Quantity } from './quantity-math.js';
import { podResourceTotals } from './quota.js';
import type { KubeObject } from './types.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** The annotation the plugin leaves on a pod it defaulted. */
const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';
const STANDARD_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers']);
/** `resource.MaxMilliValue`. */
const MAX_MILLI = (2n ** 63n - 1n) / 1000n;

// ---- defaults --------------------------------------------------------------------------------

/**
 * `SetDefaults_LimitRangeItem` for every `Container` item: a missing default limit is the max,
 * a missing default request the default limit, else the min.
 */
export function defaultLimitRange(lr: Obj): void {
  const limits = lr['spec']?.['limits'];
  if (!Array.isArray(limits)) return;
  for (const item of limits) {
    if (!isObj(item) || item['type'] !== 'Container') continue;
    const def: Obj = isObj(item['default']) ? { ...item['default'] } : {};
    const req: Obj = isObj(item['defaultRequest']) ? { ...item['defaultRequest'] } : {};
    for (const [k, v] of Object.entries(isObj(item['max']) ? item['max'] : {})) if (def[k] === undefined) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (req[k] === undefined) req[k] = v;
    for (const [k, v] of Object.entries(isObj(item['min']) ? item['min'] : {})) if (req[k] === undefined) req[k] = v;
    if (Object.keys(def).length > 0) item['default'] = def;
    if (Object.keys(req).length > 0) item['defaultRequest'] = req;
  }
}

// ---- validation ------------------------------------------------------------------------------

/** A quantity as `field.Invalid` prints a `resource.Quantity` value (`%#v` of the struct). */
function goQuantity(text: string): GoValue {
  const m = /^([+-]?)(\d*)\.?(\d*)(.*)$/.exec(text.trim())!;
  const suffix = m[4] ?? '';
  const q = parseExact(text);
  let value: string;
  let scale: number;
  const binary = /^[KMGTPE]i$/.test(suffix);
  if (binary) {
    value = String(q.nanos / 10n ** 9n);
    scale = 0;
  } else {
    const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
    const exp = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : (decimal[suffix] ?? 0);
    value = `${m[1] === '-' ? '-' : ''}${BigInt(`${m[2] || '0'}${m[3]}`)}`;
    scale = exp - (m[3]?.length ?? 0);
  }
  const format = binary ? 'BinarySI' : /^[eE]/.test(suffix) ? 'DecimalExponent' : 'DecimalSI';
  return new GoValue(`resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(formatQuantity(q))}, Format:${JSON.stringify(format)}}`);
}

function isExtendedResource(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/') || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** `validateLimitRangeResourceName`: container resources for Pod and Container items. */
function validateResourceName(c: Causes, type: string, name: string, path: string): void {
  const errs = isQualifiedName(name);
  for (const msg of errs) c.push(fieldError.invalid(path, name, msg));
  if (errs.length > 0) return;
  const hugePages = name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !hugePages) {
    c.push(fieldError.invalid(path, name, 'must be a standard resource type or fully qualified'));
    return;
  }
  if (type !== 'Pod' && type !== 'Container') return;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) c.push(fieldError.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!name.includes('kubernetes.io/') && !isExtendedResource(name)) c.push(fieldError.invalid(path, name, "doesn't follow extended resource name standard"));
}

/** The parsed quantities of one field of an item, names validated. */
function listOf(c: Causes, item: Obj, field: string, type: string, path: string, keys: Set<string>): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  const list = item[field];
  if (!isObj(list)) return out;
  for (const k of Object.keys(list).sort()) {
    validateResourceName(c, type, k, `${path}.${field}[${k}]`);
    keys.add(k);
    if ((typeof list[k] === 'string' || typeof list[k] === 'number') && isExactQuantity(list[k])) out.set(k, parseExact(list[k]));
  }
  return out;
}

const text = (q: Quantity) => formatQuantity(q);
const milli = (q: Quantity) => (q.nanos + 999_999n) / 1_000_000n;

/** `ValidateLimitRange` (after defaulting). */
export function validateLimitRange(c: Causes, obj: Obj): void {
  const limits: unknown[] = Array.isArray(obj['spec']?.['limits']) ? obj['spec']['limits'] : [];
  const types = new Set<string>();
  limits.forEach((raw, i) => {
    if (!isObj(raw)) return;
    const item = raw;
    const path = `spec.limits[${i}]`;
    const type = String(item['type'] ?? '');
    const typeErrs = isQualifiedName(type);
    for (const msg of typeErrs) c.push(fieldError.invalid(`${path}.type`, type, msg));
    if (typeErrs.length === 0 && !type.includes('/') && !STANDARD_TYPES.includes(type)) c.push(fieldError.invalid(`${path}.type`, type, 'must be a standard limit type or fully qualified'));
    if (types.has(type)) c.push(fieldError.duplicate(`${path}.type`, type));
    types.add(type);
    const keys = new Set<string>();
    const max = listOf(c, item, 'max', type, path, keys);
    const min = listOf(c, item, 'min', type, path, keys);
    let defaults = new Map<string, Quantity>();
    let requests = new Map<string, Quantity>();
    if (type === 'Pod') {
      if (isObj(item['default']) && Object.keys(item['default']).length > 0) c.push(fieldError.forbidden(`${path}.default`, "may not be specified when `type` is 'Pod'"));
      if (isObj(item['defaultRequest']) && Object.keys(item['defaultRequest']).length > 0) c.push(fieldError.forbidden(`${path}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      defaults = listOf(c, item, 'default', type, path, keys);
      requests = listOf(c, item, 'defaultRequest', type, path, keys);
    }
    if (type === 'PersistentVolumeClaim' && !min.has('storage') && !max.has('storage')) {
      c.push(fieldError.required(`${path}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const ratios = listOf(c, item, 'maxLimitRequestRatio', type, path, keys);
    for (const k of [...keys].sort()) {
      const lo = min.get(k);
      const hi = max.get(k);
      const def = defaults.get(k);
      const req = requests.get(k);
      const ratio = ratios.get(k);
      const raw = (field: string) => String(item[field][k]);
      if (lo && hi && compareQuantities(lo, hi) > 0) c.push(fieldError.invalid(`${path}.min[${k}]`, goQuantity(raw('min')), `min value ${text(lo)} is greater than max value ${text(hi)}`));
      if (req && lo && compareQuantities(lo, req) > 0) c.push(fieldError.invalid(`${path}.defaultRequest[${k}]`, goQuantity(raw('defaultRequest')), `min value ${text(lo)} is greater than default request value ${text(req)}`));
      if (req && hi && compareQuantities(req, hi) > 0) c.push(fieldError.invalid(`${path}.defaultRequest[${k}]`, goQuantity(raw('defaultRequest')), `default request value ${text(req)} is greater than max value ${text(hi)}`));
      if (req && def && compareQuantities(req, def) > 0) c.push(fieldError.invalid(`${path}.defaultRequest[${k}]`, goQuantity(raw('defaultRequest')), `default request value ${text(req)} is greater than default limit value ${text(def)}`));
      if (def && lo && compareQuantities(lo, def) > 0) c.push(fieldError.invalid(`${path}.default[${k}]`, goQuantity(raw('min')), `min value ${text(lo)} is greater than default value ${text(def)}`));
      if (def && hi && compareQuantities(def, hi) > 0) c.push(fieldError.invalid(`${path}.default[${k}]`, goQuantity(raw('max')), `default value ${text(def)} is greater than max value ${text(hi)}`));
      if (ratio && ratio.nanos < 10n ** 9n) c.push(fieldError.invalid(`${path}.maxLimitRequestRatio[${k}]`, goQuantity(raw('maxLimitRequestRatio')), `ratio ${text(ratio)} is less than 1`));
      if (ratio && lo && hi) {
        const limit = Number(milli(hi)) / Number(milli(lo));
        if (Number(milli(ratio)) / 1000 > limit) c.push(fieldError.invalid(`${path}.maxLimitRequestRatio[${k}]`, goQuantity(raw('maxLimitRequestRatio')), `ratio ${text(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
      }
      // resources that may not be overcommitted (extended resources, hugepages): default and request equal
      const overcommit = STANDARD_CONTAINER_RESOURCES.has(k) || (!k.startsWith('hugepages-') && !isExtendedResource(k));
      if (!overcommit && def && req && compareQuantities(def, req) !== 0) {
        c.push(fieldError.invalid(`${path}.defaultRequest[${k}]`, goQuantity(raw('defaultRequest')), `default value ${text(def)} must equal to defaultRequest value ${text(req)} in ${k}`));
      }
    }
  });
}

// ---- admission -------------------------------------------------------------------------------

/** `defaultContainerResourceRequirements`: the `Container` items' defaults, later items winning. */
function containerDefaults(ranges: readonly KubeObject[]): { requests: Obj; limits: Obj } {
  const requests: Obj = {};
  const limits: Obj = {};
  for (const lr of ranges) {
    for (const item of (lr as Obj).spec?.limits ?? []) {
      if (item?.type !== 'Container') continue;
      Object.assign(requests, isObj(item.defaultRequest) ? item.defaultRequest : {});
      Object.assign(limits, isObj(item.default) ? item.default : {});
    }
  }
  return { requests, limits };
}

/**
 * The plugin's mutation of a pod being created (in place): `mergePodResourceRequirements` with
 * the defaults of every LimitRange of the namespace, in turn.
 */
export function mutatePodForLimitRanges(pod: Obj, ranges: readonly KubeObject[]): void {
  for (const lr of ranges) {
    const defaults = containerDefaults([lr]);
    const notes: string[] = [];
    const merge = (ctr: Obj, kind: string) => {
      const res: Obj = isObj(ctr.resources) ? { ...ctr.resources } : {};
      const limits: Obj = isObj(res.limits) ? { ...res.limits } : {};
      const requests: Obj = isObj(res.requests) ? { ...res.requests } : {};
      const setLimits = Object.keys(defaults.limits).filter((k) => limits[k] === undefined).sort();
      const setRequests = Object.keys(defaults.requests).filter((k) => requests[k] === undefined).sort();
      for (const k of setLimits) limits[k] = defaults.limits[k];
      for (const k of setRequests) requests[k] = defaults.requests[k];
      if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${kind} ${ctr.name}`);
      if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${kind} ${ctr.name}`);
      if (Object.keys(limits).length > 0) res.limits = limits;
      if (Object.keys(requests).length > 0) res.requests = requests;
      if (setLimits.length + setRequests.length > 0) ctr.resources = res;
    };
    const spec = pod.spec ?? {};
    for (const ctr of Array.isArray(spec.containers) ? spec.containers : []) if (isObj(ctr)) merge(ctr, 'container');
    for (const ctr of Array.isArray(spec.initContainers) ? spec.initContainers : []) if (isObj(ctr)) merge(ctr, 'init container');
    if (notes.length > 0) {
      const m = (pod.metadata ??= {});
      m.annotations = { ...(m.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
    }
  }
}

/** `requestLimitEnforcedValues`: milli-units when they fit, else whole units (both rounded up). */
function enforcedValues(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const value = (q: Quantity | undefined) => (q ? (q.nanos + 999_999_999n) / 1_000_000_000n : 0n);
  const r = value(req);
  const l = value(lim);
  const e = value(enforced);
  if (r <= MAX_MILLI && l <= MAX_MILLI && e <= MAX_MILLI) return [req ? milli(req) : 0n, lim ? milli(lim) : 0n, milli(enforced)];
  return [r, l, e];
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${text(enforced)}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${text(enforced)}, but request is ${text(req)}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${text(enforced)}, but limit is ${text(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${text(enforced)}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${text(enforced)}, but limit is ${text(lim)}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${text(enforced)}, but request is ${text(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: Map<string, Quantity>): string | undefined {
  const req = requests.get(name);
  const [r, , e] = enforcedValues(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${text(enforced)}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${text(enforced)}, but request is ${text(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = enforcedValues(req, lim, enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${text(enforced)}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${text(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(l) / Number(r);
  const wholeEnforced = (enforced.nanos + 999_999_999n) / 1_000_000_000n;
  const [ratio, maxRatio] = wholeEnforced <= MAX_MILLI ? [observed * 1000, Number(milli(enforced))] : [observed, Number(wholeEnforced)];
  if (ratio > maxRatio) return `${name} max limit to request ratio per ${type} is ${text(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

/** The checks of one item on a pair of request and limit lists. */
function checkItem(item: Obj, type: string, requests: Map<string, Quantity>, limits: Map<string, Quantity>, out: string[]): void {
  const each = (field: string, fn: (name: string, q: Quantity) => string | undefined) => {
    for (const [k, q] of [...parseResourceList(item[field])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const e = fn(k, q);
      if (e) out.push(e);
    }
  };
  each('min', (k, q) => minConstraint(type, k, q, requests, limits));
  each('max', (k, q) => maxConstraint(type, k, q, requests, limits));
  each('maxLimitRequestRatio', (k, q) => ratioConstraint(type, k, q, requests, limits));
}

/** Go's `utilerrors.NewAggregate(errs).Error()`: one message as is, several (deduplicated) in brackets. */
function aggregate(errs: readonly string[]): string | undefined {
  const seen = [...new Set(errs)];
  if (seen.length === 0) return undefined;
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

/** `PodValidateLimitFunc` for every LimitRange of the namespace. @returns the Forbidden message, or undefined. */
export function validatePodForLimitRanges(pod: KubeObject, ranges: readonly KubeObject[]): string | undefined {
  const errs: string[] = [];
  const spec = (pod as Obj).spec ?? {};
  for (const lr of ranges) {
    for (const item of (lr as Obj).spec?.limits ?? []) {
      if (item?.type === 'Container') {
        for (const ctr of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
          checkItem(item, 'Container', parseResourceList(ctr?.resources?.requests), parseResourceList(ctr?.resources?.limits), errs);
        }
      } else if (item?.type === 'Pod') {
        checkItem(item, 'Pod', podResourceTotals(pod, 'requests', false), podResourceTotals(pod, 'limits', false), errs);
      }
    }
  }
  return aggregate(errs);
}

/** `PersistentVolumeClaimValidateLimitFunc`: a claim's storage request against the `PersistentVolumeClaim` items. */
export function validateClaimForLimitRanges(pvc: KubeObject, ranges: readonly KubeObject[]): string | undefined {
  const errs: string[] = [];
  const requests = parseResourceList((pvc as Obj).spec?.resources?.requests);
  for (const lr of ranges) {
    for (const item of (lr as Obj).spec?.limits ?? []) {
      if (item?.type !== 'PersistentVolumeClaim') continue;
      for (const [k, q] of [...parseResourceList(item.min)].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const e = minConstraint('PersistentVolumeClaim', k, q, requests, new Map());
        if (e) errs.push(e);
      }
      for (const [k, q] of [...parseResourceList(item.max)].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const e = maxRequestConstraint('PersistentVolumeClaim', k, q, requests);
        if (e) errs.push(e);
      }
    }
  }
  return aggregate(errs);
}
