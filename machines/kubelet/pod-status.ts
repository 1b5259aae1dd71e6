/**
 * The pod status the kubelet computes (pkg/kubelet/kubelet_pods.go `getPhase`, pkg/kubelet/status
 * `GeneratePodInitializedCondition`, `GenerateContainersReadyCondition`, `GeneratePodReadyCondition`)
 * from a pod worker's container statuses, and kubectl's STATUS column for a pod.
 */
import type { ContainerStatus, Pod, PodCondition, PodStatus } from '../../src/api/types.js';
import type { RestartPolicy } from '../container.js';
import type { PodContext } from '../pod.js';

/** A pod's phase. */
export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

// ---- the kubelet's status computation -----------------------------------------------------------

const NO_SIDECARS: ReadonlySet<string> = new Set();

/**
 * The pod's phase from its container statuses, as the kubelet's `getPhase` computes it.
 * `terminal` is true once the pod was killed and stopped. `sidecars` names the restartable init
 * containers: a running one that has not started yet keeps the pod initializing, a terminated
 * one does not count, a running one counts as running.
 */
export function computePhase(
  initStatuses: readonly ContainerStatus[],
  statuses: readonly ContainerStatus[],
  restartPolicy: RestartPolicy,
  terminal: boolean,
  sidecars: ReadonlySet<string> = NO_SIDECARS,
): Phase {
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const s of initStatuses) {
    if (sidecars.has(s.name)) continue;
    const st = s.state ?? {};
    if (st.running) pendingInitialization++;
    else if (st.terminated) {
      if (st.terminated.exitCode !== 0) failedInitialization++;
    } else if (st.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  // restartable init containers
  for (const s of initStatuses) {
    if (!sidecars.has(s.name)) continue;
    const st = s.state ?? {};
    if (st.running) {
      if (!s.started) pendingInitialization++;
      running++;
    } else if (st.terminated) {
      // terminated restartable init containers are not taken into account for the pod phase
    } else if (st.waiting) {
      if (!s.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const s of statuses) {
    const st = s.state ?? {};
    if (st.running) running++;
    else if (st.terminated) {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if (st.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  const anyRegularStarted = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const SANDBOX_READY: Cond = { type: 'PodReadyToStartContainers', status: 'True' };
const SANDBOX_DOWN: Cond = { type: 'PodReadyToStartContainers', status: 'False' };

function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

interface Cond {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

/** The conditions the kubelet computes (GeneratePodInitializedCondition, ...ContainersReady..., ...PodReady...). */
function computeConditions(context: PodContext, phase: Phase): Cond[] {
  const spec = context.pod.spec;
  const inits = spec?.initContainers ?? [];
  // Initialized
  let initialized: Cond;
  if (inits.length === 0) initialized = { type: 'Initialized', status: 'True' };
  else if (phase === 'Succeeded') initialized = { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  else if (context.statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) initialized = { type: 'Initialized', status: 'True' };
  else {
    const incomplete: string[] = [];
    for (const s of context.initStatuses) {
      if (context.env.sidecars.has(s.name) ? !s.started : s.state?.terminated?.exitCode !== 0) incomplete.push(s.name);
    }
    initialized =
      incomplete.length > 0
        ? { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` }
        : { type: 'Initialized', status: 'True' };
  }
  // ContainersReady
  let containersReady: Cond;
  if (phase === 'Succeeded') containersReady = { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  else if (phase === 'Failed') containersReady = { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  else {
    const unready: string[] = [];
    // sidecars first, as GenerateContainersReadyCondition lists them
    for (const s of context.initStatuses) if (context.env.sidecars.has(s.name) && !s.ready) unready.push(s.name);
    for (const s of context.statuses) if (!s.ready) unready.push(s.name);
    containersReady =
      unready.length > 0
        ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${goList(unready)}` }
        : { type: 'ContainersReady', status: 'True' };
  }
  // Ready: ContainersReady, then the readiness gates
  let ready: Cond = { ...containersReady, type: 'Ready' };
  if (containersReady.status === 'True' && spec?.readinessGates?.length) {
    const messages: string[] = [];
    for (const gate of spec.readinessGates) {
      const c = context.pod.status?.conditions?.find((x) => x.type === gate.conditionType);
      if (!c) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
      else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
    if (messages.length > 0) ready = { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: messages.join(', ') };
  }
  const sandbox: Cond = context.sandboxReady ? SANDBOX_READY : SANDBOX_DOWN;
  return [sandbox, initialized, ready, containersReady];
}

/** Builds the PodStatus from the context; conditions keep their lastTransitionTime while their status stays. */
export function buildStatus(context: PodContext, terminal: boolean): PodStatus {
  const env = context.env;
  const phase = computePhase(context.initStatuses, context.statuses, env.restartPolicy, terminal, env.sidecars);
  const previous = context.lastStatus?.conditions ?? context.pod.status?.conditions;
  const conditions: PodCondition[] = [];
  for (const c of computeConditions(context, phase)) {
    const before = previous?.find((p) => p.type === c.type);
    if (before && before.status === c.status && before.reason === c.reason && before.message === c.message) {
      conditions.push(before);
      continue;
    }
    const condition: PodCondition = { type: c.type, status: c.status, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : env.port.timestamp() };
    if (c.reason) condition.reason = c.reason;
    if (c.message) condition.message = c.message;
    conditions.push(condition);
  }
  const scheduled = context.pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  conditions.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: env.startTime });
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: env.hostIP,
    hostIPs: env.hostIPs,
  };
  // The pod keeps its IP once the sandbox had it, also after it stopped.
  if (context.sandboxReady || context.lastStatus?.podIP) {
    status.podIP = env.podIP;
    status.podIPs = env.podIPs;
  }
  status.startTime = env.startTime;
  if (context.initStatuses.length > 0) status.initContainerStatuses = context.initStatuses;
  status.containerStatuses = context.statuses;
  if (context.ephemeralStatuses.length > 0) status.ephemeralContainerStatuses = context.ephemeralStatuses;
  if (context.pod.status?.qosClass) status.qosClass = context.pod.status.qosClass;
  return status;
}

/** True when two statuses differ in anything the kubelet would report. */
export function statusChanged(a: PodStatus | undefined, b: PodStatus): boolean {
  if (!a) return true;
  if (a.phase !== b.phase || a.podIP !== b.podIP) return true;
  if (a.containerStatuses !== b.containerStatuses || a.initContainerStatuses !== b.initContainerStatuses || a.ephemeralContainerStatuses !== b.ephemeralContainerStatuses) return true;
  const ac = a.conditions ?? [];
  const bc = b.conditions ?? [];
  if (ac.length !== bc.length) return true;
  for (let i = 0; i < ac.length; i++) if (ac[i]!.status !== bc[i]!.status || ac[i]!.reason !== bc[i]!.reason || ac[i]!.message !== bc[i]!.message) return true;
  return false;
}

/**
 * kubectl's STATUS column for a pod (`Init:0/2`, `PodInitializing`, `ContainerCreating`,
 * `Running`, `CrashLoopBackOff`, `Completed`, `Error`, `Terminating`, ...), as `kubectl get pods`
 * prints it.
 */
export function podDisplayStatus(pod: Pod): string {
  const status = pod.status ?? {};
  let reason: string = status.reason || status.phase || '';
  const inits = pod.spec?.initContainers ?? [];
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const st = initStatuses[i]!.state ?? {};
    if (st.terminated && st.terminated.exitCode === 0) continue;
    // a native sidecar that has started does not hold the pod's initialization
    if (initStatuses[i]!.started && inits.find((c) => c.name === initStatuses[i]!.name)?.restartPolicy === 'Always') continue;
    if (st.terminated) {
      reason = st.terminated.reason ? `Init:${st.terminated.reason}` : st.terminated.signal ? `Init:Signal:${st.terminated.signal}` : `Init:ExitCode:${st.terminated.exitCode}`;
    } else if (st.waiting?.reason && st.waiting.reason !== 'PodInitializing') reason = `Init:${st.waiting.reason}`;
    else reason = `Init:${i}/${inits.length}`;
    initializing = true;
    break;
  }
  const initializedTrue = status.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      const st = c.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
      else if (c.ready && st.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      reason = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  return reason;
}

