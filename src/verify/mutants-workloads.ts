/**
 * Mutants of the workload controllers: the Job, CronJob, DaemonSet, StatefulSet, PersistentVolume
 * binder, HorizontalPodAutoscaler and endpointslice controllers, each broken in one way that one of the workload
 * invariants catches. Each is the built-in controller's own definition with its reads of the
 * caches seen through a distorting view (what it believes of an object's spec) or its writes
 * rewritten, replacing the built-in in the controller manager (`controllerManager.controllers`).
 */
import fc from 'fast-check';
import type { ClusterOptions } from '../cluster/create-cluster.js';
import type { KubeObject } from '../api/types.js';
import { controllerSpecOf, defineController, type ControllerClient, type ControllerMachine, type ResourceRef, type SyncContext } from '../../machines/controllers/controller.js';
import { jobController } from '../../machines/controllers/job.js';
import { cronJobController } from '../../machines/controllers/cronjob.js';
import { daemonSetController } from '../../machines/controllers/daemonset.js';
import { statefulSetController } from '../../machines/controllers/statefulset.js';
import { persistentVolumeBinder } from '../../machines/controllers/persistentvolume-binder.js';
import { horizontalPodAutoscalerController } from '../../machines/controllers/horizontal-pod-autoscaler.js';
import { endpointSliceController } from '../../machines/controllers/endpointslice.js';
import { timeStep } from './arbitraries/time-step.js';
import type { Mutant } from './mutants.js';
import type { Step } from './steps.js';

type Obj = KubeObject & Record<string, any>;
type AnyCtx = SyncContext<any, any, any>;

function withController(options: ClusterOptions, controller: ControllerMachine): ClusterOptions {
  const cm = { ...(options.controllerManager ?? {}) };
  return { ...options, controllerManager: { ...cm, controllers: [...(cm.controllers ?? []), controller] } };
}

function resourceOf(ref: ResourceRef): string {
  return typeof ref === 'string' ? ref : ref.resource;
}

/** The controller with its sync's context replaced by `wrap(ctx)`. */
function wrapped(machine: ControllerMachine, wrap: (ctx: AnyCtx) => AnyCtx): ControllerMachine {
  const spec = controllerSpecOf(machine)!;
  return defineController({ ...spec, sync: (key, ctx) => spec.sync(key, wrap(ctx as AnyCtx)) });
}

/** A context whose `client` is replaced. */
function withClient(ctx: AnyCtx, client: ControllerClient): AnyCtx {
  return new Proxy(ctx, { get: (target, p) => (p === 'client' ? client : Reflect.get(target, p)) });
}

/**
 * The controller seeing the objects of watch `name` (and the answers of its GETs of `resource`)
 * through `view`: what it believes of them, while etcd holds the truth.
 */
function viewing(machine: ControllerMachine, name: string, resource: string, view: (o: Obj) => Obj): ControllerMachine {
  const see = <T>(o: T): T => (o ? (view(o as Obj) as T) : o);
  return wrapped(machine, (ctx) => {
    const client: ControllerClient = {
      ...ctx.client,
      get: (ref, ns, n, options) =>
        ctx.client.get(ref, ns, n, {
          ...options,
          onResponse: (res) => options?.onResponse?.(resourceOf(ref) === resource && res.code === 200 ? { ...res, body: see(res.body) } : res),
        }),
    };
    return new Proxy(ctx, {
      get(target, prop, receiver) {
        if (prop === 'client') return client;
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'get') return (w: string, k: string) => (w === name ? see(target.get(w, k)) : target.get(w, k));
        if (prop === 'list') return (w: string, f?: (o: KubeObject) => boolean) => (w === name ? (target.list(w) as Obj[]).map(see).filter((o) => !f || f(o)) : target.list(w, f));
        if (prop === 'byIndex') return (w: string, i: string, v: string) => (w === name ? (target.byIndex(w, i, v) as Obj[]).map(see) : target.byIndex(w, i, v));
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  });
}

/** The controller with every create and update of `resource` passed through `rewrite` first. */
function rewriting(machine: ControllerMachine, resource: string, rewrite: (body: Obj, ctx: AnyCtx) => Obj): ControllerMachine {
  return wrapped(machine, (ctx) =>
    withClient(ctx, {
      ...ctx.client,
      create: (ref, ns, body, options) => ctx.client.create(ref, ns, resourceOf(ref) === resource ? rewrite(body as Obj, ctx) : body, options),
      update: (ref, obj, options) => ctx.client.update(ref, resourceOf(ref) === resource ? rewrite(obj as Obj, ctx) : obj, options),
    }),
  );
}

// ---- the broken controllers ------------------------------------------------------------------

/** A Job controller that believes every Job allows one pod more than its parallelism. */
const overParallelJobController = (): ControllerMachine =>
  viewing(jobController, 'jobs', 'jobs', (job) => ({ ...job, spec: { ...job.spec, parallelism: ((job.spec?.parallelism as number | undefined) ?? 1) + 1 } }));

/**
 * A Job controller that counts a finished pod as soon as it records it as uncounted (its status
 * writes add `uncountedTerminatedPods.succeeded` to `succeeded`): once the pod's finalizer is
 * removed it is counted again.
 */
const doubleCountingJobController = (): ControllerMachine =>
  wrapped(jobController, (ctx) =>
    withClient(ctx, {
      ...ctx.client,
      updateStatus: (ref, obj, options) => {
        const job = obj as Obj;
        const uncounted = ((job.status?.uncountedTerminatedPods as Obj | undefined)?.succeeded as string[] | undefined) ?? [];
        const status = uncounted.length > 0 ? { ...job.status, succeeded: ((job.status?.succeeded as number | undefined) ?? 0) + uncounted.length } : job.status;
        ctx.client.updateStatus(ref, { ...job, status } as KubeObject, options);
      },
    }),
  );

/** A CronJob controller that reads concurrencyPolicy Forbid as Allow. */
const forbidBlindCronJobController = (): ControllerMachine =>
  viewing(cronJobController, 'cronjobs', 'cronjobs', (cj) => (cj.spec?.concurrencyPolicy === 'Forbid' ? { ...cj, spec: { ...cj.spec, concurrencyPolicy: 'Allow' } } : cj));

/** An autoscaler controller that ignores its bounds: it believes minReplicas is 1 and maxReplicas three more than set. */
const unboundedAutoscalerController = (): ControllerMachine =>
  viewing(horizontalPodAutoscalerController, 'hpas', 'horizontalpodautoscalers', (hpa) => ({
    ...hpa,
    spec: { ...hpa.spec, minReplicas: 1, maxReplicas: ((hpa.spec?.maxReplicas as number | undefined) ?? 1) + 3 },
  }));

/**
 * A DaemonSet controller that surges unasked: it believes every DaemonSet's rolling update has
 * `maxSurge: 1` (and `maxUnavailable: 0`), so a rollout starts each node's new pod beside the old
 * one although the strategy allows no surge.
 */
const surgingDaemonSetController = (): ControllerMachine =>
  viewing(daemonSetController, 'daemonsets', 'daemonsets', (ds) =>
    ds.spec?.updateStrategy?.type === 'OnDelete' ? ds : { ...ds, spec: { ...ds.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } },
  );

/** A StatefulSet controller whose pods get generated names (`<set>-<ordinal>-xxxxx`): it loses their identity and starts each ordinal again. */
const generatedNamesStatefulSetController = (): ControllerMachine =>
  rewriting(statefulSetController, 'pods', (pod) => {
    const name = pod.metadata?.name;
    if (!name) return pod;
    const { name: _name, ...metadata } = pod.metadata!;
    return { ...pod, metadata: { ...metadata, generateName: `${name}-` } } as Obj;
  });

/** A PersistentVolume binder that writes a volume's claimRef without the claim's uid. */
const uidlessBinder = (): ControllerMachine =>
  rewriting(persistentVolumeBinder, 'persistentvolumes', (pv) => {
    if (!pv.spec?.claimRef) return pv;
    const out = structuredClone(pv);
    delete out.spec.claimRef.uid;
    return out;
  });

/** An endpointslice controller that marks every endpoint ready (and serving), whatever its pod's readiness. */
const allReadyEndpointSliceController = (): ControllerMachine =>
  rewriting(endpointSliceController, 'endpointslices', (slice) => ({
    ...slice,
    endpoints: ((slice.endpoints as Obj[] | undefined) ?? []).map((ep) => ({ ...ep, conditions: { ...(ep.conditions as Obj | undefined), ready: true, serving: true } })),
  }));

// ---- focused workloads ---------------------------------------------------------------------

const jobStep = (fields: Partial<Extract<Step, { op: 'create-job' }>>): fc.Arbitrary<Step> =>
  fc.record({ name: fc.constantFrom('j1', 'j2'), parallelism: fc.integer({ min: 1, max: 2 }) }).map(({ name, parallelism }): Step => ({ op: 'create-job', namespace: 'default', name, parallelism, runMs: 20_000, ...fields }));

// ---- the list --------------------------------------------------------------------------------

/** The workload controllers' mutants (spread into `MUTANTS`). */
export const WORKLOAD_MUTANTS: readonly Mutant[] = Object.freeze([
  {
    name: 'job-exceeds-parallelism',
    description: 'the Job controller believes every Job allows one pod more than its parallelism: it keeps one active pod too many',
    caughtBy: ['job-active-within-parallelism'],
    workload: { jobs: 10 },
    focus: () => fc.oneof({ arbitrary: jobStep({ completions: 4 }), weight: 1 }, { arbitrary: jobStep({}), weight: 1 }, { arbitrary: timeStep({ maxMs: 30_000 }), weight: 2 }),
    cluster: (o: ClusterOptions) => withController(o, overParallelJobController()),
  },
  {
    name: 'job-counts-completions-twice',
    description: 'the Job controller counts a succeeded pod when it records it as uncounted and again once its finalizer is removed',
    caughtBy: ['job-completions-counted-once'],
    workload: { jobs: 10 },
    focus: () => fc.oneof({ arbitrary: jobStep({ completions: 3, runMs: 1_000 }), weight: 1 }, { arbitrary: timeStep({ maxMs: 30_000 }), weight: 2 }),
    cluster: (o: ClusterOptions) => withController(o, doubleCountingJobController()),
  },
  {
    name: 'cronjob-ignores-forbid',
    description: 'the CronJob controller reads concurrencyPolicy Forbid as Allow: it starts a Job while the previous one still runs',
    caughtBy: ['cronjob-forbid-no-overlap'],
    workload: { cronJobs: 10 },
    maxWaitMs: 120_000,
    focus: () =>
      fc.oneof(
        { arbitrary: fc.constantFrom(70_000, 150_000).map((runMs): Step => ({ op: 'create-cronjob', namespace: 'default', name: 'c1', policy: 'Forbid', runMs })), weight: 1 },
        { arbitrary: fc.constantFrom(30_000, 60_000, 120_000).map((ms): Step => ({ op: 'wait', ms })), weight: 3 },
      ),
    cluster: (o: ClusterOptions) => withController(o, forbidBlindCronJobController()),
  },
  {
    name: 'hpa-ignores-bounds',
    description: "the horizontal pod autoscaler ignores its bounds (it believes minReplicas 1 and maxReplicas three more than set): it wants replicas outside them",
    caughtBy: ['hpa-replicas-within-bounds'],
    workload: { autoscalers: 10 },
    focus: () =>
      fc.oneof(
        {
          arbitrary: fc.record({ min: fc.integer({ min: 1, max: 2 }), load: fc.constantFrom(10, 300) }).map(({ min, load }): Step => ({ op: 'create-autoscaled', namespace: 'default', name: 'd1', min, max: 2, utilization: 50, load })),
          weight: 1,
        },
        { arbitrary: fc.constantFrom(15_000, 30_000).map((ms): Step => ({ op: 'wait', ms })), weight: 3 },
      ),
    cluster: (o: ClusterOptions) => withController(o, unboundedAutoscalerController()),
  },
  {
    name: 'daemonset-surges-unasked',
    description: 'the DaemonSet controller believes every rolling update may surge: a rollout runs two pods of one DaemonSet on a node',
    caughtBy: ['daemonset-one-pod-per-node'],
    workload: { daemonSets: 10 },
    focus: () =>
      fc.oneof(
        { arbitrary: fc.constant<Step>({ op: 'create-daemonset', namespace: 'default', name: 'ds1', cpu: 50, memory: 32 }), weight: 1 },
        { arbitrary: fc.constant<Step>({ op: 'update-workload', resource: 'daemonsets', namespace: 'default', name: 'ds1' }), weight: 2 },
        { arbitrary: timeStep({ maxMs: 15_000 }), weight: 2 },
      ),
    cluster: (o: ClusterOptions) => withController(o, surgingDaemonSetController()),
  },
  {
    name: 'statefulset-generates-names',
    description: 'the StatefulSet controller names its pods by generateName: it loses their identity and runs an ordinal twice',
    caughtBy: ['statefulset-unique-ordinals', 'simulation'],
    workload: { statefulSets: 10 },
    focus: () =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((replicas): Step => ({ op: 'create-statefulset', namespace: 'default', name: 'st1', replicas })), weight: 1 },
        { arbitrary: timeStep({ maxMs: 15_000 }), weight: 2 },
      ),
    cluster: (o: ClusterOptions) => withController(o, generatedNamesStatefulSetController()),
  },
  {
    name: 'pv-binder-omits-claim-uid',
    description: "the PersistentVolume binder writes a volume's claimRef without the claim's uid",
    caughtBy: ['bound-claims-match-volumes'],
    workload: { statefulSets: 10 },
    focus: () =>
      fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 2 }).map((replicas): Step => ({ op: 'create-statefulset', namespace: 'default', name: 'st1', replicas, claims: true })), weight: 1 },
        { arbitrary: timeStep({ maxMs: 15_000 }), weight: 2 },
      ),
    cluster: (o: ClusterOptions) => withController(o, uidlessBinder()),
  },
  {
    name: 'endpointslice-marks-all-ready',
    description: 'the endpointslice controller marks every endpoint ready, whatever its pod\'s readiness',
    caughtBy: ['endpointslices-list-ready-pods'],
    focus: () =>
      fc.oneof(
        { arbitrary: fc.constant<Step>({ op: 'create-service', namespace: 'default', name: 's1', app: 'd1' }), weight: 1 },
        { arbitrary: fc.integer({ min: 1, max: 3 }).map((replicas): Step => ({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas, cpu: 50, memory: 32 })), weight: 1 },
        { arbitrary: timeStep({ maxMs: 3_000 }), weight: 1 },
      ),
    cluster: (o: ClusterOptions) => withController(o, allReadyEndpointSliceController()),
  },
] satisfies Mutant[]);
