import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { formatAge, ageSince, formatLabels, type Table } from '../../src/api/printers-common.js';
import { formatLabelSelector } from '../../src/api/label-selector.js';
import { podStatusColumns, nodeStatus, nodeRoles, formatEndpoints, servicePorts } from '../../src/api/printers-core.js';
import { printTable, renderTable, columnDefinitions } from '../../src/api/printers.js';
import { findResource } from '../../src/api/resources.js';
import type { AnyObject, KubeObject, Pod } from '../../src/api/types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('formatAge (HumanDuration)', () => {
  it.each([
    [0, '0s'],
    [45 * S, '45s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [5 * M + 10 * S, '5m10s'],
    [10 * M + 59 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 20 * M, '5h20m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [51 * H, '2d3h'],
    [7 * D, '7d'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [729 * D, '729d'],
    [730 * D + 45 * D, '2y45d'],
    [3 * 365 * D, '3y'],
    [9 * 365 * D, '9y'],
    [-1500, '0s'],
    [-2 * S, '<invalid>'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
  const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, y: 365 * 86400 };
  test.prop([fc.integer({ min: 0, max: 20 * 365 * 86400 * 1000 })])('never overstates, and is exact to its last unit', (ms) => {
    const text = formatAge(ms);
    const parts = [...text.matchAll(/(\d+)([smhdy])/g)];
    expect(parts.map((p) => p[0]).join('')).toBe(text);
    const shown = parts.reduce((acc, p) => acc + Number(p[1]) * UNIT[p[2]!]!, 0);
    const actual = Math.trunc(ms / 1000);
    expect(shown).toBeLessThanOrEqual(actual);
    expect(actual - shown).toBeLessThan(UNIT[parts[parts.length - 1]![2]!]!);
  });
  it('ageSince', () => {
    expect(ageSince(ago(90 * S), NOW)).toBe('90s');
    expect(ageSince(undefined, NOW)).toBe('<unknown>');
  });
});

function pod(name: string, status: AnyObject, spec: AnyObject = {}, meta: AnyObject = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: ago(5 * M), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  } as Pod;
}
const running = (ready = true, restartCount = 0) => ({ name: 'app', ready, restartCount, image: 'nginx', imageID: '', state: { running: { startedAt: ago(4 * M) } } });
const cols = (p: Pod) => podStatusColumns(p, NOW);

describe('pod STATUS, READY, RESTARTS as kubectl computes them', () => {
  it('pending, creating, running', () => {
    expect(cols(pod('a', { phase: 'Pending' }))).toEqual({ ready: '0/1', status: 'Pending', restarts: '0' });
    expect(cols(pod('a', { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] })).status).toBe(
      'ContainerCreating',
    );
    expect(cols(pod('a', { phase: 'Running', containerStatuses: [running()] }))).toEqual({ ready: '1/1', status: 'Running', restarts: '0' });
    expect(cols(pod('a', { phase: 'Running', containerStatuses: [running(false)] }))).toEqual({ ready: '0/1', status: 'Running', restarts: '0' });
  });
  it('CrashLoopBackOff with restarts and when the last one was', () => {
    const p = pod('a', {
      phase: 'Running',
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(2 * M) } } },
      ],
    });
    expect(cols(p)).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '3 (2m ago)' });
  });
  it('image pull errors and bare exit codes', () => {
    expect(cols(pod('a', { phase: 'Pending', containerStatuses: [{ name: 'app', restartCount: 0, ready: false, state: { waiting: { reason: 'ImagePullBackOff' } } }] })).status).toBe('ImagePullBackOff');
    expect(cols(pod('a', { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, ready: false, state: { terminated: { exitCode: 137 } } }] })).status).toBe('ExitCode:137');
    expect(cols(pod('a', { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, ready: false, state: { terminated: { exitCode: 0, signal: 9 } } }] })).status).toBe('Signal:9');
  });
  it('init containers', () => {
    const spec = { initContainers: [{ name: 'setup', image: 'busybox' }, { name: 'migrate', image: 'busybox' }] };
    const init = (...states: AnyObject[]) => states.map((state, i) => ({ name: ['setup', 'migrate'][i], ready: false, restartCount: 0, state }));
    expect(cols(pod('a', { phase: 'Pending', initContainerStatuses: init({ running: {} }, { waiting: { reason: 'PodInitializing' } }) }, spec)).status).toBe('Init:0/2');
    expect(cols(pod('a', { phase: 'Pending', initContainerStatuses: init({ terminated: { exitCode: 0 } }, { running: {} }) }, spec)).status).toBe('Init:1/2');
    expect(cols(pod('a', { phase: 'Pending', initContainerStatuses: init({ waiting: { reason: 'ImagePullBackOff' } }) }, spec)).status).toBe('Init:ImagePullBackOff');
    expect(cols(pod('a', { phase: 'Pending', initContainerStatuses: init({ terminated: { exitCode: 1, reason: 'Error' } }) }, spec)).status).toBe('Init:Error');
    expect(cols(pod('a', { phase: 'Pending', initContainerStatuses: init({ terminated: { exitCode: 2 } }) }, spec)).status).toBe('Init:ExitCode:2');
  });
  it('sidecars (restartable init containers) count as containers', () => {
    const spec = { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] };
    const p = pod(
      'a',
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * M) } } }],
        containerStatuses: [running()],
      },
      spec,
    );
    expect(cols(p)).toEqual({ ready: '2/2', status: 'Running', restarts: '1 (10m ago)' });
  });
  it('Completed, and Completed with a container still running', () => {
    const done = pod('a', { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
    expect(cols(done)).toEqual({ ready: '0/1', status: 'Completed', restarts: '0' });
    const mixed = pod(
      'a',
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }, running()],
      },
      { containers: [{ name: 'a', image: 'x' }, { name: 'app', image: 'y' }] },
    );
    expect(cols(mixed).status).toBe('NotReady');
  });
  it('Terminating and Unknown', () => {
    expect(cols(pod('a', { phase: 'Running', containerStatuses: [running()] }, {}, { deletionTimestamp: ago(S) })).status).toBe('Terminating');
    expect(cols(pod('a', { phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(S) })).status).toBe('Unknown');
    expect(cols(pod('a', { phase: 'Succeeded' }, {}, { deletionTimestamp: ago(S) })).status).toBe('Succeeded');
  });
  it('SchedulingGated', () => {
    expect(cols(pod('a', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })).status).toBe('SchedulingGated');
  });
});

describe('pod tables', () => {
  const pods = [
    pod('web-1', { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [running()] }, { nodeName: 'node-1' }),
    pod('db-0', { phase: 'Pending' }, {}, { creationTimestamp: ago(45 * S), namespace: 'data' }),
  ];
  it('is a meta.k8s.io/v1 Table with wide columns at priority 1 and PartialObjectMetadata rows', () => {
    const t = printTable(findResource('pods')!, pods, NOW, { resourceVersion: '42' });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '42' });
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
    expect(t.columnDefinitions[0]).toMatchObject({ type: 'string', format: 'name' });
    expect(t.rows[0]!.cells).toEqual(['web-1', '1/1', 'Running', '0', '5m', '10.244.1.5', 'node-1', '<none>', '<none>']);
    expect(t.rows[1]!.cells).toEqual(['db-0', '0/1', 'Pending', '0', '45s', '<none>', '<none>', '<none>', '<none>']);
    expect(t.rows[1]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pods[1]!.metadata });
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });
  it('includeObject and noHeaders', () => {
    expect(printTable(findResource('pods')!, pods, NOW, { includeObject: 'Object' }).rows[0]!.object).toBe(pods[0]);
    expect(printTable(findResource('pods')!, pods, NOW, { includeObject: 'None' }).rows[0]!.object).toBeUndefined();
    expect(printTable(findResource('pods')!, pods, NOW, { noHeaders: true }).columnDefinitions).toEqual([]);
  });
  it('marks finished pods with a Completed row condition', () => {
    const t = printTable(findResource('pods')!, [pod('j', { phase: 'Succeeded' })], NOW);
    expect(t.rows[0]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });
  it('renders exactly as kubectl prints', () => {
    const t = printTable(findResource('pods')!, pods, NOW);
    expect(renderTable(t)).toBe(['NAME    READY   STATUS    RESTARTS   AGE', 'web-1   1/1     Running   0          5m', 'db-0    0/1     Pending   0          45s', ''].join('\n'));
    expect(renderTable(t, { wide: true, showNamespace: true })).toBe(
      [
        'NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES',
        'default     web-1   1/1     Running   0          5m    10.244.1.5   node-1   <none>           <none>',
        'data        db-0    0/1     Pending   0          45s   <none>       <none>   <none>           <none>',
        '',
      ].join('\n'),
    );
    expect(renderTable(t, { noHeaders: true })).toBe(['web-1   1/1   Running   0     5m', 'db-0    0/1   Pending   0     45s', ''].join('\n'));
    expect(renderTable(printTable(findResource('pods')!, [], NOW))).toBe('');
  });
  it('pads to at least six columns, truncates multi-line cells', () => {
    const t: Table = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {},
      columnDefinitions: [
        { name: 'A', type: 'string', format: '', description: '', priority: 0 },
        { name: 'B', type: 'string', format: '', description: '', priority: 0 },
        { name: 'C', type: 'string', format: '', description: '', priority: 0 },
      ],
      rows: [{ cells: ['x', 'line1\nline2', null] }, { cells: ['ü', 3, 'z'] }],
    };
    expect(renderTable(t)).toBe(['A     B          C', 'x     line1...   ', 'ü     3          z', ''].join('\n'));
  });
});

describe('nodes', () => {
  const node = (conditions: AnyObject[], extra: AnyObject = {}, labels: Record<string, string> = {}) =>
    ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', creationTimestamp: ago(3 * D), labels },
      spec: extra,
      status: {
        conditions,
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'node-1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
      },
    }) as KubeObject;
  it('status and roles', () => {
    expect(nodeStatus(node([{ type: 'Ready', status: 'True' }]))).toBe('Ready');
    expect(nodeStatus(node([{ type: 'Ready', status: 'False' }]))).toBe('NotReady');
    expect(nodeStatus(node([{ type: 'Ready', status: 'Unknown' }]))).toBe('NotReady');
    expect(nodeStatus(node([]))).toBe('Unknown');
    expect(nodeStatus(node([{ type: 'Ready', status: 'True' }], { unschedulable: true }))).toBe('Ready,SchedulingDisabled');
    expect(nodeRoles(node([], {}, { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'infra' }))).toEqual([
      'control-plane',
      'infra',
      'worker',
    ]);
  });
  it('rows', () => {
    const t = printTable(findResource('nodes')!, [node([{ type: 'Ready', status: 'True' }], {}, { 'node-role.kubernetes.io/control-plane': '' })], NOW);
    expect(t.rows[0]!.cells).toEqual(['node-1', 'Ready', 'control-plane', '3d', 'v1.32.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'containerd://1.7.0']);
    expect(renderTable(t)).toBe(['NAME     STATUS   ROLES           AGE   VERSION', 'node-1   Ready    control-plane   3d    v1.32.0', ''].join('\n'));
    expect(printTable(findResource('nodes')!, [node([])], NOW).rows[0]!.cells[2]).toBe('<none>');
  });
});

describe('workloads', () => {
  it('deployments', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(2 * H) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'api'] }] },
        template: { spec: { containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'log', image: 'fluentbit' }] } },
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    } as KubeObject;
    const t = printTable(findResource('deploy')!, [d], NOW);
    expect(t.rows[0]!.cells).toEqual(['web', '2/3', 3, 2, '120m', 'app,log', 'nginx:1.25,fluentbit', 'app=web,tier in (api,fe)']);
    expect(renderTable(t)).toBe(['NAME   READY   UP-TO-DATE   AVAILABLE   AGE', 'web    2/3     3            2           120m', ''].join('\n'));
  });
  it('print selectors as kube printers.go does: FormatLabelSelector, and the selector string for deployments', () => {
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', creationTimestamp: ago(M) }, spec: { replicas: 1, selector: { matchExpressions: [{ key: 'b', operator: 'Exists' }, { key: 'a', operator: 'NotIn', values: ['y', 'x'] }] } }, status: {} } as KubeObject;
    expect(printTable(findResource('rs')!, [rs], NOW).rows[0]!.cells[7]).toBe('a notin (x,y),b');
    // printNetworkPolicy: FormatLabelSelector(&spec.podSelector), `<none>` for the empty selector that selects every pod
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'default', creationTimestamp: ago(M) }, spec: { podSelector: {} } } as KubeObject;
    expect(printTable(findResource('networkpolicies')!, [np], NOW).rows[0]!.cells).toEqual(['deny-all', '<none>', '60s']);
    // printCronJob: FormatLabelSelector(jobTemplate.spec.selector), `<none>` when the template has none
    const cj = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default', creationTimestamp: ago(M) }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } }, status: {} } as KubeObject;
    expect(printTable(findResource('cronjobs')!, [cj], NOW).rows[0]!.cells.at(-1)).toBe('<none>');
  });
  it('replicasets', () => {
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-7d4b9c8f5d', creationTimestamp: ago(M) }, spec: { replicas: 2 }, status: { replicas: 2, readyReplicas: 1 } } as KubeObject;
    expect(printTable(findResource('rs')!, [rs], NOW).rows[0]!.cells.slice(0, 5)).toEqual(['web-7d4b9c8f5d', 2, 2, 1, '60s']);
    expect(columnDefinitions(findResource('rs')!).map((c) => c.name)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
  });
  it('selectors', () => {
    expect(formatLabelSelector({ matchExpressions: [{ key: 'b', operator: 'Exists' }, { key: 'a', operator: 'DoesNotExist' }, { key: 'c', operator: 'NotIn', values: ['y', 'x'] }] })).toBe(
      '!a,b,c notin (x,y)',
    );
    // metav1.FormatLabelSelector: `<none>` for a missing or empty selector
    expect(formatLabelSelector(undefined)).toBe('<none>');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels({})).toBe('<none>');
  });
});

describe('services, endpoints, namespaces, events and the rest', () => {
  const svc = (spec: AnyObject, status: AnyObject = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', creationTimestamp: ago(D) }, spec, status }) as KubeObject;
  it('services', () => {
    const cells = (s: KubeObject) => printTable(findResource('svc')!, [s], NOW).rows[0]!.cells;
    expect(cells(svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k8s: 'dns' } }))).toEqual([
      's',
      'ClusterIP',
      '10.96.0.10',
      '<none>',
      '53/UDP,53/TCP',
      '24h',
      'k8s=dns',
    ]);
    expect(cells(svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] })).slice(3, 5)).toEqual(['<none>', '80:30080/TCP']);
    expect(cells(svc({ type: 'LoadBalancer', ports: [] }))[3]).toBe('<pending>');
    expect(cells(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example.com' }] } }))[3]).toBe('1.2.3.4,lb.example.com');
    expect(cells(svc({ type: 'ExternalName', externalName: 'db.example.com' })).slice(2, 5)).toEqual(['<none>', 'db.example.com', '<none>']);
    expect(servicePorts([{ port: 443, protocol: 'TCP' }])).toBe('443/TCP');
  });
  it('endpoints', () => {
    const ep = (subsets: AnyObject[]) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e' }, subsets }) as KubeObject;
    expect(formatEndpoints(ep([]))).toBe('<none>');
    expect(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80');
    expect(formatEndpoints(ep([{ addresses: [1, 2, 3, 4, 5].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 8080 }] }]))).toBe('10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...');
    expect(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.9' }] }]))).toBe('10.0.0.9');
  });
  it('namespaces', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', creationTimestamp: ago(10 * D) }, status: { phase: 'Active' } } as KubeObject;
    expect(renderTable(printTable(findResource('ns')!, [ns], NOW))).toBe('NAME          STATUS   AGE\nkube-system   Active   10d\n');
  });
  it('events', () => {
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled',
      message: 'Successfully pulled image "nginx"\n',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(30 * S),
      count: 4,
    } as KubeObject;
    const t = printTable(findResource('events')!, [ev], NOW);
    expect(t.rows[0]!.cells).toEqual(['30s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 4, 'web.17a']);
    expect(renderTable(t)).toBe('LAST SEEN   TYPE     REASON   OBJECT    MESSAGE\n30s         Normal   Pulled   pod/web   Successfully pulled image "nginx"\n');
    const series = { ...ev, series: { count: 9, lastObservedTime: ago(5 * S) }, firstTimestamp: undefined, lastTimestamp: undefined, eventTime: ago(H) } as KubeObject;
    const c = printTable(findResource('events')!, [series], NOW).rows[0]!.cells;
    expect([c[0], c[7], c[8]]).toEqual(['5s', '60m', 9]);
  });
  it('leases, configmaps, secrets, serviceaccounts, roles, bindings', () => {
    const row = (plural: string, o: AnyObject) => printTable(findResource(plural)!, [{ metadata: { name: 'x', creationTimestamp: ago(M) }, ...o }], NOW).rows[0]!.cells;
    expect(row('leases', { spec: { holderIdentity: 'node-1' } })).toEqual(['x', 'node-1', '60s']);
    expect(row('configmaps', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })).toEqual(['x', 3, '60s']);
    expect(row('secrets', { type: 'Opaque', data: { a: 'YQ==' } })).toEqual(['x', 'Opaque', 1, '60s']);
    expect(row('serviceaccounts', {})).toEqual(['x', 0, '60s']);
    expect(row('clusterroles', {})).toEqual(['x', ago(M)]);
    expect(
      row('rolebindings', {
        roleRef: { kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'build' }, { kind: 'User', name: 'bob' }],
      }),
    ).toEqual(['x', 'ClusterRole/view', '60s', 'jane, bob', 'devs', 'build/ci']);
  });
  it('unknown resources get NAME and AGE', () => {
    const t = printTable({ plural: 'widgets' }, [{ metadata: { name: 'w', creationTimestamp: ago(2 * D) } }], NOW);
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(t.rows[0]!.cells).toEqual(['w', '2d']);
  });
});
