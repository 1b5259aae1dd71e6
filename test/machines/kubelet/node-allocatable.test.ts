import { describe, expect, it } from 'vitest';
import { formatQuantity } from '../../../src/api/quantity-math.js';
import { kubeletConfiguration } from '../../../machines/kubelet/configuration.js';
import { allocatableReservation, nodeAllocatable } from '../../../machines/kubelet/node-allocatable.js';
import { createCluster } from '../../../src/index.js';

const reserved = (cpu: string, memory: string) => ({ ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) });
const shown = (list: Record<string, { nanos: bigint; format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent' }>) =>
  Object.fromEntries(Object.entries(list).map(([k, v]) => [k, formatQuantity(v)]));

describe('GetNodeAllocatableReservation (cases of pkg/kubelet/cm TestNodeAllocatableReservationForScheduling)', () => {
  const cases: { kube: Record<string, string>; system: Record<string, string>; hard?: Record<string, string>; capacity: Record<string, string>; expected: Record<string, string> }[] = [
    { kube: reserved('100m', '100Mi'), system: reserved('50m', '50Mi'), capacity: reserved('10', '10Gi'), expected: reserved('150m', '150Mi') },
    { kube: reserved('100m', '100Mi'), system: reserved('50m', '50Mi'), hard: { 'memory.available': '100Mi' }, capacity: reserved('10', '10Gi'), expected: reserved('150m', '250Mi') },
    // 5% of 10Gi is 536870912 bytes (512Mi): 150Mi + 512Mi
    { kube: reserved('100m', '100Mi'), system: reserved('50m', '50Mi'), hard: { 'memory.available': '5%' }, capacity: reserved('10', '10Gi'), expected: reserved('150m', '662Mi') },
    { kube: {}, system: {}, capacity: reserved('10', '10Gi'), expected: {} },
    { kube: reserved('', '100Mi'), system: reserved('50m', '50Mi'), capacity: reserved('10', '10Gi'), expected: reserved('50m', '150Mi') },
    { kube: reserved('50m', '100Mi'), system: reserved('', '50Mi'), capacity: reserved('10', '10Gi'), expected: reserved('50m', '150Mi') },
  ];
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const config = kubeletConfiguration({ kubeReserved: c.kube, systemReserved: c.system, evictionHard: c.hard ?? {} });
    expect(shown(allocatableReservation(config, c.capacity))).toEqual(c.expected);
  });
});

describe('node allocatable (the MachineInfo setter: capacity less the reservation, at least zero)', () => {
  it("a kubeadm node's defaults: memory less 100Mi, ephemeral-storage less 10%, cpu and pods as the capacity", () => {
    const config = kubeletConfiguration(undefined);
    expect(nodeAllocatable(config, { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' })).toEqual({
      cpu: '4',
      memory: '16284Mi',
      pods: '110',
      'ephemeral-storage': '90Gi',
    });
    // a capacity in Ki, as cAdvisor reports it on real nodes: 8148912Ki − 100Mi
    expect(nodeAllocatable(config, { memory: '8148912Ki' }).memory).toBe('8046512Ki');
  });

  it('reservations larger than the capacity leave zero, never a negative amount', () => {
    const config = kubeletConfiguration({ systemReserved: { cpu: '3' }, kubeReserved: { cpu: '2', memory: '1Gi' }, evictionHard: { 'memory.available': '1Gi' } });
    expect(nodeAllocatable(config, { cpu: '4', memory: '1Gi' })).toEqual({ cpu: '0', memory: '0' });
  });

  it('the Node a kubelet registers reports it; the scheduler sees allocatable, not capacity', () => {
    const cluster = createCluster({
      nodes: [{ name: 'small', capacity: { cpu: '2', memory: '2Gi' }, kubeletConfiguration: { systemReserved: { cpu: '500m', memory: '512Mi' } } }, { name: 'plain' }],
      kubeletConfiguration: { kubeReserved: { cpu: '500m' } },
    });
    expect(cluster.runUntil(() => cluster.objects('nodes').length === 2, { timeout: 30_000 })).toBe(true);
    const small = cluster.objects('nodes').find((n) => n.metadata?.name === 'small') as { status: { capacity: Record<string, string>; allocatable: Record<string, string> } };
    const plain = cluster.objects('nodes').find((n) => n.metadata?.name === 'plain') as { status: { capacity: Record<string, string>; allocatable: Record<string, string> } };
    // the node's own kubeletConfiguration replaces the cluster's systemReserved; kubeReserved is the cluster's
    expect(small.status.capacity).toMatchObject({ cpu: '2', memory: '2Gi' });
    expect(small.status.allocatable).toMatchObject({ cpu: '1', memory: '1436Mi', 'ephemeral-storage': '90Gi' });
    expect(plain.status.allocatable).toMatchObject({ cpu: '3500m', memory: '16284Mi' });
    // a pod asking for all of small's capacity no longer fits it
    cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'big', namespace: 'default' },
      spec: { nodeSelector: { 'kubernetes.io/hostname': 'small' }, containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1500m' } } }] },
    });
    cluster.advance(5_000);
    const pod = cluster.objects('pods').find((p) => p.metadata?.name === 'big') as { spec: { nodeName?: string }; status: { conditions?: { type: string; message?: string }[] } };
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status.conditions?.find((c) => c.type === 'PodScheduled')?.message).toContain('Insufficient cpu');
    cluster.stop();
  });
});
