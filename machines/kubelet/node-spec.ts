import type { Taint } from '../../src/api/types.js';
import type { KubeletConfig } from './configuration.js';
import { quantityValue } from '../../src/api/quantity.js';

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
  /** Inodes of the node's filesystem (nodefs.inodesFree); default its `ephemeral-storage` capacity / 16 KiB (ext4's inode ratio). */
  inodes?: number;
  /** The kernel's pid_max (pid.available); default 4194304 (systemd's). */
  pidMax?: number;
}

/** pid_max when a node does not say (systemd raises the kernel's default to 2^22). */
const DEFAULT_PID_MAX = 4_194_304;

/** ext4's default bytes-per-inode (mke2fs inode_ratio). */
const INODE_RATIO = 16_384;

/** The node's filesystem inodes and pid_max, with their defaults. */
export function nodeMachine(spec: NodeSpec): { capacity: Record<string, string>; inodes: number; pidMax: number } {
  const fs = quantityValue(spec.capacity['ephemeral-storage'] ?? '0');
  return { capacity: spec.capacity, inodes: spec.inodes ?? Math.floor(fs / INODE_RATIO), pidMax: spec.pidMax ?? DEFAULT_PID_MAX };
}
