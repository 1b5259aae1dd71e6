import { describe, expect, it } from 'vitest';
import type { Event, KubeObject, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

const pc = (name: string, value: number, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra }) as KubeObject;
const pod = (name: string, cpu: string, priorityClassName?: string, extra: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }], ...(priorityClassName ? { priorityClassName } : {}), ...extra },
  }) as Pod;

describe('DefaultPreemption in a running cluster', () => {
  it('evicts the fewest lower-priority pods through the API, nominates the node, and the preemptor runs there', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    const node = c.client.list('nodes').items[0]!;
    const alloc = String(node.status!.allocatable!['cpu']!);
    const milli = alloc.endsWith('m') ? Number(alloc.slice(0, -1)) : Number(alloc) * 1000;
    c.client.create(pc('low', 10));
    c.client.create(pc('high', 1000));
    // two low pods fill the node: one of 60 %, one of 30 %
    c.client.create(pod('big-low', `${Math.floor(milli * 0.6)}m`, 'low'));
    c.client.create(pod('small-low', `${Math.floor(milli * 0.3)}m`, 'low'));
    const running = (n: string) => c.object<Pod>('pods', n)?.status?.phase === 'Running';
    c.runUntil(() => running('big-low') && running('small-low'), { timeout: 120_000 });
    // the preemptor needs 50 %: evicting big-low is enough, small-low is reprieved
    c.client.create(pod('vip', `${Math.floor(milli * 0.5)}m`, 'high'));
    c.runUntil(() => c.object<Pod>('pods', 'vip')?.status?.nominatedNodeName !== undefined, { timeout: 60_000 });
    expect(c.object<Pod>('pods', 'vip')!.status!.nominatedNodeName).toBe(node.metadata!.name);
    c.runUntil(() => running('vip'), { timeout: 180_000 });
    expect(c.object<Pod>('pods', 'big-low')).toBeUndefined();
    expect(running('small-low')).toBe(true);
    const events = c.client.list<Event>('events').items.filter((e) => e.reason === 'Preempted');
    expect(events.map((e) => [e.involvedObject?.name, e.message])).toEqual([['big-low', `Preempted by pod ${c.object<Pod>('pods', 'vip')!.metadata!.uid} on node ${node.metadata!.name}`]]);
    c.stop();
  });

  it('a pod with preemptionPolicy Never evicts nobody', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.client.create(pc('low', 10));
    c.client.create(pc('polite', 1000, { preemptionPolicy: 'Never' }));
    const node = c.client.list('nodes').items[0]!;
    const alloc = String(node.status!.allocatable!['cpu']!);
    const milli = alloc.endsWith('m') ? Number(alloc.slice(0, -1)) : Number(alloc) * 1000;
    c.client.create(pod('low-1', `${Math.floor(milli * 0.9)}m`, 'low'));
    c.runUntil(() => c.object<Pod>('pods', 'low-1')?.status?.phase === 'Running', { timeout: 120_000 });
    c.client.create(pod('polite-1', `${Math.floor(milli * 0.5)}m`, 'polite'));
    const cond = () => c.object<Pod>('pods', 'polite-1')?.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable');
    c.runUntil(() => cond() !== undefined, { timeout: 60_000 });
    expect(cond()!.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
    expect(c.object<Pod>('pods', 'low-1')?.metadata?.deletionTimestamp).toBeUndefined();
    c.stop();
  });
});
