/**
 * Your own scheduler plugins in the same cluster: a score plugin that prefers nodes labelled
 * `disktype=ssd` (for pods that ask for it with the label `wants: ssd`), and a filter plugin that
 * keeps every pod off nodes labelled `maintenance=true`. They join kube-scheduler's default
 * plugins through `createProfile`, and `createCluster({ schedulerProfile })` runs the scheduler
 * with them.
 *
 * The example schedules the same 8 pods on the same 4 nodes twice — with the default profile and
 * with the custom one — and prints where they landed.
 *
 * Run it: `npx tsx examples/custom-scheduler-plugin.ts`
 */
import { pathToFileURL } from 'node:url';
import {
  createCluster,
  createProfile,
  MAX_NODE_SCORE,
  SUCCESS,
  unresolvable,
  type FilterPlugin,
  type NodeOptions,
  type Pod,
  type ScorePlugin,
  type SchedulerProfile,
} from '../src/index.js';

/** Score: 100 for a node labelled `disktype=ssd` when the pod is labelled `wants: ssd`, else 0. */
export const PreferSsd: ScorePlugin = {
  name: 'PreferSsd',
  score(pod, nodeInfo) {
    if (pod.metadata?.labels?.['wants'] !== 'ssd') return 0;
    return nodeInfo.labels['disktype'] === 'ssd' ? MAX_NODE_SCORE : 0;
  },
};

/** Filter: no pod goes to a node labelled `maintenance=true`. */
export const AvoidMaintenance: FilterPlugin = {
  name: 'AvoidMaintenance',
  filter(_pod, nodeInfo) {
    return nodeInfo.labels['maintenance'] === 'true' ? unresolvable('node(s) are under maintenance') : SUCCESS;
  },
};

/** The default profile plus the two plugins; PreferSsd weighs 5 against the default scores' 1 to 3. */
export const customProfile: SchedulerProfile = createProfile({
  addFilters: [AvoidMaintenance],
  addScores: [{ plugin: PreferSsd, weight: 5 }],
});

const NODES: NodeOptions[] = [
  { name: 'node-1', labels: { disktype: 'hdd' } },
  { name: 'node-2', labels: { disktype: 'ssd' } },
  { name: 'node-3', labels: { disktype: 'hdd', maintenance: 'true' } },
  { name: 'node-4', labels: { disktype: 'hdd' } },
];

/** 8 small pods; the even ones want an SSD. */
function pods(): Pod[] {
  return Array.from({ length: 8 }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${i}`, labels: { app: 'web', ...(i % 2 === 0 ? { wants: 'ssd' } : {}) } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  }));
}

/** Runs the 8 pods on a fresh cluster with a profile; returns pod → node. */
export function placements(profile: SchedulerProfile | undefined, seed = 1): Record<string, string> {
  const cluster = createCluster({ nodes: NODES, seed, ...(profile ? { schedulerProfile: profile } : {}) });
  try {
    cluster.runUntil(() => cluster.objects('nodes').length === NODES.length, { timeout: 60_000 });
    for (const pod of pods()) cluster.client.create(pod);
    const bound = () => cluster.objects<Pod>('pods').filter((p) => p.spec?.nodeName).length === 8;
    if (!cluster.runUntil(bound, { timeout: 60_000 })) throw new Error('the pods were not all scheduled');
    const out: Record<string, string> = {};
    for (const p of cluster.objects<Pod>('pods')) out[p.metadata!.name!] = p.spec!.nodeName!;
    return out;
  } finally {
    cluster.stop();
  }
}

/** Runs the example; `log` receives each printed line. */
export function main(options: { seed?: number; log?: (line: string) => void } = {}): { defaults: Record<string, string>; custom: Record<string, string> } {
  const log = options.log ?? console.log;
  const defaults = placements(undefined, options.seed);
  const custom = placements(customProfile, options.seed);
  log('nodes: ' + NODES.map((n) => `${n.name} (${Object.entries(n.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')})`).join('; '));
  log('');
  log('POD     WANTS   DEFAULT PROFILE   WITH PreferSsd + AvoidMaintenance');
  for (const name of Object.keys(defaults).sort()) {
    const wants = Number(name.split('-')[1]) % 2 === 0 ? 'ssd' : '-';
    log(`${name.padEnd(8)}${wants.padEnd(8)}${defaults[name]!.padEnd(18)}${custom[name]}`);
  }
  const count = (m: Record<string, string>, node: string) => Object.values(m).filter((n) => n === node).length;
  log('');
  log(`node-3 (maintenance): ${count(defaults, 'node-3')} pods with the default profile, ${count(custom, 'node-3')} with the custom one`);
  log(`node-2 (ssd): ${count(defaults, 'node-2')} pods with the default profile, ${count(custom, 'node-2')} with the custom one`);
  return { defaults, custom };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
