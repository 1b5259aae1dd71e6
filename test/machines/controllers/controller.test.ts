import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { ConfigMap, Pod } from '../../../src/api/types.js';
import { Port } from '../../../src/kernel/port.js';
import {
  controllerSpecOf,
  defineController,
  stopController,
  watch,
  controllerRuntimeOf,
} from '../../../machines/controllers/controller.js';
import { controllerAddress } from '../../../machines/protocol.js';
import { miniCluster, object, runtime } from './harness.js';

describe('defineController', () => {
  it('rejects bad definitions', () => {
    expect(() => defineController({ name: 'Bad Name', watches: { pods: { resource: 'pods' } }, sync: () => {} })).toThrow(/DNS-1123/);
    expect(() => defineController({ name: 'x', watches: {}, sync: () => {} })).toThrow(/at least one watch/);
    expect(() => defineController({ name: 'x', watches: { pods: { resource: 'pods' } } } as never)).toThrow(/sync/);
  });

  it('a user-defined controller plugs into the cluster and reconciles', () => {
    // counts the pods of each namespace into a ConfigMap "pod-count"
    const podCounter = defineController({
      name: 'pod-counter',
      watches: {
        pods: watch<Pod>({ resource: 'pods', indexes: { byNamespace: (p) => p.metadata?.namespace }, enqueue: ({ object }) => object.metadata?.namespace }),
        configmaps: watch<ConfigMap>({ resource: 'configmaps', fieldSelector: 'metadata.name=pod-count', enqueue: ({ object }) => object.metadata?.namespace }),
      },
      sync(namespace, ctx) {
        const count = String(ctx.byIndex('pods', 'byNamespace', namespace).length);
        const current = ctx.get('configmaps', `${namespace}/pod-count`);
        if (!current) ctx.client.create('configmaps', namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pod-count' }, data: { count } } as ConfigMap, { ignore: [409] });
        else if (current.data?.count !== count) ctx.client.update('configmaps', { ...current, data: { count } } as ConfigMap);
      },
    });
    expect(podCounter.id).toBe('pod-counter');
    expect(controllerSpecOf(podCounter)?.name).toBe('pod-counter');
    const c = miniCluster(['pod-counter'], { controllers: [podCounter] });
    expect(c.kernel.has(controllerAddress('pod-counter'))).toBe(true);
    expect(c.kernel.hostOf(controllerAddress('pod-counter'))).toBe('control-plane');
    const mk = (name: string) => c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as Pod);
    mk('a');
    mk('b');
    c.advance(1_000);
    expect(object<ConfigMap>(c, 'configmaps', 'pod-count')!.data).toEqual({ count: '2' });
    c.client.delete('pods', 'a');
    mk('c');
    mk('d');
    c.advance(1_000);
    expect(object<ConfigMap>(c, 'configmaps', 'pod-count')!.data).toEqual({ count: '3' });
    // someone overwrites it: it is put right
    const cmap = object<ConfigMap>(c, 'configmaps', 'pod-count')!;
    c.client.update({ ...cmap, data: { count: '99' } });
    c.advance(1_000);
    expect(object<ConfigMap>(c, 'configmaps', 'pod-count')!.data).toEqual({ count: '3' });
    expect(c.kernel.errors).toEqual([]);
  });

  it("moves an object's key between index values as it changes, drops it when deleted, and reports a throwing index once", () => {
    const seen: Record<string, string[]> = {};
    const byTier = defineController({
      name: 'by-tier',
      watches: {
        configmaps: watch<ConfigMap>({
          resource: 'configmaps',
          indexes: {
            tier: (m) => m.data?.tier,
            tiers: (m) => (m.data?.tiers ? m.data.tiers.split(',') : undefined),
            broken: (m) => {
              if (m.data?.broken) throw new Error(`index of ${m.metadata?.name} broken`);
              return undefined;
            },
          },
          enqueue: () => 'all',
        }),
      },
      sync(_key, ctx) {
        for (const tier of ['web', 'db', 'cache']) seen[tier] = ctx.byIndex('configmaps', 'tier', tier).map((m) => m.metadata!.name!).sort();
        seen['tiers:a'] = ctx.byIndex('configmaps', 'tiers', 'a').map((m) => m.metadata!.name!).sort();
      },
    });
    const c = miniCluster(['by-tier'], { controllers: [byTier] });
    const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }) as ConfigMap;
    c.client.create(cm('x', { tier: 'web', tiers: 'a,b' }));
    c.client.create(cm('y', { tier: 'web' }));
    c.client.create(cm('z', { tier: 'db', broken: 'yes' }));
    c.advance(1_000);
    expect(seen).toEqual({ web: ['x', 'y'], db: ['z'], cache: [], 'tiers:a': ['x'] });
    c.client.update({ ...object<ConfigMap>(c, 'configmaps', 'x')!, data: { tier: 'cache', tiers: 'b' } });
    c.client.update({ ...object<ConfigMap>(c, 'configmaps', 'z')!, data: { tier: 'db', broken: 'still' } });
    c.advance(1_000);
    expect(seen).toEqual({ web: ['y'], db: ['z'], cache: ['x'], 'tiers:a': [] });
    c.client.delete('configmaps', 'y');
    c.client.delete('configmaps', 'z');
    c.advance(1_000);
    expect(seen).toEqual({ web: [], db: [], cache: ['x'], 'tiers:a': [] });
    // the broken index threw for z when it came and when it changed, not when it went
    expect(c.kernel.errors.map((e) => (e.error as Error).message)).toEqual(['index of z broken', 'index of z broken']);
  });

  it('syncs one key at a time, coalesces events, and syncs a key dirtied during its sync once more after it', () => {
    const log: { key: string; start: number; end?: number }[] = [];
    let inSync = 0;
    const slow = defineController({
      name: 'slow',
      watches: { configmaps: watch<ConfigMap>({ resource: 'configmaps', enqueue: ({ object }) => object.metadata?.name }) },
      sync(key, ctx) {
        inSync++;
        if (inSync > 1) throw new Error('two syncs at once');
        const entry: { key: string; start: number; end?: number } = { key, start: ctx.now() };
        log.push(entry);
        // 20 round trips one after the other (to the API server on the same host, about 0.2 ms
        // each): the sync lasts until the last answer arrives
        let left = 20;
        const next = (): void => {
          ctx.client.get('configmaps', 'default', key, {
            ignore: [404],
            onResponse: () => {
              if (--left > 0) return next();
              entry.end = ctx.now();
              inSync--;
            },
          });
        };
        next();
      },
    });
    const c = miniCluster(['slow'], { controllers: [slow] });
    const rt = runtime(c, 'slow');
    // three events for "k" before the controller sees any: one sync
    for (let i = 0; i < 3; i++) void c.client.requestAsync({ verb: i === 0 ? 'create' : 'update', resource: 'configmaps', namespace: 'default', name: i === 0 ? undefined : 'k', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k' }, data: { i: String(i) } } });
    c.advance(1_000);
    const first = log.filter((e) => e.key === 'k');
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThanOrEqual(3);
    // now dirty it while a sync is in flight: exactly one more sync follows
    log.length = 0;
    void c.client.requestAsync({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'k', body: { data: { i: 'x' } }, query: { patchType: 'merge' } });
    c.runUntil(() => rt.current !== undefined, { timeout: 1_000 });
    expect(rt.current?.key).toBe('k');
    void c.client.requestAsync({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'k', body: { data: { i: 'y' } }, query: { patchType: 'merge' } });
    void c.client.requestAsync({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'k', body: { data: { i: 'z' } }, query: { patchType: 'merge' } });
    c.advance(1_000);
    const runs = log.filter((e) => e.key === 'k');
    // the sync in flight, then exactly one more for the two events that came during it
    expect(runs).toHaveLength(2);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
    expect(rt.queue.length).toBe(0);
    expect(c.kernel.errors).toEqual([]);
  });

  it('retries a failing key after 5, 10, 20, 40 ms, then forgets its failures; requeueAfter and resync', () => {
    const times: number[] = [];
    const resyncs: string[] = [];
    let failuresLeft = 4;
    const flaky = defineController({
      name: 'flaky',
      resyncPeriod: 30_000,
      watches: {
        configmaps: watch<ConfigMap>({
          resource: 'configmaps',
          enqueue: ({ type, object }) => {
            if (type === 'resync') resyncs.push(object.metadata!.name!);
            return object.metadata?.name === 'flaky' ? 'flaky' : undefined;
          },
        }),
      },
      sync(key, ctx) {
        times.push(ctx.now());
        if (failuresLeft-- > 0) return { error: 'not yet' };
        return { requeueAfter: 10_000 };
      },
    });
    const c = miniCluster(['flaky'], { controllers: [flaky] });
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flaky' } } as ConfigMap);
    c.advance(1_000);
    const gaps = times.slice(1, 5).map((t, i) => t - times[i]!);
    expect(gaps.map((g) => Math.round(g * 1e6) / 1e6)).toEqual([5, 10, 20, 40]);
    expect(runtime(c, 'flaky').queue.numRequeues('flaky')).toBe(0);
    expect(runtime(c, 'flaky').stats.failures).toBe(4);
    const start = times.length;
    c.advance(25_000);
    // requeueAfter 10 s: two more syncs in 25 s
    expect(times.length - start).toBe(2);
    expect(times[start + 1]! - times[start]!).toBeCloseTo(10_000, 6);
    c.advance(10_000);
    expect(resyncs).toContain('flaky');
  });

  it("reports a controller actor that fails outright under the controller's address, and the controller manager runs on", () => {
    const bad = defineController({
      name: 'bad-state',
      watches: { configmaps: watch<ConfigMap>({ resource: 'configmaps' }) },
      state: () => {
        throw new Error('no state for you');
      },
      sync() {},
    });
    const c = miniCluster(['bad-state', 'replicaset'], { controllers: [bad] });
    c.advance(1_000);
    expect(c.kernel.errors.map((e) => [e.address, (e.error as Error).message])).toEqual([['controller-manager/bad-state', 'no state for you']]);
    expect(c.actor('controller-manager')?.getSnapshot().status).toBe('active');
  });

  it('reports a throwing sync to the kernel and retries it', () => {
    let calls = 0;
    const broken = defineController({
      name: 'broken',
      watches: { configmaps: watch<ConfigMap>({ resource: 'configmaps', fieldSelector: 'metadata.name=boom' }) },
      sync() {
        calls++;
        if (calls < 3) throw new Error('boom');
      },
    });
    const c = miniCluster(['broken'], { controllers: [broken] });
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'boom' } } as ConfigMap);
    c.advance(1_000);
    expect(calls).toBe(3);
    expect(c.kernel.errors.map((e) => [e.address, (e.error as Error).message])).toEqual([
      ['controller-manager/broken', 'boom'],
      ['controller-manager/broken', 'boom'],
    ]);
  });

  it('runs standalone on a kernel, and stops cleanly', () => {
    const c = miniCluster([]);
    const seen: string[] = [];
    const standalone = defineController({
      name: 'standalone',
      watches: { namespaces: { resource: 'namespaces' } },
      sync(key) {
        seen.push(key);
      },
    });
    const address = 'my-operator';
    const actor = createActor(standalone, { input: { port: new Port(c.kernel, address), token: c.users.admin.token }, clock: c.kernel.clock });
    c.kernel.register(address, actor);
    actor.start();
    c.advance(1_000);
    expect(seen).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(actor.getSnapshot().value).toEqual({ controller: { running: 'idle' }, retries: 'idle', housekeeping: 'ticking' });
    const rt = controllerRuntimeOf(actor)!;
    const watchId = rt.informers.get('namespaces')!.id;
    stopController(actor);
    c.advance(100);
    const cancel = c.kernel.trace.since(0).find((e) => e.from === address && e.type === 'watch.cancel');
    expect(cancel?.summary).toBe(`cancel ${watchId}`);
    const core = (c.actor('api-server')!.getSnapshot() as { context: { core: { cache: { watchers: Map<string, unknown> } } } }).context.core;
    expect(core.cache.watchers.has(watchId)).toBe(false);
  });
});
