import type { Taint } from '../../src/api/types.js';
import type { KubeletConfig } from './configuration.js';

/** The machine a node is: its name, size, labels and taints. */
export interface NodeSpec {
  name: string;
  /** Capacity (`cpu: '4'`, `memory: '16Gi'`, `pods: '110'`, `ephemeral-storage`). */
  capacity: Record<string, string>;
  /**
   * Allocatable, when given as is; by default the kubelet computes it from the capacity and its
   * configuration (capacity − systemReserved − kubeReserved − hard eviction thresholds).
   */
  allocatable?: Record<string, string>;
  /** The kubelet's configuration (reservations, eviction thresholds); default a kubeadm node's. */
  kubelet?: KubeletConfig;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** The node's internal IP. */
  address: string;
  /** The pod CIDR (`10.244.1.0/24`); pod IPs come from it. */
  podCIDR: string;
  /** True for control-plane nodes (they get the control-plane role label and taint). */
  controlPlane?: boolean;
}
