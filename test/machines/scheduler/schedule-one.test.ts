import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { SchedulerCache } from '../../../machines/scheduler/cache.js';
import { createCycleState, runFilters, type ScorePlugin } from '../../../machines/scheduler/framework.js';
import { createProfile, defaultProfile, type SchedulerProfile } from '../../../machines/scheduler/registry.js';
import { numFeasibleNodesToFind, schedulePod, selectHost, type ScheduleResult } from '../../../machines/scheduler/schedule-one.js';
import { Rng } from '../../../src/kernel/rng.js';
import type { Node, Pod, Taint } from '../../../src/api/types.js';
import { makeNode, makePod, scriptedRng, type NodeSpec } from './helpers.js';

const CONTROL_PLANE: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

function cluster(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}

function equalNodes(count: number, spec: NodeSpec = {}): Node[] {
  return Array.from({ length: count }, (_, i) => makeNode(`node-${i}`, spec));
}

/** Schedules pods one after another as the scheduler does: bind = assume, carry the start index. */
function scheduleAll(cache: SchedulerCache, pods: Pod[], rng: { int(n: number): number }, profile: SchedulerProfile = defaultProfile): ScheduleResult[] {
  let startIndex = 0;
  return pods.map((pod) => {
    const r = schedulePod(pod, cache, profile, { rng, startIndex });
    startIndex = r.nextStartIndex;
    if (r.ok) cache.assume(pod, r.node);
    return r;
  });
}

describe('numFeasibleNodesToFind', () => {
  const table: [number, number | undefined, number][] = [
    [0, undefined, 0],
    [50, undefined, 50],
    [99, undefined, 99],
    [100, undefined, 100],
    [150, undefined, 100], // 49% of 150 = 73 → at least 100
    [1000, undefined, 420], // 50 - 8 = 42%
    [5000, undefined, 500], // 50 - 40 = 10%
    [6000, undefined, 300], // 50 - 48 = 2% → floor 5%
    [20000, undefined, 1000],
    [1000, 30, 300],
    [1000, 5, 100],
    [1000, 100, 1000],
    [99, 10, 99],
  ];
  for (const [n, pct, expected] of table) {
    it(`${n} nodes, percentage ${pct ?? 'adaptive'} → ${expected}`, () => expect(numFeasibleNodesToFind(n, pct)).toBe(expected));
  }
});

describe('selectHost', () => {
  it('keeps the k-th tie with probability 1/k (reservoir sampling)', () => {
    const rng = scriptedRng([0]);
    expect(selectHost([5, 7, 7, 3, 7], rng)).toBe(4);
    expect(rng.draws).toEqual([2, 3]);
    expect(selectHost([5, 7, 7, 3, 7], scriptedRng([1]))).toBe(1);
    expect(selectHost([9, 1, 2], scriptedRng([0]))).toBe(0);
  });
  it('chooses uniformly among ties with a seeded generator', () => {
    const rng = new Rng(7);
    const hits = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const k = selectHost([1, 3, 3, 3, 2, 3], rng);
      hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    expect([...hits.keys()].sort()).toEqual([1, 2, 3, 5]);
    for (const v of hits.values()) expect(Math.abs(v - 1000)).toBeLessThan(150);
  });
});

describe('schedulePod', () => {
  it('evaluates the number of nodes kube-scheduler would, round-robin from the start index', () => {
    const cache = cluster(equalNodes(1000));
    const rng = new Rng(1);
    const r = schedulePod(makePod('p', { cpu: '100m' }), cache, defaultProfile, { rng, startIndex: 900 });
    expect(r).toMatchObject({ ok: true, evaluatedNodes: 420, feasibleNodes: 420, nextStartIndex: 320 });
    const r30 = schedulePod(makePod('p', { cpu: '100m' }), cache, createProfile({ percentageOfNodesToScore: 30 }), { rng, startIndex: 0 });
    expect(r30).toMatchObject({ ok: true, evaluatedNodes: 300, feasibleNodes: 300, nextStartIndex: 300 });
    const all = schedulePod(makePod('p', { cpu: '100m' }), cache, createProfile({ percentageOfNodesToScore: 100 }), { rng, startIndex: 5 });
    expect(all).toMatchObject({ ok: true, evaluatedNodes: 1000, feasibleNodes: 1000, nextStartIndex: 5 });
  });

  it('counts rejected nodes as evaluated until enough feasible ones are found', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`node-${i}`, i % 2 === 0 ? { taints: [CONTROL_PLANE] } : {}));
    const r = schedulePod(makePod('p'), cluster(nodes), defaultProfile, { rng: new Rng(1), startIndex: 0 });
    // 420 feasible odd nodes: the last one is node-839, so 840 nodes were looked at.
    expect(r).toMatchObject({ ok: true, evaluatedNodes: 840, feasibleNodes: 420, nextStartIndex: 840 });
    expect(Number((r as { node: string }).node.slice(5)) % 2).toBe(1);
  });

  it('takes the only feasible node without scoring or drawing', () => {
    const rng = scriptedRng([0]);
    const cache = cluster([makeNode('a', { cpu: '1' }), makeNode('b', { cpu: '8' }), makeNode('c', { cpu: '1' })]);
    const r = schedulePod(makePod('p', { cpu: '4' }), cache, defaultProfile, { rng, startIndex: 1 });
    expect(r).toEqual({ ok: true, node: 'b', evaluatedNodes: 3, feasibleNodes: 1, nextStartIndex: 1 });
    expect(rng.draws).toEqual([]);
  });

  it('spreads equal pods across equal nodes', () => {
    const cache = cluster(equalNodes(10));
    const pods = Array.from({ length: 30 }, (_, i) => makePod(`p${i}`, { cpu: '250m', memory: '256Mi' }));
    const results = scheduleAll(cache, pods, new Rng(3));
    expect(results.every((r) => r.ok)).toBe(true);
    for (const ni of cache.nodeList()) expect(ni.podCount).toBe(3);
  });

  it('spreads best-effort pods too (LeastAllocated counts the 100m / 200Mi defaults)', () => {
    const cache = cluster(equalNodes(5));
    scheduleAll(cache, Array.from({ length: 10 }, (_, i) => makePod(`p${i}`)), new Rng(4));
    for (const ni of cache.nodeList()) expect(ni.podCount).toBe(2);
  });

  it('makes the same choices with the same seed, and different ones with other seeds', () => {
    const run = (seed: number) => {
      const cache = cluster(equalNodes(200));
      return scheduleAll(cache, Array.from({ length: 40 }, (_, i) => makePod(`p${i}`, { cpu: '100m' })), new Rng(seed)).map((r) =>
        r.ok ? r.node : r.message,
      );
    };
    expect(run(42)).toEqual(run(42));
    const others = [1, 2, 3, 4].map((s) => run(s).join());
    expect(new Set([run(42).join(), ...others]).size).toBeGreaterThan(1);
  });

  it('prefers nodes by preferred affinity and away from PreferNoSchedule taints', () => {
    const cache = cluster([
      makeNode('plain'),
      makeNode('ssd', { labels: { disk: 'ssd' } }),
      makeNode('ssd-soft-tainted', { labels: { disk: 'ssd' }, taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }] }),
    ]);
    const pod = makePod('p', {
      cpu: '100m',
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } },
    });
    const r = schedulePod(pod, cache, defaultProfile, { rng: new Rng(1), startIndex: 0, includeScores: true });
    expect(r.ok && r.node).toBe('ssd');
    const byNode = Object.fromEntries((r as Extract<ScheduleResult, { ok: true }>).scores!.map((s) => [s.node, s.byPlugin]));
    expect(byNode['ssd']).toMatchObject({ TaintToleration: 300, NodeAffinity: 200 });
    expect(byNode['ssd-soft-tainted']).toMatchObject({ TaintToleration: 0, NodeAffinity: 200 });
    expect(byNode['plain']).toMatchObject({ TaintToleration: 300, NodeAffinity: 0 });
  });

  test.prop(
    [
      fc.array(
        fc.record({
          cpu: fc.integer({ min: 0, max: 4000 }),
          pods: fc.integer({ min: 0, max: 3 }),
          zone: fc.constantFrom('a', 'b', 'c'),
          taint: fc.constantFrom(undefined, 'NoSchedule', 'NoExecute', 'PreferNoSchedule'),
          cordoned: fc.boolean(),
          used: fc.integer({ min: 0, max: 3000 }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      fc.record({
        cpu: fc.integer({ min: 0, max: 3000 }),
        tolerate: fc.boolean(),
        zone: fc.constantFrom(undefined, 'a', 'b'),
        seed: fc.integer(),
        startIndex: fc.nat(20),
      }),
    ],
    { numRuns: 300 },
  )('never picks an infeasible node, and fails only when no node is feasible', (nodeSpecs, podSpec) => {
    const nodes = nodeSpecs.map((s, i) =>
      makeNode(`n${i}`, {
        cpu: `${s.cpu}m`,
        pods: s.pods,
        labels: { zone: s.zone },
        taints: s.taint ? [{ key: 'dedicated', value: 'x', effect: s.taint }] : undefined,
        unschedulable: s.cordoned,
      }),
    );
    const running = nodeSpecs.flatMap((s, i) => (s.used > 0 && s.pods > 0 ? [makePod(`r${i}`, { cpu: `${s.used}m`, nodeName: `n${i}` })] : []));
    const cache = cluster(nodes, running);
    const pod = makePod('p', {
      cpu: podSpec.cpu > 0 ? `${podSpec.cpu}m` : undefined,
      tolerations: podSpec.tolerate ? [{ key: 'dedicated', operator: 'Exists' }] : undefined,
      nodeSelector: podSpec.zone ? { zone: podSpec.zone } : undefined,
    });
    const state = createCycleState(pod);
    const feasible = cache.nodeList().filter((ni) => !runFilters(defaultProfile.filters, pod, ni, state)).map((ni) => ni.name);
    const r = schedulePod(pod, cache, defaultProfile, { rng: new Rng(podSpec.seed), startIndex: podSpec.startIndex, includeScores: true });
    if (r.ok) {
      expect(feasible).toContain(r.node);
      expect(r.feasibleNodes).toBe(feasible.length);
      if (r.scores) {
        const best = Math.max(...r.scores.map((s) => s.total));
        expect(r.scores.find((s) => s.node === r.node)!.total).toBe(best);
      }
    } else {
      expect(feasible).toEqual([]);
      expect(r.message.startsWith(`0/${nodes.length} nodes are available: `)).toBe(true);
      expect(r.reasons.reduce((a, x) => a + x.count, 0)).toBeGreaterThanOrEqual(nodes.length);
    }
  });
});

describe('FailedScheduling message', () => {
  const threeNodes = () => [
    makeNode('cp-1', { taints: [CONTROL_PLANE] }),
    makeNode('cp-2', { taints: [CONTROL_PLANE] }),
    makeNode('worker', { cpu: '2' }),
  ];

  it('words filter and preemption failures exactly as kube-scheduler', () => {
    const cache = cluster(threeNodes(), [makePod('big', { cpu: '1500m', nodeName: 'worker' })]);
    const r = schedulePod(makePod('p', { cpu: '1' }), cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
    expect(r.reasons).toEqual([
      { plugin: 'NodeResourcesFit', reason: 'Insufficient cpu', count: 1 },
      { plugin: 'TaintToleration', reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }', count: 2 },
    ]);
    expect(r.unschedulablePlugins).toEqual(['NodeResourcesFit', 'TaintToleration']);
    expect(r.evaluatedNodes).toBe(3);
  });

  it('drops the preemption part without a post-filter', () => {
    const cache = cluster(threeNodes(), [makePod('big', { cpu: '1500m', nodeName: 'worker' })]);
    const r = schedulePod(makePod('p', { cpu: '1' }), cache, createProfile({ postFilter: null }), { rng: new Rng(1), startIndex: 0 });
    expect(!r.ok && r.message).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
    );
  });

  it('reports the filter reasons of the dry run when evicting lower-priority pods is not enough', () => {
    const cache = cluster(threeNodes(), [makePod('low', { cpu: '500m', nodeName: 'worker', priority: 0 }), makePod('high', { cpu: '1400m', nodeName: 'worker', priority: 1000 })]);
    const r = schedulePod(makePod('p', { cpu: '1', priority: 100 }), cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(!r.ok && r.message).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
        'preemption: 0/3 nodes are available: 1 Insufficient cpu, 2 Preemption is not helpful for scheduling.',
    );
  });

  it('returns preemption candidates, without a preemption message, when evicting would make room', () => {
    const cache = cluster(threeNodes(), [makePod('low', { cpu: '1500m', nodeName: 'worker', priority: 0 })]);
    const r = schedulePod(makePod('p', { cpu: '1', priority: 100 }), cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.preemptionCandidates).toEqual(['worker']);
    expect(r.message).toBe('0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.');
  });

  it('says a preemptionPolicy=Never pod is not eligible', () => {
    const cache = cluster([makeNode('w', { cpu: '1' })]);
    const r = schedulePod(makePod('p', { cpu: '2', preemptionPolicy: 'Never' }), cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(!r.ok && r.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('says a pod is not eligible while a victim it preempted is still terminating on its nominated node', () => {
    const base = makePod('victim', { cpu: '900m', nodeName: 'w', priority: 0, phase: 'Running' });
    const victim: Pod = {
      ...base,
      metadata: { ...base.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' },
      status: { ...base.status, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] },
    };
    const cache = cluster([makeNode('w', { cpu: '1' })], [victim]);
    const r = schedulePod(makePod('p', { cpu: '500m', priority: 100, nominatedNodeName: 'w' }), cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(!r.ok && r.message).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.',
    );
  });

  it('pins a DaemonSet-style pod with matchFields and reports the other nodes as not satisfying NodeAffinity', () => {
    const cache = cluster(equalNodes(4, { cpu: '1' }), [makePod('hog', { cpu: '900m', nodeName: 'node-2' })]);
    const pod = makePod('ds', {
      cpu: '200m',
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] } } },
    });
    const r = schedulePod(pod, cache, defaultProfile, { rng: new Rng(1), startIndex: 3 });
    expect(!r.ok && r.message).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. " +
        'preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.',
    );
    expect(!r.ok && r.evaluatedNodes).toBe(1);
    const fits = schedulePod({ ...pod, metadata: { name: 'ds2', namespace: 'default' }, spec: { ...pod.spec!, containers: [{ name: 'c', image: 'i' }] } }, cache, defaultProfile, {
      rng: new Rng(1),
      startIndex: 3,
    });
    expect(fits).toMatchObject({ ok: true, node: 'node-2', evaluatedNodes: 1, nextStartIndex: 0 });
  });

  it('words a pre-filter rejection', () => {
    const cache = cluster(equalNodes(3));
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-0'] }, { key: 'metadata.name', operator: 'In', values: ['node-1'] }] }],
          },
        },
      },
    });
    const r = schedulePod(pod, cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(!r.ok && r.message).toBe(
      '0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('says so when there are no nodes', () => {
    const r = schedulePod(makePod('p'), new SchedulerCache(), defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(r).toMatchObject({ ok: false, message: 'no nodes available to schedule pods' });
  });

  it('words a node selector mismatch and a cordon', () => {
    const cache = cluster([makeNode('a', { labels: { zone: 'x' } }), makeNode('b', { unschedulable: true }), makeNode('c', { labels: { zone: 'x' } })]);
    const r = schedulePod(makePod('p', { nodeSelector: { zone: 'y' } }), cache, defaultProfile, { rng: new Rng(1), startIndex: 0 });
    expect(!r.ok && r.message).toBe(
      "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });
});

describe('nominated node and custom plugins', () => {
  it('tries the nominated node first and takes it when it fits', () => {
    const cache = cluster(equalNodes(300));
    const rng = scriptedRng([0]);
    const r = schedulePod(makePod('p', { nominatedNodeName: 'node-123' }), cache, defaultProfile, { rng, startIndex: 7 });
    expect(r).toEqual({ ok: true, node: 'node-123', evaluatedNodes: 1, feasibleNodes: 1, nextStartIndex: 7 });
  });

  it('runs user plugins from a profile', () => {
    const cache = cluster([makeNode('gpu-1'), makeNode('cpu-1'), makeNode('gpu-2')]);
    const gpuOnly = { name: 'GpuOnly', filter: (_p: Pod, ni: { name: string }) => (ni.name.startsWith('gpu') ? { code: 'Success' as const, reasons: [] } : { code: 'UnschedulableAndUnresolvable' as const, reasons: ['no gpu'] }) };
    const lastName: ScorePlugin = { name: 'LastName', score: (_p, ni) => Number(ni.name.slice(-1)) * 10 };
    const profile = createProfile({ addFilters: [gpuOnly], addScores: [{ plugin: lastName, weight: 10 }] });
    const r = schedulePod(makePod('p'), cache, profile, { rng: new Rng(1), startIndex: 0 });
    expect(r).toMatchObject({ ok: true, node: 'gpu-2', feasibleNodes: 2 });
    const none = schedulePod(makePod('p', { nodeSelector: { x: 'y' } }), cluster([makeNode('cpu-1')]), profile, { rng: new Rng(1), startIndex: 0 });
    expect(!none.ok && none.reasons.map((x) => x.plugin)).toEqual(['NodeAffinity']);
  });

  it('fails the cycle with an error when a score plugin leaves the 0..100 range', () => {
    const cache = cluster(equalNodes(3));
    const wild: ScorePlugin = { name: 'Wild', score: () => 150 };
    const r = schedulePod(makePod('p'), cache, createProfile({ addScores: [wild] }), { rng: new Rng(1), startIndex: 0 });
    expect(r).toMatchObject({ ok: false, error: true, message: 'plugin "Wild" returns an invalid score 150, it should in the range of [0, 100] after normalizing' });
  });

  it('looks at a single node when there is nothing to score', () => {
    const cache = cluster(equalNodes(500));
    const r = schedulePod(makePod('p'), cache, createProfile({ scores: [] }), { rng: new Rng(1), startIndex: 10 });
    expect(r).toMatchObject({ ok: true, node: 'node-10', evaluatedNodes: 1, feasibleNodes: 1, nextStartIndex: 11 });
  });
});

describe('cost', () => {
  it('measures one schedulePod over 5,000 nodes with 30 pods each', () => {
    const nodes = Array.from({ length: 5000 }, (_, i) =>
      makeNode(`node-${i}`, { cpu: '64', memory: '256Gi', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` }, taints: i < 3 ? [CONTROL_PLANE] : undefined }),
    );
    const cache = cluster(nodes);
    for (let i = 0; i < 150_000; i++) cache.addPod(makePod(`run-${i}`, { cpu: `${100 + (i % 7) * 50}m`, memory: `${128 + (i % 5) * 64}Mi`, nodeName: `node-${i % 5000}` }));
    const rng = new Rng(99);
    const warm = 1000;
    const batches = 10;
    const batch = 200;
    const pods = Array.from({ length: warm + batches * batch }, (_, i) =>
      makePod(`new-${i}`, { cpu: '200m', memory: '256Mi', tolerations: [{ key: 'example.com/x', operator: 'Exists' }] }),
    );
    let startIndex = 0;
    let evaluated = 0;
    const perBatch: number[] = [];
    let t0 = 0;
    for (let i = 0; i < pods.length; i++) {
      if (i >= warm && (i - warm) % batch === 0) t0 = performance.now();
      const r = schedulePod(pods[i]!, cache, defaultProfile, { rng, startIndex });
      if (!r.ok) throw new Error(r.message);
      startIndex = r.nextStartIndex;
      if (i >= warm) {
        evaluated += r.evaluatedNodes;
        if ((i - warm) % batch === batch - 1) perBatch.push(((performance.now() - t0) / batch) * 1000);
      }
      cache.assume(pods[i]!, r.node); // as the scheduler does after choosing (outside the timed call, but inside the batch)
    }
    perBatch.sort((a, b) => a - b);
    const median = perBatch[Math.floor(perBatch.length / 2)]!;
    console.log(
      `[schedulePod] 5000 nodes × 30 pods, adaptive percentage: median ${median.toFixed(1)} µs per pod, best batch ${perBatch[0]!.toFixed(1)} µs ` +
        `(incl. cache.assume; ${(evaluated / (batches * batch)).toFixed(0)} nodes evaluated per pod)`,
    );
    expect(evaluated / (batches * batch)).toBeCloseTo(500, -1);
  });
});
