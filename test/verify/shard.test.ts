/** Shards of a verification campaign: the arithmetic, the seeds each shard runs, the JSON report and the merge. */
import { describe, expect, it } from 'vitest';
import { verifyParallel } from '../../src/verify/parallel.js';
import { checkShard, mergeShardReports, parseShardReport, shardRange, shardReport, type ShardReport } from '../../src/verify/shard.js';
import { verify } from '../../src/verify/verify.js';

describe('shardRange', () => {
  it('cuts the scenarios into disjoint contiguous blocks that cover them all, their sizes differing by at most one', () => {
    for (let runs = 0; runs <= 40; runs++) {
      for (let count = 1; count <= 9; count++) {
        const owner = new Array<number>(runs).fill(0);
        const sizes: number[] = [];
        let next = 0;
        for (let index = 1; index <= count; index++) {
          const { from, to } = shardRange({ index, count }, runs);
          expect(from, `${index}/${count} of ${runs}`).toBe(next); // contiguous, in order
          for (let i = from; i < to; i++) owner[i]!++;
          sizes.push(to - from);
          next = to;
        }
        expect(next).toBe(runs);
        expect(owner.every((n) => n === 1)).toBe(true); // each scenario in exactly one shard
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
    expect(shardRange({ index: 2, count: 3 }, 100)).toEqual({ from: 33, to: 66 });
    expect(shardRange({ index: 1, count: 1 }, 7)).toEqual({ from: 0, to: 7 });
  });

  it('refuses a shard that is not one of 1..count, naming it', () => {
    expect(() => checkShard({ index: 3, count: 2 })).toThrow('a shard index runs from 1 to its count (2); got 3');
    expect(() => checkShard({ index: 0, count: 2 })).toThrow('a shard index runs from 1 to its count (2); got 0');
    expect(() => checkShard({ index: 1, count: 0 })).toThrow('a shard count must be a positive integer; got 0');
    expect(() => shardRange({ index: 1.5, count: 2 }, 10)).toThrow('a shard index runs from 1 to its count (2); got 1.5');
    expect(() => verify({ runs: 4, shard: { index: 5, count: 4 } })).toThrow('a shard index runs from 1 to its count (4); got 5');
  });
});

describe('verify({ shard })', { timeout: 300_000 }, () => {
  const campaign = { seed: 11, runs: 7, steps: 6, timeout: 60_000 };

  it('runs each scenario in exactly one shard, with the cluster seeds the whole run gives it', () => {
    const whole = verify({ ...campaign, shard: { index: 1, count: 1 } });
    expect(whole.ok).toBe(true);
    expect(whole.shard).toMatchObject({ index: 1, count: 1, from: 0, to: 7, settings: { runs: 7, steps: 6, timeout: 60_000, faults: false, faultWeight: 1 } });
    expect(whole.shard!.clusterSeeds).toHaveLength(7);
    expect(whole.runs).toBe(verify(campaign).runs);

    const parts = [1, 2, 3].map((index) => verify({ ...campaign, shard: { index, count: 3 } }));
    expect(parts.map((p) => [p.shard!.from, p.shard!.to, p.runs])).toEqual([
      [0, 2, 2],
      [2, 4, 2],
      [4, 7, 3],
    ]);
    expect(parts.flatMap((p) => p.shard!.clusterSeeds)).toEqual(whole.shard!.clusterSeeds);

    const merged = mergeShardReports(parts.map((p) => shardReport(p)));
    expect(merged).toMatchObject({ ok: true, complete: true, scenarios: 7, seed: 11, shards: { count: 3, present: [1, 2, 3], missing: [] }, failures: [] });
    expect(merged.invariants).toEqual(whole.invariants);
  });

  it('an empty shard (more shards than scenarios) runs nothing and passes', () => {
    const r = verify({ ...campaign, runs: 2, shard: { index: 1, count: 3 } });
    expect(r).toMatchObject({ ok: true, runs: 0, shard: { from: 0, to: 0, clusterSeeds: [] } });
  });

  it('the merged shards report the failure the unsharded run finds: same scenario, shrunk steps and replay; on worker threads too', async () => {
    const options = { seed: 20261207, runs: 12, steps: 12, timeout: 60_000, mutant: 'scheduler-ignores-capacity', trace: false };
    const whole = verify(options);
    expect(whole.ok).toBe(false);
    const first = Number(whole.failure!.path.split(':')[0]);
    const shards = [1, 2, 3].map((index) => verify({ ...options, shard: { index, count: 3 } }));
    // the shard holding the first failure stops there and shrinks it as the whole run does
    const holder = shards.find((s) => s.shard!.from <= first && first < s.shard!.to)!;
    expect(holder.failure!.counterexample).toEqual(whole.failure!.counterexample);
    expect(holder.failure!.replay).toBe(whole.failure!.replay);
    expect(holder.shard!.clusterSeeds.at(-1)).toBe(whole.failure!.cluster.seed);

    const reports = shards.map((s) => JSON.parse(JSON.stringify(shardReport(s))) as ShardReport); // through JSON, as files
    const merged = mergeShardReports([reports[2]!, reports[0]!, reports[1]!]);
    expect(merged.ok).toBe(false);
    expect(merged.failure).toMatchObject({ scenario: first, path: whole.failure!.path, replay: whole.failure!.replay, steps: whole.failure!.steps, shard: holder.shard!.index });
    expect(merged.failure!.counterexample).toEqual(whole.failure!.counterexample);
    expect(merged.failure!.violations.map((v) => v.invariant)).toEqual(whole.failure!.violations.map((v) => v.invariant));
    expect(merged.failures.map((f) => f.scenario)).toEqual([...merged.failures.map((f) => f.scenario)].sort((a, b) => a - b));
    expect(merged.scenarios).toBe(shards.reduce((n, s) => n + s.runs, 0));

    // the same shard on two worker threads reports the same
    const threaded = await verifyParallel({ ...options, shard: holder.shard!, workers: 2 });
    expect(shardReport(threaded)).toEqual(shardReport(holder));
  });
});

describe('shard reports', () => {
  const report = (over: Partial<ShardReport> = {}): ShardReport => ({
    format: 'kube-actors/verify-shard-report@1',
    seed: 5,
    shard: { index: 1, count: 2 },
    settings: { runs: 10, steps: 30, timeout: 300_000, faults: true, faultWeight: 1 },
    invariants: ['pod-bound-once', 'node-capacity'],
    scenarios: { from: 0, to: 5, run: 5, clusterSeeds: [1, 2, 3, 4, 5] },
    ok: true,
    interrupted: false,
    ...over,
  });
  const second = () => report({ shard: { index: 2, count: 2 }, scenarios: { from: 5, to: 10, run: 5, clusterSeeds: [6, 7, 8, 9, 10] } });

  it('merge refuses reports of another campaign, naming the files and the difference', () => {
    const names = ['a.json', 'b.json'];
    expect(() => mergeShardReports([report(), { ...second(), seed: 6 }], names)).toThrow('b.json has root seed 6 but a.json has 5: the shards of one campaign share the root seed and options');
    expect(() => mergeShardReports([report(), { ...second(), settings: { ...second().settings, steps: 20 } }], names)).toThrow('b.json and a.json ran with other options (steps: 20 in b.json, 30 in a.json)');
    expect(() => mergeShardReports([report(), { ...second(), settings: { ...second().settings, mutant: 'etcd-without-cas' } }], names)).toThrow('(mutant: "etcd-without-cas" in b.json, null in a.json)');
    expect(() => mergeShardReports([report(), { ...second(), shard: { index: 2, count: 3 } }], names)).toThrow('b.json is shard 2/3 but a.json is shard 1/2');
    expect(() => mergeShardReports([report(), { ...second(), invariants: ['node-capacity'] }], names)).toThrow('b.json checked other invariants than a.json');
    expect(() => mergeShardReports([report(), report()], names)).toThrow('b.json and a.json are both shard 1/2');
    expect(() => mergeShardReports([])).toThrow('verify merge needs at least one shard report');
  });

  it('merge counts the scenarios, lists missing shards, and takes the failure of the lowest scenario', () => {
    const failure = (scenario: number) => ({ scenario, clusterSeed: 9, shape: '1 node', path: `${scenario}:0`, counterexample: [], steps: ['wait 1s'], violations: [{ invariant: 'node-capacity', message: 'over' }], replay: `kube-actors verify --seed 5 --path ${scenario}:0`, shrinks: 0 });
    expect(mergeShardReports([second()])).toMatchObject({ ok: true, complete: false, scenarios: 5, shards: { present: [2], missing: [1] } });
    const merged = mergeShardReports([
      { ...second(), ok: false, failure: failure(6), scenarios: { from: 5, to: 10, run: 2, clusterSeeds: [6, 9] } },
      { ...report(), ok: false, failure: failure(3), scenarios: { from: 0, to: 5, run: 4, clusterSeeds: [1, 2, 3, 9] } },
    ]);
    expect(merged).toMatchObject({ ok: false, complete: true, scenarios: 6, failure: { scenario: 3, shard: 1 }, failures: [{ shard: 1, scenario: 3, invariants: ['node-capacity'] }, { shard: 2, scenario: 6 }] });
  });

  it('parseShardReport reads a report back and refuses what is not one, saying why', () => {
    expect(parseShardReport(JSON.stringify(report()), 'a.json')).toEqual(report());
    expect(() => parseShardReport('{', 'a.json')).toThrow(/^a\.json is not JSON \(.*\); a shard report is written by kube-actors verify --shard I\/N --report FILE$/);
    expect(() => parseShardReport('[]', 'a.json')).toThrow('a.json is not a verify shard report: not a JSON object');
    expect(() => parseShardReport('{"format":"x"}', 'a.json')).toThrow('a.json is not a verify shard report: its "format" is "x", not "kube-actors/verify-shard-report@1"');
    expect(() => parseShardReport(JSON.stringify({ ...report(), seed: 'x' }), 'a.json')).toThrow('"seed" must be an integer >= 0; got "x"');
    expect(() => parseShardReport(JSON.stringify(report({ scenarios: { from: 0, to: 6, run: 5, clusterSeeds: [1, 2, 3, 4, 5] } })), 'a.json')).toThrow('shard 1/2 of 10 runs is scenarios 0-4, but it says 0-5');
    expect(() => parseShardReport(JSON.stringify(report({ scenarios: { from: 0, to: 5, run: 5, clusterSeeds: [1] } })), 'a.json')).toThrow('"scenarios.clusterSeeds" must hold one seed per scenario run');
    expect(() => parseShardReport(JSON.stringify(report({ ok: false })), 'a.json')).toThrow('"ok" is false but it has no failure');
  });
});
