/**
 * The replica calculation, with cases ported from kube-controller-manager's
 * replica_calculator_test.go (TestReplicaCalcScaleUp, ...ScaleUpUnreadyLessScale,
 * ...ScaleDown, ...Tolerance, ...MissingMetrics, ...MissingRequests) and horizontal_test.go
 * (the scale-up limits, stabilization and the behavior's policies).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import {
  calculateScaleUpLimit,
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  getRawResourceReplicas,
  getResourceReplicas,
  resourceUtilizationRatio,
  scaleDownLimitWithRules,
  scaleUpLimitWithRules,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  type PodMetricsInfo,
  type ScalingRules,
} from '../../../machines/controllers/replica-calculator.js';

const EPOCH = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(EPOCH + ms).toISOString();
const timeOf = (ts: string) => Date.parse(ts) - EPOCH;
// started long ago (past the 5 minute cpu initialization period), ready for long
const NOW = 3_600_000;

function pods(n: number, opts: { request?: string | null; ready?: boolean[]; phase?: string[] } = {}): KubeObject[] {
  return Array.from({ length: n }, (_, i) => ({
    metadata: { name: `test-pod-${i}` },
    spec: { containers: [{ name: 'c', resources: opts.request === null ? {} : { requests: { cpu: opts.request ?? '1' } } }] },
    status: {
      phase: opts.phase?.[i] ?? 'Running',
      startTime: iso(0),
      // a pod not ready never was (its condition changed when it started)
      conditions: [(opts.ready?.[i] ?? true) ? { type: 'Ready', status: 'True', lastTransitionTime: iso(60_000) } : { type: 'Ready', status: 'False', lastTransitionTime: iso(0) }],
    },
  }));
}

function metrics(levels: (number | undefined)[]): PodMetricsInfo {
  const m: PodMetricsInfo = new Map();
  levels.forEach((v, i) => {
    if (v !== undefined) m.set(`test-pod-${i}`, { value: v, timestamp: NOW - 5_000, windowMs: 15_000 });
  });
  return m;
}

const calc = (currentReplicas: number, p: KubeObject[], levels: (number | undefined)[], targetUtilization: number) =>
  getResourceReplicas({ currentReplicas, pods: p, metrics: metrics(levels), resource: 'cpu', now: NOW, timeOf, targetUtilization });

describe('GetResourceReplicas', () => {
  it('scales up: 3 pods at 300m, 500m, 700m of 1 cpu, target 30% → 5 replicas at 50%', () => {
    expect(calc(3, pods(3), [300, 500, 700], 30)).toMatchObject({ replicas: 5, utilization: 50, rawAverage: 500 });
  });

  it('scales up less with an unready pod: counted as using nothing → 4 replicas at 60%', () => {
    expect(calc(3, pods(3, { ready: [false, true, true] }), [300, 500, 700], 30)).toMatchObject({ replicas: 4, utilization: 60 });
  });

  it('scales down: 5 pods at 1400m of 5 cpu, target 50% → 3 replicas at 28%', () => {
    expect(calc(5, pods(5), [100, 300, 500, 250, 250], 50)).toMatchObject({ replicas: 3, utilization: 28 });
  });

  it('keeps the count within the tolerance (0.1)', () => {
    expect(calc(3, pods(3), [1010, 1030, 1020], 100)).toMatchObject({ replicas: 3, utilization: 102 });
    expect(calc(3, pods(3), [1110, 1130, 1120], 100).replicas).toBe(4);
  });

  it('on a scale-down, counts pods without metrics as at 100% of their request; never flips direction', () => {
    // 4 pods, metrics for 3 at 10%, target 50%: the missing one at 100% → (10+10+10+100)/4 = 32.5% → 3 replicas
    expect(calc(4, pods(4), [100, 100, 100, undefined], 50).replicas).toBe(3);
    // 4 pods, 3 at 60% (ratio 1.2 > 1), the missing one at 0 → 45% (ratio 0.9): the direction flips, no change
    expect(calc(4, pods(4), [300, 300, 300, undefined], 25).replicas).toBe(4);
  });

  it('ignores failed and deleted pods, counts pending ones as unready', () => {
    // the failed pod's sample is left out: 100%, not 96%
    expect(calc(3, pods(3, { phase: ['Failed', 'Running', 'Running'] }), [900, 1000, 1000], 50)).toMatchObject({ replicas: 4, utilization: 100 });
    expect(calc(3, pods(3, { phase: ['Pending', 'Running', 'Running'] }), [undefined, 1000, 1000], 50).replicas).toBe(4);
  });

  it('fails without requests, without metrics, or with only unready pods', () => {
    expect(() => calc(1, pods(1, { request: null }), [100], 50)).toThrow('missing request for cpu in container c of Pod test-pod-0');
    expect(() => calc(1, pods(1), [], 50)).toThrow('unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    expect(() => calc(1, pods(1, { phase: ['Pending'] }), [100], 50)).toThrow('did not receive metrics for targeted pods (pods might be unready)');
  });

  it('treats a cpu sample taken less than a window after the pod became ready, during initialization, as unready', () => {
    const young = pods(2).map((p, i) => ({ ...p, status: { ...(p as any).status, startTime: iso(NOW - 60_000), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(i === 0 ? NOW - 10_000 : NOW - 50_000) }] } })) as KubeObject[];
    // pod 0 became ready 10 s ago: its sample (5 s old, 15 s window) is not trusted and counts as 0
    // on this scale-up: (0 + 100%) / 2 is on the 50% target, no change (trusted, it would be 4)
    expect(calc(2, young, [1000, 1000], 50)).toMatchObject({ replicas: 2, utilization: 100 });
  });

  it('GetResourceUtilizationRatio: whole percentages of the summed requests', () => {
    expect(resourceUtilizationRatio(metrics([333, 333]), new Map([['test-pod-0', 1000], ['test-pod-1', 1000]]), 50)).toEqual({ usageRatio: 0.66, utilization: 33, rawAverage: 333 });
  });
});

describe('GetRawResourceReplicas (AverageValue)', () => {
  it('scales on the average against a target value', () => {
    const p = pods(3);
    const run = (levels: number[], target: number) => getRawResourceReplicas({ currentReplicas: 3, pods: p, metrics: metrics(levels), resource: 'cpu', now: NOW, timeOf, targetAverage: target });
    expect(run([300, 500, 700], 250)).toMatchObject({ replicas: 6, rawAverage: 500 });
    expect(run([300, 500, 700], 480)).toMatchObject({ replicas: 3 });
    expect(run([100, 100, 100], 300)).toMatchObject({ replicas: 1 });
  });
});

describe('scaling limits and stabilization (horizontal.go)', () => {
  it('without a behavior: at most double or 4, min and max, and a 5 minute memory of the highest recommendation', () => {
    expect(calculateScaleUpLimit(1)).toBe(4);
    expect(calculateScaleUpLimit(5)).toBe(10);
    expect(convertDesiredReplicasWithRules(1, 9, 1, 10)).toEqual({ replicas: 4, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    expect(convertDesiredReplicasWithRules(4, 9, 1, 6)).toEqual({ replicas: 6, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    expect(convertDesiredReplicasWithRules(4, 1, 2, 6)).toEqual({ replicas: 2, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' });
    expect(convertDesiredReplicasWithRules(4, 5, 2, 6)).toEqual({ replicas: 5, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
    const recs = [{ recommendation: 8, timestamp: 0 }];
    expect(stabilizeRecommendation(recs, 3, 200_000)).toBe(8);
    expect(stabilizeRecommendation(recs, 3, 301_000)).toBe(3);
    // the sample older than the window was replaced, not appended
    expect(recs).toEqual([
      { recommendation: 3, timestamp: 301_000 },
      { recommendation: 3, timestamp: 200_000 },
    ]);
  });

  const up: ScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }] };
  const down: ScalingRules = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] };

  it('policies: the larger (Max) or smaller (Min) change, counting the scale events of their period', () => {
    expect(scaleUpLimitWithRules(3, [], [], up, 0)).toBe(7);
    expect(scaleUpLimitWithRules(10, [], [], up, 0)).toBe(20);
    expect(scaleUpLimitWithRules(3, [], [], { ...up, selectPolicy: 'Min' }, 0)).toBe(6);
    // 2 replicas were added 30 s ago: the period started at 1
    expect(scaleUpLimitWithRules(3, [{ replicaChange: 2, timestamp: 0, outdated: false }], [], up, 30_000)).toBe(5);
    // ... but not 90 s ago
    expect(scaleUpLimitWithRules(3, [{ replicaChange: 2, timestamp: 0, outdated: false }], [], up, 90_000)).toBe(7);
    expect(scaleUpLimitWithRules(3, [], [], { ...up, selectPolicy: 'Disabled' }, 0)).toBe(3);
    expect(scaleDownLimitWithRules(10, [], [], down, 0)).toBe(5);
    expect(scaleDownLimitWithRules(10, [], [{ replicaChange: 2, timestamp: 0, outdated: false }], down, 1_000)).toBe(6);
  });

  it('the behavior rate: ScaleUpLimit, ScaleDownLimit, TooManyReplicas, TooFewReplicas', () => {
    const base = { minReplicas: 1, maxReplicas: 100, scaleUp: up, scaleDown: down };
    expect(convertDesiredReplicasWithBehaviorRate({ ...base, currentReplicas: 3, desiredReplicas: 20 }, [], [], 0)).toMatchObject({ replicas: 7, reason: 'ScaleUpLimit' });
    expect(convertDesiredReplicasWithBehaviorRate({ ...base, maxReplicas: 5, currentReplicas: 3, desiredReplicas: 20 }, [], [], 0)).toMatchObject({ replicas: 5, reason: 'TooManyReplicas' });
    expect(convertDesiredReplicasWithBehaviorRate({ ...base, currentReplicas: 10, desiredReplicas: 1 }, [], [], 0)).toMatchObject({ replicas: 5, reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' });
    expect(convertDesiredReplicasWithBehaviorRate({ ...base, minReplicas: 8, currentReplicas: 10, desiredReplicas: 1 }, [], [], 0)).toMatchObject({ replicas: 8, reason: 'TooFewReplicas' });
    expect(convertDesiredReplicasWithBehaviorRate({ ...base, currentReplicas: 10, desiredReplicas: 7 }, [], [], 0)).toMatchObject({ replicas: 7, reason: 'DesiredWithinRange' });
  });

  it('stabilization windows: the lowest recent recommendation up, the highest down', () => {
    const history = () => [
      { recommendation: 9, timestamp: 100_000 },
      { recommendation: 4, timestamp: 250_000 },
    ];
    const args = { scaleUp: { ...up, stabilizationWindowSeconds: 120 }, scaleDown: down };
    // going down from 6 to 2: the highest of the last 300 s is 9, capped at the current 6
    expect(stabilizeRecommendationWithBehaviors(history(), { ...args, currentReplicas: 6, desiredReplicas: 2 }, 300_000)).toEqual({
      replicas: 6,
      reason: 'ScaleDownStabilized',
      message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
    });
    // going up from 3 to 12: the lowest of the last 120 s is 4
    expect(stabilizeRecommendationWithBehaviors(history(), { ...args, currentReplicas: 3, desiredReplicas: 12 }, 300_000)).toMatchObject({ replicas: 4, reason: 'ScaleUpStabilized' });
  });
});
