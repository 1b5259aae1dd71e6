/**
 * The Node authorizer and NodeRestriction with the real kubectl, acting as a kubelet by
 * impersonation (`--as=system:node:node-1 --as-group=system:nodes`, as a kubeadm cluster's
 * kubelets authenticate): `auth can-i` follows the graph (a Secret becomes readable once a pod
 * using it is bound to the node), another node's read is refused with the authorizer's reason,
 * and NodeRestriction refuses a label outside the kubelet's set, a pod that is not a mirror pod
 * and the delete of another node's pod, with the plugins' messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

const asNode = (n: number) => [`--as=system:node:node-${n}`, '--as-group=system:nodes'];

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: uses-foo
spec:
  nodeName: node-1
  containers:
  - name: app
    image: nginx:1.27
    envFrom:
    - secretRef:
        name: foo
`;

describe.skipIf(!HAS_KUBECTL)(`the real kubectl against the Node authorizer and NodeRestriction${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 3 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('auth can-i get secrets/foo as a node: no until a pod using it is bound to the node; another node still may not read it', async () => {
    expect((await s.kubectl(['create', 'secret', 'generic', 'foo', '--from-literal=k=v'])).stderr).toBe('');
    // kubectl prints the review's reason after the answer
    expect(await s.kubectl(['auth', 'can-i', 'get', 'secrets/foo', ...asNode(1)])).toMatchObject({ code: 1, stdout: "no - no relationship found between node 'node-1' and this object\n" });
    const file = join(s.dir, 'uses-foo.yaml');
    writeFileSync(file, POD);
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
    await waitFor('the pod running', () => s.cluster.object<Pod>('pods', 'uses-foo')?.status?.phase === 'Running', 30_000);
    expect(await s.kubectl(['auth', 'can-i', 'get', 'secrets/foo', ...asNode(1)])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await s.kubectl(['auth', 'can-i', 'get', 'secrets/foo', ...asNode(2)])).toMatchObject({ code: 1, stdout: "no - no relationship found between node 'node-2' and this object\n" });
    const read = await s.kubectl(['get', 'secret', 'foo', ...asNode(2)]);
    expect(read.stderr).toBe(`Error from server (Forbidden): secrets "foo" is forbidden: User "system:node:node-2" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-2' and this object\n`);
    expect((await s.kubectl(['get', 'secret', 'foo', '-o', 'name', ...asNode(1)])).stdout).toBe('secret/foo\n');
    const nodes = await s.kubectl(['get', 'nodes', ...asNode(1)]);
    expect(nodes.stderr).toBe(`Error from server (Forbidden): nodes is forbidden: User "system:node:node-1" cannot list resource "nodes" in API group "" at the cluster scope: node 'node-1' cannot read all nodes, only its own Node object\n`);
    expect((await s.kubectl(['get', 'node', 'node-1', '-o', 'name', ...asNode(1)])).stdout).toBe('node/node-1\n');
    // the Node authorizer cannot list a node's rules: the list is incomplete
    const list = await s.kubectl(['auth', 'can-i', '--list', ...asNode(1)]);
    expect(list.code).toBe(0);
    expect(list.stderr).toContain('node authorizer does not support user rule resolution');
  });

  it('NodeRestriction: labels outside the kubelet set, a pod that is not a mirror pod, and another node\'s pod are refused', async () => {
    const label = await s.kubectl(['label', 'node', 'node-1', 'node-restriction.kubernetes.io/pool=a', ...asNode(1)]);
    expect(label.stderr).toBe('Error from server (Forbidden): nodes "node-1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool\n');
    const other = await s.kubectl(['label', 'node', 'node-2', 'example.com/pool=a', ...asNode(1)]);
    // kubectl label reads the node first: the authorizer refuses another node's
    expect(other.stderr).toBe(`Error from server (Forbidden): nodes "node-2" is forbidden: User "system:node:node-1" cannot get resource "nodes" in API group "" at the cluster scope: node 'node-1' cannot read 'node-2', only its own Node object\n`);
    expect((await s.kubectl(['label', 'node', 'node-1', 'example.com/pool=a', ...asNode(1)])).stdout).toBe('node/node-1 labeled\n');
    const run = await s.kubectl(['run', 'sneaky', '--image=nginx:1.27', ...asNode(1)]);
    expect(run.stderr).toBe('Error from server (Forbidden): pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods\n');
    const del = await s.kubectl(['delete', 'pod', 'uses-foo', '--wait=false', ...asNode(2)]);
    expect(del.stderr).toBe('Error from server (Forbidden): pods "uses-foo" is forbidden: node "node-2" can only delete pods with spec.nodeName set to itself\n');
  });
});
