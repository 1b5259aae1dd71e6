/**
 * The resource metrics API and the HorizontalPodAutoscaler end to end with the real kubectl:
 * `kubectl top nodes`, `kubectl top pods` (with `--containers`, `-l`, `-A`), `kubectl apply` of a
 * HorizontalPodAutoscaler and `kubectl get hpa` showing its targets as the controller measures them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
      annotations:
        kube-actors.io/usage: '{"cpu": "150m", "memory": "100Mi"}'
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources:
          requests:
            cpu: 200m
            memory: 128Mi
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl top and autoscale${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 5 }, speed: 10 });
    const file = join(s.dir, 'web.yaml');
    writeFileSync(file, WEB);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    // metrics appear once the containers have run through a scrape (15 s of virtual time)
    await waitFor('pod metrics', async () => (await s.kubectl(['top', 'pods'])).stdout.includes('web-'), 60_000);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('top nodes prints every Ready node with CPU and memory, and their share of allocatable', async () => {
    const r = await s.kubectl(['top', 'nodes']);
    expect(r.stderr).toBe('');
    const rows = parseTable(r.stdout);
    expect(rows.map((row) => row.NAME)).toEqual(['node-1', 'node-2']);
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    for (const row of rows) {
      // the node overhead (100m, 512Mi) plus its pods
      expect(Number(row['CPU(cores)']!.replace('m', ''))).toBeGreaterThanOrEqual(90);
      expect(row['MEMORY(bytes)']).toMatch(/^\d+Mi$/);
      expect(row['CPU(%)']).toMatch(/^\d+%$/);
    }
  });

  it('top pods prints the usage of running pods; --containers, -l and -A select', async () => {
    const r = await s.kubectl(['top', 'pods']);
    expect(r.stderr).toBe('');
    const rows = parseTable(r.stdout);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.NAME).toMatch(/^web-/);
      // 150m ± 10% noise
      const cpu = Number(row['CPU(cores)']!.replace('m', ''));
      expect(cpu).toBeGreaterThanOrEqual(135);
      expect(cpu).toBeLessThanOrEqual(165);
      expect(Number(row['MEMORY(bytes)']!.replace('Mi', ''))).toBeGreaterThanOrEqual(89);
    }
    const containers = parseTable((await s.kubectl(['top', 'pods', '--containers'])).stdout);
    expect(Object.keys(containers[0]!)).toEqual(['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    expect(containers.map((c) => c.NAME)).toEqual(['nginx', 'nginx']);
    const none = await s.kubectl(['top', 'pods', '-l', 'app=other']);
    expect(none.stderr).toContain('No resources found in default namespace.');
    const selected = parseTable((await s.kubectl(['top', 'pods', '-l', 'app=web'])).stdout);
    expect(selected).toHaveLength(2);
    const all = parseTable((await s.kubectl(['top', 'pods', '-A'])).stdout);
    expect(Object.keys(all[0]!)).toEqual(['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    expect(all.filter((row) => row.NAMESPACE === 'default')).toHaveLength(2);
  });

  it('top pod of a pod with no metrics says so', async () => {
    const r = await s.kubectl(['top', 'pod', 'missing']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (NotFound): podmetrics.metrics.k8s.io "missing" not found');
  });

  it('apply of examples/manifests/hpa-web.yaml, then get hpa shows the measured target and the scale-up', async () => {
    const r = await s.kubectl(['apply', '-f', 'examples/manifests/hpa-web.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps/php-apache created\nhorizontalpodautoscaler.autoscaling/php-apache created\n');
    // 600m at 20% at midnight (120m) over one pod of 200m: 60% of a 50% target; the first
    // measure comes after a 15 s period, and the scale-up to 2 follows
    await waitFor('the hpa to measure', async () => !(await s.kubectl(['get', 'hpa', 'php-apache'])).stdout.includes('<unknown>'), 60_000);
    const rows = parseTable((await s.kubectl(['get', 'hpa'])).stdout);
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(rows[0]).toMatchObject({ NAME: 'php-apache', REFERENCE: 'Deployment/php-apache', MINPODS: '1', MAXPODS: '10' });
    expect(rows[0]!.TARGETS).toMatch(/^cpu: \d+%\/50%$/);
    await waitFor('the scale-up', () => (s.cluster.object<{ spec: { replicas: number } } & KubeObject>('deployments', 'php-apache', 'default')?.spec.replicas ?? 1) > 1, 60_000);
    const short = await s.kubectl(['get', 'hpa', 'php-apache', '-o', 'jsonpath={.status.conditions[?(@.type=="ScalingActive")].reason}']);
    expect(short.stdout).toBe('ValidMetricFound');
  });
});
