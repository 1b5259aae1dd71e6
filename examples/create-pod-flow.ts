/**
 * Create a pod and print its flow: every message the request caused, from `kubectl create` to
 * the pod running on a node, as the kernel's trace recorded it — the architecture document's
 * steps 1 to 9, carried out by the actors.
 *
 * Run it: `npx tsx examples/create-pod-flow.ts` (add `--mermaid` for a sequence diagram).
 */
import { pathToFileURL } from 'node:url';
import { createCluster, flowLabel, sequenceDiagram, type Pod, type TraceEntry } from '../src/index.js';

/** What the example found. */
export interface CreatePodFlow {
  /** The node the scheduler picked. */
  node: string;
  /** Virtual ms from the request to the pod running. */
  startupMs: number;
  /** The messages of the flow, in order. */
  entries: TraceEntry[];
}

/** Runs the example; `log` receives each printed line. */
export function main(options: { seed?: number; mermaid?: boolean; log?: (line: string) => void } = {}): CreatePodFlow {
  const log = options.log ?? console.log;
  const cluster = createCluster({ nodes: 3, seed: options.seed ?? 1 });
  try {
    // the nodes register themselves with the API server first
    cluster.runUntil(() => cluster.objects('nodes').length === 3, { timeout: 60_000 });
    cluster.runUntilIdle();

    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nginx', labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
    };
    const from = cluster.kernel.trace.total;
    const started = cluster.now();
    // `kubectl create -f nginx.yaml`: answered as soon as etcd holds the pod
    cluster.client.create(pod);
    // the rest of the flow happens as virtual time passes: schedule, bind, start, report
    const running = cluster.runUntil(() => cluster.object<Pod>('pods', 'nginx')?.status?.phase === 'Running', { timeout: 60_000 });
    if (!running) throw new Error('nginx did not start within a minute of virtual time');
    const startupMs = cluster.now() - started;
    cluster.runUntilIdle();

    // every message caused by the request carries its flow label, across every hop
    const flow = flowLabel({ verb: 'create', resource: 'pods', namespace: 'default', body: pod });
    const entries = cluster.kernel.trace.since(from).filter((e) => e.flow === flow);
    const node = cluster.object<Pod>('pods', 'nginx')!.spec!.nodeName!;

    log(`flow "${flow}": ${entries.length} messages; nginx runs on ${node} after ${startupMs.toFixed(1)} ms of virtual time`);
    if (options.mermaid) {
      log(sequenceDiagram(entries, { title: flow }).trimEnd());
    } else {
      const fromWidth = Math.max(...entries.map((e) => e.from.length));
      const toWidth = Math.max(...entries.map((e) => e.to.length));
      for (const e of entries) {
        log(`${e.time.toFixed(1).padStart(8)} ms  ${e.from.padEnd(fromWidth)} → ${e.to.padEnd(toWidth)}  ${e.type.padEnd(15)} ${e.summary}`);
      }
    }
    return { node, startupMs, entries };
  } finally {
    cluster.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main({ mermaid: process.argv.includes('--mermaid') });
}
