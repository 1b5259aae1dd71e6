/**
 * The EndpointSlice mirroring controller (`pkg/controller/endpointslicemirroring`): for the
 * Endpoints of a Service without a selector (written by hand or by another controller), the
 * EndpointSlices kube-proxy and other slice readers need, labelled
 * `endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io` and
 * `kubernetes.io/service-name: <endpoints>`, owned by the Endpoints.
 *
 * - An Endpoints is mirrored unless it is labelled `endpointslice.kubernetes.io/skip-mirror:
 *   "true"` or carries the leader-election annotation; its Service must exist and have no
 *   selector. Otherwise (and once the Endpoints or the Service is gone) the mirrored slices are
 *   deleted.
 * - `reconcile`: each subset's ports (with the address type of each address) form a key; its
 *   `addresses` become ready endpoints and its `notReadyAddresses` not-ready ones, at most
 *   `maxEndpointsPerSubset` (`--mirroring-max-endpoints-per-subset`, 1000) per subset: the rest
 *   are skipped with a `TooManyAddressesToMirror` Warning; an address that is not an IP is skipped
 *   with an `InvalidIPAddress` Warning. Endpoints with the same key share one slice.
 * - `reconcileByPortMapping`: one slice per key; the first existing slice of the key is updated
 *   in place (kept when it already lists the endpoints, labels and annotations), the others
 *   deleted; slices of keys no longer wanted are deleted, and recycled for a new key before
 *   anything is created (`recycleSlices`).
 * - The slice has the Endpoints' labels (the two above overwritten) and annotations (without
 *   `endpoints.kubernetes.io/last-change-trigger-time` and
 *   `kubectl.kubernetes.io/last-applied-configuration`); a new slice is named
 *   `generateName: <endpoints>-`.
 */
import type { Endpoints, KubeObject, Service } from '../../src/api/types.js';
import { isIP } from 'node:net';
import { defineController, objectKey, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, slicePrefix } from './endpointslice.js';
import { deepEqual, newControllerRef, type Obj } from './util.js';

/** The controller's name (address `controller-manager/endpointslicemirroring`). */
const MIRRORING_CONTROLLER = 'endpointslicemirroring';
/** `endpointslicemirroring.ControllerName`: the managed-by value of mirrored slices. */
export const MIRRORING_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
/** `discovery.LabelSkipMirror`. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** `resourcelock.LeaderElectionRecordAnnotationKey`. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** `v1.EndpointsLastChangeTriggerTime`. */
const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** `v1.LastAppliedConfigAnnotation`. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** `--mirroring-max-endpoints-per-subset` default. */
const MAX_ENDPOINTS_PER_SUBSET = 1000;
/** The reasons of its Warnings. */
const INVALID_IP_ADDRESS = 'InvalidIPAddress';
const TOO_MANY_ADDRESSES = 'TooManyAddressesToMirror';

type AddressType = 'IPv4' | 'IPv6';

interface MirroredEndpoint {
  addresses: string[];
  conditions: { ready: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef?: Obj;
}

interface MirroredPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface Address {
  ip?: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: Obj;
}

interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
}

type SliceObject = KubeObject & Obj & { addressType?: string; endpoints?: MirroredEndpoint[] | null; ports?: MirroredPort[] | null };

/** The endpoints and ports wanted for one address type and port set. */
interface Desired {
  key: string;
  addressType: AddressType;
  ports: MirroredPort[];
  endpoints: MirroredEndpoint[];
}

/** `epPortsToEpsPorts`. */
function slicePorts(ports: Subset['ports']): MirroredPort[] {
  return (ports ?? []).map((p) => {
    const out: MirroredPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol) out.appProtocol = p.appProtocol;
    return out;
  });
}

/** `newAddrTypePortMapKey`: the address type and the ports, whatever their order. */
function portMapKey(addressType: string, ports: readonly MirroredPort[]): string {
  const parts = ports.map((p) => `${p.name}\u0000${p.port}\u0000${p.protocol}\u0000${p.appProtocol ?? ''}`).sort();
  return `${addressType}\u0001${parts.join('\u0001')}`;
}

/** `addressToEndpoint`: the endpoint of an Endpoints address and its address type, or undefined for an address that is not an IP. */
function addressToEndpoint(address: Address, ready: boolean): { endpoint: MirroredEndpoint; addressType: AddressType } | undefined {
  const ip = address.ip ?? '';
  const family = isIP(ip);
  if (family === 0) return undefined;
  const endpoint: MirroredEndpoint = { addresses: [ip], conditions: { ready } };
  if (address.hostname) endpoint.hostname = address.hostname;
  if (address.nodeName) endpoint.nodeName = address.nodeName;
  if (address.targetRef) endpoint.targetRef = address.targetRef;
  return { endpoint, addressType: family === 6 ? 'IPv6' : 'IPv4' };
}

/** What `reconcile` computes from an Endpoints: the desired slices' contents, and what it skipped. */
export function desiredMirror(endpoints: Endpoints, maxEndpointsPerSubset = MAX_ENDPOINTS_PER_SUBSET): { desired: Desired[]; invalid: number; skipped: number } {
  const byKey = new Map<string, Desired>();
  let invalid = 0;
  let skipped = 0;
  for (const subset of ((endpoints as Obj).subsets ?? []) as Subset[]) {
    const ports = slicePorts(subset.ports);
    const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    let added = 0;
    const add = (address: Address, ready: boolean): boolean => {
      if (added >= maxEndpointsPerSubset) return false;
      const got = addressToEndpoint(address, ready);
      if (!got) {
        invalid++;
        return true;
      }
      const key = portMapKey(got.addressType, ports);
      let d = byKey.get(key);
      if (!d) byKey.set(key, (d = { key, addressType: got.addressType, ports, endpoints: [] }));
      // the desired set holds an endpoint once (the same address in two subsets of the same ports)
      if (!d.endpoints.some((e) => deepEqual(e, got.endpoint))) d.endpoints.push(got.endpoint);
      added++;
      return true;
    };
    for (const a of subset.addresses ?? []) if (!add(a, true)) break;
    for (const a of subset.notReadyAddresses ?? []) if (!add(a, false)) break;
    skipped += total - added;
  }
  return { desired: [...byKey.keys()].sort().map((k) => byKey.get(k)!), invalid, skipped };
}

/** `newEndpointSlice`'s labels: the Endpoints' own, with the service name and managed-by labels overwritten. */
function mirroredLabels(endpoints: Endpoints): Record<string, string> {
  return { ...(endpoints.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: endpoints.metadata!.name!, [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY };
}

/** `newEndpointSlice`'s annotations: the Endpoints' own but the trigger time and kubectl's last applied configuration. */
function mirroredAnnotations(endpoints: Endpoints): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(endpoints.metadata?.annotations ?? {})) if (k !== LAST_CHANGE_TRIGGER_TIME && k !== LAST_APPLIED) out[k] = v;
  return out;
}

/** `shouldMirror`: not skipped by label, not a leader-election record. */
function shouldMirror(endpoints: Endpoints): boolean {
  return endpoints.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true' && endpoints.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] === undefined;
}

type MirrorWatches = {
  endpoints: ReturnType<typeof watch<Endpoints>>;
  services: ReturnType<typeof watch<Service>>;
  endpointslices: ReturnType<typeof watch<SliceObject>>;
};
type MirrorCtx = SyncContext<MirrorWatches & Watches, undefined, { maxEndpointsPerSubset: number }>;
const SLICES = { resource: 'endpointslices', group: 'discovery.k8s.io' };

/** `namespace/endpoints` of a slice this controller manages (`endpointsControllerKey`). */
function mirroredKey(s: SliceObject): string | undefined {
  const labels = s.metadata?.labels;
  const svc = labels?.[SERVICE_NAME_LABEL];
  return svc && labels?.[MANAGED_BY_LABEL] === MIRRORING_MANAGED_BY ? `${s.metadata?.namespace}/${svc}` : undefined;
}

const emptyToUndefined = (m: Record<string, string> | undefined): Record<string, string> | undefined => (m && Object.keys(m).length > 0 ? m : undefined);

function syncEndpoints(key: string, ctx: MirrorCtx): void {
  const { namespace } = splitKey(key);
  const slices = (ctx.byIndex('endpointslices', 'byEndpoints', key) as SliceObject[]).filter((s) => !s.metadata?.deletionTimestamp);
  const deleteAll = () => {
    for (const s of slices) ctx.client.delete(SLICES, namespace, s.metadata!.name!, { ignore: [404] });
  };
  const endpoints = ctx.get('endpoints', key);
  if (!endpoints || !shouldMirror(endpoints)) return deleteAll();
  const svc = ctx.get('services', key);
  // a Service with a selector has slices of the EndpointSlice controller
  if (!svc || svc.spec?.selector) return deleteAll();

  const { desired, invalid, skipped } = desiredMirror(endpoints, ctx.options.maxEndpointsPerSubset);
  if (invalid > 0) ctx.recordEvent(endpoints, 'Warning', INVALID_IP_ADDRESS, `Skipped ${invalid} invalid IP addresses when mirroring to EndpointSlices`);
  if (skipped > invalid) {
    ctx.recordEvent(endpoints, 'Warning', TOO_MANY_ADDRESSES, `A max of ${ctx.options.maxEndpointsPerSubset} addresses can be mirrored to EndpointSlices per Endpoints subset. ${skipped} addresses were skipped`);
  }

  const labels = mirroredLabels(endpoints);
  const annotations = emptyToUndefined(mirroredAnnotations(endpoints));
  const owner = newControllerRef(endpoints, 'v1', 'Endpoints');
  const existingByKey = new Map<string, SliceObject[]>();
  for (const s of slices) {
    const k = portMapKey(s.addressType ?? '', s.ports ?? []);
    existingByKey.set(k, [...(existingByKey.get(k) ?? []), s]);
  }
  const toCreate: SliceObject[] = [];
  const toUpdate: SliceObject[] = [];
  const toDelete: SliceObject[] = [];
  for (const d of desired) {
    const existing = existingByKey.get(d.key) ?? [];
    if (d.endpoints.length === 0) {
      toDelete.push(...existing);
      continue;
    }
    toDelete.push(...existing.slice(1));
    const first = existing[0];
    const endpointsWanted = d.endpoints.slice(0, ctx.options.maxEndpointsPerSubset);
    if (
      first &&
      deepEqual(first.endpoints ?? [], endpointsWanted) &&
      deepEqual(first.metadata?.labels ?? {}, labels) &&
      deepEqual(emptyToUndefined(first.metadata?.annotations), annotations)
    ) {
      continue;
    }
    const slice: SliceObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace, labels, ...(annotations ? { annotations } : {}), ownerReferences: [owner] },
      addressType: d.addressType,
      endpoints: endpointsWanted,
      ports: d.ports,
    };
    if (first) toUpdate.push({ ...slice, metadata: { ...first.metadata, ...slice.metadata, ...(annotations ? {} : { annotations: undefined }) } });
    else toCreate.push(slice);
  }
  for (const [k, existing] of existingByKey) if (!desired.some((d) => d.key === k)) toDelete.push(...existing);

  // recycleSlices: a slice to delete becomes one to create, when its address type matches
  for (let i = 0; i < toCreate.length; i++) {
    const j = toDelete.findIndex((s) => s.addressType === toCreate[i]!.addressType);
    if (j < 0) continue;
    const old = toDelete.splice(j, 1)[0]!;
    toUpdate.push({ ...toCreate[i]!, metadata: { ...old.metadata, ...toCreate[i]!.metadata } });
    toCreate.splice(i--, 1);
  }
  // no new slices for an Endpoints being deleted
  if (!endpoints.metadata?.deletionTimestamp) {
    for (const s of toCreate) ctx.client.create(SLICES, namespace, { ...s, metadata: { ...s.metadata, generateName: slicePrefix(endpoints.metadata!.name!) } });
  }
  for (const s of toUpdate) ctx.client.update(SLICES, s, { ignore: [404] });
  for (const s of toDelete) ctx.client.delete(SLICES, namespace, s.metadata!.name!, { ignore: [404] });
}

const hasSelector = (s: Service | undefined): boolean => !!s?.spec?.selector;

/** The EndpointSlice mirroring controller's machine. */
export const endpointSliceMirroringController: ControllerMachine = defineController({
  name: MIRRORING_CONTROLLER,
  component: 'endpoint-slice-mirroring-controller',
  options: { maxEndpointsPerSubset: MAX_ENDPOINTS_PER_SUBSET },
  watches: {
    endpoints: watch<Endpoints>({
      resource: 'endpoints',
      // onEndpointsAdd / Update / Delete: only what is (or was) to be mirrored
      enqueue: ({ type, object, old }) => (shouldMirror(object) || (type === 'modified' && old && shouldMirror(old)) ? objectKey(object) : []),
    }),
    services: watch<Service>({
      resource: 'services',
      // onServiceAdd / Delete: a Service without selector; onServiceUpdate: the selector came or went
      enqueue: ({ type, object, old }) => (type === 'modified' && old ? (hasSelector(old) !== hasSelector(object) ? objectKey(object) : []) : hasSelector(object) ? [] : objectKey(object)),
    }),
    endpointslices: watch<SliceObject>({
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      indexes: { byEndpoints: mirroredKey },
      // a mirrored slice changed or deleted by someone else is put right; one that stops (or starts) being ours too
      enqueue: ({ type, object, old }) => {
        const mine = mirroredKey(object);
        const was = old ? mirroredKey(old) : undefined;
        if (type === 'modified' && old && mine !== was) return [mine, was].filter((k): k is string => k !== undefined);
        if (!mine) return [];
        if (type === 'deleted' || (type === 'modified' && old && (!deepEqual(old.endpoints, object.endpoints) || !deepEqual(old.ports, object.ports) || !deepEqual(old.metadata?.labels, object.metadata?.labels)))) return mine;
        return [];
      },
    }),
  },
  sync: (key, ctx) => syncEndpoints(key, ctx as unknown as MirrorCtx),
});
