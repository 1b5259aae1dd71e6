/**
 * deleted-pods-disappear (liveness): once the faults are healed, every pod marked for deletion
 * (deletionTimestamp set) is stopped by its kubelet and removed from etcd.
 */
import type { Pod } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { objectKey } from '../../api/object-key.js';

export const deletedPodsDisappear: Invariant = {
  name: 'deleted-pods-disappear',
  kind: 'liveness',
  description: 'after the faults heal, every pod marked for deletion is removed from etcd',
  check(cluster) {
    const out: Violation[] = [];
    for (const pod of cluster.objects<Pod>('pods')) {
      const ts = pod.metadata?.deletionTimestamp;
      if (!ts) continue;
      out.push(violation('deleted-pods-disappear', `pod ${objectKey(pod)}${pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : ''} was marked for deletion at ${ts} and is still in etcd (${pod.status?.phase})`, cluster.now()));
    }
    return out;
  },
};
