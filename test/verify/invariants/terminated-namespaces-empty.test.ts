import { describe, expect, it } from 'vitest';
import { terminatedNamespacesEmpty } from '../../../src/verify/invariants/terminated-namespaces-empty.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { run } from '../helpers.js';
import type { Step } from '../../../src/verify/steps.js';

const steps: Step[] = [
  { op: 'create-namespace', name: 'ns-a' },
  { op: 'create-deployment', namespace: 'ns-a', name: 'd1', replicas: 2, cpu: 100, memory: 64 },
  { op: 'create-service', namespace: 'ns-a', name: 's1', app: 'd1' },
  { op: 'wait', ms: 2_000 },
  { op: 'delete-namespace', name: 'ns-a' },
];

describe('terminated-namespaces-empty', () => {
  it('holds once the namespace controller emptied and removed the namespace', () => {
    const r = run(steps, [terminatedNamespacesEmpty], { nodes: 1, seed: 1 });
    expect(r.violations).toEqual([]);
  });

  it('sees a namespace left Terminating with its content', () => {
    const r = run(steps, [terminatedNamespacesEmpty], findMutant('no-namespace-controller')!.cluster({ nodes: 1, seed: 1 }), 30_000);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.message).toMatch(/^namespace ns-a is still Terminating and holds \d+ object\(s\): .*deployments\/d1/);
  });
});
