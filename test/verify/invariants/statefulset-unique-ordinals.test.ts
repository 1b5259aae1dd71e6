import { describe, expect, it } from 'vitest';
import { statefulSetUniqueOrdinals } from '../../../src/verify/invariants/statefulset-unique-ordinals.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { findMutant } from '../../../src/verify/mutants.js';


const sts = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } },
};

/** Mutant: a StatefulSet controller whose pods get generated names (src/verify/mutants-workloads.ts). */
const generatedNames = findMutant('statefulset-generates-names')!.cluster({}).controllerManager!.controllers![0]!;

function run(controllers: unknown[]) {
  const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 6, controllerManager: { controllers: controllers as never } }, invariants: [statefulSetUniqueOrdinals] });
  try {
    runner.step({ op: 'custom', label: 'create statefulset db', run: (ctx) => void ctx.cluster.client.create(sts as never) });
    runner.step({ op: 'wait', ms: 20_000 });
    runner.step({ op: 'delete-pod', namespace: 'default', name: 'db-0' });
    runner.step({ op: 'wait', ms: 20_000 });
    return [...runner.violations];
  } finally {
    runner.dispose();
  }
}

describe('statefulset-unique-ordinals', () => {
  it('holds for the real StatefulSet controller, a pod deleted and recreated included', { timeout: 60_000 }, () => {
    expect(run([])).toEqual([]);
  });

  it('catches a controller that names its pods by generateName', () => {
    // the runner stops at the first violation, naming the invariant
    expect(() => run([generatedNames])).toThrow(/\[statefulset-unique-ordinals\] .*pod default\/db-0-[a-z0-9]{5} of StatefulSet default\/db has ordinal 0 but is not named db-0/);
  });
});
