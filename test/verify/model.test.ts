import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyFault, faultApplies, initialModel, modelMismatch, StepCommand, stepCommands, stepsOf } from '../../src/verify/model.js';
import { ScenarioRunner } from '../../src/verify/runner.js';
import { faultStep } from '../../src/verify/arbitraries/fault-step.js';
import { timeStep } from '../../src/verify/arbitraries/time-step.js';
import type { Fault } from '../../src/cluster/faults.js';

describe('the fault model', () => {
  it('skips faults that would change nothing, and faults on nodes the cluster does not have', () => {
    const m = initialModel(['node-1', 'node-2']);
    expect(faultApplies(m, { kind: 'restart-node', node: 'node-1' })).toBe(false);
    expect(faultApplies(m, { kind: 'heal-node', node: 'node-1' })).toBe(false);
    expect(faultApplies(m, { kind: 'etcd-recover' })).toBe(false);
    expect(faultApplies(m, { kind: 'crash-node', node: 'node-3' })).toBe(false);
    expect(faultApplies(m, { kind: 'message-loss', rate: 0 })).toBe(false);
    expect(faultApplies(m, { kind: 'heal-all' })).toBe(false);
    applyFault(m, { kind: 'partition-node', node: 'node-1' });
    expect(faultApplies(m, { kind: 'partition-node', node: 'node-1' })).toBe(false);
    expect(faultApplies(m, { kind: 'heal-all' })).toBe(true);
    applyFault(m, { kind: 'crash-node', node: 'node-1' });
    // crashing a partitioned node takes it off the partitioned list: it is down now
    expect([...m.down]).toEqual(['node-1']);
    expect([...m.partitioned]).toEqual([]);
    expect(faultApplies(m, { kind: 'restart-node', node: 'node-1' })).toBe(true);
    expect(faultApplies(m, { kind: 'restart-api-server' })).toBe(true);
    // a plan applies when each of its faults does, in order
    const crashAndRestart = new StepCommand({ op: 'plan', steps: [{ op: 'fault', fault: { kind: 'crash-node', node: 'node-2' } }, { op: 'wait', ms: 1 }, { op: 'fault', fault: { kind: 'restart-node', node: 'node-2' } }] });
    expect(crashAndRestart.check(m)).toBe(true);
    expect(new StepCommand({ op: 'plan', steps: [{ op: 'fault', fault: { kind: 'restart-node', node: 'node-2' } }] }).check(m)).toBe(false);
  });

  it('is followed by the real cluster after every fault of random plans', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(faultStep(3), timeStep({ maxMs: 1_000 })), { maxLength: 25 }), (steps) => {
        const runner = new ScenarioRunner({ cluster: { nodes: 3, seed: 1 }, invariants: [] });
        try {
          const model = initialModel(runner.cluster.nodes);
          for (const step of steps) {
            const cmd = new StepCommand(step);
            if (!cmd.check(model)) continue;
            cmd.run(model, { runner }); // throws when the cluster does not follow the model
          }
          expect(modelMismatch(model, { runner })).toEqual([]);
        } finally {
          runner.dispose();
        }
      }),
      { seed: 3, numRuns: 30 },
    );
  });

  it('names where the cluster and the model differ', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      const model = initialModel(runner.cluster.nodes);
      model.down.add('node-1');
      model.etcdDown = true;
      model.loss = 0.5;
      expect(modelMismatch(model, { runner })).toEqual([
        'node node-1 is ready, the model says down',
        'etcd is available, the model says unavailable',
        'the network has loss 0, duplication 0, reorder false; the model says 0.5, 0, false',
      ]);
    } finally {
      runner.dispose();
    }
  });
});

describe('stepCommands', () => {
  it('generates up to maxCommands steps, printed one per line, and gives back the ones that ran', () => {
    const faults: Fault[] = [{ kind: 'restart-node', node: 'node-1' }, { kind: 'crash-node', node: 'node-1' }];
    const arb = stepCommands([fc.constantFrom(...faults.map((fault) => ({ op: 'fault' as const, fault })))], { maxCommands: 6 });
    const [cmds] = fc.sample(arb, { seed: 5, numRuns: 1 });
    const all = [...cmds!] as unknown as { cmd: StepCommand }[];
    expect(all.length).toBeLessThanOrEqual(6);
    expect(String(all[0]!.cmd)).toMatch(/^fault (restart|crash)-node node-1$/);
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      fc.modelRun(() => ({ model: initialModel(['node-1']), real: { runner } }), cmds!);
      const ran = stepsOf(cmds!);
      // restart-node only runs after a crash; the run alternates crash and restart
      ran.forEach((s, i) => expect((s as { fault: Fault }).fault.kind).toBe(i % 2 === 0 ? 'crash-node' : 'restart-node'));
    } finally {
      runner.dispose();
    }
  });
});
