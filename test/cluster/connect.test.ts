import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { StatusError } from '../../src/api/status.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

const pod = (name: string, containers: Record<string, unknown>[]): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers } }) as unknown as Pod;
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof StatusError ? `${e.status.code} ${e.message}` : String(e);
  }
  return 'no error';
};
const running = (c: ReturnType<typeof createCluster>, name: string) => c.runUntil(() => c.object<Pod>('pods', name)?.status?.phase === 'Running', { timeout: 60_000 });

describe('cluster.portForward', () => {
  it('nginx answers HTTP on 80: its page, 404, HEAD, 405, keep-alive, close; access lines in its log', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('web', [{ name: 'web', image: 'nginx:1.27' }]));
    expect(running(c, 'web')).toBe(true);
    const conn = c.portForward('web', 80);
    expect(conn.container).toBe('web');
    // two requests on one keep-alive connection, the second split across sends
    const first = conn.send('GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\n\r\nGET /nope HTTP/1.1\r\nHo').toString();
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\nServer: nginx\/1\.27\.3\r\nDate: .+ GMT\r\nContent-Type: text\/html\r\nContent-Length: 615\r\nLast-Modified: Tue, 26 Nov 2024 15:55:00 GMT\r\nConnection: keep-alive\r\nETag: "6745ef54-267"\r\nAccept-Ranges: bytes\r\n\r\n<!DOCTYPE html>/);
    expect(first).toContain('<h1>Welcome to nginx!</h1>');
    const second = conn.send('st: localhost\r\nUser-Agent: curl/8.5.0\r\n\r\n').toString();
    expect(second).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*Content-Length: 153\r\n[\s\S]*<center><h1>404 Not Found<\/h1><\/center>\r\n<hr><center>nginx\/1\.27\.3<\/center>/);
    expect(conn.send('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n').toString()).toMatch(/Content-Length: 615\r\n[\s\S]*\r\n\r\n$/);
    expect(conn.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab').toString()).toMatch(/^HTTP\/1\.1 405 Not Allowed\r\n/);
    expect(conn.closed).toBe(false);
    expect(conn.send('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').toString()).toContain('Connection: close\r\n');
    expect(conn.closed).toBe(true);
    expect(conn.send('GET / HTTP/1.1\r\n\r\n').length).toBe(0);
    const access = c.logs('web').split('\n').filter((l) => l.startsWith('127.0.0.1'));
    expect(access).toHaveLength(5);
    expect(access[0]).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 615 "-" "curl\/8\.5\.0" "-"$/);
    expect(access.slice(1).map((l) => l.replace(/^.*\] /, ''))).toEqual(['"GET /nope HTTP/1.1" 404 153 "-" "curl/8.5.0" "-"', '"HEAD / HTTP/1.1" 200 0 "-" "-" "-"', '"POST / HTTP/1.1" 405 157 "-" "-" "-"', '"GET / HTTP/1.1" 200 615 "-" "-" "-"']);
    // later lines of the process come after the access lines in time order
    expect(c.logs('web', { tailLines: 1 })).toBe(`${access[4]}\n`);
    c.stop();
  });

  it('refusals: a port nothing listens on (the kubelet text), a pod that is not running, a bad port', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('web', [{ name: 'web', image: 'nginx:1.27' }]));
    expect(running(c, 'web')).toBe(true);
    expect(failure(() => c.portForward('web', 81))).toMatch(
      /^500 error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace "\/var\/run\/netns\/cni-[0-9a-f-]{36}": failed to connect to localhost:81 inside namespace "[0-9a-f]{64}", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused IPv6 dial tcp6 \[::1\]:81: connect: connection refused $/,
    );
    expect(failure(() => c.portForward('web', 0))).toBe('400 invalid port 0: must be between 1 and 65535');
    expect(failure(() => c.portForward('nope', 80))).toBe('404 pods "nope" not found');
    c.client.create(pod('broken', [{ name: 'broken', image: 'nginx:doesnotexist-999' }]));
    c.advance(5_000);
    expect(failure(() => c.portForward('broken', 80))).toBe('400 unable to forward port because pod is not running. Current status=Pending');
    c.stop();
  });

  it('a listener that is not an HTTP server accepts the connection and answers nothing', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('cache', [{ name: 'cache', image: 'redis:7' }]));
    expect(running(c, 'cache')).toBe(true);
    const conn = c.portForward('cache', 6379);
    expect(conn.send('PING\r\n').length).toBe(0);
    expect(conn.closed).toBe(false);
    c.stop();
  });
});
