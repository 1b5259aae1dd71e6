import { describe, expect, it } from 'vitest';
import { refusedRequestsChangeNothing } from '../../../src/verify/invariants/refused-requests-change-nothing.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';

const refused: Step[] = [
  { op: 'unauthenticated', verb: 'create', namespace: 'default', name: 'x' },
  { op: 'forbidden', user: 'guest', verb: 'create', namespace: 'default', name: 'x' },
  { op: 'forbidden', user: 'viewer', verb: 'delete', namespace: 'default', name: 'x' },
  { op: 'invalid', variant: 'no-containers', namespace: 'default', name: 'x' },
];

describe('refused-requests-change-nothing', () => {
  it('holds on the real API server', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [refusedRequestsChangeNothing] });
    try {
      for (const s of refused) runner.step(s);
      expect(runner.history.calls.map((c) => c.response!.code)).toEqual([401, 403, 403, 422]);
    } finally {
      runner.dispose();
    }
  });

  it('sees a forbidden write accepted and applied by an API server that skips authorization', () => {
    const mutant = findMutant('api-server-skips-authorization')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [refusedRequestsChangeNothing] });
    try {
      expect(() => runner.step(refused[1]!)).toThrow(/refused-requests-change-nothing/);
      const messages = runner.violations.map((v) => v.message);
      expect(messages).toContainEqual(expect.stringMatching(/^call #1, forbidden \(guest: create \/registry\/pods\/default\/x\), changed etcd: it applied create \/registry\/pods\/default\/x at revision \d+$/));
      expect(messages).toContainEqual('call #1, forbidden (guest: create /registry/pods/default/x), was answered 201; expected 403 Forbidden');
    } finally {
      runner.dispose();
    }
  });

  it('wants 401, not 403, for a token nobody has', () => {
    const mutant = findMutant('api-server-skips-authentication')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [refusedRequestsChangeNothing] });
    try {
      expect(() => runner.step(refused[0]!)).toThrow(/expected 401 Unauthorized/);
    } finally {
      runner.dispose();
    }
  });
});
