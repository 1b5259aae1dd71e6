import { describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { DaemonSet, Node, Pod } from '../../../src/api/types.js';
import { daemonPodTolerations, nodeShouldRunDaemonPod, rollingUpdatePlan, targetNodeName } from '../../../machines/controllers/daemonset.js';
import { createNode, stepUntil } from './harness.js';

const labels = { app: 'agent' };

function daemonSet(spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'fluentd:1' }], ...podSpec } }, ...spec },
  };
}

const live = (c: Cluster) => c.objects<Pod>('pods', 'default').filter((p) => !p.metadata?.deletionTimestamp);
const readyPod = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
const status = (c: Cluster) => c.object<DaemonSet>('daemonsets', 'agent', 'default')!.status!;

function node(name: string, extra: Partial<Node['spec']> = {}, nodeLabels: Record<string, string> = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...nodeLabels } }, spec: { ...extra } };
}

describe('NodeShouldRunDaemonPod (ported cases of TestNodeShouldRunDaemonPod)', () => {
  it('follows nodeSelector, nodeName and required node affinity', () => {
    expect(nodeShouldRunDaemonPod(node('a'), daemonSet())).toEqual({ shouldRun: true, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(node('a'), daemonSet({}, { nodeSelector: { disk: 'ssd' } }))).toEqual({ shouldRun: false, shouldContinueRunning: false });
    expect(nodeShouldRunDaemonPod(node('a', {}, { disk: 'ssd' }), daemonSet({}, { nodeSelector: { disk: 'ssd' } }))).toEqual({ shouldRun: true, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(node('a'), daemonSet({}, { nodeName: 'b' })).shouldRun).toBe(false);
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } };
    expect(nodeShouldRunDaemonPod(node('a', {}, { zone: 'z2' }), daemonSet({}, { affinity })).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(node('a', {}, { zone: 'z1' }), daemonSet({}, { affinity })).shouldRun).toBe(true);
  });

  it('keeps running pods on NoSchedule taints but not on untolerated NoExecute ones', () => {
    const noSchedule = node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    expect(nodeShouldRunDaemonPod(noSchedule, daemonSet())).toEqual({ shouldRun: false, shouldContinueRunning: true });
    const noExecute = node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] });
    expect(nodeShouldRunDaemonPod(noExecute, daemonSet())).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const tolerated = daemonSet({}, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    expect(nodeShouldRunDaemonPod(noExecute, tolerated)).toEqual({ shouldRun: true, shouldContinueRunning: true });
  });

  it('tolerates the taints the controller tolerates: not-ready, unreachable, pressure, unschedulable; network-unavailable for hostNetwork', () => {
    for (const [key, effect] of [
      ['node.kubernetes.io/not-ready', 'NoExecute'],
      ['node.kubernetes.io/unreachable', 'NoExecute'],
      ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
      ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
      ['node.kubernetes.io/pid-pressure', 'NoSchedule'],
      ['node.kubernetes.io/unschedulable', 'NoSchedule'],
    ] as const) {
      expect(nodeShouldRunDaemonPod(node('a', { taints: [{ key, effect }] }), daemonSet()).shouldRun, key).toBe(true);
    }
    const unavailable = node('a', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] });
    expect(nodeShouldRunDaemonPod(unavailable, daemonSet()).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(unavailable, daemonSet({}, { hostNetwork: true })).shouldRun).toBe(true);
    expect(daemonPodTolerations(true)).toHaveLength(7);
  });
});

describe('rollingUpdate planning', () => {
  const pod = (name: string, nodeName: string, hash: string, ready = true): Pod =>
    ({
      metadata: { name, namespace: 'default', labels: { ...labels, 'controller-revision-hash': hash }, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName, containers: [] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    }) as unknown as Pod;
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
  const timeOf = (ts: string) => Date.parse(ts);
  const now = Date.parse('2026-01-01T01:00:00Z');

  it('deletes up to maxUnavailable old pods, and always the unavailable ones', () => {
    const ds = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } });
    const byNode = new Map(nodes.map((n, i) => [n.metadata!.name!, [pod(`p${i}`, n.metadata!.name!, 'old', i !== 3)]]));
    const plan = rollingUpdatePlan(ds, nodes, byNode, 'new', now, timeOf);
    // p3 is not available: replaced without counting; one more within maxUnavailable 1
    expect(plan.remove.map((p) => p.metadata!.name)).toEqual(['p3', 'p0']);
    expect(plan.create).toEqual([]);
    // a new pod still unavailable uses the budget: only the unavailable old pod goes
    byNode.set('n1', [pod('q0', 'n1', 'new', false)]);
    expect(rollingUpdatePlan(ds, nodes, byNode, 'new', now, timeOf).remove.map((p) => p.metadata!.name)).toEqual(['p3']);
  });

  it('with maxSurge, starts new pods beside old ones and deletes the old once the new is available', () => {
    const ds = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 2 } } });
    const byNode = new Map(nodes.map((n, i) => [n.metadata!.name!, [pod(`p${i}`, n.metadata!.name!, 'old')]]));
    expect(rollingUpdatePlan(ds, nodes, byNode, 'new', now, timeOf)).toEqual({ remove: [], create: ['n1', 'n2'] });
    byNode.set('n1', [pod('p0', 'n1', 'old'), pod('q0', 'n1', 'new', true)]);
    byNode.set('n2', [pod('p1', 'n2', 'old'), pod('q1', 'n2', 'new', false)]);
    const plan = rollingUpdatePlan(ds, nodes, byNode, 'new', now, timeOf);
    expect(plan.remove.map((p) => p.metadata!.name)).toEqual(['p0']);
    expect(plan.create).toEqual(['n3']);
  });
});

describe('DaemonSet controller in a cluster', () => {
  it('runs one pod per node, placed by the scheduler through a node affinity, with revision and status', () => {
    const c = createCluster({ nodes: 3, seed: 11 });
    c.advance(2_000);
    c.client.create(daemonSet());
    c.runUntil(() => live(c).filter(readyPod).length === 3, { timeout: 60_000 });
    const pods = live(c);
    expect(pods.map((p) => p.spec!.nodeName).sort()).toEqual([...c.nodes].sort());
    for (const p of pods) {
      expect(targetNodeName(p)).toBe(p.spec!.nodeName);
      expect(p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec!.nodeName] }] },
      ]);
      expect(p.spec!.tolerations!.map((t) => t.key)).toContain('node.kubernetes.io/unschedulable');
      expect(p.metadata!.labels!['controller-revision-hash']).toMatch(/^[a-z0-9]+$/);
      expect(p.metadata!.labels!['pod-template-generation']).toBe('1');
    }
    const revisions = c.objects('controllerrevisions', 'default');
    expect(revisions).toHaveLength(1);
    expect(revisions[0]!.revision).toBe(1);
    expect(revisions[0]!.metadata!.name).toBe(`agent-${pods[0]!.metadata!.labels!['controller-revision-hash']}`);
    c.advance(2_000);
    expect(status(c)).toEqual({ currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 1 });
    // a new node gets its pod
    createNode(c, 'extra');
    c.runUntil(() => live(c).some((p) => targetNodeName(p) === 'extra'), { timeout: 30_000 });
    expect(live(c).filter((p) => targetNodeName(p) === 'extra')).toHaveLength(1);
    expect(c.kernel.errors).toEqual([]);
  });

  it('follows a node label: pods come and go with the nodeSelector', () => {
    const c = createCluster({ nodes: 3, seed: 12 });
    c.advance(2_000);
    const [n1] = c.nodes;
    c.client.create(daemonSet({}, { nodeSelector: { logging: 'on' } }));
    c.advance(5_000);
    expect(live(c)).toHaveLength(0);
    c.client.patch('nodes', n1!, { metadata: { labels: { logging: 'on' } } });
    c.runUntil(() => live(c).filter(readyPod).length === 1, { timeout: 30_000 });
    expect(live(c).map((p) => p.spec!.nodeName)).toEqual([n1]);
    c.advance(2_000);
    expect(status(c)).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1 });
    c.client.patch('nodes', n1!, { metadata: { labels: { logging: null } } });
    c.runUntil(() => live(c).length === 0, { timeout: 60_000 });
    expect(live(c)).toHaveLength(0);
  });

  it('rolls out a new template one node at a time (maxUnavailable 1), keeping history for rollback', () => {
    const c = createCluster({ nodes: 4, seed: 13 });
    c.advance(2_000);
    c.client.create(daemonSet());
    c.runUntil(() => live(c).filter(readyPod).length === 4, { timeout: 60_000 });
    c.advance(2_000);
    c.client.patch('daemonsets', 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2' }] } } } });
    let worst = 4;
    const done = () => {
      const s = status(c);
      return s.observedGeneration === 2 && s.updatedNumberScheduled === 4 && s.numberAvailable === 4 && live(c).length === 4;
    };
    stepUntil(c, done, () => {
      const readyCount = live(c).filter(readyPod).length;
      worst = Math.min(worst, readyCount);
    });
    expect(done()).toBe(true);
    expect(worst).toBe(3); // never more than one node without a ready daemon pod
    expect(live(c).every((p) => p.spec!.containers[0]!.image === 'fluentd:2')).toBe(true);
    const revisions = c.objects('controllerrevisions', 'default');
    expect(revisions.map((r) => r.revision).sort()).toEqual([1, 2]);
    expect(c.kernel.errors).toEqual([]);
  });

  it('OnDelete replaces only the pods the user deletes', () => {
    const c = createCluster({ nodes: 2, seed: 14 });
    c.advance(2_000);
    c.client.create(daemonSet({ updateStrategy: { type: 'OnDelete' } }));
    c.runUntil(() => live(c).filter(readyPod).length === 2, { timeout: 60_000 });
    const before = live(c).map((p) => p.metadata!.name).sort();
    c.client.patch('daemonsets', 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2' }] } } } });
    c.advance(10_000);
    expect(live(c).map((p) => p.metadata!.name).sort()).toEqual(before);
    c.client.delete('pods', before[0]!);
    c.runUntil(() => live(c).filter(readyPod).length === 2 && !live(c).some((p) => p.metadata!.name === before[0]), { timeout: 60_000 });
    const images = live(c).map((p) => p.spec!.containers[0]!.image).sort();
    expect(images).toEqual(['fluentd:1', 'fluentd:2']);
    c.advance(2_000);
    expect(status(c)).toMatchObject({ desiredNumberScheduled: 2, updatedNumberScheduled: 1 });
  });
});
