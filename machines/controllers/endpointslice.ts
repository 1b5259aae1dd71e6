/**
 * The EndpointSlice controller (`pkg/controller/endpointslice`, with the reconciler of
 * `staging/src/k8s.io/endpointslice`): for every Service with a selector, EndpointSlices
 * (discovery.k8s.io/v1) labelled `kubernetes.io/service-name: <service>` and
 * `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`, owned by the Service,
 * listing the pods its selector matches.
 *
 * - A pod counts when it has an IP and is not finished (`ShouldPodBeInEndpoints` with terminating
 *   pods included): each becomes an endpoint with its address, `conditions` (`serving` = the pod
 *   is Ready, `terminating` = it is being deleted, `ready` = serving and not terminating, or always
 *   with `publishNotReadyAddresses`), `nodeName`, `zone` (the node's
 *   `topology.kubernetes.io/zone`), `targetRef`, and `hostname` when the pod's hostname and
 *   subdomain name this Service.
 * - Ports: each Service port's `targetPort` resolved against the pod (`FindPort`); pods whose
 *   resolved ports differ go to different slices, as the reconciler groups endpoints by their
 *   port set. At most 100 endpoints per slice (`--max-endpoints-per-slice`).
 * - A Service without any endpoint keeps one placeholder slice with no endpoints and no ports.
 * - Slices are updated in place when they change, created with `generateName: <service>-`, and
 *   deleted when no longer needed; the garbage collector deletes them with their Service.
 * - Labels are the Service's (minus the reserved ones) plus the two above and
 *   `service.kubernetes.io/headless` for a headless Service.
 */
import type { KubeObject, Node, Pod, Service } from '../../src/api/types.js';
import { selectorFromSet } from '../../src/api/selectors.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { findPort, HEADLESS_LABEL, servicePodsWatch, servicesOf, shouldPodBeInEndpoints, type Reader } from './endpoints.js';
import { deepEqual, isPodReady, newControllerRef, type Obj } from './util.js';

/** The controller's name (address `controller-manager/endpointslice`). */
const ENDPOINTSLICE_CONTROLLER = 'endpointslice';
/** `discovery.LabelServiceName`. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** `discovery.LabelManagedBy`. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** The controller's value of the managed-by label. */
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** `v1.LabelTopologyZone`. */
const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** `--max-endpoints-per-slice` default. */
const MAX_ENDPOINTS_PER_SLICE = 100;

/** One endpoint of a slice. */
export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
  nodeName?: string;
  zone?: string;
}

/** One port of a slice. */
export interface SlicePort {
  name: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

/** The endpoints of one port set. */
export interface EndpointGroup {
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

function portSetKey(ports: readonly SlicePort[]): string {
  return ports.map((p) => `${p.name}\u0000${p.port}\u0000${p.protocol}\u0000${p.appProtocol ?? ''}`).join('\u0001');
}

function compareEndpoints(a: SliceEndpoint, b: SliceEndpoint): number {
  const x = a.addresses[0] ?? '';
  const y = b.addresses[0] ?? '';
  if (x !== y) return x < y ? -1 : 1;
  return a.targetRef.uid < b.targetRef.uid ? -1 : a.targetRef.uid > b.targetRef.uid ? 1 : 0;
}

/**
 * The endpoints a Service should have, grouped by port set (`podToEndpoint` and
 * `getEndpointPorts` for every matching pod), each group's endpoints sorted by address.
 */
export function desiredEndpointGroups(svc: Service, pods: readonly Pod[], zoneOf: (node: string) => string | undefined): EndpointGroup[] {
  const selector = selectorFromSet(svc.spec?.selector ?? {});
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!selector.matches(pod.metadata?.labels) || !shouldPodBeInEndpoints(pod, true)) continue;
    const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
    if (!ip) continue;
    const ports: SlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: SlicePort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    const serving = isPodReady(pod);
    const terminating = !!pod.metadata?.deletionTimestamp;
    const ep: SliceEndpoint = {
      addresses: [ip],
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
      targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    };
    if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace) {
      ep.hostname = pod.spec.hostname;
    }
    if (pod.spec?.nodeName) {
      ep.nodeName = pod.spec.nodeName;
      const zone = zoneOf(pod.spec.nodeName);
      if (zone) ep.zone = zone;
    }
    const key = portSetKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [] }));
    group.endpoints.push(ep);
  }
  return [...groups.keys()].sort().map((k) => {
    const g = groups.get(k)!;
    g.endpoints.sort(compareEndpoints);
    return g;
  });
}

/** `setEndpointSliceLabels`: the Service's labels without the reserved ones, plus the controller's. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  }
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata!.name!;
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return labels;
}

/** The slices wanted for a Service: its groups cut into slices of at most `max` endpoints, or one placeholder. */
export function desiredSlices(groups: readonly EndpointGroup[], max = MAX_ENDPOINTS_PER_SLICE): EndpointGroup[] {
  const out: EndpointGroup[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.endpoints.length; i += max) out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + max) });
  }
  if (out.length === 0) out.push({ ports: [], endpoints: [] });
  return out;
}

type SliceObject = KubeObject & Obj & { addressType?: string; endpoints?: SliceEndpoint[] | null; ports?: SlicePort[] | null };

type EsWatches = {
  services: ReturnType<typeof watch<Service>>;
  pods: ReturnType<typeof watch<Pod>>;
  nodes: ReturnType<typeof watch<Node>>;
  endpointslices: ReturnType<typeof watch<SliceObject>>;
};
type EsCtx = SyncContext<EsWatches & Watches, undefined, Record<string, unknown>>;
const SLICES = { resource: 'endpointslices', group: 'discovery.k8s.io' };

/** `namespace/service` of a slice this controller manages. */
function managedServiceKey(s: SliceObject): string | undefined {
  const labels = s.metadata?.labels;
  const svc = labels?.[SERVICE_NAME_LABEL];
  return svc && labels?.[MANAGED_BY_LABEL] === MANAGED_BY ? `${s.metadata?.namespace}/${svc}` : undefined;
}

const portsOf = (s: SliceObject): SlicePort[] => s.ports ?? [];
const endpointsOf = (s: SliceObject): SliceEndpoint[] => s.endpoints ?? [];

function syncService(key: string, ctx: EsCtx): void {
  const { namespace } = splitKey(key);
  const svc = ctx.get('services', key);
  // a deleted Service's slices go with it through their owner reference (the garbage collector)
  if (!svc || !svc.spec?.selector || svc.spec.type === 'ExternalName' || svc.metadata?.deletionTimestamp) return;
  const zoneOf = (node: string) => (ctx.get('nodes', node))?.metadata?.labels?.[ZONE_LABEL];
  const pods = ctx.byIndex('pods', 'byNamespace', namespace ?? '');
  const wanted = desiredSlices(desiredEndpointGroups(svc, pods, zoneOf));
  const labels = sliceLabels(svc);
  const owner = newControllerRef(svc, 'v1', 'Service');
  const existing = (ctx.byIndex('endpointslices', 'byService', key) as SliceObject[]).filter((s) => !s.metadata?.deletionTimestamp);
  const unused = [...existing];
  for (const want of wanted) {
    // reuse a slice of the same port set first (in name order), then any slice left
    const setKey = portSetKey(want.ports);
    let i = unused.findIndex((s) => portSetKey(portsOf(s)) === setKey);
    if (i < 0) i = unused.length > 0 ? 0 : -1;
    if (i >= 0) {
      const current = unused.splice(i, 1)[0]!;
      const same =
        current.addressType === 'IPv4' &&
        deepEqual(endpointsOf(current), want.endpoints) &&
        deepEqual(portsOf(current), want.ports) &&
        deepEqual(current.metadata?.labels ?? {}, labels) &&
        deepEqual(current.metadata?.ownerReferences ?? [], [owner]);
      if (same) continue;
      const next: SliceObject = {
        ...current,
        metadata: { ...current.metadata, labels, ownerReferences: [owner] },
        endpoints: want.endpoints,
        ports: want.ports,
      };
      if (current.addressType !== 'IPv4') {
        // the address type is immutable: replace the slice
        ctx.client.delete(SLICES, namespace, current.metadata!.name!, { ignore: [404] });
        create(ctx, namespace, svc, labels, owner, want);
      } else {
        ctx.client.update(SLICES, next, { ignore: [404] });
      }
      continue;
    }
    create(ctx, namespace, svc, labels, owner, want);
  }
  for (const s of unused) ctx.client.delete(SLICES, namespace, s.metadata!.name!, { ignore: [404] });
}

function create(ctx: EsCtx, namespace: string | undefined, svc: Service, labels: Record<string, string>, owner: unknown, want: EndpointGroup): void {
  const body: SliceObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: slicePrefix(svc.metadata!.name!), namespace, labels, ownerReferences: [owner as never] },
    addressType: 'IPv4',
    endpoints: want.endpoints,
    ports: want.ports,
  };
  ctx.client.create(SLICES, namespace, body);
}

/** `getEndpointSlicePrefix`: `<service>-`, one character shorter if that is not a valid name prefix. */
export function slicePrefix(service: string): string {
  const prefix = `${service}-`;
  return prefix.length > 253 - 5 ? prefix.slice(0, -1) : prefix;
}

/** The EndpointSlice controller's machine. */
export const endpointSliceController: ControllerMachine = defineController({
  name: ENDPOINTSLICE_CONTROLLER,
  component: 'endpoint-slice-controller',
  watches: {
    services: watch<Service>({
      resource: 'services',
      indexes: { byNamespace: (s) => s.metadata?.namespace },
    }),
    pods: servicePodsWatch(),
    nodes: watch<Node>({
      resource: 'nodes',
      // a node's zone is written into its endpoints: a change of zone touches its pods' Services
      enqueue: ({ type, object, old }, ctx) => {
        if (type !== 'modified' || !old || old.metadata?.labels?.[ZONE_LABEL] === object.metadata?.labels?.[ZONE_LABEL]) return undefined;
        const reader = ctx as unknown as Reader & { list(w: 'pods', f: (p: Pod) => boolean): Pod[] };
        const keys = new Set<string>();
        for (const pod of reader.list('pods', (p) => p.spec?.nodeName === object.metadata?.name)) for (const k of servicesOf(reader, pod)) keys.add(k);
        return [...keys];
      },
    }),
    endpointslices: watch<SliceObject>({
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      indexes: { byService: managedServiceKey },
      // a slice of ours changed or deleted by someone else is put right
      enqueue: ({ type, object, old }) => {
        const svc = managedServiceKey(object);
        if (!svc) return undefined;
        if (type === 'deleted' || (type === 'modified' && old && (!deepEqual(old.endpoints, object.endpoints) || !deepEqual(old.ports, object.ports)))) {
          return svc;
        }
        return undefined;
      },
    }),
  },
  sync: (key, ctx) => syncService(key, ctx as unknown as EsCtx),
});
