/**
 * The API server's request handling, step by step: authenticate, authorize, admit (defaults,
 * validation, namespace lifecycle), persist through etcd, respond. The api-server machine walks a
 * request through these steps as states; this module holds what each step does, and the state
 * that outlives a request (the watch cache, the pending etcd operations, the RBAC index).
 */
import { authorize, RbacIndex, type AuthorizationDecision, type AuthorizationRequest } from '../../src/api/rbac.js';
import { applyDefaults } from '../../src/api/defaults.js';
import { decodeError, excessiveNestingOf, goValue, jsonPrefix, tooDeepMessage } from '../../src/api/decoding.js';
import { admitPodPriority, admitPriorityClass } from '../../src/api/priority.js';
import { admitPodRuntimeClass } from '../../src/api/runtime-class.js';
import { validateObject } from '../../src/api/validation.js';
import { pruneUnknownFields } from '../../src/api/validation-schema.js';
import { applyConfiguration, conflictStatus } from '../../src/api/server-side-apply.js';
import { jsonPatch } from '../../src/api/json-patch.js';
import { jsonMergePatch } from '../../src/api/merge-patch.js';
import { strategicMergePatch } from '../../src/api/strategic-merge-patch.js';
import { parseFieldSelector } from '../../src/api/field-selectors.js';
import { parseLabelSelector } from '../../src/api/selectors.js';
import { DEFAULT_USAGE, type UsageProfile } from '../../src/metrics/usage.js';
import { serveMetrics } from './metrics.js';
import { etcdKey, etcdListPrefix, findResource, isMetricsResource, qualifiedResource, resourceForGroupResource, type ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import type { Rng } from '../../src/kernel/rng.js';
import type { ApiRequest, ApiResponse, EtcdRequest, EtcdResult, KeyValue, WatchEvent } from '../protocol.js';
import type { UserInfo } from './auth.js';
import { TokenAuthenticator } from './auth.js';
import { impersonate, impersonates } from './impersonation.js';
import { answerReview, isReviewRequest } from './reviews.js';
import { API_AUDIENCE, ServiceAccountTokens, serviceAccountSigningKey, type LiveObject, type TokenObjects, type TokenVerdict } from './service-account-tokens.js';
import { decode, isPods, resourceOfKey, WatchCache, type Watcher } from './watch-cache.js';
import { ServiceIpAllocator } from './ip-allocator.js';
import { NodePortAllocator, NodePortOperation } from './port-allocator.js';
import { asStored } from './protobuf-storage.js';
import { admitServiceAccount, simpleNameGenerator } from './admission.js';
import { strategyFor, type StrategyContext } from './strategy.js';
import { EvictionRest } from './eviction.js';
import { admitDeepValues } from './deep-values.js';
import { ResourceQuotaAdmission } from './resource-quota.js';
import { mutatePodForLimitRanges, validateClaimForLimitRanges, validatePodForLimitRanges } from '../../src/api/limit-range.js';
import { deepEqual } from '../../src/api/json-values.js';

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

const NAMESPACES = findResource('namespaces')!;
const PODS = findResource('pods')!;
/** The namespaces NamespaceLifecycle admission never lets go (kube-apiserver's immortalNamespaces). */
const SERVICE_ACCOUNTS = findResource('serviceaccounts')!;
const PDBS = findResource('poddisruptionbudgets')!;
const RESOURCE_QUOTAS = findResource('resourcequotas')!;
const LIMIT_RANGES = findResource('limitranges')!;

const CONNECT_SUBRESOURCES = new Set(['attach', 'exec', 'portforward', 'log']);

/** True for the pod subresources whose answer is a stream (served by the HTTP layer). */
function isConnectSubresource(info: ResourceInfo, subresource: string | undefined): boolean {
  return info === PODS && subresource !== undefined && CONNECT_SUBRESOURCES.has(subresource);
}

function meta(obj: Obj): NonNullable<KubeObject['metadata']> {
  return (obj.metadata ??= {});
}

function isObject(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

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
  private readonly maxRetries: number;
  /** The usage model of the metrics API. */
  private readonly usage: UsageProfile;
  private metricsRng: Rng | undefined;
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
    this.ips = new ServiceIpAllocator(options.serviceClusterIpRange ?? '10.96.0.0/12');
    this.nodePorts = new NodePortAllocator(options.serviceNodePortRange ?? '30000-32767', io.rng.fork('service-node-ports'));
    this.eviction = new EvictionRest({
      read: (op, key, fresh, then) => this.readKey(op, key, fresh, then),
      etcd: (op, request, then) => this.etcd(op, request, then),
      finish: (op, code, body) => this.finish(op, code, body),
      deletePod: (op) => this.doDelete(op, PODS),
      budgets: (namespace) => this.cache.list(PDBS, namespace) as Obj[],
      storageError: (op, r) => this.storageError(op, r),
      timestamp: () => this.io.timestamp(),
    });
  }

  private readonly eviction: EvictionRest;
  /** The ServiceAccount admission plugin's volume names (`kube-api-access-xxxxx`), from their own generator. */
  private readonly serviceAccountVolumeNames = simpleNameGenerator((n) => this.serviceAccountRng.int(n));
  private readonly serviceAccountRng: Rng;
  /** The `jti` of the service account tokens it issues. */
  private readonly tokenIds: Rng;
  private readonly quota = new ResourceQuotaAdmission({
    quotas: (namespace) => this.cache.list(RESOURCE_QUOTAS, namespace),
    clock: () => ({ nowMs: this.io.now(), timeOf: (ts) => (this.io.timeOf ? this.io.timeOf(ts) : Number.NaN) }),
    etcd: (op, request, then) => this.etcd(op, request, then),
    finish: (op, code, body) => this.finish(op, code, body),
    storageError: (op, r) => this.storageError(op, r),
  });

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
  authenticate(authorizeImpersonation: (request: AuthorizationRequest) => AuthorizationDecision = (request) => this.rbac.authorize(request)): void {
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
  private nowSeconds(): number {
    return Math.floor(Date.parse(this.io.timestamp()) / 1000);
  }

  /** Authorizing: RBAC on (user, verb, resource, namespace, name). */
  authorize(): void {
    const op = this.current!;
    const { req, info } = op;
    const user = op.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    if (req.nonResourceURL !== undefined) {
      const d = this.rbac.authorize({ user: user.username, groups: user.groups, verb: req.verb, nonResourceURL: req.nonResourceURL });
      op.allowed = d.allowed;
      op.reason = d.reason;
      return;
    }
    const decision = authorize(
      {
        user: user.username,
        groups: user.groups,
        verb: req.verb,
        resource: info?.plural ?? req.resource,
        subresource: req.subresource,
        apiGroup: req.requestGroup ?? info?.group ?? req.group ?? '',
        namespace: info?.namespaced === false ? undefined : req.namespace,
        name: req.name,
      },
      this.rbac,
    );
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
      }),
    };
  }

  /** Admitting: the resource must exist; for writes decode, default, validate, namespace lifecycle. Reads pass. */
  admit(): void {
    const op = this.current!;
    const { info } = op;
    let { req } = op;
    if (req.nonResourceURL !== undefined) {
      // the document itself is served by the HTTP layer: the API server has authorized it
      op.response = { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 } };
      return;
    }
    const tooDeep = req.body !== undefined ? excessiveNestingOf(req.body) : undefined;
    if (tooDeep) {
      // the decoder stops at Go's maximum nesting depth, before anything walks the body
      const objectBody = (req.verb === 'create' || req.verb === 'update') && !req.subresource;
      op.response = { code: 400, body: S.badRequest(tooDeepMessage(tooDeep, objectBody ? info?.kind : undefined, objectBody ? jsonPrefix(req.body) : undefined)) };
      return;
    }
    if (!info) {
      op.response = { code: 404, body: { ...S.notFound(req.resource, req.name ?? ''), message: 'the server could not find the requested resource' } };
      return;
    }
    if (req.subresource) {
      const sub = info.subresources.find((s) => s.name === req.subresource);
      if (!sub) {
        op.response = { code: 404, body: S.notFound(`${info.plural}/${req.subresource}`, req.name ?? '') };
        return;
      }
      if (!sub.verbs.includes(req.verb)) {
        op.response = { code: 405, body: S.methodNotAllowed(info, `${req.verb} on ${info.plural}/${req.subresource}`) };
        return;
      }
    }
    // values nested deeper than the kind's types bound are emptied or refused before anything walks them
    const deep = admitDeepValues(req, info);
    if ('error' in deep) {
      op.response = { code: 400, body: deep.error };
      return;
    }
    if (deep.body !== req.body) op.req = req = { ...req, body: deep.body };
    if (req.verb === 'patch' && req.query?.patchType === 'apply') {
      const body = req.body as Obj | undefined;
      if (!req.query.fieldManager) {
        op.response = { code: 400, body: S.badRequest('PATCH with apply patches requires a fieldManager (fieldManager is required for apply requests)') };
        return;
      }
      if (isObject(body) && !req.subresource && (body.apiVersion !== info.apiVersion || body.kind !== info.kind)) {
        const message =
          body.kind === undefined || body.apiVersion === undefined
            ? `Object 'Kind' is missing in the apply configuration: apiVersion and kind must be set (${info.apiVersion} ${info.kind})`
            : `the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the resource ${info.plural} (${info.apiVersion} ${info.kind})`;
        op.response = { code: 400, body: S.badRequest(message) };
        return;
      }
    }
    if (info.namespaced && !req.namespace && !['list', 'watch', 'deletecollection'].includes(req.verb)) {
      op.response = { code: 400, body: S.badRequest(`the namespace of the object must be given for ${qualifiedResource(info)}`) };
      return;
    }
    if (!info.namespaced && req.namespace && req.verb !== 'list' && req.verb !== 'watch') {
      op.response = { code: 404, body: S.notFound(info, req.name ?? '') };
      return;
    }
    if (!['list', 'watch', 'deletecollection', 'create'].includes(req.verb) && !req.name) {
      op.response = { code: 405, body: S.methodNotAllowed(info, req.verb) };
      return;
    }
    try {
      if (req.verb === 'list' || req.verb === 'watch' || req.verb === 'deletecollection') {
        if (req.query?.labelSelector) parseLabelSelector(req.query.labelSelector);
        if (req.query?.fieldSelector) parseFieldSelector(req.query.fieldSelector, info.kind);
      }
    } catch (error) {
      op.response = { code: 400, body: S.badRequest(error instanceof Error ? error.message : String(error)) };
      return;
    }
    if (info.virtual && req.verb !== 'create') {
      op.response = { code: 405, body: S.methodNotAllowed(info, req.verb) };
      return;
    }
    if (isReviewRequest(info, req)) {
      op.response = answerReview(info, req, this.reviewContext(op.user!));
      return;
    }
    if (!this.admitDryRun(op)) return;
    if (req.verb === 'create' && !req.subresource) {
      this.admitCreate(op);
      return;
    }
    if ((req.verb === 'update' || req.verb === 'patch') && req.body === undefined) {
      op.response = { code: 400, body: S.badRequest('the request body is missing') };
      return;
    }
    if (req.verb === 'update' && !req.subresource && !isObject(req.body)) {
      op.response = { code: 400, body: S.badRequest('the request body must be a JSON object') };
      return;
    }
    if (req.verb === 'update' && isObject(req.body) && (!req.subresource || req.subresource === 'status' || req.subresource === 'scale' || req.subresource === 'ephemeralcontainers')) {
      // the body is decoded into the kind (a Scale for the scale subresource) before anything reads it
      const [apiVersion, kind, version] = req.subresource === 'scale' ? ['autoscaling/v1', 'Scale', 'v1'] : [info.apiVersion, info.kind, info.version];
      const typeError = decodeError(req.body, apiVersion, kind);
      if (typeError) op.response = { code: 400, body: cannotBeHandled(kind, version, typeError) };
    }
    if (req.verb === 'patch' && req.query?.patchType === 'apply' && isObject(req.body) && !req.subresource) {
      // server-side apply types the configuration with structured-merge-diff first
      const typeError = decodeError(req.body, info.apiVersion, info.kind, 'apply');
      if (typeError) {
        const m = isObject(req.body.metadata) ? req.body.metadata : {};
        const gvk = `${info.group}/${info.version}, Kind=${info.kind}`;
        op.response = { code: 500, body: { ...S.internalError(''), reason: undefined, details: undefined, message: `failed to create typed patch object (${gvk}; ${String(m.namespace ?? req.namespace ?? '')}/${String(m.name ?? req.name ?? '')}): ${typeError}` } as Status };
      }
    }
  }

  /** What the review APIs and TokenRequest need of this server. */
  private reviewContext(user: UserInfo) {
    return {
      user,
      rbac: this.rbac,
      timestamp: (offsetMs?: number) => this.io.timestamp(offsetMs),
      nowSeconds: () => this.nowSeconds(),
      authenticateToken: (token: string, audiences: readonly string[]) => this.authenticateToken(token, audiences),
      serviceAccount: (namespace: string, name: string) => this.cache.objects.get(etcdKey(SERVICE_ACCOUNTS, namespace, name)),
      tokens: this.serviceAccountTokens,
      object: (resource: 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string) => this.cache.objects.get(etcdKey(findResource(resource)!, namespace, name)),
      jti: () => this.tokenIds.uuid(),
    };
  }

  /**
   * `dryRun` in a DeleteOptions body (kubectl's `delete --dry-run=server` sends `{"dryRun":["All"]}`),
   * or in an Eviction's deleteOptions, counts as `?dryRun=All`; any value but `All` is refused as
   * kube-apiserver's ValidateDeleteOptions refuses it.
   */
  private admitDryRun(op: Operation): boolean {
    const { req } = op;
    const body = req.body as Obj | undefined;
    let options: unknown;
    if ((req.verb === 'delete' || req.verb === 'deletecollection') && isObject(body)) options = body;
    else if (req.verb === 'create' && req.subresource === 'eviction' && isObject(body) && isObject(body.deleteOptions)) options = body.deleteOptions;
    if (!isObject(options) || options.dryRun === undefined || options.dryRun === null) return true;
    const values = options.dryRun;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      op.response = { code: 400, body: S.badRequest(`json: cannot unmarshal ${jsonTypeName(values)} into Go struct field DeleteOptions.dryRun of type []string`) };
      return false;
    }
    const bad = values.filter((v) => v !== 'All');
    if (bad.length > 0) {
      op.response = { code: 422, body: S.invalid('DeleteOptions.meta.k8s.io', '', [S.fieldError.notSupported('dryRun', values, ['All'])]) };
      return false;
    }
    if (values.length > 0) op.req = { ...req, query: { ...req.query, dryRun: true } };
    return true;
  }

  private admitCreate(op: Operation): boolean {
    const { req } = op;
    const info = op.info!;
    if (!isObject(req.body)) {
      op.response = { code: 400, body: S.badRequest(`the body of a create must be a ${info.kind} object`) };
      return false;
    }
    const body = req.body;
    const typeError = req.query?.patchType === 'apply' ? undefined : decodeError(body, info.apiVersion, info.kind);
    if (typeError) {
      op.response = { code: 400, body: cannotBeHandled(info.kind, info.version, typeError) };
      return false;
    }
    if (body.kind !== undefined && body.kind !== info.kind) {
      op.response = {
        code: 400,
        body: S.badRequest(`the API version in the data (${body.apiVersion}) and kind (${body.kind}) do not match the resource ${qualifiedResource(info)} (${info.apiVersion} ${info.kind})`),
      };
      return false;
    }
    if (body.apiVersion !== undefined && body.apiVersion !== info.apiVersion) {
      op.response = { code: 400, body: S.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${info.apiVersion})`) };
      return false;
    }
    const bodyNs = isObject(body.metadata) ? (body.metadata.namespace) : undefined;
    if (info.namespaced && bodyNs && req.namespace && bodyNs !== req.namespace) {
      op.response = { code: 400, body: S.badRequest('the namespace of the provided object does not match the namespace sent on the request') };
      return false;
    }
    let obj: Obj = { ...body, apiVersion: info.apiVersion, kind: info.kind, metadata: { ...(isObject(body.metadata) ? body.metadata : {}) } };
    const m = meta(obj);
    if (info.namespaced) m.namespace = req.namespace;
    else delete m.namespace;
    if (!m.name && m.generateName) m.name = `${m.generateName}${this.io.rng.hex(5).replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]!)}`;
    delete m.resourceVersion;
    m.uid = this.io.rng.uuid();
    this.io.tagObject(m.uid);
    m.creationTimestamp = this.io.timestamp();
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    const strategy = strategyFor(info);
    if (strategy.generation) m.generation = 1;
    obj = applyDefaults(obj);
    // LimitRanger (mutating admission, before the strategy): the namespace's container defaults
    if (isPods(info)) mutatePodForLimitRanges(obj, this.cache.list(LIMIT_RANGES, req.namespace));
    op.object = obj;
    const refused = strategy.prepareForCreate?.(obj, this.strategyContext(req.query?.dryRun === true, op));
    if (refused) {
      op.response = { code: refused.code ?? 500, body: refused };
      return false;
    }
    const denied = this.admitPriority(info, obj, isObject(body.spec) ? body.spec : {}) ?? (isPods(info) ? admitPodRuntimeClass(isObject(obj.spec) ? obj.spec : {}) : undefined);
    if (denied) {
      op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, denied) };
      return false;
    }
    const verdict = validateObject(obj, { operation: 'create', fieldValidation: req.query?.fieldValidation });
    if (verdict.unknownFields.length > 0 && req.query?.fieldValidation === 'Strict') {
      op.response = { code: 400, body: S.strictDecodingError(info.kind, info.version, verdict.unknownFields) };
      return false;
    }
    op.warnings.push(...verdict.warnings);
    if (verdict.causes.length > 0) {
      op.response = { code: 422, body: S.invalid(info, m.name ?? '', verdict.causes) };
      return false;
    }
    // with Warn or Ignore the real server stores the object without the fields it does not know
    if (verdict.unknownFields.length > 0 || verdict.warnings.length > 0) op.object = obj = pruneUnknownFields(obj, info);
    if (info.namespaced) {
      const ns = this.cache.objects.get(`${NAMESPACES.etcdPrefix}${req.namespace}`) as Obj | undefined;
      if (!ns) {
        op.response = { code: 404, body: S.notFound(NAMESPACES, req.namespace!) };
        return false;
      }
      if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
        op.response = {
          code: 403,
          body: S.forbiddenWithMessage(info, m.name, `unable to create new content in namespace ${req.namespace} because it is being terminated`),
        };
        return false;
      }
    }
    if (isPods(info)) {
      const refused = admitServiceAccount(obj, req.namespace!, (ns, name) => this.cache.objects.get(etcdKey(SERVICE_ACCOUNTS, ns, name)) as Obj | undefined, this.serviceAccountVolumeNames);
      if (refused) {
        op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, refused) };
        return false;
      }
    }
    // LimitRanger's validation, then ResourceQuota (the validating admission order)
    const ranges = isPods(info) || (info.plural === 'persistentvolumeclaims' && info.group === '') ? this.cache.list(LIMIT_RANGES, req.namespace) : [];
    const outOfRange = ranges.length === 0 ? undefined : isPods(info) ? validatePodForLimitRanges(obj, ranges) : validateClaimForLimitRanges(obj, ranges);
    if (outOfRange) {
      op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, outOfRange) };
      return false;
    }
    const exceeded = this.quota.admit(op, info, obj, req.namespace!);
    if (exceeded) {
      op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, exceeded) };
      return false;
    }
    return true;
  }

  /**
   * The Priority admission plugin on create: a pod's PriorityClass resolved into its priority and
   * preemption policy (`given`: what the client sent, before defaulting); a second global
   * default PriorityClass refused. @returns the Forbidden message, or undefined.
   */
  private admitPriority(info: ResourceInfo, obj: Obj, given: Obj): string | undefined {
    if (info.plural !== 'pods' && info.plural !== 'priorityclasses') return undefined;
    const classes = findResource('priorityclasses')!;
    if (info.plural === 'priorityclasses') return admitPriorityClass(obj, 'create', this.cache.list(classes) as Obj[]);
    return admitPodPriority(
      obj,
      { priority: given.priority, preemptionPolicy: given.preemptionPolicy },
      (name) => this.cache.objects.get(`${classes.etcdPrefix}${name}`) as Obj | undefined,
      () => this.cache.list(classes) as Obj[],
    );
  }

  /** What the resources' strategies may use: the cluster IP allocator and the cache. */
  private strategyContext(dryRun: boolean, op?: Operation): StrategyContext {
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

  /** Starts the storage work of an admitted request. */
  dispatch(): void {
    const op = this.current!;
    const { req } = op;
    const info = op.info!;
    if (isMetricsResource(info)) return this.doMetrics(op, info);
    if (isConnectSubresource(info, req.subresource)) return this.doConnect(op, info);
    switch (req.verb) {
      case 'get':
        return this.doGet(op, info);
      case 'list':
        return this.doList(op, info);
      case 'watch':
        return this.doWatch(op, info);
      case 'create':
        if (req.subresource === 'binding') return this.doBinding(op);
        if (req.subresource === 'eviction') return this.doEviction(op);
        return this.quota.charge(op, info, () =>
          this.etcd(op, { type: 'etcd.create', key: etcdKey(info, req.namespace, meta(op.object!).name!), value: op.object! }, (r) => {
            if (r.ok) return this.finish(op, 201, decodeCreated(r.kv!));
            if (r.error === 'KeyExists') return this.finish(op, 409, S.alreadyExists(info, meta(op.object!).name!));
            return this.storageError(op, r);
          }),
        );
      case 'update':
      case 'patch':
        return this.doUpdate(op, info);
      case 'delete':
        return this.doDelete(op, info);
      case 'deletecollection':
        return this.doDeleteCollection(op, info);
      default:
        return this.finish(op, 405, S.methodNotAllowed(info, req.verb));
    }
  }

  /** A read of the metrics API: computed from the watch cache and the usage model, as metrics-server answers it. */
  private doMetrics(op: Operation, info: ResourceInfo): void {
    const io = this.io;
    const now = io.now();
    const answer = serveMetrics(op.req, info, this.cache, {
      usage: this.usage,
      rng: (this.metricsRng ??= io.metricsRng ?? io.rng.fork('metrics')),
      now,
      timestampAt: (ms) => io.timestamp(ms - now),
      timeOf: (ts) => (io.timeOf ? io.timeOf(ts) : Number.NaN),
    });
    this.finish(op, answer.code, answer.body);
  }

  /**
   * pods/exec, pods/attach, pods/portforward and pods/log: kube-apiserver's connecters read the
   * pod and hand the stream to the kubelet; here the answer is the pod (the caller is authorized,
   * the pod exists), and the HTTP layer streams from the container's process.
   */
  private doConnect(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    this.etcd(op, { type: 'etcd.get', key: etcdKey(info, req.namespace, req.name!) }, (r) => {
      if (!r.ok) return r.error === 'KeyNotFound' ? this.finish(op, 404, S.notFound(info, req.name!)) : this.storageError(op, r);
      this.finish(op, 200, decode(r.kv!));
    });
  }

  private doGet(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    this.etcd(op, { type: 'etcd.get', key: etcdKey(info, req.namespace, req.name!) }, (r) => {
      if (!r.ok) return r.error === 'KeyNotFound' ? this.finish(op, 404, S.notFound(info, req.name!)) : this.storageError(op, r);
      const obj = decode(r.kv!) as Obj;
      if (req.subresource === 'scale') return this.finish(op, 200, toScale(info, obj));
      this.finish(op, 200, obj);
    });
  }

  private doList(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    const q = req.query ?? {};
    let startAfter: string | undefined;
    if (q.continue) {
      try {
        startAfter = JSON.parse(Buffer.from(q.continue, 'base64').toString('utf8')).start;
      } catch {
        return this.finish(op, 400, S.badRequest('continue key is not valid: illegal base64 data'));
      }
    }
    const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
    const fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector, info.kind) : undefined;
    this.etcd(op, { type: 'etcd.range', prefix: etcdListPrefix(info, req.namespace), limit: q.limit, startAfter }, (r) => {
      if (!r.ok) return this.storageError(op, r);
      const items: KubeObject[] = [];
      for (const kv of r.kvs!) {
        const obj = decode(kv);
        if (labels && !labels.matches(obj.metadata?.labels)) continue;
        if (fields && !fields.matches(obj)) continue;
        items.push(obj);
      }
      const metadata: Record<string, unknown> = { resourceVersion: String(r.revision) };
      if (r.more && r.kvs!.length > 0) {
        metadata.continue = Buffer.from(JSON.stringify({ start: r.kvs!.at(-1)!.key, rv: r.revision })).toString('base64');
        metadata.remainingItemCount = undefined;
      }
      this.finish(op, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata, items } as KubeObject);
    });
  }

  private doWatch(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    const q = req.query ?? {};
    const rv = q.resourceVersion;
    const initial = q.sendInitialEvents === true || rv === undefined || rv === '' || rv === '0';
    let nodeName: string | undefined;
    let fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector, info.kind) : undefined;
    if (fields && isPods(info)) {
      const pin = fields.requirements.find((r) => r.field === 'spec.nodeName' && r.operator !== '!=');
      if (pin) {
        nodeName = pin.value;
        if (fields.requirements.length === 1) fields = undefined;
      }
    }
    // a watch of one object by name (a kubelet's own Node): its initial state is one lookup (the
    // selector still filters every event)
    const name = fields?.requirements.find((r) => r.field === 'metadata.name' && r.operator !== '!=')?.value;
    const watcher: Watcher = {
      id: req.id,
      to: req.from,
      info,
      namespace: info.namespaced ? req.namespace : undefined,
      labels: q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined,
      fields,
      nodeName,
      name,
      fromRevision: initial ? this.cache.revision : Number(rv),
      seq: 0,
      bookmarks: q.allowWatchBookmarks === true,
    };
    if (!initial && !(Number(rv) >= 0)) return this.finish(op, 400, S.badRequest(`invalid resource version "${rv}"`));
    this.respond(op, 200, { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', message: 'watch started' });
    if (!this.cache.addWatcher(watcher, initial, this.sink)) {
      this.sink(req.from, {
        type: 'watch.error',
        watchId: req.id,
        seq: 1,
        object: S.tooOldResourceVersion(rv!, this.cache.revision),
      });
    }
  }

  /** Ends a client's watch. */
  cancelWatch(watchId: string): void {
    this.cache.removeWatcher(watchId);
  }

  /** Reads the object an update, patch or delete starts from: the watch cache, or etcd on a retry. */
  private readCurrent(op: Operation, info: ResourceInfo, fresh: boolean, then: (kv: KeyValue | undefined) => void): void {
    this.readKey(op, etcdKey(info, op.req.namespace, op.req.name!), fresh, then);
  }

  /** Reads one key: the watch cache, or etcd when `fresh`. */
  private readKey(op: Operation, key: string, fresh: boolean, then: (kv: KeyValue | undefined) => void): void {
    if (!fresh) {
      const cached = this.cache.objects.get(key);
      if (cached) {
        const rv = Number(cached.metadata?.resourceVersion);
        then({ key, value: cached, modRevision: rv, createRevision: 0, version: 0 });
        return;
      }
    }
    this.etcd(op, { type: 'etcd.get', key }, (r) => {
      if (r.ok) then(r.kv);
      else if (r.error === 'KeyNotFound') then(undefined);
      else this.storageError(op, r);
    });
  }

  private doUpdate(op: Operation, info: ResourceInfo, fresh = false): void {
    const { req } = op;
    this.readCurrent(op, info, fresh, (kv) => {
      if (!kv) {
        if (req.verb === 'patch' && req.query?.patchType === 'apply' && !req.subresource) return this.applyCreate(op, info);
        return this.finish(op, 404, S.notFound(info, req.name!));
      }
      const current = decode(kv) as Obj;
      const result = this.computeUpdate(op, info, current);
      if ('error' in result) return this.finish(op, result.error.code!, result.error);
      // compared as stored: an update that only adds an empty map is a no-op, as in kube-apiserver
      const next = asStored(result.next);
      const clientRv = req.verb === 'update' ? (isObject(req.body) ? (req.body.metadata as Obj | undefined)?.resourceVersion : undefined) : undefined;
      if (clientRv !== undefined && clientRv !== '' && String(clientRv) !== String(kv.modRevision)) {
        if (fresh) return this.finish(op, 409, S.conflict(info, req.name!));
        return this.doUpdate(op, info, true);
      }
      if (deepEqual(stripRv(next), stripRv(current))) return this.finish(op, 200, current); // no-op update
      const m = meta(next);
      if (m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && (strategyFor(info).readyToDelete?.(next) ?? true)) {
        return this.etcd(op, { type: 'etcd.delete', key: kv.key, expectedModRevision: kv.modRevision }, (r) => {
          if (r.ok) return this.finish(op, 200, { ...next, metadata: { ...m, resourceVersion: String(r.kv!.modRevision) } });
          if (r.error === 'Conflict' || r.error === 'KeyNotFound') return this.retryOrConflict(op, info, clientRv, () => this.doUpdate(op, info, true));
          this.storageError(op, r);
        });
      }
      delete m.resourceVersion;
      this.etcd(op, { type: 'etcd.update', key: kv.key, value: next, expectedModRevision: kv.modRevision }, (r) => {
        if (r.ok) {
          const stored = decode(r.kv!) as Obj;
          return this.finish(op, 200, req.subresource === 'scale' ? toScale(info, stored) : stored);
        }
        if (r.error === 'Conflict') return this.retryOrConflict(op, info, clientRv, () => this.doUpdate(op, info, true));
        if (r.error === 'KeyNotFound') return this.finish(op, 404, S.notFound(info, req.name!));
        this.storageError(op, r);
      });
    });
  }

  private retryOrConflict(op: Operation, info: ResourceInfo, clientRv: unknown, retry: () => void): void {
    if (clientRv !== undefined && clientRv !== '') return this.finish(op, 409, S.conflict(info, op.req.name!));
    if (++op.attempts > this.maxRetries) return this.finish(op, 409, S.conflict(info, op.req.name!));
    retry();
  }

  /** The new object of an update, patch or subresource write, validated against the current one. */
  private computeUpdate(op: Operation, info: ResourceInfo, current: Obj): { next: Obj } | { error: Status } {
    const { req } = op;
    let incoming: Obj;
    if (req.verb === 'patch') {
      const base = req.subresource === 'scale' ? toScale(info, current) : current;
      try {
        incoming = this.applyPatch(base, req.body, req.query?.patchType ?? 'merge', info) as Obj;
      } catch (error) {
        if (error instanceof ApplyConflictError) return { error: error.status };
        return { error: S.badRequest(error instanceof Error ? error.message : String(error)) };
      }
      if (!isObject(incoming)) return { error: S.badRequest('the patch did not produce an object') };
      const patchType = req.query?.patchType ?? 'merge';
      if (patchType !== 'apply') {
        // the patched object is decoded into the kind: a JSON or merge patch's result by the JSON
        // decoder, a strategic merge patch's by the unstructured converter (patch.go)
        const [apiVersion, kind] = req.subresource === 'scale' ? ['autoscaling/v1', 'Scale'] : [info.apiVersion, info.kind];
        const strategic = patchType === 'strategic';
        const typeError = decodeError(incoming, apiVersion, kind, strategic ? 'unstructured' : 'json');
        if (typeError) return { error: patchInvalid(strategic ? goValue(req.body) : JSON.stringify(incoming), typeError) };
      }
    } else {
      incoming = req.body as Obj;
    }
    let next: Obj;
    if (req.subresource === 'status') {
      next = { ...current, status: incoming.status };
    } else if (req.subresource === 'scale') {
      const replicas = (incoming.spec as Obj | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        return { error: S.invalid({ group: 'autoscaling', version: 'v1', kind: 'Scale' } as never, req.name!, [S.fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]) };
      }
      next = { ...current, spec: { ...current.spec, replicas } };
      if (replicas !== current.spec?.replicas && current.metadata?.generation !== undefined) {
        next.metadata = { ...current.metadata, generation: current.metadata.generation + 1 };
      }
    } else if (req.subresource === 'ephemeralcontainers') {
      // podEphemeralContainersStrategy.PrepareForUpdate (dropNonEphemeralContainerUpdates): all but spec.ephemeralContainers is the stored pod's
      const ephemeralContainers = (incoming.spec as Obj | undefined)?.ephemeralContainers;
      const spec: Obj = { ...current.spec };
      if (ephemeralContainers === undefined || ephemeralContainers === null) delete spec.ephemeralContainers;
      else spec.ephemeralContainers = ephemeralContainers;
      next = applyDefaults({ ...current, spec });
    } else if (req.subresource === 'finalize') {
      next = { ...current, spec: { ...current.spec, finalizers: (incoming.spec as Obj | undefined)?.finalizers ?? [] } };
    } else {
      if (incoming.kind !== undefined && incoming.kind !== info.kind) return { error: S.badRequest(`kind ${incoming.kind} does not match ${info.kind}`) };
      const im = isObject(incoming.metadata) ? incoming.metadata : {};
      if (im.name !== undefined && im.name !== req.name) {
        return { error: S.badRequest(`the name of the object (${im.name}) does not match the name on the URL (${req.name})`) };
      }
      const cm = current.metadata!;
      next = {
        ...incoming,
        apiVersion: info.apiVersion,
        kind: info.kind,
        metadata: {
          ...im,
          name: cm.name,
          namespace: cm.namespace,
          uid: cm.uid,
          creationTimestamp: cm.creationTimestamp,
          deletionTimestamp: cm.deletionTimestamp,
          deletionGracePeriodSeconds: cm.deletionGracePeriodSeconds,
          generation: cm.generation,
        },
      };
      if (!next.metadata!.deletionTimestamp) delete next.metadata!.deletionTimestamp;
      if (next.metadata!.deletionGracePeriodSeconds === undefined) delete next.metadata!.deletionGracePeriodSeconds;
      if (next.metadata!.generation === undefined) delete next.metadata!.generation;
      // the main resource ignores status changes where a status subresource exists
      if (info.subresources.some((s) => s.name === 'status')) next.status = current.status;
      next = applyDefaults(next);
      const strategy = strategyFor(info);
      if (strategy.generation && !deepEqual(next.spec, current.spec)) next.metadata!.generation = (cm.generation ?? 1) + 1;
      // a retry starts over: what an earlier attempt allocated is given back
      op.nodePorts?.revert();
      op.nodePorts = undefined;
      const refused = strategy.prepareForUpdate?.(next, current, this.strategyContext(req.query?.dryRun === true, op));
      if (refused) return { error: refused };
    }
    const verdict = validateObject(next, { operation: 'update', old: current, fieldValidation: req.query?.fieldValidation, subresource: req.subresource });
    if (verdict.unknownFields.length > 0 && req.query?.fieldValidation === 'Strict') {
      return { error: S.strictDecodingError(info.kind, info.version, verdict.unknownFields) };
    }
    op.warnings.push(...verdict.warnings);
    if (verdict.causes.length > 0) return { error: S.invalid(info, req.name!, verdict.causes) };
    if (verdict.unknownFields.length > 0 || verdict.warnings.length > 0) next = pruneUnknownFields(next, info);
    return { next };
  }

  private applyPatch(base: Obj, patch: unknown, type: string, info: ResourceInfo): unknown {
    switch (type) {
      case 'json':
        if (!Array.isArray(patch)) throw new Error('json patch must be an array of operations');
        return jsonPatch(base, patch);
      case 'strategic':
        if (!isObject(patch)) throw new Error('strategic merge patch must be a JSON object');
        return strategicMergePatch(base, patch, info.kind);
      case 'apply': {
        if (!isObject(patch)) throw new Error('apply patch must be a JSON or YAML object');
        const q = this.current?.req.query ?? {};
        const result = applyConfiguration(base, { ...patch, metadata: { ...(isObject(patch.metadata) ? patch.metadata : {}), name: base.metadata?.name } }, info.kind, {
          manager: q.fieldManager ?? 'unknown',
          force: q.force === true,
          time: this.io.timestamp(),
          ignoreStatus: info.subresources.some((s) => s.name === 'status'),
        });
        if (!result.ok) throw new ApplyConflictError(conflictStatus(result.conflicts));
        return result.object;
      }
      case 'merge':
        if (!isObject(patch)) throw new Error('merge patch must be a JSON object');
        return jsonMergePatch(base, patch);
      default:
        throw new Error(`unsupported patch type ${type}`);
    }
  }

  /** Server-side apply of an object that does not exist yet creates it. */
  private applyCreate(op: Operation, info: ResourceInfo): void {
    const q = op.req.query ?? {};
    const config = { ...(op.req.body as Obj) };
    config.metadata = { ...(isObject(config.metadata) ? config.metadata : {}), name: op.req.name };
    const made = applyConfiguration(undefined, config, info.kind, {
      manager: q.fieldManager ?? 'unknown',
      time: this.io.timestamp(),
      ignoreStatus: info.subresources.some((s) => s.name === 'status'),
    });
    if (!made.ok) return this.finish(op, 409, conflictStatus(made.conflicts));
    const body = made.object as Obj;
    const saved = op.req;
    op.req = { ...saved, verb: 'create', body, name: undefined };
    this.current = op;
    if (!this.admitCreate(op)) return this.finish(op, op.response!.code, op.response!.body);
    this.quota.charge(op, info, () =>
      this.etcd(op, { type: 'etcd.create', key: etcdKey(info, saved.namespace, meta(op.object!).name!), value: op.object! }, (r) => {
        if (r.ok) return this.finish(op, 201, decodeCreated(r.kv!));
        if (r.error === 'KeyExists') {
          op.req = saved;
          return this.doUpdate(op, info, true);
        }
        this.storageError(op, r);
      }),
    );
  }

  /** pods/binding: set spec.nodeName once (a second binding is a conflict). */
  private doBinding(op: Operation, fresh = false): void {
    const { req } = op;
    const body = req.body as Obj | undefined;
    const target = body?.target as Obj | undefined;
    if (!target?.name) return this.finish(op, 422, S.invalid('Binding', req.name ?? '', [S.fieldError.required('target.name', '')]));
    this.readCurrent(op, PODS, fresh, (kv) => {
      if (!kv) return this.finish(op, 404, S.notFound(PODS, req.name!));
      const pod = decode(kv) as Obj;
      if (pod.metadata?.deletionTimestamp) return this.finish(op, 409, S.conflict(PODS, req.name!, `pod ${req.namespace}/${req.name} is being deleted, cannot be assigned to a host`));
      if (pod.spec?.nodeName) {
        return this.finish(op, 409, S.conflict(PODS, req.name!, `pod ${req.name} is already assigned to node "${pod.spec.nodeName}"`));
      }
      const uid = (body?.metadata as Obj | undefined)?.uid;
      if (uid && uid !== pod.metadata?.uid) return this.finish(op, 409, S.conflict(PODS, req.name!, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid}`));
      const now = this.io.timestamp();
      const conditions = ((pod.status?.conditions as Obj[] | undefined) ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
      const next: Obj = { ...pod, spec: { ...pod.spec, nodeName: target.name }, status: { ...pod.status, conditions } };
      delete next.metadata!.resourceVersion;
      next.metadata = { ...pod.metadata };
      delete next.metadata.resourceVersion;
      this.etcd(op, { type: 'etcd.update', key: kv.key, value: next, expectedModRevision: kv.modRevision }, (r) => {
        if (r.ok) return this.finish(op, 201, S.success());
        if (r.error === 'Conflict') return this.retryOrConflict(op, PODS, undefined, () => this.doBinding(op, true));
        if (r.error === 'KeyNotFound') return this.finish(op, 404, S.notFound(PODS, req.name!));
        this.storageError(op, r);
      });
    });
  }

  /** pods/eviction: a delete of the pod that honours its PodDisruptionBudget (eviction.ts). */
  private doEviction(op: Operation): void {
    this.eviction.create(op);
  }

  private doDelete(op: Operation, info: ResourceInfo, fresh = false): void {
    const { req } = op;
    const q = req.query ?? {};
    this.readCurrent(op, info, fresh, (kv) => {
      if (!kv) return this.finish(op, 404, S.notFound(info, req.name!));
      const strategy = strategyFor(info);
      const forbidden = strategy.deleteForbidden?.(req.name!);
      if (forbidden) return this.finish(op, 403, S.forbiddenWithMessage(info, req.name, forbidden));
      const current = decode(kv) as Obj;
      const m = current.metadata!;
      const uid = isObject(req.body) ? ((req.body.preconditions as Obj | undefined)?.uid as string | undefined) : undefined;
      if (uid && uid !== m.uid) {
        return this.finish(op, 409, S.conflict(info, req.name!, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${m.uid}`));
      }
      const rv = isObject(req.body) ? ((req.body.preconditions as Obj | undefined)?.resourceVersion as string | undefined) : undefined;
      if (rv && rv !== String(kv.modRevision)) {
        if (!fresh) return this.doDelete(op, info, true);
        return this.finish(op, 409, S.conflict(info, req.name!, `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${kv.modRevision}`));
      }
      const policy = q.propagationPolicy ?? (isObject(req.body) ? (req.body.propagationPolicy as ApiRequestPolicy | undefined) : undefined);
      const graceBody = isObject(req.body) ? (req.body.gracePeriodSeconds as number | undefined) : undefined;
      const grace = strategy.gracePeriod?.(current, q.gracePeriodSeconds ?? graceBody) ?? 0;
      const finalizers = [...(m.finalizers ?? [])];
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      const namespaceFinalizing = strategy.finalizing?.(current) ?? false;
      if (finalizers.length > 0 || grace > 0 || namespaceFinalizing) {
        // graceful: mark for deletion; the owner of the finalizer (or the kubelet) finishes it
        if (m.deletionTimestamp && finalizers.length === (m.finalizers?.length ?? 0) && !(grace < (m.deletionGracePeriodSeconds ?? Infinity))) {
          return this.finish(op, 200, current);
        }
        const next: Obj = {
          ...current,
          metadata: {
            ...m,
            deletionTimestamp: m.deletionTimestamp ?? this.io.timestamp(grace * 1000),
            deletionGracePeriodSeconds: grace,
            finalizers: finalizers.length > 0 ? finalizers : undefined,
          },
        };
        if (!next.metadata!.finalizers) delete next.metadata!.finalizers;
        delete next.metadata!.resourceVersion;
        if (namespaceFinalizing) next.status = { ...current.status, phase: 'Terminating' };
        return this.etcd(op, { type: 'etcd.update', key: kv.key, value: next, expectedModRevision: kv.modRevision }, (r) => {
          if (r.ok) return this.finish(op, 200, decode(r.kv!));
          if (r.error === 'Conflict') return this.retryOrConflict(op, info, undefined, () => this.doDelete(op, info, true));
          if (r.error === 'KeyNotFound') return this.finish(op, 404, S.notFound(info, req.name!));
          this.storageError(op, r);
        });
      }
      this.etcd(op, { type: 'etcd.delete', key: kv.key, expectedModRevision: kv.modRevision }, (r) => {
        if (r.ok) {
          if (!req.query?.dryRun) strategy.afterDelete?.(current, this.strategyContext(false));
          return this.finish(op, 200, info.plural === 'pods' || info.plural === 'namespaces' ? decode(r.kv!) : S.success({ name: req.name, group: info.group, kind: info.plural, uid: m.uid }));
        }
        if (r.error === 'Conflict') return this.retryOrConflict(op, info, undefined, () => this.doDelete(op, info, true));
        if (r.error === 'KeyNotFound') return this.finish(op, 404, S.notFound(info, req.name!));
        this.storageError(op, r);
      });
    });
  }

  /**
   * deletecollection: every matching object goes through the same delete as a single DELETE
   * (graceful pod deletion, finalizers, propagation), and the answer lists what was deleted.
   */
  private doDeleteCollection(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    const labels = req.query?.labelSelector ? parseLabelSelector(req.query.labelSelector) : undefined;
    const fields = req.query?.fieldSelector ? parseFieldSelector(req.query.fieldSelector, info.kind) : undefined;
    const items = this.cache
      .list(info, req.namespace)
      .filter((o) => (!labels || labels.matches(o.metadata?.labels)) && (!fields || fields.matches(o)));
    const deleted: KubeObject[] = [];
    let left = items.length;
    const done = () => this.finish(op, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion: String(this.cache.revision) }, items: deleted } as KubeObject);
    if (left === 0) return done();
    for (const item of items) {
      const sub: Operation = {
        req: { ...req, verb: 'delete', name: item.metadata!.name, namespace: item.metadata?.namespace },
        info,
        user: op.user,
        warnings: [],
        attempts: 0,
        started: op.started,
        onFinish: (code, body) => {
          if (code < 300) deleted.push(item);
          if (--left === 0) done();
          void body;
        },
      };
      this.doDelete(sub, info);
    }
  }

  /** The grace period a delete gets: pods default to their terminationGracePeriodSeconds; an unbound or finished pod goes at once. */
  // ---- etcd and responses --------------------------------------------------------------------

  private etcd(op: Operation, request: DistributiveOmit<EtcdRequest, 'id' | 'from'>, then: (r: EtcdResult) => void): void {
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

  private storageError(op: Operation, r: EtcdResult): void {
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

  private respond(op: Operation, code: number, body: KubeObject | Status): void {
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
    for (const kv of kvs) {
      const obj = decode(kv) as Obj;
      if (kv.key.startsWith('/registry/clusterroles/') || kv.key.startsWith('/registry/clusterrolebindings/') || kv.key.startsWith('/registry/roles/') || kv.key.startsWith('/registry/rolebindings/')) {
        this.rbac.upsert(obj as never);
      } else {
        const info = resourceOfKey(kv.key);
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

type ApiRequestPolicy = 'Background' | 'Foreground' | 'Orphan';

/** 400 `Deployment in version "v1" cannot be handled as a Deployment: <decoder error>` (the serializer's wording). */
function cannotBeHandled(kind: string, version: string, error: string): Status {
  return S.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${error}`);
}

/** 422 ` "" is invalid: patch: Invalid value: "<patched>": <decoder error>`, as patch.go answers a patch whose result does not decode. */
function patchInvalid(value: string, error: string): Status {
  return S.invalid('', '', [S.fieldError.invalid('patch', value, error)]);
}

/** The JSON type of a value as Go's decoder names it in `cannot unmarshal <type>`. */
function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

/** Server-side apply found fields another manager owns (answered 409 FieldManagerConflict). */
class ApplyConflictError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}
type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

/** A created object as stored; a dry-run create (modRevision 0, nothing stored) has no resourceVersion. */
function decodeCreated(kv: KeyValue): KubeObject {
  return kv.modRevision === 0 ? kv.value : decode(kv);
}


function stripRv(obj: Obj): Obj {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}


/** The autoscaling/v1 Scale of a deployment, replica set or replication controller. */
function toScale(info: ResourceInfo, obj: Obj): Obj {
  // a ReplicationController's selector is a plain map
  const selector = (info.kind === 'ReplicationController' ? obj.spec?.selector : obj.spec?.selector?.matchLabels) as Record<string, string> | undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
      creationTimestamp: obj.metadata?.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: selector ? Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') : '',
    },
  };
}

