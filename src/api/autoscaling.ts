/**
 * The HorizontalPodAutoscaler (`autoscaling/v2`) as kube-apiserver serves it: defaults
 * (`SetDefaults_HorizontalPodAutoscaler`, `pkg/apis/autoscaling/v2/defaults.go`), validation
 * (`pkg/apis/autoscaling/validation/validation.go`, with its messages) and the Table printer
 * (`printHorizontalPodAutoscaler`, TARGETS like `cpu: 45%/50%`).
 *
 * kube-actors implements the Resource metric source (cpu and memory, Utilization and
 * AverageValue): the other sources (Pods, Object, External, ContainerResource) are refused at
 * validation with a message saying so, never accepted and ignored.
 */
import type { StatusCause } from './types.js';
import { isQuantity, parseQuantity } from './quantity.js';
import { fieldError } from './status.js';
import type { TableColumnDefinition } from './printers-common.js';
import { ageSince } from './printers-common.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** `defaultHPAScaleUpRules`: no stabilization, the larger of 4 pods or 100% every 15 s. */
export function defaultScaleUpRules(): Obj {
  return { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** `defaultHPAScaleDownRules`: a 300 s stabilization window, 100% every 15 s. */
export function defaultScaleDownRules(): Obj {
  return { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function fillRules(rules: unknown, defaults: Obj): Obj {
  if (!isObj(rules)) return defaults;
  const out = { ...rules };
  if (out.selectPolicy === undefined) out.selectPolicy = 'Max';
  if (out.policies === undefined || out.policies === null) out.policies = defaults.policies;
  if (out.stabilizationWindowSeconds === undefined || out.stabilizationWindowSeconds === null) out.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  return out;
}

/** `SetDefaults_HorizontalPodAutoscaler` (v2): minReplicas 1, a cpu 80% metric when none, behavior's rules when behavior is given. */
export function defaultHorizontalPodAutoscaler(hpa: Obj): void {
  const spec = (hpa.spec ??= {}) as Obj;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior = { ...spec.behavior, scaleUp: fillRules(spec.behavior.scaleUp, defaultScaleUpRules()), scaleDown: fillRules(spec.behavior.scaleDown, defaultScaleDownRules()) };
  }
}

const SOURCE_FIELDS: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external' };

function validateTarget(c: StatusCause[], target: unknown, path: string): void {
  const t = isObj(target) ? target : {};
  if (!t.type) c.push(fieldError.required(`${path}.type`, 'must specify a metric target type'));
  else if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) c.push(fieldError.invalid(`${path}.type`, t.type, 'must be either Utilization, Value, or AverageValue'));
  if (t.value !== undefined && !(isQuantity(t.value) && parseQuantity(t.value) > 0)) c.push(fieldError.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t.averageValue !== undefined && !(isQuantity(t.averageValue) && parseQuantity(t.averageValue) > 0)) c.push(fieldError.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t.averageUtilization !== undefined && !(typeof t.averageUtilization === 'number' && t.averageUtilization >= 1)) c.push(fieldError.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
}

function validateMetric(c: StatusCause[], m: unknown, path: string): void {
  const metric = isObj(m) ? m : {};
  const type = metric.type;
  const given = Object.entries(SOURCE_FIELDS).filter(([, field]) => metric[field] !== undefined && metric[field] !== null);
  if (!type) {
    c.push(fieldError.required(`${path}.type`, 'must specify a metric source type'));
    return;
  }
  if (!(type in SOURCE_FIELDS)) {
    c.push(fieldError.notSupported(`${path}.type`, type, ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']));
    return;
  }
  if (given.length > 1 || (given.length === 1 && given[0]![0] !== type)) {
    for (const [t, field] of given) if (t !== type) c.push(fieldError.forbidden(`${path}.${field}`, 'must populate the given metric source only'));
  }
  if (type !== 'Resource') {
    // kube-actors has no custom or external metrics API: refuse, never ignore
    c.push(fieldError.invalid(`${path}.type`, type, 'kube-actors implements only Resource metrics (cpu and memory from metrics.k8s.io); Pods, Object, External and ContainerResource metrics are not supported'));
    return;
  }
  const src = metric.resource;
  if (!isObj(src)) {
    c.push(fieldError.required(`${path}.resource`, 'must populate information for the given metric source'));
    return;
  }
  if (!src.name) c.push(fieldError.required(`${path}.resource.name`, 'must specify a resource name'));
  else if (src.name !== 'cpu' && src.name !== 'memory') c.push(fieldError.notSupported(`${path}.resource.name`, src.name, ['cpu', 'memory']));
  validateTarget(c, src.target, `${path}.resource.target`);
  const t = isObj(src.target) ? src.target : {};
  if (t.averageUtilization === undefined && t.averageValue === undefined) c.push(fieldError.required(`${path}.resource.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (t.averageUtilization !== undefined && t.averageValue !== undefined) c.push(fieldError.forbidden(`${path}.resource.target.averageValue`, 'may not set both a target raw value and a target utilization'));
}

function validateRules(c: StatusCause[], rules: unknown, path: string): void {
  if (!isObj(rules)) return;
  const w = rules.stabilizationWindowSeconds;
  if (typeof w === 'number' && w < 0) c.push(fieldError.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (typeof w === 'number' && w > 3600) c.push(fieldError.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (rules.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) c.push(fieldError.notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  const policies = Array.isArray(rules.policies) ? rules.policies : [];
  if (policies.length === 0) c.push(fieldError.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p: unknown, i: number) => {
    const policy = isObj(p) ? p : {};
    const pp = `${path}.policies[${i}]`;
    if (policy.type !== 'Pods' && policy.type !== 'Percent') c.push(fieldError.notSupported(`${pp}.type`, policy.type ?? '', ['Percent', 'Pods']));
    if (!(typeof policy.value === 'number' && policy.value > 0)) c.push(fieldError.invalid(`${pp}.value`, policy.value ?? 0, 'must be greater than zero'));
    if (!(typeof policy.periodSeconds === 'number' && policy.periodSeconds > 0)) c.push(fieldError.invalid(`${pp}.periodSeconds`, policy.periodSeconds ?? 0, 'must be greater than zero'));
    else if (policy.periodSeconds > 1800) c.push(fieldError.invalid(`${pp}.periodSeconds`, policy.periodSeconds, 'must be less than or equal to 1800'));
  });
}

/** `ValidateHorizontalPodAutoscalerSpec`, with kube-actors' refusal of the metric sources it does not implement. */
export function validateHorizontalPodAutoscaler(c: StatusCause[], hpa: Obj): void {
  const spec = isObj(hpa.spec) ? hpa.spec : {};
  const min = spec.minReplicas;
  if (typeof min === 'number' && min < 1) c.push(fieldError.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (!(typeof max === 'number' && max >= 1)) c.push(fieldError.invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min) c.push(fieldError.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  if (!ref.kind) c.push(fieldError.required('spec.scaleTargetRef.kind', ''));
  else if (typeof ref.kind === 'string' && (ref.kind.includes('/') || ref.kind.includes('%'))) c.push(fieldError.invalid('spec.scaleTargetRef.kind', ref.kind, `may not contain '/'`));
  if (!ref.name) c.push(fieldError.required('spec.scaleTargetRef.name', ''));
  else if (typeof ref.name === 'string' && (ref.name.includes('/') || ref.name.includes('%'))) c.push(fieldError.invalid('spec.scaleTargetRef.name', ref.name, `may not contain '/'`));
  (Array.isArray(spec.metrics) ? spec.metrics : []).forEach((m: unknown, i: number) => validateMetric(c, m, `spec.metrics[${i}]`));
  if (isObj(spec.behavior)) {
    validateRules(c, spec.behavior.scaleUp, 'spec.behavior.scaleUp');
    validateRules(c, spec.behavior.scaleDown, 'spec.behavior.scaleDown');
  }
}

/** `formatHPAMetrics`: `cpu: 45%/50%`, `memory: 100Mi/200Mi`, `<unknown>` before the first measure, `+ N more...` past three. */
function formatHpaTargets(hpa: Obj): string {
  const specs: Obj[] = Array.isArray(hpa.spec?.metrics) ? hpa.spec.metrics : [];
  const statuses: Obj[] = Array.isArray(hpa.status?.currentMetrics) ? hpa.status.currentMetrics : [];
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  specs.forEach((spec, i) => {
    if (spec.type !== 'Resource' || !isObj(spec.resource)) {
      list.push('<unknown>');
      return;
    }
    const name = String(spec.resource.name);
    const target = spec.resource.target ?? {};
    const status = statuses[i]?.resource;
    if (target.averageValue !== undefined) {
      const current = status?.current?.averageValue !== undefined ? String(status.current.averageValue) : '<unknown>';
      list.push(`${name}: ${current}/${String(target.averageValue)}`);
    } else {
      const current = typeof status?.current?.averageUtilization === 'number' ? `${status.current.averageUtilization}%` : '<unknown>';
      const goal = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
      list.push(`${name}: ${current}/${goal}`);
    }
  });
  if (list.length > 3) return `${list.slice(0, 3).join(', ')} + ${list.length - 3} more...`;
  return list.join(', ');
}

/** What the printer takes from printers.ts. */
interface PrinterKit {
  NAME: TableColumnDefinition;
  AGE: TableColumnDefinition;
  col(name: string, type: string, description: string, priority?: number): TableColumnDefinition;
}

/** `printHorizontalPodAutoscaler`: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE. */
export function autoscalingPrinters({ NAME, AGE, col }: PrinterKit): Record<string, { columns: TableColumnDefinition[]; row: (o: Obj, now: number) => { cells: unknown[] } }> {
  return {
    horizontalpodautoscalers: {
      columns: [
        NAME,
        col('Reference', 'string', 'reference to target object'),
        col('Targets', 'string', 'metrics the autoscaler uses and their targets'),
        col('MinPods', 'string', 'the lower limit for the number of pods that can be set by the autoscaler'),
        col('MaxPods', 'integer', 'the upper limit for the number of pods that can be set by the autoscaler'),
        col('Replicas', 'integer', 'current number of pods managed by this autoscaler'),
        AGE,
      ],
      row(o, now) {
        const spec = isObj(o.spec) ? o.spec : {};
        const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
        const min = typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>';
        return {
          cells: [String(o.metadata?.name ?? ''), `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`, formatHpaTargets(o), min, spec.maxReplicas ?? 0, o.status?.currentReplicas ?? 0, ageSince(o.metadata?.creationTimestamp, now)],
        };
      },
    },
  };
}
