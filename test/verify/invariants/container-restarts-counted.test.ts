import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { containerRestartsCounted } from '../../../src/verify/invariants/container-restarts-counted.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';

// a liveness probe of port 8081, where nginx does not listen: the container is restarted every time it runs
const steps: Step[] = [
  { op: 'create-pod', namespace: 'default', name: 'p', cpu: 50, memory: 32, liveness: 'fails' },
  ...Array.from({ length: 12 }, (): Step => ({ op: 'wait', ms: 5_000 })),
];

describe('container-restarts-counted', () => {
  it('holds on the real cluster: every liveness restart is counted', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [containerRestartsCounted] });
    try {
      for (const s of steps) runner.step(s);
      expect(runner.cluster.object<Pod>('pods', 'p')?.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThanOrEqual(2);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('holds when the node crashes: its kubelet, restarted, counts on from the log directories', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [containerRestartsCounted] });
    try {
      runner.step({ op: 'create-pod', namespace: 'default', name: 'p', cpu: 50, memory: 32, readiness: 'passes' });
      runner.step({ op: 'wait', ms: 5_000 });
      runner.step({ op: 'fault', fault: { kind: 'crash-node', node: 'node-1' } });
      runner.step({ op: 'wait', ms: 5_000 });
      runner.step({ op: 'fault', fault: { kind: 'restart-node', node: 'node-1' } });
      for (let i = 0; i < 6; i++) runner.step({ op: 'wait', ms: 5_000 });
      const status = runner.cluster.object<Pod>('pods', 'p')?.status?.containerStatuses?.[0];
      expect(status?.state?.running).toBeDefined();
      expect(status?.restartCount).toBe(1);
      expect(status?.lastState?.terminated?.reason).toBe('ContainerStatusUnknown');
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches a kubelet that restarts a container after a liveness failure without counting it', () => {
    const mutant = findMutant('kubelet-uncounted-liveness-restarts')!;
    const runner = new ScenarioRunner({ cluster: mutant.cluster({ nodes: 1, seed: 1 }), invariants: [containerRestartsCounted] });
    try {
      expect(() => {
        for (const s of steps) runner.step(s);
      }).toThrow(/container-restarts-counted/);
      expect(runner.violations.map((v) => v.message)).toContainEqual(
        expect.stringMatching(/^pod default\/p written at revision \d+ shows container app in a run started [0-9T:Z-]+ with restartCount 0, the count an earlier run \(started [0-9T:Z-]+\) already had: a restart was not counted$/),
      );
    } finally {
      runner.dispose();
    }
  });
});
