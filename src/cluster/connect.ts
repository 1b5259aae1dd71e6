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
import type { ImageEntry, ImageProgram } from '../profiles/images.js';
import type { ContainerTraffic } from './traffic.js';
import { filesNow, type PodFiles } from '../../machines/kubelet/container-files.js';
import { accessLogLine, answerHttp, nextRequest } from '../../machines/kubelet/http-server.js';

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

/**
 * The running containers of a pod, each with its process replayed up to `nowAbs`: the ports it
 * listens on, and its files as the process left them with what was written in the container and
 * its volumes since (machines/kubelet/container-files.ts).
 */
export function* runningProcesses(pod: Pod, nowAbs: number, catalog: ImageEntry[] | undefined, sources: SourceReader | undefined): Generator<Listener & { ports: number[] }> {
  let written: PodFiles | undefined;
  let asked = false;
  for (const container of pod.spec?.containers ?? []) {
    const status = pod.status?.containerStatuses?.find((s) => s.name === container.name);
    const startedAt = status?.state?.running?.startedAt;
    if (!startedAt) continue;
    const start = Date.parse(startedAt);
    const process = processOf(pod, container, podProcessContext(pod, container, catalog, sources, start));
    const run = runContainerProcess(process, start, Math.max(0, nowAbs - start));
    if (!asked) {
      written = sources?.files?.(pod);
      asked = true;
    }
    // what was written in it since it started (an exec, another container in a shared volume) is there too
    const files = filesNow(pod, container, startedAt, run.files ?? process.files, written);
    yield { container: container.name, startedAt, process: files !== process.files ? { ...process, files } : process, ports: run.ports };
  }
}

/** The HTTP server model of the image program that serves `port` in a process, if any. */
export function httpServerOf(process: ProcessSpec, port: number): NonNullable<ImageProgram['http']>[number] | undefined {
  return Object.values(process.image?.programs ?? {})
    .map((p) => p.http?.[port])
    .find((h) => h !== undefined);
}

/** The running container whose process listens on `port` at `nowAbs`, if any. */
function listenerOf(pod: Pod, port: number, nowAbs: number, catalog: ImageEntry[] | undefined, sources: SourceReader | undefined): Listener | undefined {
  for (const running of runningProcesses(pod, nowAbs, catalog, sources)) if (running.ports.includes(port)) return running;
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
  const server = httpServerOf(listener.process, port);
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
      const out: Uint8Array[] = [];
      for (;;) {
        const request = nextRequest(buffer);
        if (!request) break;
        buffer = buffer.subarray(request.length);
        const answer = answerHttp(request, server, listener.process.files, ctx.nowAbs());
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
