import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';

const obj = (o: Record<string, unknown>) => o as unknown as KubeObject;
const labels = { app: 'web' };
const deployment = obj({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } },
});
const service = (name: string, spec: Record<string, unknown>) => obj({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const pod = (name: string, image: string, command: string[], restartPolicy = 'Never') =>
  obj({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { restartPolicy, containers: [{ name, image, command }] } });
const phase = (c: Cluster, name: string) => c.object<Pod>('pods', name)?.status?.phase;
const settled = (c: Cluster, name: string) => c.runUntil(() => ['Succeeded', 'Failed'].includes(phase(c, name) ?? ''), { timeout: 60_000 });
const readyEndpoints = (c: Cluster, svc: string, n: number) =>
  c.runUntil(() => c.objects('endpointslices').some((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === svc && ((s as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ?? []).filter((e) => e.conditions?.ready).length >= n), { timeout: 60_000 });

describe('pods reach Services and each other by name', () => {
  it('kubectl run busybox -- wget -qO- web: the nginx page in its log, Succeeded; the access line in the serving nginx log', () => {
    const c = createCluster({ nodes: 2 });
    c.client.create(deployment);
    c.client.create(service('web', { selector: labels, ports: [{ port: 80, targetPort: 80 }] }));
    expect(readyEndpoints(c, 'web', 2)).toBe(true);
    c.advance(2_000); // kube-proxy writes its rules
    c.client.create(pod('t', 'busybox', ['wget', '-qO-', 'web']));
    expect(settled(c, 't')).toBe(true);
    expect(phase(c, 't')).toBe('Succeeded');
    expect(c.logs('t')).toContain('<h1>Welcome to nginx!</h1>');
    const clientIP = c.object<Pod>('pods', 't')!.status!.podIP!;
    const served = c
      .objects<Pod>('pods')
      .filter((p) => p.metadata?.labels?.app === 'web')
      .flatMap((p) => c.logs(p.metadata!.name!).split('\n'))
      .filter((l) => l.startsWith(clientIP));
    expect(served).toHaveLength(1);
    expect(served[0]).toMatch(/"GET \/ HTTP\/1\.1" 200 615 "-" "Wget" "-"$/);
    // the log is a replay of the captured view: deleting the Service does not change it
    c.client.delete('services', 'web');
    c.advance(2_000);
    expect(c.logs('t')).toContain('<h1>Welcome to nginx!</h1>');
    c.stop();
  });

  it('errors: an unknown name, a Service without endpoints; an unmodelled applet exits with a message', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(service('nobody', { selector: { app: 'none' }, ports: [{ port: 80 }] }));
    c.advance(3_000);
    c.client.create(pod('a', 'busybox', ['sh', '-c', 'wget -qO- foo']));
    c.client.create(pod('b', 'busybox', ['wget', '-qO-', 'nobody']));
    c.client.create(pod('d', 'busybox', ['telnet', 'nobody', '80']));
    // an applet run as a server (nc -l) is still taken as running until stopped
    c.client.create(pod('listener', 'busybox', ['nc', '-lk', '-p', '8080'], 'Always'));
    for (const n of ['a', 'b', 'd']) expect(settled(c, n)).toBe(true);
    expect(c.runUntil(() => phase(c, 'listener') === 'Running', { timeout: 60_000 })).toBe(true);
    c.advance(60_000);
    expect(phase(c, 'listener')).toBe('Running');
    expect(c.logs('a')).toBe("wget: bad address 'foo'\n");
    expect(c.logs('b')).toMatch(/^wget: can't connect to remote host \(10\.96\.\d+\.\d+\): Connection refused\n$/);
    expect(c.logs('d')).toBe("telnet: kube-actors does not model the busybox applet 'telnet' (the simulated container cannot run it)\n");
    expect(phase(c, 'd')).toBe('Failed');
    c.stop();
  });

  it('exec nslookup web-0.nginx in a StatefulSet with a headless Service (busybox:1.28); curl from nginx', () => {
    const c = createCluster({ nodes: 2 });
    const sts = { app: 'nginx' };
    c.client.create(service('nginx', { clusterIP: 'None', selector: sts, ports: [{ port: 80, name: 'web' }] }));
    c.client.create(
      obj({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: 'default' },
        spec: { serviceName: 'nginx', replicas: 2, selector: { matchLabels: sts }, template: { metadata: { labels: sts }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'web' }] }] } } },
      }),
    );
    expect(readyEndpoints(c, 'nginx', 2)).toBe(true);
    c.client.create(pod('dns', 'busybox:1.28', ['sleep', '3600'], 'Always'));
    expect(c.runUntil(() => phase(c, 'dns') === 'Running', { timeout: 60_000 })).toBe(true);
    const web0 = c.object<Pod>('pods', 'web-0')!.status!.podIP!;
    const r = c.exec('dns', ['nslookup', 'web-0.nginx']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      web-0.nginx\nAddress 1: ${web0} web-0.nginx.default.svc.cluster.local\n`);
    expect(c.exec('dns', ['nslookup', 'kubernetes.default']).stdout).toContain('Address 1: 10.96.0.1 kubernetes.default.svc.cluster.local');
    // from an nginx pod (Debian: curl, no wget) to the other one by its stable name
    const curl = c.exec('web-0', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://web-1.nginx']);
    // (an exec's output is kept as lines: the last one gets its newline)
    expect(curl).toMatchObject({ stdout: '200\n', exitCode: 0 });
    expect(c.logs('web-1').split('\n').some((l) => l.startsWith(`${web0} - - [`) && l.includes('"curl/8.11.1"'))).toBe(true);
    expect(c.exec('web-0', ['wget', '-qO-', 'web-1.nginx'])).toMatchObject({ exitCode: 127, stderr: 'sh: wget: not found\n' });
    c.stop();
  });
});
