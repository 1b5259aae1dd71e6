import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/api/types.js';
import { StatusError } from '../../src/api/status.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

const pc = (name: string, value: number, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra }) as KubeObject;
const pod = (name: string, spec: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } }) as Pod;

function refusal(fn: () => unknown): { code?: number; reason?: string; message?: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatusError) return error.status;
    throw error;
  }
  throw new Error('not refused');
}

describe('PriorityClass and the Priority admission', () => {
  it('serves the system classes from boot, short name pc', () => {
    const c = createCluster({ nodes: 1 });
    const items = c.client.list('priorityclasses').items;
    expect(items.map((p) => [p.metadata?.name, p.value])).toEqual([
      ['system-cluster-critical', 2000000000],
      ['system-node-critical', 2000001000],
    ]);
    c.stop();
  });

  it('resolves a pod\'s class into priority and preemptionPolicy; no class gives 0 and PreemptLowerPriority', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pc('high', 1000, { preemptionPolicy: 'Never' }));
    const p = c.client.create(pod('a', { priorityClassName: 'high' }));
    expect([p.spec?.priority, p.spec?.preemptionPolicy]).toEqual([1000, 'Never']);
    const q = c.client.create(pod('b'));
    expect([q.spec?.priority, q.spec?.preemptionPolicy, q.spec?.priorityClassName]).toEqual([0, 'PreemptLowerPriority', undefined]);
    const s = c.client.create({ ...pod('s', { priorityClassName: 'system-node-critical' }), metadata: { name: 's', namespace: 'kube-system' } } as Pod);
    expect(s.spec?.priority).toBe(2000001000);
    c.stop();
  });

  it('gives pods without a class the global default; only one default may exist', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pc('normal', 50, { globalDefault: true }));
    const p = c.client.create(pod('a'));
    expect([p.spec?.priorityClassName, p.spec?.priority]).toEqual(['normal', 50]);
    expect(refusal(() => c.client.create(pc('other', 60, { globalDefault: true })))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already marked as default. Only one default can exist',
    });
    c.stop();
  });

  it('refuses an unknown class and a priority that contradicts the class, with the real messages', () => {
    const c = createCluster({ nodes: 1 });
    expect(refusal(() => c.client.create(pod('a', { priorityClassName: 'nope' })))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "a" is forbidden: no PriorityClass with name nope was found',
    });
    c.client.create(pc('high', 1000));
    expect(refusal(() => c.client.create(pod('b', { priorityClassName: 'high', priority: 5 }))).message).toBe(
      'pods "b" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    );
    c.stop();
  });

  it('validates classes: system- names reserved, user values at most 1e9, value immutable', () => {
    const c = createCluster({ nodes: 1 });
    expect(refusal(() => c.client.create(pc('system-mine', 5))).message).toContain(
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    );
    expect(refusal(() => c.client.create(pc('huge', 1_000_000_001))).message).toContain('value: Forbidden: maximum allowed value of a user defined priority is 1000000000');
    c.client.create(pc('x', 10));
    expect(refusal(() => c.client.patch('pc', 'x', { value: 11 }, { type: 'merge' })).message).toContain('value: Forbidden: may not be changed in an update.');
    c.stop();
  });
});
