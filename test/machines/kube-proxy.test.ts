import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createCluster } from '../../src/cluster/create-cluster.js';
import type { KubeProxyContext } from '../../machines/kube-proxy.js';

const PROXY = 'kube-proxy/node-1';

describe('kube-proxy housekeeping', () => {
  it('wakes when something is due, not every 10 s: an idle kube-proxy fires a few timers in 10 minutes', () => {
    let timers = 0;
    let counting = false;
    const c = createCluster({
      seed: 4,
      nodes: 1,
      profile: 'realistic',
      inspect: (e: InspectionEvent) => {
        if (counting && e.type === '@xstate.event' && (e.actorRef as { id?: string }).id === PROXY && e.event.type.startsWith('xstate.after')) timers++;
      },
    });
    c.runUntil(() => c.count('nodes') === 1, { timeout: 30_000 });
    c.advance(30_000);
    counting = true;
    c.advance(600_000);
    // bookmarks keep its two watches alive: it looks at them once per silence period (150 s)
    expect(timers).toBeGreaterThan(0);
    expect(timers).toBeLessThanOrEqual(8);
    c.stop();
  });

  it('still notices a watch gone silent, and is back with the rules soon after the node is reachable again', () => {
    const c = createCluster({ seed: 4, nodes: 1, profile: 'realistic' });
    c.runUntil(() => c.count('nodes') === 1, { timeout: 30_000 });
    c.advance(30_000);
    const ctx = () => c.actor(PROXY)!.getSnapshot().context as KubeProxyContext;
    const restarts = ctx().services.restarts;
    c.faults.partitionNode('node-1');
    c.advance(200_000); // longer than the 150 s of silence
    expect(ctx().services.restarts).toBeGreaterThan(restarts);
    c.faults.healNode('node-1');
    c.client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const healed = c.now();
    expect(c.runUntil(() => [...ctx().rules.values()].some((r) => r.service === 'default/web'), { timeout: 60_000 })).toBe(true);
    // a refused or lost watch is retried when due (about 1 s, or the 10 s request timeout), not at a 10 s poll
    expect(c.now() - healed).toBeLessThan(15_000);
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });
});
