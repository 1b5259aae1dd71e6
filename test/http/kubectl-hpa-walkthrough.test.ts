/**
 * kubernetes.io's "HorizontalPodAutoscaler Walkthrough" with the real kubectl: php-apache
 * (registry.k8s.io/hpa-example, whose index.php burns 20 ms of CPU per request) behind its Service,
 * `kubectl autoscale` at 50% of its 200m request, the page's busybox load generator
 * (`while sleep 0.01; do wget -q -O- http://php-apache; done`, run as a steady flow of requests),
 * the HPA's target rising far above 50% and the Deployment scaling to 7 replicas, then the load
 * stopped, the utilization back to 0% and, after the 5-minute downscale stabilization window, 1
 * replica. Virtual time runs 10 times faster than the wall clock, 60 times while the stabilization
 * window passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, HAS_PYTHON_PTY, kubectlInPty, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

/** https://k8s.io/examples/application/php-apache.yaml */
const PHP_APACHE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports:
        - containerPort: 80
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
  labels:
    run: php-apache
spec:
  ports:
  - port: 80
  selector:
    run: php-apache
`;

const LOAD = 'while sleep 0.01; do wget -q -O- http://php-apache; done';

describe.skipIf(!HAS_KUBECTL || !HAS_PYTHON_PTY)(`the HorizontalPodAutoscaler walkthrough${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, { timeout: 600_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 9 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const hpa = async () => {
    const r = await s.kubectl(['get', 'hpa', 'php-apache']);
    expect(r.stderr).toBe('');
    return parseTable(r.stdout)[0]!;
  };
  const utilization = (row: Record<string, string>) => {
    const m = /^cpu: (\d+)%\/50%$/.exec(row.TARGETS ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const replicas = () => s.cluster.object<{ spec: { replicas: number } } & KubeObject>('deployments', 'php-apache', 'default')?.spec.replicas;

  it('runs php-apache, autoscales it, drives its CPU with the load generator, and scales back when the load stops', async () => {
    const file = join(s.dir, 'php-apache.yaml');
    writeFileSync(file, PHP_APACHE);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('deployment.apps/php-apache created\nservice/php-apache created\n');
    const autoscaled = await s.kubectl(['autoscale', 'deployment', 'php-apache', '--cpu-percent=50', '--min=1', '--max=10']);
    expect(autoscaled.stdout).toBe('horizontalpodautoscaler.autoscaling/php-apache autoscaled\n');

    // idle: Apache's baseline is 0% of the 200m request
    await waitFor('the hpa to measure php-apache', async () => utilization(await hpa()) !== undefined, 120_000);
    const idle = await hpa();
    expect(idle).toMatchObject({ NAME: 'php-apache', REFERENCE: 'Deployment/php-apache', TARGETS: 'cpu: 0%/50%', MINPODS: '1', MAXPODS: '10', REPLICAS: '1' });

    // the page's load generator, in a terminal; it prints OK! for every request
    const stop = new AbortController();
    const generator = kubectlInPty(s, ['run', '-i', '--tty', 'load-generator', '--rm', '--image=busybox:1.28', '--restart=Never', '--', '/bin/sh', '-c', LOAD], [{ until: 'OK!OK!OK!' }, { show: true }, { end: true }], 400, stop.signal);

    // one replica cannot keep up (the page shows e.g. 305%; here at most 250%: its CPU is
    // throttled at its 500m limit); the first readings are of windows the load only partly covers,
    // and may already have added a replica
    let loaded: Record<string, string> | undefined;
    await waitFor(
      'the target far above 50%',
      async () => {
        const row = await hpa();
        if ((utilization(row) ?? 0) > 100) loaded = row;
        return loaded !== undefined;
      },
      120_000,
    );
    expect(utilization(loaded!)).toBeLessThanOrEqual(250);

    // the Deployment grows until the load per replica is under the target: 7 replicas at 48%
    await waitFor('the scale-up to 7', () => replicas() === 7, 180_000);
    await waitFor('7 ready replicas at the target', async () => {
      const row = await hpa();
      const u = utilization(row);
      return row.REPLICAS === '7' && u !== undefined && u <= 55 && u >= 40;
    }, 180_000);
    const deployment = parseTable((await s.kubectl(['get', 'deployment', 'php-apache'])).stdout)[0]!;
    expect(deployment).toMatchObject({ NAME: 'php-apache', READY: '7/7', 'UP-TO-DATE': '7', AVAILABLE: '7' });
    // the 33 requests a second of 20 ms (667m) shared by the 7 replicas, plus Apache's idle half millicore
    const pods = parseTable((await s.kubectl(['top', 'pod', '-l', 'run=php-apache'])).stdout);
    expect(pods).toHaveLength(7);
    const cpus = pods.map((row) => Number(row['CPU(cores)']!.replace('m', '')));
    for (const cpu of cpus) expect(cpu).toBeLessThan(130);
    expect(cpus.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(660);
    expect(cpus.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(680);

    // it prints OK! for every answer, on one line that grows
    const logs = await s.kubectl(['logs', 'load-generator']);
    expect(logs.stdout).toMatch(/^(OK!){1000,}\n$/);

    // the load stops: the generator's pod goes (the page types Ctrl-C; here it is deleted, and
    // the terminal closed: kubectl run would wait its --pod-running-timeout for a pod that is gone)
    const deleted = await s.kubectl(['delete', 'pod', 'load-generator', '--wait=false']);
    expect(deleted.stdout).toBe('pod "load-generator" deleted\n');
    await waitFor('the utilization back to 0%', async () => utilization(await hpa()) === 0, 120_000);
    // within the 5-minute downscale stabilization window the replicas stay; virtual time may run faster now
    expect(replicas()).toBe(7);
    s.driver.setSpeed(60);
    await waitFor('the scale-down to 1', () => replicas() === 1, 300_000);
    // the terminal showed kubectl's hint, then the answers as they came, on one line
    stop.abort();
    expect(await generator).toMatch(/^"If you don't see a command prompt, try pressing enter\.\\r\\n(OK!){3,}"\n/);
    const after = await hpa();
    expect(after).toMatchObject({ TARGETS: 'cpu: 0%/50%' });
    const events = await s.kubectl(['describe', 'hpa', 'php-apache']);
    expect(events.stdout).toMatch(/New size: 7; reason: cpu resource utilization \(percentage of request\) above target/);
    expect(events.stdout).toMatch(/New size: 1; reason: All metrics below target/);
  });
});
