/**
 * `kube-actors inspect`: runs a simulated cluster in real time and serves the visual statechart
 * inspector (src/inspector/) on 127.0.0.1. `npm start` runs it with the defaults.
 */
import type { Command } from '../main.js';
import { noMorePositionals, parseFlags, parsePort, parsePositiveInt, parseProfile, parseSchedulerConfig, parseSeed, parseSpeed, SCHEDULER_CONFIG_HELP } from '../args.js';
import { loadManifests } from '../manifests.js';
import { startInspector, type Inspector } from '../../inspector/server.js';
import { applyManifest, DEMO_MANIFEST } from '../../inspector/apply.js';
import { createStatelyBridge, type StatelyBridge } from '../../inspector/stately.js';
import { profiles } from '../../profiles/index.js';

const help = `Usage: kube-actors inspect [--port P] [--seed S] [-f FILE ...] [--nodes N] [--control-plane-nodes N] [--no-addons]
                           [--profile fast|realistic|chaos] [--speed X] [--paused]
                           [--stately] [--stately-url URL]

Runs a simulated cluster (control plane and N worker nodes, every component an XState actor)
in real time and serves the inspector on http://127.0.0.1:P/: the actors laid out as in the
architecture picture, the statechart of the selected actor with its active state, the messages
as a live sequence diagram, the cluster as kubectl get shows it, and controls to pause, step,
jump, change speed, create pods, apply manifests and inject faults. It opens no browser.

Without -f it applies a small demo workload: a pod and the nginx Deployment of the Kubernetes
documentation (3 replicas of nginx:1.14.2).

Options:
  --port P          port to listen on (default 4000; 0 picks a free one)
  --seed S          root seed of the simulation (default 1)
  --no-addons       without kubeadm's add-ons: no CoreDNS Deployment, kube-dns Service or
                    kube-proxy DaemonSet in kube-system (the cluster DNS is then modelled and
                    always answers; see docs/profiles.md)
  -f, --filename FILE
                    a manifest to apply once the cluster is up (YAML, one or many documents;
                    repeatable; "-" reads standard input)
  --nodes N         number of worker nodes (default 3)
  --control-plane-nodes N
                    number of control-plane nodes (default 1); more than 1 runs a highly
                    available control plane (etcd members, API servers behind a load balancer,
                    leader-elected scheduler and controller manager), shown node by node with
                    the etcd leader, its term and the Lease holders
  --profile NAME    timing profile: ${Object.keys(profiles).join(', ')} (default fast)
${SCHEDULER_CONFIG_HELP}
  --speed X         virtual ms per wall ms (default 1: real time; 0.01 to 10000)
  --paused          start with virtual time paused
  --no-demo         without -f, apply nothing
  --stately         also send the inspection events to Stately's inspector: starts its relay
                    (@statelyai/inspect/server) on http://localhost:8080, which frames
                    https://stately.ai/inspect (needs the internet)
  --stately-url URL send them to a relay already running at this WebSocket URL instead
  -h, --help        this help

Examples:
  kube-actors inspect
  kube-actors inspect --nodes 5 --profile realistic --speed 2 -f deployment.yaml
  kube-actors inspect --control-plane-nodes 3
  npm start -- --port 4100 --seed 7`;

/** Waits (wall time) until `predicate` holds or `ms` pass. */
async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Applies a manifest, retrying while the API server is still starting (503). */
async function applyWhenReady(inspector: Inspector, label: string, text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await applyManifest(inspector.cluster.client, text);
    const starting = r.items.some((i) => i.status?.code === 503);
    if (starting && attempt < 40) {
      await new Promise((res) => setTimeout(res, 250));
      continue;
    }
    if (r.status) console.error(`${label}: ${r.status.message}`);
    for (const item of r.items) {
      if (item.ok) console.log(`${item.ref} ${item.action}`);
      else {
        console.error(`${label}: ${item.ref}: ${item.status?.message ?? 'failed'}`);
        for (const c of item.status?.details?.causes ?? []) console.error(`  ${c.field ?? ''}: ${c.message ?? ''}`);
      }
    }
    return;
  }
}

export const command: Command = {
  name: 'inspect',
  summary: 'run a cluster and serve the visual statechart inspector (default port 4000)',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
        port: { type: 'string' },
        seed: { type: 'string' },
        filename: { type: 'string', short: 'f', multiple: true },
        nodes: { type: 'string' },
        'control-plane-nodes': { type: 'string' },
        'no-addons': { type: 'boolean' },
        profile: { type: 'string' },
        'scheduler-config': { type: 'string' },
        speed: { type: 'string' },
        paused: { type: 'boolean' },
        'no-demo': { type: 'boolean' },
        stately: { type: 'boolean' },
        'stately-url': { type: 'string' },
    });
    noMorePositionals(positionals);
    const port = parsePort('port', values.port, 4000);
    const seed = parseSeed(values.seed);
    const nodes = parsePositiveInt('nodes', values.nodes, 3);
    const controlPlaneNodes = parsePositiveInt('control-plane-nodes', values['control-plane-nodes'], 1);
    const profile = parseProfile(values.profile);
    const schedulerConfig = parseSchedulerConfig(values['scheduler-config']);
    const speed = parseSpeed(values.speed);
    // read, parsed and their kinds checked before the cluster starts, as kubectl maps kinds before it sends
    const manifests = loadManifests(values.filename ?? []).map((m) => ({ label: m.file, text: m.text }));

    let relay: { stop(): void } | undefined;
    let bridge: StatelyBridge | undefined;
    if (values.stately || values['stately-url']) {
      let url = values['stately-url'];
      if (!url) {
        const { createInspectorServer } = await import('@statelyai/inspect/server');
        relay = createInspectorServer({ port: 8080, autoOpen: false });
        url = 'ws://localhost:8080';
        console.log('Stately inspector relay: http://localhost:8080/ (open it in a browser; it frames https://stately.ai/inspect)');
      }
      bridge = createStatelyBridge({ url });
    }

    let inspector: Inspector;
    try {
      inspector = await startInspector({
        port,
        speed,
        paused: Boolean(values.paused),
        cluster: { seed, nodes, profile, controlPlane: { nodes: controlPlaneNodes }, addons: !values['no-addons'], ...(schedulerConfig !== undefined ? { schedulerConfiguration: schedulerConfig } : {}) },
        ...(bridge ? { inspect: bridge.inspect } : {}),
      });
    } catch (error) {
      bridge?.stop();
      relay?.stop();
      if ((error as { code?: string }).code === 'EADDRINUSE') {
        console.error(`kube-actors inspect: port ${port} is in use; choose another with --port`);
        return 1;
      }
      throw error;
    }
    const cp = controlPlaneNodes > 1 ? `${controlPlaneNodes} control-plane nodes, ` : '';
    console.log(`kube-actors inspector: ${inspector.url}  (seed ${seed}, ${cp}${nodes} node${nodes === 1 ? '' : 's'}, profile ${profile}, speed ${speed}×; Ctrl-C stops)`);

    const done = new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

    const workload = manifests.length > 0 ? manifests : values['no-demo'] ? [] : [{ label: 'demo', text: DEMO_MANIFEST }];
    if (workload.length > 0) {
      void (async () => {
        await until(() => inspector.cluster.count('nodes') >= nodes || inspector.cluster.kernel.stopped, 15_000);
        for (const m of workload) await applyWhenReady(inspector, m.label, m.text);
      })().catch((error: unknown) => console.error(`kube-actors inspect: applying manifests failed: ${String(error)}`));
    }

    await done;
    await inspector.close();
    bridge?.stop();
    relay?.stop();
    return 0;
  },
};
