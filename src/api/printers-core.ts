/**
 * The Table columns of the core/v1 kinds, as `pkg/printers/internalversion/printers.go` prints
 * them: pods, nodes, services, endpoints, namespaces, events, config maps, secrets and service
 * accounts.
 */
import type { KubeObject } from './types.js';
import { AGE, ageOf, ageSince, col, formatAge, formatLabels, int, isObj, list, NAME, NAME_DESC, nameOf, type Obj, obj, type Printer, str, type TableRowCondition, timeOf } from './printers-common.js';

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

export const POD: Printer = {
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

export const NODE: Printer = {
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

export const SERVICE: Printer = {
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

export const ENDPOINTS: Printer = {
  columns: [NAME, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), formatEndpoints(o), ageOf(o, now)] }),
};

// --- namespaces, events, leases, config, rbac

export const NAMESPACE: Printer = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), str(obj(o['status'])['phase']), ageOf(o, now)] }),
};

function eventSource(o: Obj): string {
  const source = obj(o['source']);
  const component = str(source['component']) || str(o['reportingComponent']);
  const instance = str(source['host']) || str(o['reportingInstance']);
  return instance ? `${component}, ${instance}` : component;
}

export const EVENT: Printer = {
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

export const CONFIGMAP: Printer = {
  columns: [NAME, col('Data', 'integer', 'Data contains the configuration data.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), Object.keys(obj(o['data'])).length + Object.keys(obj(o['binaryData'])).length, ageOf(o, now)] }),
};

export const SECRET: Printer = {
  columns: [NAME, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'integer', 'Data contains the secret data.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), str(o['type']), Object.keys(obj(o['data'])).length, ageOf(o, now)] }),
};

export const SERVICEACCOUNT: Printer = {
  columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  row: (o, now) => ({ cells: [nameOf(o), list(o['secrets']).length, ageOf(o, now)] }),
};
