/**
 * Apply the nginx Deployment of the Kubernetes documentation (3 replicas), kill the node that runs
 * most of its pods, and print how the cluster reacts, as virtual time passes:
 *
 * 1. the dead node's kubelet stops renewing its Lease;
 * 2. the node lifecycle controller marks the node `Ready=Unknown` (after its 50 s grace period),
 *    taints it `node.kubernetes.io/unreachable` and marks its pods not ready;
 * 3. the pods tolerate that taint for 300 s (the API server's default toleration), then the
 *    controller evicts them;
 * 4. the ReplicaSet controller creates replacements, the scheduler puts them on the live nodes,
 *    and the Deployment is back to 3 available replicas.
 *
 * Hours of this would take milliseconds: nothing waits for the wall clock.
 *
 * Run it: `npx tsx examples/deployment-node-failure.ts`
 */
import { pathToFileURL } from 'node:url';
import { NGINX_DEPLOYMENT_YAML, createCluster, parseManifest, printTable, renderTable, findResource, type Cluster, type Deployment, type Node, type Pod } from '../src/index.js';

/** The Deployment of https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ */
export const NGINX_DEPLOYMENT = NGINX_DEPLOYMENT_YAML;

/** What the example found. */
export interface NodeFailureReport {
  /** The node that was killed. */
  killed: string;
  /** The pods that ran there. */
  lostPods: string[];
  /** Virtual seconds after the crash at which each change was seen, by description. */
  timeline: { at: number; what: string }[];
  /** Seconds after the crash until the Deployment had 3 available replicas again, none on the dead node (undefined if it never did). */
  recoveredAfter: number | undefined;
  /** The pods at the end: name → node. */
  finalPods: Record<string, string>;
}

const ready = (node: Node): string => node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '?';

/** One line per thing worth reporting, so that a change of any of them is printed. */
function observe(cluster: Cluster): Map<string, string> {
  const view = new Map<string, string>();
  for (const node of cluster.objects<Node>('nodes')) {
    const name = node.metadata!.name!;
    view.set(`node ${name}`, `Ready=${ready(node)}`);
    const taints = (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(', ');
    if (taints) view.set(`taints ${name}`, taints);
  }
  for (const pod of cluster.objects<Pod>('pods', 'default')) {
    const podReady = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const gone = pod.metadata?.deletionTimestamp ? ' (terminating)' : '';
    view.set(`pod ${pod.metadata!.name}`, `${pod.status?.phase ?? 'Pending'} on ${pod.spec?.nodeName ?? '(unscheduled)'}, ${podReady ? 'ready' : 'not ready'}${gone}`);
  }
  const d = cluster.object<Deployment>('deployments', 'nginx-deployment');
  if (d) view.set('deployment nginx-deployment', `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas} ready, ${d.status?.availableReplicas ?? 0} available`);
  return view;
}

/** `kubectl get pods -o wide`, printed by the API server's own table printer. */
function podsTable(cluster: Cluster): string {
  const now = cluster.kernel.epoch + cluster.now();
  return renderTable(printTable(findResource('pods')!, cluster.objects('pods', 'default'), now), { wide: true }).trimEnd();
}

/** Runs the example; `log` receives each printed line. */
export function main(options: { seed?: number; log?: (line: string) => void } = {}): NodeFailureReport {
  const log = options.log ?? console.log;
  const cluster = createCluster({ nodes: 3, seed: options.seed ?? 1 });
  try {
    cluster.runUntil(() => cluster.objects('nodes').length === 3, { timeout: 60_000 });

    // kubectl apply -f nginx-deployment.yaml
    const { objects, error } = parseManifest(NGINX_DEPLOYMENT);
    if (error) throw new Error(error.message);
    for (const obj of objects) cluster.client.apply(obj);
    const available = () => cluster.object<Deployment>('deployments', 'nginx-deployment')?.status?.availableReplicas ?? 0;
    if (!cluster.runUntil(() => available() === 3, { timeout: 120_000 })) throw new Error('the Deployment did not become available');
    cluster.advance(5_000);
    log(`t=${(cluster.now() / 1000).toFixed(1)}s  the Deployment is available:`);
    log(podsTable(cluster));

    // kill the node with the most nginx pods
    const pods = cluster.objects<Pod>('pods', 'default');
    const perNode = new Map<string, string[]>();
    for (const p of pods) perNode.set(p.spec!.nodeName!, [...(perNode.get(p.spec!.nodeName!) ?? []), p.metadata!.name!]);
    const [killed, lostPods] = [...perNode.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0]!;
    const crashAt = cluster.now();
    cluster.faults.crashNode(killed);
    log('');
    log(`t=${(crashAt / 1000).toFixed(1)}s  ${killed} crashes, with ${lostPods.join(', ')}`);

    // watch the cluster react, one virtual second at a time
    const timeline: { at: number; what: string }[] = [];
    let before = observe(cluster);
    let recoveredAfter: number | undefined;
    const recovered = () =>
      available() === 3 &&
      cluster.objects<Pod>('pods', 'default').filter((p) => !p.metadata?.deletionTimestamp && p.spec?.nodeName !== killed && p.status?.phase === 'Running').length === 3;
    for (let second = 1; second <= 900; second++) {
      cluster.advance(1_000);
      const now = observe(cluster);
      for (const key of new Set([...before.keys(), ...now.keys()])) {
        if (before.get(key) === now.get(key)) continue;
        const what = now.has(key) ? `${key}: ${now.get(key)}` : `${key}: gone`;
        timeline.push({ at: second, what });
        log(`t=+${String(second).padStart(3)}s  ${what}`);
      }
      before = now;
      if (recoveredAfter === undefined && recovered()) {
        recoveredAfter = second;
        break;
      }
    }
    log('');
    if (recoveredAfter !== undefined) log(`${recoveredAfter}s after the crash the Deployment has 3 available replicas again, on the live nodes:`);
    else log('the Deployment did not recover within 15 minutes:');
    log(podsTable(cluster));
    const finalPods: Record<string, string> = {};
    for (const p of cluster.objects<Pod>('pods', 'default')) finalPods[p.metadata!.name!] = p.spec?.nodeName ?? '';
    return { killed, lostPods, timeline, recoveredAfter, finalPods };
  } finally {
    cluster.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
