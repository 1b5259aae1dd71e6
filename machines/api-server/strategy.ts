/**
 * Per-resource API rules, as kube-apiserver's registry strategies (`pkg/registry/<group>/<resource>/
 * strategy.go`): what a create resets and fills in, what an update carries over, whether spec
 * changes bump `metadata.generation`, how long a delete waits, and when a terminating object may
 * go. The request pipeline in core.ts is generic; everything that differs by resource is here.
 */
import type { ResourceInfo } from '../../src/api/resources.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import type { ServiceIpAllocator } from './ip-allocator.js';
import type { NodePortAllocator, NodePortOperation } from './port-allocator.js';
import { podStrategy } from './strategies/pod.js';
import { serviceStrategy } from './strategies/service.js';
import { namespaceStrategy } from './strategies/namespace.js';
import { jobStrategy } from './strategies/job.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './strategies/storage.js';

export type Obj = KubeObject & Record<string, any>;

/** What a strategy may use besides the object: the cluster IP allocator and the cache. */
export interface StrategyContext {
  /** The Service cluster IP allocator. */
  readonly ips: ServiceIpAllocator;
  /** The Service node port allocator (for a delete's release and a stored object's claim). */
  readonly nodePortAllocator: NodePortAllocator;
  /** The request's node port operation: reverted if the request fails, committed when it succeeds. */
  nodePorts(): NodePortOperation;
  /** True for a dry run: nothing is allocated for good. */
  readonly dryRun: boolean;
  /** Objects of a resource in the API server's cache (cluster-wide). */
  list(plural: string): readonly KubeObject[];
}

/** The rules of one resource. Every method is optional except `generation`. */
export interface Strategy {
  /** True when a change of `spec` bumps `metadata.generation` (and a create sets it to 1). */
  readonly generation: boolean;
  /**
   * `PrepareForCreate` (and the REST's `BeginCreate`): reset the status and fill in what the server
   * owns (allocations). Changes `obj`. @returns the refusal when an allocation fails.
   */
  prepareForCreate?(obj: Obj, ctx: StrategyContext): Status | void;
  /**
   * `PrepareForUpdate` of the main resource (and the REST's `BeginUpdate`): carry over what a client
   * may not change, allocate what the change needs. Changes `next`. @returns the refusal when an allocation fails.
   */
  prepareForUpdate?(next: Obj, current: Obj, ctx: StrategyContext): Status | void;
  /** Seconds a delete waits (0: the object goes at once unless finalizers hold it). */
  gracePeriod?(obj: Obj, requested: number | undefined): number;
  /** Whether a terminating object whose finalizers are gone may be removed by an update. */
  readyToDelete?(obj: Obj): boolean;
  /** Whether the spec's own finalizers (a namespace's) still hold a delete. */
  finalizing?(obj: Obj): boolean;
  /** Why the object may not be deleted at all, or undefined. */
  deleteForbidden?(name: string): string | undefined;
  /** After the object is gone from etcd (not on a dry run): give back what it held. */
  afterDelete?(obj: Obj, ctx: StrategyContext): void;
  /** The object as it is loaded from etcd or seen in a change: take what it holds (a cluster IP). */
  restore?(obj: Obj, ctx: StrategyContext): void;
}

/** A strategy whose create only sets an initial status (a copy of `status` each time). */
function initialStatus(status: Record<string, unknown>, generation = true): Strategy {
  return {
    generation,
    prepareForCreate(obj) {
      obj.status = structuredClone(status);
    },
  };
}

const PLAIN: Strategy = { generation: false };

const STRATEGIES: ReadonlyMap<string, Strategy> = new Map<string, Strategy>([
  ['/pods', podStrategy],
  ['/services', serviceStrategy],
  ['/namespaces', namespaceStrategy],
  ['/nodes', { generation: true }],
  ['/persistentvolumes', persistentVolumeStrategy],
  ['/persistentvolumeclaims', persistentVolumeClaimStrategy],
  ['/replicationcontrollers', initialStatus({ replicas: 0 })],
  // the status is the resource quota controller's
  ['/resourcequotas', initialStatus({}, false)],
  ['apps/deployments', initialStatus({})],
  ['apps/replicasets', initialStatus({ replicas: 0 })],
  ['apps/daemonsets', initialStatus({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 })],
  ['apps/statefulsets', initialStatus({ replicas: 0, availableReplicas: 0 })],
  ['batch/jobs', jobStrategy],
  ['batch/cronjobs', initialStatus({})],
  // desiredReplicas is not omitempty
  ['autoscaling/horizontalpodautoscalers', initialStatus({ desiredReplicas: 0 }, false)],
  // policy/v1 prints its counters
  ['policy/poddisruptionbudgets', initialStatus({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 })],
]);

/** The strategy of a resource (a plain one, with no rules of its own, for most). */
export function strategyFor(info: ResourceInfo): Strategy {
  return STRATEGIES.get(`${info.group}/${info.plural}`) ?? PLAIN;
}
