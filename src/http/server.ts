/**
 * The Kubernetes HTTP API of a simulated cluster, for the real kubectl and client libraries: an
 * HTTPS server (self-signed certificate) that is a thin adapter. Each HTTP request becomes an
 * `api.request` from the user's client actor (`http/<user>`) through the kernel's network to the
 * API server, which authenticates, authorizes, admits and persists it as it does every other
 * request of the simulation; the HTTP answer is the API server's answer, rendered as the client
 * asked (JSON, YAML, a Table). Watches stream the API server's `watch.*` events as JSON lines.
 *
 * Only static documents are answered here (`/version`, discovery, OpenAPI), and only after the
 * API server has authenticated the caller (`/version` and `/healthz` are public, as on a real
 * cluster). Server-side apply's field management is computed here and written through the API
 * server (see `apply.ts`).
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { NetworkSource } from '../../machines/kubelet/network.js';
import type { SourceReader } from '../../machines/kubelet/config-sources.js';
import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { stringify as stringifyYaml } from 'yaml';
import type { InspectionEvent } from 'xstate';
import type { Kernel } from '../kernel/kernel.js';
import * as S from '../api/status.js';
import type { KubeObject, Status } from '../api/types.js';
import type { ApiResponse, WatchClosed, WatchEvent } from '../../machines/protocol.js';
import { WATCH_TYPES } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import type { TokenEntry } from '../../machines/api-server/auth.js';
import type { ClusterUsers } from '../cluster/bootstrap.js';
import type { ImageEntry } from '../profiles/images.js';
import type { ContainerTraffic } from '../cluster/traffic.js';
import { Gateway } from './gateway.js';
import { route, type ResourceRequest, type Route } from './routes.js';
import {
  AGGREGATED_DISCOVERY_V2,
  AGGREGATED_DISCOVERY_V2BETA1,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
} from './discovery.js';
import { openApiRoot, serveOpenApiDocument } from './openapi.js';
import { serveOpenApiV2 } from './openapi-v2.js';
import { bodyType, negotiateDiscovery, negotiateOutput, OBJECT_CONTENT_TYPES, PATCH_CONTENT_TYPES, type BodyType, type Output } from './media.js';
import { isList, isObjectOf, toPartial, toTable } from './table.js';
import { answerAsV1, HPA_V2, isHpaV1 } from '../api/autoscaling-v1.js';
import { patchV1, v1Answer, v1BodyToV2 } from './autoscaling-v1.js';
import { answerAsEventsV1, CORE_EVENTS, isEventsV1 } from '../api/events-v1.js';
import { applyEventsV1, eventsV1Answer, eventsV1Request, writeEventsV1 } from './events-v1.js';
import { createSelfSignedCertificate, type SelfSignedCertificate } from './tls.js';
import { decodeProtobuf, isProtobuf, ProtobufError } from './protobuf.js';
import { writeKubeconfig, type KubeconfigUser } from './kubeconfig.js';
import { POD_LOG_PATH, servePodLog } from './logs.js';
import { POD_STREAM_PATH, servePodStream, type Upgrade } from './streams.js';
import { servePortForward } from './portforward.js';
import {
  bearerToken,
  decodeBody,
  drain,
  HttpError,
  impersonationOf,
  isPlainObject,
  managerFromUserAgent,
  patchTypeOf,
  readAll,
  retryAfterHeader,
  statusFor,
  warningHeader,
  withCreateManagedFields,
} from './request.js';

/** What the HTTP server needs of a cluster (a `Cluster` from `createCluster` has all of it). */
export interface ServedCluster {
  readonly kernel: Kernel;
  /** Users and their tokens (for naming client actors and writing the kubeconfig). */
  readonly users: ClusterUsers | Readonly<Record<string, TokenEntry>>;
  readonly options?: { inspect?: (event: InspectionEvent) => void };
  /** The timing profile (its image catalog serves the logs). */
  readonly profile?: { catalog?: ImageEntry[] };
  /** Lines containers wrote serving traffic (port-forward), shown in their logs. */
  readonly traffic?: ContainerTraffic;
  /** Reads the ConfigMaps and Secrets pods use (their containers' env and files in logs and exec). */
  readonly sources?: SourceReader;
  /** The network pods see (an exec's is captured at its start; machines/kubelet/network.ts). */
  readonly network?: NetworkSource;
}

/** Options of the HTTP server. */
export interface HttpServerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** TLS: a certificate to use, or false for plain HTTP (kubectl then sends no token). Default: a fresh self-signed one. */
  tls?: Pick<SelfSignedCertificate, 'cert' | 'key'> | false;
  /** Users written to the kubeconfig, by their key in `cluster.users`. Default admin, guest, viewer. */
  kubeconfigUsers?: readonly string[];
  /** Largest request body accepted (bytes). Default 3 MiB (413 beyond). */
  maxBodyBytes?: number;
  /** Watches without `timeoutSeconds` end after this many wall seconds. Default 1800. */
  watchTimeoutSeconds?: number;
  /** Virtual ms a request waits for the API server (then 504). Default 60 s. */
  requestTimeoutMs?: number;
  /** Log each request (method, path, code, ms) here. */
  log?: (line: string) => void;
  /**
   * The checks `/readyz` and `/livez` list (besides `ping`), each ok or failed with a reason:
   * `serve` adds whether the simulation still runs. Default: none.
   */
  healthChecks?: () => { readyz: HealthCheck[]; livez: HealthCheck[] };
  /** Why the simulation cannot go on, if it cannot: requests are answered 500 with it at once. */
  failure?: () => string | undefined;
}

/** One check of `/readyz` or `/livez`. */
export interface HealthCheck {
  name: string;
  /** Undefined when the check passes, else why it fails. */
  failure?: string;
}

/** Counters of the server. */
export interface HttpServerStats {
  requests: number;
  byCode: Record<string, number>;
  watchesOpen: number;
  watchEvents: number;
}

type Body = KubeObject | Status | Record<string, unknown>;

const DEFAULT_USERS = ['admin', 'guest', 'viewer'];
const PROBE: RequestSpec = { verb: 'create', resource: 'selfsubjectreviews', group: 'authentication.k8s.io', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } };

/** The Kubernetes API over HTTPS for one simulated cluster. */
export class KubeHttpServer {
  readonly server: HttpsServer | HttpServer;
  readonly gateway: Gateway;
  /** The certificate served (undefined over plain HTTP). */
  readonly certificate: Pick<SelfSignedCertificate, 'cert' | 'key'> | undefined;
  readonly stats: HttpServerStats = { requests: 0, byCode: {}, watchesOpen: 0, watchEvents: 0 };
  private readonly options: Required<Omit<HttpServerOptions, 'tls' | 'log' | 'healthChecks' | 'failure'>> & Pick<HttpServerOptions, 'log' | 'healthChecks' | 'failure'>;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<() => void>();
  private closed = false;

  constructor(
    readonly cluster: ServedCluster,
    options: HttpServerOptions = {},
  ) {
    this.options = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      kubeconfigUsers: options.kubeconfigUsers ?? DEFAULT_USERS,
      maxBodyBytes: options.maxBodyBytes ?? 3 * 1024 * 1024,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      log: options.log,
      healthChecks: options.healthChecks,
      failure: options.failure,
    };
    this.gateway = new Gateway(cluster.kernel, {
      users: Gateway.usersOf(cluster.users as Record<string, TokenEntry>),
      inspect: cluster.options?.inspect,
      timeoutMs: this.options.requestTimeoutMs,
      failure: options.failure,
    });
    const handler = (req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade) => {
      this.handle(req, res, upgrade).catch((error: unknown) => {
        if (!res.headersSent) this.send(req, res, 500, S.internalError(error instanceof Error ? error.message : String(error)));
        else res.destroy();
      });
    };
    if (options.tls === false) {
      this.certificate = undefined;
      this.server = createHttpServer(handler);
    } else {
      this.certificate = options.tls ?? createSelfSignedCertificate({ hosts: ['127.0.0.1', 'localhost'] });
      this.server = createHttpsServer({ cert: this.certificate.cert, key: this.certificate.key }, handler);
    }
    // an Upgrade request (exec, attach, port-forward) is answered on its socket: a Status through
    // a ServerResponse bound to it, or the upgraded stream
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const res = new ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.shouldKeepAlive = false;
      res.on('finish', () => socket.end());
      handler(req, res, { socket, head, release: () => res.detachSocket(socket as Socket) });
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.keepAliveTimeout = 60_000;
    // a request Node cannot even parse still gets a Status
    this.server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const body = JSON.stringify(S.badRequest(`malformed HTTP request: ${error.code ?? error.message}`));
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  }

  /** Starts listening; resolves once the port is bound. */
  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve(this);
      });
    });
  }

  /** The port listened on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `https://127.0.0.1:<port>`. */
  get url(): string {
    return `${this.certificate ? 'https' : 'http'}://${this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host}:${this.port}`;
  }

  /** The users the kubeconfig names. */
  kubeconfigUsers(): KubeconfigUser[] {
    return this.options.kubeconfigUsers
      .filter((name) => this.users[name] !== undefined)
      .map((name) => ({ name, token: this.users[name]!.token }));
  }

  private get users(): Readonly<Record<string, TokenEntry>> {
    return this.cluster.users as unknown as Readonly<Record<string, TokenEntry>>;
  }

  /** Writes a kubeconfig for this server (contexts `kube-actors-<user>`, admin current); returns its text. */
  writeKubeconfig(path: string): string {
    return writeKubeconfig(path, { server: this.url, caCert: this.certificate?.cert, users: this.kubeconfigUsers() });
  }

  /** Stops accepting requests, ends watches and connections, stops the client actors. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.watches]) stop();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await done;
    this.gateway.close();
  }

  // ---- request handling ---------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): Promise<void> {
    this.stats.requests++;
    const started = performance.now();
    if (this.options.log) {
      res.on('finish', () => this.options.log!(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`));
    }
    const token = bearerToken(req.headers.authorization);
    const method = (req.method ?? 'GET').toUpperCase();
    const log = method === 'GET' ? POD_LOG_PATH.exec(req.url ?? '') : null;
    if (log) {
      return this.afterAuthentication(req, res, token, () =>
        servePodLog({ gateway: this.gateway, kernel: this.cluster.kernel, catalog: this.cluster.profile?.catalog, traffic: this.cluster.traffic, sources: this.cluster.sources, sendStatus: (code, status) => this.send(req, res, code, status) }, req, res, token, log[1]!, log[2]!),
      );
    }
    const stream = POD_STREAM_PATH.exec(req.url ?? '');
    if (stream) {
      const send = (code: number, status: Status) => this.send(req, res, code, status);
      const deps = { gateway: this.gateway, kernel: this.cluster.kernel, catalog: this.cluster.profile?.catalog, traffic: this.cluster.traffic, sources: this.cluster.sources, network: this.cluster.network, sendStatus: send, ...impersonationOf(req), portForward: servePortForward };
      return servePodStream(deps, req, upgrade, token, stream[1]!, stream[2]!, stream[3] as 'exec' | 'attach' | 'portforward');
    }
    let r: Route;
    try {
      r = route(method, req.url ?? '/');
    } catch (error) {
      r = { kind: 'error', code: 400, message: error instanceof Error ? error.message : String(error) };
    }
    switch (r.kind) {
      case 'version':
        if (token) return this.afterAuthorization(req, res, token, () => this.send(req, res, 200, SERVER_VERSION));
        return this.send(req, res, 200, SERVER_VERSION);
      case 'health': {
        // with a token, authenticated and authorized as any request (a bad token is 401); the
        // checks still answer when the simulation stopped (their own failure says why)
        if (token) {
          const path = (req.url ?? '/').split('?')[0] || '/';
          const probe = await this.gateway.request(token, { verb: 'get', resource: '', nonResourceURL: path, ...impersonationOf(req) });
          if (probe.code === 401 || probe.code === 403) return this.send(req, res, probe.code, probe.body, probe.warnings);
        }
        const answer = this.health(r.check, new URL(req.url ?? '/', 'http://localhost').searchParams);
        if (!answer) return this.send(req, res, 404, statusFor(404, 'the server could not find the requested resource'));
        const { code, text } = answer;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.writeHead(code);
        res.end(text);
        this.count(code);
        return;
      }
      case 'error':
        await drain(req);
        return this.afterAuthorization(req, res, token, () => this.send(req, res, r.code, statusFor(r.code, r.message)));
      case 'discovery':
        return this.afterAuthorization(req, res, token, () => this.discovery(req, res, r.which));
      case 'group':
        return this.afterAuthorization(req, res, token, () => {
          const doc = apiGroup(r.group);
          return doc ? this.send(req, res, 200, doc) : this.send(req, res, 404, statusFor(404, 'the server could not find the requested resource'));
        });
      case 'resources':
        return this.afterAuthorization(req, res, token, () => this.send(req, res, 200, apiResourceList(r.group, r.version)!));
      case 'openapi-root':
        return this.afterAuthorization(req, res, token, () => this.send(req, res, 200, openApiRoot()));
      case 'openapi-v2':
        return this.afterAuthorization(req, res, token, () => this.count(serveOpenApiV2(req, res)));
      case 'openapi':
        return this.afterAuthorization(req, res, token, () => {
          const code = serveOpenApiDocument(req, res, r.key, r.hash);
          if (code === undefined) return this.send(req, res, 404, statusFor(404, 'the server could not find the requested resource'));
          this.count(code);
        });
      case 'resource':
        return this.resource(req, res, token, r.request);
    }
  }

  /**
   * `/healthz`, `/livez`, `/readyz` as kube-apiserver's healthz handler answers them: `ok`, or
   * with `?verbose` one line per check (`[+]ping ok`, `[-]simulation failed: <reason>`) and
   * `readyz check passed`; a failing check makes it 500 and verbose whatever was asked;
   * `/readyz/<check>` runs one check; `?exclude=<check>` leaves one out.
   */
  private health(path: string, params: URLSearchParams): { code: number; text: string } | undefined {
    const [endpoint, only] = path.split('/') as [string, string | undefined];
    const extra = this.options.healthChecks?.();
    const own = endpoint === 'readyz' ? extra?.readyz : endpoint === 'livez' ? extra?.livez : [...(extra?.livez ?? [])];
    const excluded = new Set(params.getAll('exclude'));
    let checks: HealthCheck[] = [{ name: 'ping' }, { name: 'log' }, ...(own ?? [])].filter((c) => !excluded.has(c.name));
    if (only !== undefined) {
      checks = checks.filter((c) => c.name === only);
      if (checks.length === 0) return undefined;
      const c = checks[0]!;
      return c.failure === undefined ? { code: 200, text: 'ok' } : { code: 500, text: `internal server error: ${c.failure}\n` };
    }
    const failed = checks.some((c) => c.failure !== undefined);
    const verbose = params.has('verbose') || failed;
    if (!verbose) return { code: 200, text: 'ok' };
    const lines = checks.map((c) => (c.failure === undefined ? `[+]${c.name} ok` : `[-]${c.name} failed: ${c.failure}`));
    lines.push(failed ? `${endpoint} check failed` : `${endpoint} check passed`);
    return { code: failed ? 500 : 200, text: `${lines.join('\n')}\n` };
  }

  /**
   * Runs `then` once the API server has authenticated the caller (and its impersonation), and
   * the caller may ask things at all: 401, 403 or 5xx otherwise.
   */
  private async afterAuthentication(req: IncomingMessage, res: ServerResponse, token: string, then: () => void | Promise<void>): Promise<void> {
    const probe = await this.gateway.request(token, { ...PROBE, ...impersonationOf(req) });
    if (probe.code === 401 || probe.code === 403 || probe.code >= 500) return this.send(req, res, probe.code, probe.body, probe.warnings);
    return then();
  }

  /**
   * Runs `then` once the API server has authorized the caller for this non-resource path
   * (`get /apis`, as RBAC's `system:discovery` allows authenticated users): 401, 403 or 5xx otherwise.
   */
  private async afterAuthorization(req: IncomingMessage, res: ServerResponse, token: string, then: () => void | Promise<void>): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] || '/';
    const verb = (req.method ?? 'GET').toLowerCase() as RequestSpec['verb'];
    const probe = await this.gateway.request(token, { verb, resource: '', nonResourceURL: path, ...impersonationOf(req) });
    if (probe.code === 401 || probe.code === 403 || probe.code >= 500) {
      await drain(req);
      return this.send(req, res, probe.code, probe.body, probe.warnings);
    }
    return then();
  }

  private discovery(req: IncomingMessage, res: ServerResponse, which: 'api' | 'apis'): void {
    const kind = negotiateDiscovery(req.headers.accept);
    if (kind === undefined) return this.send(req, res, 406, S.notAcceptable(['application/json', 'application/yaml', AGGREGATED_DISCOVERY_V2]));
    if (kind === 'v2' || kind === 'v2beta1') {
      const body = JSON.stringify(aggregatedDiscovery(which, kind));
      res.setHeader('Content-Type', kind === 'v2' ? AGGREGATED_DISCOVERY_V2 : AGGREGATED_DISCOVERY_V2BETA1);
      res.setHeader('Vary', 'Accept');
      res.setHeader('Cache-Control', 'no-cache, private');
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.writeHead(200);
      res.end(body);
      this.count(200);
      return;
    }
    const host = `${this.options.host}:${this.port}`;
    this.send(req, res, 200, which === 'api' ? apiVersions(host) : apiGroupList());
  }

  private async resource(req: IncomingMessage, res: ServerResponse, token: string, rr: ResourceRequest): Promise<void> {
    const output = negotiateOutput(req.headers.accept);
    if (!output) {
      await drain(req);
      return this.afterAuthentication(req, res, token, () =>
        this.send(req, res, 406, S.notAcceptable(['application/json', 'application/yaml', 'application/json;as=Table;v=v1;g=meta.k8s.io'])),
      );
    }
    // the body
    let body: unknown;
    let type: BodyType | undefined;
    try {
      ({ body, type } = await this.readBody(req, rr));
    } catch (error) {
      if (error instanceof HttpError) return this.afterAuthentication(req, res, token, () => this.send(req, res, error.status.code!, error.status, undefined, output));
      throw error;
    }
    const spec: RequestSpec = {
      verb: rr.verb,
      resource: rr.resource,
      group: rr.group,
      ...(rr.namespace !== undefined ? { namespace: rr.namespace } : {}),
      ...(rr.name !== undefined ? { name: rr.name } : {}),
      ...(rr.subresource !== undefined ? { subresource: rr.subresource } : {}),
      ...(body !== undefined ? { body } : {}),
      query: { ...rr.query, ...(type ? patchTypeOf(type) : {}), ...(rr.dryRun ? { dryRun: true } : {}) },
      ...impersonationOf(req),
    };
    if (spec.query && Object.keys(spec.query).length === 0) delete spec.query;
    if (isEventsV1(rr.info)) return this.eventsV1(req, res, token, rr, spec, type, output);
    if (rr.verb === 'watch') return this.watch(req, res, token, rr, spec, output);
    if (isHpaV1(rr.info)) return this.hpaV1(req, res, token, rr, spec, type, output);
    if (rr.verb === 'create' && !rr.subresource && rr.info && !rr.info.virtual && isPlainObject(body)) {
      spec.body = withCreateManagedFields(body, rr.info, rr.query.fieldManager ?? managerFromUserAgent(req.headers['user-agent']), this.cluster.kernel.timestamp());
    }
    const answer = await this.gateway.request(token, spec);
    this.answer(req, res, rr, answer, output);
  }

  /** An autoscaling/v1 HorizontalPodAutoscaler request: converted to and from the stored autoscaling/v2 (`autoscaling-v1.ts`). */
  private async hpaV1(req: IncomingMessage, res: ServerResponse, token: string, rr: ResourceRequest, spec: RequestSpec, type: BodyType | undefined, output: Output): Promise<void> {
    const request = (s: RequestSpec) => this.gateway.request(token, s);
    if (type === 'apply-patch') {
      const status = { ...S.unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']), message: 'server-side apply of an autoscaling/v1 HorizontalPodAutoscaler is not supported by kube-actors: apply it as autoscaling/v2' };
      return this.forwardOr(req, res, token, spec, output, rr, status);
    }
    if (rr.verb === 'patch') {
      const answer = await patchV1(request, spec, spec.query?.patchType ?? 'merge');
      return output.as ? this.answer(req, res, { ...rr, info: HPA_V2 }, answer, output) : this.answer(req, res, rr, v1Answer(answer), output);
    }
    let warnings: string[] = [];
    if ((rr.verb === 'create' || rr.verb === 'update') && isPlainObject(spec.body)) {
      const converted = v1BodyToV2(spec.body, rr.query.fieldValidation, rr.subresource);
      if ('error' in converted) return this.forwardOr(req, res, token, spec, output, rr, converted.error);
      warnings = converted.warnings;
      spec.body = converted.body;
      if (rr.verb === 'create' && !rr.subresource && isPlainObject(spec.body)) {
        spec.body = withCreateManagedFields(spec.body, HPA_V2, rr.query.fieldManager ?? managerFromUserAgent(req.headers['user-agent']), this.cluster.kernel.timestamp());
      }
    }
    const answer = await request(spec);
    const withWarnings = warnings.length > 0 ? { ...answer, warnings: [...warnings, ...(answer.warnings ?? [])] } : answer;
    // a Table prints the stored object (kube-apiserver's printer reads the internal one); everything else is converted
    if (output.as) return this.answer(req, res, { ...rr, info: HPA_V2 }, withWarnings, output);
    this.answer(req, res, rr, v1Answer(withWarnings), output);
  }

  /** An events.k8s.io/v1 Event request: the core Events, converted (`events-v1.ts`). */
  private async eventsV1(req: IncomingMessage, res: ServerResponse, token: string, rr: ResourceRequest, spec: RequestSpec, type: BodyType | undefined, output: Output): Promise<void> {
    const prepared = eventsV1Request(spec);
    if ('error' in prepared) return this.forwardOr(req, res, token, { ...spec, group: '', requestGroup: 'events.k8s.io' }, output, rr, prepared.error);
    if (rr.verb === 'watch') return this.watch(req, res, token, rr, prepared.spec, output);
    const request = (s: RequestSpec) => this.gateway.request(token, s);
    if (type === 'apply-patch') {
      const applied = await applyEventsV1(request, prepared.spec, () => this.cluster.kernel.timestamp());
      if (output.as) return this.answer(req, res, { ...rr, info: CORE_EVENTS }, applied, output);
      return this.answer(req, res, rr, eventsV1Answer(applied), output);
    }
    const manager = rr.query.fieldManager ?? managerFromUserAgent(req.headers['user-agent']);
    const write = rr.verb === 'create' || rr.verb === 'update' || rr.verb === 'patch';
    const answer = write ? await writeEventsV1(request, prepared.spec, (body) => withCreateManagedFields(body, CORE_EVENTS, manager, this.cluster.kernel.timestamp())) : await request(prepared.spec);
    // a Table prints the stored object (kube-apiserver's printer reads the internal one); everything else is converted
    if (output.as) return this.answer(req, res, { ...rr, info: CORE_EVENTS }, answer, output);
    this.answer(req, res, rr, eventsV1Answer(answer), output);
  }

  /** Reads and decodes the request body for the verb. */
  private async readBody(req: IncomingMessage, rr: ResourceRequest): Promise<{ body: unknown; type: BodyType | undefined }> {
    const raw = await readAll(req, this.options.maxBodyBytes);
    const text = raw.toString('utf8');
    const empty = text.trim() === '';
    const contentType = req.headers['content-type'];
    if ((rr.verb === 'create' || rr.verb === 'update' || rr.verb === 'delete' || rr.verb === 'deletecollection') && isProtobuf(contentType) && raw.length > 0) {
      // kubectl's typed generators (create deployment, create namespace, ...) and client-go send protobuf
      let obj: Record<string, unknown>;
      try {
        obj = decodeProtobuf(raw);
      } catch (error) {
        if (!(error instanceof ProtobufError)) throw error;
        const unsupported = /not supported/.test(error.message);
        throw new HttpError(unsupported ? { ...S.unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']), message: error.message } : S.badRequest(`protobuf: ${error.message}`));
      }
      const isDeleteOptions = obj.kind === 'DeleteOptions';
      if (isDeleteOptions !== (rr.verb === 'delete' || rr.verb === 'deletecollection')) {
        throw new HttpError(S.badRequest(`a ${String(obj.kind)} is not the body of a ${rr.verb}`));
      }
      if (isDeleteOptions) {
        delete obj.apiVersion;
        delete obj.kind;
      }
      return { body: obj, type: undefined };
    }
    if (rr.verb === 'create' || rr.verb === 'update') {
      const type = bodyType(contentType, OBJECT_CONTENT_TYPES);
      if (!type) throw new HttpError(S.unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']));
      if (empty) return { body: undefined, type: undefined };
      return { body: decodeBody(text, type === 'yaml', rr.subresource ? undefined : rr.info?.kind), type: undefined };
    }
    if (rr.verb === 'patch') {
      const type = bodyType(contentType, PATCH_CONTENT_TYPES);
      if (!type || !contentType) {
        throw new HttpError(S.unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json']));
      }
      if (empty) return { body: undefined, type };
      return { body: decodeBody(text, type === 'apply-patch'), type };
    }
    if (rr.verb === 'delete' || rr.verb === 'deletecollection') {
      if (empty) return { body: undefined, type: undefined };
      const type = bodyType(contentType, OBJECT_CONTENT_TYPES);
      if (!type) throw new HttpError(S.unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']));
      const options = decodeBody(text, type === 'yaml');
      if (!isPlainObject(options)) throw new HttpError(S.badRequest('the body of a delete must be DeleteOptions (a JSON object)'));
      return { body: options, type: undefined };
    }
    return { body: undefined, type: undefined };
  }

  /** Writes the API server's answer, converted as the client asked. */
  private answer(req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, answer: ApiResponse, output: Output): void {
    let body: Body = answer.body;
    if (answer.code < 300 && rr.info && !rr.subresource && output.as) {
      if (output.as === 'Table' && (isList(body) || isObjectOf(rr.info, body))) {
        body = toTable(rr.info, body, this.now(), { includeObject: rr.includeObject, version: output.version });
      } else if ((output.as === 'PartialObjectMetadata' || output.as === 'PartialObjectMetadataList') && (isList(body) || isObjectOf(rr.info, body))) {
        body = toPartial(body, output.version);
      }
    }
    this.send(req, res, answer.code, body, answer.warnings, output);
  }

  private now(): number {
    return this.cluster.kernel.epoch + this.cluster.kernel.now();
  }

  // ---- watch ----------------------------------------------------------------------------------

  private async watch(req: IncomingMessage, res: ServerResponse, token: string, rr: ResourceRequest, spec: RequestSpec, output: Output): Promise<void> {
    const v1 = isHpaV1(rr.info);
    const eventsV1 = isEventsV1(rr.info);
    const info = v1 ? HPA_V2 : eventsV1 ? CORE_EVENTS : rr.info;
    const wantBookmarks = rr.query.allowWatchBookmarks === true || rr.query.sendInitialEvents === true;
    let streaming = false;
    let ended = false;
    let first = true;
    const queue: (WatchEvent | WatchClosed)[] = [];
    const end = () => {
      if (ended) return;
      ended = true;
      this.watches.delete(end);
      clearTimeout(timer);
      handle.stop();
      if (streaming) this.stats.watchesOpen--;
      if (!res.writableEnded) res.end();
    };
    const write = (event: WatchEvent | WatchClosed) => {
      if (ended) return;
      if (event.type === 'watch.closed') return end();
      const type = WATCH_TYPES[event.type];
      if (type === 'BOOKMARK' && !wantBookmarks) return;
      let object: unknown = event.object;
      if (info && type !== 'ERROR' && type !== 'BOOKMARK' && output.as === 'Table' && isObjectOf(info, object)) {
        object = toTable(info, object, this.now(), { includeObject: rr.includeObject, noHeaders: !first, version: output.version });
        first = false;
      } else if (info && type !== 'ERROR' && output.as && output.as !== 'Table' && isObjectOf(info, object)) {
        object = toPartial(object, output.version);
      } else if (v1 && !output.as) {
        object = type === 'BOOKMARK' ? { ...(object as KubeObject), apiVersion: 'autoscaling/v1' } : answerAsV1(object);
      } else if (eventsV1 && !output.as && type !== 'ERROR') {
        object = type === 'BOOKMARK' ? { ...(object as KubeObject), apiVersion: 'events.k8s.io/v1' } : answerAsEventsV1(object);
      }
      this.stats.watchEvents++;
      res.write(`${JSON.stringify({ type, object })}\n`);
      if (type === 'ERROR') end();
    };
    const handle = this.gateway.watch(token, spec, (event) => {
      if (streaming) write(event);
      else queue.push(event);
    });
    const seconds = rr.timeoutSeconds ?? this.options.watchTimeoutSeconds;
    const timer = setTimeout(end, Math.max(0, seconds) * 1000);
    timer.unref?.();
    this.watches.add(end);
    res.on('close', end);
    const answer = await handle.started;
    if (ended) return;
    if (answer.code >= 300) {
      ended = true;
      this.watches.delete(end);
      clearTimeout(timer);
      handle.stop();
      return this.send(req, res, answer.code, answer.body, answer.warnings, output);
    }
    streaming = true;
    this.stats.watchesOpen++;
    this.count(200);
    res.setHeader('Content-Type', 'application/json'); // watch events are JSON lines whatever the format asked
    res.setHeader('Cache-Control', 'no-cache, private');
    res.setHeader('Transfer-Encoding', 'chunked');
    if (answer.warnings) res.setHeader('Warning', answer.warnings.map(warningHeader));
    res.writeHead(200);
    res.flushHeaders();
    for (const e of queue.splice(0)) write(e);
  }

  // ---- server-side apply ------------------------------------------------------------------------

  /** Sends the request as it came; the API server's answer goes back. */
  private async forward(req: IncomingMessage, res: ServerResponse, token: string, spec: RequestSpec, output: Output, rr: ResourceRequest): Promise<void> {
    const answer = await this.gateway.request(token, spec);
    this.answer(req, res, rr, answer, output);
  }

  /** Answers `status` if the caller may read the object, else what the API server says. */
  private async forwardOr(req: IncomingMessage, res: ServerResponse, token: string, spec: RequestSpec, output: Output, rr: ResourceRequest, status: Status): Promise<void> {
    const check = await this.gateway.request(token, { ...spec, verb: 'get', body: undefined, query: undefined });
    if (check.code === 401 || check.code === 403 || check.code >= 500) return this.send(req, res, check.code, check.body, undefined, output);
    this.send(req, res, status.code ?? 400, status, undefined, output);
  }

  // ---- writing ---------------------------------------------------------------------------------------

  private count(code: number): void {
    this.stats.byCode[code] = (this.stats.byCode[code] ?? 0) + 1;
  }

  private send(req: IncomingMessage, res: ServerResponse, code: number, body: Body, warnings?: string[], output?: Output): void {
    if (res.headersSent || res.destroyed) return;
    this.count(code);
    const yaml = output?.format === 'yaml';
    const text = yaml ? stringifyYaml(body) : JSON.stringify(body);
    res.setHeader('Content-Type', yaml ? 'application/yaml' : 'application/json');
    res.setHeader('Cache-Control', 'no-cache, private');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    if (warnings && warnings.length > 0) res.setHeader('Warning', warnings.map(warningHeader));
    const retryAfter = retryAfterHeader(body);
    if (retryAfter) res.setHeader('Retry-After', retryAfter);
    res.writeHead(code);
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}

/** Options of {@link serveCluster}. */
export interface ServeClusterOptions extends HttpServerOptions {
  /** Write a kubeconfig here once listening. */
  kubeconfigPath?: string;
}

/** Starts the HTTP API of a cluster (the caller drives the kernel, e.g. with a RealtimeDriver). */
export async function serveCluster(cluster: ServedCluster, options: ServeClusterOptions = {}): Promise<KubeHttpServer> {
  const server = new KubeHttpServer(cluster, options);
  await server.listen();
  if (options.kubeconfigPath) server.writeKubeconfig(options.kubeconfigPath);
  return server;
}
