/**
 * The container statuses, IDs, events and decisions of a container actor (machines/container.ts),
 * as the kubelet's kuberuntime computes them: a run's status and its end, container and image IDs,
 * the restart decision, the messages of its events.
 */
import type { Container, ContainerState, ContainerStatus } from '../../src/api/types.js';
import { Rng, hashString } from '../../src/kernel/rng.js';
import { defaultPullPolicy, normalizeImage, type ResolvedBehavior } from '../../src/profiles/profile.js';
import type { ContainerContext, ContainerRecordEvent, ContainerStatusEvent, FateEvent, PullPolicy, TerminatedState } from '../container.js';
import type { ProbeKind } from './prober.js';

/** The status a container has before it was ever started: waiting, PodInitializing in pods with init containers, else ContainerCreating. */
export function initialContainerStatus(spec: Pick<Container, 'name' | 'image'>, reason: 'PodInitializing' | 'ContainerCreating'): ContainerStatus {
  return {
    name: spec.name,
    image: spec.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason } },
    lastState: {},
  };
}

const imageIds = new Map<string, string>();

/** The image ID a runtime reports for an image: `docker.io/library/nginx@sha256:<64 hex>`, a pure function of the name. */
export function imageIdOf(image: string): string {
  let id = imageIds.get(image);
  if (id !== undefined) return id;
  const full = normalizeImage(image);
  if (full.includes('@')) id = full;
  else id = `${full.slice(0, full.lastIndexOf(':'))}@sha256:${new Rng(hashString(full), 'image').hex(64)}`;
  if (imageIds.size >= 10_000) imageIds.clear();
  imageIds.set(image, id);
  return id;
}

/** The ID of the `run`-th container of a pod's container: `containerd://<64 hex>`, a pure function of its identity. */
export function containerIdOf(podKey: string, name: string, run: number): string {
  return `containerd://${new Rng(hashString(`${podKey}/${name}/${run}`), 'container').hex(64)}`;
}

export function restartCountOf(context: ContainerContext): number {
  return context.run.count > 0 ? context.run.count - 1 : 0;
}

/** A status of the current run with the given state (not ready, not started unless said). */
export function statusWith(context: ContainerContext, run: ContainerContext['run'], state: ContainerState, lastState: ContainerState = context.lastState): ContainerStatus {
  const started = run.containerID !== undefined;
  const status: ContainerStatus = {
    name: context.spec.name,
    image: started ? normalizeImage(context.spec.image) : context.spec.image,
    imageID: started ? imageIdOf(context.spec.image) : '',
    ready: false,
    restartCount: run.count > 0 ? run.count - 1 : 0,
    started: false,
    state,
    lastState,
  };
  if (started) status.containerID = run.containerID;
  return status;
}

export function report(context: ContainerContext, status: ContainerStatus): ContainerStatusEvent {
  const event: ContainerStatusEvent = { type: 'container.status', index: context.env.index, init: context.env.init, status };
  if (context.env.ephemeral) event.ephemeral = true;
  return event;
}

/** The kubelet events to report to the pod, of those given, that the container's event level wants. */
export function recorded(context: ContainerContext, ...events: Array<['Normal' | 'Warning', string, string]>): ContainerRecordEvent[] {
  const level = context.env.events;
  return events
    .filter(([eventType]) => level !== 'none' && !(level === 'warnings' && eventType === 'Normal'))
    .map(([eventType, reason, message]) => ({ type: 'container.event', init: context.env.init, ...(context.env.ephemeral ? { ephemeral: true as const } : {}), container: context.spec.name, eventType, reason, message }));
}

export function proberInput(context: ContainerContext, kind: ProbeKind) {
  const probes = context.probes!;
  const startMs = context.run.startMs ?? context.env.port.now();
  const startAbsMs = Date.parse(context.env.port.timestamp(startMs - context.env.port.now()));
  return { kind, probe: probes[kind]!, port: context.env.port, target: { ...probes.target, startMs, startAbsMs } };
}

export function fmtDuration(ms: number): string {
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m${(ms % 60_000) / 1000}s`;
  return `${ms / 1000}s`;
}

/** What ends the current run, if anything: the earliest of exit, OOM and liveness failure (while the container is unhealthy). */
export function fateOf(behavior: ResolvedBehavior, restartCount: number): { afterMs: number; event: FateEvent } | undefined {
  if (behavior.restartsBeforeHealthy !== undefined && restartCount >= behavior.restartsBeforeHealthy) return undefined;
  let fate: { afterMs: number; event: FateEvent } | undefined;
  if (behavior.exit) fate = { afterMs: behavior.exit.afterMs, event: { type: 'process.exited', code: behavior.exit.code } };
  if (behavior.oomAfterMs !== undefined && (!fate || behavior.oomAfterMs < fate.afterMs)) fate = { afterMs: behavior.oomAfterMs, event: { type: 'process.oomKilled' } };
  if (behavior.livenessFailsAfterMs !== undefined && (!fate || behavior.livenessFailsAfterMs < fate.afterMs)) {
    fate = { afterMs: behavior.livenessFailsAfterMs, event: { type: 'probe.livenessFailed' } };
  }
  return fate;
}

/** The kubelet's decision after an exit: restart per restartPolicy (regular init containers only on failure). */
export function shouldRestart(context: ContainerContext): boolean {
  const policy = context.env.restartPolicy;
  if (policy === 'Never') return false;
  const code = context.exit?.exitCode ?? 0;
  if (context.env.init && !context.env.sidecar) return code !== 0;
  return policy === 'Always' || code !== 0;
}

export function pullPolicyOf(spec: Pick<Container, 'image' | 'imagePullPolicy'>): PullPolicy {
  return (spec.imagePullPolicy) ?? defaultPullPolicy(spec.image ?? '');
}

export function endOfRun(context: ContainerContext, exitCode: number, reason: string): TerminatedState {
  const terminated: TerminatedState = {
    exitCode,
    reason,
    startedAt: context.run.startedAt,
    finishedAt: context.env.port.timestamp(),
    containerID: context.run.containerID,
  };
  if (exitCode === 137 && reason === 'Error') terminated.signal = 9;
  return terminated;
}
