/**
 * job-completions-counted-once (safety): a Job never counts a completion twice. The Job
 * controller counts a finished pod through its `batch.kubernetes.io/job-tracking` finalizer
 * (`trackJobStatusAndRemoveFinalizers`): the pod's uid goes to
 * `status.uncountedTerminatedPods`, the finalizer is removed, and only then is the pod added to
 * `status.succeeded`, so that a pod is counted exactly once even when the controller restarts or
 * sees the pod again. Replaying etcd's changes in revision order, every write of a Job is checked
 * against the pods etcd ever held as Succeeded under that Job (by uid):
 * - `status.succeeded` never exceeds the number of distinct pods of the Job that ever succeeded,
 *   and never goes down;
 * - Indexed Jobs: every index in `status.completedIndexes` is below `spec.completions` and had a
 *   pod with that completion index succeed, and `status.succeeded` is the number of completed
 *   indexes (each index is counted once, however many of its pods succeeded).
 */
import type { KubeObject } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

type Obj = KubeObject & Record<string, any>;

const NAME = 'job-completions-counted-once';
const JOBS = findResource('jobs')!.etcdPrefix;
const PODS = findResource('pods')!.etcdPrefix;
const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

interface JobRecord {
  /** Pods (uid) of the Job that etcd held as Succeeded. */
  succeeded: Set<string>;
  /** Completion indexes of those pods. */
  indexes: Set<number>;
  /** The highest status.succeeded written so far. */
  counted: number;
}

interface State {
  cursor: number;
  jobs: Map<string, JobRecord>;
}

/** `1,3-5` → [1, 3, 4, 5] (undefined when malformed). */
export function parseIndexes(text: string | undefined): number[] | undefined {
  if (!text) return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return undefined;
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

function record(state: State, uid: string): JobRecord {
  let r = state.jobs.get(uid);
  if (!r) state.jobs.set(uid, (r = { succeeded: new Set(), indexes: new Set(), counted: 0 }));
  return r;
}

function checkJob(job: Obj, r: JobRecord, revision: number, now: number): Violation[] {
  const out: Violation[] = [];
  const name = `${job.metadata?.namespace}/${job.metadata?.name}`;
  const succeeded = typeof job.status?.succeeded === 'number' ? (job.status.succeeded as number) : 0;
  if (succeeded > r.succeeded.size) {
    out.push(violation(NAME, `Job ${name} counts ${succeeded} succeeded pods (revision ${revision}) but only ${r.succeeded.size} of its pods ever succeeded`, now));
  }
  if (succeeded < r.counted) out.push(violation(NAME, `Job ${name}'s succeeded count went down from ${r.counted} to ${succeeded} (revision ${revision})`, now));
  r.counted = Math.max(r.counted, succeeded);
  if (job.spec?.completionMode !== 'Indexed') return out;
  const text = job.status?.completedIndexes as string | undefined;
  const indexes = parseIndexes(text);
  if (indexes === undefined) return [...out, violation(NAME, `Job ${name} has malformed completedIndexes "${text}" (revision ${revision})`, now)];
  const completions = job.spec?.completions as number | undefined;
  const beyond = indexes.filter((i) => completions === undefined || i >= completions);
  if (beyond.length > 0) out.push(violation(NAME, `Job ${name} lists completed indexes ${beyond.join(',')} beyond its completions ${completions} (revision ${revision})`, now));
  const unearned = indexes.filter((i) => !r.indexes.has(i));
  if (unearned.length > 0) out.push(violation(NAME, `Job ${name} lists indexes ${unearned.join(',')} as completed (revision ${revision}) but no pod with that index ever succeeded`, now));
  if (succeeded !== indexes.length) out.push(violation(NAME, `Job ${name} counts ${succeeded} succeeded but lists ${indexes.length} completed indexes "${text ?? ''}" (revision ${revision})`, now));
  return out;
}

function check(history: History, now: number): Violation[] {
  const state = history.scratch<State>(NAME, () => ({ cursor: 0, jobs: new Map() }));
  const out: Violation[] = [];
  forEachChange(history, state, ({ change, revision }) => {
    const key = change.kv.key;
    if (change.kind === 'delete') return;
    const obj = change.kv.value as Obj;
    if (key.startsWith(PODS)) {
      if (obj.status?.phase !== 'Succeeded') return;
      const ref = (obj.metadata?.ownerReferences as Obj[] | undefined)?.find((r) => r.controller === true && r.kind === 'Job');
      if (!ref) return;
      const r = record(state, ref.uid as string);
      r.succeeded.add(String(obj.metadata?.uid));
      const index = obj.metadata?.annotations?.[INDEX_ANNOTATION];
      if (index !== undefined && /^\d+$/.test(index)) r.indexes.add(Number(index));
    } else if (key.startsWith(JOBS) && obj.metadata?.uid) {
      out.push(...checkJob(obj, record(state, obj.metadata.uid), revision, now));
    }
  });
  return out;
}

export const jobCompletionsCountedOnce: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a Job never counts a completion twice: succeeded never exceeds its pods that ever succeeded, and each completed index had its pod succeed',
  check: (cluster, history) => check(history, cluster.now()),
};
