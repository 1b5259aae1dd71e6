/**
 * kubernetes.io's "Debugging DNS Resolution" task with the real kubectl, on a served cluster with
 * kubeadm's add-ons (as `kube-actors serve` runs it): a client pod's nslookup and resolv.conf, the
 * CoreDNS pods (`-l k8s-app=kube-dns`), their logs, the kube-dns Service and its EndpointSlice,
 * `kubectl cluster-info` with CoreDNS's line, the kube-proxy DaemonSet; then CoreDNS scaled to 0
 * (lookups time out, as on a real cluster) and back (they answer again).
 *
 * The task's dnsutils pod runs agnhost (bind's nslookup); here the client is busybox:1.28 (the
 * image the DNS tutorials pinned before, whose nslookup is modelled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

describe.skipIf(!HAS_KUBECTL)(`kubectl: Debugging DNS Resolution${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;
  const readyDnsEndpoints = () =>
    s.cluster
      .objects('endpointslices', 'kube-system')
      .filter((x) => x.metadata?.labels?.['kubernetes.io/service-name'] === 'kube-dns')
      .flatMap((x) => (x as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ?? [])
      .filter((e) => e.conditions?.ready === true).length;
  const proxied = () => {
    // the DNS rule of the client's node's kube-proxy has an endpoint
    const dnsutils = s.cluster.object<Pod>('pods', 'dnsutils', 'default');
    return dnsutils ? s.cluster.connect({ name: 'dnsutils' }, '10.96.0.10', 53, 'UDP').ok : false;
  };

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 5, addons: true }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('checks the DNS pods, Service, endpoints and logs; DNS fails with CoreDNS scaled to 0 and heals', async () => {
    const dnsutils = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dnsutils', namespace: 'default' }, spec: { containers: [{ name: 'dnsutils', image: 'busybox:1.28', command: ['sleep', '3600'], imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Always' } };
    expect((await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify(dnsutils) })).stdout).toBe('pod/dnsutils created\n');
    expect((await s.kubectl(['wait', '--for=condition=Ready', 'pod/dnsutils', '--timeout=60s'])).code).toBe(0);
    await waitFor('the kube-dns rule of the client node', proxied, 60_000);

    const lookup = await s.kubectl(['exec', 'dnsutils', '--', 'nslookup', 'kubernetes.default']);
    expect(lookup.stdout).toBe('Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      kubernetes.default\nAddress 1: 10.96.0.1 kubernetes.default.svc.cluster.local\n');
    expect((await s.kubectl(['exec', 'dnsutils', '--', 'cat', '/etc/resolv.conf'])).stdout).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');

    // Check if the DNS pod is running
    const dnsPods = await s.kubectl(['get', 'pods', '--namespace=kube-system', '-l', 'k8s-app=kube-dns']);
    const rows = parseTable(dnsPods.stdout);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ NAME: expect.stringMatching(/^coredns-[a-z0-9]+-[a-z0-9]{5}$/), READY: '1/1', STATUS: 'Running', RESTARTS: '0' });

    // Check for errors in the DNS pod
    const logs = await s.kubectl(['logs', '--namespace=kube-system', '-l', 'k8s-app=kube-dns']);
    expect(logs.stdout.match(/^CoreDNS-1\.11\.3$/gm)).toHaveLength(2);
    expect(logs.stdout).toMatch(/^\.:53\n\[INFO\] plugin\/reload: Running configuration SHA512 = [0-9a-f]{128}\nCoreDNS-1\.11\.3\nlinux\/amd64, go1\.21\.11, a6338e9\n/);

    // Is DNS service up?
    const svc = parseTable((await s.kubectl(['get', 'svc', '--namespace=kube-system'])).stdout);
    expect(svc).toEqual([{ NAME: 'kube-dns', TYPE: 'ClusterIP', 'CLUSTER-IP': '10.96.0.10', 'EXTERNAL-IP': '<none>', 'PORT(S)': '53/UDP,53/TCP,9153/TCP', AGE: expect.any(String) }]);

    // Are DNS endpoints exposed? The page's selector (`k8s.io/service-name`) is not the label the
    // EndpointSlice controller sets, so on a real cluster it finds nothing; the label it sets does.
    const pageSelector = await s.kubectl(['get', 'endpointslices', '-l', 'k8s.io/service-name=kube-dns', '--namespace=kube-system']);
    expect(pageSelector.stderr).toBe('No resources found in kube-system namespace.\n');
    const slices = parseTable((await s.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=kube-dns', '--namespace=kube-system'])).stdout);
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ NAME: expect.stringMatching(/^kube-dns-[a-z0-9]{5}$/), ADDRESSTYPE: 'IPv4', PORTS: expect.stringMatching(/^(53|9153),(53|9153),(53|9153)$/) });
    const coreIPs = s.cluster.objects<Pod>('pods', 'kube-system').filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-dns').map((p) => p.status!.podIP!);
    expect(slices[0]!['ENDPOINTS']!.split(',').sort()).toEqual(coreIPs.sort());

    // cluster-info lists the cluster services: CoreDNS's dns port through the API server's proxy
    const info = await s.kubectl(['cluster-info']);
    expect(info.stdout).toContain(`CoreDNS is running at ${s.url}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n`);

    // kube-proxy: one pod per node, on the node's network
    const ds = parseTable((await s.kubectl(['get', 'ds', '-n', 'kube-system'])).stdout);
    expect(ds).toEqual([{ NAME: 'kube-proxy', DESIRED: '2', CURRENT: '2', READY: '2', 'UP-TO-DATE': '2', AVAILABLE: '2', 'NODE SELECTOR': 'kubernetes.io/os=linux', AGE: expect.any(String) }]);
    const all = parseTable((await s.kubectl(['get', 'pods', '-A', '-o', 'wide'])).stdout).filter((r) => r['NAMESPACE'] === 'kube-system');
    expect(all).toHaveLength(4);
    const nodeIPs = new Map(s.cluster.nodeSpecs.map((n) => [n.name, n.address]));
    for (const r of all.filter((x) => x['NAME']!.startsWith('kube-proxy-'))) expect(r['IP']).toBe(nodeIPs.get(r['NODE']!));

    // CoreDNS down: the queries time out
    expect((await s.kubectl(['scale', 'deployment', 'coredns', '--namespace=kube-system', '--replicas=0'])).stdout).toBe('deployment.apps/coredns scaled\n');
    await waitFor('no ready kube-dns endpoint and no rule endpoint', () => readyDnsEndpoints() === 0 && !proxied(), 60_000);
    const down = await s.kubectl(['exec', 'dnsutils', '--', 'nslookup', 'kubernetes.default']);
    expect(down.stdout).toBe('Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\n');
    expect(down.stderr).toBe("nslookup: can't resolve 'kubernetes.default'\ncommand terminated with exit code 1\n");

    // back up: it answers again
    expect((await s.kubectl(['scale', 'deployment', 'coredns', '--namespace=kube-system', '--replicas=2'])).code).toBe(0);
    expect((await s.kubectl(['rollout', 'status', 'deployment/coredns', '--namespace=kube-system', '--timeout=60s'])).code).toBe(0);
    await waitFor('the kube-dns rule again', proxied, 60_000);
    expect((await s.kubectl(['exec', 'dnsutils', '--', 'nslookup', 'kubernetes.default'])).stdout).toBe(lookup.stdout);
  }, 180_000);
});
