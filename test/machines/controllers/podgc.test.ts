import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import { byEvictionAndCreation, isPodTerminated } from '../../../machines/controllers/podgc.js';
import { bind, createNode, miniCluster, object, runningStatus, stepUntil } from './harness.js';

function podOn(c: Cluster, name: string, node: string | undefined, status: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Pod {
  const pod = c.client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...extra },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  } as Pod);
  if (node) bind(c, pod, node);
  if (status) c.client.patch('pods', name, { status }, { subresource: 'status', type: 'merge' });
  return pod;
}

const phaseOnly = (phase: string, reason?: string) => ({ phase, ...(reason ? { reason } : {}) });

/** Advances in 100 ms steps until `done()` holds (at most `limitMs`); returns the virtual time it first held. */
function advanceUntil(c: Cluster, done: () => boolean, limitMs: number): number {
  const end = c.now() + limitMs;
  while (!done()) {
    if (c.now() >= end) throw new Error(`still not done after ${limitMs} ms`);
    c.advance(100);
  }
  return c.now();
}

describe('isPodTerminated and the deletion order (gc_controller.go)', () => {
  it('counts every phase but Pending, Running and Unknown as terminated', () => {
    const pod = (phase?: string) => ({ status: phase ? { phase } : {} }) as Pod;
    expect(['Pending', 'Running', 'Unknown', 'Succeeded', 'Failed'].map((p) => isPodTerminated(pod(p)))).toEqual([false, false, false, true, true]);
  });

  it('sorts evicted pods first, then the oldest, then by name', () => {
    const pod = (name: string, created: string, evicted = false) =>
      ({ metadata: { name, creationTimestamp: created }, status: { phase: 'Failed', ...(evicted ? { reason: 'Evicted' } : {}) } }) as Pod;
    const pods = [pod('c', '2026-01-01T00:00:02Z'), pod('b', '2026-01-01T00:00:01Z'), pod('a', '2026-01-01T00:00:02Z'), pod('z', '2026-01-01T00:00:09Z', true)];
    expect(pods.sort(byEvictionAndCreation).map((p) => p.metadata!.name)).toEqual(['z', 'b', 'a', 'c']);
  });
});

describe('pod garbage collector', () => {
  it('waits out the 40 s quarantine of a deleted node, then marks its pods Failed with DisruptionTarget and force-deletes them', () => {
    const c = miniCluster(['podgc']);
    createNode(c, 'n1');
    createNode(c, 'n2');
    podOn(c, 'running', 'n1', runningStatus(c.kernel, '10.2.0.1'));
    podOn(c, 'done', 'n1', phaseOnly('Succeeded'));
    podOn(c, 'elsewhere', 'n2', runningStatus(c.kernel, '10.2.0.2'));
    c.advance(30_000);
    expect(object<Pod>(c, 'pods', 'running')).toBeDefined();

    c.client.delete('nodes', 'n1');
    const deletedAt = c.now();
    // what the orphan looked like just before it went (one kernel event at a time)
    let last: Pod | undefined;
    const done = () => !object<Pod>(c, 'pods', 'running') && !object<Pod>(c, 'pods', 'done');
    expect(
      stepUntil(c, done, () => {
        const p = object<Pod>(c, 'pods', 'running');
        if (p) last = p;
      }, 120_000),
    ).toBe(true);
    const gone = c.now();
    // noticed at a 20 s tick, quarantined 40 s, acted on at the first tick after that
    expect(gone - deletedAt).toBeGreaterThanOrEqual(40_000 - 1); // (the client's answer comes a moment after the node's watch event)
    expect(gone - deletedAt).toBeLessThanOrEqual(40_000 + 2 * 20_000 + 1_000);
    expect(last!.status!.phase).toBe('Failed');
    const target = last!.status!.conditions!.find((x) => x.type === 'DisruptionTarget');
    expect(target).toMatchObject({ status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
    expect(object<Pod>(c, 'pods', 'elsewhere')?.status?.phase).toBe('Running');
  });

  it('leaves the pods of a node that comes back within the quarantine', () => {
    const c = miniCluster(['podgc']);
    createNode(c, 'n1');
    podOn(c, 'p', 'n1', runningStatus(c.kernel, '10.2.0.1'));
    c.advance(5_000);
    c.client.delete('nodes', 'n1');
    c.advance(25_000);
    createNode(c, 'n1');
    c.advance(120_000);
    expect(object<Pod>(c, 'pods', 'p')?.status?.phase).toBe('Running');
  });

  it('deletes the oldest terminated pods above the threshold, evicted ones first', () => {
    const c = miniCluster(['podgc'], { controllerOptions: { podgc: { terminatedPodThreshold: 2 } } });
    createNode(c, 'n1');
    podOn(c, 'old-failed', 'n1', phaseOnly('Failed'));
    c.advance(1_000);
    podOn(c, 'mid-succeeded', 'n1', phaseOnly('Succeeded'));
    c.advance(1_000);
    podOn(c, 'new-evicted', 'n1', phaseOnly('Failed', 'Evicted'));
    c.advance(1_000);
    podOn(c, 'newest-failed', 'n1', phaseOnly('Failed'));
    podOn(c, 'running', 'n1', runningStatus(c.kernel, '10.2.0.9'));
    advanceUntil(c, () => !object<Pod>(c, 'pods', 'new-evicted') && !object<Pod>(c, 'pods', 'old-failed'), 60_000);
    c.advance(60_000);
    const left = ['old-failed', 'mid-succeeded', 'new-evicted', 'newest-failed', 'running'].filter((n) => object<Pod>(c, 'pods', n));
    expect(left).toEqual(['mid-succeeded', 'newest-failed', 'running']);
  });

  it('marks an unscheduled terminating pod Failed and force-deletes it', () => {
    const c = miniCluster(['podgc']);
    // a finalizer keeps the deleted pod in etcd, terminating, never scheduled
    podOn(c, 'held', undefined, undefined, { finalizers: ['example.com/hold'] });
    c.client.delete('pods', 'held');
    expect(object<Pod>(c, 'pods', 'held')?.metadata?.deletionTimestamp).toBeDefined();
    advanceUntil(c, () => object<Pod>(c, 'pods', 'held')?.status?.phase === 'Failed', 30_000);
  });

  it('force-deletes a terminating pod on a NotReady node tainted out-of-service', () => {
    const c = miniCluster(['podgc']);
    createNode(c, 'n1', 'False');
    podOn(c, 'stuck', 'n1', runningStatus(c.kernel, '10.2.0.1'));
    c.client.delete('pods', 'stuck'); // graceful: no kubelet will ever finish it
    c.advance(60_000);
    expect(object<Pod>(c, 'pods', 'stuck')?.metadata?.deletionTimestamp).toBeDefined();
    c.client.patch('nodes', 'n1', { spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] } }, { type: 'merge' });
    advanceUntil(c, () => !object<Pod>(c, 'pods', 'stuck'), 30_000);
  });
});
