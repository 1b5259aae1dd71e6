/**
 * `kube-actors simulate -f FILE... [--nodes N] [--control-plane-nodes N] [--seed S] [--for DURATION] [--crash-node NAME@TIME]... [-o json]`:
 * applies manifests, runs the cluster for a virtual duration with faults, and prints the cluster
 * as `kubectl get` would. The node faults accept worker nodes and, with `--control-plane-nodes N`
 * (N > 1, a highly available control plane), control-plane nodes (`control-plane-1@30s`).
 */
import { findResource, RESOURCES } from '../../api/resources.js';
import { printTable, renderTable } from '../../api/printers.js';
import type { Table } from '../../api/printers-common.js';
import { StatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { createCluster, nodeSpecs, type Cluster } from '../../cluster/create-cluster.js';
import { controlPlaneNodeName } from '../../cluster/control-plane.js';
import type { Fault } from '../../cluster/faults.js';
import { UsageError, type Command } from '../main.js';
import { noMorePositionals, parseDuration, parseFlags, parsePositiveInt, parseProfile, parseSchedulerConfig, parseSeed } from '../args.js';
import { loadManifests } from '../manifests.js';
import { parseOutputFormat } from '../output.js';

const help = `Usage: kube-actors simulate -f FILE... [--nodes N] [--control-plane-nodes N] [--seed S] [--for DURATION]
                           [--profile fast|realistic|chaos]
                           [--crash-node NAME@TIME]... [--restart-node NAME@TIME]... [--partition-node NAME@TIME]...
                           [--heal-node NAME@TIME]... [--etcd-outage TIME+DURATION]... [-o wide|json|yaml]

Applies the manifests (YAML, one or many documents, or JSON) to a fresh simulated cluster, runs it
for the given virtual duration with the given faults, and prints the cluster as kubectl get would
(pods: NAME READY STATUS RESTARTS AGE NODE; then deployments, statefulsets, daemonsets,
persistentvolumeclaims and nodes; with -o wide kubectl's wide columns: pods' IP, NODE, NOMINATED
NODE and READINESS GATES, nodes' addresses and versions), or with -o json|yaml a Kubernetes List of
every object etcd holds (Events and Leases included).

Options:
  -f, --filename FILE        manifest to apply (repeatable); '-' reads standard input
  --nodes N                  worker nodes (default 3)
  --control-plane-nodes N    control-plane nodes (default 1); more than 1 runs a highly available
                             control plane: control-plane-1 … control-plane-N, each with an etcd
                             member, an API server and leader-elected scheduler and controller manager
  --seed S                   root seed (default 1): the same seed and inputs give the same run
  --for DURATION             virtual time to run after applying: 90s, 10m, 1h30m (default 2m)
  --profile NAME             timing profile: fast (default), realistic, chaos
  --scheduler-config FILE    a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, YAML
                             or JSON): plugins, weights, pluginConfig args (docs/scheduler.md)
  --crash-node NAME@TIME     crash a node at a virtual time after the apply, e.g. node-2@30s
                             (or a control-plane node: control-plane-1@30s)
  --restart-node NAME@TIME   boot a crashed node again
  --partition-node NAME@TIME cut a node off the network
  --heal-node NAME@TIME      bring its network back
  --etcd-outage TIME+DUR     make etcd unavailable at TIME for DUR, e.g. 1m+30s (every member)
  -o, --output FORMAT        wide, json or yaml (default: tables)

Exit codes: 0 the run completed; 1 a manifest is missing, does not parse, or was refused (a kind
the cluster does not serve, or the API server's answer); 2 bad usage.`;

interface Scheduled {
  at: number;
  fault: Fault;
}

function parseAt(flag: string, value: string, make: (node: string) => Fault): Scheduled {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)@(.+)$/.exec(value);
  if (!m) throw new UsageError(`--${flag} must be NAME@TIME, e.g. node-2@30s; got "${value}"`);
  return { at: parseDuration(flag, m[3], 0), fault: make(m[1]!) };
}

/**
 * The pods table with NAME READY STATUS RESTARTS AGE NODE columns, or with `wide` every column of
 * `kubectl get pods -o wide` (NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES).
 */
export function podsTable(cluster: Cluster, objects: KubeObject[], wide = false): string {
  const table = printTable(findResource('pods')!, objects, cluster.kernel.epoch + cluster.now());
  const showNamespace = new Set(objects.map((o) => o.metadata?.namespace)).size > 1;
  if (wide) return renderTable(table, { wide: true, showNamespace });
  const keep = ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'Node'];
  const idx = keep.map((k) => table.columnDefinitions.findIndex((c) => c.name === k));
  const narrowed: Table = {
    ...table,
    columnDefinitions: idx.map((i) => ({ ...table.columnDefinitions[i]!, priority: 0 })),
    rows: table.rows.map((r) => ({ ...r, cells: idx.map((i) => r.cells[i]) })),
  };
  return renderTable(narrowed, { showNamespace });
}

export const command: Command = {
  name: 'simulate',
  summary: 'apply manifests, run for a while with faults, print the cluster as kubectl get would',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
        filename: { type: 'string', short: 'f', multiple: true },
        nodes: { type: 'string' },
        'control-plane-nodes': { type: 'string' },
        seed: { type: 'string' },
        for: { type: 'string' },
        profile: { type: 'string' },
        'scheduler-config': { type: 'string' },
        'crash-node': { type: 'string', multiple: true },
        'restart-node': { type: 'string', multiple: true },
        'partition-node': { type: 'string', multiple: true },
        'heal-node': { type: 'string', multiple: true },
        'etcd-outage': { type: 'string', multiple: true },
        output: { type: 'string', short: 'o' },
    });
    noMorePositionals(positionals);
    const files = values.filename ?? [];
    if (files.length === 0) throw new UsageError('give at least one manifest with -f FILE');
    const format = parseOutputFormat(values.output, ['table', 'wide', 'json', 'yaml']);
    const output = format === 'table' ? undefined : format;
    const profile = parseProfile(values.profile);
    const schedulerConfig = parseSchedulerConfig(values['scheduler-config']);
    const nodes = parsePositiveInt('nodes', values.nodes, 3);
    const controlPlaneNodes = parsePositiveInt('control-plane-nodes', values['control-plane-nodes'], 1);
    const seed = parseSeed(values.seed);
    const duration = parseDuration('for', values.for, 120_000);
    const faults: Scheduled[] = [
      ...(values['crash-node'] ?? []).map((v) => parseAt('crash-node', v, (node) => ({ kind: 'crash-node', node }))),
      ...(values['restart-node'] ?? []).map((v) => parseAt('restart-node', v, (node) => ({ kind: 'restart-node', node }))),
      ...(values['partition-node'] ?? []).map((v) => parseAt('partition-node', v, (node) => ({ kind: 'partition-node', node }))),
      ...(values['heal-node'] ?? []).map((v) => parseAt('heal-node', v, (node) => ({ kind: 'heal-node', node }))),
    ];
    for (const v of values['etcd-outage'] ?? []) {
      const m = /^(.+)\+(.+)$/.exec(v);
      if (!m) throw new UsageError(`--etcd-outage must be TIME+DURATION, e.g. 1m+30s; got "${v}"`);
      const at = parseDuration('etcd-outage', m[1], 0);
      faults.push({ at, fault: { kind: 'etcd-outage' } }, { at: at + parseDuration('etcd-outage', m[2], 0), fault: { kind: 'etcd-recover' } });
    }
    const objects = loadManifests(files).flatMap((m) => m.objects);
    // the faults' nodes: the workers, and the control-plane nodes of a highly available control plane
    const known = [...nodeSpecs({ nodes }).map((n) => n.name), ...(controlPlaneNodes > 1 ? Array.from({ length: controlPlaneNodes }, (_, i) => controlPlaneNodeName(i + 1)) : [])];
    for (const f of faults) {
      if ('node' in f.fault && !known.includes(f.fault.node)) throw new UsageError(`unknown node "${f.fault.node}"; the cluster has ${known.join(', ')}`);
    }
    const cluster = createCluster({ nodes, seed, profile, controlPlane: { nodes: controlPlaneNodes }, ...(schedulerConfig !== undefined ? { schedulerConfiguration: schedulerConfig } : {}) });
    cluster.runUntil(() => cluster.count('nodes') === nodes, { timeout: 60_000 });
    let refused = 0;
    for (const obj of objects) {
      try {
        const applied = cluster.client.apply(obj);
        const info = findResource(applied.kind ?? '');
        if (output !== 'json' && output !== 'yaml') console.error(`${info ? info.singular + (info.group ? '.' + info.group : '') : applied.kind}/${applied.metadata?.name} applied`);
      } catch (error) {
        if (!(error instanceof StatusError)) throw error;
        refused++;
        console.error(`Error from server (${error.status.reason}): ${error.status.message}`);
      }
    }
    for (const f of faults) cluster.faults.schedule(f.at, f.fault);
    const step = Math.max(1_000, Math.floor(duration / 50));
    const tty = process.stderr.isTTY && output !== 'json' && output !== 'yaml';
    for (let t = 0; t < duration; t += step) {
      cluster.advance(Math.min(step, duration - t));
      if (tty) {
        const done = Math.min(1, (t + step) / duration);
        process.stderr.write(`\r[${'#'.repeat(Math.round(done * 30)).padEnd(30)}] ${(done * 100).toFixed(0).padStart(3)}% of ${Math.round(duration / 1000)}s simulated`);
      }
    }
    if (tty) process.stderr.write('\n');
    if (output === 'json' || output === 'yaml') {
      // every object etcd holds, resource by resource in the registry's order (Events and Leases included)
      const all: KubeObject[] = RESOURCES.flatMap((info) => cluster.objects(`${info.plural}${info.group ? `.${info.group}` : ''}`));
      const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: all };
      if (output === 'json') console.log(JSON.stringify(list, null, 2));
      else console.log((await import('yaml')).stringify(list));
    } else {
      const pods = cluster.objects('pods');
      console.log(pods.length ? podsTable(cluster, pods, output === 'wide').trimEnd() : 'No resources found in default namespace.');
      const now = cluster.kernel.epoch + cluster.now();
      for (const r of ['deployments', 'statefulsets', 'daemonsets', 'persistentvolumeclaims', 'nodes']) {
        const items = cluster.objects(r);
        if (items.length === 0) continue;
        console.log('\n' + renderTable(printTable(findResource(r)!, items, now), { wide: output === 'wide' }).trimEnd());
      }
    }
    cluster.stop();
    return refused > 0 ? 1 : 0;
  },
};
