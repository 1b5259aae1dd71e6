/**
 * daemonset-one-pod-per-node (safety): a DaemonSet runs at most one pod per node. Among the pods a
 * DaemonSet controls that are bound to a node and neither finished nor being deleted, each node
 * has at most one — or, while a surge rolling update (`maxSurge` > 0) is under way, at most two,
 * of different revisions (`controller-revision-hash`).
 */
import type { DaemonSet, Pod } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { isTerminal, keyOf } from '../resources.js';

function surges(ds: DaemonSet): boolean {
  const s = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge;
  return ds.spec?.updateStrategy?.type === 'RollingUpdate' && s !== undefined && s !== 0 && s !== '0%' && s !== '0';
}

export const daemonSetOnePodPerNode: Invariant = {
  name: 'daemonset-one-pod-per-node',
  kind: 'safety',
  description: 'a DaemonSet runs at most one pod per node (two of different revisions during a surge update)',
  check(cluster) {
    const out: Violation[] = [];
    const sets = new Map(cluster.objects<DaemonSet>('daemonsets').map((ds) => [ds.metadata!.uid!, ds]));
    if (sets.size === 0) return out;
    const byOwnerNode = new Map<string, Pod[]>();
    for (const pod of cluster.objects<Pod>('pods')) {
      const ref = pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'DaemonSet');
      const node = pod.spec?.nodeName;
      if (!ref || !node || !sets.has(ref.uid) || pod.metadata?.deletionTimestamp || isTerminal(pod)) continue;
      const k = `${ref.uid} ${node}`;
      const list = byOwnerNode.get(k) ?? [];
      list.push(pod);
      byOwnerNode.set(k, list);
    }
    for (const [k, pods] of byOwnerNode) {
      if (pods.length < 2) continue;
      const [uid, node] = k.split(' ') as [string, string];
      const ds = sets.get(uid)!;
      const hashes = new Set(pods.map((p) => p.metadata?.labels?.['controller-revision-hash'] ?? ''));
      if (surges(ds) && pods.length === 2 && hashes.size === 2) continue;
      out.push(violation('daemonset-one-pod-per-node', `DaemonSet ${keyOf(ds)} runs ${pods.length} pods on ${node}: ${pods.map((p) => p.metadata!.name).sort().join(', ')}`, cluster.now()));
    }
    return out;
  },
};
