/**
 * job-active-within-parallelism (safety): the Job controller never creates a pod that takes a
 * Job above its parallelism. What the real controller keeps (`manageJob` in
 * `pkg/controller/job/job_controller.go`) is the number of *active* pods — `FilterActivePods`:
 * neither Succeeded nor Failed, and without a deletionTimestamp — at most
 * `min(parallelism, completions − succeeded)`; while suspended, none. Pods being deleted do not
 * count: with the default `podReplacementPolicy` (TerminatingOrFailed) a terminating pod is
 * replaced at once, so a Job can have more pods *running* than its parallelism, never more active
 * ones. Active pods only ever stop being active, so the count can only exceed the bound when a
 * pod is created: replaying etcd's changes in revision order, at each creation of a pod a Job
 * controls, the Job's active pods (the new one included) must number at most its parallelism as
 * etcd held the Job then (0 when suspended).
 *
 * A user lowering the parallelism (or suspending the Job) leaves the pods beyond the new bound
 * active until the controller deletes them; the controller may also still be deciding on the
 * Job as it was before. A creation is judged against the bound before the change as long as the
 * controller can have missed it: for 30 s of virtual time after the change, counted from when the
 * cluster was last free of faults.
 */
import type { KubeObject } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

type Obj = KubeObject & Record<string, any>;

const NAME = 'job-active-within-parallelism';
const JOBS = findResource('jobs')!.etcdPrefix;
const PODS = findResource('pods')!.etcdPrefix;
/** How long (virtual ms, once faults are over) a lowered parallelism may be unseen by the controller. */
const LOWERING_GRACE_MS = 30_000;

interface JobState {
  key: string;
  /** Effective parallelism (0 while suspended). */
  bound: number;
  /** The bound before the last lowering, and when it was lowered. */
  previous?: { bound: number; at: number };
  /** Active pods: etcd key → name. */
  active: Map<string, string>;
}

interface State {
  cursor: number;
  jobs: Map<string, JobState>;
  /** etcd key → uid and controlling Job (uid) of every pod seen (a put of a new uid at a key is a creation). */
  pods: Map<string, { uid: string; owner: string | undefined }>;
}

function bound(job: Obj): number {
  if (job.spec?.suspend === true) return 0;
  return typeof job.spec?.parallelism === 'number' ? (job.spec.parallelism as number) : 1;
}

function jobOwner(pod: Obj | undefined): string | undefined {
  const ref = (pod?.metadata?.ownerReferences as Obj[] | undefined)?.find((r) => r.controller === true && r.kind === 'Job');
  return ref?.uid as string | undefined;
}

function isActive(pod: Obj | undefined): boolean {
  if (!pod || pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

function check(history: History, now: number): Violation[] {
  const state = history.scratch<State>(NAME, () => ({ cursor: 0, jobs: new Map(), pods: new Map() }));
  const out: Violation[] = [];
  forEachChange(history, state, ({ change, revision, seenAt }) => {
    const key = change.kv.key;
    if (key.startsWith(JOBS)) {
      const job = change.kv.value as Obj;
      const uid = job.metadata?.uid;
      if (!uid) return;
      if (change.kind === 'delete') {
        state.jobs.delete(uid);
        return;
      }
      const b = bound(job);
      const known = state.jobs.get(uid);
      if (!known) state.jobs.set(uid, { key: key.slice(JOBS.length), bound: b, active: new Map() });
      else if (b !== known.bound) {
        // lowered: remember the larger bound the controller may still act on
        if (b < known.bound) known.previous = { bound: Math.max(known.bound, known.previous && seenAt - known.previous.at < LOWERING_GRACE_MS ? known.previous.bound : 0), at: seenAt };
        known.bound = b;
      }
      return;
    }
    if (!key.startsWith(PODS)) return;
    const pod = change.kind === 'delete' ? undefined : (change.kv.value as Obj);
    const seen = state.pods.get(key);
    const uid = String(pod?.metadata?.uid ?? '');
    const created = pod !== undefined && seen?.uid !== uid;
    const owner = pod ? jobOwner(pod) : seen?.owner;
    if (pod) state.pods.set(key, { uid, owner });
    else state.pods.delete(key);
    const job = owner ? state.jobs.get(owner) : undefined;
    if (!job) return;
    if (isActive(pod)) job.active.set(key, String(pod!.metadata?.name));
    else job.active.delete(key);
    if (!created || !isActive(pod)) return;
    let limit = job.bound;
    if (job.previous) {
      const quiet = history.quietSince;
      if (quiet === undefined || seenAt - Math.max(job.previous.at, quiet) <= LOWERING_GRACE_MS) limit = Math.max(limit, job.previous.bound);
    }
    if (job.active.size > limit) {
      out.push(
        violation(
          NAME,
          `Job ${job.key} got pod ${String(pod.metadata?.name)} (revision ${revision}) while ${job.active.size - 1} other pods of it were active (not finished, not terminating), above its parallelism ${job.bound}: ${[...job.active.values()].sort().join(', ')}`,
          now,
        ),
      );
    }
  });
  return out;
}

export const jobActiveWithinParallelism: Invariant = {
  name: NAME,
  kind: 'safety',
  description: "the Job controller never creates a pod that takes a Job's active (not finished, not terminating) pods above its parallelism",
  check: (cluster, history) => check(history, cluster.now()),
};
