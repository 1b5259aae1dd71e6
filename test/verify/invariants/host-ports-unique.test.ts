import { describe, expect, it } from 'vitest';
import { hostPortsUnique } from '../../../src/verify/invariants/host-ports-unique.js';
import { createProfile } from '../../../machines/scheduler/registry.js';
import { placed, runPlacement } from './placement-helpers.js';

const ONE_NODE = [{ name: 'node-1', labels: { zone: 'a' } }];

describe('host-ports-unique', () => {
  it('holds for the real scheduler: a second pod on the port waits, one on another port runs', { timeout: 60_000 }, () => {
    const r = runPlacement(hostPortsUnique, [placed('q1', { hostPort: 8080 }), placed('q2', { hostPort: 8080 }), placed('q3', { hostPort: 8081 })], { nodes: ONE_NODE });
    expect(r.violations).toEqual([]);
    expect(r.placed).toEqual({ q1: 'node-1', q2: '', q3: 'node-1' });
  });

  it('a port freed by a deleted pod may be taken again', { timeout: 60_000 }, () => {
    const r = runPlacement(hostPortsUnique, [placed('q1', { hostPort: 8080 }), placed('q2', { hostPort: 8080 }), { op: 'delete-pod', namespace: 'default', name: 'q1' }, { op: 'wait', ms: 20_000 }], { nodes: ONE_NODE });
    expect(r.violations).toEqual([]);
    expect(r.placed).toEqual({ q2: 'node-1' });
  });

  it('catches a scheduler without NodePorts', { timeout: 60_000 }, () => {
    expect(() => runPlacement(hostPortsUnique, [placed('q1', { hostPort: 8080 }), placed('q2', { hostPort: 8080 })], { nodes: ONE_NODE, profile: createProfile({ disable: ['NodePorts'] }) })).toThrow(
      /\[host-ports-unique\] .*pod default\/q2 was bound to node-1 at revision \d+ with hostPort 8080\/TCP \(0\.0\.0\.0\) that pod default\/q1 already uses there/,
    );
  });
});
