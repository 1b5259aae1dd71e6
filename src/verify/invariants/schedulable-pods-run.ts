/**
 * schedulable-pods-run (liveness): once the faults are healed, every pod that can run ends
 * Running (or finished: Succeeded / Failed). A pod still Pending is a violation when it is bound
 * to a node, or when it fits on some node next to the pods bound there (its node selector, the
 * node's configured taints, allocatable cpu, memory and pods, its host ports, required pod
 * anti-affinity and DoNotSchedule topology spread: `placementMisfit`). A pod that fits nowhere is excused:
 * the cluster is full, not stuck. Pods being deleted are left to `deleted-pods-disappear`.
 */
import type { Pod } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { isTerminal, misfit, nodeAllocatable, podsByNode } from '../resources.js';
import { objectKey } from '../../api/object-key.js';
import type { Cluster } from '../../cluster/create-cluster.js';
import { placementMisfit } from '../placement-fit.js';

/** The node a pending pod would fit on now, or undefined when it fits nowhere. */
export function nodeThatFits(cluster: Cluster, pod: Pod, pods: readonly Pod[]): string | undefined {
  const byNode = podsByNode(pods);
  const nodes = new Map(cluster.objects('nodes').map((n) => [n.metadata!.name!, n]));
  const labels = new Map(cluster.nodeSpecs.map((spec) => [spec.name, { ...(spec.labels ?? {}), 'kubernetes.io/hostname': spec.name }]));
  const names = cluster.nodeSpecs.map((spec) => spec.name);
  for (const spec of cluster.nodeSpecs) {
    const alloc = nodeAllocatable(nodes.get(spec.name), spec);
    if (misfit(pod, alloc, byNode.get(spec.name) ?? [], labels.get(spec.name), spec.taints).length > 0) continue;
    if (placementMisfit(pod, spec.name, (n) => labels.get(n), names, pods).length === 0) return spec.name;
  }
  return undefined;
}

export const schedulablePodsRun: Invariant = {
  name: 'schedulable-pods-run',
  kind: 'liveness',
  description: 'after the faults heal, every pod that fits on some node ends Running (or finished)',
  check(cluster) {
    const out: Violation[] = [];
    const pods = cluster.objects<Pod>('pods');
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp || isTerminal(pod) || pod.status?.phase === 'Running') continue;
      const node = pod.spec?.nodeName;
      if (node) {
        out.push(violation('schedulable-pods-run', `pod ${objectKey(pod)} is bound to ${node} but is ${pod.status?.phase ?? 'without a phase'}, not Running`, cluster.now()));
        continue;
      }
      const fits = nodeThatFits(cluster, pod, pods);
      if (fits) out.push(violation('schedulable-pods-run', `pod ${objectKey(pod)} fits on ${fits} but is still Pending and unscheduled`, cluster.now()));
    }
    return out;
  },
};
