import { describe, expect, it } from 'vitest';
import { noActorErrors } from '../../../src/verify/invariants/no-actor-errors.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';

describe('no-actor-errors', () => {
  it('reports each error an actor threw once, with its address', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [noActorErrors] });
    try {
      expect(noActorErrors.check(runner.cluster, runner.history)).toEqual([]);
      runner.cluster.kernel.reportError('scheduler', new TypeError('boom'));
      const [v, ...rest] = noActorErrors.check(runner.cluster, runner.history);
      expect(rest).toEqual([]);
      expect(v!.message).toMatch(/^scheduler threw: TypeError: boom/);
      expect(noActorErrors.check(runner.cluster, runner.history)).toEqual([]);
    } finally {
      runner.dispose();
    }
  });
});
