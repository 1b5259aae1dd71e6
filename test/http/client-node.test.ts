/**
 * End to end with `@kubernetes/client-node` 1.x through its typed API (CoreV1Api, AppsV1Api,
 * Watch), loading the kubeconfig `serve` writes (the CA verifies the self-signed certificate):
 * list, create, read, patch, watch and delete, compared with the cluster's state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../../src/api/types.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

describe('@kubernetes/client-node against kube-actors serve', () => {
  let s: TestServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 3 }, speed: 1 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('loads the kubeconfig: server, CA data and the admin context', () => {
    expect(kc.getCurrentContext()).toBe('kube-actors-admin');
    expect(kc.getCurrentCluster()?.server).toBe(s.url);
    expect(kc.getCurrentCluster()?.caData).toBeTruthy();
    expect(kc.getContexts().map((c) => c.name).sort()).toEqual(['kube-actors-admin', 'kube-actors-guest', 'kube-actors-viewer']);
  });

  it('lists nodes and namespaces as the cluster holds them', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(s.cluster.objects('nodes').map((n) => n.metadata!.name).sort());
    const ns = await core.listNamespace();
    expect(ns.items.map((n) => n.metadata?.name).sort()).toEqual(s.cluster.objects('namespaces').map((n) => n.metadata!.name).sort());
    expect(ns.metadata?.resourceVersion).toMatch(/^\d+$/);
  });

  it('creates a pod (the server fills apiVersion and kind), watches it run, deletes it and sees DELETED', async () => {
    const events: { type: string; name?: string; phase?: string }[] = [];
    const watch = new k8s.Watch(kc);
    let ended: unknown = 'open';
    const req = await watch.watch(
      '/api/v1/namespaces/default/pods',
      {},
      (type, obj: Obj) => events.push({ type, name: obj.metadata?.name, phase: obj.status?.phase }),
      (err) => (ended = err ?? null),
    );
    const created = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'cn-pod', labels: { app: 'cn' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } });
    expect(created.kind).toBe('Pod');
    expect(created.apiVersion).toBe('v1');
    const stored = s.cluster.object<Obj>('pods', 'cn-pod', 'default')!;
    expect(created.metadata?.uid).toBe(stored.metadata!.uid);
    await waitFor('the pod running', () => s.cluster.object<Obj>('pods', 'cn-pod', 'default')?.status?.phase === 'Running');
    await waitFor('a MODIFIED event with phase Running', () => events.some((e) => e.name === 'cn-pod' && e.type === 'MODIFIED' && e.phase === 'Running'));
    const read = await core.readNamespacedPod({ name: 'cn-pod', namespace: 'default' });
    expect(read.status?.phase).toBe('Running');
    expect(read.spec?.nodeName).toBe(s.cluster.object<Obj>('pods', 'cn-pod', 'default')!.spec.nodeName);
    const listed = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=cn' });
    expect(listed.items.map((p) => p.metadata?.name)).toEqual(['cn-pod']);
    await core.deleteNamespacedPod({ name: 'cn-pod', namespace: 'default' });
    await waitFor('DELETED event', () => events.some((e) => e.name === 'cn-pod' && e.type === 'DELETED'));
    expect(s.cluster.object('pods', 'cn-pod', 'default')).toBeUndefined();
    expect(events[0]).toMatchObject({ type: 'ADDED', name: 'cn-pod' });
    req.abort();
    await waitFor('the watch to end', () => ended !== 'open', 5_000);
    await waitFor('the server to drop the watch', () => s.server.stats.watchesOpen === 0, 5_000);
  });

  it('creates, scales, patches and deletes a Deployment through AppsV1Api', async () => {
    const body = {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    };
    const d = await apps.createNamespacedDeployment({ namespace: 'default', body });
    expect(d.metadata?.generation).toBe(1);
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    expect(scale.kind).toBe('Scale');
    expect(scale.spec?.replicas).toBe(2);
    await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 4 } } });
    expect(s.cluster.object<Obj>('deployments', 'web', 'default')!.spec.replicas).toBe(4);
    await waitFor('four web pods', () => s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'web' && p.status?.phase === 'Running').length === 4);
    const patched = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect(patched.spec?.replicas).toBe(1);
    const list = await apps.listNamespacedDeployment({ namespace: 'default' });
    expect(list.items.map((x) => x.metadata?.name)).toEqual(s.cluster.objects('deployments', 'default').map((x) => x.metadata!.name));
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
    expect(s.cluster.object('deployments', 'web', 'default')).toBeUndefined();
  });

  it('errors arrive as ApiException with the Status: 404, 409, 422, and 403 for the guest', async () => {
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
        return 0;
      } catch (e) {
        return (e as { code?: number }).code;
      }
    };
    expect(await code(core.readNamespacedPod({ name: 'nope', namespace: 'default' }))).toBe(404);
    expect(await code(core.createNamespace({ body: { metadata: { name: 'default' } } }))).toBe(409);
    expect(await code(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'x' }, spec: { containers: [] } } }))).toBe(422);
    const guest = new k8s.KubeConfig();
    guest.loadFromFile(s.kubeconfig);
    guest.setCurrentContext('kube-actors-guest');
    const guestCore = guest.makeApiClient(k8s.CoreV1Api);
    let err: any;
    try {
      await guestCore.listNamespacedPod({ namespace: 'default' });
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe(403);
    expect(JSON.parse(err.body).message).toBe('pods is forbidden: User "guest" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('the simulation recorded no actor errors', () => {
    expect(s.cluster.kernel.errors).toEqual([]);
  });
});
