/**
 * Server-side printing, as the real API server answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
 * (`pkg/printers/internalversion/printers.go`), kubectl's `HumanDuration`, and the aligned text
 * kubectl prints from a Table (tabwriter: minimum width 6, padding 3).
 *
 * Nothing here reads a clock: every age is computed against the `now` passed in (virtual
 * milliseconds since the epoch).
 */
import type { KubeObject, ObjectMeta } from './types.js';
import type { ResourceInfo } from './resources.js';
import { appsAndStoragePrinters } from './printers-apps.js';
import { discoveryPrinters } from './printers-discovery.js';
import { batchPrinters } from './batch-printers.js';
import { autoscalingPrinters } from './autoscaling.js';
import { policyPrinters } from './policy-printers.js';
import { networkingPrinters } from './networking-printers.js';

/** One column of a Table (`metav1.TableColumnDefinition`). */
export interface TableColumnDefinition {
  /** Column name as the server sends it (`Name`, `Nominated Node`); kubectl upper-cases it. */
  name: string;
  /** OpenAPI type of the cells: `string`, `integer`, `date`, ... */
  type: string;
  /** OpenAPI format (`name` for the name column), `''` otherwise. */
  format: string;
  /** Human-readable description. */
  description: string;
  /** 0 for default columns, 1 for the `-o wide` ones. */
  priority: number;
}

/** `metav1.PartialObjectMetadata`: the object of a Table row under `includeObject=Metadata`. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

/** A condition of a Table row (pods that completed). */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** One row of a Table. */
export interface TableRow {
  /** One cell per column definition (strings, numbers, or null). */
  cells: unknown[];
  /** Row conditions (`Completed` for finished pods). */
  conditions?: TableRowCondition[];
  /** The object, as chosen by `includeObject`. */
  object?: PartialObjectMetadata | KubeObject;
}

/** A `meta.k8s.io/v1` Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** Options of {@link printTable}. */
export interface PrintOptions {
  /** What each row carries: `Metadata` (default, as kubectl asks), the whole `Object`, or `None`. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** Leave the column definitions out (`TableOptions.noHeaders`, later watch events). */
  noHeaders?: boolean;
  /** Table metadata.resourceVersion (the list's). */
  resourceVersion?: string;
  /** Table metadata.continue. */
  continue?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// ---------------------------------------------------------------------------------------------
// Durations

/**
 * kubectl's `duration.HumanDuration`: `45s`, `5m10s`, `12m`, `3h`, `5h20m`, `2d3h`, `30d`, `2y45d`.
 * Durations under -1 s are `<invalid>`, other negatives `0s`.
 */
export function formatAge(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds of an RFC 3339 timestamp, or undefined when absent or unparseable. */
function timeOf(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** kubectl's `translateTimestampSince`: `<unknown>` for a zero timestamp, otherwise the age at `now`. */
export function ageSince(timestamp: unknown, now: number): string {
  const t = timeOf(timestamp);
  return t === undefined ? '<unknown>' : formatAge(now - t);
}

// ---------------------------------------------------------------------------------------------
// Label selectors as kubectl prints them

/** `labels.FormatLabels`: sorted `k=v` joined by commas, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  if (!labels) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

/**
 * `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key, `k=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; `''` for a missing or empty selector.
 */
export function formatLabelSelector(selector: unknown): string {
  if (!isObj(selector)) return '';
  const reqs: { key: string; text: string }[] = [];
  const ml = obj(selector['matchLabels']);
  for (const k of Object.keys(ml)) reqs.push({ key: k, text: `${k}=${str(ml[k])}` });
  for (const e of list(selector['matchExpressions'])) {
    const key = str(e['key']);
    const values = (Array.isArray(e['values']) ? (e['values'] as unknown[]).map(String) : []).sort();
    switch (e['operator']) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` });
        break;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

// ---------------------------------------------------------------------------------------------
// Column definitions

const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}
const NAME = col('Name', 'string', NAME_DESC, 0, 'name');
const AGE = col('Age', 'string', AGE_DESC);

type Printer = { columns: TableColumnDefinition[]; row: (o: Obj, now: number) => { cells: unknown[]; conditions?: TableRowCondition[] } };

const nameOf = (o: Obj): string => str(obj(o['metadata'])['name']);
const ageOf = (o: Obj, now: number): string => ageSince(obj(o['metadata'])['creationTimestamp'], now);

// --- pods

const podSucceeded: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const podFailed: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

function conditionTrue(status: Obj, type: string): boolean {
  return list(status['conditions']).some((c) => c['type'] === type && c['status'] === 'True');
}

/**
 * The READY, STATUS and RESTARTS cells of a pod exactly as kubectl's `printPod` computes them
 * (init progress `Init:0/1`, waiting and terminated reasons, `Completed`, `Terminating`,
 * restarts with `(2m ago)`).
 */
export function podStatusColumns(pod: KubeObject, now: number): { ready: string; status: string; restarts: string } {
  const o = pod as unknown as Obj;
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const meta = obj(o['metadata']);
  const containers = list(spec['containers']);
  const initContainers = list(spec['initContainers']);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = containers.length;
  let readyContainers = 0;
  let lastRestart = -Infinity;
  let lastRestartableInitRestart = -Infinity;
  const phase = str(status['phase']);
  let reason = str(status['reason']) || phase;
  for (const c of list(status['conditions'])) if (c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated') reason = 'SchedulingGated';

  const restartable = new Map<string, boolean>();
  for (const ic of initContainers) {
    const r = ic['restartPolicy'] === 'Always';
    restartable.set(str(ic['name']), r);
    if (r) totalContainers++;
  }
  const finishedAt = (cs: Obj): number | undefined => timeOf(obj(obj(cs['lastState'])['terminated'])['finishedAt']);

  let initializing = false;
  const initStatuses = list(status['initContainerStatuses']);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const state = obj(cs['state']);
    const terminated = isObj(state['terminated']) ? state['terminated'] : undefined;
    const waiting = isObj(state['waiting']) ? state['waiting'] : undefined;
    restarts += int(cs['restartCount']);
    const fin = finishedAt(cs);
    if (fin !== undefined && fin > lastRestart) lastRestart = fin;
    const isRestartable = restartable.get(str(cs['name'])) === true;
    if (isRestartable) {
      restartableInitRestarts += int(cs['restartCount']);
      if (fin !== undefined && fin > lastRestartableInitRestart) lastRestartableInitRestart = fin;
    }
    if (terminated && int(terminated['exitCode']) === 0) continue;
    if (isRestartable && cs['started'] === true) {
      if (cs['ready'] === true) readyContainers++;
      continue;
    }
    if (terminated) {
      const r = str(terminated['reason']);
      if (r === '') reason = int(terminated['signal']) !== 0 ? `Init:Signal:${int(terminated['signal'])}` : `Init:ExitCode:${int(terminated['exitCode'])}`;
      else reason = `Init:${r}`;
    } else if (waiting && str(waiting['reason']) !== '' && waiting['reason'] !== 'PodInitializing') {
      reason = `Init:${str(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = list(status['containerStatuses']);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += int(cs['restartCount']);
      const fin = finishedAt(cs);
      if (fin !== undefined && fin > lastRestart) lastRestart = fin;
      const state = obj(cs['state']);
      const waiting = isObj(state['waiting']) ? state['waiting'] : undefined;
      const terminated = isObj(state['terminated']) ? state['terminated'] : undefined;
      if (waiting && str(waiting['reason']) !== '') reason = str(waiting['reason']);
      else if (terminated && str(terminated['reason']) !== '') reason = str(terminated['reason']);
      else if (terminated) {
        reason = int(terminated['signal']) !== 0 ? `Signal:${int(terminated['signal'])}` : `ExitCode:${int(terminated['exitCode'])}`;
      } else if (cs['ready'] === true && isObj(state['running'])) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
  }

  if (meta['deletionTimestamp'] && status['reason'] === 'NodeLost') reason = 'Unknown';
  else if (meta['deletionTimestamp'] && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== -Infinity) restartsText = `${restarts} (${formatAge(now - lastRestart)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

const POD: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
    col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  row(o, now) {
    const { ready, status, restarts } = podStatusColumns(o, now);
    const spec = obj(o['spec']);
    const st = obj(o['status']);
    const ips = list(st['podIPs']);
    const podIP = str(ips[0]?.['ip']) || '<none>';
    const gates = list(spec['readinessGates']);
    let gatesText = '<none>';
    if (gates.length > 0) {
      let trueCount = 0;
      for (const g of gates) {
        const c = list(st['conditions']).find((x) => x['type'] === g['conditionType']);
        if (c && c['status'] === 'True') trueCount++;
      }
      gatesText = `${trueCount}/${gates.length}`;
    }
    const phase = st['phase'];
    return {
      cells: [nameOf(o), ready, status, restarts, ageOf(o, now), podIP, str(spec['nodeName']) || '<none>', str(st['nominatedNodeName']) || '<none>', gatesText],
      conditions: phase === 'Succeeded' ? podSucceeded : phase === 'Failed' ? podFailed : undefined,
    };
  },
};

// --- nodes

/** The STATUS cell of a node: `Ready`, `NotReady`, `Unknown`, plus `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: KubeObject): string {
  const o = node as unknown as Obj;
  const ready = list(obj(o['status'])['conditions']).find((c) => c['type'] === 'Ready');
  const parts: string[] = [];
  if (ready) parts.push(ready['status'] === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (obj(o['spec'])['unschedulable'] === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** The ROLES of a node: `node-role.kubernetes.io/<role>` labels and `kubernetes.io/role`, sorted. */
export function nodeRoles(node: KubeObject): string[] {
  const labels = obj(obj((node as unknown as Obj)['metadata'])['labels']);
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(String(v));
  }
  return [...roles].sort();
}

const NODE: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  row(o, now) {
    const st = obj(o['status']);
    const info = obj(st['nodeInfo']);
    const addr = (type: string) => str(list(st['addresses']).find((a) => a['type'] === type)?.['address']) || '<none>';
    const roles = nodeRoles(o).join(',') || '<none>';
    return {
      cells: [
        nameOf(o),
        nodeStatus(o),
        roles,
        ageOf(o, now),
        str(info['kubeletVersion']),
        addr('InternalIP'),
        addr('ExternalIP'),
        str(info['osImage']) || '<unknown>',
        str(info['kernelVersion']) || '<unknown>',
        str(info['containerRuntimeVersion']) || '<unknown>',
      ],
    };
  },
};

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
        formatLabelSelector(spec['selector']),
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
      cells: [nameOf(o), int(spec['replicas']), int(st['replicas']), int(st['readyReplicas']), ageOf(o, now), names, images, formatLabelSelector(spec['selector'])],
    };
  },
};

// --- services and endpoints

function serviceExternalIP(spec: Obj, status: Obj): string {
  const externalIPs = Array.isArray(spec['externalIPs']) ? (spec['externalIPs'] as unknown[]).map(String) : [];
  switch (str(spec['type']) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = [...new Set(list(obj(status['loadBalancer'])['ingress']).map((i) => str(i['ip']) || str(i['hostname'])))]
        .filter((x) => x !== '')
        .sort();
      if (externalIPs.length > 0) return [...ingress, ...externalIPs].join(',');
      return ingress.length > 0 ? ingress.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec['externalName']);
  }
  return '<unknown>';
}

/** The PORT(S) cell of a service: `80/TCP`, `80:30080/TCP`, joined by commas. */
export function servicePorts(ports: unknown): string {
  return list(ports)
    .map((p) => (int(p['nodePort']) > 0 ? `${int(p['port'])}:${int(p['nodePort'])}/${str(p['protocol'])}` : `${int(p['port'])}/${str(p['protocol'])}`))
    .join(',');
}

const SERVICE: Printer = {
  columns: [
    NAME,
    col('Type', 'string', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE,
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  row(o, now) {
    const spec = obj(o['spec']);
    const clusterIPs = Array.isArray(spec['clusterIPs']) ? (spec['clusterIPs'] as unknown[]).map(String) : [];
    const clusterIP = clusterIPs[0] ?? (str(spec['clusterIP']) || '<none>');
    const ports = servicePorts(spec['ports']) || '<none>';
    const selector = isObj(spec['selector']) ? (spec['selector'] as Record<string, string>) : undefined;
    return {
      cells: [nameOf(o), str(spec['type']), clusterIP, serviceExternalIP(spec, obj(o['status'])), ports, ageOf(o, now), formatLabels(selector)],
    };
  },
};

/** The ENDPOINTS cell: up to three `ip:port`, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(endpoints: KubeObject): string {
  const subsets = list((endpoints as unknown as Obj)['subsets']);
  if (subsets.length === 0) return '<none>';
  const out: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = list(ss['addresses']);
    const ports = list(ss['ports']);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(str(a['ip']));
      }
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        const ip = str(a['ip']);
        out.push(ip.includes(':') ? `[${ip}]:${int(p['port'])}` : `${ip}:${int(p['port'])}`);
      }
    }
  }
  const text = out.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

const ENDPOINTS: Printer = {
  columns: [NAME, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), formatEndpoints(o), ageOf(o, now)] }),
};

// --- namespaces, events, leases, config, rbac

const NAMESPACE: Printer = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), str(obj(o['status'])['phase']), ageOf(o, now)] }),
};

function eventSource(o: Obj): string {
  const source = obj(o['source']);
  const component = str(source['component']) || str(o['reportingComponent']);
  const instance = str(source['host']) || str(o['reportingInstance']);
  return instance ? `${component}, ${instance}` : component;
}

const EVENT: Printer = {
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', 1),
    col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', NAME_DESC, 1, 'name'),
  ],
  row(o, now) {
    let first = ageSince(o['firstTimestamp'], now);
    if (timeOf(o['firstTimestamp']) === undefined) first = ageSince(o['eventTime'], now);
    let last = timeOf(o['lastTimestamp']) === undefined ? first : ageSince(o['lastTimestamp'], now);
    let count = int(o['count']);
    const series = o['series'];
    if (isObj(series)) {
      last = ageSince(series['lastObservedTime'], now);
      count = int(series['count']);
    } else if (count === 0) count = 1;
    const involved = obj(o['involvedObject']);
    const kind = str(involved['kind']).toLowerCase();
    const target = str(involved['name']) ? `${kind}/${str(involved['name'])}` : kind;
    return {
      cells: [last, str(o['type']), str(o['reason']), target, str(involved['fieldPath']), eventSource(o), str(o['message']).trim(), first, count, nameOf(o)],
    };
  },
};

const LEASE: Printer = {
  columns: [NAME, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), str(obj(o['spec'])['holderIdentity']), ageOf(o, now)] }),
};

const CONFIGMAP: Printer = {
  columns: [NAME, col('Data', 'integer', 'Data contains the configuration data.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), Object.keys(obj(o['data'])).length + Object.keys(obj(o['binaryData'])).length, ageOf(o, now)] }),
};

const SECRET: Printer = {
  columns: [NAME, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'integer', 'Data contains the secret data.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), str(o['type']), Object.keys(obj(o['data'])).length, ageOf(o, now)] }),
};

const SERVICEACCOUNT: Printer = {
  columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), list(o['secrets']).length, ageOf(o, now)] }),
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
