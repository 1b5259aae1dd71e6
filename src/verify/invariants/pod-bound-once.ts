/**
 * pod-bound-once (safety): a pod is bound to at most one node, and its node never changes.
 *
 * Reads every change etcd made to pods (the store's history, so a binding that was undone
 * between two checks is still seen) and remembers, per pod uid, the first node it was bound to.
 */
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachPodChange } from '../history.js';

interface State {
  cursor: number;
  /** uid → node and pod key. */
  bound: Map<string, { node: string; key: string; revision: number }>;
}

export const podBoundOnce: Invariant = {
  name: 'pod-bound-once',
  kind: 'safety',
  description: 'a pod is bound to at most one node, and the node it is bound to never changes',
  check(cluster, history) {
    const state = history.scratch<State>('pod-bound-once', () => ({ cursor: 0, bound: new Map() }));
    const out: Violation[] = [];
    forEachPodChange(
      history,
      state,
      ({ pod, uid, key, name, revision }) => {
        const node = pod.spec?.nodeName ?? '';
        const before = state.bound.get(uid);
        if (before) {
          if (node !== before.node) {
            out.push(
              violation(
                'pod-bound-once',
                node
                  ? `pod ${name} (uid ${uid}) was bound to ${before.node} at revision ${before.revision} and is bound to ${node} at revision ${revision}`
                  : `pod ${name} (uid ${uid}) was bound to ${before.node} at revision ${before.revision} and lost its node at revision ${revision}`,
                cluster.now(),
              ),
            );
            state.bound.set(uid, { node, key, revision });
          }
        } else if (node) {
          state.bound.set(uid, { node, key, revision });
        }
      },
      state.bound,
    );
    return out;
  },
};
