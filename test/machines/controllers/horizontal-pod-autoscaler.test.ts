import { describe, expect, it } from 'vitest';
import type { Deployment, KubeObject } from '../../../src/api/types.js';
import { StatusError } from '../../../src/api/status.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

type Obj = KubeObject & Record<string, any>;

/** A Deployment whose 800m of CPU load is shared by its pods, ×0.25 after 10 min (steps), each pod requesting 200m. */
function web(curve: object): Deployment {
  const usage = JSON.stringify({ cpu: '800m', memory: '64Mi', shared: true, noise: 0.02, curve });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { 'kube-actors.io/usage': usage } },
        spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '200m', memory: '64Mi' } } }] },
      },
    },
  };
}

function hpa(extra: object = {}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...extra,
    },
  } as KubeObject;
}

describe('the horizontal pod autoscaler', () => {
  it('scales a Deployment up under load and back down after the 5 minute stabilization window', () => {
    const c = createCluster({ nodes: 3, seed: 11 });
    // full load for 10 minutes, then a quarter of it
    c.client.create(web({ type: 'steps', steps: [{ atMs: 600_000, factor: 0.25 }] }));
    c.client.create(hpa());
    const replicas = () => (c.object('deployments', 'web', 'default') as Obj).spec.replicas as number;
    const status = () => (c.object('horizontalpodautoscalers', 'web', 'default') as Obj).status;
    const condition = (type: string) => status().conditions.find((x: Obj) => x.type === type);
    const rescales = () =>
      c
        .objects('events', 'default')
        .filter((e) => (e as Obj).reason === 'SuccessfulRescale')
        .sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion))
        .map((e) => (e as Obj).message as string);
    // 800m over 1 pod of 200m is 400%: 9 replicas wanted, but no more than double or 4 at once
    c.runUntil(() => replicas() > 1, { timeout: 120_000 });
    c.advance(1_000); // the status is written after the scale
    expect(replicas()).toBe(4);
    expect(condition('ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    c.runUntil(() => replicas() === 8, { timeout: 120_000 });
    // the first recommendation (9) is still within the 5 minute window: the highest recent one wins
    c.runUntil(() => replicas() === 9, { timeout: 120_000 });
    c.advance(30_000);
    expect(status()).toMatchObject({ currentReplicas: 9, desiredReplicas: 9 });
    // 800m shared by 9 pods: 89m each, 44% of the request
    expect(status().currentMetrics[0].resource.name).toBe('cpu');
    expect(Math.abs(status().currentMetrics[0].resource.current.averageUtilization - 44)).toBeLessThanOrEqual(2);
    expect(condition('ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    expect(rescales().slice(0, 3)).toEqual([
      'New size: 4; reason: cpu resource utilization (percentage of request) above target',
      'New size: 8; reason: cpu resource utilization (percentage of request) above target',
      // the metrics now propose 8 (on target): the reason is computed before the stabilization
      // raised it to 9, and is empty, as kube-controller-manager words it
      'New size: 9; reason: ',
    ]);
    // the load drops at 10 min: 200m over 8 or 9 pods is about 12%, 2 replicas wanted; held while
    // higher recommendations are less than 5 minutes old
    c.runUntil(() => c.now() >= 600_000 + 60_000, { timeout: 900_000 });
    expect(replicas()).toBeGreaterThanOrEqual(8);
    expect(condition('AbleToScale')).toMatchObject({ status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    c.runUntil(() => replicas() === 2, { timeout: 600_000 });
    expect(c.now()).toBeGreaterThanOrEqual(600_000 + 285_000);
    c.advance(1_000); // the event follows the scale
    expect(rescales().at(-1)).toBe('New size: 2; reason: All metrics below target');
    // 200m over 2 pods: 50%, on target
    c.advance(60_000);
    expect(replicas()).toBe(2);
    expect(status().lastScaleTime).toBeDefined();
    c.stop();
  }, 60_000);

  it('follows the behavior: a 1-pod-per-minute scale-up policy limits the rate (ScalingLimited ScaleUpLimit)', () => {
    const c = createCluster({ nodes: 3, seed: 12 });
    c.client.create(web({ type: 'steps', steps: [{ atMs: 0, factor: 1 }] }));
    c.client.create(hpa({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } }));
    const stored = c.object('horizontalpodautoscalers', 'web', 'default') as Obj;
    // the API server filled the rest of the behavior in
    expect(stored.spec.behavior).toEqual({
      scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }], selectPolicy: 'Max', stabilizationWindowSeconds: 0 },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    const replicas = () => (c.object('deployments', 'web', 'default') as Obj).spec.replicas as number;
    c.runUntil(() => replicas() === 2, { timeout: 120_000 });
    const at2 = c.now();
    c.advance(1_000); // the status is written after the scale
    const limited = (c.object('horizontalpodautoscalers', 'web', 'default') as Obj).status.conditions.find((x: Obj) => x.type === 'ScalingLimited');
    expect(limited).toMatchObject({ status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    c.runUntil(() => replicas() === 3, { timeout: 180_000 });
    expect(c.now() - at2).toBeGreaterThanOrEqual(60_000);
    c.stop();
  });

  it('reports a target without requests as unable to compute (FailedGetResourceMetric)', () => {
    const c = createCluster({ nodes: 1, seed: 13 });
    const d = web({ type: 'steps', steps: [{ atMs: 0, factor: 1 }] }) as Obj;
    delete d.spec.template.spec.containers[0].resources;
    c.client.create(d as Deployment);
    c.client.create(hpa());
    c.runUntil(() => ((c.object('horizontalpodautoscalers', 'web', 'default') as Obj).status.conditions ?? []).some((x: Obj) => x.reason === 'FailedGetResourceMetric'), { timeout: 120_000 });
    const active = (c.object('horizontalpodautoscalers', 'web', 'default') as Obj).status.conditions.find((x: Obj) => x.type === 'ScalingActive');
    expect(active.status).toBe('False');
    expect(active.message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container c of Pod web-/);
    expect((c.object('deployments', 'web', 'default') as Obj).spec.replicas).toBe(1);
    c.stop();
  });

  it('refuses metric sources it does not implement, and bad specs, with the real messages', () => {
    const c = createCluster({ nodes: 0 });
    const refuse = (obj: KubeObject): string => {
      try {
        c.client.create(obj);
      } catch (error) {
        return (error as StatusError).status.message ?? '';
      }
      return 'accepted';
    };
    expect(refuse(hpa({ metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }] }))).toContain(
      'spec.metrics[0].type: Invalid value: "Pods": kube-actors implements only Resource metrics',
    );
    expect(refuse(hpa({ minReplicas: 5, maxReplicas: 2 }))).toContain('spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`');
    expect(refuse(hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }))).toContain(
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
    );
    expect(refuse(hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 4000 } } }))).toContain('spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600');
    c.stop();
  });
});
