import { describe, expect, it } from 'vitest';
import { acknowledgedWritesPersist } from '../../../src/verify/invariants/acknowledged-writes-persist.js';
import { LABEL_PREFIX, ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('acknowledged-writes-persist', () => {
  it('holds for concurrent label patches and stale updates on the real cluster', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [acknowledgedWritesPersist] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'concurrent-labels', resource: 'pods', namespace: 'default', name: 'p1', keys: ['a', 'b', 'c'] });
      runner.step({ op: 'stale-update', resource: 'pods', namespace: 'default', name: 'p1', race: true });
      runner.step({ op: 'stale-update', resource: 'namespaces', namespace: 'default', name: 'default', race: false });
      runner.step({ op: 'delete-pod', namespace: 'default', name: 'p1', grace: 0 });
      expect(runner.violations).toEqual([]);
      expect(runner.history.calls.filter((c) => c.labels && c.response!.code === 200).length).toBeGreaterThanOrEqual(4);
    } finally {
      runner.dispose();
    }
  });

  it('sees a label reverted to an older write (a lost update) and one removed', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'label', resource: 'pods', namespace: 'default', name: 'p1', key: 'a' });
      const old = runner.cluster.store.get('/registry/pods/default/p1')!.value;
      runner.step({ op: 'label', resource: 'pods', namespace: 'default', name: 'p1', key: 'a' });
      expect(acknowledgedWritesPersist.check(runner.cluster, runner.history)).toEqual([]);
      // a writer that computed from the stale copy puts it back
      runner.cluster.store.update('/registry/pods/default/p1', old);
      runner.history.pull();
      const [v] = acknowledgedWritesPersist.check(runner.cluster, runner.history);
      expect(v!.message).toMatch(/^label verify\.kube-actors\.io\/a on \/registry\/pods\/default\/p1 went back from w2 to w1 at revision \d+, the value call #2 \(patch pods default\/p1\) wrote at revision \d+: the write of verify\.kube-actors\.io\/a=w2 by call #3 \(patch pods default\/p1\), acknowledged at resourceVersion \d+, was lost/);
      const cur = runner.cluster.store.get('/registry/pods/default/p1')!.value;
      runner.cluster.store.update('/registry/pods/default/p1', { ...cur, metadata: { ...cur.metadata, labels: { app: 'p1' } } });
      runner.history.pull();
      expect(acknowledgedWritesPersist.check(runner.cluster, runner.history)[0]!.message).toMatch(new RegExp(`^label ${LABEL_PREFIX.replace(/\./g, '\\.')}a=w1 on /registry/pods/default/p1, written by call #2 .*was removed at revision \\d+: nobody asked for that$`));
    } finally {
      runner.dispose();
    }
  });

  it('sees an acknowledged write that etcd never made', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      runner.step(pod('p1'));
      const [call] = runner.history.calls;
      // pretend the API server acknowledged the create at a revision etcd never had
      call!.response = { code: 201, body: { ...(call!.response!.body as object), metadata: { ...(call!.response!.body as { metadata: object }).metadata, resourceVersion: '99999' } } };
      expect(acknowledgedWritesPersist.check(runner.cluster, runner.history)).toEqual([]); // waits for the change a little
      runner.cluster.advance(6_000);
      runner.history.pull();
      expect(acknowledgedWritesPersist.check(runner.cluster, runner.history)[0]!.message).toMatch(/^call #1 \(create pods default\/p1\) was answered 201 at resourceVersion 99999, but etcd made no change to \/registry\/pods\/default\/p1 at that revision$/);
    } finally {
      runner.dispose();
    }
  });
});
