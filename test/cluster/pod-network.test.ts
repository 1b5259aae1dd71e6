import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod, Service } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { podStatusColumns } from '../../src/api/printers-core.js';

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

describe("the network is a timeline: Kubernetes' Init Containers tutorial", () => {
  const waitFor = (svc: string) => ({
    name: `init-${svc}`,
    image: 'busybox:1.28',
    command: ['sh', '-c', `until nslookup ${svc}.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for ${svc}; sleep 2; done`],
  });
  const myapp = obj({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'myapp-pod', namespace: 'default', labels: { 'app.kubernetes.io/name': 'MyApp' } },
    spec: { containers: [{ name: 'myapp-container', image: 'busybox:1.28', command: ['sh', '-c', 'echo The app is running! && sleep 3600'] }], initContainers: [waitFor('myservice'), waitFor('mydb')] },
  });
  const status = (c: Cluster) => podStatusColumns(c.object<Pod>('pods', 'myapp-pod')!, c.kernel.epoch + c.kernel.now()).status;
  const seen = (c: Cluster, want: string, timeout = 60_000) => c.runUntil(() => status(c) === want, { timeout });

  it('Init:0/2 until myservice exists, Init:1/2 until mydb exists, then Running; the past of a log is unchanged', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(myapp);
    expect(seen(c, 'Init:0/2')).toBe(true);
    c.advance(20_000);
    expect(status(c)).toBe('Init:0/2');
    const before = c.logs('myapp-pod', { container: 'init-myservice' });
    expect(before).toContain('waiting for myservice');
    expect(before).toContain("nslookup: can't resolve 'myservice.default.svc.cluster.local'");
    c.client.create(service('myservice', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] }));
    expect(seen(c, 'Init:1/2')).toBe(true);
    const log = c.logs('myapp-pod', { container: 'init-myservice' });
    // the lines written before the Service appeared are those the old view gave
    expect(log.startsWith(before)).toBe(true);
    const ip = c.object<Service>('services', 'myservice')!.spec!.clusterIP!;
    expect(log).toContain(`Name:      myservice.default.svc.cluster.local\nAddress 1: ${ip} myservice.default.svc.cluster.local`);
    const mydbStarted = () => c.object<Pod>('pods', 'myapp-pod')!.status?.initContainerStatuses?.[1]?.state?.running !== undefined;
    expect(c.runUntil(mydbStarted, { timeout: 60_000 })).toBe(true);
    c.advance(5_000);
    expect(c.logs('myapp-pod', { container: 'init-mydb' })).toContain('waiting for mydb');
    c.client.create(service('mydb', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9377 }] }));
    expect(seen(c, 'Running')).toBe(true);
    expect(c.logs('myapp-pod')).toBe('The app is running!\n');
    // a finished container's log replays the same once nothing changes any more
    const done = c.logs('myapp-pod', { container: 'init-myservice' });
    c.client.delete('services', 'myservice');
    c.advance(20_000);
    expect(c.logs('myapp-pod', { container: 'init-myservice' })).toBe(done);
    c.stop();
  });

  it('a probe and a preStop hook see the network as it is now, not as it was when the container was created', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(deployment);
    const probe = { exec: { command: ['curl', '-sSf', '-m', '1', 'http://late'] }, periodSeconds: 2, failureThreshold: 1 };
    c.client.create(
      obj({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'checker', namespace: 'default' },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{ name: 'checker', image: 'nginx:1.27', readinessProbe: probe, lifecycle: { preStop: { exec: { command: ['curl', '-sSf', '-m', '1', 'http://late'] } } } }],
        },
      }),
    );
    const ready = () => c.object<Pod>('pods', 'checker')?.status?.conditions?.find((x) => x.type === 'Ready')?.status;
    expect(c.runUntil(() => phase(c, 'checker') === 'Running', { timeout: 60_000 })).toBe(true);
    c.advance(10_000);
    expect(ready()).toBe('False');
    const unhealthy = () => c.objects('events').filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'checker' && (e as { reason?: string }).reason === 'Unhealthy');
    expect(unhealthy().map((e) => (e as { message?: string }).message)).toContain('Readiness probe failed: curl: (6) Could not resolve host: late');
    // the Service appears after the container started: the probe's wget reaches it
    c.client.create(service('late', { selector: labels, ports: [{ port: 80, targetPort: 80 }] }));
    expect(c.runUntil(() => ready() === 'True', { timeout: 60_000 })).toBe(true);
    // the preStop hook reaches it as well (no FailedPreStopHook)
    c.client.delete('pods', 'checker');
    expect(c.runUntil(() => c.object<Pod>('pods', 'checker') === undefined, { timeout: 60_000 })).toBe(true);
    expect(c.objects('events').some((e) => (e as { reason?: string }).reason === 'FailedPreStopHook')).toBe(false);
    c.stop();
  });

  it('a pod that uses no network arms no re-capture', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('quiet', 'busybox', ['sleep', '3600']));
    c.runUntil(() => phase(c, 'quiet') === 'Running', { timeout: 60_000 });
    const worker = c.actor('pod/default/quiet');
    expect(worker).toBeDefined();
    expect((worker!.getSnapshot().context as { env: { networkUsers: ReadonlySet<string> } }).env.networkUsers.size).toBe(0);
    c.stop();
  });
});

describe('NetworkPolicy between pods (kubernetes.io: Declare Network Policy)', () => {
  it('access-nginx lets only pods labelled access=true reach nginx; the others time out', () => {
    const c = createCluster({ nodes: 2 });
    const nginx = obj({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
    });
    c.client.create(nginx);
    c.client.create(service('nginx', { selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80 }] }));
    expect(readyEndpoints(c, 'nginx', 1)).toBe(true);
    c.advance(2_000);
    c.client.create(obj({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'access-nginx', namespace: 'default' },
      spec: { podSelector: { matchLabels: { app: 'nginx' } }, ingress: [{ from: [{ podSelector: { matchLabels: { access: 'true' } } }] }] },
    }));
    const client = (name: string, labels: Record<string, string>) =>
      obj({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { restartPolicy: 'Never', containers: [{ name, image: 'busybox', command: ['wget', '--spider', '--timeout=1', 'nginx'] }] } });
    c.client.create(client('denied', {}));
    c.client.create(client('allowed', { access: 'true' }));
    expect(settled(c, 'denied')).toBe(true);
    expect(settled(c, 'allowed')).toBe(true);
    expect(phase(c, 'allowed')).toBe('Succeeded');
    expect(c.logs('allowed')).toContain('remote file exists');
    expect(phase(c, 'denied')).toBe('Failed');
    expect(c.logs('denied')).toContain('wget: download timed out');
    c.stop();
  });
});
