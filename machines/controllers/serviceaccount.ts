/**
 * The ServiceAccount controller (`pkg/controller/serviceaccount`, `serviceaccounts_controller.go`):
 * makes sure every active namespace has the `default` ServiceAccount. Namespace events and the
 * deletion of a ServiceAccount it ensures queue the namespace; `syncNamespace` skips a namespace
 * that is gone or not Active, and creates each missing account (an AlreadyExists answer is fine,
 * and so is a namespace being terminated meanwhile).
 */
import type { Namespace, ServiceAccount } from '../../src/api/types.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';

/** The controller's name (address `controller-manager/serviceaccount`). */
const SERVICEACCOUNT_CONTROLLER = 'serviceaccount';
/** The accounts ensured in every namespace (`ServiceAccountsControllerOptions.ServiceAccounts`). */
const ENSURED_SERVICE_ACCOUNTS: readonly string[] = ['default'];

type SaWatches = {
  namespaces: ReturnType<typeof watch<Namespace>>;
  serviceaccounts: ReturnType<typeof watch<ServiceAccount>>;
};
type SaCtx = SyncContext<SaWatches & Watches, undefined, Record<string, unknown>>;

function syncNamespace(namespace: string, ctx: SaCtx): void {
  const ns = ctx.get('namespaces', namespace);
  if (!ns || ns.status?.phase !== 'Active') return;
  for (const name of ENSURED_SERVICE_ACCOUNTS) {
    if (ctx.get('serviceaccounts', `${namespace}/${name}`)) continue;
    // 409: created meanwhile; 403: the namespace is being terminated (NamespaceTerminatingCause); 404: gone
    ctx.client.create('serviceaccounts', namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }, { ignore: [403, 404, 409] });
  }
}

/** The ServiceAccount controller's machine. */
export const serviceAccountController: ControllerMachine = defineController({
  name: SERVICEACCOUNT_CONTROLLER,
  component: 'serviceaccount-controller',
  watches: {
    namespaces: watch<Namespace>({
      resource: 'namespaces',
      enqueue: ({ type, object }) => (type === 'deleted' ? undefined : object.metadata?.name),
    }),
    serviceaccounts: watch<ServiceAccount>({
      resource: 'serviceaccounts',
      enqueue: ({ type, object }) =>
        type === 'deleted' && ENSURED_SERVICE_ACCOUNTS.includes(object.metadata?.name ?? '') ? object.metadata?.namespace : undefined,
    }),
  },
  sync: (key, ctx) => syncNamespace(key, ctx as unknown as SaCtx),
});
