import { describe, expect, it } from 'vitest';
import { resourceVersionsGrow } from '../../../src/verify/invariants/resource-versions-grow.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('resource-versions-grow', () => {
  it('holds for a client that writes and reads back, and sees a read older than an earlier answer', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [resourceVersionsGrow] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'label', resource: 'pods', namespace: 'default', name: 'p1', key: 'a' });
      runner.step({ op: 'stale-update', resource: 'pods', namespace: 'default', name: 'p1', race: false });
      expect(runner.violations).toEqual([]);
      const get = runner.call('admin', { verb: 'get', resource: 'pods', namespace: 'default', name: 'p1' });
      const rv = Number((get.response!.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
      expect(resourceVersionsGrow.check(runner.cluster, runner.history)).toEqual([]);
      const older = runner.call('admin', { verb: 'get', resource: 'pods', namespace: 'default', name: 'p1' });
      (older.response!.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion = String(rv - 1);
      const [v] = resourceVersionsGrow.check(runner.cluster, runner.history);
      expect(v!.message).toMatch(new RegExp(`^call #${older.id} \\(get /registry/pods/default/p1\\) was answered with resourceVersion ${rv - 1}, older than ${rv} which call #\\d+ had been answered with before call #${older.id} was sent$`));
    } finally {
      runner.dispose();
    }
  });
});
