/**
 * pod-ready-only-if-probes-pass (safety): a container with a readiness probe is written `ready:
 * true` in etcd only if its readiness probe has succeeded, in the run the status shows, at or
 * before the write. The kubelet's prober worker of the container's current run records when its
 * probe's handler (the exec command, HTTP GET, TCP connect or gRPC check run against the
 * container's process) first answered success (`passedAt`), before the thresholds count it.
 *
 * Every pod write etcd made since the last check is judged against the kubelets as they are now:
 * a `ready: true` container status whose run (containerID and startedAt) is still the container's
 * current run, with its readiness worker probing, whose probe has not succeeded yet (or succeeded
 * only after the verifier saw the write) is a violation. Writes of an earlier run, of a container
 * stopping, or of a pod whose worker is gone are not judged: the status in etcd may lag the
 * kubelet, and a restarted kubelet's run may reuse an ID (nothing is known of the old one).
 */
import type { AnyActorRef } from 'xstate';
import type { Container, ContainerStatus } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachPodChange } from '../history.js';

const NAME = 'pod-ready-only-if-probes-pass';

interface ContainerView {
  run?: { containerID?: string; startedAt?: string };
}

interface ProberView {
  kind?: string;
  passedAt?: number;
}

/** The readiness prober worker of the container actor `name` of the pod worker at `address`, with the run it probes. */
function readinessWorker(ref: AnyActorRef | undefined, name: string): { run: ContainerView['run']; prober?: ProberView } | undefined {
  const pod = ref?.getSnapshot?.();
  if (!pod || pod.status !== 'active') return undefined;
  const container = (pod.children as Record<string, AnyActorRef | undefined>)[name]?.getSnapshot?.();
  if (!container || container.status !== 'active') return undefined;
  const run = (container.context as ContainerView).run;
  for (const child of Object.values(container.children as Record<string, AnyActorRef | undefined>)) {
    const context = child?.getSnapshot?.()?.context as ProberView | undefined;
    if (context?.kind === 'readiness') return { run, prober: context };
  }
  return { run };
}

export const podReadyOnlyIfProbesPass: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a container with a readiness probe is written ready only once its probe has succeeded in that run',
  check(cluster, history) {
    const state = history.scratch(NAME, () => ({ cursor: 0 }));
    const out: Violation[] = [];
    forEachPodChange(history, state, ({ pod, name, revision, seenAt }) => {
      const spec = pod.spec;
      if (!spec) return;
      const judge = (containers: readonly Container[] | undefined, statuses: readonly ContainerStatus[] | undefined) => {
        for (const status of statuses ?? []) {
          if (status.ready !== true) continue;
          const probe = containers?.find((c) => c.name === status.name)?.readinessProbe;
          const startedAt = status.state?.running?.startedAt;
          if (!probe || !startedAt || !status.containerID) continue;
          const worker = readinessWorker(cluster.kernel.target(`pod/${name}`) as AnyActorRef | undefined, status.name);
          if (!worker?.prober || worker.run?.containerID !== status.containerID || worker.run.startedAt !== startedAt) continue;
          const { passedAt } = worker.prober;
          if (passedAt !== undefined && passedAt <= seenAt) continue;
          out.push(
            violation(
              NAME,
              `pod ${name} written at revision ${revision} shows container ${status.name} (${status.containerID.slice(0, 25)}…, started ${startedAt}) ready, but its readiness probe ${passedAt === undefined ? 'has not succeeded in that run' : `first succeeded only at t=${(passedAt / 1000).toFixed(3)}s`}`,
              seenAt,
            ),
          );
        }
      };
      judge(spec.containers, pod.status?.containerStatuses);
      judge(spec.initContainers, pod.status?.initContainerStatuses);
    });
    return out;
  },
};
