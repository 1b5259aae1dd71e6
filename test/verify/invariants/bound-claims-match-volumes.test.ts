import { describe, expect, it } from 'vitest';
import { boundClaimsMatchVolumes } from '../../../src/verify/invariants/bound-claims-match-volumes.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { findMutant } from '../../../src/verify/mutants.js';
import type { KubeObject } from '../../../src/api/types.js';

const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });

/** Mutant: a PV binder that writes the volume's claimRef without the claim's uid (src/verify/mutants-workloads.ts). */
const forgetsUid = findMutant('pv-binder-omits-claim-uid')!.cluster({}).controllerManager!.controllers![0]!;

function run(controllers: unknown[]) {
  const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 7, controllerManager: { controllers: controllers as never } }, invariants: [boundClaimsMatchVolumes] });
  try {
    runner.step({ op: 'custom', label: 'create claims', run: (ctx) => ['a', 'b'].forEach((n) => ctx.cluster.client.create(claim(n) as never)) });
    runner.step({ op: 'wait', ms: 10_000 });
    runner.step({ op: 'custom', label: 'delete claim a', run: (ctx) => void ctx.cluster.client.delete('persistentvolumeclaims', 'a') });
    runner.step({ op: 'wait', ms: 10_000 });
    return { violations: [...runner.violations], bound: runner.cluster.objects<KubeObject & { status?: { phase?: string } }>('persistentvolumeclaims', 'default').filter((c) => c.status?.phase === 'Bound').length };
  } finally {
    runner.dispose();
  }
}

describe('bound-claims-match-volumes', () => {
  it('holds while the real binder provisions, binds and reclaims', { timeout: 60_000 }, () => {
    const r = run([]);
    expect(r.violations).toEqual([]);
    expect(r.bound).toBe(1);
  });

  it('catches a binder that leaves the claim uid out of the volume\'s claimRef', () => {
    // the runner stops at the first violation, naming the invariant
    expect(() => run([forgetsUid])).toThrow(/\[bound-claims-match-volumes\] .*claim default\/[ab] \(uid [-0-9a-f]+\) is Bound to volume pvc-[-0-9a-f]+, but the volume is bound to default\/[ab] \(uid none\)$/);
  });
});
