/**
 * The pod worker's side of the network timeline (machines/kubelet/network.ts): which of its
 * containers still need the network watched, and the fates of their processes recomputed when a
 * new snapshot is appended. The chart (machines/pod.ts) arms the `networkResync` delay and sends
 * the containers their `container.refate`.
 */
import type { Container, ContainerStatus, Pod } from '../../src/api/types.js';
import type { PodContext, PodEnv } from '../pod.js';
import type { ContainerRefate } from '../container.js';
import { processFate } from './process.js';
import type { RequestFlow } from './net-tools.js';
import { processContextOf } from './config-sources.js';
import { processBase } from './pod-containers.js';
import { BEHAVIOR_ANNOTATION, behaviorAnnotation } from '../../src/profiles/profile.js';


/** The network user's status: will it run (again)? A regular init container that completed, or a container its policy does not restart, is done. */
function live(env: PodEnv, status: ContainerStatus, init: boolean): boolean {
  const t = status.state?.terminated;
  if (!t) return true;
  if (init && !env.sidecars.has(status.name)) return t.exitCode !== 0;
  return env.restartPolicy === 'Always' || (env.restartPolicy === 'OnFailure' && t.exitCode !== 0) || env.sidecars.has(status.name);
}

/** True while one of the pod's network users runs or will run: the worker keeps re-capturing the network. */
export function networkUserLive(context: Pick<PodContext, 'env' | 'initStatuses' | 'statuses'>): boolean {
  const users = context.env.networkUsers;
  if (users.size === 0 || !context.env.network) return false;
  return context.initStatuses.some((s) => users.has(s.name) && live(context.env, s, true)) || context.statuses.some((s) => users.has(s.name) && live(context.env, s, false));
}

/**
 * When a container's process starts, for the network it sees: a running one since its
 * `startedAt` (as logs replay it), one that has not started yet (or will restart) from now.
 */
function processStartAbs(status: ContainerStatus | undefined, nowAbs: number): number {
  const startedAt = status?.state?.running?.startedAt;
  return startedAt ? Date.parse(startedAt) : nowAbs;
}

/**
 * The fates of the network users' processes with `env`'s timeline (the new one), for each
 * container of `pod` with a status: skipped when a behavior annotation decides its fate, or the
 * process is not modelled.
 */
export function refates(env: PodEnv, context: Pick<PodContext, 'initStatuses' | 'statuses' | 'pod'>, nowAbs: number): { name: string; event: ContainerRefate; flows: readonly RequestFlow[]; startAbs: number }[] {
  const pod: Pod = context.pod;
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[BEHAVIOR_ANNOTATION] !== undefined) return [];
  const out: { name: string; event: ContainerRefate; flows: readonly RequestFlow[]; startAbs: number }[] = [];
  const each = (containers: readonly Container[], statuses: readonly ContainerStatus[]): void => {
    for (const c of containers) {
      if (!env.networkUsers.has(c.name) || annotations[behaviorAnnotation(c.name)] !== undefined) continue;
      const status = statuses.find((s) => s.name === c.name);
      const startAbs = processStartAbs(status, nowAbs);
      const fate = processFate(pod, c, processContextOf(pod, c, processBase(env), env.configData), startAbs);
      if (!fate || fate.oomAfterMs !== undefined) continue;
      out.push({ name: c.name, event: { type: 'container.refate', exit: fate.exit }, flows: fate.flows ?? [], startAbs });
    }
  };
  each(pod.spec?.initContainers ?? [], context.initStatuses);
  each(pod.spec?.containers ?? [], context.statuses);
  return out;
}
