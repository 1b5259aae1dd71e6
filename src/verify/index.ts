/**
 * Property-based verification of simulated clusters: `verify()`, the invariants, the
 * arbitraries of cluster shapes, workloads and fault plans, the fc.commands model, the scenario
 * runner, and the mutants that prove the properties have teeth.
 */
export * from './invariant.js';
export * from './history.js';
export * from './steps.js';
export * from './runner.js';
export * from './model.js';
export * from './mutants.js';
export * from './verify.js';
export * from './resources.js';
export * from './workers.js';
export * from './invariants/index.js';
export { ALLOWED_PHASE_EDGES } from './invariants/pod-phase-transitions.js';
export { ORPHAN_ALLOWANCE_MS } from './invariants/kubelet-runs-bound-pods.js';
export { NODE_MONITOR_GRACE_MS, EVICTION_SLACK_MS, unreachableToleration } from './invariants/unreachable-pods-evicted.js';
export { nodeThatFits } from './invariants/schedulable-pods-run.js';
export * from './arbitraries/node-shape.js';
export * from './arbitraries/cluster-shape.js';
export * from './arbitraries/resource-requests.js';
export * from './arbitraries/object-ref.js';
export * from './arbitraries/pod-operation.js';
export * from './arbitraries/deployment-operation.js';
export * from './arbitraries/service-operation.js';
export * from './arbitraries/namespace-operation.js';
export * from './arbitraries/write-race.js';
export * from './arbitraries/bad-request.js';
export * from './arbitraries/time-step.js';
export * from './arbitraries/workload-step.js';
export * from './arbitraries/fault-step.js';
export * from './arbitraries/fault-plan.js';
