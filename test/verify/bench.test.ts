import { describe, expect, it } from 'vitest';
import { benchScenarios, benchVerify, formatVerifyBench } from '../../src/bench/verify.js';

describe('benchVerify (tiny sizes, no timing assertions)', () => {
  it('draws scenarios of exactly the asked number of steps, without the excluded faults', () => {
    const plans = benchScenarios(20, 30, { nodes: 3, seed: 1 });
    expect(plans).toHaveLength(20);
    for (const p of plans) expect(p).toHaveLength(30);
    const faults = plans.flat().filter((s) => s.op === 'fault') as { fault: { kind: string } }[];
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.some((f) => f.fault.kind === 'crash-node' || f.fault.kind === 'etcd-outage')).toBe(false);
    expect(benchScenarios(5, 10, { faults: false }).flat().some((s) => s.op === 'fault')).toBe(false);
  });

  it('runs whole scenarios and reports their rate and phases', { timeout: 60_000 }, () => {
    const r = benchVerify({ scenarios: 3, warmup: 1, steps: 5 });
    expect(r).toMatchObject({ scenarios: 3, steps: 5, nodes: 3, faults: true, target: 200, violations: 0 });
    expect(r.perSecond).toBeGreaterThan(0);
    expect(r.messages).toBeGreaterThan(0);
    expect(r.timers).toBeGreaterThan(0);
    expect(r.phases.createMs + r.phases.stepsMs + r.phases.convergeMs).toBeGreaterThan(0);
    const text = formatVerifyBench(r);
    expect(text).toMatch(/^verification: 3 nodes, 5 operations with faults: 3 scenarios in /);
    expect(text).toMatch(/scenarios\/s \(target >= 200\/s: /);
  });
});
