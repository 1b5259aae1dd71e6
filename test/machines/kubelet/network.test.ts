import { describe, expect, it } from 'vitest';
import { appendView, candidates, connect, lookupFqdn, networkTimeline, networkUsers, resolveName, reverseName, viewAt, type NetworkView } from '../../../machines/kubelet/network.js';
import { runProcess, type ShellOptions } from '../../../machines/kubelet/shell.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const NGINX = { status: 200, body: '<h1>Welcome to nginx!</h1>\n', server: 'nginx/1.27.3', accessLog: true };
const listener = (pod: string) => ({ namespace: 'default', pod, uid: `uid-${pod}`, container: 'nginx', startedAt: '2026-01-01T11:00:00Z', http: NGINX, files: { '/usr/share/nginx/html/hello.html': 'hi\n' } });

/** A cluster: Service web (ClusterIP, two nginx pods), headless nginx (StatefulSet web-0, web-1), empty (no endpoints), ExternalName db, kubernetes. */
const VIEW: NetworkView = {
  namespace: 'default',
  podIP: '10.244.1.9',
  services: [
    { namespace: 'default', name: 'kubernetes', clusterIP: '10.96.0.1', endpoints: [] },
    { namespace: 'default', name: 'web', clusterIP: '10.96.0.20', endpoints: [] },
    { namespace: 'default', name: 'empty', clusterIP: '10.96.0.30', endpoints: [] },
    { namespace: 'default', name: 'db', externalName: 'db.example.com', endpoints: [] },
    {
      namespace: 'default',
      name: 'nginx',
      endpoints: [
        { ip: '10.244.1.5', hostname: 'web-0' },
        { ip: '10.244.2.6', hostname: 'web-1' },
      ],
    },
    { namespace: 'shop', name: 'cart', clusterIP: '10.96.0.40', endpoints: [] },
  ],
  rules: { '10.96.0.20:80': ['10.244.1.5:80', '10.244.2.6:80'], '10.96.0.30:80': [], '10.96.0.1:443': ['192.168.0.2:6443'] },
  podIPs: ['10.244.1.5', '10.244.2.6', '10.244.1.9', '10.244.2.7'],
  listeners: { '10.244.1.5:80': listener('web-0'), '10.244.2.6:80': listener('web-1'), '10.244.2.7:6379': { ...listener('redis'), http: undefined } },
};

const opts = (extra: Partial<ShellOptions> = {}): ShellOptions => ({
  env: [],
  files: { '/etc/hosts': '127.0.0.1\tlocalhost\n10.244.1.9\tclient\n', '/etc/resolv.conf': 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' },
  hostname: 'client',
  startAbsMs: START,
  flavor: 'busybox',
  network: networkTimeline(VIEW, START),
  ...extra,
});
const run = (argv: string[], extra: Partial<ShellOptions> = {}) => {
  const r = runProcess(argv, opts(extra));
  const text = (s: 'stdout' | 'stderr') => r.lines.filter((l) => l.stream === s).map((l) => l.text);
  return { code: r.exit?.code, atMs: r.exit?.atMs, out: text('stdout'), err: text('stderr'), requests: r.requests ?? [], files: r.files };
};

describe('cluster DNS: what CoreDNS kubernetes plugin answers', () => {
  it('a Service by svc, svc.ns, svc.ns.svc and its FQDN: the ClusterIP, through the search path', () => {
    for (const name of ['web', 'web.default', 'web.default.svc', 'web.default.svc.cluster.local']) expect(resolveName(VIEW, name)?.ips).toEqual(['10.96.0.20']);
    expect(resolveName(VIEW, 'kubernetes.default')?.ips).toEqual(['10.96.0.1']);
    expect(resolveName(VIEW, 'cart.shop')?.ips).toEqual(['10.96.0.40']);
    expect(resolveName(VIEW, 'cart')).toBeUndefined();
    // a Service without endpoints still has its record
    expect(resolveName(VIEW, 'empty')?.ips).toEqual(['10.96.0.30']);
  });

  it('the search path and ndots:5: short names get the domains first, a trailing dot none', () => {
    expect(candidates(VIEW, 'web')).toEqual(['web.default.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    expect(candidates(VIEW, 'a.b.c.d.e.f')[0]).toBe('a.b.c.d.e.f');
    expect(candidates(VIEW, 'web.default.svc.cluster.local.')).toEqual(['web.default.svc.cluster.local']);
  });

  it('a headless Service: its ready endpoints; hostname.subdomain: the StatefulSet pod', () => {
    expect(resolveName(VIEW, 'nginx')?.ips).toEqual(['10.244.1.5', '10.244.2.6']);
    expect(resolveName(VIEW, 'web-0.nginx')?.ips).toEqual(['10.244.1.5']);
    expect(lookupFqdn(VIEW, 'web-1.nginx.default.svc.cluster.local')?.ips).toEqual(['10.244.2.6']);
    expect(lookupFqdn(VIEW, '10-244-2-6.nginx.default.svc.cluster.local')?.ips).toEqual(['10.244.2.6']);
    expect(resolveName(VIEW, 'web-2.nginx')).toBeUndefined();
    // a ClusterIP Service has no per-endpoint names
    expect(lookupFqdn(VIEW, 'web-0.web.default.svc.cluster.local')).toBeUndefined();
  });

  it('ExternalName is a CNAME; pod A records a-b-c-d.ns.pod; unknown names NXDOMAIN', () => {
    expect(resolveName(VIEW, 'db')).toEqual({ fqdn: 'db.default.svc.cluster.local', cname: 'db.example.com', ips: [] });
    expect(lookupFqdn(VIEW, '10-244-1-5.default.pod.cluster.local')?.ips).toEqual(['10.244.1.5']);
    expect(lookupFqdn(VIEW, '10-244-1-500.default.pod.cluster.local')).toBeUndefined();
    expect(resolveName(VIEW, 'nope')).toBeUndefined();
    expect(resolveName(VIEW, 'example.com')).toBeUndefined();
  });

  it('reverse names: a ClusterIP its Service, a headless endpoint its hostname', () => {
    expect(reverseName(VIEW, '10.96.0.20')).toBe('web.default.svc.cluster.local');
    expect(reverseName(VIEW, '10.244.1.5')).toBe('web-0.nginx.default.svc.cluster.local');
    expect(reverseName(VIEW, '10.96.0.10')).toBe('kube-dns.kube-system.svc.cluster.local');
    expect(reverseName(VIEW, '10.244.9.9')).toBeUndefined();
  });
});

describe('connections through the node: kube-proxy rules, pod ports', () => {
  it('a ClusterIP port goes to a backend; no endpoints is a reject; an unserved port or address never answers', () => {
    const c = connect(VIEW, '10.96.0.20', 80, () => 1);
    expect(c.kind === 'connected' && c.backend).toBe('10.244.2.6:80');
    expect(connect(VIEW, '10.96.0.30', 80).kind).toBe('refused');
    expect(connect(VIEW, '10.96.0.20', 8080).kind).toBe('timeout');
    expect(connect(VIEW, '10.244.1.5', 81).kind).toBe('refused');
    expect(connect(VIEW, '10.1.2.3', 80).kind).toBe('timeout');
    expect(connect(VIEW, '10.244.2.7', 6379).kind).toBe('silent');
  });
});

describe('busybox wget', () => {
  it('wget -qO- web: the nginx page on stdout, exit 0, the access-log line for the server', () => {
    const r = run(['wget', '-qO-', 'web']);
    expect(r.code).toBe(0);
    expect(r.out).toEqual(['<h1>Welcome to nginx!</h1>']);
    expect(r.err).toEqual([]);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.line).toBe('10.244.1.9 - - [01/Jan/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 27 "-" "Wget" "-"');
  });

  it('without -q: Connecting to, writing to stdout, the progress bar; -S the headers', () => {
    const r = run(['wget', '-S', '-O', '-', 'http://web.default.svc.cluster.local/']);
    expect(r.err[0]).toBe('Connecting to web.default.svc.cluster.local (10.96.0.20:80)');
    expect(r.err[1]).toBe('  HTTP/1.1 200 OK');
    expect(r.err).toContain('writing to stdout');
    expect(r.err[r.err.length - 2]).toMatch(/^- {19}100% \|\*{32}\| {4}27 {2}0:00:00 ETA$/);
    expect(r.err[r.err.length - 1]).toBe('written to stdout');
  });

  it('saves to index.html by default; a second run finds it exists', () => {
    const r = run(['sh', '-c', 'wget -q web && cat index.html && wget -q web']);
    expect(r.out).toEqual(['<h1>Welcome to nginx!</h1>']);
    expect(r.err).toEqual(["wget: can't open 'index.html': File exists"]);
    expect(r.code).toBe(1);
  });

  it('errors as busybox prints them: bad address, connection refused, 404, timeout', () => {
    expect(run(['wget', '-qO-', 'foo'])).toMatchObject({ code: 1, err: ["wget: bad address 'foo'"] });
    expect(run(['wget', '-qO-', 'empty'])).toMatchObject({ code: 1, err: ["wget: can't connect to remote host (10.96.0.30): Connection refused"] });
    expect(run(['wget', '-qO-', 'http://web/missing'])).toMatchObject({ code: 1, err: ['wget: server returned error: HTTP/1.1 404 Not Found'] });
    expect(run(['wget', '-qO-', 'http://web/hello.html'])).toMatchObject({ code: 0, out: ['hi'] });
    expect(run(['wget', '-T', '5', '-qO-', 'http://10.1.2.3/'])).toMatchObject({ code: 1, atMs: 5000, err: ['wget: download timed out'] });
    expect(run(['wget', '-q', '--spider', 'web'])).toMatchObject({ code: 0, out: [], err: [] });
    expect(run(['wget', '--spider', 'http://web/missing']).code).toBe(1);
  });

  it('an image without wget says not found; a headless name reaches a pod directly', () => {
    expect(run(['sh', '-c', 'wget -qO- web'], { flavor: 'gnu' })).toMatchObject({ code: 127, err: ['sh: wget: not found'] });
    expect(run(['wget', '-qO-', 'web-0.nginx']).requests[0]!.listener.pod).toBe('web-0');
  });
});

describe('curl', () => {
  const curl = (...args: string[]) => run(['curl', ...args], { commands: ['curl'], flavor: 'gnu' });

  it('-s: the body; without -s the progress meter on stderr; -w %{http_code}', () => {
    expect(curl('-s', 'web')).toMatchObject({ code: 0, out: ['<h1>Welcome to nginx!</h1>'], err: [] });
    expect(curl('http://web').err[0]).toMatch(/^ {2}% Total/);
    expect(curl('-s', '-o', '/dev/null', '-w', '%{http_code}', 'web/missing').out).toEqual(['404']);
    expect(curl('-s', 'web').requests[0]!.line).toContain('"curl/8.11.1"');
  });

  it('-I: the response head; -o writes the file', () => {
    const head = curl('-sI', 'web');
    expect(head.out[0]).toBe('HTTP/1.1 200 OK\r');
    expect(head.out).toContain('Server: nginx/1.27.3\r');
    expect(head.requests[0]!.line).toContain('"HEAD / HTTP/1.1" 200 0');
    expect(curl('-s', '-o', '/tmp/page', 'web').files?.['/tmp/page']).toBe('<h1>Welcome to nginx!</h1>\n');
  });

  it('errors and their exit codes: 6, 7, 28; -s hides them, -sS shows them', () => {
    expect(curl('-s', 'foo')).toMatchObject({ code: 6, err: [] });
    expect(curl('-sS', 'foo')).toMatchObject({ code: 6, err: ['curl: (6) Could not resolve host: foo'] });
    expect(curl('-sS', 'empty')).toMatchObject({ code: 7, err: ["curl: (7) Failed to connect to empty port 80 after 0 ms: Couldn't connect to server"] });
    expect(curl('-sS', '--connect-timeout', '3', 'http://10.1.2.3')).toMatchObject({ code: 28, atMs: 3000, err: ['curl: (28) Failed to connect to 10.1.2.3 port 80 after 3000 ms: Timeout was reached'] });
    expect(curl('-sS', '-m', '2', 'http://10.244.2.7:6379')).toMatchObject({ code: 28, atMs: 2000, err: ['curl: (28) Operation timed out after 2000 milliseconds with 0 bytes received'] });
    expect(curl('-s', '-w', '%{http_code}', 'foo').out).toEqual(['000']);
  });

  it('only in images that ship it', () => {
    expect(run(['sh', '-c', 'curl web'])).toMatchObject({ code: 127, err: ['sh: curl: not found'] });
  });
});

describe('busybox nslookup', () => {
  it('busybox 1.28: the search path, Address 1: IP NAME; unknown: can\'t resolve', () => {
    const r = run(['nslookup', 'web-0.nginx'], { nslookupStyle: 'busybox-1.28' });
    expect(r.out).toEqual(['Server:    10.96.0.10', 'Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local', '', 'Name:      web-0.nginx', 'Address 1: 10.244.1.5 web-0.nginx.default.svc.cluster.local']);
    expect(r.code).toBe(0);
    expect(run(['nslookup', 'kubernetes.default'], { nslookupStyle: 'busybox-1.28' }).out[4]).toBe('Address 1: 10.96.0.1 kubernetes.default.svc.cluster.local');
    expect(run(['nslookup', 'foo'], { nslookupStyle: 'busybox-1.28' })).toMatchObject({ code: 1, err: ["nslookup: can't resolve 'foo'"] });
  });

  it('current busybox: no search path, Name/Address pairs, NXDOMAIN', () => {
    const r = run(['nslookup', 'web.default.svc.cluster.local']);
    expect(r.out).toEqual(['Server:\t\t10.96.0.10', 'Address:\t10.96.0.10:53', '', 'Name:\tweb.default.svc.cluster.local', 'Address: 10.96.0.20', '']);
    expect(run(['nslookup', 'web'])).toMatchObject({ code: 1, out: ['Server:\t\t10.96.0.10', 'Address:\t10.96.0.10:53', '', "** server can't find web: NXDOMAIN", ''] });
  });
});

describe('a busybox applet the simulation does not model', () => {
  it('says so and exits non-zero, as argv[0] or in a script', () => {
    expect(run(['telnet', 'web', '80'])).toMatchObject({ code: 127, err: ["telnet: kube-actors does not model the busybox applet 'telnet' (the simulated container cannot run it)"] });
    expect(run(['sh', '-c', 'nc -z web 80']).code).toBe(127);
    expect(run(['sh', '-c', 'nc -z web 80'], { flavor: 'gnu' }).err).toEqual(['sh: nc: not found']);
  });
});

describe('the network as a timeline', () => {
  const without: NetworkView = { ...VIEW, services: VIEW.services.filter((svc) => svc.name !== 'web') };
  const loop = ['sh', '-c', 'until nslookup web.default.svc.cluster.local; do echo waiting for web; sleep 2; done'];

  it('a command sees the latest snapshot at or before its time (the first before any)', () => {
    const timeline = appendView(networkTimeline(without, START), VIEW, START + 5_000);
    expect(viewAt(timeline, START - 1)).toBe(without);
    expect(viewAt(timeline, START + 4_999)).toBe(without);
    expect(viewAt(timeline, START + 5_000)).toBe(VIEW);
    // an unchanged view appends nothing; the past cannot be appended to
    expect(appendView(timeline, VIEW, START + 9_000)).toBe(timeline);
    expect(() => appendView(timeline, without, START + 1_000)).toThrow(/before the latest entry/);
  });

  it('a waiting loop resolves once the Service is in the view, and the lines before are those of the old view', () => {
    const before = run(loop, { network: networkTimeline(without, START), horizonMs: 7_000 });
    expect(before.code).toBeUndefined();
    expect(before.out.filter((l) => l === 'waiting for web')).toHaveLength(4);
    const after = run(loop, { network: appendView(networkTimeline(without, START), VIEW, START + 7_000) });
    // sleeps at 0, 2, 4, 6 s saw no Service; the lookup at 8 s answers
    expect(after.code).toBe(0);
    expect(after.atMs).toBe(8_000);
    expect(after.out.filter((l) => l === 'waiting for web')).toHaveLength(4);
    expect(after.out.slice(0, before.out.length)).toEqual(before.out);
    expect(after.out.join('\n')).toContain('Name:\tweb.default.svc.cluster.local');
  });

  it('flags the containers that name a network tool', () => {
    const pod = { spec: { initContainers: [{ name: 'wait', image: 'busybox', command: ['sh', '-c', 'until nslookup db; do sleep 2; done'] }], containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }] } };
    expect([...networkUsers(pod as never, '{}')]).toEqual(['wait']);
    expect([...networkUsers(pod as never, '{"run.sh":"wget -qO- web"}')]).toEqual(['wait', 'app']);
  });
});
