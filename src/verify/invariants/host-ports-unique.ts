/**
 * host-ports-unique (safety): when the scheduler binds a pod, no pod that surely ran on the same
 * node then uses one of its host ports: the same port and protocol, on the same host IP or where
 * either binds every address (`0.0.0.0`), as kube-scheduler's NodePorts filter decides
 * (`HostPortInfo.CheckConflict`).
 */
import type { Pod } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { newPlacementModel, ranAt, replayBindings, type PlacementModel } from '../placement.js';

const NAME = 'host-ports-unique';

interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  }
  return out;
}

function conflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

export const hostPortsUnique: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a pod is never bound to a node where a running pod uses one of its host ports (same port and protocol, overlapping host IP)',
  check(cluster, history) {
    const model = history.scratch<PlacementModel>(NAME, newPlacementModel);
    const out: Violation[] = [];
    replayBindings(history, model, ({ record, node, revision }) => {
      const mine = hostPorts(record.pod);
      if (mine.length === 0) return;
      for (const other of model.pods.values()) {
        if (other === record || other.pod.spec?.nodeName !== node || !ranAt(other, revision)) continue;
        for (const theirs of hostPorts(other.pod)) {
          const clash = mine.find((p) => conflict(p, theirs));
          if (clash) {
            out.push(violation(NAME, `pod ${record.name} was bound to ${node} at revision ${revision} with hostPort ${clash.port}/${clash.protocol} (${clash.ip}) that pod ${other.name} already uses there (${theirs.ip})`, cluster.now()));
          }
        }
      }
    });
    return out;
  },
};
