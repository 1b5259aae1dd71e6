import { describe, expect, expectTypeOf, it } from 'vitest';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';

const state = (c: Cluster, address: string) => JSON.stringify((c.actor(address)!.getSnapshot() as { value: unknown }).value);

function ready(nodes = 2, seed = 1): Cluster {
  const c = createCluster({ nodes, seed });
  expect(c.runUntil(() => c.nodes.every((n) => state(c, `node/${n}`) === '"ready"'), { timeout: 30_000 })).toBe(true);
  return c;
}

describe('faults are injected by the simulator, never by a machine', () => {
  it('a Port offers what an actor has, not the kernel nor its network (no fault API for a machine)', () => {
    const port = new Port(new Kernel({ seed: 1 }), 'kubelet/node-1');
    expectTypeOf<Port>().not.toHaveProperty('kernel');
    expectTypeOf<Port>().not.toHaveProperty('network');
    // @ts-expect-error the kernel is private to the Port
    expect(port.kernel).toBeUndefined();
    // @ts-expect-error the network's fault API is not reachable from a Port
    expect(port.network).toBeUndefined();
    expect(Object.keys(port)).not.toContain('kernel');
    expect(JSON.stringify(port)).toBe('{"address":"kubelet/node-1"}');
  });

  it('a partition cuts the network and shows in the node’s chart; a heal mends both', () => {
    const c = ready();
    c.faults.partitionNode('node-2');
    expect(state(c, 'node/node-2')).toBe('"partitioned"');
    expect(c.kernel.network.partitions().isolated).toEqual(['node-2']);
    c.faults.healNode('node-2');
    expect(state(c, 'node/node-2')).toBe('"ready"');
    expect(c.kernel.network.partitions().isolated).toEqual([]);
    c.stop();
  });

  it('a crash of a partitioned node heals its network; a crashed node is not partitioned', () => {
    const c = ready();
    c.faults.partitionNode('node-1');
    c.faults.crashNode('node-1');
    expect(state(c, 'node/node-1')).toBe('"down"');
    expect(c.kernel.network.partitions().isolated).toEqual([]);
    c.faults.partitionNode('node-1');
    expect(state(c, 'node/node-1')).toBe('"down"');
    expect(c.kernel.network.partitions().isolated).toEqual([]);
    c.stop();
  });

  it('heal-all mends every partition and tells each node', () => {
    const c = ready(3);
    c.faults.partitionNode('node-1');
    c.faults.partitionNode('node-3');
    expect(c.kernel.network.partitions().isolated).toEqual(['node-1', 'node-3']);
    c.faults.apply({ kind: 'heal-all' });
    expect(c.nodes.map((n) => state(c, `node/${n}`))).toEqual(['"ready"', '"ready"', '"ready"']);
    expect(c.kernel.network.partitions().isolated).toEqual([]);
    c.stop();
  });
});

describe('a node reboot: the kubelet counts restarts on from the node’s log directories', () => {
  it('after each reboot the pod’s containers are created again in a new sandbox: SandboxChanged, restartCount 1 then 2, lastState ContainerStatusUnknown', () => {
    const c = createCluster({ nodes: 1, seed: 1 });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } as never);
    const status = () => (c.object('pods', 'web') as { status?: { containerStatuses?: { restartCount: number; state?: { running?: unknown }; lastState?: { terminated?: { reason?: string; exitCode?: number } } }[] } } | undefined)?.status?.containerStatuses?.[0];
    expect(c.runUntil(() => status()?.state?.running !== undefined, { timeout: 30_000 })).toBe(true);
    expect(status()!.restartCount).toBe(0);
    for (const expected of [1, 2]) {
      c.faults.crashNode('node-1');
      c.advance(5_000);
      c.faults.restartNode('node-1');
      expect(c.runUntil(() => status()?.restartCount === expected && status()?.state?.running !== undefined, { timeout: 60_000 })).toBe(true);
      expect(status()!.lastState?.terminated).toMatchObject({ reason: 'ContainerStatusUnknown', exitCode: 137 });
    }
    const changed = c.objects('events').filter((e) => (e as { reason?: string }).reason === 'SandboxChanged') as { message?: string; count?: number }[];
    // one per boot: the kubelet that boots again has a new event recorder (its correlator's cache is empty)
    expect(changed.map((e) => e.message)).toEqual(['Pod sandbox changed, it will be killed and re-created.', 'Pod sandbox changed, it will be killed and re-created.']);
    c.stop();
  });
});
