/**
 * The inspector's server: an HTTP server on 127.0.0.1 serving the page (src/inspector/page/,
 * plain ES modules, no build step; elkjs's browser bundle straight from node_modules) and a
 * WebSocket at `/ws` speaking the protocol of ./protocol.ts, fed live from a cluster that a
 * RealtimeDriver moves through virtual time.
 *
 * Every `batchMs` (50 ms) the server collects what changed (actors, state values, the driver's
 * status, every `tablesMs` the kubectl tables, and with a highly available control plane its
 * status from `cluster.controlPlane.status()`) once, and sends each browser one frame with that
 * and the trace messages from its own cursor on. A browser whose socket is backed up is skipped
 * for messages until it drains (its cursor waits; if the buffer moves past it, it is told with
 * `overflow`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { InspectionEvent } from 'xstate';
import { errorMessage } from '../kernel/kernel.js';
import { createCluster, type Cluster, type ClusterOptions } from '../cluster/create-cluster.js';
import { StatusError } from '../api/status.js';
import type { Pod } from '../api/types.js';
import type { Fault } from '../cluster/faults.js';
import { CONTROLLER_MANAGER_LEASE, SCHEDULER_LEASE, controllerManagerAddress, schedulerAddress } from '../cluster/control-plane.js';
import { electorAddress } from '../../machines/control-plane-node.js';
import { RealtimeDriver } from '../driver/realtime.js';
import { InspectorHub, entryOf, messageOf } from './hub.js';
import { clusterTables } from './tables.js';
import { statechartOfActor } from './statechart.js';
import { lastSchedulingCycle } from './scheduling.js';
import { toPlainJSON } from './sanitize.js';
import { applyManifest, createPod } from './apply.js';
import {
  PROTOCOL_VERSION,
  type ClientRequest,
  type ClusterMessage,
  type ControlPlaneView,
  type HelloMessage,
  type ResultMessage,
  type ServerMessage,
  type SimStatus,
} from './protocol.js';

/** Options of {@link serveInspector}. */
export interface ServeOptions {
  /** Port to listen on; 0 picks a free one. Default 4000. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Wall ms between batches sent to browsers. Default 50. */
  batchMs?: number;
  /** Wall ms between kubectl table refreshes. Default 500. */
  tablesMs?: number;
  /**
   * Wall ms between control-plane updates that only move indexes, revisions, watch counts or
   * renew times (a new role, term, leader, holder or health is sent at once). Default 500.
   */
  controlPlaneMs?: number;
  /** Most trace messages per browser per batch. Default 5,000. */
  maxMessagesPerBatch?: number;
  /** A browser whose socket has more than this many bytes queued gets no messages until it drains. Default 8 MB. */
  highWaterBytes?: number;
  /** Image `create-pod` uses when the browser names none. Default nginx:1.14.2. */
  defaultImage?: string;
}

/** A cluster, its inspector hub and its real-time driver, served to browsers. */
export interface InspectorTarget {
  cluster: Cluster;
  hub: InspectorHub;
  driver: RealtimeDriver;
}

interface Connection {
  ws: WebSocket;
  /** Next trace seq to send; undefined until the browser subscribes. */
  next: number | undefined;
}

const PAGE_DIR = findPageDir();

function findPageDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'page'), path.resolve(here, '../../../src/inspector/page')];
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? candidates[0]!;
}

function elkBundle(): string {
  return createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

const FAULT_KINDS = new Set(['crash-node', 'restart-node', 'partition-node', 'heal-node', 'etcd-outage', 'etcd-recover']);
const NODE_FAULTS = new Set(['crash-node', 'restart-node', 'partition-node', 'heal-node']);

/**
 * Browsers send an Origin header with WebSocket handshakes: only the page's own origin may
 * connect (another site open in the same browser must not drive the simulation). Clients that
 * are not browsers send none.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The inspector's HTTP and WebSocket server. */
export class InspectorServer {
  readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Connection>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastStatus = '';
  private lastTables = 0;
  private lastTablesKey = '';
  private tablesCache: ClusterMessage['tables'] | undefined;
  /** The control plane's view as last sent: all of it, and its structure (roles, terms, holders, health). */
  private lastControlPlane = '';
  private lastControlPlaneShape = '';
  private lastControlPlaneAt = 0;
  private podCounter = 0;
  private closed = false;
  private readonly options: Required<ServeOptions>;

  constructor(
    readonly target: InspectorTarget,
    options: ServeOptions = {},
  ) {
    this.options = {
      port: options.port ?? 4000,
      host: options.host ?? '127.0.0.1',
      batchMs: options.batchMs ?? 50,
      tablesMs: options.tablesMs ?? 500,
      controlPlaneMs: options.controlPlaneMs ?? 500,
      maxMessagesPerBatch: options.maxMessagesPerBatch ?? 5_000,
      highWaterBytes: options.highWaterBytes ?? 8 * 1024 * 1024,
      defaultImage: options.defaultImage ?? 'nginx:1.14.2',
    };
    this.http = createServer((req, res) => void this.serveHttp(req, res));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
    this.http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws' || !sameOrigin(req)) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
    });
  }

  /** Listens; resolves with the URL of the page. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.http.once('error', onError);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.timer = setInterval(() => this.flush(), this.options.batchMs);
    return this.url;
  }

  /** The page's URL (once listening). */
  get url(): string {
    const a = this.http.address() as AddressInfo | null;
    return a ? `http://${a.address}:${a.port}/` : '';
  }

  /** The port (once listening). */
  get port(): number {
    return (this.http.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Number of connected browsers. */
  get connections(): number {
    return this.conns.size;
  }

  /** Closes every connection and the server (the cluster and driver are left as they are). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file: string | undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (url.pathname === '/api/hello') {
      const body = JSON.stringify(this.hello());
      res.writeHead(200, { 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-store' }).end(body);
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') file = path.join(PAGE_DIR, 'index.html');
    else if (url.pathname === '/vendor/elk.bundled.js') file = elkBundle();
    else if (/^\/[a-z0-9-]+\.(js|css|svg|png)$/.test(url.pathname)) file = path.join(PAGE_DIR, url.pathname.slice(1));
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  // ---- state --------------------------------------------------------------------------------

  /** The driver's state now. */
  status(): SimStatus {
    const { kernel } = this.target.cluster;
    const s: SimStatus = {
      time: Math.round(kernel.now() * 1000) / 1000,
      timestamp: kernel.timestamp(),
      paused: this.target.driver.paused,
      speed: this.target.driver.speed,
      seq: kernel.trace.total,
      pending: kernel.pending,
      errors: kernel.errors.length,
    };
    const err = this.target.driver.lastError;
    if (err !== undefined) s.error = err instanceof Error ? err.message : String(err);
    const last = kernel.errors.at(-1);
    if (last) s.lastActorError = { address: last.address, time: last.time, message: errorMessage(last.error) };
    return s;
  }

  private tables(): ClusterMessage['tables'] {
    this.tablesCache = clusterTables(this.target.cluster);
    this.lastTables = performance.now();
    this.lastTablesKey = this.tablesKey();
    return this.tablesCache;
  }

  /** Tables change with etcd's revision, and their ages with the virtual second. */
  private tablesKey(): string {
    const { cluster } = this.target;
    return `${cluster.store.revision}:${Math.floor(cluster.kernel.now() / 1000)}`;
  }

  /**
   * The highly available control plane now (`cluster.controlPlane.status()` with each node's
   * electors), or undefined for the single control plane.
   */
  controlPlane(): ControlPlaneView | undefined {
    const cp = this.target.cluster.controlPlane;
    if (!cp) return undefined;
    const s = cp.status();
    const component: Record<string, (node: string) => string> = { [SCHEDULER_LEASE]: schedulerAddress, [CONTROLLER_MANAGER_LEASE]: controllerManagerAddress };
    const electors: ControlPlaneView['electors'] = [];
    for (const node of cp.nodes) {
      for (const lease of s.leases) {
        const address = component[lease.name]?.(node) ?? `${lease.name}/${node}`;
        electors.push({ address: electorAddress(lease.name, node), lease: lease.name, node, leading: lease.acting.includes(address), component: address });
      }
    }
    const leaderNode = s.etcd.leader ? cp.nodeOf(s.etcd.leader) : undefined;
    return {
      nodes: s.nodes.map((n) => ({ name: n.name, address: n.address, state: n.state })),
      etcd: { ...(s.etcd.leader ? { leader: s.etcd.leader } : {}), ...(leaderNode ? { leaderNode } : {}), term: s.etcd.term, members: s.etcd.members.map((m) => ({ ...m })) },
      apiServers: s.apiServers.map((a) => ({ ...a })),
      loadBalancer: { ...s.loadBalancer },
      leases: s.leases.map((l) => ({ ...l, acting: [...l.acting] })),
      electors,
    };
  }

  /** What of the control plane's view is news at once: everything but indexes, revisions, watch counts and renew times. */
  private static controlPlaneShape(v: ControlPlaneView): string {
    return JSON.stringify([
      v.nodes.map((n) => n.state),
      v.etcd.leader ?? null,
      v.etcd.term,
      v.etcd.members.map((m) => [m.role, m.term, m.leader ?? null]),
      v.apiServers.map((a) => [a.healthy, a.state === undefined]),
      v.loadBalancer.state ?? null,
      v.leases.map((l) => [l.holderIdentity ?? null, l.leaseTransitions ?? null, l.acting]),
      v.electors.map((e) => e.leading),
    ]);
  }

  /** The first message of a connection. */
  hello(): HelloMessage {
    const { cluster, hub } = this.target;
    const controlPlane = this.controlPlane();
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      cluster: {
        seed: cluster.kernel.seed,
        profile: cluster.profile.name,
        nodes: cluster.nodes,
        controlPlaneNodes: [...(cluster.controlPlane?.nodes ?? [])],
        epoch: cluster.kernel.epoch,
      },
      actors: hub.actors(),
      status: this.status(),
      buffer: { oldest: hub.ring.oldest, next: hub.ring.next, capacity: hub.ring.capacity },
      tables: this.tablesCache ?? this.tables(),
      ...(controlPlane ? { controlPlane } : {}),
    };
  }

  // ---- WebSocket ----------------------------------------------------------------------------

  private connected(ws: WebSocket): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    const conn: Connection = { ws, next: undefined };
    this.conns.add(conn);
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => this.conns.delete(conn));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return this.send(conn, [{ type: 'error', message: 'binary frames are not part of the protocol' }]);
      let req: ClientRequest;
      try {
        req = JSON.parse(data.toString()) as ClientRequest;
      } catch (error) {
        return this.send(conn, [{ type: 'error', message: `not JSON: ${(error as Error).message}` }]);
      }
      if (!req || typeof req !== 'object' || typeof (req as { type?: unknown }).type !== 'string') {
        return this.send(conn, [{ type: 'error', message: 'a request is a JSON object with a string "type"' }]);
      }
      void this.handle(conn, req).catch((error: unknown) =>
        this.send(conn, [{ type: 'error', id: req.id, message: error instanceof Error ? error.message : String(error) }]),
      );
    });
    this.send(conn, [this.hello()]);
  }

  private send(conn: Connection, messages: ServerMessage[]): void {
    if (messages.length === 0 || conn.ws.readyState !== WebSocket.OPEN) return;
    conn.ws.send(JSON.stringify(messages));
  }

  private broadcast(messages: ServerMessage[]): void {
    if (messages.length === 0) return;
    const text = JSON.stringify(messages);
    for (const c of this.conns) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(text);
  }

  private result(conn: Connection, r: Omit<ResultMessage, 'type'>): void {
    this.send(conn, [{ type: 'result', ...r }]);
  }

  private async handle(conn: Connection, req: ClientRequest): Promise<void> {
    const { cluster, hub, driver } = this.target;
    const id = req.id;
    switch (req.type) {
      case 'subscribe': {
        const since = req.since === undefined || req.since === null ? hub.ring.next : Number(req.since);
        if (!Number.isInteger(since) || since < 0) return this.send(conn, [{ type: 'error', id, message: `since must be a non-negative integer; got ${String(req.since)}` }]);
        conn.next = Math.min(since, hub.ring.next);
        this.result(conn, { id, request: 'subscribe', ok: true, message: `messages from seq ${conn.next}` });
        this.flushConn(conn, []);
        return;
      }
      case 'control': {
        try {
          let message = '';
          /** step: the trace seqs of the messages it delivered */
          let seqs: number[] | undefined;
          switch (req.action) {
            case 'pause':
              driver.pause();
              message = 'paused';
              break;
            case 'resume':
              driver.resume();
              message = 'playing';
              break;
            case 'speed':
              driver.setSpeed(Number(req.speed));
              message = `speed ${driver.speed}×`;
              break;
            case 'step': {
              if (!driver.paused) driver.pause();
              const count = Math.max(1, Math.min(10_000, Math.floor(Number(req.count ?? 1)) || 1));
              seqs = [];
              for (let i = 0; i < count; i++) {
                const entry = driver.step();
                if (entry) seqs.push(entry.seq);
              }
              message = seqs.length ? `stepped ${seqs.length} message${seqs.length === 1 ? '' : 's'}` : 'nothing to deliver';
              break;
            }
            case 'jump': {
              const ms = Number(req.ms);
              if (!Number.isFinite(ms) || ms < 0 || ms > 24 * 3600 * 1000) throw new RangeError(`jump needs ms between 0 and one day; got ${String(req.ms)}`);
              driver.jump(ms);
              message = `jumped ${ms} ms`;
              break;
            }
            default:
              throw new RangeError(`unknown control action "${String((req as { action?: unknown }).action)}" (pause, resume, step, speed, jump)`);
          }
          this.flush();
          this.result(conn, { id, request: 'control', ok: true, message, ...(seqs ? { seqs } : {}) });
        } catch (error) {
          this.flush();
          this.result(conn, { id, request: 'control', ok: false, error: (error as Error).message });
        }
        return;
      }
      case 'apply': {
        const r = await applyManifest(cluster.client, String(req.manifest ?? ''));
        const message = r.items.map((i) => (i.ok ? `${i.ref} ${i.action}` : `${i.ref}: ${i.status?.message ?? 'failed'}`)).join('\n');
        this.result(conn, { id, request: 'apply', ok: r.ok, items: r.items, ...(r.status ? { status: r.status, error: r.status.message } : {}), message });
        return;
      }
      case 'create-pod': {
        const namespace = typeof req.namespace === 'string' && req.namespace ? req.namespace : 'default';
        const image = typeof req.image === 'string' && req.image.trim() ? req.image.trim() : this.options.defaultImage;
        let name = typeof req.name === 'string' ? req.name.trim() : '';
        if (!name) {
          do name = `pod-${++this.podCounter}`;
          while (cluster.object('pods', name, namespace));
        }
        const r = await createPod(cluster.client, name, image, namespace);
        this.result(conn, {
          id,
          request: 'create-pod',
          ok: r.ok,
          message: r.ok ? `${r.ref} created` : `${r.ref}: ${r.status?.message ?? 'failed'}`,
          name,
          flow: r.flow,
          ...(r.status ? { status: r.status, error: r.status.message } : {}),
        });
        return;
      }
      case 'fault': {
        const kind = String(req.kind);
        if (!FAULT_KINDS.has(kind)) return this.result(conn, { id, request: 'fault', ok: false, error: `unknown fault "${kind}" (${[...FAULT_KINDS].join(', ')})` });
        if (NODE_FAULTS.has(kind) && typeof req.node !== 'string') return this.result(conn, { id, request: 'fault', ok: false, error: `${kind} needs a node` });
        try {
          cluster.faults.apply((NODE_FAULTS.has(kind) ? { kind, node: req.node } : { kind }) as Fault);
        } catch (error) {
          return this.result(conn, { id, request: 'fault', ok: false, error: (error as Error).message });
        }
        this.flush();
        this.result(conn, { id, request: 'fault', ok: true, message: `${kind}${req.node ? ' ' + req.node : ''}` });
        return;
      }
      case 'statechart': {
        const key = String(req.key);
        const ref = hub.actor(key) ?? cluster.actor(key);
        if (!ref) return this.send(conn, [{ type: 'statechart', id, key, definition: null, error: `no actor "${key}"` }]);
        const snap = ref.getSnapshot() as { value?: unknown; status?: string } | undefined;
        return this.send(conn, [{ type: 'statechart', id, key, definition: statechartOfActor(ref), value: snap?.value, status: snap?.status }]);
      }
      case 'scheduling': {
        const raw = typeof req.pod === 'string' ? req.pod.trim() : '';
        if (!raw) return this.send(conn, [{ type: 'scheduling', id, pod: String(req.pod), cycle: null, error: 'scheduling needs a pod: "namespace/name" (or a name in default)' }]);
        const pod = raw.includes('/') ? raw : `default/${raw}`;
        const cycle = lastSchedulingCycle(cluster, pod) ?? null;
        return this.send(conn, [{ type: 'scheduling', id, pod, cycle, ...(cycle ? {} : { error: `the scheduler keeps no scheduling cycle of pod ${pod} (not tried yet, deleted, or not among the last pods it tried)` }) }]);
      }
      case 'logs': {
        const raw = typeof req.pod === 'string' ? req.pod.trim() : '';
        const pod = raw.includes('/') ? raw : `default/${raw}`;
        const [namespace, name] = pod.split('/') as [string, string];
        const from = Number.isInteger(req.from) && Number(req.from) >= 0 ? Number(req.from) : 0;
        const container = typeof req.container === 'string' && req.container ? req.container : undefined;
        const obj = cluster.object<Pod>('pods', name, namespace);
        const containers = [...(obj?.spec?.containers ?? []), ...(obj?.spec?.initContainers ?? []), ...(obj?.spec?.ephemeralContainers ?? [])].map((x) => x.name);
        const base = { type: 'logs' as const, id, pod, container: container ?? '', containers, from, lines: [] as string[], next: from, ended: false };
        if (!raw) return this.send(conn, [{ ...base, error: 'logs needs a pod: "namespace/name" (or a name in default)' }]);
        try {
          const lines = cluster.logs(name, { namespace, container, timestamps: true }).split('\n').slice(0, -1);
          const chosen = container ?? obj?.spec?.containers?.[0]?.name ?? '';
          const status = [...(obj?.status?.containerStatuses ?? []), ...(obj?.status?.initContainerStatuses ?? []), ...(obj?.status?.ephemeralContainerStatuses ?? [])].find((s) => s.name === chosen);
          return this.send(conn, [{ ...base, container: chosen, lines: lines.slice(from), next: Math.max(from, lines.length), ended: status?.state?.terminated !== undefined }]);
        } catch (error) {
          if (error instanceof StatusError) return this.send(conn, [{ ...base, error: error.status.message ?? error.message }]);
          throw error;
        }
      }
      case 'payload': {
        const seq = Number(req.seq);
        const entry = Number.isInteger(seq) ? hub.ring.get(seq) : undefined;
        if (!entry) {
          return this.send(conn, [{ type: 'payload', id, seq, event: null, error: `message ${String(req.seq)} is no longer kept (the buffer holds ${hub.ring.oldest}…${hub.ring.next - 1})` }]);
        }
        return this.send(conn, [{ type: 'payload', id, seq, event: toPlainJSON(entry.event), entry: entryOf(entry) }]);
      }
      default:
        return this.send(conn, [{ type: 'error', id, message: `unknown request type "${String((req as { type?: unknown }).type)}"` }]);
    }
  }

  /** Sends one batch to every browser now (the timer calls this every `batchMs`). */
  flush(): void {
    if (this.closed) return;
    const common: ServerMessage[] = this.target.hub.collect();
    const status = this.status();
    const statusText = JSON.stringify(status);
    if (statusText !== this.lastStatus) {
      this.lastStatus = statusText;
      common.push({ type: 'status', ...status });
    }
    if (performance.now() - this.lastTables >= this.options.tablesMs && this.tablesKey() !== this.lastTablesKey) {
      common.push({ type: 'cluster', time: status.time, tables: this.tables() });
    }
    try {
      const controlPlane = this.controlPlaneChange(status.time);
      if (controlPlane) common.push(controlPlane);
    } catch (error) {
      // a status that cannot be read now (the cluster stopping) is not worth stopping the batches
      this.lastControlPlane = '';
      if (!this.target.cluster.kernel.stopped) console.error(`inspector: control-plane status failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const conn of this.conns) this.flushConn(conn, common);
  }

  /** A `control-plane` message when the view changed: at once for news, else at most every `controlPlaneMs`. */
  private controlPlaneChange(time: number): ServerMessage | undefined {
    if (!this.target.cluster.controlPlane) return undefined;
    const view = this.controlPlane();
    if (!view) return undefined;
    const text = JSON.stringify(view);
    if (text === this.lastControlPlane) return undefined;
    const shape = InspectorServer.controlPlaneShape(view);
    const now = performance.now();
    if (shape === this.lastControlPlaneShape && now - this.lastControlPlaneAt < this.options.controlPlaneMs) return undefined;
    this.lastControlPlane = text;
    this.lastControlPlaneShape = shape;
    this.lastControlPlaneAt = now;
    return { type: 'control-plane', time, controlPlane: view };
  }

  private flushConn(conn: Connection, common: ServerMessage[]): void {
    const items: ServerMessage[] = [...common];
    const ring = this.target.hub.ring;
    if (conn.next !== undefined && conn.ws.bufferedAmount < this.options.highWaterBytes) {
      if (conn.next < ring.oldest) {
        items.push({
          type: 'overflow',
          from: conn.next,
          to: ring.oldest,
          message: `messages ${conn.next}…${ring.oldest - 1} were dropped: the server keeps the last ${ring.capacity} messages and this browser fell behind`,
        });
        conn.next = ring.oldest;
      }
      const entries = ring.range(conn.next, this.options.maxMessagesPerBatch);
      for (const e of entries) items.push(messageOf(e));
      if (entries.length > 0) conn.next = entries[entries.length - 1]!.seq + 1;
    }
    this.send(conn, items);
  }
}

/** Serves the inspector for a running cluster (its hub must be the cluster's `inspect`). */
export async function serveInspector(target: InspectorTarget, options: ServeOptions = {}): Promise<InspectorServer> {
  const server = new InspectorServer(target, options);
  await server.listen();
  return server;
}

/** Options of {@link startInspector}. */
export interface StartOptions extends ServeOptions {
  /** Options of the cluster (seed, nodes, profile, …); `inspect` is chained after the hub's. */
  cluster?: ClusterOptions;
  /** Virtual ms per wall ms. Default 1. */
  speed?: number;
  /** Start paused. */
  paused?: boolean;
  /** Trace messages kept for resuming browsers. Default 20,000. */
  bufferSize?: number;
  /** Another inspection callback to feed (e.g. `createStatelyBridge().inspect`). */
  inspect?: (event: InspectionEvent) => void;
}

/** A running inspector: the cluster, its driver and the server. */
export interface Inspector extends InspectorTarget {
  server: InspectorServer;
  url: string;
  /** Stops the server, the driver and the cluster. */
  close(): Promise<void>;
}

/** Creates a cluster with the inspector's hub, drives it in real time and serves the page. */
export async function startInspector(options: StartOptions = {}): Promise<Inspector> {
  const extra = [options.inspect, options.cluster?.inspect].filter((f): f is (e: InspectionEvent) => void => typeof f === 'function');
  const hub = new InspectorHub({
    bufferSize: options.bufferSize,
    ...(extra.length ? { forward: (e: InspectionEvent) => extra.forEach((f) => f(e)) } : {}),
  });
  const capacity = Math.max(options.bufferSize ?? 20_000, 1_000);
  const cluster = createCluster({
    ...(options.cluster ?? {}),
    trace: { capacity, ...(options.cluster?.trace ?? {}) },
    inspect: hub.inspect,
  });
  hub.attach(cluster.kernel);
  const driver = new RealtimeDriver(cluster.kernel, { speed: options.speed ?? 1, paused: options.paused ?? false });
  driver.start();
  let server: InspectorServer;
  try {
    server = await serveInspector({ cluster, hub, driver }, options);
  } catch (error) {
    driver.stop();
    hub.detach();
    cluster.stop();
    throw error;
  }
  return {
    cluster,
    hub,
    driver,
    server,
    url: server.url,
    async close() {
      await server.close();
      driver.stop();
      hub.detach();
      if (!cluster.kernel.stopped) cluster.stop();
    },
  };
}
