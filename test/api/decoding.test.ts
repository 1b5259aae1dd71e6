import { describe, expect, it } from 'vitest';
import { decodeError, goValue, rootStruct } from '../../src/api/decoding.js';
import { isMetricsResource, RESOURCES } from '../../src/api/resources.js';

/** One wrong-typed field per kind, and what Go's decoder says of it. */
const CASES: Record<string, { obj: Record<string, unknown>; message: string }> = {
  Pod: {
    obj: { spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: '80' }] }] } },
    message: 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
  },
  Node: { obj: { spec: { unschedulable: 'yes' } }, message: 'json: cannot unmarshal string into Go struct field NodeSpec.spec.unschedulable of type bool' },
  Namespace: { obj: { metadata: { name: 'a', labels: { a: 5 } } }, message: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string' },
  Service: { obj: { spec: { ports: [{ port: '80' }] } }, message: 'json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32' },
  Endpoints: { obj: { subsets: [{ ports: [{ port: 80.5 }] }] }, message: 'json: cannot unmarshal number 80.5 into Go struct field EndpointPort.subsets.ports.port of type int32' },
  Event: { obj: { count: '3' }, message: 'json: cannot unmarshal string into Go struct field Event.count of type int32' },
  ConfigMap: { obj: { data: { a: 1 } }, message: 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string' },
  Secret: { obj: { immutable: 'yes' }, message: 'json: cannot unmarshal string into Go struct field Secret.immutable of type bool' },
  ServiceAccount: { obj: { automountServiceAccountToken: 0 }, message: 'json: cannot unmarshal number into Go struct field ServiceAccount.automountServiceAccountToken of type bool' },
  Deployment: { obj: { spec: { replicas: '5' } }, message: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' },
  ReplicaSet: { obj: { spec: { minReadySeconds: 2 ** 40 } }, message: 'json: cannot unmarshal number 1099511627776 into Go struct field ReplicaSetSpec.spec.minReadySeconds of type int32' },
  Lease: { obj: { spec: { leaseDurationSeconds: '15' } }, message: 'json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32' },
  Role: { obj: { rules: 'all' }, message: 'json: cannot unmarshal string into Go struct field Role.rules of type []v1.PolicyRule' },
  ClusterRole: { obj: { rules: [{ verbs: 'get' }] }, message: 'json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string' },
  RoleBinding: { obj: { subjects: {} }, message: 'json: cannot unmarshal object into Go struct field RoleBinding.subjects of type []v1.Subject' },
  PersistentVolume: { obj: { spec: { capacity: { storage: [] } } }, message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" },
  PersistentVolumeClaim: { obj: { spec: { accessModes: 'ReadWriteOnce' } }, message: 'json: cannot unmarshal string into Go struct field PersistentVolumeClaimSpec.spec.accessModes of type []string' },
  DaemonSet: { obj: { spec: { minReadySeconds: '5' } }, message: 'json: cannot unmarshal string into Go struct field DaemonSetSpec.spec.minReadySeconds of type int32' },
  StatefulSet: { obj: { spec: { replicas: true } }, message: 'json: cannot unmarshal bool into Go struct field StatefulSetSpec.spec.replicas of type int32' },
  ControllerRevision: { obj: { revision: '1' }, message: 'json: cannot unmarshal string into Go struct field ControllerRevision.revision of type int64' },
  StorageClass: { obj: { allowVolumeExpansion: 'true' }, message: 'json: cannot unmarshal string into Go struct field StorageClass.allowVolumeExpansion of type bool' },
  ClusterRoleBinding: { obj: { roleRef: 'admin' }, message: 'json: cannot unmarshal string into Go struct field ClusterRoleBinding.roleRef of type v1.RoleRef' },
};

describe('decoding: a wrong-typed field is refused with the Go decoder’s message', () => {
  for (const [kind, c] of Object.entries(CASES)) {
    it(kind, () => {
      const info = RESOURCES.find((r) => r.kind === kind)!;
      expect(decodeError({ apiVersion: info.apiVersion, kind, ...c.obj }, info.apiVersion, kind)).toBe(c.message);
    });
  }

  it('knows the Go types of every kind the API server accepts writes of (else: npx tsx src/api/go-types.generate.ts)', () => {
    // the metrics API is read-only: nothing is decoded into NodeMetrics or PodMetrics
    expect(RESOURCES.filter((info) => !isMetricsResource(info) && rootStruct(info.apiVersion, info.kind) === undefined).map((i) => i.kind)).toEqual([]);
  });

  it('accepts the right types, null, unknown fields, int-or-string and quantities', () => {
    const d = {
      metadata: { name: 'a', labels: { a: 'b' }, generation: null, extra: [1] },
      spec: { replicas: 3, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } }, template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '1Gi' } } }] } } },
    };
    expect(decodeError(d, 'apps/v1', 'Deployment')).toBeUndefined();
  });

  it('the first error in document order wins', () => {
    expect(decodeError({ metadata: { generation: 'x' }, spec: { replicas: 'y' } }, 'apps/v1', 'Deployment')).toContain('ObjectMeta.metadata.generation of type int64');
  });

  it('speaks as the unstructured converter for a strategic merge patch and as structured-merge-diff for apply', () => {
    expect(decodeError({ spec: { replicas: '5' } }, 'apps/v1', 'Deployment', 'unstructured')).toBe('unrecognized type: int32');
    expect(decodeError({ spec: 'x' }, 'apps/v1', 'Deployment', 'unstructured')).toBe('cannot restore struct from: string');
    expect(decodeError({ spec: { template: { spec: { containers: 'x' } } } }, 'apps/v1', 'Deployment', 'unstructured')).toBe('cannot restore slice from string');
    expect(decodeError({ data: { a: 1 } }, 'v1', 'ConfigMap', 'unstructured')).toBe('cannot convert int64 to string');
    expect(decodeError({ spec: { replicas: '5' } }, 'apps/v1', 'Deployment', 'apply')).toBe('.spec.replicas: expected numeric (int or float), got string');
    expect(decodeError({ data: { a: 1 } }, 'v1', 'ConfigMap', 'apply')).toBe('.data.a: expected string, got &value.valueUnstructured{Value:1}');
  });

  it('quantities and int-or-strings of the wrong type', () => {
    expect(decodeError({ spec: { containers: [{ resources: { limits: { cpu: true } } }] } }, 'v1', 'Pod')).toMatch(/^quantities must match the regular expression/);
    expect(decodeError({ spec: { ports: [{ targetPort: true }] } }, 'v1', 'Service')).toBe('json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32');
  });

  it('prints a patch as Go prints a map (%+v)', () => {
    expect(goValue({ spec: { replicas: '5', b: [1, 'x', null], a: true } })).toBe('map[spec:map[a:true b:[1 x <nil>] replicas:5]]');
  });
});

describe('decoding: hostile keys', () => {
  it('takes a __proto__ key of a client body as an unknown field, not as a Go type', () => {
    const body = JSON.parse('{"apiVersion":"v1","kind":"Pod","__proto__":false,"metadata":{"__proto__":1},"spec":{"__proto__":"x"}}') as Record<string, unknown>;
    expect(decodeError(body, 'v1', 'Pod')).toBeUndefined();
  });
});

describe('decoding: a patch result against the stored object it was applied to', () => {
  const stored = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Pending' } };

  it('reports a wrong type the patch brought in, with the message and path of a full decode', () => {
    const patched = { ...stored, status: { phase: 'Running', conditions: [{ type: 'Ready', status: true }] } };
    const message = 'json: cannot unmarshal bool into Go struct field PodCondition.status.conditions.status of type string';
    expect(decodeError(patched, 'v1', 'Pod')).toBe(message);
    expect(decodeError(patched, 'v1', 'Pod', 'json', stored)).toBe(message);
    const apply = decodeError(patched, 'v1', 'Pod', 'apply', stored);
    expect(apply).toBe(decodeError(patched, 'v1', 'Pod', 'apply'));
    expect(apply).toMatch(/^\.status\.conditions\[0\]\.status: /);
  });

  it('does not walk again what the result shares with the stored object (what is stored decoded once)', () => {
    // a base is trusted: its parts are not checked again, so a wrong value the result shares
    // with it passes, and the same value where the base holds another does not
    const trusted = { ...stored, spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: '80' }] }] } };
    const patched = { ...trusted, status: { phase: 'Running' } };
    expect(decodeError(patched, 'v1', 'Pod', 'json', trusted)).toBeUndefined();
    expect(decodeError(patched, 'v1', 'Pod', 'json', stored)).toMatch(/ContainerPort\.spec\.containers\.ports\.containerPort of type int32$/);
  });
});
