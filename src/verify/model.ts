/**
 * The model-based test: `fc.commands` over steps. Each command is one step (a workload
 * operation, a fault, or time passing) run on a REAL cluster (`ScenarioRunner` on
 * `createCluster`); after each, the safety invariants are checked, and a violation fails the
 * command (fast-check then shrinks the sequence).
 *
 * The model is the fault injector's view of the cluster: its nodes, which are down or partitioned,
 * whether etcd is down and which message faults are on. Commands use it to stay meaningful (a
 * node is restarted only when it is down, healed only when partitioned, etcd recovered only
 * when it is out, and a fault on a node the cluster does not have is skipped, so fault steps
 * can be generated before the cluster's shape is known and shrink with it), and the runner checks that the real cluster agrees with it after each fault.
 */
import fc from 'fast-check';
import type { Fault } from '../cluster/faults.js';
import { ETCD, nodeAddress } from '../../machines/protocol.js';
import { stateOf } from './history.js';
import type { ScenarioRunner } from './runner.js';
import { describeStep, type Step } from './steps.js';

/** What the commands believe about the cluster's faults. */
export interface Model {
  /** The cluster's worker nodes (faults naming another node are skipped). */
  nodes: readonly string[];
  /** Nodes crashed and not restarted. */
  down: Set<string>;
  /** Nodes cut off the network. */
  partitioned: Set<string>;
  etcdDown: boolean;
  /** Message faults on: loss and duplication rates, reordering. */
  loss: number;
  duplication: number;
  reorder: boolean;
  /** Steps run so far. */
  steps: number;
}

/** The system under test: a runner driving one real cluster. */
export interface Real {
  runner: ScenarioRunner;
}

/** A fresh model of a cluster with these nodes (no fault). */
export function initialModel(nodes: readonly string[]): Model {
  return { nodes, down: new Set(), partitioned: new Set(), etcdDown: false, loss: 0, duplication: 0, reorder: false, steps: 0 };
}

/** True when a fault changes something in a cluster the model describes (faults that would do nothing are skipped). */
export function faultApplies(model: Readonly<Model>, fault: Fault): boolean {
  if ('node' in fault && !model.nodes.includes(fault.node)) return false;
  switch (fault.kind) {
    case 'crash-node':
      return !model.down.has(fault.node);
    case 'restart-node':
      return model.down.has(fault.node);
    case 'partition-node':
      return !model.down.has(fault.node) && !model.partitioned.has(fault.node);
    case 'heal-node':
      return model.partitioned.has(fault.node);
    case 'etcd-outage':
      return !model.etcdDown;
    case 'etcd-recover':
      return model.etcdDown;
    case 'message-loss':
      return fault.rate !== model.loss;
    case 'message-duplication':
      return fault.rate !== model.duplication;
    case 'message-reorder':
      return fault.enabled !== model.reorder;
    case 'heal-all':
      return model.partitioned.size > 0 || model.loss > 0 || model.duplication > 0 || model.reorder;
    default:
      return true;
  }
}

/** The model after a fault (as the node and etcd machines react to it). */
export function applyFault(model: Model, fault: Fault): void {
  switch (fault.kind) {
    case 'crash-node':
      // a node crashing while partitioned is healed from the network's point of view
      model.down.add(fault.node);
      model.partitioned.delete(fault.node);
      return;
    case 'restart-node':
      model.down.delete(fault.node);
      return;
    case 'partition-node':
      model.partitioned.add(fault.node);
      return;
    case 'heal-node':
      model.partitioned.delete(fault.node);
      return;
    case 'etcd-outage':
      model.etcdDown = true;
      return;
    case 'etcd-recover':
      model.etcdDown = false;
      return;
    case 'message-loss':
      model.loss = fault.rate;
      return;
    case 'message-duplication':
      model.duplication = fault.rate;
      return;
    case 'message-reorder':
      model.reorder = fault.enabled;
      return;
    case 'heal-all':
      model.partitioned.clear();
      model.loss = 0;
      model.duplication = 0;
      model.reorder = false;
      return;
    default:
      return;
  }
}

/** Where the real cluster's faults differ from the model's (empty when they agree). */
export function modelMismatch(model: Readonly<Model>, real: Real): string[] {
  const cluster = real.runner.cluster;
  const out: string[] = [];
  for (const node of cluster.nodes) {
    const state = stateOf(cluster, nodeAddress(node));
    const expected = model.down.has(node) ? 'down' : model.partitioned.has(node) ? 'partitioned' : 'up';
    // an up node is `ready`, or `notReady` while its kubelet registers after a (re)start
    const matches = expected === 'up' ? state === 'ready' || state === 'notReady' : state === expected;
    if (!matches) out.push(`node ${node} is ${state}, the model says ${expected}`);
  }
  const etcd = stateOf(cluster, ETCD);
  if ((etcd === 'unavailable') !== model.etcdDown) out.push(`etcd is ${etcd}, the model says ${model.etcdDown ? 'unavailable' : 'available'}`);
  const remote = cluster.kernel.network.defaults.remote;
  if (remote.dropRate !== model.loss || remote.duplicateRate !== model.duplication || remote.reorder !== model.reorder) {
    out.push(`the network has loss ${remote.dropRate}, duplication ${remote.duplicateRate}, reorder ${remote.reorder}; the model says ${model.loss}, ${model.duplication}, ${model.reorder}`);
  }
  return out;
}

/** One step as an fc command. */
export class StepCommand implements fc.Command<Model, Real> {
  constructor(readonly step: Step) {}

  check(model: Readonly<Model>): boolean {
    if (this.step.op === 'fault') return faultApplies(model, this.step.fault);
    if (this.step.op !== 'plan') return true;
    // a plan applies when each of its faults does, in order
    const copy: Model = { ...model, down: new Set(model.down), partitioned: new Set(model.partitioned) };
    for (const fault of faultsOf(this.step)) {
      if (!faultApplies(copy, fault)) return false;
      applyFault(copy, fault);
    }
    return true;
  }

  run(model: Model, real: Real): void {
    real.runner.step(this.step);
    model.steps++;
    const faults = faultsOf(this.step);
    for (const fault of faults) applyFault(model, fault);
    if (faults.length > 0) {
      const mismatch = modelMismatch(model, real);
      if (mismatch.length > 0) throw new Error(`the cluster does not follow the fault model after "${describeStep(this.step)}": ${mismatch.join('; ')}`);
    }
  }

  toString(): string {
    return describeStep(this.step);
  }
}

/** Options of `stepCommands`. */
export interface StepCommandsOptions {
  /** Most commands in one scenario. Default 30. */
  maxCommands?: number;
  /** fast-check's replay path of a shrunk commands run (to replay it exactly). */
  replayPath?: string;
}

/** The faults a step injects, in order (a plan's included). */
function faultsOf(step: Step): Fault[] {
  if (step.op === 'fault') return [step.fault];
  if (step.op === 'plan') return step.steps.flatMap(faultsOf);
  return [];
}

/** The commands arbitrary of a scenario: sequences of steps drawn from the given arbitraries. */
export function stepCommands(steps: readonly fc.Arbitrary<Step>[], options: StepCommandsOptions = {}): fc.Arbitrary<Iterable<StepCommand>> {
  return fc.commands(
    steps.map((arb) => arb.map((step) => new StepCommand(step))),
    { maxCommands: options.maxCommands ?? 30, size: 'max', ...(options.replayPath ? { replayPath: options.replayPath } : {}) },
  ) as unknown as fc.Arbitrary<Iterable<StepCommand>>;
}

/**
 * The steps of a commands value that ran in its last execution (fast-check wraps each command
 * and marks it when it runs; commands skipped by `check` or after a failure did not run).
 */
export function stepsOf(commands: Iterable<StepCommand>): Step[] {
  const out: Step[] = [];
  for (const c of commands as Iterable<StepCommand | { cmd: StepCommand; hasRan: boolean }>) {
    if ('cmd' in c) {
      if (c.hasRan) out.push(c.cmd.step);
    } else out.push(c.step);
  }
  return out;
}
