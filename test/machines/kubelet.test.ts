/**
 * The kubelet's chart driven directly: a kernel, a scripted API server that records the kubelet's
 * requests and answers them as each test says, and fake pod workers that record what the kubelet
 * tells them. Registration retry, the Lease created then renewed, the status manager's one write
 * in flight, latest status wins and final status before the deletion, admission refusal, and a
 * decision replaced with `.provide()`.
 */
import { describe, expect, it } from 'vitest';
import { createActor, setup, type AnyActorLogic, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import type { Pod, PodStatus } from '../../src/api/types.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import { fast } from '../../src/profiles/index.js';
import type { TimingProfile } from '../../src/profiles/profile.js';
import type { ApiRequest, PodKill, PodStatusReport, PodSync, PodTerminated } from '../../machines/protocol.js';
import { kubeletMachine } from '../../machines/kubelet.js';

const KUBELET = 'kubelet/n1';
const LEASE_MS = 10_000;
const profile: TimingProfile = { ...fast, kubelet: { ...fast.kubelet, leaseRenewMs: LEASE_MS, nodeStatusReportMs: 60_000 } };

/** A pod worker that records what it is told (`pod.sync`, `pod.kill`) under its address. */
function fakeWorker(told: { to: string; type: string; grace?: number }[]): AnyActorLogic {
  return setup({ types: { events: {} as PodSync | PodKill } }).createMachine({
    on: {
      'pod.sync': { actions: ({ self }) => told.push({ to: self.id, type: 'pod.sync' }) },
      'pod.kill': { actions: ({ event, self }) => told.push({ to: self.id, type: 'pod.kill', grace: event.gracePeriodSeconds }) },
    },
  });
}

function harness(logic: AnyStateMachine = kubeletMachine, cpu = '2') {
  const kernel = new Kernel({ seed: 1 });
  const requests: ApiRequest[] = [];
  const toNode: string[] = [];
  const told: { to: string; type: string; grace?: number }[] = [];
  kernel.register('api-server', { send: (e: ApiRequest) => requests.push(e) }, { host: 'control-plane' });
  kernel.register('node/n1', { send: (e: { type: string }) => toNode.push(e.type) }, { host: 'n1' });
  const kubelet = createActor(logic, {
    id: KUBELET,
    clock: kernel.clock,
    input: {
      port: new Port(kernel, KUBELET),
      node: { name: 'n1', capacity: { cpu, memory: '4Gi', pods: '10' }, address: '10.0.0.1', podCIDR: '10.244.1.0/24' },
      token: 'node-token',
      profile,
      events: 'all',
      podLogic: fakeWorker(told),
    },
  });
  kubelet.subscribe({ error: (error) => kernel.reportError(KUBELET, error) });
  kernel.register(KUBELET, kubelet, { host: 'n1' });
  kubelet.start();
  kernel.runUntilIdle();
  const run = () => kernel.runUntilIdle();
  /** Moves virtual time on, then delivers what is in flight. */
  const advance = (ms: number) => {
    kernel.advance(ms);
    run();
  };
  /** Requests matching `verb` and `resource` (and subresource), in the order sent (a request the client sent again after its timeout counts once). */
  const sent = (verb: string, resource: string, subresource?: string) =>
    requests.filter((r, i) => r.verb === verb && r.resource === resource && r.subresource === subresource && requests.findIndex((o) => o.id === r.id) === i);
  const answer = (req: ApiRequest, code: number, body: object = { kind: 'Status' }) => {
    kernel.send('api-server', KUBELET, { type: 'api.response', id: req.id, code, body });
    run();
  };
  const state = () => (kubelet.getSnapshot() as SnapshotFrom<typeof kubeletMachine>).value;
  /** Registers (201) and answers the pods watch: returns a function delivering pod watch events. */
  const register = () => {
    answer(sent('create', 'nodes').at(-1)!, 201);
    const watch = requests.find((r) => r.verb === 'watch' && r.resource === 'pods')!;
    answer(watch, 200);
    let seq = 0;
    const deliver = (type: 'watch.added' | 'watch.modified' | 'watch.deleted', object: Pod) => {
      kernel.send('api-server', KUBELET, { type, watchId: watch.id, seq: ++seq, object });
      run();
    };
    return deliver;
  };
  const report = (pod: Pod, status: PodStatus, type: 'pod.status' | 'pod.terminated' = 'pod.status') => {
    const e: PodStatusReport | PodTerminated = { type, namespace: 'default', name: pod.metadata!.name!, uid: pod.metadata!.uid!, status };
    kernel.send(`pod/default/${pod.metadata!.name}`, KUBELET, e);
    run();
  };
  return { kernel, kubelet, requests, toNode, told, run, advance, sent, answer, state, register, report };
}

function pod(name: string, cpu = '100m', extra: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...extra },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu } } }] },
    status: { phase: 'Pending' },
  };
}

const running = (n: number): PodStatus => ({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: `10.244.1.${n}` });

describe('kubelet: node registration', () => {
  it('retries the registration every second until the API server accepts it, then runs: watches, tells its node, creates its Lease', () => {
    const h = harness();
    expect(h.state()).toBe('registering');
    expect(h.sent('create', 'nodes')).toHaveLength(1);
    h.advance(1_000);
    expect(h.sent('create', 'nodes')).toHaveLength(2);
    // refused (etcd unavailable): still registering, and again a second later
    h.answer(h.sent('create', 'nodes')[1]!, 503);
    expect(h.state()).toBe('registering');
    h.advance(1_000);
    expect(h.sent('create', 'nodes')).toHaveLength(3);
    h.answer(h.sent('create', 'nodes')[2]!, 201);
    expect(h.state()).toEqual({ running: { heartbeat: 'beating', lease: 'creating', nodeStatus: 'current', podWorkers: {}, statusManager: {}, housekeeping: {}, evictionManager: { monitoring: 'waiting', memoryPressure: 'noPressure', diskPressure: 'noPressure', pidPressure: 'noPressure' } } });
    expect(h.toNode).toEqual(['kubelet.registered']);
    expect(h.requests.filter((r) => r.verb === 'watch').map((r) => [r.resource, r.query?.fieldSelector])).toEqual([
      ['pods', 'spec.nodeName=n1'],
      ['nodes', 'metadata.name=n1'],
    ]);
    expect(h.sent('create', 'leases')).toHaveLength(1);
    // created just now with its status: no status update at the first beat
    expect(h.sent('patch', 'nodes', 'status')).toHaveLength(0);
    // no more registrations once running
    h.advance(5_000);
    expect(h.sent('create', 'nodes')).toHaveLength(3);
  });

  it('a Node that exists already (a restart, 409) is taken over: its status is written at the first beat', () => {
    const h = harness();
    h.answer(h.sent('create', 'nodes')[0]!, 409);
    expect(h.state()).toMatchObject({ running: { nodeStatus: 'current' } });
    const patch = h.sent('patch', 'nodes', 'status');
    expect(patch).toHaveLength(1);
    expect((patch[0]!.body as { status: { conditions: { type: string; status: string }[] } }).status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
  });
});

describe('kubelet: node Lease and status', () => {
  it('creates its Lease, renews it every leaseRenew once it exists, and creates it again when it is gone', () => {
    const h = harness();
    h.register();
    const create = h.sent('create', 'leases');
    expect(create).toHaveLength(1);
    expect(create[0]).toMatchObject({ group: 'coordination.k8s.io', namespace: 'kube-node-lease', body: { metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } } });
    // not answered yet: the next beat creates it again
    h.advance(LEASE_MS);
    expect(h.sent('create', 'leases')).toHaveLength(2);
    h.answer(h.sent('create', 'leases')[1]!, 201);
    expect(h.state()).toMatchObject({ running: { lease: 'renewing' } });
    h.advance(LEASE_MS);
    expect(h.sent('create', 'leases')).toHaveLength(2);
    const renew = h.sent('patch', 'leases');
    expect(renew).toHaveLength(1);
    expect(renew[0]).toMatchObject({ name: 'n1', query: { patchType: 'merge' }, body: { spec: { holderIdentity: 'n1' } } });
    // the Lease was deleted: 404, back to creating at the next beat
    h.answer(renew[0]!, 404);
    expect(h.state()).toMatchObject({ running: { lease: 'creating' } });
    h.advance(LEASE_MS);
    expect(h.sent('create', 'leases')).toHaveLength(3);
    expect(h.sent('patch', 'leases')).toHaveLength(1);
  });

  it('writes the node status when it is due, and at the next beat when the server copy says not Ready (stale)', () => {
    const h = harness();
    h.register();
    const node = h.requests.find((r) => r.verb === 'watch' && r.resource === 'nodes')!;
    h.answer(node, 200);
    h.advance(LEASE_MS);
    expect(h.sent('patch', 'nodes', 'status')).toHaveLength(0);
    h.kernel.send('api-server', KUBELET, {
      type: 'watch.added',
      watchId: node.id,
      seq: 1,
      object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
    });
    h.run();
    expect(h.state()).toMatchObject({ running: { nodeStatus: 'stale' } });
    h.advance(LEASE_MS);
    expect(h.sent('patch', 'nodes', 'status')).toHaveLength(1);
    expect(h.state()).toMatchObject({ running: { nodeStatus: 'current' } });
    // then every nodeStatusReportMs (60 s)
    h.advance(50_000);
    expect(h.sent('patch', 'nodes', 'status')).toHaveLength(1);
    h.advance(LEASE_MS);
    expect(h.sent('patch', 'nodes', 'status')).toHaveLength(2);
  });
});

describe('kubelet: pod workers and the status manager', () => {
  it('one status write in flight per pod, the latest status wins, and the final status is written before the pod is deleted', () => {
    const h = harness();
    const deliver = h.register();
    const p = pod('web');
    deliver('watch.added', p);
    expect(h.told).toEqual([{ to: 'pod/default/web', type: 'pod.sync' }]);
    h.report(p, running(2));
    const writes = () => h.sent('patch', 'pods', 'status');
    expect(writes()).toHaveLength(1);
    expect(writes()[0]).toMatchObject({ namespace: 'default', name: 'web', body: { metadata: { uid: 'uid-web' }, status: { phase: 'Running' } } });
    // two more reports while the first write is in flight: nothing is sent
    h.report(p, { ...running(2), message: 'second' });
    h.report(p, { ...running(2), message: 'third' });
    expect(writes()).toHaveLength(1);
    // answered: only the latest goes
    h.answer(writes()[0]!, 200);
    expect(writes()).toHaveLength(2);
    expect((writes()[1]!.body as { status: PodStatus }).status.message).toBe('third');
    h.answer(writes()[1]!, 200);
    expect(writes()).toHaveLength(2);

    // the pod is deleted: its worker is told to terminate, with the grace period, once
    const deleting = pod('web', '100m', { deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 5, resourceVersion: '2' });
    deliver('watch.modified', deleting);
    deliver('watch.modified', { ...deleting, metadata: { ...deleting.metadata, resourceVersion: '3' } });
    expect(h.told.slice(1)).toEqual([{ to: 'pod/default/web', type: 'pod.kill', grace: 5 }]);
    // a report in flight when the worker ends: the final status waits for it
    h.report(p, { ...running(2), message: 'stopping' });
    expect(writes()).toHaveLength(3);
    const final: PodStatus = { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False' }] };
    h.report(p, final, 'pod.terminated');
    expect(h.kernel.has('pod/default/web')).toBe(false);
    expect(writes()).toHaveLength(3);
    expect(h.sent('delete', 'pods')).toHaveLength(0);
    h.answer(writes()[2]!, 200);
    expect(writes()).toHaveLength(4);
    expect((writes()[3]!.body as { status: PodStatus }).status.phase).toBe('Succeeded');
    // no deletion before the final status is written
    expect(h.sent('delete', 'pods')).toHaveLength(0);
    h.answer(writes()[3]!, 200);
    const del = h.sent('delete', 'pods');
    expect(del).toHaveLength(1);
    expect(del[0]).toMatchObject({ namespace: 'default', name: 'web', query: { gracePeriodSeconds: 0 }, body: { gracePeriodSeconds: 0, preconditions: { uid: 'uid-web' } } });
    expect(h.kernel.errors).toEqual([]);
  });

  it('a failed write is tried again with the latest status; a report from an older worker of the same name is ignored', () => {
    const h = harness();
    const deliver = h.register();
    const p = pod('web');
    deliver('watch.added', p);
    h.report(p, running(2));
    const writes = () => h.sent('patch', 'pods', 'status');
    h.answer(writes()[0]!, 503);
    expect(writes()).toHaveLength(2);
    h.report({ ...p, metadata: { ...p.metadata, uid: 'uid-older' } }, { phase: 'Failed' });
    h.answer(writes()[1]!, 200);
    expect(writes()).toHaveLength(2);
  });

  it('admission refuses a pod that does not fit: no worker, a Warning event, and the pod reported Failed (OutOfcpu)', () => {
    const h = harness(kubeletMachine, '1');
    const deliver = h.register();
    deliver('watch.added', pod('big', '2'));
    expect(h.told).toEqual([]);
    expect(h.kernel.has('pod/default/big')).toBe(false);
    const writes = h.sent('patch', 'pods', 'status');
    expect(writes).toHaveLength(1);
    expect((writes[0]!.body as { status: PodStatus }).status).toMatchObject({ phase: 'Failed', reason: 'OutOfcpu' });
    const events = h.requests.filter((r) => r.verb === 'create' && r.resource === 'events');
    expect(events.map((e) => (e.body as { reason: string; type: string }).reason)).toEqual(['OutOfcpu']);
    // a pod that fits still starts
    deliver('watch.added', pod('small', '500m'));
    expect(h.told).toEqual([{ to: 'pod/default/small', type: 'pod.sync' }]);
  });

  it('every decision is a named guard: a kubelet given another podIsMine runs nothing', () => {
    const h = harness(kubeletMachine.provide({ guards: { podIsMine: () => false } }));
    const deliver = h.register();
    deliver('watch.added', pod('web'));
    expect(h.told).toEqual([]);
    expect(h.sent('patch', 'pods', 'status')).toHaveLength(0);
  });
});
