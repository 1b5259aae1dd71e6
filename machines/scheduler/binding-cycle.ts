/**
 * The scheduler's binding cycle (kube-scheduler `schedule_one.go`'s `bindingCycle` with the
 * framework's Reserve, Unreserve and PreBind points): the pod is assumed on its node, the Reserve
 * plugins assume what they decided, the PreBind plugins' API writes are sent and their conditions
 * polled every housekeeping tick (VolumeBinding waits for the PV controller to bind the pod's
 * claims), then the Binding is sent. A failure after Reserve unreserves, forgets the pod, records
 * FailedScheduling with the plugin's error and retries the pod after its back-off.
 */
import type { KubeObject, Pod } from '../../src/api/types.js';
import type { SchedulerContext, SchedulingCycle } from '../scheduler.js';
import type { CycleState, PreBindPlan } from './framework.js';
import type { ScheduleResult } from './schedule-one.js';
import { isSuccess } from '../client/api-client.js';
import { objectKey } from '../client/informer.js';

/** A pod in its binding cycle, waiting for its PreBind plugins (VolumeBinding's claims to be bound). */
export interface WaitingPod {
  readonly pod: Pod;
  readonly node: string;
  readonly state: CycleState;
  readonly plans: readonly { readonly plugin: string; readonly plan: PreBindPlan; readonly written: (KubeObject | undefined)[] }[];
  /** Writes not yet answered. */
  pendingWrites: number;
  /** When the wait gives up (the longest plan timeout). */
  readonly deadline: number;
}

/** How a binding cycle ended: the Binding was accepted, or the cycle failed (Reserve, PreBind or the Binding). */
export type BindingOutcome = 'scheduled' | 'failed';

/** Tells the scheduler a binding cycle ended (its answers arrive after the cycle's transitions: it counts them). */
function finished(context: SchedulerContext, outcome: BindingOutcome): void {
  context.self.send({ type: 'binding.finished', outcome });
}

/** A pod this scheduler should place: no node, not terminating or finished, no scheduling gate, its schedulerName. */
export function isUnassigned(pod: Pod, schedulerName: string): boolean {
  if (pod.spec?.nodeName) return false;
  if (pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  // SchedulingGates (PreEnqueue): a gated pod is not queued until its gates are all removed
  if ((pod.spec?.schedulingGates?.length ?? 0) > 0) return false;
  return (pod.spec?.schedulerName ?? 'default-scheduler') === schedulerName;
}

/**
 * The binding cycle: assume the pod on the chosen node, run the Reserve plugins, then the PreBind
 * plugins' writes and waits (VolumeBinding), then send the Binding.
 */
export function bindPod(context: SchedulerContext, cycle: SchedulingCycle): void {
  const { pod, result, state } = cycle;
  const node = (result as Extract<ScheduleResult, { ok: true }>).node;
  context.cache.assume(pod, node);
  if (!state) {
    sendBinding(context, pod, node);
    return;
  }
  for (const plugin of context.profile.filters) {
    const status = plugin.reserve?.(state, pod, node);
    if (status && status.code !== 'Success') {
      failBinding(context, pod, node, state, `running Reserve plugin "${plugin.name}": ${status.reasons.join(', ')}`);
      return;
    }
  }
  const plans: WaitingPod['plans'][number][] = [];
  for (const plugin of context.profile.filters) {
    const plan = plugin.preBind?.(state, pod, node);
    if (plan) plans.push({ plugin: plugin.name, plan, written: [] });
  }
  if (plans.length === 0) {
    sendBinding(context, pod, node);
    return;
  }
  const key = objectKey(pod);
  const waiting: WaitingPod = {
    pod,
    node,
    state,
    plans,
    pendingWrites: plans.reduce((n, p) => n + p.plan.writes.length, 0),
    deadline: context.port.now() + Math.max(...plans.map((p) => p.plan.timeoutMs)),
  };
  context.waiting.set(key, waiting);
  sendPreBindWrites(context, key, waiting, 0, 0);
}

/** `bindAPIUpdate`: the plans' updates one after the other; the first failure fails the binding cycle. */
function sendPreBindWrites(context: SchedulerContext, key: string, waiting: WaitingPod, planIndex: number, writeIndex: number): void {
  const entry = waiting.plans[planIndex];
  if (!entry) {
    checkWaitingPod(context, key);
    return;
  }
  const write = entry.plan.writes[writeIndex];
  if (!write) {
    sendPreBindWrites(context, key, waiting, planIndex + 1, 0);
    return;
  }
  const meta = write.object.metadata!;
  context.client.request(
    { verb: 'update', resource: write.resource, namespace: meta.namespace, name: meta.name, body: write.object },
    (res) => {
      if (context.waiting.get(key) !== waiting) return;
      if (!isSuccess(res)) {
        const message = (res.body as { message?: string } | undefined)?.message ?? `${write.resource} "${meta.name}" update failed with ${res.code}`;
        context.waiting.delete(key);
        failBinding(context, waiting.pod, waiting.node, waiting.state, `running PreBind plugin "${entry.plugin}": ${message}`);
        return;
      }
      entry.written[writeIndex] = res.body;
      waiting.pendingWrites--;
      sendPreBindWrites(context, key, waiting, planIndex, writeIndex + 1);
    },
  );
}

/** Polls a waiting pod's PreBind conditions (every housekeeping tick, as the binder polls every second). */
export function checkWaitingPod(context: SchedulerContext, key: string): void {
  const waiting = context.waiting.get(key);
  if (!waiting || waiting.pendingWrites > 0) return;
  const fail = (plugin: string, message: string) => {
    context.waiting.delete(key);
    failBinding(context, waiting.pod, waiting.node, waiting.state, `running PreBind plugin "${plugin}": ${message}`);
  };
  const current = context.pods.store.get(key);
  for (const { plugin, plan, written } of waiting.plans) {
    if (!current || current.metadata?.uid !== waiting.pod.metadata?.uid) return fail(plugin, `binding volumes: pod does not exist any more: pods "${waiting.pod.metadata?.name}" not found`);
    const r = plan.check(written);
    if (typeof r === 'string') return fail(plugin, r);
    if (r) continue;
    if (context.port.now() >= waiting.deadline) return fail(plugin, 'binding volumes: context deadline exceeded');
    return;
  }
  context.waiting.delete(key);
  sendBinding(context, waiting.pod, waiting.node);
}

/**
 * A binding cycle failed after Reserve (`handleBindingCycleError`): Unreserve, forget the assumed
 * pod, record FailedScheduling with the error, and retry the pod after its back-off.
 */
/**
 * Writes a pod's PodScheduled=False condition (reason `Unschedulable` or `SchedulerError`) with
 * the failure's message, and a nominated node when preemption made room for it. As kube-scheduler's
 * `updatePod`: nothing is written when the condition would not change (`podutil.UpdatePodCondition`
 * reports no change: same status, reason and message) and no nominated node is to be set, and an
 * unchanged status keeps its `lastTransitionTime`.
 */
export function patchPodUnscheduled(context: SchedulerContext, pod: Pod, reason: 'Unschedulable' | 'SchedulerError', message: string, nominatedNode?: string): void {
  const existing = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const nominatedNeedsUpdate = nominatedNode !== undefined && nominatedNode !== (pod.status?.nominatedNodeName ?? '');
  const sameStatus = existing?.status === 'False';
  if (sameStatus && existing.reason === reason && existing.message === message && !nominatedNeedsUpdate) return;
  const lastTransitionTime = sameStatus && existing.lastTransitionTime ? existing.lastTransitionTime : context.port.timestamp();
  context.client.request({
    verb: 'patch',
    resource: 'pods',
    subresource: 'status',
    namespace: pod.metadata!.namespace,
    name: pod.metadata!.name,
    query: { patchType: 'strategic' },
    body: {
      status: {
        conditions: [{ type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime }],
        ...(nominatedNode ? { nominatedNodeName: nominatedNode } : {}),
      },
    },
  });
}

function failBinding(context: SchedulerContext, pod: Pod, node: string, state: CycleState, message: string): void {
  const filters = context.profile.filters;
  for (let i = filters.length - 1; i >= 0; i--) filters[i]!.unreserve?.(state, pod, node);
  finished(context, 'failed');
  context.cache.forget(pod);
  const key = objectKey(pod);
  context.recorder.record(pod, 'Warning', 'FailedScheduling', message, 'Scheduling');
  const current = context.pods.store.get(key);
  if (current && isUnassigned(current, context.schedulerName)) {
    context.queue.retryLater(key, context.port.now());
    patchPodUnscheduled(context, pod, 'SchedulerError', message);
  }
}

/** Sends the Binding of an assumed pod. */
function sendBinding(context: SchedulerContext, pod: Pod, node: string): void {
  const key = objectKey(pod);
  context.client.request(
    {
      verb: 'create',
      resource: 'pods',
      subresource: 'binding',
      namespace: pod.metadata!.namespace,
      name: pod.metadata!.name,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata!.name, namespace: pod.metadata!.namespace, uid: pod.metadata!.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    },
    (res) => {
      if (isSuccess(res)) {
        finished(context, 'scheduled');
        context.recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${node}`, 'Binding');
        return;
      }
      finished(context, 'failed');
      context.cache.forget(pod);
      const current = context.pods.store.get(key);
      if (current && isUnassigned(current, context.schedulerName)) context.queue.retryLater(key, context.port.now());
    },
  );
}

