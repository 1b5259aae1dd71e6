/**
 * The API server's request handling, step by step: authenticate, authorize, admit (admit.ts:
 * decoding, defaults, validation, the admission chain), persist through etcd (registry.ts, the
 * generic registry, with each resource's strategy from strategy.ts), respond. The api-server
 * machine walks a request through these steps as states; this module holds the pipeline, the
 * etcd requests and responses, and the state that outlives a request (the watch cache, the
 * pending etcd operations, the RBAC index).
 */
import { RbacIndex, type AuthorizationDecision, type AuthorizationRequest } from '../../src/api/rbac.js';
import { NodeGraph } from './node-graph.js';
import { NodeAuthorizer, type NodeAuthorizationRequest } from './node-authorizer.js';
import { DEFAULT_USAGE, type UsageProfile } from '../../src/metrics/usage.js';
import type { ClientFlows } from '../../src/cluster/traffic.js';
import { etcdKey, findResource, resourceForGroupResource, type ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import type { Rng } from '../../src/kernel/rng.js';
import type { ApiRequest, ApiResponse, EtcdRequest, EtcdResult, KeyValue, WatchEvent } from '../protocol.js';
import type { UserInfo } from './auth.js';
import { TokenAuthenticator } from './auth.js';
import { impersonate, impersonates } from './impersonation.js';
import { API_AUDIENCE, ServiceAccountTokens, serviceAccountSigningKey, type LiveObject, type TokenObjects, type TokenVerdict } from './service-account-tokens.js';
import { decode, resourceOfKey, WatchCache } from './watch-cache.js';
import { ServiceIpAllocator } from './ip-allocator.js';
import { NodePortAllocator, NodePortOperation } from './port-allocator.js';
import { asStored } from './protobuf-storage.js';
import { simpleNameGenerator } from './admission.js';
import { strategyFor, type StrategyContext } from './strategy.js';
import { EvictionRest } from './eviction.js';
import { ResourceQuotaAdmission } from './resource-quota.js';
import { RequestAdmission } from './admit.js';
import { GenericStore } from './registry.js';

type Obj = KubeObject & Record<string, any>;

/** How the API server sends: to etcd, to clients, watch events. */
export interface ApiServerIo {
  /** This API server's address. */
  self: string;
  /** Address of etcd. */
  etcd: string;
  send(to: string, event: ApiResponse | WatchEvent | EtcdRequest | { type: 'watch.closed'; watchId: string; reason: string }): void;
  /** Notes that the object with this uid was created in the current flow. */
  tagObject(uid: string | undefined): void;
  now(): number;
  /** A Kubernetes timestamp, now or `offsetMs` from now. */
  timestamp(offsetMs?: number): string;
  rng: Rng;
  /** Records an error a request caused (the kernel's error list, with this server's address). */
  reportError?(error: unknown): void;
  /** The virtual time (ms) of a Kubernetes timestamp (for the metrics API's scrape grid). */
  timeOf?(timestamp: string): number;
  /**
   * The kernel's generator for simulated usage (`kernel.fork('metrics')`), the same in every API
   * server of a cluster so that they all report the same samples. Default: `rng.fork('metrics')`.
   */
  metricsRng?: Rng;
  /** The key service account tokens are signed with (the same for every API server of a cluster). Default: from seed 1. */
  signingKey?: string;
}

/** Tunables of the API server. */
export interface ApiServerOptions {
  /** How long an etcd request may take before the client gets 503. Default 5 s. */
  etcdTimeoutMs?: number;
  /** Events kept in the watch cache's window for watches that resume. Default 20,000. */
  watchCacheCapacity?: number;
  /** Service cluster IP range. Default 10.96.0.0/12. */
  serviceClusterIpRange?: string;
  /** `--service-node-port-range`: the ports NodePort and LoadBalancer Services get. Default 30000-32767. */
  serviceNodePortRange?: string;
  /** Conflicts retried inside the server for patches and internal updates. Default 5. */
  maxConflictRetries?: number;
  /**
   * How the machine runs a request through the pipeline. `steps` (default): one state per step
   * (`authenticating → authorizing → admitting → persisting`, answers from etcd through
   * `completing`), each step a microstep XState's inspection reports. `fused`: the same steps, in
   * the same order, as the actions of one transition; the trace, the responses and etcd are
   * identical, and a request costs one microstep instead of five (for large simulations).
   */
  pipeline?: 'steps' | 'fused';
  /** The usage model the metrics API (`metrics.k8s.io`) reports from: the profile's `usage` section. Default {@link DEFAULT_USAGE}. */
  usage?: UsageProfile;
  /**
   * The steady request flows of the cluster's client loops (src/cluster/traffic.ts): the metrics
   * API counts the CPU their requests cost the serving containers. Default: none.
   */
  flows?: () => readonly ClientFlows[];
}

/** A request the server is working on. */
export interface Operation {
  req: ApiRequest;
  info?: ResourceInfo;
  /** The user the request is served as (the impersonated one, if it impersonates). */
  user?: UserInfo;
  /** The user its credentials authenticated (differs from `user` when it impersonates). */
  requestor?: UserInfo;
  /** The authorizer's decision. */
  allowed?: boolean;
  reason?: string;
  /** The answer, once decided (a rejection, or the result). */
  response?: { code: number; body: KubeObject | Status; warnings?: string[] };
  /** The object to write, prepared by admission. */
  object?: Obj;
  /** The quotas with the usage this request adds, written before the object (ResourceQuota admission). */
  quotaCharges?: readonly KubeObject[];
  /** The stored object an update's quota charge is the difference from (ResourceQuota admission). */
  quotaOld?: KubeObject;
  warnings: string[];
  attempts: number;
  started: number;
  /** The request's work on the node port allocator (a Service's create or update). */
  nodePorts?: NodePortOperation;
  /** Set on the parts of a collection request: they report here instead of answering the client. */
  onFinish?: (code: number, body: KubeObject | Status) => void;
  /** True once the client got its answer (it gets exactly one). */
  answered?: boolean;
}

interface PendingEtcd {
  op: Operation;
  sent: number;
  then: (result: EtcdResult) => void;
}

const PODS = findResource('pods')!;
const SERVICE_ACCOUNTS = findResource('serviceaccounts')!;
const PDBS = findResource('poddisruptionbudgets')!;
const RESOURCE_QUOTAS = findResource('resourcequotas')!;

/** The path a request names, for messages. */
function requestPath(req: ApiRequest): string {
  if (req.nonResourceURL !== undefined) return req.nonResourceURL;
  const base = req.group ? `/apis/${req.group}/v1` : '/api/v1';
  const ns = req.namespace ? `/namespaces/${req.namespace}` : '';
  return `${base}${ns}/${req.resource}${req.name ? `/${req.name}` : ''}${req.subresource ? `/${req.subresource}` : ''}`;
}

/** The API server's state and the work of each step of the request pipeline. */
export class ApiServerCore {
  readonly cache: WatchCache;
  readonly rbac = new RbacIndex();
  /** The Node authorizer's graph, kept from this server's own cache (node-graph.ts). */
  readonly nodeGraph = new NodeGraph();
  /** The Node authorizer, first in the chain (`--authorization-mode=Node,RBAC`). */
  readonly nodeAuthorizer = new NodeAuthorizer(this.nodeGraph);
  readonly auth: TokenAuthenticator;
  /** Issues and verifies service account tokens (TokenRequest). */
  readonly serviceAccountTokens: ServiceAccountTokens;
  readonly ips: ServiceIpAllocator;
  /** Service node ports. */
  readonly nodePorts: NodePortAllocator;
  /** The request in the pipeline right now. */
  current: Operation | undefined;
  private readonly pending = new Map<string, PendingEtcd>();
  private etcdSeq = 0;
  private readonly etcdTimeoutMs: number;
  readonly maxRetries: number;
  /** The usage model of the metrics API. */
  readonly usage: UsageProfile;
  /** The request flows the metrics API counts (see {@link ApiServerOptions.flows}). */
  readonly flows: (() => readonly ClientFlows[]) | undefined;
  metricsRng: Rng | undefined;
  /** Counters for the inspector and the benchmark. */
  readonly stats = { requests: 0, responses: 0, rejected: 0, etcdRequests: 0, watchEvents: 0 };

  constructor(
    readonly io: ApiServerIo,
    auth: TokenAuthenticator,
    options: ApiServerOptions = {},
  ) {
    this.auth = auth;
    this.serviceAccountTokens = new ServiceAccountTokens(io.signingKey ?? serviceAccountSigningKey(1));
    this.serviceAccountRng = io.rng.fork('serviceaccount-admission');
    this.tokenIds = io.rng.fork('service-account-token-ids');
    this.cache = new WatchCache({ capacity: options.watchCacheCapacity });
    this.etcdTimeoutMs = options.etcdTimeoutMs ?? 5_000;
    this.maxRetries = options.maxConflictRetries ?? 5;
    this.fused = options.pipeline === 'fused';
    this.usage = options.usage ?? DEFAULT_USAGE;
    this.flows = options.flows;
    this.ips = new ServiceIpAllocator(options.serviceClusterIpRange ?? '10.96.0.0/12');
    this.nodePorts = new NodePortAllocator(options.serviceNodePortRange ?? '30000-32767', io.rng.fork('service-node-ports'));
    this.eviction = new EvictionRest({
      read: (op, key, fresh, then) => this.store.readKey(op, key, fresh, then),
      etcd: (op, request, then) => this.etcd(op, request, then),
      finish: (op, code, body) => this.finish(op, code, body),
      deletePod: (op) => this.store.doDelete(op, PODS),
      budgets: (namespace) => this.cache.list(PDBS, namespace) as Obj[],
      storageError: (op, r) => this.storageError(op, r),
      timestamp: () => this.io.timestamp(),
    });
  }

  readonly eviction: EvictionRest;
  /** The ServiceAccount admission plugin's volume names (`kube-api-access-xxxxx`), from their own generator. */
  readonly serviceAccountVolumeNames = simpleNameGenerator((n) => this.serviceAccountRng.int(n));
  private readonly serviceAccountRng: Rng;
  /** The `jti` of the service account tokens it issues. */
  readonly tokenIds: Rng;
  readonly quota = new ResourceQuotaAdmission({
    quotas: (namespace) => this.cache.list(RESOURCE_QUOTAS, namespace),
    clock: () => ({ nowMs: this.io.now(), timeOf: (ts) => (this.io.timeOf ? this.io.timeOf(ts) : Number.NaN) }),
    etcd: (op, request, then) => this.etcd(op, request, then),
    finish: (op, code, body) => this.finish(op, code, body),
    storageError: (op, r) => this.storageError(op, r),
  });

  /** The admitting step (admit.ts). */
  readonly admission = new RequestAdmission(this);
  /** The generic registry (registry.ts). */
  readonly store = new GenericStore(this);

  /** True when the machine runs the pipeline as one transition ({@link ApiServerOptions.pipeline}). */
  readonly fused: boolean;

  // ---- pipeline steps ---------------------------------------------------------------------

  /**
   * The whole pipeline for one request, as the `steps` states run it: authenticate (401),
   * authorize (403), admit (its own answer), then persist; a rejection is answered at once.
   */
  handle(req: ApiRequest): void {
    this.accept(req);
    this.authenticate();
    if (this.current!.user === undefined) {
      this.reject(401);
      return this.respondCurrent();
    }
    this.authorize();
    if (this.current!.allowed !== true) {
      this.reject(403);
      return this.respondCurrent();
    }
    this.admit();
    if (this.current!.response !== undefined) return this.respondCurrent();
    this.dispatch();
  }

  /** A request arrives. */
  accept(req: ApiRequest): void {
    this.stats.requests++;
    this.current = { req, warnings: [], attempts: 0, started: this.io.now() };
    this.current.info = resourceForGroupResource(req.group ?? '', req.resource) ?? (req.group ? undefined : findResource(req.resource));
  }

  /**
   * Authenticating: bearer token to user (no token: `system:anonymous`; undefined when no
   * authenticator knows the token, a 401), then impersonation: the user the request asks to act
   * as, if the authenticated one may `impersonate` it (else undefined, with the 403 decided).
   */
  authenticate(authorizeImpersonation: (request: AuthorizationRequest) => AuthorizationDecision = (request) => this.authorizeRequest(request)): void {
    const op = this.current!;
    const verdict = this.authenticateToken(op.req.token);
    op.requestor = verdict && 'user' in verdict ? verdict.user : undefined;
    op.user = op.requestor;
    if (op.requestor === undefined || !impersonates(op.req.impersonate)) return;
    const result = impersonate(op.requestor, op.req.impersonate, authorizeImpersonation, requestPath(op.req));
    if ('user' in result) op.user = result.user;
    else {
      op.user = undefined;
      op.response = { code: result.code, body: result.body };
    }
  }

  /** The authenticators in turn: static tokens (and anonymous), then service account tokens. */
  authenticateToken(token: string, audiences: readonly string[] = [API_AUDIENCE]): TokenVerdict | undefined {
    const user = this.auth.authenticate(token);
    if (user) return { user, audiences: [...audiences] };
    return this.serviceAccountTokens.verify(token, this.nowSeconds(), this.tokenObjects, audiences);
  }

  /** The objects the service account authenticator checks a token's claims against (the watch cache's). */
  private readonly tokenObjects: TokenObjects = {
    serviceAccount: (namespace, name) => this.liveObject(SERVICE_ACCOUNTS, namespace, name),
    pod: (namespace, name) => this.liveObject(PODS, namespace, name),
    secret: (namespace, name) => this.liveObject(findResource('secrets')!, namespace, name),
    node: (name) => this.liveObject(findResource('nodes')!, undefined, name),
  };

  private liveObject(info: ResourceInfo, namespace: string | undefined, name: string): LiveObject | undefined {
    const obj = this.cache.objects.get(etcdKey(info, namespace, name));
    if (!obj) return undefined;
    const deletion = obj.metadata?.deletionTimestamp;
    return { uid: obj.metadata?.uid ?? '', ...(deletion ? { deletionSeconds: Math.floor(Date.parse(deletion) / 1000) } : {}) };
  }

  /** Virtual time in seconds since the Unix epoch. */
  nowSeconds(): number {
    return Math.floor(Date.parse(this.io.timestamp()) / 1000);
  }

  /**
   * The authorizer chain, `--authorization-mode=Node,RBAC`: the Node authorizer (an opinion only
   * on node users), then RBAC; denied, the reasons both gave are joined by a newline as the union
   * authorizer joins them.
   */
  authorizeRequest(request: NodeAuthorizationRequest): AuthorizationDecision {
    const node = this.nodeAuthorizer.authorize(request);
    if (node?.allowed) return { allowed: true, reason: node.reason };
    const rbac = this.rbac.authorize(request);
    if (rbac.allowed || !node?.reason) return rbac;
    return { allowed: false, reason: rbac.reason ? `${node.reason}\n${rbac.reason}` : node.reason };
  }

  /** Authorizing: the chain on (user, verb, resource, namespace, name). */
  authorize(): void {
    const op = this.current!;
    const { req, info } = op;
    const user = op.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    if (req.nonResourceURL !== undefined) {
      const d = this.authorizeRequest({ user: user.username, groups: user.groups, verb: req.verb, nonResourceURL: req.nonResourceURL });
      op.allowed = d.allowed;
      op.reason = d.reason;
      return;
    }
    const decision = this.authorizeRequest({
      user: user.username,
      groups: user.groups,
      verb: req.verb,
      resource: info?.plural ?? req.resource,
      subresource: req.subresource,
      apiGroup: req.requestGroup ?? info?.group ?? req.group ?? '',
      namespace: info?.namespaced === false ? undefined : req.namespace,
      name: req.name,
      fieldSelector: req.query?.fieldSelector,
    });
    op.allowed = decision.allowed;
    op.reason = decision.reason;
  }

  /** Decides a rejection of the current request by the pipeline (401 or 403), unless one is decided (impersonation's). */
  reject(code: 401 | 403): void {
    const op = this.current!;
    const { req, info } = op;
    if (op.response !== undefined) return;
    if (code === 401) {
      op.response = { code, body: S.unauthorized() };
      return;
    }
    if (req.nonResourceURL !== undefined) {
      op.response = { code, body: S.forbidden({ user: op.user?.username ?? 'system:anonymous', verb: req.verb, path: req.nonResourceURL, reason: op.reason || undefined }) };
      return;
    }
    op.response = {
      code,
      body: S.forbidden({
        user: op.user?.username ?? 'system:anonymous',
        verb: req.verb,
        resource: info ?? req.resource,
        group: req.requestGroup ?? info?.group ?? req.group ?? '',
        subresource: req.subresource,
        namespace: info?.namespaced === false ? undefined : req.namespace,
        name: req.name,
        reason: op.reason || undefined,
      }),
    };
  }

  /** Admitting (admit.ts): the request checks, then for a create the admission chain. Reads pass. */
  admit(): void {
    this.admission.admit();
  }

  /** What the resources' strategies may use: the cluster IP allocator and the cache. */
  strategyContext(dryRun: boolean, op?: Operation): StrategyContext {
    return {
      ips: this.ips,
      nodePortAllocator: this.nodePorts,
      nodePorts: () => {
        if (!op) throw new Error('node ports are allocated only for a request');
        return (op.nodePorts ??= new NodePortOperation(this.nodePorts, dryRun));
      },
      dryRun,
      list: (plural) => this.cache.list(findResource(plural)!),
    };
  }

  // ---- persisting (dispatch by verb) -------------------------------------------------------

  /** Starts the storage work of an admitted request (the generic registry, registry.ts). */
  dispatch(): void {
    this.store.dispatch();
  }

  /** Ends a client's watch. */
  cancelWatch(watchId: string): void {
    this.cache.removeWatcher(watchId);
  }

  // ---- etcd and responses --------------------------------------------------------------------

  etcd(op: Operation, request: DistributiveOmit<EtcdRequest, 'id' | 'from'>, then: (r: EtcdResult) => void): void {
    // every write is of the object as protobuf storage keeps it (no empty maps or lists)
    if (request.type === 'etcd.create' || request.type === 'etcd.update') request = { ...request, value: asStored(request.value) };
    if (op.req.query?.dryRun && (request.type === 'etcd.create' || request.type === 'etcd.update' || request.type === 'etcd.delete')) {
      // dryRun=All: everything up to here ran (admission, validation, conflicts); nothing is written
      // (as kube-apiserver's DryRunnableStorage: a create of an existing key is KeyExists, a dry-run
      // create answers without a resourceVersion, an update or delete with the current one)
      const current = this.cache.objects.get(request.key);
      const revision = this.cache.revision;
      if (request.type === 'etcd.create' && current) return then({ type: 'etcd.result', id: '', ok: false, revision, error: 'KeyExists' });
      const value = request.type === 'etcd.delete' ? current : request.value;
      if (!value) return then({ type: 'etcd.result', id: '', ok: false, revision, error: 'KeyNotFound' });
      if (request.type === 'etcd.create') {
        const created = { ...value, metadata: { ...value.metadata } };
        delete created.metadata.resourceVersion;
        return then({ type: 'etcd.result', id: '', ok: true, revision, kv: { key: request.key, value: created, createRevision: 0, modRevision: 0, version: 0 } });
      }
      const rv = Number(current?.metadata?.resourceVersion ?? 0);
      return then({ type: 'etcd.result', id: '', ok: true, revision, kv: { key: request.key, value, createRevision: rv, modRevision: rv, version: 0 } });
    }
    const id = `${this.io.self}#${++this.etcdSeq}`;
    this.pending.set(id, { op, sent: this.io.now(), then });
    this.stats.etcdRequests++;
    this.io.send(this.io.etcd, { ...request, id, from: this.io.self });
  }

  /** etcd answered: continue the operation waiting for it. */
  complete(result: EtcdResult): void {
    const pending = this.pending.get(result.id);
    if (!pending) return; // timed out already, or a duplicate
    this.pending.delete(result.id);
    this.current = pending.op;
    pending.then(result);
  }

  storageError(op: Operation, r: EtcdResult): void {
    if (r.error === 'Unavailable') return this.finish(op, 503, S.serviceUnavailable('etcdserver: request timed out, possibly due to connection lost'));
    this.finish(op, 500, S.internalError(`etcd: ${r.error}`));
  }

  /** When the oldest etcd request in flight times out (Infinity: none in flight); requests are kept in the order they were sent. */
  etcdDueAt(): number {
    for (const p of this.pending.values()) return p.sent + this.etcdTimeoutMs;
    return Infinity;
  }

  /** Fails etcd requests that have waited too long: the client gets 503 and may retry. */
  sweep(): void {
    const now = this.io.now();
    for (const [id, p] of this.pending) {
      if (now - p.sent >= this.etcdTimeoutMs) {
        this.pending.delete(id);
        this.finish(p.op, 503, S.serviceUnavailable('etcdserver: request timed out'));
      }
    }
  }

  /** Sets the answer of an operation and sends it. */
  finish(op: Operation, code: number, body: KubeObject | Status): void {
    this.respond(op, code, body);
  }

  /**
   * Runs one step of the pipeline as kube-apiserver's panic-recovery filter runs a handler: if it
   * throws (a bug, a stack overflow on a pathological body), the error is recorded with this
   * server's address, the request in the pipeline is answered 500 with the error named, and the
   * server goes on serving the others.
   */
  recover(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.io.reportError?.(error);
      const op = this.current;
      if (op && !op.answered) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.respond(op, 500, { ...S.internalError(text), message: `This request caused apiserver to panic (${text}). Look in the logs for details.` });
      }
    }
  }

  /** Sends the decided response of the current operation (a rejection from the pipeline). */
  respondCurrent(): void {
    const op = this.current!;
    if (op.answered) return;
    const r = op.response ?? { code: 500, body: S.internalError('no response was decided') };
    this.respond(op, r.code, r.body);
  }

  respond(op: Operation, code: number, body: KubeObject | Status): void {
    if (op.answered) return;
    op.answered = true;
    if (code < 400) op.nodePorts?.commit();
    else op.nodePorts?.revert();
    if (op.onFinish) {
      op.response = { code, body };
      op.onFinish(code, body);
      return;
    }
    this.stats.responses++;
    if (code >= 400) this.stats.rejected++;
    const warnings = op.warnings.length > 0 ? op.warnings : undefined;
    op.response = { code, body, warnings };
    this.io.send(op.req.from, { type: 'api.response', id: op.req.id, code, body, ...(warnings ? { warnings } : {}) });
  }

  /** The sink the watch cache fans out through. */
  readonly sink = (to: string, event: WatchEvent): void => {
    this.stats.watchEvents++;
    this.io.send(to, event);
  };

  /** A change from etcd: update the cache and fan it out; keep the RBAC index and IPs current. */
  applyChange(change: Parameters<WatchCache['apply']>[0]): void {
    const applied = this.cache.apply(change, this.sink);
    if (!applied) return;
    const { info, object } = applied;
    this.nodeGraph.apply(info.plural, info.group, object, change.kind === 'delete');
    if (info.group === 'rbac.authorization.k8s.io') {
      if (change.kind === 'delete') this.rbac.remove(info.kind, object.metadata?.namespace, object.metadata!.name!);
      else this.rbac.upsert(object);
    } else if (change.kind !== 'delete') {
      strategyFor(info).restore?.(object as Obj, this.strategyContext(false));
    }
  }

  /** Loads the cache from a full etcd range. */
  load(kvs: KeyValue[], revision: number): void {
    this.cache.reset(kvs, revision);
    this.nodeGraph.clear();
    for (const kv of kvs) {
      const obj = decode(kv) as Obj;
      if (kv.key.startsWith('/registry/clusterroles/') || kv.key.startsWith('/registry/clusterrolebindings/') || kv.key.startsWith('/registry/roles/') || kv.key.startsWith('/registry/rolebindings/')) {
        this.rbac.upsert(obj as never);
      } else {
        const info = resourceOfKey(kv.key);
        if (info) this.nodeGraph.apply(info.plural, info.group, obj, false);
        if (info) strategyFor(info).restore?.(obj, this.strategyContext(false));
      }
    }
  }

  /** Closes every watch (the server restarts: the clients' connections are reset). */
  closeAllWatches(reason: string): void {
    for (const w of [...this.cache.watchers.values()]) {
      this.cache.removeWatcher(w.id);
      this.io.send(w.to, { type: 'watch.closed', watchId: w.id, reason });
    }
    for (const p of this.pending.values()) this.respond(p.op, 503, S.serviceUnavailable(reason));
    this.pending.clear();
  }

  /** Number of etcd requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  toJSON(): unknown {
    return { cache: this.cache.toJSON(), inFlight: this.pending.size, stats: this.stats };
  }
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
