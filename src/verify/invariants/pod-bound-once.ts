/**
 * pod-bound-once (safety): a pod is bound to at most one node, and its node never changes.
 *
 * Reads every change etcd made to pods (the store's history, so a binding that was undone
 * between two checks is still seen) and remembers, per pod uid, the first node it was bound to.
 */
import type { Pod } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';

const PODS_PREFIX = findResource('pods')!.etcdPrefix;

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
    for (let i = state.cursor; i < history.changes.length; i++) {
      const { change, revision } = history.changes[i]!;
      const key = change.kv.key;
      if (!key.startsWith(PODS_PREFIX)) continue;
      const pod = change.kv.value as Pod;
      const uid = pod.metadata?.uid ?? key;
      if (change.kind === 'delete') {
        state.bound.delete(uid);
        continue;
      }
      const node = pod.spec?.nodeName ?? '';
      const before = state.bound.get(uid);
      const name = key.slice(PODS_PREFIX.length);
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
    }
    state.cursor = history.changes.length;
    return out;
  },
};
