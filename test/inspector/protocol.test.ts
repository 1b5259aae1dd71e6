/**
 * The inspector's WebSocket protocol against a real server on 127.0.0.1 (a free port) and a real
 * cluster driven in real time: hello, messages numbered without gaps, resuming with `since`,
 * two browsers seeing the same cluster, the controls moving virtual time as they say, apply with
 * a bad manifest returning the API server's Status with its causes, faults changing a node's
 * state, statecharts, payloads, and the overflow notice of the bounded buffer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInspector, type Inspector } from '../../src/inspector/server.js';
import type { Pod } from '../../src/api/types.js';
import { TestClient, eventually, type Msg } from './ws-client.js';

const T = { timeout: 60_000 };

/** The fields two clients must agree on for one trace message. */
const key = (m: Msg) => JSON.stringify([m.seq, m.time, m.from, m.to, m.event, m.summary, m.status, m.flow ?? null]);

function assertContiguous(msgs: Msg[], from: number): void {
  msgs.forEach((m, i) => expect(m.seq, `message ${i}`).toBe(from + i));
}

describe('inspector protocol', T, () => {
  let insp: Inspector;
  const clients: TestClient[] = [];
  const connect = async () => {
    const c = await TestClient.connect(insp.url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    insp = await startInspector({ port: 0, speed: 20, cluster: { seed: 7, nodes: 3 } });
    expect(insp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await eventually(() => insp.cluster.objects('nodes').length === 3, 20_000, 'three registered nodes');
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close();
    await insp?.close();
  });

  it('says hello with the cluster and the actor tree as in the architecture picture', async () => {
    const c = await connect();
    const h = c.hello;
    expect(c.frames[0]![0]!.type).toBe('hello');
    expect(h.protocol).toBe(1);
    expect(h.cluster).toMatchObject({ seed: 7, profile: 'fast', nodes: ['node-1', 'node-2', 'node-3'] });
    const byKey = new Map<string, any>(h.actors.map((a: any) => [a.key, a]));
    for (const k of ['api-server', 'etcd', 'scheduler', 'controller-manager', 'kubectl']) expect(byKey.get(k)?.kind, k).toBe(k);
    expect(byKey.get('api-server').host).toBe('control-plane');
    for (const n of ['node-1', 'node-2', 'node-3']) {
      expect(byKey.get(`node/${n}`)).toMatchObject({ kind: 'node', host: n, machine: 'node' });
      for (const k of ['kubelet', 'kube-proxy', 'container-runtime']) expect(byKey.get(`${k}/${n}`), `${k}/${n}`).toMatchObject({ kind: k, host: n, parent: `node/${n}` });
    }
    const controllers = h.actors.filter((a: any) => a.kind === 'controller');
    expect(controllers.length).toBeGreaterThan(0);
    for (const ctl of controllers) expect(ctl.parent).toBe('controller-manager');
    // state values, never contexts
    expect(byKey.get('etcd').value).toBe('available');
    expect(JSON.stringify(h.actors)).not.toContain('context');
    expect(h.status).toMatchObject({ paused: false, speed: 20 });
    expect(h.buffer.oldest).toBe(0);
    const nodes = h.tables.nodes;
    expect(nodes.columns.filter((_: string, i: number) => nodes.priorities[i] === 0)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(h.tables.nodes.rows.map((r: string[]) => r[0])).toEqual(['node-1', 'node-2', 'node-3']);
    expect(h.tables.pods.command).toBe('kubectl get pods -A -o wide');
  });

  it('streams every trace message with increasing seq, batched into frames', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', since: 0 });
    await eventually(() => c.messages.length >= 200, 20_000, '200 messages');
    assertContiguous(c.messages, 0);
    const frames = c.frames.filter((f) => f.some((m) => m.type === 'message'));
    expect(frames.length).toBeLessThan(c.messages.length); // batched, not one frame per message
    const first = c.messages[0]!;
    expect(first).toMatchObject({ type: 'message', seq: 0 });
    expect(typeof first.event).toBe('string');
    expect(first).not.toHaveProperty('payload');
    // what the server sent is what the kernel recorded
    const trace = insp.cluster.kernel.trace.since(0).slice(0, 200);
    expect(c.messages.slice(0, 200).map((m) => [m.seq, m.from, m.to, m.event, m.summary])).toEqual(trace.map((e) => [e.seq, e.from, e.to, e.type, e.summary]));
  });

  it('resumes after a reconnect from `since` with exactly the missed messages', async () => {
    const witness = await connect();
    witness.send({ type: 'subscribe', since: 0 });
    const a1 = await connect();
    a1.send({ type: 'subscribe', since: 0 });
    await eventually(() => a1.messages.length >= 100, 20_000, '100 messages');
    await a1.close();
    const last = a1.messages[a1.messages.length - 1]!.seq;
    // the simulation goes on while the browser is away
    const missedUntil = insp.cluster.kernel.trace.total + 150;
    await eventually(() => insp.cluster.kernel.trace.total >= missedUntil, 30_000, 'traffic while disconnected');
    const a2 = await connect();
    a2.send({ type: 'subscribe', since: last + 1 });
    await eventually(() => a2.messages.length >= 150, 20_000, 'the missed messages');
    assertContiguous(a2.messages, last + 1);
    const joined = [...a1.messages, ...a2.messages];
    assertContiguous(joined, 0);
    await eventually(() => witness.messages.length >= joined.length, 20_000, 'the witness to catch up');
    expect(joined.map(key)).toEqual(witness.messages.slice(0, joined.length).map(key));
  });

  it('shows a second browser the same cluster', async () => {
    const b = await connect();
    const c = await connect();
    b.send({ type: 'subscribe', since: 0 });
    c.send({ type: 'subscribe', since: 0 });
    await eventually(() => b.messages.length >= 300 && c.messages.length >= 300, 20_000, 'both browsers');
    expect(b.messages.slice(0, 300).map(key)).toEqual(c.messages.slice(0, 300).map(key));
    expect(b.hello.cluster).toEqual(c.hello.cluster);
    const keys = (m: Msg) => m.actors.map((a: any) => a.key).sort();
    expect(keys(b.hello)).toEqual(keys(c.hello));
  });

  it('pauses, steps one message, jumps and sets the speed of virtual time', async () => {
    const c = await connect();
    c.send({ type: 'subscribe' });
    const paused = await c.request({ type: 'control', action: 'pause' });
    expect(paused).toMatchObject({ type: 'result', request: 'control', ok: true });
    const st = await c.waitFor((m) => m.type === 'status' && m.paused === true);
    const t0 = insp.cluster.now();
    await new Promise((r) => setTimeout(r, 300));
    expect(insp.cluster.now()).toBe(t0); // paused: time stands still

    // step: exactly one more message, delivered at or after the paused time
    const seq0 = insp.cluster.kernel.trace.total;
    const from = c.received.length;
    const stepped = await c.request({ type: 'control', action: 'step' });
    expect(stepped.ok).toBe(true);
    expect(insp.cluster.kernel.trace.total).toBe(seq0 + 1);
    // the answer names the message it delivered (the page shows it even when it is a heartbeat)
    expect(stepped.seqs).toEqual([seq0]);
    expect(stepped.message).toBe('stepped 1 message');
    const msg = await c.waitFor((m) => m.type === 'message', 5_000, from);
    expect(msg.seq).toBe(seq0);
    expect(msg.time).toBeGreaterThanOrEqual(st.time);
    const afterStep = insp.cluster.now();
    expect(insp.driver.paused).toBe(true);

    // jump: exactly that much virtual time
    const jumped = await c.request({ type: 'control', action: 'jump', ms: 5_000 });
    expect(jumped.ok).toBe(true);
    expect(insp.cluster.now()).toBe(afterStep + 5_000);
    await c.waitFor((m) => m.type === 'status' && m.time === afterStep + 5_000);

    // speed, then resume: time moves again
    expect((await c.request({ type: 'control', action: 'speed', speed: 50 })).ok).toBe(true);
    await c.waitFor((m) => m.type === 'status' && m.speed === 50);
    const bad = await c.request({ type: 'control', action: 'speed', speed: -3 });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/speed/);
    expect((await c.request({ type: 'control', action: 'resume' })).ok).toBe(true);
    const t1 = insp.cluster.now();
    await eventually(() => insp.cluster.now() > t1 + 100, 5_000, 'time to move');
    await c.waitFor((m) => m.type === 'status' && m.paused === false);
    await c.request({ type: 'control', action: 'speed', speed: 20 });
  });

  it('answers an apply of a bad manifest with the Status and its field causes', async () => {
    const c = await connect();
    const r = await c.request({
      type: 'apply',
      manifest: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: web\n',
    });
    expect(r).toMatchObject({ type: 'result', request: 'apply', ok: false });
    expect(r.items).toHaveLength(1);
    const status = r.items[0].status;
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', code: 422, reason: 'Invalid' });
    expect(status.message).toContain('Bad_Name');
    const fields = status.details.causes.map((x: any) => x.field);
    expect(fields).toContain('metadata.name');
    expect(fields).toContain('spec.containers[0].image');
    for (const cause of status.details.causes) expect(typeof cause.message).toBe('string');

    // a manifest that is not YAML never reaches the server
    const broken = await c.request({ type: 'apply', manifest: 'kind: Pod\n  metadata: [\n' });
    expect(broken.ok).toBe(false);
    expect(broken.status).toMatchObject({ reason: 'BadRequest' });

    // a good one, with two documents
    const good = await c.request({
      type: 'apply',
      manifest:
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: one\nspec:\n  containers:\n  - name: web\n    image: nginx:1.14.2\n---\n' +
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  containers:\n  - name: web\n    image: nginx:1.14.2\n',
    });
    expect(good.ok).toBe(true);
    expect(good.items.map((i: any) => `${i.ref} ${i.action}`)).toEqual(['pod/one created', 'pod/two created']);
    expect(good.items[0].flow).toBe('apply pods default/one');
    const again = await c.request({ type: 'apply', manifest: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: one\nspec:\n  containers:\n  - name: web\n    image: nginx:1.14.2\n' });
    expect(again.items[0].action).toBe('unchanged');
  });

  it('creates a pod: its actor appears on a node, its messages carry the flow', async () => {
    const c = await connect();
    c.send({ type: 'subscribe' });
    const r = await c.request({ type: 'create-pod', name: 'probe', image: 'nginx:1.14.2' });
    expect(r).toMatchObject({ ok: true, message: 'pod/probe created', flow: 'create pods default/probe', name: 'probe' });
    const added = await c.waitFor((m) => m.type === 'actor' && m.op === 'added' && m.actor.key === 'pod/default/probe');
    expect(added.actor).toMatchObject({ kind: 'pod', machine: 'pod' });
    expect(added.actor.parent).toMatch(/^kubelet\/node-\d$/);
    expect(added.actor.host).toBe(added.actor.parent.slice('kubelet/'.length));
    await eventually(() => insp.cluster.object<Pod>('pods', 'probe')?.status?.phase === 'Running', 30_000, 'the pod to run');
    const flow = c.messages.filter((m) => m.flow === 'create pods default/probe').map((m) => `${m.from}>${m.to}`);
    expect(flow[0]).toBe('kubectl>api-server');
    expect(flow).toContain('api-server>etcd');
    expect(flow).toContain('scheduler>api-server');
    expect(flow.some((f) => /^api-server>kubelet\/node-\d$/.test(f))).toBe(true);
    const dup = await c.request({ type: 'create-pod', name: 'probe' });
    expect(dup.ok).toBe(false);
    expect(dup.status).toMatchObject({ reason: 'AlreadyExists', code: 409 });
  });

  it('injects faults and the node actor changes state', async () => {
    const c = await connect();
    const nodeValue = () => insp.hub.actors().find((a) => a.key === 'node/node-2')?.value;
    const sawValue = (value: string, from: number) =>
      c.waitFor((m) => m.type === 'snapshot' && m.key === 'node/node-2' && m.value === value, 20_000, from);

    let from = c.received.length;
    expect((await c.request({ type: 'fault', kind: 'crash-node', node: 'node-2' })).ok).toBe(true);
    await sawValue('down', from);
    expect(nodeValue()).toBe('down');
    const stopped = await c.waitFor((m) => m.type === 'actor' && m.op === 'stopped' && m.key === 'kubelet/node-2', 20_000, from);
    expect(stopped.status).toBe('stopped');

    from = c.received.length;
    expect((await c.request({ type: 'fault', kind: 'restart-node', node: 'node-2' })).ok).toBe(true);
    await c.waitFor((m) => m.type === 'actor' && m.op === 'added' && m.actor.key === 'kubelet/node-2', 20_000, from);
    await eventually(() => nodeValue() === 'ready', 20_000, 'node-2 ready again');

    from = c.received.length;
    expect((await c.request({ type: 'fault', kind: 'partition-node', node: 'node-3' })).ok).toBe(true);
    await c.waitFor((m) => m.type === 'snapshot' && m.key === 'node/node-3' && m.value === 'partitioned', 20_000, from);
    expect((await c.request({ type: 'fault', kind: 'heal-node', node: 'node-3' })).ok).toBe(true);
    await eventually(() => insp.hub.actors().find((a) => a.key === 'node/node-3')?.value !== 'partitioned', 20_000, 'node-3 healed');

    from = c.received.length;
    expect((await c.request({ type: 'fault', kind: 'etcd-outage' })).ok).toBe(true);
    await c.waitFor((m) => m.type === 'snapshot' && m.key === 'etcd' && m.value === 'unavailable', 20_000, from);
    expect((await c.request({ type: 'fault', kind: 'etcd-recover' })).ok).toBe(true);
    await c.waitFor((m) => m.type === 'snapshot' && m.key === 'etcd' && m.value === 'available', 20_000, from);

    const unknown = await c.request({ type: 'fault', kind: 'crash-node', node: 'node-9' });
    expect(unknown.ok).toBe(false);
    expect(unknown.error).toMatch(/unknown node "node-9"/);
    const noNode = await c.request({ type: 'fault', kind: 'crash-node' } as never);
    expect(noNode.ok).toBe(false);
  });

  it('sends a machine definition for the statechart and a payload as plain JSON', async () => {
    const c = await connect();
    const chart = await c.request({ type: 'statechart', key: 'node/node-1' });
    expect(chart.type).toBe('statechart');
    expect(chart.definition.id).toBe('node');
    const states = chart.definition.root.states.map((s: any) => s.key);
    expect(states).toEqual(expect.arrayContaining(['notReady', 'ready', 'partitioned', 'down']));
    const ready = chart.definition.root.states.find((s: any) => s.key === 'ready');
    expect(ready.transitions.map((t: any) => t.event)).toEqual(expect.arrayContaining(['node.crash', 'node.partition']));
    expect(ready.transitions.find((t: any) => t.event === 'node.crash').targets).toEqual(['node.down']);
    expect(chart.value).toBe('ready');

    const none = await c.request({ type: 'statechart', key: 'nope' });
    expect(none.definition).toBeNull();
    expect(none.error).toMatch(/no actor/);

    const seq = insp.hub.ring.range(insp.hub.ring.oldest).find((e) => e.type === 'api.request')!.seq;
    const p = await c.request({ type: 'payload', seq });
    expect(p.event.type).toBe('api.request');
    expect(p.entry).toMatchObject({ seq, type: 'api.request' });
    expect(() => JSON.stringify(p.event)).not.toThrow();

    const err = await c.request({ type: 'nonsense' } as never);
    expect(err.type).toBe('error');
  });

  it("sends a container's log lines with their virtual times, and the new ones when asked again from `next`", async () => {
    const c = await connect();
    insp.cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ticker', namespace: 'default' },
      spec: { containers: [{ name: 'tick', image: 'busybox:1.36', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'] }] },
    } as Pod);
    await eventually(() => insp.cluster.object<Pod>('pods', 'ticker')?.status?.phase === 'Running', 30_000, 'ticker running');
    const until = async (req: Parameters<TestClient['request']>[0], enough: (m: Msg) => boolean): Promise<Msg> => {
      for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
        const m = await c.request(req);
        if (enough(m) || Date.now() > deadline) return m;
      }
    };
    const first = await until({ type: 'logs', pod: 'default/ticker' }, (m) => m.lines.length >= 2);
    expect(first).toMatchObject({ type: 'logs', pod: 'default/ticker', container: 'tick', from: 0, ended: false });
    expect(first.lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick 1$/);
    expect(first.next).toBe(first.lines.length);
    // following: only what came after
    const later = await until({ type: 'logs', pod: 'ticker', container: 'tick', from: first.next }, (m) => m.lines.length >= 1);
    expect(later.from).toBe(first.next);
    expect(later.lines[0]).toMatch(new RegExp(`tick ${first.next + 1}$`));
    // the kubelet's refusals come back as the error
    expect(await c.request({ type: 'logs', pod: 'ticker', container: 'nope' })).toMatchObject({ type: 'logs', lines: [], error: 'container nope is not valid for pod ticker' });
    expect(await c.request({ type: 'logs', pod: 'default/missing' })).toMatchObject({ error: 'pods "missing" not found' });
  });
});

describe('inspector buffer', T, () => {
  it('tells a browser that resumes too late which messages the bounded buffer dropped', async () => {
    const insp = await startInspector({ port: 0, speed: 50, bufferSize: 100, cluster: { seed: 2, nodes: 2 } });
    const c = await TestClient.connect(insp.url);
    try {
      await eventually(() => insp.cluster.kernel.trace.total > 400, 30_000, 'traffic');
      c.send({ type: 'subscribe', since: 0 });
      const overflow = await c.waitFor((m) => m.type === 'overflow');
      expect(overflow.from).toBe(0);
      expect(overflow.to).toBeGreaterThan(300);
      expect(overflow.message).toMatch(/dropped/);
      await eventually(() => c.messages.length > 10, 10_000, 'messages after the overflow');
      assertContiguous(c.messages, overflow.to);
    } finally {
      await c.close();
      await insp.close();
    }
  });
});

describe('inspector origin check', T, () => {
  it('refuses WebSocket handshakes from another site, accepts its own page and non-browser clients', async () => {
    const insp = await startInspector({ port: 0, paused: true, cluster: { seed: 1, nodes: 1 } });
    const { default: WebSocket } = await import('ws');
    const attempt = (origin?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(insp.url.replace(/^http/, 'ws') + 'ws', origin ? { origin } : {});
        ws.once('message', () => {
          ws.close();
          resolve('accepted');
        });
        ws.once('error', () => resolve('refused'));
      });
    try {
      expect(await attempt()).toBe('accepted');
      expect(await attempt(insp.url.slice(0, -1))).toBe('accepted');
      expect(await attempt('http://evil.example')).toBe('refused');
    } finally {
      await insp.close();
    }
  });
});
