/**
 * The real kubectl against the DaemonSet, StatefulSet and storage kinds: apply, get with the
 * server's columns, rollout status / history / undo of a DaemonSet, scale of a StatefulSet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;

describe.skipIf(!HAS_KUBECTL)(`kubectl with DaemonSets, StatefulSets and claims${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, { timeout: 120_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 9 }, speed: 20 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('applies the examples and prints them with kubectl get columns', async () => {
    const r = await s.kubectl(['apply', '-f', 'examples/manifests/daemonset-fluentd.yaml', '-f', 'examples/manifests/statefulset-web.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('daemonset.apps/fluentd-elasticsearch created\nservice/nginx created\nstatefulset.apps/web created\n');
    await waitFor('the StatefulSet ready', () => s.cluster.object<Obj>('statefulsets', 'web', 'default')?.status?.readyReplicas === 3, 60_000);
    const ds = await s.kubectl(['get', 'ds', '-n', 'kube-system']);
    expect(ds.stdout.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/);
    const pvc = await s.kubectl(['get', 'pvc']);
    expect(pvc.stdout).toMatch(/^www-web-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s/m);
    const sc = await s.kubectl(['get', 'sc']);
    expect(sc.stdout).toMatch(/^standard \(default\)\s+kube-actors.io\/simulated\s+Delete\s+Immediate\s+false\s/m);
  });

  it('rollout status, history and undo of a DaemonSet', async () => {
    const status = await s.kubectl(['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=60s']);
    expect(status.stdout).toContain('daemon set "fluentd-elasticsearch" successfully rolled out');
    const set = await s.kubectl(['set', 'image', 'ds/fluentd-elasticsearch', '-n', 'kube-system', 'fluentd-elasticsearch=quay.io/fluentd_elasticsearch/fluentd:v2.6.0']);
    expect(set.code).toBe(0);
    const again = await s.kubectl(['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=60s']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('successfully rolled out');
    const history = await s.kubectl(['rollout', 'history', 'ds/fluentd-elasticsearch', '-n', 'kube-system']);
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const undo = await s.kubectl(['rollout', 'undo', 'ds/fluentd-elasticsearch', '-n', 'kube-system']);
    expect(undo.stderr).toBe('');
    expect(undo.stdout).toBe('daemonset.apps/fluentd-elasticsearch rolled back\n');
    const image = () => s.cluster.object<Obj>('daemonsets', 'fluentd-elasticsearch', 'kube-system')!.spec.template.spec.containers[0].image;
    expect(image()).toBe('quay.io/fluentd_elasticsearch/fluentd:v2.5.2');
  });

  it('scale sts removes the highest ordinal', async () => {
    const r = await s.kubectl(['scale', 'sts', 'web', '--replicas=2']);
    expect(r.stdout).toBe('statefulset.apps/web scaled\n');
    await waitFor('web-2 gone', () => !s.cluster.object('pods', 'web-2', 'default'), 60_000);
    expect(s.cluster.object('pods', 'web-1', 'default')).toBeDefined();
  });
});
