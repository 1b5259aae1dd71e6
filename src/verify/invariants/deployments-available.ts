/**
 * deployments-available (liveness): once the faults are healed, every Deployment ends with its
 * replicas available: exactly `spec.replicas` of its pods (through its ReplicaSets) are Running
 * and Ready, and its status says so (`availableReplicas`). A Deployment whose missing pods fit on
 * no node is excused (the cluster is full, not stuck).
 */
import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { objectKey } from '../../api/object-key.js';
import { nodeThatFits } from './schedulable-pods-run.js';

function ready(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function ownerUid(obj: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } }): string | undefined {
  const refs = obj.metadata?.ownerReferences ?? [];
  return (refs.find((r) => r.controller) ?? refs[0])?.uid;
}

export const deploymentsAvailable: Invariant = {
  name: 'deployments-available',
  kind: 'liveness',
  description: 'after the faults heal, every Deployment has exactly its replicas running, ready and reported available',
  check(cluster) {
    const out: Violation[] = [];
    const deployments = cluster.objects<Deployment>('deployments');
    if (deployments.length === 0) return out;
    const replicaSets = cluster.objects<ReplicaSet>('replicasets');
    const pods = cluster.objects<Pod>('pods');
    for (const d of deployments) {
      if (d.metadata?.deletionTimestamp) continue;
      const want = d.spec?.replicas ?? 1;
      const sets = new Set(replicaSets.filter((rs) => ownerUid(rs) === d.metadata?.uid).map((rs) => rs.metadata?.uid));
      const owned = pods.filter((p) => sets.has(ownerUid(p)) && !p.metadata?.deletionTimestamp);
      const running = owned.filter(ready).length;
      const available = d.status?.availableReplicas ?? 0;
      if (running === want && available === want) continue;
      if (running < want) {
        const stuck = owned.filter((p) => !p.spec?.nodeName && p.status?.phase === 'Pending' && !nodeThatFits(cluster, p, pods)).length;
        if (running + stuck >= want) continue;
      }
      out.push(
        violation(
          'deployments-available',
          `deployment ${objectKey(d)} wants ${want} replicas: ${running} of its pods are running and ready (${owned.length} active pods, ${sets.size} ReplicaSets), status.availableReplicas is ${available}`,
          cluster.now(),
        ),
      );
    }
    return out;
  },
};
