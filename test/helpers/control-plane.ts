/**
 * A control plane without nodes or controllers (etcd, the API server and kubectl clients on one
 * kernel), for tests of the API server itself.
 */
import { createActor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import { MvccStore } from '../../machines/etcd/store.js';
import { etcdMachine } from '../../machines/etcd.js';
import { apiServerMachine } from '../../machines/api-server.js';
import type { ApiServerOptions } from '../../machines/api-server/core.js';
import { kubectlMachine } from '../../machines/kubectl.js';
import { summarizeMessage } from '../../machines/protocol.js';
import { bootstrapStore, defaultUsers } from '../../src/cluster/bootstrap.js';
import { Client } from '../../src/cluster/client.js';

export interface ControlPlane {
  kernel: Kernel;
  store: MvccStore;
  etcd: AnyActorRef;
  apiServer: AnyActorRef;
  users: ReturnType<typeof defaultUsers>;
  client: Client;
  /** A client presenting another token. */
  as(token: string): Client;
}

export function startControlPlane(options: { seed?: number; etcd?: AnyActorLogic; apiServer?: AnyActorLogic; apiServerOptions?: ApiServerOptions } = {}): ControlPlane {
  const kernel = new Kernel({ seed: options.seed ?? 1, summarize: summarizeMessage });
  const store = new MvccStore();
  bootstrapStore(store, kernel.fork('bootstrap'), kernel.timestamp());
  const users = defaultUsers();
  const start = (address: string, logic: AnyActorLogic, input: Record<string, unknown>, host = 'control-plane') => {
    const actor = createActor(logic, { input: { port: new Port(kernel, address), ...input }, clock: kernel.clock } as never) as AnyActorRef;
    actor.subscribe({ error: (e: unknown) => kernel.reportError(address, e) });
    kernel.register(address, actor, { host });
    actor.start();
    return actor;
  };
  const etcd = start('etcd', options.etcd ?? etcdMachine, { store });
  const apiServer = start('api-server', options.apiServer ?? apiServerMachine, { tokens: Object.values(users), options: options.apiServerOptions });
  let n = 0;
  const clientFor = (token: string) => new Client(kernel, start(`kubectl/${++n}`, kubectlMachine, { token }, 'kubectl'));
  const client = clientFor(users.admin.token);
  kernel.runUntil(() => (apiServer.getSnapshot() as { matches(s: string): boolean }).matches('serving'), { timeout: 10_000 });
  return { kernel, store, etcd, apiServer, users, client, as: clientFor };
}
