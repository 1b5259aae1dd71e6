/**
 * `GET /api/v1/namespaces/NS/pods/NAME/log`, as `kubectl logs` (v1.32) calls it: the pod is read
 * through the API server with the caller's token (authentication, authorization, 404), the lines
 * come from the container's process (src/cluster/logs.ts), as `text/plain`. With `follow=true` the
 * answer stays open and new lines are written as the cluster's time passes (the real-time driver
 * of `serve`), until the run ends, the pod goes or the client hangs up.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SourceReader } from '../../machines/kubelet/config-sources.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Pod, Status } from '../api/types.js';
import { StatusError, badRequest } from '../api/status.js';
import { containerLog, containerStatusOf, renderLines, selectLines, validateLogOptions, type LogOptions } from '../cluster/logs.js';
import type { ImageEntry } from '../profiles/images.js';
import type { ContainerTraffic } from '../cluster/traffic.js';
import type { Gateway } from './gateway.js';

/** The path of the log subresource. */
export const POD_LOG_PATH = /^\/api\/v1\/namespaces\/([^/?]+)\/pods\/([^/?]+)\/log(?:\?|$)/;

const KNOWN = new Set(['container', 'follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes', 'insecureSkipTLSVerifyBackend', 'pretty']);

function parseOptions(params: URLSearchParams): LogOptions & { follow: boolean } {
  for (const key of params.keys()) if (!KNOWN.has(key)) throw new StatusError(badRequest(`unknown PodLogOptions parameter "${key}" (known: ${[...KNOWN].join(', ')})`));
  const bool = (name: string) => {
    const v = params.get(name);
    if (v === null) return undefined;
    if (v === '' || v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new StatusError(badRequest(`invalid value for ${name}: "${v}": must be a boolean`));
  };
  const int = (name: string) => {
    const v = params.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw new StatusError(badRequest(`invalid value for ${name}: "${v}": must be an integer`));
    return Number(v);
  };
  const options: LogOptions & { follow: boolean } = { follow: bool('follow') ?? false };
  const container = params.get('container');
  if (container) options.container = container;
  if (bool('previous')) options.previous = true;
  if (bool('timestamps')) options.timestamps = true;
  const tail = int('tailLines');
  if (tail !== undefined) options.tailLines = tail;
  const since = int('sinceSeconds');
  if (since !== undefined) options.sinceSeconds = since;
  const sinceTime = params.get('sinceTime');
  if (sinceTime) options.sinceTime = sinceTime;
  const limit = int('limitBytes');
  if (limit !== undefined) options.limitBytes = limit;
  validateLogOptions(options);
  return options;
}

/** The cluster's time as ms since 1970. */
export function nowAbs(kernel: Kernel): number {
  const stamp = kernel.timestamp();
  return Date.parse(stamp) - kernel.timeOf(stamp) + kernel.now();
}

/** What the log endpoint needs from the server. */
export interface PodLogDeps {
  gateway: Gateway;
  kernel: Kernel;
  catalog?: ImageEntry[];
  /** Reads the ConfigMaps and Secrets pods use. */
  sources?: SourceReader;
  traffic?: ContainerTraffic;
  sendStatus(code: number, status: Status): void;
  /** How often a follow looks for new lines (real ms). Default 100. */
  followPollMs?: number;
}

/** Serves one log request. */
export async function servePodLog(deps: PodLogDeps, req: IncomingMessage, res: ServerResponse, token: string, namespace: string, name: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let options: LogOptions & { follow: boolean };
  try {
    options = parseOptions(url.searchParams);
  } catch (error) {
    if (error instanceof StatusError) return deps.sendStatus(400, error.status);
    throw error;
  }
  const read = async (): Promise<{ pod?: Pod; code: number; status?: Status }> => {
    const answer = await deps.gateway.request(token, { verb: 'get', resource: 'pods', namespace: decodeURIComponent(namespace), name: decodeURIComponent(name), subresource: 'log' });
    if (answer.code !== 200) return { code: answer.code, status: answer.body };
    return { code: 200, pod: answer.body as Pod };
  };
  const first = await read();
  if (!first.pod) return deps.sendStatus(first.code, first.status!);
  const { follow, ...opts } = options;
  let log;
  try {
    log = containerLog(first.pod, opts, nowAbs(deps.kernel), { catalog: deps.catalog, traffic: deps.traffic, sources: deps.sources });
  } catch (error) {
    if (error instanceof StatusError) return deps.sendStatus(error.status.code ?? 400, error.status);
    throw error;
  }
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.writeHead(200);
  const selected = selectLines(log.lines, opts, nowAbs(deps.kernel));
  let budget = opts.limitBytes;
  const write = (text: string): boolean => {
    if (budget !== undefined) {
      const bytes = Buffer.from(text);
      if (bytes.length >= budget) {
        res.write(bytes.subarray(0, budget));
        budget = 0;
        return false;
      }
      budget -= bytes.length;
    }
    if (text) res.write(text);
    return true;
  };
  const withoutLimit = { ...opts, limitBytes: undefined };
  if (!write(renderLines(selected, withoutLimit)) || !follow || previousOrEnded(opts, log.ended)) {
    res.end();
    return;
  }
  // follow: the same run, lines after those already written
  let written = log.lines.length;
  const startedAt = runStart(first.pod, log.container);
  let closed = false;
  req.on('close', () => (closed = true));
  const poll = deps.followPollMs ?? 100;
  while (!closed) {
    await new Promise((resolve) => setTimeout(resolve, poll));
    const again = await read();
    if (!again.pod || runStart(again.pod, log.container) !== startedAt) break;
    let next;
    try {
      next = containerLog(again.pod, { ...opts, container: log.container }, nowAbs(deps.kernel), { catalog: deps.catalog, traffic: deps.traffic, sources: deps.sources });
    } catch (error) {
      if (error instanceof StatusError) break;
      throw error;
    }
    const fresh = next.lines.slice(written);
    written = next.lines.length;
    if (!write(renderLines(fresh, withoutLimit)) || next.ended) break;
  }
  res.end();
}

function previousOrEnded(opts: LogOptions, ended: boolean): boolean {
  return opts.previous === true || ended;
}

function runStart(pod: Pod, container: string): string | undefined {
  const s = containerStatusOf(pod, container);
  return s?.state?.running?.startedAt ?? s?.state?.terminated?.startedAt;
}
