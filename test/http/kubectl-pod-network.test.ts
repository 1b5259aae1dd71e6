/**
 * Pods reach Services and each other by name, with the real kubectl, as the tutorials check it:
 * a Deployment of nginx exposed as a Service, then `kubectl run --restart=Never --image=busybox --
 * wget -qO- web` whose log is nginx's welcome page (and nginx's log the request); a StatefulSet
 * with a headless Service, then `kubectl exec` of busybox 1.28's `nslookup web-0.nginx` (the
 * StatefulSet tutorial's check); the Init Containers tutorial (myapp-pod's init containers wait in
 * an `until nslookup` loop for Services applied later: Init:0/2, then Running).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

describe.skipIf(!HAS_KUBECTL)(`kubectl: pods reach Services and pods by name${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;
  const pod = (name: string) => s.cluster.object<Pod>('pods', name, 'default');

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 11 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('kubectl run busybox -- wget -qO- web: its log is the nginx welcome page', async () => {
    expect((await s.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=2'])).code).toBe(0);
    expect((await s.kubectl(['expose', 'deployment', 'web', '--port=80'])).stdout).toBe('service/web exposed\n');
    expect((await s.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'])).code).toBe(0);
    // the client pod sees the network of the moment its kubelet starts it: wait for the rules of every node's kube-proxy
    const ip = s.cluster.object('services', 'web', 'default')?.spec?.clusterIP ?? '';
    const server = s.cluster.objects<Pod>('pods').find((p) => p.metadata?.labels?.['app'] === 'web')!.metadata!.name!;
    await waitFor('kube-proxy rules for web', () => s.cluster.connect({ name: server }, ip, 80).ok);
    const run = await s.kubectl(['run', 't', '--image=busybox', '--restart=Never', '--', 'wget', '-qO-', 'web']);
    expect(run.stdout).toBe('pod/t created\n');
    await waitFor('pod t to finish', () => pod('t')?.status?.phase === 'Succeeded' || pod('t')?.status?.phase === 'Failed', 60_000);
    expect(pod('t')?.status?.phase).toBe('Succeeded');
    const logs = await s.kubectl(['logs', 't']);
    expect(logs.stderr).toBe('');
    expect(logs.stdout).toMatch(/^<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!<\/title>/);
    expect(logs.stdout).toContain('<h1>Welcome to nginx!</h1>');
    // one of the nginx pods logged the request from t's IP
    const clientIP = pod('t')!.status!.podIP!;
    const access: string[] = [];
    for (const p of s.cluster.objects<Pod>('pods').filter((x) => x.metadata?.labels?.['app'] === 'web')) {
      access.push(...(await s.kubectl(['logs', p.metadata!.name!])).stdout.split('\n').filter((l) => l.startsWith(`${clientIP} - - [`)));
    }
    expect(access).toHaveLength(1);
    expect(access[0]).toMatch(/"GET \/ HTTP\/1\.1" 200 615 "-" "Wget" "-"$/);
    // an unknown name: busybox's message, exit 1, the pod Failed
    await s.kubectl(['run', 'bad', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'wget -qO- nosuchsvc']);
    await waitFor('pod bad to finish', () => pod('bad')?.status?.phase === 'Failed', 60_000);
    expect((await s.kubectl(['logs', 'bad'])).stdout).toBe("wget: bad address 'nosuchsvc'\n");
  }, 120_000);

  it('kubectl exec nslookup web-0.nginx in a StatefulSet with a headless Service (busybox:1.28)', async () => {
    const manifest = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', labels: { app: 'nginx' } }, spec: { ports: [{ port: 80, name: 'web' }], clusterIP: 'None', selector: { app: 'nginx' } } },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web' },
        spec: {
          serviceName: 'nginx',
          replicas: 2,
          selector: { matchLabels: { app: 'nginx' } },
          template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.24', ports: [{ containerPort: 80, name: 'web' }] }] } },
        },
      },
    ];
    const applied = await s.kubectl(['apply', '-f', '-'], { input: manifest.map((m) => JSON.stringify(m)).join('\n') });
    expect(applied.stderr).toBe('');
    expect((await s.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=60s'])).code).toBe(0);
    await s.kubectl(['run', 'dns-test', '--image=busybox:1.28', '--restart=Never', '--', 'sleep', '3600']);
    expect((await s.kubectl(['wait', '--for=condition=Ready', 'pod/dns-test', '--timeout=60s'])).code).toBe(0);
    const web0 = pod('web-0')!.status!.podIP!;
    const r = await s.kubectl(['exec', 'dns-test', '--', 'nslookup', 'web-0.nginx']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      web-0.nginx\nAddress 1: ${web0} web-0.nginx.default.svc.cluster.local\n`);
    const missing = await s.kubectl(['exec', 'dns-test', '--', 'nslookup', 'web-9.nginx']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("nslookup: can't resolve 'web-9.nginx'\ncommand terminated with exit code 1\n");
  }, 120_000);

  it("the Init Containers tutorial: myapp-pod stays Init:0/2 until its Services are applied, then Running", async () => {
    const myapp = `apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels:
    app.kubernetes.io/name: MyApp
spec:
  containers:
  - name: myapp-container
    image: busybox:1.28
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
  initContainers:
  - name: init-myservice
    image: busybox:1.28
    command: ['sh', '-c', "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done"]
  - name: init-mydb
    image: busybox:1.28
    command: ['sh', '-c', "until nslookup mydb.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for mydb; sleep 2; done"]
`;
    const services = `---
apiVersion: v1
kind: Service
metadata:
  name: myservice
spec:
  ports:
  - protocol: TCP
    port: 80
    targetPort: 9376
---
apiVersion: v1
kind: Service
metadata:
  name: mydb
spec:
  ports:
  - protocol: TCP
    port: 80
    targetPort: 9377
`;
    expect((await s.kubectl(['apply', '-f', '-'], { input: myapp })).stdout).toBe('pod/myapp-pod created\n');
    const statusOf = async () => (await s.kubectl(['get', '-f', '-', '--no-headers'], { input: myapp })).stdout.trim().split(/\s+/)[2];
    await waitFor('the first init container to run', () => pod('myapp-pod')?.status?.initContainerStatuses?.[0]?.state?.running !== undefined, 60_000);
    await waitFor('a few rounds of its loop', async () => (await s.kubectl(['logs', 'myapp-pod', '-c', 'init-myservice'])).stdout.split('waiting for myservice').length > 3, 60_000);
    expect(await statusOf()).toBe('Init:0/2');
    const waiting = (await s.kubectl(['logs', 'myapp-pod', '-c', 'init-myservice'])).stdout;
    expect(waiting).toContain("nslookup: can't resolve 'myservice.default.svc.cluster.local'\nwaiting for myservice\n");
    const applied = await s.kubectl(['apply', '-f', '-'], { input: services });
    expect(applied.stdout).toBe('service/myservice created\nservice/mydb created\n');
    await waitFor('myapp-pod to run', () => pod('myapp-pod')?.status?.phase === 'Running', 60_000);
    expect(await statusOf()).toBe('Running');
    const log = (await s.kubectl(['logs', 'myapp-pod', '-c', 'init-myservice'])).stdout;
    // the lines before the Services appeared are unchanged; then the answer
    expect(log.startsWith(waiting)).toBe(true);
    const ip = s.cluster.object('services', 'myservice', 'default')?.spec?.clusterIP ?? '';
    expect(log).toMatch(new RegExp(`Name:      myservice\\.default\\.svc\\.cluster\\.local\\nAddress 1: ${ip.replace(/\./g, '\\.')} myservice\\.default\\.svc\\.cluster\\.local\\n$`));
    expect((await s.kubectl(['logs', 'myapp-pod'])).stdout).toBe('The app is running!\n');
  }, 120_000);
  it('NetworkPolicy (kubernetes.io "Declare Network Policy"): access-nginx admits only pods labelled access=true', async () => {
    expect((await s.kubectl(['create', 'deployment', 'np-nginx', '--image=nginx'])).code).toBe(0);
    expect((await s.kubectl(['expose', 'deployment', 'np-nginx', '--port=80'])).code).toBe(0);
    expect((await s.kubectl(['rollout', 'status', 'deployment/np-nginx', '--timeout=60s'])).code).toBe(0);
    const ip = s.cluster.object('services', 'np-nginx', 'default')?.spec?.clusterIP ?? '';
    const server = s.cluster.objects<Pod>('pods').find((p) => p.metadata?.labels?.['app'] === 'np-nginx')!.metadata!.name!;
    await waitFor('kube-proxy rules for np-nginx', () => s.cluster.connect({ name: server }, ip, 80).ok);
    await s.kubectl(['run', 'np-client', '--image=busybox:1.28', '--restart=Never', '--', 'sleep', '3600']);
    await s.kubectl(['run', 'np-access', '--image=busybox:1.28', '--restart=Never', '--labels=access=true', '--', 'sleep', '3600']);
    expect((await s.kubectl(['wait', '--for=condition=Ready', 'pod/np-client', 'pod/np-access', '--timeout=60s'])).code).toBe(0);
    const spider = (from: string) => s.kubectl(['exec', from, '--', 'wget', '--spider', '--timeout=1', 'np-nginx']);
    const open = await spider('np-client');
    expect(open.code).toBe(0);
    expect(open.stderr).toContain(`Connecting to np-nginx (${ip}:80)`);
    expect(open.stderr).toContain('remote file exists');
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'access-nginx' }, spec: { podSelector: { matchLabels: { app: 'np-nginx' } }, ingress: [{ from: [{ podSelector: { matchLabels: { access: 'true' } } }] }] } };
    expect((await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify(policy) })).stdout).toBe('networkpolicy.networking.k8s.io/access-nginx created\n');
    const denied = await spider('np-client');
    expect(denied.code).toBe(1);
    expect(denied.stdout + denied.stderr).toContain('wget: download timed out');
    const allowed = await spider('np-access');
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('remote file exists');
  }, 120_000);
});
