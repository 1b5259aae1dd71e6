/**
 * The load balancer in front of the API servers of a highly available control plane, at the
 * address every client already uses (`api-server`). It forwards each request to a healthy API
 * server (round robin; the API server answers the client directly, at `req.from`), remembers
 * which API server each watch went to (so `watch.cancel` reaches it), and probes every API server
 * periodically with a read that needs etcd's quorum (a readiness check). When an API server stops
 * answering its probes it is taken out of rotation and the clients of its watches get
 * `watch.closed`, as a TCP reset: they resume from their last resourceVersion elsewhere.
 *
 * States: `balancing` (some API server is healthy) and `noHealthyBackend` (none is: the balancer
 * answers 503 itself, as HAProxy's "No server is available to handle this request"; clients retry).
 */
import { setup } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import * as S from '../src/api/status.js';
import type { ApiRequest, ApiResponse, WatchCancel } from './protocol.js';

/** Health-check settings (HAProxy's `inter`, `fall`, `rise`). */
export interface ProbeTimings {
  /** Time between probes of each API server. Default 1,000 ms. */
  probeIntervalMs?: number;
  /** Consecutive failed probes that take an API server out. Default 2. */
  fall?: number;
  /** Consecutive good probes that put it back. Default 1. */
  rise?: number;
}

/** Input of the load balancer. */
export interface LoadBalancerInput {
  /** The balancer's port (`api-server`). */
  port: Port;
  /** The API servers behind it. */
  backends: readonly string[];
  /** Bearer token of the probes. */
  token: string;
  timings?: ProbeTimings;
}

/** One API server as the balancer sees it. */
export interface Backend {
  address: string;
  healthy: boolean;
  /** Consecutive failed and good probes. */
  fails: number;
  oks: number;
  /** The probe in flight, if any. */
  probe: string | undefined;
  /** Watches opened through it that are still open, by watch id. */
  watches: Set<string>;
  /** Watches it still serves that its clients were told are closed (cancelled when it is back). */
  orphans: Set<string>;
  forwarded: number;
}

/** The balancer's tables (mutated in place). */
export interface BalancerState {
  backends: Backend[];
  /** Which API server holds each watch, and for which client. */
  watches: Map<string, { backend: Backend; client: string }>;
  /**
   * Watches reset lately, told again at the next probe ticks (a client's next keepalive on a reset
   * connection meets another reset): a lost `watch.closed` does not leave a client waiting forever.
   */
  resets: Map<string, { client: string; reason: string; left: number }>;
  next: number;
  probes: number;
  stats: { forwarded: number; refused: number; watchesClosed: number; probesFailed: number };
}

/** Context of the load balancer. */
export interface LoadBalancerContext {
  port: Port;
  token: string;
  timings: Required<ProbeTimings>;
  lb: BalancerState;
}

/** Events of the load balancer. */
export type LoadBalancerEvent = ApiRequest | WatchCancel | ApiResponse;

function pick(lb: BalancerState): Backend {
  const healthy = lb.backends.filter((b) => b.healthy);
  const backend = healthy[lb.next % healthy.length]!;
  lb.next = (lb.next + 1) % 1_000_000_007;
  return backend;
}

/** The load balancer machine. */
export const loadBalancerMachine = setup({
  types: {
    input: {} as LoadBalancerInput,
    context: {} as LoadBalancerContext,
    events: {} as LoadBalancerEvent,
  },
  delays: {
    probeInterval: ({ context }) => context.timings.probeIntervalMs,
  },
  guards: {
    anyHealthy: ({ context }) => context.lb.backends.some((b) => b.healthy),
    noneHealthy: ({ context }) => !context.lb.backends.some((b) => b.healthy),
    isProbeAnswer: ({ context, event }) => (event as ApiResponse).id.startsWith(`${context.port.address}#probe-`),
  },
  actions: {
    forward: ({ context, event }) => {
      const req = event as ApiRequest;
      const backend = pick(context.lb);
      backend.forwarded++;
      context.lb.stats.forwarded++;
      if (req.verb === 'watch') {
        backend.watches.add(req.id);
        context.lb.watches.set(req.id, { backend, client: req.from });
      }
      context.port.send(backend.address, req);
    },
    refuse: ({ context, event }) => {
      const req = event as ApiRequest;
      context.lb.stats.refused++;
      context.port.send(req.from, { type: 'api.response', id: req.id, code: 503, body: S.serviceUnavailable('no API server is available to handle this request') });
    },
    cancelWatch: ({ context, event }) => {
      const e = event as WatchCancel;
      const w = context.lb.watches.get(e.watchId);
      if (!w) return;
      context.lb.watches.delete(e.watchId);
      w.backend.watches.delete(e.watchId);
      context.port.send(w.backend.address, e);
    },
    probe: ({ context }) => {
      const { lb, port } = context;
      for (const [id, r] of lb.resets) {
        port.send(r.client, { type: 'watch.closed', watchId: id, reason: r.reason });
        if (--r.left <= 0) lb.resets.delete(id);
      }
      for (const b of lb.backends) {
        if (b.probe !== undefined) fail(context, b); // the last probe went unanswered
        const id = `${port.address}#probe-${++lb.probes}`;
        b.probe = id;
        port.send(b.address, { type: 'api.request', id, from: port.address, token: context.token, verb: 'get', resource: 'namespaces', name: 'kube-system' });
      }
    },
    onProbeAnswer: ({ context, event }) => {
      const res = event as ApiResponse;
      const b = context.lb.backends.find((x) => x.probe === res.id);
      if (!b) return; // late: already counted as failed
      b.probe = undefined;
      if (res.code >= 200 && res.code < 300) succeed(context, b);
      else fail(context, b);
    },
  },
}).createMachine({
  id: 'load-balancer',
  context: ({ input }) => ({
    port: input.port,
    token: input.token,
    timings: { probeIntervalMs: 1_000, fall: 2, rise: 1, ...(input.timings ?? {}) },
    lb: {
      backends: input.backends.map((address) => ({ address, healthy: false, fails: 0, oks: 0, probe: undefined, watches: new Set<string>(), orphans: new Set<string>(), forwarded: 0 })),
      watches: new Map(),
      resets: new Map(),
      next: 0,
      probes: 0,
      stats: { forwarded: 0, refused: 0, watchesClosed: 0, probesFailed: 0 },
    },
  }),
  initial: 'noHealthyBackend',
  entry: 'probe',
  on: {
    'watch.cancel': { actions: 'cancelWatch' },
    'api.response': { guard: 'isProbeAnswer', actions: 'onProbeAnswer' },
  },
  states: {
    balancing: {
      always: { guard: 'noneHealthy', target: 'noHealthyBackend' },
      on: { 'api.request': { actions: 'forward' } },
      after: { probeInterval: { target: 'balancing', reenter: true, actions: 'probe' } },
    },
    noHealthyBackend: {
      always: { guard: 'anyHealthy', target: 'balancing' },
      on: { 'api.request': { actions: 'refuse' } },
      after: { probeInterval: { target: 'noHealthyBackend', reenter: true, actions: 'probe' } },
    },
  },
});

function fail(context: LoadBalancerContext, b: Backend): void {
  b.probe = undefined;
  b.oks = 0;
  b.fails++;
  context.lb.stats.probesFailed++;
  if (b.healthy && b.fails >= context.timings.fall) {
    b.healthy = false;
    // the connections through it are reset: every client of its watches is told
    for (const id of b.watches) {
      const w = context.lb.watches.get(id);
      context.lb.watches.delete(id);
      b.orphans.add(id);
      if (w) {
        const reason = `the connection to ${b.address} was reset`;
        context.lb.stats.watchesClosed++;
        context.port.send(w.client, { type: 'watch.closed', watchId: id, reason });
        context.lb.resets.set(id, { client: w.client, reason, left: 2 });
      }
    }
    b.watches.clear();
  }
}

function succeed(context: LoadBalancerContext, b: Backend): void {
  b.fails = 0;
  b.oks++;
  if (!b.healthy && b.oks >= context.timings.rise) {
    b.healthy = true;
    // it may still serve watches whose clients have moved on: end them
    for (const id of b.orphans) context.port.send(b.address, { type: 'watch.cancel', watchId: id });
    b.orphans.clear();
  }
}

/** What the balancer shows (for the cluster's status and the inspector). */
export function balancerStatus(context: LoadBalancerContext): { address: string; healthy: boolean; watches: number; forwarded: number }[] {
  return context.lb.backends.map((b) => ({ address: b.address, healthy: b.healthy, watches: b.watches.size, forwarded: b.forwarded }));
}
