import { describe, expect, it } from 'vitest';
import { podServiceAccountExists } from '../../../src/verify/invariants/pod-service-account-exists.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { clusterShape } from '../../../src/verify/arbitraries/cluster-shape.js';
import { verify } from '../../../src/verify/verify.js';
import type { Step } from '../../../src/verify/steps.js';

const steps: Step[] = [
  { op: 'create-pod', namespace: 'default', name: 'p1', cpu: 50, memory: 32 },
  { op: 'create-pod', namespace: 'default', name: 'p2', cpu: 50, memory: 32, serviceAccount: 'robot' },
  { op: 'wait', ms: 2_000 },
];

describe('pod-service-account-exists', () => {
  it('holds on the real API server: a pod naming a missing ServiceAccount is refused 403', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [podServiceAccountExists] });
    try {
      for (const s of steps) runner.step(s);
      expect(runner.history.calls.map((c) => c.response!.code)).toEqual([201, 403]);
      expect((runner.history.calls[1]!.response!.body as { message?: string }).message).toBe(
        'pods "p2" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found',
      );
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches an API server whose ServiceAccount admission lets a missing account through', () => {
    const mutant = findMutant('api-server-admits-missing-service-accounts')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [podServiceAccountExists] });
    try {
      runner.step(steps[0]!);
      expect(runner.violations).toEqual([]);
      expect(() => runner.step(steps[1]!)).toThrow(/pod-service-account-exists/);
      expect(runner.history.calls[1]!.response!.code).toBe(201);
      expect(runner.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/^pod default\/p2 was created at revision \d+ naming ServiceAccount "robot", which did not exist in namespace default$/),
      ]);
    } finally {
      runner.dispose();
    }
  });

  it('the real cluster passes the focused workload of api-server-admits-missing-service-accounts (every invariant on)', { timeout: 120_000 }, () => {
    const report = verify({ seed: 20260101, runs: 10, steps: 15, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: findMutant('api-server-admits-missing-service-accounts')!.focus!(3) });
    expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
  });
});
