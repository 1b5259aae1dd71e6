/**
 * `faultPlan(nodes)`: a schedule of faults as steps: faults separated by waits, for a run whose
 * workload is fixed (or for replaying one plan against several workloads).
 */
import fc from 'fast-check';
import type { Step } from '../steps.js';
import { faultStep, type FaultStepOptions } from './fault-step.js';
import { timeStep } from './time-step.js';

/** Options of `faultPlan`. */
export interface FaultPlanOptions extends FaultStepOptions {
  /** Most faults in the plan. Default 8. */
  maxFaults?: number;
}

/** An arbitrary plan: `wait, fault, wait, fault, …`. */
export function faultPlan(nodes: number, options: FaultPlanOptions = {}): fc.Arbitrary<Step[]> {
  return fc
    .array(fc.tuple(timeStep(), faultStep(nodes, options)), { maxLength: options.maxFaults ?? 8 })
    .map((pairs) => pairs.flatMap(([wait, fault]): Step[] => [wait, fault]));
}
