/**
 * The horizontal pod autoscaler (`pkg/controller/podautoscaler/horizontal.go`,
 * kube-controller-manager's `horizontalpodautoscaling`): every 15 s (its resync period, in
 * virtual time) each HorizontalPodAutoscaler is reconciled. `sync` reads the target's scale
 * subresource (Deployment, ReplicaSet, StatefulSet, ReplicationController), lists the selected
 * pods' metrics from the resource metrics API (`metrics.k8s.io`), computes the replicas each
 * Resource metric proposes (replica-calculator.ts: Utilization and AverageValue for cpu and
 * memory, the 0.1 tolerance, missing and unready pods), takes the largest, stabilizes and limits
 * it (the `behavior` stanza, or without one the 5 min downscale window and the double-or-4
 * scale-up limit), clamps it to min/max, writes the scale when it changed (event
 * `SuccessfulRescale`) and the status: currentReplicas, desiredReplicas, currentMetrics,
 * lastScaleTime and the AbleToScale, ScalingActive and ScalingLimited conditions with the real
 * reasons and messages.
 *
 * Handlers only queue keys: an HPA's own changes and the periodic resync. The controller's memory
 * (past recommendations and scale events) is lost on restart, as the real one's is.
 */
import type { KubeObject } from '../../src/api/types.js';
import { resourceForKind } from '../../src/api/resources.js';
import { defaultScaleDownRules, defaultScaleUpRules } from '../../src/api/autoscaling.js';
import type { ApiResponse } from '../protocol.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import {
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  getRawResourceReplicas,
  getResourceReplicas,
  milliValue,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  storeScaleEvent,
  type PodMetricsInfo,
  type Recommendation,
  type ScaleEvent,
  type ScalingRules,
} from './replica-calculator.js';

/** The controller's name (address `controller-manager/horizontal-pod-autoscaler`). */
const HPA_CONTROLLER = 'horizontal-pod-autoscaler';

/** `--horizontal-pod-autoscaler-sync-period` (15 s). */
const RESYNC_PERIOD_MS = 15_000;

type Obj = KubeObject & Record<string, any>;
type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime?: string };

interface HpaState {
  recommendations: Map<string, Recommendation[]>;
  scaleUpEvents: Map<string, ScaleEvent[]>;
  scaleDownEvents: Map<string, ScaleEvent[]>;
  /** When each HPA is next processed (every resync period). */
  due: Map<string, number>;
}

type HpaWatches = { hpas: ReturnType<typeof watch<Obj>>; pods: ReturnType<typeof watch<Obj>> };
type Ctx = SyncContext<HpaWatches & Watches, HpaState, Record<string, unknown>>;

const HPAS = { resource: 'horizontalpodautoscalers', group: 'autoscaling' };

/** Sets a condition, keeping its lastTransitionTime when its status did not change (`setConditionInList`). */
function setCondition(status: Obj, type: string, value: 'True' | 'False', reason: string, message: string, now: string): void {
  const conditions: Condition[] = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status !== value) existing.lastTransitionTime = now;
    existing.status = value;
    existing.reason = reason;
    existing.message = message;
  } else conditions.push({ type, status: value, lastTransitionTime: now, reason, message });
}

/** A milli-value as a canonical decimal quantity (`90m`, `200M`, `104857600`). */
function milliQuantity(milli: number): string {
  if (milli % 1000 !== 0) return `${milli}m`;
  let value = milli / 1000;
  for (const suffix of ['', 'k', 'M', 'G', 'T']) {
    if (value % 1000 !== 0 || value === 0 || suffix === 'T') return `${value}${suffix}`;
    value /= 1000;
  }
  return String(value);
}

function parseSelector(text: string): Record<string, string> | undefined {
  if (text === '') return {};
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function matches(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The rules of one direction of a behavior, defaults applied. */
function rulesOf(rules: unknown, defaults: Obj): ScalingRules {
  const r = (rules ?? {}) as Obj;
  return {
    stabilizationWindowSeconds: typeof r.stabilizationWindowSeconds === 'number' ? r.stabilizationWindowSeconds : defaults.stabilizationWindowSeconds,
    selectPolicy: r.selectPolicy ?? 'Max',
    policies: Array.isArray(r.policies) ? r.policies : defaults.policies,
  };
}

function sync(key: string, ctx: Ctx): void {
  const hpa = ctx.get('hpas', key);
  if (!hpa || hpa.metadata?.deletionTimestamp) {
    ctx.state.recommendations.delete(key);
    ctx.state.scaleUpEvents.delete(key);
    ctx.state.scaleDownEvents.delete(key);
    ctx.state.due.delete(key);
    return;
  }
  // the HPA queue's rate limiter is a fixed interval (NewDefaultHPARateLimiter): whatever queued
  // the key (a change, the status this controller wrote, a failure), it is processed once per
  // resync period
  const due = ctx.state.due.get(key);
  if (due !== undefined && ctx.now() < due) {
    ctx.requeueAfter(due - ctx.now());
    return;
  }
  ctx.state.due.set(key, ctx.now() + RESYNC_PERIOD_MS);
  ctx.requeueAfter(RESYNC_PERIOD_MS);
  if (due === undefined) return;
  const { namespace } = splitKey(key);
  const original = JSON.stringify(hpa.status ?? {});
  const status: Obj = structuredClone(hpa.status ?? {}) as Obj;
  const stamp = ctx.timestamp();
  const spec = hpa.spec ?? {};
  const ref = spec.scaleTargetRef ?? {};
  const writeStatus = (): void => {
    if (JSON.stringify(status) === original) return;
    ctx.client.updateStatus(HPAS, { ...hpa, status } as KubeObject, { ignore: [404, 409] });
  };
  const failScale = (message: string): void => {
    setCondition(status, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`, stamp);
    ctx.recordEvent(hpa, 'Warning', 'FailedGetScale', message);
    writeStatus();
  };
  const info = resourceForKind(ref.apiVersion ?? '', ref.kind ?? '');
  if (!info || !info.subresources.some((s) => s.name === 'scale')) {
    failScale(`no matches for kind "${ref.kind}" in group "${String(ref.apiVersion ?? '').split('/').slice(0, -1).join('/')}"`);
    return;
  }
  ctx.client.request(
    { verb: 'get', resource: info.plural, group: info.group, namespace, name: ref.name, subresource: 'scale' },
    {
      ignore: true,
      onResponse: (res: ApiResponse) => {
        if (res.code !== 200) {
          failScale(String((res.body as { message?: string }).message ?? `status ${res.code}`));
          return;
        }
        const scale = res.body as Obj;
        setCondition(status, 'AbleToScale', 'True', 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale', stamp);
        reconcile(key, ctx, hpa, status, scale, info, writeStatus);
      },
    },
  );
}

function reconcile(key: string, ctx: Ctx, hpa: Obj, status: Obj, scale: Obj, info: { plural: string; group: string }, writeStatus: () => void): void {
  const { namespace } = splitKey(key);
  const spec = hpa.spec ?? {};
  const stamp = ctx.timestamp();
  const now = ctx.now();
  const currentReplicas: number = scale.spec?.replicas ?? 0;
  const minReplicas: number = spec.minReplicas ?? 1;
  const maxReplicas: number = spec.maxReplicas;
  if (!ctx.state.recommendations.has(key)) ctx.state.recommendations.set(key, [{ recommendation: currentReplicas, timestamp: now }]);
  const finish = (desiredReplicas: number, rescaleReason: string, metricStatuses: Obj[] | undefined): void => {
    const rescale = desiredReplicas !== currentReplicas;
    const setStatus = (scaled: boolean): void => {
      status.currentReplicas = currentReplicas;
      status.desiredReplicas = desiredReplicas;
      if (metricStatuses !== undefined) {
        if (metricStatuses.length > 0) status.currentMetrics = metricStatuses;
        else delete status.currentMetrics;
      }
      if (scaled) status.lastScaleTime = stamp;
      writeStatus();
    };
    if (!rescale) {
      setStatus(false);
      return;
    }
    ctx.client.request(
      { verb: 'update', resource: info.plural, group: info.group, namespace, name: scale.metadata?.name, subresource: 'scale', body: { ...scale, spec: { ...scale.spec, replicas: desiredReplicas } } },
      {
        ignore: true,
        onResponse: (res: ApiResponse) => {
          if (res.code !== 200) {
            const message = String((res.body as { message?: string }).message ?? `status ${res.code}`);
            setCondition(status, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`, stamp);
            ctx.recordEvent(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`);
            status.currentReplicas = currentReplicas;
            writeStatus();
            return;
          }
          setCondition(status, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`, stamp);
          ctx.recordEvent(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
          const behavior = spec.behavior;
          if (behavior) {
            if (desiredReplicas > currentReplicas) storeScaleEvent(eventsOf(ctx.state.scaleUpEvents, key), rulesOf(behavior.scaleUp, defaultScaleUpRules()), desiredReplicas - currentReplicas, now);
            else storeScaleEvent(eventsOf(ctx.state.scaleDownEvents, key), rulesOf(behavior.scaleDown, defaultScaleDownRules()), currentReplicas - desiredReplicas, now);
          }
          setStatus(true);
        },
      },
    );
  };

  if (currentReplicas === 0 && minReplicas !== 0) {
    setCondition(status, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', stamp);
    finish(0, '', undefined);
    return;
  }
  if (currentReplicas > maxReplicas) return finish(maxReplicas, 'Current number of replicas above Spec.MaxReplicas', undefined);
  if (currentReplicas < minReplicas) return finish(minReplicas, 'Current number of replicas below Spec.MinReplicas', undefined);

  const selector = parseSelector(String(scale.status?.selector ?? ''));
  if (!selector) {
    setCondition(status, 'ScalingActive', 'False', 'InvalidSelector', `couldn't convert selector into a corresponding internal selector object: ${String(scale.status?.selector)}`, stamp);
    ctx.recordEvent(hpa, 'Warning', 'InvalidSelector', `couldn't convert selector into a corresponding internal selector object: ${String(scale.status?.selector)}`);
    status.currentReplicas = currentReplicas;
    writeStatus();
    return;
  }
  const pods = ctx.list('pods', (p) => p.metadata?.namespace === namespace && matches(p.metadata?.labels, selector));
  ctx.client.list(
    { resource: 'pods', group: 'metrics.k8s.io' },
    namespace,
    {
      labelSelector: String(scale.status?.selector ?? ''),
      ignore: true,
      onResponse: (res: ApiResponse) => {
        const items = res.code === 200 ? (((res.body as { items?: Obj[] }).items ?? [])) : [];
        const metricsError = res.code === 200 ? undefined : String((res.body as { message?: string }).message ?? `status ${res.code}`);
        let desired = -1;
        let metricName = '';
        let invalid = 0;
        let firstError = '';
        const statuses: Obj[] = [];
        const metrics: Obj[] = spec.metrics ?? [];
        for (const m of metrics) {
          const resource = String(m.resource?.name);
          const target = m.resource?.target ?? {};
          const byPod: PodMetricsInfo = new Map();
          for (const pm of items) {
            let value = 0;
            for (const c of (pm.containers ?? []) as Obj[]) value += milliValue(resource, c.usage?.[resource] ?? 0);
            byPod.set(String(pm.metadata?.name), { value, timestamp: ctx.timeOf(pm.timestamp), windowMs: Number.parseFloat(String(pm.window ?? '15s')) * 1000 });
          }
          const utilization = target.averageUtilization !== undefined;
          const kind = utilization ? 'utilization' : 'resource metric value';
          try {
            if (metricsError) throw new Error(`unable to get metrics for resource ${resource}: ${metricsError}`);
            const input = { currentReplicas, pods, metrics: byPod, resource, now: ctx.now(), timeOf: (ts: string) => ctx.timeOf(ts) };
            const proposal = utilization
              ? getResourceReplicas({ ...input, targetUtilization: target.averageUtilization })
              : getRawResourceReplicas({ ...input, targetAverage: milliValue(resource, target.averageValue) });
            const name = utilization ? `${resource} resource utilization (percentage of request)` : `${resource} resource`;
            statuses.push({
              type: 'Resource',
              resource: { name: resource, current: utilization ? { averageUtilization: proposal.utilization, averageValue: milliQuantity(proposal.rawAverage) } : { averageValue: milliQuantity(proposal.rawAverage) } },
            });
            if (desired === -1 || proposal.replicas > desired) {
              desired = proposal.replicas;
              metricName = name;
            }
          } catch (error) {
            const message = `failed to get ${resource} ${kind}: ${error instanceof Error ? error.message : String(error)}`;
            invalid++;
            if (!firstError) firstError = message;
            statuses.push({ type: '' });
            setCondition(status, 'ScalingActive', 'False', 'FailedGetResourceMetric', `the HPA was unable to compute the replica count: ${message}`, stamp);
            ctx.recordEvent(hpa, 'Warning', 'FailedGetResourceMetric', message);
          }
        }
        const validStatuses = statuses.filter((s) => s.type !== '');
        if (invalid === metrics.length || desired === -1) {
          const message = `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${firstError}`;
          ctx.recordEvent(hpa, 'Warning', 'FailedComputeMetricsReplicas', message);
          status.currentReplicas = currentReplicas;
          if (validStatuses.length > 0) status.currentMetrics = validStatuses;
          else delete status.currentMetrics;
          writeStatus();
          return;
        }
        if (invalid === 0) setCondition(status, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`, stamp);
        let rescaleReason = '';
        if (desired > currentReplicas) rescaleReason = `${metricName} above target`;
        if (desired < currentReplicas) rescaleReason = 'All metrics below target';
        const recommendations = ctx.state.recommendations.get(key)!;
        let limited;
        if (!spec.behavior) {
          const stabilized = stabilizeRecommendation(recommendations, desired, now);
          if (stabilized !== desired) setCondition(status, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', stamp);
          else setCondition(status, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', stamp);
          limited = { stabilized, ...convertDesiredReplicasWithRules(currentReplicas, stabilized, minReplicas, maxReplicas) };
        } else {
          const scaleUp = rulesOf(spec.behavior.scaleUp, defaultScaleUpRules());
          const scaleDown = rulesOf(spec.behavior.scaleDown, defaultScaleDownRules());
          const st = stabilizeRecommendationWithBehaviors(recommendations, { currentReplicas, desiredReplicas: desired, scaleUp, scaleDown }, now);
          if (st.replicas !== desired) setCondition(status, 'AbleToScale', 'True', st.reason, st.message, stamp);
          else setCondition(status, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', stamp);
          limited = {
            stabilized: st.replicas,
            ...convertDesiredReplicasWithBehaviorRate(
              { currentReplicas, desiredReplicas: st.replicas, minReplicas, maxReplicas, scaleUp, scaleDown },
              eventsOf(ctx.state.scaleUpEvents, key),
              eventsOf(ctx.state.scaleDownEvents, key),
              now,
            ),
          };
        }
        setCondition(status, 'ScalingLimited', limited.replicas === limited.stabilized ? 'False' : 'True', limited.reason, limited.message, stamp);
        finish(limited.replicas, rescaleReason, validStatuses);
      },
    },
  );
}

function eventsOf(map: Map<string, ScaleEvent[]>, key: string): ScaleEvent[] {
  let events = map.get(key);
  if (!events) map.set(key, (events = []));
  return events;
}

/** The horizontal pod autoscaler's machine. */
export const horizontalPodAutoscalerController: ControllerMachine = defineController({
  name: HPA_CONTROLLER,
  component: 'horizontal-pod-autoscaler',
  watches: {
    hpas: watch<Obj>({ resource: 'horizontalpodautoscalers', group: 'autoscaling' }),
    // a lister only: pods are read when an HPA is synced
    pods: watch<Obj>({ resource: 'pods', enqueue: () => undefined }),
  },
  state: (): HpaState => ({ recommendations: new Map(), scaleUpEvents: new Map(), scaleDownEvents: new Map(), due: new Map() }),
  sync: (key, ctx) => sync(key, ctx as unknown as Ctx),
});
