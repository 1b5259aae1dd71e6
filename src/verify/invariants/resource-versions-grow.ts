/**
 * resource-versions-grow (safety): resourceVersions only grow. etcd's revision never goes back,
 * each key's modRevision grows with every change, and a client never reads an object (same uid)
 * at a resourceVersion older than one it had already been answered with before it sent the
 * request (reads after writes see the write).
 */
import type { KubeObject } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';

interface Seen {
  answeredAt: number;
  rv: number;
  call: number;
}

interface State {
  storeRevision: number;
  changeCursor: number;
  callCursor: number;
  lastRevisionOfKey: Map<string, number>;
  /** Per key and uid: resourceVersions clients were answered with. */
  seen: Map<string, Seen[]>;
}

export const resourceVersionsGrow: Invariant = {
  name: 'resource-versions-grow',
  kind: 'safety',
  description: "etcd's revision and every key's modRevision only grow, and no client reads an object older than one it was already answered with",
  check(cluster, history) {
    const state = history.scratch<State>('resource-versions-grow', () => ({ storeRevision: 0, changeCursor: 0, callCursor: 0, lastRevisionOfKey: new Map(), seen: new Map() }));
    const out: Violation[] = [];
    const report = (message: string) => out.push(violation('resource-versions-grow', message, cluster.now()));
    const revision = cluster.store.revision;
    if (revision < state.storeRevision) report(`etcd's revision went back from ${state.storeRevision} to ${revision}`);
    state.storeRevision = Math.max(state.storeRevision, revision);
    for (let i = state.changeCursor; i < history.changes.length; i++) {
      const { change, revision: rev } = history.changes[i]!;
      const key = change.kv.key;
      const last = state.lastRevisionOfKey.get(key) ?? 0;
      if (change.kv.modRevision <= last || rev !== change.kv.modRevision) report(`${key} changed at modRevision ${change.kv.modRevision} (revision ${rev}) after modRevision ${last}`);
      state.lastRevisionOfKey.set(key, Math.max(last, change.kv.modRevision));
    }
    state.changeCursor = history.changes.length;
    for (let i = state.callCursor; i < history.calls.length; i++) {
      const call = history.calls[i]!;
      if (!call.response) break;
      state.callCursor = i + 1;
      const code = call.response.code;
      const body = call.response.body as KubeObject;
      if (code < 200 || code >= 300 || !call.key || body?.kind === 'Status' || call.spec.verb === 'list' || call.spec.query?.dryRun) continue;
      const rv = Number(body?.metadata?.resourceVersion);
      if (!Number.isFinite(rv)) continue;
      const id = `${call.key}#${body.metadata?.uid ?? ''}`;
      let list = state.seen.get(id);
      if (!list) state.seen.set(id, (list = []));
      for (const s of list) {
        if (s.answeredAt < call.sentAt && s.rv > rv) {
          report(`call #${call.id} (${call.spec.verb} ${call.key}) was answered with resourceVersion ${rv}, older than ${s.rv} which call #${s.call} had been answered with before call #${call.id} was sent`);
          break;
        }
      }
      list.push({ answeredAt: call.answeredAt!, rv, call: call.id });
    }
    return out;
  },
};
