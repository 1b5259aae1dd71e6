/**
 * statefulset-unique-ordinals (safety): a StatefulSet never runs two pods with the same ordinal
 * at once. Among the pods a StatefulSet controls that are neither finished nor being deleted, no
 * two carry the same ordinal (the `apps.kubernetes.io/pod-index` label, or the number ending the
 * name `<set>-<ordinal>`), and every one of them is named `<set>-<ordinal>`.
 */
import type { Pod, StatefulSet } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { isTerminal } from '../resources.js';
import { objectKey } from '../../api/object-key.js';

function ordinalOf(set: string, pod: Pod): string | undefined {
  const label = pod.metadata?.labels?.['apps.kubernetes.io/pod-index'];
  if (label !== undefined) return label;
  const m = /^(.*)-(0|[1-9][0-9]*)$/.exec(pod.metadata?.name ?? '');
  return m && m[1] === set ? m[2] : undefined;
}

export const statefulSetUniqueOrdinals: Invariant = {
  name: 'statefulset-unique-ordinals',
  kind: 'safety',
  description: 'a StatefulSet never runs two pods with the same ordinal at once, and names each <set>-<ordinal>',
  check(cluster) {
    const out: Violation[] = [];
    const sets = new Map(cluster.objects<StatefulSet>('statefulsets').map((s) => [s.metadata!.uid!, s]));
    if (sets.size === 0) return out;
    const seen = new Map<string, string>();
    for (const pod of cluster.objects<Pod>('pods')) {
      const ref = pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet');
      if (!ref || !sets.has(ref.uid) || pod.metadata?.deletionTimestamp || isTerminal(pod)) continue;
      const set = sets.get(ref.uid)!;
      const ord = ordinalOf(set.metadata!.name!, pod);
      if (ord === undefined) continue;
      if (pod.metadata!.name !== `${set.metadata!.name}-${ord}`) {
        out.push(violation('statefulset-unique-ordinals', `pod ${objectKey(pod)} of StatefulSet ${objectKey(set)} has ordinal ${ord} but is not named ${set.metadata!.name}-${ord}`, cluster.now()));
      }
      const k = `${ref.uid}/${ord}`;
      const other = seen.get(k);
      if (other) out.push(violation('statefulset-unique-ordinals', `StatefulSet ${objectKey(set)} runs two pods with ordinal ${ord}: ${other} and ${pod.metadata!.name}`, cluster.now()));
      else seen.set(k, pod.metadata!.name!);
    }
    return out;
  },
};
