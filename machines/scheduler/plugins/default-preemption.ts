/**
 * DefaultPreemption's dry run (kube-scheduler `plugins/defaultpreemption` and
 * `framework/preemption`), as a post-filter plugin. When no node fits, it decides whether evicting
 * lower-priority pods could help and words the `preemption: ...` part of the FailedScheduling
 * message exactly as kube-scheduler does:
 *
 * - a pod with `preemptionPolicy: Never` → `preemption: not eligible due to preemptionPolicy=Never.`
 * - a pod nominated to a node where a lower-priority victim is still terminating →
 *   `preemption: not eligible due to a terminating pod on the nominated node.`
 * - otherwise each node rejected with `Unschedulable` (e.g. `Insufficient cpu`) is dry-run with all
 *   lower-priority pods removed: no such pods → `No preemption victims found for incoming pod`;
 *   still rejected → that filter's reasons; fits → the node is a candidate. Nodes rejected as
 *   unresolvable count as `Preemption is not helpful for scheduling`.
 *
 * With candidates there is no message: the best candidate (`pickOneNodeForPreemption`) is
 * returned as the node to nominate with its minimal set of victims (`SelectVictimsOnNode`), which
 * the scheduler deletes through the API. PodDisruptionBudgets (not served here) and the random
 * offset kube starts the dry run at (it stops after max(10 %, 100) candidates; this one
 * evaluates every potential node) are not modelled.
 */
import type { Pod } from '../../../src/api/types.js';
import { pickOneNodeForPreemption, selectVictimsOnNode, type PreemptionCandidate } from '../preemption.js';
import {
  fitErrorMessage,
  unresolvable,
  type CycleState,
  type Diagnosis,
  type PluginStatus,
  type PostFilterContext,
  type PostFilterPlugin,
  type PostFilterResult,
} from '../framework.js';

/** The plugin's name. */
const DEFAULT_PREEMPTION = 'DefaultPreemption';

/** Reason for nodes where preemption cannot help. */
const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/** Reason for nodes without lower-priority pods. */
const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

/** True when `p` is being deleted because the scheduler preempted it (`podTerminatingByPreemption`). */
function podTerminatingByPreemption(p: Pod): boolean {
  if (!p.metadata?.deletionTimestamp) return false;
  for (const c of p.status?.conditions ?? []) {
    if (c.type === 'DisruptionTarget') return c.status === 'True' && c.reason === 'PreemptionByScheduler';
  }
  return false;
}

/** `PodEligibleToPreemptOthers`: undefined when eligible, else the reason. */
function preemptionIneligibility(pod: Pod, state: CycleState, diagnosis: Diagnosis, ctx: PostFilterContext): string | undefined {
  if (pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const nominated = pod.status?.nominatedNodeName;
  if (nominated) {
    const st = diagnosis.nodeStatuses.get(nominated) ?? diagnosis.absentStatus;
    const code = st?.status.code ?? 'UnschedulableAndUnresolvable';
    if (code === 'UnschedulableAndUnresolvable') return undefined;
    const ni = ctx.nodeInfo(nominated);
    if (ni) {
      for (const key of ni.pods) {
        const rec = ctx.podRecord(key);
        if (rec && rec.priority < state.priority && podTerminatingByPreemption(rec.pod)) {
          return 'not eligible due to a terminating pod on the nominated node.';
        }
      }
    }
  }
  return undefined;
}

/** The DefaultPreemption post-filter (dry run only; see the module comment). */
export const DefaultPreemption: PostFilterPlugin = {
  name: DEFAULT_PREEMPTION,
  postFilter(pod: Pod, state: CycleState, diagnosis: Diagnosis, ctx: PostFilterContext): PostFilterResult {
    const ineligible = preemptionIneligibility(pod, state, diagnosis, ctx);
    if (ineligible) return { message: `preemption: ${ineligible}` };

    const potential: string[] = [];
    for (const [name, { status }] of diagnosis.nodeStatuses) if (status.code === 'Unschedulable') potential.push(name);
    if (diagnosis.absentStatus?.status.code === 'Unschedulable') {
      for (const ni of ctx.nodes) if (!diagnosis.nodeStatuses.has(ni.name)) potential.push(ni.name);
    }

    const statuses = new Map<string, PluginStatus>();
    const candidates: PreemptionCandidate[] = [];
    for (const name of potential) {
      const ni = ctx.nodeInfo(name);
      if (!ni) continue;
      const sel = selectVictimsOnNode(pod, state, ni, ctx.filters, ctx.podRecord);
      if ('victims' in sel) candidates.push({ node: name, victims: sel.victims, numPDBViolations: 0 });
      else if (sel.rejected === 'none') statuses.set(name, { plugin: DEFAULT_PREEMPTION, status: unresolvable(NO_PREEMPTION_VICTIMS) });
      else statuses.set(name, sel.rejected);
    }
    const best = pickOneNodeForPreemption(candidates);
    if (best) {
      return { message: '', candidates: candidates.map((c) => c.node), nominatedNode: best.node, victims: best.victims.map((v) => v.pod) };
    }
    const preemptionDiagnosis: Diagnosis = {
      numAllNodes: diagnosis.numAllNodes,
      nodeStatuses: statuses,
      absentStatus: { plugin: DEFAULT_PREEMPTION, status: unresolvable(PREEMPTION_NOT_HELPFUL) },
      preFilterMessage: undefined,
    };
    return { message: `preemption: ${fitErrorMessage(preemptionDiagnosis)}` };
  },
};
