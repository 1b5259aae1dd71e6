/**
 * The replication controller (`pkg/controller/replication`, kube-controller-manager's
 * `replicationcontroller`): keeps the pods of a ReplicationController (v1) equal to
 * `spec.replicas`. As in Kubernetes, where `ReplicationManager` is the ReplicaSet controller
 * run over RCs through an adapter, it is the ReplicaSet controller's logic (replicaset.ts) over
 * ReplicationControllers: the same slow-start creates, deletion ranking, expectations, adoption,
 * status and ReplicaFailure condition; the RC's selector is a plain label map.
 */
import type { ReplicaSet } from '../../src/api/types.js';
import type { ControllerMachine } from './controller.js';
import { replicaController, type ReplicaKind } from './replicaset.js';

/** The controller's name (address `controller-manager/replicationcontroller`). */
const REPLICATION_CONTROLLER = 'replicationcontroller';

/** ReplicationControllers (v1): the selector map as `matchLabels`. */
const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  resource: 'replicationcontrollers',
  group: '',
  kind: 'ReplicationController',
  apiVersion: 'v1',
  selector: (rc: ReplicaSet) => ({ matchLabels: (rc.spec?.selector as unknown as Record<string, string> | undefined) ?? {} }),
};

/** The replication controller's machine. */
export const replicationController: ControllerMachine = replicaController(REPLICATION_CONTROLLER, 'replication-controller', REPLICATION_CONTROLLER_KIND);
