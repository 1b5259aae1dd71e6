import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { printTable } from '../../../src/api/printers.js';
import { findResource } from '../../../src/api/resources.js';
import type { ApiResponse } from '../../../machines/protocol.js';
import { startControlPlane, type ControlPlane } from '../../helpers/control-plane.js';

type Obj = Record<string, any>;
const labels = { app: 'web' };

const pdb = (name: string, spec: Obj): KubeObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec }) as KubeObject;

/** A running pod; `ready` sets its Ready condition. */
function runningPod(cp: ControlPlane, name: string, ready: boolean, podLabels: Record<string, string> = labels): void {
  cp.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: podLabels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as KubeObject);
  cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', name, subresource: 'binding', body: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'node-1' } } });
  const pod = cp.client.get('pods', name, { namespace: 'default' }) as Obj;
  cp.client.update({ ...pod, status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } } as KubeObject, { subresource: 'status' });
}

/** Sets a budget's status as the disruption controller would. */
function setBudgetStatus(cp: ControlPlane, name: string, status: Obj): void {
  const cur = cp.client.get('poddisruptionbudgets', name, { namespace: 'default' }) as Obj;
  cp.client.update({ ...cur, status: { observedGeneration: cur.metadata.generation, ...status } } as KubeObject, { subresource: 'status' });
}

function evict(cp: ControlPlane, name: string, deleteOptions?: Obj, query?: { dryRun: true }): ApiResponse {
  return cp.client.request({
    verb: 'create',
    resource: 'pods',
    namespace: 'default',
    name,
    subresource: 'eviction',
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions ? { deleteOptions } : {}) },
    ...(query ? { query } : {}),
  });
}

const podOf = (cp: ControlPlane, name: string) => cp.client.request({ verb: 'get', resource: 'pods', namespace: 'default', name });
const budgetOf = (cp: ControlPlane, name: string) => cp.client.get('poddisruptionbudgets', name, { namespace: 'default' }) as Obj;

describe('PodDisruptionBudget (policy/v1)', () => {
  it('is served with its short name, an empty status and generation 1', () => {
    const cp = startControlPlane();
    const created = cp.client.create<KubeObject & Obj>(pdb('web', { minAvailable: 2, selector: { matchLabels: labels } }));
    expect(created.metadata?.generation).toBe(1);
    expect(created.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(findResource('pdb')!.plural).toBe('poddisruptionbudgets');
  });

  it('refuses minAvailable with maxUnavailable, bad percentages, negative values and unknown policies with the real messages', () => {
    const cp = startControlPlane();
    const res = cp.client.request({
      verb: 'create',
      resource: 'poddisruptionbudgets',
      group: 'policy',
      namespace: 'default',
      body: pdb('bad', { minAvailable: '150%', maxUnavailable: -1, selector: { matchLabels: labels }, unhealthyPodEvictionPolicy: 'Sometimes' }),
    });
    expect(res.code).toBe(422);
    const causes = ((res.body as Obj).details.causes as Obj[]).map((c) => `${c.field}: ${c.message}`);
    expect(causes).toContain('spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%');
    expect(causes).toContain('spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0');
    expect(causes).toContain('spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"');
    expect(causes.some((c) => c.startsWith('spec: Invalid value: policy.PodDisruptionBudgetSpec{') && c.endsWith('minAvailable and maxUnavailable cannot be both set'))).toBe(true);
    const percent = cp.client.request({ verb: 'create', resource: 'poddisruptionbudgets', group: 'policy', namespace: 'default', body: pdb('bad2', { maxUnavailable: 'half' }) });
    expect(percent.code).toBe(422);
    expect((percent.body as Obj).message).toContain("a valid percent string must be a numeric string followed by an ending '%'");
  });

  it('bumps the generation when the spec changes, refuses negative status counters', () => {
    const cp = startControlPlane();
    const created = cp.client.create<KubeObject & Obj>(pdb('web', { minAvailable: 1, selector: { matchLabels: labels } }));
    const updated = cp.client.update<KubeObject & Obj>({ ...created, spec: { ...created.spec, minAvailable: 2 } });
    expect(updated.metadata?.generation).toBe(2);
    const res = cp.client.request({ verb: 'update', resource: 'poddisruptionbudgets', group: 'policy', namespace: 'default', name: 'web', subresource: 'status', body: { ...updated, status: { ...updated.status, disruptionsAllowed: -1 } } });
    expect(res.code).toBe(422);
    expect((res.body as Obj).message).toContain('status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0');
  });

  it('prints NAME, MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS, AGE with N/A for the unset one', () => {
    const cp = startControlPlane();
    cp.client.create(pdb('web', { maxUnavailable: '25%', selector: { matchLabels: labels } }));
    const table = printTable(findResource('pdb')!, [budgetOf(cp, 'web')], Date.now()) as unknown as Obj;
    expect((table.columnDefinitions as Obj[]).map((c) => c.name)).toEqual(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    expect((table.rows as Obj[])[0]!.cells.slice(0, 4)).toEqual(['web', 'N/A', '25%', 0]);
  });
});

describe('pods/eviction', () => {
  it('evicts a pod with no budget: DisruptionTarget condition, graceful delete, 201 Success', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    const res = evict(cp, 'p1');
    expect(res.code).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Success' });
    const pod = podOf(cp, 'p1').body as Obj;
    expect(pod.metadata.deletionTimestamp).toBeDefined();
    expect((pod.status.conditions as Obj[]).find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
  });

  it('refuses with 429 and the DisruptionBudget cause when no disruption is allowed', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    cp.client.create(pdb('web', { minAvailable: 1, selector: { matchLabels: labels } }));
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    const res = evict(cp, 'p1');
    expect(res.code).toBe(429);
    expect(res.body).toMatchObject({ reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget.", details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] } });
    expect((podOf(cp, 'p1').body as Obj).metadata.deletionTimestamp).toBeUndefined();
  });

  it('refuses a budget the controller has not observed yet (observedGeneration < generation)', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    cp.client.create(pdb('web', { minAvailable: 1, selector: { matchLabels: labels } }));
    const res = evict(cp, 'p1');
    expect(res.code).toBe(429);
    expect((res.body as Obj).details).toEqual({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }], retryAfterSeconds: 10 });
  });

  it('spends one disruption: disruptionsAllowed decremented, the pod recorded in disruptedPods, the condition turned InsufficientPods', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    runningPod(cp, 'p2', true);
    cp.client.create(pdb('web', { minAvailable: 1, selector: { matchLabels: labels } }));
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: '2024-01-01T00:00:00Z', observedGeneration: 1 }] });
    expect(evict(cp, 'p1').code).toBe(201);
    const after = budgetOf(cp, 'web');
    expect(after.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(after.status.disruptedPods)).toEqual(['p1']);
    expect(after.status.conditions[0]).toMatchObject({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' });
    // the second eviction finds the budget spent
    expect(evict(cp, 'p2').code).toBe(429);
  });

  it('two evictions at once: one spends the only disruption, the other (conflicting on the budget) is refused', () => {
    const cp = startControlPlane();
    for (const n of ['p1', 'p2', 'p3']) runningPod(cp, n, true);
    cp.client.create(pdb('web', { minAvailable: 2, selector: { matchLabels: labels } }));
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    const codes: number[] = [];
    for (const n of ['p1', 'p2']) {
      cp.client.submit({ verb: 'create', resource: 'pods', namespace: 'default', name: n, subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: n, namespace: 'default' } } }, (res) => codes.push(res.code));
    }
    cp.kernel.runUntil(() => codes.length === 2, { timeout: 10_000 });
    expect(codes.sort()).toEqual([201, 429]);
    expect(budgetOf(cp, 'web').status.disruptionsAllowed).toBe(0);
  });

  it('answers 500 when more than one budget selects the pod', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    cp.client.create(pdb('a', { minAvailable: 0, selector: { matchLabels: labels } }));
    cp.client.create(pdb('b', { minAvailable: 0, selector: {} }));
    const res = evict(cp, 'p1');
    expect(res.code).toBe(500);
    expect((res.body as Obj).message).toBe('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  it('a nil selector selects nothing; an empty one (policy/v1) selects every pod', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true, { other: 'x' });
    cp.client.create(pdb('none', { minAvailable: 1 }));
    expect(evict(cp, 'p1').code).toBe(201);
    runningPod(cp, 'p2', true, { other: 'y' });
    cp.client.create(pdb('all', { minAvailable: 1, selector: {} }));
    setBudgetStatus(cp, 'all', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    expect(evict(cp, 'p2').code).toBe(429);
  });

  it('evicts an unready pod without spending the budget when the budget is healthy (IfHealthyBudget) or AlwaysAllow', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', false);
    cp.client.create(pdb('web', { minAvailable: 1, selector: { matchLabels: labels } }));
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2 });
    expect(evict(cp, 'p1').code).toBe(201);
    expect(budgetOf(cp, 'web').status.disruptionsAllowed).toBe(0);
    // an unhealthy budget guards its unready pods, unless AlwaysAllow
    runningPod(cp, 'p2', false);
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1, expectedPods: 2 });
    expect(evict(cp, 'p2').code).toBe(429);
    const cur = budgetOf(cp, 'web');
    cp.client.update({ ...cur, spec: { ...cur.spec, unhealthyPodEvictionPolicy: 'AlwaysAllow' } } as KubeObject);
    expect(evict(cp, 'p2').code).toBe(201);
  });

  it('deletes Pending and terminal pods without looking at budgets', () => {
    const cp = startControlPlane();
    cp.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: 'default', labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as KubeObject);
    cp.client.create(pdb('web', { minAvailable: 5, selector: { matchLabels: labels } }));
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 5, expectedPods: 5 });
    expect(evict(cp, 'pending').code).toBe(201);
    expect(podOf(cp, 'pending').code).toBe(404);
  });

  it('dry run: the checks run, nothing changes', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    cp.client.create(pdb('web', { minAvailable: 0, selector: { matchLabels: labels } }));
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 });
    const before = budgetOf(cp, 'web');
    expect(evict(cp, 'p1', { dryRun: ['All'] }).code).toBe(201);
    expect(budgetOf(cp, 'web')).toEqual(before);
    const pod = podOf(cp, 'p1').body as Obj;
    expect(pod.metadata.deletionTimestamp).toBeUndefined();
    expect((pod.status.conditions as Obj[]).some((c) => c.type === 'DisruptionTarget')).toBe(false);
    setBudgetStatus(cp, 'web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    expect(evict(cp, 'p1', undefined, { dryRun: true }).code).toBe(429);
  });

  it('passes its deleteOptions to the delete: grace period and preconditions', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    const wrongUid = evict(cp, 'p1', { preconditions: { uid: 'not-the-uid' } });
    expect(wrongUid.code).toBe(409);
    expect((wrongUid.body as Obj).message).toContain('the UID in the precondition (not-the-uid) does not match the UID in record');
    const staleRv = evict(cp, 'p1', { preconditions: { resourceVersion: '1' } });
    expect(staleRv.code).toBe(409);
    expect(evict(cp, 'p1', { gracePeriodSeconds: 7 }).code).toBe(201);
    expect((podOf(cp, 'p1').body as Obj).metadata.deletionGracePeriodSeconds).toBe(7);
  });

  it('refuses an Eviction whose name is not the URL\'s', () => {
    const cp = startControlPlane();
    runningPod(cp, 'p1', true);
    const res = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', name: 'p1', subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p2' } } });
    expect(res.code).toBe(400);
    expect((res.body as Obj).message).toBe('name in URL does not match name in Eviction object');
  });
});
