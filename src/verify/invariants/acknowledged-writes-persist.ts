/**
 * acknowledged-writes-persist (safety): every write acknowledged to a client (a 2xx answer to a
 * create, update, patch or delete) is in etcd, and is never lost afterwards.
 *
 * - In etcd: the answer's resourceVersion names a change etcd made to that key (a create at that
 *   revision for a create, the object as answered; a deletion of that uid for a delete).
 * - Never lost: the workload owns the labels under `verify.kube-actors.io/` (each value is
 *   unique to the call that wrote it, and nobody else writes them on the objects the workload
 *   labels; copies elsewhere, like a Service's labels on its Endpoints, are not followed). Replaying every change etcd
 *   made, a label may only change to the value of a write that landed at that very revision:
 *   going back to the value of an older acknowledged write means a write computed from a stale
 *   copy overwrote the newer one (a lost update); a value written by a refused (4xx) call means
 *   a refused write took effect.
 */
import type { KubeObject } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import type { ClientCall, ObservedChange } from '../history.js';
import { LABEL_PREFIX, isWrite } from '../runner.js';

interface State {
  callCursor: number;
  changeCursor: number;
  /** Changes by key, in revision order. */
  byKey: Map<string, ObservedChange[]>;
  /** Current owned labels and uid of each key (from the changes replayed so far). */
  last: Map<string, { uid: string | undefined; labels: Record<string, string> }>;
  /** Label value → the call that wrote it. */
  writers: Map<string, ClientCall>;
  /** Keys the workload's label writes target (other keys may hold copies, e.g. a Service's Endpoints). */
  labelled: Set<string>;
  /** Answered calls whose write is not yet in the changes read (checked again later). */
  waiting: ClientCall[];
}

const is2xx = (c: ClientCall) => c.response !== undefined && c.response.code >= 200 && c.response.code < 300;
const is4xx = (c: ClientCall) => c.response !== undefined && c.response.code >= 400 && c.response.code < 500;

function ownedLabels(obj: KubeObject | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj?.metadata?.labels ?? {})) if (k.startsWith(LABEL_PREFIX)) out[k] = v;
  return out;
}

function stripRv(obj: unknown): unknown {
  const o = obj as KubeObject;
  return { ...o, metadata: { ...o.metadata, resourceVersion: undefined } };
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function describe(call: ClientCall): string {
  return `call #${call.id} (${call.flow.slice(call.flow.indexOf(' ') + 1)})`;
}

/** Checks one acknowledged write against etcd's changes; undefined when fine, 'wait' when its change is not read yet. */
function checkWrite(call: ClientCall, byKey: Map<string, ObservedChange[]>): string | undefined | 'wait' {
  if (!call.key || call.spec.query?.dryRun) return undefined;
  const body = call.response!.body as KubeObject & { details?: { uid?: string } };
  const changes = byKey.get(call.key) ?? [];
  const rv = Number(body?.metadata?.resourceVersion);
  if (body?.kind === 'Status') {
    // a delete answered with a Status: the key must have been deleted (that uid) after the call was sent
    const uid = body.details?.uid;
    const after = (c: ObservedChange) => c.revision > (call.keyRevisionAtSend ?? 0) && (!uid || c.change.kv.value.metadata?.uid === uid);
    if (call.spec.subresource === 'eviction') {
      // an eviction is a graceful delete: answered Success once the pod is marked for deletion (or gone)
      const marked = changes.some((c) => after(c) && (c.change.kind === 'delete' || c.change.kv.value.metadata?.deletionTimestamp !== undefined));
      return marked ? undefined : `${describe(call)} was answered ${call.response!.code} (evicted) but etcd never marked ${call.key} for deletion`;
    }
    const deleted = changes.some((c) => c.change.kind === 'delete' && after(c));
    return deleted ? undefined : `${describe(call)} was answered ${call.response!.code} (deleted) but etcd never deleted ${call.key}${uid ? ` uid ${uid}` : ''}`;
  }
  if (!Number.isFinite(rv) || rv <= 0) return undefined;
  const change = changes.find((c) => c.revision === rv);
  if (!change) return 'wait';
  const stored = change.change.kv.value;
  if (body.metadata?.uid && stored.metadata?.uid && body.metadata.uid !== stored.metadata.uid) {
    return `${describe(call)} was answered ${call.response!.code} with ${call.key} uid ${body.metadata.uid} at resourceVersion ${rv}, but etcd's change at that revision is of uid ${stored.metadata.uid}`;
  }
  if (call.spec.verb === 'create' && !call.spec.subresource) {
    if (change.change.kind !== 'put' || change.change.kv.createRevision !== rv) {
      return `${describe(call)} was answered ${call.response!.code} (created at resourceVersion ${rv}) but etcd did not create ${call.key} at that revision`;
    }
  }
  if (call.spec.verb === 'delete') return undefined;
  if (body.kind === 'Scale') {
    const replicas = (body as { spec?: { replicas?: number } }).spec?.replicas;
    const storedReplicas = (stored as { spec?: { replicas?: number } }).spec?.replicas;
    return replicas === storedReplicas ? undefined : `${describe(call)} was answered with replicas ${replicas} at resourceVersion ${rv}, but etcd holds replicas ${storedReplicas} at that revision`;
  }
  if (change.change.kind === 'put' && !same(stripRv(body), stripRv(stored))) {
    return `${describe(call)} was answered ${call.response!.code} with ${call.key} at resourceVersion ${rv}, but etcd holds a different object at that revision`;
  }
  if (call.labels) {
    const labels = ownedLabels(stored);
    for (const [k, v] of Object.entries(call.labels)) {
      if (labels[k] !== v) return `${describe(call)} was answered ${call.response!.code} at resourceVersion ${rv}, but etcd's object at that revision has ${k}=${labels[k] ?? '(none)'}, not ${v}`;
    }
  }
  return undefined;
}

export const acknowledgedWritesPersist: Invariant = {
  name: 'acknowledged-writes-persist',
  kind: 'safety',
  description: 'every write acknowledged to a client (2xx) is in etcd, and no later write undoes it from a stale copy',
  check(cluster, history) {
    const state = history.scratch<State>('acknowledged-writes-persist', () => ({
      callCursor: 0,
      changeCursor: 0,
      byKey: new Map(),
      last: new Map(),
      writers: new Map(),
      labelled: new Set(),
      waiting: [],
    }));
    const out: Violation[] = [];
    const report = (message: string) => out.push(violation('acknowledged-writes-persist', message, cluster.now()));
    // every call that writes labels is known before its change can show up
    for (const call of history.calls) {
      if (!call.labels) continue;
      if (call.key) state.labelled.add(call.key);
      for (const v of Object.values(call.labels)) if (!state.writers.has(v)) state.writers.set(v, call);
    }
    // replay etcd's changes
    for (let i = state.changeCursor; i < history.changes.length; i++) {
      const observed = history.changes[i]!;
      const { change, revision } = observed;
      const key = change.kv.key;
      let list = state.byKey.get(key);
      if (!list) state.byKey.set(key, (list = []));
      list.push(observed);
      const before = state.last.get(key);
      if (change.kind === 'delete') {
        state.last.delete(key);
        continue;
      }
      if (!state.labelled.has(key)) continue;
      const uid = change.kv.value.metadata?.uid;
      const labels = ownedLabels(change.kv.value);
      state.last.set(key, { uid, labels });
      if (!before || before.uid !== uid) continue;
      for (const k of new Set([...Object.keys(before.labels), ...Object.keys(labels)])) {
        const old = before.labels[k];
        const now = labels[k];
        if (old === now) continue;
        const oldWriter = old !== undefined ? state.writers.get(old) : undefined;
        if (now === undefined) {
          report(`label ${k}=${old} on ${key}${oldWriter ? `, written by ${describe(oldWriter)}` : ''}, was removed at revision ${revision}: nobody asked for that`);
          continue;
        }
        const writer = state.writers.get(now);
        if (!writer) {
          report(`label ${k} on ${key} changed to ${now} at revision ${revision}, a value no client wrote`);
          continue;
        }
        if (is4xx(writer)) {
          report(`label ${k}=${now} on ${key} appeared at revision ${revision}, but ${describe(writer)} that wrote it was refused with ${writer.response!.code}`);
          continue;
        }
        const writerRv = is2xx(writer) ? Number((writer.response!.body)?.metadata?.resourceVersion) : NaN;
        if (Number.isFinite(writerRv) && writerRv !== revision) {
          const lost = oldWriter && is2xx(oldWriter) ? `: the write of ${k}=${old} by ${describe(oldWriter)}, acknowledged at resourceVersion ${(oldWriter.response!.body).metadata?.resourceVersion}, was lost` : '';
          report(`label ${k} on ${key} went back from ${old} to ${now} at revision ${revision}, the value ${describe(writer)} wrote at revision ${writerRv}${lost} (a write computed from a stale copy overwrote a newer one)`);
        }
      }
    }
    state.changeCursor = history.changes.length;
    // every newly answered 2xx write is in etcd
    const recheck = state.waiting.splice(0);
    for (let i = state.callCursor; i < history.calls.length; i++) {
      const call = history.calls[i]!;
      if (!call.response) break;
      state.callCursor = i + 1;
      if (isWrite(call.spec) && is2xx(call)) recheck.push(call);
    }
    for (const call of recheck) {
      const problem = checkWrite(call, state.byKey);
      if (problem === 'wait') {
        if (cluster.now() - (call.answeredAt ?? 0) > 5_000) report(`${describe(call)} was answered ${call.response!.code} at resourceVersion ${(call.response!.body).metadata?.resourceVersion}, but etcd made no change to ${call.key} at that revision`);
        else state.waiting.push(call);
      } else if (problem) report(problem);
    }
    return out;
  },
};
