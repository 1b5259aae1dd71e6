/**
 * Steady loops of the shell (machines/kubelet/shell.ts): a `while`/`until` loop whose iterations
 * repeat exactly is run forward in one step instead of one iteration at a time, so that a load
 * generator (`while sleep 0.01; do wget -q -O- http://php-apache; done`, the HorizontalPodAutoscaler
 * walkthrough's) costs the simulation a few iterations, not one per request, over minutes of
 * virtual time.
 *
 * An iteration (the condition and the body) is steady when it leaves the shell as it found it
 * (variables, exported names, directory, status, options, ports; no file written, nothing written
 * around its tapped output) and took some time; two steady iterations in a row that wrote the same
 * output at the same offsets and made the same requests at the same offsets (to the same address,
 * whose servers all answer alike) make the loop periodic until the network the process sees
 * changes (the next entry of its timeline) or the run's horizon: the iterations up to there are
 * repeated without being interpreted. Their output is written again (stamped with their times),
 * their requests are recorded again (to the backends their count picks, with their access-log
 * lines, up to {@link MAX_REPEATED_REQUESTS}), and the span becomes a {@link RequestFlow}: requests
 * per second to each server container, which the usage model turns into CPU (src/metrics/usage.ts).
 *
 * With no horizon (the replay that finds the process's fate) and no later network entry, a
 * periodic loop runs for ever: its flow is open-ended and the run stops there (the process is
 * still running), after repeating its requests up to the cap (the servers' access logs).
 */
import type { Io } from './shell-builtins.js';
import { Stop } from './shell-builtins.js';
import { repeatRequest, type FlowServer, type NetRequest, type RequestFlow } from './net-tools.js';
import type { Shell } from './shell.js';

/** Requests a run records at most by repeating a steady loop's (their access-log lines). */
export const MAX_REPEATED_REQUESTS = 10_000;

type Write = readonly [stream: 'out' | 'err', atMs: number, text: string];

interface Iteration {
  t0: number;
  steps0: number;
  requests0: number;
  fileWrites0: number;
  directWrites0: number;
  state: string;
  writes: Write[];
}

interface Steady {
  signature: string;
  dt: number;
  steps: number;
  writes: Write[];
  requests: NetRequest[];
}

/** What a shell's state is, for the loop's fixed point. */
function stateOf(sh: Shell): string {
  return JSON.stringify([[...sh.vars], [...sh.exported], sh.cwd, sh.status, sh.errexit, sh.xtrace, sh.ports]);
}

function requestKey(r: NetRequest, t0: number): string {
  return `${r.atMs - t0}|${r.target}|${r.spread ? r.spread.map((l) => `${l.uid}/${l.container}`).join(',') : `!${r.listener.uid}`}`;
}

/** Watches the iterations of one `while`/`until` loop and runs it forward when it is periodic. */
export class LoopWatch {
  private current: Iteration | undefined;
  private previous: string | undefined;

  constructor(private readonly sh: Shell) {}

  /** The loop's I/O, tapped: what an iteration writes is recorded with its offset. */
  tap(io: Io): Io {
    const record = (stream: 'out' | 'err', text: string) => this.current?.writes.push([stream, this.sh.t - this.current.t0, text]);
    return {
      stdin: io.stdin,
      out: (text) => {
        record('out', text);
        io.out(text);
      },
      err: (text) => {
        record('err', text);
        io.err(text);
      },
    };
  }

  /** An iteration starts (before its condition). */
  begin(): void {
    const sh = this.sh;
    this.current = { t0: sh.t, steps0: sh.steps, requests0: sh.requests.length, fileWrites0: sh.files.writes, directWrites0: sh.directWrites, state: stateOf(sh), writes: [] };
  }

  /** The iteration ended (after its body): if it repeats the one before, the loop is run forward through `io` (the loop's untapped I/O). */
  end(io: Io): void {
    const sh = this.sh;
    const it = this.current;
    this.current = undefined;
    if (!it) return;
    const dt = sh.t - it.t0;
    const requests = sh.requests.slice(it.requests0);
    const steady = dt > 0 && sh.files.writes === it.fileWrites0 && sh.directWrites === it.directWrites0 && requests.every((r) => r.spread !== undefined) && stateOf(sh) === it.state;
    if (!steady) {
      this.previous = undefined;
      return;
    }
    const signature = JSON.stringify([dt, sh.steps - it.steps0, it.writes, requests.map((r) => requestKey(r, it.t0))]);
    if (signature !== this.previous) {
      this.previous = signature;
      return;
    }
    this.forward({ signature, dt, steps: sh.steps - it.steps0, writes: it.writes, requests: requests.map((r) => ({ ...r, atMs: r.atMs - it.t0 })) }, io);
  }

  /** Repeats the steady iteration up to the next network entry or the horizon (see the file comment). */
  private forward(loop: Steady, io: Io): void {
    const sh = this.sh;
    const t = sh.t;
    const nowAbs = sh.opts.startAbsMs + t;
    const change = sh.opts.network?.find((e) => e.atAbs > nowAbs)?.atAbs;
    const untilMs = Math.min(sh.horizon, change === undefined ? Infinity : change - sh.opts.startAbsMs);
    const flowEnd = untilMs;
    let count: number;
    if (untilMs === Infinity) {
      // runs for ever: its requests repeated up to the cap, then the run stops (still running)
      count = loop.requests.length === 0 ? 0 : Math.max(0, Math.floor((MAX_REPEATED_REQUESTS - sh.requests.length) / loop.requests.length));
    } else count = Math.max(0, Math.floor((untilMs - t) / loop.dt));
    this.flow(loop, t, flowEnd);
    if (count > 0) this.repeat(loop, count, io);
    if (untilMs === Infinity) throw new Stop();
    // the iterations that cross the next entry or the horizon are interpreted
    this.previous = undefined;
  }

  private flow(loop: Steady, fromMs: number, toMs: number): void {
    if (loop.requests.length === 0 || toMs <= fromMs) return;
    const rate = new Map<string, { server: FlowServer; perSecond: number }>();
    for (const r of loop.requests) {
      const spread = r.spread!;
      for (const l of spread) {
        const key = `${l.uid}/${l.container}`;
        const entry = rate.get(key) ?? { server: { uid: l.uid, namespace: l.namespace, pod: l.pod, container: l.container, cpuMsPerRequest: l.http?.cpuMsPerRequest ?? 0 }, perSecond: 0 };
        entry.perSecond += 1000 / loop.dt / spread.length;
        rate.set(key, entry);
      }
    }
    const flow: RequestFlow = { fromMs, toMs, servers: [...rate.keys()].sort().map((k) => rate.get(k)!) };
    this.sh.flows.push(flow);
  }

  /** Writes `count` iterations' output and requests again, advancing the clock and the step count. */
  private repeat(loop: Steady, count: number, io: Io): void {
    const sh = this.sh;
    const start = sh.t;
    const streams: ('out' | 'err')[] = ['out', 'err'];
    const lineless = loop.writes.every(([, , text]) => !text.includes('\n'));
    if (lineless) {
      // no line ends: the text only grows the current line; one write per stream
      for (const stream of streams) {
        const text = loop.writes.filter(([s]) => s === stream).map(([, , x]) => x).join('');
        if (text) io[stream](text.repeat(count));
      }
    }
    for (let i = 0; i < count; i++) {
      const base = start + i * loop.dt;
      if (!lineless) {
        for (const [stream, at, text] of loop.writes) {
          sh.t = base + at;
          io[stream](text);
        }
      }
      if (sh.requests.length + loop.requests.length <= MAX_REPEATED_REQUESTS) for (const r of loop.requests) sh.requests.push(repeatRequest(sh, r, base + r.atMs));
      else if (lineless) break;
    }
    // repeated iterations are not interpreted: they take no steps
    sh.t = start + count * loop.dt;
  }
}
