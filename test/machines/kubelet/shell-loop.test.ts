/**
 * Steady loops (machines/kubelet/shell-loop.ts): the HorizontalPodAutoscaler walkthrough's load
 * generator `while sleep 0.01; do wget -q -O- http://php-apache; done` runs forward as a flow of
 * requests instead of one interpreted iteration per request, with the same output, requests and
 * times as the interpreted loop.
 */
import { describe, expect, it } from 'vitest';
import { appendView, networkTimeline, type NetworkView } from '../../../machines/kubelet/network.js';
import { runProcess, type ShellOptions } from '../../../machines/kubelet/shell.js';
import { MAX_REPEATED_REQUESTS } from '../../../machines/kubelet/shell-loop.js';
import { HPA_EXAMPLE_CPU_MS } from '../../../src/profiles/images.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const PHP = { status: 200, body: 'OK!', server: 'Apache/2.4.25 (Debian)', cpuMsPerRequest: HPA_EXAMPLE_CPU_MS };
const php = (pod: string) => ({ namespace: 'default', pod, uid: `uid-${pod}`, container: 'php-apache', startedAt: '2026-01-01T11:00:00Z', http: PHP, files: {} });

const view = (pods: string[]): NetworkView => ({
  namespace: 'default',
  podIP: '10.244.1.9',
  services: [{ namespace: 'default', name: 'php-apache', clusterIP: '10.96.0.50', endpoints: [] }],
  rules: { '10.96.0.50:80': pods.map((_, i) => `10.244.2.${i + 1}:80`) },
  podIPs: ['10.244.1.9', ...pods.map((_, i) => `10.244.2.${i + 1}`)],
  listeners: Object.fromEntries(pods.map((p, i) => [`10.244.2.${i + 1}:80`, php(p)])),
});

const opts = (extra: Partial<ShellOptions> = {}): ShellOptions => ({
  env: [],
  files: { '/etc/hosts': '127.0.0.1\tlocalhost\n', '/etc/resolv.conf': 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' },
  hostname: 'load-generator',
  startAbsMs: START,
  flavor: 'busybox',
  network: networkTimeline(view(['php-1']), START),
  ...extra,
});
const LOAD = ['/bin/sh', '-c', 'while sleep 0.01; do wget -q -O- http://php-apache; done'];

describe('a steady loop of requests', () => {
  it('each wget takes the time the server spends on it: one iteration is 10 ms of sleep and 20 ms of index.php', () => {
    const r = runProcess(LOAD, opts({ horizonMs: 95 }));
    expect(r.exit).toBeUndefined();
    expect(r.requests?.map((q) => q.atMs)).toEqual([10, 40, 70]);
    expect(r.lines).toEqual([{ atMs: 95, stream: 'stdout', text: 'OK!OK!OK!' }]);
  });

  it('runs forward to the horizon with what the interpreted loop gives: output, requests, time', () => {
    const horizonMs = 10 * 60_000;
    const r = runProcess(LOAD, opts({ horizonMs }));
    expect(r.exit).toBeUndefined();
    expect(r.atMs).toBe(horizonMs);
    // 20,000 iterations of 30 ms (the last one cut by the horizon after its sleep, before its answer)
    const n = Math.floor(horizonMs / 30);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.text).toBe('OK!'.repeat(n));
    expect(r.requests).toHaveLength(MAX_REPEATED_REQUESTS);
    expect(r.requests!.slice(0, 4).map((q) => q.atMs)).toEqual([10, 40, 70, 100]);
    expect(r.requests!.at(-1)!.atMs).toBe(10 + 30 * (MAX_REPEATED_REQUESTS - 1));
    // a flow of 33.3 requests per second to the one backend, from when the loop was found steady
    expect(r.flows).toHaveLength(1);
    expect(r.flows![0]!.toMs).toBe(horizonMs);
    expect(r.flows![0]!.servers).toEqual([{ server: { uid: 'uid-php-1', namespace: 'default', pod: 'php-1', container: 'php-apache', cpuMsPerRequest: 20 }, perSecond: 1000 / 30 }]);
  });

  it('with no horizon it runs for ever (its fate): an open-ended flow', () => {
    const r = runProcess(LOAD, opts());
    expect(r.exit).toBeUndefined();
    expect(r.flows).toHaveLength(1);
    expect(r.flows![0]!.toMs).toBe(Infinity);
    expect(r.flows![0]!.fromMs).toBeLessThan(100);
  });

  it('a new network snapshot ends a flow; the next spreads the requests evenly over the Service\'s backends', () => {
    const scaled = appendView(networkTimeline(view(['php-1']), START), view(['php-1', 'php-2', 'php-3', 'php-4', 'php-5']), START + 60_000);
    const r = runProcess(LOAD, opts({ network: scaled }));
    expect(r.flows).toHaveLength(2);
    const [before, after] = r.flows!;
    expect(before!.toMs).toBe(60_000);
    expect(before!.servers.map((s) => s.server.pod)).toEqual(['php-1']);
    expect(after!.fromMs).toBeGreaterThanOrEqual(60_000);
    expect(after!.fromMs).toBeLessThan(60_200);
    expect(after!.toMs).toBe(Infinity);
    expect(after!.servers.map((s) => [s.server.pod, s.perSecond])).toEqual(['php-1', 'php-2', 'php-3', 'php-4', 'php-5'].map((p) => [p, 1000 / 30 / 5]));
    // the requests the interpreted loop would make, each to the backend kube-proxy's pick gives
    const late = r.requests!.filter((q) => q.atMs > 60_100);
    expect(new Set(late.map((q) => q.listener.pod)).size).toBe(5);
  });

  it('is not run forward when its iterations differ: a counter, a log line with the time, different backends', () => {
    const counted = runProcess(['sh', '-c', 'i=0; while [ $i -lt 50 ]; do i=$((i+1)); sleep 1; done; echo $i'], opts());
    expect(counted.exit).toEqual({ atMs: 50_000, code: 0 });
    expect(counted.lines.map((l) => l.text)).toEqual(['50']);
    const dated = runProcess(['sh', '-c', 'while true; do date +%s; sleep 1; done'], opts({ horizonMs: 5_500 }));
    expect(dated.lines.map((l) => l.text)).toHaveLength(6);
    expect(new Set(dated.lines.map((l) => l.text)).size).toBe(6);
    const other = { ...php('php-2'), http: { ...PHP, body: 'other' } };
    const mixed = view(['php-1', 'php-2']);
    mixed.listeners['10.244.2.2:80'] = other;
    const r = runProcess(LOAD, opts({ network: networkTimeline(mixed, START), horizonMs: 3_000 }));
    expect(r.flows).toBeUndefined();
    expect(r.lines[0]!.text).toMatch(/^(OK!|other)+$/);
    expect(r.lines[0]!.text).toContain('other');
  });

  it('a steady loop that only writes lines repeats them, each at its time', () => {
    const r = runProcess(['sh', '-c', 'while true; do echo tick; sleep 2; done'], opts({ horizonMs: 3_600_000 }));
    // one at 0, 2 s, ..., and the one at the horizon itself (its sleep is cut)
    expect(r.lines).toHaveLength(1801);
    expect(r.lines.slice(0, 3).map((l) => l.atMs)).toEqual([0, 2000, 4000]);
    expect(r.lines.at(-1)).toEqual({ atMs: 3_600_000, stream: 'stdout', text: 'tick' });
    expect(r.flows).toBeUndefined();
  });
});
