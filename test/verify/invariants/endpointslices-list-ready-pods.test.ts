import { describe, expect, it } from 'vitest';
import { endpointSlicesListReadyPods } from '../../../src/verify/invariants/endpointslices-list-ready-pods.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { clusterShape } from '../../../src/verify/arbitraries/cluster-shape.js';
import { verify } from '../../../src/verify/verify.js';
import type { Step } from '../../../src/verify/steps.js';

const steps: Step[] = [
  { op: 'create-service', namespace: 'default', name: 's1', app: 'd1' },
  { op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 2, cpu: 50, memory: 32 },
  ...Array.from({ length: 10 }, (): Step => ({ op: 'wait', ms: 500 })),
];

describe('endpointslices-list-ready-pods', () => {
  it('holds on the real cluster: the slice lists the pods ready once they are', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [endpointSlicesListReadyPods] });
    try {
      for (const s of steps) runner.step(s);
      const endpoints = runner.cluster.objects('endpointslices', 'default').flatMap((s) => ((s as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ?? []));
      expect(endpoints.length).toBeGreaterThanOrEqual(2);
      expect(endpoints.every((e) => e.conditions?.ready === true)).toBe(true);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches an endpointslice controller that marks every endpoint ready', () => {
    const mutant = findMutant('endpointslice-marks-all-ready')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [endpointSlicesListReadyPods] });
    try {
      expect(() => {
        for (const s of steps) runner.step(s);
      }).toThrow(/endpointslices-list-ready-pods/);
      expect(runner.violations.map((v) => v.message)).toContainEqual(
        expect.stringMatching(/^EndpointSlice default\/s1-\w+ written at revision \d+ lists pod default\/d1-\w+-\w+ as ready, but the pod has never been Ready$/),
      );
    } finally {
      runner.dispose();
    }
  });

  it('the real cluster passes the focused workload of endpointslice-marks-all-ready (every invariant on)', { timeout: 120_000 }, () => {
    const report = verify({ seed: 20260101, runs: 10, steps: 15, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: findMutant('endpointslice-marks-all-ready')!.focus!(3) });
    expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
  });
});
