/**
 * Service node ports with the real kubectl: `expose --type=NodePort` gets a port from
 * 30000-32767 and `get svc` prints it (`80:3xxxx/TCP`), `create service nodeport --node-port`
 * is honoured, refused with kube-apiserver's message when the port is taken or out of range, and
 * free again once the Service holding it is deleted or turned into a ClusterIP Service; an update
 * keeps the ports; a LoadBalancer Service gets node ports and stays `<pending>`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

describe.skipIf(!HAS_KUBECTL)(`kubectl with NodePort and LoadBalancer Services${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;
  const svc = (name: string) => s.cluster.object<Obj>('services', name, 'default')!;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 7 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('expose --type=NodePort allocates a node port that get svc prints, reaches the pods through it, and an update keeps', async () => {
    expect((await s.kubectl(['create', 'deployment', 'web', '--image=nginx'])).code).toBe(0);
    const r = await s.kubectl(['expose', 'deployment', 'web', '--type=NodePort', '--port=80']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('service/web exposed\n');
    const nodePort = svc('web').spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30128); // the dynamic band, above 30000-30127
    expect(nodePort).toBeLessThanOrEqual(32767);
    const table = parseTable((await s.kubectl(['get', 'svc', 'web'])).stdout);
    expect(table[0]).toMatchObject({ NAME: 'web', TYPE: 'NodePort', 'EXTERNAL-IP': '<none>', 'PORT(S)': `80:${nodePort}/TCP` });
    // the node port reaches the pods: node address:nodePort through that node's kube-proxy rules to a ready web pod
    expect((await s.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'])).code).toBe(0);
    const pod = (await s.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    const nodeIp = (await s.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'])).stdout;
    let reached = s.cluster.connect({ name: pod }, nodeIp, nodePort);
    // kube-proxy programs its rules from the EndpointSlice a moment after the pod is ready
    for (let i = 0; i < 50 && !reached.ok; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      reached = s.cluster.connect({ name: pod }, nodeIp, nodePort);
    }
    expect(reached).toMatchObject({ ok: true, service: 'default/web', pod });
    // a replace without the node port (the client's own copy) keeps it, as patchAllocatedValues does
    const replaced = await s.kubectl(['replace', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } }),
    });
    expect(replaced.stderr).toBe('');
    expect(svc('web').spec.ports[0].nodePort).toBe(nodePort);
    expect(svc('web').metadata?.labels).toEqual({ tier: 'front' });
  }, 60_000);

  it('a requested node port is honoured, then refused while taken, and free again after a delete', async () => {
    const created = await s.kubectl(['create', 'service', 'nodeport', 'fixed', '--tcp=80:8080', '--node-port=30080']);
    expect(created.stderr).toBe('');
    expect(svc('fixed').spec.ports[0].nodePort).toBe(30080);
    const taken = await s.kubectl(['create', 'service', 'nodeport', 'again', '--tcp=80:8080', '--node-port=30080']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe('error: failed to create NodePort service: Service "again" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated\n');
    const outside = await s.kubectl(['create', 'service', 'nodeport', 'low', '--tcp=80:8080', '--node-port=80']);
    expect(outside.stderr).toBe(
      'error: failed to create NodePort service: Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767\n',
    );
    expect((await s.kubectl(['delete', 'svc', 'fixed'])).code).toBe(0);
    const reused = await s.kubectl(['create', 'service', 'nodeport', 'again', '--tcp=80:8080', '--node-port=30080']);
    expect(reused.stderr).toBe('');
    expect(svc('again').spec.ports[0].nodePort).toBe(30080);
  });

  it('a change to ClusterIP clears and releases the node ports', async () => {
    const patched = await s.kubectl(['patch', 'svc', 'again', '-p', '{"spec":{"type":"ClusterIP"}}']);
    expect(patched.stderr).toBe('');
    expect(svc('again').spec.ports[0].nodePort).toBeUndefined();
    expect(parseTable((await s.kubectl(['get', 'svc', 'again'])).stdout)[0]).toMatchObject({ TYPE: 'ClusterIP', 'PORT(S)': '80/TCP' });
    const other = await s.kubectl(['create', 'service', 'nodeport', 'other', '--tcp=80:8080', '--node-port=30080']);
    expect(other.stderr).toBe('');
  });

  it('a LoadBalancer Service gets node ports and waits for an address', async () => {
    const r = await s.kubectl(['create', 'service', 'loadbalancer', 'lb', '--tcp=443:8443']);
    expect(r.stderr).toBe('');
    const nodePort = svc('lb').spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(parseTable((await s.kubectl(['get', 'svc', 'lb'])).stdout)[0]).toMatchObject({ TYPE: 'LoadBalancer', 'EXTERNAL-IP': '<pending>', 'PORT(S)': `443:${nodePort}/TCP` });
  });
});
