/**
 * PodTopologySpread, after kube-scheduler's `podtopologyspread/filtering_test.go` and
 * `scoring_test.go`: the same node layouts (node-a, node-b in zone1; node-x, node-y in zone2),
 * expected statuses from the skew rule, scores from the documented formula.
 */
import { describe, it, expect } from 'vitest';
import type { KubeObject, Node, Pod } from '../../../../src/api/types.js';
import {
  PodTopologySpread,
  createPodTopologySpread,
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  type TopologySpreadConstraintSpec,
} from '../../../../machines/scheduler/plugins/pod-topology-spread.js';
import { SUCCESS, cloneCycleState, type Status } from '../../../../machines/scheduler/framework.js';
import { createProfile } from '../../../../machines/scheduler/registry.js';
import { schedulePod } from '../../../../machines/scheduler/schedule-one.js';
import { clusterOf, makeNode, makePod, registration, scriptedRng } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

const zoneNodes = (): Node[] => [
  makeNode('node-a', { labels: { zone: 'zone1' } }),
  makeNode('node-b', { labels: { zone: 'zone1' } }),
  makeNode('node-x', { labels: { zone: 'zone2' } }),
  makeNode('node-y', { labels: { zone: 'zone2' } }),
];
const foo = { foo: '' };
const spread = (c: Partial<TopologySpreadConstraintSpec> = {}): TopologySpreadConstraintSpec => ({
  maxSkew: 1,
  topologyKey: 'zone',
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] },
  ...c,
});
const withSpread = (pod: Pod, ...constraints: TopologySpreadConstraintSpec[]): Pod =>
  ({ ...pod, spec: { ...pod.spec, topologySpreadConstraints: constraints } }) as Pod;
const on = (name: string, node: string, labels: Record<string, string> = foo, extra: Partial<Parameters<typeof makePod>[1]> = {}) =>
  makePod(name, { nodeName: node, labels, ...extra });

function filterAll(pod: Pod, cluster: ReturnType<typeof clusterOf>, plugin = PodTopologySpread): Record<string, Status | 'skip'> {
  const state = cluster.state(pod);
  const pre = plugin.preFilter!(pod, state);
  const out: Record<string, Status | 'skip'> = {};
  for (const ni of cluster.snapshot.nodes) out[ni.name] = pre?.status?.code === 'Skip' ? 'skip' : plugin.filter(pod, ni, state);
  return out;
}
const skewFail: Status = { code: 'Unschedulable', reasons: [ERR_REASON_CONSTRAINTS_NOT_MATCH] };
const labelFail: Status = { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH] };

describe('PodTopologySpread filter (TestSingleConstraint)', () => {
  it('is skipped for a pod without constraints that nothing selects', () => {
    expect(filterAll(makePod('p', { labels: foo }), clusterOf(zoneNodes()))).toEqual({ 'node-a': 'skip', 'node-b': 'skip', 'node-x': 'skip', 'node-y': 'skip' });
  });
  it('no existing pods: every node fits', () => {
    const res = filterAll(withSpread(makePod('p', { labels: foo }), spread()), clusterOf(zoneNodes()));
    expect(Object.values(res)).toEqual([SUCCESS, SUCCESS, SUCCESS, SUCCESS]);
  });
  it('zones at 2/1: only zone2 keeps the skew within 1', () => {
    const pods = [on('a1', 'node-a'), on('b1', 'node-b'), on('x1', 'node-x')];
    expect(filterAll(withSpread(makePod('p', { labels: foo }), spread()), clusterOf(zoneNodes(), pods))).toEqual({
      'node-a': skewFail,
      'node-b': skewFail,
      'node-x': SUCCESS,
      'node-y': SUCCESS,
    });
  });
  it('a pod that does not match its own selector adds nothing to its domain', () => {
    const pods = [on('a1', 'node-a'), on('b1', 'node-b'), on('x1', 'node-x')];
    const res = filterAll(withSpread(makePod('p', { labels: { bar: '' } }), spread()), clusterOf(zoneNodes(), pods));
    expect(res['node-a']).toEqual(SUCCESS);
  });
  it('pods in another namespace and terminating pods are not counted', () => {
    const pods = [
      on('a1', 'node-a'),
      on('b1', 'node-b', foo, { namespace: 'other' }),
      { ...on('b2', 'node-b'), metadata: { ...on('b2', 'node-b').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } as Pod,
      on('x1', 'node-x'),
    ];
    const res = filterAll(withSpread(makePod('p', { labels: foo }), spread()), clusterOf(zoneNodes(), pods));
    expect(Object.values(res)).toEqual([SUCCESS, SUCCESS, SUCCESS, SUCCESS]);
  });
  it('a node without the topology key is rejected as unresolvable', () => {
    const nodes = [...zoneNodes(), makeNode('node-n')];
    expect(filterAll(withSpread(makePod('p', { labels: foo }), spread()), clusterOf(nodes))['node-n']).toEqual(labelFail);
  });
  it('minDomains: fewer domains than minDomains makes the global minimum 0', () => {
    const pods = [on('a1', 'node-a'), on('x1', 'node-x')];
    const pod = withSpread(makePod('p', { labels: foo }), spread({ minDomains: 3 }));
    expect(Object.values(filterAll(pod, clusterOf(zoneNodes(), pods)))).toEqual([skewFail, skewFail, skewFail, skewFail]);
    const relaxed = withSpread(makePod('p', { labels: foo }), spread({ minDomains: 2 }));
    expect(Object.values(filterAll(relaxed, clusterOf(zoneNodes(), pods)))).toEqual([SUCCESS, SUCCESS, SUCCESS, SUCCESS]);
  });
  it('nodeAffinityPolicy Honor (default) counts only the nodes the pod may go to; Ignore counts every node', () => {
    const pods = [on('a1', 'node-a'), on('a2', 'node-a'), on('x1', 'node-x')];
    const base = makePod('p', { labels: foo, nodeSelector: { zone: 'zone1' } });
    expect(filterAll(withSpread(base, spread()), clusterOf(zoneNodes(), pods))['node-a']).toEqual(SUCCESS);
    expect(filterAll(withSpread(base, spread({ nodeAffinityPolicy: 'Ignore' })), clusterOf(zoneNodes(), pods))['node-a']).toEqual(skewFail);
  });
  it('nodeTaintsPolicy Honor leaves out nodes with untolerated taints; Ignore (default) counts them', () => {
    const nodes = zoneNodes();
    nodes[2] = makeNode('node-x', { labels: { zone: 'zone2' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] });
    nodes[3] = makeNode('node-y', { labels: { zone: 'zone2' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] });
    const pods = [on('a1', 'node-a'), on('a2', 'node-b')];
    const pod = makePod('p', { labels: foo });
    expect(filterAll(withSpread(pod, spread()), clusterOf(nodes, pods))['node-a']).toEqual(skewFail);
    expect(filterAll(withSpread(pod, spread({ nodeTaintsPolicy: 'Honor' })), clusterOf(nodes, pods))['node-a']).toEqual(SUCCESS);
  });
  it('matchLabelKeys narrows the selector to pods with the same values', () => {
    const pods = [on('a1', 'node-a', { foo: '', hash: 'old' }), on('a2', 'node-a', { foo: '', hash: 'old' }), on('x1', 'node-x', { foo: '', hash: 'new' })];
    const pod = makePod('p', { labels: { foo: '', hash: 'new' } });
    expect(filterAll(withSpread(pod, spread()), clusterOf(zoneNodes(), pods))['node-x']).toEqual(SUCCESS);
    expect(filterAll(withSpread(pod, spread()), clusterOf(zoneNodes(), pods))['node-a']).toEqual(skewFail);
    // only the new revision counts: zone2 already has one, zone1 none
    const res = filterAll(withSpread(pod, spread({ matchLabelKeys: ['hash'] })), clusterOf(zoneNodes(), pods));
    expect(res['node-a']).toEqual(SUCCESS);
    expect(res['node-x']).toEqual(skewFail);
  });
  it('two constraints must both hold (zone and hostname)', () => {
    const pods = [on('a1', 'node-a'), on('x1', 'node-x')];
    const nodes = zoneNodes().map((n) => ({ ...n, metadata: { ...n.metadata, labels: { ...n.metadata!.labels, 'kubernetes.io/hostname': n.metadata!.name! } } }));
    const pod = withSpread(makePod('p', { labels: foo }), spread(), spread({ topologyKey: 'kubernetes.io/hostname' }));
    expect(filterAll(pod, clusterOf(nodes, pods))).toEqual({ 'node-a': skewFail, 'node-b': SUCCESS, 'node-x': skewFail, 'node-y': SUCCESS });
  });
  it('pre-filter extensions: removing a pod from a cloned state lowers its domain', () => {
    const pods = [on('a1', 'node-a'), on('b1', 'node-b'), on('x1', 'node-x')];
    const cluster = clusterOf(zoneNodes(), pods);
    const pod = withSpread(makePod('p', { labels: foo }), spread());
    const state = cluster.state(pod);
    PodTopologySpread.preFilter!(pod, state);
    const a = cluster.snapshot.nodeInfo('node-a')!;
    expect(PodTopologySpread.filter(pod, a, state)).toEqual(skewFail);
    const copy = cloneCycleState(state);
    PodTopologySpread.removePod!(copy, pod, pods[0]!, a);
    expect(PodTopologySpread.filter(pod, a, copy)).toBe(SUCCESS);
    expect(PodTopologySpread.filter(pod, a, state)).toEqual(skewFail);
  });
});

function scoreAll(pod: Pod, cluster: ReturnType<typeof clusterOf>, nodes = cluster.snapshot.nodes, plugin = PodTopologySpread): Record<string, number> | undefined {
  const state = cluster.state(pod);
  if (plugin.preScore!(pod, state, nodes) === 'skip') return undefined;
  const scores: number[] = [];
  plugin.scoreNodes!(pod, nodes, state, scores);
  plugin.normalize!(scores, state);
  return Object.fromEntries(nodes.map((ni, i) => [ni.name, scores[i]!]));
}

describe('PodTopologySpread score (TestPodTopologySpreadScore)', () => {
  const hostNodes = ['node-a', 'node-b', 'node-c', 'node-d'].map((n) => makeNode(n));
  const soft = (c: Partial<TopologySpreadConstraintSpec> = {}) => spread({ whenUnsatisfiable: 'ScheduleAnyway', topologyKey: 'kubernetes.io/hostname', ...c });

  it('one hostname constraint, 4 candidates: count × log(4 + 2) + maxSkew - 1, rounded, then reversed', () => {
    // raw: a 2 pods → round(2·ln 6) = 4, b 1 pod → 2, c and d 0; normalized 100·(max + min - s)/max
    const pods = [on('a1', 'node-a'), on('a2', 'node-a'), on('b1', 'node-b')];
    expect(scoreAll(withSpread(makePod('p', { labels: foo }), soft()), clusterOf(hostNodes, pods))).toEqual({ 'node-a': 0, 'node-b': 50, 'node-c': 100, 'node-d': 100 });
  });
  it('zone constraint: the domain counts of every node, weighted by log(zones + 2)', () => {
    // zone1 3 pods, zone2 1: raw round(3·ln 4) = 4 and round(1·ln 4) = 1 → 100·(4+1-4)/4 = 25 and 100
    const pods = [on('a1', 'node-a'), on('a2', 'node-a'), on('b1', 'node-b'), on('y1', 'node-y')];
    const pod = withSpread(makePod('p', { labels: foo }), soft({ topologyKey: 'zone' }));
    expect(scoreAll(pod, clusterOf(zoneNodes(), pods))).toEqual({ 'node-a': 25, 'node-b': 25, 'node-x': 100, 'node-y': 100 });
  });
  it('nodes without the topology key score 0 (ignored) with the pod\'s own constraints', () => {
    const nodes = [...zoneNodes(), makeNode('node-n')];
    const pod = withSpread(makePod('p', { labels: foo }), soft({ topologyKey: 'zone' }));
    expect(scoreAll(pod, clusterOf(nodes, [on('a1', 'node-a')]))!['node-n']).toBe(0);
  });
  it('DoNotSchedule constraints do not score', () => {
    expect(scoreAll(withSpread(makePod('p', { labels: foo }), spread()), clusterOf(zoneNodes()))).toBeUndefined();
  });
});

describe('PodTopologySpread system default constraints', () => {
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } } },
  } as KubeObject;
  const replica = (i: number): Pod => {
    const p = makePod(`web-${i}`, { labels: { app: 'web' } });
    return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }] } };
  };
  // one big node the LeastAllocated score prefers, two small ones
  const nodes = [makeNode('big', { cpu: '64', memory: '256Gi' }), makeNode('small-1'), makeNode('small-2')];

  function place(profile = createProfile()): string[] {
    const placed: Pod[] = [];
    for (let i = 0; i < 3; i++) {
      const cluster = clusterOf(nodes, placed, { replicasets: [rs] });
      const res = schedulePod(replica(i), cluster.cache, profile, { rng: scriptedRng([0]), startIndex: 0, listers: cluster.listers });
      expect(res.ok).toBe(true);
      if (res.ok) placed.push({ ...replica(i), spec: { ...replica(i).spec, nodeName: res.node } } as Pod);
    }
    return placed.map((p) => p.spec!.nodeName!);
  }

  it('spreads three replicas of a ReplicaSet one per node', () => {
    expect(new Set(place()).size).toBe(3);
  });
  it('without PodTopologySpread the same replicas all go to the big node', () => {
    expect(place(createProfile({ disable: ['PodTopologySpread'] }))).toEqual(['big', 'big', 'big']);
  });
  it('a pod nothing selects gets no default constraints', () => {
    const cluster = clusterOf(nodes, [], { replicasets: [rs] });
    const pod = makePod('lone', { labels: { app: 'other' } });
    expect(PodTopologySpread.preScore!(pod, cluster.state(pod), cluster.snapshot.nodes)).toBe('skip');
  });
  it('a Service selecting the pod makes its selector the default one', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'other' } } } as KubeObject;
    const cluster = clusterOf(nodes, [makePod('o1', { nodeName: 'small-1', labels: { app: 'other' } })], { services: [svc] });
    const pod = makePod('lone', { labels: { app: 'other' } });
    const state = cluster.state(pod);
    expect(PodTopologySpread.preScore!(pod, state, cluster.snapshot.nodes)).toBeUndefined();
    expect(PodTopologySpread.score(pod, cluster.snapshot.nodeInfo('small-1')!, state)).toBeGreaterThan(PodTopologySpread.score(pod, cluster.snapshot.nodeInfo('small-2')!, state));
  });
  it('checks its arguments as kube-scheduler validates them', () => {
    expect(() => createPodTopologySpread({ defaultConstraints: [spread()] })).toThrow(/must be empty/);
    expect(() => createPodTopologySpread({ defaultingType: 'List', defaultConstraints: [spread()] })).toThrow(/must not define a selector/);
    expect(() => createPodTopologySpread({ defaultingType: 'List', defaultConstraints: [spread({ labelSelector: undefined })] })).not.toThrow();
  });
});

describe('PodTopologySpread events and queueing hints (after Test_isSchedulableAfterNodeChange / Test_isSchedulableAfterPodChange)', () => {
  it('registers Pod Add | UpdatePodLabel | UpdatePodTolerations | Delete and Node Add | Delete | UpdateNodeLabel | UpdateNodeTaint', () => {
    expect(PodTopologySpread.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([
      ['Pod', ActionType.Add | ActionType.UpdatePodLabel | ActionType.UpdatePodTolerations | ActionType.Delete],
      ['Node', ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint],
    ]);
  });
  const nodeHint = registration(PodTopologySpread, 'Node').hint;
  const podHint = registration(PodTopologySpread, 'Pod').hint;
  const twoKeys = withSpread(makePod('p', { labels: foo }), spread({ topologyKey: 'zone' }), spread({ topologyKey: 'node' }));
  const node = (labels: Record<string, string>, taints?: NonNullable<Parameters<typeof makeNode>[1]>['taints']) => makeNode('node-a', { labels, taints });
  it.each<[string, Node | undefined, Node | undefined, QueueingHint]>([
    ['node updates label which matches topologyKey', node({ zone: 'zone1', node: 'node1' }), node({ zone: 'zone2', node: 'node1' }), 'Queue'],
    ["node that doesn't match topologySpreadConstraints updates non-related label", node({ foo: 'bar1' }), node({ foo: 'bar2' }), 'QueueSkip'],
    ['node that match topologySpreadConstraints adds non-related label', node({ zone: 'zone1', node: 'node1' }), node({ zone: 'zone1', node: 'node1', foo: 'bar' }), 'QueueSkip'],
    ['create node with non-related labels', undefined, node({ foo: 'bar' }), 'QueueSkip'],
    ['create node with related labels', undefined, node({ zone: 'zone1', node: 'node1' }), 'Queue'],
    ['delete node with non-related labels', node({ foo: 'bar' }), undefined, 'QueueSkip'],
    ['delete node with related labels', node({ zone: 'zone1', node: 'node1' }), undefined, 'Queue'],
    ['add node with related labels that only match one of topologySpreadConstraints', undefined, node({ zone: 'zone1' }), 'QueueSkip'],
    ['update node with related labels that only match one of topologySpreadConstraints', node({ zone: 'zone1' }), node({ zone: 'zone1', foo: 'bar' }), 'QueueSkip'],
    ['update node with related labels that match all of topologySpreadConstraints', node({ zone: 'zone1' }), node({ zone: 'zone1', node: 'node1' }), 'Queue'],
    ['update node with different taints that match all of topologySpreadConstraints', node({ zone: 'zone1', node: 'node1' }), node({ zone: 'zone1', node: 'node1' }, [{ key: 'aaa', value: 'bbb', effect: 'NoSchedule' }]), 'Queue'],
  ])('%s', (_name, before, after, want) => {
    expect(nodeHint(twoKeys, before, after)).toBe(want);
  });
  const target = withSpread(makePod('p', { labels: foo }), spread());
  const other = (labels: Record<string, string>, nodeName = 'fake-node', namespace?: string) => makePod('q', { labels, nodeName: nodeName || undefined, namespace });
  it.each<[string, Pod, Pod | undefined, Pod | undefined, QueueingHint]>([
    ['add pod with labels match topologySpreadConstraints selector', target, undefined, other(foo), 'Queue'],
    ['add un-scheduled pod', target, undefined, other(foo, ''), 'QueueSkip'],
    ['update un-scheduled pod', target, other(foo, ''), other({ bar: '' }, ''), 'QueueSkip'],
    ['delete un-scheduled pod', target, other(foo, ''), undefined, 'QueueSkip'],
    ['add pod with different namespace', target, undefined, other(foo, 'fake-node', 'ns1'), 'QueueSkip'],
    ["add pod with labels don't match topologySpreadConstraints selector", target, undefined, other({ bar: '' }), 'QueueSkip'],
    ['delete pod with labels that match topologySpreadConstraints selector', target, other(foo), undefined, 'Queue'],
    ["delete pod with labels that don't match topologySpreadConstraints selector", target, other({ bar: '' }), undefined, 'QueueSkip'],
    ["update pod's non-related label", target, other({ foo: '', bar: 'bar1' }), other({ foo: '', bar: 'bar2' }), 'QueueSkip'],
    ["add pod's label that matches topologySpreadConstraints selector", target, other({}), other(foo), 'Queue'],
    ["delete pod label that matches topologySpreadConstraints selector", target, other(foo), other({}), 'Queue'],
    ["change pod's label that matches topologySpreadConstraints selector", target, other({ foo: 'foo1' }), other({ foo: 'foo2' }), 'QueueSkip'],
  ])('%s', (_name, pod, before, after, want) => {
    expect(podHint(pod, before, after)).toBe(want);
  });
  it('queues the pod itself when it gets a toleration, only under nodeTaintsPolicy Honor', () => {
    const honor = withSpread(makePod('p', { labels: foo }), spread({ nodeTaintsPolicy: 'Honor' }));
    const ignore = withSpread(makePod('p', { labels: foo }), spread({ nodeTaintsPolicy: 'Ignore' }));
    const tolerated = (p: Pod): Pod => ({ ...p, spec: { ...p.spec!, tolerations: [{ key: 'k', operator: 'Exists' }] } });
    expect(podHint(honor, honor, tolerated(honor))).toBe('Queue');
    expect(podHint(ignore, ignore, tolerated(ignore))).toBe('QueueSkip');
  });
});
