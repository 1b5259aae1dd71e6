import { describe, expect, it } from 'vitest';
import { defineInvariant, formatTime, formatViolation, violation } from '../../src/verify/invariant.js';
import { ScenarioRunner } from '../../src/verify/runner.js';

describe('defineInvariant', () => {
  it('turns returned strings into violations named after the invariant, at the time of the check', () => {
    const inv = defineInvariant({ name: 'no-pods', kind: 'safety', description: 'there are no pods', check: (c) => c.objects('pods').map((p) => `pod ${p.metadata?.name}`) });
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      expect(inv.check(runner.cluster, runner.history)).toEqual([]);
      runner.step({ op: 'create-pod', namespace: 'default', name: 'p1', cpu: 100, memory: 64 });
      expect(inv.check(runner.cluster, runner.history)).toEqual([{ invariant: 'no-pods', message: 'pod p1', time: runner.cluster.now() }]);
    } finally {
      runner.dispose();
    }
  });

  it('keeps violations returned as objects, and an observe hook', () => {
    const observe = () => {};
    const inv = defineInvariant({ name: 'x', kind: 'liveness', description: 'd', check: () => [violation('x', 'm', 5)], observe });
    expect(inv.kind).toBe('liveness');
    expect(inv.observe).toBe(observe);
    expect(inv.check({ now: () => 0 } as never, {} as never)).toEqual([{ invariant: 'x', message: 'm', time: 5 }]);
  });

  it('wants a kebab-case name and a known kind', () => {
    expect(() => defineInvariant({ name: 'Bad Name', kind: 'safety', description: '', check: () => [] })).toThrow(RangeError);
    expect(() => defineInvariant({ name: 'ok', kind: 'eventually' as never, description: '', check: () => [] })).toThrow(RangeError);
  });
});

describe('formatViolation', () => {
  it('names the invariant, the virtual time and the step', () => {
    expect(formatViolation({ invariant: 'node-capacity', message: 'node-1 is full', time: 12_500, step: 3 })).toBe('[node-capacity] t=12.5s after step 4 node-1 is full');
    expect(formatViolation({ invariant: 'a', message: 'b' })).toBe('[a] b');
    expect(formatTime(2_000)).toBe('2s');
    expect(formatTime(1_234)).toBe('1.234s');
  });
});
