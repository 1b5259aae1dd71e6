import { describe, expect, it } from 'vitest';
import type { Event, Node, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { admissionNodeInfo, admitPod, rejectedStatus } from '../../../machines/kubelet/admission.js';
import { podResourceRecord } from '../../../machines/scheduler/node-info.js';
import * as api from '../../../src/index.js';

const node = (extra: { labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; allocatable?: Record<string, string> } = {}): Node =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', ...(extra.labels ?? {}) } },
    spec: { taints: extra.taints },
    status: { allocatable: extra.allocatable ?? { cpu: '4', memory: '8Gi', pods: '3', 'ephemeral-storage': '10Gi' } },
  });

const pod = (name: string, cpu: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu, memory: '64Mi' } } }], ...spec },
  });

describe('kubelet admission (admitPod)', () => {
  it('admits pods while the node has room and names the resource, request, use and capacity when it has not', () => {
    const info = admissionNodeInfo(node());
    expect(admitPod(pod('a', '3'), info)).toEqual({ admit: true });
    info.addPod(podResourceRecord(pod('a', '3')));
    expect(admitPod(pod('b', '1'), info)).toEqual({ admit: true });
    expect(admitPod(pod('c', '1500m'), info)).toEqual({
      admit: false,
      reason: 'OutOfcpu',
      message: "Node didn't have enough resource: cpu, requested: 1500, used: 3000, capacity: 4000",
    });
    expect(admitPod(pod('m', '100m', { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { memory: '9Gi' } } }] }), info)).toMatchObject({ admit: false, reason: 'OutOfmemory' });
  });

  it('rejects the pod past the node\'s pod count with OutOfpods, and frees room when a pod is removed', () => {
    const info = admissionNodeInfo(node());
    for (const n of ['a', 'b', 'c']) info.addPod(podResourceRecord(pod(n, '10m')));
    expect(admitPod(pod('d', '10m'), info)).toEqual({ admit: false, reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3" });
    info.removePod(podResourceRecord(pod('b', '10m')));
    expect(admitPod(pod('d', '10m'), info)).toEqual({ admit: true });
  });

  it('checks nodeSelector and required node affinity against the node labels', () => {
    const info = admissionNodeInfo(node({ labels: { zone: 'a' } }));
    expect(admitPod(pod('a', '10m', { nodeSelector: { zone: 'a' } }), info)).toEqual({ admit: true });
    expect(admitPod(pod('b', '10m', { nodeSelector: { zone: 'b' } }), info)).toEqual({
      admit: false,
      reason: 'NodeAffinity',
      message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    });
  });

  it('looks at NoExecute taints only (the scheduler already weighed NoSchedule)', () => {
    const info = admissionNodeInfo(node({ taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }, { key: 'gone', effect: 'NoExecute' }] }));
    expect(admitPod(pod('a', '10m'), info)).toEqual({ admit: false, reason: 'TaintToleration', message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate" });
    expect(admitPod(pod('b', '10m', { tolerations: [{ key: 'gone', operator: 'Exists', effect: 'NoExecute' }] }), info)).toEqual({ admit: true });
  });

  it('is part of the public API', () => {
    expect(api.admitPod).toBe(admitPod);
    expect(api.admissionNodeInfo).toBe(admissionNodeInfo);
    expect(api.rejectedStatus).toBe(rejectedStatus);
  });

  it('reports a rejected pod Failed with "Pod was rejected: <message>"', () => {
    expect(rejectedStatus('OutOfcpu', 'x')).toEqual({ phase: 'Failed', reason: 'OutOfcpu', message: 'Pod was rejected: x' });
  });
});

describe('kubelet admission in a cluster', () => {
  it('fails a pod bound past the scheduler to a full node with OutOfcpu and a Warning event, runs the ones that fit, and admits again once room is freed', () => {
    const c = createCluster({ nodes: 1, seed: 3, nodeCapacity: { cpu: '2', memory: '4Gi' } });
    c.runUntil(() => c.objects('nodes').length === 1, { timeout: 30_000 });
    const mk = (name: string, cpu: string, extra: Record<string, unknown> = {}) =>
      c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu } } }], ...extra } } as Pod);
    const phase = (name: string) => c.object<Pod>('pods', name)?.status?.phase;
    mk('big', '1500m');
    c.runUntil(() => phase('big') === 'Running', { timeout: 60_000 });
    // the pod's hostIP is its node's InternalIP
    const internalIP = c.object<Node>('nodes', 'node-1')!.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    expect(c.object<Pod>('pods', 'big')!.status).toMatchObject({ hostIP: internalIP, hostIPs: [{ ip: internalIP }] });
    // 1500m of the node's 2 cpus are taken
    mk('too-big', '600m');
    expect(c.runUntil(() => phase('too-big') === 'Failed', { timeout: 60_000 })).toBe(true);
    const rejected = c.object<Pod>('pods', 'too-big')!;
    expect(rejected.status).toMatchObject({ phase: 'Failed', reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 600, used: 1500, capacity: 2000" });
    expect(c.actor('pod/default/too-big')).toBeUndefined();
    const events = c.objects<Event>('events').filter((e) => e.involvedObject?.name === 'too-big');
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'OutOfcpu', source: expect.objectContaining({ component: 'kubelet', host: 'node-1' }) })]);
    // a pod that fits what is left runs
    mk('small', '300m');
    expect(c.runUntil(() => phase('small') === 'Running', { timeout: 60_000 })).toBe(true);
    // the rejected pod stays Failed; once "big" is gone, the same request is admitted
    c.client.delete('pods', 'big', { gracePeriodSeconds: 0 });
    c.runUntil(() => c.object<Pod>('pods', 'big') === undefined, { timeout: 60_000 });
    mk('after', '600m');
    expect(c.runUntil(() => phase('after') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(phase('too-big')).toBe('Failed');
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });

  it('fails a pod whose nodeSelector the node does not match with NodeAffinity', () => {
    const c = createCluster({ nodes: 1, seed: 4 });
    c.runUntil(() => c.objects('nodes').length === 1, { timeout: 30_000 });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere' }, spec: { nodeName: 'node-1', nodeSelector: { disktype: 'ssd' }, containers: [{ name: 'app', image: 'nginx:1.27' }] } } as Pod);
    expect(c.runUntil(() => c.object<Pod>('pods', 'elsewhere')?.status?.phase === 'Failed', { timeout: 60_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'elsewhere')!.status).toMatchObject({ reason: 'NodeAffinity', message: "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" });
    c.stop();
  });
});
