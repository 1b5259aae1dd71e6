import { describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { KubeObject } from '../../../src/api/types.js';
import { scaledValue } from '../../../machines/controllers/disruption.js';

type Obj = Record<string, any>;
const labels = { app: 'web' };

/** A cluster without nodes running only the disruption controller: the tests write pods and their owners themselves, as the real controller's tests feed its informers. */
function bare(): Cluster {
  const c = createCluster({ nodes: 0, seed: 3, controllerManager: { enabled: ['disruption'] } });
  c.advance(2_000);
  return c;
}

function pdb(c: Cluster, name: string, spec: Obj): void {
  c.client.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: labels }, ...spec } } as KubeObject);
  c.advance(1_000);
}

/** A workload object (ReplicaSet, Deployment, StatefulSet, ReplicationController) with this scale; its uid. */
function owner(c: Cluster, kind: string, name: string, replicas: number, ownedBy?: Obj): Obj {
  const apiVersion = kind === 'ReplicationController' ? 'v1' : 'apps/v1';
  const template = { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
  const spec: Obj = kind === 'ReplicationController' ? { replicas, selector: labels, template } : { replicas, selector: { matchLabels: labels }, template };
  if (kind === 'StatefulSet') spec.serviceName = name;
  const metadata: Obj = { name, namespace: 'default' };
  if (ownedBy) metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: ownedBy.kind, name: ownedBy.metadata.name, uid: ownedBy.metadata.uid, controller: true }];
  return c.client.create<KubeObject & Obj>({ apiVersion, kind, metadata, spec });
}

/** A running pod bound to a node, Ready or not, controlled by `ctrl` (or naked). */
function pod(c: Cluster, name: string, ready: boolean, ctrl?: Obj): void {
  const metadata: Obj = { name, namespace: 'default', labels };
  if (ctrl) metadata.ownerReferences = [{ apiVersion: ctrl.apiVersion, kind: ctrl.kind, name: ctrl.metadata.name, uid: ctrl.metadata.uid, controller: true }];
  c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata, spec: { nodeName: 'node-x', containers: [{ name: 'app', image: 'nginx:1.27' }] } } as KubeObject);
  setReady(c, name, ready);
}

function setReady(c: Cluster, name: string, ready: boolean): void {
  const p = c.client.get('pods', name, { namespace: 'default' }) as Obj;
  c.client.update({ ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } } as KubeObject, { subresource: 'status' });
  c.advance(1_000);
}

const status = (c: Cluster, name: string): Obj => (c.object('poddisruptionbudgets', name, 'default') as Obj).status;
/** expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: VerifyPdbStatus's numbers. */
const counts = (c: Cluster, name: string) => {
  const s = status(c, name);
  return [s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed];
};
const condition = (c: Cluster, name: string) => (status(c, name).conditions as Obj[]).find((x) => x.type === 'DisruptionAllowed');
const events = (c: Cluster, reason: string) => (c.objects('events', 'default') as Obj[]).filter((e) => e.reason === reason).map((e) => e.message);

describe('disruption controller', () => {
  it('scales an int or a percentage as GetScaledValueFromIntOrPercent (rounding up)', () => {
    expect(scaledValue(3, 10, true)).toBe(3);
    expect(scaledValue('28%', 3, true)).toBe(1);
    expect(scaledValue('30%', 10, true)).toBe(3);
    expect(scaledValue('25%', 3, false)).toBe(0);
  });

  it('integer minAvailable (TestSimple): the pods count as expected, Ready ones as healthy; DisruptionAllowed follows', () => {
    const c = bare();
    pdb(c, 'web', { minAvailable: 1 });
    expect(counts(c, 'web')).toEqual([0, 1, 0, 0]);
    expect(events(c, 'NoPods')).toEqual(['No matching pods found']);
    expect(condition(c, 'web')).toMatchObject({ status: 'False', reason: 'InsufficientPods', observedGeneration: 1 });
    pod(c, 'p1', true);
    expect(counts(c, 'web')).toEqual([1, 1, 1, 0]);
    pod(c, 'p2', true);
    expect(counts(c, 'web')).toEqual([2, 1, 2, 1]);
    expect(condition(c, 'web')).toMatchObject({ status: 'True', reason: 'SufficientPods', message: '' });
    expect(status(c, 'web').observedGeneration).toBe(1);
    setReady(c, 'p2', false);
    expect(counts(c, 'web')).toEqual([2, 1, 1, 0]);
  });

  it('integer maxUnavailable over a ReplicaSet (TestIntegerMaxUnavailable, TestReplicaSet): expected is the scale', () => {
    const c = bare();
    const rs = owner(c, 'ReplicaSet', 'rs', 3);
    pdb(c, 'web', { maxUnavailable: 1 });
    pod(c, 'a', true, rs);
    pod(c, 'b', true, rs);
    expect(counts(c, 'web')).toEqual([3, 2, 2, 0]);
    pod(c, 'c', true, rs);
    expect(counts(c, 'web')).toEqual([3, 2, 3, 1]);
  });

  it('percent minAvailable over a Deployment takes the Deployment\'s scale, not its ReplicaSet\'s (TestDeploymentFinderFunction)', () => {
    const c = bare();
    const d = owner(c, 'Deployment', 'web', 4);
    const rs = owner(c, 'ReplicaSet', 'web-abc', 2, d);
    pdb(c, 'web', { minAvailable: '50%' });
    pod(c, 'a', true, rs);
    pod(c, 'b', true, rs);
    expect(counts(c, 'web')).toEqual([4, 2, 2, 0]);
    pod(c, 'c', true, rs);
    expect(counts(c, 'web')).toEqual([4, 2, 3, 1]);
  });

  it('percent maxUnavailable over a StatefulSet and a ReplicationController adds the scales (TestTwoControllers)', () => {
    const c = bare();
    const sts = owner(c, 'StatefulSet', 'db', 6);
    const rc = owner(c, 'ReplicationController', 'old', 4);
    pdb(c, 'web', { maxUnavailable: '30%' });
    for (let i = 0; i < 6; i++) pod(c, `db-${i}`, true, sts);
    for (let i = 0; i < 4; i++) pod(c, `old-${i}`, i < 3, rc);
    // expected 10, maxUnavailable ceil(3) → desired 7; 9 healthy
    expect(counts(c, 'web')).toEqual([10, 7, 9, 2]);
  });

  it('naked pods with a percentage (TestNakedPod): UnmanagedPods, nothing expected, nothing allowed', () => {
    const c = bare();
    pdb(c, 'web', { minAvailable: '28%' });
    pod(c, 'naked', true);
    expect(counts(c, 'web')).toEqual([0, 0, 1, 0]);
    expect(events(c, 'UnmanagedPods')[0]).toBe(
      'Pods selected by this PodDisruptionBudget (selector: app=web) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    );
  });

  it('a pod whose controller is not found fails safe: no disruption allowed, SyncFailed', () => {
    const c = bare();
    pdb(c, 'web', { maxUnavailable: 1 });
    pod(c, 'orphan', true, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds', uid: 'no-such-uid' } });
    expect(status(c, 'web').disruptionsAllowed).toBe(0);
    expect(condition(c, 'web')).toMatchObject({ status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "orphan"' });
    expect(events(c, 'CalculateExpectedPodCountFailed')).toContain('Failed to calculate the number of expected pods: found no controllers for pod "orphan"');
  });

  it('bumps observedGeneration when the spec changes', () => {
    const c = bare();
    pdb(c, 'web', { minAvailable: 1 });
    pod(c, 'p1', true);
    pod(c, 'p2', true);
    const cur = c.client.get('poddisruptionbudgets', 'web', { namespace: 'default' }) as Obj;
    c.client.update({ ...cur, spec: { ...cur.spec, minAvailable: 2 } } as KubeObject);
    c.advance(1_000);
    expect(status(c, 'web').observedGeneration).toBe(2);
    expect(counts(c, 'web')).toEqual([2, 2, 2, 0]);
    expect(condition(c, 'web')).toMatchObject({ reason: 'InsufficientPods', observedGeneration: 2 });
  });

  it('disruptedPods (TestUpdateDisruptedPods): an evicted pod stops counting; an entry whose pod is not deleted within 2 minutes is dropped with NotDeleted', () => {
    const c = bare();
    pdb(c, 'web', { minAvailable: 1 });
    for (const n of ['p1', 'p2', 'p3']) pod(c, n, true);
    expect(counts(c, 'web')).toEqual([3, 1, 3, 2]);
    // an eviction that was approved but whose delete has not happened yet
    const cur = c.client.get('poddisruptionbudgets', 'web', { namespace: 'default' }) as Obj;
    c.client.update({ ...cur, status: { ...cur.status, disruptionsAllowed: 1, disruptedPods: { p1: c.kernel.timestamp() } } } as KubeObject, { subresource: 'status' });
    c.advance(1_000);
    expect(counts(c, 'web')).toEqual([3, 1, 2, 1]);
    expect(Object.keys(status(c, 'web').disruptedPods)).toEqual(['p1']);
    c.advance(121_000);
    expect(status(c, 'web').disruptedPods).toBeUndefined();
    expect(counts(c, 'web')).toEqual([3, 1, 3, 2]);
    expect(events(c, 'NotDeleted')).toEqual(["Pod was expected by PDB default/web to be deleted but it wasn't"]);
  });

  it('with the eviction subresource: one eviction spends the budget, the next is refused until a pod becomes Ready again', () => {
    const c = bare();
    pdb(c, 'web', { minAvailable: 2 });
    for (const n of ['p1', 'p2', 'p3']) pod(c, n, true);
    const evict = (name: string) =>
      c.client.request({ verb: 'create', resource: 'pods', namespace: 'default', name, subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } } });
    expect(evict('p1').code).toBe(201);
    c.advance(1_000);
    expect(counts(c, 'web')).toEqual([3, 2, 2, 0]);
    expect(evict('p2').code).toBe(429);
    pod(c, 'p4', true);
    expect(status(c, 'web').disruptionsAllowed).toBe(1);
    expect(evict('p2').code).toBe(201);
  });

  describe('stale DisruptionTarget conditions (TestStalePodDisruption)', () => {
    /** A pod with a DisruptionTarget condition set `ageMs` ago. */
    function disrupted(c: Cluster, name: string, cond: Obj, extra: { phase?: string; deleting?: boolean } = {}): void {
      const metadata: Obj = { name, namespace: 'default', labels: { app: 'other' } };
      if (extra.deleting) metadata.finalizers = ['example.com/hold'];
      c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata, spec: { nodeName: 'node-x', containers: [{ name: 'app', image: 'nginx:1.27' }] } } as KubeObject);
      const p = c.client.get('pods', name, { namespace: 'default' }) as Obj;
      c.client.update({ ...p, status: { ...p.status, phase: extra.phase ?? 'Running', conditions: [{ type: 'DisruptionTarget', lastTransitionTime: c.kernel.timestamp(), ...cond }] } } as KubeObject, { subresource: 'status' });
      if (extra.deleting) c.client.delete('pods', name);
    }
    const target = (c: Cluster, name: string) => (((c.object('pods', name, 'default') as Obj).status?.conditions ?? []) as Obj[]).find((x) => x.type === 'DisruptionTarget');

    it('stale pod disruption: a True condition on a pod not deleted within 2 minutes becomes False (reason and message cleared)', () => {
      const c = bare();
      disrupted(c, 'p', { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
      c.advance(60_000);
      // pod disruption in progress: still True before the timeout
      expect(target(c, 'p')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI' });
      c.advance(61_000);
      const cond = target(c, 'p')!;
      expect(cond.status).toBe('False');
      expect(cond.reason).toBeUndefined();
      expect(cond.message).toBeUndefined();
      expect(c.kernel.timeOf(cond.lastTransitionTime)).toBeGreaterThanOrEqual(120_000 + 2_000);
    });

    it('leaves alone: a terminating pod, a terminal pod, a condition set by the kubelet, one already False, a pod without one', () => {
      const c = bare();
      disrupted(c, 'actuated', { status: 'True', reason: 'EvictionByEvictionAPI' }, { deleting: true });
      disrupted(c, 'terminal', { status: 'True', reason: 'DeletionByPodGC' }, { phase: 'Failed' });
      disrupted(c, 'kubelet', { status: 'True', reason: 'TerminationByKubelet' });
      disrupted(c, 'cleared', { status: 'False' });
      c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain', namespace: 'default' }, spec: { nodeName: 'node-x', containers: [{ name: 'app', image: 'nginx:1.27' }] } } as KubeObject);
      const before = (n: string) => JSON.stringify(target(c, n));
      const snap = ['actuated', 'terminal', 'kubelet', 'cleared'].map(before);
      c.advance(300_000);
      expect(['actuated', 'terminal', 'kubelet', 'cleared'].map(before)).toEqual(snap);
      expect(target(c, 'kubelet')!.status).toBe('True');
      expect(target(c, 'plain')).toBeUndefined();
    });
  });
});
