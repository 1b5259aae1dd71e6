/**
 * What the pod machine (machines/pod.ts) derives from its pod and its containers' statuses: the
 * probes, hooks and behaviour of each container, the pull policy, whether init containers and
 * sidecars are done or live, the kill order, the pod's Events and the commit of a status change.
 */
import type { AnyActorRef } from 'xstate';
import type { Container, ContainerStatus, Pod } from '../../src/api/types.js';
import { buildStatus, statusChanged } from './pod-status.js';
import { normalizeImage, type TimingProfile, type ResolvedBehavior } from '../../src/profiles/profile.js';
import type { ContainerHooks, ContainerProbes, ContainerStatusEvent, PullPolicy } from '../container.js';
import type { PodEventReport, PodStatusReport } from '../protocol.js';
import { defaultPullPolicy } from '../../src/profiles/profile.js';
import { processOf, runContainerProcess, type ProcessContext } from './process.js';
import { containerMounts, keepWrites, writableMounts } from './container-files.js';
import type { NetworkTimeline } from './network.js';
import { processContextOf } from './config-sources.js';
import { catalogEntry, lookupImage, pullTimeMs, withDefaults } from '../../src/profiles/images.js';
import { hashString } from '../../src/kernel/rng.js';
import type { PodContext, PodEnv } from '../pod.js';
import { initialContainerStatus } from './container-status.js';

/** A container's probes for the prober (undefined when it has none: no prober runs, no timer is armed). */
export function probesOf(pod: Pod, c: Container, env: PodEnv): ContainerProbes | undefined {
  if (!c.readinessProbe && !c.livenessProbe && !c.startupProbe) return undefined;
  const probes: ContainerProbes = { target: targetOf(pod, c, env) };
  if (c.readinessProbe) probes.readiness = c.readinessProbe;
  if (c.livenessProbe) probes.liveness = c.livenessProbe;
  if (c.startupProbe) probes.startup = c.startupProbe;
  return probes;
}

/** What a process of the pod runs with besides its sources: the pod's addresses, the catalog, the network timeline. */
export function processBase(env: PodEnv): { podIP: string; hostIP: string; catalog: ProcessContext['catalog']; network?: NetworkTimeline } {
  return { podIP: env.podIP, hostIP: env.hostIP, catalog: env.profile.catalog, ...(env.network ? { network: env.network } : {}) };
}

/** What the prober and the hook runner run against: the container's process in the pod. */
function targetOf(pod: Pod, c: Container, env: PodEnv): ContainerProbes['target'] {
  const process = processOf(pod, c, processContextOf(pod, c, processBase(env), env.configData));
  return { process, podIP: env.podIP, container: { name: c.name, ports: c.ports } };
}

/**
 * A run of a container that just ended (its report says terminated) wrote into its emptyDir,
 * hostPath and claim volumes: what it wrote stays there (its writable layer goes with the run).
 * The run is replayed from its start, over its volumes as they were then, to its end.
 */
export function keepRunWrites(context: PodContext, event: ContainerStatusEvent): void {
  const files = context.env.files;
  if (!files || event.ephemeral) return;
  const ended = event.status.state?.terminated;
  if (!ended?.startedAt || !ended.finishedAt) return;
  const before = (event.init ? context.initStatuses : context.statuses)[event.index]?.state?.terminated;
  if (before?.startedAt === ended.startedAt) return; // this run's end was already kept
  const c = specOf(context, event.init, event.index);
  if (!c?.volumeMounts?.length) return;
  const plans = containerMounts(context.pod, c, files).filter((p) => p.store && !p.readOnly);
  if (plans.length === 0) return;
  const start = Date.parse(ended.startedAt);
  const end = Date.parse(ended.finishedAt);
  const ctx = processContextOf(context.pod, c, processBase(context.env), context.env.configData);
  const mounts = [...(ctx.mounts ?? []), ...writableMounts(plans, start)].sort((a, b) => a.path.length - b.path.length);
  const process = processOf(context.pod, c, { ...ctx, mounts });
  if (!process.modelled) return;
  const run = runContainerProcess(process, start, Math.max(0, end - start));
  // only the volumes' files: the layer (no store given) ends with the run
  if (run.files) keepWrites(process.files, run.files, plans, { store: undefined, key: '' }, end);
}

/**
 * The pod's worker is stopped at once (the pod is gone for good, force-deleted, or its node's
 * kubelet stops): what its running containers wrote in their volumes until `nowIso` stays there.
 */
export function keepRunningWrites(context: PodContext, nowIso: string): void {
  if (!context.env.files) return;
  for (const init of [true, false]) {
    (init ? context.initStatuses : context.statuses).forEach((status, index) => {
      const startedAt = status.state?.running?.startedAt;
      if (startedAt) keepRunWrites(context, { type: 'container.status', index, init, status: { ...status, state: { terminated: { exitCode: 137, reason: 'Error', startedAt, finishedAt: nowIso } } } });
    });
  }
}

/** A container's lifecycle hooks for the hook runner (undefined when it has none). */
export function hooksOf(pod: Pod, c: Container, env: PodEnv): ContainerHooks | undefined {
  const postStart = c.lifecycle?.postStart;
  const preStop = c.lifecycle?.preStop;
  if (!postStart && !preStop) return undefined;
  const hooks: ContainerHooks = { target: targetOf(pod, c, env) };
  // what an exec hook writes stays in the container's layer and its volumes
  if (env.files) hooks.writes = { pod, container: c, files: env.files };
  if (postStart) hooks.postStart = postStart;
  if (preStop) hooks.preStop = preStop;
  return hooks;
}

/**
 * Go's time.Duration text of a number of milliseconds (`523ms`, `2.5s`, `1m2.3s`, `1.618874s`),
 * computed on whole nanoseconds as Go's Duration is (so a sum of floats such as 1175.0000000000002
 * ms prints `1.175s`, never its binary noise).
 */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  const fraction = (n: number, digits: number) => {
    const text = String(n).padStart(digits, '0').replace(/0+$/, '');
    return text ? `.${text}` : '';
  };
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${Math.floor(ns / 1e3)}${fraction(ns % 1e3, 3)}µs`;
  if (ns < 1e9) return `${Math.floor(ns / 1e6)}${fraction(ns % 1e6, 6)}ms`;
  const minutes = Math.floor(ns / 6e10);
  const rest = ns % 6e10;
  const seconds = `${Math.floor(rest / 1e9)}${fraction(rest % 1e9, 9)}s`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** The event the kubelet records, sent to it when the level allows (fieldPath: the container). */
export function eventFor(env: PodEnv, eventType: 'Normal' | 'Warning', reason: string, message: string, fieldPath: string | undefined): PodEventReport | undefined {
  if (env.events === 'none' || (env.events === 'warnings' && eventType === 'Normal')) return undefined;
  const report: PodEventReport = { type: 'pod.event', namespace: env.namespace, name: env.name, uid: env.uid, eventType, reason, message };
  if (fieldPath) report.fieldPath = fieldPath;
  return report;
}

export function fieldPathOf(context: PodContext, container: string): string {
  if (context.pod.spec?.ephemeralContainers?.some((c) => c.name === container)) return `spec.ephemeralContainers{${container}}`;
  return context.pod.spec?.initContainers?.some((c) => c.name === container) ? `spec.initContainers{${container}}` : `spec.containers{${container}}`;
}

/** The size the registry reports for an image (the catalog's, else one drawn from its name). */
export function imageSizeBytes(profile: TimingProfile, image: string): number {
  const entry = catalogEntry(image, withDefaults(profile.catalog));
  if (entry) return Math.round(entry.sizeMB * 1_000_000);
  return 20_000_000 + (hashString(normalizeImage(image)) % 180_000_000);
}

/**
 * The simulated registry's say on a container's pulls: an image it does not have (a catalog
 * repository with an unknown tag) always fails to pull; a catalog image's pull takes its size
 * over the profile's registry link.
 */
export function withRegistry(profile: TimingProfile, c: Container, behavior: ResolvedBehavior): ResolvedBehavior {
  const catalog = withDefaults(profile.catalog);
  const answer = lookupImage(c.image ?? '', catalog);
  if (!answer.found) return behavior.pullFails ? behavior : { ...behavior, pullFails: true };
  if (answer.entry && profile.registry) return { ...behavior, pullMs: pullTimeMs(answer.entry, profile.registry) };
  return behavior;
}

export function specOf(context: PodContext, init: boolean, index: number): Container | undefined {
  return (init ? context.pod.spec?.initContainers : context.pod.spec?.containers)?.[index];
}

export function pullPolicyOf(spec: Container): PullPolicy {
  return (spec.imagePullPolicy) ?? defaultPullPolicy(spec.image ?? '');
}

export function replaced(list: ContainerStatus[], index: number, status: ContainerStatus): ContainerStatus[] {
  const next = list.slice();
  next[index] = status;
  return next;
}

export function isTerminated(s: ContainerStatus): boolean {
  return s.state?.terminated !== undefined;
}

/**
 * An init container lets the next one start: a regular one once it completed (exit 0), a native
 * sidecar once it has started (running, and its startup probe passed), as
 * computeInitContainerActions decides.
 */
export function initDone(env: PodEnv, s: ContainerStatus | undefined): boolean {
  if (!s) return false;
  if (env.sidecars.has(s.name)) return s.started === true && s.state?.running !== undefined;
  return s.state?.terminated?.exitCode === 0;
}

export const UNKNOWN_ON_KILL = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' };

/**
 * A container's status when its pod's worker starts, from the status the pod had before
 * (kubelet_pods.go `convertToAPIContainerStatuses` with the old statuses and no container in the
 * runtime, as after a node reboot): a container that was running shows the default waiting state,
 * its last state `ContainerStatusUnknown` (137) and its restart count one more (the pod was not
 * deleted); a waiting one keeps its restart count and last state; a terminated one its status.
 */
export function previousContainerStatus(c: Container, reason: 'PodInitializing' | 'ContainerCreating', old: ContainerStatus | undefined, deleted: boolean): ContainerStatus {
  const status = initialContainerStatus(c, reason);
  if (!old) return status;
  if (old.state?.terminated) return old;
  if (old.state?.running) {
    return { ...status, restartCount: (old.restartCount ?? 0) + (deleted ? 0 : 1), lastState: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running' } } };
  }
  return { ...status, restartCount: old.restartCount ?? 0, lastState: old.lastState ?? {} };
}

export type Enqueue = { assign(update: Partial<PodContext>): void; (action: () => void): void };

/**
 * Applies `update` with one assign, and reports the resulting status to the kubelet when it
 * changed (not while a batch of container reports is being collected).
 */
export function commit(context: PodContext, update: Partial<PodContext>, enqueue: Enqueue): void {
  const next: PodContext = { ...context, ...update };
  if (!next.batching) {
    const status = buildStatus(next, false);
    if (statusChanged(context.lastStatus, status)) {
      update.lastStatus = status;
      const env = context.env;
      const report: PodStatusReport = { type: 'pod.status', namespace: env.namespace, name: env.name, uid: env.uid, status };
      enqueue(() => env.port.send(env.kubelet, report));
    }
  }
  for (const _ in update) {
    enqueue.assign(update);
    break;
  }
}

type ChildRef = AnyActorRef;

/**
 * The kubelet's termination order (kuberuntime_termination_order.go): every regular container
 * (app containers, a running regular init container) is signaled at once; a sidecar only once
 * every regular container and every sidecar after it has exited, with the time left until the
 * deadline. Returns the names signaled so far (the same array when nobody new was).
 */
export function signalInOrder(
  env: PodEnv,
  initStatuses: readonly ContainerStatus[],
  statuses: readonly ContainerStatus[],
  killing: NonNullable<PodContext['killing']>,
  children: Record<string, ChildRef | undefined>,
  now: number,
  send: (ref: ChildRef, event: { type: 'container.kill'; gracePeriodMs: number }) => void,
  ephemerals: readonly ContainerStatus[] = [],
): readonly string[] {
  let signaled = killing.signaled;
  const signal = (name: string) => {
    const ref = children[name];
    if (!ref || signaled.includes(name)) return;
    send(ref, { type: 'container.kill', gracePeriodMs: Math.max(0, killing.deadlineMs - now) });
    signaled = [...signaled, name];
  };
  const alive = (s: ContainerStatus) => children[s.name] !== undefined && !isTerminated(s);
  let blocked = false;
  for (const s of initStatuses) {
    if (env.sidecars.has(s.name)) continue;
    signal(s.name);
    if (alive(s)) blocked = true;
  }
  // ephemeral containers stop with the regular ones
  for (const s of [...statuses, ...ephemerals]) {
    signal(s.name);
    if (alive(s)) blocked = true;
  }
  for (let i = initStatuses.length - 1; i >= 0; i--) {
    const s = initStatuses[i]!;
    if (!env.sidecars.has(s.name)) continue;
    if (!blocked) signal(s.name);
    if (alive(s)) blocked = true;
  }
  return signaled;
}

/** A sidecar that was started and has not stopped (one that could not be created never ran). */
export function sidecarLive(context: PodContext, inits: readonly ContainerStatus[], i: number): boolean {
  const s = inits[i]!;
  return context.env.sidecars.has(s.name) && i < context.initStarted && !isTerminated(s) && s.state?.waiting?.reason !== 'CreateContainerConfigError';
}

/**
 * An ephemeral container's status as the kubelet reports it: the prober manager sets neither
 * `ready` (always false) nor `started` for them.
 */
function ephemeralStatus(status: ContainerStatus): ContainerStatus {
  const { started: _started, ...rest } = status;
  return { ...rest, ready: false };
}

/** The container statuses with the event's report stored. */
export function withReport(context: PodContext, event: ContainerStatusEvent): Partial<PodContext> {
  if (event.ephemeral) return { ephemeralStatuses: replaced(context.ephemeralStatuses, event.index, ephemeralStatus(event.status)) };
  return event.init ? { initStatuses: replaced(context.initStatuses, event.index, event.status) } : { statuses: replaced(context.statuses, event.index, event.status) };
}

/**
 * The pod worker machine. Named delay: `sandboxTime` (the drawn podStartLatencyMs). Its
 * containers are the `container` actor (replace it with `.provide({ actors: { container } })`).
 */

/** The init and app container statuses with the event's report in (an ephemeral container's report changes neither). */
export function listsWith(context: PodContext, event: { type: string }): { inits: ContainerStatus[]; apps: ContainerStatus[]; ephemerals: ContainerStatus[] } {
  let inits = context.initStatuses;
  let apps = context.statuses;
  let ephemerals = context.ephemeralStatuses;
  if (event.type === 'container.status') {
    const e = event as ContainerStatusEvent;
    if (e.ephemeral) ephemerals = replaced(ephemerals, e.index, e.status);
    else if (e.init) inits = replaced(inits, e.index, e.status);
    else apps = replaced(apps, e.index, e.status);
  }
  return { inits, apps, ephemerals };
}
