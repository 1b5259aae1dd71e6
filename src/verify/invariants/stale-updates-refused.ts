/**
 * stale-updates-refused (safety): an update carrying a resourceVersion that is no longer the
 * object's is refused with 409 Conflict and never written.
 *
 * - Stale when sent (etcd already held a newer version): the answer is 409 (or no decision:
 *   5xx, a timeout; or 404 when the object was deleted meanwhile), and etcd applies no write in the request's flow (an API server whose cache
 *   lags may still try one, guarded by compare-and-swap: etcd must refuse it).
 * - Applied (2xx): the version it replaced in etcd is exactly the one it carried; replacing a
 *   newer one means the update was applied over a write it never saw (a lost update).
 */
import { ETCD } from '../../../machines/protocol.js';

import { violation, type Invariant, type Violation } from '../invariant.js';
import type { ClientCall, History } from '../history.js';

interface State {
  found: Violation[];
  callCursor: number;
  /** etcd write requests made in the flows of stale updates (request id → summary). */
  writes: Map<string, string>;
}

const ETCD_WRITES = new Set(['etcd.create', 'etcd.update', 'etcd.delete']);

function staleAtSend(call: ClientCall): boolean {
  return call.spec.verb === 'update' && call.sentResourceVersion !== undefined && call.sentResourceVersion !== '' && call.keyRevisionAtSend !== undefined && String(call.keyRevisionAtSend) !== call.sentResourceVersion;
}

/** True when etcd deleted the call's object after it was sent (an update then finds nothing: 404). */
function deletedSince(history: History, call: ClientCall): boolean {
  return history.changes.some((c) => c.change.kind === 'delete' && c.change.kv.key === call.key && c.revision > (call.keyRevisionAtSend ?? 0));
}

const init = (): State => ({ found: [], callCursor: 0, writes: new Map() });

export const staleUpdatesRefused: Invariant = {
  name: 'stale-updates-refused',
  kind: 'safety',
  description: 'an update with a stale resourceVersion is refused with 409 and never written',
  observe(entry, history) {
    if (entry.flow === undefined) return;
    const call = history.callsByFlow.get(entry.flow);
    if (!call || !staleAtSend(call)) return;
    const state = history.scratch('stale-updates-refused', init);
    const event = entry.event as { id?: string; ok?: boolean; revision?: number } | undefined;
    if (entry.to === ETCD && ETCD_WRITES.has(entry.type) && event?.id) state.writes.set(event.id, entry.summary);
    else if (entry.from === ETCD && entry.type === 'etcd.result' && event?.id && event.ok && state.writes.has(event.id)) {
      state.found.push(
        violation(
          'stale-updates-refused',
          `call #${call.id} (update ${call.key} with resourceVersion ${call.sentResourceVersion}, while etcd held ${call.keyRevisionAtSend}) was written: etcd applied ${state.writes.get(event.id)} at revision ${event.revision}`,
          entry.time,
        ),
      );
    }
  },
  check(cluster, history) {
    const state = history.scratch('stale-updates-refused', init);
    const out = state.found.splice(0);
    for (let i = state.callCursor; i < history.calls.length; i++) {
      const call = history.calls[i]!;
      if (!call.response) break;
      state.callCursor = i + 1;
      if (call.spec.verb !== 'update' || call.sentResourceVersion === undefined || call.sentResourceVersion === '') continue;
      const code = call.response.code;
      if (staleAtSend(call)) {
        if (code !== 409 && code < 500 && !(code === 404 && deletedSince(history, call))) {
          out.push(
            violation(
              'stale-updates-refused',
              `call #${call.id} updated ${call.key} with resourceVersion ${call.sentResourceVersion} while etcd held ${call.keyRevisionAtSend}, and was answered ${code}${code < 300 ? ' (accepted)' : ''}, not 409 Conflict`,
              cluster.now(),
            ),
          );
        }
        continue;
      }
      if (code < 200 || code >= 300) continue;
      const rv = Number((call.response.body)?.metadata?.resourceVersion);
      if (!Number.isFinite(rv) || String(rv) === call.sentResourceVersion) continue;
      const change = history.changes.find((c) => c.revision === rv && c.change.kv.key === call.key);
      const replaced = change?.change.prev?.modRevision;
      if (change && replaced !== undefined && String(replaced) !== call.sentResourceVersion) {
        out.push(
          violation(
            'stale-updates-refused',
            `call #${call.id} updated ${call.key} with resourceVersion ${call.sentResourceVersion} and was accepted at ${rv}, replacing revision ${replaced} it had never seen (the write at ${replaced} was lost)`,
            cluster.now(),
          ),
        );
      }
    }
    return out;
  },
};
