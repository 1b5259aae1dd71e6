import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { podReadyOnlyIfProbesPass } from '../../../src/verify/invariants/pod-ready-only-if-probes-pass.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { clusterShape } from '../../../src/verify/arbitraries/cluster-shape.js';
import { verify } from '../../../src/verify/verify.js';
import type { Step } from '../../../src/verify/steps.js';

const steps: Step[] = [
  // an HTTP GET of nginx's port 80 passes; `cat /tmp/ready` never does
  { op: 'create-pod', namespace: 'default', name: 'good', cpu: 50, memory: 32, readiness: 'passes' },
  { op: 'create-pod', namespace: 'default', name: 'bad', cpu: 50, memory: 32, readiness: 'fails' },
  ...Array.from({ length: 8 }, (): Step => ({ op: 'wait', ms: 2_000 })),
];

const ready = (runner: ScenarioRunner, name: string) => runner.cluster.object<Pod>('pods', name)?.status?.containerStatuses?.[0]?.ready;

describe('pod-ready-only-if-probes-pass', () => {
  it('holds on the real cluster: the pod whose probe passes is ready, the other never', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [podReadyOnlyIfProbesPass] });
    try {
      for (const s of steps) runner.step(s);
      expect(ready(runner, 'good')).toBe(true);
      expect(ready(runner, 'bad')).toBe(false);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches a readiness prober that counts every probe as a success', () => {
    const mutant = findMutant('kubelet-readiness-always-passes')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [podReadyOnlyIfProbesPass] });
    try {
      expect(() => {
        for (const s of steps) runner.step(s);
      }).toThrow(/pod-ready-only-if-probes-pass/);
      expect(runner.violations.map((v) => v.message)).toContainEqual(
        expect.stringMatching(/^pod default\/bad written at revision \d+ shows container app \(containerd:\/\/\w+…, started [0-9T:Z-]+\) ready, but its readiness probe has not succeeded in that run$/),
      );
      expect(runner.violations.map((v) => v.message).join('\n')).not.toContain('default/good');
    } finally {
      runner.dispose();
    }
  });

  it('the real cluster passes the focused workload of the prober mutants, with faults (every invariant on)', { timeout: 240_000 }, () => {
    const report = verify({ seed: 20260101, runs: 25, steps: 20, faults: true, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: findMutant('kubelet-readiness-always-passes')!.focus!(3) });
    expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
  });
});
