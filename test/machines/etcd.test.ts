import { describe, expect, it } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { createActor } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import { etcdMachine } from '../../machines/etcd.js';
import { MvccStore, shareUnchanged } from '../../machines/etcd/store.js';
import type { KubeObject, Pod } from '../../src/api/types.js';
import type { EtcdChanged, EtcdRequest, EtcdResult } from '../../machines/protocol.js';

/** A request without the id and sender the helper fills in. */
type Req = EtcdRequest extends infer T ? (T extends unknown ? Omit<T, 'id' | 'from'> : never) : never;

type Answer = EtcdResult | EtcdChanged | { type: 'etcd.progress'; revision: number };

function setup() {
  const kernel = new Kernel({ seed: 1 });
  const got: Answer[] = [];
  kernel.register('api-server', { send: (e: Answer) => got.push(e) });
  const etcd = createActor(etcdMachine, { input: { port: new Port(kernel, 'etcd') }, clock: kernel.clock }).start();
  kernel.register('etcd', etcd);
  let n = 0;
  const ask = (req: Req): EtcdResult => {
    const id = `r${++n}`;
    kernel.send('api-server', 'etcd', { ...req, id, from: 'api-server' });
    kernel.runUntilIdle();
    return got.find((e): e is EtcdResult => e.type === 'etcd.result' && e.id === id)!;
  };
  return { kernel, etcd, got, ask };
}

const obj = (name: string, v = 1) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: String(v) } });

describe('etcd', () => {
  it('keeps one global revision: create, get, range by prefix in key order, compare-and-swap update, delete', () => {
    const { ask } = setup();
    const a = ask({ type: 'etcd.create', key: '/registry/configmaps/default/b', value: obj('b') });
    expect(a).toMatchObject({ ok: true, revision: 2, kv: { createRevision: 2, modRevision: 2, version: 1 } });
    ask({ type: 'etcd.create', key: '/registry/configmaps/default/a', value: obj('a') });
    ask({ type: 'etcd.create', key: '/registry/configmaps/other/c', value: obj('c') });
    expect(ask({ type: 'etcd.create', key: '/registry/configmaps/default/a', value: obj('a') })).toMatchObject({ ok: false, error: 'KeyExists' });
    expect(ask({ type: 'etcd.range', prefix: '/registry/configmaps/default/' }).kvs!.map((kv) => kv.key)).toEqual(['/registry/configmaps/default/a', '/registry/configmaps/default/b']);
    expect(ask({ type: 'etcd.range', prefix: '/registry/configmaps/' }).kvs).toHaveLength(3);
    const page = ask({ type: 'etcd.range', prefix: '/registry/configmaps/', limit: 2 });
    expect(page.more).toBe(true);
    expect(ask({ type: 'etcd.range', prefix: '/registry/configmaps/', startAfter: page.kvs![1]!.key }).kvs!.map((kv) => kv.key)).toEqual(['/registry/configmaps/other/c']);
    const stale = ask({ type: 'etcd.update', key: '/registry/configmaps/default/b', value: obj('b', 2), expectedModRevision: 1 });
    expect(stale).toMatchObject({ ok: false, error: 'Conflict', current: { modRevision: 2 } });
    const fresh = ask({ type: 'etcd.update', key: '/registry/configmaps/default/b', value: obj('b', 2), expectedModRevision: 2 });
    expect(fresh).toMatchObject({ ok: true, kv: { createRevision: 2, modRevision: 5, version: 2 } });
    expect(ask({ type: 'etcd.get', key: '/registry/configmaps/default/b' }).kv!.value).toEqual(obj('b', 2));
    expect(ask({ type: 'etcd.delete', key: '/registry/configmaps/default/b', expectedModRevision: 2 })).toMatchObject({ ok: false, error: 'Conflict' });
    expect(ask({ type: 'etcd.delete', key: '/registry/configmaps/default/b' })).toMatchObject({ ok: true, revision: 6 });
    expect(ask({ type: 'etcd.get', key: '/registry/configmaps/default/b' })).toMatchObject({ ok: false, error: 'KeyNotFound' });
  });

  it('streams changes to a watch from a revision, replaying history, and refuses a compacted revision', () => {
    const { ask, got } = setup();
    for (let i = 0; i < 5; i++) ask({ type: 'etcd.create', key: `/registry/configmaps/default/c${i}`, value: obj(`c${i}`) });
    ask({ type: 'etcd.watch', prefix: '/registry/configmaps/', fromRevision: 4 });
    ask({ type: 'etcd.update', key: '/registry/configmaps/default/c0', value: obj('c0', 9) });
    const changes = got.filter((e): e is EtcdChanged => e.type === 'etcd.changed');
    expect(changes.map((c) => c.revision)).toEqual([4, 5, 6, 7]);
    expect(changes.at(-1)!.changes[0]).toMatchObject({ kind: 'put', kv: { key: '/registry/configmaps/default/c0' }, prev: { modRevision: 2 } });
    expect(ask({ type: 'etcd.compact', revision: 5 })).toMatchObject({ ok: true });
    expect(ask({ type: 'etcd.watch', prefix: '/registry/', fromRevision: 3 })).toMatchObject({ ok: false, error: 'Compacted' });
    expect(ask({ type: 'etcd.compact', revision: 999 })).toMatchObject({ ok: false, error: 'FutureRevision' });
  });

  it('sends progress notifications on its watches every 5 s', () => {
    const { ask, got, kernel } = setup();
    ask({ type: 'etcd.watch', prefix: '/registry/', fromRevision: 0 });
    kernel.advance(11_000);
    expect(got.filter((e) => e.type === 'etcd.progress')).toHaveLength(2);
  });

  it('answers Unavailable while unavailable, keeps everything it acknowledged, and serves again after recovering', () => {
    const { ask, kernel, etcd } = setup();
    ask({ type: 'etcd.create', key: '/registry/configmaps/default/kept', value: obj('kept') });
    kernel.inject('faults', 'etcd', { type: 'etcd.fail' });
    expect(etcd.getSnapshot().value).toBe('unavailable');
    expect(ask({ type: 'etcd.create', key: '/registry/configmaps/default/lost', value: obj('lost') })).toMatchObject({ ok: false, error: 'Unavailable' });
    expect(ask({ type: 'etcd.get', key: '/registry/configmaps/default/kept' })).toMatchObject({ ok: false, error: 'Unavailable' });
    kernel.inject('faults', 'etcd', { type: 'etcd.recover' });
    expect(ask({ type: 'etcd.get', key: '/registry/configmaps/default/kept' })).toMatchObject({ ok: true });
    expect(ask({ type: 'etcd.get', key: '/registry/configmaps/default/lost' })).toMatchObject({ ok: false, error: 'KeyNotFound' });
  });

  it('is a mutant without compare-and-swap when its revisionMismatch guard is replaced', () => {
    const kernel = new Kernel({ seed: 1 });
    const got: EtcdResult[] = [];
    kernel.register('api-server', { send: (e: EtcdResult) => got.push(e) });
    const mutant = etcdMachine.provide({ guards: { revisionMismatch: () => false } });
    const etcd = createActor(mutant, { input: { port: new Port(kernel, 'etcd') }, clock: kernel.clock }).start();
    kernel.register('etcd', etcd);
    kernel.send('api-server', 'etcd', { type: 'etcd.create', id: '1', from: 'api-server', key: '/k', value: obj('k') } satisfies EtcdRequest);
    kernel.send('api-server', 'etcd', { type: 'etcd.update', id: '2', from: 'api-server', key: '/k', value: obj('k', 2), expectedModRevision: 999 } satisfies EtcdRequest);
    kernel.runUntilIdle();
    expect(got.find((r) => r.id === '2')).toMatchObject({ ok: true });
  });
});

describe('MvccStore', () => {
  propTest.prop([fc.array(fc.tuple(fc.constantFrom('create', 'update', 'delete'), fc.integer({ min: 0, max: 5 })), { maxLength: 60 })])(
    'revisions only grow, every key agrees with a plain map, and history replays to the same state',
    (ops) => {
      const store = new MvccStore();
      const model = new Map<string, number>();
      let last = store.revision;
      for (const [op, i] of ops) {
        const key = `/registry/configmaps/ns/k${i}`;
        if (op === 'create' && store.create(key, obj(`k${i}`, 0))) model.set(key, 0);
        if (op === 'update' && store.update(key, obj(`k${i}`, (model.get(key) ?? 0) + 1))) model.set(key, (model.get(key) ?? 0) + 1);
        if (op === 'delete' && store.delete(key)) model.delete(key);
        expect(store.revision).toBeGreaterThanOrEqual(last);
        last = store.revision;
      }
      expect(store.all().map((kv) => [kv.key, Number((kv.value as { data: { v: string } }).data.v)])).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : 1)));
      const replay = new Map<string, number>();
      for (const { change } of store.changesSince(1, '/')!) {
        if (change.kind === 'delete') replay.delete(change.kv.key);
        else replay.set(change.kv.key, Number((change.kv.value as { data: { v: string } }).data.v));
      }
      expect(new Map([...replay].sort())).toEqual(new Map([...model].sort()));
    },
  );

  propTest.prop([
    fc.array(fc.tuple(fc.constantFrom('create', 'delete'), fc.constantFrom('pods/a/', 'pods/ab/', 'pods/b/', 'services/specs/a/', 'services/endpoints/a/', 'minions/'), fc.integer({ min: 0, max: 4 })), { maxLength: 50 }),
    fc.constantFrom('/registry/', '/registry/pods/', '/registry/pods/a', '/registry/pods/a/', '/registry/pods/ab/', '/registry/services/', '/registry/services/specs/', '/registry/minions/', '/registry/minions/n1', '/none/'),
  ])('counts the keys under a prefix as many as a range lists', (ops, prefix) => {
    const store = new MvccStore();
    for (const [op, dir, i] of ops) {
      const key = `/registry/${dir}n${i}`;
      if (op === 'create') store.create(key, obj(`n${i}`, 0));
      else store.delete(key);
    }
    expect(store.countPrefix(prefix)).toBe(store.range(prefix).kvs.length);
  });

  it('keeps what an update did not change as the previous revision\'s objects, and the new value equal to what was written', () => {
    const store = new MvccStore();
    const key = '/registry/pods/default/p';
    const spec = { containers: [{ name: 'app', image: 'pause' }] };
    store.create(key, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'a' } }, spec, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] } } as KubeObject);
    const before = store.get(key)!.value as Pod;
    // a status patch's result: new objects everywhere but the spec, one condition added
    const written = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'a' } }, spec, status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] } };
    const copy = structuredClone(written);
    store.update(key, written);
    const after = store.get(key)!.value as Pod;
    expect(after).toEqual(copy);
    expect(JSON.stringify(after)).toBe(JSON.stringify(copy));
    expect(written).toEqual(copy); // the argument is not changed
    expect(after.metadata).toBe(before.metadata);
    expect(after.spec).toBe(before.spec);
    expect(after.status).not.toBe(before.status);
    expect(after.status!.conditions![0]).toBe(before.status!.conditions![0]);
    expect(after.status!.conditions![1]).toBe(written.status.conditions[1]);
    // the previous revision is unchanged in the history
    expect(store.changesSince(1, key)![0]!.change.kv.value).toBe(before);
    expect(before.status).toEqual({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] });
  });

  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom('a', 'b', '', 0, 1, true, null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('value'), { maxKeys: 3 })),
  })).value;
  propTest.prop([json, json])('shareUnchanged gives a value equal to the new one, key order included, without changing either', (prev, next) => {
    const [p, n] = [JSON.stringify(prev), JSON.stringify(next)];
    const shared = shareUnchanged(prev, next);
    expect(JSON.stringify(shared)).toBe(n);
    expect(shared).toEqual(next);
    expect(JSON.stringify(prev)).toBe(p);
    expect(JSON.stringify(next)).toBe(n);
    if (p === n) expect(shared).toBe(prev);
  });
});
