/**
 * The kubelet's lifecycle hook runner (pkg/kubelet/lifecycle/handlers.go, `handlerRunner.Run`):
 * a container's `postStart` or `preStop` handler run against its process, as data. `exec` runs
 * the command through the interpreter inside the container (its duration is the command's, its
 * failure a non-zero exit); `httpGet` connects to the pod's IP (or `host`) on a port the process
 * listens on (any answer is a success, as the kubelet does not look at the status code); `sleep`
 * waits its seconds. The failure messages are the kubelet's, word for word. What an `exec` hook
 * writes stays in the container (machines/kubelet/container-files.ts) when `writes` says where.
 */
import type { ILifecycleHandler as LifecycleHandler } from 'kubernetes-models/v1/LifecycleHandler';
import { execInContainer, runContainerProcess } from './process.js';
import { resolvePort, type ProbeTarget } from './prober.js';
import { withWrites, type HookWrites } from './container-files.js';

/** How a hook went. */
export interface HookOutcome {
  /** How long it ran (ms); undefined when it never returns (a command that does not exit). */
  durationMs: number | undefined;
  ok: boolean;
  /** The kubelet's message when it failed (the FailedPostStartHook / FailedPreStopHook event's). */
  message: string;
}

/** Go's `%q` of a string (close enough: JSON's escapes). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

/**
 * Runs a lifecycle handler of container `target.container` at kernel time `nowMs` (the process
 * started at `target.startMs`). `podKey` is the pod as the kubelet writes it (`name_namespace(uid)`).
 */
export function runHook(handler: LifecycleHandler, target: ProbeTarget, nowMs: number, podKey: string, writes?: { to: HookWrites; startedAt: string }): HookOutcome {
  const name = target.container.name;
  const elapsed = Math.max(0, nowMs - target.startMs);
  if (handler.exec) {
    const argv = handler.exec.command ?? [];
    const now = runContainerProcess(target.process, target.startAbsMs, elapsed);
    // it sees what was written in the container, and what it writes stays (its writable layer, its emptyDir volumes)
    const r = withWrites(writes?.to, writes?.startedAt ?? '', now.files ?? target.process.files, target.startAbsMs + elapsed, (files) => execInContainer({ ...target.process, files }, argv, target.startAbsMs + elapsed));
    if (!r.exit) return { durationMs: undefined, ok: true, message: '' };
    if (r.exit.code === 0) return { durationMs: r.exit.atMs, ok: true, message: '' };
    const stdout = r.lines.filter((l) => l.stream !== 'stderr').map((l) => `${l.text}\n`).join('');
    const stderr = r.lines.filter((l) => l.stream === 'stderr').map((l) => `${l.text}\n`).join('');
    const error = `command '${argv.join(' ')}' exited with ${r.exit.code}: ${stderr}`;
    return {
      durationMs: r.exit.atMs,
      ok: false,
      message: `Exec lifecycle hook ([${argv.join(' ')}]) for Container ${goQuote(name)} in Pod ${goQuote(podKey)} failed - error: ${error}, message: ${goQuote(stdout + stderr)}`,
    };
  }
  if (handler.httpGet) {
    const port = resolvePort(handler.httpGet.port, target.container) ?? 80;
    const host = handler.httpGet.host || target.podIP;
    const scheme = (handler.httpGet.scheme ?? 'HTTP').toLowerCase();
    const path = handler.httpGet.path ?? '';
    const url = `${scheme}://${host}:${port}${path.startsWith('/') || path === '' ? path : `/${path}`}`;
    const listening = runContainerProcess(target.process, target.startAbsMs, elapsed).ports;
    if (listening.includes(port)) return { durationMs: 0, ok: true, message: '' };
    return {
      durationMs: 0,
      ok: false,
      message: `HTTP lifecycle hook (${path}) for Container ${goQuote(name)} in Pod ${goQuote(podKey)} failed - error: Get ${goQuote(url)}: dial tcp ${host}:${port}: connect: connection refused`,
    };
  }
  if (handler.sleep) return { durationMs: Math.max(0, handler.sleep.seconds) * 1000, ok: true, message: '' };
  // tcpSocket is kept in the API for compatibility only: the kubelet fails it at run time
  return { durationMs: 0, ok: false, message: 'Cannot run handler: invalid handler: a lifecycle handler must be exec, httpGet or sleep (tcpSocket is not supported)' };
}
