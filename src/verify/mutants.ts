/**
 * Mutants: deliberately broken variants of the cluster's components, to prove that the
 * properties have teeth. Each is built without touching the real machines, with XState's
 * `.provide()` (a guard or an action replaced), or through the components' input (a scheduler
 * profile without a plugin, a controller replaced by a variant of its own definition, a
 * controller option). `kube-actors verify --mutant NAME` must catch every one of them, and names
 * the invariant it violates.
 */
import type { ClusterOptions } from '../cluster/create-cluster.js';
import type { KubeObject, Pod } from '../api/types.js';
import { findResource, etcdKey } from '../api/resources.js';
import { apiServerMachine } from '../../machines/api-server.js';
import { etcdMachine } from '../../machines/etcd.js';
import { assign } from 'xstate';
import { kubeletMachine, podInformer, type KubeletContext } from '../../machines/kubelet.js';
import { schedulerMachine } from '../../machines/scheduler.js';
import { createProfile } from '../../machines/scheduler/registry.js';
import type { Informer } from '../../machines/client/informer.js';
import { ETCD } from '../../machines/protocol.js';
import { controllerSpecOf, defineController, type ControllerMachine, type WatchSpec } from '../../machines/controllers/controller.js';
import { replicaSetController } from '../../machines/controllers/replicaset.js';
import { deploymentController } from '../../machines/controllers/deployment.js';
import { disruptionController } from '../../machines/controllers/disruption.js';
import { provideNodeLifecycleController } from '../../machines/controllers/node-lifecycle.js';
import fc from 'fast-check';
import type { WorkloadWeights } from './arbitraries/workload-step.js';
import { timeStep } from './arbitraries/time-step.js';
import type { Step } from './steps.js';
import { SCHEDULER_MUTANTS } from './mutants-scheduler.js';
import { WORKLOAD_MUTANTS } from './mutants-workloads.js';
import { PROBE_MUTANTS } from './mutants-probes.js';

/** A broken variant of the cluster. */
export interface Mutant {
  /** Kebab-case name (`--mutant NAME`). */
  readonly name: string;
  /** What is broken, in one sentence. */
  readonly description: string;
  /** The invariants expected to catch it (any one of them will do). */
  readonly caughtBy: readonly string[];
  /** True when only faults bring it out (verify then turns faults on). */
  readonly needsFaults?: boolean;
  /** Workload weights that bring it out sooner (default: the default workload). */
  readonly workload?: Partial<WorkloadWeights>;
  /** Longest wait step (virtual ms) its workload needs, when longer than the default. */
  readonly maxWaitMs?: number;
  /**
   * A focused workload that brings it out (faults included), used instead of the default
   * workload and faults when the verification does not give its own.
   */
  readonly focus?: (nodes: number) => fc.Arbitrary<Step>;
  /** The cluster options with the mutant in place of the real component. */
  cluster(options: ClusterOptions): ClusterOptions;
}

function withLogic(options: ClusterOptions, logic: Partial<NonNullable<ClusterOptions['logic']>>): ClusterOptions {
  return { ...options, logic: { ...(options.logic ?? {}), ...logic } };
}

function withControllers(options: ClusterOptions, change: (cm: Record<string, unknown>) => Record<string, unknown>): ClusterOptions {
  return { ...options, controllerManager: change({ ...(options.controllerManager ?? {}) }) };
}

function withController(options: ClusterOptions, controller: ControllerMachine): ClusterOptions {
  return withControllers(options, (cm) => ({ ...cm, controllers: [...((cm.controllers as unknown[] | undefined) ?? []), controller] }));
}

// ---- the mutants' logic ------------------------------------------------------------------------

/** A scheduler without the NodeResourcesFit plugin: it ignores cpu, memory and pod capacity. */
const capacityBlindProfile = () => createProfile({ disable: ['NodeResourcesFit'] });

/** An API server that authorizes every request. */
const noAuthorization = apiServerMachine.provide({ guards: { authorized: () => true } });

/** An API server that takes every token: unknown callers are treated as anonymous. */
const noAuthentication = apiServerMachine.provide({ guards: { authenticated: () => true } });

/** An API server that lets anybody impersonate anybody: the `impersonate` verb is never checked. */
const noImpersonationCheck = apiServerMachine.provide({
  actions: { authenticate: ({ context }) => context.core.recover(() => context.core.authenticate(() => ({ allowed: true, reason: '' }))) },
});

const SERVICE_ACCOUNTS = findResource('serviceaccounts')!;

/**
 * An API server whose ServiceAccount admission step lets a missing account through: while a pod
 * create is admitted, the account it names (`default` when none) is seen as existing (with
 * `automountServiceAccountToken: false`, so no token volume is mounted for it).
 */
const missingServiceAccountsAdmitted = apiServerMachine.provide({
  actions: {
    admit: ({ context }) =>
      context.core.recover(() => {
        const { req } = context.core.current!;
        const body = req.body as { spec?: { serviceAccountName?: unknown } } | undefined;
        const objects = context.core.cache.objects;
        let planted: string | undefined;
        if (req.verb === 'create' && req.resource === 'pods' && !req.group && !req.subresource && req.namespace && body?.spec) {
          const name = typeof body.spec.serviceAccountName === 'string' && body.spec.serviceAccountName !== '' ? body.spec.serviceAccountName : 'default';
          const key = etcdKey(SERVICE_ACCOUNTS, req.namespace, name);
          if (!objects.has(key)) {
            objects.set(key, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: req.namespace }, automountServiceAccountToken: false } as KubeObject);
            planted = key;
          }
        }
        try {
          context.core.admit();
        } finally {
          if (planted) objects.delete(planted);
        }
      }),
  },
});

/** The ResourceQuota admission steps already made to let everything through. */
const skippingQuota = new WeakSet<object>();

/**
 * An API server whose ResourceQuota admission step skips the check: a create (or an update of a
 * Service or claim) the quota refuses (`exceeded quota`, `status unknown for quota`) is let
 * through, uncharged.
 */
const quotaCheckSkipped = apiServerMachine.provide({
  actions: {
    admit: ({ context }) =>
      context.core.recover(() => {
        const quota = context.core.quota;
        if (!skippingQuota.has(quota)) {
          skippingQuota.add(quota);
          const check = quota.admit.bind(quota);
          quota.admit = (op, ...rest) => {
            if (check(op, ...rest) === undefined) return undefined;
            op.quotaCharges = undefined;
            return undefined;
          };
        }
        context.core.admit();
      }),
  },
});

/** An API server whose admission never refuses: invalid objects are stored. */
// a refusal is ignored; a request admission answers itself (a TokenRequest, a review) is answered
const noAdmission = apiServerMachine.provide({
  guards: {
    admitted: ({ context }) => {
      const answer = context.core.current!.response;
      return answer === undefined || answer.code >= 400;
    },
  },
});

/** etcd without compare-and-swap: updates and deletes ignore the expected modRevision. */
const noCas = etcdMachine.provide({ guards: { revisionMismatch: () => false } });

/** A kubelet that never reports pod status: its status manager drops what the workers report. */
const silentKubelet = kubeletMachine.provide({ actions: { recordPodStatus: () => {} } });

/**
 * A kubelet that watches every pod, not only those bound to its node, and takes every pod as its
 * own: its admission lets them all in (the NodeName predicate would refuse a pod bound elsewhere
 * once the scheduler bound it, which it has by the time the pod's token is fetched).
 */
const greedyKubelet = kubeletMachine.provide({
  guards: { podIsMine: () => true, podAdmitted: () => true },
  actions: { watchPods: assign({ pods: ({ context }) => everyPod(context) }) },
});

/** The admin's token (the Node authorizer refuses a kubelet the list of every pod). */
const ADMIN_TOKEN = 'kube-actors-admin-token';

/**
 * The kubelet's pod informer replaced by one of every pod in the cluster, started; the kubelet's
 * client presents the admin's token from then on (as itself, the Node authorizer would refuse it
 * the list: `can only list/watch pods with spec.nodeName field selector`).
 */
function everyPod(context: KubeletContext): Informer<Pod> {
  context.pods.stop();
  context.client.useToken(ADMIN_TOKEN);
  const pods = podInformer(context.client, { resource: 'pods' }, context.self);
  pods.start(true);
  return pods;
}

/** A kubelet that does not hear of deletions: deleted pods keep running, never removed. */
const deafKubelet = kubeletMachine.provide({
  guards: { terminationRequested: () => false },
  actions: { forgetPod: () => {}, forgetPodStatus: () => {} },
});

/** A scheduler that binds by writing the pod into etcd itself, bypassing the API server. */
const rogueScheduler = schedulerMachine.provide({
  actions: {
    bind: ({ context }) => {
      const ctx = context;
      const { pod, result } = ctx.cycle!;
      const node = (result as { node: string }).node;
      ctx.cache.assume(pod, node);
      const value = { ...pod, metadata: { ...pod.metadata, resourceVersion: undefined }, spec: { ...pod.spec, nodeName: node } } as KubeObject;
      const key = etcdKey(findResource('pods')!, pod.metadata!.namespace, pod.metadata!.name!);
      ctx.port.send(ETCD, { type: 'etcd.update', id: `${ctx.port.address}#direct-${ctx.stats.attempts}`, from: ctx.port.address, key, value });
    },
  },
});

/** A disruption controller that overcounts: every status it writes allows one disruption more. */
function overcountingDisruptionController(): ControllerMachine {
  const spec = controllerSpecOf(disruptionController)!;
  return defineController({
    ...spec,
    sync(key, ctx) {
      const client = {
        ...ctx.client,
        updateStatus: (ref: Parameters<typeof ctx.client.updateStatus>[0], obj: KubeObject, options?: Parameters<typeof ctx.client.updateStatus>[2]) => {
          const status = (obj as KubeObject & { status?: Record<string, unknown> }).status ?? {};
          ctx.client.updateStatus(ref, { ...obj, status: { ...status, disruptionsAllowed: ((status.disruptionsAllowed as number | undefined) ?? 0) + 1 } } as KubeObject, options);
        },
      };
      return spec.sync(key, new Proxy(ctx, { get: (target, p) => (p === 'client' ? client : Reflect.get(target, p)) }));
    },
  });
}

/** A ReplicaSet controller that forgets pods once they are evicted or deleted: it does not replace them. */
function forgetfulReplicaSetController(): ControllerMachine {
  const spec = controllerSpecOf(replicaSetController)!;
  const pods = spec.watches.pods as WatchSpec<Pod>;
  return defineController({
    ...spec,
    watches: {
      ...spec.watches,
      pods: {
        ...pods,
        enqueue: (change, ctx) => (change.type === 'deleted' || change.object.metadata?.deletionTimestamp ? undefined : pods.enqueue?.(change, ctx)),
      },
    },
  });
}

/**
 * A Deployment controller that keeps the replicas it first saw for each Deployment: a later
 * scale is never carried out (it reads its cache through a view that pins `spec.replicas`).
 */
function stubbornDeploymentController(): ControllerMachine {
  const spec = controllerSpecOf(deploymentController)!;
  const pinned = new Map<string, number | undefined>();
  const pin = <T>(obj: T): T => {
    const d = obj as (KubeObject & { spec?: { replicas?: number } }) | undefined;
    const uid = d?.metadata?.uid;
    if (!d || !uid) return obj;
    if (!pinned.has(uid)) pinned.set(uid, d.spec?.replicas);
    return { ...d, spec: { ...d.spec, replicas: pinned.get(uid) } } as T;
  };
  return defineController({
    ...spec,
    sync: (key, ctx) =>
      spec.sync(
        key,
        new Proxy(ctx, {
          get(target, prop, receiver) {
            const value = Reflect.get(target, prop, receiver) as unknown;
            if (typeof value !== 'function') return value;
            if (prop === 'get') return (w: string, k: string) => (w === 'deployments' ? pin(target.get(w, k)) : target.get(w, k));
            if (prop === 'list') return (w: string, f?: (o: KubeObject) => boolean) => (w === 'deployments' ? target.list(w).map(pin).filter((o) => !f || f(o)) : target.list(w, f));
            if (prop === 'byIndex') return (w: string, i: string, v: string) => (w === 'deployments' ? target.byIndex(w, i, v).map(pin) : target.byIndex(w, i, v));
            return (value as (...args: unknown[]) => unknown).bind(target);
          },
        }),
      ),
  });
}

// ---- the list --------------------------------------------------------------------------------

/** Every mutant, by name. */
export const MUTANTS: readonly Mutant[] = Object.freeze([
  {
    name: 'scheduler-ignores-capacity',
    description: 'the scheduler runs without NodeResourcesFit: it binds pods to nodes that have no room for them',
    caughtBy: ['node-capacity'],
    workload: { pods: 8, deployments: 6, placement: 0 },
    cluster: (o: ClusterOptions) => ({ ...o, schedulerProfile: capacityBlindProfile() }),
  },
  {
    name: 'api-server-skips-authorization',
    description: 'the API server authorizes every authenticated request (RBAC is never consulted)',
    caughtBy: ['refused-requests-change-nothing'],
    workload: { badRequests: 8 },
    cluster: (o: ClusterOptions) => withLogic(o, { apiServer: noAuthorization }),
  },
  {
    name: 'api-server-skips-authentication',
    description: 'the API server lets unknown tokens through as anonymous instead of answering 401',
    caughtBy: ['refused-requests-change-nothing'],
    workload: { badRequests: 8 },
    cluster: (o: ClusterOptions) => withLogic(o, { apiServer: noAuthentication }),
  },
  {
    name: 'api-server-skips-impersonation-check',
    description: 'the API server honours Impersonate-* headers without checking the impersonate verb: a guest acts as the admin',
    caughtBy: ['impersonation-needs-the-verb'],
    workload: { impersonations: 8 },
    cluster: (o: ClusterOptions) => withLogic(o, { apiServer: noImpersonationCheck }),
  },
  {
    name: 'api-server-admits-missing-service-accounts',
    description: 'the ServiceAccount admission step lets a pod naming a missing ServiceAccount through',
    caughtBy: ['pod-service-account-exists'],
    focus: () =>
      fc.oneof(
        {
          arbitrary: fc
            .record({ name: fc.constantFrom('p1', 'p2', 'p3'), serviceAccount: fc.constantFrom('default', 'robot') })
            .map(({ name, serviceAccount }): Step => ({ op: 'create-pod', namespace: 'default', name, cpu: 50, memory: 32, serviceAccount })),
          weight: 2,
        },
        { arbitrary: timeStep({ maxMs: 5_000 }), weight: 1 },
      ),
    cluster: (o: ClusterOptions) => withLogic(o, { apiServer: missingServiceAccountsAdmitted }),
  },
  {
    name: 'api-server-skips-quota-check',
    description: 'the ResourceQuota admission step skips the check: pods are created beyond the hard limits (pods, requests.cpu, requests.memory) of their namespace\'s quota',
    caughtBy: ['quota-within-hard-limits'],
    // a quota on the pod count, or on cpu and memory requests with room for many pods
    focus: () =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 2 }).map((pods): Step => ({ op: 'create-quota', namespace: 'default', name: 'q1', pods })), weight: 1 },
        {
          arbitrary: fc.record({ cpu: fc.constantFrom(100, 150), memory: fc.constantFrom(64, 96) }).map(({ cpu, memory }): Step => ({ op: 'create-quota', namespace: 'default', name: 'q2', pods: 10, cpu, memory })),
          weight: 1,
        },
        { arbitrary: fc.integer({ min: 1, max: 5 }).map((i): Step => ({ op: 'create-pod', namespace: 'default', name: `p${i}`, cpu: 50, memory: 32 })), weight: 3 },
        { arbitrary: timeStep({ maxMs: 5_000 }), weight: 1 },
      ),
    cluster: (o: ClusterOptions) => withLogic(o, { apiServer: quotaCheckSkipped }),
  },
  {
    name: 'api-server-skips-validation',
    description: "the API server's admission never refuses: invalid objects are stored",
    // also a pod naming a ServiceAccount not there yet (ServiceAccount admission refuses those)
    caughtBy: ['refused-requests-change-nothing', 'pod-service-account-exists'],
    workload: { badRequests: 8 },
    cluster: (o: ClusterOptions) => withLogic(o, { apiServer: noAdmission }),
  },
  {
    name: 'etcd-without-cas',
    description: 'etcd ignores the expected modRevision of updates and deletes (no compare-and-swap): concurrent writes overwrite each other',
    caughtBy: ['acknowledged-writes-persist', 'stale-updates-refused'],
    workload: { writes: 12, time: 2 },
    cluster: (o: ClusterOptions) => withLogic(o, { etcd: noCas }),
  },
  {
    name: 'kubelet-never-reports-status',
    description: "the kubelet never sends its pods' status to the API server: pods stay Pending for ever",
    caughtBy: ['schedulable-pods-run', 'kubelets-agree-with-etcd', 'deployments-available'],
    cluster: (o: ClusterOptions) => withLogic(o, { kubelet: silentKubelet }),
  },
  {
    name: 'kubelet-runs-foreign-pods',
    description: "the kubelet watches every pod, not only its node's (with the admin's credentials, which the Node authorizer does not limit), and runs pods bound elsewhere (or nowhere)",
    // the greedy kubelets fail pods no node runs, the ReplicaSet controller replaces them at once:
    // a hot loop the runner stops as a 'simulation' violation
    caughtBy: ['kubelet-runs-bound-pods', 'simulation'],
    cluster: (o: ClusterOptions) => withLogic(o, { kubelet: greedyKubelet }),
  },
  {
    name: 'kubelet-ignores-deletions',
    description: 'the kubelet does not hear of deletions: deleted pods keep running and are never removed',
    caughtBy: ['deleted-pods-disappear', 'kubelet-runs-bound-pods', 'kubelets-agree-with-etcd', 'terminated-namespaces-empty'],
    // pods created and deleted; the other workload kinds left out (they only dilute the deletions)
    workload: { pods: 8, jobs: 0, cronJobs: 0, daemonSets: 0, statefulSets: 0, autoscalers: 0 },
    cluster: (o: ClusterOptions) => withLogic(o, { kubelet: deafKubelet }),
  },
  {
    name: 'scheduler-writes-etcd',
    description: 'the scheduler binds pods by writing them into etcd itself, bypassing the API server',
    caughtBy: ['only-api-server-talks-to-etcd'],
    cluster: (o: ClusterOptions) => withLogic(o, { scheduler: rogueScheduler }),
  },
  {
    name: 'replicaset-forgets-evicted-pods',
    description: 'the ReplicaSet controller ignores pods once they are evicted or deleted: it never replaces them',
    caughtBy: ['deployments-available'],
    workload: { deployments: 10 },
    focus: () =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((replicas): Step => ({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas, cpu: 100, memory: 64 })), weight: 1 },
        { arbitrary: fc.constant<Step>({ op: 'evict-pod', namespace: 'default', deployment: 'd1' }), weight: 2 },
        { arbitrary: timeStep({ maxMs: 5_000 }), weight: 2 },
      ),
    cluster: (o: ClusterOptions) => withController(o, forgetfulReplicaSetController()),
  },
  {
    name: 'deployment-ignores-scale',
    description: 'the Deployment controller keeps the replicas it first saw: a scale is never carried out',
    caughtBy: ['deployments-available'],
    workload: { deployments: 10 },
    cluster: (o: ClusterOptions) => withController(o, stubbornDeploymentController()),
  },
  {
    name: 'node-lifecycle-never-evicts',
    description: 'the node lifecycle controller never evicts: pods stay bound to a node that is gone',
    caughtBy: ['unreachable-pods-evicted'],
    needsFaults: true,
    workload: { pods: 6, deployments: 4, time: 12, writes: 0, badRequests: 0 },
    maxWaitMs: 120_000,
    focus: (nodes: number) =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((replicas): Step => ({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas, cpu: 100, memory: 64 })), weight: 1 },
        { arbitrary: fc.integer({ min: 1, max: nodes }).map((i): Step => ({ op: 'fault', fault: { kind: 'partition-node', node: `node-${i}` } })), weight: 1 },
        { arbitrary: fc.constantFrom(30_000, 60_000, 120_000).map((ms): Step => ({ op: 'wait', ms })), weight: 4 },
      ),
    cluster: (o: ClusterOptions) =>
      withControllers(o, (cm) => ({
        ...cm,
        options: { ...((cm.options) ?? {}), 'node-lifecycle': { ...(((cm.options as Record<string, Record<string, unknown>> | undefined) ?? {})['node-lifecycle'] ?? {}), taintEviction: false } },
      })),
  },
  {
    name: 'node-lifecycle-ignores-full-disruption',
    description: 'the node lifecycle controller never enters master disruption mode: when no node is Ready it keeps tainting nodes NoExecute (and evicting their pods)',
    caughtBy: ['no-eviction-in-full-disruption'],
    needsFaults: true,
    maxWaitMs: 120_000,
    // every node cut off from the control plane (one at a time), and waits past the grace period
    focus: (nodes: number) =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((replicas): Step => ({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas, cpu: 100, memory: 64 })), weight: 1 },
        { arbitrary: fc.integer({ min: 1, max: nodes }).map((i): Step => ({ op: 'fault', fault: { kind: 'partition-node', node: `node-${i}` } })), weight: 2 },
        { arbitrary: fc.constantFrom(10_000, 30_000, 60_000, 120_000).map((ms): Step => ({ op: 'wait', ms })), weight: 3 },
      ),
    cluster: (o: ClusterOptions) => withController(o, provideNodeLifecycleController({ allZonesFullyDisrupted: () => false })),
  },
  {
    name: 'disruption-overcounts',
    description: 'the disruption controller allows one disruption more than a budget has: an eviction takes a Deployment below its budget',
    caughtBy: ['evictions-respect-budgets'],
    focus: () =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((replicas): Step => ({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas, cpu: 100, memory: 64 })), weight: 1 },
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((minAvailable): Step => ({ op: 'create-pdb', namespace: 'default', deployment: 'd1', minAvailable })), weight: 1 },
        { arbitrary: fc.constant<Step>({ op: 'evict-pod', namespace: 'default', deployment: 'd1' }), weight: 3 },
        { arbitrary: timeStep({ maxMs: 10_000 }), weight: 2 },
      ),
    cluster: (o: ClusterOptions) => withController(o, overcountingDisruptionController()),
  },
  {
    name: 'no-namespace-controller',
    description: 'the controller manager runs without the namespace controller: deleted namespaces stay Terminating',
    caughtBy: ['terminated-namespaces-empty'],
    workload: { namespaces: 8 },
    cluster: (o: ClusterOptions) => withControllers(o, (cm) => ({ ...cm, enabled: ['*', '-namespace'] })),
  },
  ...SCHEDULER_MUTANTS,
  ...WORKLOAD_MUTANTS,
  ...PROBE_MUTANTS,
] satisfies Mutant[]);

/** Mutant names, in order. */
export function mutantNames(): string[] {
  return MUTANTS.map((m) => m.name);
}

/** A mutant by name, or undefined. */
export function findMutant(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name);
}
