/**
 * The HorizontalPodAutoscaler's arithmetic, ported from kube-controller-manager's
 * `pkg/controller/podautoscaler/replica_calculator.go` (GetResourceReplicas,
 * GetRawResourceReplicas, groupPods, the tolerance) and the behavior half of `horizontal.go`
 * (stabilization windows, scaling policies, the limits without a behavior). Pure functions over
 * plain data: the controller (horizontal-pod-autoscaler.ts) feeds them the pods, the metrics and
 * its memory of past recommendations and scale events.
 */
import type { KubeObject } from '../../src/api/types.js';
import { milliCpu, quantityValue } from '../../src/api/quantity.js';

/** The tolerance of the usage ratio (`--horizontal-pod-autoscaler-tolerance`, 0.1). */
const TOLERANCE = 0.1;
/** `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min). */
const CPU_INITIALIZATION_PERIOD_MS = 300_000;
/** `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s). */
const DELAY_OF_INITIAL_READINESS_STATUS_MS = 30_000;
/** `--horizontal-pod-autoscaler-downscale-stabilization` (5 min), for HPAs without a behavior. */
const DOWNSCALE_STABILISATION_WINDOW_MS = 300_000;

/** One pod's metric: the sum over its containers in milli-units, and when and over what window it was sampled. */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

/** Metrics by pod name (`PodMetricsInfo`). */
export type PodMetricsInfo = Map<string, PodMetric>;

type PodLike = KubeObject & { spec?: { containers?: { name: string; resources?: { requests?: Record<string, string | number> } }[] }; status?: Record<string, any> };

/** A resource quantity in milli-units, as `Quantity.MilliValue()`. */
export function milliValue(resource: string, quantity: string | number): number {
  return resource === 'cpu' ? milliCpu(quantity) : quantityValue(quantity) * 1000;
}

/**
 * `groupPods`: ready pods counted; pending and (for cpu) not-yet-ready pods unready; pods without
 * a metric missing; deleted and failed pods ignored.
 */
function groupPods(
  pods: readonly PodLike[],
  metrics: PodMetricsInfo,
  resource: string,
  now: number,
  timeOf: (ts: string) => number,
): { readyPodCount: number; unreadyPods: Set<string>; missingPods: Set<string>; ignoredPods: Set<string> } {
  const unreadyPods = new Set<string>();
  const missingPods = new Set<string>();
  const ignoredPods = new Set<string>();
  let readyPodCount = 0;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      ignoredPods.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      unreadyPods.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missingPods.add(name);
      continue;
    }
    if (resource === 'cpu') {
      let unready: boolean;
      const condition = ((pod.status?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find((c) => c.type === 'Ready');
      const startTime = pod.status?.startTime as string | undefined;
      if (!condition || !startTime) unready = true;
      else {
        const start = timeOf(startTime);
        const transition = timeOf(condition.lastTransitionTime ?? '');
        if (start + CPU_INITIALIZATION_PERIOD_MS > now) {
          // still within the initialisation period: unready, or no full window since the last transition
          unready = condition.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // unready and never ready
          unready = condition.status === 'False' && start + DELAY_OF_INITIAL_READINESS_STATUS_MS > transition;
        }
      }
      if (unready) {
        unreadyPods.add(name);
        continue;
      }
    }
    readyPodCount++;
  }
  return { readyPodCount, unreadyPods, missingPods, ignoredPods };
}

/** `calculatePodRequests`: each pod's total request of the resource (milli-units); throws for a container without one. */
function calculatePodRequests(pods: readonly PodLike[], resource: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    let podSum = 0;
    for (const c of pod.spec?.containers ?? []) {
      const request = c.resources?.requests?.[resource];
      if (request === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      podSum += milliValue(resource, request);
    }
    requests.set(pod.metadata?.name ?? '', podSum);
  }
  return requests;
}

/** `GetResourceUtilizationRatio`: usage over requests of the pods with both, as a ratio to the target and a whole percentage. */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: Map<string, number>,
  targetUtilization: number,
): { usageRatio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let numEntries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    metricsTotal += metric.value;
    requestsTotal += request;
    numEntries++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { usageRatio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / numEntries) };
}

/** `GetMetricUsageRatio`: the average over the target. */
function metricUsageRatio(metrics: PodMetricsInfo, target: number): { usageRatio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { usageRatio: average / target, average };
}

/** The result of a replica calculation: the proposal and the current value (for status). */
export interface ReplicaProposal {
  replicas: number;
  /** Whole percentage of the request (Utilization targets). */
  utilization?: number;
  /** Average per pod, milli-units. */
  rawAverage: number;
  /** The metrics' timestamp. */
  timestamp: number;
}

/** What a calculation works from. */
export interface CalculationInput {
  currentReplicas: number;
  /** The pods the scale's selector selects. */
  pods: readonly PodLike[];
  /** Their metrics (by pod name). */
  metrics: PodMetricsInfo;
  resource: string;
  now: number;
  timeOf(ts: string): number;
  tolerance?: number;
}

function prepare(input: CalculationInput): { metrics: PodMetricsInfo; readyPodCount: number; unreadyPods: Set<string>; missingPods: Set<string>; timestamp: number } {
  if (input.metrics.size === 0) throw new Error(`unable to get metrics for resource ${input.resource}: no metrics returned from resource metrics API`);
  if (input.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(input.metrics);
  const timestamp = Math.min(...[...metrics.values()].map((m) => m.timestamp));
  const { readyPodCount, unreadyPods, missingPods, ignoredPods } = groupPods(input.pods, metrics, input.resource, input.now, input.timeOf);
  for (const name of ignoredPods) metrics.delete(name);
  for (const name of unreadyPods) metrics.delete(name);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  return { metrics, readyPodCount, unreadyPods, missingPods, timestamp };
}

/** `GetResourceReplicas`: the replicas for a target utilization (a percentage of the pods' requests). */
export function getResourceReplicas(input: CalculationInput & { targetUtilization: number }): ReplicaProposal {
  const tolerance = input.tolerance ?? TOLERANCE;
  const { metrics, readyPodCount, unreadyPods, missingPods, timestamp } = prepare(input);
  const requests = calculatePodRequests(input.pods, input.resource);
  const { usageRatio, utilization, rawAverage } = resourceUtilizationRatio(metrics, requests, input.targetUtilization);
  const current = { utilization, rawAverage, timestamp };
  const scaleUpWithUnready = unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missingPods.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= tolerance) return { replicas: input.currentReplicas, ...current };
    return { replicas: Math.ceil(usageRatio * readyPodCount), ...current };
  }
  if (missingPods.size > 0) {
    if (usageRatio < 1.0) {
      // on a scale-down, count the missing pods as using max(100%, target) of their request
      const fallback = Math.max(100, input.targetUtilization);
      for (const name of missingPods) metrics.set(name, { value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100), timestamp, windowMs: 0 });
    } else if (usageRatio > 1.0) {
      for (const name of missingPods) metrics.set(name, { value: 0, timestamp, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of unreadyPods) metrics.set(name, { value: 0, timestamp, windowMs: 0 });
  const { usageRatio: newUsageRatio } = resourceUtilizationRatio(metrics, requests, input.targetUtilization);
  if (Math.abs(1.0 - newUsageRatio) <= tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: input.currentReplicas, ...current };
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > input.currentReplicas) || (newUsageRatio > 1.0 && newReplicas < input.currentReplicas)) {
    return { replicas: input.currentReplicas, ...current };
  }
  return { replicas: newReplicas, ...current };
}

/** `GetRawResourceReplicas` (`calcPlainMetricReplicas`): the replicas for a target average value (milli-units). */
export function getRawResourceReplicas(input: CalculationInput & { targetAverage: number }): ReplicaProposal {
  const tolerance = input.tolerance ?? TOLERANCE;
  const { metrics, readyPodCount, unreadyPods, missingPods, timestamp } = prepare(input);
  const { usageRatio, average } = metricUsageRatio(metrics, input.targetAverage);
  const current = { rawAverage: average, timestamp };
  const scaleUpWithUnready = unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missingPods.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= tolerance) return { replicas: input.currentReplicas, ...current };
    return { replicas: Math.ceil(usageRatio * readyPodCount), ...current };
  }
  if (missingPods.size > 0) {
    if (usageRatio < 1.0) for (const name of missingPods) metrics.set(name, { value: input.targetAverage, timestamp, windowMs: 0 });
    else for (const name of missingPods) metrics.set(name, { value: 0, timestamp, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const name of unreadyPods) metrics.set(name, { value: 0, timestamp, windowMs: 0 });
  const { usageRatio: newUsageRatio } = metricUsageRatio(metrics, input.targetAverage);
  if (Math.abs(1.0 - newUsageRatio) <= tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
    return { replicas: input.currentReplicas, ...current };
  }
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > input.currentReplicas) || (newUsageRatio > 1.0 && newReplicas < input.currentReplicas)) {
    return { replicas: input.currentReplicas, ...current };
  }
  return { replicas: newReplicas, ...current };
}

// ---- behavior: stabilization and rate limits (horizontal.go) --------------------------------

/** A past recommendation (`timestampedRecommendation`). */
export interface Recommendation {
  recommendation: number;
  timestamp: number;
}

/** A past rescale (`timestampedScaleEvent`). */
export interface ScaleEvent {
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}

/** A scaling policy of a behavior. */
export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** One direction of a behavior (defaults applied). */
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: readonly ScalingPolicy[];
}

/** What a limit is: the replicas and the ScalingLimited condition's reason and message. */
export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

const WITHIN_RANGE = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

/** `calculateScaleUpLimit`: without a behavior, at most double or 4, whichever is more. */
export function calculateScaleUpLimit(currentReplicas: number): number {
  return Math.max(2 * currentReplicas, 4);
}

/** `stabilizeRecommendation` (no behavior): the highest recommendation of the last 5 minutes. Records the new one. */
export function stabilizeRecommendation(recommendations: Recommendation[], desired: number, now: number): number {
  let max = desired;
  let foundOldSample = false;
  let oldSampleIndex = 0;
  const cutoff = now - DOWNSCALE_STABILISATION_WINDOW_MS;
  recommendations.forEach((rec, i) => {
    if (rec.timestamp < cutoff) {
      foundOldSample = true;
      oldSampleIndex = i;
    } else if (rec.recommendation > max) max = rec.recommendation;
  });
  if (foundOldSample) recommendations[oldSampleIndex] = { recommendation: desired, timestamp: now };
  else recommendations.push({ recommendation: desired, timestamp: now });
  return max;
}

/** `convertDesiredReplicasWithRules` (no behavior): clamp to min, max and the scale-up limit. */
export function convertDesiredReplicasWithRules(currentReplicas: number, desired: number, min: number, max: number): Limited {
  const scaleUpLimit = calculateScaleUpLimit(currentReplicas);
  let maximumAllowed: number;
  let limit: { reason: string; message: string };
  if (max > scaleUpLimit) {
    maximumAllowed = scaleUpLimit;
    limit = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  } else {
    maximumAllowed = max;
    limit = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  }
  if (desired < min) return { replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maximumAllowed) return { replicas: maximumAllowed, ...limit };
  return { replicas: desired, ...WITHIN_RANGE };
}

/** `stabilizeRecommendationWithBehaviors`: between the lowest recommendation of the up window and the highest of the down window. Records the new one. */
export function stabilizeRecommendationWithBehaviors(
  recommendations: Recommendation[],
  args: { currentReplicas: number; desiredReplicas: number; scaleUp: ScalingRules; scaleDown: ScalingRules },
  now: number,
): { replicas: number; reason: string; message: string } {
  let upRecommendation = args.desiredReplicas;
  let downRecommendation = args.desiredReplicas;
  const upCutoff = now - args.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - args.scaleDown.stabilizationWindowSeconds * 1000;
  let foundOldSample = false;
  let oldSampleIndex = 0;
  recommendations.forEach((rec, i) => {
    if (rec.timestamp > upCutoff) upRecommendation = Math.min(rec.recommendation, upRecommendation);
    if (rec.timestamp > downCutoff) downRecommendation = Math.max(rec.recommendation, downRecommendation);
    if (rec.timestamp < upCutoff && rec.timestamp < downCutoff) {
      foundOldSample = true;
      oldSampleIndex = i;
    }
  });
  let recommendation = args.currentReplicas;
  if (recommendation < upRecommendation) recommendation = upRecommendation;
  if (recommendation > downRecommendation) recommendation = downRecommendation;
  if (foundOldSample) recommendations[oldSampleIndex] = { recommendation: args.desiredReplicas, timestamp: now };
  else recommendations.push({ recommendation: args.desiredReplicas, timestamp: now });
  return args.desiredReplicas >= args.currentReplicas
    ? { replicas: recommendation, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
    : { replicas: recommendation, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
}

/** `getReplicasChangePerPeriod`: the replicas changed by the events of the last `periodSeconds`. */
function replicasChangePerPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const e of events) if (e.timestamp > cutoff) replicas += e.replicaChange;
  return replicas;
}

/** `calculateScaleUpLimitWithScalingRules`. */
export function scaleUpLimitWithRules(currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const policy of rules.policies) {
    const periodStart = currentReplicas - replicasChangePerPeriod(policy.periodSeconds, upEvents, now) + replicasChangePerPeriod(policy.periodSeconds, downEvents, now);
    const proposed = policy.type === 'Pods' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** `calculateScaleDownLimitWithBehaviors`. */
export function scaleDownLimitWithRules(currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const policy of rules.policies) {
    const periodStart = currentReplicas - replicasChangePerPeriod(policy.periodSeconds, upEvents, now) + replicasChangePerPeriod(policy.periodSeconds, downEvents, now);
    const proposed = policy.type === 'Pods' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** `convertDesiredReplicasWithBehaviorRate`: the policies' rate limits and min/max. */
export function convertDesiredReplicasWithBehaviorRate(
  args: { currentReplicas: number; desiredReplicas: number; minReplicas: number; maxReplicas: number; scaleUp: ScalingRules; scaleDown: ScalingRules },
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  now: number,
): Limited {
  if (args.desiredReplicas > args.currentReplicas) {
    const scaleUpLimit = Math.max(args.currentReplicas, scaleUpLimitWithRules(args.currentReplicas, upEvents, downEvents, args.scaleUp, now));
    if (args.maxReplicas > scaleUpLimit) {
      if (args.desiredReplicas > scaleUpLimit) return { replicas: scaleUpLimit, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
    } else if (args.desiredReplicas > args.maxReplicas) {
      return { replicas: args.maxReplicas, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
    }
  } else if (args.desiredReplicas < args.currentReplicas) {
    const scaleDownLimit = Math.min(args.currentReplicas, scaleDownLimitWithRules(args.currentReplicas, upEvents, downEvents, args.scaleDown, now));
    if (args.minReplicas < scaleDownLimit) {
      if (args.desiredReplicas < scaleDownLimit) return { replicas: scaleDownLimit, reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
    } else if (args.desiredReplicas < args.minReplicas) {
      return { replicas: args.minReplicas, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
    }
  }
  return { replicas: args.desiredReplicas, ...WITHIN_RANGE };
}

/** `storeScaleEvent`: records a rescale, reusing an entry older than the longest policy period. */
export function storeScaleEvent(events: ScaleEvent[], rules: ScalingRules | undefined, change: number, now: number): void {
  const longest = Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));
  const cutoff = now - longest * 1000;
  let reuse = -1;
  events.forEach((e, i) => {
    if (e.timestamp < cutoff) e.outdated = true;
    if (e.outdated && reuse < 0) reuse = i;
  });
  const event = { replicaChange: change, timestamp: now, outdated: false };
  if (reuse >= 0) events[reuse] = event;
  else events.push(event);
}
