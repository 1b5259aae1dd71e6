/**
 * The controller manager (kube-controller-manager): one process running many controllers. Each
 * controller is its own actor, spawned here and registered on the kernel at
 * `controller-manager/<name>` (host `control-plane`), with its own API client under the
 * token of the controller's ServiceAccount `kube-system/<account>`, as kubeadm runs
 * kube-controller-manager with `--use-service-account-credentials=true`: the manager, under its
 * own user `system:kube-controller-manager`, gets the tokens first (controller-credentials.ts),
 * then starts the controllers and its shared informers.
 *
 * States:
 * - `running`: the enabled controllers run (the built-ins and any user-defined ones);
 * - `restarting`: after `controller-manager.restart` (a crash and restart, as a fault), every
 *   controller is stopped (its watches cancelled, its memory lost: expectations, node health);
 *   after `restartDelay` they start again with fresh informers (a full relist) and converge.
 *
 * The API client of each controller outlives restarts (`reset()` forgets requests in flight), so
 * request and watch ids stay unique and a late answer to the previous incarnation is ignored.
 */
import { assign, enqueueActions, setup, type AnyActorRef } from 'xstate';
import { Port } from '../src/kernel/port.js';
import { ApiClient, type ApiClientOptions } from './client/api-client.js';
import type { EventLevel } from './client/events.js';
import { CONTROL_PLANE_HOST, controllerAddress, type ApiResponse, type WatchClosed, type WatchEvent } from './protocol.js';
import { SharedInformerFactory } from './client/shared-informers.js';
import { armGrid, beginGrid, gridDueEarlier, gridWakeAt, UNARMED_GRID, type HousekeepingGrid } from './client/housekeeping-grid.js';
import type { ControllerInput, ControllerMachine } from './controllers/controller.js';
import { replicaSetController } from './controllers/replicaset.js';
import { deploymentController } from './controllers/deployment.js';
import { namespaceController } from './controllers/namespace.js';
import { endpointsController } from './controllers/endpoints.js';
import { garbageCollector } from './controllers/garbage-collector.js';
import { nodeLifecycleController } from './controllers/node-lifecycle.js';
import { daemonSetController } from './controllers/daemonset.js';
import { statefulSetController } from './controllers/statefulset.js';
import { persistentVolumeBinder } from './controllers/persistentvolume-binder.js';
import { pvcProtectionController, pvProtectionController } from './controllers/storage-protection.js';
import { endpointSliceController } from './controllers/endpointslice.js';
import { endpointSliceMirroringController } from './controllers/endpointslice-mirroring.js';
import { serviceAccountController } from './controllers/serviceaccount.js';
import { rootCaPublisher } from './controllers/root-ca-publisher.js';
import { jobController } from './controllers/job.js';
import { ttlAfterFinishedController } from './controllers/ttl-after-finished.js';
import { podGcController } from './controllers/podgc.js';
import { cronJobController } from './controllers/cronjob.js';
import { replicationController } from './controllers/replication-controller.js';
import { horizontalPodAutoscalerController } from './controllers/horizontal-pod-autoscaler.js';
import { resourceQuotaController } from './controllers/resourcequota.js';
import { disruptionController } from './controllers/disruption.js';
import { clusterRoleAggregationController } from './controllers/clusterrole-aggregation.js';
import { apiClientTransitions } from './client/transitions.js';
import { ControllerCredentials } from './controller-credentials.js';
import { CONTROLLER_ACCOUNTS } from '../src/api/rbac-bootstrap-controllers.js';

/** The built-in controllers, in start order. */
export const BUILT_IN_CONTROLLERS: readonly ControllerMachine[] = [
  replicaSetController,
  deploymentController,
  namespaceController,
  endpointsController,
  garbageCollector,
  nodeLifecycleController,
  daemonSetController,
  statefulSetController,
  persistentVolumeBinder,
  pvcProtectionController,
  pvProtectionController,
  endpointSliceController,
  endpointSliceMirroringController,
  serviceAccountController,
  rootCaPublisher,
  replicationController,
  jobController,
  cronJobController,
  ttlAfterFinishedController,
  disruptionController,
  podGcController,
  horizontalPodAutoscalerController,
  resourceQuotaController,
  clusterRoleAggregationController,
];

/** kube-controller-manager's names (old and new) for the built-ins, accepted in `enabled`. */
export const CONTROLLER_ALIASES: Readonly<Record<string, string>> = {
  'replicaset-controller': 'replicaset',
  'deployment-controller': 'deployment',
  'namespace-controller': 'namespace',
  'endpoints-controller': 'endpoints',
  endpoint: 'endpoints',
  'endpoint-controller': 'endpoints',
  garbagecollector: 'garbage-collector',
  'garbage-collector-controller': 'garbage-collector',
  nodelifecycle: 'node-lifecycle',
  'node-lifecycle-controller': 'node-lifecycle',
  'daemonset-controller': 'daemonset',
  'statefulset-controller': 'statefulset',
  'persistentvolume-controller': 'persistentvolume-binder',
  'pvc-protection-controller': 'pvc-protection',
  'pv-protection-controller': 'pv-protection',
  'endpointslice-controller': 'endpointslice',
  'endpointslice-mirroring-controller': 'endpointslicemirroring',
  'serviceaccount-controller': 'serviceaccount',
  'root-ca-certificate-publisher-controller': 'root-ca-cert-publisher',
  'replicationcontroller-controller': 'replicationcontroller',
  'job-controller': 'job',
  'cronjob-controller': 'cronjob',
  'ttl-after-finished-controller': 'ttl-after-finished',
  ttlafterfinished: 'ttl-after-finished',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
  'horizontal-pod-autoscaler-controller': 'horizontal-pod-autoscaler',
  'disruption-controller': 'disruption',
  'pod-garbage-collector-controller': 'podgc',
  'resourcequota-controller': 'resourcequota',
  'clusterrole-aggregation-controller': 'clusterrole-aggregation',
};

/** Input of the controller manager. */
export interface ControllerManagerInput {
  port: Port;
  /** Bearer token of the controller manager's user. */
  token: string;
  /** Address of the API server (default `api-server`). */
  apiServer?: string;
  /**
   * Users' own controllers (machines from `defineController`), started beside the built-ins.
   * Strings here are taken as names to enable (like `enabled`).
   */
  controllers?: readonly (ControllerMachine | string)[];
  /**
   * Which controllers run, as kube-controller-manager's `--controllers`: `'*'` every controller,
   * `'name'` one, `'-name'` not that one. Default `['*']`. The users' own controllers (in
   * `controllers`) run whatever this says, unless disabled here by name (`'-mine'`).
   * kube-controller-manager's names are accepted too (`garbagecollector`, `replicaset-controller`).
   */
  enabled?: readonly string[];
  /** Options per controller name (e.g. `{ 'node-lifecycle': { nodeMonitorGracePeriodMs: 40_000 } }`). */
  options?: Readonly<Record<string, Record<string, unknown>>>;
  /** Which Events the controllers record (default all). */
  events?: EventLevel;
  /** Options of the controllers' API clients. */
  client?: ApiClientOptions;
  /**
   * kube-controller-manager's `--use-service-account-credentials` (default true, as kubeadm
   * runs it): each built-in controller authenticates with a token of its ServiceAccount
   * `kube-system/<account>` and RBAC authorizes it through its `system:controller:<account>`
   * ClusterRole. False: every controller uses the controller manager's own token.
   */
  useServiceAccountCredentials?: boolean;
  /**
   * Bearer token of the users' own controllers (`controllers`), which kube-controller-manager
   * does not have: a real custom controller runs with credentials of its own. Default: the
   * controller manager's token (whose role grants little more than list and watch);
   * `createCluster` gives them the cluster admin's.
   */
  userControllersToken?: string;
}

/** Context of the controller manager. */
export interface ControllerManagerContext {
  port: Port;
  token: string;
  apiServer?: string;
  /** The controllers to run, in start order. */
  definitions: readonly ControllerMachine[];
  options: Readonly<Record<string, Record<string, unknown>>>;
  events?: EventLevel;
  clientOptions?: ApiClientOptions;
  /** One API client per controller, kept across restarts. */
  clients: Map<string, ApiClient>;
  /** The running controller actors by name. */
  controllers: Record<string, AnyActorRef>;
  /** How many times the manager restarted. */
  restarts: number;
  /** The controller manager's own connection: its shared informers watch through it. */
  client: ApiClient;
  /** One watch per resource for all the controllers, as kube-controller-manager's SharedInformerFactory. */
  informers: SharedInformerFactory;
  /** Housekeeping's one-second grid: when it last ran (or began) and when its timer fires. */
  housekeeping: HousekeepingGrid;
  /** The controllers' ServiceAccount credentials (empty without `useServiceAccountCredentials`). */
  credentials: ControllerCredentials;
  /** True while the controllers run (spawned once every credential is there). */
  started: boolean;
  /** The token of the users' own controllers. */
  userControllersToken: string;
  /** The names of the built-in controllers (the others are users'). */
  builtIns: ReadonlySet<string>;
}

/** The period of the manager's housekeeping (its requests' timeouts, its informers' retries and silent watches). */
const HOUSEKEEPING_MS = 1_000;

/** The earliest time housekeeping has something to do (its timer fires at the grid's first tick at or after it: see `gridWakeAt`). */
function housekeepingDueAt(context: ControllerManagerContext): number {
  return Math.min(context.client.nextDueAt(), context.informers.dueAt(), context.credentials.dueAt());
}

/** Events of the controller manager: the restart fault. */
export type ControllerManagerEvent = { type: 'controller-manager.restart' } | ApiResponse | WatchEvent | WatchClosed;

/** Resolves the controllers to run from the built-ins, the user's, and the enable list. */
export function resolveControllers(input: Pick<ControllerManagerInput, 'controllers' | 'enabled'>): ControllerMachine[] {
  const user = (input.controllers ?? []).filter((c): c is ControllerMachine => typeof c !== 'string');
  const names = [...(input.enabled ?? []), ...(input.controllers ?? []).filter((c): c is string => typeof c === 'string')];
  const all = [...BUILT_IN_CONTROLLERS, ...user];
  const byName = new Map<string, ControllerMachine>();
  for (const c of all) {
    if (byName.has(c.id) && user.includes(c) && !BUILT_IN_CONTROLLERS.includes(byName.get(c.id)!)) {
      throw new RangeError(`two controllers are named "${c.id}"`);
    }
    byName.set(c.id, c); // a user's controller may replace a built-in of the same name
  }
  const canonical = (n: string) => CONTROLLER_ALIASES[n] ?? n;
  const list = names.length === 0 ? ['*'] : names;
  const on = new Set<string>();
  // users' own controllers run unless disabled by name
  for (const c of user) on.add(c.id);
  for (const raw of list) {
    if (raw === '*') for (const n of byName.keys()) on.add(n);
  }
  for (const raw of list) {
    if (raw === '*') continue;
    if (raw.startsWith('-')) on.delete(canonical(raw.slice(1)));
    else {
      const n = canonical(raw);
      if (!byName.has(n)) throw new RangeError(`unknown controller "${raw}" (known: ${[...byName.keys()].join(', ')})`);
      on.add(n);
    }
  }
  return [...byName.values()].filter((c) => on.has(c.id));
}

/** The controller manager machine. */
export const controllerManagerMachine = setup({
  types: {
    input: {} as ControllerManagerInput,
    context: {} as ControllerManagerContext,
    events: {} as ControllerManagerEvent,
  },
  delays: {
    /** How long a restarted controller manager takes to start its controllers again. */
    restartDelay: 1_000,
    /**
     * Until the next housekeeping of the shared informers (retries, silent watches) and the
     * manager's requests: the next one-second tick at which one of them is due.
     */
    tick: ({ context }) => gridWakeAt(context.housekeeping.last, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS) - context.port.now(),
  },
  guards: {
    /** Every controller's credentials are there and the controllers do not run yet. */
    credentialsReady: ({ context }) => !context.started && context.credentials.ready(),
    /** Something became due before the armed tick (a request sent, a watch refused). */
    housekeepingDueEarlier: ({ context }) => gridDueEarlier(context.housekeeping, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS),
  },
  actions: {
    requestCredentials: ({ context }) => context.credentials.start(),
    /** Starts the controllers at once when none waits for a token (no ServiceAccount credentials). */
    startIfReady: enqueueActions(({ context, enqueue }) => {
      if (context.started || !context.credentials.ready()) return;
      enqueue('spawnControllers' as never);
      enqueue('registerControllers' as never);
      enqueue('startInformers' as never);
    }),
    spawnControllers: assign(({ context, spawn }) => {
      const controllers: Record<string, AnyActorRef> = {};
      for (const def of context.definitions) {
        const name = def.id;
        const address = controllerAddress(name);
        const token = context.credentials.tokenOf(name) ?? (context.builtIns.has(name) ? context.token : context.userControllersToken);
        let client = context.clients.get(name);
        const port = client?.port ?? context.port.child(address);
        if (!client) {
          client = new ApiClient(port, token, { ...(context.clientOptions ?? {}), ...(context.apiServer ? { apiServer: context.apiServer } : {}) });
          context.clients.set(name, client);
        } else client.useToken(token);
        context.credentials.attach(name, client);
        const input: ControllerInput = { port, client, options: context.options[name], events: context.events, informers: context.informers };
        controllers[name] = (spawn as unknown as (logic: ControllerMachine, options: { id: string; input: ControllerInput }) => AnyActorRef)(def, { id: name, input });
      }
      return { controllers, started: true };
    }),
    registerControllers: ({ context }) => {
      const host = context.port.hostOf() ?? CONTROL_PLANE_HOST;
      for (const [name, ref] of Object.entries(context.controllers)) context.port.attach(controllerAddress(name), ref, host);
    },
    startInformers: ({ context }) => context.informers.start(),
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    /** A watch event for the shared informers: they update their stores and the controllers' queues; wake those with work. */
    onWatch: enqueueActions(({ context, event, enqueue }) => {
      if (!context.informers.handle(event as WatchEvent | WatchClosed)) return;
      const wakes = context.informers.takeWakes();
      if (wakes.size === 0) return;
      for (const [name, ref] of Object.entries(context.controllers)) if (wakes.has(controllerAddress(name))) enqueue.sendTo(ref, { type: 'controller.wake' });
    }),
    /** The housekeeping grid's ticks count from now (the manager started, or the checks ran). */
    beginHousekeeping: assign({ housekeeping: ({ context }) => beginGrid(context.housekeeping, context.port.now()) }),
    armHousekeeping: assign({ housekeeping: ({ context }) => armGrid(context.housekeeping, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS) }),
    /** The checks of a tick: the manager's requests timed out, the shared informers' retries and silent watches. */
    housekeeping: ({ context }) => {
      context.client.sweep();
      context.informers.tick();
      context.credentials.tick();
    },
    stopControllers: enqueueActions(({ context, enqueue }) => {
      for (const [name, ref] of Object.entries(context.controllers)) {
        enqueue.sendTo(ref, { type: 'controller.stop' });
        context.port.detach(controllerAddress(name));
        enqueue.stopChild(ref);
      }
      for (const client of context.clients.values()) client.reset();
      context.informers.reset();
      context.client.reset();
      context.credentials.reset();
      enqueue.assign({ controllers: {}, restarts: context.restarts + 1, started: false });
    }),
    reportControllerError: ({ context, event }) => context.port.reportChildError(event as unknown as { type: string; error?: unknown }, controllerAddress),
  },
}).createMachine({
  id: 'controller-manager',
  context: ({ input }) => {
    const client = new ApiClient(input.port, input.token, { ...(input.client ?? {}), ...(input.apiServer ? { apiServer: input.apiServer } : {}) });
    const definitions = resolveControllers(input);
    const accounts = new Map<string, string>();
    if (input.useServiceAccountCredentials ?? true) {
      for (const def of definitions) if (CONTROLLER_ACCOUNTS[def.id]) accounts.set(def.id, CONTROLLER_ACCOUNTS[def.id]!);
    }
    return {
      port: input.port,
      client,
      informers: new SharedInformerFactory(client),
      token: input.token,
      apiServer: input.apiServer,
      definitions,
      options: input.options ?? {},
      events: input.events,
      clientOptions: input.client,
      clients: new Map(),
      controllers: {},
      restarts: 0,
      housekeeping: UNARMED_GRID,
      credentials: new ControllerCredentials(client, input.port, accounts),
      started: false,
      userControllersToken: input.userControllersToken ?? input.token,
      builtIns: new Set(BUILT_IN_CONTROLLERS.filter((c) => definitions.includes(c)).map((c) => c.id)),
    };
  },
  initial: 'running',
  on: {
    'xstate.error.actor.*': { actions: 'reportControllerError' },
    ...apiClientTransitions('onResponse', 'onWatch'),
  } as never,
  states: {
    running: {
      entry: ['beginHousekeeping', 'requestCredentials', 'startIfReady'],
      // the controllers start once each has its ServiceAccount's token (at once without any)
      always: { guard: 'credentialsReady', actions: ['spawnControllers', 'registerControllers', 'startInformers'] },
      on: {
        'controller-manager.restart': { target: 'restarting', actions: 'stopControllers' },
      },
      initial: 'watching',
      states: {
        watching: {
          entry: 'armHousekeeping',
          always: { guard: 'housekeepingDueEarlier', target: 'watching', reenter: true },
          after: { tick: { target: 'watching', reenter: true, actions: ['beginHousekeeping', 'housekeeping'] } },
        },
      },
    },
    restarting: {
      on: {
        'controller-manager.restart': {},
      },
      after: { restartDelay: 'running' },
    },
  },
});
