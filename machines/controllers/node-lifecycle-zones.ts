/**
 * Zones and their disruption states for the node lifecycle controller, as
 * `pkg/controller/nodelifecycle` has them: every node belongs to a zone (its region and zone
 * labels, `GetZoneKey`); each zone's state follows from how many of its nodes are Ready
 * (`ComputeZoneState`); each zone has a rate-limited queue of nodes waiting for their NoExecute
 * taint (`zoneNoExecuteTainter`, a token bucket of burst 1 whose rate the zone's state sets,
 * `setLimiterInZone`); and when every zone is fully disrupted, the controller stops all tainting
 * and takes the NoExecute taints off (`handleDisruption`: "master disruption mode").
 */
import type { Node } from '../../src/api/types.js';

/** A zone's state (`ZoneState`). */
export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** The rate options of kube-controller-manager's node lifecycle controller. */
export interface ZoneRateOptions {
  /** `--node-eviction-rate`: nodes tainted per second in a healthy zone. Default 0.1. */
  nodeEvictionRate: number;
  /** `--secondary-node-eviction-rate`: the same in a partly disrupted large zone. Default 0.01. */
  secondaryNodeEvictionRate: number;
  /** `--large-cluster-size-threshold`: above this many nodes a zone is large. Default 50. */
  largeClusterSizeThreshold: number;
  /** `--unhealthy-zone-threshold`: the share of not-Ready nodes (of at least 3) that makes a zone partly disrupted. Default 0.55. */
  unhealthyZoneThreshold: number;
}

/** `GetZoneKey`: region and zone (the topology labels, or the deprecated failure-domain ones); '' for none. */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

/** A zone key as people read it (`region/zone`, or `(no zone)`). */
export function zoneName(key: string): string {
  return key === '' ? '(no zone)' : key.replace(':\x00:', '/');
}

/**
 * `ComputeZoneState`: FullDisruption when no node of the zone is Ready, PartialDisruption when more
 * than 2 are not and they are at least `unhealthyZoneThreshold` of it, Normal otherwise.
 */
export function computeZoneState(readyNodes: number, notReadyNodes: number, unhealthyZoneThreshold: number): ZoneState {
  if (readyNodes === 0 && notReadyNodes > 0) return 'FullDisruption';
  if (notReadyNodes > 2 && notReadyNodes / (notReadyNodes + readyNodes) >= unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/**
 * `setLimiterInZone`: the tainting rate of a zone in a state. Normal and FullDisruption (of some
 * zones only: `HealthyQPSFunc`) taint at the eviction rate; PartialDisruption (`ReducedQPSFunc`)
 * at the secondary rate in a large zone and not at all in a small one.
 */
export function zoneRate(state: ZoneState, zoneSize: number, options: ZoneRateOptions): number {
  if (state === 'PartialDisruption') return zoneSize > options.largeClusterSizeThreshold ? options.secondaryNodeEvictionRate : 0;
  return options.nodeEvictionRate;
}

/** A zone's taint queue (`RateLimitedTimedQueue` with a token bucket of burst 1). */
export interface ZoneTainter {
  /** Node names in the order they were queued (each once). */
  queue: string[];
  /** Nodes tainted per second (0: none). */
  qps: number;
  /** Tokens in the bucket (at most 1). */
  tokens: number;
  /** When the bucket was last filled (virtual ms). */
  filledAt: number;
}

/** A new taint queue: a full bucket, as `NewTokenBucketRateLimiter` starts. */
export function newTainter(qps: number, now: number): ZoneTainter {
  return { queue: [], qps, tokens: qps > 0 ? 1 : 0, filledAt: now };
}

/** `SwapLimiter`: a new rate with a fresh, full bucket (none for a rate of 0). */
export function swapRate(t: ZoneTainter, qps: number, now: number): void {
  if (t.qps === qps) return;
  t.qps = qps;
  t.tokens = qps > 0 ? 1 : 0;
  t.filledAt = now;
}

/** `TryAccept`: takes a token if the bucket has one (filling it first for the time gone by). */
export function tryAccept(t: ZoneTainter, now: number): boolean {
  if (t.qps <= 0) return false;
  t.tokens = Math.min(1, t.tokens + ((now - t.filledAt) * t.qps) / 1000);
  t.filledAt = now;
  if (t.tokens < 1) return false;
  t.tokens -= 1;
  return true;
}

/** Ms until the bucket has a token again (Infinity at a rate of 0). */
export function msUntilToken(t: ZoneTainter, now: number): number {
  if (t.qps <= 0) return Infinity;
  const tokens = Math.min(1, t.tokens + ((now - t.filledAt) * t.qps) / 1000);
  return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / t.qps);
}
