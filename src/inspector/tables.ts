/**
 * The cluster as `kubectl get` shows it, for the page: nodes, pods (`-o wide`: status, restarts,
 * IP, node), deployments, replicasets, services, and the other workloads and their companions
 * (daemonsets, statefulsets, jobs, cronjobs, replicationcontrollers, horizontalpodautoscalers,
 * poddisruptionbudgets, persistentvolumeclaims, persistentvolumes; the page shows those only when
 * they have rows), printed by the API server's own table
 * printers (src/api/printers.ts) from what etcd holds right now. Reading etcd's store directly is
 * an observer's view: it sends no message and does not disturb the simulation.
 */
import { printTable } from '../api/printers.js';
import type { Table } from '../api/printers-common.js';
import { findResource } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { ClusterTable } from './protocol.js';

/** What the table builder needs of a cluster. */
export interface TableSource {
  objects(resource: string, namespace?: string): KubeObject[];
  kernel: { now(): number; epoch: number };
}

/** The tables the page shows, in order, with the kubectl command they stand for. */
const TABLES: readonly { key: string; resource: string; command: string; wide?: boolean }[] = [
  { key: 'nodes', resource: 'nodes', command: 'kubectl get nodes' },
  { key: 'pods', resource: 'pods', command: 'kubectl get pods -A -o wide', wide: true },
  { key: 'deployments', resource: 'deployments', command: 'kubectl get deployments -A' },
  { key: 'replicasets', resource: 'replicasets', command: 'kubectl get replicasets -A' },
  { key: 'services', resource: 'services', command: 'kubectl get services -A' },
  { key: 'daemonsets', resource: 'daemonsets', command: 'kubectl get daemonsets -A' },
  { key: 'statefulsets', resource: 'statefulsets', command: 'kubectl get statefulsets -A' },
  { key: 'jobs', resource: 'jobs', command: 'kubectl get jobs -A' },
  { key: 'cronjobs', resource: 'cronjobs', command: 'kubectl get cronjobs -A' },
  { key: 'replicationcontrollers', resource: 'replicationcontrollers', command: 'kubectl get replicationcontrollers -A' },
  { key: 'horizontalpodautoscalers', resource: 'horizontalpodautoscalers', command: 'kubectl get horizontalpodautoscalers -A' },
  { key: 'poddisruptionbudgets', resource: 'poddisruptionbudgets', command: 'kubectl get poddisruptionbudgets -A' },
  { key: 'persistentvolumeclaims', resource: 'persistentvolumeclaims', command: 'kubectl get persistentvolumeclaims -A' },
  { key: 'persistentvolumes', resource: 'persistentvolumes', command: 'kubectl get persistentvolumes' },
];

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

/** One Table as the protocol's ClusterTable (with a NAMESPACE column for namespaced resources). */
function toClusterTable(table: Table, command: string, namespaced: boolean): ClusterTable {
  const columns = table.columnDefinitions.map((c) => c.name.toUpperCase());
  const priorities = table.columnDefinitions.map((c) => c.priority);
  const rows = table.rows.map((r) => {
    const cells = r.cells.map(cellText);
    if (namespaced) cells.unshift(cellText((r.object)?.metadata?.namespace));
    return cells;
  });
  if (namespaced) {
    columns.unshift('NAMESPACE');
    priorities.unshift(0);
  }
  return { command, columns, priorities, rows };
}

/** Every table of {@link TABLES}, as of now. */
export function clusterTables(source: TableSource): Record<string, ClusterTable> {
  const now = source.kernel.epoch + source.kernel.now();
  const out: Record<string, ClusterTable> = {};
  for (const t of TABLES) {
    const info = findResource(t.resource);
    if (!info) continue;
    let objects: KubeObject[];
    try {
      objects = source.objects(t.resource);
    } catch {
      objects = [];
    }
    out[t.key] = toClusterTable(printTable(info, objects, now), t.command, info.namespaced);
  }
  return out;
}
