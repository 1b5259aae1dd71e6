/**
 * The load generators of Kubernetes' resource tasks ("Assign Memory Resources", "Assign CPU
 * Resources"): what `stress` (polinux/stress) and `/stress` (vish/stress) demand of the machine,
 * from their arguments. The kubelet's process model OOM-kills a container whose demand is above its
 * memory limit (the cgroup's OOM killer), and the usage model reports the demand (CPU capped at
 * the container's limit, as CFS throttles it) to `kubectl top` and the autoscaler.
 */
import type { Container } from '../api/types.js';
import { milliCpu, quantityValue } from '../api/quantity.js';

/** What a program demands: memory in bytes, CPU in millicores. */
export interface Demand {
  memoryBytes?: number;
  milliCpu?: number;
}

/** stress's sizes: `150M`, `1G`, `4096K`, `100B`, or bytes (powers of 1024). */
function stressBytes(text: string): number | undefined {
  const m = /^(\d+)([BbKkMmGg]?)$/.exec(text);
  if (!m) return undefined;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * unit;
}

/** `stress --vm N --vm-bytes SIZE --cpu N ...` (polinux/stress): N workers of SIZE each (default 256M), N spinning CPUs. */
export function stressDemand(args: readonly string[]): Demand | undefined {
  let vm = 0;
  let vmBytes = 256 * 1024 ** 2;
  let cpu = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if ((a === '--vm' || a === '-m') && v !== undefined) vm = Number(v);
    else if (a === '--vm-bytes' && v !== undefined) vmBytes = stressBytes(v) ?? Number.NaN;
    else if ((a === '--cpu' || a === '-c') && v !== undefined) cpu = Number(v);
    else continue;
    i++;
  }
  if (![vm, vmBytes, cpu].every(Number.isFinite)) return undefined;
  const demand: Demand = {};
  if (vm > 0) demand.memoryBytes = vm * vmBytes;
  if (cpu > 0) demand.milliCpu = cpu * 1000;
  return demand;
}

/** `/stress -cpus N` (vish/stress): N cores busy. */
export function vishStressDemand(args: readonly string[]): Demand | undefined {
  const i = args.findIndex((a) => a === '-cpus' || a === '--cpus');
  const eq = args.find((a) => /^--?cpus=/.test(a));
  const n = eq !== undefined ? Number(eq.slice(eq.indexOf('=') + 1)) : i >= 0 ? Number(args[i + 1]) : 0;
  if (!Number.isFinite(n)) return undefined;
  return n > 0 ? { milliCpu: n * 1000 } : {};
}

/** The container's memory limit in bytes, if it has one. */
export function memoryLimitOf(container: Pick<Container, 'resources'>): number | undefined {
  const limit = container.resources?.limits?.['memory'];
  return limit === undefined ? undefined : quantityValue(String(limit));
}

/** The container's CPU limit in millicores, if it has one. */
export function cpuLimitOf(container: Pick<Container, 'resources'>): number | undefined {
  const limit = container.resources?.limits?.['cpu'];
  return limit === undefined ? undefined : milliCpu(String(limit));
}
