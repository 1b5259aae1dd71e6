/**
 * `kube-actors serve`: runs a simulated cluster in real time behind an HTTPS server speaking the
 * Kubernetes API, so the real kubectl and client libraries can use it, and writes a kubeconfig.
 */
import { resolve } from 'node:path';
import type { InspectionEvent } from 'xstate';
import type { Command } from '../main.js';
import { noMorePositionals, parseFlags, parsePort, parsePositiveInt, parseProfile, parseSchedulerConfig, parseSeed, parseSpeed, SCHEDULER_CONFIG_HELP } from '../args.js';
import { profiles } from '../../profiles/index.js';
import { startServing, type Serving } from '../../http/serve.js';
import { contextName } from '../../http/kubeconfig.js';

const help = `Usage: kube-actors serve [--port P] [--nodes N] [--control-plane-nodes N] [--no-addons] [--seed S] [--speed X]
                         [--profile fast|realistic|chaos] [--kubeconfig PATH]
                         [--inspect] [--inspect-port P] [--log]

Runs a simulated cluster (every component an XState actor) in real time and serves the
Kubernetes API on https://127.0.0.1:P with a self-signed certificate made at start (valid for
IP 127.0.0.1 and localhost). Every request goes through the simulated API server: its
authentication, RBAC, admission and etcd. Writes a kubeconfig with the server, the certificate
as its CA, and a bearer token and a context per user:

  kube-actors-admin    kubernetes-admin (system:masters), the current context
  kube-actors-viewer   viewer, bound to the view ClusterRole (read only)
  kube-actors-guest    guest, authenticated with no rights (403 on everything but discovery)

then prints its path. Stop with Ctrl-C.

Options:
  --port P          port to listen on (default 6443; 0 picks a free one)
  --nodes N         number of worker nodes (default 3)
  --control-plane-nodes N
                    number of control-plane nodes (default 1); more than 1 runs a highly
                    available control plane behind a load balancer (see docs/ha.md)
  --seed S          root seed of the simulation (default 1)
  --no-addons       without kubeadm's add-ons: no CoreDNS Deployment, kube-dns Service or
                    kube-proxy DaemonSet in kube-system (the cluster DNS is then modelled and
                    always answers; see docs/profiles.md)
  --speed X         virtual ms per wall ms (default 1: real time; 0.01 to 10000)
  --profile NAME    timing profile: ${Object.keys(profiles).join(', ')} (default fast)
${SCHEDULER_CONFIG_HELP}
  --kubeconfig PATH where to write the kubeconfig (default ./kube-actors.kubeconfig)
  --inspect         also serve the visual inspector (src/inspector) for the same cluster
  --inspect-port P  the inspector's port (default 4000)
  --log             print one line per HTTP request
  -h, --help        this help

Examples:
  kube-actors serve
  export KUBECONFIG=$PWD/kube-actors.kubeconfig
  kubectl apply -f https://k8s.io/examples/controllers/nginx-deployment.yaml
  kubectl get pods -o wide -w
  kubectl --context kube-actors-guest get pods     # Forbidden`;

interface InspectorParts {
  inspect: (event: InspectionEvent) => void;
  attach(serving: Serving): Promise<{ url: string; close(): Promise<void> }>;
}

/** The inspector, when src/inspector is there (someone else's module: loaded only if present). */
async function loadInspector(port: number): Promise<InspectorParts | undefined> {
  try {
    const hubModule = (await import('../../inspector/hub.js'));
    const serverModule = (await import('../../inspector/server.js'));
    const hub = new hubModule.InspectorHub({});
    return {
      inspect: hub.inspect,
      async attach(serving) {
        hub.attach(serving.cluster.kernel);
        const server = await serverModule.serveInspector({ cluster: serving.cluster, hub, driver: serving.driver }, { port });
        return {
          url: server.url,
          async close() {
            await server.close();
            hub.detach();
          },
        };
      },
    };
  } catch (error) {
    console.error(`kube-actors serve: the inspector is not available (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); serving the API only`);
    return undefined;
  }
}

export const command: Command = {
  name: 'serve',
  summary: 'serve the Kubernetes HTTP API for real kubectl and client libraries',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
        port: { type: 'string' },
        nodes: { type: 'string' },
        'control-plane-nodes': { type: 'string' },
        'no-addons': { type: 'boolean' },
        seed: { type: 'string' },
        speed: { type: 'string' },
        profile: { type: 'string' },
        'scheduler-config': { type: 'string' },
        kubeconfig: { type: 'string' },
        inspect: { type: 'boolean' },
        'inspect-port': { type: 'string' },
        log: { type: 'boolean' },
    });
    noMorePositionals(positionals);
    const port = parsePort('port', values.port, 6443);
    const inspectPort = parsePort('inspect-port', values['inspect-port'], 4000);
    const nodes = parsePositiveInt('nodes', values.nodes, 3);
    const controlPlaneNodes = parsePositiveInt('control-plane-nodes', values['control-plane-nodes'], 1);
    const seed = parseSeed(values.seed);
    const speed = parseSpeed(values.speed);
    const profile = parseProfile(values.profile);
    const schedulerConfig = parseSchedulerConfig(values['scheduler-config']);
    const kubeconfigPath = resolve(values.kubeconfig ?? 'kube-actors.kubeconfig');

    const inspector = values.inspect ? await loadInspector(inspectPort) : undefined;
    let serving: Serving;
    try {
      serving = await startServing({
        port,
        speed,
        kubeconfigPath,
        cluster: { seed, nodes, profile, controlPlane: { nodes: controlPlaneNodes }, addons: !values['no-addons'], ...(schedulerConfig !== undefined ? { schedulerConfiguration: schedulerConfig } : {}), ...(inspector ? { trace: { capacity: 20_000 } } : {}) },
        ...(inspector ? { inspect: inspector.inspect } : {}),
        ...(values.log ? { log: (line: string) => console.error(line) } : {}),
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'EADDRINUSE') {
        console.error(`kube-actors serve: port ${port} is in use; choose another with --port (0 picks a free one)`);
        return 1;
      }
      throw error;
    }
    let inspectorHandle: { url: string; close(): Promise<void> } | undefined;
    if (inspector) {
      try {
        inspectorHandle = await inspector.attach(serving);
      } catch (error) {
        console.error(`kube-actors serve: the inspector did not start: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    console.error(
      `kube-actors serve: ${serving.url}  (seed ${seed}, ${controlPlaneNodes > 1 ? `${controlPlaneNodes} control-plane nodes, ` : ''}${nodes} node${nodes === 1 ? '' : 's'}, profile ${profile}, speed ${speed}×; contexts ${['admin', 'viewer', 'guest']
        .map((u) => contextName(u))
        .join(', ')}; Ctrl-C stops)`,
    );
    if (inspectorHandle) console.error(`kube-actors serve: inspector ${inspectorHandle.url}`);
    console.log(kubeconfigPath);

    await new Promise<void>((res) => {
      const stop = () => res();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await inspectorHandle?.close();
    await serving.close();
    return 0;
  },
};
