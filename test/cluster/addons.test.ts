/**
 * kubeadm's add-ons (createCluster's `addons`): CoreDNS and kube-proxy run in kube-system as
 * ordinary workloads, the kube-dns Service has CoreDNS's endpoints, and the cluster DNS answers
 * only while one of them is ready: scaling coredns to 0 makes lookups time out, scaling it back heals.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';

type Slice = KubeObject & { endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[]; ports?: { name?: string; port?: number; protocol?: string }[] };
const systemPods = (c: Cluster) => c.objects<Pod>('pods', 'kube-system');
const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;
const dnsSlices = (c: Cluster) => c.objects<Slice>('endpointslices', 'kube-system').filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'kube-dns');
const readyDnsEndpoints = (c: Cluster) => dnsSlices(c).flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length;

describe('kubeadm add-ons: CoreDNS and kube-proxy in kube-system', () => {
  it('runs coredns (2 replicas) and a kube-proxy pod per node; kube-dns has their endpoints; DNS fails with coredns at 0 and heals', () => {
    const c = createCluster({ nodes: 2, addons: true });
    // the objects kubeadm creates
    const deploy = c.object('deployments', 'coredns', 'kube-system')!;
    expect(deploy.spec?.replicas).toBe(2);
    expect(deploy.spec?.template?.spec?.containers?.[0]?.image).toBe('registry.k8s.io/coredns/coredns:v1.11.3');
    expect(c.object('configmaps', 'coredns', 'kube-system')?.data?.['Corefile']).toContain('kubernetes cluster.local in-addr.arpa ip6.arpa');
    const svc = c.object('services', 'kube-dns', 'kube-system')!;
    expect(svc.spec?.clusterIP).toBe('10.96.0.10');
    expect(svc.spec?.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP']);
    expect(c.object('daemonsets', 'kube-proxy', 'kube-system')?.spec?.template?.spec?.hostNetwork).toBe(true);

    // every pod Running and Ready: two CoreDNS, one kube-proxy per node on the node's address
    expect(c.runUntil(() => systemPods(c).length === 4 && systemPods(c).every(ready), { timeout: 60_000 })).toBe(true);
    const pods = systemPods(c);
    const coredns = pods.filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-dns');
    const proxies = pods.filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-proxy');
    expect(coredns).toHaveLength(2);
    expect(coredns.map((p) => p.spec?.priority)).toEqual([2000000000, 2000000000]);
    expect(proxies.map((p) => p.spec?.nodeName).sort()).toEqual(c.nodes);
    for (const p of proxies) expect(p.status?.podIP).toBe(c.nodeSpecs.find((n) => n.name === p.spec?.nodeName)?.address);
    expect(proxies[0]!.spec?.priority).toBe(2000001000);
    // the logs their images write
    expect(c.logs(coredns[0]!.metadata!.name!, { namespace: 'kube-system' })).toMatch(/^\.:53\n.*\nCoreDNS-1\.11\.3\nlinux\/amd64, go1\.21\.11, a6338e9\n$/);
    expect(c.logs(proxies[0]!.metadata!.name!, { namespace: 'kube-system' })).toContain('] "Version info" version="v1.32.0"');

    // the kube-dns Service's slice: both CoreDNS pods, ready, on the dns/dns-tcp/metrics ports
    expect(c.runUntil(() => readyDnsEndpoints(c) === 2, { timeout: 30_000 })).toBe(true);
    expect(dnsSlices(c).flatMap((s) => s.endpoints ?? []).flatMap((e) => e.addresses ?? []).sort()).toEqual(coredns.map((p) => p.status!.podIP!).sort());
    expect(dnsSlices(c)[0]!.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`).sort()).toEqual(['dns-tcp:53/TCP', 'dns:53/UDP', 'metrics:9153/TCP']);

    // a client pod: DNS answers
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dnsutils', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox:1.28', command: ['sleep', '3600'] }] } } as KubeObject);
    expect(c.runUntil(() => ready(c.object<Pod>('pods', 'dnsutils')!), { timeout: 60_000 })).toBe(true);
    c.advance(2_000); // kube-proxy's rules for kube-dns on the client's node
    const lookup = () => c.exec('dnsutils', ['nslookup', 'kubernetes.default']);
    expect(lookup()).toMatchObject({ exitCode: 0, stdout: 'Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      kubernetes.default\nAddress 1: 10.96.0.1 kubernetes.default.svc.cluster.local\n' });

    // CoreDNS scaled to 0: no ready endpoint, the queries time out
    c.client.scale('deployments', 'coredns', 0, { namespace: 'kube-system' });
    expect(c.runUntil(() => readyDnsEndpoints(c) === 0 && systemPods(c).length === 2, { timeout: 60_000 })).toBe(true);
    c.advance(2_000);
    expect(lookup()).toMatchObject({ exitCode: 1, stdout: 'Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\n', stderr: "nslookup: can't resolve 'kubernetes.default'\n" });
    // current busybox says so as its own resolver does; wget cannot resolve a Service either
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: 'default' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['nslookup', 'kubernetes.default.svc.cluster.local'] }] } } as KubeObject);
    expect(c.runUntil(() => c.object<Pod>('pods', 'probe')?.status?.phase === 'Failed', { timeout: 60_000 })).toBe(true);
    expect(c.logs('probe')).toBe(';; connection timed out; no servers could be reached\n\n');

    // scaled back: ready endpoints again, DNS answers
    c.client.scale('deployments', 'coredns', 2, { namespace: 'kube-system' });
    expect(c.runUntil(() => readyDnsEndpoints(c) === 2, { timeout: 60_000 })).toBe(true);
    c.advance(2_000);
    expect(lookup()).toMatchObject({ exitCode: 0 });
    c.stop();
  });

  it('without addons (the library default) kube-system has no pods and the modelled DNS always answers', () => {
    const c = createCluster({ nodes: 1 });
    expect(c.object('services', 'kube-dns', 'kube-system')).toBeUndefined();
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dnsutils', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox:1.28', command: ['sleep', '3600'] }] } } as KubeObject);
    expect(c.runUntil(() => ready(c.object<Pod>('pods', 'dnsutils')!), { timeout: 60_000 })).toBe(true);
    expect(systemPods(c)).toEqual([]);
    expect(c.exec('dnsutils', ['nslookup', 'kubernetes.default']).exitCode).toBe(0);
    c.stop();
  });

  it('refuses a non-boolean addons option', () => {
    expect(() => createCluster({ addons: 'yes' as never })).toThrow('addons must be true or false; got "yes"');
  });
});
