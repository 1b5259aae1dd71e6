/**
 * The HTTP layer's door into the simulation: one client actor per bearer token, registered on
 * the kernel's network as `http/<user>`, through which every HTTP request reaches the API server
 * as an `api.request` and every answer comes back as an `api.response` (or a stream of `watch.*`
 * events). The gateway never looks at etcd: what it returns is what the API server answered.
 */
import { createHash } from 'node:crypto';
import { createActor, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { Kernel } from '../kernel/kernel.js';
import { Port } from '../kernel/port.js';
import * as S from '../api/status.js';
import type { ApiResponse, WatchClosed, WatchEvent } from '../../machines/protocol.js';
import { API_SERVER } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import type { TokenEntry } from '../../machines/api-server/auth.js';
import { flowLabel } from '../cluster/client.js';
import { kubectlMachine } from '../../machines/kubectl.js';

/** Options of a gateway. */
export interface GatewayOptions {
  /** Known users, to name their actors `http/<name>` (unknown tokens get `http/token-<hash>`). */
  users?: readonly { name: string; token: string }[];
  /** XState inspection of the client actors (the cluster's inspector). */
  inspect?: (event: InspectionEvent) => void;
  /** Host the client actors run on (for partitions). Default `http`. */
  host?: string;
  /** Virtual ms a request may wait for its answer (then 504). Default 60 s. */
  timeoutMs?: number;
  /** Most actors kept for tokens no user has (least recently used ones are dropped). Default 32. */
  maxUnknownTokens?: number;
  /**
   * Wall-clock ms a request may wait (then 504): virtual time may be paused (the inspector's
   * pause) or crawl (`--speed 0.01`). Default 120 s.
   */
  wallTimeoutMs?: number;
  /**
   * Why the simulation cannot go on, if it cannot (the real-time driver stopped on an error):
   * requests are then answered 500 at once with that reason instead of waiting for a timeout.
   */
  failure?: () => string | undefined;
}

/** A watch the gateway holds open for an HTTP connection. */
export interface GatewayWatch {
  /** The API server's first answer: 200 when the watch started, or its error Status. */
  readonly started: Promise<ApiResponse>;
  /** Ends the watch (sends `watch.cancel`). */
  stop(): void;
}

interface Entry {
  address: string;
  actor: AnyActorRef;
  known: boolean;
  lastUsed: number;
  busy: number;
}

/** The name a user's actor gets: `http/<name>`. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._:-]/g, '-');
}

/** Routes HTTP requests through per-user client actors. */
export class Gateway {
  private readonly actors = new Map<string, Entry>();
  private readonly names = new Map<string, string>();
  private readonly host: string;
  private readonly maxUnknown: number;
  private useCounter = 0;
  private readonly pending = new Set<(res: ApiResponse) => void>();
  /** Counters for the benchmark and the tests. */
  readonly stats = { requests: 0, watches: 0, openWatches: 0, timeouts: 0 };

  constructor(
    readonly kernel: Kernel,
    private readonly options: GatewayOptions = {},
  ) {
    this.host = options.host ?? 'http';
    this.maxUnknown = options.maxUnknownTokens ?? 32;
    for (const u of options.users ?? []) this.names.set(u.token, u.name);
  }

  /** Names users by their TokenEntry list (`admin`, `guest`, ...). */
  static usersOf(entries: Record<string, TokenEntry>): { name: string; token: string }[] {
    return Object.entries(entries).map(([name, e]) => ({ name, token: e.token }));
  }

  /** The address of the actor serving a token. */
  addressOf(token: string): string {
    if (!token) return 'http/anonymous';
    const name = this.names.get(token);
    if (name) return `http/${safe(name)}`;
    return `http/token-${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
  }

  private entry(token: string): Entry {
    let e = this.actors.get(token);
    if (!e) {
      const address = this.addressOf(token);
      const known = !token || this.names.has(token);
      if (!known) this.evictUnknown();
      const actor = createActor(kubectlMachine, {
        input: { port: new Port(this.kernel, address), token, apiServer: API_SERVER, timeoutMs: this.options.timeoutMs ?? 60_000 },
        clock: this.kernel.clock,
        id: address,
        systemId: address,
        ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
      }) as AnyActorRef;
      actor.subscribe({ error: (error: unknown) => this.kernel.reportError(address, error) });
      this.kernel.register(address, actor, { host: this.host, replace: true });
      actor.start();
      e = { address, actor, known, lastUsed: 0, busy: 0 };
      this.actors.set(token, e);
    }
    e.lastUsed = ++this.useCounter;
    return e;
  }

  private evictUnknown(): void {
    const unknown = [...this.actors.entries()].filter(([, e]) => !e.known);
    if (unknown.length < this.maxUnknown) return;
    const idle = unknown.filter(([, e]) => e.busy === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [token, e] of idle.slice(0, unknown.length - this.maxUnknown + 1)) {
      this.actors.delete(token);
      this.kernel.unregister(e.address);
      e.actor.stop();
    }
  }

  /** Sends one request as the token's user; resolves with the API server's answer. */
  request(token: string, spec: RequestSpec): Promise<ApiResponse> {
    this.stats.requests++;
    if (this.kernel.stopped) return Promise.resolve(unavailable('the simulation has stopped'));
    const failure = this.options.failure?.();
    if (failure) return Promise.resolve(simulationFailed(failure));
    const e = this.entry(token);
    e.busy++;
    return new Promise<ApiResponse>((resolve) => {
      let settled = false;
      const settle = (res: ApiResponse) => {
        if (settled) return;
        settled = true;
        this.pending.delete(settle);
        clearTimeout(timer);
        e.busy--;
        if (res.code === 504) this.stats.timeouts++;
        resolve(res);
      };
      const wall = this.options.wallTimeoutMs ?? 120_000;
      const timer = setTimeout(
        () => settle({ type: 'api.response', id: '', code: 504, body: S.timeout(`no answer from the simulated API server within ${wall / 1000} s of wall-clock time (is the simulation paused?)`) }),
        wall,
      );
      timer.unref?.();
      this.pending.add(settle);
      try {
        this.kernel.withFlow(flowLabel(spec), () => e.actor.send({ type: 'kubectl.request', spec, onResponse: settle }));
      } catch (error) {
        settle(unavailable(error instanceof Error ? error.message : String(error)));
      }
    });
  }

  /**
   * Opens a watch as the token's user. Events go to `onEvent` (after `started` resolved with a
   * 2xx); `watch.closed` means the API server ended it.
   */
  watch(token: string, spec: RequestSpec, onEvent: (event: WatchEvent | WatchClosed) => void): GatewayWatch {
    this.stats.watches++;
    if (this.kernel.stopped) return { started: Promise.resolve(unavailable('the simulation has stopped')), stop: () => {} };
    const e = this.entry(token);
    e.busy++;
    let watchId: string | undefined;
    let stopped = false;
    let open = false;
    const release = () => {
      if (open) {
        open = false;
        this.stats.openWatches--;
      }
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      e.busy--;
      release();
      if (watchId && !this.kernel.stopped) {
        try {
          e.actor.send({ type: 'kubectl.unwatch', watchId });
        } catch {
          // the kernel stopped meanwhile: nothing to cancel
        }
      }
    };
    const started = new Promise<ApiResponse>((resolve) => {
      try {
        this.kernel.withFlow(flowLabel(spec), () =>
          e.actor.send({
            type: 'kubectl.watch',
            spec,
            onResponse: (res: ApiResponse, id: string) => {
              watchId = id;
              if (res.code < 300 && !stopped) {
                open = true;
                this.stats.openWatches++;
              }
              if (stopped && res.code < 300) {
                // the connection closed before the watch started: cancel it now
                e.actor.send({ type: 'kubectl.unwatch', watchId: id });
              }
              resolve(res);
            },
            onEvent: (event: WatchEvent | WatchClosed) => {
              if (event.type === 'watch.closed') release();
              if (!stopped) onEvent(event);
            },
          }),
        );
      } catch (error) {
        resolve(unavailable(error instanceof Error ? error.message : String(error)));
      }
    });
    return { started, stop };
  }

  /** Answers every request still waiting with 500 naming why the simulation stopped. */
  failPending(reason: string): void {
    for (const settle of [...this.pending]) settle(simulationFailed(reason));
  }

  /** Addresses of the client actors (for tests and the inspector). */
  addresses(): string[] {
    return [...this.actors.values()].map((e) => e.address).sort();
  }

  /** Stops every client actor and takes it off the network. */
  close(): void {
    for (const e of this.actors.values()) {
      if (!this.kernel.stopped) this.kernel.unregister(e.address);
      e.actor.stop();
    }
    this.actors.clear();
  }
}

function simulationFailed(reason: string): ApiResponse {
  return { type: 'api.response', id: '', code: 500, body: S.internalError(`the simulation stopped: ${reason}`) };
}

function unavailable(message: string): ApiResponse {
  return { type: 'api.response', id: '', code: 503, body: S.serviceUnavailable(message) };
}
