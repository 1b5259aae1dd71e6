import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createCluster } from '../../src/cluster/create-cluster.js';
import { buildRules, type KubeProxyContext } from '../../machines/kube-proxy.js';

const PROXY = 'kube-proxy/node-1';

describe('kube-proxy housekeeping', () => {
  it('wakes when something is due, not every 10 s: an idle kube-proxy fires a few timers in 10 minutes', () => {
    let timers = 0;
    let counting = false;
    const c = createCluster({
      seed: 4,
      nodes: 1,
      profile: 'realistic',
      inspect: (e: InspectionEvent) => {
        if (counting && e.type === '@xstate.event' && (e.actorRef as { id?: string }).id === PROXY && e.event.type.startsWith('xstate.after')) timers++;
      },
    });
    c.runUntil(() => c.count('nodes') === 1, { timeout: 30_000 });
    c.advance(30_000);
    counting = true;
    c.advance(600_000);
    // bookmarks keep its two watches alive: it looks at them once per silence period (150 s)
    expect(timers).toBeGreaterThan(0);
    expect(timers).toBeLessThanOrEqual(8);
    c.stop();
  });

  it('still notices a watch gone silent, and is back with the rules soon after the node is reachable again', () => {
    const c = createCluster({ seed: 4, nodes: 1, profile: 'realistic' });
    c.runUntil(() => c.count('nodes') === 1, { timeout: 30_000 });
    c.advance(30_000);
    const ctx = () => c.actor(PROXY)!.getSnapshot().context as KubeProxyContext;
    const restarts = ctx().services.restarts;
    c.faults.partitionNode('node-1');
    c.advance(200_000); // longer than the 150 s of silence
    expect(ctx().services.restarts).toBeGreaterThan(restarts);
    c.faults.healNode('node-1');
    c.client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const healed = c.now();
    expect(c.runUntil(() => [...ctx().rules.values()].some((r) => r.service === 'default/web'), { timeout: 60_000 })).toBe(true);
    // a refused or lost watch is retried when due (about 1 s, or the 10 s request timeout), not at a 10 s poll
    expect(c.now() - healed).toBeLessThan(15_000);
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });
});

describe('kube-proxy rules from EndpointSlices', () => {
  const svc = (extra: Record<string, unknown> = {}, ports: Record<string, unknown>[] = [{ name: 'http', port: 80, protocol: 'TCP' }]) =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.10', ports, ...extra } }) as never;
  const slice = (name: string, endpoints: Record<string, unknown>[], ports: Record<string, unknown>[] = [{ name: 'http', port: 8080, protocol: 'TCP' }], service = 'web') => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports,
  });
  const ep = (ip: string, ready: boolean, serving: boolean, terminating: boolean, nodeName = 'node-1') => ({ addresses: [ip], conditions: { ready, serving, terminating }, nodeName });

  it('uses the ready endpoints of every slice of the Service whose port has the same name and protocol', () => {
    const rules = buildRules(
      [svc()],
      [slice('web-a', [ep('10.0.0.2', true, true, false), ep('10.0.0.3', false, false, false)]), slice('web-b', [ep('10.0.0.1', true, true, false)]), slice('web-dns', [ep('10.0.0.9', true, true, false)], [{ name: 'dns', port: 53, protocol: 'UDP' }]), slice('other', [ep('10.0.0.7', true, true, false)], undefined, 'other')],
    );
    expect([...rules.values()]).toEqual([{ service: 'default/web:http', clusterIP: '10.96.0.10', port: 80, protocol: 'TCP', endpoints: ['10.0.0.1:8080', '10.0.0.2:8080'] }]);
  });

  it('falls back to serving terminating endpoints when none is ready (CategorizeEndpoints)', () => {
    const rules = buildRules([svc()], [slice('web-a', [ep('10.0.0.2', false, true, true), ep('10.0.0.3', false, false, true), ep('10.0.0.4', false, true, false)])]);
    expect(rules.get('10.96.0.10:80/TCP')!.endpoints).toEqual(['10.0.0.2:8080']);
    const withReady = buildRules([svc()], [slice('web-a', [ep('10.0.0.2', false, true, true), ep('10.0.0.5', true, true, false)])]);
    expect(withReady.get('10.96.0.10:80/TCP')!.endpoints).toEqual(['10.0.0.5:8080']);
  });

  it('serves node ports on the node address; the Local policies keep this node\'s endpoints', () => {
    const node = { name: 'node-1', address: '172.18.0.1' };
    const slices = [slice('web-a', [ep('10.0.0.2', true, true, false, 'node-1'), ep('10.0.1.2', true, true, false, 'node-2')])];
    const nodePort = svc({ type: 'NodePort' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }]);
    const rules = buildRules([nodePort], slices, node);
    expect(rules.get('172.18.0.1:30080/TCP')).toEqual({ service: 'default/web:http', clusterIP: '172.18.0.1', port: 30080, protocol: 'TCP', endpoints: ['10.0.0.2:8080', '10.0.1.2:8080'] });
    const local = buildRules([svc({ type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }])], slices, node);
    expect(local.get('172.18.0.1:30080/TCP')!.endpoints).toEqual(['10.0.0.2:8080']);
    expect(local.get('10.96.0.10:80/TCP')!.endpoints).toEqual(['10.0.0.2:8080']);
    // a ClusterIP Service has no node port rule
    expect([...buildRules([svc()], slices, node).keys()]).toEqual(['10.96.0.10:80/TCP']);
  });

  it('in a cluster: a NodePort on every node, and a Service without selector through its mirrored slice', () => {
    const c = createCluster({ seed: 9, nodes: 2 });
    c.runUntil(() => c.count('nodes') === 2, { timeout: 30_000 });
    c.client.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } });
    c.client.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }] } });
    c.client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080 }] } });
    expect(c.runUntil(() => c.objects<{ status?: { phase?: string } } & KubeObjectLike>('pods').filter((p) => p.status?.phase === 'Running').length === 2, { timeout: 60_000 })).toBe(true);
    c.advance(3_000);
    const web = c.object<{ status: { podIP: string } } & KubeObjectLike>('pods', 'web')!;
    for (const n of c.nodeSpecs) {
      const r = c.connect({ name: 'client' }, n.address, 30080);
      expect(r).toMatchObject({ ok: true, pod: 'web', backend: `${web.status.podIP}:80` });
    }
    // a Service without selector and its hand-written Endpoints: kube-proxy sees it through the mirrored slice
    c.client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 8080, targetPort: 80 }] } });
    c.client.apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: web.status.podIP }], ports: [{ port: 80 }] }] });
    c.advance(3_000);
    const manual = c.object<{ spec: { clusterIP: string } } & KubeObjectLike>('services', 'manual')!;
    expect(c.connect({ name: 'client' }, manual.spec.clusterIP, 8080)).toMatchObject({ ok: true, pod: 'web', backend: `${web.status.podIP}:80` });
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });
});

type KubeObjectLike = { metadata?: { name?: string } };
