/**
 * Node allocatable, as the kubelet's container manager computes it (pkg/kubelet/cm:
 * `GetNodeAllocatableReservation`, `hardEvictionReservation`) and its node status setter writes
 * it (pkg/kubelet/nodestatus `MachineInfo`): for each resource of the capacity, allocatable =
 * capacity − systemReserved − kubeReserved − the hard eviction threshold of the resource
 * (memory.available for memory, nodefs.available for ephemeral-storage), never below zero.
 */
import { addQuantities, compareQuantities, formatQuantity, parseExact, subtractQuantities, ZERO, type Quantity } from '../../src/api/quantity-math.js';
import { thresholdQuantity, type KubeletConfig } from './configuration.js';

/** hardEvictionReservation: the hard thresholds of memory.available and nodefs.available, as quantities of the capacity. */
function hardEvictionReservation(config: KubeletConfig, capacity: Readonly<Record<string, Quantity>>): Record<string, Quantity> {
  const out: Record<string, Quantity> = {};
  for (const t of config.evictionHard) {
    if (t.signal === 'memory.available') out['memory'] = thresholdQuantity(t, capacity['memory'] ?? ZERO);
    else if (t.signal === 'nodefs.available') out['ephemeral-storage'] = thresholdQuantity(t, capacity['ephemeral-storage'] ?? ZERO);
  }
  return out;
}

/** GetNodeAllocatableReservation: per resource of the capacity, the reservations and the eviction threshold summed (zero ones left out). */
export function allocatableReservation(config: KubeletConfig, capacity: Readonly<Record<string, string>>): Record<string, Quantity> {
  const cap: Record<string, Quantity> = {};
  for (const [k, v] of Object.entries(capacity)) cap[k] = parseExact(v);
  const eviction = hardEvictionReservation(config, cap);
  const out: Record<string, Quantity> = {};
  for (const k of Object.keys(cap)) {
    let value: Quantity = { nanos: 0n, format: 'DecimalSI' };
    for (const part of [config.systemReserved[k], config.kubeReserved[k], eviction[k]]) if (part) value = addQuantities(value, part);
    if (value.nanos !== 0n) out[k] = value;
  }
  return out;
}

/** The node's `status.allocatable`: capacity less the reservation, floored at zero, in the capacity's format. */
export function nodeAllocatable(config: KubeletConfig, capacity: Readonly<Record<string, string>>): Record<string, string> {
  const reserved = allocatableReservation(config, capacity);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(capacity)) {
    const res = reserved[k];
    if (!res) {
      out[k] = v;
      continue;
    }
    let value = subtractQuantities(parseExact(v), res);
    if (compareQuantities(value, ZERO) < 0) value = { nanos: 0n, format: value.format };
    out[k] = formatQuantity(value);
  }
  return out;
}
