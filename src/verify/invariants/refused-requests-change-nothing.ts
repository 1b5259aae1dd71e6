/**
 * refused-requests-change-nothing (safety): a request that must be refused is refused, with the
 * right code, and changes nothing.
 *
 * - Unauthenticated (a token nobody has): 401.
 * - Forbidden (an authenticated user without the rights: `guest`, or `viewer` writing): 403.
 * - Invalid (a bad name, no containers, a bad quantity, an unknown field, negative replicas, a
 *   selector that does not match its template): 400 or 422 (404 when its target is missing).
 *
 * 5xx answers and timeouts are allowed (the server decided nothing), but in no case may etcd
 * apply a write in the request's flow: etcd's revision is not moved by it.
 */
import { ETCD } from '../../../machines/protocol.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import type { CallExpectation } from '../history.js';

interface State {
  found: Violation[];
  callCursor: number;
  /** etcd write requests made in the flows of refused requests (request id → summary). */
  writes: Map<string, string>;
}

const ETCD_WRITES = new Set(['etcd.create', 'etcd.update', 'etcd.delete', 'etcd.compact']);

const ALLOWED: Record<CallExpectation, (code: number) => boolean> = {
  unauthenticated: (code) => code === 401 || code >= 500,
  forbidden: (code) => code === 403 || code >= 500,
  invalid: (code) => code === 400 || code === 404 || code === 422 || code >= 500,
};

const WANTED: Record<CallExpectation, string> = {
  unauthenticated: '401 Unauthorized',
  forbidden: '403 Forbidden',
  invalid: '400 BadRequest or 422 Invalid',
};

const init = (): State => ({ found: [], callCursor: 0, writes: new Map() });

export const refusedRequestsChangeNothing: Invariant = {
  name: 'refused-requests-change-nothing',
  kind: 'safety',
  description: 'unauthenticated (401), forbidden (403) and invalid (400/422) requests are refused and change nothing in etcd',
  observe(entry, history) {
    if (entry.flow === undefined) return;
    const call = history.callsByFlow.get(entry.flow);
    if (!call?.expect) return;
    const state = history.scratch('refused-requests-change-nothing', init);
    const event = entry.event as { id?: string; ok?: boolean; revision?: number } | undefined;
    if (entry.to === ETCD && ETCD_WRITES.has(entry.type) && event?.id) state.writes.set(event.id, entry.summary);
    else if (entry.from === ETCD && entry.type === 'etcd.result' && event?.id && event.ok && state.writes.has(event.id)) {
      state.found.push(
        violation(
          'refused-requests-change-nothing',
          `call #${call.id}, ${call.expect} (${call.user}: ${call.spec.verb} ${call.key ?? call.spec.resource}), changed etcd: it applied ${state.writes.get(event.id)} at revision ${event.revision}`,
          entry.time,
        ),
      );
    }
  },
  check(cluster, history) {
    const state = history.scratch('refused-requests-change-nothing', init);
    const out = state.found.splice(0);
    for (let i = state.callCursor; i < history.calls.length; i++) {
      const call = history.calls[i]!;
      if (!call.response) break;
      state.callCursor = i + 1;
      if (!call.expect) continue;
      const code = call.response.code;
      if (!ALLOWED[call.expect](code)) {
        const reason = (call.response.body as { reason?: string })?.reason;
        out.push(
          violation(
            'refused-requests-change-nothing',
            `call #${call.id}, ${call.expect} (${call.user}: ${call.spec.verb} ${call.key ?? call.spec.resource}${call.spec.subresource ? '/' + call.spec.subresource : ''}), was answered ${code}${reason ? ' ' + reason : ''}; expected ${WANTED[call.expect]}`,
            cluster.now(),
          ),
        );
      }
    }
    return out;
  },
};
