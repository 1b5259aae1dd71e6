/**
 * The typed client people use, with the verbs they know from kubectl: create, apply, get, list,
 * delete, scale, patch, watch. It speaks through the simulated `kubectl` actor, so every call is a
 * real request through the API server. In a stepped simulation each call runs the kernel until
 * the answer arrives and returns it (or throws the API's Status as a `StatusError`); in a
 * real-time simulation use `requestAsync`.
 */
import type { AnyActorRef } from 'xstate';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { StatusError, timeout as timeoutStatus } from '../api/status.js';
import { createThreeWayMergePatch } from '../api/strategic-merge-patch.js';
import type { KubeObject, Status } from '../api/types.js';
import type { KindName, KindTypes, ResourceName, ResourceNameFor, ResourceTypes, RuntimeString, UntypedObject } from '../api/resource-types.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ApiQuery, ApiResponse, WatchClosed, WatchEvent } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import type { NodeMetrics, PodMetrics } from '../metrics/metrics-api.js';

/** Where an object lives. */
export interface ObjectRef {
  namespace?: string;
}

/** Options of `list` and `watch`. */
export interface ListOptions extends ObjectRef {
  labelSelector?: string;
  fieldSelector?: string;
  /** All namespaces. */
  allNamespaces?: boolean;
  limit?: number;
  resourceVersion?: string;
}

/** Options of `delete`. */
export interface DeleteOptions extends ObjectRef {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** A watch the client holds open. */
export interface WatchHandle {
  readonly id: string;
  stop(): void;
}

/** The annotation client-side apply keeps the last applied configuration in. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A list as the API returns it. */
export interface ObjectList<T extends KubeObject = KubeObject> extends KubeObject {
  items: T[];
}

function resource(nameOrKind: string): ResourceInfo {
  const info = findResource(nameOrKind);
  if (!info) throw new StatusError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `the server doesn't have a resource type "${nameOrKind}"` } as Status);
  return info;
}

function infoOf(obj: KubeObject): ResourceInfo {
  if (!obj || typeof obj !== 'object' || typeof obj.kind !== 'string') {
    throw new StatusError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400, message: 'Object \'Kind\' is missing in the object' } as Status);
  }
  return resource(obj.kind);
}

/** Options of `create`. */
export interface CreateOptions extends ObjectRef {
  fieldValidation?: ApiQuery['fieldValidation'];
  dryRun?: boolean;
}

/**
 * The typed Kubernetes client of a simulated cluster. Its calls infer the object type from the
 * kind or the resource name (src/api/resource-types.ts): `create({ kind: 'Pod', … })` checks the
 * manifest against `Pod` and returns a `Pod`, `get('deployments', …)` returns a `Deployment`; a
 * type argument names the type of a call given a name only known at run time.
 */
export class Client {
  constructor(
    private readonly kernel: Kernel,
    private readonly kubectl: AnyActorRef,
    /** Longest virtual time a call waits for its answer. */
    private readonly timeoutMs = 120_000,
  ) {}

  /** Sends a raw request and runs the simulation until it is answered. */
  request(spec: RequestSpec, flow?: string): ApiResponse {
    let answer: ApiResponse | undefined;
    this.send(spec, (res) => (answer = res), flow);
    if (!answer) this.kernel.runUntil(() => answer !== undefined, { timeout: this.timeoutMs });
    if (!answer) return { type: 'api.response', id: '', code: 504, body: timeoutStatus(`no answer within ${this.timeoutMs} ms of simulated time`) };
    return answer;
  }

  /** Sends a raw request without running the simulation (for a simulation that runs in real time). */
  requestAsync(spec: RequestSpec, flow?: string): Promise<ApiResponse> {
    return new Promise((resolve) => this.send(spec, resolve, flow));
  }

  /**
   * Sends a raw request without running the simulation; `onResponse` is called synchronously
   * when the simulation delivers the answer (use this, not `requestAsync`, from code that runs
   * the kernel itself: a promise's callbacks only run after the kernel's loop returns).
   */
  submit(spec: RequestSpec, onResponse: (res: ApiResponse) => void, flow?: string): void {
    this.send(spec, onResponse, flow);
  }

  private send(spec: RequestSpec, onResponse: (res: ApiResponse) => void, flow?: string): void {
    const label = flow ?? flowLabel(spec);
    this.kernel.withFlow(label, () => this.kubectl.send({ type: 'kubectl.request', spec, onResponse }));
  }

  private call<T = KubeObject>(spec: RequestSpec): T {
    const res = this.request(spec);
    if (res.code >= 300) throw new StatusError(res.body as Status);
    return res.body as T;
  }

  /** `kubectl create -f`: creates an object (an object of a known kind is checked against its kind's type). */
  create<K extends KindName>(obj: KindTypes[K] & { kind: K }, options?: CreateOptions): KindTypes[K];
  /** `kubectl create -f` of an object of the type given as the type argument. */
  create<T extends KubeObject = never>(obj: NoInfer<T>, options?: CreateOptions): T;
  /** `kubectl create -f` of an object whose kind the map does not know (a `KubeObject`, or a kind of your own). */
  create<const T extends KubeObject>(obj: UntypedObject<T>, options?: CreateOptions): T;
  create(obj: KubeObject, options: CreateOptions = {}): KubeObject {
    const info = infoOf(obj);
    return this.call({
      verb: 'create',
      resource: info.plural,
      group: info.group,
      namespace: info.namespaced ? options.namespace ?? obj.metadata?.namespace ?? 'default' : undefined,
      body: obj,
      query: { fieldManager: 'kubectl-create', fieldValidation: options.fieldValidation ?? 'Strict', ...(options.dryRun ? { dryRun: true } : {}) },
    });
  }

  /** `kubectl get`: one object. */
  get<R extends ResourceName>(resource: R, name: string, options?: ObjectRef): ResourceTypes[R];
  /** `kubectl get` of one object of the type given as the type argument. */
  get<T extends KubeObject>(resource: ResourceNameFor<T>, name: string, options?: ObjectRef): T;
  /** `kubectl get` of a resource only known at run time (a name, a kind or a short name). */
  get<S extends string>(resource: RuntimeString<S>, name: string, options?: ObjectRef): KubeObject;
  get(kind: string, name: string, options: ObjectRef = {}): KubeObject {
    const info = resource(kind);
    return this.call({ verb: 'get', resource: info.plural, group: info.group, namespace: info.namespaced ? options.namespace ?? 'default' : undefined, name });
  }

  /** `kubectl get` of a collection. */
  list<R extends ResourceName>(resource: R, options?: ListOptions): ObjectList<ResourceTypes[R]>;
  /** `kubectl get` of a collection of the type given as the type argument. */
  list<T extends KubeObject>(resource: ResourceNameFor<T>, options?: ListOptions): ObjectList<T>;
  /** `kubectl get` of a collection only known at run time (a name, a kind or a short name). */
  list<S extends string>(resource: RuntimeString<S>, options?: ListOptions): ObjectList;
  list(kind: string, options: ListOptions = {}): ObjectList {
    const info = resource(kind);
    const query: ApiQuery = {};
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.limit) query.limit = options.limit;
    return this.call<ObjectList>({
      verb: 'list',
      resource: info.plural,
      group: info.group,
      namespace: info.namespaced && !options.allNamespaces ? options.namespace ?? 'default' : undefined,
      query,
    });
  }

  /**
   * `kubectl top pods`: the PodMetrics (`metrics.k8s.io/v1beta1`) of the running pods of a
   * namespace (default `default`; `allNamespaces` for all), optionally by label selector, as
   * metrics-server serves them: the usage of each running container at the last 15 s scrape, from
   * the profile's usage model and the pods' `kube-actors.io/usage` annotations.
   *
   * @example
   * cluster.client.podMetrics({ labelSelector: 'app=web' })[0].containers[0].usage // { cpu: '150000000n', memory: '102400Ki' }
   */
  podMetrics(options: Pick<ListOptions, 'namespace' | 'allNamespaces' | 'labelSelector' | 'fieldSelector'> = {}): PodMetrics[] {
    return this.list('pods.metrics.k8s.io' as string, options).items as PodMetrics[];
  }

  /**
   * `kubectl top nodes`: the NodeMetrics (`metrics.k8s.io/v1beta1`) of every Ready node: the sum
   * of its pods' usage plus the profile's node overhead, at the last 15 s scrape.
   */
  nodeMetrics(options: Pick<ListOptions, 'labelSelector'> = {}): NodeMetrics[] {
    return this.list('nodes.metrics.k8s.io' as string, options).items as NodeMetrics[];
  }

  /** `kubectl replace`: a full update (conflicts with a stale resourceVersion). */
  update<K extends KindName>(obj: KindTypes[K] & { kind: K }, options?: { subresource?: string }): KindTypes[K];
  /** `kubectl replace` of an object of the type given as the type argument. */
  update<T extends KubeObject = never>(obj: NoInfer<T>, options?: { subresource?: string }): T;
  /** `kubectl replace` of an object whose kind the map does not know. */
  update<const T extends KubeObject>(obj: UntypedObject<T>, options?: { subresource?: string }): T;
  update(obj: KubeObject, options: { subresource?: string } = {}): KubeObject {
    const info = infoOf(obj);
    return this.call({
      verb: 'update',
      resource: info.plural,
      group: info.group,
      namespace: info.namespaced ? obj.metadata?.namespace ?? 'default' : undefined,
      name: obj.metadata?.name,
      subresource: options.subresource,
      body: obj,
    });
  }

  /** `kubectl patch`. */
  patch<T extends KubeObject = KubeObject>(
    kind: string,
    name: string,
    patch: unknown,
    options: ObjectRef & { type?: ApiQuery['patchType']; subresource?: string } = {},
  ): T {
    const info = resource(kind);
    return this.call<T>({
      verb: 'patch',
      resource: info.plural,
      group: info.group,
      namespace: info.namespaced ? options.namespace ?? 'default' : undefined,
      name,
      subresource: options.subresource,
      body: patch,
      query: { patchType: options.type ?? 'strategic' },
    });
  }

  /** `kubectl delete`: returns what the server returned (the object marked for deletion, or a Status). */
  delete(kind: string, name: string, options: DeleteOptions = {}): KubeObject {
    const info = resource(kind);
    const query: ApiQuery = {};
    if (options.gracePeriodSeconds !== undefined) query.gracePeriodSeconds = options.gracePeriodSeconds;
    query.propagationPolicy = options.propagationPolicy ?? 'Background';
    return this.call({ verb: 'delete', resource: info.plural, group: info.group, namespace: info.namespaced ? options.namespace ?? 'default' : undefined, name, query });
  }

  /** `kubectl scale`: sets replicas through the scale subresource. */
  scale(kind: string, name: string, replicas: number, options: ObjectRef = {}): KubeObject {
    const info = resource(kind);
    return this.call({
      verb: 'patch',
      resource: info.plural,
      group: info.group,
      namespace: options.namespace ?? 'default',
      name,
      subresource: 'scale',
      body: { spec: { replicas } },
      query: { patchType: 'merge' },
    });
  }

  /**
   * `kubectl apply` (client-side): creates the object with the last-applied annotation, or
   * patches it with the three-way strategic merge patch of last-applied, the new manifest and the
   * live object, exactly as kubectl computes it.
   */
  apply<K extends KindName>(obj: KindTypes[K] & { kind: K }, options?: ObjectRef): KindTypes[K];
  /** `kubectl apply` of an object of the type given as the type argument. */
  apply<T extends KubeObject = never>(obj: NoInfer<T>, options?: ObjectRef): T;
  /** `kubectl apply` of an object whose kind the map does not know. */
  apply<const T extends KubeObject>(obj: UntypedObject<T>, options?: ObjectRef): T;
  apply(obj: KubeObject, options: ObjectRef = {}): KubeObject {
    const info = infoOf(obj);
    const namespace = info.namespaced ? options.namespace ?? obj.metadata?.namespace ?? 'default' : undefined;
    const name = obj.metadata?.name;
    if (!name) {
      throw new StatusError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400, message: 'error: resource name may not be empty' } as Status);
    }
    const modified = withLastApplied(obj);
    const current = this.request({ verb: 'get', resource: info.plural, group: info.group, namespace, name });
    if (current.code === 404) return this.create<KubeObject>(modified, { namespace });
    if (current.code >= 300) throw new StatusError(current.body as Status);
    const live = current.body as KubeObject;
    const lastText = live.metadata?.annotations?.[LAST_APPLIED];
    const original = lastText ? (JSON.parse(lastText) as KubeObject) : {};
    const patch = createThreeWayMergePatch(original, modified, live, info.kind);
    if (Object.keys(patch).length === 0) return live;
    return this.patch(info.plural, name, patch, { namespace, type: 'strategic' });
  }

  /** `kubectl get -w`: calls `onEvent` for every watch event until `stop()`. */
  watch(kind: string, options: ListOptions & { sendInitialEvents?: boolean }, onEvent: (event: WatchEvent | WatchClosed | ApiResponse) => void): WatchHandle {
    const info = resource(kind);
    const query: ApiQuery = { allowWatchBookmarks: false };
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.resourceVersion) query.resourceVersion = options.resourceVersion;
    if (options.sendInitialEvents) query.sendInitialEvents = true;
    let id = '';
    const spec: RequestSpec = { verb: 'watch', resource: info.plural, group: info.group, namespace: info.namespaced && !options.allNamespaces ? options.namespace ?? 'default' : undefined, query };
    this.kernel.withFlow(flowLabel(spec), () =>
      this.kubectl.send({ type: 'kubectl.watch', spec, onEvent, onStarted: (watchId: string) => (id = watchId) }),
    );
    return {
      get id() {
        return id;
      },
      stop: () => this.kubectl.send({ type: 'kubectl.unwatch', watchId: id }),
    };
  }
}

function withLastApplied<T extends KubeObject>(obj: T): T {
  const clean = structuredClone(obj);
  const annotations = { ...(clean.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const forAnnotation = { ...clean, metadata: { ...clean.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) } };
  if (!Object.keys(annotations).length) delete (forAnnotation.metadata as { annotations?: unknown }).annotations;
  return { ...clean, metadata: { ...clean.metadata, annotations: { ...annotations, [LAST_APPLIED]: JSON.stringify(forAnnotation) + '\n' } } };
}

/** The flow a request starts: `create pods default/nginx`. */
export function flowLabel(spec: RequestSpec): string {
  const name = (spec.body as KubeObject | undefined)?.metadata?.name ?? spec.name;
  const target = [spec.namespace, name].filter(Boolean).join('/');
  const res = spec.subresource ? `${spec.resource}/${spec.subresource}` : spec.resource;
  return `${spec.verb} ${res}${target ? ' ' + target : ''}`;
}
