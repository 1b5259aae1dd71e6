/**
 * The inspector's parts without a server: machine definitions as JSON, the ELK layout of every
 * machine of the cluster (the page's own module, run in Node), active states from a state value,
 * payload sanitising, the trace ring, manifest parsing, actor kinds, the hub's inspection
 * bookkeeping, and the Stately bridge's queueing.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createActor, setup } from 'xstate';
import ElkModule from 'elkjs/lib/elk.bundled.js';
import { statechartOf, activePaths } from '../../src/inspector/statechart.js';
import { transitionLabel } from '../../src/inspector/state-nodes.js';
import { toPlainJSON } from '../../src/inspector/sanitize.js';
import { InspectorHub, TraceRing, actorKind } from '../../src/inspector/hub.js';
import { parseManifest, withLastApplied, DEMO_MANIFEST, objectRef } from '../../src/inspector/apply.js';
import { createStatelyBridge } from '../../src/inspector/stately.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { TraceEntry } from '../../src/kernel/trace.js';
import { findResource } from '../../src/api/resources.js';
import { podMachine } from '../../machines/pod.js';
import { containerMachine } from '../../machines/container.js';
import { kubeletMachine } from '../../machines/kubelet.js';
import { nodeMachine } from '../../machines/node.js';
import { apiServerMachine } from '../../machines/api-server.js';
import { etcdMachine } from '../../machines/etcd.js';
import { schedulerMachine } from '../../machines/scheduler.js';
import { kubeProxyMachine } from '../../machines/kube-proxy.js';
import { containerRuntimeMachine } from '../../machines/container-runtime.js';
import { controllerManagerMachine } from '../../machines/controller-manager.js';
import { kubectlMachine } from '../../machines/kubectl.js';

// the page's module (plain JavaScript, no DOM needed for these functions); from the source tree
// also when this test runs compiled under dist/
const here = path.dirname(fileURLToPath(import.meta.url));
const pageModule = ['../../src/inspector/page/statechart.js', '../../../src/inspector/page/statechart.js'].map((p) => path.resolve(here, p)).find((p) => existsSync(p));
if (!pageModule) throw new Error('src/inspector/page/statechart.js not found');
const page = (await import(pathToFileURL(pageModule).href)) as {
  buildElkGraph(chart: unknown, measure: (t: string, font: string) => number): any;
  renderSvg(laid: unknown, chart: unknown): string;
  activePaths(value: unknown): string[];
  valueText(value: unknown): string;
  shortValue(value: unknown): string;
  wheelFactor(deltaY: number, deltaMode: number): number;
};

/** Another module of the page, from the source tree (also when this test runs compiled). */
async function pageModuleOf<T>(name: string): Promise<T> {
  const file = [`../../src/inspector/page/${name}`, `../../../src/inspector/page/${name}`].map((p) => path.resolve(here, p)).find((p) => existsSync(p));
  if (!file) throw new Error(`src/inspector/page/${name} not found`);
  return (await import(pathToFileURL(file).href)) as T;
}
const model = await pageModuleOf<{
  setControlPlaneNodes(list: string[]): void;
  kindOf(address: string): string;
  shortName(address: string): string;
  controlPlaneNodeOf(address: string): string | undefined;
  rankOf(address: string, hosts: Map<string, string>, nodes: string[]): [number, string];
  compareRank(a: [number, string], b: [number, string]): number;
  isHeartbeat(m: unknown): boolean;
}>('model.js');
const sequence = await pageModuleOf<{
  renderSequence(el: { clientWidth: number; innerHTML: string }, msgs: unknown[], opts: { hosts: Map<string, string>; nodes: string[]; selected: number | null; offset?: number; measure: (t: string) => number }): { offset: number; shown: number; total: number };
  lifelineWindow(widths: number[], avail: number, offset: number): { start: number; end: number };
}>('sequence.js');
const arch = await pageModuleOf<{
  archHtml(actors: Map<string, unknown>, nodes: string[], selected: string | null, controlPlane?: { nodes: string[]; view: unknown } | null, workers?: { compact: boolean; expanded: string | null }): string;
  controlPlaneShape(view: unknown): string;
}>('arch.js');

/** elkjs's CommonJS default export, as ESM sees it under NodeNext. */
const ELK = ((ElkModule as unknown as { default?: unknown }).default ?? ElkModule) as new () => { layout(graph: unknown): Promise<any> };

const MACHINES = {
  pod: podMachine,
  container: containerMachine,
  kubelet: kubeletMachine,
  node: nodeMachine,
  'api-server': apiServerMachine,
  etcd: etcdMachine,
  scheduler: schedulerMachine,
  'kube-proxy': kubeProxyMachine,
  'container-runtime': containerRuntimeMachine,
  'controller-manager': controllerManagerMachine,
  kubectl: kubectlMachine,
};

function allStates(node: any, out: any[] = []): any[] {
  out.push(node);
  for (const c of node.states) allStates(c, out);
  return out;
}

describe('machine definitions', () => {
  it('describes states, nesting, initial states and transitions with their events', () => {
    const m = setup({ guards: { isBig: () => true }, actions: { log: () => {} }, delays: { later: 500 } }).createMachine({
      id: 'demo',
      initial: 'a',
      states: {
        a: { on: { GO: { target: 'b', guard: 'isBig', actions: 'log' }, PING: { actions: 'log' } }, after: { 1000: 'c' } },
        b: {
          type: 'parallel',
          states: {
            left: { initial: 'x', states: { x: { on: { FLIP: 'y' } }, y: { after: { later: 'x' } } } },
            right: { initial: 'p', states: { p: { always: 'q' }, q: { type: 'final' } } },
          },
        },
        c: { type: 'final' },
      },
    });
    const chart = statechartOf(m)!;
    expect(chart.id).toBe('demo');
    expect(chart.root.initial).toEqual(['demo.a']);
    expect(chart.root.states.map((s) => s.key)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = chart.root.states;
    expect(a!.transitions).toEqual(
      expect.arrayContaining([
        { event: 'GO', label: 'GO', targets: ['demo.b'], guard: 'isBig', actions: ['log'], reenter: false },
        { event: 'PING', label: 'PING', targets: [], actions: ['log'], reenter: false },
        expect.objectContaining({ label: 'after 1000ms', targets: ['demo.c'] }),
      ]),
    );
    expect(b!.type).toBe('parallel');
    expect(b!.states.map((s) => s.path)).toEqual(['b.left', 'b.right']);
    const y = b!.states[0]!.states[1]!;
    expect(y.transitions[0]).toMatchObject({ label: 'after later', targets: ['demo.b.left.x'] });
    const p = b!.states[1]!.states[0]!;
    expect(p.transitions[0]).toMatchObject({ event: '', label: 'always', targets: ['demo.b.right.q'] });
    expect(c!.type).toBe('final');
    expect(statechartOf(m)).toBe(chart); // cached
    expect(statechartOf({})).toBeNull();
    expect(transitionLabel('xstate.after.5000.x.y')).toBe('after 5000ms');
  });

  it('turns a state value into the active paths, ancestors included', () => {
    expect(activePaths('ready')).toEqual(['ready']);
    expect(activePaths({ syncing: 'containers' })).toEqual(['syncing', 'syncing.containers']);
    expect(activePaths({ b: { left: 'x', right: 'q' } }).sort()).toEqual(['b', 'b.left', 'b.left.x', 'b.right', 'b.right.q']);
    expect(page.activePaths({ b: { left: 'x' } })).toEqual(activePaths({ b: { left: 'x' } }));
    expect(page.valueText({ syncing: 'containers' })).toBe('syncing › containers');
    expect(page.shortValue({ running: { cycle: 'idle', housekeeping: 'waiting' } })).toBe('idle · waiting');
    expect(page.shortValue({ a: { b: { c: 'd' } } })).toBe('c › d');
  });

  it('zooms the statechart by about 10% a wheel notch, whatever unit the wheel reports', () => {
    // a mouse notch: 100 px (Chromium), 3 lines (Firefox), 120 px (some systems)
    for (const [delta, mode] of [[100, 0], [3, 1], [120, 0]] as const) {
      const out = page.wheelFactor(delta, mode);
      expect(out).toBeGreaterThan(0.87);
      expect(out).toBeLessThan(0.92);
      expect(page.wheelFactor(-delta, mode) * out).toBeCloseTo(1, 10); // in and out again: back where it was
    }
    // five notches: well under 2×, not the 8× of before
    expect(page.wheelFactor(-100, 0) ** 5).toBeLessThan(1.7);
    // a trackpad's or a pinch's small steps zoom by as little; a page is capped at a notch
    expect(page.wheelFactor(4, 0)).toBeGreaterThan(0.99);
    expect(page.wheelFactor(1, 2)).toBe(page.wheelFactor(120, 0));
  });

  it.each(Object.entries(MACHINES))('lays out the %s machine with elkjs and draws every state', async (_name, machine) => {
    const chart = statechartOf(machine)!;
    expect(chart).not.toBeNull();
    const graph = page.buildElkGraph(chart, (t) => t.length * 6.5);
    const laid = await new ELK().layout(graph);
    expect(laid.width).toBeGreaterThan(0);
    const svg = page.renderSvg(laid, chart);
    for (const s of allStates(chart.root)) expect(svg, s.id).toContain(`data-state-id="${s.id}"`);
    const edges = allStates(chart.root).flatMap((s) => s.transitions.filter((t: any) => t.targets.some((x: string) => x !== s.id)));
    const drawn = svg.match(/class="sc-edge"/g)?.length ?? 0;
    expect(drawn).toBeGreaterThanOrEqual(edges.length > 0 ? 1 : 0);
    expect(svg).not.toContain('NaN');
  }, 30_000);
});

describe('payload sanitising', () => {
  it('drops functions, marks internal objects, cuts cycles and keeps plain data', () => {
    class Port {
      address = 'kubelet/node-1';
    }
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const out = toPlainJSON({
      type: 'kubectl.request',
      onResponse: () => 1,
      port: new Port(),
      spec: { verb: 'create', body: { kind: 'Pod', n: 1, ok: true, none: null, list: [1, undefined, () => 2] } },
      when: new Date(0),
      map: new Map([['a', 1]]),
      set: new Set([1, 2]),
      cyclic,
      big: 10n,
    }) as Record<string, any>;
    expect(out.onResponse).toBeUndefined();
    expect(out.port).toBe('[Port kubelet/node-1]');
    expect(out.spec).toEqual({ verb: 'create', body: { kind: 'Pod', n: 1, ok: true, none: null, list: [1, null, null] } });
    expect(out.when).toBe('1970-01-01T00:00:00.000Z');
    expect(out.map).toEqual({ a: 1 });
    expect(out.set).toEqual([1, 2]);
    expect(out.cyclic).toEqual({ name: 'x', self: '[circular]' });
    expect(out.big).toBe('10n');
    expect(() => JSON.stringify(out)).not.toThrow();
    expect(toPlainJSON({ a: { b: { c: 1 } } }, { maxDepth: 2 })).toEqual({ a: { b: '[…]' } });
    expect((toPlainJSON(Array.from({ length: 5 }, (_, i) => i), { maxItems: 3 }) as unknown[]).at(-1)).toBe('… 2 more');
  });
});

describe('trace ring', () => {
  const entry = (seq: number) => ({ seq, time: seq, sent: seq, msg: seq, from: 'a', to: 'b', type: 't', summary: '', status: 'delivered' }) as TraceEntry;

  it('keeps the last `capacity` entries addressable by seq', () => {
    const ring = new TraceRing(4);
    for (let i = 0; i < 10; i++) ring.push(entry(i));
    expect(ring.oldest).toBe(6);
    expect(ring.next).toBe(10);
    expect(ring.get(5)).toBeUndefined();
    expect(ring.get(7)?.seq).toBe(7);
    expect(ring.range(0).map((e) => e.seq)).toEqual([6, 7, 8, 9]);
    expect(ring.range(8, 1).map((e) => e.seq)).toEqual([8]);
    ring.push(entry(9)); // a duplicate is ignored
    expect(ring.next).toBe(10);
    ring.push(entry(20)); // a gap: nothing before it is contiguous any more
    expect(ring.oldest).toBe(20);
    expect(ring.range(0).map((e) => e.seq)).toEqual([20]);
    expect(() => new TraceRing(0)).toThrow(RangeError);
  });
});

describe('manifests', () => {
  it('parses one or many YAML documents, JSON and lists', () => {
    expect(parseManifest(DEMO_MANIFEST).objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['Pod/hello', 'Deployment/nginx-deployment']);
    expect(parseManifest('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"}}').objects).toHaveLength(1);
    const list = parseManifest('apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n');
    expect(list.objects.map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(parseManifest('').error?.message).toMatch(/no objects/);
    expect(parseManifest('a: [\n').error?.reason).toBe('BadRequest');
    expect(parseManifest('- 1\n- 2\n').error?.message).toMatch(/not a Kubernetes object/);
    expect(objectRef(findResource('deployments'), { kind: 'Deployment', metadata: { name: 'web' } })).toBe('deployment.apps/web');
    const applied = withLastApplied({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } } as never) as any;
    expect(JSON.parse(applied.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
  });
});

describe('hub', () => {
  it('names actors by address, children under their parent, and reports only changed state values', () => {
    expect(actorKind('api-server')).toBe('api-server');
    expect(actorKind('kubectl/abc')).toBe('kubectl');
    expect(actorKind('controller-manager/replicaset')).toBe('controller');
    expect(actorKind('pod/default/web')).toBe('pod');
    expect(actorKind('pod/default/web/nginx', 'pod')).toBe('container');
    expect(actorKind('kubelet/node-1')).toBe('kubelet');
    expect(actorKind('something')).toBe('actor');

    const hub = new InspectorHub({ bufferSize: 10 });
    const child = setup({}).createMachine({ id: 'child', initial: 'on', states: { on: { on: { T: 'off' } }, off: {} } });
    const parent = setup({ actors: { child } }).createMachine({
      id: 'parent',
      initial: 'idle',
      states: { idle: { entry: ({ self }) => void self, on: { GO: 'busy' } }, busy: { on: { BACK: 'idle' } } },
      invoke: { src: 'child', id: 'web' },
    });
    const kernel = new Kernel();
    hub.attach(kernel);
    const actor = createActor(parent, { id: 'pod/default/p', inspect: hub.inspect }).start();
    const first = hub.collect();
    expect(first.filter((m) => m.type === 'actor').map((m) => (m as any).actor.key)).toEqual(['pod/default/p', 'pod/default/p/web']);
    expect((first[1] as any).actor).toMatchObject({ kind: 'container', parent: 'pod/default/p', machine: 'child', value: 'on' });
    expect(hub.collect()).toEqual([]); // nothing changed
    actor.send({ type: 'GO' });
    actor.send({ type: 'NOPE' }); // a snapshot, but the same value
    // a hello for a new browser in between does not swallow the change for the others
    expect(hub.actors().find((a) => a.key === 'pod/default/p')?.value).toBe('busy');
    expect(hub.collect()).toEqual([{ type: 'snapshot', key: 'pod/default/p', value: 'busy', status: 'active' }]);
    actor.stop();
    const stopped = hub.collect();
    expect(stopped).toEqual(expect.arrayContaining([{ type: 'actor', op: 'stopped', key: 'pod/default/p', status: 'stopped' }]));
    expect(hub.actors()).toEqual([]);
    hub.detach();
  });
});

describe('the architecture band with many worker nodes', () => {
  it('draws one tile per node with its name, state and pods, names the nodes in trouble, and expands one', () => {
    const nodes = Array.from({ length: 50 }, (_, i) => `node-${i + 1}`);
    const a = (key: string, kind: string, value: unknown, extra: Record<string, unknown> = {}) => [key, { key, kind, value, status: 'active', machine: kind, ...extra }] as const;
    const actors = new Map<string, unknown>([
      a('kubectl', 'kubectl', 'idle'),
      a('api-server', 'api-server', { serving: 'ready' }),
      ...nodes.filter((n) => n !== 'node-7').map((n) => a(`node/${n}`, 'node', n === 'node-9' ? 'partitioned' : 'ready')),
      ...nodes.map((n) => a(`kubelet/${n}`, 'kubelet', { running: 'idle' })),
      a('pod/default/web', 'pod', { syncing: 'containers' }, { host: 'node-3' }),
      a('pod/default/db', 'pod', { syncing: 'containers' }, { host: 'node-3' }),
    ]);
    const full = arch.archHtml(actors, nodes, null);
    expect(full.match(/class="zone worker[ "]/g)).toHaveLength(50);
    expect(full).not.toContain('data-node-tile');
    const html = arch.archHtml(actors, nodes, 'kubelet/node-3', null, { compact: true, expanded: 'node-3' });
    expect(html.match(/data-node-tile="/g)).toHaveLength(50);
    const tile = (n: string) => html.slice(html.indexOf(`data-node-tile="${n}"`), html.indexOf('</div>', html.indexOf(`data-node-tile="${n}"`)));
    expect(tile('node-1')).toContain('node-1</span>');
    expect(tile('node-1')).toContain('<span class="state">ready</span>');
    expect(tile('node-3')).toMatch(/title="2 pods">2</);
    // a node whose actor is gone (crashed) is down and red; a partitioned one amber and dashed
    expect(html).toMatch(/class="node-tile s-bad down" data-node-tile="node-7"/);
    expect(tile('node-7')).toContain('<span class="state">unknown</span>');
    expect(html).toMatch(/class="node-tile s-warn partitioned" data-node-tile="node-9"/);
    expect(html).toContain('50 · 48 ready · 1 unknown · 1 partitioned');
    expect(html).toMatch(/class="trouble"[^>]*>⚠ <span class="trouble-node" data-node-pick="node-7">node-7 unknown<\/span> <span class="trouble-node" data-node-pick="node-9">node-9 partitioned</);
    // only the expanded node has its box, with its components and pods
    expect(html.match(/class="zone worker[ "]/g)).toHaveLength(1);
    expect(html).toContain('<div class="zone worker expanded" data-node="node-3">');
    expect(html).toContain('data-actor="pod/default/web"');
    expect(html).not.toContain('data-actor="kubelet/node-4"');
    expect(html).toMatch(/class="node-tile s-ok expanded" data-node-tile="node-3"/);
  });
});

describe('the sequence diagram with more lifelines than fit', () => {
  const nodes = Array.from({ length: 20 }, (_, i) => `node-${i + 1}`);
  const msg = (seq: number, from: string, to: string, event = 'api.request') => ({ seq, from, to, event, summary: `m${seq}`, status: 'delivered', time: seq, sent: seq });
  const msgs = [
    msg(1, 'kubectl', 'api-server'),
    msg(2, 'api-server', 'kubelet/node-20', 'watch.added'),
    msg(3, 'kubelet/node-19', 'kubelet/node-20', 'x.y'), // both out of view, on the same side
    msg(4, 'kubelet/node-12', 'api-server'),
    ...nodes.map((n, i) => msg(10 + i, `kubelet/${n}`, 'api-server')),
  ];
  const draw = (offset: number, clientWidth = 600) => {
    const el = { clientWidth, innerHTML: '' };
    const out = sequence.renderSequence(el, msgs, { hosts: new Map(), nodes, selected: null, offset, measure: (t) => t.length * 6.5 });
    return { ...out, html: el.innerHTML };
  };
  const rows = (html: string) => html.split('<g class="m-row').slice(1);

  it('shows a window of lifelines, summarises the others at the edges, and draws every row’s arrow', () => {
    const { html, offset, shown, total } = draw(0);
    expect(total).toBe(22);
    expect(offset).toBe(0);
    expect(shown).toBeGreaterThanOrEqual(3);
    expect(shown).toBeLessThan(total);
    expect(html).toContain('data-lifeline="kubectl"');
    expect(html).not.toContain('data-lifeline="kubelet/node-20"');
    expect(html).toMatch(/data-edge="right" data-hidden="[^"]*kubelet\/node-20/);
    expect(html).not.toContain('data-edge="left"');
    expect(rows(html)).toHaveLength(msgs.length);
    for (const r of rows(html)) expect(r).toMatch(/class="m-line"/);
    // an end out of view is named in the label
    const toHidden = rows(html).find((r) => r.includes('data-seq="2"'))!;
    expect(toHidden).toContain('⇢ kubelet node-20');
    const bothHidden = rows(html).find((r) => r.includes('data-seq="3"'))!;
    expect(bothHidden).toContain('kubelet node-19 ⇢ kubelet node-20');
    expect(html).not.toContain('NaN');
  });

  it('moves the window, clamped so that it stays full', () => {
    const middle = draw(6);
    expect(middle.offset).toBe(6);
    expect(middle.html).toContain('data-edge="left"');
    expect(middle.html).toContain('data-edge="right"');
    for (const r of rows(middle.html)) expect(r).toMatch(/class="m-line"/);
    const last = draw(1000);
    expect(last.offset + last.shown).toBe(last.total);
    expect(last.html).toContain('data-lifeline="kubelet/node-20"');
    expect(last.html).not.toContain('data-edge="right"');
    expect(last.html).toMatch(/data-edge="left" data-hidden="kubectl api-server /);
    // wide enough: no window, no edges
    const wide = draw(3, 4000);
    expect(wide).toMatchObject({ offset: 0, shown: 22, total: 22 });
    expect(wide.html).not.toContain('data-edge');
    expect(sequence.lifelineWindow([80, 80, 80], 1000, 2)).toEqual({ start: 0, end: 3 });
    // however narrow, one lifeline at least
    expect(sequence.lifelineWindow([80, 80, 80], 100, 1)).toEqual({ start: 1, end: 2 });
  });
});

describe('a highly available control plane', () => {
  const CP = ['control-plane-1', 'control-plane-2', 'control-plane-3'];

  it('gives its actors their kinds: control-plane nodes, their etcd members, API servers, electors, the balancer', () => {
    expect(actorKind('node/control-plane-1', undefined, 'control-plane-node')).toBe('control-plane-node');
    expect(actorKind('etcd/control-plane-1', 'control-plane-node', 'etcd-member')).toBe('etcd');
    expect(actorKind('api-server/control-plane-1', 'control-plane-node', 'api-server')).toBe('api-server');
    expect(actorKind('leader-elector/kube-scheduler/control-plane-1', 'control-plane-node', 'leader-elector')).toBe('leader-elector');
    expect(actorKind('scheduler/control-plane-1', 'leader-elector', 'scheduler')).toBe('scheduler');
    expect(actorKind('controller-manager/control-plane-1', 'leader-elector', 'controller-manager')).toBe('controller-manager');
    expect(actorKind('controller-manager/replicaset', 'controller-manager', 'replicaset')).toBe('controller');
    expect(actorKind('api-server', undefined, 'load-balancer')).toBe('load-balancer');
    // the single control plane is unchanged
    expect(actorKind('api-server', undefined, 'api-server')).toBe('api-server');
    expect(actorKind('node/node-1', undefined, 'node')).toBe('node');
    expect(actorKind('etcd/somewhere')).toBe('actor');
  });

  it('places the control-plane nodes’ components in the page: kinds, names, lifeline order, heartbeats', () => {
    model.setControlPlaneNodes(CP);
    try {
      const kinds = Object.fromEntries(
        ['api-server', 'node/control-plane-2', 'etcd/control-plane-2', 'api-server/control-plane-2', 'leader-elector/kube-scheduler/control-plane-2', 'scheduler/control-plane-2', 'controller-manager/control-plane-2', 'controller-manager/replicaset', 'node/node-1'].map((a) => [a, model.kindOf(a)]),
      );
      expect(kinds).toEqual({
        'api-server': 'api-server',
        'node/control-plane-2': 'control-plane-node',
        'etcd/control-plane-2': 'etcd',
        'api-server/control-plane-2': 'api-server',
        'leader-elector/kube-scheduler/control-plane-2': 'leader-elector',
        'scheduler/control-plane-2': 'scheduler',
        'controller-manager/control-plane-2': 'controller-manager',
        'controller-manager/replicaset': 'controller',
        'node/node-1': 'node',
      });
      expect(model.shortName('etcd/control-plane-2')).toBe('etcd');
      expect(model.shortName('leader-elector/kube-controller-manager/control-plane-3')).toBe('kube-controller-manager');
      expect(model.controlPlaneNodeOf('scheduler/control-plane-3')).toBe('control-plane-3');
      expect(model.controlPlaneNodeOf('kubelet/node-1')).toBeUndefined();
      const order = [
        'kubectl',
        'api-server',
        'node/control-plane-1',
        'api-server/control-plane-1',
        'etcd/control-plane-1',
        'leader-elector/kube-scheduler/control-plane-1',
        'scheduler/control-plane-1',
        'etcd/control-plane-2',
        'controller-manager/control-plane-3',
        'controller-manager/replicaset',
        'node/node-1',
        'kubelet/node-1',
      ];
      const hosts = new Map<string, string>();
      const sorted = [...order].reverse().sort((a, b) => model.compareRank(model.rankOf(a, hosts, ['node-1']), model.rankOf(b, hosts, ['node-1'])));
      expect(sorted).toEqual(order);
      // Raft's heartbeats are hidden, lost or not; a write's replication (it has a flow) and votes are not
      expect(model.isHeartbeat({ event: 'raft.append', summary: '', status: 'delivered' })).toBe(true);
      expect(model.isHeartbeat({ event: 'raft.appended', summary: '', status: 'dropped', reason: 'unreachable' })).toBe(true);
      expect(model.isHeartbeat({ event: 'raft.append', summary: '', status: 'delivered', flow: 'create pods default/web' })).toBe(false);
      expect(model.isHeartbeat({ event: 'raft.vote', summary: '', status: 'delivered' })).toBe(false);
      // the balancer's probes are hidden unless one is lost
      expect(model.isHeartbeat({ event: 'api.request', summary: 'get namespaces kube-system', status: 'delivered' })).toBe(true);
      expect(model.isHeartbeat({ event: 'api.request', summary: 'get namespaces kube-system', status: 'dropped', reason: 'unreachable' })).toBe(false);
    } finally {
      model.setControlPlaneNodes([]);
    }
    // without control-plane nodes, nothing of this applies
    expect(model.kindOf('node/control-plane-2')).toBe('node');
    expect(model.kindOf('controller-manager/control-plane-2')).toBe('controller');
    expect(model.isHeartbeat({ event: 'api.request', summary: 'get namespaces kube-system', status: 'delivered' })).toBe(false);
  });

  it('draws one box per control-plane node with its state, etcd role and term, API server health and electors', () => {
    const a = (key: string, kind: string, value: unknown, extra: Record<string, unknown> = {}) => [key, { key, kind, value, status: 'active', machine: kind, ...extra }] as const;
    const actors = new Map<string, unknown>([
      a('kubectl', 'kubectl', 'idle'),
      a('api-server', 'load-balancer', 'balancing'),
      ...CP.filter((n) => n !== 'control-plane-1').flatMap((n) => [
        a(`node/${n}`, 'control-plane-node', 'ready'),
        a(`etcd/${n}`, 'etcd', { raft: n === 'control-plane-2' ? { leader: 'beating' } : 'follower', watches: 'serving' }, { parent: `node/${n}` }),
        a(`api-server/${n}`, 'api-server', { serving: { pipeline: 'ready', housekeeping: 'idle' } }, { parent: `node/${n}` }),
        a(`leader-elector/kube-scheduler/${n}`, 'leader-elector', { role: 'standby', attempt: 'idle' }, { parent: `node/${n}` }),
        a(`leader-elector/kube-controller-manager/${n}`, 'leader-elector', { role: 'standby', attempt: 'idle' }, { parent: `node/${n}` }),
      ]),
      a('scheduler/control-plane-3', 'scheduler', { running: { cycle: 'idle' } }, { parent: 'leader-elector/kube-scheduler/control-plane-3' }),
      a('controller-manager/control-plane-2', 'controller-manager', 'running', { parent: 'leader-elector/kube-controller-manager/control-plane-2' }),
      a('controller-manager/replicaset', 'controller', { controller: 'idle' }, { parent: 'controller-manager/control-plane-2' }),
      a('node/node-1', 'node', 'ready'),
      a('kubelet/node-1', 'kubelet', { running: 'heartbeat' }, { parent: 'node/node-1' }),
    ]);
    const member = (n: string, role: string, term: number) => ({ address: `etcd/${n}`, node: n, role, term, ...(role === 'down' ? {} : { leader: 'etcd/control-plane-2' }), commitIndex: 90, applied: 90, lastIndex: 90, revision: 113 });
    const view = {
      nodes: CP.map((n) => ({ name: n, address: `node/${n}`, state: n === 'control-plane-1' ? 'down' : 'ready' })),
      etcd: { leader: 'etcd/control-plane-2', leaderNode: 'control-plane-2', term: 3, members: [member('control-plane-1', 'down', 2), member('control-plane-2', 'leader', 3), member('control-plane-3', 'follower', 3)] },
      apiServers: CP.map((n) => ({ address: `api-server/${n}`, node: n, healthy: n !== 'control-plane-1', watches: 4 })),
      loadBalancer: { address: 'api-server', state: 'balancing' },
      leases: [
        { name: 'kube-scheduler', holderIdentity: 'control-plane-3_x', holderNode: 'control-plane-3', leaseTransitions: 1, acting: ['scheduler/control-plane-3'] },
        { name: 'kube-controller-manager', holderIdentity: 'control-plane-1_y', holderNode: 'control-plane-1', leaseTransitions: 0, acting: [] },
      ],
      electors: CP.flatMap((n) => [
        { address: `leader-elector/kube-scheduler/${n}`, lease: 'kube-scheduler', node: n, leading: n === 'control-plane-3', component: `scheduler/${n}` },
        { address: `leader-elector/kube-controller-manager/${n}`, lease: 'kube-controller-manager', node: n, leading: false, component: `controller-manager/${n}` },
      ]),
    };
    model.setControlPlaneNodes(CP);
    let html: string;
    try {
      html = arch.archHtml(actors, ['node-1'], null, { nodes: CP, view });
    } finally {
      model.setControlPlaneNodes([]);
    }
    const box = (n: string) => {
      const start = html.indexOf(`data-cp-node="${n}"`);
      expect(start, n).toBeGreaterThan(0);
      const next = html.indexOf('data-cp-node="', start + 1);
      return html.slice(start, next < 0 ? html.indexOf('zone workers') : next);
    };
    expect(html.match(/<div class="cp-node[ "]/g)).toHaveLength(3);
    // the leader and its term, prominently, and the Lease holders
    expect(html).toContain('<span class="fact-value" data-cp-value="etcd-leader">control-plane-2</span>');
    expect(html).toContain('term 3');
    expect(html).toMatch(/data-lease-holder="kube-scheduler">control-plane-3</);
    expect(html).toMatch(/data-lease-holder="kube-controller-manager">control-plane-1<\/span><span class="badge lease-warn">not acting/);
    // each node's box
    expect(html).toContain('<div class="cp-node etcd-leader" data-cp-node="control-plane-2">');
    expect(box('control-plane-2')).toContain('★ etcd leader');
    expect(box('control-plane-2')).toContain('leader · term 3');
    expect(box('control-plane-3')).toContain('follower · term 3');
    expect(box('control-plane-3')).toContain('>healthy<');
    expect(box('control-plane-3')).toMatch(/leader-elector\/kube-scheduler\/control-plane-3"[^>]*>.*?<span class="badge leading"/);
    expect(box('control-plane-3')).toContain('data-actor="scheduler/control-plane-3"');
    expect(box('control-plane-2')).toContain('data-actor="controller-manager/replicaset"');
    // a crashed node: hatched, its components not running, its member down with its last term
    expect(html).toContain('<div class="cp-node down" data-cp-node="control-plane-1">');
    expect(box('control-plane-1')).toContain('not running');
    expect(box('control-plane-1')).toContain('>down<');
    expect(box('control-plane-1')).toContain('>not acting<');
    expect(box('control-plane-1')).not.toContain('data-actor="etcd/control-plane-1"');
    // control-plane nodes are not drawn as workers
    expect(html.match(/class="zone worker[ "]/g)).toHaveLength(1);
    // what redraws the band: a new leader or term, not a moved commit index
    const moved = { ...view, etcd: { ...view.etcd, members: view.etcd.members.map((m) => ({ ...m, commitIndex: m.commitIndex + 5, revision: m.revision + 5 })) } };
    expect(arch.controlPlaneShape(moved)).toBe(arch.controlPlaneShape(view));
    const elected = { ...view, etcd: { ...view.etcd, leader: 'etcd/control-plane-3', leaderNode: 'control-plane-3', term: 4 } };
    expect(arch.controlPlaneShape(elected)).not.toBe(arch.controlPlaneShape(view));
  });
});

describe('Stately bridge', () => {
  it('queues inspection events and flushes them without a timer per event', () => {
    const bridge = createStatelyBridge({ url: 'ws://127.0.0.1:9', flushMs: 60_000, maxEventsPerFlush: 5 });
    try {
      const m = setup({}).createMachine({ id: 'm', initial: 'a', states: { a: { on: { T: 'b' } }, b: { on: { T: 'a' } } } });
      const actor = createActor(m, { inspect: (e) => bridge.inspect(e) }).start();
      for (let i = 0; i < 20; i++) actor.send({ type: 'T' });
      expect(bridge.dropped).toBeGreaterThan(0); // beyond 5 events per flush
      expect(() => bridge.flush()).not.toThrow();
      actor.stop();
    } finally {
      bridge.stop();
    }
  });
});
