/**
 * A register workload for linearizability checking: a few clients, each in a loop, create,
 * update, delete and get a few ConfigMaps (one register per name; every written value is unique)
 * through kubectl and the load balancer, concurrently, and the history of invocations and
 * responses (virtual times) is recorded for the checker.
 */
import type { AnyActorRef } from 'xstate';
import type { Cluster } from '../cluster/create-cluster.js';
import { Port } from '../kernel/port.js';
import type { Rng } from '../kernel/rng.js';
import type { ApiResponse } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import { KUBECTL } from '../../machines/protocol.js';
import { kubectlMachine } from '../../machines/kubectl.js';
import { startComponent } from '../kernel/components.js';
import type { Operation, RegisterInput, RegisterOutput } from './linearizability.js';

/** Options of the workload. */
export interface RegisterWorkloadOptions {
  /** Concurrent clients. Default 3. */
  clients?: number;
  /** ConfigMap names (registers). Default `ha-0`, `ha-1`, `ha-2`. */
  keys?: readonly string[];
  /** Think time between a client's operations, drawn in [min, max) ms. Default [200, 800). */
  thinkMs?: readonly [number, number];
  /** Namespace. Default `default`. */
  namespace?: string;
  /** How long a client waits for an answer before it gives up (the outcome is then unknown). Default 5,000 ms. */
  timeoutMs?: number;
}

/** A write that succeeded (or a read), with the resourceVersion it got. */
export interface WorkloadAck {
  key: string;
  value: string;
  resourceVersion: string;
  time: number;
}

type Op = Operation<RegisterInput, RegisterOutput>;

/** The workload: start it, stop it, read its history. */
export class RegisterWorkload {
  /** Finished operations (and, after `finish`, the ones that never got an answer). */
  readonly history: Op[] = [];
  /** Writes that were answered with success, with the resourceVersion they got. */
  readonly acks: WorkloadAck[] = [];
  /** Reads that found the ConfigMap, with the resourceVersion they returned. */
  readonly reads: WorkloadAck[] = [];
  /** Writes refused before anything was proposed (they had no effect). */
  refused = 0;
  /** Answers that no correct API server gives to these requests (400, 403, 422 ...). */
  readonly unexpected: string[] = [];
  private readonly pending = new Map<number, Op>();
  private running = false;
  private seq = 0;
  private readonly clients = new Map<string, AnyActorRef>();
  private readonly keys: readonly string[];
  private readonly think: readonly [number, number];
  private readonly namespace: string;

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Rng,
    private readonly options: RegisterWorkloadOptions = {},
  ) {
    const kubectl = cluster.actor(KUBECTL);
    if (!kubectl) throw new Error('the cluster has no kubectl actor');
    const kernel = cluster.kernel;
    for (let c = 1; c <= (options.clients ?? 3); c++) {
      // each client is its own kubectl (`kubectl/ha-client-1`), on the kubectl host, as the admin
      const address = `kubectl/ha-client-${c}`;
      this.clients.set(
        `client-${c}`,
        startComponent(kernel, kubectl, kubectlMachine, {
          address,
          host: kernel.hostOf(KUBECTL) ?? KUBECTL,
          input: { port: new Port(kernel, address), token: cluster.users.admin.token, timeoutMs: options.timeoutMs ?? 5_000 },
        }),
      );
    }
    this.keys = options.keys ?? ['ha-0', 'ha-1', 'ha-2'];
    this.think = options.thinkMs ?? [200, 800];
    this.namespace = options.namespace ?? 'default';
  }

  /** Starts every client (each begins after a first think time). */
  start(): void {
    this.running = true;
    for (const client of this.clients.keys()) this.later(client);
  }

  /** No new operations from now on (those in flight still complete). */
  stop(): void {
    this.running = false;
  }

  /** Operations still waiting for an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Records the operations that never got an answer as unknown outcomes (returning at infinity). */
  finish(): void {
    for (const op of this.pending.values()) {
      if (op.input.kind !== 'get') this.history.push({ ...op, output: { result: 'unknown' }, return: Infinity });
    }
    this.pending.clear();
  }

  private later(client: string): void {
    const [min, max] = this.think;
    const delay = min + Math.floor(this.rng.next() * Math.max(1, max - min));
    this.cluster.kernel.setTimer(() => {
      if (this.running) this.issue(client);
    }, delay);
  }

  private issue(client: string): void {
    const key = this.rng.pick(this.keys);
    const roll = this.rng.next();
    const value = `${client}-${++this.seq}`;
    const ns = this.namespace;
    let input: RegisterInput;
    let spec: RequestSpec;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: key, namespace: ns }, data: { v: value } };
    if (roll < 0.35) {
      input = { kind: 'get', key };
      spec = { verb: 'get', resource: 'configmaps', namespace: ns, name: key };
    } else if (roll < 0.55) {
      input = { kind: 'create', key, value };
      spec = { verb: 'create', resource: 'configmaps', namespace: ns, body };
    } else if (roll < 0.88) {
      input = { kind: 'update', key, value };
      spec = { verb: 'update', resource: 'configmaps', namespace: ns, name: key, body };
    } else {
      input = { kind: 'delete', key };
      spec = { verb: 'delete', resource: 'configmaps', namespace: ns, name: key };
    }
    const id = this.seq;
    const op: Op = { client, input, output: { result: 'unknown' }, call: this.cluster.now(), return: Infinity };
    this.pending.set(id, op);
    const onResponse = (res: ApiResponse) => {
      if (!this.pending.delete(id)) return;
      this.answered(op, res);
      this.later(client);
    };
    this.cluster.kernel.withFlow(`ha ${client} ${input.kind} ${key}`, () => this.clients.get(client)!.send({ type: 'kubectl.request', spec, onResponse }));
  }

  private answered(op: Op, res: ApiResponse): void {
    const now = this.cluster.now();
    const body = res.body as { reason?: string; message?: string; data?: { v?: string }; metadata?: { resourceVersion?: string } };
    let output: RegisterOutput;
    if (res.code === 200 || res.code === 201) {
      output = op.input.kind === 'get' ? { result: 'ok', value: body.data?.v } : { result: 'ok' };
      if (op.input.kind === 'get' && body.data?.v !== undefined && body.metadata?.resourceVersion) {
        this.reads.push({ key: op.input.key, value: body.data.v, resourceVersion: body.metadata.resourceVersion, time: now });
      }
      if ((op.input.kind === 'create' || op.input.kind === 'update') && body.metadata?.resourceVersion) {
        this.acks.push({ key: op.input.key, value: op.input.value, resourceVersion: body.metadata.resourceVersion, time: now });
      }
    } else if (res.code === 404) output = { result: 'notfound' };
    else if (res.code === 409) output = { result: body.reason === 'AlreadyExists' ? 'exists' : 'conflict' };
    else if (res.code === 503 && definitelyNotApplied(body.message)) {
      // etcd refused it without proposing it (no leader), or the API server was not serving yet
      this.refused++;
      return;
    } else if (res.code >= 500 || res.code === 429) {
      // the write may still take effect later (or never): unknown, returning at infinity
      if (op.input.kind !== 'get') this.history.push({ ...op, output: { result: 'unknown' }, return: Infinity });
      return;
    } else {
      this.unexpected.push(`${op.client} ${op.input.kind} ${op.input.key}: ${res.code} ${body.reason ?? ''}`);
      return;
    }
    this.history.push({ ...op, output, return: now });
  }
}

/**
 * 503s that say nothing was written: etcd answered `Unavailable` (a member without a leader, or
 * not the leader any more, refuses before proposing anything: etcd's "no leader"), or the API
 * server was still starting. Timeouts ("request timed out" alone) say nothing either way.
 */
function definitelyNotApplied(message: string | undefined): boolean {
  return message !== undefined && (message.includes('possibly due to connection lost') || message.includes('is starting'));
}
