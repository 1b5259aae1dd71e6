/**
 * kubelets-agree-with-etcd (liveness): once the faults are healed, etcd and every kubelet agree
 * on what runs where. Every pod etcd has bound to a node (and not finished or deleted) has a pod
 * worker on that node, of the same uid, whose last reported phase is the phase etcd holds; and
 * every pod worker belongs to a pod etcd has bound to its node.
 */
import type { Pod } from '../../api/types.js';
import { podAddress } from '../../../machines/protocol.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { isTerminal } from '../resources.js';
import { objectKey } from '../../api/object-key.js';
import { podWorkers, type PodWorker } from '../workers.js';

export const kubeletsAgreeWithEtcd: Invariant = {
  name: 'kubelets-agree-with-etcd',
  kind: 'liveness',
  description: 'after the faults heal, every pod bound in etcd runs on its node with the phase etcd holds, and nothing else runs',
  check(cluster) {
    const out: Violation[] = [];
    // the worker registered at each address (podWorkers lists it first; a worker of another kubelet
    // that the registered one shadows is kubelet-runs-bound-pods' concern)
    const workers = new Map<string, PodWorker>();
    for (const w of podWorkers(cluster)) if (!workers.has(w.address)) workers.set(w.address, w);
    const expected = new Set<string>();
    for (const pod of cluster.objects<Pod>('pods')) {
      const node = pod.spec?.nodeName;
      if (!node) continue;
      const address = podAddress(pod.metadata!.namespace!, pod.metadata!.name!);
      expected.add(address);
      if (pod.metadata?.deletionTimestamp || isTerminal(pod)) continue;
      const w = workers.get(address);
      if (!w) {
        out.push(violation('kubelets-agree-with-etcd', `etcd has pod ${objectKey(pod)} bound to ${node} (${pod.status?.phase}), but no worker runs it`, cluster.now()));
      } else if (w.host !== node) {
        out.push(violation('kubelets-agree-with-etcd', `etcd has pod ${objectKey(pod)} bound to ${node}, but its worker runs on ${w.host}`, cluster.now()));
      } else if (w.uid && w.uid !== pod.metadata?.uid) {
        out.push(violation('kubelets-agree-with-etcd', `etcd has pod ${objectKey(pod)} uid ${pod.metadata?.uid} on ${node}, but the worker there runs uid ${w.uid}`, cluster.now()));
      } else if (w.phase !== undefined && w.phase !== pod.status?.phase) {
        out.push(violation('kubelets-agree-with-etcd', `pod ${objectKey(pod)} on ${node} is ${pod.status?.phase} in etcd, but its worker reports ${w.phase}`, cluster.now()));
      }
    }
    for (const [address, w] of workers) {
      if (!expected.has(address)) out.push(violation('kubelets-agree-with-etcd', `a worker for ${address.slice(4)} runs on ${w.host}, but etcd has no such pod bound there`, cluster.now()));
    }
    return out;
  },
};
