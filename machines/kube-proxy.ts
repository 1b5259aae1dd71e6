/**
 * kube-proxy, one per node: watches Services and Endpoints through the API server and keeps the
 * node's rules table (service cluster IP:port/protocol → ready endpoint IP:port), as its iptables
 * mode does. `resolve` picks a backend for a connection the way those rules do (uniformly at
 * random, here from the node's seeded generator), so a test can follow a connection from a pod to
 * a service to a pod.
 */
import { setup } from 'xstate';
import type { Endpoints, Service } from '../src/api/types.js';
import type { Port } from '../src/kernel/port.js';
import type { ApiResponse, WatchClosed, WatchEvent } from './protocol.js';
import { ApiClient } from './client/api-client.js';
import { Informer } from './client/informer.js';
import { apiClientTransitions } from './client/transitions.js';

/** One rule: a service port and the endpoints behind it. */
export interface ProxyRule {
  /** `namespace/name:portName` */
  service: string;
  clusterIP: string;
  port: number;
  protocol: string;
  /** Ready backends, `ip:port`, sorted. */
  endpoints: string[];
}

/** Where a connection goes. */
export type Resolution = { ok: true; rule: ProxyRule; backend: string } | { ok: false; reason: string };

/** Input of kube-proxy. */
export interface KubeProxyInput {
  port: Port;
  node: string;
  /** Bearer token of `system:kube-proxy`. */
  token: string;
  apiServer?: string;
}

/** Context of kube-proxy. */
export interface KubeProxyContext {
  port: Port;
  node: string;
  client: ApiClient;
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  /** The rules, by `clusterIP:port/protocol`. */
  rules: Map<string, ProxyRule>;
  /** Whether the rules are stale, and how often they were written (shared with the informers' handlers). */
  sync: { dirty: boolean; count: number };
  /** When the housekeeping timer fires next. */
  housekeeping: { armedAt: number };
}

/** Events of kube-proxy. */
export type KubeProxyEvent = ApiResponse | WatchEvent | WatchClosed;

/** Builds the rules table from services and endpoints (what `syncProxyRules` writes). */
export function buildRules(services: Iterable<Service>, endpoints: Map<string, Endpoints>): Map<string, ProxyRule> {
  const rules = new Map<string, ProxyRule>();
  const sorted = [...services].sort((a, b) => key(a).localeCompare(key(b)));
  for (const svc of sorted) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ep = endpoints.get(key(svc));
    for (const sp of svc.spec?.ports ?? []) {
      const protocol = sp.protocol ?? 'TCP';
      const backends: string[] = [];
      for (const subset of ep?.subsets ?? []) {
        const epPort = (subset.ports ?? []).find((p) => (sp.name ? p.name === sp.name : true) && (p.protocol ?? 'TCP') === protocol);
        if (!epPort) continue;
        for (const addr of subset.addresses ?? []) backends.push(`${addr.ip}:${epPort.port}`);
      }
      backends.sort();
      rules.set(`${ip}:${sp.port}/${protocol}`, {
        service: `${key(svc)}${sp.name ? ':' + sp.name : ''}`,
        clusterIP: ip,
        port: sp.port,
        protocol,
        endpoints: backends,
      });
    }
  }
  return rules;
}

function key(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace}/${obj.metadata?.name}`;
}

/** Resolves a connection to `ip:port` through a rules table. */
export function resolveThrough(rules: Map<string, ProxyRule>, ip: string, port: number, protocol = 'TCP', pick: (n: number) => number = () => 0): Resolution {
  const rule = rules.get(`${ip}:${port}/${protocol}`);
  if (!rule) return { ok: false, reason: `no service at ${ip}:${port}/${protocol}` };
  if (rule.endpoints.length === 0) return { ok: false, reason: `service ${rule.service} has no endpoints (connection refused)` };
  return { ok: true, rule, backend: rule.endpoints[pick(rule.endpoints.length)]! };
}

function createContext(input: KubeProxyInput): KubeProxyContext {
  const client = new ApiClient(input.port, input.token, { apiServer: input.apiServer });
  const ctx = { port: input.port, node: input.node, client, rules: new Map(), sync: { dirty: true, count: 0 }, housekeeping: { armedAt: Infinity } } as Omit<KubeProxyContext, 'services' | 'endpoints'> as KubeProxyContext;
  const mark = () => {
    ctx.sync.dirty = true;
  };
  ctx.services = new Informer<Service>(client, { resource: 'services' }, { onAdd: mark, onUpdate: mark, onDelete: mark });
  ctx.endpoints = new Informer<Endpoints>(client, { resource: 'endpoints' }, { onAdd: mark, onUpdate: mark, onDelete: mark });
  return ctx;
}

/** Housekeeping period when nothing is due (no request in flight, no watch: not expected once started). */
const HOUSEKEEPING_MS = 10_000;

/** The next time housekeeping has something to do: a request times out, a watch is retried or falls silent. */
function nextDueAt(context: KubeProxyContext): number {
  return Math.min(context.client.nextDueAt(), context.services.nextDueAt(), context.endpoints.nextDueAt());
}

/**
 * How long until housekeeping is due, in whole milliseconds rounded up and at least 1: virtual
 * times are fractional, and a timer set for exactly the deadline could land a rounding error
 * short of it, find nothing due yet, and fire again at the same instant.
 */
function untilDue(context: KubeProxyContext): number {
  const due = nextDueAt(context);
  return due === Infinity ? HOUSEKEEPING_MS : Math.max(1, Math.ceil(due - context.port.now()));
}

/** The kube-proxy machine of one node (address `kube-proxy/<node>`). */
export const kubeProxyMachine = setup({
  types: {
    input: {} as KubeProxyInput,
    context: {} as KubeProxyContext,
    events: {} as KubeProxyEvent,
  },
  delays: {
    /**
     * Housekeeping (request timeouts, watch health): armed for when something is due rather than
     * polled, so an idle kube-proxy wakes about once per watch-silence period, not every 10 s.
     */
    tick: ({ context }) => untilDue(context),
  },
  guards: {
    /** Something came due before the armed timer (a new request, a refused watch). */
    dueEarlier: ({ context }) => nextDueAt(context) < context.housekeeping.armedAt,
    synced: ({ context }) => context.services.synced && context.endpoints.synced,
    rulesStale: ({ context }) => context.sync.dirty && context.services.synced && context.endpoints.synced,
  },
  actions: {
    startWatches: ({ context }) => {
      context.services.start(true);
      context.endpoints.start(true);
    },
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    onWatch: ({ context, event }) => {
      const e = event as WatchEvent | WatchClosed;
      if (!context.services.handle(e)) context.endpoints.handle(e);
    },
    syncRules: ({ context }) => {
      const eps = new Map<string, Endpoints>();
      for (const ep of context.endpoints.store.values()) eps.set(key(ep), ep);
      context.rules = buildRules(context.services.store.values(), eps);
      context.sync.dirty = false;
      context.sync.count++;
    },
    arm: ({ context }) => {
      context.housekeeping.armedAt = context.port.now() + untilDue(context);
    },
    housekeeping: ({ context }) => {
      context.client.sweep();
      context.services.tick();
      context.endpoints.tick();
    },
  },
}).createMachine({
  id: 'kube-proxy',
  context: ({ input }) => createContext(input),
  entry: 'startWatches',
  on: {
    ...apiClientTransitions('onResponse', 'onWatch'),
  },
  type: 'parallel',
  states: {
    rules: {
      initial: 'syncing',
      states: {
        syncing: {
          always: { guard: 'synced', target: 'ready' },
        },
        ready: {
          initial: 'idle',
          states: {
            idle: { always: { guard: 'rulesStale', target: 'writingRules' } },
            writingRules: { entry: 'syncRules', always: 'idle' },
          },
        },
      },
    },
    housekeeping: {
      initial: 'waiting',
      states: {
        waiting: {
          entry: 'arm',
          always: { guard: 'dueEarlier', target: 'waiting', reenter: true },
          after: { tick: { target: 'waiting', reenter: true, actions: 'housekeeping' } },
        },
      },
    },
  },
});
