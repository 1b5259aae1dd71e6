/**
 * The controllers' own credentials, as kube-controller-manager gets them with
 * `--use-service-account-credentials=true` (kubeadm's setting): its `DynamicControllerClientBuilder`
 * (`staging/src/k8s.io/controller-manager/pkg/clientbuilder`) makes sure each controller's
 * ServiceAccount exists in kube-system (`getOrCreateServiceAccount`: a GET, a create when it is
 * not found, AlreadyExists is fine) and asks the TokenRequest API, under the controller manager's
 * own user, for a token of it (`expirationSeconds: 3600`); the controller's client authenticates
 * with that token, as `system:serviceaccount:kube-system:<account>`, and the token is asked again
 * when it comes within 20 % of its lifetime (`leewayPercent`) of expiring, less oauth2's 10 s
 * `expiryDelta`. kube asks the token at the client's first request; here every token is asked
 * before the controllers start (kube-controller-manager starts its shared informers only after
 * every controller is built, and so does the simulated one). A refused request is tried again on
 * the next housekeeping tick.
 */
import type { Port } from '../src/kernel/port.js';
import type { ApiClient } from './client/api-client.js';
import type { ApiResponse } from './protocol.js';

/** The namespace of the controllers' accounts. */
const NAMESPACE = 'kube-system';
/** `defaultExpirationSeconds` of the client builder. */
const EXPIRATION_SECONDS = 3600;
/** `leewayPercent`. */
const LEEWAY_PERCENT = 20;
/** oauth2's `expiryDelta`: a token is stale this long before its expiry. */
const EXPIRY_DELTA_MS = 10_000;
/** How long after a refused request it is tried again. */
const RETRY_MS = 1_000;

interface Entry {
  readonly account: string;
  token?: string;
  /** When to ask a new token (Infinity: not yet). */
  refreshAt: number;
  /** When to try again after a refusal (Infinity: nothing to retry). */
  retryAt: number;
  inFlight: boolean;
  /** The last token request found no account: make sure it exists before asking again. */
  missing?: boolean;
  /** The controller's client, told of every new token. */
  client?: ApiClient;
}

/** The credentials of the controllers that run under their own ServiceAccount, by controller name. */
export class ControllerCredentials {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param client - the controller manager's own client (user `system:kube-controller-manager`).
   * @param port - the controller manager's port (virtual time).
   * @param accounts - controller name → its ServiceAccount's name.
   */
  constructor(
    private readonly client: ApiClient,
    private readonly port: Port,
    accounts: ReadonlyMap<string, string>,
  ) {
    for (const [name, account] of accounts) this.entries.set(name, { account, refreshAt: Infinity, retryAt: Infinity, inFlight: false });
  }

  /** Asks every controller's credentials (a start or a restart of the controller manager). */
  start(): void {
    for (const e of this.entries.values()) this.getOrCreateServiceAccount(e);
  }

  /** True once every controller has a token. */
  ready(): boolean {
    for (const e of this.entries.values()) if (e.token === undefined) return false;
    return true;
  }

  /** The token of a controller; undefined for a controller without an account of its own. */
  tokenOf(name: string): string | undefined {
    return this.entries.get(name)?.token;
  }

  /** The client a controller's new tokens go to. */
  attach(name: string, client: ApiClient): void {
    const e = this.entries.get(name);
    if (e) e.client = client;
  }

  /** Retries refused requests and refreshes tokens that are due. */
  tick(): void {
    const now = this.port.now();
    for (const e of this.entries.values()) {
      if (e.inFlight) continue;
      if (e.retryAt <= now) {
        e.retryAt = Infinity;
        if (e.token === undefined || e.missing) this.getOrCreateServiceAccount(e);
        else this.requestToken(e);
      } else if (e.refreshAt <= now) this.requestToken(e);
    }
  }

  /** The earliest moment `tick` has something to do (Infinity: nothing). */
  dueAt(): number {
    let due = Infinity;
    for (const e of this.entries.values()) if (!e.inFlight) due = Math.min(due, e.retryAt, e.refreshAt);
    return due;
  }

  /** Forgets every token and request (the controller manager restarts; its client forgets the requests). */
  reset(): void {
    for (const e of this.entries.values()) {
      delete e.token;
      e.refreshAt = Infinity;
      e.retryAt = Infinity;
      e.inFlight = false;
      e.missing = false;
    }
  }

  private refused(e: Entry, code?: number): void {
    e.inFlight = false;
    e.missing = code === 404;
    e.retryAt = this.port.now() + RETRY_MS;
  }

  private getOrCreateServiceAccount(e: Entry): void {
    e.inFlight = true;
    this.client.request({ verb: 'get', resource: 'serviceaccounts', namespace: NAMESPACE, name: e.account }, (res) => {
      if (res.code === 200) return this.requestToken(e);
      if (res.code !== 404) return this.refused(e);
      const body = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: e.account, namespace: NAMESPACE } };
      this.client.request({ verb: 'create', resource: 'serviceaccounts', namespace: NAMESPACE, body }, (created) => {
        // AlreadyExists: someone else made it meanwhile
        if (created.code === 201 || created.code === 409) this.requestToken(e);
        else this.refused(e);
      });
    });
  }

  private requestToken(e: Entry): void {
    e.inFlight = true;
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { expirationSeconds: EXPIRATION_SECONDS } };
    this.client.request({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: NAMESPACE, name: e.account, body }, (res: ApiResponse) => {
      const status = (res.body as { status?: { token?: string; expirationTimestamp?: string } } | undefined)?.status;
      if (res.code !== 201 || !status?.token) return this.refused(e, res.code);
      const now = this.port.now();
      const parsed = status.expirationTimestamp ? this.port.timeOf(status.expirationTimestamp) : NaN;
      const expires = Number.isNaN(parsed) ? now + EXPIRATION_SECONDS * 1000 : parsed;
      const leeway = ((expires - now) * LEEWAY_PERCENT) / 100;
      e.inFlight = false;
      e.missing = false;
      e.token = status.token;
      e.refreshAt = expires - leeway - EXPIRY_DELTA_MS;
      e.client?.useToken(status.token);
    });
  }
}
