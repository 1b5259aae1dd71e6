/**
 * The kubelet's prober (pkg/kubelet/prober): one worker per probe of a running container, a small
 * statechart. `delaying` (initialDelaySeconds) → `probing` (one probe, against the container's
 * process) → `waiting` (periodSeconds) → `probing` ... It counts consecutive results and reports
 * to its container (`probe.result`) when the result flips at successThreshold / failureThreshold,
 * and asks for an `Unhealthy` event at every failed probe, as the real worker does.
 *
 * A probe runs against the process (machines/kubelet/process.ts): `exec` through the
 * interpreter (timeoutSeconds bounds it), `httpGet`/`tcpSocket`/`grpc` against the ports the
 * process listens on (an HTTP server of the image answers its paths; a port nobody listens on
 * refuses the connection). A startup worker stops at its first success.
 */
import { enqueueActions, sendParent, setup } from 'xstate';
import type { IProbe as Probe } from 'kubernetes-models/v1/Probe';
import type { Container } from '../../src/api/types.js';
import type { Port } from '../../src/kernel/port.js';
import { execInContainer, runContainerProcess, type ProcessSpec } from './process.js';
import type { ContainerRecordEvent } from '../container.js';
import type { NetworkTimeline } from './network.js';

/** Which probe. */
export type ProbeKind = 'readiness' | 'liveness' | 'startup';

/** What a probe runs against: the container's process and where it runs. */
export interface ProbeTarget {
  process: ProcessSpec;
  podIP: string;
  /** The container (named ports). */
  container: Pick<Container, 'name' | 'ports'>;
  /** When the current run started (ms since 1970) and the kernel time then (ms). */
  startAbsMs: number;
  startMs: number;
}

/** The outcome of one probe. */
export interface ProbeOutcome {
  ok: boolean;
  /** What the kubelet puts after `Readiness probe failed: `. */
  output: string;
}

export function resolvePort(port: number | string | undefined, container: ProbeTarget['container']): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Runs one probe against the process at kernel time `nowMs`. */
function runProbe(probe: Probe, target: ProbeTarget, nowMs: number): ProbeOutcome {
  const elapsed = nowMs - target.startMs;
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  // the process as it is now: its ports, and the files it wrote (an exec probe sees them)
  const now = runContainerProcess(target.process, target.startAbsMs, elapsed);
  if (probe.exec) {
    const argv = probe.exec.command ?? [];
    const process = now.files ? { ...target.process, files: now.files } : target.process;
    const r = execInContainer(process, argv, target.startAbsMs + elapsed);
    const output = r.lines.map((l) => l.text).join('\n');
    if (!r.exit || r.exit.atMs > timeoutMs) return { ok: false, output: `command ${JSON.stringify(argv.join(' '))} timed out` };
    return { ok: r.exit.code === 0, output };
  }
  const listening = now.ports;
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, target.container);
    const host = probe.httpGet.host || target.podIP;
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    const path = probe.httpGet.path ?? '/';
    const url = `${scheme}://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
    if (port === undefined || !listening.includes(port)) return { ok: false, output: `Get "${url}": dial tcp ${host}:${port}: connect: connection refused` };
    const status = httpStatus(target.process, port, path);
    return status >= 200 && status < 400 ? { ok: true, output: '' } : { ok: false, output: `HTTP probe failed with statuscode: ${status}` };
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.container);
    const host = probe.tcpSocket.host || target.podIP;
    return port !== undefined && listening.includes(port) ? { ok: true, output: '' } : { ok: false, output: `dial tcp ${host}:${port}: connect: connection refused` };
  }
  if (probe.grpc) {
    const port = probe.grpc.port;
    return listening.includes(port) ? { ok: true, output: '' } : { ok: false, output: `timeout: failed to connect service "${target.podIP}:${port}" within ${probe.timeoutSeconds ?? 1}s: context deadline exceeded` };
  }
  return { ok: false, output: 'probe has no handler (exec, httpGet, tcpSocket or grpc)' };
}

/** The status an HTTP server of the process answers `GET path` with (an application's own server: 200 everywhere). */
function httpStatus(process: ProcessSpec, port: number, path: string): number {
  for (const program of Object.values(process.image?.programs ?? {})) {
    const server = program.http?.[port];
    if (!server) continue;
    const clean = path.split('?')[0]!;
    if (server.paths) return server.paths[clean]?.status ?? 404;
    if (clean === '/' || clean === '') return server.status;
    // nginx serves the files under its root
    const file = `/usr/share/nginx/html${clean}`;
    return process.files[file] !== undefined || process.files[`${file}/index.html`] !== undefined ? 200 : 404;
  }
  return 200;
}

/** Input of a prober worker. */
export interface ProberInput {
  kind: ProbeKind;
  probe: Probe;
  target: ProbeTarget;
  port: Port;
}

/** The pod's network timeline grew (a new snapshot): the next probes see it. */
export interface ProbeNetworkEvent {
  type: 'probe.network';
  network: NetworkTimeline;
}

/** What a worker tells its container when the result flips. */
export interface ProbeResultEvent {
  type: 'probe.result';
  kind: ProbeKind;
  ok: boolean;
}

/** The context of a prober worker. */
export interface ProberContext {
  kind: ProbeKind;
  probe: Probe;
  target: ProbeTarget;
  port: Port;
  /** Consecutive successes and failures, and the result last reported (undefined: none yet). */
  successes: number;
  failures: number;
  result: boolean | undefined;
  lastOk: boolean;
  /**
   * When (kernel ms) a probe of this worker's run first succeeded, as its handler answered, before
   * the thresholds count it; undefined while none has. The verifier's
   * `pod-ready-only-if-probes-pass` reads it.
   */
  passedAt: number | undefined;
}

const KIND_TEXT: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };

/** The prober worker machine. Named delays: `initialDelay`, `period`. */
export const proberMachine = setup({
  types: {
    input: {} as ProberInput,
    context: {} as ProberContext,
    events: {} as ProbeNetworkEvent,
  },
  delays: {
    initialDelay: ({ context }) => (context.probe.initialDelaySeconds ?? 0) * 1000,
    period: ({ context }) => (context.probe.periodSeconds ?? 10) * 1000,
  },
  guards: {
    /** The probe's handler answered success (what the worker counts as a success). */
    probeSucceeded: (_, outcome: ProbeOutcome) => outcome.ok,
    /** A startup probe that succeeded is done (the worker stops). */
    startupDone: ({ context }) => context.kind === 'startup' && context.result === true,
    /** A liveness or startup probe that failed is done until the container restarts (a fresh worker). */
    gaveUp: ({ context }) => context.kind !== 'readiness' && context.result === false,
  },
  actions: {
    /** The next probes run against the pod's new network timeline. */
    renetwork: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ target: { ...context.target, process: { ...context.target.process, network: event.network } } });
    }),
    /** One probe: count it, ask for Unhealthy when it failed, report a flip at the threshold. */
    probe: enqueueActions(({ context, enqueue, check }) => {
      const now = context.port.now();
      const outcome = runProbe(context.probe, context.target, now);
      // the named guard, resolved from the machine's implementations (XState's types do not carry
      // a named guard with params into `check`)
      const ok = check({ type: 'probeSucceeded', params: outcome } as never);
      const successes = ok ? context.successes + 1 : 0;
      const failures = ok ? 0 : context.failures + 1;
      let result = context.result;
      if (ok && successes >= (context.probe.successThreshold ?? 1)) result = true;
      if (!ok && failures >= (context.probe.failureThreshold ?? 3)) result = false;
      if (!ok) {
        const event: ContainerRecordEvent = {
          type: 'container.event',
          init: false,
          container: context.target.container.name,
          eventType: 'Warning',
          reason: 'Unhealthy',
          message: `${KIND_TEXT[context.kind]} probe failed: ${outcome.output}`,
        };
        enqueue(sendParent(event));
      }
      if (result !== context.result) {
        const flip: ProbeResultEvent = { type: 'probe.result', kind: context.kind, ok: result! };
        enqueue(sendParent(flip));
      }
      enqueue.assign({ successes, failures, result, lastOk: ok, passedAt: context.passedAt ?? (outcome.ok ? now : undefined) });
    }),
  },
}).createMachine({
  id: 'prober',
  context: ({ input }) => ({ kind: input.kind, probe: input.probe, target: input.target, port: input.port, successes: 0, failures: 0, result: undefined, lastOk: false, passedAt: undefined }),
  initial: 'delaying',
  on: { 'probe.network': { actions: 'renetwork' } },
  states: {
    delaying: { after: { initialDelay: 'probing' } },
    probing: {
      entry: 'probe',
      always: [{ guard: 'startupDone', target: 'done' }, { guard: 'gaveUp', target: 'done' }, { target: 'waiting' }],
    },
    waiting: { after: { period: 'probing' } },
    done: { type: 'final' },
  },
});
