import { describe, expect, it } from 'vitest';
import { defineInvariant } from '../../src/verify/invariant.js';
import { InvariantViolationError, runScenario, ScenarioRunner, UNKNOWN_TOKEN, deploymentManifest, podManifest, invalidRequest, refusedRequest } from '../../src/verify/runner.js';
import { stateOf } from '../../src/verify/history.js';
import { validateObject } from '../../src/api/validation.js';
import { applyDefaults } from '../../src/api/defaults.js';
import { pod } from './helpers.js';

describe('ScenarioRunner', () => {
  it('sends each call through a real kubectl as its user, with its own flow, and records the answer', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'forbidden', user: 'guest', verb: 'delete', namespace: 'default', name: 'p1' });
      runner.step({ op: 'unauthenticated', verb: 'list', namespace: 'default', name: 'x' });
      const [create, forbidden, unauthenticated] = runner.history.calls;
      expect(create).toMatchObject({ id: 1, step: 0, user: 'admin', key: '/registry/pods/default/p1', flow: 'verify#1 create pods default/p1', response: { code: 201 } });
      expect(forbidden).toMatchObject({ user: 'guest', expect: 'forbidden', response: { code: 403 } });
      expect(unauthenticated).toMatchObject({ user: 'anonymous', expect: 'unauthenticated', response: { code: 401 } });
      const trace = runner.cluster.kernel.trace;
      expect(trace.total).toBeGreaterThan(0);
      expect(runner.cluster.actor(`kubectl/${UNKNOWN_TOKEN.slice(-12)}`)).toBeDefined();
    } finally {
      runner.dispose();
    }
  });

  it('sends concurrent calls at the same instant', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'concurrent-labels', resource: 'pods', namespace: 'default', name: 'p1', keys: ['a', 'b', 'c'] });
      const bursts = runner.history.calls.slice(1);
      expect(bursts.map((c) => c.sentAt)).toEqual([bursts[0]!.sentAt, bursts[0]!.sentAt, bursts[0]!.sentAt]);
      expect(bursts.map((c) => Object.values(c.labels!)[0])).toEqual(['w1', 'w2', 'w3']);
      expect(bursts.every((c) => c.response!.code === 200)).toBe(true);
    } finally {
      runner.dispose();
    }
  });

  it('heals every fault at the end: crashed nodes restart, partitions heal, etcd recovers, message faults stop', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 3, seed: 1 }, invariants: [] });
    try {
      runner.step({ op: 'fault', fault: { kind: 'crash-node', node: 'node-1' } });
      runner.step({ op: 'fault', fault: { kind: 'partition-node', node: 'node-2' } });
      runner.step({ op: 'fault', fault: { kind: 'etcd-outage' } });
      runner.step({ op: 'fault', fault: { kind: 'message-loss', rate: 0.2 } });
      runner.step({ op: 'fault', fault: { kind: 'message-reorder', enabled: true } });
      const result = runner.finish();
      expect(result.violations).toEqual([]);
      expect(result.convergedAfter).toBe(0);
      const c = runner.cluster;
      expect(c.nodes.map((n) => stateOf(c, `node/${n}`))).toEqual(expect.arrayContaining([expect.stringMatching(/^(ready|notReady)$/)]));
      expect(stateOf(c, 'node/node-1')).not.toBe('down');
      expect(stateOf(c, 'node/node-2')).not.toBe('partitioned');
      expect(stateOf(c, 'etcd')).toBe('available');
      expect(c.kernel.network.defaults.remote).toMatchObject({ dropRate: 0, duplicateRate: 0, reorder: false });
      expect(runner.history.faults.map((f) => f.fault.kind)).toEqual(['crash-node', 'partition-node', 'etcd-outage', 'message-loss', 'message-reorder', 'restart-node', 'heal-node', 'etcd-recover', 'heal-all']);
      expect(runner.history.healedAt).toBeDefined();
    } finally {
      runner.dispose();
    }
  });

  it('runs until the liveness invariants hold, or reports them after the bound', () => {
    let ready = 0;
    const eventually = defineInvariant({ name: 'eventually', kind: 'liveness', description: 'true after 10 s', check: (c) => (c.now() >= ready ? [] : ['not yet']) });
    const a = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [eventually], livenessTimeout: 30_000 });
    try {
      ready = a.cluster.now() + 10_000;
      const r = a.finish();
      expect(r.violations).toEqual([]);
      expect(r.convergedAfter).toBe(10_000);
    } finally {
      a.dispose();
    }
    const b = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [eventually], livenessTimeout: 4_000 });
    try {
      ready = Infinity;
      const r = b.finish();
      expect(r.violations.map((v) => v.message)).toEqual(['not yet (still, 4 s of virtual time after every fault was healed)']);
      expect(r.violations[0]!.step).toBeUndefined();
    } finally {
      b.dispose();
    }
  });

  it('stops at the first safety violation, naming the step, and refuses more steps', () => {
    const once = defineInvariant({ name: 'no-p2', kind: 'safety', description: '', check: (c) => (c.object('pods', 'p2') ? ['p2 exists'] : []) });
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [once] });
    try {
      runner.step(pod('p1'));
      expect(() => runner.step(pod('p2'))).toThrow(InvariantViolationError);
      expect(runner.violations).toEqual([{ invariant: 'no-p2', message: 'p2 exists', time: runner.cluster.now(), step: 1 }]);
      expect(() => runner.step(pod('p3'))).toThrow(/p2 exists/);
      expect(runner.finish().violations).toHaveLength(1);
    } finally {
      runner.dispose();
    }
  });

  it('turns an exception out of the simulation into a violation', () => {
    const r = runScenario([{ op: 'custom', label: 'boom', run: () => { throw new Error('kaboom'); } }], { cluster: { nodes: 1, seed: 1 }, invariants: [] });
    expect(r.violations).toEqual([expect.objectContaining({ invariant: 'simulation', message: 'the simulation threw: Error: kaboom', step: 0 })]);
    expect(r.stepsRun).toBe(1);
  });
});

describe('the manifests of the steps', () => {
  it('are valid objects, and the invalid ones are invalid', () => {
    const valid = [
      podManifest({ op: 'create-pod', namespace: 'default', name: 'p1', cpu: 100, memory: 64, tolerate: true, zone: 'a', grace: 1, completes: true }),
      deploymentManifest({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 2, cpu: 100, memory: 64, tolerate: true }),
    ];
    for (const obj of valid) {
      const v = validateObject(applyDefaults({ ...obj, metadata: { ...obj.metadata, namespace: 'default' } }), { operation: 'create', fieldValidation: 'Strict' });
      expect(v.causes).toEqual([]);
      expect(v.unknownFields).toEqual([]);
    }
    for (const variant of ['bad-name', 'no-containers', 'bad-quantity', 'negative-replicas', 'selector-mismatch'] as const) {
      const spec = invalidRequest(variant, 'default', 'x');
      const body = spec.body as { metadata: object };
      const v = validateObject(applyDefaults({ ...body, metadata: { ...body.metadata, namespace: 'default' } }), { operation: 'create', fieldValidation: 'Strict' });
      expect(v.causes.length, variant).toBeGreaterThan(0);
    }
    expect(refusedRequest('list', 'default', 'x')).toEqual({ verb: 'list', resource: 'secrets', namespace: 'default' });
  });
});
