/**
 * The kubelet's status manager (pkg/kubelet/status/status_manager.go), as immutable data the
 * kubelet's chart keeps in its context: per pod the latest status its worker computed, whether a
 * write is in flight (`sending`: one request per pod at a time), whether the latest status is not
 * written yet (`dirty`: the latest wins, intermediate ones are never sent), and whether it is the
 * pod's `final` status (written before the pod is deleted). These functions only compute; the
 * kubelet's named actions assign their results and send the requests.
 */
import type { PodStatus } from '../../src/api/types.js';
import type { RequestSpec } from '../client/api-client.js';

/** What the status manager knows of one pod. */
export interface PodStatusEntry {
  readonly uid: string;
  /** The latest status of the pod (its worker's, or the kubelet's own for a pod it refused). */
  readonly status: PodStatus;
  /** The last status written. */
  readonly sent?: PodStatus;
  /** `sending` while a write is in flight: at most one per pod. */
  readonly state: 'idle' | 'sending';
  /** True while `status` is newer than what was written. */
  readonly dirty: boolean;
  /** True once the pod's worker stopped: this is its last status, then the pod is deleted. */
  readonly final: boolean;
}

/** The status manager's entries, by pod key (`namespace/name`). */
export type PodStatuses = ReadonlyMap<string, PodStatusEntry>;

/** `statuses` with `key` set to `entry` (or removed, when undefined). */
export function withEntry(statuses: PodStatuses, key: string, entry: PodStatusEntry | undefined): PodStatuses {
  const next = new Map(statuses);
  if (entry) next.set(key, entry);
  else next.delete(key);
  return next;
}

/** A status of the kubelet's own for a pod (refused, held back): a new entry, nothing written yet. */
export function fresh(uid: string, status: PodStatus): PodStatusEntry {
  return { uid, status, state: 'idle', dirty: true, final: false };
}

/** A new status from the pod's worker: the latest wins, written when the request in flight (if any) is answered. */
export function reported(entry: PodStatusEntry | undefined, uid: string, status: PodStatus): PodStatusEntry {
  return entry ? { ...entry, status, dirty: true } : fresh(uid, status);
}

/**
 * The worker stopped: its final status, written after the request still in flight (the client
 * sends that one again when its answer is lost, which would otherwise overwrite the final status).
 */
export function finalStatus(entry: PodStatusEntry | undefined, uid: string, status: PodStatus): PodStatusEntry {
  return { uid, status, sent: entry?.sent, state: entry?.state ?? 'idle', dirty: true, final: true };
}

/** True when the entry has a status to write and nothing in flight. */
export function needsWrite(entry: PodStatusEntry | undefined): entry is PodStatusEntry {
  return entry !== undefined && entry.state === 'idle' && entry.dirty;
}

/**
 * The status to write, given the phase the API server has. A pod's phase never goes back: a fresh
 * worker (after the node restarted) computes Pending while its containers start again, but the
 * pod stays Running; terminal phases stay terminal. Pending is never written: every pod starts
 * Pending (the API server sets it), and the copy of the pod at hand may be older than etcd's (a
 * relist from a watch cache that lags after an etcd outage), so writing it could take a Running
 * pod back.
 */
export function statusToWrite(status: PodStatus, serverPhase: string | undefined): PodStatus {
  if ((serverPhase === 'Succeeded' || serverPhase === 'Failed') && status.phase !== serverPhase) return { ...status, phase: serverPhase };
  if (status.phase === 'Pending') {
    const { phase: _pending, ...rest } = status;
    return rest;
  }
  return status;
}

/** The write of a pod's status: a merge patch of `pods/status` with the uid as precondition. */
export function statusRequest(key: string, uid: string, status: PodStatus): RequestSpec {
  const [namespace, name] = key.split('/');
  return { verb: 'patch', resource: 'pods', subresource: 'status', namespace, name, query: { patchType: 'merge' }, body: { metadata: { uid }, status } };
}

/** The entry once its write is answered: written (`sent`), or dirty again to try once more (not for 404: the pod is gone). */
export function answered(entry: PodStatusEntry, code: number, written: PodStatus): PodStatusEntry {
  const ok = code >= 200 && code < 300;
  return { ...entry, state: 'idle', sent: ok ? written : entry.sent, dirty: entry.dirty || (!ok && code !== 404) };
}

function readyOf(status: PodStatus): string | undefined {
  return status.conditions?.find((c) => c.type === 'Ready')?.status;
}

/**
 * The status manager's reconcile: where the API server's copy of a pod disagrees with what the
 * worker last reported (someone else marked it not Ready), the status is written again.
 */
export function disagrees(entry: PodStatusEntry, server: PodStatus | undefined): boolean {
  return entry.state === 'idle' && server !== undefined && (server.phase !== entry.status.phase || readyOf(server) !== readyOf(entry.status));
}
