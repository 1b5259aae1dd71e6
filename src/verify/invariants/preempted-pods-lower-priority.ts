/**
 * preempted-pods-lower-priority (safety): every pod the scheduler preempts has a lower priority
 * than the pod it makes room for (kube-scheduler's DefaultPreemption only ever picks victims with
 * `priority < preemptor's priority`).
 *
 * Reads the `Preempted` Events the scheduler records on each victim (`Preempted by pod <uid> on
 * node <node>`, as kube-scheduler words them) and the priorities of both pods from etcd's history.
 */
import type { Event, Pod } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange } from '../history.js';

const NAME = 'preempted-pods-lower-priority';
const PODS_PREFIX = findResource('pods')!.etcdPrefix;
const EVENTS_PREFIX = findResource('events')!.etcdPrefix;
const PREEMPTED = /^Preempted by pod (\S+) on node (\S+)$/;

interface State {
  cursor: number;
  /** uid → priority and `namespace/name` of every pod seen. */
  pods: Map<string, { priority: number; name: string }>;
  /** Events already judged. */
  seen: Set<string>;
}

export const preemptedPodsLowerPriority: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a pod the scheduler preempts always has a lower priority than the pod it preempts for',
  check(cluster, history) {
    const state = history.scratch<State>(NAME, () => ({ cursor: 0, pods: new Map(), seen: new Set() }));
    const out: Violation[] = [];
    forEachChange(history, state, ({ change, revision }) => {
      if (change.kind === 'delete') return;
      const key = change.kv.key;
      if (key.startsWith(PODS_PREFIX)) {
        const pod = change.kv.value as Pod;
        const uid = pod.metadata?.uid;
        if (uid) state.pods.set(uid, { priority: pod.spec?.priority ?? 0, name: key.slice(PODS_PREFIX.length) });
        return;
      }
      if (!key.startsWith(EVENTS_PREFIX) || state.seen.has(key)) return;
      const event = change.kv.value as Event;
      if (event.reason !== 'Preempted' || event.involvedObject?.kind !== 'Pod') return;
      const m = PREEMPTED.exec(event.message ?? '');
      if (!m) return;
      state.seen.add(key);
      const victim = state.pods.get(event.involvedObject.uid ?? '');
      const preemptor = state.pods.get(m[1]!);
      if (!victim || !preemptor) return;
      if (victim.priority >= preemptor.priority) {
        out.push(
          violation(
            NAME,
            `pod ${victim.name} (priority ${victim.priority}) was preempted on ${m[2]} at revision ${revision} for pod ${preemptor.name} (priority ${preemptor.priority}), whose priority is not higher`,
            cluster.now(),
          ),
        );
      }
    });
    return out;
  },
};
