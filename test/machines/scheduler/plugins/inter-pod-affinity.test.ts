/**
 * InterPodAffinity, with cases ported from kube-scheduler's `interpodaffinity/filtering_test.go`
 * and `scoring_test.go` (same nodes, pods and expected statuses / scores).
 */
import { describe, it, expect } from 'vitest';
import type { Pod } from '../../../../src/api/types.js';
import {
  InterPodAffinity,
  createInterPodAffinity,
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
} from '../../../../machines/scheduler/plugins/inter-pod-affinity.js';
import { SUCCESS, cloneCycleState, type Status } from '../../../../machines/scheduler/framework.js';
import { createProfile } from '../../../../machines/scheduler/registry.js';
import { schedulePod } from '../../../../machines/scheduler/schedule-one.js';
import { clusterOf, makeNamespace, makeNode, makePod, registration, scriptedRng } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

type Affinity = NonNullable<NonNullable<Pod['spec']>['affinity']>;
const term = (key: string, op: string, values: string[], topologyKey: string, extra: Record<string, unknown> = {}) => ({
  labelSelector: { matchExpressions: [{ key, operator: op, values }] },
  topologyKey,
  ...extra,
});
const podAffinity = (...terms: ReturnType<typeof term>[]): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const podAntiAffinity = (...terms: ReturnType<typeof term>[]): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });

const node1 = makeNode('node1', { labels: { region: 'r1', zone: 'z11', hostname: 'h1' } });

/** Runs PreFilter then Filter on every node; the statuses by node name ('skip' when pre-filter skipped). */
function filterAll(pod: Pod, cluster: ReturnType<typeof clusterOf>): Record<string, Status | 'skip'> {
  const state = cluster.state(pod);
  const pre = InterPodAffinity.preFilter!(pod, state);
  const out: Record<string, Status | 'skip'> = {};
  for (const ni of cluster.snapshot.nodes) {
    out[ni.name] = pre?.status?.code === 'Skip' ? 'skip' : InterPodAffinity.filter(pod, ni, state);
  }
  return out;
}

const fail = (code: 'Unschedulable' | 'UnschedulableAndUnresolvable', reason: string): Status => ({ code, reasons: [reason] });

describe('InterPodAffinity filter (filtering_test.go TestRequiredAffinitySingleNode)', () => {
  const existing = makePod('existing', { nodeName: 'node1', labels: { service: 'securityscan' } });

  it('is skipped for a pod without terms when no existing pod has anti-affinity', () => {
    expect(filterAll(makePod('p'), clusterOf([node1]))).toEqual({ node1: 'skip' });
  });
  it('satisfies PodAffinity with In matching the existing pod', () => {
    const pod = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan', 'value2'], 'region')) });
    expect(filterAll(pod, clusterOf([node1], [existing]))).toEqual({ node1: SUCCESS });
  });
  it('satisfies PodAffinity with NotIn not matching the existing pod', () => {
    const pod = makePod('p', { affinity: podAffinity(term('service', 'NotIn', ['securityscan3', 'value3'], 'region')) });
    expect(filterAll(pod, clusterOf([node1], [existing]))).toEqual({ node1: SUCCESS });
  });
  it('does not satisfy PodAffinity in another namespace', () => {
    const pod = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan', 'value2'], 'region', { namespaces: ['DiffNameSpace'] })) });
    expect(filterAll(pod, clusterOf([node1], [existing]))).toEqual({ node1: fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY) });
  });
  it('does not satisfy PodAffinity whose selector does not match the existing pod', () => {
    const pod = makePod('p', { affinity: podAffinity(term('service', 'In', ['antivirusscan', 'value2'], 'region')) });
    expect(filterAll(pod, clusterOf([node1], [existing]))).toEqual({ node1: fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY) });
  });
  it('satisfies PodAffinity but not its own PodAntiAffinity', () => {
    const pod = makePod('p', {
      affinity: {
        ...podAffinity(term('service', 'In', ['securityscan', 'value2'], 'region')),
        ...podAntiAffinity(term('service', 'In', ['securityscan'], 'zone')),
      },
    });
    expect(filterAll(pod, clusterOf([node1], [existing]))).toEqual({ node1: fail('Unschedulable', ERR_REASON_ANTI_AFFINITY) });
  });
  it("does not satisfy an existing pod's anti-affinity (symmetry)", () => {
    const guard = makePod('guard', { nodeName: 'node1', labels: { service: 'securityscan' }, affinity: podAntiAffinity(term('security', 'In', ['S1'], 'zone')) });
    const pod = makePod('p', { labels: { security: 'S1' } });
    expect(filterAll(pod, clusterOf([node1], [guard]))).toEqual({ node1: fail('Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY) });
    // the same pod on a node in another zone is fine
    const node2 = makeNode('node2', { labels: { region: 'r1', zone: 'z12', hostname: 'h2' } });
    expect(filterAll(pod, clusterOf([node1, node2], [guard]))['node2']).toEqual(SUCCESS);
  });
  it('lets the first pod of a group with affinity to itself schedule anywhere with the topology label', () => {
    const pod = makePod('p', { labels: { foo: 'bar' }, affinity: podAffinity(term('foo', 'In', ['bar'], 'zone')) });
    const noZone = makeNode('nozone', { labels: { region: 'r1' } });
    expect(filterAll(pod, clusterOf([node1, noZone]))).toEqual({
      node1: SUCCESS,
      // every topology label must exist on the node
      nozone: fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY),
    });
  });
  it('blocks the first pod when it does not match its own affinity terms', () => {
    const pod = makePod('p', { labels: { foo: 'baz' }, affinity: podAffinity(term('foo', 'In', ['bar'], 'zone')) });
    expect(filterAll(pod, clusterOf([node1]))).toEqual({ node1: fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY) });
  });
  it('requires all affinity terms to be matched by the same pod', () => {
    const a = makePod('a', { nodeName: 'node1', labels: { service: 'securityscan' } });
    const b = makePod('b', { nodeName: 'node1', labels: { tier: 'db' } });
    const pod = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan'], 'zone'), term('tier', 'In', ['db'], 'zone')) });
    expect(filterAll(pod, clusterOf([node1], [a, b]))).toEqual({ node1: fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY) });
    const both = makePod('both', { nodeName: 'node1', labels: { service: 'securityscan', tier: 'db' } });
    expect(filterAll(pod, clusterOf([node1], [both]))).toEqual({ node1: SUCCESS });
  });
});

describe('InterPodAffinity filter: topology domains across nodes (TestRequiredAffinityMultipleNodes)', () => {
  const nodes = [
    makeNode('nodeA', { labels: { region: 'r1', zone: 'z1', hostname: 'nodeA' } }),
    makeNode('nodeB', { labels: { region: 'r1', zone: 'z2', hostname: 'nodeB' } }),
    makeNode('nodeC', { labels: { region: 'r2', zone: 'z3', hostname: 'nodeC' } }),
  ];
  it('places an affine pod in the region of the matching pod', () => {
    const existing = makePod('e', { nodeName: 'nodeA', labels: { foo: 'bar' } });
    const pod = makePod('p', { affinity: podAffinity(term('foo', 'In', ['bar'], 'region')) });
    const res = filterAll(pod, clusterOf(nodes, [existing]));
    expect(res['nodeA']).toEqual(SUCCESS);
    expect(res['nodeB']).toEqual(SUCCESS);
    expect(res['nodeC']).toEqual(fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY));
  });
  it('keeps an anti-affine pod out of the matching pod\'s zone only', () => {
    const existing = makePod('e', { nodeName: 'nodeA', labels: { foo: 'bar' } });
    const pod = makePod('p', { affinity: podAntiAffinity(term('foo', 'In', ['bar'], 'zone')) });
    const res = filterAll(pod, clusterOf(nodes, [existing]));
    expect(res).toEqual({ nodeA: fail('Unschedulable', ERR_REASON_ANTI_AFFINITY), nodeB: SUCCESS, nodeC: SUCCESS });
  });
  it('ignores a topology key the node does not have for anti-affinity', () => {
    const existing = makePod('e', { nodeName: 'nodeA', labels: { foo: 'bar' } });
    const pod = makePod('p', { affinity: podAntiAffinity(term('foo', 'In', ['bar'], 'rack')) });
    expect(filterAll(pod, clusterOf(nodes, [existing]))).toEqual({ nodeA: SUCCESS, nodeB: SUCCESS, nodeC: SUCCESS });
  });
});

describe('InterPodAffinity: namespaces and namespaceSelector', () => {
  const namespaces = [makeNamespace('default'), makeNamespace('subteam', { team: 'team1' }), makeNamespace('other', { team: 'team2' })];
  const existing = makePod('e', { nodeName: 'node1', namespace: 'subteam', labels: { service: 'securityscan' } });
  it('affinity with a namespaceSelector selecting the existing pod\'s namespace', () => {
    const pod = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan'], 'region', { namespaceSelector: { matchLabels: { team: 'team1' } } })) });
    expect(filterAll(pod, clusterOf([node1], [existing], { namespaces }))).toEqual({ node1: SUCCESS });
  });
  it('affinity with a namespaceSelector selecting another namespace', () => {
    const pod = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan'], 'region', { namespaceSelector: { matchLabels: { team: 'team2' } } })) });
    expect(filterAll(pod, clusterOf([node1], [existing], { namespaces }))).toEqual({ node1: fail('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY) });
  });
  it('anti-affinity with an empty namespaceSelector selects every namespace', () => {
    const pod = makePod('p', { affinity: podAntiAffinity(term('service', 'In', ['securityscan'], 'region', { namespaceSelector: {} })) });
    expect(filterAll(pod, clusterOf([node1], [existing], { namespaces }))).toEqual({ node1: fail('Unschedulable', ERR_REASON_ANTI_AFFINITY) });
  });
  it('anti-affinity without namespaces selects only the pod\'s own namespace', () => {
    const pod = makePod('p', { affinity: podAntiAffinity(term('service', 'In', ['securityscan'], 'region')) });
    expect(filterAll(pod, clusterOf([node1], [existing], { namespaces }))).toEqual({ node1: SUCCESS });
  });
  it("an existing pod's anti-affinity namespaceSelector is matched against the incoming pod's namespace labels", () => {
    const guard = makePod('g', { nodeName: 'node1', affinity: podAntiAffinity(term('app', 'In', ['x'], 'zone', { namespaceSelector: { matchLabels: { team: 'team1' } } })) });
    const inSubteam = makePod('p', { namespace: 'subteam', labels: { app: 'x' } });
    const inOther = makePod('q', { namespace: 'other', labels: { app: 'x' } });
    expect(filterAll(inSubteam, clusterOf([node1], [guard], { namespaces }))).toEqual({ node1: fail('Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY) });
    expect(filterAll(inOther, clusterOf([node1], [guard], { namespaces }))).toEqual({ node1: 'skip' });
  });
});

describe('InterPodAffinity pre-filter extensions (preemption dry run)', () => {
  it('removing the matching pod from a clone lifts the anti-affinity rejection, leaving the original state alone', () => {
    const victim = makePod('v', { nodeName: 'node1', labels: { foo: 'bar' } });
    const pod = makePod('p', { affinity: podAntiAffinity(term('foo', 'In', ['bar'], 'hostname')) });
    const cluster = clusterOf([node1], [victim]);
    const state = cluster.state(pod);
    InterPodAffinity.preFilter!(pod, state);
    const ni = cluster.snapshot.nodes[0]!;
    expect(InterPodAffinity.filter(pod, ni, state).code).toBe('Unschedulable');
    const copy = cloneCycleState(state);
    InterPodAffinity.removePod!(copy, pod, victim, ni);
    expect(InterPodAffinity.filter(pod, ni, copy)).toBe(SUCCESS);
    expect(InterPodAffinity.filter(pod, ni, state).code).toBe('Unschedulable');
  });
});

/** Runs PreScore, Score and NormalizeScore over every node; undefined when PreScore skips. */
function scoreAll(pod: Pod, cluster: ReturnType<typeof clusterOf>, plugin = InterPodAffinity): Record<string, number> | undefined {
  const state = cluster.state(pod);
  const nodes = cluster.snapshot.nodes;
  if (plugin.preScore!(pod, state, nodes) === 'skip') return undefined;
  const scores = nodes.map((ni) => plugin.score(pod, ni, state));
  plugin.normalize!(scores, state);
  return Object.fromEntries(nodes.map((ni, i) => [ni.name, scores[i]!]));
}

describe('InterPodAffinity score (scoring_test.go TestPreferredAffinity)', () => {
  const nodes = [
    makeNode('node1', { labels: { region: 'China' } }),
    makeNode('node2', { labels: { region: 'India' } }),
    makeNode('node3', { labels: { az: 'az1' } }),
  ];
  const s1 = { security: 'S1' };
  const s2 = { security: 'S2' };
  const preferred = (kind: 'podAffinity' | 'podAntiAffinity', weight: number, values: string[], topologyKey: string): Affinity =>
    ({ [kind]: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: term('security', 'In', values, topologyKey) }] } });

  it('is skipped when neither the pod nor any existing pod has affinity', () => {
    expect(scoreAll(makePod('p'), clusterOf(nodes, [makePod('e', { nodeName: 'node1', labels: s1 })]))).toBeUndefined();
  });
  it('affinity: the node whose topology domain holds a matching pod scores 100', () => {
    const pods = [makePod('a', { nodeName: 'node1', labels: s1 }), makePod('b', { nodeName: 'node2', labels: s2 }), makePod('c', { nodeName: 'node3', labels: s1 })];
    const pod = makePod('p', { labels: s1, affinity: preferred('podAffinity', 5, ['S1'], 'region') });
    expect(scoreAll(pod, clusterOf(nodes, pods))).toEqual({ node1: 100, node2: 0, node3: 0 });
  });
  it('anti-affinity: nodes without matching pods in their domain score 100', () => {
    const pods = [makePod('a', { nodeName: 'node1', labels: s1 }), makePod('b', { nodeName: 'node2', labels: s2 })];
    const pod = makePod('p', { affinity: preferred('podAntiAffinity', 5, ['S1'], 'region') });
    expect(scoreAll(pod, clusterOf(nodes, pods))).toEqual({ node1: 0, node2: 100, node3: 100 });
  });
  it("symmetry: an existing pod's required affinity term matching the incoming pod counts hardPodAffinityWeight", () => {
    const e = makePod('e', { nodeName: 'node1', labels: s2, affinity: podAffinity(term('security', 'In', ['S1'], 'region')) });
    const pod = makePod('p', { labels: s1 });
    expect(scoreAll(pod, clusterOf(nodes, [e]))).toEqual({ node1: 100, node2: 0, node3: 0 });
    // hardPodAffinityWeight 0 leaves it out: nothing to score
    expect(scoreAll(pod, clusterOf(nodes, [e]), createInterPodAffinity({ hardPodAffinityWeight: 0 }))).toBeUndefined();
  });
  it("symmetry: an existing pod's preferred anti-affinity term matching the incoming pod lowers its domain", () => {
    const e = makePod('e', { nodeName: 'node2', affinity: preferred('podAntiAffinity', 10, ['S1'], 'region') });
    expect(scoreAll(makePod('p', { labels: s1 }), clusterOf(nodes, [e]))).toEqual({ node1: 100, node2: 0, node3: 100 });
  });
  it('ignorePreferredTermsOfExistingPods skips pods without preferred terms', () => {
    const e = makePod('e', { nodeName: 'node2', affinity: preferred('podAntiAffinity', 10, ['S1'], 'region') });
    expect(scoreAll(makePod('p', { labels: s1 }), clusterOf(nodes, [e]), createInterPodAffinity({ ignorePreferredTermsOfExistingPods: true }))).toBeUndefined();
  });
  it('refuses a hardPodAffinityWeight out of range', () => {
    expect(() => createInterPodAffinity({ hardPodAffinityWeight: 101 })).toThrow(/not in valid range \[0, 100\]/);
  });
});

describe('InterPodAffinity in the default profile', () => {
  it('spreads three replicas with required hostname anti-affinity over three nodes and leaves the fourth Pending', () => {
    const nodes = ['a', 'b', 'c'].map((n) => makeNode(n));
    const anti = podAntiAffinity(term('app', 'In', ['web'], 'kubernetes.io/hostname'));
    const placed: Pod[] = [];
    for (let i = 0; i < 4; i++) {
      const cluster = clusterOf(nodes, placed);
      const pod = makePod(`web-${i}`, { labels: { app: 'web' }, affinity: anti });
      const res = schedulePod(pod, cluster.cache, createProfile(), { rng: scriptedRng([0]), startIndex: 0, listers: cluster.listers });
      if (i < 3) {
        expect(res.ok).toBe(true);
        if (res.ok) placed.push({ ...pod, spec: { ...pod.spec, nodeName: res.node } } as Pod);
      } else {
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(res.message).toBe(
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
          );
        }
      }
    }
    expect(new Set(placed.map((p) => p.spec!.nodeName)).size).toBe(3);
  });
});

describe('InterPodAffinity events and queueing hints (after Test_isSchedulableAfterPodChange / Test_isSchedulableAfterNodeChange)', () => {
  it('registers Pod Add | UpdatePodLabel | Delete and Node Add | UpdateNodeLabel', () => {
    expect(InterPodAffinity.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([
      ['Pod', ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete],
      ['Node', ActionType.Add | ActionType.UpdateNodeLabel],
    ]);
  });
  const podHint = registration(InterPodAffinity, 'Pod').hint;
  const nodeHint = registration(InterPodAffinity, 'Node').hint;
  const affinityPod = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan', 'value2'], 'region')) });
  const antiPod = makePod('p', { affinity: podAntiAffinity(term('service', 'In', ['securityscan', 'value2'], 'region')) });
  const bound = (labels: Record<string, string>) => makePod('q', { nodeName: 'fake-node', labels });
  const pending = (labels: Record<string, string>) => makePod('q', { labels });
  it.each<[string, Pod, Pod | undefined, Pod | undefined, QueueingHint]>([
    ['add a pod which matches the pod affinity', affinityPod, undefined, bound({ service: 'securityscan' }), 'Queue'],
    ['add an un-scheduled pod', affinityPod, undefined, pending({ service: 'securityscan' }), 'QueueSkip'],
    ["add a pod which doesn't match any pod affinity", affinityPod, undefined, bound({ aaa: 'a' }), 'QueueSkip'],
    ['update a pod from non-match to match pod affinity', affinityPod, bound({ aaa: 'a' }), bound({ service: 'securityscan' }), 'Queue'],
    ["the updating pod matches target pod's affinity both before and after label changes", affinityPod, bound({ service: 'securityscan' }), bound({ service: 'value2' }), 'QueueSkip'],
    ['update an un-scheduled pod', affinityPod, pending({ aaa: 'a' }), pending({ service: 'securityscan' }), 'QueueSkip'],
    ['update a pod from match to non-match the pod anti-affinity', antiPod, bound({ service: 'securityscan' }), bound({ aaa: 'a' }), 'Queue'],
    ["the updating pod matches target pod's anti-affinity both before and after label changes", antiPod, bound({ service: 'securityscan' }), bound({ service: 'value2' }), 'QueueSkip'],
    ["delete a pod which doesn't match pod's anti-affinity", antiPod, bound({ aaa: 'a' }), undefined, 'QueueSkip'],
    ["delete a pod which matches pod's anti-affinity", antiPod, bound({ service: 'securityscan' }), undefined, 'Queue'],
  ])('%s', (_name, pod, before, after, want) => {
    expect(podHint(pod, before, after)).toBe(want);
  });
  const zoneAffinity = makePod('p', { affinity: podAffinity(term('service', 'In', ['securityscan'], 'zone')) });
  const zoneAnti = makePod('p', { affinity: podAntiAffinity(term('service', 'In', ['securityscan'], 'zone')) });
  it.each<[string, Pod, Record<string, string> | undefined, Record<string, string>, QueueingHint]>([
    ['add a new node with matched pod affinity topologyKey', zoneAffinity, undefined, { zone: 'zone1' }, 'Queue'],
    ['add a new node with matched pod anti-affinity topologyKey', zoneAnti, undefined, { zone: 'zone1' }, 'Queue'],
    ['add a new node without matched topologyKey', zoneAffinity, undefined, { region: 'region1' }, 'QueueSkip'],
    ['update node topologyKey', zoneAffinity, { zone: 'zone1' }, { zone: 'zone2' }, 'Queue'],
    ['update node label but not topologyKey', zoneAffinity, { aaa: 'a' }, { aaa: 'b' }, 'QueueSkip'],
  ])('%s', (_name, pod, before, after, want) => {
    // makeNode adds kubernetes.io/hostname; none of these terms use it
    expect(nodeHint(pod, before ? makeNode('n', { labels: before }) : undefined, makeNode('n', { labels: after }))).toBe(want);
  });
});
