/**
 * The examples in examples/ run, print what they say, and show the effect they claim: each is
 * called as a function (its results checked) and run as a program with tsx (exit code 0 and its
 * output checked).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main as createPodFlow } from '../../examples/create-pod-flow.js';
import { main as nodeFailure } from '../../examples/deployment-node-failure.js';
import { main as schedulerPlugin, placements, customProfile } from '../../examples/custom-scheduler-plugin.js';
import { main as customController } from '../../examples/custom-controller.js';
import { main as verifyProperty, check, noPodsOnMaintenanceNodes, NODES } from '../../examples/verify-property.js';
import { createCluster, verify } from '../../src/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

function capture(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(...line.split('\n')) };
}

describe('examples/create-pod-flow.ts', () => {
  it('prints the flow of kubectl create pod in the order of the architecture document', () => {
    const out = capture();
    const result = createPodFlow({ log: out.log });
    const hops = result.entries.map((e) => `${e.from.split('/')[0]}>${e.to.split('/')[0]}:${e.type}`);
    const order = [
      'kubectl>api-server:api.request',
      'api-server>etcd:etcd.create',
      'etcd>api-server:etcd.result',
      'api-server>scheduler:watch.added',
      'scheduler>api-server:api.request',
      'api-server>kubelet:watch.added',
      'kubelet>pod:pod.sync',
      'kubelet>api-server:api.request',
      'api-server>etcd:etcd.update',
    ];
    let at = -1;
    for (const hop of order) {
      const next = hops.indexOf(hop, at + 1);
      expect(next, `${hop} after message ${at}`).toBeGreaterThan(at);
      at = next;
    }
    // only the API server talks to etcd
    for (const e of result.entries) if (e.to === 'etcd') expect(e.from).toBe('api-server');
    expect(['node-1', 'node-2', 'node-3']).toContain(result.node);
    expect(out.lines[0]).toMatch(/^flow "create pods default\/nginx": \d+ messages; nginx runs on node-\d after [\d.]+ ms of virtual time$/);
    expect(out.lines.length).toBe(result.entries.length + 1);
    expect(out.lines.some((l) => l.includes(`kubelet/${result.node}`) && l.includes('patch pods/status default/nginx'))).toBe(true);
  });

  it('is deterministic: the same seed prints the same lines', () => {
    const a = capture();
    const b = capture();
    createPodFlow({ seed: 5, log: a.log });
    createPodFlow({ seed: 5, log: b.log });
    expect(a.lines).toEqual(b.lines);
  });
});

describe('examples/deployment-node-failure.ts', () => {
  it('shows the node go Unknown, its pods evicted after 300 s and replaced on the live nodes', () => {
    const out = capture();
    const r = nodeFailure({ log: out.log });
    expect(r.lostPods.length).toBeGreaterThan(0);
    const when = (pattern: RegExp) => r.timeline.find((t) => pattern.test(t.what))?.at;
    const unknown = when(new RegExp(`^node ${r.killed}: Ready=Unknown`));
    const tainted = when(new RegExp(`^taints ${r.killed}: .*node\\.kubernetes\\.io/unreachable:NoExecute`));
    expect(unknown, 'the node is marked Unknown').toBeDefined();
    // the node lifecycle controller's grace period is 50 s from the last lease renewal (every 10 s)
    expect(unknown!).toBeGreaterThanOrEqual(35);
    expect(unknown!).toBeLessThanOrEqual(60);
    expect(tainted).toBe(unknown);
    // the default toleration of unreachable:NoExecute is 300 s
    const evicted = when(new RegExp(`^pod ${r.lostPods[0]}: .*\\(terminating\\)|^pod ${r.lostPods[0]}: gone`));
    expect(evicted).toBeDefined();
    expect(evicted! - unknown!).toBeGreaterThanOrEqual(299);
    expect(evicted! - unknown!).toBeLessThanOrEqual(310);
    expect(r.recoveredAfter).toBeDefined();
    const live = Object.entries(r.finalPods).filter(([name]) => !r.lostPods.includes(name));
    expect(live.length).toBe(3);
    for (const [, node] of live) expect(node).not.toBe(r.killed);
    expect(out.lines.some((l) => l.includes(`${r.killed} crashes`))).toBe(true);
    expect(out.lines.some((l) => /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/.test(l))).toBe(true);
  });
});

describe('examples/custom-scheduler-plugin.ts', () => {
  it('keeps pods off the node under maintenance and puts the pods that want an SSD on the SSD node', () => {
    const out = capture();
    const { defaults, custom } = schedulerPlugin({ log: out.log });
    expect(Object.keys(custom).sort()).toEqual(Object.keys(defaults).sort());
    expect(Object.values(custom)).not.toContain('node-3');
    for (const [pod, node] of Object.entries(custom)) {
      if (Number(pod.split('-')[1]) % 2 === 0) expect(node, pod).toBe('node-2');
    }
    // the default profile spreads the pods and ignores both labels
    expect(Object.values(defaults)).toContain('node-3');
    expect(Object.values(defaults).filter((n) => n === 'node-2').length).toBeLessThan(4);
    expect(out.lines.at(-2)).toBe(`node-3 (maintenance): ${Object.values(defaults).filter((n) => n === 'node-3').length} pods with the default profile, 0 with the custom one`);
  });

  it('gives the same placements for the same seed', () => {
    expect(placements(customProfile, 3)).toEqual(placements(customProfile, 3));
  });
});

describe('examples/custom-controller.ts', () => {
  it('runs a user-defined controller beside the built-in ones and it converges after each change', () => {
    const out = capture();
    const r = customController({ log: out.log });
    expect(r.counts).toEqual(['1', '2', '5', '4', '4', '2']);
    expect(out.lines.filter((l) => l.includes('→ ConfigMap default/pod-count')).length).toBe(6);
  });

  it('is spawned by the controller manager at controller-manager/pod-counter', async () => {
    const { podCounter } = await import('../../examples/custom-controller.js');
    const cluster = createCluster({ nodes: 1, seed: 2, controllerManager: { controllers: [podCounter] } });
    try {
      // the controller manager starts its controllers once each built-in one has its ServiceAccount's token
      expect(cluster.runUntil(() => cluster.kernel.has('controller-manager/pod-counter'), { timeout: 5_000 })).toBe(true);
      expect(cluster.kernel.has('controller-manager/replicaset')).toBe(true);
      expect(cluster.kernel.hostOf('controller-manager/pod-counter')).toBe('control-plane');
    } finally {
      cluster.stop();
    }
  });
});

describe('examples/verify-property.ts', () => {
  it('the property holds with the plugin and verify finds a shrunk counterexample without it', () => {
    const out = capture();
    const { withPlugin, withDefaults } = verifyProperty({ runs: 15, log: out.log });
    expect(withPlugin.ok).toBe(true);
    expect(withPlugin.runs).toBe(15);
    expect(withPlugin.invariants).toEqual(['no-pods-on-maintenance-nodes']);
    expect(withDefaults.ok).toBe(false);
    const failure = withDefaults.failure!;
    expect(failure.violations[0]!.invariant).toBe('no-pods-on-maintenance-nodes');
    expect(failure.violations[0]!.message).toMatch(/is bound to node-2, which is under maintenance$/);
    // shrunk to a step or two that create pods or a Deployment (which node a lone pod lands on
    // depends on the seed's tie-break among equally scored nodes)
    expect(failure.steps.length).toBeGreaterThanOrEqual(1);
    expect(failure.steps.length).toBeLessThanOrEqual(2);
    for (const step of failure.steps) expect(step).toMatch(/^create-(pod|deployment) /);
    expect(out.lines).toContain('seed: 7');
  });

  it('replays the counterexample from its seed and path', () => {
    const first = check(undefined, { runs: 15 });
    const again = verify({
      runs: 15,
      seed: first.seed,
      steps: 15,
      path: first.failure!.path,
      ...(first.failure!.replayPath ? { replayPath: first.failure!.replayPath } : {}),
      cluster: { nodes: NODES },
      invariants: [noPodsOnMaintenanceNodes],
    });
    expect(again.ok).toBe(false);
    expect(again.failure!.steps).toEqual(first.failure!.steps);
    expect(again.failure!.violations.map((v) => v.message)).toEqual(first.failure!.violations.map((v) => v.message));
  });
});

describe('the examples as programs', () => {
  const programs: [string, RegExp][] = [
    ['examples/create-pod-flow.ts', /^flow "create pods default\/nginx"/m],
    ['examples/deployment-node-failure.ts', /Deployment has 3 available replicas again/],
    ['examples/custom-scheduler-plugin.ts', /node-3 \(maintenance\): \d+ pods with the default profile, 0 with the custom one/],
    ['examples/custom-controller.ts', /controller-manager\/pod-counter is in state/],
    ['examples/verify-property.ts', /ok: 25 scenario\(s\) passed 1 invariants[\s\S]*FAILED after/],
  ];
  for (const [file, expected] of programs) {
    it(`${file} runs with tsx and exits 0`, async () => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 120_000 });
      expect(stdout).toMatch(expected);
    });
  }
});
