/**
 * The statechart generator: Mermaid `stateDiagram-v2` from a machine definition (nested and
 * parallel states, initial and final states, event, `always` and `after` transitions, guards,
 * transitions of the whole machine), and the pages of the cluster's machines.
 */
import { describe, expect, it } from 'vitest';
import { setup, type AnyStateMachine } from 'xstate';
import { headerComment, kindOf, machineChart, machineDocs, machinePage, mermaidStateDiagram, summarizeMessages } from '../../src/docs/machines.js';
import type { TraceEntry } from '../../src/kernel/trace.js';

const lamp = setup({
  types: { events: {} as { type: 'power' } | { type: 'toggle' } | { type: 'fault' } | { type: 'ping' } },
  guards: { healthy: () => true },
  delays: { warmup: 250 },
  actions: { log: () => {} },
}).createMachine({
  id: 'lamp',
  initial: 'off',
  on: { fault: '.broken' },
  states: {
    off: { on: { power: 'on' } },
    on: {
      initial: 'warming',
      on: { power: 'off', ping: { actions: 'log' } },
      states: {
        warming: { after: { warmup: 'lit' } },
        lit: { on: { toggle: { target: 'dim', guard: 'healthy' } } },
        dim: { after: { 1000: { target: 'lit', reenter: true } }, always: { target: '#lamp.broken', guard: 'healthy' } },
      },
    },
    broken: { type: 'final' },
  },
});

const plant = setup({}).createMachine({
  id: 'plant',
  type: 'parallel',
  states: {
    water: {
      initial: 'dry',
      states: {
        dry: { on: { rain: 'wet' } },
        wet: { initial: 'soaked', states: { soaked: {}, damp: {} }, on: { sun: 'dry' } },
      },
    },
    light: { initial: 'day', states: { day: { on: { dusk: 'night' } }, night: {} } },
  },
});

describe('machineChart', () => {
  it('lists every state and transition of the definition, `after` and `always` included', () => {
    const chart = machineChart(lamp);
    expect(chart.id).toBe('lamp');
    expect(chart.states.map((s) => `${s.path || '(root)'}:${s.type}${s.initial ? '>' + s.initial : ''}`)).toEqual([
      '(root):compound>off',
      'off:atomic',
      'on:compound>on.warming',
      'on.warming:atomic',
      'on.lit:atomic',
      'on.dim:atomic',
      'broken:final',
    ]);
    const t = chart.transitions.map((x) => `${x.source || '(root)'} ${x.label}${x.guard ? ` [${x.guard}]` : ''} -> ${x.targets.join(',') || '(stays)'}${x.reenter ? ' (reenter)' : ''}`);
    expect(t).toEqual([
      '(root) fault -> broken',
      'off power -> on',
      'on power -> off',
      'on ping -> (stays)',
      'on.warming after warmup -> on.lit',
      'on.lit toggle [healthy] -> on.dim',
      'on.dim after 1000ms -> on.lit (reenter)',
      'on.dim always [healthy] -> broken',
    ]);
    expect(chart.transitions.find((x) => x.event === 'ping')!.actions).toEqual(['log']);
    expect(chart.delays).toEqual({ warmup: 250 });
    // `after` is implemented with a delayed raise and its cancel; they are not shown as actions
    expect(chart.states.find((s) => s.path === 'on.warming')!.entry).toEqual([]);
  });
});

describe('mermaidStateDiagram', () => {
  it('draws composite states, initial and final states, guards, delays and whole-machine transitions', () => {
    expect(mermaidStateDiagram(lamp as unknown as AnyStateMachine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> s_off',
        '  state "off" as s_off',
        '  state "on" as s_on {',
        '    [*] --> s_on_warming',
        '    state "warming" as s_on_warming',
        '    state "lit" as s_on_lit',
        '    state "dim" as s_on_dim',
        '    s_on_warming --> s_on_lit : after warmup',
        '    s_on_lit --> s_on_dim : toggle [healthy]',
        '    s_on_dim --> s_on_lit : after 1000ms',
        '  }',
        '  state "broken" as s_broken',
        '  s_broken --> [*]',
        '  state "(any state)" as any_state',
        '  any_state --> s_broken : fault',
        '  s_off --> s_on : power',
        '  s_on --> s_off : power',
        '  s_on_dim --> s_broken : always [healthy]',
        '',
      ].join('\n'),
    );
  });

  it('draws a parallel machine as one composite state with regions, and avoids arrows to composites nested in regions', () => {
    const text = mermaidStateDiagram(plant);
    expect(text).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> s_machine_root',
        '  state "plant" as s_machine_root {',
        '    state "water" as s_water {',
        '      [*] --> s_water_dry',
        '      state "dry" as s_water_dry',
        '      state "wet" as s_water_wet {',
        '        [*] --> s_water_wet_soaked',
        '        state "soaked" as s_water_wet_soaked',
        '        state "damp" as s_water_wet_damp',
        '      }',
        '    }',
        '    --',
        '    state "light" as s_light {',
        '      [*] --> s_light_day',
        '      state "day" as s_light_day',
        '      state "night" as s_light_night',
        '      s_light_day --> s_light_night : dusk',
        '    }',
        '  }',
        // `wet` is a composite inside a region: the arrow enters its initial state, and its own
        // transition leaves from each of its states (Mermaid's layout fails on the composite)
        '  s_water_dry --> s_water_wet_soaked : rain',
        '  s_water_wet_soaked --> s_water_dry : sun',
        '  s_water_wet_damp --> s_water_dry : sun',
        '',
      ].join('\n'),
    );
  });

  it('draws every state of every cluster machine and every transition that has a target', () => {
    for (const doc of machineDocs()) {
      const chart = machineChart(doc.machine);
      const text = mermaidStateDiagram(doc.machine);
      expect(text.startsWith('stateDiagram-v2\n'), doc.file).toBe(true);
      for (const s of chart.states) if (s.path !== '') expect(text, `${doc.file}: ${s.path}`).toContain(`state "${s.key}" as s_${s.path.replace(/[^A-Za-z0-9]/g, '_')}`);
      const arrows = text.split('\n').filter((l) => l.includes(' --> ') && !l.includes('[*]'));
      const targeted = chart.transitions.filter((t) => t.targets.length > 0);
      for (const t of targeted) {
        const label = t.guard ? `${t.label} [${t.guard}]` : t.label;
        expect(arrows.some((l) => l.endsWith(` : ${label.replace(/[;#"]/g, ' ').replace(/\s+/g, ' ').trim()}`)), `${doc.file}: ${t.source} ${label}`).toBe(true);
      }
      // braces balance: every composite state is closed
      expect((text.match(/\{/g) ?? []).length, doc.file).toBe((text.match(/\}/g) ?? []).length);
    }
  });
});

describe('machine pages', () => {
  it('cover the machines of the architecture with their source header, chart, tables and messages', () => {
    const docs = machineDocs();
    expect(docs.map((d) => d.machine.id)).toEqual(
      expect.arrayContaining(['etcd', 'api-server', 'scheduler', 'controller-manager', 'kubectl', 'node', 'kubelet', 'kube-proxy', 'container-runtime', 'pod', 'container', 'etcd-member', 'leader-elector', 'load-balancer', 'control-plane-node']),
    );
    const entries = [
      { from: 'kubectl', to: 'api-server', type: 'api.request', status: 'delivered' },
      { from: 'api-server', to: 'etcd', type: 'etcd.create', status: 'delivered' },
      { from: 'api-server', to: 'kubelet/node-1', type: 'watch.added', status: 'delivered' },
      { from: 'api-server', to: 'kubelet/node-2', type: 'watch.added', status: 'dropped' },
      { from: 'controller-manager/replicaset', to: 'api-server', type: 'api.request', status: 'delivered' },
    ] as TraceEntry[];
    const messages = summarizeMessages(entries);
    expect([...messages.get('api-server')!.sent.entries()].map(([k, v]) => `${k}:${[...v]}`)).toEqual(['etcd:etcd.create', 'kubelet:watch.added']);
    expect([...messages.get('api-server')!.received.keys()].sort()).toEqual(['controller', 'kubectl']);
    const etcd = machinePage(docs.find((d) => d.file === 'etcd.md')!, messages);
    expect(etcd).toContain('# etcd');
    expect(etcd).toContain('```mermaid\nstateDiagram-v2\n');
    expect(etcd).toContain('| `available` | `etcd.fail` |  | `unavailable` |');
    expect(etcd).toContain('| `api-server` | `etcd.create` |');
    expect(etcd).toContain('Only the API server talks to it');
    const container = machinePage(docs.find((d) => d.file === 'container.md')!, messages);
    expect(container).toContain('not through the simulated network');
  });

  it('has a page for every machine the library exports', async () => {
    const api = (await import('../../src/index.js')) as Record<string, unknown>;
    const documented = new Set(machineDocs().map((d) => d.machine as unknown));
    const machines = Object.entries(api).filter(([name, value]) => name.endsWith('Machine') && typeof value === 'object' && value !== null && 'root' in value);
    expect(machines.length).toBeGreaterThanOrEqual(15);
    for (const [name, machine] of machines) expect(documented.has(machine), `${name} has a page`).toBe(true);
  });

  it('turns a source file header into Markdown, with @example as a code block', () => {
    const text = headerComment('machines/controllers/controller.ts');
    expect(text.startsWith('`defineController`')).toBe(true);
    expect(text).toContain('Example:\n\n```ts\nconst podCounter = defineController({');
    expect(text.trimEnd().endsWith('```')).toBe(true);
    expect(headerComment('machines/no-such-file.ts')).toBe('');
  });

  it('names the components of a highly available control plane by kind', () => {
    const addresses = ['api-server', 'api-server/control-plane-1', 'etcd/control-plane-2', 'node/control-plane-3', 'node/node-1', 'leader-elector/kube-scheduler/control-plane-1', 'scheduler/control-plane-1', 'controller-manager/control-plane-1', 'controller-manager/replicaset'];
    expect(addresses.map((a) => kindOf(a, true))).toEqual(['load-balancer', 'api-server', 'etcd-member', 'control-plane-node', 'node', 'leader-elector', 'scheduler', 'controller-manager', 'controller']);
  });

  it('names components by kind', () => {
    expect(['pod/default/nginx', 'kubelet/node-1', 'controller-manager/replicaset', 'controller-manager', 'etcd'].map((a) => kindOf(a))).toEqual([
      'pod',
      'kubelet',
      'controller',
      'controller-manager',
      'etcd',
    ]);
  });
});
