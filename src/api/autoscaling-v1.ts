/**
 * The `autoscaling/v1` HorizontalPodAutoscaler, served as kube-apiserver serves it: the same
 * objects as `autoscaling/v2` (which is what is stored), converted on the way in and out by the
 * conversion of `pkg/apis/autoscaling/v1/conversion.go`:
 *
 * - `spec.targetCPUUtilizationPercentage` is the Resource `cpu` metric with a Utilization target;
 *   with none and no other metric, the conversion adds the implicit 80% cpu metric;
 * - the other metrics go in the `autoscaling.alpha.kubernetes.io/metrics` annotation (as v1
 *   `MetricSpec`s: `targetAverageUtilization`, `targetAverageValue`, `metricName`, ...), the
 *   current metrics in `autoscaling.alpha.kubernetes.io/current-metrics` (all of them, also the
 *   cpu one, for its raw value), the conditions in `autoscaling.alpha.kubernetes.io/conditions`
 *   and the behavior in `autoscaling.alpha.kubernetes.io/behavior` (the internal type marshaled
 *   without JSON tags, so with Go's field names: `{"ScaleUp":{"StabilizationWindowSeconds":0,...}}`);
 * - on the way in, those annotations are read back (a malformed one is ignored, as the real
 *   conversion ignores it) and dropped.
 *
 * The functions here are pure: the HTTP layer (`src/http/autoscaling-v1.ts`) calls them around
 * the API server, which only knows `autoscaling/v2`.
 */
import type { ResourceInfo } from './resources.js';
import { resourceForGroupResource } from './resources.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** `MetricSpecsAnnotation`: the metrics other than the cpu utilization one, as v1 MetricSpecs. */
export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
/** `MetricStatusesAnnotation`: every current metric, as v1 MetricStatuses. */
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
/** `HorizontalPodAutoscalerConditionsAnnotation`: the status conditions. */
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
/** `BehaviorSpecsAnnotation`: the behavior, as the internal type (Go field names). */
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** `autoscaling.DefaultCPUUtilization`. */
const DEFAULT_CPU_UTILIZATION = 80;

const v2 = resourceForGroupResource('autoscaling', 'horizontalpodautoscalers');
if (!v2) throw new Error('the registry has no horizontalpodautoscalers.autoscaling');

/** The stored (and preferred) version's registry entry: `autoscaling/v2` HorizontalPodAutoscaler. */
export const HPA_V2: ResourceInfo = v2;

/** The `autoscaling/v1` HorizontalPodAutoscaler: discovery lists it beside v2, which stays preferred. */
export const HPA_V1: ResourceInfo = Object.freeze({
  ...v2,
  version: 'v1',
  apiVersion: 'autoscaling/v1',
  subresources: Object.freeze(v2.subresources.map((s) => Object.freeze({ ...s, responseKind: Object.freeze({ ...s.responseKind, version: 'v1' }) }))),
});

/** True for the autoscaling/v1 HorizontalPodAutoscaler entry. */
export function isHpaV1(info: ResourceInfo | undefined): boolean {
  return info === HPA_V1;
}

function dropRoundTrip(annotations: unknown): Obj | undefined {
  if (!isObj(annotations)) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(annotations)) if (!ROUND_TRIP.includes(k)) out[k] = v;
  return out;
}

const put = (o: Obj, k: string, v: unknown): void => {
  if (v !== undefined && v !== null) o[k] = v;
};

// ---- v2 -> v1 ------------------------------------------------------------------------------------

function ref(r: unknown): Obj {
  const x = isObj(r) ? r : {};
  const out: Obj = { kind: x.kind ?? '', name: x.name ?? '' };
  put(out, 'apiVersion', x.apiVersion);
  return out;
}

/** `Convert_autoscaling_MetricSpec_To_v1_MetricSpec`. */
function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const t: Obj = isObj(m[sourceKey(m.type)]?.target) ? m[sourceKey(m.type)].target : {};
  const metric: Obj = isObj(m[sourceKey(m.type)]?.metric) ? m[sourceKey(m.type)].metric : {};
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const src = m[sourceKey(m.type)] ?? {};
      const r: Obj = { name: src.name ?? '' };
      put(r, 'targetAverageUtilization', t.averageUtilization);
      put(r, 'targetAverageValue', t.averageValue);
      if (m.type === 'ContainerResource') r.container = src.container ?? '';
      out[sourceKey(m.type)] = r;
      break;
    }
    case 'Pods': {
      const p: Obj = { metricName: metric.name ?? '', targetAverageValue: t.averageValue ?? '0' };
      put(p, 'selector', metric.selector);
      out.pods = p;
      break;
    }
    case 'Object': {
      const o: Obj = { target: ref(m.object?.describedObject), metricName: metric.name ?? '', targetValue: t.value ?? '0' };
      put(o, 'selector', metric.selector);
      put(o, 'averageValue', t.averageValue);
      out.object = o;
      break;
    }
    case 'External': {
      const e: Obj = { metricName: metric.name ?? '' };
      put(e, 'metricSelector', metric.selector);
      put(e, 'targetValue', t.value);
      put(e, 'targetAverageValue', t.averageValue);
      out.external = e;
      break;
    }
  }
  return out;
}

/** `Convert_autoscaling_MetricStatus_To_v1_MetricStatus`. */
function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const src: Obj = isObj(m[sourceKey(m.type)]) ? m[sourceKey(m.type)] : {};
  const c: Obj = isObj(src.current) ? src.current : {};
  const metric: Obj = isObj(src.metric) ? src.metric : {};
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const r: Obj = { name: src.name ?? '' };
      put(r, 'currentAverageUtilization', c.averageUtilization);
      r.currentAverageValue = c.averageValue ?? '0';
      if (m.type === 'ContainerResource') r.container = src.container ?? '';
      out[sourceKey(m.type)] = r;
      break;
    }
    case 'Pods': {
      const p: Obj = { metricName: metric.name ?? '', currentAverageValue: c.averageValue ?? '0' };
      put(p, 'selector', metric.selector);
      out.pods = p;
      break;
    }
    case 'Object': {
      const o: Obj = { target: ref(src.describedObject), metricName: metric.name ?? '', currentValue: c.value ?? '0' };
      put(o, 'selector', metric.selector);
      put(o, 'averageValue', c.averageValue);
      out.object = o;
      break;
    }
    case 'External': {
      const e: Obj = { metricName: metric.name ?? '' };
      put(e, 'metricSelector', metric.selector);
      e.currentValue = c.value ?? '0';
      put(e, 'currentAverageValue', c.averageValue);
      out.external = e;
      break;
    }
  }
  return out;
}

function sourceKey(type: unknown): string {
  switch (type) {
    case 'Resource':
      return 'resource';
    case 'ContainerResource':
      return 'containerResource';
    case 'Pods':
      return 'pods';
    case 'Object':
      return 'object';
    case 'External':
      return 'external';
    default:
      return '';
  }
}

/** The internal HPAScalingRules as `json.Marshal` writes it (no JSON tags: Go's field names, nil as null). */
function rulesToInternal(r: unknown): Obj | null {
  if (!isObj(r)) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: Array.isArray(r.policies) ? r.policies.map((p: Obj) => ({ Type: p?.type ?? '', Value: p?.value ?? 0, PeriodSeconds: p?.periodSeconds ?? 0 })) : null,
  };
}

const isCpuUtilization = (m: Obj): boolean => m?.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu' && m.resource.target?.averageUtilization !== undefined && m.resource.target?.averageUtilization !== null;

/** `Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler`: a stored (v2) object as autoscaling/v1 shows it. */
export function hpaToV1(hpa: Obj): Obj {
  const spec: Obj = isObj(hpa.spec) ? hpa.spec : {};
  const status: Obj = isObj(hpa.status) ? hpa.status : {};
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const currentMetrics: Obj[] = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];
  const metadata: Obj = { ...(isObj(hpa.metadata) ? hpa.metadata : {}) };
  const annotations = dropRoundTrip(metadata.annotations) ?? {};
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecToV1);
  if (others.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(others);
  if (currentMetrics.length > 0) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (isObj(spec.behavior)) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToInternal(spec.behavior.scaleUp), ScaleDown: rulesToInternal(spec.behavior.scaleDown) });
  if (conditions.length > 0) {
    annotations[CONDITIONS_ANNOTATION] = JSON.stringify(
      conditions.map((c) => {
        const out: Obj = { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime ?? null };
        put(out, 'reason', c.reason || undefined);
        put(out, 'message', c.message || undefined);
        return out;
      }),
    );
  }
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;

  const v1Spec: Obj = { scaleTargetRef: ref(spec.scaleTargetRef) };
  put(v1Spec, 'minReplicas', spec.minReplicas);
  v1Spec.maxReplicas = spec.maxReplicas ?? 0;
  const cpu = metrics.find(isCpuUtilization);
  if (cpu) v1Spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;

  const v1Status: Obj = {};
  put(v1Status, 'observedGeneration', status.observedGeneration);
  put(v1Status, 'lastScaleTime', status.lastScaleTime);
  v1Status.currentReplicas = status.currentReplicas ?? 0;
  v1Status.desiredReplicas = status.desiredReplicas ?? 0;
  for (const m of currentMetrics) {
    const u = m?.type === 'Resource' && m.resource?.name === 'cpu' ? m.resource.current?.averageUtilization : undefined;
    if (u !== undefined && u !== null) v1Status.currentCPUUtilizationPercentage = u;
  }
  return { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata, spec: v1Spec, status: v1Status };
}

/** A stored object, or a list of them, as autoscaling/v1 answers it; anything else (a Status) unchanged. */
export function answerAsV1(body: unknown): unknown {
  if (!isObj(body)) return body;
  if (body.kind === 'HorizontalPodAutoscaler') return hpaToV1(body);
  if (body.kind === 'HorizontalPodAutoscalerList' && Array.isArray(body.items)) {
    return { ...body, apiVersion: 'autoscaling/v1', items: body.items.map((i: Obj) => hpaToV1(i)) };
  }
  return body;
}

// ---- v1 -> v2 ------------------------------------------------------------------------------------

/** A v2 MetricIdentifier from a v1 metric's name and selector. */
function metricIdentifier(name: unknown, selector: unknown): Obj {
  const id: Obj = { name: name ?? '' };
  put(id, 'selector', selector);
  return id;
}

/** `Convert_v1_MetricSpec_To_autoscaling_MetricSpec`. */
function metricSpecToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const key = sourceKey(m.type);
  const src: Obj = isObj(m[key]) ? m[key] : {};
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const target: Obj = { type: src.targetAverageUtilization === undefined || src.targetAverageUtilization === null ? 'AverageValue' : 'Utilization' };
      put(target, 'averageUtilization', src.targetAverageUtilization);
      put(target, 'averageValue', src.targetAverageValue);
      out[key] = { name: src.name ?? '', ...(m.type === 'ContainerResource' ? { container: src.container ?? '' } : {}), target };
      break;
    }
    case 'Pods':
      out.pods = { metric: metricIdentifier(src.metricName, src.selector), target: { type: 'AverageValue', averageValue: src.targetAverageValue ?? '0' } };
      break;
    case 'Object': {
      const target: Obj = { type: src.averageValue === undefined || src.averageValue === null ? 'Value' : 'AverageValue', value: src.targetValue ?? '0' };
      put(target, 'averageValue', src.averageValue);
      out.object = { describedObject: ref(src.target), metric: metricIdentifier(src.metricName, src.selector), target };
      break;
    }
    case 'External': {
      const target: Obj = { type: src.targetValue === undefined || src.targetValue === null ? 'AverageValue' : 'Value' };
      put(target, 'value', src.targetValue);
      put(target, 'averageValue', src.targetAverageValue);
      out.external = { metric: metricIdentifier(src.metricName, src.metricSelector), target };
      break;
    }
  }
  return out;
}

/** `Convert_v1_MetricStatus_To_autoscaling_MetricStatus`. */
function metricStatusToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const key = sourceKey(m.type);
  const src: Obj = isObj(m[key]) ? m[key] : {};
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const current: Obj = { averageValue: src.currentAverageValue ?? '0' };
      put(current, 'averageUtilization', src.currentAverageUtilization);
      out[key] = { name: src.name ?? '', ...(m.type === 'ContainerResource' ? { container: src.container ?? '' } : {}), current };
      break;
    }
    case 'Pods':
      out.pods = { metric: metricIdentifier(src.metricName, src.selector), current: { averageValue: src.currentAverageValue ?? '0' } };
      break;
    case 'Object': {
      const current: Obj = { value: src.currentValue ?? '0' };
      put(current, 'averageValue', src.averageValue);
      out.object = { describedObject: ref(src.target), metric: metricIdentifier(src.metricName, src.selector), current };
      break;
    }
    case 'External': {
      const current: Obj = { value: src.currentValue ?? '0' };
      put(current, 'averageValue', src.currentAverageValue);
      out.external = { metric: metricIdentifier(src.metricName, src.metricSelector), current };
      break;
    }
  }
  return out;
}

/** Go's `json.Unmarshal` of an annotation: undefined when it is not valid JSON of the expected shape. */
function parseAnnotation(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // the real conversion ignores an annotation it cannot read (`if err := json.Unmarshal(...); err == nil`)
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Go's case-insensitive field match of `encoding/json`, for the internal behavior type (no JSON tags). */
function field(o: Obj, name: string): unknown {
  const lower = name.toLowerCase();
  let found: unknown;
  for (const [k, v] of Object.entries(o)) {
    if (k === name) return v;
    if (found === undefined && k.toLowerCase() === lower) found = v;
  }
  return found;
}

function rulesFromInternal(r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined;
  const out: Obj = {};
  put(out, 'stabilizationWindowSeconds', field(r, 'StabilizationWindowSeconds'));
  put(out, 'selectPolicy', field(r, 'SelectPolicy'));
  const policies = field(r, 'Policies');
  if (Array.isArray(policies)) {
    out.policies = policies.filter(isObj).map((p) => ({ type: field(p, 'Type') ?? '', value: field(p, 'Value') ?? 0, periodSeconds: field(p, 'PeriodSeconds') ?? 0 }));
  }
  return out;
}

/**
 * `Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler`: an autoscaling/v1
 * body as the v2 object the API server stores. Fields v1 does not have are left where they are
 * (the caller has checked them); type errors of the fields carried over are the API server's to
 * report.
 */
export function hpaFromV1(body: Obj): Obj {
  const out: Obj = { ...body, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };
  const metadata: Obj | undefined = isObj(body.metadata) ? { ...body.metadata } : undefined;
  const annotations: Obj = isObj(metadata?.annotations) ? metadata.annotations : {};
  if (isObj(body.spec)) {
    const { targetCPUUtilizationPercentage: cpu, ...rest } = body.spec;
    const spec: Obj = { ...rest };
    const metrics: Obj[] = [];
    const others = parseAnnotation(annotations[METRIC_SPECS_ANNOTATION]);
    if (Array.isArray(others) && others.every(isObj)) metrics.push(...others.map(metricSpecToV2));
    if (cpu !== undefined && cpu !== null) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } });
    // autoscaling/v1 formerly had an implicit default applied in the controller: it is explicit here
    if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });
    spec.metrics = metrics;
    const behavior = parseAnnotation(annotations[BEHAVIOR_ANNOTATION]);
    if (isObj(behavior)) {
      const scaleUp = rulesFromInternal(field(behavior, 'ScaleUp'));
      const scaleDown = rulesFromInternal(field(behavior, 'ScaleDown'));
      if (scaleUp || scaleDown) spec.behavior = { ...(scaleUp ? { scaleUp } : {}), ...(scaleDown ? { scaleDown } : {}) };
    }
    out.spec = spec;
  }
  const currentMetrics = parseAnnotation(annotations[METRIC_STATUSES_ANNOTATION]);
  const conditions = parseAnnotation(annotations[CONDITIONS_ANNOTATION]);
  if (isObj(body.status) || currentMetrics !== undefined || conditions !== undefined) {
    const { currentCPUUtilizationPercentage: cpu, ...rest } = isObj(body.status) ? body.status : ({} as Obj);
    const status: Obj = { ...rest };
    if (Array.isArray(currentMetrics) && currentMetrics.every(isObj)) {
      // the annotation has more information than the cpu percentage
      status.currentMetrics = currentMetrics.map(metricStatusToV2);
    } else if (cpu !== undefined && cpu !== null) {
      status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }];
    }
    if (Array.isArray(conditions) && conditions.every(isObj)) status.conditions = conditions;
    out.status = status;
  }
  if (metadata) {
    const kept = dropRoundTrip(metadata.annotations);
    if (kept && Object.keys(kept).length > 0) metadata.annotations = kept;
    else delete metadata.annotations;
    out.metadata = metadata;
  }
  return out;
}

const V1_FIELDS: Record<string, readonly string[]> = {
  '': ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
  spec: ['scaleTargetRef', 'minReplicas', 'maxReplicas', 'targetCPUUtilizationPercentage'],
  'spec.scaleTargetRef': ['kind', 'name', 'apiVersion'],
  status: ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas', 'currentCPUUtilizationPercentage'],
};

/**
 * The fields of an autoscaling/v1 body that autoscaling/v1 does not have (`spec.metrics`, ...),
 * as the strict decoder names them; `metadata` is left to the API server.
 */
export function unknownV1Fields(body: Obj): string[] {
  const found: string[] = [];
  for (const [path, known] of Object.entries(V1_FIELDS)) {
    const at = path === '' ? body : path.split('.').reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), body);
    if (!isObj(at)) continue;
    for (const k of Object.keys(at)) if (!known.includes(k)) found.push(path === '' ? k : `${path}.${k}`);
  }
  return found;
}

/** `body` without the fields {@link unknownV1Fields} names (`fieldValidation=Ignore` or `Warn`). */
export function withoutUnknownV1Fields(body: Obj, unknown: readonly string[]): Obj {
  const out = structuredClone(body);
  for (const path of unknown) {
    const keys = path.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), out);
    if (isObj(parent)) delete parent[last];
  }
  return out;
}
