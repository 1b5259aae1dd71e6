/**
 * Validation of ResourceQuotas (core/v1), after `pkg/apis/core/validation`
 * (`ValidateResourceQuota`, `ValidateResourceQuotaUpdate`, `ValidateResourceQuotaStatusUpdate`):
 * resource names (`ValidateResourceQuotaResourceName`: qualified, and standard for quota unless
 * fully qualified), non-negative quantities that are integers for the countable resources, the
 * scopes (`validateResourceQuotaScopes`: standard scopes, valid for every standard hard resource,
 * no conflicting pairs), the scope selector (`validateScopedResourceSelectorRequirement`), and
 * scopes that never change.
 */
import { fieldError, GoValue } from './status.js';
import type { Causes } from './validation-meta.js';
import { isQualifiedName } from './names.js';
import { isExactQuantity, parseExact } from './quantity-math.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

const COMPUTE = ['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage'];
/** `standardResources` (`helper.IsStandardResourceName`, without the hugepages prefixes). */
const STANDARD_RESOURCES = new Set([...COMPUTE, 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers']);
/** `standardQuotaResources` (`helper.IsStandardQuotaResourceName`, without the hugepages prefixes). */
const STANDARD_QUOTA_RESOURCES = new Set([...COMPUTE, 'pods', 'requests.storage', 'persistentvolumeclaims', 'configmaps', 'secrets', 'services', 'services.nodeports', 'services.loadbalancers', 'replicationcontrollers', 'resourcequotas']);
/** `integerResources` (`helper.IsIntegerResourceName`). */
const INTEGER_RESOURCES = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
/** `standardResourceQuotaScopes`. */
const STANDARD_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
const POD_COMPUTE_QUOTA = new Set(['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory']);
const CONFLICTING_SCOPES = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

const isHugePages = (name: string) => name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
const isStandardQuotaResource = (name: string) => STANDARD_QUOTA_RESOURCES.has(name) || isHugePages(name);

/** `helper.IsExtendedResourceName`: fully qualified, outside `kubernetes.io`, not `requests.`-prefixed. */
function isExtendedResource(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/') || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** `validateResourceName` then `ValidateResourceQuotaResourceName`. */
function validateQuotaResourceName(c: Causes, name: string, path: string): void {
  const errs = isQualifiedName(name);
  for (const msg of errs) c.push(fieldError.invalid(path, name, msg));
  if (errs.length > 0) return;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name)) c.push(fieldError.invalid(path, name, 'must be a standard resource type or fully qualified'));
    if (!isStandardQuotaResource(name)) c.push(fieldError.invalid(path, name, 'must be a standard resource for quota'));
  }
}

/** `ValidateResourceQuantityValue`: non-negative, and an integer for the countable resources. */
function validateQuotaQuantity(c: Causes, name: string, value: unknown, path: string): void {
  if ((typeof value !== 'string' && typeof value !== 'number') || !isExactQuantity(value)) return; // the schema refuses it
  const q = parseExact(value);
  if (q.nanos < 0n) c.push(fieldError.invalid(path, String(value), 'must be greater than or equal to 0'));
  if ((INTEGER_RESOURCES.has(name) || isExtendedResource(name)) && q.nanos % 10n ** 9n !== 0n) c.push(fieldError.invalid(path, String(value), 'must be an integer'));
}

function validateResourceList(c: Causes, list: unknown, path: string): void {
  if (!isObj(list)) return;
  for (const name of Object.keys(list).sort()) {
    validateQuotaResourceName(c, name, `${path}[${name}]`);
    validateQuotaQuantity(c, name, list[name], `${path}[${name}]`);
  }
}

/** `helper.IsResourceQuotaScopeValidForResource`. */
function scopeValidFor(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if (STANDARD_SCOPES.includes(scope)) return resource === 'pods' || POD_COMPUTE_QUOTA.has(resource);
  return true;
}

function goScopes(scopes: readonly unknown[]): GoValue {
  return new GoValue(`[]core.ResourceQuotaScope{${scopes.map((s) => JSON.stringify(String(s))).join(', ')}}`);
}

function goScopeSelector(sel: Obj): GoValue {
  const exprs = (Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : []).map(
    (e: Obj) => `core.ScopedResourceSelectorRequirement{ScopeName:${JSON.stringify(String(e?.['scopeName'] ?? ''))}, Operator:${JSON.stringify(String(e?.['operator'] ?? ''))}, Values:${Array.isArray(e?.['values']) ? `[]string{${e['values'].map((v: unknown) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)'}}`,
  );
  return new GoValue(`&core.ScopeSelector{MatchExpressions:[]core.ScopedResourceSelectorRequirement{${exprs.join(', ')}}}`);
}

/** `validateResourceQuotaScopes`. */
function validateScopes(c: Causes, spec: Obj, hard: readonly string[]): void {
  const scopes: unknown[] = Array.isArray(spec['scopes']) ? spec['scopes'] : [];
  if (scopes.length === 0) return;
  const seen = new Set<string>();
  for (const scope of scopes) {
    const name = String(scope);
    if (!STANDARD_SCOPES.includes(name)) c.push(fieldError.invalid('spec.scopes', goScopes(scopes), 'unsupported scope'));
    for (const k of hard) if (isStandardQuotaResource(k) && !scopeValidFor(name, k)) c.push(fieldError.invalid('spec.scopes', goScopes(scopes), 'unsupported scope applied to resource'));
    seen.add(name);
  }
  for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => seen.has(s))) c.push(fieldError.invalid('spec.scopes', goScopes(scopes), 'conflicting scopes'));
}

/** `validateScopeSelector` / `validateScopedResourceSelectorRequirement`. */
function validateScopeSelector(c: Causes, spec: Obj, hard: readonly string[]): void {
  const sel = spec['scopeSelector'];
  if (!isObj(sel)) return;
  const path = 'spec.scopeSelector.matchExpressions';
  const seen = new Set<string>();
  const exprs: unknown[] = Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : [];
  for (const e of exprs) {
    if (!isObj(e)) continue;
    const scope = String(e['scopeName'] ?? '');
    const op = String(e['operator'] ?? '');
    const values: unknown[] = Array.isArray(e['values']) ? e['values'] : [];
    if (!STANDARD_SCOPES.includes(scope)) c.push(fieldError.invalid(`${path}.scopeName`, scope, 'unsupported scope'));
    for (const k of hard) if (isStandardQuotaResource(k) && !scopeValidFor(scope, k)) c.push(fieldError.invalid(path, goScopeSelector(sel), 'unsupported scope applied to resource'));
    if (['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'].includes(scope) && op !== 'Exists') {
      c.push(
        fieldError.invalid(
          `${path}.operator`,
          op,
          "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) c.push(fieldError.required(`${path}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length !== 0) c.push(fieldError.invalid(`${path}.values`, new GoValue(`[]string{${values.map((v) => JSON.stringify(String(v))).join(', ')}}`), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else c.push(fieldError.invalid(`${path}.operator`, op, 'not a valid selector operator'));
    seen.add(scope);
  }
  for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => seen.has(s))) c.push(fieldError.invalid(path, goScopeSelector(sel), 'conflicting scopes'));
}

/** `ValidateResourceQuota` (spec and status; the metadata is checked by the caller). */
export function validateResourceQuota(c: Causes, obj: Obj): void {
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  validateResourceList(c, spec['hard'], 'spec.hard');
  const hard = isObj(spec['hard']) ? Object.keys(spec['hard']).sort() : [];
  validateScopes(c, spec, hard);
  validateScopeSelector(c, spec, hard);
  validateResourceQuotaStatus(c, obj);
}

/** `ValidateResourceQuotaStatus`: the names and quantities of `status.hard` and `status.used`. */
export function validateResourceQuotaStatus(c: Causes, obj: Obj): void {
  const status = isObj(obj['status']) ? obj['status'] : {};
  validateResourceList(c, status['hard'], 'status.hard');
  validateResourceList(c, status['used'], 'status.used');
}

/** `ValidateResourceQuotaUpdate`: the scopes never change. */
export function validateResourceQuotaUpdate(c: Causes, next: Obj, prev: Obj): void {
  const scopes: unknown[] = Array.isArray(next['spec']?.['scopes']) ? next['spec']['scopes'] : [];
  const old: unknown[] = Array.isArray(prev['spec']?.['scopes']) ? prev['spec']['scopes'] : [];
  const same = scopes.length === old.length && scopes.every((s) => old.includes(s)) && old.every((s) => scopes.includes(s));
  if (!same) c.push(fieldError.invalid('spec.scopes', goScopes(scopes), 'field is immutable'));
}
