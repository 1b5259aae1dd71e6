/**
 * NetworkPolicy (networking.k8s.io/v1) as the pod network enforces it: the semantics the API
 * documents and network plugins implement (kube-apiserver only stores and validates policies).
 *
 * - A pod is isolated for ingress (egress) when a policy of its namespace selects it
 *   (`spec.podSelector`) with `Ingress` (`Egress`) in `policyTypes` (the API server defaults
 *   `policyTypes`). A pod no such policy selects allows everything in that direction.
 * - An isolated pod allows a connection when a rule of one of the policies selecting it matches:
 *   its peers (`from` / `to`; empty: every peer) and its ports (empty: every port).
 * - A peer matches a pod by `podSelector` (in the policy's namespace), `namespaceSelector` (every
 *   pod of the selected namespaces), both (the selected pods of the selected namespaces), or an
 *   IP by `ipBlock` (its CIDR minus `except`).
 * - A port matches by protocol (default TCP), number or the destination pod's named container
 *   port, and up to `endPort` when set.
 * - A connection is allowed when the source's egress and the destination's ingress both allow it.
 *   Traffic to a Service is judged after kube-proxy translated it, at the backend pod's IP and port.
 *
 * A connection a policy does not allow is dropped: the client waits for an answer that never comes.
 */
import type { LabelSelector } from '../../src/api/types.js';
import { matchesLabels } from '../../src/api/label-selector.js';
import { ipv4Cidr } from '../../src/api/validation-networking.js';

/** A pod as policies see it. */
export interface PolicyPod {
  namespace: string;
  labels: Record<string, string>;
  /** Its containers' ports (for named ports). */
  ports: { name?: string; containerPort: number; protocol?: string }[];
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

/** A NetworkPolicy, the fields enforcement reads. */
export interface NetworkPolicyLike {
  metadata?: { namespace?: string; name?: string };
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

/** What enforcement knows of the cluster: the policies, the namespaces' labels and the pods by IP. */
export interface PolicyWorld {
  policies: readonly NetworkPolicyLike[];
  namespaces: Readonly<Record<string, Record<string, string>>>;
  pods: Readonly<Record<string, PolicyPod>>;
}

/** One end of a connection: its IP, and its pod when the IP is a pod's. */
export interface Endpoint {
  ip: string;
  pod?: PolicyPod;
}

function ipNumber(ip: string): number | undefined {
  return ipv4Cidr(`${ip}/32`)?.[0];
}

function inCidr(ip: number, cidr: string): boolean {
  const block = ipv4Cidr(cidr);
  if (!block) return false;
  const size = 2 ** (32 - block[1]);
  const base = Math.floor(block[0] / size) * size;
  return ip >= base && ip < base + size;
}

function peerMatches(world: PolicyWorld, policyNamespace: string, peer: PolicyPeer, other: Endpoint): boolean {
  if (peer.ipBlock) {
    const ip = ipNumber(other.ip);
    if (ip === undefined || !inCidr(ip, peer.ipBlock.cidr)) return false;
    return !(peer.ipBlock.except ?? []).some((ex) => inCidr(ip, ex));
  }
  const pod = other.pod;
  if (!pod) return false;
  if (peer.namespaceSelector) {
    if (!matchesLabels(peer.namespaceSelector, world.namespaces[pod.namespace] ?? {})) return false;
  } else if (pod.namespace !== policyNamespace) return false;
  return peer.podSelector ? matchesLabels(peer.podSelector, pod.labels) : true;
}

function portMatches(rulePort: PolicyPort, destination: Endpoint, port: number, protocol: string): boolean {
  if ((rulePort.protocol ?? 'TCP') !== protocol) return false;
  if (rulePort.port === undefined) return true;
  if (typeof rulePort.port === 'string') {
    const named = destination.pod?.ports.find((p) => p.name === rulePort.port && (p.protocol ?? 'TCP') === protocol);
    return named !== undefined && named.containerPort === port;
  }
  return rulePort.endPort !== undefined ? port >= rulePort.port && port <= rulePort.endPort : port === rulePort.port;
}

function ruleMatches(world: PolicyWorld, namespace: string, rule: PolicyRule, peers: PolicyPeer[] | undefined, other: Endpoint, destination: Endpoint, port: number, protocol: string): boolean {
  if (peers && peers.length > 0 && !peers.some((peer) => peerMatches(world, namespace, peer, other))) return false;
  const ports = rule.ports ?? [];
  return ports.length === 0 || ports.some((p) => portMatches(p, destination, port, protocol));
}

/** Whether the policies selecting `self` let it talk with `other` in one direction. */
function allows(world: PolicyWorld, direction: 'Ingress' | 'Egress', self: Endpoint, other: Endpoint, destination: Endpoint, port: number, protocol: string): boolean {
  const pod = self.pod;
  if (!pod) return true; // not a pod: no policy isolates it
  let isolated = false;
  for (const policy of world.policies) {
    const namespace = policy.metadata?.namespace ?? 'default';
    if (namespace !== pod.namespace || !policy.spec) continue;
    if (!(policy.spec.policyTypes ?? ['Ingress']).includes(direction)) continue;
    if (!matchesLabels(policy.spec.podSelector ?? {}, pod.labels)) continue;
    isolated = true;
    const rules = (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? [];
    for (const rule of rules) {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      if (ruleMatches(world, namespace, rule, peers, other, destination, port, protocol)) return true;
    }
  }
  return !isolated;
}

/**
 * Whether the network lets `source` open a connection to `destination`'s `port` (after Service
 * translation): the source's egress and the destination's ingress must both allow it.
 */
export function networkPolicyAllows(world: PolicyWorld, source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
  if (world.policies.length === 0) return true;
  return allows(world, 'Egress', source, destination, destination, port, protocol) && allows(world, 'Ingress', destination, source, destination, port, protocol);
}
