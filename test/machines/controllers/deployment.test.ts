import { describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  resolveFenceposts,
  rolloutStatus,
  valueFromIntOrPercent,
} from '../../../machines/controllers/deployment/util.js';
import { activePods, FakeKubelet, miniCluster, object, objects, ready, stepUntil, template } from './harness.js';

function deployment(name: string, replicas: number, strategy: Record<string, unknown> = {}, image = 'nginx:1.27', extra: Record<string, unknown> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: template({ app: name }, image), strategy, ...extra },
  };
}

function setImage(c: Cluster, name: string, image: string): void {
  const d = object<Deployment>(c, 'deployments', name)!;
  d.spec!.template.spec!.containers[0]!.image = image;
  // send without running the kernel: the test steps it and checks every step
  void c.client.requestAsync({ verb: 'update', resource: 'deployments', group: 'apps', namespace: 'default', name, body: d });
}

function rolledOut(c: Cluster, name: string): boolean {
  const d = object<Deployment>(c, 'deployments', name);
  return !!d && rolloutStatus(d).done;
}

function replicaSets(c: Cluster): ReplicaSet[] {
  return objects<ReplicaSet>(c, 'replicasets');
}

function imageOf(p: Pod): string {
  return p.spec!.containers[0]!.image!;
}

describe('Deployment controller: rolling update', () => {
  for (const { title, replicas, strategy, surge, unavailable } of [
    { title: 'integer maxSurge 1 / maxUnavailable 1', replicas: 4, strategy: { maxSurge: 1, maxUnavailable: 1 }, surge: 1, unavailable: 1 },
    { title: 'percentages 25% / 25% (surge rounds up to 3, unavailable down to 2)', replicas: 10, strategy: { maxSurge: '25%', maxUnavailable: '25%' }, surge: 3, unavailable: 2 },
    { title: 'maxUnavailable 0 (surge only)', replicas: 3, strategy: { maxSurge: 1, maxUnavailable: 0 }, surge: 1, unavailable: 0 },
  ]) {
    it(`keeps availability and surge within bounds after every step: ${title}`, () => {
      const c = miniCluster(['replicaset', 'deployment']);
      new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 300 });
      c.client.create(deployment('web', replicas, { type: 'RollingUpdate', rollingUpdate: strategy }));
      expect(c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 })).toBe(true);
      expect(activePods(c).filter(ready)).toHaveLength(replicas);

      setImage(c, 'web', 'nginx:1.28');
      let minAvailable = Infinity;
      let maxTotal = 0;
      const done = () => {
        const pods = activePods(c);
        return rolledOut(c, 'web') && pods.length === replicas && pods.every((p) => imageOf(p) === 'nginx:1.28' && ready(p));
      };
      const ok = stepUntil(c, done, () => {
        const pods = objects<Pod>(c, 'pods');
        const live = pods.filter((p) => !p.metadata!.deletionTimestamp);
        const available = live.filter(ready).length;
        minAvailable = Math.min(minAvailable, available);
        maxTotal = Math.max(maxTotal, pods.length);
        if (available < replicas - unavailable) throw new Error(`only ${available} pods available at t=${c.now()} (minimum ${replicas - unavailable})`);
        if (pods.length > replicas + surge) throw new Error(`${pods.length} pods at t=${c.now()} (maximum ${replicas + surge})`);
      }, 120_000);
      expect(ok).toBe(true);
      // the strategy used its room
      expect(maxTotal).toBe(replicas + surge);
      expect(minAvailable).toBe(replicas - unavailable);
      const rss = replicaSets(c);
      expect(rss).toHaveLength(2);
      const d = object<Deployment>(c, 'deployments', 'web')!;
      const newRS = rss.find((r) => r.spec!.template!.spec!.containers[0]!.image === 'nginx:1.28')!;
      const oldRS = rss.find((r) => r !== newRS)!;
      expect(newRS.spec!.replicas).toBe(replicas);
      expect(oldRS.spec!.replicas).toBe(0);
      expect(newRS.metadata!.name).toBe(`web-${newRS.metadata!.labels![POD_TEMPLATE_HASH_LABEL]}`);
      expect(newRS.spec!.selector.matchLabels![POD_TEMPLATE_HASH_LABEL]).toBe(newRS.metadata!.labels![POD_TEMPLATE_HASH_LABEL]);
      expect(newRS.metadata!.annotations![DESIRED_REPLICAS_ANNOTATION]).toBe(String(replicas));
      expect(d.status).toMatchObject({ observedGeneration: d.metadata!.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });
      expect(d.status!.unavailableReplicas).toBeUndefined();
      expect(d.status!.conditions!.map((x) => [x.type, x.status, x.reason])).toEqual([
        ['Available', 'True', 'MinimumReplicasAvailable'],
        ['Progressing', 'True', 'NewReplicaSetAvailable'],
      ]);
      expect(c.kernel.errors).toEqual([]);
    });
  }

  it('reports the rollout as kubectl rollout status does, step by step', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 300 });
    c.client.create(deployment('web', 3, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 });
    setImage(c, 'web', 'nginx:1.28');
    const messages: string[] = [];
    stepUntil(c, () => rolledOut(c, 'web') && activePods(c).every((p) => imageOf(p) === 'nginx:1.28'), () => {
      const m = rolloutStatus(object<Deployment>(c, 'deployments', 'web')!).message;
      if (messages.at(-1) !== m) messages.push(m);
    });
    expect(messages[0]).toMatch(/^deployment "web" successfully rolled out$|^Waiting for deployment spec update to be observed...$/);
    expect(messages).toContain('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
    expect(messages).toContain('Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated...');
    expect(messages.some((m) => /old replicas are pending termination|updated replicas are available/.test(m))).toBe(true);
    expect(messages.at(-1)).toBe('deployment "web" successfully rolled out');
  });

  it('scales a deployment through its scale subresource', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100 });
    c.client.create(deployment('web', 2, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 });
    c.client.scale('deployments', 'web', 5);
    c.advance(5_000);
    expect(activePods(c).filter(ready)).toHaveLength(5);
    const rss = replicaSets(c);
    expect(rss).toHaveLength(1);
    expect(rss[0]!.spec!.replicas).toBe(5);
    expect(rss[0]!.metadata!.annotations![DESIRED_REPLICAS_ANNOTATION]).toBe('5');
    c.client.scale('deployments', 'web', 1);
    c.advance(5_000);
    expect(activePods(c)).toHaveLength(1);
    expect(object<Deployment>(c, 'deployments', 'web')!.status).toMatchObject({ replicas: 1, availableReplicas: 1, updatedReplicas: 1 });
  });
});

describe('Deployment controller: Recreate', () => {
  it('stops every old pod before starting new ones', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 300 });
    c.client.create(deployment('db', 3, { type: 'Recreate' }));
    expect(c.runUntil(() => rolledOut(c, 'db'), { timeout: 60_000 })).toBe(true);
    setImage(c, 'db', 'postgres:17');
    let sawNone = false;
    const ok = stepUntil(
      c,
      () => rolledOut(c, 'db') && activePods(c).length === 3 && activePods(c).every((p) => imageOf(p) === 'postgres:17' && ready(p)),
      () => {
        const pods = objects<Pod>(c, 'pods');
        const images = new Set(pods.map(imageOf));
        if (images.size > 1) throw new Error(`old and new pods at once at t=${c.now()}`);
        if (pods.length === 0) sawNone = true;
      },
    );
    expect(ok).toBe(true);
    expect(sawNone).toBe(true);
    const rss = replicaSets(c);
    expect(rss.map((r) => r.spec!.replicas).sort()).toEqual([0, 3]);
  });
});

describe('Deployment controller: revisions', () => {
  it('numbers revisions, keeps rollback history, and prunes beyond revisionHistoryLimit', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 50 });
    c.client.create(deployment('web', 2, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 'nginx:1', { revisionHistoryLimit: 2 }));
    c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 });
    const revisionOf = (image: string) => replicaSets(c).find((r) => r.spec!.template!.spec!.containers[0]!.image === image)?.metadata?.annotations?.[REVISION_ANNOTATION];
    expect(revisionOf('nginx:1')).toBe('1');
    expect(object<Deployment>(c, 'deployments', 'web')!.metadata!.annotations![REVISION_ANNOTATION]).toBe('1');
    for (const image of ['nginx:2', 'nginx:3']) {
      setImage(c, 'web', image);
      c.advance(10);
      expect(c.runUntil(() => rolledOut(c, 'web') && activePods(c).every((p) => imageOf(p) === image), { timeout: 60_000 })).toBe(true);
    }
    expect(revisionOf('nginx:2')).toBe('2');
    expect(revisionOf('nginx:3')).toBe('3');
    expect(object<Deployment>(c, 'deployments', 'web')!.metadata!.annotations![REVISION_ANNOTATION]).toBe('3');
    // roll back to nginx:1: its ReplicaSet becomes the new one, with revision 4 and its history
    setImage(c, 'web', 'nginx:1');
    c.advance(10);
    expect(c.runUntil(() => rolledOut(c, 'web') && activePods(c).every((p) => imageOf(p) === 'nginx:1'), { timeout: 60_000 })).toBe(true);
    const back = replicaSets(c).find((r) => r.spec!.template!.spec!.containers[0]!.image === 'nginx:1')!;
    expect(back.metadata!.annotations![REVISION_ANNOTATION]).toBe('4');
    expect(back.metadata!.annotations![REVISION_HISTORY_ANNOTATION]).toBe('1');
    // one more: now 4 old revisions existed at most; history limit 2 keeps two old ones
    setImage(c, 'web', 'nginx:5');
    c.advance(10);
    c.runUntil(() => rolledOut(c, 'web') && activePods(c).every((p) => imageOf(p) === 'nginx:5'), { timeout: 60_000 });
    c.advance(5_000);
    const images = replicaSets(c).map((r) => r.spec!.template!.spec!.containers[0]!.image).sort();
    expect(images).toEqual(['nginx:1', 'nginx:3', 'nginx:5']);
  });
});

describe('Deployment controller: progress deadline', () => {
  it('reports ProgressDeadlineExceeded when the new pods never become ready', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100, skip: (p) => imageOf(p) === 'broken:1' });
    c.client.create(deployment('web', 2, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 'nginx:1', { progressDeadlineSeconds: 20 }));
    c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 });
    setImage(c, 'web', 'broken:1');
    c.advance(15_000);
    let d = object<Deployment>(c, 'deployments', 'web')!;
    expect(rolloutStatus(d)).toEqual({ message: 'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...', done: false });
    c.advance(10_000);
    d = object<Deployment>(c, 'deployments', 'web')!;
    const progressing = d.status!.conditions!.find((x) => x.type === 'Progressing')!;
    expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(progressing.message).toMatch(/^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
    expect(rolloutStatus(d)).toEqual({ message: 'deployment "web" exceeded its progress deadline', done: false, error: 'deployment "web" exceeded its progress deadline' });
    // availability is kept: the old pods still serve
    expect(activePods(c).filter(ready)).toHaveLength(2);
  });
});

describe('Deployment controller: pause and proportional scaling', () => {
  it('a paused deployment does not roll out but scales; resuming rolls out', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100 });
    c.client.create(deployment('web', 2, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 });
    c.client.patch('deployments', 'web', { spec: { paused: true } }, { type: 'merge' });
    c.advance(1_000);
    let d = object<Deployment>(c, 'deployments', 'web')!;
    expect(d.status!.conditions!.find((x) => x.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    setImage(c, 'web', 'nginx:1.28');
    c.advance(3_000);
    expect(replicaSets(c)).toHaveLength(1);
    expect(activePods(c).every((p) => imageOf(p) === 'nginx:1.27')).toBe(true);
    c.client.scale('deployments', 'web', 3);
    c.advance(3_000);
    expect(activePods(c)).toHaveLength(3);
    c.client.patch('deployments', 'web', { spec: { paused: false } }, { type: 'merge' });
    expect(c.runUntil(() => rolledOut(c, 'web') && activePods(c).length === 3 && activePods(c).every((p) => imageOf(p) === 'nginx:1.28' && ready(p)), { timeout: 60_000 })).toBe(true);
    d = object<Deployment>(c, 'deployments', 'web')!;
    expect(d.status!.conditions!.find((x) => x.type === 'Progressing')!.reason).toBe('NewReplicaSetAvailable');
  });

  it('scaling in the middle of a stuck rollout scales both ReplicaSets in proportion', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100, skip: (p) => imageOf(p) === 'broken:1' });
    c.client.create(deployment('web', 10, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }));
    c.runUntil(() => rolledOut(c, 'web'), { timeout: 60_000 });
    setImage(c, 'web', 'broken:1');
    c.advance(5_000);
    // stuck: 8 old (10 - maxUnavailable) and 5 new (13 - 8), none of them ready
    const sizes = () => Object.fromEntries(replicaSets(c).map((r) => [r.spec!.template!.spec!.containers[0]!.image, r.spec!.replicas]));
    expect(sizes()).toEqual({ 'nginx:1.27': 8, 'broken:1': 5 });
    c.client.scale('deployments', 'web', 20);
    c.advance(5_000);
    // 20 + 3 allowed; the 10 more are shared 8:5 of 13 (rounded), the rest to the largest
    const after = sizes();
    expect(after['nginx:1.27']! + after['broken:1']!).toBe(23);
    expect(after['nginx:1.27']).toBe(14);
    expect(after['broken:1']).toBe(9);
    expect(activePods(c).filter((p) => imageOf(p) === 'nginx:1.27' && ready(p))).toHaveLength(14);
  });
});

describe('Deployment helpers', () => {
  it('resolves maxSurge up and maxUnavailable down, as Kubernetes does', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts('25%', '25%', 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(0, '1%', 2)).toEqual({ surge: 0, unavailable: 1 }); // both 0: unavailable 1
    expect(resolveFenceposts(2, 0, 5)).toEqual({ surge: 2, unavailable: 0 });
    expect(valueFromIntOrPercent('50%', 3, true)).toBe(2);
    expect(valueFromIntOrPercent('50%', 3, false)).toBe(1);
    expect(() => valueFromIntOrPercent('half', 3, false)).toThrow();
  });

  it('rolloutStatus gives kubectl messages for every state', () => {
    const d = (generation: number, status: Record<string, unknown>, replicas = 3) =>
      ({ metadata: { name: 'x', generation }, spec: { replicas }, status }) as unknown as Deployment;
    expect(rolloutStatus(d(2, { observedGeneration: 1 })).message).toBe('Waiting for deployment spec update to be observed...');
    expect(rolloutStatus(d(1, { observedGeneration: 1, updatedReplicas: 1, replicas: 3 })).message).toBe(
      'Waiting for deployment "x" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(rolloutStatus(d(1, { observedGeneration: 1, updatedReplicas: 3, replicas: 4 })).message).toBe(
      'Waiting for deployment "x" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(rolloutStatus(d(1, { observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 1 })).message).toBe(
      'Waiting for deployment "x" rollout to finish: 1 of 3 updated replicas are available...',
    );
    expect(rolloutStatus(d(1, { observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual({ message: 'deployment "x" successfully rolled out', done: true });
  });
});
