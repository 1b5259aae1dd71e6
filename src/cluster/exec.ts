/**
 * `kubectl exec` in the library: a command runs in a running container through the kubelet's
 * interpreter (machines/kubelet/shell.ts), seeing the container's files as its process left
 * them, its environment and its hostname. A word that is neither a modelled command nor a file
 * of the container is `sh: foo: not found` with exit code 127, as in a real shell.
 */
import type { Container, Pod } from '../api/types.js';
import { StatusError, badRequest } from '../api/status.js';
import { execInContainer, processOf, runContainerProcess } from '../../machines/kubelet/process.js';
import { podProcessContext, type SourceReader } from '../../machines/kubelet/config-sources.js';
import type { ImageEntry } from '../profiles/images.js';
import type { FileTree } from '../../machines/kubelet/files.js';
import { processTable } from '../../machines/kubelet/process-table.js';
import { containerMounts, filesNow, keepWrites, layerKey } from '../../machines/kubelet/container-files.js';
import { networkTimeline, type NetworkSource } from '../../machines/kubelet/network.js';
import type { NetRequest } from '../../machines/kubelet/net-tools.js';
import { containerSpecOf, containerStatusOf, logContainer } from './logs.js';

/** What an exec gave back. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** How long the command ran (virtual ms); a command that would not end is stopped after an hour. */
  durationMs: number;
  /** The lines in the order written, each at its virtual ms after the start (what a stream replays). */
  lines: { atMs: number; stream: 'stdout' | 'stderr'; text: string }[];
  /** The requests it made that servers of the cluster answered (their access-log lines). */
  requests?: NetRequest[];
}

/** Runs `command` in a container of `pod` at `nowAbs` (ms since 1970). */
export function execInPod(pod: Pod, command: readonly string[], nowAbs: number, options: { container?: string; stdin?: string; catalog?: ImageEntry[]; sources?: SourceReader; network?: NetworkSource } = {}): ExecResult {
  if (command.length === 0) throw new StatusError(badRequest('you must specify at least one command for the container'));
  const name = logContainer(pod, options.container);
  const spec = containerSpecOf(pod, name)!;
  const status = containerStatusOf(pod, name);
  const startedAt = status?.state?.running?.startedAt;
  if (!startedAt) throw new StatusError(badRequest(`unable to upgrade connection: container not found ("${name}")`));
  const start = Date.parse(startedAt);
  const program = command[0]!.slice(command[0]!.lastIndexOf('/') + 1);
  if (program === 'tar') {
    // kubectl cp runs `tar cf - FILE` / `tar -xmf - -C DIR` here: say why it cannot work
    const text = 'tar: kube-actors does not model tar in containers (the interpreter has no archives), so kubectl cp is not supported; read a file with kubectl exec POD -- cat FILE, write one with kubectl exec -i POD -- sh -c \'cat > FILE\' < FILE';
    return { stdout: '', stderr: `${text}\n`, exitCode: 2, durationMs: 0, lines: [{ atMs: 0, stream: 'stderr', text }] };
  }
  // where what it writes is kept: the container's writable layer, its volumes (machines/kubelet/container-files.ts)
  const written = options.sources?.files?.(pod);
  const filesAt = (container: Container, since: string): FileTree => {
    const sinceAbs = Date.parse(since);
    const process = processOf(pod, container, podProcessContext(pod, container, options.catalog, options.sources, sinceAbs));
    return filesNow(pod, container, since, runContainerProcess(process, sinceAbs, Math.max(0, nowAbs - sinceAbs)).files ?? process.files, written);
  };
  const process = processOf(pod, spec, podProcessContext(pod, spec, options.catalog, options.sources, start));
  const own = filesAt(spec, startedAt);
  // its PID namespace: the processes `ps` lists, and each container's root under /proc/PID/root
  const table = processTable(pod, name, options.catalog);
  const files: Record<string, string> = { ...own };
  for (const c of table.containers) {
    const since = c.name === name ? startedAt : (containerStatusOf(pod, c.name)?.state?.running?.startedAt ?? startedAt);
    for (const [path, content] of Object.entries(c.name === name ? own : filesAt(c.spec, since))) files[`/proc/${c.mainPid}/root${path}`] = content;
  }
  // the exec sees the network as it is at its start (captured once, like a container's at its pod's start)
  const view = options.network?.capture(pod, pod.status?.podIP ?? '');
  const network = view ? networkTimeline(view, nowAbs) : undefined;
  const result = execInContainer({ ...process, files, processes: table.processes, ...(network ? { network } : {}) }, command, nowAbs, options.stdin);
  if (result.requests) options.network?.served(result.requests, nowAbs);
  // what it wrote stays: in the container's writable layer, or in the volume it wrote in
  if (result.files && written) keepWrites(files, result.files, containerMounts(pod, spec, written), { store: written.disk, key: layerKey(pod, name, startedAt) }, nowAbs);
  const text = (stream: 'stdout' | 'stderr') =>
    result.lines
      .filter((l) => l.stream === stream)
      .map((l) => `${l.text}\n`)
      .join('');
  return {
    stdout: text('stdout'),
    stderr: text('stderr'),
    exitCode: result.exit?.code ?? 137,
    durationMs: result.exit?.atMs ?? result.atMs,
    lines: result.lines.map((l) => ({ atMs: l.atMs, stream: l.stream, text: l.text })),
    ...(result.requests ? { requests: result.requests } : {}),
  };
}
