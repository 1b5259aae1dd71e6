/**
 * PodDisruptionBudgets end to end with the real kubectl: `create pdb`, `get pdb` with kubectl's
 * columns, `describe pdb`, `apply` of the example manifest, and `kubectl drain` held back by a budget (the eviction answers 429, kubectl retries
 * every 5 s) until the Deployment's replacement pod is Ready on another node (its readiness
 * probe waits 20 virtual seconds, so both evictions of the drained node meet the spent budget).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: nginx
        image: nginx:1.27
        readinessProbe:
          exec:
            command: ["true"]
          initialDelaySeconds: 20
          periodSeconds: 5
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl with PodDisruptionBudgets${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 4 }, speed: 10 });
    const file = join(s.dir, 'web.yaml');
    writeFileSync(file, DEPLOYMENT);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    await waitFor('3 ready replicas', () => (s.cluster.object<Obj>('deployments', 'web', 'default')?.status?.readyReplicas ?? 0) === 3, 60_000);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('create pdb, then get pdb shows MIN AVAILABLE, MAX UNAVAILABLE and ALLOWED DISRUPTIONS from the disruption controller', async () => {
    const created = await s.kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('poddisruptionbudget.policy/web created\n');
    await waitFor('the budget computed', () => s.cluster.object<Obj>('poddisruptionbudgets', 'web', 'default')?.status?.observedGeneration === 1, 30_000);
    const r = await s.kubectl(['get', 'pdb']);
    expect(r.code).toBe(0);
    const [row] = parseTable(r.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(row).toMatchObject({ NAME: 'web', 'MIN AVAILABLE': '2', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '1' });
    const d = await s.kubectl(['describe', 'pdb', 'web']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Min available:\s+2/);
    expect(d.stdout).toMatch(/Selector:\s+app=web/);
    expect(d.stdout).toMatch(/Allowed disruptions:\s+1\n\s+Current:\s+3\n\s+Desired:\s+2\n\s+Total:\s+3/);
    const bad = await s.kubectl(['create', 'pdb', 'bad', '--selector=app=web', '--max-unavailable=150%']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.maxUnavailable: Invalid value');
    expect(bad.stderr).toContain('must not be greater than 100%');
  });

  it('apply of examples/manifests/pdb-web.yaml: the budget allows one disruption of the three Ready replicas', async () => {
    const r = await s.kubectl(['apply', '-f', 'examples/manifests/pdb-web.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps/frontend created\npoddisruptionbudget.policy/frontend created\n');
    await waitFor('the frontend budget allows one disruption', () => s.cluster.object<Obj>('poddisruptionbudgets', 'frontend', 'default')?.status?.currentHealthy === 3, 60_000);
    const [row] = parseTable((await s.kubectl(['get', 'pdb', 'frontend'])).stdout);
    expect(row).toMatchObject({ NAME: 'frontend', 'MIN AVAILABLE': 'N/A', 'MAX UNAVAILABLE': '1', 'ALLOWED DISRUPTIONS': '1' });
    const budget = s.cluster.object<Obj>('poddisruptionbudgets', 'frontend', 'default')!;
    expect(budget.status).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1, observedGeneration: 1 });
    expect(budget.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' })]);
    const deleted = await s.kubectl(['delete', '-f', 'examples/manifests/pdb-web.yaml']);
    expect(deleted.code).toBe(0);
    await waitFor('the frontend pods gone', () => s.cluster.objects<Obj>('pods', 'default').every((p) => p.metadata?.labels?.app !== 'frontend'), 60_000);
  });

  it('drain --ignore-daemonsets --delete-emptydir-data cordons, retries while the budget forbids, and finishes once a replacement is Ready elsewhere', async () => {
    // the node with two of the three pods: its second eviction has to wait for the first's replacement
    const pods = s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'web');
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    const node = [...perNode.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    expect(perNode.get(node)).toBeGreaterThanOrEqual(2);
    const r = await s.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s'], { timeoutMs: 200_000 });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toContain(`node/${node} cordoned`);
    expect(out).toMatch(/error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    expect(out).toMatch(/pod\/web-[a-z0-9-]+ evicted/);
    expect(out).toContain(`node/${node} drained`);
    expect(s.cluster.object<Obj>('nodes', node)!.spec.unschedulable).toBe(true);
    // no web pod is left on the drained node; the Deployment is whole again on the other one
    await waitFor('3 ready replicas again', () => (s.cluster.object<Obj>('deployments', 'web', 'default')?.status?.readyReplicas ?? 0) === 3, 60_000);
    const after = s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'web' && !p.metadata?.deletionTimestamp);
    expect(after.every((p) => p.spec.nodeName !== node)).toBe(true);
  });
});
