/**
 * Container logs, as the kubelet serves `GET /api/v1/namespaces/NS/pods/NAME/log`: the lines a
 * container's process wrote (replayed from its start on the kernel's time, machines/kubelet/
 * process.ts), with the options of PodLogOptions (container, previous, timestamps, tailLines,
 * sinceSeconds, sinceTime, limitBytes) and the kubelet's and API server's refusals (a pod with
 * several containers and none named, a container that is waiting, no previous run).
 */
import type { Container, ContainerStatus, Pod } from '../api/types.js';
import { StatusError, badRequest } from '../api/status.js';
import { processOf, runContainerProcess } from '../../machines/kubelet/process.js';
import { podProcessContext, type SourceReader } from '../../machines/kubelet/config-sources.js';
import type { OutputLine } from '../../machines/kubelet/shell.js';
import type { ImageEntry } from '../profiles/images.js';
import type { ContainerTraffic } from './traffic.js';

/** PodLogOptions (core/v1) as the log endpoint takes them. */
export interface LogOptions {
  container?: string;
  previous?: boolean;
  timestamps?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339 time. */
  sinceTime?: string;
  limitBytes?: number;
}

/** One line of a log with its absolute time (ms since 1970). */
export interface LogLine {
  abs: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Which run of a container the log is of, and its lines up to now. */
export interface ContainerLog {
  container: string;
  lines: LogLine[];
  /** True when the run has ended (a follow stops after its last line). */
  ended: boolean;
  /** True when the last line is still being written (no newline yet: an attach shows it as it grows). */
  unfinished?: boolean;
}

const fail = (message: string): never => {
  throw new StatusError(badRequest(message));
};

/** RFC 3339 with nanoseconds, as the kubelet's `--timestamps` prefix. */
function logTimestamp(abs: number): string {
  const iso = new Date(abs).toISOString();
  return `${iso.slice(0, 19)}.${String(abs % 1000).padStart(3, '0')}000000Z`;
}

/** The spec of a container, init container or ephemeral container of a pod. */
export function containerSpecOf(pod: Pod, name: string): Container | undefined {
  return pod.spec?.containers?.find((c) => c.name === name) ?? pod.spec?.initContainers?.find((c) => c.name === name) ?? (pod.spec?.ephemeralContainers?.find((c) => c.name === name));
}

/** The status of a container, init container or ephemeral container of a pod. */
export function containerStatusOf(pod: Pod, name: string): ContainerStatus | undefined {
  const s = pod.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].find((x) => x.name === name);
}

function containerNamed(pod: Pod, name: string): { spec: Container; status: ContainerStatus | undefined } | undefined {
  const spec = containerSpecOf(pod, name);
  if (!spec) return undefined;
  return { spec, status: containerStatusOf(pod, name) };
}

/** The container a request means: the one named, the default-container annotation's, or the only one. */
export function logContainer(pod: Pod, container: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  if (container) {
    if (!containerNamed(pod, container)) fail(`container ${container} is not valid for pod ${name}`);
    return container;
  }
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 1) return containers[0]!.name;
  const names = containers.map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const ephemerals = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
  return fail(
    `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]` +
      `${inits.length > 0 ? ` or one of the init containers: [${inits.join(' ')}]` : ''}` +
      `${ephemerals.length > 0 ? ` or one of the ephemeral containers: [${ephemerals.join(' ')}]` : ''}`,
  );
}

/**
 * The lines of one container of a pod up to `nowAbs`, as the kubelet reads them from the
 * runtime's log file. `pod` is the API's copy (its container statuses tell the runs).
 */
export function containerLog(pod: Pod, options: LogOptions, nowAbs: number, ctx: { catalog?: ImageEntry[]; traffic?: ContainerTraffic; sources?: SourceReader } = {}): ContainerLog {
  const podName = pod.metadata?.name ?? '';
  const container = logContainer(pod, options.container);
  const { spec, status } = containerNamed(pod, container)!;
  let startedAt: string | undefined;
  let finishedAt: string | undefined;
  if (options.previous) {
    const last = status?.lastState?.terminated;
    if (!last) fail(`previous terminated container "${container}" in pod "${podName}" not found`);
    startedAt = last!.startedAt;
    finishedAt = last!.finishedAt;
  } else {
    const state = status?.state;
    if (!state || state.waiting || (!state.running && !state.terminated)) {
      const reason = state?.waiting?.reason ?? 'ContainerCreating';
      const why = reason === 'ImagePullBackOff' || reason === 'ErrImagePull' ? 'trying and failing to pull image' : reason;
      fail(`container "${container}" in pod "${podName}" is waiting to start: ${why}`);
    }
    startedAt = state!.running?.startedAt ?? state!.terminated?.startedAt;
    finishedAt = state!.terminated?.finishedAt;
  }
  const start = Date.parse(startedAt ?? '');
  if (Number.isNaN(start)) return { container, lines: [], ended: finishedAt !== undefined };
  const end = finishedAt ? Math.min(Date.parse(finishedAt), nowAbs) : nowAbs;
  // its data volumes as they were when it started: what was written there since does not change what it logged
  const process = processOf(pod, spec, podProcessContext(pod, spec, ctx.catalog, ctx.sources, start));
  const replay = runContainerProcess(process, start, Math.max(0, end - start));
  const lines = replay.lines.map((l: OutputLine) => ({ abs: start + l.atMs, stream: l.stream, text: l.text }));
  // what it wrote serving traffic (nginx's access log), merged in time order
  const served = ctx.traffic?.lines(pod, container, startedAt!).filter((l) => l.abs <= end) ?? [];
  if (served.length > 0) {
    const merged: LogLine[] = [];
    let i = 0;
    for (const line of lines) {
      while (i < served.length && served[i]!.abs < line.abs) merged.push(served[i++]!);
      merged.push(line);
    }
    const rest = served.slice(i);
    merged.push(...rest);
    return { container, lines: merged, ended: finishedAt !== undefined, ...(replay.unfinished && rest.length === 0 ? { unfinished: true } : {}) };
  }
  return { container, lines, ended: finishedAt !== undefined, ...(replay.unfinished ? { unfinished: true } : {}) };
}

/** Applies sinceSeconds/sinceTime and tailLines to lines. */
export function selectLines(lines: LogLine[], options: LogOptions, nowAbs: number): LogLine[] {
  let out = lines;
  const since = options.sinceSeconds !== undefined ? nowAbs - options.sinceSeconds * 1000 : options.sinceTime ? Date.parse(options.sinceTime) : undefined;
  if (since !== undefined) out = out.filter((l) => l.abs >= since);
  if (options.tailLines !== undefined) out = options.tailLines <= 0 ? [] : out.slice(-options.tailLines);
  return out;
}

/** The text of lines (with `--timestamps` prefixes), cut at limitBytes. */
export function renderLines(lines: LogLine[], options: LogOptions): string {
  let text = lines.map((l) => `${options.timestamps ? `${logTimestamp(l.abs)} ` : ''}${l.text}\n`).join('');
  if (options.limitBytes !== undefined) text = Buffer.from(text).subarray(0, options.limitBytes).toString();
  return text;
}

/** Checks PodLogOptions as the API server's validation does. */
export function validateLogOptions(options: LogOptions): void {
  if (options.tailLines !== undefined && (!Number.isInteger(options.tailLines) || options.tailLines < 0)) fail('PodLogOptions.core "" is invalid: tailLines: Invalid value: must be greater than or equal to 0');
  if (options.sinceSeconds !== undefined && (!Number.isInteger(options.sinceSeconds) || options.sinceSeconds < 1)) fail('PodLogOptions.core "" is invalid: sinceSeconds: Invalid value: must be greater than 0');
  if (options.limitBytes !== undefined && (!Number.isInteger(options.limitBytes) || options.limitBytes < 1)) fail('PodLogOptions.core "" is invalid: limitBytes: Invalid value: must be greater than 0');
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) fail('PodLogOptions.core "" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (options.sinceTime !== undefined && Number.isNaN(Date.parse(options.sinceTime))) fail(`PodLogOptions.core "" is invalid: sinceTime: Invalid value: "${options.sinceTime}": must be an RFC3339 time`);
}

/** The whole answer of a (non-follow) log request, as text. */
export function podLogText(pod: Pod, options: LogOptions, nowAbs: number, ctx: { catalog?: ImageEntry[]; traffic?: ContainerTraffic; sources?: SourceReader } = {}): string {
  validateLogOptions(options);
  const log = containerLog(pod, options, nowAbs, ctx);
  return renderLines(selectLines(log.lines, options, nowAbs), options);
}

