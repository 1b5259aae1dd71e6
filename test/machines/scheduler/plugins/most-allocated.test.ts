import { describe, expect, it } from 'vitest';
import { createMostAllocated, mostRequestedScore } from '../../../../machines/scheduler/plugins/most-allocated.js';
import type { ResourceSpec } from '../../../../machines/scheduler/plugins/least-allocated.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

const CPU_MEMORY: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

describe('MostAllocated (NodeResourcesFit score, scoringStrategy MostAllocated)', () => {
  it('scores the used share of a resource, capped at 100, truncated as Go integer division', () => {
    expect(mostRequestedScore(3000, 4000)).toBe(75);
    expect(mostRequestedScore(1000, 3000)).toBe(33);
    expect(mostRequestedScore(5000, 4000)).toBe(100);
    expect(mostRequestedScore(0, 4000)).toBe(0);
    expect(mostRequestedScore(10, 0)).toBe(0);
  });

  it('averages cpu and memory with the pod counted in (most_allocated_test.go: "resources requested, pods scheduled with resources")', () => {
    // cpu (3000 + 3000) * 100 / 10000 = 60; memory (0 + 5000) * 100 / 20000 = 25 → (60 + 25) / 2 = 42
    const ni = nodeInfo(makeNode('n', { cpu: '10', memory: '20000' }), [makePod('a', { cpu: '3', memory: '0' })]);
    const pod = makePod('p', { cpu: '3', memory: '5000' });
    expect(createMostAllocated(CPU_MEMORY).score(pod, ni, stateOf(pod))).toBe(42);
  });

  it('prefers the fuller node (bin packing), the opposite of LeastAllocated', () => {
    const plugin = createMostAllocated(CPU_MEMORY);
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    const empty = nodeInfo(makeNode('empty', { cpu: '4', memory: '4Gi' }));
    const busy = nodeInfo(makeNode('busy', { cpu: '4', memory: '4Gi' }), [makePod('a', { cpu: '2', memory: '2Gi' })]);
    expect(plugin.score(pod, busy, stateOf(pod))).toBeGreaterThan(plugin.score(pod, empty, stateOf(pod)));
  });

  it('weighs resources and leaves out those the node has none of', () => {
    const pod = makePod('p', { cpu: '2', memory: '1Gi' });
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '4Gi' }));
    // cpu 50 × 3, memory 25 × 1 → 175 / 4 = 43
    expect(createMostAllocated([{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }]).score(pod, ni, stateOf(pod))).toBe(43);
    expect(createMostAllocated([{ name: 'ephemeral-storage', weight: 1 }]).score(pod, ni, stateOf(pod))).toBe(0);
  });
});
