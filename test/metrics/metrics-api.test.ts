import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/api/types.js';
import { StatusError } from '../../src/api/status.js';
import { createCluster } from '../../src/cluster/create-cluster.js';
import { MetricsSnapshot, type MetricsSource } from '../../src/metrics/metrics-api.js';
import { Rng } from '../../src/kernel/rng.js';

type Obj = KubeObject & Record<string, any>;
const EPOCH = Date.parse('2026-01-01T00:00:00Z');

function source(now: number): MetricsSource {
  return {
    usage: { container: { cpu: '100m', memory: '10Mi' }, nodeOverhead: { cpu: '50m', memory: '1Mi' } },
    rng: new Rng(1).fork('metrics'),
    now,
    timestampAt: (ms) => new Date(EPOCH + ms).toISOString().replace('.000Z', 'Z'),
    timeOf: (ts) => Date.parse(ts) - EPOCH,
  };
}

function pod(name: string, node: string, phase: string, startedAt?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: name, labels: { app: name } },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] },
    status: { phase, containerStatuses: [{ name: 'c', state: startedAt ? { running: { startedAt } } : { waiting: { reason: 'ContainerCreating' } } }] },
  } as KubeObject;
}

describe('the metrics API snapshot', () => {
  it('reports running containers at the last 15 s scrape; pending pods and containers started after it have none', () => {
    const pods = [pod('a', 'n1', 'Running', '2026-01-01T00:00:05Z'), pod('b', 'n1', 'Pending'), pod('c', 'n1', 'Running', '2026-01-01T00:00:31Z')];
    const snap = new MetricsSnapshot(source(40_000), pods);
    expect(snap.at).toBe(30_000);
    expect(snap.podKeys()).toEqual(['default/a']);
    expect(snap.podMetrics('default/a')).toEqual({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'a', namespace: 'default', creationTimestamp: '2026-01-01T00:00:40Z', labels: { app: 'a' } },
      timestamp: '2026-01-01T00:00:30Z',
      window: '15s',
      containers: [{ name: 'c', usage: { cpu: '100000000n', memory: '10240Ki' } }],
    });
    expect(snap.podMetrics('default/b')).toBeUndefined();
    // a node: its pods plus the overhead; a node that is not Ready has no metrics
    const node = { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject;
    expect((snap.nodeMetrics(node) as Obj).usage).toEqual({ cpu: '150000000n', memory: '11264Ki' });
    expect(snap.nodeMetrics({ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } } as KubeObject)).toBeUndefined();
  });
});

describe('the metrics API served by the API server', () => {
  it('lists and gets pod and node metrics with selectors, and 404s a pod without metrics', () => {
    const c = createCluster({ nodes: 2, seed: 4 });
    for (const name of ['a', 'b']) {
      c.client.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: name }, annotations: { 'kube-actors.io/usage': '{"cpu":"200m","noise":0}' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      } as Pod);
    }
    c.advance(31_000);
    const metrics: string = 'pods.metrics.k8s.io';
    const list = c.client.list(metrics, { namespace: 'default', labelSelector: 'app=a' });
    expect(list.kind).toBe('PodMetricsList');
    expect(list.items.map((m) => m.metadata?.name)).toEqual(['a']);
    expect(c.client.podMetrics({ labelSelector: 'app=a' })).toEqual(list.items);
    expect(c.client.podMetrics().map((m) => m.metadata?.name)).toEqual(['a', 'b']);
    expect((list.items[0] as Obj).containers).toEqual([{ name: 'c', usage: { cpu: '200000000n', memory: expect.stringMatching(/^\d+Ki$/) } }]);
    expect(c.client.nodeMetrics().map((n) => n.metadata?.name)).toEqual(['node-1', 'node-2']);
    const nodeMetrics: string = 'nodes.metrics.k8s.io';
    expect((c.client.get(nodeMetrics, 'node-1') as Obj).window).toBe('15s');
    let thrown: unknown;
    try {
      c.client.get(metrics, 'nope');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as StatusError).status).toMatchObject({ code: 404, reason: 'NotFound', message: 'podmetrics.metrics.k8s.io "nope" not found' });
    c.stop();
  });

  it('refuses a pod whose usage annotation is not a valid spec', () => {
    const c = createCluster({ nodes: 1 });
    let thrown: unknown;
    try {
      c.client.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'bad', annotations: { 'kube-actors.io/usage': '{"cpu":"lots"}' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      } as Pod);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as StatusError).status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect((thrown as StatusError).status.message).toContain('metadata.annotations[kube-actors.io/usage]: Invalid value: "{\\"cpu\\":\\"lots\\"}": annotation kube-actors.io/usage: "cpu" must be a non-negative quantity');
    c.stop();
  });
});
