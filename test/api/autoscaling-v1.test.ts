/**
 * The autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler conversion, after
 * pkg/apis/autoscaling/v1/conversion.go and its round-trip test (conversion_test.go).
 */
import { describe, expect, it } from 'vitest';
import {
  answerAsV1,
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
  hpaFromV1,
  hpaToV1,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
  unknownV1Fields,
  withoutUnknownV1Fields,
} from '../../src/api/autoscaling-v1.js';

type Obj = Record<string, any>;

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

const stored: Obj = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', annotations: { team: 'a', [METRIC_SPECS_ANNOTATION]: 'stale' } },
  spec: {
    scaleTargetRef: ref,
    minReplicas: 2,
    maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } },
  },
  status: {
    observedGeneration: 1,
    currentReplicas: 3,
    desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '150m' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }],
  },
};

describe('autoscaling/v1 conversion', () => {
  it('v2 → v1: the cpu utilization metric is targetCPUUtilizationPercentage, the rest rides in the annotations', () => {
    const v1 = hpaToV1(stored);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 });
    expect(v1.status).toEqual({ observedGeneration: 1, currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 75 });
    const a = v1.metadata.annotations as Record<string, string>;
    expect(a.team).toBe('a');
    expect(JSON.parse(a[METRIC_SPECS_ANNOTATION]!)).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    expect(JSON.parse(a[METRIC_STATUSES_ANNOTATION]!)).toEqual([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 75, currentAverageValue: '150m' } }]);
    expect(JSON.parse(a[CONDITIONS_ANNOTATION]!)).toEqual(stored.status.conditions);
    // the internal type, marshaled without JSON tags
    expect(JSON.parse(a[BEHAVIOR_ANNOTATION]!)).toEqual({ ScaleUp: null, ScaleDown: { StabilizationWindowSeconds: 60, SelectPolicy: 'Max', Policies: [{ Type: 'Pods', Value: 1, PeriodSeconds: 30 }] } });
  });

  it('v2 → v1 → v2 round-trips and drops the round-trip annotations', () => {
    const back = hpaFromV1(hpaToV1(stored));
    expect(back.apiVersion).toBe('autoscaling/v2');
    expect(back.metadata.annotations).toEqual({ team: 'a' });
    expect(back.spec).toEqual(stored.spec);
    expect(back.status).toEqual(stored.status);
  });

  it('v1 → v2: no target and no other metric is the implicit 80% cpu metric; a malformed annotation is ignored as the real conversion ignores it', () => {
    const v2 = hpaFromV1({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', annotations: { [METRIC_SPECS_ANNOTATION]: '{not json' } }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(v2.metadata.annotations).toBeUndefined();
    expect(v2.spec).not.toHaveProperty('targetCPUUtilizationPercentage');
  });

  it('v1 → v2: Pods, Object and External metrics of the annotation convert as Convert_v1_*MetricSource_To_autoscaling_* do; behavior keys match case-insensitively as encoding/json does', () => {
    const others = [
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
      { type: 'Object', object: { target: { kind: 'Service', name: 'svc' }, metricName: 'hits', targetValue: '5' } },
      { type: 'External', external: { metricName: 'queue', targetAverageValue: '30' } },
    ];
    const v2 = hpaFromV1({ metadata: { name: 'x', annotations: { [METRIC_SPECS_ANNOTATION]: JSON.stringify(others), [BEHAVIOR_ANNOTATION]: '{"scaleUp":{"stabilizationWindowSeconds":5}}' } }, spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } });
    expect(v2.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Object', object: { describedObject: { kind: 'Service', name: 'svc' }, metric: { name: 'hits' }, target: { type: 'Value', value: '5' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ]);
    expect(v2.spec.behavior).toEqual({ scaleUp: { stabilizationWindowSeconds: 5 } });
  });

  it('lists convert item by item; a Status is left alone', () => {
    const list = answerAsV1({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscalerList', metadata: { resourceVersion: '5' }, items: [stored] }) as Obj;
    expect(list.apiVersion).toBe('autoscaling/v1');
    expect(list.items[0].spec.targetCPUUtilizationPercentage).toBe(60);
    const status = { kind: 'Status', apiVersion: 'v1', code: 404 };
    expect(answerAsV1(status)).toBe(status);
  });

  it('fields autoscaling/v1 does not have are named, and can be dropped', () => {
    const body = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { ...ref, extra: 1 }, maxReplicas: 3, metrics: [] }, bogus: true };
    const unknown = unknownV1Fields(body);
    expect(unknown).toEqual(['bogus', 'spec.metrics', 'spec.scaleTargetRef.extra']);
    expect(unknownV1Fields(withoutUnknownV1Fields(body, unknown))).toEqual([]);
  });
});
