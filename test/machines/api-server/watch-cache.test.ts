import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { WatchCache, type Watcher } from '../../../machines/api-server/watch-cache.js';
import { findResource, type ResourceInfo } from '../../../src/api/resources.js';
import { parseFieldSelector } from '../../../src/api/field-selectors.js';
import type { KubeObject } from '../../../src/api/types.js';
import type { WatchEvent } from '../../../machines/protocol.js';

const PODS = findResource('pods')!;
const NODES = findResource('nodes')!;
let watches = 0;

/** Drives a watch cache with etcd changes as the API server would, revision by revision. */
class Feed {
  readonly cache = new WatchCache();
  private revision = 1;
  private readonly live = new Map<string, { value: KubeObject; createRevision: number }>();

  put(key: string, value: KubeObject): void {
    const rev = ++this.revision;
    const prev = this.live.get(key);
    const kv = { key, value, createRevision: prev?.createRevision ?? rev, modRevision: rev, version: 1 };
    this.live.set(key, { value, createRevision: kv.createRevision });
    this.cache.apply({ kind: 'put', kv }, () => {});
  }

  delete(key: string): void {
    const prev = this.live.get(key);
    if (!prev) return;
    const rev = ++this.revision;
    this.live.delete(key);
    this.cache.apply({ kind: 'delete', kv: { key, value: prev.value, createRevision: prev.createRevision, modRevision: rev, version: 0 } }, () => {});
  }

  /** The events a new watcher gets (initial, or resumed from `fromRevision`). */
  watch(info: ResourceInfo, options: { namespace?: string; nodeName?: string; name?: string; fieldSelector?: string; from?: number }): WatchEvent[] {
    const events: WatchEvent[] = [];
    const w: Watcher = {
      id: `w${++watches}`,
      to: 'client',
      info,
      namespace: options.namespace,
      nodeName: options.nodeName,
      name: options.name,
      fields: options.fieldSelector ? parseFieldSelector(options.fieldSelector, info.kind) : undefined,
      fromRevision: options.from ?? this.cache.revision,
      seq: 0,
      bookmarks: false,
    };
    expect(this.cache.addWatcher(w, options.from === undefined, (_to, e) => events.push(e))).toBe(true);
    this.cache.removeWatcher(w.id);
    return events;
  }
}

const pod = (ns: string, name: string, node: string | undefined, v: number): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { v: String(v) } }, spec: { nodeName: node, containers: [] } }) as KubeObject;
const names = (events: WatchEvent[]) => events.filter((e) => e.type !== 'watch.bookmark').map((e) => `${e.type} ${e.object.metadata!.namespace ?? ''}/${e.object.metadata!.name}`);

const op = fc.tuple(fc.constantFrom('put', 'put', 'delete'), fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 5 }), fc.constantFrom(undefined, 'node-1', 'node-2'));

describe('WatchCache', () => {
  test.prop([fc.array(op, { maxLength: 40 }), fc.constantFrom('node-1', 'node-2', 'node-3'), fc.constantFrom(undefined, 'a')])(
    "a node's pod watch starts with exactly the pods bound to it, in key order, however they moved",
    (ops, node, namespace) => {
      const feed = new Feed();
      ops.forEach(([kind, ns, i, bound], v) => (kind === 'put' ? feed.put(`/registry/pods/${ns}/p${i}`, pod(ns, `p${i}`, bound, v)) : feed.delete(`/registry/pods/${ns}/p${i}`)));
      const all = feed.watch(PODS, { namespace });
      const expected = all.filter((e) => (e.object as { spec?: { nodeName?: string } }).spec?.nodeName === node);
      expect(names(feed.watch(PODS, { namespace, nodeName: node }))).toEqual(names(expected));
    },
  );

  test.prop([fc.array(op, { minLength: 1, maxLength: 40 }), fc.nat()])('a resumed watch replays exactly the events after its revision', (ops, pick) => {
    const feed = new Feed();
    const revisions: number[] = [feed.cache.revision];
    const log: { revision: number; line: string }[] = [];
    ops.forEach(([kind, ns, i, bound], v) => {
      const key = `/registry/pods/${ns}/p${i}`;
      const existed = names(feed.watch(PODS, { namespace: ns, name: `p${i}` })).length > 0;
      if (kind === 'put') feed.put(key, pod(ns, `p${i}`, bound, v));
      else feed.delete(key);
      if (feed.cache.revision !== revisions.at(-1)) {
        revisions.push(feed.cache.revision);
        log.push({ revision: feed.cache.revision, line: `${kind === 'delete' ? 'watch.deleted' : existed ? 'watch.modified' : 'watch.added'} ${ns}/p${i}` });
      }
    });
    const from = revisions[pick % revisions.length]!;
    expect(names(feed.watch(PODS, { from }))).toEqual(log.filter((l) => l.revision > from).map((l) => l.line));
  });

  test.prop([fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 12 }), fc.integer({ min: 1, max: 6 })])(
    'a watch pinned to one name starts with that object alone (cluster-scoped, or in its namespace)',
    (nodes, wanted) => {
      const feed = new Feed();
      for (const n of nodes) feed.put(`/registry/minions/node-${n}`, { apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${n}` } });
      feed.put('/registry/pods/a/p1', pod('a', 'p1', undefined, 0));
      const selector = `metadata.name=node-${wanted}`;
      expect(names(feed.watch(NODES, { name: `node-${wanted}`, fieldSelector: selector }))).toEqual(nodes.includes(wanted) ? [`watch.added /node-${wanted}`] : []);
      expect(names(feed.watch(PODS, { namespace: 'a', name: 'p1', fieldSelector: 'metadata.name=p1' }))).toEqual(['watch.added a/p1']);
      // across namespaces the name alone is not a key: every pod is looked at
      expect(names(feed.watch(PODS, { name: 'p1', fieldSelector: 'metadata.name=p1' }))).toEqual(['watch.added a/p1']);
    },
  );
});
