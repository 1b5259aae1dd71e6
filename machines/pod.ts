/**
 * The pod worker on a node, as the kubelet's pod_workers.go runs it: `syncing` → `terminating` →
 * `terminated`. One actor per pod at `pod/<namespace>/<name>`, with its containers as child actors
 * (machines/container.ts, id = container name).
 *
 * In `syncing` it creates the sandbox (the profile's `podStartLatencyMs`; then `podIP` and
 * PodReadyToStartContainers), runs the init containers one at a time in order to completion (a
 * native sidecar, an init container with `restartPolicy: Always`, only until it has started: it
 * keeps running beside the app containers and is always restarted), then starts all app
 * containers. It asks the node's runtime for image pulls (`runtime.pull`) and routes
 * the answers (`runtime.pulled`) to the container that asked. It computes the PodStatus as the
 * kubelet does (phase from restartPolicy and the container states, conditions with
 * lastTransitionTime, IPs, startTime, container statuses) and sends `pod.status` to its kubelet
 * whenever it changes, at most once per delivered message or timer.
 *
 * `pod.sync` with a changed image restarts that container with the new image; `pod.kill` stops
 * every container with the grace period (SIGTERM, SIGKILL after it) and ends with
 * `pod.terminated` carrying the final status (Succeeded when every container exited 0, else
 * Failed). A pod whose containers all ended for good (restartPolicy Never/OnFailure) is finished
 * (Succeeded/Failed; its sidecars are stopped first, in `finishing`) but reports `pod.terminated`
 * only when killed. Killing stops the regular containers first and the sidecars after them, in
 * reverse order.
 */
import { enqueueActions, setup } from 'xstate';
import type { Container, ContainerStatus, Pod, PodStatus } from '../src/api/types.js';
import { buildStatus, computePhase } from './kubelet/pod-status.js';
import type { Port } from '../src/kernel/port.js';
import { drawMillis, resolveBehavior, type TimingProfile, type ResolvedBehavior } from '../src/profiles/profile.js';
import { containerMachine, initialContainerStatus, type ContainerConfigure, type ContainerPullEvent, type ContainerRecordEvent, type ContainerStatusEvent, type ContainerUpdateEvent, type RestartPolicy } from './container.js';
import type { PodConfig, PodKill, PodSync, PodTerminated, RuntimePull, RuntimePulled, RuntimePulling } from './protocol.js';
import type { EventLevel } from './client/events.js';
import { processFate } from './kubelet/process.js';
import { containerConfigError, processContextOf, type ConfigData } from './kubelet/config-sources.js';
import type { PodFiles } from './kubelet/container-files.js';
import { appendView, type NetworkSource, type NetworkTimeline, type NetworkView } from './kubelet/network.js';
import { networkUserLive, refates } from './kubelet/pod-network.js';
import type { ContainerLogDirs } from './kubelet/log-dirs.js';
import { commit, type Enqueue, keepRunWrites, previousContainerStatus, processBase, eventFor, fieldPathOf, goDuration, hooksOf, imageSizeBytes, initDone, isTerminated, listsWith, probesOf, pullPolicyOf, replaced, sidecarLive, signalInOrder, specOf, UNKNOWN_ON_KILL, withRegistry, withReport } from './kubelet/pod-containers.js';

/**
 * The pod worker on a node, as the kubelet's pod_workers.go runs it: `syncing` → `terminating` →
 * `terminated`. One actor per pod at `pod/<namespace>/<name>`, with its containers as child actors
 * (machines/container.ts, id = container name).
 *
 * In `syncing` it creates the sandbox (the profile's `podStartLatencyMs`; then `podIP` and
 * PodReadyToStartContainers), runs the init containers one at a time in order to completion (a
 * native sidecar, an init container with `restartPolicy: Always`, only until it has started: it
 * keeps running beside the app containers and is always restarted), then starts all app
 * containers. It asks the node's runtime for image pulls (`runtime.pull`) and routes
 * the answers (`runtime.pulled`) to the container that asked. It computes the PodStatus as the
 * kubelet does (phase from restartPolicy and the container states, conditions with
 * lastTransitionTime, IPs, startTime, container statuses) and sends `pod.status` to its kubelet
 * whenever it changes, at most once per delivered message or timer.
 *
 * `pod.sync` with a changed image restarts that container with the new image; `pod.kill` stops
 * every container with the grace period (SIGTERM, SIGKILL after it) and ends with
 * `pod.terminated` carrying the final status (Succeeded when every container exited 0, else
 * Failed). A pod whose containers all ended for good (restartPolicy Never/OnFailure) is finished
 * (Succeeded/Failed; its sidecars are stopped first, in `finishing`) but reports `pod.terminated`
 * only when killed. Killing stops the regular containers first and the sidecars after them, in
 * reverse order.
 */

/** Input of a pod worker. */
export interface PodInput {
  /** Its port, at `pod/<namespace>/<name>`. */
  port: Port;
  /** The pod as the kubelet got it from the API server. */
  pod: Pod;
  /** The node's name. */
  node: string;
  /** Address to report to (`kubelet/<node>`). */
  kubelet: string;
  /** Address of the node's container runtime (`container-runtime/<node>`). */
  runtime: string;
  /** The IP the pod's sandbox gets. */
  podIP: string;
  /** The node's IP, for `hostIP`; default: the node's name. */
  hostIP?: string;
  /** Timings and behaviour. */
  profile: TimingProfile;
  /** Which kubelet events the worker reports (its kubelet's recorder level). Default: none. */
  events?: EventLevel;
  /** The ConfigMaps and Secrets the pod reads (resolved by the kubelet); default: none. */
  configData?: ConfigData;
  /** The network its processes see, as the kubelet captured it (machines/kubelet/network.ts); default: none. */
  network?: NetworkTimeline;
  /** Where the requests its processes make are told (the servers' access logs). */
  served?: NetworkSource['served'];
  /** Where the steady request flows of its processes are told (the servers' CPU usage). */
  flows?: NetworkSource['flows'];
  /** Captures the network the pod sees now (the periodic re-capture, `networkResync`). */
  capture?: (pod: Pod) => NetworkView;
  /** The containers whose processes may use the network (machines/kubelet/network.ts `networkUsers`). */
  networkUsers?: ReadonlySet<string>;
  /** Where its containers write (its node's disk, the PersistentVolumes' storage; machines/kubelet/container-files.ts); default: nowhere. */
  files?: PodFiles;
  /** The node's container log directories (machines/kubelet/log-dirs.ts); default: none (restart counts start at 0). */
  logDirs?: ContainerLogDirs;
}

/** Coalesces the container reports that follow one delivered event into one `pod.status`. */
interface PodFlush {
  type: 'pod.flush';
}

/** Everything a pod worker receives. */
export type PodEvent = PodSync | PodConfig | PodKill | RuntimePulled | RuntimePulling | ContainerStatusEvent | ContainerPullEvent | ContainerRecordEvent | PodFlush | { type: 'network.resync' };

/** What does not change during a pod worker's life (shared, so context copies stay small). */
export interface PodEnv {
  port: Port;
  node: string;
  kubelet: string;
  runtime: string;
  podIP: string;
  hostIP: string;
  profile: TimingProfile;
  namespace: string;
  name: string;
  uid: string;
  /** `name_namespace(uid)`, as the kubelet's format.Pod writes a pod. */
  podKey: string;
  restartPolicy: RestartPolicy;
  /** Drawn from the profile's podStartLatencyMs. */
  sandboxMs: number;
  startTime: string;
  hostIPs: { ip: string }[];
  podIPs: { ip: string }[];
  /** Which events go to the kubelet. */
  events: EventLevel;
  /** The ConfigMaps and Secrets the pod's env and volumes read, as the kubelet resolved them before starting it. */
  configData?: ConfigData;
  /**
   * The network its processes see over time: captured by the kubelet when it started the worker,
   * a snapshot appended by each `network.resync` that finds it changed (the only part of the env
   * that is replaced during the worker's life).
   */
  network?: NetworkTimeline;
  served?: NetworkSource['served'];
  flows?: NetworkSource['flows'];
  capture?: (pod: Pod) => NetworkView;
  /** The containers that use the network (empty: the worker never re-captures it). */
  networkUsers: ReadonlySet<string>;
  /** The names of its native sidecars (init containers with `restartPolicy: Always`). */
  sidecars: ReadonlySet<string>;
  /** Where its containers' commands and hooks write, for a pod with exec hooks or emptyDir, hostPath or claim volumes. */
  files?: PodFiles;
  /** The node's container log directories (machines/kubelet/log-dirs.ts); default: none (restart counts start at 0). */
  logDirs?: ContainerLogDirs;
}

/** The context of a pod worker. */
export interface PodContext {
  env: PodEnv;
  /** The latest pod object. */
  pod: Pod;
  sandboxReady: boolean;
  initStatuses: ContainerStatus[];
  statuses: ContainerStatus[];
  /** The ephemeral containers started so far (`kubectl debug`), in the order they were added. */
  ephemeralStatuses: ContainerStatus[];
  /** Init containers spawned so far (they run one at a time, in order). */
  initStarted: number;
  appStarted: boolean;
  /** Set while container reports triggered by one event are collected; `pod.flush` ends it. */
  batching: boolean;
  /** The last status sent. */
  lastStatus: PodStatus | undefined;
  /**
   * While the pod's containers are being stopped (killed, or sidecars after a finished Job-like
   * pod): when the grace period ends (ms) and which containers got their `container.kill`.
   */
  killing: { deadlineMs: number; signaled: readonly string[] } | undefined;
}

/** True when what the pod's containers write may outlive a run: an exec lifecycle hook, an emptyDir, hostPath or claim volume. */
function writesToDisk(pod: Pod): boolean {
  if ((pod.spec?.volumes ?? []).some((v) => v.emptyDir || v.hostPath || v.persistentVolumeClaim)) return true;
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.lifecycle?.postStart?.exec || c.lifecycle?.preStop?.exec);
}

/**
 * What a container will do (its process's fate from the catalog and its command, and the
 * registry's answer for its image), or why it cannot be created (CreateContainerConfigError:
 * an env or volume source the kubelet could not resolve).
 */
function resolveContainer(env: PodEnv, pod: Pod, c: Container): { behavior: ResolvedBehavior } | { configError: string } {
  // generateContainerConfig: its env references must resolve
  const missing = env.configData ? containerConfigError(pod, c, env.configData) : undefined;
  if (missing !== undefined) return { configError: missing };
  try {
    // a network user's process sees the network from when it starts (now or later; machines/kubelet/pod-network.ts)
    const startAbs = env.networkUsers.has(c.name) ? env.port.epoch + env.port.now() : 0;
    const fate = processFate(pod, c, processContextOf(pod, c, processBase(env), env.configData), startAbs);
    // the servers it will reach log its requests (from when it is resolved: its start is not known yet)
    if (fate?.requests && env.served) env.served(fate.requests, Date.parse(env.port.timestamp()));
    // and the steady flows of its loops load them (from its start, taken as now until it is known)
    if (env.networkUsers.has(c.name) && env.flows) env.flows({ uid: env.uid, container: c.name }, fate?.flows ?? [], startAbs);
    return { behavior: withRegistry(env.profile, c, resolveBehavior(env.profile, pod, c, env.port.rng, fate)) };
  } catch (error) {
    return { configError: (error as Error).message };
  }
}

/**
 * What a container whose config cannot be generated runs with until it can (its pull): the
 * profile's and the registry's, without the pod's annotations (a bad one may be the error).
 */
function pullBehavior(env: PodEnv, pod: Pod, c: Container): ResolvedBehavior {
  const { annotations: _annotations, ...metadata } = pod.metadata ?? {};
  return withRegistry(env.profile, c, resolveBehavior(env.profile, { ...pod, metadata }, c, env.port.rng));
}

/** The container's first pull, asked of the node's runtime as soon as the container is started. */
function firstPull(env: PodEnv, c: Container, behavior: ResolvedBehavior): RuntimePull {
  const pull: RuntimePull = { type: 'runtime.pull', from: env.port.address, container: c.name, image: c.image ?? '', policy: pullPolicyOf(c), pullMs: behavior.pullMs, fails: behavior.pullFails };
  if (env.events === 'all') pull.notify = true;
  return pull;
}

/*
 * What a pod without init containers or ephemeral containers holds for them, shared by every such
 * pod's worker (contexts are replaced through `assign`, never changed in place): one empty set and
 * one frozen empty list instead of three objects per pod.
 */
const NO_SIDECARS: ReadonlySet<string> = new Set();
const NO_USERS: ReadonlySet<string> = new Set();
/** The default period of the network re-capture (`networkResync`): the CoreDNS kubernetes plugin's default TTL, 5 s. */
const NETWORK_RESYNC_MS = 5_000;
const NO_STATUSES: ContainerStatus[] = Object.freeze([]) as unknown as ContainerStatus[];

export const podMachine = setup({
  types: {
    context: {} as PodContext,
    events: {} as PodEvent,
    input: {} as PodInput,
  },
  actors: {
    container: containerMachine,
  },
  actions: {
    /**
     * The pod ran before on this node (its status has a pod IP: the node rebooted, its sandbox is
     * gone): the kubelet's `SandboxChanged` (kuberuntime_manager.go computePodActions), then a new sandbox.
     */
    noteSandboxChanged: enqueueActions(({ context, enqueue }) => {
      if (!context.pod.status?.podIP) return;
      const env = context.env;
      const report = eventFor(env, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.', undefined);
      if (report) enqueue(() => env.port.send(env.kubelet, report));
    }),
    /** The sandbox is up: podIP, PodReadyToStartContainers. */
    sandboxReady: enqueueActions(({ enqueue }) => enqueue.assign({ sandboxReady: true })),
    /** Report the status as it is (when it changed). */
    report: enqueueActions(({ context, enqueue }) => commit(context, {}, enqueue as unknown as Enqueue)),
    /**
     * Spawn the next init container, or, when every init container completed, all app containers
     * (each with its first pull requested from the runtime at once); then report.
     */
    startContainers: enqueueActions(({ context, event, enqueue }) => {
      const env = context.env;
      const spec = context.pod.spec;
      const inits = spec?.initContainers ?? [];
      const grace = (spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      if (event.type === 'container.status') keepRunWrites(context, event);
      const update: Partial<PodContext> = event.type === 'container.status' ? withReport(context, event) : {};
      const current = { ...context, ...update };
      const spawn = (init: boolean, index: number): void => {
        const c = specOf(context, init, index)!;
        const resolved = resolveContainer(env, context.pod, c);
        // a config that cannot be generated: the container is pulled, then fails, and is tried again at each sync
        const behavior = 'behavior' in resolved ? resolved.behavior : pullBehavior(env, context.pod, c);
        // the runs before this worker's (a node reboot): the restart count from the node's log directories
        const restartCount = env.logDirs?.nextRestartCount(env.uid, c.name) ?? 0;
        const shown = (init ? current.initStatuses : current.statuses)[index];
        enqueue.spawnChild('container', {
          id: c.name,
          input: {
            port: env.port,
            spec: c,
            index,
            init,
            ...(restartCount > 0 ? { previous: { restartCount, lastState: shown?.lastState ?? {} } } : {}),
            ...(env.logDirs ? { logs: { dirs: env.logDirs, uid: env.uid } } : {}),
            sidecar: init && env.sidecars.has(c.name),
            restartPolicy: env.restartPolicy,
            behavior,
            kubelet: env.profile.kubelet,
            gracePeriodMs: grace,
            podKey: env.podKey,
            pullRequested: true,
            probes: init && !env.sidecars.has(c.name) ? undefined : probesOf(context.pod, c, env),
            hooks: init && !env.sidecars.has(c.name) ? undefined : hooksOf(context.pod, c, env),
            events: env.events,
            ...('configError' in resolved ? { configError: resolved.configError } : {}),
          },
        });
        const pull = firstPull(env, c, behavior);
        enqueue(() => env.port.send(env.runtime, pull));
      };
      if (current.initStarted < inits.length) {
        const i = current.initStarted;
        if (i > 0 && !initDone(env, current.initStatuses[i - 1])) return commit(context, update, enqueue);
        spawn(true, i);
        update.initStarted = i + 1;
      } else if (!current.appStarted) {
        const n = spec?.containers?.length ?? 0;
        for (let i = 0; i < n; i++) spawn(false, i);
        update.appStarted = true;
      }
      commit(context, update, enqueue);
    }),
    /**
     * Ephemeral containers added to the pod (the ephemeralcontainers subresource) start once the
     * sandbox is up, whatever the init containers do (computePodActions); never restarted.
     */
    startEphemeralContainers: enqueueActions(({ context, event, enqueue }) => {
      const env = context.env;
      const pod = event.type === 'pod.sync' ? event.pod : context.pod;
      const specs = pod.spec?.ephemeralContainers ?? [];
      if (!context.sandboxReady || specs.length === context.ephemeralStatuses.length) return;
      const known = new Set(context.ephemeralStatuses.map((s) => s.name));
      let ephemeralStatuses = context.ephemeralStatuses;
      const reason = (pod.spec?.initContainers?.length ?? 0) > 0 ? 'PodInitializing' : 'ContainerCreating';
      for (const ec of specs) {
        if (known.has(ec.name)) continue;
        const c = ec as Container;
        const index = ephemeralStatuses.length;
        const resolved = resolveContainer(env, pod, c);
        let status: ContainerStatus = initialContainerStatus(c, reason);
        if ('configError' in resolved) status = { ...status, state: { waiting: { reason: 'CreateContainerConfigError', message: resolved.configError } } };
        const { started: _started, ...shown } = status;
        ephemeralStatuses = [...ephemeralStatuses, shown];
        if (!('behavior' in resolved)) continue;
        const { behavior } = resolved;
        enqueue.spawnChild('container', {
          id: c.name,
          input: {
            port: env.port,
            spec: c,
            index,
            init: false,
            ephemeral: true,
            restartPolicy: 'Never',
            behavior,
            kubelet: env.profile.kubelet,
            gracePeriodMs: (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
            podKey: env.podKey,
            pullRequested: true,
            events: env.events,
          },
        });
        const pull = firstPull(env, c, behavior);
        enqueue(() => env.port.send(env.runtime, pull));
      }
      commit({ ...context, pod }, { ephemeralStatuses }, enqueue);
    }),
    /** Store a container's report and report the pod's status. */
    record: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'container.status') return;
      keepRunWrites(context, event);
      commit(context, withReport(context, event), enqueue);
    }),
    /** The last container ended for good: store, take the sandbox down, report Succeeded/Failed. */
    finish: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'container.status') keepRunWrites(context, event);
      commit(context, { ...(event.type === 'container.status' ? withReport(context, event) : {}), sandboxReady: false }, enqueue);
    }),
    /** Start collecting the containers' reports; `pod.flush` arrives after them. */
    flushLater: enqueueActions(({ self, enqueue }) => {
      enqueue.assign({ batching: true });
      enqueue.sendTo(self, { type: 'pod.flush' });
    }),
    /** The reports of one event are in: report once. */
    flush: enqueueActions(({ context, enqueue }) => commit(context, { batching: false }, enqueue as unknown as Enqueue)),
    /** Store a container's report without reporting (the last word will be `pod.terminated`). */
    store: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'container.status') return;
      keepRunWrites(context, event);
      enqueue.assign(withReport(context, event));
    }),
    endBatch: enqueueActions(({ enqueue }) => enqueue.assign({ batching: false })),
    forwardPull: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'container.pull') return;
      const env = context.env;
      const pull: RuntimePull = {
        type: 'runtime.pull',
        from: env.port.address,
        container: event.container,
        image: event.image,
        policy: event.policy,
        pullMs: event.pullMs,
        fails: event.fails,
      };
      if (env.events === 'all') pull.notify = true;
      enqueue(() => env.port.send(env.runtime, pull));
    }),
    /** A container's event goes to the kubelet (Created, Started, Killing, BackOff, Failed, Unhealthy). */
    forwardEvent: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'container.event') return;
      const env = context.env;
      const field = event.ephemeral ? 'ephemeralContainers' : event.init ? 'initContainers' : 'containers';
      const report = eventFor(env, event.eventType, event.reason, event.message, `spec.${field}{${event.container}}`);
      if (report) enqueue(() => env.port.send(env.kubelet, report));
    }),
    /** The runtime started pulling an image for a container: `Pulling`. */
    recordPulling: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'runtime.pulling') return;
      const env = context.env;
      const report = eventFor(env, 'Normal', 'Pulling', `Pulling image "${event.image}"`, fieldPathOf(context, event.container));
      if (report) enqueue(() => env.port.send(env.kubelet, report));
    }),
    routePulled: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'runtime.pulled') return;
      if (event.ok) {
        const env = context.env;
        const message = event.pulled
          ? `Successfully pulled image "${event.image}" in ${goDuration(event.pulled.pullMs)} (${goDuration(event.pulled.totalMs)} including waiting). Image size: ${imageSizeBytes(env.profile, event.image)} bytes.`
          : `Container image "${event.image}" already present on machine`;
        const report = eventFor(env, 'Normal', 'Pulled', message, fieldPathOf(context, event.container));
        if (report) enqueue(() => env.port.send(env.kubelet, report));
      }
      const child = (self.getSnapshot().children)[event.container];
      if (!child) return;
      const pulled: { type: 'container.pulled'; image: string; ok: boolean; reason?: string; message?: string } = { type: 'container.pulled', image: event.image, ok: event.ok };
      if (event.reason !== undefined) pulled.reason = event.reason;
      if (event.message !== undefined) pulled.message = event.message;
      enqueue.sendTo(child, pulled);
    }),
    /**
     * The ConfigMaps and Secrets the pod reads changed (`pod.config`): each container waiting in
     * CreateContainerConfigError is resolved again; its next attempt uses the answer.
     */
    applyConfig: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'pod.config') return;
      const env: PodEnv = { ...context.env, configData: event.configData };
      enqueue.assign({ env });
      const children = self.getSnapshot().children;
      const pod = context.pod;
      for (const [init, statuses] of [[true, context.initStatuses], [false, context.statuses]] as const) {
        for (const s of statuses) {
          const child = children[s.name];
          if (!child || s.state?.waiting?.reason !== 'CreateContainerConfigError') continue;
          const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === s.name)!;
          const resolved = resolveContainer(env, pod, c);
          const regularInit = init && !env.sidecars.has(c.name);
          const configure: ContainerConfigure =
            'configError' in resolved
              ? { type: 'container.configure', configError: resolved.configError }
              : { type: 'container.configure', behavior: resolved.behavior, probes: regularInit ? undefined : probesOf(pod, c, env), hooks: regularInit ? undefined : hooksOf(pod, c, env) };
          enqueue.sendTo(child, configure);
        }
      }
    }),
    /** A new pod object: a container whose image changed restarts with it (a waiting one just switches). */
    applySync: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'pod.sync') return;
      const env = context.env;
      const pod = event.pod;
      const children = self.getSnapshot().children;
      let initStatuses = context.initStatuses;
      let statuses = context.statuses;
      let changed = false;
      for (const init of [true, false]) {
        const before = (init ? context.pod.spec?.initContainers : context.pod.spec?.containers) ?? [];
        const after = (init ? pod.spec?.initContainers : pod.spec?.containers) ?? [];
        for (let i = 0; i < Math.min(before.length, after.length); i++) {
          const b = before[i]!;
          const a = after[i]!;
          if (a.name !== b.name || a.image === b.image) continue;
          const child = children[a.name];
          if (child) {
            let behavior: ResolvedBehavior;
            try {
              behavior = withRegistry(env.profile, a, resolveBehavior(env.profile, pod, a, env.port.rng, processFate(pod, a, processContextOf(pod, a, processBase(env), env.configData))));
            } catch (error) {
              // the new spec cannot run (a bad annotation, an unsupported fieldRef): the container keeps its old one
              env.port.reportError(error);
              continue;
            }
            const regularInit = init && !env.sidecars.has(a.name);
            const update: ContainerUpdateEvent = { type: 'container.update', spec: a, behavior, probes: regularInit ? undefined : probesOf(pod, a, env), hooks: regularInit ? undefined : hooksOf(pod, a, env) };
            enqueue.sendTo(child, update);
            changed = true;
          } else {
            const list = init ? initStatuses : statuses;
            const current = list[i]!;
            if (current.state?.waiting && current.imageID === '') {
              const next = replaced(list, i, { ...current, image: a.image ?? '' });
              if (init) initStatuses = next;
              else statuses = next;
              changed = true;
            }
          }
        }
      }
      if (changed) {
        enqueue.assign({ pod, initStatuses, statuses, batching: true });
        enqueue.sendTo(self, { type: 'pod.flush' });
      } else enqueue.assign({ pod });
    }),
    /**
     * `pod.kill`: the regular containers get SIGTERM with the grace period at once, the sidecars
     * after them in reverse order with what is left of it; containers never started end as
     * ContainerStatusUnknown. A second kill can only shorten the deadline.
     */
    killContainers: enqueueActions(({ context, event, self, enqueue }) => {
      const seconds = event.type === 'pod.kill' ? event.gracePeriodSeconds : undefined;
      const graceMs = Math.max(0, (seconds ?? context.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      const now = context.env.port.now();
      const children = self.getSnapshot().children;
      const vanish = (list: ContainerStatus[]): ContainerStatus[] => {
        let out = list;
        for (let i = 0; i < list.length; i++) {
          const s = list[i]!;
          if (children[s.name] || isTerminated(s)) continue;
          if (out === list) out = list.slice();
          out[i] = { ...s, ready: false, started: false, state: { terminated: { ...UNKNOWN_ON_KILL } } };
        }
        return out;
      };
      const deadlineMs = context.killing ? Math.min(context.killing.deadlineMs, now + graceMs) : now + graceMs;
      // those already told to stop are told again: the shorter grace period wins
      if (context.killing) for (const name of context.killing.signaled) if (children[name]) enqueue.sendTo(children[name], { type: 'container.kill', gracePeriodMs: Math.max(0, deadlineMs - now) });
      const initStatuses = vanish(context.initStatuses);
      const statuses = vanish(context.statuses);
      const ephemeralStatuses = vanish(context.ephemeralStatuses);
      const signaled = signalInOrder(context.env, initStatuses, statuses, { deadlineMs, signaled: context.killing?.signaled ?? [] }, children, now, (ref, e) => enqueue.sendTo(ref, e), ephemeralStatuses);
      enqueue.assign({ initStatuses, statuses, ephemeralStatuses, killing: { deadlineMs, signaled } });
    }),
    /** A container stopped while the pod stops: the next sidecar in the termination order gets its SIGTERM. */
    signalNext: enqueueActions(({ context, event, self, enqueue }) => {
      if (!context.killing) return;
      const current = event.type === 'container.status' ? { ...context, ...withReport(context, event) } : context;
      const signaled = signalInOrder(context.env, current.initStatuses, current.statuses, context.killing, self.getSnapshot().children, context.env.port.now(), (ref, e) => enqueue.sendTo(ref, e), current.ephemeralStatuses);
      if (signaled !== context.killing.signaled) enqueue.assign({ killing: { ...context.killing, signaled } });
    }),
    /**
     * The regular containers of a Job-like pod are done for good: the kubelet kills the pod, so
     * the sidecars stop, in reverse order, within the pod's grace period.
     */
    stopSidecars: enqueueActions(({ context, self, enqueue }) => {
      const now = context.env.port.now();
      const graceMs = Math.max(0, (context.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      const killing = { deadlineMs: now + graceMs, signaled: [] as readonly string[] };
      const signaled = signalInOrder(context.env, context.initStatuses, context.statuses, killing, self.getSnapshot().children, now, (ref, e) => enqueue.sendTo(ref, e), context.ephemeralStatuses);
      enqueue.assign({ killing: { ...killing, signaled } });
    }),
    /** The pod has network users: (re-)arm the periodic re-capture of the network they see. */
    armNetworkResync: enqueueActions(({ context, enqueue }) => {
      if (context.env.networkUsers.size === 0) return;
      enqueue.cancel('networkResync');
      enqueue.raise({ type: 'network.resync' }, { id: 'networkResync', delay: 'networkResync' });
    }),
    /**
     * Re-captures the network; if it changed, appends the snapshot at now (the past is unchanged)
     * and sends each network user its process's fate recomputed with the new timeline.
     */
    resyncNetwork: enqueueActions(({ context, self, enqueue }) => {
      const env = context.env;
      const nowAbs = env.port.epoch + env.port.now();
      const network = appendView(env.network!, env.capture!(context.pod), nowAbs);
      if (network === env.network) return;
      const next: PodEnv = { ...env, network };
      enqueue.assign({ env: next });
      const children = self.getSnapshot().children;
      for (const { name, event, flows, startAbs } of refates(next, context, nowAbs)) {
        const child = children[name];
        if (child) enqueue.sendTo(child, event);
        if (env.flows) enqueue(() => env.flows!({ uid: env.uid, container: name }, flows, startAbs));
      }
      // their probes and hooks run against the new timeline too (as an exec session sees it)
      for (const name of env.networkUsers) {
        const child = children[name];
        if (child) enqueue.sendTo(child, { type: 'container.network', network });
      }
    }),
    keepPod: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'pod.sync') enqueue.assign({ pod: event.pod });
    }),
    /** The last word: `pod.terminated` with the final status. */
    reportTerminated: enqueueActions(({ context, enqueue }) => {
      const env = context.env;
      const final = buildStatus({ ...context, sandboxReady: false }, true);
      const report: PodTerminated = { type: 'pod.terminated', namespace: env.namespace, name: env.name, uid: env.uid, status: final };
      enqueue.assign({ sandboxReady: false, lastStatus: final });
      enqueue(() => env.port.send(env.kubelet, report));
    }),
  },
  guards: {
    noSandboxDelay: ({ context }) => context.env.sandboxMs === 0,
    /** One of its network users runs or will run (machines/kubelet/pod-network.ts). */
    networkUserLive: ({ context }) => networkUserLive(context),
    batching: ({ context }) => context.batching,
    /** This report ends the pod for good: the phase becomes Succeeded or Failed. */
    finishes: ({ context, event }) => {
      if (event.type !== 'container.status' || event.ephemeral) return false;
      const { inits, apps } = listsWith(context, event);
      const phase = computePhase(inits, apps, context.env.restartPolicy, false);
      return phase === 'Succeeded' || phase === 'Failed';
    },
    /**
     * The regular containers are done for good (the phase without the sidecars is Succeeded or
     * Failed) while a sidecar still runs: the kubelet kills the pod, sidecars last.
     */
    sidecarsOutlive: ({ context, event }) => {
      if (event.type !== 'container.status' || event.ephemeral || context.env.sidecars.size === 0) return false;
      const { inits, apps } = listsWith(context, event);
      const phase = computePhase(inits.filter((s) => !context.env.sidecars.has(s.name)), apps, context.env.restartPolicy, false);
      if (phase !== 'Succeeded' && phase !== 'Failed') return false;
      return inits.some((_, i) => sidecarLive(context, inits, i));
    },
    /** Every sidecar has stopped (this report included). */
    sidecarsStopped: ({ context, event }) => {
      const { inits } = listsWith(context, event);
      return !inits.some((_, i) => sidecarLive(context, inits, i));
    },
    /** The init container running now completed (exit 0), or the sidecar started: start the next. */
    initCompleted: ({ context, event }) => event.type === 'container.status' && event.init && !event.ephemeral && event.index === context.initStarted - 1 && initDone(context.env, event.status),
    /** Every container has stopped (this report included). */
    allStopped: ({ context, event }) => {
      const { inits, apps, ephemerals } = listsWith(context, event);
      return inits.every(isTerminated) && apps.every(isTerminated) && ephemerals.every(isTerminated);
    },
  },
  delays: {
    sandboxTime: ({ context }) => context.env.sandboxMs,
    /** How often the network a network user sees is re-captured (the profile's kubelet `networkResyncMs`). */
    networkResync: ({ context }) => context.env.profile.kubelet.networkResyncMs ?? NETWORK_RESYNC_MS,
  },
}).createMachine({
  id: 'pod',
  context: ({ input }) => {
    const pod = input.pod;
    const meta = pod.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const name = meta.name ?? '';
    const uid = meta.uid ?? '';
    const inits = pod.spec?.initContainers ?? [];
    const reason = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
    const hostIP = input.hostIP ?? input.node;
    const sandboxMs = drawMillis(input.profile.kubelet.podStartLatencyMs, input.port.rng);
    const deleted = pod.metadata?.deletionTimestamp !== undefined;
    return {
      env: {
        port: input.port,
        node: input.node,
        kubelet: input.kubelet,
        runtime: input.runtime,
        podIP: input.podIP,
        hostIP,
        profile: input.profile,
        namespace,
        name,
        uid,
        podKey: `${name}_${namespace}(${uid})`,
        restartPolicy: (pod.spec?.restartPolicy) ?? 'Always',
        sandboxMs,
        startTime: pod.status?.startTime ?? input.port.timestamp(),
        hostIPs: [{ ip: hostIP }],
        podIPs: [{ ip: input.podIP }],
        events: input.events ?? 'none',
        configData: input.configData,
        ...(input.network ? { network: input.network, served: input.served, capture: input.capture, ...(input.flows ? { flows: input.flows } : {}) } : {}),
        networkUsers: input.network && input.capture && input.networkUsers ? input.networkUsers : NO_USERS,
        ...(input.logDirs ? { logDirs: input.logDirs } : {}),
        sidecars: inits.length === 0 ? NO_SIDECARS : new Set(inits.filter((c) => c.restartPolicy === 'Always').map((c) => c.name)),
        // only a pod with exec hooks or data volumes holds them (any other keeps its env as small as before)
        ...(input.files && writesToDisk(pod) ? { files: input.files } : {}),
      },
      pod,
      // with no sandbox delay the sandbox is ready from the start (no transition spent on it)
      sandboxReady: sandboxMs === 0,
      // a pod that ran before (its node rebooted) starts from its old statuses, as the kubelet's
      initStatuses: inits.length === 0 ? NO_STATUSES : inits.map((c) => previousContainerStatus(c, 'PodInitializing', pod.status?.initContainerStatuses?.find((s) => s.name === c.name), deleted)),
      statuses: (pod.spec?.containers ?? []).map((c) => previousContainerStatus(c, reason, pod.status?.containerStatuses?.find((s) => s.name === c.name), deleted)),
      ephemeralStatuses: NO_STATUSES,
      initStarted: 0,
      appStarted: false,
      batching: false,
      lastStatus: undefined,
      killing: undefined,
    };
  },
  initial: 'syncing',
  states: {
    syncing: {
      entry: 'noteSandboxChanged',
      initial: 'starting',
      states: {
        starting: {
          always: [{ guard: 'noSandboxDelay', target: 'containers' }, { target: 'sandbox' }],
        },
        sandbox: {
          entry: 'report',
          after: { sandboxTime: { target: 'containers', actions: 'sandboxReady' } },
        },
        containers: {
          entry: ['startContainers', 'startEphemeralContainers', 'armNetworkResync'],
        },
        /** A Job-like pod's regular containers are done: its sidecars are stopped, in reverse order. */
        finishing: {
          entry: 'stopSidecars',
          always: { guard: 'sidecarsStopped', target: 'finished', actions: 'finish' },
          on: {
            'container.status': [
              { guard: 'batching', actions: 'record' },
              { guard: 'sidecarsStopped', target: 'finished', actions: 'finish' },
              { actions: ['record', 'signalNext'] },
            ],
          },
        },
        finished: {},
      },
      on: {
        'container.pull': { actions: 'forwardPull' },
        'container.event': { actions: 'forwardEvent' },
        'runtime.pulling': { actions: 'recordPulling' },
        'runtime.pulled': { actions: 'routePulled' },
        'container.status': [
          { guard: 'batching', actions: 'record' },
          { guard: 'sidecarsOutlive', target: '.finishing', actions: 'record' },
          { guard: 'finishes', target: '.finished', actions: 'finish' },
          { guard: 'initCompleted', actions: 'startContainers' },
          { actions: 'record' },
        ],
        'pod.flush': { actions: 'flush' },
        'pod.sync': { actions: ['applySync', 'startEphemeralContainers'] },
        'pod.config': { actions: 'applyConfig' },
        // a network user runs or will: re-capture the network, recompute fates if it changed, re-arm
        'network.resync': { guard: 'networkUserLive', actions: ['resyncNetwork', 'armNetworkResync'] },
        'pod.kill': { target: 'terminating' },
      },
    },
    terminating: {
      entry: ['killContainers', 'flushLater'],
      on: {
        'container.status': [
          { guard: 'batching', actions: ['record', 'signalNext'] },
          { guard: 'allStopped', target: 'terminated', actions: 'store' },
          { actions: ['record', 'signalNext'] },
        ],
        'pod.flush': [{ guard: 'allStopped', target: 'terminated', actions: 'endBatch' }, { actions: ['flush', 'signalNext'] }],
        'pod.kill': { actions: 'killContainers' },
        'pod.sync': { actions: 'keepPod' },
        'container.event': { actions: 'forwardEvent' },
      },
    },
    terminated: {
      type: 'final',
      entry: 'reportTerminated',
    },
  },
});
