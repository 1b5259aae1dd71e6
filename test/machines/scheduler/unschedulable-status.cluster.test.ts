/**
 * A pod that fits nowhere, retried: kube-scheduler's `updatePod` writes its PodScheduled=False
 * condition only when `podutil.UpdatePodCondition` reports a change, so the retries record
 * FailedScheduling again but patch the pod's status once, and its lastTransitionTime stays.
 */
import { describe, expect, it } from 'vitest';
import type { Event, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

describe('an unschedulable pod retried', () => {
  it('gets FailedScheduling on every attempt but one PodScheduled=False patch while the message is the same', () => {
    const c = createCluster({ nodes: 2, seed: 4 });
    c.runUntil(() => c.count('nodes') === 2, { timeout: 30_000 });
    const patches: string[] = [];
    c.kernel.trace.entries$.subscribe((e) => {
      if (e.from === 'scheduler' && e.type === 'api.request' && e.summary.includes('pods/status') && e.summary.includes('default/huge')) patches.push(e.summary);
    });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500' } } }] } } as Pod);
    const condition = () => c.object<Pod>('pods', 'huge')?.status?.conditions?.find((x) => x.type === 'PodScheduled');
    c.runUntil(() => condition()?.reason === 'Unschedulable', { timeout: 30_000 });
    const first = condition()!;
    // the unschedulable pods are retried at least every 5 minutes (podMaxInUnschedulablePodsDuration)
    c.advance(16 * 60_000);
    const attempts = c.client.list<Event>('events').items
      .filter((e) => e.involvedObject?.name === 'huge' && e.reason === 'FailedScheduling')
      .reduce((n, e) => n + Math.max(e.count ?? 1, e.series?.count ?? 1), 0);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(patches).toHaveLength(1);
    expect(condition()).toEqual(first);
    c.stop();
  });
});
