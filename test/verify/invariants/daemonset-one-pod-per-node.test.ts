import { describe, expect, it } from 'vitest';
import { daemonSetOnePodPerNode } from '../../../src/verify/invariants/daemonset-one-pod-per-node.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { findMutant } from '../../../src/verify/mutants.js';

const ds = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'fluentd:1' }] } } },
};

/** Mutant: a DaemonSet controller that believes every rolling update may surge (src/verify/mutants-workloads.ts). */
const surgesUnasked = findMutant('daemonset-surges-unasked')!.cluster({}).controllerManager!.controllers![0]!;

function run(controllers: unknown[]) {
  const runner = new ScenarioRunner({ cluster: { nodes: 3, seed: 5, controllerManager: { controllers: controllers as never } }, invariants: [daemonSetOnePodPerNode] });
  try {
    runner.step({ op: 'custom', label: 'create daemonset agent', run: (ctx) => void ctx.cluster.client.create(ds as never) });
    runner.step({ op: 'wait', ms: 20_000 });
    runner.step({ op: 'custom', label: 'update the template', run: (ctx) => void ctx.cluster.client.patch('daemonsets', 'agent', { spec: { template: { spec: { containers: [{ name: 'a', image: 'fluentd:2' }] } } } }) });
    runner.step({ op: 'wait', ms: 30_000 });
    return { violations: [...runner.violations], pods: runner.cluster.objects('pods', 'default').length };
  } finally {
    runner.dispose();
  }
}

describe('daemonset-one-pod-per-node', () => {
  it('holds for the real DaemonSet controller through a rolling update', { timeout: 60_000 }, () => {
    const r = run([]);
    expect(r.violations).toEqual([]);
    expect(r.pods).toBe(3);
  });

  it('catches a controller that surges although the strategy allows no surge', { timeout: 60_000 }, () => {
    // the old and the new pod live on a node together only for seconds, inside one wait step:
    // the invariant replays etcd's changes, so it sees them
    expect(() => run([surgesUnasked])).toThrow(/\[daemonset-one-pod-per-node\] .*DaemonSet default\/agent runs 2 pods on node-\d: agent-\w+, agent-\w+$/);
  });
});
