/**
 * Preemption's victim selection and node choice (kube-scheduler `framework/preemption` and
 * `plugins/defaultpreemption`): `SelectVictimsOnNode` removes every lower-priority pod from a
 * copy of the node (updating the pre-filter states through the PreFilter extensions), checks the
 * pod fits, then reprieves the victims from the most important down, keeping as victims only
 * those without which it would not fit; `pickOneNodeForPreemption` picks the candidate with the
 * fewest PodDisruptionBudget violations, then the lowest highest-victim priority, the lowest sum
 * of victim priorities, the fewest victims, the latest start of its highest-priority victims,
 * and finally the first in order.
 *
 * PodDisruptionBudgets are not modelled (this cluster serves no `policy/v1` PDBs): every
 * victim counts as non-violating.
 */
import type { Pod } from '../../src/api/types.js';
import { cloneCycleState, runFilters, type CycleState, type FilterPlugin, type PluginStatus } from './framework.js';
import { type NodeInfo, type PodResourceRecord } from './node-info.js';

/** A pod on a node, with what the cache knows of it. */
export type VictimRecord = PodResourceRecord & { readonly pod: Pod };

/** A node where preemption makes room, and the pods to evict there. */
export interface PreemptionCandidate {
  /** The node. */
  readonly node: string;
  /** The pods to evict, most important first. */
  readonly victims: readonly VictimRecord[];
  /** How many victims would violate a PodDisruptionBudget (always 0 here). */
  readonly numPDBViolations: number;
}

function startTime(p: Pod): string {
  return (p.status?.startTime) ?? p.metadata?.creationTimestamp ?? '';
}

/** `util.MoreImportantPod`: higher priority, then the one that started earlier. */
function moreImportant(a: VictimRecord, b: VictimRecord): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const sa = startTime(a.pod);
  const sb = startTime(b.pod);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The result of {@link selectVictimsOnNode}: the victims, or the status that rules the node out. */
export type VictimSelection = { readonly victims: VictimRecord[] } | { readonly rejected: PluginStatus | 'none' };

/**
 * `SelectVictimsOnNode`: the minimal set of lower-priority pods whose eviction lets `pod` pass
 * the filters on `nodeInfo` (`rejected: 'none'` when the node has no lower-priority pod).
 */
export function selectVictimsOnNode(
  pod: Pod,
  state: CycleState,
  nodeInfo: NodeInfo,
  filters: readonly FilterPlugin[],
  podRecord: (key: string) => VictimRecord | undefined,
): VictimSelection {
  const copy = nodeInfo.clone();
  const copyState = cloneCycleState(state);
  const remove = (v: VictimRecord): void => {
    copy.removePod(v);
    for (const f of filters) f.removePod?.(copyState, pod, v.pod, copy);
  };
  const add = (v: VictimRecord): void => {
    copy.addPod(v);
    for (const f of filters) f.addPod?.(copyState, pod, v.pod, copy);
  };
  const potential: VictimRecord[] = [];
  for (const key of nodeInfo.pods) {
    const rec = podRecord(key);
    if (rec && rec.priority < state.priority) {
      potential.push(rec);
      remove(rec);
    }
  }
  if (potential.length === 0) return { rejected: 'none' };
  const rejected = runFilters(filters, pod, copy, copyState);
  if (rejected) return { rejected };
  potential.sort(moreImportant);
  const victims: VictimRecord[] = [];
  for (const v of potential) {
    add(v);
    if (runFilters(filters, pod, copy, copyState)) {
      remove(v);
      victims.push(v);
    }
  }
  return { victims };
}

const MAX_INT32 = 2147483647;

/** `pickOneNodeForPreemption`, over candidates in evaluation order. */
export function pickOneNodeForPreemption(candidates: readonly PreemptionCandidate[]): PreemptionCandidate | undefined {
  if (candidates.length === 0) return undefined;
  type Score = (c: PreemptionCandidate) => number;
  const highest = (c: PreemptionCandidate): number => (c.victims.length === 0 ? -MAX_INT32 - 1 : Math.max(...c.victims.map((v) => v.priority)));
  const criteria: Score[] = [
    (c) => -c.numPDBViolations,
    (c) => -highest(c),
    // priorities shifted by MaxInt32 + 1 so that they are all positive, as kube does
    (c) => -c.victims.reduce((s, v) => s + v.priority + MAX_INT32 + 1, 0),
    (c) => -c.victims.length,
  ];
  let pool = [...candidates];
  for (const score of criteria) {
    let best = -Infinity;
    let next: PreemptionCandidate[] = [];
    for (const c of pool) {
      const s = score(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    pool = next;
    if (pool.length === 1) return pool[0];
  }
  // the latest start time among each node's highest-priority victims (`GetEarliestPodStartTime`)
  const earliest = (c: PreemptionCandidate): string => {
    const top = highest(c);
    let e = '';
    for (const v of c.victims) if (v.priority === top && (e === '' || startTime(v.pod) < e)) e = startTime(v.pod);
    return e;
  };
  let latest = pool[0]!;
  for (const c of pool.slice(1)) if (earliest(c) > earliest(latest)) latest = c;
  return latest;
}
