import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { validateObject, validationStatus, unknownFieldsStatus } from '../../src/api/validation.js';
import { findUnknownFields, pruneUnknownFields } from '../../src/api/validation-schema.js';
import type { AnyObject, KubeObject } from '../../src/api/types.js';
import { findResource } from '../../src/api/resources.js';

const create = (obj: unknown, fieldValidation: 'Strict' | 'Warn' | 'Ignore' = 'Strict') =>
  validateObject(obj as KubeObject, { operation: 'create', fieldValidation });
const update = (obj: unknown, old: unknown, subresource?: string) =>
  validateObject(obj as KubeObject, { operation: 'update', old: old as KubeObject, fieldValidation: 'Strict', subresource });
const fields = (r: { causes: { field?: string }[] }) => r.causes.map((c) => c.field);
const messages = (r: { causes: { field?: string; message?: string }[] }) => r.causes.map((c) => `${c.field}: ${c.message}`);

function pod(overrides: AnyObject = {}, spec: AnyObject = {}): AnyObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], restartPolicy: 'Always', ...spec },
    ...overrides,
  };
}

function deployment(spec: AnyObject = {}): AnyObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...spec,
    },
  };
}

describe('pods', () => {
  it('accepts a well-formed pod', () => {
    expect(create(pod())).toEqual({ causes: [], warnings: [], unknownFields: [] });
  });
  it('requires a name unless generateName is given', () => {
    const noName = pod({ metadata: { namespace: 'default' } });
    expect(messages(create(noName))).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(create(pod({ metadata: { generateName: 'web-', namespace: 'default' } })).causes).toEqual([]);
    expect(fields(create(pod({ metadata: { generateName: 'Web_', namespace: 'default' } })))).toEqual(['metadata.generateName']);
  });
  it('requires a namespace for namespaced kinds', () => {
    expect(messages(create(pod({ metadata: { name: 'x' } })))).toEqual(['metadata.namespace: Required value']);
  });
  it('builds the real message for missing and empty containers', () => {
    const p = pod({}, { containers: [] });
    const r = create(p);
    expect(r.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
    expect(validationStatus(p, r).message).toBe('Pod "web" is invalid: spec.containers: Required value');
    const missing = pod();
    delete (missing['spec'] as AnyObject)['containers'];
    expect(fields(create(missing))).toEqual(['spec.containers']);
  });
  it('checks container names: required, DNS label, unique across init and app containers', () => {
    const r = create(
      pod({}, {
        initContainers: [{ name: 'setup', image: 'busybox' }],
        containers: [{ name: 'setup', image: 'a' }, { name: 'App', image: 'b' }, { image: 'c' }],
      }),
    );
    expect(messages(r)).toEqual([
      'spec.containers[1].name: Invalid value: "App": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
      'spec.containers[2].name: Required value',
      'spec.initContainers[0].name: Duplicate value: "setup"',
    ]);
    expect(r.causes.find((c) => c.field === 'spec.initContainers[0].name')!.reason).toBe('FieldValueDuplicate');
  });
  it('native sidecars: restartPolicy only on init containers and only Always; probes and lifecycle only on sidecars among init containers', () => {
    const r = create(
      pod({}, {
        initContainers: [
          { name: 'proxy', image: 'envoy', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 80 } } },
          { name: 'once', image: 'busybox', restartPolicy: 'OnFailure' },
          { name: 'setup', image: 'busybox', livenessProbe: { exec: { command: ['true'] } }, lifecycle: { postStart: { exec: { command: ['true'] } } } },
        ],
        containers: [{ name: 'app', image: 'nginx', restartPolicy: 'Always' }],
      }),
    );
    expect(messages(r)).toEqual([
      'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
      'spec.initContainers[1].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
      'spec.initContainers[2].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[2].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    ]);
    expect(messages(create(pod({}, { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 80 } } }] })))).toEqual([]);
  });
  it('lifecycle hooks: one handler each, exec with a command, sleep within the grace period', () => {
    const r = create(
      pod({}, {
        terminationGracePeriodSeconds: 20,
        containers: [
          { name: 'a', image: 'x', lifecycle: { postStart: {}, preStop: { exec: { command: [] } } } },
          { name: 'b', image: 'x', lifecycle: { postStart: { exec: { command: ['true'] }, httpGet: { port: 80 } }, preStop: { sleep: { seconds: 25 } } } },
          { name: 'c', image: 'x', lifecycle: { postStart: { httpGet: { path: '/', port: 80 } }, preStop: { sleep: { seconds: 5 } } } },
        ],
      }),
    );
    expect(messages(r)).toEqual([
      'spec.containers[0].lifecycle.postStart: Required value: must specify a handler type',
      'spec.containers[0].lifecycle.preStop.exec.command: Required value',
      'spec.containers[1].lifecycle.postStart.httpGet: Forbidden: may not specify more than 1 handler type',
      'spec.containers[1].lifecycle.preStop.sleep: Invalid value: 25: must be greater than 0 and less than terminationGracePeriodSeconds (20)',
    ]);
  });
  it('requires an image', () => {
    expect(messages(create(pod({}, { containers: [{ name: 'a' }] })))).toEqual(['spec.containers[0].image: Required value']);
  });
  it('checks resource quantities', () => {
    const r = create(
      pod({}, {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } } },
          { name: 'b', image: 'x', resources: { limits: { cpu: '-1' }, requests: { memory: 'lots', gpu: '1' } } },
        ],
      }),
    );
    expect(messages(r)).toEqual([
      'spec.containers[1].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.containers[1].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.containers[1].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]);
  });
  it('checks restartPolicy, dnsPolicy, ports and tolerations', () => {
    const r = create(
      pod({}, {
        restartPolicy: 'Sometimes',
        dnsPolicy: 'Weird',
        containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 0 }, { containerPort: 80, protocol: 'HTTP' }] }],
        tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { key: 'k2', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 5 }],
      }),
    );
    expect(messages(r)).toEqual([
      'spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Weird": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      'spec.tolerations[0].operator: Invalid value: core.Toleration{Key:"k", Operator:"Exists", Value:"v", Effect:"", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is \'Exists\'',
      "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]);
  });
  it('checks labels and annotations', () => {
    const r = create(pod({ metadata: { name: 'x', namespace: 'd', labels: { 'bad key!': 'ok', good: 'bad value!' }, annotations: { 'a/b/c': 'x' } } }));
    expect(fields(r)).toEqual(['metadata.labels', 'metadata.labels', 'metadata.annotations']);
    expect(r.causes[1]!.message).toMatch(/^Invalid value: "bad value!": a valid label must be an empty string/);
  });
  it('turns schema errors into typed causes with dotted paths', () => {
    const r = create(pod({}, { containers: [{ name: 'a', image: 3, ports: [{ containerPort: '80' }] }], nodeSelector: { zone: 5 } }));
    expect(r.causes).toContainEqual({
      reason: 'FieldValueTypeInvalid',
      message: 'Invalid value: "integer": spec.containers[0].image in body must be of type string: "integer"',
      field: 'spec.containers[0].image',
    });
    expect(fields(r)).toContain('spec.containers[0].ports[0].containerPort');
    expect(fields(r)).toContain('spec.nodeSelector[zone]');
  });
});

describe('deployments and replicasets', () => {
  it('accepts a well-formed deployment', () => {
    expect(create(deployment()).causes).toEqual([]);
  });
  it('reports a selector that does not match the template labels exactly as real', () => {
    const d = deployment({ selector: { matchLabels: { app: 'other' } } });
    const r = create(d);
    expect(messages(r)).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
    expect(validationStatus(d, r).message).toBe(
      'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    );
  });
  it('requires a non-empty selector and non-negative replicas', () => {
    const d = deployment({ replicas: -1 });
    delete (d['spec'] as AnyObject)['selector'];
    // a nil selector converts to labels.Nothing(), which matches no template (as the real server answers)
    expect(messages(create(d))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(messages(create(deployment({ selector: {} })))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  it('matches selectors with expressions', () => {
    expect(create(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } })).causes).toEqual([]);
    expect(fields(create(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } })))).toEqual([
      'spec.template.metadata.labels',
    ]);
    expect(fields(create(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } })))).toContain('spec.selector.matchExpressions[0].values');
  });
  it('checks strategies', () => {
    expect(messages(create(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } })))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    ]);
    expect(messages(create(deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(fields(create(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots', maxUnavailable: '150%' } } })))).toEqual([
      'spec.strategy.rollingUpdate.maxSurge',
      'spec.strategy.rollingUpdate.maxUnavailable',
    ]);
    expect(messages(create(deployment({ strategy: { type: 'BlueGreen' } })))).toEqual([
      'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    ]);
  });
  it('requires restartPolicy Always in templates', () => {
    const d = deployment();
    ((d['spec'] as AnyObject)['template'] as { spec: AnyObject }).spec['restartPolicy'] = 'Never';
    expect(messages(create(d))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });
  it('reports a replicas type error from the schema', () => {
    const r = create(deployment({ replicas: 'three' }));
    expect(r.causes[0]).toEqual({
      reason: 'FieldValueTypeInvalid',
      message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      field: 'spec.replicas',
    });
  });
  it('validates replicasets like deployments', () => {
    const rs: AnyObject = { ...deployment(), kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default' } };
    delete (rs['spec'] as AnyObject)['strategy'];
    expect(create(rs).causes).toEqual([]);
    expect(fields(create({ ...rs, spec: { ...(rs['spec'] as AnyObject), replicas: -2 } }))).toEqual(['spec.replicas']);
  });
  it('keeps the selector immutable on update', () => {
    const old = deployment();
    const next = deployment({ selector: { matchLabels: { app: 'web', v: '2' } }, template: { metadata: { labels: { app: 'web', v: '2' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } });
    expect(messages(update(next, old))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    expect(update(deployment({ replicas: 10 }), old).causes).toEqual([]);
  });
});

describe('services, nodes, namespaces, leases and the rest', () => {
  const svc = (spec: AnyObject, name = 'web') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
  it('services: DNS-1035 names, ports and names', () => {
    expect(create(svc({ ports: [{ port: 80 }], selector: { app: 'web' } })).causes).toEqual([]);
    expect(fields(create(svc({ ports: [{ port: 80 }] }, '1web')))).toEqual(['metadata.name']);
    expect(messages(create(svc({})))).toEqual(['spec.ports: Required value']);
    expect(create(svc({ clusterIP: 'None' })).causes).toEqual([]);
    expect(messages(create(svc({ ports: [{ port: 70000, name: 'a' }, { port: 81 }, { port: 82, name: 'a' }] })))).toEqual([
      'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[1].name: Required value',
      'spec.ports[2].name: Duplicate value: "a"',
    ]);
    expect(fields(create(svc({ type: 'ExternalName' })))).toEqual(['spec.externalName']);
    expect(messages(create(svc({ ports: [{ port: 80, nodePort: 30080 }] })))).toEqual(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  });
  it('services: clusterIP may not change once set', () => {
    const old = svc({ ports: [{ port: 80 }], clusterIP: '10.96.0.10' });
    expect(messages(update(svc({ ports: [{ port: 80 }], clusterIP: '10.96.0.11' }), old))).toEqual([
      'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set',
    ]);
  });
  it('nodes: taints, CIDRs, names', () => {
    const node = (spec: AnyObject) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec });
    expect(create(node({ podCIDR: '10.244.1.0/24', taints: [{ key: 'a', effect: 'NoSchedule' }] })).causes).toEqual([]);
    expect(messages(create(node({ podCIDR: 'nope', taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b' }] })))).toEqual([
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'spec.taints[1].effect: Required value',
      'spec.podCIDR: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
    expect(fields(create(node({ taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoSchedule' }] })))).toEqual(['spec.taints[1]']);
    expect(messages(update(node({ podCIDR: '10.0.2.0/24' }), node({ podCIDR: '10.0.1.0/24' })))).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
  });
  it('namespaces: DNS label names and finalizers', () => {
    const ns = (name: string, finalizers?: string[]) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: finalizers ? { finalizers } : undefined });
    expect(create(ns('team-a', ['kubernetes'])).causes).toEqual([]);
    expect(messages(create(ns('a.b')))).toEqual(['metadata.name: Invalid value: "a.b": must not contain dots']);
    expect(messages(create(ns('x', ['custom'])))).toEqual([
      'spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
  it('leases', () => {
    const lease = (spec: AnyObject) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec });
    expect(create(lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40 })).causes).toEqual([]);
    expect(messages(create(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })))).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
  it('configmaps, secrets and immutability', () => {
    const cm = (data: AnyObject, immutable?: boolean) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data, immutable });
    expect(create(cm({ 'app.conf': 'x' })).causes).toEqual([]);
    expect(fields(create(cm({ 'bad key': 'x' })))).toEqual(['data[bad key]']);
    expect(messages(update(cm({ a: '2' }, true), cm({ a: '1' }, true)))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    const secret = (type: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type, data: { a: 'YQ==' } });
    expect(messages(update(secret('kubernetes.io/tls'), secret('Opaque')))).toEqual(['type: Invalid value: "kubernetes.io/tls": field is immutable']);
  });
  it('rbac', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'd' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { verbs: [] }] };
    expect(messages(create(role))).toEqual([
      'rules[1].verbs: Required value: verbs must contain at least one value',
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
    ]);
    const crb = (roleRef: AnyObject) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:b' },
      roleRef,
      subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
    });
    expect(messages(create(crb({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' })))).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
    const good = crb({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' });
    (good.subjects[0] as AnyObject)['namespace'] = 'kube-system';
    expect(create(good).causes).toEqual([]);
    expect(fields(update(crb({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'y' }), good))).toContain('roleRef');
  });
  it('events: namespaces must agree', () => {
    const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'a' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'b' }, type: 'Normal' };
    expect(messages(create(ev))).toEqual(['involvedObject.namespace: Invalid value: "b": does not match event.namespace']);
  });
  it('unknown kinds are reported', () => {
    expect(create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).causes).toHaveLength(1);
  });
  it('objects without apiVersion/kind validate against the given resource', () => {
    const body = { metadata: { name: 'x', namespace: 'd' }, spec: { containers: [{ name: 'a', image: 'b' }] } };
    expect(validateObject(body, { operation: 'create', resource: findResource('pods') }).causes).toEqual([]);
  });
});

describe('pod updates', () => {
  const bound = () => pod({}, { nodeName: 'node-1', tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], activeDeadlineSeconds: 100 });
  it('allows images, label changes, added tolerations, shorter deadlines and tolerationSeconds changes', () => {
    const next = bound();
    (next['spec'] as { containers: AnyObject[] }).containers[0]!['image'] = 'nginx:1.26';
    next.metadata = { ...next.metadata!, labels: { app: 'web', extra: 'x' } };
    (next['spec'] as AnyObject)['tolerations'] = [
      { key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      { key: 'b', operator: 'Exists' },
    ];
    (next['spec'] as AnyObject)['activeDeadlineSeconds'] = 50;
    expect(update(next, bound()).causes).toEqual([]);
  });
  it('forbids other spec changes with the real message', () => {
    const next = bound();
    (next['spec'] as AnyObject)['nodeName'] = 'node-2';
    const r = update(next, bound());
    expect(r.causes).toHaveLength(1);
    expect(r.causes[0]!.reason).toBe('FieldValueForbidden');
    expect(r.causes[0]!.field).toBe('spec');
    expect(r.causes[0]!.message).toMatch(
      /^Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/,
    );
    expect(r.causes[0]!.message).toContain('nodeName');
  });
  it('forbids removing tolerations, raising or removing the deadline, changing the name', () => {
    const noTol = bound();
    (noTol['spec'] as AnyObject)['tolerations'] = [];
    expect(messages(update(noTol, bound()))).toContain('spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds');
    const later = bound();
    (later['spec'] as AnyObject)['activeDeadlineSeconds'] = 200;
    expect(messages(update(later, bound()))).toEqual(['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
    const renamed = bound();
    renamed.metadata = { ...renamed.metadata!, name: 'other' };
    expect(messages(update(renamed, bound()))).toEqual(['metadata.name: Invalid value: "other": field is immutable']);
  });
  it('status writes do not check spec immutability', () => {
    const next = bound();
    (next['spec'] as AnyObject)['nodeName'] = 'node-2';
    expect(update(next, bound(), 'status').causes).toEqual([]);
  });
});

describe('unknown fields', () => {
  const withUnknown = () => {
    const p = pod({ extra: 1 }, { foo: 'bar', containers: [{ name: 'a', image: 'x', bogus: { deep: 1 }, resources: { limits: { cpu: '1' } } }] });
    (p.metadata as AnyObject)['nope'] = true;
    return p;
  };
  it('Strict reports them for the 400, in document order', () => {
    const r = create(withUnknown(), 'Strict');
    expect(r.unknownFields).toEqual(['metadata.nope', 'spec.containers[0].bogus', 'spec.foo', 'extra']);
    expect(r.warnings).toEqual([]);
    expect(r.causes).toEqual([]);
    expect(unknownFieldsStatus(withUnknown(), r).message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.nope", unknown field "spec.containers[0].bogus", unknown field "spec.foo", unknown field "extra"',
    );
    expect(unknownFieldsStatus(withUnknown(), r).code).toBe(400);
  });
  it('Warn turns them into warnings, Ignore says nothing', () => {
    expect(create(withUnknown(), 'Warn').warnings).toEqual([
      'unknown field "metadata.nope"',
      'unknown field "spec.containers[0].bogus"',
      'unknown field "spec.foo"',
      'unknown field "extra"',
    ]);
    expect(create(withUnknown(), 'Warn').unknownFields).toEqual([]);
    expect(create(withUnknown(), 'Ignore')).toEqual({ causes: [], warnings: [], unknownFields: [] });
  });
  it('maps (labels, resources, selectors, data) and free-form fields accept any key', () => {
    const d = deployment();
    (d.metadata as AnyObject)['labels'] = { anything: 'x', 'example.com/y': 'z' };
    (d.metadata as AnyObject)['managedFields'] = [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
    expect(findUnknownFields(d)).toEqual([]);
    expect(findUnknownFields({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { any: 'thing' } } as KubeObject)).toEqual([]);
    expect(findUnknownFields({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { foo: 'bar' }, bar: 1 } } as KubeObject)).toEqual(['spec.bar']);
  });
  it('pruneUnknownFields drops them without touching the input', () => {
    const input = withUnknown();
    const before = JSON.stringify(input);
    const pruned = pruneUnknownFields(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(pruned['extra']).toBeUndefined();
    expect((pruned['spec'] as AnyObject)['foo']).toBeUndefined();
    expect((pruned['spec'] as { containers: AnyObject[] }).containers[0]!['bogus']).toBeUndefined();
    expect((pruned['spec'] as { containers: AnyObject[] }).containers[0]!['resources']).toEqual({ limits: { cpu: '1' } });
    expect(findUnknownFields(pruned)).toEqual([]);
  });
  it('works on frozen objects', () => {
    const deepFreeze = <T>(o: T): T => {
      if (o && typeof o === 'object') {
        Object.values(o).forEach(deepFreeze);
        Object.freeze(o);
      }
      return o;
    };
    const p = deepFreeze(pod({}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['b'], zz: 1 }] }] } } } }));
    expect(create(p).unknownFields).toEqual(['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].zz']);
  });
  const nameArb = fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/);
  const fieldArb = fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/).filter((f) => !KNOWN_SPEC_FIELDS.has(f));
  test.prop([fc.uniqueArray(nameArb, { minLength: 1, maxLength: 5 }), nameArb, fieldArb])(
    'generated valid pods validate; one injected spec field is exactly the unknown field',
    (names, podName, field) => {
      const p = pod({ metadata: { name: podName, namespace: 'ns' } }, { containers: names.map((n) => ({ name: n, image: `${n}:1` })) });
      expect(create(p)).toEqual({ causes: [], warnings: [], unknownFields: [] });
      (p['spec'] as AnyObject)[field] = 'x';
      expect(create(p).unknownFields).toEqual([`spec.${field}`]);
    },
  );
});

const KNOWN_SPEC_FIELDS = new Set(
  'activeDeadlineSeconds affinity automountServiceAccountToken containers dnsConfig dnsPolicy enableServiceLinks ephemeralContainers hostAliases hostIPC hostNetwork hostPID hostUsers hostname imagePullSecrets initContainers nodeName nodeSelector os overhead preemptionPolicy priority priorityClassName readinessGates resourceClaims resources restartPolicy runtimeClassName schedulerName schedulingGates securityContext serviceAccount serviceAccountName setHostnameAsFQDN shareProcessNamespace subdomain terminationGracePeriodSeconds tolerations topologySpreadConstraints volumes'.split(
    ' ',
  ),
);

describe('cost (logged, not asserted: speed belongs to `npm run bench`)', () => {
  it('validates a typical pod over and over with the same verdict', () => {
    const p = pod({}, {
      containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } } }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    });
    const first = create(p, 'Warn');
    for (let i = 0; i < 2000; i++) create(p, 'Warn');
    const n = 5000;
    const t0 = performance.now();
    let last = first;
    for (let i = 0; i < n; i++) last = create(p, 'Warn');
    console.log(`[validation] ${(((performance.now() - t0) * 1000) / n).toFixed(1)} µs per pod`);
    expect(last).toEqual(first);
  });
});

describe('validation of updates skips what the update did not change (ratcheting)', () => {
  const base = (): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }) as KubeObject;

  it('still rejects a changed field the schema refuses', () => {
    const old = base();
    const next = { ...old, status: { phase: 'Sleeping' } } as KubeObject;
    const r = validateObject(next, { operation: 'update', old });
    expect(r.causes.map((c) => c.field)).toContain('status.phase');
  });

  it('does not fail an update on a stored field it carries over unchanged, but does when that field is a new copy', () => {
    const old = base() as KubeObject & { spec: { containers: Record<string, unknown>[] } };
    // a stored object with a field of the wrong type (written before validation, say)
    old.spec.containers[0]!.ports = 'eighty';
    const carried = { ...old, status: { phase: 'Running' } } as KubeObject;
    expect(validateObject(carried, { operation: 'update', old, subresource: 'status' }).causes).toEqual([]);
    const copied = { ...old, spec: structuredClone(old.spec), status: { phase: 'Running' } } as KubeObject;
    expect(validateObject(copied, { operation: 'update', old, subresource: 'status' }).causes.map((c) => c.field)).toContain('spec.containers[0].ports');
  });
});

describe('hostNetwork: hostPort must match containerPort (validateHostNetwork)', () => {
  const MESSAGE = 'must match `containerPort` when `hostNetwork` is true';
  const ports = (containerPort: number, hostPort?: number) => [{ containerPort, protocol: 'TCP', ...(hostPort === undefined ? {} : { hostPort }) }];
  const hostNetPod = (hostPort?: number, init?: AnyObject[]) =>
    pod({}, { hostNetwork: true, containers: [{ name: 'app', image: 'nginx', ports: ports(8080, hostPort) }], ...(init ? { initContainers: init } : {}) });
  it('a Pod: equal passes; different, or unset (never the case once defaulted), is Invalid on the hostPort', () => {
    expect(create(hostNetPod(8080)).causes).toEqual([]);
    expect(messages(create(hostNetPod(9090)))).toEqual([`spec.containers[0].ports[0].hostPort: Invalid value: 9090: ${MESSAGE}`]);
    expect(messages(create(hostNetPod(undefined)))).toEqual([`spec.containers[0].ports[0].hostPort: Invalid value: 0: ${MESSAGE}`]);
  });
  it('without hostNetwork any hostPort is fine', () => {
    expect(create(pod({}, { containers: [{ name: 'app', image: 'nginx', ports: ports(8080, 9090) }] })).causes).toEqual([]);
  });
  it('init containers are not checked, as upstream', () => {
    expect(create(hostNetPod(8080, [{ name: 'init', image: 'busybox', ports: ports(8080, 9090) }])).causes).toEqual([]);
  });
  it('a pod template (Deployment): unset (0) is allowed, as its pods get it defaulted; a different value is not', () => {
    const tmpl = (hostPort?: number) =>
      deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { hostNetwork: true, containers: [{ name: 'app', image: 'nginx', ports: ports(8080, hostPort) }] } } });
    expect(create(tmpl(undefined)).causes).toEqual([]);
    expect(create(tmpl(8080)).causes).toEqual([]);
    expect(messages(create(tmpl(9090)))).toEqual([`spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 9090: ${MESSAGE}`]);
  });
});
