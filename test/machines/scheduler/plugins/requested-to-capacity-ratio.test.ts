import { describe, expect, it } from 'vitest';
import { brokenLinearFunction, createRequestedToCapacityRatio } from '../../../../machines/scheduler/plugins/requested-to-capacity-ratio.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

describe('RequestedToCapacityRatio (NodeResourcesFit score)', () => {
  // TestBrokenLinearFunction in kube-scheduler's noderesources/requested_to_capacity_ratio_test.go
  it.each([
    { shape: [{ utilization: 10, score: 1 }, { utilization: 90, score: 9 }], examples: [[-10, 1], [0, 1], [9, 1], [10, 1], [15, 1], [19, 1], [20, 2], [89, 8], [90, 9], [99, 9], [100, 9]] },
    { shape: [{ utilization: 0, score: 2 }, { utilization: 40, score: 10 }, { utilization: 100, score: 0 }], examples: [[-10, 2], [0, 2], [20, 6], [30, 8], [40, 10], [50, 9], [70, 5], [100, 0], [110, 0]] },
    { shape: [{ utilization: 0, score: 2 }, { utilization: 40, score: 2 }, { utilization: 100, score: 2 }], examples: [[-10, 2], [0, 2], [20, 2], [30, 2], [40, 2], [70, 2], [100, 2], [110, 2]] },
  ])('the broken linear function through $shape', ({ shape, examples }) => {
    const f = brokenLinearFunction(shape);
    for (const [p, expected] of examples) expect(f(p!), `f(${p})`).toBe(expected);
  });

  it('maps each resource\'s utilization through the shape (scaled to 0..100) and averages the weighted positive scores', () => {
    const binPacking = createRequestedToCapacityRatio([{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }], [
      { utilization: 0, score: 0 },
      { utilization: 100, score: 10 },
    ]);
    // cpu 2000/4000 → 50; memory 1Gi/4Gi → 25; (50 + 25) / 2 = 37.5 → 38 (rounded, as math.Round)
    const pod = makePod('p', { cpu: '2', memory: '1Gi' });
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '4Gi' }));
    expect(binPacking.score(pod, ni, stateOf(pod))).toBe(38);
    // over-requested: utilization counts as 100
    const big = makePod('big', { cpu: '8', memory: '8Gi' });
    expect(binPacking.score(big, ni, stateOf(big))).toBe(100);
  });

  it('with a decreasing shape it spreads: the emptier node scores higher', () => {
    const spreading = createRequestedToCapacityRatio([{ name: 'cpu', weight: 1 }], [
      { utilization: 0, score: 10 },
      { utilization: 100, score: 0 },
    ]);
    const pod = makePod('p', { cpu: '1' });
    const empty = nodeInfo(makeNode('empty', { cpu: '4', memory: '4Gi' }));
    const busy = nodeInfo(makeNode('busy', { cpu: '4', memory: '4Gi' }), [makePod('a', { cpu: '2' })]);
    expect(spreading.score(pod, empty, stateOf(pod))).toBe(75);
    expect(spreading.score(pod, busy, stateOf(pod))).toBe(25);
  });
});
