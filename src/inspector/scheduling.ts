/**
 * The inspector's per-plugin view of a pod's scheduling: the last scheduling cycle the scheduler
 * ran for the pod (`machines/scheduler/cycle-record.ts`), read from the scheduler actor's context
 * as an observer (no message is sent). With a highly available control plane every scheduler is
 * asked and the most recent record wins (the one that led when the pod was tried).
 */
import type { AnyActorRef } from 'xstate';
import { cycleRecordJSON, type CycleRecordJSON } from '../../machines/scheduler/cycle-record.js';
import type { SchedulerContext } from '../../machines/scheduler.js';
import { schedulerAddress } from '../cluster/control-plane.js';

/** What the per-plugin view needs of a cluster. */
export interface SchedulingSource {
  actor(address: string): AnyActorRef | undefined;
  readonly controlPlane?: { readonly nodes: readonly string[] };
}

/** The addresses a scheduler may run at: `scheduler`, or `scheduler/<control-plane node>`. */
function schedulerAddresses(source: SchedulingSource): string[] {
  return ['scheduler', ...(source.controlPlane?.nodes ?? []).map(schedulerAddress)];
}

/**
 * The last scheduling cycle of a pod (`namespace/name`) as plain JSON, or undefined when no
 * scheduler keeps one (never tried, deleted, or pushed out by the last `cycleRecords` pods).
 */
export function lastSchedulingCycle(source: SchedulingSource, podKey: string): CycleRecordJSON | undefined {
  let best: CycleRecordJSON | undefined;
  for (const address of schedulerAddresses(source)) {
    const snapshot = source.actor(address)?.getSnapshot() as { context?: Partial<SchedulerContext> } | undefined;
    const record = snapshot?.context?.records?.get(podKey);
    if (!record) continue;
    const json = cycleRecordJSON(record);
    if (!best || json.time > best.time || (json.time === best.time && json.attempt > best.attempt)) best = json;
  }
  return best;
}
