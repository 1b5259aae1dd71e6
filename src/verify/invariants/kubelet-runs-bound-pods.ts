/**
 * kubelet-runs-bound-pods (safety): a kubelet runs only pods bound to its node, and stops those
 * deleted. A pod worker actor `pod/<namespace>/<name>` exists only on the node its pod is bound
 * to (same uid); one whose pod is gone from etcd (or replaced by a new pod of the same name) is
 * stopped within its grace period plus an allowance for the kubelet to hear of it, counted from
 * when the cluster was last free of faults (a partitioned kubelet cannot hear anything). A node
 * that is down (crashed) runs nothing: its kubelet is gone, and its pods with it.
 */
import type { Pod } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { decode } from '../../../machines/api-server/watch-cache.js';
import { nodeAddress } from '../../../machines/protocol.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { stateOf } from '../history.js';
import { podWorkers } from '../workers.js';

const PODS_PREFIX = findResource('pods')!.etcdPrefix;

/** Time a kubelet gets, beyond the pod's grace period, to stop a worker whose pod is gone (a watch bookmark comes every minute). */
const ORPHAN_ALLOWANCE_MS = 90_000;

interface State {
  /** address#uid → first time the worker was seen without its pod. */
  orphans: Map<string, number>;
  /** Reported already (address#uid). */
  reported: Set<string>;
}

export const kubeletRunsBoundPods: Invariant = {
  name: 'kubelet-runs-bound-pods',
  kind: 'safety',
  description: 'pod workers run only on the node their pod is bound to, not on a crashed node, and stop once the pod is gone from etcd',
  check(cluster, history) {
    const state = history.scratch<State>('kubelet-runs-bound-pods', () => ({ orphans: new Map(), reported: new Set() }));
    const out: Violation[] = [];
    const now = cluster.now();
    const live = new Set<string>();
    const report = (id: string, message: string) => {
      if (state.reported.has(id)) return;
      state.reported.add(id);
      out.push(violation('kubelet-runs-bound-pods', message, now));
    };
    for (const worker of podWorkers(cluster)) {
      const { name, host, uid } = worker;
      const id = `${worker.address}#${uid ?? ''}`;
      live.add(id);
      if (stateOf(cluster, nodeAddress(host)) === 'down') {
        report(id, `node ${host} is down (crashed), but the worker of pod ${name} (uid ${uid ?? '?'}) still runs there`);
        continue;
      }
      const kv = cluster.store.get(PODS_PREFIX + name);
      const pod = kv ? (decode(kv) as Pod) : undefined;
      if (pod && (!uid || pod.metadata?.uid === uid)) {
        state.orphans.delete(id);
        const bound = pod.spec?.nodeName;
        if (bound !== host) report(id, bound ? `pod ${name} is bound to ${bound} but its worker runs on ${host}` : `pod ${name} is not bound to any node but a worker runs it on ${host}`);
        continue;
      }
      const since = state.orphans.get(id) ?? now;
      state.orphans.set(id, since);
      if (history.quietSince === undefined) continue;
      const grace = (worker.graceSeconds ?? 30) * 1000;
      const from = Math.max(since, history.quietSince);
      if (now - from > grace + ORPHAN_ALLOWANCE_MS) {
        report(
          id,
          `${pod ? `pod ${name} was replaced (uid ${pod.metadata?.uid})` : `pod ${name} is gone from etcd`} but its worker (uid ${uid ?? '?'}) still runs on ${host}, ${Math.round((now - from) / 1000)} s after the cluster was free of faults (grace ${grace / 1000} s)`,
        );
      }
    }
    for (const id of [...state.orphans.keys()]) if (!live.has(id)) state.orphans.delete(id);
    return out;
  },
};
