/**
 * One container of a pod: a child actor of its pod worker (machines/pod.ts), spawned with the
 * container's name as id. Its states follow the container's real life as the kubelet reports it:
 *
 * - `waiting`: `pulling` (ContainerCreating, or PodInitializing for an init container),
 *   `pullBackOff` (`errImagePull` then `imagePullBackOff`, back-off 10 s doubling to 300 s),
 *   `creating`, `crashLoopBackOff` (back-off 10 s doubling to 300 s; the first restart is
 *   immediate, and the back-off starts over after 10 minutes of clean running);
 * - `postStarting`: the process started, its `lifecycle.postStart` hook runs (the status still
 *   says waiting); a failed hook kills it (FailedPostStartHook, then PostStartHookError);
 * - `running`: `starting` → `ready` (or `notReady` for ever); the profile's behavior may make the
 *   process exit, be OOM-killed, or fail its liveness probe (killed and restarted);
 * - `terminating`: the `lifecycle.preStop` hook runs first (FailedPreStopHook when it fails),
 *   then SIGTERM, the process stops after its stopMs (unless it ignores SIGTERM, as a shell or
 *   `sleep` as PID 1 does), or SIGKILL at the end of the grace period (exit code 137); the
 *   reported state stays `running` meanwhile, as in Kubernetes;
 * - `terminated`: Completed | Error | OOMKilled | ContainerStatusUnknown with exitCode,
 *   startedAt/finishedAt; then restart (per restartPolicy), `done` (no restart) or `stopped`
 *   (killed with its pod).
 *
 * It talks only to its pod, with `sendParent`: `container.status` (its ContainerStatus, whenever
 * it changes) and `container.pull` (please ask the runtime for the image). It receives from the
 * pod `container.pulled`, `container.kill` and `container.update`. Init containers use the same
 * machine with `init: true`: they run to completion and restart only when they fail (unless the
 * pod's restartPolicy is Never).
 */
import { and, assign, cancel, enqueueActions, sendParent, setup } from 'xstate';
import type { Container, ContainerState, ContainerStatus } from '../src/api/types.js';
import type { Port } from '../src/kernel/port.js';
import type { KubeletBehavior, ResolvedBehavior } from '../src/profiles/profile.js';
import type { IProbe as Probe } from 'kubernetes-models/v1/Probe';
import { proberMachine, type ProbeKind, type ProbeResultEvent, type ProbeTarget } from './kubelet/prober.js';
import type { NetworkTimeline } from './kubelet/network.js';
import type { ContainerLogDirs } from './kubelet/log-dirs.js';
import { containerIdOf, endOfRun, fmtDuration, initialContainerStatus, fateOf, proberInput, pullPolicyOf, recorded, report, restartCountOf, shouldRestart, statusWith } from './kubelet/container-status.js';

export { containerIdOf, fateOf, imageIdOf, initialContainerStatus } from './kubelet/container-status.js';
import type { EventLevel } from './client/events.js';
import type { ILifecycleHandler as LifecycleHandler } from 'kubernetes-models/v1/LifecycleHandler';
import { runHook, type HookOutcome } from './kubelet/lifecycle.js';
import type { HookWrites } from './kubelet/container-files.js';

/** A container's probes and what they run against (its process; the run's start is added per run). */
export interface ContainerProbes {
  readiness?: Probe;
  liveness?: Probe;
  startup?: Probe;
  target: Omit<ProbeTarget, 'startAbsMs' | 'startMs'>;
}

/** A container's lifecycle hooks and what they run against (its process; the run's start is added per run). */
export interface ContainerHooks {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
  target: Omit<ProbeTarget, 'startAbsMs' | 'startMs'>;
  /** Where what an exec hook writes is kept (its node's disk); default: nowhere. */
  writes?: HookWrites;
}

/** A pod's restart policy. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** An image pull policy. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The terminated state of one run (Kubernetes' ContainerStateTerminated). */
export type TerminatedState = NonNullable<ContainerState['terminated']>;

/** Input of a container actor. */
export interface ContainerInput {
  /** The pod's port: the container reads the virtual time from it (it sends nothing through it). */
  port: Port;
  /** The container's spec (name, image, imagePullPolicy, command). */
  spec: Pick<Container, 'name' | 'image' | 'imagePullPolicy'>;
  /** Position in `spec.containers` (or `spec.initContainers`). */
  index: number;
  /** An init container: runs to completion, restarts only on failure. */
  init: boolean;
  /**
   * A native sidecar (an init container with `restartPolicy: Always`): reported with the init
   * containers, but it runs for the pod's life, has probes and readiness, and is always restarted
   * when it exits. Default false.
   */
  sidecar?: boolean;
  /**
   * An ephemeral container (`kubectl debug`): reported in ephemeralContainerStatuses, never
   * ready, never restarted, no probes or hooks. Default false.
   */
  ephemeral?: boolean;
  /** The pod's restart policy. */
  restartPolicy: RestartPolicy;
  /** The behavior it runs with (drawn from the profile by the pod). */
  behavior: ResolvedBehavior;
  /** The kubelet's timings (back-offs, PLEG period, minimum grace period). */
  kubelet: KubeletBehavior;
  /** The pod's termination grace period (ms), used for liveness kills. */
  gracePeriodMs: number;
  /** `name_namespace(uid)`, as the kubelet names a pod in messages; also seeds container IDs. */
  podKey: string;
  /** The pod already asked the runtime for the first pull (saves a message). Default false. */
  pullRequested?: boolean;
  /** Its probes (readinessProbe, livenessProbe, startupProbe), when it has any: the kubelet's prober then decides readiness and liveness. */
  probes?: ContainerProbes;
  /** Which kubelet events it reports to its pod (`container.event`). Default: none. */
  events?: EventLevel;
  /** Its lifecycle hooks (`lifecycle.postStart`, `lifecycle.preStop`), when it has any. */
  hooks?: ContainerHooks;
  /**
   * The runs before this actor's, when the runtime has none of them (a node reboot): the restart
   * count of its first run, from the node's log directories (`calcRestartCountByLogDir`), and the
   * last state the kubelet inferred. Default: none (restart count 0).
   */
  previous?: { restartCount: number; lastState: ContainerState };
  /** The node's log directories, told of each run as it starts, and the pod's uid. */
  logs?: { dirs: ContainerLogDirs; uid: string };
  /**
   * Why the kubelet cannot generate its config (an env reference to a missing ConfigMap, Secret or
   * key; a bad behavior annotation): it is pulled, then fails with CreateContainerConfigError and
   * is tried again at each sync of its pod, until a `container.configure` says it resolves.
   */
  configError?: string;
}

/** The container reports its status to its pod (only when it changed). */
export interface ContainerStatusEvent {
  type: 'container.status';
  index: number;
  init: boolean;
  /** Set for an ephemeral container (index is then its position among them). */
  ephemeral?: true;
  status: ContainerStatus;
}

/** The container asks its pod to have the node's runtime pull its image. */
export interface ContainerPullEvent {
  type: 'container.pull';
  index: number;
  init: boolean;
  container: string;
  image: string;
  policy: PullPolicy;
  pullMs: number;
  fails: boolean;
}

/** The container asks its pod to record a kubelet event about it (Created, Started, Killing, BackOff, Failed, Unhealthy). */
export interface ContainerRecordEvent {
  type: 'container.event';
  init: boolean;
  ephemeral?: true;
  container: string;
  eventType: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Everything a container sends to its pod. */
export type ContainerOutput = ContainerStatusEvent | ContainerPullEvent | ContainerRecordEvent;

/** The pod passes on the runtime's answer to a pull. */
export interface ContainerPulledEvent {
  type: 'container.pulled';
  image: string;
  ok: boolean;
  reason?: string;
  message?: string;
}

/** The pod is being killed: stop within the grace period (a waiting container ends at once). */
export interface ContainerKillEvent {
  type: 'container.kill';
  gracePeriodMs: number;
}

/** The pod's spec changed for this container (a new image): restart it with the new spec and behavior. */
export interface ContainerUpdateEvent {
  type: 'container.update';
  spec: Pick<Container, 'name' | 'image' | 'imagePullPolicy'>;
  behavior: ResolvedBehavior;
  probes?: ContainerProbes;
  hooks?: ContainerHooks;
}

/**
 * Its process's fate recomputed by the pod worker with a new network timeline
 * (machines/kubelet/pod-network.ts): the exit of the current run (or of the next ones).
 */
export interface ContainerRefate {
  type: 'container.refate';
  /** When the run exits, in ms after its start, and with what code; undefined: it runs until stopped. */
  exit: { afterMs: number; code: number } | undefined;
}

/**
 * The pod worker resolved the container again with the ConfigMaps and Secrets it reads now: the
 * next attempt to create it runs with this behavior, or fails again with `configError`.
 */
export interface ContainerConfigure {
  type: 'container.configure';
  behavior?: ResolvedBehavior;
  probes?: ContainerProbes;
  hooks?: ContainerHooks;
  configError?: string;
}

/**
 * The network the pod's processes see changed (the pod worker appended a snapshot to its
 * timeline): the container's probes and lifecycle hooks run against the new timeline from now on,
 * as an exec session does (a probe's `wget` reaches a Service created after the container started).
 */
export interface ContainerNetwork {
  type: 'container.network';
  network: NetworkTimeline;
}

/** Events a container receives from its pod. */
export type ContainerEvent = ContainerPulledEvent | ContainerKillEvent | ContainerUpdateEvent | ProbeResultEvent | ContainerRecordEvent | ContainerRefate | ContainerNetwork | ContainerConfigure;

/** Events the container raises to itself (delayed) from its behavior. */
export type FateEvent = { type: 'process.exited'; code: number } | { type: 'process.oomKilled' } | { type: 'probe.livenessFailed' } | { type: 'hook.preStopFailed'; message: string };

type StopFor = 'exit' | 'liveness' | 'startup' | 'update' | 'kill' | 'postStart';

/** What does not change during a container's life (shared, so context copies stay small). */
export interface ContainerEnv {
  port: Port;
  index: number;
  init: boolean;
  /** A native sidecar (restartable init container). */
  sidecar: boolean;
  /** An ephemeral container. */
  ephemeral: boolean;
  restartPolicy: RestartPolicy;
  kubelet: KubeletBehavior;
  gracePeriodMs: number;
  podKey: string;
  events: EventLevel;
  /** The node's log directories and the pod's uid (each run's `N.log`). */
  logs: { dirs: ContainerLogDirs; uid: string } | undefined;
}

/** The context of a container actor. */
export interface ContainerContext {
  env: ContainerEnv;
  /** What runs: changes only with `container.update`. */
  spec: { name: string; image: string; pullPolicy: PullPolicy; behavior: ResolvedBehavior };
  /** The last reported status. */
  status: ContainerStatus;
  /** The pod already asked for the pull of this attempt. */
  pullRequested: boolean;
  /** Runs started so far (restartCount is count - 1), and the current run's ID and start. */
  run: { count: number; containerID?: string; startedAt?: string; startMs?: number };
  /** Its probes, if any. */
  probes: ContainerProbes | undefined;
  /** Its lifecycle hooks, if any. */
  hooks: ContainerHooks | undefined;
  /** How the postStart hook of the current run goes, and how long the preStop hook of the current stop runs (ms). */
  hook: { postStart: HookOutcome | undefined; preStopMs: number };
  /** The run that just ended, and when (ms). */
  exit: TerminatedState | undefined;
  finishedAtMs: number;
  /** The previous run's end, as `lastState`. */
  lastState: ContainerState;
  /** Crash-loop back-off: current period (0 = none yet) and when it was last advanced. */
  backOff: { ms: number; at: number };
  /** Image pull back-off (0 = none) and the last pull error. */
  pull: { backOffMs: number; message: string; reason: string };
  /** Why the process is being stopped, when it would stop by itself and when SIGKILL comes. */
  stop: { why: StopFor; selfAt: number; killAt: number };
  /** A spec change waiting for the old process to stop. */
  pending: ContainerUpdateEvent | undefined;
  /** Why its config cannot be generated (CreateContainerConfigError), when it cannot. */
  configError: string | undefined;
}

/*
 * A run, as a class rather than an object literal: V8 turned every run literal into a
 * dictionary (450 B instead of 56, one per container for the pod's life) when its `startMs` went
 * from a small integer to a fraction (Normalize_RootModification4 in `--log-maps`); a
 * constructor's map generalizes the field in place. Plain data all the same (JSON, copies).
 */
class ContainerRun {
  constructor(
    readonly count: number,
    readonly containerID: string,
    readonly startedAt: string,
    readonly startMs: number,
  ) {}
}

/**
 * The container machine. Named delays (swap them with `.provide({ delays })`): `createTime`
 * (createMs + startMs), `readyTime`, `fateTime`, `stopTime`, `errImagePullTime`,
 * `pullBackOffTime`, `plegRelist`, `crashBackOffTime`.
 */
/*
 * A new container's context parts that every container shares until it changes them (contexts
 * are replaced through `assign`, never changed in place; frozen, so nothing can): 150,000 pods'
 * containers hold one of each instead of 150,000.
 */
const NO_RUN: ContainerContext['run'] = Object.freeze({ count: 0 });
const NO_LAST_STATE: ContainerState = Object.freeze({});
const NO_BACK_OFF: ContainerContext['backOff'] = Object.freeze({ ms: 0, at: 0 });
const NO_PULL_BACK_OFF: ContainerContext['pull'] = Object.freeze({ backOffMs: 0, message: '', reason: '' });
const NO_STOP: ContainerContext['stop'] = Object.freeze({ why: 'exit', selfAt: 0, killAt: 0 });
const NO_HOOK: ContainerContext['hook'] = Object.freeze({ postStart: undefined, preStopMs: 0 });

export const containerMachine = setup({
  types: {
    context: {} as ContainerContext,
    events: {} as ContainerEvent | FateEvent,
    input: {} as ContainerInput,
  },
  actions: {
    /** Ask the pod for a pull, unless it already did for this attempt. */
    requestPull: enqueueActions(({ context, enqueue }) => {
      // (the flag is cleared by the next assign that happens anyway: a failed pull, a run, an update)
      if (context.pullRequested) return;
      const { spec, env } = context;
      const event: ContainerPullEvent = {
        type: 'container.pull',
        index: env.index,
        init: env.init,
        container: spec.name,
        image: spec.image,
        policy: spec.pullPolicy,
        pullMs: spec.behavior.pullMs,
        fails: spec.behavior.pullFails,
      };
      enqueue(sendParent(event));
    }),
    /** A pull succeeded: forget the pull back-off. */
    pullSucceeded: enqueueActions(({ context, enqueue }) => {
      if (context.pull.backOffMs !== 0) enqueue.assign({ pull: { backOffMs: 0, message: '', reason: '' } });
    }),
    /** A pull failed: advance the image back-off and show the error (ErrImagePull). */
    pullFailed: enqueueActions(({ context, event, enqueue }) => {
      const e = event as ContainerPulledEvent;
      const k = context.env.kubelet;
      const backOffMs = context.pull.backOffMs === 0 ? k.imagePullBackOffMs : Math.min(2 * context.pull.backOffMs, k.maxImagePullBackOffMs);
      const pull = { backOffMs, message: e.message ?? `Failed to pull image "${context.spec.image}"`, reason: e.reason ?? 'ErrImagePull' };
      const status = statusWith(context, context.run, { waiting: { reason: pull.reason, message: pull.message } });
      enqueue.assign({ pull, status, pullRequested: false });
      enqueue(sendParent(report(context, status)));
      for (const e of recorded(context, ['Warning', 'Failed', pull.message], ['Warning', 'Failed', `Error: ${pull.reason}`])) enqueue(sendParent(e));
    }),
    /** After ErrImagePull, the kubelet shows ImagePullBackOff (other pull errors, such as ErrImageNeverPull, stay as they are). */
    showImagePullBackOff: enqueueActions(({ context, enqueue }) => {
      if (context.pull.reason !== 'ErrImagePull') return;
      const message = `Back-off pulling image "${context.spec.image}"`;
      const status = statusWith(context, context.run, { waiting: { reason: 'ImagePullBackOff', message } });
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
      for (const e of recorded(context, ['Normal', 'BackOff', message], ['Warning', 'Failed', 'Error: ImagePullBackOff'])) enqueue(sendParent(e));
    }),
    /**
     * The runtime created and started a new run: new container ID and startedAt, the Created and
     * Started events. Its status shows it running only once the postStart hook (if any) returned.
     */
    beginRun: enqueueActions(({ context, enqueue }) => {
      const count = context.run.count + 1;
      const startedAt = context.env.port.timestamp();
      const run = new ContainerRun(count, containerIdOf(context.env.podKey, context.spec.name, count), startedAt, context.env.port.now());
      enqueue.assign({ run, exit: undefined, pullRequested: false, hook: NO_HOOK });
      const logs = context.env.logs;
      if (logs) enqueue(() => logs.dirs.started(logs.uid, context.spec.name, count - 1));
      for (const e of recorded(context, ['Normal', 'Created', `Created container: ${context.spec.name}`], ['Normal', 'Started', `Started container ${context.spec.name}`])) enqueue(sendParent(e));
    }),
    /** The run shows as running (since its start); arm its end (exit, OOM kill, liveness failure) if the behavior has one. */
    showRunning: enqueueActions(({ context, enqueue }) => {
      const status = statusWith(context, context.run, { running: { startedAt: context.run.startedAt } });
      // with a startup probe, the container is started once the probe succeeds
      status.started = context.probes?.startup === undefined;
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
      const fate = fateOf(context.spec.behavior, context.run.count - 1);
      if (fate) enqueue.raise(fate.event, { id: 'fate', delay: 'fateTime' });
    }),
    /** The postStart hook runs against the process that just started (the kubelet waits for it). */
    runPostStart: enqueueActions(({ context, enqueue }) => {
      const hooks = context.hooks!;
      const now = context.env.port.now();
      const target = { ...hooks.target, startMs: context.run.startMs ?? now, startAbsMs: Date.parse(context.run.startedAt ?? context.env.port.timestamp()) };
      const writes = hooks.writes && context.run.startedAt ? { to: hooks.writes, startedAt: context.run.startedAt } : undefined;
      enqueue.assign({ hook: { ...context.hook, postStart: runHook(hooks.postStart!, target, now, context.env.podKey, writes) } });
    }),
    /** The postStart hook failed: FailedPostStartHook with the kubelet's message (the container is then killed). */
    postStartFailed: enqueueActions(({ context, enqueue }) => {
      for (const e of recorded(context, ['Warning', 'FailedPostStartHook', context.hook.postStart?.message ?? ''])) enqueue(sendParent(e));
    }),
    /** The preStop hook returned a failure: FailedPreStopHook with the kubelet's message. */
    preStopFailed: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'hook.preStopFailed') return;
      for (const e of recorded(context, ['Warning', 'FailedPreStopHook', event.message])) enqueue(sendParent(e));
    }),
    cancelFate: cancel('fate'),
    /**
     * generateContainerConfig failed after the pull (kuberuntime_container.go startContainer):
     * waiting in CreateContainerConfigError with the error, a Warning Failed `Error: ...` event
     * (the recorder counts the repeats); the next sync pulls again.
     */
    showConfigError: enqueueActions(({ context, enqueue }) => {
      const message = context.configError ?? '';
      const status = statusWith(context, context.run, { waiting: { reason: 'CreateContainerConfigError', message } });
      enqueue.assign({ status, pullRequested: false });
      enqueue(sendParent(report(context, status)));
      for (const e of recorded(context, ['Warning', 'Failed', `Error: ${message}`])) enqueue(sendParent(e));
    }),
    /** The pod resolved it again: what the next attempt runs with. */
    configure: assign(({ context, event }) => {
      if (event.type !== 'container.configure') return {};
      if (event.configError !== undefined) return { configError: event.configError };
      return { configError: undefined, spec: event.behavior ? { ...context.spec, behavior: event.behavior } : context.spec, probes: event.probes, hooks: event.hooks };
    }),
    /** The pod's network timeline grew: probes and hooks (and the running probers) see it. */
    renetwork: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'container.network') return;
      const retarget = <T extends { target: ContainerProbes['target'] }>(x: T | undefined): T | undefined => (x ? { ...x, target: { ...x.target, process: { ...x.target.process, network: event.network } } } : undefined);
      if (!context.probes && !context.hooks) return;
      enqueue.assign({ probes: retarget(context.probes), hooks: retarget(context.hooks) });
      for (const child of Object.values(self.getSnapshot().children)) if (child) enqueue.sendTo(child, { type: 'probe.network', network: event.network });
    }),
    /** The process's exit as recomputed with the new network (machines/kubelet/pod-network.ts). */
    refate: assign(({ context, event }) => {
      if (event.type !== 'container.refate') return {};
      const { exit: _old, ...rest } = context.spec.behavior;
      return { spec: { ...context.spec, behavior: event.exit ? { ...rest, exit: event.exit } : rest } };
    }),
    /**
     * The running process's end, re-armed from the recomputed behavior. The new snapshot holds
     * from now on and the commands before now saw the old one, so the exit cannot be in the past:
     * if it is, the replay model is broken, and this says so.
     */
    rearmFate: enqueueActions(({ context, enqueue }) => {
      const fate = fateOf(context.spec.behavior, context.run.count - 1);
      const elapsed = context.env.port.now() - (context.run.startMs ?? context.env.port.now());
      if (fate && fate.afterMs < elapsed) throw new Error(`container ${context.spec.name} of ${context.env.podKey}: recomputed exit at ${fate.afterMs} ms is before now (${elapsed} ms after its start)`);
      enqueue.cancel('fate');
      if (fate) enqueue.raise(fate.event, { id: 'fate', delay: 'fateTime' });
    }),
    /** The readiness probe failed failureThreshold times: not ready. */
    markUnready: enqueueActions(({ context, enqueue }) => {
      if (!context.status.ready) return;
      const status: ContainerStatus = { ...context.status, ready: false };
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
    }),
    /** The startup probe succeeded: started. */
    markStarted: enqueueActions(({ context, enqueue }) => {
      const status: ContainerStatus = { ...context.status, started: true };
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
    }),
    /** A prober's Unhealthy event goes up to the pod. */
    forwardEvent: sendParent(({ context, event }) => ({ ...(event as ContainerRecordEvent), init: context.env.init, ...(context.env.ephemeral ? { ephemeral: true as const } : {}) })),
    markReady: enqueueActions(({ context, enqueue }) => {
      const status: ContainerStatus = { ...context.status, ready: true };
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
    }),
    /** The process exited by itself with the event's code. */
    exited: enqueueActions(({ context, event, enqueue }) => {
      const code = (event as { code: number }).code;
      enqueue.assign({ exit: endOfRun(context, code, code === 0 ? 'Completed' : 'Error'), finishedAtMs: context.env.port.now(), stop: { ...context.stop, why: 'exit' } });
    }),
    oomKilled: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ exit: endOfRun(context, 137, 'OOMKilled'), finishedAtMs: context.env.port.now(), stop: { ...context.stop, why: 'exit' } });
    }),
    /** SIGTERM: the process stops after stopMs, or is SIGKILLed at the end of the grace period (never less than the kubelet's minimum). */
    beginStop: enqueueActions(({ context, event, enqueue }, params: { why: StopFor }) => {
      const now = context.env.port.now();
      const requested = event.type === 'container.kill' ? event.gracePeriodMs : context.env.gracePeriodMs;
      // the preStop hook runs first, within the grace period; SIGTERM follows with what is left
      // (the kubelet counts the hook's time in whole seconds, and never gives less than its minimum)
      let hookMs = 0;
      const preStop = context.hooks?.preStop;
      if (preStop && requested > 0) {
        const target = { ...context.hooks!.target, startMs: context.run.startMs ?? now, startAbsMs: Date.parse(context.run.startedAt ?? context.env.port.timestamp()) };
        const writes = context.hooks!.writes && context.run.startedAt ? { to: context.hooks!.writes, startedAt: context.run.startedAt } : undefined;
        const outcome = runHook(preStop, target, now, context.env.podKey, writes);
        hookMs = outcome.durationMs === undefined ? requested : Math.min(outcome.durationMs, requested);
        if (!outcome.ok && outcome.durationMs !== undefined && outcome.durationMs <= requested) {
          enqueue.assign({ hook: { ...context.hook, preStopMs: outcome.durationMs } });
          enqueue.raise({ type: 'hook.preStopFailed', message: outcome.message }, { id: 'preStop', delay: 'preStopTime' });
        }
      }
      const grace = Math.max(requested - Math.floor(hookMs / 1000) * 1000, context.env.kubelet.minGracePeriodMs);
      // a process that ignores SIGTERM (a shell or sleep as PID 1) runs until SIGKILL
      const selfAt = context.spec.behavior.ignoresSigterm ? Infinity : now + hookMs + context.spec.behavior.stopMs;
      const stop = { why: params.why, selfAt, killAt: now + hookMs + grace };
      const name = context.spec.name;
      // a sidecar's probe kills are worded as computeInitContainerActions words them
      const probeKill = (probe: string) => (context.env.sidecar ? `Init container ${name} failed ${probe} probe` : `Container ${name} failed ${probe} probe, will be restarted`);
      const message =
        params.why === 'liveness'
          ? probeKill('liveness')
          : params.why === 'startup'
            ? probeKill('startup')
            : params.why === 'update'
              ? `Container ${name} definition changed, will be restarted`
              : params.why === 'postStart'
                ? 'FailedPostStartHook'
                : `Stopping container ${name}`;
      for (const e of recorded(context, ['Normal', 'Killing', message])) enqueue(sendParent(e));
      if (event.type === 'container.update') enqueue.assign({ stop, pending: event });
      else enqueue.assign({ stop });
    }),
    /** A second kill while stopping: the pod's grace period can only shorten the wait. */
    shortenStop: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'container.kill') return;
      const grace = Math.max(event.gracePeriodMs, context.env.kubelet.minGracePeriodMs);
      enqueue.assign({ stop: { why: 'kill', selfAt: context.stop.selfAt, killAt: Math.min(context.stop.killAt, context.env.port.now() + grace) } });
    }),
    stashUpdate: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'container.update') enqueue.assign({ pending: event });
    }),
    /** The stopped process's end: its own exit code if it stopped in time, else 137 (SIGKILL). */
    stopped: enqueueActions(({ context, enqueue }) => {
      const graceful = context.stop.selfAt <= context.stop.killAt;
      const code = graceful ? context.spec.behavior.stopExitCode : 137;
      enqueue.assign({ exit: endOfRun(context, code, code === 0 ? 'Completed' : 'Error'), finishedAtMs: context.env.port.now() });
    }),
    /** A container killed before it ever ran in this attempt: the kubelet reports it as ContainerStatusUnknown (137). */
    vanished: enqueueActions(({ context, enqueue }) => {
      const exit: TerminatedState = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' };
      enqueue.assign({ exit, stop: { ...context.stop, why: 'kill' }, finishedAtMs: context.env.port.now() });
    }),
    showTerminated: enqueueActions(({ context, enqueue }) => {
      // killed for a failed postStart hook and to be restarted: the kubelet shows the sync's error (its reasonCache)
      const hookError = context.stop.why === 'postStart' && shouldRestart(context);
      const status = hookError
        ? statusWith(context, context.run, { waiting: { reason: 'PostStartHookError', message: context.hook.postStart?.message ?? '' } }, { terminated: context.exit! })
        : statusWith(context, context.run, { terminated: context.exit! });
      if (context.env.init && !context.env.sidecar && context.exit!.exitCode === 0) status.ready = true;
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
    }),
    /** The run that ended becomes `lastState` (when the container leaves `terminated` for another attempt). */
    rememberRun: enqueueActions(({ context, enqueue }) => {
      if (context.exit) enqueue.assign({ lastState: { terminated: context.exit } });
    }),
    showCrashLoopBackOff: enqueueActions(({ context, enqueue }) => {
      const message = `back-off ${fmtDuration(context.backOff.ms)} restarting failed container=${context.spec.name} pod=${context.env.podKey}`;
      const status = statusWith(context, context.run, { waiting: { reason: 'CrashLoopBackOff', message } });
      enqueue.assign({ status });
      enqueue(sendParent(report(context, status)));
      for (const e of recorded(context, ['Warning', 'BackOff', `Back-off restarting failed container ${context.spec.name} in pod ${context.env.podKey}`])) enqueue(sendParent(e));
    }),
    /** The kubelet's back-off `Next`: start at the initial period, or double up to the ceiling; starts over after backOffResetMs. */
    nextBackOff: enqueueActions(({ context, enqueue }) => {
      const k = context.env.kubelet;
      const expired = context.backOff.ms === 0 || context.finishedAtMs - context.backOff.at > k.backOffResetMs;
      const ms = expired ? k.crashLoopBackOffMs : Math.min(2 * context.backOff.ms, k.maxCrashLoopBackOffMs);
      enqueue.assign({ backOff: { ms, at: context.env.port.now() } });
    }),
    /** A spec change takes effect: new image and behavior (a waiting container that never ran shows the new image). */
    applyUpdate: enqueueActions(({ context, event, enqueue }) => {
      const update = event.type === 'container.update' ? event : context.pending;
      if (!update) return;
      const spec = { name: update.spec.name, image: update.spec.image ?? '', pullPolicy: pullPolicyOf(update.spec), behavior: update.behavior };
      const showNew = context.status.state?.waiting !== undefined && context.run.containerID === undefined && context.status.image !== spec.image;
      const status = showNew ? { ...context.status, image: spec.image } : context.status;
      enqueue.assign({ spec, status, pending: undefined, pull: { backOffMs: 0, message: '', reason: '' }, pullRequested: false, probes: update.probes, hooks: update.hooks });
      if (showNew) enqueue(sendParent(report(context, status)));
    }),
  },
  guards: {
    pulledMine: ({ context, event }) => event.type === 'container.pulled' && event.image === context.spec.image && event.ok,
    /** Its config cannot be generated (CreateContainerConfigError). */
    configFails: ({ context }) => context.configError !== undefined,
    pullFailedMine: ({ context, event }) => event.type === 'container.pulled' && event.image === context.spec.image && !event.ok,
    /** Init containers have no readiness: they are ready once Completed (sidecars are ready as app containers are). */
    neverReady: ({ context }) => context.spec.behavior.neverReady || (context.env.init && !context.env.sidecar) || context.env.ephemeral,
    readyAtOnce: ({ context }) => context.spec.behavior.readyAfterMs === 0,
    /** The kubelet's prober decides (the container has probes). */
    probed: ({ context }) => context.probes !== undefined && (!context.env.init || context.env.sidecar),
    hasStartupProbe: ({ context }) => context.probes?.startup !== undefined,
    hasReadinessProbe: ({ context }) => context.probes?.readiness !== undefined,
    hasLivenessProbe: ({ context }) => context.probes?.liveness !== undefined,
    probePassed: ({ event }, params: { kind: ProbeKind }) => event.type === 'probe.result' && event.kind === params.kind && event.ok,
    probeFailed: ({ event }, params: { kind: ProbeKind }) => event.type === 'probe.result' && event.kind === params.kind && !event.ok,
    killedWithPod: ({ context }) => context.stop.why === 'kill',
    hasPostStart: ({ context }) => context.hooks?.postStart !== undefined,
    /** The postStart hook never returns (a command that does not exit): the kubelet waits for ever. */
    hookHangs: ({ context }) => context.hook.postStart !== undefined && context.hook.postStart.durationMs === undefined,
    hookSucceeded: ({ context }) => context.hook.postStart?.ok === true,
    restartForUpdate: ({ context }) => context.stop.why === 'update' && context.pending !== undefined,
    livenessKill: ({ context }) => (context.stop.why === 'liveness' || context.stop.why === 'startup') && context.env.restartPolicy !== 'Never',
    /** The kubelet's decision after an exit: restart per restartPolicy (init containers only on failure). */
    shouldRestart: ({ context }) => shouldRestart(context),
    /** The kubelet's `IsInBackOffSince(finishedAt)`: an unexpired back-off entry whose period has not passed since the exit. */
    inBackOff: ({ context }) => {
      if (context.backOff.ms === 0) return false;
      if (context.finishedAtMs - context.backOff.at > context.env.kubelet.backOffResetMs) return false;
      return context.env.port.now() - context.finishedAtMs < context.backOff.ms;
    },
  },
  delays: {
    createTime: ({ context }) => context.spec.behavior.createMs + context.spec.behavior.startMs,
    readyTime: ({ context }) => context.spec.behavior.readyAfterMs,
    // after a postStart hook, the process has been running since the run started
    fateTime: ({ context }) => Math.max(0, (fateOf(context.spec.behavior, restartCountOf(context))?.afterMs ?? 0) - (context.env.port.now() - (context.run.startMs ?? context.env.port.now()))),
    hookTime: ({ context }) => context.hook.postStart?.durationMs ?? 0,
    preStopTime: ({ context }) => context.hook.preStopMs,
    stopTime: ({ context }) => Math.max(0, Math.min(context.stop.selfAt, context.stop.killAt) - context.env.port.now()),
    errImagePullTime: ({ context }) => Math.min(context.env.kubelet.plegRelistMs, context.pull.backOffMs),
    pullBackOffTime: ({ context }) => Math.max(0, context.pull.backOffMs - context.env.kubelet.plegRelistMs),
    plegRelist: ({ context }) => context.env.kubelet.plegRelistMs,
    /** The pod worker's back-off after a failed sync (pod_workers.go backOffPeriod: 10 s), before it tries again. */
    syncBackOff: ({ context }) => context.env.kubelet.syncBackOffMs ?? 10_000,
    crashBackOffTime: ({ context }) => Math.max(0, context.backOff.ms - (context.env.port.now() - context.finishedAtMs)),
  },
  actors: {
    prober: proberMachine,
  },
}).createMachine({
  id: 'container',
  context: ({ input }) => ({
    env: {
      port: input.port,
      index: input.index,
      init: input.init,
      sidecar: input.sidecar ?? false,
      ephemeral: input.ephemeral ?? false,
      // a sidecar is restarted whatever the pod's restartPolicy
      restartPolicy: input.sidecar ? 'Always' : input.restartPolicy,
      kubelet: input.kubelet,
      gracePeriodMs: input.gracePeriodMs,
      podKey: input.podKey,
      events: input.events ?? 'none',
      logs: input.logs,
    },
    spec: { name: input.spec.name, image: input.spec.image ?? '', pullPolicy: pullPolicyOf(input.spec), behavior: input.behavior },
    status: input.previous
      ? { ...initialContainerStatus(input.spec, input.init ? 'PodInitializing' : 'ContainerCreating'), restartCount: input.previous.restartCount, lastState: input.previous.lastState }
      : initialContainerStatus(input.spec, input.init ? 'PodInitializing' : 'ContainerCreating'),
    pullRequested: input.pullRequested ?? false,
    // its first run's restart count is the previous one's
    run: input.previous && input.previous.restartCount > 0 ? { count: input.previous.restartCount } : NO_RUN,
    exit: undefined,
    finishedAtMs: 0,
    lastState: input.previous?.lastState ?? NO_LAST_STATE,
    backOff: NO_BACK_OFF,
    pull: NO_PULL_BACK_OFF,
    stop: NO_STOP,
    pending: undefined,
    configError: input.configError,
    probes: input.probes,
    hooks: input.hooks,
    hook: NO_HOOK,
  }),
  // a recomputed fate applies to the next run (the running state re-arms the current one)
  on: { 'container.refate': { actions: 'refate' }, 'container.network': { actions: 'renetwork' }, 'container.configure': { actions: 'configure' } },
  initial: 'waiting',
  states: {
    waiting: {
      initial: 'pulling',
      on: {
        'container.kill': { target: '#container.terminated.stopped', actions: 'vanished' },
        'container.update': { target: '#container.waiting.pulling', reenter: true, actions: 'applyUpdate' },
      },
      states: {
        pulling: {
          entry: 'requestPull',
          on: {
            'container.pulled': [
              { guard: and(['pulledMine', 'configFails']), target: 'configError', actions: 'pullSucceeded' },
              { guard: 'pulledMine', target: 'creating', actions: 'pullSucceeded' },
              { guard: 'pullFailedMine', target: 'pullBackOff' },
            ],
          },
        },
        pullBackOff: {
          entry: 'pullFailed',
          initial: 'errImagePull',
          states: {
            errImagePull: { after: { errImagePullTime: 'imagePullBackOff' } },
            imagePullBackOff: {
              entry: 'showImagePullBackOff',
              after: { pullBackOffTime: '#container.waiting.pulling' },
            },
          },
        },
        creating: {
          after: {
            createTime: [
              { guard: 'hasPostStart', target: '#container.postStarting', actions: 'beginRun' },
              { target: '#container.running', actions: 'beginRun' },
            ],
          },
        },
        /** Its config could not be generated: the pod's next sync (after the back-off) pulls and tries again. */
        configError: {
          entry: 'showConfigError',
          after: { syncBackOff: 'pulling' },
        },
        crashLoopBackOff: {
          entry: 'showCrashLoopBackOff',
          after: { crashBackOffTime: { target: 'pulling', actions: 'nextBackOff' } },
        },
      },
    },
    /** The process runs, the kubelet waits for the postStart hook: the status still says waiting. */
    postStarting: {
      entry: 'runPostStart',
      initial: 'deciding',
      states: {
        deciding: { always: [{ guard: 'hookHangs', target: 'hung' }, { target: 'hooking' }] },
        hooking: {
          after: {
            hookTime: [
              { guard: 'hookSucceeded', target: '#container.running' },
              { target: '#container.terminating', actions: ['postStartFailed', { type: 'beginStop', params: { why: 'postStart' } }] },
            ],
          },
        },
        hung: {},
      },
      on: {
        'container.kill': { target: 'terminating', actions: { type: 'beginStop', params: { why: 'kill' } } },
        'container.update': { target: 'terminating', actions: { type: 'beginStop', params: { why: 'update' } } },
      },
    },
    running: {
      entry: 'showRunning',
      exit: 'cancelFate',
      initial: 'probing',
      states: {
        probing: {
          always: [{ guard: 'probed', target: 'probed' }, { guard: 'neverReady', target: 'notReady' }, { guard: 'readyAtOnce', target: 'ready' }, { target: 'starting' }],
        },
        starting: { after: { readyTime: 'ready' } },
        ready: { entry: 'markReady' },
        notReady: {},
        /** The kubelet's prober workers decide: startup first, then readiness and liveness side by side. */
        probed: {
          initial: 'deciding',
          states: {
            deciding: { always: [{ guard: 'hasStartupProbe', target: 'startingUp' }, { target: 'started' }] },
            startingUp: {
              invoke: { src: 'prober', input: ({ context }) => proberInput(context, 'startup') },
              on: {
                'probe.result': [
                  { guard: { type: 'probePassed', params: { kind: 'startup' } }, target: 'started', actions: 'markStarted' },
                  { guard: { type: 'probeFailed', params: { kind: 'startup' } }, target: '#container.terminating', actions: { type: 'beginStop', params: { why: 'startup' } } },
                ],
              },
            },
            started: {
              type: 'parallel',
              states: {
                readiness: {
                  initial: 'deciding',
                  states: {
                    deciding: { always: [{ guard: 'hasReadinessProbe', target: 'probing' }, { target: 'none' }] },
                    // no readiness probe: ready once started, as the kubelet
                    none: { entry: 'markReady' },
                    probing: {
                      invoke: { src: 'prober', input: ({ context }) => proberInput(context, 'readiness') },
                      on: {
                        'probe.result': [
                          { guard: { type: 'probePassed', params: { kind: 'readiness' } }, actions: 'markReady' },
                          { guard: { type: 'probeFailed', params: { kind: 'readiness' } }, actions: 'markUnready' },
                        ],
                      },
                    },
                  },
                },
                liveness: {
                  initial: 'deciding',
                  states: {
                    deciding: { always: [{ guard: 'hasLivenessProbe', target: 'probing' }, { target: 'none' }] },
                    none: {},
                    probing: {
                      invoke: { src: 'prober', input: ({ context }) => proberInput(context, 'liveness') },
                      on: {
                        'probe.result': {
                          guard: { type: 'probeFailed', params: { kind: 'liveness' } },
                          target: '#container.terminating',
                          actions: { type: 'beginStop', params: { why: 'liveness' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      on: {
        'container.event': { actions: 'forwardEvent' },
        'process.exited': { target: 'terminated', actions: 'exited' },
        'process.oomKilled': { target: 'terminated', actions: 'oomKilled' },
        'container.refate': { actions: ['refate', 'rearmFate'] },
        'probe.livenessFailed': { target: 'terminating', actions: { type: 'beginStop', params: { why: 'liveness' } } },
        'container.kill': { target: 'terminating', actions: { type: 'beginStop', params: { why: 'kill' } } },
        'container.update': { target: 'terminating', actions: { type: 'beginStop', params: { why: 'update' } } },
      },
    },
    terminating: {
      after: { stopTime: { target: 'terminated', actions: 'stopped' } },
      on: {
        'hook.preStopFailed': { actions: 'preStopFailed' },
        'container.kill': { target: 'terminating', reenter: true, actions: 'shortenStop' },
        'container.update': { actions: 'stashUpdate' },
      },
    },
    terminated: {
      entry: 'showTerminated',
      initial: 'deciding',
      states: {
        deciding: {
          always: [
            { guard: 'killedWithPod', target: 'stopped' },
            { guard: 'restartForUpdate', target: '#container.waiting.pulling', actions: ['rememberRun', 'applyUpdate'] },
            { guard: 'livenessKill', target: 'exited' },
            { guard: 'shouldRestart', target: 'exited' },
            { target: 'done' },
          ],
        },
        exited: {
          after: {
            plegRelist: [
              { guard: 'inBackOff', target: '#container.waiting.crashLoopBackOff', actions: 'rememberRun' },
              { target: '#container.waiting.pulling', actions: ['rememberRun', 'nextBackOff'] },
            ],
          },
          on: { 'container.update': { actions: 'stashUpdate' } },
        },
        done: {
          on: { 'container.update': { actions: 'stashUpdate' } },
        },
        stopped: {},
      },
      on: {
        'container.kill': { target: '.stopped' },
      },
    },
  },
});
