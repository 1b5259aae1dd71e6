import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { LeastAllocated, createLeastAllocated, leastRequestedScore } from '../../../../machines/scheduler/plugins/least-allocated.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

describe('LeastAllocated (NodeResourcesFit score)', () => {
  it('averages the free share of cpu and memory', () => {
    // cpu: (4000 - 1000 - 1000) * 100 / 4000 = 50; memory: (8Gi - 2Gi - 2Gi) * 100 / 8Gi = 50
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '8Gi' }), [makePod('a', { cpu: '1', memory: '2Gi' })]);
    const pod = makePod('p', { cpu: '1', memory: '2Gi' });
    expect(LeastAllocated.score(pod, ni, stateOf(pod))).toBe(50);
  });

  it('truncates like Go integer division', () => {
    // cpu (3000-1000)*100/3000 = 66; memory (3Gi-1Gi)*100/3Gi = 66 → 66
    const ni = nodeInfo(makeNode('n', { cpu: '3', memory: '3Gi' }));
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    expect(LeastAllocated.score(pod, ni, stateOf(pod))).toBe(66);
    expect(leastRequestedScore(5, 3)).toBe(0);
    expect(leastRequestedScore(0, 0)).toBe(0);
  });

  it('counts 100m / 200Mi for containers without requests', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '1', memory: '1000Mi' }), [makePod('a')]);
    const pod = makePod('p');
    // cpu (1000-200)*100/1000 = 80; memory (1000Mi-400Mi)*100/1000Mi = 60 → 70
    expect(LeastAllocated.score(pod, ni, stateOf(pod))).toBe(70);
  });

  test.prop([fc.integer({ min: 1, max: 64000 }), fc.integer({ min: 0, max: 64000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 64 })])(
    'the generic scorer with default weights equals the fast default',
    (cpuAlloc, cpuReq, memAllocGi, memReqGi) => {
      const ni = nodeInfo(makeNode('n', { cpu: `${cpuAlloc}m`, memory: `${memAllocGi}Gi` }));
      const pod = makePod('p', { cpu: `${cpuReq || 1}m`, memory: `${memReqGi || 1}Gi` });
      const generic = createLeastAllocated([
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ]);
      const s = LeastAllocated.score(pod, ni, stateOf(pod));
      expect(generic.score(pod, ni, stateOf(pod))).toBe(s);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(100);
    },
  );

  it('weights resources', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '4Gi' }));
    const pod = makePod('p', { cpu: '2', memory: '1Gi' });
    // cpu 50 ×3, memory 75 ×1 → (150 + 75) / 4 = 56
    expect(createLeastAllocated([{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }]).score(pod, ni, stateOf(pod))).toBe(56);
  });
});
