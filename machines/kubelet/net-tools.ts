/**
 * The network commands of a container's process, as the tutorials use them from inside a pod:
 * busybox's `nslookup` and `wget` (busybox and alpine images) and `curl` (images that ship it:
 * curlimages/curl, nginx). They see the network of the process's {@link NetworkView} as it was
 * at the command's time (its timeline, see network.ts): names resolve through `/etc/hosts` then the cluster DNS with the pod's
 * search path, a Service's ClusterIP goes through the kube-proxy rules of the pod's node, a pod's
 * port answers as its listening process does (machines/kubelet/http-server.ts), and each request
 * a server logs is kept for the server container's log ({@link NetRequest}).
 *
 * `nslookup` prints as busybox does. The format depends on the image's tag: busybox 1.28 (the tag
 * the Kubernetes DNS tutorials pin) used the libc resolver and printed `Address 1: IP NAME`;
 * current busybox has its own resolver, prints `Name:`/`Address:` pairs and does not apply the
 * search path (so `nslookup web` is NXDOMAIN there and `nslookup web.default.svc.cluster.local`
 * works — the known behaviour that made the tutorials pin 1.28).
 */
import type { Io } from './shell-builtins.js';
import type { Shell } from './shell.js';
import { accessLogLine, answerHttp, requestOf, type HttpAnswer, type HttpRequest } from './http-server.js';
import { CLUSTER_DNS, DNS_TIMEOUT_MS, connect, emptyNetwork, isIPv4, lookupFqdn, resolveName, reverseName, routes, viewAt, type NetListener, type NetworkView } from './network.js';

/** A request a server of the cluster answered (its access-log line belongs in that container's log). */
export interface NetRequest {
  /** When, in ms after the client process's start. */
  atMs: number;
  listener: NetListener;
  /** The line the server logs (empty when it keeps no access log). */
  line: string;
  /** Where the client connected (`ip:port`: a Service's ClusterIP or a pod's address). */
  target: string;
  /**
   * Every server kube-proxy may send a connection to `target` to (one per backend), when they all
   * answer alike; undefined when they do not (then a loop of such requests is not steady).
   */
  spread?: readonly NetListener[];
  /** What the access-log line is made of (to write it again for a later, identical request). */
  log?: { req: HttpRequest; status: number; bodyBytes: number; client: string };
}

/** A server container a {@link RequestFlow} reaches. */
export interface FlowServer {
  uid: string;
  namespace: string;
  pod: string;
  container: string;
  /** CPU time a request costs it (ms of one core). */
  cpuMsPerRequest: number;
}

/**
 * Requests a process sends at a steady rate over a span of its run: a loop of wget or curl whose
 * iterations repeat (machines/kubelet/shell-loop.ts). Each request to a Service is spread evenly
 * over the backends kube-proxy had then (its random pick, in expectation).
 */
export interface RequestFlow {
  /** The span, ms after the process's start (`toMs` Infinity: for as long as the process runs). */
  fromMs: number;
  toMs: number;
  /** Requests per second reaching each server container. */
  servers: readonly { server: FlowServer; perSecond: number }[];
}

/** busybox's default `-T` (seconds). */
const WGET_TIMEOUT_S = 900;
/** curl's default connect timeout (seconds). */
const CURL_CONNECT_TIMEOUT_S = 300;

function viewOf(sh: Shell): NetworkView {
  // the snapshot that held at this command's time (start + the process's clock)
  const view = sh.opts.network ? viewAt(sh.opts.network, sh.opts.startAbsMs + sh.t) : undefined;
  if (view) return view;
  const search = /^search\s+([^.\s]+)\.svc\./m.exec(sh.files.get('/etc/resolv.conf') ?? '');
  return emptyNetwork(search?.[1] ?? 'default', '');
}

/** An address for `host` as getaddrinfo finds it: an IP literal, `/etc/hosts`, then the DNS. */
function lookupHost(sh: Shell, host: string): string | undefined {
  if (isIPv4(host)) return host;
  for (const line of (sh.files.get('/etc/hosts') ?? '').split('\n')) {
    const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (ip && isIPv4(ip) && names.includes(host)) return ip;
  }
  const view = viewOf(sh);
  if (view.dnsUnreachable) {
    // no DNS server answers: the resolver waits out its attempts
    sh.advance(DNS_TIMEOUT_MS);
    return undefined;
  }
  return resolveName(view, host)?.ips[0];
}

interface Url {
  scheme: string;
  host: string;
  port: number;
  path: string;
  /** `Host` header value. */
  authority: string;
}

function parseUrl(text: string): Url | undefined {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/:?#]*)(?::(\d+))?([^#]*)/.exec(text);
  if (!m || !m[2]) return undefined;
  const scheme = (m[1] ?? 'http').toLowerCase();
  const port = m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80;
  const path = m[4] ? (m[4].startsWith('/') ? m[4] : `/${m[4]}`) : '/';
  return { scheme, host: m[2], port, path, authority: m[3] ? `${m[2]}:${m[3]}` : m[2] };
}

/** A small deterministic hash (the client's choice among a Service's backends, like kube-proxy's random pick). */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The backend index a process's `n`-th request to `ip:port` goes to, among `count` (a Service's rule). */
function pickBackend(podIP: string, target: string, n: number, count: number): number {
  return hash(`${podIP}/${target}/${n}`) % count;
}

type Outcome = { kind: 'answer'; answer: HttpAnswer; ip: string } | { kind: 'refused'; ip: string } | { kind: 'timeout'; ip: string; silent: boolean };

/** The servers a connection to `ip:port` may reach, if they all answer alike (see {@link NetRequest.spread}). */
function spreadOf(view: NetworkView, ip: string, port: number): NetListener[] | undefined {
  const all = routes(view, ip, port);
  const listeners: NetListener[] = [];
  let same: string | undefined;
  for (const r of all) {
    if (r.kind !== 'connected') return undefined;
    const key = JSON.stringify([r.listener.http, r.listener.files]);
    if (same !== undefined && key !== same) return undefined;
    same = key;
    listeners.push(r.listener);
  }
  return listeners;
}

/**
 * Sends one HTTP request to `ip:port` from the pod and records the server's access-log line. The
 * answer comes after the CPU time the server spends on it (`cpuMsPerRequest`).
 */
function request(sh: Shell, ip: string, url: Url, method: string, headers: [string, string][]): Outcome {
  const view = viewOf(sh);
  const n = sh.requests.length;
  const target = `${ip}:${url.port}`;
  const route = connect(view, ip, url.port, (count) => pickBackend(view.podIP, target, n, count));
  if (route.kind === 'refused') return { kind: 'refused', ip };
  if (route.kind === 'timeout' || route.kind === 'silent') return { kind: 'timeout', ip, silent: route.kind === 'silent' };
  const now = sh.opts.startAbsMs + sh.t;
  const req = requestOf(method, url.path, headers);
  const http = route.listener.http!;
  const answer = answerHttp(req, http, route.listener.files, now);
  const client = ip === '127.0.0.1' ? '127.0.0.1' : view.podIP;
  const spread = spreadOf(view, ip, url.port);
  sh.requests.push({
    atMs: sh.t,
    listener: route.listener,
    line: http.accessLog ? accessLogLine(req, answer, now, client) : '',
    target,
    ...(spread ? { spread } : {}),
    ...(http.accessLog ? { log: { req, status: answer.status, bodyBytes: answer.bodyBytes, client } } : {}),
  });
  if (http.cpuMsPerRequest) sh.advance(http.cpuMsPerRequest);
  return { kind: 'answer', answer, ip };
}

/** The same request again at `atMs` (a steady loop's later iteration): to the backend its count picks, with its log line. */
export function repeatRequest(sh: Shell, template: NetRequest, atMs: number): NetRequest {
  const spread = template.spread ?? [template.listener];
  const view = viewOf(sh);
  const listener = spread[pickBackend(view.podIP, template.target, sh.requests.length, spread.length)]!;
  const line = template.log ? accessLogLine(template.log.req, template.log, sh.opts.startAbsMs + atMs, template.log.client) : '';
  return { ...template, atMs, listener, line };
}

// ---- nslookup ---------------------------------------------------------------------------------

/** busybox `nslookup NAME [SERVER]`. */
export function nslookup(sh: Shell, args: string[], io: Io): number {
  const names = args.filter((a) => !a.startsWith('-'));
  const name = names[0];
  if (!name) {
    io.err('BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n');
    return 1;
  }
  const view = viewOf(sh);
  if (view.dnsUnreachable) {
    // no server at 10.96.0.10 answers (CoreDNS down): the queries time out
    sh.advance(DNS_TIMEOUT_MS);
    if (sh.opts.nslookupStyle !== 'busybox-1.28') {
      io.out(';; connection timed out; no servers could be reached\n\n');
      return 1;
    }
    io.out(`Server:    ${CLUSTER_DNS}\nAddress 1: ${CLUSTER_DNS}\n\n`);
    if (!isIPv4(name)) {
      io.err(`nslookup: can't resolve '${name}'\n`);
      return 1;
    }
    io.out(`Name:      ${name}\nAddress 1: ${name}\n`);
    return 0;
  }
  if (sh.opts.nslookupStyle === 'busybox-1.28') {
    io.out(`Server:    ${CLUSTER_DNS}\nAddress 1: ${CLUSTER_DNS} ${reverseName(view, CLUSTER_DNS)}\n\n`);
    const answer = isIPv4(name) ? { ips: [name] } : resolveName(view, name);
    if (!answer || answer.ips.length === 0) {
      io.err(`nslookup: can't resolve '${name}'\n`);
      return 1;
    }
    io.out(`Name:      ${name}\n`);
    answer.ips.forEach((ip, i) => {
      const ptr = reverseName(view, ip);
      io.out(`Address ${i + 1}: ${ip}${ptr ? ` ${ptr}` : ''}\n`);
    });
    return 0;
  }
  io.out(`Server:\t\t${CLUSTER_DNS}\nAddress:\t${CLUSTER_DNS}:53\n\n`);
  if (isIPv4(name)) {
    const ptr = reverseName(view, name);
    if (!ptr) {
      io.out(`** server can't find ${name.split('.').reverse().join('.')}.in-addr.arpa: NXDOMAIN\n\n`);
      return 1;
    }
    io.out(`${name.split('.').reverse().join('.')}.in-addr.arpa\tname = ${ptr}\n\n`);
    return 0;
  }
  // current busybox queries the name as given (no search path)
  const answer = lookupFqdn(view, name);
  if (!answer || (answer.ips.length === 0 && !answer.cname)) {
    io.out(`** server can't find ${name}: NXDOMAIN\n\n`);
    return 1;
  }
  if (answer.cname) io.out(`${name.replace(/\.$/, '')}\tcanonical name = ${answer.cname}\n`);
  for (const ip of answer.ips) io.out(`Name:\t${answer.cname ?? name.replace(/\.$/, '')}\nAddress: ${ip}\n`);
  io.out('\n');
  return 0;
}

// ---- wget -------------------------------------------------------------------------------------

interface WgetOptions {
  quiet: boolean;
  output?: string;
  headers: boolean;
  timeoutS: number;
  spider: boolean;
  url?: string;
}

function wgetOptions(args: string[], io: Io): WgetOptions | number {
  const o: WgetOptions = { quiet: false, headers: false, timeoutS: WGET_TIMEOUT_S, spider: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--spider') o.spider = true;
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--server-response') o.headers = true;
    else if (a.startsWith('--output-document=')) o.output = a.slice('--output-document='.length);
    else if (a.startsWith('--timeout=')) o.timeoutS = Number(a.slice('--timeout='.length));
    else if (a === '--output-document' || a === '--timeout') {
      const v = args[++i] ?? '';
      if (a === '--timeout') o.timeoutS = Number(v);
      else o.output = v;
    } else if (a.startsWith('--')) {
      io.err(`wget: unrecognized option '${a}'\n`);
      return 1;
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === 'q') o.quiet = true;
        else if (c === 'S') o.headers = true;
        else if (c === 'O' || c === 'T') {
          const v = a.length > j + 1 ? a.slice(j + 1) : (args[++i] ?? '');
          if (c === 'O') o.output = v;
          else o.timeoutS = Number(v);
          break;
        } else {
          io.err(`wget: invalid option -- '${c}'\n`);
          return 1;
        }
      }
    } else o.url = a;
  }
  if (!Number.isFinite(o.timeoutS) || o.timeoutS < 0) o.timeoutS = WGET_TIMEOUT_S;
  return o;
}

function progressBar(name: string, bytes: number): string {
  return `${name.padEnd(20).slice(0, 20)}100% |${'*'.repeat(32)}| ${String(bytes).padStart(5)}  0:00:00 ETA\n`;
}

/** busybox `wget [-q] [-O FILE] [-S] [-T SEC] [--spider] URL`. */
export function wget(sh: Shell, args: string[], io: Io): number {
  const o = wgetOptions(args, io);
  if (typeof o === 'number') return o;
  if (!o.url) {
    io.err('BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n\nRetrieve files via HTTP or FTP\n');
    return 1;
  }
  const url = parseUrl(o.url);
  if (!url || (url.scheme !== 'http' && url.scheme !== 'https')) {
    io.err(`wget: not an http or ftp url: ${o.url}\n`);
    return 1;
  }
  if (url.scheme === 'https') {
    io.err(`wget: kube-actors does not model TLS: ${o.url} cannot be fetched (use http://)\n`);
    return 1;
  }
  const ip = lookupHost(sh, url.host);
  if (!ip) {
    io.err(`wget: bad address '${url.host}'\n`);
    return 1;
  }
  if (!o.quiet) io.err(`Connecting to ${url.authority} (${ip}:${url.port})\n`);
  const outcome = request(sh, ip, url, o.spider ? 'HEAD' : 'GET', [
    ['Host', url.authority],
    ['User-Agent', 'Wget'],
    ['Connection', 'close'],
  ]);
  if (outcome.kind === 'refused') {
    io.err(`wget: can't connect to remote host (${ip}): Connection refused\n`);
    return 1;
  }
  if (outcome.kind === 'timeout') {
    sh.advance(o.timeoutS * 1000);
    io.err('wget: download timed out\n');
    return 1;
  }
  const { answer } = outcome;
  if (o.headers) for (const h of answer.head) io.err(`  ${h}\n`);
  if (answer.status !== 200) {
    io.err(`wget: server returned error: ${answer.head[0]}\n`);
    return 1;
  }
  if (o.spider) {
    if (!o.quiet) io.err('remote file exists\n');
    return 0;
  }
  const toStdout = o.output === '-';
  const file = o.output ?? (url.path.split('?')[0]!.split('/').pop() || 'index.html');
  if (toStdout) {
    if (!o.quiet) io.err('writing to stdout\n');
    io.out(answer.body);
    if (!o.quiet) io.err(`${progressBar('-', answer.bodyBytes)}written to stdout\n`);
    return 0;
  }
  const path = sh.path(file);
  if (o.output === undefined && sh.files.has(path)) {
    io.err(`wget: can't open '${file}': File exists\n`);
    return 1;
  }
  if (path !== '/dev/null' && sh.readOnlyAt(path)) {
    io.err(`wget: can't open '${file}': Read-only file system\n`);
    return 1;
  }
  if (!o.quiet) io.err(`saving to '${file}'\n`);
  if (path !== '/dev/null') {
    sh.files.set(path, answer.body);
    sh.wrote = true;
  }
  if (!o.quiet) io.err(`${progressBar(file, answer.bodyBytes)}'${file}' saved\n`);
  return 0;
}

// ---- curl -------------------------------------------------------------------------------------

/** The curl version the images ship (its User-Agent). */
const CURL_VERSION = '8.11.1';

interface CurlOptions {
  silent: boolean;
  showError: boolean;
  head: boolean;
  include: boolean;
  fail: boolean;
  output?: string;
  maxTimeS?: number;
  connectTimeoutS?: number;
  writeOut?: string;
  url?: string;
}

const CURL_VALUE: Record<string, keyof CurlOptions> = { o: 'output', m: 'maxTimeS', w: 'writeOut', '--output': 'output', '--max-time': 'maxTimeS', '--connect-timeout': 'connectTimeoutS', '--write-out': 'writeOut' };
const CURL_FLAG: Record<string, keyof CurlOptions> = { s: 'silent', S: 'showError', I: 'head', i: 'include', f: 'fail', '--silent': 'silent', '--show-error': 'showError', '--head': 'head', '--include': 'include', '--fail': 'fail' };

function setCurl(o: CurlOptions, key: keyof CurlOptions, value: string): void {
  if (key === 'maxTimeS' || key === 'connectTimeoutS') o[key] = Number(value);
  else (o as unknown as Record<string, string>)[key] = value;
}

function curlOptions(args: string[], io: Io): CurlOptions | number {
  const o: CurlOptions = { silent: false, showError: false, head: false, include: false, fail: false };
  const unknown = (a: string) => {
    io.err(`curl: option ${a}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (CURL_FLAG[name]) (o as unknown as Record<string, boolean>)[CURL_FLAG[name]] = true;
      else if (name === '--location' || name === '--verbose') continue;
      else if (CURL_VALUE[name]) setCurl(o, CURL_VALUE[name], eq > 0 ? a.slice(eq + 1) : (args[++i] ?? ''));
      else return unknown(a);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (CURL_FLAG[c]) (o as unknown as Record<string, boolean>)[CURL_FLAG[c]] = true;
        else if (c === 'L' || c === 'v') continue;
        else if (CURL_VALUE[c]) {
          setCurl(o, CURL_VALUE[c], a.length > j + 1 ? a.slice(j + 1) : (args[++i] ?? ''));
          break;
        } else return unknown(`-${c}`);
      }
    } else o.url = a;
  }
  return o;
}

function writeOut(format: string, vars: Record<string, string>): string {
  return format.replace(/%\{([a-z_]+)\}/g, (m, k: string) => vars[k] ?? m).replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\r/g, '\r');
}

function speed(bytes: number): string {
  const k = Math.floor((bytes * 1000) / 1024);
  return k < 1 ? String(bytes * 1000) : `${k}k`;
}

/** curl's progress meter (on stderr when its output is not a terminal), its last state only. */
function meter(total: number): string {
  const s = speed(total).padStart(6);
  return (
    '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
    '                                 Dload  Upload   Total   Spent    Left  Speed\n' +
    `100 ${String(total).padStart(5)}  100 ${String(total).padStart(5)}    0     0 ${s}      0 --:--:-- --:--:-- --:--:-- ${s}\n`
  );
}

const ZERO_METER = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\n';

/** `curl [-sS] [-I] [-i] [-f] [-o FILE] [-m SEC] [--connect-timeout SEC] [-w FORMAT] URL`. */
export function curl(sh: Shell, args: string[], io: Io): number {
  const o = curlOptions(args, io);
  if (typeof o === 'number') return o;
  const showErrors = !o.silent || o.showError;
  const progress = !o.silent && !o.head;
  const fail = (code: number, message: string, vars: Record<string, string> = {}): number => {
    if (progress) io.err(ZERO_METER);
    if (showErrors) io.err(`curl: (${code}) ${message}\n`);
    if (o.writeOut) io.out(writeOut(o.writeOut, { http_code: '000', response_code: '000', size_download: '0', remote_ip: '', url_effective: o.url ?? '', ...vars }));
    return code;
  };
  if (!o.url) {
    io.err("curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const url = parseUrl(o.url);
  if (!url) return fail(3, 'URL rejected: Bad hostname');
  if (url.scheme !== 'http' && url.scheme !== 'https') return fail(1, `Protocol "${url.scheme}" not supported`);
  if (url.scheme === 'https') return fail(35, 'kube-actors does not model TLS: use http://');
  const ip = lookupHost(sh, url.host);
  if (!ip) return fail(6, `Could not resolve host: ${url.host}`);
  const outcome = request(sh, ip, url, o.head ? 'HEAD' : 'GET', [
    ['Host', url.authority],
    ['User-Agent', `curl/${CURL_VERSION}`],
    ['Accept', '*/*'],
  ]);
  if (outcome.kind === 'refused') return fail(7, `Failed to connect to ${url.host} port ${url.port} after 0 ms: Couldn't connect to server`, { remote_ip: ip });
  if (outcome.kind === 'timeout') {
    const connectS = Math.min(o.connectTimeoutS ?? CURL_CONNECT_TIMEOUT_S, o.maxTimeS ?? Infinity);
    if (outcome.silent) {
      // connected, no answer: only --max-time ends it
      if (o.maxTimeS === undefined) sh.advance(Infinity);
      sh.advance(o.maxTimeS! * 1000);
      return fail(28, `Operation timed out after ${Math.round(o.maxTimeS! * 1000)} milliseconds with 0 bytes received`, { remote_ip: ip });
    }
    sh.advance(connectS * 1000);
    return fail(28, `Failed to connect to ${url.host} port ${url.port} after ${Math.round(connectS * 1000)} ms: Timeout was reached`);
  }
  const { answer } = outcome;
  const vars = { http_code: String(answer.status), response_code: String(answer.status), size_download: String(answer.bodyBytes), remote_ip: ip, url_effective: o.url };
  if (o.fail && answer.status >= 400) return fail(22, `The requested URL returned error: ${answer.status}`, vars);
  const headText = `${answer.head.join('\r\n')}\r\n\r\n`;
  const content = (o.head || o.include ? headText : '') + answer.body;
  if (o.output === '/dev/null') {
    // discarded
  } else if (o.output !== undefined && o.output !== '-') {
    if (sh.readOnlyAt(sh.path(o.output))) {
      io.err(`Warning: Failed to open the file ${o.output}: Read-only file system\n`);
      return fail(23, `Failure writing output to destination, passed ${Buffer.byteLength(content)} returned 4294967295`, vars);
    }
    sh.files.set(sh.path(o.output), content);
    sh.wrote = true;
  } else io.out(content);
  if (progress) io.err(meter(answer.bodyBytes));
  if (o.writeOut) io.out(writeOut(o.writeOut, vars));
  return 0;
}
