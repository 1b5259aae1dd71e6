import { describe, expect, it } from 'vitest';
import { describeFault, describeStep, isFaultStep, stepsToJSON, type Step } from '../../src/verify/steps.js';

describe('describeStep', () => {
  it('prints each kind of step as one line', () => {
    const cases: [Step, string][] = [
      [{ op: 'create-namespace', name: 'ns-a' }, 'create-namespace ns-a'],
      [{ op: 'create-pod', namespace: 'default', name: 'p1', cpu: 500, memory: 256, tolerate: true, zone: 'a', grace: 0, completes: true }, 'create-pod default/p1 cpu=500m mem=256Mi tolerate zone=a grace=0s completes'],
      [{ op: 'delete-pod', namespace: 'default', name: 'p1', grace: 5 }, 'delete-pod default/p1 grace=5s'],
      [{ op: 'create-deployment', namespace: 'ns-a', name: 'd1', replicas: 3, cpu: 100, memory: 64 }, 'create-deployment ns-a/d1 replicas=3 cpu=100m mem=64Mi'],
      [{ op: 'scale-deployment', namespace: 'ns-a', name: 'd1', replicas: 0 }, 'scale-deployment ns-a/d1 replicas=0'],
      [{ op: 'evict-pod', namespace: 'ns-a', deployment: 'd1' }, 'evict-pod of deployment ns-a/d1'],
      [{ op: 'create-service', namespace: 'default', name: 's1', app: 'd1' }, 'create-service default/s1 app=d1'],
      [{ op: 'label', resource: 'namespaces', namespace: 'ns-a', name: 'ns-a', key: 'a' }, 'label namespaces ns-a a'],
      [{ op: 'concurrent-labels', resource: 'pods', namespace: 'default', name: 'p1', keys: ['a', 'b'] }, 'concurrent-labels pods default/p1 a,b'],
      [{ op: 'stale-update', resource: 'services', namespace: 'default', name: 's1', race: true }, 'stale-update services default/s1 race'],
      [{ op: 'invalid', variant: 'bad-quantity', namespace: 'default', name: 'x' }, 'invalid bad-quantity default/x'],
      [{ op: 'unauthenticated', verb: 'list', namespace: 'default', name: 'x' }, 'unauthenticated list default/x'],
      [{ op: 'forbidden', user: 'viewer', verb: 'delete', namespace: 'default', name: 'p1' }, 'forbidden viewer delete default/p1'],
      [{ op: 'create-job', namespace: 'default', name: 'j1', parallelism: 2, completions: 4, indexed: true, runMs: 5000, fails: true, backoffLimit: 1 }, 'create-job default/j1 parallelism=2 completions=4 indexed run=5000ms fails backoffLimit=1'],
      [{ op: 'create-cronjob', namespace: 'ns-a', name: 'c1', policy: 'Forbid', runMs: 70000 }, 'create-cronjob ns-a/c1 every minute Forbid run=70000ms'],
      [{ op: 'create-daemonset', namespace: 'default', name: 'ds1', cpu: 50, memory: 32, tolerate: true, maxSurge: true }, 'create-daemonset default/ds1 cpu=50m mem=32Mi tolerate maxSurge=1'],
      [{ op: 'create-statefulset', namespace: 'default', name: 'st1', replicas: 2, parallel: true, claims: true }, 'create-statefulset default/st1 replicas=2 Parallel claims'],
      [{ op: 'create-autoscaled', namespace: 'default', name: 'd1', min: 1, max: 3, utilization: 50, load: 300 }, 'create-autoscaled default/d1 min=1 max=3 target=50% load=300m'],
      [{ op: 'update-workload', resource: 'jobs', namespace: 'default', name: 'j1', replicas: 0 }, 'update-workload jobs default/j1 replicas=0'],
      [{ op: 'update-workload', resource: 'daemonsets', namespace: 'default', name: 'ds1' }, 'update-workload daemonsets default/ds1 template'],
      [{ op: 'delete-workload', resource: 'statefulsets', namespace: 'default', name: 'st1' }, 'delete-workload statefulsets default/st1'],
      [{ op: 'wait', ms: 1500 }, 'wait 1500ms'],
      [{ op: 'fault', fault: { kind: 'message-loss', rate: 0.1 } }, 'fault message-loss 0.1'],
      [{ op: 'custom', label: 'my step', run: () => {} }, 'my step'],
      [{ op: 'plan', steps: [{ op: 'wait', ms: 5 }, { op: 'fault', fault: { kind: 'crash-node', node: 'node-1' } }] }, 'plan: wait 5ms; fault crash-node node-1'],
    ];
    for (const [step, line] of cases) expect(describeStep(step)).toBe(line);
  });

  it('prints faults and tells them apart', () => {
    expect(describeFault({ kind: 'crash-node', node: 'node-2' })).toBe('crash-node node-2');
    expect(describeFault({ kind: 'message-reorder', enabled: false })).toBe('message-reorder off');
    expect(describeFault({ kind: 'etcd-outage' })).toBe('etcd-outage');
    expect(isFaultStep({ op: 'fault', fault: { kind: 'heal-all' } })).toBe(true);
    expect(isFaultStep({ op: 'wait', ms: 1 })).toBe(false);
  });

  it('serialises steps as JSON, custom ones as their label', () => {
    const steps: Step[] = [{ op: 'wait', ms: 1 }, { op: 'custom', label: 'mine', run: () => {} }];
    expect(JSON.parse(JSON.stringify(stepsToJSON(steps)))).toEqual([{ op: 'wait', ms: 1 }, { op: 'custom', label: 'mine' }]);
  });
});
