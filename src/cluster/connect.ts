/**
 * A TCP connection to a port of a pod, as `kubectl port-forward` opens one through the kubelet
 * (which dials `localhost:PORT` inside the pod's network namespace): the port must be one a
 * process of a running container listens on (the process replay's `ports`), else the kubelet's
 * error. An HTTP server of the image's catalog entry (nginx on 80) answers HTTP/1.x requests as
 * it does: its default page at `/`, files under its root, 404 and 405 pages of its own, keep-alive
 * unless asked to close, and the access-log line on the container's stdout (recorded in
 * {@link ContainerTraffic} so that its log shows it). Other listeners accept the connection and
 * answer nothing.
 */
import { createHash } from 'node:crypto';
import type { Pod } from '../api/types.js';
import { StatusError, badRequest } from '../api/status.js';
import { processOf, runContainerProcess, type ProcessSpec } from '../../machines/kubelet/process.js';
import { podProcessContext, type SourceReader } from '../../machines/kubelet/config-sources.js';
import type { ImageEntry } from '../profiles/images.js';
import type { ContainerTraffic } from './traffic.js';

/** What a connection needs from its cluster. */
export interface ConnectContext {
  catalog?: ImageEntry[];
  /** Reads the ConfigMaps and Secrets the pod's containers use (their env and files). */
  sources?: SourceReader;
  traffic?: ContainerTraffic;
  /** The cluster's time (ms since 1970), read at each request. */
  nowAbs(): number;
}

/** An open connection to a pod's port. */
export interface PodConnection {
  /** The container whose process listens on the port. */
  readonly container: string;
  /**
   * Sends bytes; returns what the server wrote back (possibly nothing yet; a Node Buffer, typed
   * as Uint8Array so that the declarations need no Node types).
   */
  send(data: Uint8Array | string): Uint8Array;
  /** True once the server closed its side (after `Connection: close`). */
  readonly closed: boolean;
}

interface Listener {
  container: string;
  startedAt: string;
  process: ProcessSpec;
}

/** The sandbox id the CRI reports for a pod (a stable digest of its uid). */
function sandboxId(pod: Pod): string {
  return createHash('sha256')
    .update(pod.metadata?.uid ?? pod.metadata?.name ?? '')
    .digest('hex');
}

/** The kubelet's (containerd's) error for a port nothing listens on. */
function portForwardError(pod: Pod, port: number): string {
  const id = sandboxId(pod);
  const ns = `/var/run/netns/cni-${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
  return (
    `error forwarding port ${port} to pod ${id}, uid : failed to execute portforward in network namespace "${ns}": ` +
    `failed to connect to localhost:${port} inside namespace "${id}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused ` +
    `IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}

/** The running container whose process listens on `port` at `nowAbs`, if any. */
function listenerOf(pod: Pod, port: number, nowAbs: number, catalog: ImageEntry[] | undefined, sources: SourceReader | undefined): Listener | undefined {
  for (const container of pod.spec?.containers ?? []) {
    const status = pod.status?.containerStatuses?.find((s) => s.name === container.name);
    const startedAt = status?.state?.running?.startedAt;
    if (!startedAt) continue;
    const start = Date.parse(startedAt);
    const process = processOf(pod, container, podProcessContext(pod, container, catalog, sources));
    const run = runContainerProcess(process, start, Math.max(0, nowAbs - start));
    if (run.ports.includes(port)) return { container: container.name, startedAt, process: run.files ? { ...process, files: run.files } : process };
  }
  return undefined;
}

/**
 * Opens a connection to `port` of `pod` (the API's copy). Throws a Status with the kubelet's
 * message when the pod is not running or nothing listens on the port.
 */
export function connectToPod(pod: Pod, port: number, ctx: ConnectContext): PodConnection {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StatusError(badRequest(`invalid port ${port}: must be between 1 and 65535`));
  if (pod.status?.phase !== 'Running') throw new StatusError(badRequest(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`));
  const listener = listenerOf(pod, port, ctx.nowAbs(), ctx.catalog, ctx.sources);
  if (!listener) throw new StatusError({ ...badRequest(portForwardError(pod, port)), code: 500, reason: 'InternalError' });
  const server = Object.values(listener.process.image?.programs ?? {})
    .map((p) => p.http?.[port])
    .find((h) => h !== undefined);
  let buffer = Buffer.alloc(0);
  let closed = false;
  const record = (text: string) => ctx.traffic?.record(pod, listener.container, listener.startedAt, { abs: ctx.nowAbs(), stream: 'stdout', text });
  return {
    container: listener.container,
    get closed() {
      return closed;
    },
    send(data) {
      if (closed || !server) return Buffer.alloc(0);
      buffer = Buffer.concat([buffer, typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
      const out: Buffer[] = [];
      for (;;) {
        const request = nextRequest(buffer);
        if (!request) break;
        buffer = buffer.subarray(request.length);
        const answer = answerHttp(request, server, listener.process, ctx.nowAbs());
        out.push(answer.bytes);
        if (server.accessLog) record(accessLogLine(request, answer, ctx.nowAbs()));
        if (answer.close) {
          closed = true;
          break;
        }
      }
      return Buffer.concat(out);
    },
  };
}

interface HttpRequest {
  method: string;
  target: string;
  version: string;
  headers: Map<string, string>;
  requestLine: string;
  /** Bytes of the request (head and body). */
  length: number;
}

/** The next complete HTTP/1.x request in `buffer`, if any. */
function nextRequest(buffer: Buffer): HttpRequest | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [requestLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', target = '', version = 'HTTP/1.0'] = requestLine.split(' ');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = Number(headers.get('content-length') ?? 0) || 0;
  if (buffer.length < end + 4 + body) return undefined;
  return { method, target, version, headers, requestLine, length: end + 4 + body };
}

const REASONS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Not Allowed' };
/** When the nginx image's files were built (its Last-Modified and ETag). */
const NGINX_BUILT_MS = Date.UTC(2024, 10, 26, 15, 55, 0);

function errorPage(code: number, server: string): string {
  const title = `${code} ${REASONS[code]}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`;
}

interface HttpAnswer {
  status: number;
  bodyBytes: number;
  bytes: Buffer;
  close: boolean;
}

function answerHttp(req: HttpRequest, server: { status: number; body: string; server: string }, process: ProcessSpec, nowAbs: number): HttpAnswer {
  const http11 = req.version === 'HTTP/1.1';
  const connection = (req.headers.get('connection') ?? '').toLowerCase();
  const keepAlive = http11 ? connection !== 'close' : connection === 'keep-alive';
  let status: number;
  let body: string;
  let file = false;
  let path: string | undefined;
  try {
    path = decodeURIComponent(req.target.split('?')[0] ?? '/');
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    path = undefined; // nginx answers a malformed escape with 400
  }
  if (path === undefined || !/^HTTP\/1\.[01]$/.test(req.version) || !req.target.startsWith('/')) {
    status = 400;
    body = errorPage(400, server.server);
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    status = 405;
    body = errorPage(405, server.server);
  } else if (path === '/' || path === '/index.html') {
    status = server.status;
    body = server.body;
    file = true;
  } else {
    const content = process.files[`/usr/share/nginx/html${path}`] ?? process.files[`/usr/share/nginx/html${path.replace(/\/$/, '')}/index.html`];
    status = content !== undefined ? 200 : 404;
    body = content ?? errorPage(404, server.server);
    file = content !== undefined;
  }
  const bodyBytes = Buffer.byteLength(body);
  const close = !keepAlive || status === 400;
  const headers = [`HTTP/1.1 ${status} ${REASONS[status] ?? ''}`, `Server: ${server.server}`, `Date: ${new Date(nowAbs).toUTCString()}`, 'Content-Type: text/html', `Content-Length: ${bodyBytes}`];
  if (file) headers.push(`Last-Modified: ${new Date(NGINX_BUILT_MS).toUTCString()}`);
  headers.push(`Connection: ${close ? 'close' : 'keep-alive'}`);
  if (file) headers.push(`ETag: "${(NGINX_BUILT_MS / 1000).toString(16)}-${bodyBytes.toString(16)}"`, 'Accept-Ranges: bytes');
  const head = `${headers.join('\r\n')}\r\n\r\n`;
  const sent = req.method === 'HEAD' ? 0 : bodyBytes;
  return { status, bodyBytes: sent, bytes: Buffer.from(req.method === 'HEAD' ? head : head + body), close };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nginx's `combined` format with `$http_x_forwarded_for`, as the official image logs: the client is 127.0.0.1 (port-forward dials localhost). */
function accessLogLine(req: HttpRequest, answer: HttpAnswer, nowAbs: number): string {
  const d = new Date(nowAbs);
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  const h = (name: string) => req.headers.get(name) ?? '-';
  return `127.0.0.1 - - [${time}] "${req.requestLine}" ${answer.status} ${answer.bodyBytes} "${h('referer')}" "${h('user-agent')}" "${h('x-forwarded-for')}"`;
}
