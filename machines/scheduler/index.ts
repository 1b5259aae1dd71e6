/**
 * kube-scheduler's scheduling algorithm as pure functions: the framework types, the default
 * plugins, the profile registry, the incremental cache and `schedulePod`. The XState machine in
 * `machines/scheduler.ts` drives these.
 */
export * from './framework.js';
export * from './node-selector.js';
export * from './cache.js';
export * from './registry.js';
export * from './schedule-one.js';
export * from './plugins/node-unschedulable.js';
export * from './plugins/node-name.js';
export * from './plugins/node-resources-fit.js';
export * from './plugins/taint-toleration.js';
export * from './plugins/node-affinity.js';
export * from './plugins/least-allocated.js';
export * from './plugins/balanced-allocation.js';
export * from './plugins/default-preemption.js';
export * from './plugins/inter-pod-affinity.js';
export * from './plugins/pod-topology-spread.js';
export * from './plugins/node-ports.js';
export * from './plugins/image-locality.js';
export * from './pod-affinity-terms.js';
export * from './snapshot.js';
