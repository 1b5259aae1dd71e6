import { describe, expect, it } from 'vitest';
import { impersonationNeedsTheVerb } from '../../../src/verify/invariants/impersonation-needs-the-verb.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';

const steps: Step[] = [
  { op: 'impersonate', user: 'guest', verb: 'create', namespace: 'default', name: 'x' },
  { op: 'impersonate', user: 'viewer', verb: 'list', namespace: 'default', name: 'x' },
];

describe('impersonation-needs-the-verb', () => {
  it('holds on the real API server: a guest or a viewer asking to act as the admin gets 403', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [impersonationNeedsTheVerb] });
    try {
      for (const s of steps) runner.step(s);
      expect(runner.history.calls.map((c) => c.response!.code)).toEqual([403, 403]);
      expect((runner.history.calls[0]!.response!.body as { message?: string }).message).toBe(
        'users "kubernetes-admin" is forbidden: User "guest" cannot impersonate resource "users" in API group "" at the cluster scope',
      );
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches an API server that never checks the impersonate verb: the guest creates a pod as the admin', () => {
    const mutant = findMutant('api-server-skips-impersonation-check')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [impersonationNeedsTheVerb] });
    try {
      expect(() => runner.step(steps[0]!)).toThrow(/impersonation-needs-the-verb/);
      const messages = runner.violations.map((v) => v.message);
      expect(messages).toContainEqual(
        'call #1: guest (guest) may not impersonate user kubernetes-admin, yet create /registry/pods/default/x as {"user":"kubernetes-admin","groups":["system:masters"]} was answered 201; expected 403 Forbidden',
      );
      expect(messages).toContainEqual(expect.stringMatching(/^call #1 \(guest as .*\) made etcd apply .*create \/registry\/pods\/default\/x.* at revision \d+$/));
    } finally {
      runner.dispose();
    }
  });

  it('does not complain when the caller may impersonate (the admin acting as guest is refused as guest would be)', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [impersonationNeedsTheVerb] });
    try {
      runner.step({
        op: 'custom',
        label: 'admin lists pods as guest',
        run: (r) => {
          r.call('admin', { verb: 'list', resource: 'pods', namespace: 'default', impersonate: { user: 'guest' } });
        },
      });
      expect(runner.history.calls[0]!.response!.code).toBe(403);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });
});
