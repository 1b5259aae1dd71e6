/**
 * The network a pod's process sees, as data: the cluster DNS (10.96.0.10, in every pod's
 * `/etc/resolv.conf`), the Service rules of the kube-proxy on the pod's node, and what listens on
 * the pods' IPs. A process is replayed as a pure function of its inputs, so this view is an input:
 * a {@link NetworkTimeline} of snapshots, the first captured when the kubelet starts the pod's
 * worker, the next ones appended (at the virtual time of the capture, never changed afterwards)
 * when the pod worker's periodic re-capture (`networkResync`, machines/pod.ts) finds the view
 * changed; a command at absolute time T sees the latest snapshot taken at or before T, so
 * replaying the past gives the same lines as before. `kubectl exec` captures its own, once.
 *
 * The DNS answers as CoreDNS's kubernetes plugin does for the `cluster.local` zone, from the
 * cluster's Services and EndpointSlices (the answers are modelled, not served by a process; with
 * kubeadm's add-ons the CoreDNS pods must be there for it to answer at all: `dnsUnreachable`):
 *
 * - `svc.ns.svc.cluster.local`: the ClusterIP; a headless Service (`clusterIP: None`) the
 *   addresses of its ready endpoints; an ExternalName Service a CNAME to its `externalName`;
 * - `hostname.svc.ns.svc.cluster.local`: the endpoint of a headless Service whose pod set
 *   `hostname` and `subdomain` (StatefulSet pods: `web-0.nginx.default.svc.cluster.local`), or
 *   whose address is `a-b-c-d`;
 * - `a-b-c-d.ns.pod.cluster.local`: `a.b.c.d` (the `pods insecure` mode kubeadm configures);
 * - anything else: NXDOMAIN (there is no upstream resolver: names outside the cluster do not resolve).
 *
 * Names are looked up through the search path of `/etc/resolv.conf` (`NS.svc.cluster.local
 * svc.cluster.local cluster.local`, `ndots:5`), as a libc resolver does.
 */

import type { Pod } from '../../src/api/types.js';
import type { NetRequest, RequestFlow } from './net-tools.js';
import type { HttpServerModel } from './http-server.js';
import { networkPolicyAllows, type PolicyWorld } from './network-policy.js';

/** A Service as the DNS serves it. */
export interface DnsService {
  namespace: string;
  name: string;
  /** The ClusterIP; absent for a headless or ExternalName Service. */
  clusterIP?: string;
  externalName?: string;
  /** Ready endpoints (what a headless Service's name answers), with their hostnames. */
  endpoints: { ip: string; hostname?: string }[];
}

/** A process that listens on a pod's IP and port. */
export interface NetListener {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  /** When the listening container started (its log run). */
  startedAt: string;
  /** The HTTP server model of its image's program, if it speaks HTTP. */
  http?: HttpServerModel;
  /** Its document root (`/usr/share/nginx/html/...`). */
  files: Record<string, string>;
}

/** The network a pod's process sees (captured once; see the file comment). */
export interface NetworkView {
  /** The pod's namespace (the first search domain) and IP. */
  namespace: string;
  podIP: string;
  services: DnsService[];
  /** The kube-proxy rules of the pod's node: `ip:port` (TCP) → backends `ip:port`, sorted; empty: kube-proxy rejects. */
  rules: Record<string, string[]>;
  /** Every pod IP of the cluster (a pod IP nothing listens on refuses; an unknown address never answers). */
  podIPs: string[];
  /** What listens, by `podIP:port`. */
  listeners: Record<string, NetListener>;
  /** The NetworkPolicies and what they select on (absent: no policy exists, nothing is isolated). */
  policy?: PolicyWorld;
  /**
   * True when the cluster DNS does not answer: the cluster runs CoreDNS (the `addons` option) and
   * the node's kube-proxy has no endpoint for 10.96.0.10:53/UDP (every CoreDNS pod gone or not
   * ready). Queries then time out ({@link DNS_TIMEOUT_MS}).
   */
  dnsUnreachable?: true;
}

/** One snapshot of a pod's network, and the virtual time (epoch ms) from which it holds. */
export interface NetworkEntry {
  atAbs: number;
  view: NetworkView;
}

/** The network a pod's processes see over time: entries in increasing `atAbs`, appended only, never changed. */
export type NetworkTimeline = readonly NetworkEntry[];

/** A timeline of one snapshot (what an exec, or a pod just started, sees). */
export function networkTimeline(view: NetworkView, atAbs: number): NetworkTimeline {
  return [{ atAbs, view }];
}

/** The snapshot a command at absolute time `abs` sees: the latest entry at or before it (the first before any). */
export function viewAt(timeline: NetworkTimeline, abs: number): NetworkView | undefined {
  let found = timeline[0];
  for (const e of timeline) {
    if (e.atAbs > abs) break;
    found = e;
  }
  return found?.view;
}

/**
 * The timeline with `view` appended at `atAbs` if it differs from the latest snapshot (the same
 * timeline otherwise). Throws if `atAbs` is before the latest entry: the past never changes.
 */
export function appendView(timeline: NetworkTimeline, view: NetworkView, atAbs: number): NetworkTimeline {
  const last = timeline[timeline.length - 1];
  if (last && JSON.stringify(last.view) === JSON.stringify(view)) return timeline;
  if (last && atAbs < last.atAbs) throw new Error(`network view appended at ${atAbs}, before the latest entry (${last.atAbs})`);
  return [...timeline, { atAbs, view }];
}

/** The cluster DNS server (the kube-dns Service's ClusterIP), as in every pod's resolv.conf. */
export const CLUSTER_DNS = '10.96.0.10';
/**
 * How long a lookup waits for a DNS server that never answers: the resolver's defaults (`timeout:5`,
 * `attempts:2` of resolv.conf), 5 s per attempt.
 */
export const DNS_TIMEOUT_MS = 10_000;
const ZONE = 'cluster.local';
const NDOTS = 5;

/** A DNS answer for one name. */
export type DnsAnswer = { fqdn: string; cname?: string; ips: string[] };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for a dotted IPv4 address. */
export function isIPv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** The answer for a fully qualified name (no trailing dot), or undefined (NXDOMAIN). */
export function lookupFqdn(view: NetworkView, name: string): DnsAnswer | undefined {
  const fqdn = name.toLowerCase().replace(/\.$/, '');
  if (!fqdn.endsWith(`.${ZONE}`)) return undefined;
  const labels = fqdn.slice(0, -ZONE.length - 1).split('.');
  const type = labels[labels.length - 1];
  if (type === 'pod' && labels.length === 3) {
    const ip = labels[0]!.replace(/-/g, '.');
    return isIPv4(ip) ? { fqdn, ips: [ip] } : undefined;
  }
  if (type !== 'svc' || (labels.length !== 3 && labels.length !== 4)) return undefined;
  const [ns, svcName] = [labels[labels.length - 2]!, labels[labels.length - 3]!];
  const svc = view.services.find((s) => s.namespace === ns && s.name === svcName);
  if (!svc) return undefined;
  if (labels.length === 4) {
    const host = labels[0]!;
    if (svc.clusterIP) return undefined;
    const ips = svc.endpoints.filter((e) => e.hostname === host || e.ip.replace(/\./g, '-') === host).map((e) => e.ip);
    return ips.length > 0 ? { fqdn, ips } : undefined;
  }
  if (svc.externalName) {
    const target = svc.externalName.toLowerCase().replace(/\.$/, '');
    return { fqdn, cname: target, ips: lookupFqdn(view, target)?.ips ?? [] };
  }
  if (svc.clusterIP) return { fqdn, ips: [svc.clusterIP] };
  const ips = [...new Set(svc.endpoints.map((e) => e.ip))];
  return ips.length > 0 ? { fqdn, ips } : undefined;
}

/** The names a resolver tries for `name`, in order (the search path and `ndots:5` of the pod's resolv.conf). */
export function candidates(view: Pick<NetworkView, 'namespace'>, name: string): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const search = [`${view.namespace}.svc.${ZONE}`, `svc.${ZONE}`, ZONE].map((d) => `${name}.${d}`);
  const dots = name.split('.').length - 1;
  return dots >= NDOTS ? [name, ...search] : [...search, name];
}

/** Resolves `name` as a libc resolver in the pod does (its search path); undefined: NXDOMAIN for every candidate. */
export function resolveName(view: NetworkView, name: string): DnsAnswer | undefined {
  for (const c of candidates(view, name)) {
    const answer = lookupFqdn(view, c);
    if (answer && answer.ips.length > 0) return answer;
    if (answer?.cname) return answer;
  }
  return undefined;
}

/** The name the DNS gives an address (its PTR record), if any: a Service's, or a headless endpoint's. */
export function reverseName(view: NetworkView, ip: string): string | undefined {
  if (ip === CLUSTER_DNS) return `kube-dns.kube-system.svc.${ZONE}`;
  const svc = view.services.find((s) => s.clusterIP === ip);
  if (svc) return `${svc.name}.${svc.namespace}.svc.${ZONE}`;
  for (const s of view.services) {
    if (s.clusterIP || s.externalName) continue;
    const e = s.endpoints.find((x) => x.ip === ip);
    if (e) return `${e.hostname ?? ip.replace(/\./g, '-')}.${s.name}.${s.namespace}.svc.${ZONE}`;
  }
  return undefined;
}

/** Where a TCP connection to `ip:port` from the pod goes. */
export type Connection =
  | { kind: 'connected'; listener: NetListener; backend: string }
  /** Reset: nothing listens on a pod's port, or kube-proxy's reject rule for a Service without endpoints. */
  | { kind: 'refused' }
  /** The SYN is never answered: an address no pod or Service has, a port a ClusterIP does not serve, a listener that says nothing. */
  | { kind: 'timeout' }
  /** Connected to a process that accepts but does not speak HTTP. */
  | { kind: 'silent'; backend: string };

/** Follows a connection through the node's Service rules to a pod's port; `pick` chooses among a Service's backends. */
export function connect(view: NetworkView, ip: string, port: number, pick: (n: number) => number = () => 0): Connection {
  const target = ip === '127.0.0.1' || ip === 'localhost' ? view.podIP : ip;
  const rule = view.rules[`${target}:${port}`];
  let backend = `${target}:${port}`;
  if (rule) {
    if (rule.length === 0) return { kind: 'refused' };
    backend = rule[pick(rule.length) % rule.length]!;
  } else if (view.services.some((s) => s.clusterIP === target)) return { kind: 'timeout' };
  const host = backend.slice(0, backend.lastIndexOf(':'));
  if (view.policy) {
    // judged after kube-proxy's translation, at the backend pod; a connection no policy allows is dropped
    const world = view.policy;
    const source = { ip: view.podIP, ...(world.pods[view.podIP] ? { pod: world.pods[view.podIP] } : {}) };
    const destination = { ip: host, ...(world.pods[host] ? { pod: world.pods[host] } : {}) };
    if (!networkPolicyAllows(world, source, destination, Number(backend.slice(backend.lastIndexOf(':') + 1)))) return { kind: 'timeout' };
  }
  const listener = view.listeners[backend];
  if (listener) return listener.http ? { kind: 'connected', listener, backend } : { kind: 'silent', backend };
  return view.podIPs.includes(host) ? { kind: 'refused' } : { kind: 'timeout' };
}

/**
 * Every place a connection to `ip:port` may go: one per backend of a Service's rule (kube-proxy
 * picks one of them at random for each connection), else the one address.
 */
export function routes(view: NetworkView, ip: string, port: number): Connection[] {
  const target = ip === '127.0.0.1' || ip === 'localhost' ? view.podIP : ip;
  const n = Math.max(1, view.rules[`${target}:${port}`]?.length ?? 1);
  return Array.from({ length: n }, (_, i) => connect(view, ip, port, () => i));
}

/** An empty network (a pod whose kubelet captured none): only its own addresses. */
export function emptyNetwork(namespace: string, podIP: string): NetworkView {
  return { namespace, podIP, services: [], rules: {}, podIPs: podIP ? [podIP] : [], listeners: {} };
}

/**
 * Where a kubelet gets the network its pods see (given by the cluster: the DNS and the other pods'
 * servers are not the kubelet's, the Service rules are its node's kube-proxy's).
 */
export interface NetworkSource {
  /** The network a pod's processes see, captured when the kubelet starts the pod's worker. */
  capture(pod: Pod, podIP: string): NetworkView;
  /** Requests of a pod's process that servers answered, the process having started at `startAbs` (their access-log lines). */
  served(requests: readonly NetRequest[], startAbs: number): void;
  /**
   * The steady request flows of a pod's container process (a loop of wget or curl, see
   * machines/kubelet/shell-loop.ts), its process having started at `startAbs`: they replace what
   * was reported for that container before (a new network timeline, a restart). The metrics API
   * counts them in the serving containers' CPU usage.
   */
  flows?(client: { uid: string; container: string }, flows: readonly RequestFlow[], startAbs: number): void;
}

const NETWORK_TOOLS = /\b(wget|curl|nslookup)\b/;

/**
 * True when a pod's processes may use the network: a command, probe or hook of its containers, or
 * a ConfigMap/Secret it reads (a mounted script), names wget, curl or nslookup (curlimages/curl
 * runs curl). Only those pods get a captured view, so that starting a pod costs no look at the
 * whole cluster otherwise.
 */
export function usesNetwork(pod: Pod, sourcesText: string): boolean {
  const spec = pod.spec;
  return NETWORK_TOOLS.test(JSON.stringify([spec?.initContainers ?? [], spec?.containers ?? []])) || NETWORK_TOOLS.test(sourcesText);
}

/**
 * The containers of a pod whose processes may use the network (same heuristic as
 * {@link usesNetwork}, per container; a ConfigMap/Secret naming a tool flags them all): the pod
 * worker re-captures the network and recomputes the fate of these only.
 */
export function networkUsers(pod: Pod, sourcesText: string): ReadonlySet<string> {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const every = NETWORK_TOOLS.test(sourcesText);
  return new Set(all.filter((c) => every || NETWORK_TOOLS.test(JSON.stringify(c))).map((c) => c.name));
}
