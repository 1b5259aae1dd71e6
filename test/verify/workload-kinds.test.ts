import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/types.js';
import { ScenarioRunner } from '../../src/verify/runner.js';
import { defaultInvariants } from '../../src/verify/invariants/index.js';

type Obj = KubeObject & Record<string, any>;

describe('workload kind steps on a real cluster', () => {
  it('create each kind, answered 201, and their controllers run them; updates and deletes go through', { timeout: 120_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 11 }, invariants: defaultInvariants });
    try {
      runner.step({ op: 'create-job', namespace: 'default', name: 'j1', parallelism: 2, completions: 3, indexed: true, runMs: 5_000 });
      runner.step({ op: 'create-cronjob', namespace: 'default', name: 'c1', policy: 'Forbid', runMs: 70_000 });
      runner.step({ op: 'create-daemonset', namespace: 'default', name: 'ds1', cpu: 50, memory: 32 });
      runner.step({ op: 'create-statefulset', namespace: 'default', name: 'st1', replicas: 2, claims: true });
      runner.step({ op: 'create-autoscaled', namespace: 'default', name: 'd1', min: 1, max: 3, utilization: 50, load: 300 });
      const creates = runner.history.calls.map((c) => `${c.spec.resource} ${c.response?.code}`);
      expect(creates).toEqual(['jobs 201', 'cronjobs 201', 'daemonsets 201', 'statefulsets 201', 'deployments 201', 'horizontalpodautoscalers 201']);
      runner.step({ op: 'wait', ms: 90_000 });
      const c = runner.cluster;
      const job = c.objects<Obj>('jobs', 'default').find((j) => j.metadata?.name === 'j1')!;
      expect(job.status?.completedIndexes).toBe('0-2');
      expect(job.status?.succeeded).toBe(3);
      // one Job of the CronJob so far: its pod runs 70 s and Forbid skips the next minute
      expect(c.objects<Obj>('jobs', 'default').filter((j) => j.metadata?.ownerReferences?.[0]?.kind === 'CronJob')).toHaveLength(1);
      expect(c.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'ds1' && p.status?.phase === 'Running')).toHaveLength(2);
      expect(c.objects<Obj>('persistentvolumeclaims', 'default').map((p) => `${p.metadata?.name} ${p.status?.phase}`).sort()).toEqual(['data-st1-0 Bound', 'data-st1-1 Bound']);
      const hpa = c.objects<Obj>('horizontalpodautoscalers', 'default')[0]!;
      // 300m over pods requesting 100m at a 50 % target wants 6: clamped to max 3
      expect(hpa.status?.desiredReplicas).toBe(3);
      runner.step({ op: 'update-workload', resource: 'daemonsets', namespace: 'default', name: 'ds1' });
      runner.step({ op: 'update-workload', resource: 'statefulsets', namespace: 'default', name: 'st1', replicas: 1 });
      runner.step({ op: 'delete-workload', resource: 'cronjobs', namespace: 'default', name: 'c1' });
      const later = runner.history.calls.slice(-3).map((call) => `${call.spec.verb} ${call.spec.resource} ${call.response?.code}`);
      expect(later).toEqual(['patch daemonsets 200', 'patch statefulsets 200', 'delete cronjobs 200']);
      runner.step({ op: 'wait', ms: 30_000 });
      expect(c.objects<Obj>('controllerrevisions', 'default').filter((r) => r.metadata?.name?.startsWith('ds1-'))).toHaveLength(2);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });
});
