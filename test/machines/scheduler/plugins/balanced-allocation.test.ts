import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  NodeResourcesBalancedAllocation,
  balancedResourceScore,
  createBalancedAllocation,
} from '../../../../machines/scheduler/plugins/balanced-allocation.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

describe('NodeResourcesBalancedAllocation', () => {
  it('scores (1 - |cpuFraction - memFraction| / 2) * 100, truncated', () => {
    // cpu (1000 + 1000) / 4000 = 0.5; memory (1Gi + 1Gi) / 8Gi = 0.25 → std 0.125 → 87.5 → 87
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '8Gi' }), [makePod('a', { cpu: '1', memory: '1Gi' })]);
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    expect(NodeResourcesBalancedAllocation.score(pod, ni, stateOf(pod))).toBe(87);
  });

  it('caps fractions at 1 and uses plain requests (no defaults)', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '1', memory: '1Gi' }), [makePod('a', { cpu: '3' })]);
    const pod = makePod('p', { memory: '512Mi' });
    // cpu min(3000/1000, 1) = 1; memory 0.5 → std 0.25 → 75
    expect(NodeResourcesBalancedAllocation.score(pod, ni, stateOf(pod))).toBe(75);
  });

  it('is skipped for best-effort pods', () => {
    const pod = makePod('p');
    expect(NodeResourcesBalancedAllocation.preScore!(pod, stateOf(pod), [])).toBe('skip');
    const burst = makePod('q', { cpu: '1m' });
    expect(NodeResourcesBalancedAllocation.preScore!(burst, stateOf(burst), [])).toBeUndefined();
  });

  it('uses the population standard deviation for more than two resources', () => {
    // fractions 0.2, 0.4, 0.6: mean 0.4, std sqrt((0.04 + 0 + 0.04)/3) = 0.1633 → 83
    expect(balancedResourceScore([2, 4, 6], [10, 10, 10])).toBe(83);
    expect(balancedResourceScore([2, 4], [10, 0])).toBe(100);
  });

  test.prop([fc.integer({ min: 1, max: 64000 }), fc.integer({ min: 1, max: 64000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 })])(
    'the generic plugin on cpu and memory equals the fast default',
    (cpuAlloc, cpuReq, memAllocGi, memReqGi) => {
      const ni = nodeInfo(makeNode('n', { cpu: `${cpuAlloc}m`, memory: `${memAllocGi}Gi` }));
      const pod = makePod('p', { cpu: `${cpuReq}m`, memory: `${memReqGi}Gi` });
      expect(createBalancedAllocation().score(pod, ni, stateOf(pod))).toBe(NodeResourcesBalancedAllocation.score(pod, ni, stateOf(pod)));
    },
  );
});
