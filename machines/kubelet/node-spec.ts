import type { Taint } from '../../src/api/types.js';

/** The machine a node is: its name, size, labels and taints. */
export interface NodeSpec {
  name: string;
  /** Capacity (`cpu: '4'`, `memory: '16Gi'`, `pods: '110'`, `ephemeral-storage`). */
  capacity: Record<string, string>;
  /** Allocatable; defaults to capacity less system reservations (100m cpu, 256Mi memory). */
  allocatable?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** The node's internal IP. */
  address: string;
  /** The pod CIDR (`10.244.1.0/24`); pod IPs come from it. */
  podCIDR: string;
  /** True for control-plane nodes (they get the control-plane role label and taint). */
  controlPlane?: boolean;
}
