/**
 * kube-proxy, one per node: watches Services and EndpointSlices through the API server, as the
 * real kube-proxy does (`pkg/proxy/endpointslicecache.go`), and keeps the node's rules table as
 * its iptables mode does:
 *
 * - service cluster IP:port/protocol → the endpoints of the Service's slices (label
 *   `kubernetes.io/service-name`, from the EndpointSlice controller or the mirroring controller)
 *   whose port has the Service port's name and protocol; the ready ones, or when none is ready the
 *   serving terminating ones (`CategorizeEndpoints`: terminating endpoints keep connections while
 *   a rollout replaces them); `internalTrafficPolicy: Local` keeps this node's endpoints only;
 * - for a NodePort or LoadBalancer Service, the same port on this node's address and
 *   `spec.ports[].nodePort` (every node serves every node port); with
 *   `externalTrafficPolicy: Local` only this node's endpoints.
 *
 * `resolve` picks a backend for a connection the way those rules do (uniformly at random, here
 * from the node's seeded generator), so a test can follow a connection from a pod to a service to
 * a pod.
 */
import { setup } from 'xstate';
import type { KubeObject, Service } from '../src/api/types.js';
import type { Port } from '../src/kernel/port.js';
import type { ApiResponse, WatchClosed, WatchEvent } from './protocol.js';
import { ApiClient } from './client/api-client.js';
import { Informer } from './client/informer.js';
import { apiClientTransitions } from './client/transitions.js';
import { deadlineDelay } from './client/housekeeping-grid.js';
import { objectKey } from '../src/api/object-key.js';

/** One rule: a service port and the endpoints behind it. */
export interface ProxyRule {
  /** `namespace/name:portName` */
  service: string;
  /** The address the rule matches: the cluster IP, or this node's address for a node port. */
  clusterIP: string;
  port: number;
  protocol: string;
  /** Usable backends, `ip:port`, sorted. */
  endpoints: string[];
}

/** Where a connection goes. */
export type Resolution = { ok: true; rule: ProxyRule; backend: string } | { ok: false; reason: string };

/** Input of kube-proxy. */
export interface KubeProxyInput {
  port: Port;
  node: string;
  /** The node's address (its InternalIP), where node ports are served. */
  address?: string;
  /** Bearer token of `system:kube-proxy`. */
  token: string;
  apiServer?: string;
}

/** An EndpointSlice as kube-proxy reads it. */
export interface ProxySlice extends KubeObject {
  addressType?: string;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null }; nodeName?: string }[] | null;
  ports?: { name?: string | null; port?: number | null; protocol?: string | null }[] | null;
}

/** Context of kube-proxy. */
export interface KubeProxyContext {
  port: Port;
  node: string;
  address?: string;
  client: ApiClient;
  services: Informer<Service>;
  endpointSlices: Informer<ProxySlice>;
  /** The rules, by `ip:port/protocol`. */
  rules: Map<string, ProxyRule>;
  /** Whether the rules are stale, and how often they were written (shared with the informers' handlers). */
  sync: { dirty: boolean; count: number };
  /** When the housekeeping timer fires next (armed for when something is due, with no grid). */
  housekeeping: { armedAt: number };
}

/** Events of kube-proxy. */
export type KubeProxyEvent = ApiResponse | WatchEvent | WatchClosed;

/** `discovery.LabelServiceName`. */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Where the rules are built: this node's name and address. */
export interface ProxyNode {
  name: string;
  address?: string;
}

interface Candidate {
  target: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
}

/**
 * `CategorizeEndpoints` for one traffic policy: the ready endpoints (this node's only for a Local
 * policy), or when there are none the serving terminating ones.
 */
function usable(candidates: readonly Candidate[], localOnly: boolean): string[] {
  const pool = localOnly ? candidates.filter((c) => c.local) : candidates;
  let chosen = pool.filter((c) => c.ready);
  if (chosen.length === 0) chosen = pool.filter((c) => c.serving && c.terminating);
  return [...new Set(chosen.map((c) => c.target))].sort();
}

/** Builds the rules table from Services and their EndpointSlices (what `syncProxyRules` writes). */
export function buildRules(services: Iterable<Service>, slices: Iterable<ProxySlice>, node: ProxyNode = { name: '' }): Map<string, ProxyRule> {
  const byService = new Map<string, ProxySlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.metadata?.deletionTimestamp) continue;
    const k = `${s.metadata?.namespace}/${svc}`;
    byService.set(k, [...(byService.get(k) ?? []), s]);
  }
  const rules = new Map<string, ProxyRule>();
  const sorted = [...services].sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
  for (const svc of sorted) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    for (const sp of svc.spec?.ports ?? []) {
      const protocol = sp.protocol ?? 'TCP';
      const candidates: Candidate[] = [];
      for (const slice of byService.get(objectKey(svc)) ?? []) {
        const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === protocol);
        if (!slicePort || typeof slicePort.port !== 'number') continue;
        for (const ep of slice.endpoints ?? []) {
          const address = ep.addresses?.[0];
          if (!address) continue;
          // nil conditions: ready and serving unknown mean ready (the API's defaults for consumers)
          const ready = ep.conditions?.ready !== false;
          const serving = ep.conditions?.serving ?? ready;
          const terminating = ep.conditions?.terminating === true;
          candidates.push({ target: `${address}:${slicePort.port}`, ready, serving, terminating, local: ep.nodeName === node.name });
        }
      }
      const service = `${objectKey(svc)}${sp.name ? ':' + sp.name : ''}`;
      const internalLocal = svc.spec?.internalTrafficPolicy === 'Local';
      rules.set(`${ip}:${sp.port}/${protocol}`, { service, clusterIP: ip, port: sp.port, protocol, endpoints: usable(candidates, internalLocal) });
      if (node.address && sp.nodePort && (svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer')) {
        const externalLocal = svc.spec?.externalTrafficPolicy === 'Local';
        rules.set(`${node.address}:${sp.nodePort}/${protocol}`, { service, clusterIP: node.address, port: sp.nodePort, protocol, endpoints: usable(candidates, externalLocal) });
      }
    }
  }
  return rules;
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
  const ctx = {
    port: input.port,
    node: input.node,
    ...(input.address ? { address: input.address } : {}),
    client,
    rules: new Map(),
    sync: { dirty: true, count: 0 },
    housekeeping: { armedAt: Infinity },
  } as Omit<KubeProxyContext, 'services' | 'endpointSlices'> as KubeProxyContext;
  const mark = () => {
    ctx.sync.dirty = true;
  };
  ctx.services = new Informer<Service>(client, { resource: 'services' }, { onAdd: mark, onUpdate: mark, onDelete: mark });
  ctx.endpointSlices = new Informer<ProxySlice>(client, { resource: 'endpointslices', group: 'discovery.k8s.io' }, { onAdd: mark, onUpdate: mark, onDelete: mark });
  return ctx;
}

/** Housekeeping period when nothing is due (no request in flight, no watch: not expected once started). */
const IDLE_HOUSEKEEPING_MS = 10_000;

/** The next time housekeeping has something to do: a request times out, a watch is retried or falls silent. */
function nextDueAt(context: KubeProxyContext): number {
  return Math.min(context.client.nextDueAt(), context.services.nextDueAt(), context.endpointSlices.nextDueAt());
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
    tick: ({ context }) => deadlineDelay(context.port.now(), nextDueAt(context), IDLE_HOUSEKEEPING_MS),
  },
  guards: {
    /** Something came due before the armed timer (a new request, a refused watch). */
    dueEarlier: ({ context }) => nextDueAt(context) < context.housekeeping.armedAt,
    synced: ({ context }) => context.services.synced && context.endpointSlices.synced,
    rulesStale: ({ context }) => context.sync.dirty && context.services.synced && context.endpointSlices.synced,
  },
  actions: {
    startWatches: ({ context }) => {
      context.services.start(true);
      context.endpointSlices.start(true);
    },
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    onWatch: ({ context, event }) => {
      const e = event as WatchEvent | WatchClosed;
      if (!context.services.handle(e)) context.endpointSlices.handle(e);
    },
    syncRules: ({ context }) => {
      context.rules = buildRules(context.services.store.values(), context.endpointSlices.store.values(), { name: context.node, ...(context.address ? { address: context.address } : {}) });
      context.sync.dirty = false;
      context.sync.count++;
    },
    /**
     * Notes when the timer fires. In place, not through `assign`, and on purpose until the guard is
     * mended (a change of behaviour): the timer fires at `now` plus whole milliseconds, so after
     * arming `dueEarlier` still holds whenever the due time is fractional; the `always` re-arms once
     * per event only because a microstep that leaves the snapshot unchanged ends XState's eventless
     * loop. With `assign` the snapshot changes at each re-arm and the loop never ends. Since each
     * event re-arms the timer for `now + ⌈due − now⌉`, when it fires depends on the last event's time.
     */
    arm: ({ context }) => {
      context.housekeeping.armedAt = context.port.now() + deadlineDelay(context.port.now(), nextDueAt(context), IDLE_HOUSEKEEPING_MS);
    },
    housekeeping: ({ context }) => {
      context.client.sweep();
      context.services.tick();
      context.endpointSlices.tick();
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
