import { describe, expect, it } from 'vitest';
import { KubeletConfigurationError, kubeletConfiguration, mergeKubeletConfigurations } from '../../../machines/kubelet/configuration.js';
import { formatQuantity } from '../../../src/api/quantity-math.js';
import { createCluster, getProfile, validateProfile } from '../../../src/index.js';

const refusal = (raw: unknown): string => {
  try {
    kubeletConfiguration(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(KubeletConfigurationError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('KubeletConfiguration (the fields kube-actors models)', () => {
  it("defaults to a kubeadm node's kubelet: no reservations, the four default hard thresholds, a 5m transition period", () => {
    const c = kubeletConfiguration(undefined);
    expect(c.systemReserved).toEqual({});
    expect(c.kubeReserved).toEqual({});
    expect(c.evictionHard.map((t) => `${t.signal}<${t.text}`)).toEqual(['imagefs.available<15%', 'memory.available<100Mi', 'nodefs.available<10%', 'nodefs.inodesFree<5%']);
    expect(c.evictionPressureTransitionPeriodMs).toBe(300_000);
  });

  it('a partial evictionHard does not inherit the other defaults (Kubernetes 1.32); 0% disables a signal', () => {
    const c = kubeletConfiguration({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', evictionHard: { 'memory.available': '500Mi', 'nodefs.available': '0%' } });
    expect(c.evictionHard.map((t) => t.signal)).toEqual(['memory.available']);
    expect(formatQuantity(c.evictionHard[0]!.quantity!)).toBe('500Mi');
  });

  it('reads Go durations for evictionPressureTransitionPeriod', () => {
    expect(kubeletConfiguration({ evictionPressureTransitionPeriod: '30s' }).evictionPressureTransitionPeriodMs).toBe(30_000);
    expect(kubeletConfiguration({ evictionPressureTransitionPeriod: '1m30s' }).evictionPressureTransitionPeriodMs).toBe(90_000);
    expect(refusal({ evictionPressureTransitionPeriod: '5 minutes' })).toContain('evictionPressureTransitionPeriod: must be a duration');
  });

  it('refuses what it does not model, naming the field', () => {
    expect(refusal({ maxPods: 50 })).toBe('maxPods: field not modelled by kube-actors (modelled: apiVersion, kind, systemReserved, kubeReserved, evictionHard, evictionPressureTransitionPeriod)');
    expect(refusal({ evictionHard: { 'pid.available': '10%' } })).toContain('evictionHard[pid.available]: the eviction signal pid.available is not modelled');
    expect(refusal({ evictionHard: { 'memory.free': '1Gi' } })).toBe('evictionHard[memory.free]: unsupported eviction signal memory.free');
    expect(refusal({ systemReserved: { pid: '100' } })).toContain('systemReserved[pid]: process ID reservations are not modelled');
    expect(refusal({ kubeReserved: { 'nvidia.com/gpu': '1' } })).toContain('kubeReserved[nvidia.com/gpu]: unsupported resource');
    expect(refusal({ kind: 'KubeProxyConfiguration' })).toContain('kind: must be KubeletConfiguration');
  });

  it("refuses thresholds as parseThresholdStatement does", () => {
    expect(refusal({ evictionHard: { 'memory.available': '-1Mi' } })).toBe('evictionHard[memory.available]: eviction threshold memory.available must be positive: -1Mi');
    expect(refusal({ evictionHard: { 'memory.available': '0' } })).toBe('evictionHard[memory.available]: eviction threshold memory.available must be positive: 0');
    expect(refusal({ evictionHard: { 'nodefs.available': '110%' } })).toBe('evictionHard[nodefs.available]: eviction percentage threshold nodefs.available must be <= 100%: 110%');
    expect(refusal({ evictionHard: { 'nodefs.available': '-5%' } })).toBe('evictionHard[nodefs.available]: eviction percentage threshold nodefs.available must be >= 0%: -5%');
  });

  it('layers merge field by field, the later winning a whole field', () => {
    expect(mergeKubeletConfigurations({ systemReserved: { cpu: '1' }, evictionHard: { 'memory.available': '1Gi' } }, undefined, { systemReserved: { memory: '1Gi' } })).toEqual({
      systemReserved: { memory: '1Gi' },
      evictionHard: { 'memory.available': '1Gi' },
    });
  });

  it('createCluster and profiles refuse a bad configuration', () => {
    expect(() => createCluster({ kubeletConfiguration: { cpuManagerPolicy: 'static' } })).toThrow(KubeletConfigurationError);
    expect(() => createCluster({ nodes: [{ name: 'n', kubeletConfiguration: { evictionHard: { 'memory.available': 'lots' } } }] })).toThrow(/evictionHard\[memory.available\]/);
    expect(() => validateProfile({ ...getProfile('fast'), kubeletConfiguration: { evictionSoft: {} } })).toThrow(/kubeletConfiguration\.evictionSoft: field not modelled/);
  });
});
