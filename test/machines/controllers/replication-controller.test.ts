import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../../src/api/types.js';
import { activePods, FakeKubelet, miniCluster, object, template } from './harness.js';

type Obj = KubeObject & Record<string, any>;

function rc(name: string, replicas: number, spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name }, spec: { replicas, template: template({ app: name }), ...spec } };
}

describe('ReplicationController controller (the ReplicaSet controller over RCs)', () => {
  it('defaults the selector and labels from the template, creates the pods with a v1 controller reference, reports status', () => {
    const c = miniCluster(['replicationcontroller']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 300 });
    const created = c.client.create(rc('web', 3));
    expect(created.spec.selector).toEqual({ app: 'web' });
    expect(created.metadata!.labels).toEqual({ app: 'web' });
    c.runUntil(() => activePods(c).length === 3, { timeout: 10_000 });
    for (const p of activePods(c)) {
      expect(p.metadata!.generateName).toBe('web-');
      expect(p.metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: created.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    c.advance(2_000);
    expect(object<Obj>(c, 'replicationcontrollers', 'web')!.status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(c.kernel.errors).toEqual([]);
  });

  it('scales through the scale subresource (selector printed from the map) and replaces deleted pods', () => {
    const c = miniCluster(['replicationcontroller']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100 });
    c.client.create(rc('web', 2));
    c.advance(2_000);
    const scale = c.client.scale('replicationcontrollers', 'web', 4) as Obj;
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
    c.advance(2_000);
    expect(activePods(c)).toHaveLength(4);
    const got = c.client.get<Obj>('replicationcontrollers', 'web');
    expect(got.status.replicas).toBe(4);
    const scaleRead = c.client.request({ verb: 'get', resource: 'replicationcontrollers', namespace: 'default', name: 'web', subresource: 'scale' });
    expect((scaleRead.body as Obj).status).toEqual({ replicas: 4, selector: 'app=web' });
    const victim: Pod = activePods(c)[0]!;
    c.client.delete('pods', victim.metadata!.name!, { gracePeriodSeconds: 0 });
    c.advance(2_000);
    expect(activePods(c)).toHaveLength(4);
    expect(activePods(c).map((p) => p.metadata!.name)).not.toContain(victim.metadata!.name);
    c.client.scale('replicationcontrollers', 'web', 0);
    c.advance(2_000);
    expect(activePods(c)).toHaveLength(0);
  });

  it('refuses an RC whose selector does not match its template, or with restartPolicy Never', () => {
    const c = miniCluster([]);
    const bad = (o: Obj) => {
      try {
        c.client.create(o);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad(rc('x', 1, { selector: { app: 'other' } }))).toContain('spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'.replace('web', 'x'));
    const never = rc('y', 1);
    never.spec.template.spec.restartPolicy = 'Never';
    expect(bad(never)).toContain('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
  });
});
