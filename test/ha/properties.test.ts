import { describe, expect, it } from 'vitest';
import { runHa, ETCD_LEADER_NODE, type HaFault, type HaRunResult } from '../../src/ha/scenario.js';
import { MUTANTS } from '../../src/ha/mutants.js';
import { checkResourceVersions, checkMembersAgree } from '../../src/ha/properties.js';
import { MvccStore } from '../../machines/etcd/store.js';

const show = (r: HaRunResult) => r.violations.map((v) => `[${v.property}] ${v.message}`).join('\n');

/** The etcd leader's node cut from its etcd peers (clients still reach it) three times. */
const LEADER_CUT_OFF: HaFault[] = [0, 1, 2].map((i) => ({ kind: 'peer-partition', node: ETCD_LEADER_NODE, at: 3_000 + i * 9_000, durationMs: 6_000 }));
const TARGETED = { faults: LEADER_CUT_OFF, faultPhaseMs: 30_000, workload: { clients: 6, thinkMs: [50, 300] as const }, podIntervalMs: 3_000 };

describe('HA property checks', () => {
  const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k', namespace: 'default' }, data: { v } });

  it('resourceVersions must point at the revision that holds the value', () => {
    const store = new MvccStore();
    store.create('/registry/configmaps/default/k', cm('a'));
    store.update('/registry/configmaps/default/k', cm('b'));
    expect(checkResourceVersions(store, [{ key: 'k', value: 'a', resourceVersion: '2', time: 0 }, { key: 'k', value: 'b', resourceVersion: '3', time: 0 }])).toEqual([]);
    const wrong = checkResourceVersions(store, [{ key: 'k', value: 'a', resourceVersion: '3', time: 5 }]);
    expect(wrong.map((v) => v.property)).toEqual(['resource-versions']);
    expect(wrong[0]!.message).toContain('holds put b at 3');
  });

  it('members must hold the same change at every revision', () => {
    const a = new MvccStore();
    const b = new MvccStore();
    a.create('/registry/configmaps/default/k', cm('a'));
    b.create('/registry/configmaps/default/k', cm('a'));
    expect(checkMembersAgree(new Map([['a', a], ['b', b]]), true)).toEqual([]);
    a.update('/registry/configmaps/default/k', cm('x'));
    b.update('/registry/configmaps/default/k', cm('y'));
    expect(checkMembersAgree(new Map([['a', a], ['b', b]]), true).map((v) => v.message)).toEqual(['a and b differ at revision 3: put /registry/configmaps/default/k vs put /registry/configmaps/default/k (rev 3)']);
  });
});

describe('HA properties under faults (3 control-plane nodes)', () => {
  it('random crashes, partitions, peer partitions and message loss: no acknowledged write lost, linearizable reads, one leader per Lease term, pods bound once, convergence', () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const r = runHa({ seed, faultPhaseMs: 40_000, workload: { clients: 4 } });
      expect(r.violations, `seed ${seed}:\n${show(r)}`).toEqual([]);
      expect(r.linearizability.ok).toBe(true);
      expect(r.operations).toBeGreaterThan(100);
      expect(r.faults.length).toBeGreaterThan(0);
      expect(r.convergedAfterMs).toBeDefined();
      expect(r.stats.podsRunning).toBe(r.stats.pods);
      expect(r.stats.reads).toBeGreaterThan(10);
      for (const f of r.faults) kinds.add(f.kind);
    }
    expect([...kinds].sort()).toEqual(['crash', 'loss', 'partition', 'peer-partition']);
  });

  it('the real control plane passes the scenario that catches the mutants (the etcd leader cut from its peers)', () => {
    for (const seed of [1, 2]) {
      const r = runHa({ seed, ...TARGETED });
      expect(r.violations, `seed ${seed}:\n${show(r)}`).toEqual([]);
      expect(r.unknown).toBeGreaterThan(0);
    }
  });

  it('catches an etcd that acknowledges before a majority holds the write', () => {
    // every run loses an acknowledged write; whether a reader also saw it first depends on the run
    const runs = [1, 2].map((seed) => new Set(runHa({ seed, ...TARGETED, convergeTimeoutMs: 20_000, controlPlane: MUTANTS['ack-before-majority'] }).violations.map((v) => v.property)));
    for (const props of runs) expect(props.has('acknowledged-writes-persist')).toBe(true);
    expect(runs.some((props) => props.has('linearizable'))).toBe(true);
  });

  it('catches Raft without terms (an election that does not order leaders)', () => {
    const r = runHa({ seed: 2, ...TARGETED, convergeTimeoutMs: 20_000, controlPlane: MUTANTS['election-without-terms'] });
    const props = new Set(r.violations.map((v) => v.property));
    expect(props.has('acknowledged-writes-persist') || props.has('members-agree')).toBe(true);
    expect(r.violations.some((v) => v.property === 'members-agree')).toBe(true);
  });

  it('catches a leader election that ignores the Lease term of the holder', () => {
    const r = runHa({ seed: 1, faults: [], faultPhaseMs: 20_000, convergeTimeoutMs: 5_000, controlPlane: MUTANTS['lease-ignores-holder'] });
    const v = r.violations.find((x) => x.property === 'one-leader-per-lease-term');
    expect(v, show(r)).toBeDefined();
    expect(v!.message).toMatch(/while the kube-(scheduler|controller-manager) Lease was held by control-plane-\d_/);
  });
});
