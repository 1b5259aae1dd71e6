import { describe, expect, it } from 'vitest';
import { staleUpdatesRefused } from '../../../src/verify/invariants/stale-updates-refused.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('stale-updates-refused', () => {
  it('holds on the real cluster: stale updates get 409, raced ones never overwrite', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [staleUpdatesRefused] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'wait', ms: 1_000 });
      for (const race of [false, true, false, true]) runner.step({ op: 'stale-update', resource: 'pods', namespace: 'default', name: 'p1', race });
      const updates = runner.history.calls.filter((c) => c.spec.verb === 'update');
      expect(updates.length).toBe(4);
      expect(updates.filter((c) => c.keyRevisionAtSend !== Number(c.sentResourceVersion)).every((c) => c.response!.code === 409)).toBe(true);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('sees a stale update accepted', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'stale-update', resource: 'pods', namespace: 'default', name: 'p1', race: false });
      const update = runner.history.calls.find((c) => c.spec.verb === 'update')!;
      expect(update.response!.code).toBe(409);
      update.response = { code: 200, body: update.spec.body as never };
      const [v] = staleUpdatesRefused.check(runner.cluster, runner.history);
      expect(v!.message).toMatch(/^call #\d+ updated \/registry\/pods\/default\/p1 with resourceVersion \d+ while etcd held \d+, and was answered 200 \(accepted\), not 409 Conflict$/);
    } finally {
      runner.dispose();
    }
  });
});
