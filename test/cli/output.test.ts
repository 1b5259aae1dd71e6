/**
 * The shared CLI output helpers: `-o` parsing, kubectl-like tables from the API server's printers,
 * JSON and YAML as kubectl prints them, plain tables, and the progress bar that draws only on a
 * terminal.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../src/cli/main.js';
import {
  createProgressBar,
  formatObjects,
  listDocument,
  noResourcesFound,
  parseOutputFormat,
  renderProgress,
  resourceTable,
  toJSON,
  toYAML,
  type ProgressStream,
} from '../../src/cli/output.js';
import { createCluster } from '../../src/cluster/create-cluster.js';
import type { Pod } from '../../src/api/types.js';

const NOW = Date.UTC(2026, 0, 1, 0, 10, 0);
const pod = (name: string, node: string, phase: 'Running' | 'Pending' = 'Running'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:05:00Z' },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx:1.27' }] },
  status: {
    phase,
    podIP: '10.64.1.2',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'c', image: 'nginx:1.27', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:05:01Z' } } }],
  },
});

describe('parseOutputFormat', () => {
  it('accepts json, yaml, wide and name, and no option as the table', () => {
    expect(parseOutputFormat(undefined)).toBe('table');
    for (const f of ['json', 'yaml', 'wide', 'name'] as const) expect(parseOutputFormat(f)).toBe(f);
  });

  it('refuses anything else with a usage error naming the value and the accepted ones', () => {
    expect(() => parseOutputFormat('xml')).toThrow(UsageError);
    expect(() => parseOutputFormat('xml')).toThrow('-o/--output must be one of json, yaml, wide, name; got "xml"');
    expect(() => parseOutputFormat('wide', ['json', 'yaml'])).toThrow('-o/--output must be one of json, yaml; got "wide"');
    expect(() => parseOutputFormat('')).toThrow(UsageError);
  });
});

describe('JSON and YAML', () => {
  it('prints JSON with two spaces and a final newline', () => {
    expect(toJSON({ a: 1, b: [true] })).toBe('{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });

  it('prints YAML as kubectl does: sorted keys, sequences not indented, no undefined values', () => {
    const text = toYAML({ spec: { containers: [{ name: 'c', image: 'nginx' }] }, kind: 'Pod', apiVersion: 'v1', status: undefined });
    expect(text).toBe('apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx\n    name: c\n');
  });

  it('wraps several objects in a v1 List, and prints one named object alone', () => {
    const pods = [pod('a', 'node-1'), pod('b', 'node-2')];
    expect(listDocument(pods)).toEqual({ apiVersion: 'v1', items: pods, kind: 'List', metadata: { resourceVersion: '' } });
    expect(listDocument([pods[0]!], true)).toBe(pods[0]);
    const yaml = parseYaml(formatObjects('pods', pods, 'yaml', { now: NOW })) as { kind: string; items: Pod[] };
    expect(yaml.kind).toBe('List');
    expect(yaml.items.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    const json = JSON.parse(formatObjects('po', [pods[1]!], 'json', { now: NOW, single: true })) as Pod;
    expect(json.metadata?.name).toBe('b');
  });
});

describe('kubectl tables', () => {
  it('prints pods with the server-side columns; wide adds IP and NODE', () => {
    const pods = [pod('nginx-1', 'node-1'), pod('nginx-2', 'node-2', 'Pending')];
    const table = formatObjects('pods', pods, 'table', { now: NOW });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines[1]).toMatch(/^nginx-1\s+1\/1\s+Running\s+0\s+5m$/);
    const wide = formatObjects('pods', pods, 'wide', { now: NOW }).split('\n');
    expect(wide[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(wide[1]).toContain('node-1');
    const ns = formatObjects('pods', pods, 'table', { now: NOW, showNamespace: true, noHeaders: true }).split('\n');
    expect(ns[0]).toMatch(/^default\s+nginx-1\s+/);
  });

  it('prints kind/name lines with the group, as kubectl -o name', () => {
    expect(formatObjects('pods', [pod('a', 'n')], 'name', { now: NOW })).toBe('pod/a\n');
    expect(formatObjects('deployments', [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }], 'name', { now: NOW })).toBe('deployment.apps/web\n');
  });

  it('prints nothing for no objects, and names an unknown resource', () => {
    expect(formatObjects('pods', [], 'table', { now: NOW })).toBe('');
    expect(noResourcesFound('default')).toBe('No resources found in default namespace.');
    expect(noResourcesFound()).toBe('No resources found');
    expect(() => formatObjects('widgets', [], 'table', { now: NOW })).toThrow('the server doesn\'t have a resource type "widgets"');
  });

  it('reads a running cluster as kubectl get would', () => {
    const cluster = createCluster({ nodes: 2, seed: 3 });
    try {
      cluster.runUntil(() => cluster.objects('nodes').length === 2, { timeout: 60_000 });
      cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } });
      cluster.runUntil(() => cluster.object<Pod>('pods', 'web')?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, { timeout: 60_000 });
      const nodes = resourceTable(cluster, 'nodes').trimEnd().split('\n');
      expect(nodes[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
      expect(nodes.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['node-1 Ready', 'node-2 Ready']);
      const pods = resourceTable(cluster, 'pods', { namespace: 'default' }).trimEnd().split('\n');
      expect(pods[1]).toMatch(/^web\s+1\/1\s+Running\s+0\s+\d+s$/);
      const all = resourceTable(cluster, 'po').split('\n');
      expect(all[0]).toMatch(/^NAMESPACE\s+NAME\s+READY/);
      const asJson = JSON.parse(resourceTable(cluster, 'pods', { namespace: 'default', format: 'json' })) as { items: Pod[] };
      expect(asJson.items.map((p) => p.spec?.nodeName)).toEqual([cluster.object<Pod>('pods', 'web')!.spec!.nodeName]);
    } finally {
      cluster.stop();
    }
  });
});

describe('the progress bar', () => {
  function stream(isTTY: boolean): ProgressStream & { text: string } {
    const s = { text: '', isTTY, columns: 80, write: (t: string) => (s.text += t) };
    return s;
  }

  it('draws nothing when the stream is not a terminal', () => {
    const out = stream(false);
    const bar = createProgressBar({ total: 10, stream: out, label: 'verify' });
    expect(bar.enabled).toBe(false);
    for (let i = 0; i < 10; i++) bar.tick();
    bar.finish();
    expect(out.text).toBe('');
  });

  it('is off unless standard output is a terminal too (as when the output is piped)', () => {
    const out = stream(true);
    const bar = createProgressBar({ total: 3, stream: out });
    expect(bar.enabled).toBe(Boolean(process.stdout.isTTY));
  });

  it('redraws one line in place on a terminal, and ends it', () => {
    const out = stream(true);
    const bar = createProgressBar({ total: 4, stream: out, label: 'runs', enabled: true, intervalMs: 0 });
    bar.tick();
    bar.tick(1, 'seed 7');
    bar.update(4);
    bar.finish();
    const frames = out.text.split('\r').filter(Boolean);
    expect(frames[0]).toBe(`runs [${'#'.repeat(8)}${'.'.repeat(22)}]  25% 1/4`);
    expect(frames.at(-1)).toBe(`${renderProgress(4, 4, { label: 'runs', note: 'seed 7', columns: 80 })}\n`);
    expect(out.text.endsWith('\n')).toBe(true);
    expect(out.text.split('\n').length).toBe(2);
  });

  it('clears its line when asked', () => {
    const out = stream(true);
    const bar = createProgressBar({ total: 2, stream: out, enabled: true, intervalMs: 0 });
    bar.tick();
    bar.finish({ clear: true });
    expect(out.text.endsWith('\r')).toBe(true);
    expect(out.text).not.toContain('\n');
  });

  it('renders percent, counts and a note within the width', () => {
    expect(renderProgress(5, 10, { label: 'verify', note: 'shrinking', columns: 80 })).toBe(`verify [${'#'.repeat(15)}${'.'.repeat(15)}]  50% 5/10 shrinking`);
    expect(renderProgress(0, 0)).toContain('100% 0/0');
    expect(renderProgress(3, 10, { note: 'x'.repeat(200), columns: 40 }).length).toBe(39);
    expect(() => createProgressBar({ total: -1 })).toThrow(RangeError);
  });
});
