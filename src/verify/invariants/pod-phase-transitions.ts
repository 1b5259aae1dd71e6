/**
 * pod-phase-transitions (safety): a pod's phase only moves forward along the allowed edges:
 * Pending → Running → Succeeded | Failed, and Pending → Succeeded | Failed. It never goes back
 * (Running → Pending, Succeeded → Running, ...) and a finished pod never changes its verdict
 * (Succeeded ↔ Failed). Every change etcd made to every pod is replayed, so a phase that lasted
 * only between two checks is still seen.
 */
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachPodChange } from '../history.js';

/** The allowed successors of each phase (a phase may also stay as it is). */
export const ALLOWED_PHASE_EDGES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Pending: ['Running', 'Succeeded', 'Failed'],
  Running: ['Succeeded', 'Failed'],
  Succeeded: [],
  Failed: [],
});

interface State {
  cursor: number;
  /** uid → last phase and its revision. */
  phases: Map<string, { phase: string; revision: number }>;
}

export const podPhaseTransitions: Invariant = {
  name: 'pod-phase-transitions',
  kind: 'safety',
  description: "a pod's phase only moves Pending → Running → Succeeded|Failed (or Pending → Succeeded|Failed), never back",
  check(cluster, history) {
    const state = history.scratch<State>('pod-phase-transitions', () => ({ cursor: 0, phases: new Map() }));
    const out: Violation[] = [];
    forEachPodChange(
      history,
      state,
      ({ pod, uid, name, revision }) => {
        const phase = pod.status?.phase;
        if (!phase) return;
        const before = state.phases.get(uid);
        if (before && before.phase !== phase && !(ALLOWED_PHASE_EDGES[before.phase] ?? []).includes(phase)) {
          out.push(
            violation(
              'pod-phase-transitions',
              `pod ${name} (uid ${uid}${pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : ''}) went from ${before.phase} (revision ${before.revision}) to ${phase} (revision ${revision})`,
              cluster.now(),
            ),
          );
        }
        state.phases.set(uid, { phase, revision });
      },
      state.phases,
    );
    return out;
  },
};
