import { describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { Event, KubeObject, Pod } from '../../../src/api/types.js';
import {
  backoffRemaining,
  completionIndexOf,
  formatIndexes,
  matchPodFailurePolicy,
  nextBackoffRecord,
  parseIndexes,
  withIndexes,
  JOB_TRACKING_FINALIZER,
} from '../../../machines/controllers/job-utils.js';

type Obj = KubeObject & Record<string, any>;

function job(name: string, spec: Obj, command = ['sh', '-c', 'sleep 5; exit 0']): Obj {
  const { template, ...rest } = spec;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...rest,
      template: template ?? { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command }] } },
    },
  };
}

function cluster(nodes = 2): Cluster {
  const c = createCluster({ nodes, seed: 11 });
  c.advance(3_000);
  return c;
}

const jobOf = (c: Cluster, name: string) => c.object<Obj>('jobs', name);
const podsOf = (c: Cluster, name: string): Pod[] =>
  c.objects<Pod>('pods', 'default').filter((p) => p.metadata?.ownerReferences?.some((r) => r.kind === 'Job' && r.name === name));
const activeOf = (pods: Pod[]) => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata?.deletionTimestamp);
const condition = (j: Obj | undefined, type: string) => (j?.status?.conditions ?? []).find((x: Obj) => x.type === type);
const finished = (c: Cluster, name: string) => () => !!condition(jobOf(c, name), 'Complete') || !!condition(jobOf(c, name), 'Failed');
const events = (c: Cluster, name: string) =>
  c
    .objects<Event>('events', 'default')
    .filter((e) => e.involvedObject?.kind === 'Job' && e.involvedObject.name === name)
    .map((e) => `${e.reason}: ${e.message}`);

/** Steps the cluster to `until`, checking after every step that the Job never runs more pods than its parallelism. */
function runChecked(c: Cluster, name: string, parallelism: number, until: () => boolean, timeout = 600_000): number {
  let most = 0;
  const end = c.now() + timeout;
  while (!until() && c.now() < end) {
    c.advance(250);
    const active = activeOf(podsOf(c, name)).length;
    most = Math.max(most, active);
    expect(active).toBeLessThanOrEqual(parallelism);
  }
  expect(until()).toBe(true);
  return most;
}

describe('Job controller', () => {
  it('runs a Job to completion: pods with finalizer and labels, SuccessCriteriaMet then Complete, counted once', () => {
    const c = cluster();
    const created = c.client.create(job('pi', {}));
    expect(created.spec.completions).toBe(1);
    expect(created.spec.parallelism).toBe(1);
    expect(created.spec.backoffLimit).toBe(6);
    expect(created.spec.completionMode).toBe('NonIndexed');
    const uid = created.metadata!.uid!;
    expect(created.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    expect(created.spec.template.metadata.labels).toEqual({ 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' });
    expect(created.metadata!.labels).toEqual(created.spec.template.metadata.labels);
    c.runUntil(() => podsOf(c, 'pi').length === 1, { timeout: 10_000 });
    const pod = podsOf(c, 'pi')[0]!;
    expect(pod.metadata!.generateName).toBe('pi-');
    expect(pod.metadata!.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(pod.metadata!.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid, controller: true, blockOwnerDeletion: true }]);
    c.runUntil(finished(c, 'pi'), { timeout: 60_000 });
    const done = jobOf(c, 'pi')!;
    expect(done.status.succeeded).toBe(1);
    expect(done.status.failed).toBeUndefined();
    expect(done.status.active).toBe(0);
    expect(done.status.uncountedTerminatedPods).toEqual({});
    expect(done.status.conditions.map((x: Obj) => [x.type, x.status, x.reason, x.message])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    expect(done.status.completionTime).toBe(condition(done, 'Complete').lastTransitionTime);
    expect(Date.parse(done.status.completionTime)).toBeGreaterThanOrEqual(Date.parse(done.status.startTime) + 5_000);
    c.advance(2_000);
    const after = podsOf(c, 'pi');
    expect(after.map((p) => [p.status?.phase, p.metadata?.finalizers ?? []])).toEqual([['Succeeded', []]]);
    expect(events(c, 'pi')).toEqual(expect.arrayContaining([`SuccessfulCreate: Created pod: ${pod.metadata!.name}`, 'Completed: Job completed']));
    // nothing more happens to a finished Job
    c.advance(60_000);
    expect(podsOf(c, 'pi')).toHaveLength(1);
    expect(jobOf(c, 'pi')!.status.succeeded).toBe(1);
    expect(c.kernel.errors).toEqual([]);
  });

  it('never runs more pods than parallelism and counts each completion once (completions 5, parallelism 2)', () => {
    const c = cluster(3);
    c.client.create(job('par', { completions: 5, parallelism: 2 }));
    const most = runChecked(c, 'par', 2, finished(c, 'par'));
    expect(most).toBe(2);
    const done = jobOf(c, 'par')!;
    expect(done.status.succeeded).toBe(5);
    expect(podsOf(c, 'par').filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(5);
    expect(condition(done, 'Complete')?.status).toBe('True');
  });

  it('without completions runs parallelism pods and completes once one succeeded and the others finished', () => {
    const c = cluster(3);
    c.client.create(job('queue', { parallelism: 3 }));
    runChecked(c, 'queue', 3, finished(c, 'queue'));
    const done = jobOf(c, 'queue')!;
    expect(done.spec.completions).toBeUndefined();
    expect(done.status.succeeded).toBe(3);
    expect(condition(done, 'Complete')?.status).toBe('True');
  });

  it('backs off 10 s, 20 s, 40 s between failed pods and fails with BackoffLimitExceeded past backoffLimit', () => {
    const c = cluster();
    c.client.create(job('fail', { backoffLimit: 3 }, ['sh', '-c', 'exit 1']));
    c.runUntil(finished(c, 'fail'), { timeout: 600_000 });
    const done = jobOf(c, 'fail')!;
    expect(done.status.failed).toBe(4);
    expect(done.status.succeeded).toBeUndefined();
    expect(condition(done, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(done, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(done.status.completionTime).toBeUndefined();
    const created = podsOf(c, 'fail')
      .map((p) => Date.parse(p.metadata!.creationTimestamp!))
      .sort((a, b) => a - b);
    expect(created).toHaveLength(4);
    const gaps = created.slice(1).map((t, i) => t - created[i]!);
    // each replacement waits at least the back-off after the previous failure, and not much more
    expect(gaps[0]).toBeGreaterThanOrEqual(10_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(20_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(40_000);
    expect(gaps[2]).toBeLessThan(60_000);
    c.advance(1_000); // the event follows the status write
    expect(events(c, 'fail')).toContain('BackoffLimitExceeded: Job has reached the specified backoff limit');
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds, deleting its running pods', () => {
    const c = cluster();
    c.client.create(job('slow', { activeDeadlineSeconds: 20, parallelism: 2, completions: 4 }, ['sleep', '3600']));
    c.runUntil(() => activeOf(podsOf(c, 'slow')).length === 2, { timeout: 30_000 });
    c.runUntil(finished(c, 'slow'), { timeout: 120_000 });
    const done = jobOf(c, 'slow')!;
    expect(condition(done, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(Date.parse(condition(done, 'FailureTarget').lastTransitionTime) - Date.parse(done.status.startTime)).toBe(20_000);
    expect(done.status.active).toBe(0);
    expect(done.status.failed).toBe(2);
    c.advance(40_000);
    expect(podsOf(c, 'slow')).toEqual([]);
  });

  it('Indexed: one pod per index with the annotation, label, env and hostname; completedIndexes; a failed index is retried', () => {
    const c = cluster(3);
    const j = job('idx', {
      completions: 3,
      parallelism: 3,
      completionMode: 'Indexed',
      template: {
        metadata: { annotations: { 'kube-actors.io/behavior.main': '{"exit":{"afterMs":4000,"code":0}}' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] },
      },
    });
    c.client.create(j);
    c.runUntil(() => podsOf(c, 'idx').length === 3, { timeout: 10_000 });
    const pods = podsOf(c, 'idx').sort((a, b) => completionIndexOf(a) - completionIndexOf(b));
    expect(pods.map(completionIndexOf)).toEqual([0, 1, 2]);
    pods.forEach((p, i) => {
      expect(p.metadata!.generateName).toBe(`idx-${i}-`);
      expect(p.metadata!.annotations!['batch.kubernetes.io/job-completion-index']).toBe(String(i));
      expect(p.metadata!.labels!['batch.kubernetes.io/job-completion-index']).toBe(String(i));
      expect(p.spec!.hostname).toBe(`idx-${i}`);
      expect(p.spec!.containers[0]!.env).toEqual([
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      ]);
    });
    // index 1's pod is deleted before it completes: a new pod for index 1 replaces it
    c.client.delete('pods', pods[1]!.metadata!.name!, { gracePeriodSeconds: 0 });
    c.runUntil(finished(c, 'idx'), { timeout: 60_000 });
    const done = jobOf(c, 'idx')!;
    expect(done.status.completedIndexes).toBe('0-2');
    expect(done.status.succeeded).toBe(3);
    expect(done.status.failed).toBe(1);
    const succeeded = podsOf(c, 'idx').filter((p) => p.status?.phase === 'Succeeded');
    expect(succeeded.map(completionIndexOf).sort()).toEqual([0, 1, 2]);
  });

  it('suspend: a suspended Job has no pods and the Suspended condition; resuming starts them', () => {
    const c = cluster();
    c.client.create(job('later', { suspend: true, parallelism: 2, completions: 2 }));
    c.advance(5_000);
    expect(podsOf(c, 'later')).toEqual([]);
    const suspended = jobOf(c, 'later')!;
    expect(condition(suspended, 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended', message: 'Job suspended' });
    expect(suspended.status.startTime).toBeUndefined();
    c.client.patch('jobs', 'later', { spec: { suspend: false } });
    c.runUntil(finished(c, 'later'), { timeout: 60_000 });
    const done = jobOf(c, 'later')!;
    expect(condition(done, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed', message: 'Job resumed' });
    expect(done.status.succeeded).toBe(2);
    expect(events(c, 'later')).toEqual(expect.arrayContaining(['Suspended: Job suspended', 'Resumed: Job resumed']));
  });

  it('suspending a running Job deletes its pods without counting them as failed', () => {
    const c = cluster();
    c.client.create(job('pause', { parallelism: 2, completions: 2 }, ['sleep', '3600']));
    c.runUntil(() => activeOf(podsOf(c, 'pause')).length === 2, { timeout: 30_000 });
    c.client.patch('jobs', 'pause', { spec: { suspend: true } });
    c.runUntil(() => podsOf(c, 'pause').length === 0, { timeout: 60_000 });
    const j = jobOf(c, 'pause')!;
    expect(j.status.failed).toBeUndefined();
    expect(j.status.active).toBe(0);
    expect(condition(j, 'Suspended')?.status).toBe('True');
  });

  it('podFailurePolicy: FailJob on an exit code fails the Job with the rule\'s message; Ignore does not count', () => {
    const c = cluster();
    const policy = {
      rules: [
        { action: 'Ignore', onExitCodes: { containerName: 'main', operator: 'In', values: [3] } },
        { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
      ],
    };
    c.client.create(job('fj', { backoffLimit: 0, podFailurePolicy: policy }, ['sh', '-c', 'exit 42']));
    c.runUntil(finished(c, 'fj'), { timeout: 60_000 });
    const failed = jobOf(c, 'fj')!;
    const pod = podsOf(c, 'fj')[0]!;
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'PodFailurePolicy',
      message: `Container main for pod default/${pod.metadata!.name} failed with exit code 42 matching FailJob rule at index 1`,
    });
    expect(failed.spec.podReplacementPolicy).toBe('Failed');
    // exit 3 is ignored: backoffLimit 0 is not reached, the pod is replaced
    c.client.create(job('ig', { backoffLimit: 0, completions: 1, podFailurePolicy: policy }, ['sh', '-c', 'exit 3']));
    c.runUntil(() => podsOf(c, 'ig').filter((p) => p.status?.phase === 'Failed').length >= 2, { timeout: 120_000 });
    const ig = jobOf(c, 'ig')!;
    expect(condition(ig, 'Failed')).toBeUndefined();
    expect(ig.status.failed).toBeUndefined();
  });

  it('deletes a finished Job ttlSecondsAfterFinished after it finished (ttl-after-finished-controller), its pods with it', () => {
    const c = cluster();
    c.client.create(job('ttl', { ttlSecondsAfterFinished: 30 }));
    c.runUntil(finished(c, 'ttl'), { timeout: 60_000 });
    const doneAt = Date.parse(condition(jobOf(c, 'ttl'), 'Complete').lastTransitionTime);
    c.runUntil(() => !jobOf(c, 'ttl'), { timeout: 120_000 });
    const goneAt = Date.parse(c.kernel.timestamp());
    expect(goneAt - doneAt).toBeGreaterThanOrEqual(30_000);
    expect(goneAt - doneAt).toBeLessThan(35_000);
    c.advance(5_000);
    expect(podsOf(c, 'ttl')).toEqual([]);
  });

  it('counts each pod once across a controller-manager restart', () => {
    const c = cluster(3);
    c.client.create(job('rs', { completions: 6, parallelism: 3 }, ['sh', '-c', 'sleep 3; exit 0']));
    c.runUntil(() => (jobOf(c, 'rs')?.status?.succeeded ?? 0) >= 2, { timeout: 60_000 });
    c.faults.restartControllerManager();
    runChecked(c, 'rs', 3, finished(c, 'rs'));
    expect(jobOf(c, 'rs')!.status.succeeded).toBe(6);
    expect(podsOf(c, 'rs').filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(6);
  });

  it('refuses invalid Jobs and the fields kube-actors does not implement, with the real messages', () => {
    const c = cluster(0);
    const bad = (spec: Obj, command?: string[]) => {
      try {
        c.client.create(job('bad', spec, command));
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } })).toContain(
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    );
    expect(bad({ completionMode: 'Indexed', completions: undefined, parallelism: 2 })).toContain('spec.completions: Required value: when completion mode is Indexed');
    expect(bad({ backoffLimit: -1 })).toContain('spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0');
    expect(bad({ successPolicy: { rules: [{ succeededCount: 1 }] } })).toContain('spec.successPolicy: Forbidden: is not implemented by kube-actors');
    expect(bad({ backoffLimitPerIndex: 1, completionMode: 'Indexed', completions: 2 })).toContain('spec.backoffLimitPerIndex: Forbidden: is not implemented by kube-actors');
    expect(bad({ selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } })).toContain(
      '`selector` not auto-generated',
    );
  });
});

describe('Job controller helpers', () => {
  it('back-off: 10 s doubling per consecutive failure, capped at 6 min, less the time since the last failure (backoff_utils_test)', () => {
    const cases: [number, number, number][] = [
      // failures, ms since the last failure, remaining
      [0, 0, 0],
      [1, 0, 10_000],
      [1, 5_000, 5_000],
      [1, 10_001, 0],
      [2, 0, 20_000],
      [3, 15_000, 25_000],
      [6, 0, 320_000],
      [7, 0, 360_000],
      [20, 100_000, 260_000],
    ];
    for (const [failures, since, remaining] of cases) {
      expect(backoffRemaining({ failuresAfterLastSuccess: failures, lastFailureTime: 1_000_000 }, 1_000_000 + since)).toBe(remaining);
    }
  });

  it('back-off record: failures after the last success count, a success resets them', () => {
    const at = (finishedAt: string, phase: 'Succeeded' | 'Failed'): Pod =>
      ({ metadata: { name: finishedAt }, status: { phase, containerStatuses: [{ name: 'c', state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt } } }] } }) as Pod;
    const t = (s?: string) => (s ? Date.parse(s) : NaN);
    const f1 = at('2026-01-01T00:00:10Z', 'Failed');
    const f2 = at('2026-01-01T00:00:30Z', 'Failed');
    const s1 = at('2026-01-01T00:00:20Z', 'Succeeded');
    expect(nextBackoffRecord(undefined, [], [f1], t)).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: Date.parse('2026-01-01T00:00:10Z') });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 1, lastFailureTime: 1 }, [s1], [], t)).toEqual({ failuresAfterLastSuccess: 0 });
    expect(nextBackoffRecord(undefined, [s1], [f1, f2], t)).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: Date.parse('2026-01-01T00:00:30Z') });
  });

  it('completed indexes: parsed, merged and printed as the controller does (indexed_job_utils_test)', () => {
    expect(parseIndexes('1,3-5,7', 10)).toEqual([{ first: 1, last: 1 }, { first: 3, last: 5 }, { first: 7, last: 7 }]);
    expect(parseIndexes('0-3,8-12', 10)).toEqual([{ first: 0, last: 3 }, { first: 8, last: 9 }]);
    expect(parseIndexes('a,2', 5)).toEqual([{ first: 2, last: 2 }]);
    expect(formatIndexes(withIndexes(parseIndexes('1,3-5', 10), [2, 8, 9]))).toBe('1-5,8,9');
    expect(formatIndexes(withIndexes([], [0, 1, 2, 4]))).toBe('0-2,4');
    expect(formatIndexes([])).toBe('');
  });

  it('pod failure policy: rules in order, exit code 0 never matches, conditions match their status', () => {
    const pod = (code: number, conditions: Obj[] = []): Pod =>
      ({ metadata: { namespace: 'default', name: 'p' }, status: { phase: 'Failed', conditions, containerStatuses: [{ name: 'main', state: { terminated: { exitCode: code } } }] } }) as Pod;
    const policy = {
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
        { action: 'Count', onExitCodes: { operator: 'In', values: [1] } },
      ],
    };
    expect(matchPodFailurePolicy(policy, pod(5, [{ type: 'DisruptionTarget', status: 'True' }]))).toEqual({ countFailed: false, action: 'Ignore' });
    expect(matchPodFailurePolicy(policy, pod(5))).toEqual({ countFailed: true, action: 'FailJob', failJobMessage: 'Container main for pod default/p failed with exit code 5 matching FailJob rule at index 1' });
    expect(matchPodFailurePolicy(policy, pod(1))).toEqual({ countFailed: true, action: 'Count' });
    expect(matchPodFailurePolicy(policy, pod(2))).toEqual({ countFailed: true });
    expect(matchPodFailurePolicy(policy, pod(0))).toEqual({ countFailed: true });
  });
});
