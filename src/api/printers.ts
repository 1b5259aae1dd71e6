/**
 * Server-side printing, as the real API server answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
 * (`pkg/printers/internalversion/printers.go`), and the aligned text kubectl prints from a Table
 * (tabwriter: minimum width 6, padding 3). The Table types, kubectl's `HumanDuration` and the
 * column helpers are in printers-common.ts; the printers by API group: core/v1 in printers-core.ts,
 * the others in printers-apps.ts, printers-discovery.ts, batch-printers.ts, policy-printers.ts,
 * networking-printers.ts and autoscaling.ts; apps/v1 Deployment and ReplicaSet,
 * coordination, RBAC and scheduling here.
 *
 * Nothing here reads a clock: every age is computed against the `now` passed in (virtual
 * milliseconds since the epoch).
 */
import type { KubeObject, LabelSelector } from './types.js';
import { formatLabelSelector, selectorToString } from './label-selector.js';
import type { ResourceInfo } from './resources.js';
import { appsAndStoragePrinters } from './printers-apps.js';
import { discoveryPrinters } from './printers-discovery.js';
import { batchPrinters } from './batch-printers.js';
import { autoscalingPrinters } from './autoscaling.js';
import { policyPrinters } from './policy-printers.js';
import { networkingPrinters } from './networking-printers.js';
import { AGE, AGE_DESC, ageOf, ageSince, col, formatLabels, int, list, NAME, nameOf, obj, type Obj, type PartialObjectMetadata, type Printer, type PrintOptions, str, type Table, type TableColumnDefinition, type TableRow, timeOf } from './printers-common.js';
import { CONFIGMAP, ENDPOINTS, EVENT, NAMESPACE, NODE, POD, SECRET, SERVICE, SERVICEACCOUNT } from './printers-core.js';

// --- workloads

function containerCells(template: unknown): [string, string] {
  const ctrs = list(obj(obj(template)['spec'])['containers']);
  return [ctrs.map((c) => str(c['name'])).join(','), ctrs.map((c) => str(c['image'])).join(',')];
}

const DEPLOYMENT: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
  ],
  row(o, now) {
    const spec = obj(o['spec']);
    const st = obj(o['status']);
    const [names, images] = containerCells(spec['template']);
    return {
      cells: [
        nameOf(o),
        `${int(st['readyReplicas'])}/${int(spec['replicas'])}`,
        int(st['updatedReplicas']),
        int(st['availableReplicas']),
        ageOf(o, now),
        names,
        images,
        // kube's printDeployment prints LabelSelectorAsSelector(selector).String(), not FormatLabelSelector
        selectorToString(spec['selector'] as LabelSelector | undefined),
      ],
    };
  },
};

const REPLICASET: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  row(o, now) {
    const spec = obj(o['spec']);
    const st = obj(o['status']);
    const [names, images] = containerCells(spec['template']);
    return {
      cells: [nameOf(o), int(spec['replicas']), int(st['replicas']), int(st['readyReplicas']), ageOf(o, now), names, images, formatLabelSelector(spec['selector'] as LabelSelector | undefined)],
    };
  },
};

// --- services and endpoints

const LEASE: Printer = {
  columns: [NAME, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), str(obj(o['spec'])['holderIdentity']), ageOf(o, now)] }),
};

function rfc3339(ts: unknown): string {
  const t = timeOf(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ROLE: Printer = {
  columns: [NAME, col('Created At', 'date', AGE_DESC)],
  row: (o) => ({ cells: [nameOf(o), rfc3339(obj(o['metadata'])['creationTimestamp'])] }),
};

const BINDING: Printer = {
  columns: [
    NAME,
    col('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
    AGE,
    col('Users', 'string', 'Users in the roleBinding', 1),
    col('Groups', 'string', 'Groups in the roleBinding', 1),
    col('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', 1),
  ],
  row(o, now) {
    const ref = obj(o['roleRef']);
    const users: string[] = [];
    const groups: string[] = [];
    const sas: string[] = [];
    for (const s of list(o['subjects'])) {
      if (s['kind'] === 'ServiceAccount') sas.push(`${str(s['namespace'])}/${str(s['name'])}`);
      else if (s['kind'] === 'User') users.push(str(s['name']));
      else if (s['kind'] === 'Group') groups.push(str(s['name']));
    }
    return { cells: [nameOf(o), `${str(ref['kind'])}/${str(ref['name'])}`, ageOf(o, now), users.join(', '), groups.join(', '), sas.join(', ')] };
  },
};

const PRIORITYCLASS: Printer = {
  columns: [
    NAME,
    col('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
    AGE,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  row: (o, now) => ({ cells: [nameOf(o), int(o['value']), o['globalDefault'] === true, ageOf(o, now), str(o['preemptionPolicy'])] }),
};

const DEFAULT: Printer = {
  columns: [NAME, AGE],
  row: (o, now) => ({ cells: [nameOf(o), ageOf(o, now)] }),
};

const PRINTERS: Record<string, Printer> = {
  pods: POD,
  nodes: NODE,
  deployments: DEPLOYMENT,
  replicasets: REPLICASET,
  ...appsAndStoragePrinters({ col, NAME, AGE, ageSince, formatLabels, formatLabelSelector }),
  services: SERVICE,
  endpoints: ENDPOINTS,
  ...discoveryPrinters({ col, NAME, AGE, ageSince, formatLabels, formatLabelSelector }),
  namespaces: NAMESPACE,
  events: EVENT,
  leases: LEASE,
  priorityclasses: PRIORITYCLASS,
  configmaps: CONFIGMAP,
  secrets: SECRET,
  serviceaccounts: SERVICEACCOUNT,
  roles: ROLE,
  clusterroles: ROLE,
  rolebindings: BINDING,
  clusterrolebindings: BINDING,
  ...batchPrinters({ NAME, AGE, col }),
  ...policyPrinters({ NAME, AGE, col }),
  ...networkingPrinters({ NAME, AGE, col }),
  ...autoscalingPrinters({ NAME, AGE, col }),
};

/** The column definitions the server sends for a resource. */
export function columnDefinitions(info: Pick<ResourceInfo, 'plural'>): TableColumnDefinition[] {
  return (PRINTERS[info.plural] ?? DEFAULT).columns.map((c) => ({ ...c }));
}

function partialMetadata(o: KubeObject): PartialObjectMetadata {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} };
}

/**
 * Prints objects as the real API server does for `as=Table`: every column, the `-o wide` ones
 * with priority 1 (kubectl hides them unless asked), one row per object with its
 * PartialObjectMetadata (or the object, or nothing, per `includeObject`).
 */
export function printTable(info: Pick<ResourceInfo, 'plural'>, objects: readonly KubeObject[], now: number, opts: PrintOptions = {}): Table {
  const printer = PRINTERS[info.plural] ?? DEFAULT;
  const include = opts.includeObject ?? 'Metadata';
  const rows: TableRow[] = objects.map((o) => {
    const r = printer.row(o as unknown as Obj, now);
    const row: TableRow = { cells: r.cells };
    if (r.conditions) row.conditions = r.conditions.map((c) => ({ ...c }));
    if (include === 'Metadata') row.object = partialMetadata(o);
    else if (include === 'Object') row.object = o;
    return row;
  });
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Text rendering

/** Options of {@link renderTable}. */
export interface RenderOptions {
  /** Show the priority-1 columns (`-o wide`). */
  wide?: boolean;
  /** Leave out the header line (`--no-headers`). */
  noHeaders?: boolean;
  /** Prepend a NAMESPACE column taken from each row's object metadata (`-A`). */
  showNamespace?: boolean;
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const br = cell.search(/[\f\n\r]/);
    return br >= 0 ? `${cell.slice(0, br)}...` : cell;
  }
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

const runeLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * Renders a Table as kubectl prints it: upper-case headers, columns padded to the widest cell
 * plus three spaces (at least six wide), the last column unpadded, one line per row. Returns
 * `''` when there are no rows (kubectl then says `No resources found` on stderr).
 */
export function renderTable(table: Table, opts: RenderOptions = {}): string {
  if (table.rows.length === 0) return '';
  const visible = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const lines: string[][] = [];
  if (!opts.noHeaders) {
    const header = visible.map(({ c }) => c.name.toUpperCase());
    if (opts.showNamespace) header.unshift('NAMESPACE');
    lines.push(header);
  }
  for (const row of table.rows) {
    const cells = visible.map(({ i }) => cellText(row.cells[i]));
    if (opts.showNamespace) cells.unshift(str(obj(obj(row.object)['metadata'])['namespace']));
    lines.push(cells);
  }
  const columns = Math.max(...lines.map((l) => l.length));
  const widths: number[] = [];
  for (let j = 0; j < columns - 1; j++) {
    let w = 6;
    for (const l of lines) if (j < l.length - 1) w = Math.max(w, runeLength(l[j]!) + 3);
    widths.push(w);
  }
  let out = '';
  for (const l of lines) {
    let line = '';
    for (let j = 0; j < l.length; j++) {
      const text = l[j]!;
      line += j < l.length - 1 ? text + ' '.repeat(widths[j]! - runeLength(text)) : text;
    }
    out += `${line}\n`;
  }
  return out;
}
