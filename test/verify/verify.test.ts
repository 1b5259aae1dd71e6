import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defineInvariant } from '../../src/verify/invariant.js';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { fastCheckSeed, formatReport, randomSeed, seedFromEnvironment, VerificationError, verify } from '../../src/verify/verify.js';
import { nodeCapacity } from '../../src/verify/invariants/node-capacity.js';
import { faultPlan } from '../../src/verify/arbitraries/fault-plan.js';
import type { Step } from '../../src/verify/steps.js';

const small = { steps: 10, shape: clusterShape({ maxNodes: 2 }), timeout: 60_000 };

describe('verify', () => {
  it('reports the seed, the runs and the invariants of a passing verification', { timeout: 60_000 }, () => {
    const seen: number[] = [];
    const report = verify({ ...small, runs: 8, seed: 3, onProgress: (p) => seen.push(p.done) });
    expect(report).toEqual({ ok: true, seed: 3, runs: 8, interrupted: false, invariants: expect.arrayContaining(['pod-bound-once', 'node-capacity', 'schedulable-pods-run']) });
    expect(report.invariants).toHaveLength(35);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(formatReport(report)).toBe('seed: 3\nok: 8 scenario(s) passed 35 invariants');
  });

  it('shrinks a failure to a minimal scenario, with its trace, violations and replay command', { timeout: 60_000 }, () => {
    const report = verify({ ...small, runs: 50, seed: 11, mutant: 'scheduler-ignores-capacity' });
    expect(report.ok).toBe(false);
    const f = report.failure!;
    expect(f.steps.length).toBeLessThanOrEqual(2);
    expect(f.counterexample.some((s) => s.op === 'create-pod' || s.op === 'create-deployment')).toBe(true);
    expect(f.violations[0]!.invariant).toBe('node-capacity');
    expect(f.path).toMatch(/^\d+(:\d+)*$/);
    expect(f.replay).toBe(`npx kube-actors verify --seed 11 --runs 50 --steps 10 --mutant scheduler-ignores-capacity --path ${f.path}${f.replayPath ? ` --replay-path '${f.replayPath}'` : ''}`);
    const lines = f.trace.trim().split('\n');
    expect(lines.length).toBeGreaterThan(50);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 0, from: expect.any(String), to: expect.any(String) });
    expect(formatReport(report)).toMatch(/^seed: 11\nmutant: scheduler-ignores-capacity\nFAILED after \d+ scenario\(s\), shrunk \d+ time\(s\)\n\ncluster: \d nodes?: .*\n\nsteps \(\d\):\n {3}1\. create-(pod|deployment) [\s\S]*\nviolations:\n {2}\[node-capacity\] [\s\S]*\nreplay: npx kube-actors verify --seed 11 /);
  });

  it('is deterministic: the same seed finds the same counterexample, with the same trace', { timeout: 60_000 }, () => {
    const a = verify({ ...small, runs: 30, seed: 5, mutant: 'etcd-without-cas' });
    const b = verify({ ...small, runs: 30, seed: 5, mutant: 'etcd-without-cas' });
    expect(a.ok).toBe(false);
    expect(b.failure!.steps).toEqual(a.failure!.steps);
    expect(b.failure!.path).toBe(a.failure!.path);
    expect(b.failure!.trace).toBe(a.failure!.trace);
    expect(b.failure!.violations).toEqual(a.failure!.violations);
  });

  it('replays the counterexample from the seed, the path and the replay path', { timeout: 60_000 }, () => {
    const first = verify({ ...small, runs: 50, seed: 7, mutant: 'api-server-skips-authorization' });
    const again = verify({ ...small, runs: 50, seed: 7, mutant: 'api-server-skips-authorization', path: first.failure!.path, ...(first.failure!.replayPath ? { replayPath: first.failure!.replayPath } : {}) });
    expect(again.ok).toBe(false);
    expect(again.failure!.steps).toEqual(first.failure!.steps);
    expect(again.failure!.violations).toEqual(first.failure!.violations);
    expect(again.failure!.shrinks).toBe(0);
  });

  it('throws a VerificationError carrying the report when asked', { timeout: 60_000 }, () => {
    let thrown: unknown;
    try {
      verify({ ...small, runs: 50, seed: 2, mutant: 'api-server-skips-validation', throwOnFailure: true, trace: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VerificationError);
    const report = (thrown as VerificationError).report;
    expect(report.failure!.trace).toBe('');
    expect((thrown as Error).message).toContain('refused-requests-change-nothing');
  });

  it("checks a user's own invariant with a user's own steps on a fixed cluster", { timeout: 60_000 }, () => {
    const atMostTwoPods = defineInvariant({ name: 'at-most-two-pods', kind: 'safety', description: 'never more than two pods', check: (c) => (c.objects('pods').length > 2 ? [`${c.objects('pods').length} pods`] : []) });
    let n = 0;
    const createOne: fc.Arbitrary<Step> = fc.constant(null).map(() => ({
      op: 'custom',
      label: 'create a pod',
      run: (ctx) => {
        ctx.call('admin', { verb: 'create', resource: 'pods', namespace: 'default', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `x${n++}` }, spec: { containers: [{ name: 'a', image: 'nginx' }] } } });
      },
    }));
    const report = verify({ runs: 20, seed: 1, steps: 5, cluster: { nodes: 1 }, workload: createOne, invariants: [atMostTwoPods] });
    expect(report.ok).toBe(false);
    expect(report.invariants).toEqual(['at-most-two-pods']);
    expect(report.failure!.steps).toEqual(['create a pod', 'create a pod', 'create a pod']);
    expect(report.failure!.violations[0]!.message).toBe('3 pods');
    expect(report.failure!.shape).toBe('1 node(s) as given');
  });

  it('takes the cluster as a function of each scenario seed, and adjusts every cluster with configure', { timeout: 60_000 }, () => {
    const seeds: number[] = [];
    const report = verify({
      runs: 5,
      seed: 9,
      steps: 3,
      cluster: (s) => {
        seeds.push(s);
        return { nodes: 1, seed: 42 };
      },
      configure: (o) => ({ ...o, nodeCapacity: { cpu: '1' } }),
      invariants: [nodeCapacity],
    });
    expect(report.ok).toBe(true);
    expect(new Set(seeds).size).toBe(5);
  });

  it('takes an arbitrary of fault plans, each plan run as one step', { timeout: 60_000 }, () => {
    const twoFaults = defineInvariant({ name: 'fewer-than-two-faults', kind: 'safety', description: '', check: (_c, h) => (h.faults.length >= 2 ? ['two faults'] : []) });
    const report = verify({ runs: 30, seed: 4, steps: 8, faultWeight: 4, cluster: { nodes: 2 }, workload: fc.constant<Step>({ op: 'wait', ms: 1 }), faults: faultPlan(2, { exclude: ['crash-node', 'etcd-outage', 'restart-api-server'], maxFaults: 3 }), invariants: [twoFaults] });
    expect(report.ok).toBe(false);
    expect(report.failure!.steps.some((s) => s.startsWith('plan: '))).toBe(true);
  });

  it('turns faults on for a mutant that needs them, and refuses an unknown mutant', () => {
    expect(() => verify({ mutant: 'no-such-thing' })).toThrow(RangeError);
  });
});

describe('seeds', () => {
  it('come from KUBE_ACTORS_SEED, as integers or hashed strings', () => {
    expect(seedFromEnvironment({ KUBE_ACTORS_SEED: '42' })).toBe(42);
    expect(seedFromEnvironment({ KUBE_ACTORS_SEED: '-1' })).toBe(4294967295);
    expect(seedFromEnvironment({ KUBE_ACTORS_SEED: 'ci-build-17' })).toEqual(expect.any(Number));
    expect(seedFromEnvironment({ KUBE_ACTORS_SEED: ' ' })).toBeUndefined();
    expect(seedFromEnvironment({})).toBeUndefined();
    const r = randomSeed();
    expect(Number.isInteger(r) && r >= 0 && r < 2 ** 32).toBe(true);
  });

  it("fork fast-check's seed from the root seed", () => {
    expect(fastCheckSeed(1)).toBe(fastCheckSeed(1));
    expect(fastCheckSeed(1)).not.toBe(fastCheckSeed(2));
    expect(Number.isInteger(fastCheckSeed(7))).toBe(true);
  });

  it('verify takes the root seed from the environment when none is given', { timeout: 30_000 }, () => {
    const before = process.env.KUBE_ACTORS_SEED;
    process.env.KUBE_ACTORS_SEED = '1234';
    try {
      expect(verify({ runs: 1, steps: 1, cluster: { nodes: 1 }, invariants: [] }).seed).toBe(1234);
    } finally {
      if (before === undefined) delete process.env.KUBE_ACTORS_SEED;
      else process.env.KUBE_ACTORS_SEED = before;
    }
  });
});
