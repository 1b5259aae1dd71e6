/**
 * The endpoints controller (`pkg/controller/endpoint`): keeps, for every Service with a selector,
 * an Endpoints object of the same name listing the pods the selector matches.
 *
 * - A pod counts when it has an IP, is not being deleted (unless the Service publishes not-ready
 *   addresses) and is not finished (by its restart policy).
 * - Ready pods (or all of them with `publishNotReadyAddresses`) go to `addresses`, the others to
 *   `notReadyAddresses`; each address has `ip`, `nodeName`, `targetRef` (the pod), and `hostname`
 *   when the pod's hostname and subdomain name this Service.
 * - Ports: each Service port's `targetPort` resolved against the pod's container ports, by name
 *   (a pod without that named port is left out of that port) or by number; a headless Service
 *   without ports gets its addresses without ports.
 * - Subsets are repacked as `RepackSubsets` does (addresses with the same ports share a subset),
 *   and sorted: addresses by IP then pod uid, ports by name, number and protocol, subsets by their
 *   ports, so the object is the same whatever order the pods were seen in.
 * - Labels are the Service's (plus `service.kubernetes.io/headless` for a headless Service); the
 *   Endpoints of a deleted Service is deleted; a deleted Endpoints is recreated.
 */
import type { Endpoints, KubeObject, Pod, Service } from '../../src/api/types.js';
import { selectorFromSet } from '../../src/api/selectors.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { clone, deepEqual, isPodReady, type Obj } from './util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/endpoints`). */
const ENDPOINTS_CONTROLLER = 'endpoints';
/** Label on the Endpoints of a headless Service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: EndpointPort[];
}

/** `ShouldPodBeInEndpoints`: has an IP, not being deleted (unless included), not finished. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !(pod.status?.podIPs?.length)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  const policy = pod.spec?.restartPolicy;
  if (policy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (policy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

/** `FindPort`: a Service port's target on a pod (a named port must exist on one of its containers). */
export function findPort(pod: Pod, svcPort: { port: number; targetPort?: number | string; protocol?: string }): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  const protocol = svcPort.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

function compareAddress(a: Address, b: Address): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  return a.targetRef.uid < b.targetRef.uid ? -1 : a.targetRef.uid > b.targetRef.uid ? 1 : 0;
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}\u0000${String(p.port).padStart(5, '0')}\u0000${p.protocol}\u0000${p.appProtocol ?? ''}`;
}

/**
 * `RepackSubsets`: regroups (address, port) pairs so addresses with the same set of ports share a
 * subset; sorted for a deterministic object.
 */
function repackSubsets(pairs: readonly { address: Address; ready: boolean; port: EndpointPort | undefined }[]): Subset[] {
  // per address (ip + pod + readiness): its ports
  const byAddress = new Map<string, { address: Address; ready: boolean; ports: Map<string, EndpointPort> }>();
  for (const { address, ready, port } of pairs) {
    const key = `${address.ip}\u0000${address.targetRef.uid}\u0000${ready}`;
    let entry = byAddress.get(key);
    if (!entry) byAddress.set(key, (entry = { address, ready, ports: new Map() }));
    if (port) entry.ports.set(portKey(port), port);
  }
  const bySet = new Map<string, { ports: EndpointPort[]; ready: Address[]; notReady: Address[] }>();
  for (const entry of byAddress.values()) {
    const keys = [...entry.ports.keys()].sort();
    const setKey = keys.join('\u0001');
    let group = bySet.get(setKey);
    if (!group) bySet.set(setKey, (group = { ports: keys.map((k) => entry.ports.get(k)!), ready: [], notReady: [] }));
    (entry.ready ? group.ready : group.notReady).push(entry.address);
  }
  return [...bySet.keys()].sort().map((k) => {
    const g = bySet.get(k)!;
    const subset: Subset = {};
    if (g.ready.length > 0) subset.addresses = g.ready.sort(compareAddress);
    if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady.sort(compareAddress);
    if (g.ports.length > 0) subset.ports = g.ports;
    return subset;
  });
}

/** The subsets a Service should have for the given pods of its namespace. */
export function computeSubsets(svc: Service, pods: readonly Pod[]): Subset[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const selector = selectorFromSet(svc.spec?.selector ?? {});
  const pairs: { address: Address; ready: boolean; port: EndpointPort | undefined }[] = [];
  const headless = svc.spec?.clusterIP === 'None';
  for (const pod of pods) {
    if (!selector.matches(pod.metadata?.labels)) continue;
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
    if (!ip) continue;
    const address: Address = {
      ip,
      targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    };
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace) {
      address.hostname = pod.spec.hostname;
    }
    const ready = tolerateUnready || isPodReady(pod);
    const ports = svc.spec?.ports ?? [];
    if (ports.length === 0) {
      if (headless) pairs.push({ address, ready, port: undefined });
      continue;
    }
    for (const sp of ports) {
      const portNum = findPort(pod, sp);
      if (portNum === undefined) continue;
      const port: EndpointPort = { port: portNum, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) port.name = sp.name;
      if (sp.appProtocol) port.appProtocol = sp.appProtocol;
      pairs.push({ address, ready, port });
    }
  }
  return repackSubsets(pairs);
}

type EpWatches = {
  services: ReturnType<typeof watch<Service>>;
  pods: ReturnType<typeof watch<Pod>>;
  endpoints: ReturnType<typeof watch<Endpoints>>;
};
type EpCtx = SyncContext<EpWatches & Watches, undefined, Record<string, unknown>>;

/** What a pod watch's enqueue needs: the Services of a namespace. */
export type Reader = { byIndex(w: 'services', index: string, value: string): Service[] };

/** `getPodServiceMemberships`: the Services in the pod's namespace whose selector matches it. */
export function servicesOf(ctx: Reader, pod: Pod): string[] {
  const out: string[] = [];
  for (const svc of ctx.byIndex('services', 'byNamespace', pod.metadata?.namespace ?? '')) {
    const sel = svc.spec?.selector;
    if (!sel) continue;
    if (selectorFromSet(sel).matches(pod.metadata?.labels)) out.push(objectKey(svc));
  }
  return out;
}

function syncService(key: string, ctx: EpCtx): void {
  const { namespace, name } = splitKey(key);
  const svc = ctx.get('services', key);
  const current = ctx.get('endpoints', key) as (Endpoints & Obj) | undefined;
  if (!svc) {
    if (current) ctx.client.delete('endpoints', namespace, name, { ignore: [404] });
    return;
  }
  if (!svc.spec?.selector || svc.spec.type === 'ExternalName') return; // not managed by this controller
  const pods = ctx.byIndex('pods', 'byNamespace', namespace ?? '');
  const subsets = computeSubsets(svc, pods);
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  if (current && deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata?.labels ?? {}, labels)) return;
  if (!current) {
    const body: Obj = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) } };
    if (subsets.length > 0) body.subsets = subsets;
    ctx.client.create('endpoints', namespace, body as KubeObject, { ignore: [409] });
    return;
  }
  const next = clone(current);
  next.metadata = { ...next.metadata, labels };
  if (Object.keys(labels).length === 0) delete next.metadata.labels;
  if (subsets.length > 0) next.subsets = subsets as never;
  else delete next.subsets;
  ctx.client.update('endpoints', next, { ignore: [404] });
}

/**
 * The pod watch of the controllers that follow Services' pods (endpoints, EndpointSlice): a pod's
 * change queues the Services selecting it, and those that selected it before its labels changed.
 */
export function servicePodsWatch() {
  return watch<Pod>({
    resource: 'pods',
    indexes: { byNamespace: (p) => p.metadata?.namespace },
    enqueue: ({ type, object: pod, old }, ctx) => {
      const reader = ctx as unknown as Reader;
      const keys = new Set(servicesOf(reader, pod));
      if ((type === 'modified' || type === 'resync') && old) {
        if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return undefined;
        if (!deepEqual(old.metadata?.labels, pod.metadata?.labels)) for (const k of servicesOf(reader, old)) keys.add(k);
      }
      return [...keys];
    },
  });
}

/** The endpoints controller's machine. */
export const endpointsController: ControllerMachine = defineController({
  name: ENDPOINTS_CONTROLLER,
  component: 'endpoint-controller',
  watches: {
    services: watch<Service>({
      resource: 'services',
      indexes: { byNamespace: (s) => s.metadata?.namespace },
    }),
    pods: servicePodsWatch(),
    endpoints: watch<Endpoints>({
      resource: 'endpoints',
      // a deleted Endpoints is recreated; changes by others are put right
      enqueue: ({ type, object, old }) => {
        if (type === 'deleted') return objectKey(object);
        if (type === 'modified' && old && !deepEqual(old.subsets, object.subsets)) return objectKey(object);
        return undefined;
      },
    }),
  },
  sync: (key, ctx) => syncService(key, ctx as unknown as EpCtx),
});
