import { describe, expect, it } from 'vitest';
import { quotaWithinHardLimits } from '../../../src/verify/invariants/quota-within-hard-limits.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { clusterShape } from '../../../src/verify/arbitraries/cluster-shape.js';
import { verify } from '../../../src/verify/verify.js';
import type { Step } from '../../../src/verify/steps.js';

const pod = (name: string): Step => ({ op: 'create-pod', namespace: 'default', name, cpu: 50, memory: 32 });
const steps: Step[] = [
  { op: 'create-quota', namespace: 'default', name: 'q1', pods: 2 },
  { op: 'wait', ms: 2_000 },
  pod('p1'),
  pod('p2'),
  pod('p3'),
  { op: 'wait', ms: 2_000 },
];

describe('quota-within-hard-limits', () => {
  it('holds on the real API server: the third pod under a quota of 2 is refused 403', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [quotaWithinHardLimits] });
    try {
      for (const s of steps) runner.step(s);
      expect(runner.history.calls.map((c) => c.response!.code)).toEqual([201, 201, 201, 403]);
      expect((runner.history.calls[3]!.response!.body as { message?: string }).message).toBe(
        'pods "p3" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2',
      );
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('does not blame a quota created, or lowered, below the pods that exist', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [quotaWithinHardLimits] });
    try {
      for (const s of [pod('p1'), pod('p2'), { op: 'create-quota', namespace: 'default', name: 'q1', pods: 1 } as Step, { op: 'wait', ms: 2_000 } as Step, pod('p3'), { op: 'wait', ms: 2_000 } as Step]) runner.step(s);
      expect(runner.history.calls.map((c) => c.response!.code)).toEqual([201, 201, 201, 403]);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches an API server whose quota admission skips the check', () => {
    const mutant = findMutant('api-server-skips-quota-check')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [quotaWithinHardLimits] });
    try {
      for (const s of steps.slice(0, 4)) runner.step(s);
      expect(runner.violations).toEqual([]);
      expect(() => runner.step(steps[4]!)).toThrow(/quota-within-hard-limits/);
      expect(runner.history.calls[3]!.response!.code).toBe(201);
      expect(runner.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/^pods default\/p3 was created at revision \d+ while ResourceQuota default\/q1 limits pods to 2: the namespace's objects use 3 of it now \(status.used.pods 2\)$/),
      ]);
    } finally {
      runner.dispose();
    }
  });

  const cpuQuota: Step[] = [
    { op: 'create-quota', namespace: 'default', name: 'q2', pods: 10, cpu: 100, memory: 96 },
    { op: 'wait', ms: 2_000 },
    pod('p1'),
    pod('p2'),
    pod('p3'),
    { op: 'wait', ms: 2_000 },
  ];

  it('holds for requests.cpu and requests.memory: the third pod of 50m under 100m is refused with the real message', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [quotaWithinHardLimits] });
    try {
      for (const s of cpuQuota) runner.step(s);
      expect(runner.history.calls.map((c) => c.response!.code)).toEqual([201, 201, 201, 403]);
      expect((runner.history.calls[3]!.response!.body as { message?: string }).message).toBe(
        // only what is exceeded is named (memory: 64Mi + 32Mi is within 96Mi)
        'pods "p3" is forbidden: exceeded quota: q2, requested: requests.cpu=50m, used: requests.cpu=100m, limited: requests.cpu=100m',
      );
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches the mutant on requests.cpu and requests.memory, where the pod count stays within its limit', () => {
    const mutant = findMutant('api-server-skips-quota-check')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [quotaWithinHardLimits] });
    try {
      for (const s of cpuQuota.slice(0, 4)) runner.step(s);
      expect(() => runner.step(cpuQuota[4]!)).toThrow(/quota-within-hard-limits/);
      expect(runner.history.calls[3]!.response!.code).toBe(201);
      expect(runner.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/^pods default\/p3 was created at revision \d+ while ResourceQuota default\/q2 limits requests.cpu to 100m: the namespace's objects use 150m of it now \(status.used.requests.cpu 100m\)$/),
      ]);
    } finally {
      runner.dispose();
    }
  });

  // a quota of one node port and two ClusterIP Services of one port each, both then made NodePort
  const nodePorts: Step[] = [
    { op: 'custom', label: 'quota np: services.nodeports=1', run: (ctx) => void ctx.cluster.client.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'np' }, spec: { hard: { 'services.nodeports': '1' } } } as never) },
    { op: 'create-service', namespace: 'default', name: 's1', app: 'a' },
    { op: 'create-service', namespace: 'default', name: 's2', app: 'b' },
    { op: 'wait', ms: 2_000 },
    { op: 'custom', label: 's1 NodePort', run: (ctx) => void ctx.cluster.client.patch('services', 's1', { spec: { type: 'NodePort' } }) },
    {
      op: 'custom',
      label: 's2 NodePort',
      run: (ctx) => {
        try {
          ctx.cluster.client.patch('services', 's2', { spec: { type: 'NodePort' } });
        } catch (error) {
          refusals.push(error instanceof Error ? error.message : String(error));
        }
      },
    },
  ];
  const refusals: string[] = [];

  it('judges the updates the plugin charges: a Service made NodePort past services.nodeports is refused, and the mutant is caught', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [quotaWithinHardLimits] });
    try {
      for (const s of nodePorts) runner.step(s);
      expect(refusals).toEqual(['services "s2" is forbidden: exceeded quota: np, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1']);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
    const mutant = findMutant('api-server-skips-quota-check')!;
    const broken = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [quotaWithinHardLimits] });
    try {
      for (const s of nodePorts.slice(0, 5)) broken.step(s);
      expect(() => broken.step(nodePorts[5]!)).toThrow(/quota-within-hard-limits/);
      expect(refusals).toHaveLength(1);
      expect(broken.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/^services default\/s2 was updated at revision \d+ while ResourceQuota default\/np limits services.nodeports to 1: the namespace's objects use 2 of it now \(status.used.services.nodeports 1\)$/),
      ]);
    } finally {
      broken.dispose();
    }
  });

  it('the real cluster passes the focused workload of api-server-skips-quota-check (every invariant on)', { timeout: 120_000 }, () => {
    const report = verify({ seed: 20260101, runs: 10, steps: 15, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: findMutant('api-server-skips-quota-check')!.focus!(3) });
    expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
  });
});
