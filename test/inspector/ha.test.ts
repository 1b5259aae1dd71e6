/**
 * The inspector and a highly available control plane (`controlPlane: { nodes: 3 }`), against a
 * real server on 127.0.0.1 (a free port): `hello` carries the control plane's status and the
 * actors of each control-plane node with their kinds and hosts; `control-plane` messages follow
 * it live; crashing the etcd leader's node from the protocol shows the node down, then a new
 * leader with a higher term, and its restart brings the member back as a follower of that term;
 * the `inspect` command takes `--control-plane-nodes`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startInspector, type Inspector } from '../../src/inspector/server.js';
import type { ControlPlaneView } from '../../src/inspector/protocol.js';
import { TestClient, eventually, type Msg } from './ws-client.js';

const T = { timeout: 90_000 };
const CP = ['control-plane-1', 'control-plane-2', 'control-plane-3'];

/** Every `control-plane` view received from index `from` on. */
const views = (c: TestClient, from = 0): ControlPlaneView[] => c.received.slice(from).filter((m) => m.type === 'control-plane').map((m) => m.controlPlane);

/** What must hold of any view of a healthy control plane with one etcd leader. */
function expectConsistent(v: ControlPlaneView): void {
  expect(v.nodes.map((n) => n.name)).toEqual(CP);
  expect(v.etcd.leader).toMatch(/^etcd\/control-plane-[123]$/);
  expect(v.etcd.leaderNode).toBe(v.etcd.leader!.slice('etcd/'.length));
  const leader = v.etcd.members.find((m) => m.address === v.etcd.leader)!;
  expect(leader.role).toBe('leader');
  expect(leader.term).toBe(v.etcd.term);
  for (const m of v.etcd.members) expect(m.term).toBeLessThanOrEqual(v.etcd.term);
  for (const lease of v.leases) {
    const leading = v.electors.filter((e) => e.lease === lease.name && e.leading);
    // at most one elector leads; when one does, it runs its component on the holder's node
    expect(leading.length, lease.name).toBeLessThanOrEqual(1);
    for (const e of leading) {
      expect(lease.holderNode).toBe(e.node);
      expect(lease.acting).toEqual([e.component]);
    }
  }
}

describe('inspector with a highly available control plane', T, () => {
  let insp: Inspector;
  const clients: TestClient[] = [];
  const connect = async () => {
    const c = await TestClient.connect(insp.url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    insp = await startInspector({ port: 0, speed: 20, cluster: { seed: 5, nodes: 2, controlPlane: { nodes: 3 } } });
    await eventually(() => insp.cluster.objects('nodes').length === 2, 30_000, 'two registered worker nodes');
    // both Leases taken and acted on
    await eventually(() => insp.cluster.controlPlane!.status().leases.every((l) => l.acting.length === 1), 30_000, 'a scheduler and a controller manager under their Leases');
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close();
    await insp?.close();
  });

  it('says hello with the control plane: nodes, etcd leader and term, API servers, Lease holders, electors', async () => {
    const c = await connect();
    const h = c.hello;
    expect(h.protocol).toBe(1);
    expect(h.cluster).toMatchObject({ seed: 5, nodes: ['node-1', 'node-2'], controlPlaneNodes: CP });
    const v = h.controlPlane as ControlPlaneView;
    expect(v).toBeDefined();
    expectConsistent(v);
    expect(v.nodes.map((n) => n.state)).toEqual(['ready', 'ready', 'ready']);
    expect(v.etcd.members.map((m) => m.node)).toEqual(CP);
    for (const m of v.etcd.members) {
      expect(['leader', 'follower']).toContain(m.role);
      expect(m.leader).toBe(v.etcd.leader);
    }
    expect(v.apiServers.map((a) => [a.address, a.healthy])).toEqual(CP.map((n) => [`api-server/${n}`, true]));
    expect(v.loadBalancer).toMatchObject({ address: 'api-server', state: 'balancing' });
    expect(v.leases.map((l) => l.name)).toEqual(['kube-scheduler', 'kube-controller-manager']);
    for (const l of v.leases) {
      expect(CP).toContain(l.holderNode);
      expect(l.holderIdentity!.startsWith(`${l.holderNode}_`)).toBe(true);
    }
    expect(v.electors).toHaveLength(6);
    expect(v.electors.filter((e) => e.leading)).toHaveLength(2);
    // the same as the library says, when nothing moved in between
    // (the real-time driver keeps running: under a loaded machine an election may come between)
    const status = insp.cluster.controlPlane!.status();
    if (status.etcd.term === v.etcd.term) {
      expect(v.leases.map((l) => l.holderIdentity)).toEqual(status.leases.map((l) => l.holderIdentity));
      expect(v.etcd.leader).toBe(status.etcd.leader);
    } else expect(status.etcd.term).toBeGreaterThan(v.etcd.term);

    // the actor tree: each control-plane node with its components, the balancer at api-server
    const byKey = new Map<string, Msg>(h.actors.map((a: Msg) => [a.key, a]));
    for (const n of CP) {
      expect(byKey.get(`node/${n}`)).toMatchObject({ kind: 'control-plane-node', host: n, machine: 'control-plane-node' });
      expect(byKey.get(`etcd/${n}`)).toMatchObject({ kind: 'etcd', host: n, parent: `node/${n}`, machine: 'etcd-member' });
      expect(byKey.get(`api-server/${n}`)).toMatchObject({ kind: 'api-server', host: n, parent: `node/${n}`, machine: 'api-server' });
      for (const lease of ['kube-scheduler', 'kube-controller-manager']) {
        expect(byKey.get(`leader-elector/${lease}/${n}`)).toMatchObject({ kind: 'leader-elector', host: n, parent: `node/${n}` });
      }
    }
    expect(byKey.get('api-server')).toMatchObject({ kind: 'load-balancer', host: 'load-balancer', machine: 'load-balancer' });
    const schedulerNode = v.leases[0]!.holderNode!;
    const cmNode = v.leases[1]!.holderNode!;
    expect(byKey.get(`scheduler/${schedulerNode}`)).toMatchObject({ kind: 'scheduler', host: schedulerNode, parent: `leader-elector/kube-scheduler/${schedulerNode}` });
    expect(byKey.get(`controller-manager/${cmNode}`)).toMatchObject({ kind: 'controller-manager', host: cmNode });
    const controllers = h.actors.filter((a: Msg) => a.kind === 'controller');
    expect(controllers.length).toBeGreaterThan(0);
    for (const ctl of controllers) {
      // keyed by their address on the network, as the trace names them
      expect(ctl.key).toMatch(/^controller-manager\/[a-z-]+$/);
      expect(ctl.parent).toBe(`controller-manager/${cmNode}`);
      expect(ctl.host).toBe(cmNode);
    }
    // no worker-node kinds for control-plane nodes, no unknown actors
    expect(h.actors.filter((a: Msg) => a.kind === 'node').map((a: Msg) => a.key)).toEqual(['node/node-1', 'node/node-2']);
    expect(h.actors.filter((a: Msg) => a.kind === 'actor')).toEqual([]);
    expect(JSON.stringify(h.controlPlane)).not.toContain('context');
  });

  it('follows the control plane live: writes move the commit index, without a message every batch', async () => {
    const c = await connect();
    const before = (c.hello.controlPlane as ControlPlaneView).etcd.members.map((m) => m.commitIndex);
    const created = await c.request({ type: 'create-pod', name: 'ha-web' });
    expect(created.ok).toBe(true);
    await c.waitFor((m) => m.type === 'control-plane' && m.controlPlane.etcd.members.some((x: { commitIndex: number }, i: number) => x.commitIndex > before[i]!), 20_000);
    for (const v of views(c)) expectConsistent(v);
    // cheap: a quiet control plane is not resent every 50 ms batch
    const from = c.received.length;
    const framesBefore = c.frames.length;
    // 40 batches (2 s at 50 ms on a quiet machine); their wall time is measured, not slept
    const start = performance.now();
    await c.waitForFrames(framesBefore + 40, 30_000);
    const elapsed = performance.now() - start;
    const sent = views(c, from).length;
    expect(sent).toBeGreaterThan(0); // renewals and heartbeats moved renew times and indexes
    // at most every 500 ms when only numbers move (and one more at each end of the window)
    expect(sent).toBeLessThanOrEqual(Math.floor(elapsed / 500) + 2);
    expect(sent).toBeLessThan(40); // not in every batch
    const last = views(c).at(-1)!;
    const now = (JSON.parse(JSON.stringify(insp.server.controlPlane())) as ControlPlaneView).leases.map((l) => l.holderIdentity);
    expect(last.leases.map((l) => l.holderIdentity)).toEqual(now);
  });

  it('shows the etcd leader’s node crash, a new leader with a higher term, and the member back as a follower', async () => {
    const c = await connect();
    const v0 = c.hello.controlPlane as ControlPlaneView;
    const oldLeader = v0.etcd.leader!;
    const node = v0.etcd.leaderNode!;
    const term = v0.etcd.term;
    let from = c.received.length;
    const r = await c.request({ type: 'fault', kind: 'crash-node', node });
    expect(r).toMatchObject({ ok: true, message: `crash-node ${node}` });

    // the node and its member are down at once
    const down = await c.waitFor((m) => m.type === 'control-plane' && m.controlPlane.nodes.find((n: { name: string }) => n.name === node)?.state === 'down', 20_000, from);
    const downView = down.controlPlane as ControlPlaneView;
    expect(downView.etcd.members.find((m) => m.node === node)!.role).toBe('down');
    expect(downView.apiServers.find((a) => a.node === node)!.state).toBeUndefined();
    expect(downView.electors.filter((e) => e.node === node).every((e) => !e.leading)).toBe(true);
    await c.waitFor((m) => m.type === 'actor' && m.op === 'stopped' && m.key === oldLeader, 20_000, from);

    // after the election: another member leads a higher term, the others follow it
    const elected = await c.waitFor((m) => m.type === 'control-plane' && m.controlPlane.etcd.leader !== undefined && m.controlPlane.etcd.leader !== oldLeader, 30_000, from);
    const v1 = elected.controlPlane as ControlPlaneView;
    expect(v1.etcd.term).toBeGreaterThan(term);
    expect(v1.etcd.leaderNode).not.toBe(node);
    const newLeader = v1.etcd.members.find((m) => m.address === v1.etcd.leader)!;
    expect(newLeader).toMatchObject({ role: 'leader', term: v1.etcd.term });
    expect(v1.etcd.members.find((m) => m.node === node)!.role).toBe('down');
    expect(v1.nodes.find((n) => n.name === node)!.state).toBe('down');
    // the elected member's actor shows it too
    const leaderActor = insp.hub.actors().find((a) => a.key === v1.etcd.leader);
    expect(JSON.stringify(leaderActor?.value)).toContain('leader');
    // the balancer takes the dead API server out
    await c.waitFor((m) => m.type === 'control-plane' && m.controlPlane.apiServers.find((a: { node: string }) => a.node === node)?.healthy === false, 20_000, from);

    // restart: the node comes back with its member's data directory (its old term), and the
    // member then follows the leader of the current term
    from = c.received.length;
    expect((await c.request({ type: 'fault', kind: 'restart-node', node })).ok).toBe(true);
    const rejoinedIn = (v: ControlPlaneView) => {
      const m = v.etcd.members.find((x) => x.node === node)!;
      return v.nodes.find((n) => n.name === node)!.state === 'ready' && m.role === 'follower' && m.leader !== undefined && m.leader === v.etcd.leader && m.term === v.etcd.term;
    };
    const back = await c.waitFor((m) => m.type === 'control-plane' && rejoinedIn(m.controlPlane), 30_000, from);
    const v2 = back.controlPlane as ControlPlaneView;
    expect(v2.etcd.term).toBeGreaterThanOrEqual(v1.etcd.term);
    expect(v2.etcd.leaderNode).not.toBe(node);
    expectConsistent(v2);
    await c.waitFor((m) => m.type === 'actor' && m.op === 'added' && m.actor.key === `etcd/${node}`, 20_000, from);
    for (const v of views(c)) expect(v.nodes.map((n) => n.name)).toEqual(CP);

    // a node the cluster does not have is refused, naming the nodes it has
    const unknown = await c.request({ type: 'fault', kind: 'crash-node', node: 'control-plane-9' });
    expect(unknown.ok).toBe(false);
    expect(unknown.error).toContain('unknown node "control-plane-9"');
    expect(unknown.error).toContain('control-plane-3');
  });
});

describe('inspector with the single control plane', T, () => {
  it('sends no control-plane status', async () => {
    const insp = await startInspector({ port: 0, speed: 20, cluster: { seed: 3, nodes: 1 } });
    const c = await TestClient.connect(insp.url);
    try {
      expect(c.hello.cluster.controlPlaneNodes).toEqual([]);
      expect(c.hello).not.toHaveProperty('controlPlane');
      expect(insp.server.controlPlane()).toBeUndefined();
      await new Promise((r) => setTimeout(r, 500));
      expect(c.frames.length).toBeGreaterThan(1);
      expect(c.received.some((m) => m.type === 'control-plane')).toBe(false);
    } finally {
      await c.close();
      await insp.close();
    }
  });
});

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const MAIN = join(process.cwd(), 'src', 'cli', 'main.ts');

describe('kube-actors inspect --control-plane-nodes', T, () => {
  it('refuses a value that is not a positive integer with exit code 2', () => {
    for (const bad of ['0', '-3', '1.5', 'many']) {
      const r = spawnSync(TSX, [MAIN, 'inspect', `--control-plane-nodes=${bad}`, '--port', '0'], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toContain(`--control-plane-nodes must be a positive integer; got "${bad}"`);
    }
  });

  it('serves a cluster with that many control-plane nodes', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'inspect', '--port', '0', '--control-plane-nodes', '3', '--nodes', '1', '--no-demo', '--seed', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await eventually(() => /http:\/\/127\.0\.0\.1:\d+\//.test(stdout) || child.exitCode !== null, 60_000, 'the URL');
      expect(stdout).toMatch(/kube-actors inspector: http:\/\/127\.0\.0\.1:\d+\/ {2}\(seed 2, 3 control-plane nodes, 1 node, /);
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)![1]!;
      const c = await TestClient.connect(url);
      try {
        expect(c.hello.cluster.controlPlaneNodes).toEqual(CP);
        expect((c.hello.controlPlane as ControlPlaneView).nodes).toHaveLength(3);
      } finally {
        await c.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
