/**
 * Kubelet admission (`pkg/kubelet/lifecycle/predicate.go`, the predicate admit handler): before a
 * pod bound to its node starts, the kubelet checks it against the node with the scheduler's own
 * filters, as `generalFilter` does with `scheduler.AdmissionCheck`:
 *
 * 1. NodeResourcesFit: room for one more pod and the pod's cpu, memory and ephemeral-storage
 *    requests, counting every pod the kubelet has admitted and not yet seen terminate
 *    (`OutOfpods`, `OutOfcpu`, `OutOfmemory`, `OutOfephemeral-storage`, with the message
 *    `Node didn't have enough resource: cpu, requested: 2000, used: 3500, capacity: 4000`);
 * 2. NodeAffinity: `nodeSelector` and required node affinity against the node's labels;
 * 3. NodeName: `spec.nodeName` is this node;
 * 4. TaintToleration, for `NoExecute` taints only.
 *
 * Before these, the eviction manager's admit handler (machines/kubelet/eviction.ts,
 * `admitUnderPressure`) refuses BestEffort pods while the node has MemoryPressure.
 *
 * The first failure is the rejection's reason. The scheduler normally never binds a pod that
 * fails these; a pod created with `spec.nodeName` set skips the scheduler and meets them here.
 * Not checked: host ports (the simulated pods have none that matter), the OS label and field.
 */
import type { Node, Pod } from '../../src/api/types.js';
import { createCycleState } from '../scheduler/framework.js';
import { NodeInfo } from '../scheduler/node-info.js';
import { fitsRequest } from '../scheduler/plugins/node-resources-fit.js';
import { NODE_AFFINITY, ERR_REASON_POD } from '../scheduler/plugins/node-affinity.js';
import { NODE_NAME, ERR_REASON_NODE_NAME } from '../scheduler/plugins/node-name.js';
import { TAINT_TOLERATION, tolerationsTolerateTaint } from '../scheduler/plugins/taint-toleration.js';

/** `tainttoleration.ErrReasonNotMatch`. */
export const ERR_REASON_TAINTS = "node(s) had taints that the pod didn't tolerate";

/** What admission decided: admitted, or rejected with a reason (`OutOfcpu`, `NodeAffinity`) and message. */
export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

const ADMIT: AdmitResult = Object.freeze({ admit: true });

/**
 * Whether the kubelet of `nodeInfo`'s node admits `pod`. `nodeInfo` holds the node and the
 * requests of the pods already admitted there (the kubelet keeps it up to date).
 */
export function admitPod(pod: Pod, nodeInfo: NodeInfo): AdmitResult {
  const node = nodeInfo.node;
  if (!node) return { admit: false, reason: 'InvalidNodeInfo', message: 'Kubelet cannot get node info.' };
  const state = createCycleState(pod);
  const insufficient = fitsRequest(state.requests, nodeInfo);
  if (insufficient.length > 0) {
    const r = insufficient[0]!;
    return {
      admit: false,
      reason: `OutOf${r.resourceName}`,
      message: `Node didn't have enough resource: ${r.resourceName}, requested: ${r.requested}, used: ${r.used}, capacity: ${r.capacity}`,
    };
  }
  if (state.requiredAffinity && !state.requiredAffinity.matches(nodeInfo.labels, nodeInfo.name)) return predicateFailure(NODE_AFFINITY, ERR_REASON_POD);
  if (state.nodeName !== undefined && state.nodeName !== nodeInfo.name) return predicateFailure(NODE_NAME, ERR_REASON_NODE_NAME);
  for (const taint of nodeInfo.taints) {
    if (taint.effect === 'NoExecute' && !tolerationsTolerateTaint(state.tolerations, taint)) return predicateFailure(TAINT_TOLERATION, ERR_REASON_TAINTS);
  }
  return ADMIT;
}

function predicateFailure(name: string, desc: string): AdmitResult {
  return { admit: false, reason: name, message: `Predicate ${name} failed: ${desc}` };
}

/** The status the kubelet reports for a pod it rejected (`rejectPod`). */
export function rejectedStatus(reason: string, message: string): NonNullable<Pod['status']> {
  return { phase: 'Failed', reason, message: `Pod was rejected: ${message}` };
}

/** A fresh {@link NodeInfo} of a node, for {@link admitPod}. */
export function admissionNodeInfo(node: Node): NodeInfo {
  return new NodeInfo(node.metadata?.name ?? '', node);
}
