/**
 * The TTL-after-finished controller (`pkg/controller/ttlafterfinished`, kube-controller-manager's
 * `ttl-after-finished-controller`): deletes a finished Job (Complete or Failed)
 * `spec.ttlSecondsAfterFinished` seconds after it finished, with Foreground propagation (its pods
 * go first) and a uid precondition.
 *
 * Its handlers queue Jobs that have a TTL and are finished (`needsCleanup`). `sync` computes the
 * expiry from the finishing condition's lastTransitionTime; when it is not due yet, the key is
 * queued again for that moment. When due, the controller reads the Job again from the API server
 * (not the cache: the TTL may have just been changed) and deletes it only if it is still expired.
 */
import type { KubeObject } from '../../src/api/types.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { isJobFinished, type JobCondition, type JobObj } from './job-utils.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/ttl-after-finished`). */
const TTL_AFTER_FINISHED_CONTROLLER = 'ttl-after-finished';

/** `needsCleanup`: a finished Job with a TTL. */
function needsCleanup(job: JobObj): boolean {
  return typeof job.spec?.ttlSecondsAfterFinished === 'number' && isJobFinished(job) && !job.metadata?.deletionTimestamp;
}

/** `jobFinishTime`: the lastTransitionTime of the Complete or Failed condition. */
function jobFinishTime(job: JobObj): string | undefined {
  const c = ((job.status?.conditions as JobCondition[] | undefined) ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.lastTransitionTime;
}

/** `timeLeft`: ms until the Job expires (≤ 0: expired); undefined when it cannot be told. */
function ttlTimeLeft(job: JobObj, now: number, timeOf: (ts: string | undefined) => number): number | undefined {
  if (!needsCleanup(job)) return undefined;
  const finished = timeOf(jobFinishTime(job));
  if (!Number.isFinite(finished)) return undefined;
  return finished + (job.spec!.ttlSecondsAfterFinished as number) * 1000 - now;
}

type TtlWatches = { jobs: ReturnType<typeof watch<JobObj>> };
type Ctx = SyncContext<TtlWatches & Watches, unknown, Record<string, unknown>>;

function sync(key: string, ctx: Ctx): void {
  const cached = ctx.get('jobs', key);
  if (!cached) return;
  const left = ttlTimeLeft(cached, ctx.now(), (ts) => ctx.timeOf(ts));
  if (left === undefined) return;
  if (left > 0) {
    ctx.requeueAfter(left);
    return;
  }
  const { namespace, name } = splitKey(key);
  // the TTL may have changed: read the Job from the API server before deleting it
  ctx.client.get({ resource: 'jobs', group: 'batch' }, namespace, name, {
    ignore: [404],
    onResponse: (res) => {
      if (res.code !== 200) return;
      const fresh = res.body as JobObj;
      const again = ttlTimeLeft(fresh, ctx.now(), (ts) => ctx.timeOf(ts));
      if (again === undefined) return;
      if (again > 0) return { requeueAfter: again };
      ctx.client.delete({ resource: 'jobs', group: 'batch' }, namespace, name, {
        propagationPolicy: 'Foreground',
        uid: (fresh as KubeObject).metadata?.uid,
        ignore: [404, 409],
      });
    },
  });
}

/** The TTL-after-finished controller's machine. */
export const ttlAfterFinishedController: ControllerMachine = defineController({
  name: TTL_AFTER_FINISHED_CONTROLLER,
  component: 'ttl-after-finished-controller',
  watches: {
    jobs: watch<JobObj>({
      resource: 'jobs',
      group: 'batch',
      enqueue: ({ type, object }) => (type !== 'deleted' && needsCleanup(object) ? objectKey(object) : undefined),
    }),
  },
  sync: (key, ctx) => sync(key, ctx as unknown as Ctx),
});
