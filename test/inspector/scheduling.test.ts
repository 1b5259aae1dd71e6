/**
 * The inspector's per-plugin view of a pod's scheduling (`scheduling` request, served from the
 * scheduler's cycle records): for a pod that fits, every node's Filter verdicts, every Score
 * plugin's raw, normalised and weighted score, totals that add up, and the node the pod was bound
 * to marked; for a pod that fits nowhere, each node's rejecting plugin and reason and the
 * FailedScheduling message the pod's Event carries; for a pod one node admits, the rejections and
 * no scoring; a deleted pod's record is forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInspector, type Inspector } from '../../src/inspector/server.js';
import type { Pod } from '../../src/api/types.js';
import type { CycleRecordJSON } from '../../machines/scheduler/cycle-record.js';
import { TestClient, eventually } from './ws-client.js';

const T = { timeout: 60_000 };

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  containers: [{ name: web, image: nginx:1.14.2, resources: { requests: { cpu: 100m, memory: 64Mi } } }]
---
apiVersion: v1
kind: Pod
metadata: { name: big }
spec:
  containers: [{ name: big, image: nginx:1.14.2, resources: { requests: { cpu: "1000" } } }]
---
apiVersion: v1
kind: Pod
metadata: { name: picky }
spec:
  nodeSelector: { kubernetes.io/hostname: node-2 }
  containers: [{ name: picky, image: nginx:1.14.2 }]
`;

describe('inspector: the scheduler view of a pod', T, () => {
  let insp: Inspector;
  let c: TestClient;
  const cycleOf = async (pod: string): Promise<CycleRecordJSON> => {
    const answer = await c.request({ type: 'scheduling', pod });
    expect(answer.type).toBe('scheduling');
    expect(answer.error, pod).toBeUndefined();
    return answer.cycle as CycleRecordJSON;
  };

  beforeAll(async () => {
    insp = await startInspector({ port: 0, speed: 50, cluster: { seed: 11, nodes: 3 } });
    await eventually(() => insp.cluster.objects('nodes').length === 3, 20_000, 'three registered nodes');
    c = await TestClient.connect(insp.url);
    const applied = await c.request({ type: 'apply', manifest: MANIFEST });
    expect(applied.ok).toBe(true);
    await eventually(() => {
      const pods = insp.cluster.objects<Pod>('pods');
      const scheduled = (name: string) => pods.find((p) => p.metadata?.name === name)?.status?.conditions?.some((x) => x.type === 'PodScheduled');
      return ['web', 'big', 'picky'].every(scheduled);
    }, 30_000, 'a scheduling cycle of every pod');
  }, 60_000);

  afterAll(async () => {
    await c?.close();
    await insp?.close();
  });

  it('shows a scheduled pod: every Filter passed on every node, the scores per plugin, the totals and the chosen node', async () => {
    const cycle = await cycleOf('web');
    const bound = (insp.cluster.object('pods', 'web', 'default') as Pod).spec?.nodeName;
    expect(bound).toMatch(/^node-\d$/);
    expect(cycle).toMatchObject({ pod: 'default/web', result: { ok: true, node: bound }, scoring: 'ran', notEvaluated: 0 });
    expect(cycle.filterPlugins).toEqual(expect.arrayContaining(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodeResourcesFit']));
    expect(cycle.nodes.map((n) => n.node).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    expect(cycle.scorePlugins.map((p) => p.name)).toContain('NodeResourcesFit');
    for (const n of cycle.nodes) {
      // a plugin whose PreFilter skipped the pod did not filter; every other one passed
      for (const p of cycle.filterPlugins) expect(['Success', 'Skip'], `${n.node} ${p}`).toContain(n.filters[p]);
      expect(n.filters['NodeResourcesFit']).toBe('Success');
      let sum = 0;
      for (const p of cycle.scorePlugins) {
        const s = n.scores![p.name]!;
        expect(s.normalized).toBeGreaterThanOrEqual(0);
        expect(s.normalized).toBeLessThanOrEqual(100);
        expect(s.weighted).toBe(s.normalized * p.weight);
        sum += s.weighted;
      }
      expect(n.total).toBe(sum);
    }
    const selected = cycle.nodes.filter((n) => n.selected);
    expect(selected.map((n) => n.node)).toEqual([bound]);
    expect(selected[0]!.total).toBe(Math.max(...cycle.nodes.map((n) => n.total!)));
  });

  it('shows a pod that fits nowhere: the rejecting plugin and reason per node, the later plugins not run, the FailedScheduling message', async () => {
    const cycle = await cycleOf('default/big');
    expect(cycle.result.ok).toBe(false);
    const event = insp.cluster.objects('events').find((e: any) => e.involvedObject?.name === 'big' && e.reason === 'FailedScheduling') as { message?: string } | undefined;
    expect(event?.message).toBeDefined();
    expect(cycle.result).toMatchObject({ ok: false, message: event!.message });
    expect(cycle.result).toMatchObject({ message: expect.stringMatching(/^0\/3 nodes are available: 3 Insufficient cpu\./) });
    expect(cycle.scoring).toBe('no feasible node');
    expect(cycle.scorePlugins).toEqual([]);
    expect(cycle.nodes).toHaveLength(3);
    const fit = cycle.filterPlugins.indexOf('NodeResourcesFit');
    for (const n of cycle.nodes) {
      expect(n.filters['NodeResourcesFit']).toEqual({ code: 'Unschedulable', reasons: ['Insufficient cpu'] });
      for (const p of cycle.filterPlugins.slice(fit + 1)) expect(['NotRun', 'Skip'], p).toContain(n.filters[p]);
      for (const p of cycle.filterPlugins.slice(0, fit)) expect(['Success', 'Skip'], p).toContain(n.filters[p]);
      expect(n.selected).toBeUndefined();
      expect(n.scores).toBeUndefined();
    }
  });

  it('shows a pod only one node admits: NodeAffinity rejects the others, and nothing is scored', async () => {
    const cycle = await cycleOf('picky');
    expect(cycle.result).toEqual({ ok: true, node: 'node-2' });
    expect(cycle.scoring).toBe('one feasible node');
    const byNode = Object.fromEntries(cycle.nodes.map((n) => [n.node, n]));
    for (const other of ['node-1', 'node-3']) {
      expect(byNode[other]!.filters['NodeAffinity']).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] });
    }
    expect(byNode['node-2']).toMatchObject({ selected: true, filters: { NodeAffinity: 'Success' } });
  });

  it('answers an unknown pod, and a deleted one, with no cycle and says why', async () => {
    const none = await c.request({ type: 'scheduling', pod: 'default/nobody' });
    expect(none).toMatchObject({ type: 'scheduling', pod: 'default/nobody', cycle: null });
    expect(none.error).toMatch(/keeps no scheduling cycle of pod default\/nobody/);
    const bad = await c.request({ type: 'scheduling', pod: '' } as never);
    expect(bad.error).toMatch(/needs a pod/);
    await insp.cluster.client.requestAsync({ verb: 'delete', resource: 'pods', namespace: 'default', name: 'big' });
    await eventually(() => !insp.cluster.object('pods', 'big', 'default'), 20_000, 'big deleted');
    await eventually(() => {
      const ctx = insp.cluster.actor('scheduler')!.getSnapshot().context as { records: { get(k: string): unknown } };
      return ctx.records.get('default/big') === undefined;
    }, 20_000, 'the scheduler to hear of the deletion');
    expect((await c.request({ type: 'scheduling', pod: 'default/big' })).cycle).toBeNull();
  });
});
