/**
 * Runs one scenario on a real cluster: creates it, runs the steps one by one (requests through
 * the API server as real clients, faults through the fault injector, time through the kernel),
 * checks the safety invariants after every step, then heals every fault and runs the cluster
 * until every liveness invariant holds or the bound on virtual time passes.
 */
import type { Subscription } from 'rxjs';
import type { AnyActorRef } from 'xstate';
import { createCluster, type Cluster, type ClusterOptions } from '../cluster/create-cluster.js';
import type { Fault } from '../cluster/faults.js';
import { etcdKey, findResource } from '../api/resources.js';
import type { KubeObject, Status } from '../api/types.js';
import { flowLabel } from '../cluster/client.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import type { ApiResponse } from '../../machines/protocol.js';
import { ETCD, nodeAddress } from '../../machines/protocol.js';
import { History, stateOf, type CallExpectation, type CallUser, type ClientCall } from './history.js';
import { formatViolation, type Invariant, type Violation } from './invariant.js';
import { workloadKindRequests } from './workload-kinds.js';
import { type InvalidVariant, type LabelledResource, type PriorityName, type RefusedVerb, type Step, type WorkloadStep } from './steps.js';

/** The token the verifier's unauthenticated requests carry (known to nobody). */
export const UNKNOWN_TOKEN = 'kube-actors-verify-unknown-token';

/** The image of the workload's containers. */
const WORKLOAD_IMAGE = 'nginx:1.27';

/** The prefix of the labels the workload writes (it owns them: nobody else may change them). */
export const LABEL_PREFIX = 'verify.kube-actors.io/';

/** The label pods of a workload carry, matched by services and deployments. */
const APP_LABEL = 'app';

/** The label placement pods' constraints select on (`group=g1`). */
const GROUP_LABEL = 'group';

/** The PriorityClasses placement pods name, and their values. */
const PRIORITY_CLASSES: Readonly<Record<PriorityName, number>> = Object.freeze({ 'verify-low': 100, 'verify-high': 1000 });

/** What a step (yours included) works with. */
export interface StepContext {
  readonly cluster: Cluster;
  readonly history: History;
  /** Sends a request as `user`, runs the cluster until it is answered (or kubectl times out: 504), and records it. */
  call(user: CallUser, spec: RequestSpec, options?: CallOptions): ClientCall;
  /** Sends several requests at the same instant, then runs until every one is answered. */
  callAll(calls: readonly { user: CallUser; spec: RequestSpec; options?: CallOptions }[]): ClientCall[];
  /** A label value no other call of the run writes. */
  uniqueValue(): string;
}

/** Options of a recorded call. */
export interface CallOptions {
  /** The call must be refused (401 / 403 / 400-422) and change nothing. */
  expect?: CallExpectation;
  /** Labels the call writes. */
  labels?: Record<string, string>;
}

/** Options of a scenario run. */
export interface RunnerOptions {
  /** Options of the cluster (the seed included). */
  cluster: ClusterOptions;
  invariants: readonly Invariant[];
  /** Virtual ms the cluster gets after the faults are healed to satisfy the liveness invariants. Default 300,000. */
  livenessTimeout?: number;
  /** Virtual ms between two liveness checks while converging. Default 2,000. */
  livenessInterval?: number;
  /**
   * Least virtual ms the cluster runs after the faults are healed, with safety checked, even when
   * every liveness invariant already holds (effects of the last steps still in flight). Default 5,000.
   */
  settle?: number;
  /** Virtual ms the cluster runs before the first step (nodes register). Default 2,000. */
  warmup?: number;
  /** Longest virtual wait for one answer. Default 40,000 (kubectl gives up at 30 s). */
  callTimeout?: number;
  /**
   * Most messages the cluster may deliver per virtual second while it waits or converges: more is
   * a hot loop (a controller and a kubelet feeding each other without end), reported as a
   * `simulation` violation at once instead of simulated for minutes of wall time. Default 20,000.
   */
  maxMessageRate?: number;
}

/** Thrown out of `step` when a safety invariant is violated (fast-check sees it as the failure). */
export class InvariantViolationError extends Error {
  override name = 'InvariantViolationError';
  constructor(readonly violations: Violation[]) {
    super(violations.map(formatViolation).join('\n'));
  }
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The result of a finished run. */
export interface RunResult {
  violations: Violation[];
  /** Steps that ran (all of them unless a violation stopped the run). */
  stepsRun: number;
  /** Virtual time at the end. */
  time: number;
  /** How long the cluster took to converge after healing (virtual ms), when it did. */
  convergedAfter?: number;
}

/** One run of a scenario on a fresh cluster. */
export class ScenarioRunner implements StepContext {
  readonly cluster: Cluster;
  readonly history: History;
  readonly violations: Violation[] = [];
  private readonly safety: Invariant[];
  private readonly liveness: Invariant[];
  private readonly subscription: Subscription | undefined;
  private labelSeq = 0;
  /** PriorityClasses this run created (placement pods name them). */
  private readonly priorityClasses = new Set<string>();
  private stepsRun = 0;
  private convergedAfter: number | undefined;
  private readonly callTimeout: number;

  constructor(readonly options: RunnerOptions) {
    this.cluster = createCluster(options.cluster);
    this.history = new History(this.cluster);
    this.safety = options.invariants.filter((i) => i.kind === 'safety');
    this.liveness = options.invariants.filter((i) => i.kind === 'liveness');
    this.callTimeout = options.callTimeout ?? 40_000;
    const observers = options.invariants.filter((i) => typeof i.observe === 'function');
    if (observers.length > 0) {
      this.subscription = this.cluster.kernel.trace.entries$.subscribe((entry) => {
        for (const inv of observers) inv.observe!(entry, this.history);
      });
    }
    this.guard(() => this.cluster.advance(options.warmup ?? 2_000));
    this.history.pull();
    this.checkSafety();
  }

  /** True once a violation was found (the run stops there). */
  /** Steps run so far. */
  get stepCount(): number {
    return this.stepsRun;
  }

  get failed(): boolean {
    return this.violations.length > 0;
  }

  /** Runs one step, then the safety invariants; throws InvariantViolationError when one fails. */
  step(step: Step): void {
    if (this.failed) throw new InvariantViolationError(this.violations);
    this.history.step++;
    this.stepsRun++;
    this.guard(() => this.execute(step));
    this.history.pull();
    this.checkSafety();
    if (this.failed) throw new InvariantViolationError(this.violations);
  }

  /**
   * Heals every fault (restarts crashed nodes, heals partitions, recovers etcd, turns message
   * faults off), runs the cluster until every liveness invariant holds or `livenessTimeout`
   * passes, checking safety on the way. Returns the result; violations are also in `violations`.
   */
  finish(): RunResult {
    if (!this.failed) {
      this.guard(() => this.heal());
      if (!this.failed) this.converge();
    }
    this.history.phase = 'done';
    return { violations: this.violations.slice(), stepsRun: this.stepsRun, time: this.cluster.now(), ...(this.convergedAfter !== undefined ? { convergedAfter: this.convergedAfter } : {}) };
  }

  /** Stops the cluster and the trace subscription. */
  dispose(): void {
    this.subscription?.unsubscribe();
    try {
      this.cluster.stop();
    } catch {
      // stopping a cluster whose actors already failed must not hide the failure
    }
  }

  // ---- StepContext ---------------------------------------------------------------------------

  uniqueValue(): string {
    return `w${++this.labelSeq}`;
  }

  call(user: CallUser, spec: RequestSpec, options: CallOptions = {}): ClientCall {
    return this.callAll([{ user, spec, options }])[0]!;
  }

  callAll(calls: readonly { user: CallUser; spec: RequestSpec; options?: CallOptions }[]): ClientCall[] {
    const sent = calls.map((c) => this.send(c.user, c.spec, c.options ?? {}));
    if (sent.some((c) => !c.response)) this.cluster.runUntil(() => sent.every((c) => c.response !== undefined), { timeout: this.callTimeout });
    for (const c of sent) {
      if (!c.response) {
        c.response = { code: 504, body: { apiVersion: 'v1', kind: 'Status', status: 'Failure', reason: 'Timeout', code: 504, message: 'no answer' } as Status };
        c.answeredAt = this.cluster.now();
      }
    }
    return sent;
  }

  private send(user: CallUser, spec: RequestSpec, options: CallOptions): ClientCall {
    const info = findResource(spec.resource);
    const name = spec.name ?? (spec.body as KubeObject | undefined)?.metadata?.name;
    let key: string | undefined;
    if (info && name && (!info.namespaced || spec.namespace)) {
      try {
        key = etcdKey(info, info.namespaced ? spec.namespace : undefined, name);
      } catch {
        key = undefined;
      }
    }
    const kv = key ? this.cluster.store.get(key) : undefined;
    const rv = spec.verb === 'update' ? (spec.body as KubeObject | undefined)?.metadata?.resourceVersion : undefined;
    const call = this.history.openCall(
      {
        user,
        spec,
        ...(key ? { key } : {}),
        ...(options.expect ? { expect: options.expect } : {}),
        ...(options.labels ? { labels: options.labels } : {}),
        ...(rv !== undefined ? { sentResourceVersion: String(rv) } : {}),
        ...(kv ? { keyRevisionAtSend: kv.modRevision } : {}),
      },
      flowLabel(spec),
    );
    const actor = this.kubectl(user);
    const onResponse = (res: ApiResponse) => {
      if (call.response) return;
      call.response = { code: res.code, body: res.body };
      call.answeredAt = this.cluster.now();
    };
    this.cluster.kernel.withFlow(call.flow, () => actor.send({ type: 'kubectl.request', spec, onResponse }));
    return call;
  }

  private kubectl(user: CallUser): AnyActorRef {
    if (user === 'admin') return this.cluster.actor('kubectl')!;
    const token = user === 'anonymous' ? UNKNOWN_TOKEN : this.cluster.users[user].token;
    this.cluster.as(token);
    return this.cluster.actor(`kubectl/${token.slice(-12)}`)!;
  }

  // ---- steps -----------------------------------------------------------------------------------

  private execute(step: Step): void {
    switch (step.op) {
      case 'wait':
        this.advanceTo(this.cluster.now() + step.ms);
        return;
      case 'fault':
        this.applyFault(step.fault);
        return;
      case 'custom':
        step.run(this);
        return;
      case 'plan':
        for (const sub of step.steps) this.execute(sub);
        return;
      default:
        this.workload(step);
    }
  }

  private applyFault(fault: Fault): void {
    this.history.noteFault(fault);
    this.cluster.faults.apply(fault);
  }

  private workload(step: WorkloadStep): void {
    switch (step.op) {
      case 'create-namespace':
        this.call('admin', { verb: 'create', resource: 'namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: step.name } } });
        return;
      case 'delete-namespace':
        this.call('admin', { verb: 'delete', resource: 'namespaces', name: step.name, query: { propagationPolicy: 'Background' } });
        return;
      case 'create-pod':
        if (step.priority) this.ensurePriorityClass(step.priority);
        this.call('admin', { verb: 'create', resource: 'pods', namespace: step.namespace, body: podManifest(step), query: { fieldValidation: 'Strict' } });
        return;
      case 'delete-pod':
        this.call('admin', {
          verb: 'delete',
          resource: 'pods',
          namespace: step.namespace,
          name: step.name,
          query: { propagationPolicy: 'Background', ...(step.grace !== undefined ? { gracePeriodSeconds: step.grace } : {}) },
        });
        return;
      case 'create-deployment':
        this.call('admin', { verb: 'create', resource: 'deployments', group: 'apps', namespace: step.namespace, body: deploymentManifest(step), query: { fieldValidation: 'Strict' } });
        return;
      case 'scale-deployment':
        this.call('admin', {
          verb: 'patch',
          resource: 'deployments',
          group: 'apps',
          subresource: 'scale',
          namespace: step.namespace,
          name: step.name,
          body: { spec: { replicas: step.replicas } },
          query: { patchType: 'merge' },
        });
        return;
      case 'delete-deployment':
        this.call('admin', { verb: 'delete', resource: 'deployments', group: 'apps', namespace: step.namespace, name: step.name, query: { propagationPolicy: 'Background' } });
        return;
      case 'evict-pod':
        this.evictPod(step.namespace, step.deployment);
        return;
      case 'create-pdb':
        this.call('admin', {
          verb: 'create',
          resource: 'poddisruptionbudgets',
          group: 'policy',
          namespace: step.namespace,
          body: {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: step.deployment, namespace: step.namespace },
            spec: { minAvailable: step.minAvailable, selector: { matchLabels: { [APP_LABEL]: step.deployment } } },
          } as KubeObject,
        });
        return;
      case 'create-quota':
        this.call('admin', {
          verb: 'create',
          resource: 'resourcequotas',
          namespace: step.namespace,
          body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: step.name, namespace: step.namespace }, spec: { hard: quotaHard(step) } } as KubeObject,
        });
        return;
      case 'create-service':
        this.call('admin', { verb: 'create', resource: 'services', namespace: step.namespace, body: serviceManifest(step.name, step.app) });
        return;
      case 'delete-service':
        this.call('admin', { verb: 'delete', resource: 'services', namespace: step.namespace, name: step.name });
        return;
      case 'label': {
        const value = this.uniqueValue();
        this.call('admin', labelPatch(step.resource, step.namespace, step.name, { [LABEL_PREFIX + step.key]: value }), { labels: { [LABEL_PREFIX + step.key]: value } });
        return;
      }
      case 'concurrent-labels':
        this.callAll(
          step.keys.map((key) => {
            const value = this.uniqueValue();
            return { user: 'admin' as const, spec: labelPatch(step.resource, step.namespace, step.name, { [LABEL_PREFIX + key]: value }), options: { labels: { [LABEL_PREFIX + key]: value } } };
          }),
        );
        return;
      case 'stale-update':
        this.staleUpdate(step.resource, step.namespace, step.name, step.race);
        return;
      case 'invalid':
        this.call('admin', invalidRequest(step.variant, step.namespace, step.name), { expect: 'invalid' });
        return;
      case 'unauthenticated':
        this.call('anonymous', refusedRequest(step.verb, step.namespace, step.name), { expect: 'unauthenticated' });
        return;
      case 'forbidden':
        this.call(step.user, refusedRequest(step.verb, step.namespace, step.name), { expect: 'forbidden' });
        return;
      case 'impersonate':
        this.call(step.user, { ...refusedRequest(step.verb, step.namespace, step.name), impersonate: { user: this.cluster.users.admin.username, groups: ['system:masters'] } }, { expect: 'forbidden' });
        return;
      default:
        for (const spec of workloadKindRequests(step, () => this.uniqueValue())) this.call('admin', spec);
    }
  }

  /** Creates a PriorityClass of {@link PRIORITY_CLASSES} the first time a pod of the run names it. */
  private ensurePriorityClass(name: PriorityName): void {
    if (this.priorityClasses.has(name)) return;
    this.priorityClasses.add(name);
    this.call('admin', {
      verb: 'create',
      resource: 'priorityclasses',
      group: 'scheduling.k8s.io',
      body: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: PRIORITY_CLASSES[name] } as KubeObject,
    });
  }

  private evictPod(namespace: string, deployment: string): void {
    const list = this.call('admin', { verb: 'list', resource: 'pods', namespace, query: { labelSelector: `${APP_LABEL}=${deployment}` } });
    if (list.response!.code !== 200) return;
    const pods = ((list.response!.body as { items?: KubeObject[] }).items ?? [])
      .filter((p) => !p.metadata?.deletionTimestamp && (p.metadata?.ownerReferences ?? []).length > 0)
      .map((p) => p.metadata!.name!)
      .sort();
    if (pods.length === 0) return;
    const name = pods[0]!;
    this.call('admin', {
      verb: 'create',
      resource: 'pods',
      subresource: 'eviction',
      namespace,
      name,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
  }

  private staleUpdate(resource: LabelledResource, namespace: string, name: string, race: boolean): void {
    const info = findResource(resource)!;
    const ns = info.namespaced ? namespace : undefined;
    const read = this.call('admin', { verb: 'get', resource: info.plural, group: info.group, namespace: ns, name });
    if (read.response!.code !== 200) return;
    const seen = read.response!.body as KubeObject;
    const patchValue = this.uniqueValue();
    const patchLabels = { [LABEL_PREFIX + 'stale-a']: patchValue };
    const patch = { user: 'admin' as const, spec: labelPatch(resource, namespace, name, patchLabels), options: { labels: patchLabels } };
    const updateValue = this.uniqueValue();
    const updateLabels = { [LABEL_PREFIX + 'stale-b']: updateValue };
    const body = { ...seen, metadata: { ...seen.metadata, labels: { ...(seen.metadata?.labels ?? {}), ...updateLabels } } };
    const update = { user: 'admin' as const, spec: { verb: 'update' as const, resource: info.plural, group: info.group, namespace: ns, name, body }, options: { labels: updateLabels } };
    if (race) this.callAll([patch, update]);
    else {
      this.callAll([patch]);
      this.callAll([update]);
    }
  }

  // ---- healing and convergence -----------------------------------------------------------------

  private heal(): void {
    this.history.phase = 'converging';
    const faults = this.cluster.faults;
    for (const node of this.cluster.nodes) {
      const state = stateOf(this.cluster, nodeAddress(node));
      if (state === 'down') this.applyFault({ kind: 'restart-node', node });
      else if (state === 'partitioned') this.applyFault({ kind: 'heal-node', node });
    }
    if (stateOf(this.cluster, ETCD) === 'unavailable') this.applyFault({ kind: 'etcd-recover' });
    this.history.noteFault({ kind: 'heal-all' });
    faults.healAll();
    this.history.healedAt = this.cluster.now();
  }

  private converge(): void {
    const timeout = this.options.livenessTimeout ?? 300_000;
    const interval = this.options.livenessInterval ?? 2_000;
    const start = this.cluster.now();
    const settle = Math.min(this.options.settle ?? 5_000, timeout);
    const deadline = start + timeout;
    for (;;) {
      this.history.pull();
      this.checkSafety();
      if (this.failed) return;
      const open = this.checkLiveness();
      if (open.length === 0 && this.convergedAfter === undefined) this.convergedAfter = this.cluster.now() - start;
      if (open.length === 0 && this.cluster.now() >= start + settle) return;
      if (open.length > 0) this.convergedAfter = undefined;
      if (this.cluster.now() >= deadline) {
        this.violations.push(...open.map((v) => ({ ...v, message: `${v.message} (still, ${Math.round((this.cluster.now() - start) / 1000)} s of virtual time after every fault was healed)` })));
        return;
      }
      // advanceTo lands exactly on the deadline (adding intervals could fall short of it by a rounding error)
      const next = open.length === 0 ? start + settle : this.cluster.now() + interval;
      this.guard(() => this.advanceTo(Math.min(Math.max(next, this.cluster.now()), deadline)));
      if (this.failed) return;
    }
  }

  /**
   * Advances virtual time to `target` in slices of at most 500 ms, stopping with a violation when
   * a slice delivers more messages than `maxMessageRate` allows (the cluster does not settle).
   */
  private advanceTo(target: number): void {
    const kernel = this.cluster.kernel;
    const perSlice = (this.options.maxMessageRate ?? 20_000) / 2;
    while (kernel.now() < target && !this.failed) {
      const before = kernel.stats.delivered;
      const from = kernel.now();
      kernel.advanceTo(Math.min(target, from + 500));
      const delivered = kernel.stats.delivered - before;
      if (delivered > perSlice) {
        this.violations.push(
          this.stamp({
            invariant: 'simulation',
            message: `the cluster does not settle: ${delivered} messages in ${Math.round(kernel.now() - from)} ms of virtual time (more than ${this.options.maxMessageRate ?? 20_000} per second), ${this.cluster.count('pods')} pod(s) in etcd: a hot loop`,
          }),
        );
      }
    }
  }

  private checkSafety(): void {
    if (this.failed) return;
    const found: Violation[] = [];
    for (const inv of this.safety) {
      for (const v of inv.check(this.cluster, this.history)) found.push(this.stamp(v));
    }
    this.violations.push(...found);
  }

  private checkLiveness(): Violation[] {
    const found: Violation[] = [];
    for (const inv of this.liveness) for (const v of inv.check(this.cluster, this.history)) found.push({ ...this.stamp(v), step: undefined });
    return found.map(({ step: _s, ...v }) => v);
  }

  private stamp(v: Violation): Violation {
    return { ...v, time: v.time ?? this.cluster.now(), ...(this.history.phase === 'steps' && this.history.step >= 0 ? { step: this.history.step } : {}) };
  }

  /** Runs `fn`; an exception out of the simulation (a livelock, an actor's error) becomes a violation. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (error instanceof InvariantViolationError) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.violations.push(this.stamp({ invariant: 'simulation', message: `the simulation threw: ${message}` }));
    }
  }
}

/** Runs a whole scenario: create, every step, heal, converge. Never throws for a violation. */
export function runScenario(steps: readonly Step[], options: RunnerOptions): RunResult & { runner: ScenarioRunner } {
  const runner = new ScenarioRunner(options);
  try {
    for (const step of steps) {
      if (runner.failed) break;
      try {
        runner.step(step);
      } catch (error) {
        if (!(error instanceof InvariantViolationError)) throw error;
      }
    }
    const result = runner.finish();
    return { ...result, runner };
  } finally {
    runner.dispose();
  }
}

// ---- manifests -------------------------------------------------------------------------------

/** The Pod a `create-pod` step creates. */
export function podManifest(step: Extract<WorkloadStep, { op: 'create-pod' }>): KubeObject {
  const spec: Record<string, unknown> = {
    containers: [{ name: 'app', image: WORKLOAD_IMAGE, resources: { requests: { cpu: `${step.cpu}m`, memory: `${step.memory}Mi` } } }],
  };
  if (step.tolerate) spec.tolerations = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }];
  if (step.zone) spec.nodeSelector = { zone: step.zone };
  if (step.grace !== undefined) spec.terminationGracePeriodSeconds = step.grace;
  if (step.completes) spec.restartPolicy = 'Never';
  const group = step.group ? { matchLabels: { [GROUP_LABEL]: step.group } } : undefined;
  if (group && step.antiAffinity) {
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: group, topologyKey: 'kubernetes.io/hostname' }] } };
  }
  if (group && step.spread) spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: step.spread, whenUnsatisfiable: 'DoNotSchedule', labelSelector: group }];
  if (step.hostPort) (spec.containers as { ports?: unknown[] }[])[0]!.ports = [{ containerPort: 80, hostPort: step.hostPort, protocol: 'TCP' }];
  if (step.priority) spec.priorityClassName = step.priority;
  if (step.serviceAccount) spec.serviceAccountName = step.serviceAccount;
  const container = (spec.containers as Record<string, unknown>[])[0]!;
  // probed every 2 s; a liveness failure restarts the container at once (failureThreshold 1)
  if (step.readiness) {
    const handler = step.readiness === 'passes' ? { httpGet: { path: '/', port: 80 } } : { exec: { command: ['cat', '/tmp/ready'] } };
    container.readinessProbe = { ...handler, periodSeconds: 2 };
  }
  if (step.liveness) {
    const handler = step.liveness === 'passes' ? { tcpSocket: { port: 80 } } : { httpGet: { path: '/healthz', port: 8081 } };
    container.livenessProbe = { ...handler, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 1 };
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: step.name,
      labels: { [APP_LABEL]: step.name, ...(step.group ? { [GROUP_LABEL]: step.group } : {}) },
      ...(step.completes ? { annotations: { 'kube-actors.io/behavior': 'complete' } } : {}),
    },
    spec,
  } as KubeObject;
}

/** The Deployment a `create-deployment` step creates. */
export function deploymentManifest(step: Extract<WorkloadStep, { op: 'create-deployment' }>): KubeObject {
  const podSpec: Record<string, unknown> = {
    containers: [{ name: 'app', image: WORKLOAD_IMAGE, resources: { requests: { cpu: `${step.cpu}m`, memory: `${step.memory}Mi` } } }],
    terminationGracePeriodSeconds: 1,
  };
  if (step.tolerate) podSpec.tolerations = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: step.name },
    spec: {
      replicas: step.replicas,
      selector: { matchLabels: { [APP_LABEL]: step.name } },
      template: { metadata: { labels: { [APP_LABEL]: step.name } }, spec: podSpec },
    },
  } as KubeObject;
}

/** The Service a `create-service` step creates. */
function serviceManifest(name: string, app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { [APP_LABEL]: app }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] },
  } as KubeObject;
}

/** A merge patch of an object's labels. */
function labelPatch(resource: LabelledResource, namespace: string, name: string, labels: Record<string, string>): RequestSpec {
  const info = findResource(resource)!;
  return {
    verb: 'patch',
    resource: info.plural,
    group: info.group,
    namespace: info.namespaced ? namespace : undefined,
    name,
    body: { metadata: { labels } },
    query: { patchType: 'merge' },
  };
}

/** An invalid request of each variant: the API server must refuse it (400 / 422). */
export function invalidRequest(variant: InvalidVariant, namespace: string, name: string): RequestSpec {
  const container = { name: 'app', image: WORKLOAD_IMAGE };
  const pod = (spec: Record<string, unknown>, podName = name) => ({
    verb: 'create' as const,
    resource: 'pods',
    namespace,
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName }, spec },
    query: { fieldValidation: 'Strict' as const },
  });
  const deployment = (spec: Record<string, unknown>) => ({
    verb: 'create' as const,
    resource: 'deployments',
    group: 'apps',
    namespace,
    body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec },
    query: { fieldValidation: 'Strict' as const },
  });
  const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [container] } });
  switch (variant) {
    case 'bad-name':
      return pod({ containers: [container] }, `Bad_${name}`);
    case 'no-containers':
      return pod({ containers: [] });
    case 'bad-quantity':
      return pod({ containers: [{ ...container, resources: { requests: { cpu: 'lots' } } }] });
    case 'unknown-field':
      return pod({ containers: [container], bogusField: true });
    case 'negative-replicas':
      return deployment({ replicas: -1, selector: { matchLabels: { [APP_LABEL]: name } }, template: template({ [APP_LABEL]: name }) });
    case 'selector-mismatch':
      return deployment({ replicas: 1, selector: { matchLabels: { [APP_LABEL]: name } }, template: template({ [APP_LABEL]: `${name}-other` }) });
    case 'negative-scale':
      return { verb: 'patch', resource: 'deployments', group: 'apps', subresource: 'scale', namespace, name, body: { spec: { replicas: -1 } }, query: { patchType: 'merge' } };
  }
}

/** A request of a user who must be refused: a write (or a list, for the unauthenticated and the guest). */
export function refusedRequest(verb: RefusedVerb, namespace: string, name: string): RequestSpec {
  switch (verb) {
    case 'create':
      return {
        verb: 'create',
        resource: 'pods',
        namespace,
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: WORKLOAD_IMAGE }] } },
      };
    case 'patch':
      return labelPatch('pods', namespace, name, { [LABEL_PREFIX + 'refused']: 'yes' });
    case 'delete':
      return { verb: 'delete', resource: 'pods', namespace, name, query: { propagationPolicy: 'Background' } };
    case 'list':
      return { verb: 'list', resource: 'secrets', namespace };
  }
}

/** True for verbs that write. */
export function isWrite(spec: RequestSpec): boolean {
  return WRITE_VERBS.has(spec.verb);
}

/** Describes a step for the progress output (re-exported for the CLI). */
;

/** The hard limits of a `create-quota` step. */
function quotaHard(step: { pods: number; cpu?: number; memory?: number }): Record<string, string> {
  const hard: Record<string, string> = { pods: String(step.pods) };
  if (step.cpu !== undefined) hard['requests.cpu'] = `${step.cpu}m`;
  if (step.memory !== undefined) hard['requests.memory'] = `${step.memory}Mi`;
  return hard;
}
