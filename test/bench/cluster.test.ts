import { describe, expect, it } from 'vitest';
import { benchCluster, formatClusterBench } from '../../src/bench/cluster.js';
import { benchIdle } from '../../src/bench/idle.js';
import { benchPreamble } from '../../src/bench/main.js';

describe('benchmarks (shape and counts only; no timing is asserted)', () => {
  it('runs every pod of a small cluster through the whole flow and reports the figures', async () => {
    const r = await benchCluster({ nodes: 5, pods: 40 });
    expect(r.running).toBe(40);
    expect(r.messages).toBeGreaterThan(40 * 20);
    expect(r.transitions).toBeGreaterThan(r.messages / 2);
    for (const key of ['wallMs', 'virtualMs', 'podsPerSec', 'messagesPerSec', 'peakHeapBytes', 'rawXstateRatio', 'gcMs', 'gcCount', 'gcShare'] as const) {
      expect(typeof r[key]).toBe('number');
      expect(Number.isFinite(r[key])).toBe(true);
    }
    const text = formatClusterBench(r);
    expect(text).toContain('pods Running        40 of 40');
    expect(r.gcShare).toBeGreaterThanOrEqual(0);
    expect(r.gcShare).toBeLessThanOrEqual(1);
    // pods/s, heap and the share of garbage collection, per size
    expect(text).toMatch(/\n {2}pods\/s {14}\d+ /);
    expect(text).toMatch(/\n {2}peak heap \/ RSS {5}\d+ MiB \/ \d+ MiB/);
    expect(text).toMatch(/\n {2}garbage collection {2}\d+\.\d\d s, \d+\.\d% of the wall time \(\d+ collections\)/);
    // the figures beside reference points, as references (no "target" a run could seem to fail)
    expect(text).toMatch(/pods\/s\s+\S+\s+\(references: kube-scheduler ~100 pods\/s at 5,000 nodes \(scheduler_perf\), kwok ~20; project goal/);
    expect(text).toMatch(/virtual time\s+\S+ s\s+\(the simulated cluster's clock/);
    expect(text).not.toMatch(/target/);
  });

  it('starts by saying what the references are, that nothing is asserted, and what virtual time is', () => {
    const text = benchPreamble('v20.0.0', 'linux', 'x64');
    expect(text).toMatch(/^kube-actors benchmarks on Node v20\.0\.0, linux\/x64\n/);
    expect(text).toContain('scheduler_perf');
    expect(text).toContain('kwok');
    expect(text).toContain('nothing is asserted');
    expect(text).toMatch(/Virtual time is the simulated cluster's clock/);
  });

  it('reports progress as pods are created and start running, ending with every pod Running', async () => {
    const seen: { created: number; running: number; pods: number }[] = [];
    const r = await benchCluster({ nodes: 3, pods: 30, batch: 10, onProgress: (p) => seen.push({ ...p }) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.map((p) => p.created).slice(0, 3)).toEqual([10, 20, 30]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.running).toBeGreaterThanOrEqual(seen[i - 1]!.running);
    expect(seen.at(-1)).toEqual({ created: 30, running: 30, pods: 30 });
    expect(r.running).toBe(30);
  });

  it('advances an idle cluster through virtual time with lease renewals', () => {
    const minutes: number[] = [];
    const r = benchIdle(3, 150_000, (ms) => minutes.push(ms));
    expect(minutes).toEqual([60_000, 120_000, 150_000]);
    // three kubelets renew every 10 s: at least 45 renewals of several messages each in 2.5 minutes
    expect(r.messages).toBeGreaterThan(45 * 4);
    expect(r.timersFired).toBeGreaterThan(45);
  });
});
