/**
 * The Node authorizer and its graph, with cases of plugin/pkg/auth/authorizer/node's
 * node_authorizer_test.go (`TestAuthorizer`, `TestNodeAuthorizerSharedResources`): a kubelet
 * reads what the pods bound to its node use, nothing of other nodes', and its own Node and Lease.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { NodeGraph } from '../../../machines/api-server/node-graph.js';
import { NodeAuthorizer, nodeIdentity, type NodeAuthorizationRequest } from '../../../machines/api-server/node-authorizer.js';

const pod = (ns: string, name: string, node: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, uid: `${ns}-${name}`, ...(annotations ? { annotations } : {}) }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], ...spec } }) as KubeObject;

function graph(): NodeGraph {
  const g = new NodeGraph();
  g.apply('pods', '', pod('ns0', 'pod0-node0', 'node0', {
    serviceAccountName: 'svcacct0-node0',
    volumes: [{ name: 's', secret: { secretName: 'secret0-node0' } }, { name: 'c', configMap: { name: 'configmap0-node0' } }, { name: 'p', persistentVolumeClaim: { claimName: 'pvc0-node0' } }, { name: 'e', ephemeral: { volumeClaimTemplate: {} } }],
    containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: 'shared-secret' } }] }],
  }), false);
  g.apply('pods', '', pod('ns0', 'pod0-node1', 'node1', { containers: [{ name: 'c', image: 'x', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'shared-secret', key: 'k' } } }] }] }), false);
  g.apply('persistentvolumes', '', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv0-node0' }, spec: { claimRef: { namespace: 'ns0', name: 'pvc0-node0' }, csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { name: 'pv-secret', namespace: 'ns0' } } } } as KubeObject, false);
  return g;
}

const node0 = (r: Omit<NodeAuthorizationRequest, 'user' | 'groups'>) => ({ user: 'system:node:node0', groups: ['system:nodes', 'system:authenticated'], ...r });

describe('the Node authorizer (node_authorizer_test.go TestAuthorizer)', () => {
  const authz = new NodeAuthorizer(graph());
  const cases: [string, Omit<NodeAuthorizationRequest, 'user' | 'groups'>, boolean, string?][] = [
    ['allowed configmap', { verb: 'get', resource: 'configmaps', apiGroup: '', namespace: 'ns0', name: 'configmap0-node0' }, true],
    ['allowed secret via pod', { verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'secret0-node0' }, true],
    ['list allowed secret via pod (one object by name)', { verb: 'list', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'secret0-node0' }, true],
    ['allowed shared secret via pod', { verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'shared-secret' }, true],
    ['allowed secret via pv', { verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'pv-secret' }, true],
    ['allowed pvc', { verb: 'get', resource: 'persistentvolumeclaims', apiGroup: '', namespace: 'ns0', name: 'pvc0-node0' }, true],
    ['allowed ephemeral pvc', { verb: 'get', resource: 'persistentvolumeclaims', apiGroup: '', namespace: 'ns0', name: 'pod0-node0-e' }, true],
    ['allowed pv', { verb: 'get', resource: 'persistentvolumes', apiGroup: '', name: 'pv0-node0' }, true],
    ['allowed pvc status update', { verb: 'patch', resource: 'persistentvolumeclaims', subresource: 'status', apiGroup: '', namespace: 'ns0', name: 'pvc0-node0' }, true],
    ['allowed svcacct token create', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', apiGroup: '', namespace: 'ns0', name: 'svcacct0-node0' }, true],
    ['disallowed svcacct token create of another node', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', apiGroup: '', namespace: 'ns0', name: 'default' }, false, "no relationship found between node 'node0' and this object"],
    ['disallowed svcacct get', { verb: 'get', resource: 'serviceaccounts', apiGroup: '', namespace: 'ns0', name: 'svcacct0-node0' }, false, 'can only create tokens for individual service accounts'],
    ['disallowed secret of node1', { verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'secret0-node1' }, false, "no relationship found between node 'node0' and this object"],
    ['disallowed list of all secrets', { verb: 'list', resource: 'secrets', apiGroup: '', namespace: 'ns0' }, false, 'No Object name found'],
    ['disallowed secret update', { verb: 'update', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'secret0-node0' }, false, 'can only read resources of this type'],
    ['disallowed pvc list', { verb: 'list', resource: 'persistentvolumeclaims', apiGroup: '', namespace: 'ns0' }, false, 'can only get individual resources of this type'],
    ['allowed own pod', { verb: 'get', resource: 'pods', apiGroup: '', namespace: 'ns0', name: 'pod0-node0' }, true],
    ['disallowed pod of node1', { verb: 'get', resource: 'pods', apiGroup: '', namespace: 'ns0', name: 'pod0-node1' }, false, "no relationship found between node 'node0' and this object"],
    ['allowed pod watch with spec.nodeName', { verb: 'watch', resource: 'pods', apiGroup: '', fieldSelector: 'spec.nodeName=node0' }, true],
    ['disallowed pod list without selector', { verb: 'list', resource: 'pods', apiGroup: '' }, false, 'can only list/watch pods with spec.nodeName field selector'],
    ['disallowed pod list of node1', { verb: 'list', resource: 'pods', apiGroup: '', fieldSelector: 'spec.nodeName=node1' }, false, 'can only list/watch pods with spec.nodeName field selector'],
    ['allowed pod status and eviction', { verb: 'patch', resource: 'pods', subresource: 'status', apiGroup: '', namespace: 'ns0', name: 'pod0-node1' }, true],
    ['disallowed pod exec', { verb: 'create', resource: 'pods', subresource: 'exec', apiGroup: '', namespace: 'ns0', name: 'pod0-node0' }, false, ''],
    ['allowed own node watch (metadata.name)', { verb: 'watch', resource: 'nodes', apiGroup: '', fieldSelector: 'metadata.name=node0' }, true],
    ['disallowed list of all nodes', { verb: 'list', resource: 'nodes', apiGroup: '' }, false, "node 'node0' cannot read all nodes, only its own Node object"],
    ['disallowed get of another node', { verb: 'get', resource: 'nodes', apiGroup: '', name: 'node1' }, false, "node 'node0' cannot read 'node1', only its own Node object"],
    ['allowed node status patch (NodeRestriction limits it)', { verb: 'patch', resource: 'nodes', subresource: 'status', apiGroup: '', name: 'node1' }, true],
    ['allowed own lease', { verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'node0' }, true],
    ['disallowed lease of node1', { verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'node1' }, false, 'can only access node lease with the same name as the requesting node'],
    ['disallowed lease outside kube-node-lease', { verb: 'get', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'node0' }, false, 'can only access leases in the "kube-node-lease" system namespace'],
    ['disallowed lease list', { verb: 'list', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }, false, 'can only get, create, update, patch, or delete a node lease'],
    ['allowed csinode create', { verb: 'create', resource: 'csinodes', apiGroup: 'storage.k8s.io' }, true],
    ['static rule: services watch', { verb: 'watch', resource: 'services', apiGroup: '' }, true],
    ['static rule: events create', { verb: 'create', resource: 'events', apiGroup: '', namespace: 'ns0' }, true],
    ['no static rule: deployments', { verb: 'list', resource: 'deployments', apiGroup: 'apps' }, false, ''],
  ];
  for (const [name, attrs, allowed, reason] of cases) {
    it(name, () => {
      const d = authz.authorize(node0(attrs))!;
      expect(d.allowed).toBe(allowed);
      if (reason !== undefined) expect(d.reason).toBe(reason);
    });
  }

  it('has no opinion on users that are not nodes; a node user without a name is unknown', () => {
    expect(authz.authorize({ user: 'alice', groups: ['system:nodes'], verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'secret0-node0' })).toBeUndefined();
    expect(authz.authorize({ user: 'system:node:node0', groups: [], verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'ns0', name: 'secret0-node0' })).toBeUndefined();
    expect(nodeIdentity('system:node:', ['system:nodes'])).toBe('');
    expect(authz.authorize({ user: 'system:node:', groups: ['system:nodes'], verb: 'get', resource: 'nodes', apiGroup: '', name: 'x' })).toEqual({ allowed: false, reason: 'unknown node for user "system:node:"' });
  });
});

describe('the Node authorizer graph (graph_populator: incremental)', () => {
  it('a mirror pod reaches its node only; a deleted pod or a pod moved off the node takes its edges with it; shared objects stay while any pod uses them', () => {
    const g = graph();
    g.apply('pods', '', pod('ns0', 'mirror', 'node0', { volumes: [{ name: 's', secret: { secretName: 'mirror-secret' } }] }, { 'kubernetes.io/config.mirror': 'x' }), false);
    expect(g.hasPath('node0', 'pod', 'ns0', 'mirror')).toBe(true);
    expect(g.hasPath('node0', 'secret', 'ns0', 'mirror-secret')).toBe(false);
    expect(g.hasPath('node0', 'secret', 'ns0', 'shared-secret')).toBe(true);
    expect(g.hasPath('node1', 'secret', 'ns0', 'shared-secret')).toBe(true);
    // a second pod on node0 using the same secret, then the first goes away
    g.apply('pods', '', pod('ns0', 'pod1-node0', 'node0', { volumes: [{ name: 's', secret: { secretName: 'secret0-node0' } }] }), false);
    g.apply('pods', '', pod('ns0', 'pod0-node0', 'node0'), true);
    expect(g.hasPath('node0', 'secret', 'ns0', 'secret0-node0')).toBe(true);
    expect(g.hasPath('node0', 'secret', 'ns0', 'shared-secret')).toBe(false);
    expect(g.hasPath('node0', 'persistentvolume', '', 'pv0-node0')).toBe(false);
    expect(g.hasPath('node0', 'secret', 'ns0', 'pv-secret')).toBe(false);
    g.apply('pods', '', pod('ns0', 'pod1-node0', 'node0'), true);
    expect(g.hasPath('node0', 'secret', 'ns0', 'secret0-node0')).toBe(false);
    // an unscheduled pod is not in the graph; binding it adds it
    const pending = pod('ns0', 'later', '', { volumes: [{ name: 'c', configMap: { name: 'cm' } }] });
    g.apply('pods', '', pending, false);
    expect(g.hasPath('node1', 'configmap', 'ns0', 'cm')).toBe(false);
    g.apply('pods', '', { ...pending, spec: { ...(pending as any).spec, nodeName: 'node1' } } as KubeObject, false);
    expect(g.hasPath('node1', 'configmap', 'ns0', 'cm')).toBe(true);
  });
});
