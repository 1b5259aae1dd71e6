/**
 * `kubectl autoscale` end to end with the real kubectl: it creates an `autoscaling/v1`
 * HorizontalPodAutoscaler, which the server converts to the stored `autoscaling/v2` one (and back
 * for every v1 read, list, watch and patch), as kube-apiserver does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { v1BodyToV2 } from '../../src/http/autoscaling-v1.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
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

type Obj = Record<string, any>;

describe.skipIf(!HAS_KUBECTL)(`kubectl autoscale (autoscaling/v1)${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 7 }, speed: 10 });
    const file = join(s.dir, 'web.yaml');
    writeFileSync(file, WEB);
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('discovery lists horizontalpodautoscalers under autoscaling/v1 with short name hpa; v2 stays preferred', async () => {
    const r = await s.kubectl(['api-resources', '--api-group=autoscaling', '-o', 'wide']);
    expect(r.stderr).toBe('');
    const rows = parseTable(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ NAME: 'horizontalpodautoscalers', SHORTNAMES: 'hpa', APIVERSION: 'autoscaling/v2' });
    const versions = (await s.kubectl(['api-versions'])).stdout.split('\n');
    expect(versions).toContain('autoscaling/v1');
    expect(versions).toContain('autoscaling/v2');
    const group = JSON.parse((await s.kubectl(['get', '--raw', '/apis/autoscaling'])).stdout) as Obj;
    expect(group.preferredVersion.groupVersion).toBe('autoscaling/v2');
    expect(group.versions.map((v: Obj) => v.groupVersion)).toEqual(['autoscaling/v2', 'autoscaling/v1']);
    const list = JSON.parse((await s.kubectl(['get', '--raw', '/apis/autoscaling/v1'])).stdout) as Obj;
    const hpa = list.resources.find((x: Obj) => x.name === 'horizontalpodautoscalers');
    expect(hpa).toMatchObject({ kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'] });
    expect(list.resources.map((x: Obj) => x.name)).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
  });

  it('autoscale creates it; get hpa prints it; v2 shows the cpu metric, v1 its percentage; the controller scales', async () => {
    const r = await s.kubectl(['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=60']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');

    const rows = parseTable((await s.kubectl(['get', 'hpa'])).stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ NAME: 'web', REFERENCE: 'Deployment/web', MINPODS: '2', MAXPODS: '5' });
    expect(rows[0]!.TARGETS).toMatch(/^cpu: (<unknown>|\d+%)\/60%$/);

    const v2 = JSON.parse((await s.kubectl(['get', 'hpa', 'web', '-o', 'json'])).stdout) as Obj;
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5 });
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    expect(v2.metadata.annotations ?? {}).not.toHaveProperty(['autoscaling.alpha.kubernetes.io/metrics']);

    const pct = await s.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'jsonpath={.spec.targetCPUUtilizationPercentage}']);
    expect(pct.stderr).toBe('');
    expect(pct.stdout).toBe('60');
    // kubectl's shortcut expander drops the version of a short name (`hpa.v1.autoscaling` reads the preferred v2), as against kube-apiserver
    const short = await s.kubectl(['get', 'hpa.v1.autoscaling', 'web', '-o', 'jsonpath={.apiVersion}']);
    expect(short.stdout).toBe('autoscaling/v2');

    // min 2 pods at 150m of 200m (75% of a 60% target): 2 × 75 / 60 → 3
    await waitFor('the scale-up to 3', () => s.cluster.object<{ spec: { replicas: number } } & KubeObject>('deployments', 'web', 'default')?.spec.replicas === 3, 90_000);
    await waitFor('the v1 status', async () => (await s.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'jsonpath={.status.currentCPUUtilizationPercentage}'])).stdout !== '', 60_000);
    const v1 = JSON.parse((await s.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json'])).stdout) as Obj;
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 });
    expect(v1.status.currentCPUUtilizationPercentage).toBeGreaterThan(60);
    // the current metrics and conditions ride in the round-trip annotations
    const current = JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/current-metrics']) as Obj[];
    expect(current[0]).toMatchObject({ type: 'Resource', resource: { name: 'cpu' } });
    expect(current[0]!.resource.currentAverageValue).toMatch(/^\d+m$/);
    const conditions = JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions']) as Obj[];
    expect(conditions.map((c) => c.type)).toEqual(expect.arrayContaining(['AbleToScale', 'ScalingActive']));
  });

  it('a merge patch and a strategic merge patch through v1 change the stored v2 object', async () => {
    const merge = await s.kubectl(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'web', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":70}}']);
    expect(merge.stderr).toBe('');
    expect(merge.stdout).toBe('horizontalpodautoscaler.autoscaling/web patched\n');
    const stored = s.cluster.object<Obj & KubeObject>('horizontalpodautoscalers', 'web', 'default')!;
    expect(stored.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const strategic = await s.kubectl(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-p', '{"spec":{"maxReplicas":6}}']);
    expect(strategic.stderr).toBe('');
    expect(s.cluster.object<Obj & KubeObject>('horizontalpodautoscalers', 'web', 'default')!.spec.maxReplicas).toBe(6);
    const unknown = await s.kubectl(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'web', '--type=merge', '-p', '{"spec":{"metrics":[]}}']);
    expect(unknown.stderr).toContain('unknown field "spec.metrics"');
  });

  it('a v2 metric other than cpu utilization shows in v1 as the metrics annotation and comes back on a v1 update', async () => {
    const patch = await s.kubectl(['patch', 'hpa', 'web', '--type=json', '-p', '[{"op":"add","path":"/spec/metrics/-","value":{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}}}]']);
    expect(patch.stderr).toBe('');
    const v1 = JSON.parse((await s.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json'])).stdout) as Obj;
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    // kubectl replace sends the v1 object back: nothing is lost
    const file = join(s.dir, 'hpa-v1.json');
    v1.spec.minReplicas = 3;
    // the controller writes the status every 15 s: an unconditional replace
    delete v1.metadata.resourceVersion;
    writeFileSync(file, JSON.stringify(v1));
    const replaced = await s.kubectl(['replace', '-f', file]);
    expect(replaced.stderr).toBe('');
    const stored = s.cluster.object<Obj & KubeObject>('horizontalpodautoscalers', 'web', 'default')!;
    expect(stored.spec.minReplicas).toBe(3);
    expect(stored.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    expect(stored.metadata?.annotations ?? {}).not.toHaveProperty(['autoscaling.alpha.kubernetes.io/metrics']);
  });

  it('explain --api-version=autoscaling/v1 reads the v1 schema; a v1 manifest with a v2 field is refused by strict decoding', async () => {
    const explain = await s.kubectl(['explain', 'hpa.spec.targetCPUUtilizationPercentage', '--api-version=autoscaling/v1']);
    expect(explain.stderr).toBe('');
    expect(explain.stdout).toContain('VERSION:    v1');
    expect(explain.stdout).toContain('FIELD: targetCPUUtilizationPercentage <integer>');
    const file = join(s.dir, 'bad-v1.yaml');
    writeFileSync(file, 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: bad\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 4\n  metrics: []\n');
    const r = await s.kubectl(['apply', '-f', file]);
    expect(r.stderr).toContain('HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.metrics"');
    expect(s.cluster.object('horizontalpodautoscalers', 'bad', 'default')).toBeUndefined();
  });

  it('watch through v1 sees v1 objects; delete through v1 removes it', async () => {
    const watched = await s.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', '--watch', '--request-timeout=2s', '-o', 'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}{"\\n"}']);
    expect(watched.stdout.split('\n')[0]).toBe('autoscaling/v1 70');
    const del = await s.kubectl(['delete', 'horizontalpodautoscalers.v1.autoscaling', 'web']);
    expect(del.stderr).toBe('');
    expect(del.stdout).toBe('horizontalpodautoscaler.autoscaling "web" deleted\n');
    expect(s.cluster.object('horizontalpodautoscalers', 'web', 'default')).toBeUndefined();
  });
});

describe('v1 bodies', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
  it('a wrong-typed field is the decoder error named in v1 terms; a wrong apiVersion is refused', () => {
    const typed = v1BodyToV2({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 'high' } }, 'Strict');
    expect('error' in typed && typed.error.message).toMatch(/^HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec\.spec\.targetCPUUtilizationPercentage of type int32$/);
    const wrong = v1BodyToV2({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { scaleTargetRef: ref, maxReplicas: 3 } }, undefined);
    expect('error' in wrong && wrong.error.code).toBe(400);
  });

  it('unknown fields: Strict refuses, Warn (the default) warns and drops, Ignore drops', () => {
    const body = { metadata: { name: 'x' }, spec: { scaleTargetRef: ref, maxReplicas: 3, metrics: [] } };
    const strict = v1BodyToV2(body, 'Strict');
    expect('error' in strict && strict.error.message).toContain('strict decoding error: unknown field "spec.metrics"');
    const warn = v1BodyToV2(body, undefined);
    expect('error' in warn).toBe(false);
    if (!('error' in warn)) {
      expect(warn.warnings).toEqual(['unknown field "spec.metrics"']);
      expect((warn.body as Obj).spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    }
    const ignore = v1BodyToV2(body, 'Ignore');
    expect(!('error' in ignore) && ignore.warnings).toEqual([]);
  });
});
