/**
 * container-restarts-counted (safety): every restart of a container is counted in its
 * `restartCount`, whatever restarted it (an exit under its restart policy, a failed liveness or
 * startup probe, a changed image). A run is known by its containerID and startedAt; replayed from
 * etcd's changes, each run a pod's container status shows as the current one (running or
 * terminated) carries the restartCount the kubelet gave it, so two different runs of the same
 * container (same pod uid) shown with the same restartCount are a restart that was not counted.
 *
 * A node crash is no excuse: the kubelet that boots again takes a container's restart count from
 * the node's log directories (machines/kubelet/log-dirs.ts), so the count goes on. Stale writes
 * arriving late change nothing: runs are compared by when they started, not by when etcd was told.
 */
import type { ContainerStatus } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachPodChange } from '../history.js';

const NAME = 'container-restarts-counted';

interface Run {
  key: string;
  startedAt: string;
}

interface State {
  cursor: number;
  /** uid → container (`init/NAME` or `NAME`) → restartCount → the runs shown with it. */
  runs: Map<string, Map<string, Map<number, Run[]>>>;
  reported: Set<string>;
}

export const containerRestartsCounted: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'every restart of a container is counted: two runs of a container are never shown with the same restartCount',
  check(cluster, history) {
    const state = history.scratch<State>(NAME, () => ({ cursor: 0, runs: new Map(), reported: new Set() }));
    const out: Violation[] = [];
    forEachPodChange(
      history,
      state,
      ({ pod, uid, name, revision, seenAt }) => {
        if (!pod.spec?.nodeName) return;
        let byContainer = state.runs.get(uid);
        const visit = (prefix: string, statuses: readonly ContainerStatus[] | undefined) => {
          for (const status of statuses ?? []) {
            const running = status.state?.running;
            const terminated = status.state?.terminated;
            const startedAt = running?.startedAt ?? terminated?.startedAt;
            const containerID = running ? status.containerID : (terminated?.containerID ?? status.containerID);
            if (!startedAt || !containerID) continue;
            const run: Run = { key: `${containerID}@${startedAt}`, startedAt };
            if (!byContainer) state.runs.set(uid, (byContainer = new Map()));
            const container = `${prefix}${status.name}`;
            let byCount = byContainer.get(container);
            if (!byCount) byContainer.set(container, (byCount = new Map()));
            const runs = byCount.get(status.restartCount) ?? [];
            if (runs.some((r) => r.key === run.key)) continue;
            const other = runs[0];
            byCount.set(status.restartCount, [...runs, run]);
            const id = `${uid}/${container}/${status.restartCount}`;
            if (!other || state.reported.has(id)) continue;
            state.reported.add(id);
            out.push(
              violation(
                NAME,
                `pod ${name} written at revision ${revision} shows container ${status.name} in a run started ${startedAt} with restartCount ${status.restartCount}, the count an earlier run (started ${other.startedAt}) already had: a restart was not counted`,
                seenAt,
              ),
            );
          }
        };
        visit('', pod.status?.containerStatuses);
        visit('init/', pod.status?.initContainerStatuses);
      },
      state.runs,
    );
    return out;
  },
};
