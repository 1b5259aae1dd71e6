/**
 * pod-service-account-exists (safety): every pod etcd creates names a ServiceAccount
 * (`spec.serviceAccountName`, `default` when empty) that existed in its namespace at that
 * revision, as the `ServiceAccount` admission plugin demands (`error looking up service account
 * NS/NAME: serviceaccount "NAME" not found` otherwise). Mirror pods are left out, as the plugin
 * leaves them alone.
 *
 * It replays etcd's changes in revision order (the history holds them all from the cluster's start),
 * keeping the ServiceAccounts that exist: a pod's create is judged against the accounts at the
 * revision just before it. The API server looks the account up in its watch cache, which may
 * lag etcd; a lag can only make it refuse a pod whose account exists, never admit one whose
 * account does not, except when the account is deleted between the cache's view and the pod's
 * write (the workload deletes accounts only with their namespace, whose termination refuses new
 * pods first).
 */
import { findResource } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import type { Cluster } from '../../cluster/create-cluster.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

const NAME = 'pod-service-account-exists';
const PODS = findResource('pods')!.etcdPrefix;
const ACCOUNTS = findResource('serviceaccounts')!.etcdPrefix;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

interface State {
  cursor: number;
  /** The ServiceAccounts etcd holds (`namespace/name`) at the cursor's revision. */
  accounts: Set<string>;
}

const init = (): State => ({ cursor: 0, accounts: new Set() });

export const podServiceAccountExists: Invariant = {
  name: NAME,
  kind: 'safety',
  description: "every pod is created naming a ServiceAccount that exists in its namespace at that moment (the ServiceAccount admission plugin's check)",
  check(_cluster: Cluster, history: History) {
    const state = history.scratch(NAME, init);
    const out: Violation[] = [];
    forEachChange(history, state, ({ change, revision, seenAt }) => {
      const key = change.kv.key;
      if (key.startsWith(ACCOUNTS)) {
        if (change.kind === 'delete') state.accounts.delete(key.slice(ACCOUNTS.length));
        else state.accounts.add(key.slice(ACCOUNTS.length));
        return;
      }
      if (!key.startsWith(PODS) || change.kind !== 'put' || change.prev) return;
      const pod = change.kv.value as Pod;
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      const name = key.slice(PODS.length);
      const namespace = name.slice(0, name.indexOf('/'));
      const account = (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName || 'default';
      if (!state.accounts.has(`${namespace}/${account}`)) {
        out.push(violation(NAME, `pod ${name} was created at revision ${revision} naming ServiceAccount ${JSON.stringify(account)}, which did not exist in namespace ${namespace}`, seenAt));
      }
    });
    return out;
  },
};
