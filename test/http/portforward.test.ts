/**
 * `kubectl port-forward` (the real kubectl 1.32, SPDY tunneled through a WebSocket) against a
 * served cluster: an HTTP GET through the forwarded local port gets nginx's default page, another
 * path nginx's 404, both logged as nginx's access lines in `kubectl logs`; a port nothing listens
 * on gets the kubelet's error, which kubectl prints; RBAC refuses a viewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

/** A GET through a local port (no keep-alive agent). */
function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** Output of a running kubectl, and a wait for a pattern in it. */
function watchOutput(child: ChildProcess) {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  child.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    exited,
    async waitFor(stream: 'out' | 'err', pattern: RegExp): Promise<RegExpMatchArray> {
      let m: RegExpMatchArray | null = null;
      await waitFor(`${pattern} in kubectl's std${stream}`, () => (m = (stream === 'out' ? out : err).match(pattern)) !== null);
      return m!;
    },
  };
}

describe.skipIf(!HAS_KUBECTL)(HAS_KUBECTL ? 'kubectl port-forward' : NO_KUBECTL_REASON, () => {
  let s: TestServer;
  let pod: string;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 7 }, speed: 20 });
    await s.kubectl(['create', 'deployment', 'web', '--image=nginx:1.27']);
    await waitFor('a web pod Running', () => s.cluster.objects<Pod>('pods').some((p) => p.metadata?.name?.startsWith('web-') && p.status?.phase === 'Running'));
    pod = s.cluster.objects<Pod>('pods').find((p) => p.metadata?.name?.startsWith('web-'))!.metadata!.name!;
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('port-forward deploy/web :80 serves nginx through the local port, with access-log lines', async () => {
    const child = s.spawnKubectl(['port-forward', 'deploy/web', ':80', '--address', '127.0.0.1']);
    const pf = watchOutput(child);
    try {
      const port = Number((await pf.waitFor('out', /Forwarding from 127\.0\.0\.1:(\d+) -> 80/))[1]);
      const page = await httpGet(port, '/', { 'user-agent': 'e2e/1.0' });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>Welcome to nginx!</title>');
      expect(page.headers).toMatchObject({ server: 'nginx/1.27.3', 'content-type': 'text/html', 'content-length': '615' });
      const missing = await httpGet(port, '/nope', { 'user-agent': 'e2e/1.0' });
      expect(missing.status).toBe(404);
      expect(missing.body).toContain('<center><h1>404 Not Found</h1></center>');
      expect(pf.out).toContain('Handling connection for');
      const logs = (await s.kubectl(['logs', pod, '--tail=2'])).stdout.split('\n');
      expect(logs[0]).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 615 "-" "e2e\/1\.0" "-"$/);
      expect(logs[1]).toMatch(/"GET \/nope HTTP\/1\.1" 404 153 "-" "e2e\/1\.0" "-"$/);
    } finally {
      child.kill();
      await pf.exited;
    }
  }, 60_000);

  it('a port nothing listens on: kubectl prints the kubelet error and gives up', async () => {
    const child = s.spawnKubectl(['port-forward', `pod/${pod}`, ':81', '--address', '127.0.0.1']);
    const pf = watchOutput(child);
    const port = Number((await pf.waitFor('out', /Forwarding from 127\.0\.0\.1:(\d+) -> 81/))[1]);
    await expect(httpGet(port, '/')).rejects.toThrow();
    const m = await pf.waitFor('err', /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace/);
    expect(m).not.toBeNull();
    expect(pf.err).toContain('dial tcp4 127.0.0.1:81: connect: connection refused');
    expect(await pf.exited).toBe(1);
    expect(pf.err).toContain('error: lost connection to pod');
  }, 60_000);

  it('RBAC: the viewer may not port-forward', async () => {
    const r = await s.kubectl(['port-forward', `pod/${pod}`, ':80'], { context: 'kube-actors-viewer' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot create resource "pods/portforward"');
  }, 60_000);
});
