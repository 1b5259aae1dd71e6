/**
 * NodeRestriction, with cases of plugin/pkg/admission/noderestriction/admission_test.go
 * (`Test_nodePlugin_Admit`): a node creates only its own mirror pods, changes only its own Node
 * (no taints, no labels outside the kubelet's set), deletes, evicts and updates the status only of
 * pods bound to it, and touches only its own Lease and CSINode.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { admitNodeRestriction, type NodeRestrictionAttributes } from '../../../machines/api-server/node-restriction.js';

const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'mynode', uid: 'mynode-uid' } } as KubeObject;
const owner = { apiVersion: 'v1', kind: 'Node', name: 'mynode', uid: 'mynode-uid', controller: true };
const mirror = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'm', namespace: 'ns', annotations: { 'kubernetes.io/config.mirror': '' }, ownerReferences: [owner], ...meta }, spec: { nodeName: 'mynode', containers: [{ name: 'c', image: 'x' }], ...extra } }) as KubeObject;
const admit = (a: Omit<NodeRestrictionAttributes, 'nodeObject'>) => admitNodeRestriction('mynode', 'system:node:mynode', { ...a, nodeObject: (n) => (n === 'mynode' ? NODE : undefined) });
const podOn = (node: string, labels?: Record<string, string>) => ({ metadata: { name: 'p', namespace: 'ns', ...(labels ? { labels } : {}) }, spec: { nodeName: node } }) as KubeObject;
const nodeObj = (labels: Record<string, string>, taints?: unknown[], name = 'mynode') => ({ metadata: { name, labels }, spec: taints ? { taints } : {} }) as KubeObject;

describe('NodeRestriction admission (admission_test.go)', () => {
  it('allows a mirror pod bound to itself with its Node as controller owner', () => {
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror() })).toBeUndefined();
  });

  it('forbids pods that are not mirror pods, of another node, or without the right owner reference', () => {
    const plain = { ...mirror(), metadata: { name: 'm', namespace: 'ns' } } as KubeObject;
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: plain })).toBe('pod does not have "kubernetes.io/config.mirror" annotation, node "mynode" can only create mirror pods');
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror({ nodeName: 'othernode' }) })).toBe('node "mynode" can only create pods with spec.nodeName set to itself');
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror({}, { ownerReferences: [] }) })).toBe('node "mynode" can only create pods with an owner reference set to itself');
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror({}, { ownerReferences: [owner, owner] }) })).toBe('node "mynode" can only create pods with a single owner reference set to itself');
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror({}, { ownerReferences: [{ ...owner, controller: false }] }) })).toBe('node "mynode" can only create pods with a controller owner reference set to itself');
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror({}, { ownerReferences: [{ ...owner, blockOwnerDeletion: true }] }) })).toBe('node "mynode" must not set blockOwnerDeletion on an owner reference');
    expect(admit({ operation: 'create', resource: 'pods', group: '', object: mirror({}, { ownerReferences: [{ ...owner, uid: 'other' }] }) })).toBe('node mynode UID mismatch: expected other got mynode-uid');
  });

  it('forbids mirror pods that reference a service account, secrets, configmaps or claims', () => {
    const create = (spec: Record<string, unknown>) => admit({ operation: 'create', resource: 'pods', group: '', object: mirror(spec) });
    expect(create({ serviceAccountName: 'foo' })).toBe('node "mynode" can not create pods that reference a service account');
    expect(create({ volumes: [{ name: 'v', secret: { secretName: 'foo' } }] })).toBe('node "mynode" can not create pods that reference secrets');
    expect(create({ containers: [{ name: 'c', image: 'x', envFrom: [{ configMapRef: { name: 'foo' } }] }] })).toBe('node "mynode" can not create pods that reference configmaps');
    expect(create({ volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'foo' } }] })).toBe('node "mynode" can not create pods that reference persistentvolumeclaims');
  });

  it('deletes, evicts and updates the status only of pods bound to itself; no other subresource, no label change through status', () => {
    expect(admit({ operation: 'delete', resource: 'pods', group: '', name: 'p', old: podOn('mynode') })).toBeUndefined();
    expect(admit({ operation: 'delete', resource: 'pods', group: '', name: 'p', old: podOn('othernode') })).toBe('node "mynode" can only delete pods with spec.nodeName set to itself');
    expect(admit({ operation: 'create', resource: 'pods', group: '', subresource: 'eviction', name: 'p', old: podOn('othernode') })).toBe('node mynode can only evict pods with spec.nodeName set to itself');
    expect(admit({ operation: 'update', resource: 'pods', group: '', subresource: 'status', name: 'p', old: podOn('mynode'), object: podOn('mynode') })).toBeUndefined();
    expect(admit({ operation: 'update', resource: 'pods', group: '', subresource: 'status', name: 'p', old: podOn('othernode'), object: podOn('othernode') })).toBe('node "mynode" can only update pod status for pods with spec.nodeName set to itself');
    expect(admit({ operation: 'update', resource: 'pods', group: '', subresource: 'status', name: 'p', old: podOn('mynode'), object: podOn('mynode', { a: 'b' }) })).toBe('node "mynode" cannot update labels through pod status');
    expect(admit({ operation: 'update', resource: 'pods', group: '', name: 'p', old: podOn('mynode'), object: podOn('mynode') })).toBe('unexpected operation "UPDATE", node "mynode" can only create and delete mirror pods');
    expect(admit({ operation: 'create', resource: 'pods', group: '', subresource: 'binding', name: 'p' })).toBe('unexpected pod subresource "binding", only \'status\' and \'eviction\' are allowed');
  });

  it('changes only its own Node: no taints, labels only in the kubelet set', () => {
    expect(admit({ operation: 'create', resource: 'nodes', group: '', object: nodeObj({ 'kubernetes.io/hostname': 'mynode', 'topology.kubernetes.io/zone': 'a', 'node.kubernetes.io/instance-type': 't', 'example.com/x': 'y' }) })).toBeUndefined();
    expect(admit({ operation: 'create', resource: 'nodes', group: '', object: nodeObj({}, undefined, 'othernode') })).toBe('node "mynode" is not allowed to modify node "othernode"');
    expect(admit({ operation: 'create', resource: 'nodes', group: '', object: nodeObj({ 'node-restriction.kubernetes.io/foo': 'bar', 'foo.node-restriction.kubernetes.io/x': 'y', 'kubernetes.io/role': 'master' }) })).toBe(
      'node "mynode" is not allowed to set the following labels: foo.node-restriction.kubernetes.io/x, kubernetes.io/role, node-restriction.kubernetes.io/foo',
    );
    const old = nodeObj({ 'kubernetes.io/hostname': 'mynode' }, [{ key: 'k', effect: 'NoSchedule' }]);
    expect(admit({ operation: 'update', resource: 'nodes', group: '', name: 'mynode', old, object: nodeObj({ 'kubernetes.io/hostname': 'mynode' }) })).toBe('node "mynode" is not allowed to modify taints');
    expect(admit({ operation: 'update', resource: 'nodes', group: '', name: 'mynode', old, object: nodeObj({}, [{ key: 'k', effect: 'NoSchedule' }]) })).toBeUndefined();
    expect(admit({ operation: 'update', resource: 'nodes', group: '', name: 'mynode', old, object: nodeObj({ 'kubernetes.io/hostname': 'mynode', 'k8s.io/x': 'y' }, [{ key: 'k', effect: 'NoSchedule' }]) })).toBe('is not allowed to modify labels: k8s.io/x');
    expect(admit({ operation: 'update', resource: 'nodes', group: '', subresource: 'status', name: 'othernode', old, object: old })).toBe('node "mynode" is not allowed to modify node "othernode"');
  });

  it('leases and CSINodes: its own name, leases in kube-node-lease; claims: the status only', () => {
    const lease = (ns: string, name: string) => ({ operation: 'create' as const, resource: 'leases', group: 'coordination.k8s.io', namespace: ns, object: { metadata: { name } } as KubeObject });
    expect(admit(lease('kube-node-lease', 'mynode'))).toBeUndefined();
    expect(admit(lease('kube-node-lease', 'othernode'))).toBe('can only access node lease with the same name as the requesting node');
    expect(admit(lease('default', 'mynode'))).toBe('can only access leases in the "kube-node-lease" system namespace');
    expect(admit({ operation: 'create', resource: 'csinodes', group: 'storage.k8s.io', object: { metadata: { name: 'othernode' } } })).toBe('can only access CSINode with the same name as the requesting node');
    const pvc = (labels?: Record<string, string>) => ({ metadata: { name: 'c', namespace: 'ns', ...(labels ? { labels } : {}) }, status: { capacity: { storage: '1Gi' } } }) as KubeObject;
    expect(admit({ operation: 'update', resource: 'persistentvolumeclaims', group: '', subresource: 'status', name: 'c', old: pvc(), object: { ...pvc(), status: { capacity: { storage: '2Gi' } } } as KubeObject })).toBeUndefined();
    expect(admit({ operation: 'update', resource: 'persistentvolumeclaims', group: '', subresource: 'status', name: 'c', old: pvc(), object: pvc({ a: 'b' }) })).toBe('node "mynode" is not allowed to update fields other than status.quantity and status.conditions');
    expect(admit({ operation: 'update', resource: 'persistentvolumeclaims', group: '', name: 'c', old: pvc(), object: pvc() })).toBe('may only update PVC status');
  });

  it('refuses a node user it cannot name', () => {
    expect(admitNodeRestriction('', 'system:node:', { operation: 'create', resource: 'pods', group: '' })).toBe('could not determine node from user "system:node:"');
  });
});
