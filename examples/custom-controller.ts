/**
 * Your own controller in the same cluster: `pod-counter` keeps a ConfigMap `pod-count` in every
 * namespace that has pods, with the number of its pods. It is written like the built-in ones — a
 * watch whose events only queue keys (here: namespaces), and a `sync(key)` that reads the
 * informers' caches, compares with what it wants and writes through the API — and the controller
 * manager runs it beside them (`createCluster({ controllerManager: { controllers: [...] } })`), at
 * `controller-manager/pod-counter`, with the same work queue, retries and restarts.
 *
 * Run it: `npx tsx examples/custom-controller.ts`
 */
import { pathToFileURL } from 'node:url';
import { createCluster, defineController, watch, type ConfigMap, type Deployment, type Pod } from '../src/index.js';

/** The controller: one key per namespace. */
export const podCounter = defineController({
  name: 'pod-counter',
  watches: {
    // a pod's events queue its namespace
    pods: watch<Pod>({ resource: 'pods', enqueue: ({ object }) => object.metadata?.namespace }),
    // so do changes to the ConfigMaps it owns (someone editing one gets it put back)
    configmaps: watch<ConfigMap>({ resource: 'configmaps', fieldSelector: 'metadata.name=pod-count', enqueue: ({ object }) => object.metadata?.namespace }),
  },
  sync(namespace, ctx) {
    const count = ctx.list('pods', (p) => p.metadata?.namespace === namespace && !p.metadata?.deletionTimestamp).length;
    const current = ctx.get('configmaps', `${namespace}/pod-count`);
    const data = { count: String(count) };
    if (!current) {
      // `ignore: [409]`: a create that raced with one already made is not a failure
      ctx.client.create('configmaps', namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pod-count', namespace }, data } as ConfigMap, { ignore: [409] });
    } else if (current.data?.['count'] !== data.count) {
      // an update carries the cached resourceVersion: a stale cache gets 409 and the key is retried
      const updated: ConfigMap = { ...current, data };
      ctx.client.update('configmaps', updated);
    }
  },
});

/** Runs the example; `log` receives each printed line. */
export function main(options: { seed?: number; log?: (line: string) => void } = {}): { counts: string[]; controllerState: string } {
  const log = options.log ?? console.log;
  const cluster = createCluster({ nodes: 2, seed: options.seed ?? 1, controllerManager: { controllers: [podCounter] } });
  const counts: string[] = [];
  const count = () => cluster.object<ConfigMap>('configmaps', 'pod-count', 'default')?.data?.['count'];
  const settle = (what: string, expected: string) => {
    if (!cluster.runUntil(() => count() === expected, { timeout: 60_000 })) throw new Error(`pod-count did not reach ${expected} after ${what} (it is ${count()})`);
    counts.push(expected);
    log(`t=${(cluster.now() / 1000).toFixed(3)}s  ${what.padEnd(52)} → ConfigMap default/pod-count: count=${count()}`);
  };
  try {
    cluster.runUntil(() => cluster.objects('nodes').length === 2, { timeout: 60_000 });
    const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
    cluster.client.create(pod('one'));
    settle('created pod one', '1');
    cluster.client.create(pod('two'));
    settle('created pod two', '2');
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    };
    cluster.client.create(deployment);
    settle('created Deployment web (3 replicas)', '5');
    cluster.client.delete('pods', 'one', { gracePeriodSeconds: 0 });
    settle('deleted pod one', '4');
    // someone overwrites the ConfigMap: the controller puts it back
    const cm = cluster.client.get<ConfigMap>('configmaps', 'pod-count');
    cluster.client.update({ ...cm, data: { count: '99' } });
    settle('overwrote the ConfigMap with count=99', '4');
    // the controller manager restarts (a fault): the controller relists and carries on
    cluster.faults.restartControllerManager();
    cluster.client.scale('deployments', 'web', 1);
    settle('restarted the controller manager, scaled web to 1', '2');
    const actor = cluster.actor('controller-manager/pod-counter');
    const controllerState = JSON.stringify(actor?.getSnapshot().value);
    log(`controller-manager/pod-counter is in state ${controllerState}`);
    return { counts, controllerState };
  } finally {
    cluster.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
