/**
 * unreachable-pods-evicted (safety, with a time bound): pods on a node that has been unreachable
 * (crashed, or partitioned off) for longer than the node monitor grace period plus the pod's
 * toleration of the `node.kubernetes.io/unreachable` taint (300 s by default, as the API server's
 * DefaultTolerationSeconds gives it) are evicted: marked for deletion, so their controllers can
 * replace them elsewhere. Pods that tolerate the taint for ever are exempt.
 *
 * The countdown starts at the latest of: the node becoming unreachable, the pod being bound there,
 * and the last disturbance of the control plane (etcd outage or recovery, API server or
 * controller manager restart: a restarted controller starts its health records afresh). Nothing
 * is required while etcd is down, nor while the node's zone is disrupted as the node lifecycle
 * controller counts it (every zone without a reachable node: "master disruption mode"; or at least
 * 55 % of more than 2 nodes of a zone of at most 50 unreachable: its tainting stops); the
 * countdown starts again when the disruption ends.
 */
import type { Node, Pod, Toleration } from '../../api/types.js';
import { ETCD, nodeAddress } from '../../../machines/protocol.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachPodChange, stateOf } from '../history.js';
import { isTerminal, tolerates } from '../resources.js';
import { objectKey } from '../../api/object-key.js';
import { computeZoneState, zoneKey } from '../../../machines/controllers/node-lifecycle-zones.js';

const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const };

/** `--node-monitor-grace-period` of the node lifecycle controller, by default. */
const NODE_MONITOR_GRACE_MS = 50_000;
/** Time allowed beyond the grace period and the toleration (lease renewals, controller ticks, retries). */
const EVICTION_SLACK_MS = 60_000;

interface State {
  cursor: number;
  /** Pod uid → when the verifier first saw it bound. */
  boundAt: Map<string, number>;
  reported: Set<string>;
}

/** Seconds a pod tolerates the unreachable NoExecute taint: 0 when it does not, undefined for ever. */
export function unreachableToleration(pod: Pod): number | undefined {
  let best: number | undefined = 0;
  let found = false;
  for (const t of (pod.spec?.tolerations ?? []) as Toleration[]) {
    if (!tolerates(t, UNREACHABLE as never)) continue;
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) return undefined;
    best = found ? Math.max(best ?? 0, t.tolerationSeconds) : t.tolerationSeconds;
    found = true;
  }
  return Math.max(0, best ?? 0);
}

export const unreachablePodsEvicted: Invariant = {
  name: 'unreachable-pods-evicted',
  kind: 'safety',
  description: 'pods on a node unreachable for longer than the node monitor grace period plus their toleration are marked for deletion',
  check(cluster, history) {
    const state = history.scratch<State>('unreachable-pods-evicted', () => ({ cursor: 0, boundAt: new Map(), reported: new Set() }));
    forEachPodChange(history, state, ({ pod, uid, seenAt }) => {
      if (pod.metadata?.uid && pod.spec?.nodeName && !state.boundAt.has(uid)) state.boundAt.set(uid, seenAt);
    });
    const out: Violation[] = [];
    if (stateOf(cluster, ETCD) === 'unavailable') return out;
    const grace =
      ((cluster.options.controllerManager as { options?: Record<string, { nodeMonitorGracePeriodMs?: number }> } | undefined)?.options?.['node-lifecycle']?.nodeMonitorGracePeriodMs) ??
      NODE_MONITOR_GRACE_MS;
    let disturbed = 0;
    const since = new Map<string, { time: number; down: boolean }>();
    // each node's zone, and whether a zone is disrupted (no tainting there) with the nodes unreachable now
    const zoneOf = new Map(cluster.nodes.map((n) => [n, zoneKey(cluster.object<Node>('nodes', n) ?? ({} as Node))]));
    const disruptedZones = (): Set<string> => {
      const counts = new Map<string, { ready: number; notReady: number }>();
      for (const n of cluster.nodes) {
        const z = zoneOf.get(n)!;
        const c = counts.get(z) ?? { ready: 0, notReady: 0 };
        if (since.has(n)) c.notReady++;
        else c.ready++;
        counts.set(z, c);
      }
      const states = new Map([...counts].map(([z, c]) => [z, { state: computeZoneState(c.ready, c.notReady, 0.55), size: c.ready + c.notReady }]));
      const all = [...states.values()].every((z) => z.state === 'FullDisruption');
      return new Set([...states].filter(([, z]) => all || (z.state === 'PartialDisruption' && z.size <= 50)).map(([k]) => k));
    };
    let disrupted = new Set<string>();
    /** When each zone's disruption last ended. */
    const calmSince = new Map<string, number>();
    for (const { time, fault } of history.faults) {
      switch (fault.kind) {
        case 'crash-node':
          since.set(fault.node, { time: since.get(fault.node)?.time ?? time, down: true });
          break;
        case 'partition-node':
          if (!since.has(fault.node)) since.set(fault.node, { time, down: false });
          break;
        case 'restart-node':
          since.delete(fault.node);
          break;
        case 'heal-node':
          if (since.get(fault.node)?.down === false) since.delete(fault.node);
          break;
        case 'heal-all':
          for (const [node, s] of [...since]) if (!s.down) since.delete(node);
          break;
        case 'etcd-outage':
        case 'etcd-recover':
        case 'restart-api-server':
        case 'restart-controller-manager':
          disturbed = time;
          break;
        default:
          break;
      }
      const next = disruptedZones();
      for (const z of disrupted) if (!next.has(z)) calmSince.set(z, time);
      disrupted = next;
    }
    const now = cluster.now();
    let pods: Pod[] | undefined;
    for (const node of cluster.nodes) {
      const nodeState = stateOf(cluster, nodeAddress(node));
      if (nodeState !== 'down' && nodeState !== 'partitioned') continue;
      const from = since.get(node)?.time;
      if (from === undefined) continue;
      const zone = zoneOf.get(node)!;
      if (disrupted.has(zone)) continue;
      pods ??= cluster.objects<Pod>('pods');
      for (const pod of pods) {
        if (pod.spec?.nodeName !== node || pod.metadata?.deletionTimestamp || isTerminal(pod)) continue;
        const uid = pod.metadata?.uid ?? objectKey(pod);
        if (state.reported.has(uid)) continue;
        const toleration = unreachableToleration(pod);
        if (toleration === undefined) continue;
        const start = Math.max(from, state.boundAt.get(uid) ?? 0, disturbed, calmSince.get(zone) ?? 0);
        const deadline = start + grace + toleration * 1000 + EVICTION_SLACK_MS;
        if (now <= deadline) continue;
        state.reported.add(uid);
        out.push(
          violation(
            'unreachable-pods-evicted',
            `pod ${objectKey(pod)} is still bound to ${node}, which has been ${nodeState === 'down' ? 'down' : 'partitioned'} since t=${(from / 1000).toFixed(1)}s, ${Math.round((now - start) / 1000)} s without being evicted (grace ${grace / 1000} s + toleration ${toleration} s)`,
            now,
          ),
        );
      }
    }
    return out;
  },
};
