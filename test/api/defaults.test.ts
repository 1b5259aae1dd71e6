import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { applyDefaults, applyPodSpecDefaults, podTemplateHash, safeEncodeString, imageTag, defaultImagePullPolicy } from '../../src/api/defaults.js';
import { validateObject } from '../../src/api/validation.js';
import type { AnyObject, Deployment, KubeObject, Pod, Service } from '../../src/api/types.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
}

const bare = (): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    containers: [
      { name: 'app', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } }, readinessProbe: { httpGet: { port: 80 } } },
      { name: 'side', image: 'registry.local:5000/tools@sha256:abc' },
    ],
  },
});

describe('pods', () => {
  it('fills the fields real Kubernetes fills', () => {
    const p = applyDefaults(deepFreeze(bare()));
    const spec = p.spec!;
    expect(spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
    expect(spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const [app, side] = spec.containers;
    expect(app).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(app!.ports![0]!.protocol).toBe('TCP');
    expect(app!.resources).toEqual({ limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    expect(app!.readinessProbe).toEqual({ httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(side).toMatchObject({ imagePullPolicy: 'IfNotPresent', resources: {} });
  });
  it('never mutates the input and returns a fresh copy', () => {
    const input = bare();
    const before = JSON.stringify(input);
    const out = applyDefaults(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(out.spec).not.toBe(input.spec);
    expect(out.metadata).not.toBe(input.metadata);
  });
  it('keeps existing values and existing NoExecute tolerations', () => {
    const p = bare();
    p.spec!.restartPolicy = 'Never';
    p.spec!.tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }];
    p.spec!.serviceAccountName = 'builder';
    const out = applyDefaults(p);
    expect(out.spec!.restartPolicy).toBe('Never');
    expect(out.spec!.serviceAccount).toBe('builder');
    expect(out.spec!.tolerations!.map((t) => [t.key, t.tolerationSeconds])).toEqual([
      ['node.kubernetes.io/not-ready', 5],
      ['node.kubernetes.io/unreachable', 300],
    ]);
    const tolerateAll = bare();
    tolerateAll.spec!.tolerations = [{ operator: 'Exists' }];
    expect(applyDefaults(tolerateAll).spec!.tolerations).toEqual([{ operator: 'Exists' }]);
  });
  it('keeps podIP and podIPs in step', () => {
    const p = { ...bare(), status: { podIP: '10.244.0.5', hostIP: '172.18.0.2' } };
    expect(applyDefaults(p).status).toEqual({ podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], hostIP: '172.18.0.2', hostIPs: [{ ip: '172.18.0.2' }] });
    const q: Pod = { ...bare(), status: { podIPs: [{ ip: '10.0.0.1' }] } };
    expect(applyDefaults(q).status!.podIP).toBe('10.0.0.1');
  });
  it('defaulted pods are valid, and defaulting is idempotent', () => {
    const once = applyDefaults(bare());
    expect(applyDefaults(once)).toEqual(once);
    expect(validateObject(once, { operation: 'create', fieldValidation: 'Strict' })).toEqual({ causes: [], warnings: [], unknownFields: [] });
  });
  it('uses the given type for bodies without apiVersion/kind', () => {
    const body = { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'b:1' }] } };
    expect((applyDefaults(body as KubeObject, { apiVersion: 'v1', kind: 'Pod' }) as AnyObject)['spec']).toMatchObject({ restartPolicy: 'Always' });
  });
});

describe('image pull policy', () => {
  it('follows the tag', () => {
    expect(imageTag('nginx')).toBe('latest');
    expect(imageTag('nginx:1.25')).toBe('1.25');
    expect(imageTag('localhost:5000/app')).toBe('latest');
    expect(imageTag('localhost:5000/app:v2')).toBe('v2');
    expect(imageTag('app@sha256:deadbeef')).toBe('');
    expect(defaultImagePullPolicy('nginx:latest')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:1.25')).toBe('IfNotPresent');
    expect(defaultImagePullPolicy('app@sha256:deadbeef')).toBe('IfNotPresent');
  });
});

describe('workloads', () => {
  const dep = (): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } } },
  });
  it('deployments get replicas, strategy, history and deadline, and template defaults', () => {
    const d = applyDefaults(deepFreeze(dep()));
    expect(d.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    const t = d.spec!.template.spec!;
    expect(t).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} });
    expect(t.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File', resources: {} });
    // Pod-only defaults are not applied to templates.
    expect(t.tolerations).toBeUndefined();
    expect(t.enableServiceLinks).toBeUndefined();
    expect(t.serviceAccountName).toBeUndefined();
  });
  it('Recreate gets no rollingUpdate', () => {
    const d = dep();
    d.spec!.strategy = { type: 'Recreate' };
    expect(applyDefaults(d).spec!.strategy).toEqual({ type: 'Recreate' });
  });
  it('replicasets get one replica', () => {
    const rs = { ...dep(), kind: 'ReplicaSet' };
    expect((applyDefaults(rs) as AnyObject)['spec']).toMatchObject({ replicas: 1 });
    expect(((applyDefaults(rs) as AnyObject)['spec'] as AnyObject)['strategy']).toBeUndefined();
  });
  it('applyPodSpecDefaults works on a bare spec', () => {
    expect(applyPodSpecDefaults({ containers: [{ name: 'a', image: 'b' }] })).toMatchObject({ restartPolicy: 'Always', containers: [{ imagePullPolicy: 'Always' }] });
  });
});

describe('services, namespaces, nodes, secrets, bindings', () => {
  it('services', () => {
    const s: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: { ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'UDP' }] } };
    const out = applyDefaults(s).spec!;
    expect(out).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] });
    expect(out.ports).toEqual([
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 443, targetPort: 'https', protocol: 'UDP' },
    ]);
    const np = applyDefaults({ ...s, spec: { ...s.spec, type: 'LoadBalancer', sessionAffinity: 'ClientIP' } }).spec;
    expect(np).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } });
  });
  it('namespaces', () => {
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });
  it('nodes', () => {
    const n = applyDefaults({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: { cpu: '4', pods: '110' } } } as KubeObject) as AnyObject;
    expect(n['spec']).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    expect((n['status'] as AnyObject)['allocatable']).toEqual({ cpu: '4', pods: '110' });
  });
  it('secrets merge stringData into base64 data', () => {
    const s = applyDefaults({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { user: 'admin', note: 'héllo' }, data: { a: 'YQ==' } } as KubeObject) as AnyObject;
    expect(s).toMatchObject({ type: 'Opaque', data: { a: 'YQ==', user: 'YWRtaW4=', note: 'aMOpbGxv' } });
    expect(s['stringData']).toBeUndefined();
  });
  it('bindings default subject and roleRef apiGroups', () => {
    const b = applyDefaults({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b' },
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'd' }],
    } as KubeObject) as AnyObject;
    expect(b['roleRef']).toEqual({ kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' });
    expect(b['subjects']).toEqual([
      { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'sa', namespace: 'd', apiGroup: '' },
    ]);
  });
  it('other kinds are copied unchanged', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } } as KubeObject;
    const out = applyDefaults(cm);
    expect(out).toEqual(cm);
    expect(out).not.toBe(cm);
  });
});

describe('podTemplateHash', () => {
  const template = () => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } });
  it('renders like Kubernetes (safe-encoded decimal FNV-32a)', () => {
    const h = podTemplateHash(template());
    expect(h).toMatch(/^[456789bcdf]{1,10}$/);
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });
  it('equal templates hash equal, regardless of key order', () => {
    const a = template();
    const b = { spec: { containers: [{ image: 'nginx:1.25', name: 'app' }] }, metadata: { labels: { app: 'web' } } };
    expect(podTemplateHash(a)).toBe(podTemplateHash(b));
  });
  it('different templates and collision counts hash differently', () => {
    const b = template();
    b.spec.containers[0]!.image = 'nginx:1.26';
    expect(podTemplateHash(b)).not.toBe(podTemplateHash(template()));
    expect(podTemplateHash(template(), 1)).not.toBe(podTemplateHash(template()));
    expect(podTemplateHash(template(), 1)).not.toBe(podTemplateHash(template(), 2));
  });
  test.prop([fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,8}:[0-9]{1,3}$/), { minLength: 2, maxLength: 2 })])('images that differ give hashes that differ', ([i1, i2]) => {
    const t1 = { spec: { containers: [{ name: 'a', image: i1 }] } };
    const t2 = { spec: { containers: [{ name: 'a', image: i2 }] } };
    expect(podTemplateHash(t1)).toBe(podTemplateHash(JSON.parse(JSON.stringify(t1))));
    expect(podTemplateHash(t1)).not.toBe(podTemplateHash(t2));
  });
});

describe('hostNetwork ports (SetDefaults_Pod defaultHostNetworkPorts, after TestSetDefaultPodSpecHostNetwork)', () => {
  const spec = (hostPort?: number): AnyObject => ({
    hostNetwork: true,
    containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080, ...(hostPort === undefined ? {} : { hostPort }) }] }],
    initContainers: [{ name: 'init', image: 'busybox', ports: [{ containerPort: 8080 }] }],
  });
  it('a Pod with hostNetwork gets hostPort = containerPort on its containers and init containers', () => {
    const p = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: spec() } as unknown as Pod);
    expect(p.spec!.containers[0]!.ports![0]!.hostPort).toBe(8080);
    expect(p.spec!.initContainers![0]!.ports![0]!.hostPort).toBe(8080);
  });
  it('a hostPort set (or set to 0) is kept or defaulted: only 0 and unset become the containerPort', () => {
    const kept = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: spec(9090) } as unknown as Pod);
    expect(kept.spec!.containers[0]!.ports![0]!.hostPort).toBe(9090);
    const zero = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: spec(0) } as unknown as Pod);
    expect(zero.spec!.containers[0]!.ports![0]!.hostPort).toBe(8080);
  });
  it('without hostNetwork nothing is defaulted', () => {
    const p = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { ...spec(), hostNetwork: false } } as unknown as Pod);
    expect(p.spec!.containers[0]!.ports![0]!.hostPort).toBeUndefined();
  });
  it('pod templates (Deployment, DaemonSet, Job) keep hostPort unset, as since v1.28 (DefaultHostNetworkHostPortsInPodTemplates off, removed in v1.31)', () => {
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['apps/v1', 'DaemonSet'], ['batch/v1', 'Job']] as const) {
      const o = applyDefaults({
        apiVersion,
        kind,
        metadata: { name: 'x', namespace: 'default' },
        spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { ...spec(), restartPolicy: kind === 'Job' ? 'Never' : 'Always' } } },
      } as unknown as KubeObject) as unknown as { spec: { template: { spec: Pod['spec'] } } };
      expect(o.spec.template.spec!.containers[0]!.ports![0]!.hostPort, kind).toBeUndefined();
    }
  });
});
