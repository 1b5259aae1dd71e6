/**
 * Validation of PodDisruptionBudgets (policy/v1), after `pkg/apis/policy/validation`
 * (`ValidatePodDisruptionBudgetSpec`, `ValidatePodDisruptionBudgetStatusUpdate`): at most one of
 * minAvailable and maxUnavailable, each a non-negative integer or a percentage of at most 100%,
 * a valid label selector, and an unhealthyPodEvictionPolicy of IfHealthyBudget or AlwaysAllow;
 * the status counters of a status update are non-negative.
 */
import { fieldError, GoValue } from './status.js';
import type { Causes } from './validation-meta.js';
import { goIntOrString, intOrPercentValue, validateIntOrPercent } from './validation.js';
import { nonNegative, validateLabelSelector } from './validation-meta.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;

/** `supportedUnhealthyPodEvictionPolicies`, in the order `sets.List()` gives them. */
const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/**
 * The spec as Go's `%#v` prints a `policy.PodDisruptionBudgetSpec` (its fields are pointers: the
 * real message shows addresses, which differ on every run; these are fixed ones).
 */
function goPdbSpec(spec: Obj): GoValue {
  const ptr = (v: unknown, type: string, addr: string) => (v === undefined || v === null ? `(*${type})(nil)` : `(*${type})(${addr})`);
  return new GoValue(
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr(spec['minAvailable'], 'intstr.IntOrString', '0xc000a10000')}, Selector:${ptr(spec['selector'], 'v1.LabelSelector', '0xc000a10020')}, MaxUnavailable:${ptr(spec['maxUnavailable'], 'intstr.IntOrString', '0xc000a10040')}, UnhealthyPodEvictionPolicy:${ptr(spec['unhealthyPodEvictionPolicy'], 'policy.UnhealthyPodEvictionPolicyType', '0xc000a10060')}}`,
  );
}

/** `ValidatePositiveIntOrPercent` and `IsNotMoreThan100Percent` of one field. */
function validateBudgetValue(c: Causes, v: unknown, path: string): void {
  if (v === undefined || v === null) return;
  validateIntOrPercent(c, v, path);
  if (typeof v === 'string' && /^[0-9]+%$/.test(v) && intOrPercentValue(v) > 100) c.push(fieldError.invalid(path, goIntOrString(v), 'must not be greater than 100%'));
}

/** `ValidatePodDisruptionBudget`: the spec of a PodDisruptionBudget. */
export function validatePodDisruptionBudget(c: Causes, obj: Obj): void {
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const min = spec['minAvailable'];
  const max = spec['maxUnavailable'];
  if (min !== undefined && min !== null && max !== undefined && max !== null) {
    c.push(fieldError.invalid('spec', goPdbSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  validateBudgetValue(c, min, 'spec.minAvailable');
  validateBudgetValue(c, max, 'spec.maxUnavailable');
  const sel = spec['selector'];
  if (isObj(sel)) validateLabelSelector(c, sel, 'spec.selector');
  const policy = spec['unhealthyPodEvictionPolicy'];
  if (policy !== undefined && policy !== null && !UNHEALTHY_POD_EVICTION_POLICIES.includes(String(policy))) {
    c.push(fieldError.notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
}

/** `ValidatePodDisruptionBudgetStatusUpdate` (policy/v1): the counters are non-negative, conditions well-formed. */
export function validatePodDisruptionBudgetStatus(c: Causes, obj: Obj): void {
  const status = isObj(obj['status']) ? obj['status'] : {};
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
  conditions.forEach((cond, i) => {
    if (!isObj(cond)) return;
    const p = `status.conditions[${i}]`;
    if (!cond['type']) c.push(fieldError.required(`${p}.type`, ''));
    if (!['True', 'False', 'Unknown'].includes(String(cond['status']))) c.push(fieldError.notSupported(`${p}.status`, cond['status'] ?? '', ['False', 'True', 'Unknown']));
    if (!cond['lastTransitionTime']) c.push(fieldError.required(`${p}.lastTransitionTime`, 'must be set'));
    if (!cond['reason']) c.push(fieldError.required(`${p}.reason`, 'must be set'));
  });
  nonNegative(c, status['disruptionsAllowed'], 'status.disruptionsAllowed');
  nonNegative(c, status['currentHealthy'], 'status.currentHealthy');
  nonNegative(c, status['desiredHealthy'], 'status.desiredHealthy');
  nonNegative(c, status['expectedPods'], 'status.expectedPods');
}

