/**
 * The scheduler's cycle records (the inspector's per-plugin view): a record turned into its table
 * shows each Filter plugin's verdict per node (passed, rejected with the reason, not run after an
 * earlier rejection, skipped by its PreFilter), each Score plugin's raw and normalised score, the
 * totals and the chosen node; the store keeps the last N pods and forgets a deleted one.
 */
import { describe, expect, it } from 'vitest';
import { SchedulerCache } from '../../../machines/scheduler/cache.js';
import { defaultProfile } from '../../../machines/scheduler/registry.js';
import { findFeasibleNodes, scoreFeasibleNodes, type ScheduleResult } from '../../../machines/scheduler/schedule-one.js';
import { CycleRecords, cycleRecordJSON, type CycleRecord } from '../../../machines/scheduler/cycle-record.js';
import type { Node, Pod } from '../../../src/api/types.js';
import { makeNode, makePod, scriptedRng } from './helpers.js';

function cycle(nodes: Node[], pod: Pod): CycleRecord {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  const options = { rng: scriptedRng([0, 0, 0, 0]), startIndex: 0, recordScores: true };
  const phase = findFeasibleNodes(pod, cache, defaultProfile, options);
  const result: ScheduleResult = 'done' in phase ? phase.done : scoreFeasibleNodes(pod, phase, defaultProfile, options);
  return { pod, attempt: 1, time: 0, numAllNodes: cache.nodeCount, profileFilters: defaultProfile.filters, outcome: phase.outcome, result };
}

describe('cycleRecordJSON', () => {
  it("shows a rejected node's plugin and reason, the plugins after it not run, and PreFilter skips", () => {
    const nodes = [makeNode('small', { cpu: '1' }), makeNode('tainted', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }), makeNode('ok', { cpu: '8' })];
    const json = cycleRecordJSON(cycle(nodes, makePod('p', { cpu: '2' })));
    expect(json.filterPlugins).toEqual(defaultProfile.filters.map((f) => f.name));
    const row = (n: string) => json.nodes.find((r) => r.node === n)!;
    expect(row('small').filters).toMatchObject({ NodeUnschedulable: 'Success', TaintToleration: 'Success', NodeResourcesFit: { code: 'Unschedulable', reasons: ['Insufficient cpu'] } });
    expect(row('tainted').filters).toMatchObject({
      TaintToleration: { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) had untolerated taint {k: v}"] },
      NodeResourcesFit: 'NotRun',
    });
    // no ports, no volumes, no affinity: their PreFilter skipped the pod
    expect(row('ok').filters).toMatchObject({ NodePorts: 'Skip', NodeAffinity: 'Skip', VolumeBinding: 'Skip', NodeResourcesFit: 'Success' });
    // one feasible node: no scoring (kube's shortcut)
    expect(json).toMatchObject({ scoring: 'one feasible node', result: { ok: true, node: 'ok' }, notEvaluated: 0 });
    expect(row('ok').selected).toBe(true);
  });

  it('keeps raw and normalised scores apart for a plugin with NormalizeScore', () => {
    const nodes = [makeNode('a'), makeNode('b', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), makeNode('c')];
    const json = cycleRecordJSON(cycle(nodes, makePod('p', { cpu: '100m' })));
    expect(json.scoring).toBe('ran');
    const taint = json.scorePlugins.find((p) => p.name === 'TaintToleration')!;
    expect(taint.weight).toBe(3);
    const score = (n: string) => json.nodes.find((r) => r.node === n)!.scores!['TaintToleration'];
    // raw: the number of intolerable PreferNoSchedule taints; normalised: reversed to 0..100
    expect(score('b')).toEqual({ raw: 1, normalized: 0, weighted: 0 });
    expect(score('a')).toEqual({ raw: 0, normalized: 100, weighted: 300 });
    for (const r of json.nodes) expect(r.total).toBe(Object.values(r.scores!).reduce((s, x) => s + x.weighted, 0));
    expect(json.nodes.filter((r) => r.selected).map((r) => r.node)).toEqual([(json.result as { node: string }).node]);
    expect(json.result).not.toEqual({ ok: true, node: 'b' });
  });

  it('shows a pod that fits nowhere with its FailedScheduling message', () => {
    const json = cycleRecordJSON(cycle([makeNode('a', { cpu: '1' })], makePod('p', { cpu: '2' })));
    expect(json).toMatchObject({ scoring: 'no feasible node', scorePlugins: [], result: { ok: false, message: expect.stringMatching(/^0\/1 nodes are available: 1 Insufficient cpu\./) } });
  });
});

describe('CycleRecords', () => {
  const rec = (name: string): CycleRecord => cycle([makeNode('a')], makePod(name));

  it('keeps the last N pods, a new cycle making its pod the newest, and forgets a deleted pod', () => {
    const records = new CycleRecords(2);
    records.set('default/a', rec('a'));
    records.set('default/b', rec('b'));
    records.set('default/a', rec('a'));
    records.set('default/c', rec('c'));
    expect(records.get('default/b')).toBeUndefined();
    expect(records.get('default/a')?.pod.metadata?.name).toBe('a');
    expect(records.size).toBe(2);
    records.delete('default/a');
    expect(records.get('default/a')).toBeUndefined();
    expect(records.size).toBe(1);
  });

  it('keeps nothing with capacity 0', () => {
    const records = new CycleRecords(0);
    records.set('default/a', rec('a'));
    expect(records.size).toBe(0);
  });
});
