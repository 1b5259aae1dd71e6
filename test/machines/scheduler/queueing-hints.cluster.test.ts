/**
 * The scheduling queue's cluster events in a running cluster: a pending pod is retried when
 * something that could make it schedulable happens, not on every node update.
 */
import { describe, expect, it } from 'vitest';
import type { Event, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

const withHostPort = (name: string, port: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: port, hostPort: port }] }] },
});

describe('queueing hints in a running cluster', () => {
  it('a pod NodePorts rejected is not retried on node label updates or heartbeats, and is scheduled as soon as the pod holding the port is deleted', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    const node = c.client.list('nodes').items[0]!.metadata!.name!;
    c.client.create(withHostPort('holder', 8080));
    c.runUntil(() => c.object<Pod>('pods', 'holder')?.status?.phase === 'Running', { timeout: 120_000 });
    c.client.create(withHostPort('web', 8080));
    const attempts = () =>
      c.client
        .list<Event>('events')
        .items.filter((e) => e.involvedObject?.name === 'web' && e.reason === 'FailedScheduling')
        .reduce((n, e) => n + (e.count ?? 1), 0);
    c.runUntil(() => attempts() > 0, { timeout: 60_000 });
    expect(attempts()).toBe(1);
    // a label change and two minutes of kubelet heartbeats: nothing NodePorts registered
    c.client.patch('nodes', node, { metadata: { labels: { disk: 'ssd' } } });
    c.advance(120_000);
    expect(attempts()).toBe(1);
    expect(c.object<Pod>('pods', 'web')?.spec?.nodeName).toBeUndefined();
    // the port is freed: the pod is retried at once (well before the 5-minute flush)
    const deletedAt = c.now();
    c.client.delete('pods', 'holder', { gracePeriodSeconds: 0 });
    c.runUntil(() => c.object<Pod>('pods', 'web')?.spec?.nodeName === node, { timeout: 60_000 });
    expect(c.now() - deletedAt).toBeLessThan(60_000);
    c.stop();
  });

  it('a pod too big for every node is scheduled when a node\'s allocatable grows', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    const nodeObj = c.client.list('nodes').items[0]!;
    const node = nodeObj.metadata!.name!;
    const alloc = String(nodeObj.status!.allocatable!['cpu']!);
    const milli = alloc.endsWith('m') ? Number(alloc.slice(0, -1)) : Number(alloc) * 1000;
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'big' },
      spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: `${milli + 1000}m` } } }] },
    } as Pod);
    const unschedulable = () => c.object<Pod>('pods', 'big')?.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable');
    c.runUntil(() => unschedulable() !== undefined, { timeout: 60_000 });
    expect(unschedulable()!.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    const grownAt = c.now();
    c.client.patch('nodes', node, { status: { allocatable: { cpu: `${milli + 2000}m` } } }, { subresource: 'status' });
    c.runUntil(() => c.object<Pod>('pods', 'big')?.spec?.nodeName === node, { timeout: 60_000 });
    expect(c.now() - grownAt).toBeLessThan(60_000);
    c.stop();
  });
});
