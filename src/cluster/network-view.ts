/**
 * Captures the network a pod's processes see ({@link NetworkView}, machines/kubelet/network.ts)
 * from the cluster's state at one moment: the DNS from the Services and EndpointSlices etcd holds
 * (the cluster DNS at 10.96.0.10 answers from them as CoreDNS's kubernetes plugin does; in a
 * cluster created with `addons`, only while the node's kube-proxy has a ready CoreDNS endpoint for
 * 10.96.0.10:53/UDP, otherwise queries time out; without addons no CoreDNS pods run and the
 * server is modelled, always answering), the Service rules of the
 * kube-proxy on the pod's node (its own table, as it last wrote it), and what listens on each
 * running pod's IP (its containers' processes replayed up to now, as port-forward finds them).
 *
 * The kubelet asks for it when it starts a pod's worker, the pod worker every few seconds while a
 * network user runs (appending to its timeline when it changed); `kubectl exec` when the exec starts. The
 * requests a process made are recorded for the servers' logs ({@link recordServed}).
 */
import type { Pod, Service } from '../api/types.js';
import type { ProxyRule, ProxySlice } from '../../machines/kube-proxy.js';
import { CLUSTER_DNS, type DnsService, type NetListener, type NetworkView } from '../../machines/kubelet/network.js';
import type { NetworkPolicyLike, PolicyPod, PolicyWorld } from '../../machines/kubelet/network-policy.js';
import type { NetRequest } from '../../machines/kubelet/net-tools.js';
import type { SourceReader } from '../../machines/kubelet/config-sources.js';
import { httpServerOf, runningProcesses } from './connect.js';
import type { ImageEntry } from '../profiles/images.js';
import type { ContainerTraffic } from './traffic.js';

/** The cluster's state a capture reads. */
export interface NetworkState {
  services: readonly Service[];
  slices: readonly ProxySlice[];
  pods: readonly Pod[];
  /** The NetworkPolicies and the namespaces (their labels, for `namespaceSelector`). */
  policies?: readonly NetworkPolicyLike[];
  namespaces?: readonly { metadata?: { name?: string; labels?: Record<string, string> } }[];
  /** The rules of the kube-proxy of the pod's node (undefined: it is not running; Service addresses do not answer). */
  rules: ReadonlyMap<string, ProxyRule> | undefined;
  catalog?: ImageEntry[];
  sources?: SourceReader;
  nowAbs: number;
  /**
   * The cluster DNS is CoreDNS behind the kube-dns Service (a cluster created with `addons`): it
   * answers only through an endpoint of the node's rules for 10.96.0.10:53/UDP. Otherwise the DNS
   * is modelled and always answers.
   */
  coreDns?: boolean;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const HTML_ROOT = '/usr/share/nginx/html/';

function dnsServices(services: readonly Service[], slices: readonly ProxySlice[]): DnsService[] {
  const bySvc = new Map<string, ProxySlice[]>();
  for (const s of slices) {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name || s.metadata?.deletionTimestamp) continue;
    const key = `${s.metadata?.namespace}/${name}`;
    bySvc.set(key, [...(bySvc.get(key) ?? []), s]);
  }
  return services.map((svc) => {
    const namespace = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    const out: DnsService = { namespace, name, endpoints: [] };
    if (svc.spec?.type === 'ExternalName') {
      if (svc.spec.externalName) out.externalName = svc.spec.externalName;
      return out;
    }
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== 'None') out.clusterIP = ip;
    else {
      // a headless Service: its ready endpoints (CoreDNS serves the ready ones; publishNotReadyAddresses makes all ready)
      for (const slice of bySvc.get(`${namespace}/${name}`) ?? []) {
        for (const ep of slice.endpoints ?? []) {
          const address = ep.addresses?.[0];
          if (!address || ep.conditions?.ready === false) continue;
          const hostname = (ep as { hostname?: string }).hostname;
          out.endpoints.push(hostname ? { ip: address, hostname } : { ip: address });
        }
      }
      out.endpoints.sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
    }
    return out;
  });
}

/** What listens on the running pods' IPs now. */
function listenersOf(state: NetworkState): Record<string, NetListener> {
  const out: Record<string, NetListener> = {};
  for (const pod of state.pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.status?.phase !== 'Running') continue;
    for (const { container, startedAt, process, ports } of runningProcesses(pod, state.nowAbs, state.catalog, state.sources)) {
      for (const port of ports) {
        const key = `${ip}:${port}`;
        if (out[key]) continue;
        const http = httpServerOf(process, port);
        const root = Object.fromEntries(Object.entries(process.files).filter(([path]) => path.startsWith(HTML_ROOT)));
        out[key] = { namespace: pod.metadata?.namespace ?? 'default', pod: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '', container, startedAt, ...(http ? { http } : {}), files: root };
      }
    }
  }
  return out;
}

/** What NetworkPolicy enforcement needs (undefined when no policy exists: nothing is isolated). */
function policyPod(p: Pod): PolicyPod {
  return {
    namespace: p.metadata?.namespace ?? 'default',
    labels: { ...(p.metadata?.labels ?? {}) },
    ports: (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((port) => ({ ...(port.name ? { name: port.name } : {}), containerPort: port.containerPort, ...(port.protocol ? { protocol: port.protocol } : {}) }))),
  };
}

function policyWorld(pod: Pod, podIP: string, state: NetworkState): PolicyWorld | undefined {
  const policies = state.policies ?? [];
  if (policies.length === 0) return undefined;
  const pods: Record<string, PolicyPod> = {};
  for (const p of state.pods) {
    const ip = p.status?.podIP;
    if (ip && !p.spec?.hostNetwork) pods[ip] = policyPod(p);
  }
  pods[podIP] = policyPod(pod);
  const namespaces: Record<string, Record<string, string>> = {};
  for (const ns of state.namespaces ?? []) if (ns.metadata?.name) namespaces[ns.metadata.name] = { ...(ns.metadata.labels ?? {}) };
  return { policies: structuredClone([...policies]), namespaces, pods };
}

/** True when the node's kube-proxy sends DNS queries (10.96.0.10:53/UDP) to a CoreDNS endpoint. */
function coreDnsReachable(rules: NetworkState['rules']): boolean {
  for (const rule of rules?.values() ?? []) {
    if (rule.clusterIP === CLUSTER_DNS && rule.port === 53 && rule.protocol === 'UDP' && rule.endpoints.length > 0) return true;
  }
  return false;
}

/** The network `pod` (with IP `podIP`) sees, from `state`. */
export function captureNetwork(pod: Pod, podIP: string, state: NetworkState): NetworkView {
  const rules: Record<string, string[]> = {};
  for (const rule of state.rules?.values() ?? []) if (rule.protocol === 'TCP') rules[`${rule.clusterIP}:${rule.port}`] = [...rule.endpoints];
  const podIPs = new Set(state.pods.map((p) => p.status?.podIP).filter((ip): ip is string => !!ip));
  podIPs.add(podIP);
  const view: NetworkView = {
    namespace: pod.metadata?.namespace ?? 'default',
    podIP,
    services: dnsServices(state.services, state.slices),
    rules,
    podIPs: [...podIPs].sort(),
    listeners: listenersOf(state),
  };
  const policy = policyWorld(pod, podIP, state);
  if (policy) view.policy = policy;
  if (state.coreDns && !coreDnsReachable(state.rules)) view.dnsUnreachable = true;
  return view;
}

/** Records the access-log lines of the requests a process (started at `startAbs`) made, in the serving containers' logs. */
export function recordServed(traffic: ContainerTraffic, requests: readonly NetRequest[], startAbs: number): void {
  for (const r of requests) {
    if (!r.line) continue;
    const server: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { uid: r.listener.uid, namespace: r.listener.namespace, name: r.listener.pod } };
    traffic.record(server, r.listener.container, r.listener.startedAt, { abs: startAbs + r.atMs, stream: 'stdout', text: r.line });
  }
}
