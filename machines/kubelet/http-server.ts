/**
 * The HTTP server of an image's catalog entry (nginx on 80), as it answers HTTP/1.x requests:
 * its default page at `/`, files under its root, 404 and 405 pages of its own, keep-alive unless
 * asked to close, and its access-log line. Used by `kubectl port-forward` (src/cluster/connect.ts)
 * and by the `wget`/`curl` of a pod's process (machines/kubelet/net-tools.ts).
 */

/** An image program's HTTP server model (`ImageProgram.http[port]`). */
export interface HttpServerModel {
  status: number;
  body: string;
  server: string;
  accessLog?: boolean;
  /** Its document root: it serves the container's files under it (nginx's `/usr/share/nginx/html`). */
  root?: string;
  /** Fixed answers by path (CoreDNS's `/health` and `/ready`: 200 `OK`); other paths are 404. */
  paths?: Record<string, { status: number; body: string }>;
  /**
   * CPU time one request costs the server, ms of one core (registry.k8s.io/hpa-example's
   * index.php: 20 ms). The answer comes that much later, and the container's CPU usage is the
   * rate of requests it serves times this cost (src/metrics/usage.ts). Default 0.
   */
  cpuMsPerRequest?: number;
}

/** A parsed HTTP/1.x request. */
export interface HttpRequest {
  method: string;
  target: string;
  version: string;
  headers: Map<string, string>;
  requestLine: string;
  /** Bytes of the request (head and body). */
  length: number;
}

/** What the server answered. */
export interface HttpAnswer {
  status: number;
  /** Body bytes sent (0 for HEAD). */
  bodyBytes: number;
  /** The response's head lines (status line first) and its body. */
  head: string[];
  body: string;
  /** The whole response as sent (a Buffer, typed as the Uint8Array it is so that the declarations need no Node types). */
  bytes: Uint8Array;
  close: boolean;
}

/** The next complete HTTP/1.x request in `buffer`, if any. */
export function nextRequest(bytes: Uint8Array): HttpRequest | undefined {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

/** A request as a client builds it (method, target, headers in order). */
export function requestOf(method: string, target: string, headers: [string, string][]): HttpRequest {
  const requestLine = `${method} ${target} HTTP/1.1`;
  return { method, target, version: 'HTTP/1.1', headers: new Map(headers.map(([k, v]) => [k.toLowerCase(), v])), requestLine, length: 0 };
}

const REASONS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Not Allowed' };
/** When the nginx image's files were built (its Last-Modified and ETag). */
const NGINX_BUILT_MS = Date.UTC(2024, 10, 26, 15, 55, 0);

function errorPage(code: number, server: string): string {
  const title = `${code} ${REASONS[code]}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`;
}

/**
 * The server's answer to `req`; `files` are the serving container's files now (with a document
 * root, what is under it: what was written there included, its default index.html otherwise).
 */
export function answerHttp(req: HttpRequest, server: HttpServerModel, files: Readonly<Record<string, string>>, nowAbs: number): HttpAnswer {
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
  } else if (server.paths !== undefined) {
    const fixed = server.paths[path];
    status = fixed?.status ?? 404;
    body = fixed?.body ?? errorPage(404, server.server);
    file = fixed !== undefined;
  } else if (server.root !== undefined) {
    // nginx's `location / { root ...; index index.html; }`: a file of the root, a directory's index.html
    const root = server.root.replace(/\/+$/, '');
    const content = path.endsWith('/') ? files[`${root}${path}index.html`] : files[`${root}${path}`];
    const dir = `${root}${path}`;
    if (content !== undefined) {
      status = 200;
      body = content;
      file = true;
    } else if (path.endsWith('/') && (path === '/' || Object.keys(files).some((k) => k.startsWith(dir)))) {
      // a directory without its index (an empty volume mounted over the root): autoindex is off
      status = 403;
      body = errorPage(403, server.server);
    } else {
      status = 404;
      body = errorPage(404, server.server);
    }
  } else if (path === '/' || path === '/index.html') {
    status = server.status;
    body = server.body;
    file = true;
  } else {
    const content = files[`/usr/share/nginx/html${path}`] ?? files[`/usr/share/nginx/html${path.replace(/\/$/, '')}/index.html`];
    status = content !== undefined ? 200 : 404;
    body = content ?? errorPage(404, server.server);
    file = content !== undefined;
  }
  const bodyBytes = Buffer.byteLength(body);
  const close = !keepAlive || status === 400;
  const head = [`HTTP/1.1 ${status} ${REASONS[status] ?? ''}`, `Server: ${server.server}`, `Date: ${new Date(nowAbs).toUTCString()}`, 'Content-Type: text/html', `Content-Length: ${bodyBytes}`];
  if (file) head.push(`Last-Modified: ${new Date(NGINX_BUILT_MS).toUTCString()}`);
  head.push(`Connection: ${close ? 'close' : 'keep-alive'}`);
  if (file) head.push(`ETag: "${(NGINX_BUILT_MS / 1000).toString(16)}-${bodyBytes.toString(16)}"`, 'Accept-Ranges: bytes');
  const headText = `${head.join('\r\n')}\r\n\r\n`;
  const isHead = req.method === 'HEAD';
  return { status, bodyBytes: isHead ? 0 : bodyBytes, head, body: isHead ? '' : body, bytes: Buffer.from(isHead ? headText : headText + body), close };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * nginx's `combined` format with `$http_x_forwarded_for`, as the official image logs; `client` is
 * the peer's address (127.0.0.1 through port-forward, which dials localhost; the client pod's IP
 * for a request from a pod, kube-proxy's DNAT keeping the source address).
 */
export function accessLogLine(req: HttpRequest, answer: Pick<HttpAnswer, 'status' | 'bodyBytes'>, nowAbs: number, client = '127.0.0.1'): string {
  const d = new Date(nowAbs);
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  const h = (name: string) => req.headers.get(name) ?? '-';
  return `${client} - - [${time}] "${req.requestLine}" ${answer.status} ${answer.bodyBytes} "${h('referer')}" "${h('user-agent')}" "${h('x-forwarded-for')}"`;
}
