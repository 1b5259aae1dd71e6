/**
 * only-api-server-talks-to-etcd (safety): every message sent to `etcd` comes from `api-server`
 * (faults the operator injects into etcd aside). Checked on every message of the trace as it is
 * recorded, delivered or dropped: a component that even tries to reach etcd directly is caught.
 */
import { API_SERVER, ETCD, FAULTS } from '../../../machines/protocol.js';
import { violation, type Invariant, type Violation } from '../invariant.js';

interface State {
  found: Violation[];
  /** Senders already reported (one violation per sender and message type). */
  seen: Set<string>;
}

export const onlyApiServerTalksToEtcd: Invariant = {
  name: 'only-api-server-talks-to-etcd',
  kind: 'safety',
  description: 'every message to etcd comes from the API server',
  observe(entry, history) {
    if (entry.to !== ETCD || entry.from === API_SERVER) return;
    if (entry.from === FAULTS && entry.reason === 'injected') return;
    const state = history.scratch<State>('only-api-server-talks-to-etcd', () => ({ found: [], seen: new Set() }));
    const id = `${entry.from} ${entry.type}`;
    if (state.seen.has(id)) return;
    state.seen.add(id);
    state.found.push(
      violation(
        'only-api-server-talks-to-etcd',
        `${entry.from} sent ${entry.type} (${entry.summary}) to etcd directly (trace entry #${entry.seq}, ${entry.status}); only the API server may talk to etcd`,
        entry.time,
      ),
    );
  },
  check(_cluster, history) {
    const state = history.scratch<State>('only-api-server-talks-to-etcd', () => ({ found: [], seen: new Set() }));
    return state.found.splice(0);
  },
};
