/**
 * cronjob-forbid-no-overlap (safety): a CronJob whose concurrencyPolicy is Forbid never starts a
 * Job while one of its Jobs is still running. The CronJob controller (`syncCronJob` in
 * `pkg/controller/cronjob/cronjob_controllerv2.go`) decides from the CronJob's `status.active`:
 * with Forbid and an active Job it skips the time (`JobAlreadyActive`). The real controller does
 * not put back in `status.active` a Job it created but failed to record (a crash or a lost answer
 * between creating the Job and writing the status: it only reports `UnexpectedJob`), so two
 * unfinished Jobs can then run at once in Kubernetes too — but only after such a fault. Replaying
 * etcd's changes in revision order, when a Job controlled by a Forbid CronJob is created, no other
 * Job of that CronJob may be running (no Complete or Failed condition, not being deleted) if it is
 * listed in the CronJob's `status.active` as etcd held it then, or if no fault was active since it
 * was created (the cluster has been quiet since before its creation: nothing can have made the
 * controller lose it).
 */
import type { KubeObject } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

type Obj = KubeObject & Record<string, any>;

const NAME = 'cronjob-forbid-no-overlap';
const JOBS = findResource('jobs')!.etcdPrefix;
const CRONJOBS = findResource('cronjobs')!.etcdPrefix;

interface JobEntry {
  name: string;
  owner: string | undefined;
  running: boolean;
  /** Virtual time the verifier first saw it. */
  createdAt: number;
}

interface State {
  cursor: number;
  /** CronJob uid → its last version. */
  cronjobs: Map<string, Obj>;
  /** Job uid → what matters of it. */
  jobs: Map<string, JobEntry>;
  /** Job etcd key → uid (a put of a new uid at a key is a creation). */
  keys: Map<string, string>;
}

function running(job: Obj): boolean {
  if (job.metadata?.deletionTimestamp) return false;
  return !((job.status?.conditions as Obj[] | undefined) ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function check(history: History, now: number): Violation[] {
  const state = history.scratch<State>(NAME, () => ({ cursor: 0, cronjobs: new Map(), jobs: new Map(), keys: new Map() }));
  const out: Violation[] = [];
  forEachChange(history, state, ({ change, revision, seenAt }) => {
    const key = change.kv.key;
    if (key.startsWith(CRONJOBS)) {
      const cj = change.kv.value as Obj | undefined;
      if (change.kind === 'delete') {
        for (const [uid, c] of state.cronjobs) if (`${CRONJOBS}${c.metadata?.namespace}/${c.metadata?.name}` === key) state.cronjobs.delete(uid);
      } else if (cj?.metadata?.uid) state.cronjobs.set(cj.metadata.uid, cj);
      return;
    }
    if (!key.startsWith(JOBS)) return;
    if (change.kind === 'delete') {
      const uid = state.keys.get(key);
      if (uid) state.jobs.delete(uid);
      state.keys.delete(key);
      return;
    }
    const job = change.kv.value as Obj;
    const uid = String(job.metadata?.uid);
    const created = state.keys.get(key) !== uid;
    state.keys.set(key, uid);
    const owner = (job.metadata?.ownerReferences as Obj[] | undefined)?.find((r) => r.controller === true && r.kind === 'CronJob')?.uid as string | undefined;
    state.jobs.set(uid, { name: String(job.metadata?.name), owner, running: running(job), createdAt: created ? seenAt : (state.jobs.get(uid)?.createdAt ?? seenAt) });
    if (!created || !owner) return;
    const cj = state.cronjobs.get(owner);
    if (!cj || cj.spec?.concurrencyPolicy !== 'Forbid') return;
    const listed = new Set(((cj.status?.active as Obj[] | undefined) ?? []).map((ref) => String(ref.uid)));
    const quiet = history.quietSince;
    const overlapping = [...state.jobs.entries()]
      .filter(([u, j]) => u !== uid && j.owner === owner && j.running && (listed.has(u) || (quiet !== undefined && quiet <= j.createdAt)))
      .map(([, j]) => j);
    if (overlapping.length > 0) {
      out.push(
        violation(
          NAME,
          `CronJob ${cj.metadata?.namespace}/${cj.metadata?.name} (concurrencyPolicy Forbid) started Job ${String(job.metadata?.name)} (revision ${revision}) while its Job ${overlapping.map((j) => j.name).join(', ')} was still running`,
          now,
        ),
      );
    }
  });
  return out;
}

export const cronJobForbidNoOverlap: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a CronJob with concurrencyPolicy Forbid never starts a Job while another of its Jobs is running (unless a fault can have made it lose that Job from status.active)',
  check: (cluster, history) => check(history, cluster.now()),
};
