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
    expect(refusal({ maxPods: 50 })).toBe(
      'maxPods: field not modelled by kube-actors (modelled: apiVersion, kind, systemReserved, kubeReserved, evictionHard, evictionSoft, evictionSoftGracePeriod, evictionMaxPodGracePeriod, evictionMinimumReclaim, evictionPressureTransitionPeriod)',
    );
    expect(refusal({ evictionHard: { 'imagefs.inodesFree': '10%' } })).toContain('evictionHard[imagefs.inodesFree]: the eviction signal imagefs.inodesFree is not modelled');
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
    expect(() => validateProfile({ ...getProfile('fast'), kubeletConfiguration: { cpuCFSQuota: false } })).toThrow(/kubeletConfiguration\.cpuCFSQuota: field not modelled/);
    expect(() => validateProfile({ ...getProfile('fast'), kubeletConfiguration: { evictionSoft: { 'memory.available': '1Gi' } } })).toThrow(/grace period must be specified/);
  });

  it('soft thresholds (ParseThresholdConfig): each needs its grace period; pid.available is a signal; 100% is ignored as 0% is', () => {
    const c = kubeletConfiguration({
      evictionHard: { 'pid.available': '1000', 'nodefs.available': '100%' },
      evictionSoft: { 'memory.available': '1Gi', 'nodefs.available': '15%' },
      evictionSoftGracePeriod: { 'memory.available': '1m30s', 'nodefs.available': '2m', 'pid.available': '10s' },
      evictionMaxPodGracePeriod: 60,
    });
    expect(c.evictionHard.map((t) => [t.signal, t.text, t.gracePeriodMs ?? 0])).toEqual([['pid.available', '1000', 0]]);
    expect(c.evictionSoft.map((t) => [t.signal, t.text, t.gracePeriodMs])).toEqual([
      ['memory.available', '1Gi', 90_000],
      ['nodefs.available', '15%', 120_000],
    ]);
    expect(c.evictionMaxPodGracePeriodSeconds).toBe(60);
    expect(kubeletConfiguration(undefined).evictionSoft).toEqual([]);
    expect(kubeletConfiguration(undefined).evictionMaxPodGracePeriodSeconds).toBe(0);
    expect(refusal({ evictionSoft: { 'memory.available': '1Gi' } })).toBe('evictionSoft[memory.available]: grace period must be specified for the soft eviction threshold memory.available');
    expect(refusal({ evictionSoft: { 'memory.available': '1Gi' }, evictionSoftGracePeriod: { 'nodefs.available': '1m' } })).toContain('grace period must be specified for the soft eviction threshold memory.available');
    expect(refusal({ evictionSoft: { 'memory.available': '1Gi' }, evictionSoftGracePeriod: { 'memory.available': '-1m' } })).toBe(
      'evictionSoftGracePeriod[memory.available]: invalid eviction grace period specified: -1m, must be a positive value',
    );
    expect(refusal({ evictionSoftGracePeriod: { 'memory.free': '1m' } })).toBe('evictionSoftGracePeriod[memory.free]: unsupported eviction signal memory.free');
    expect(refusal({ evictionSoft: { 'memory.available': '-1Gi' }, evictionSoftGracePeriod: { 'memory.available': '1m' } })).toBe('evictionSoft[memory.available]: eviction threshold memory.available must be positive: -1Gi');
    expect(refusal({ evictionMaxPodGracePeriod: '30s' })).toContain('evictionMaxPodGracePeriod: must be a whole number of seconds');
  });

  it('evictionMinimumReclaim (parseMinimumReclaims) adds to the hard and soft thresholds of its signal', () => {
    const c = kubeletConfiguration({ evictionHard: { 'memory.available': '100Mi' }, evictionSoft: { 'memory.available': '300Mi' }, evictionSoftGracePeriod: { 'memory.available': '1m' }, evictionMinimumReclaim: { 'memory.available': '0.5Gi', 'nodefs.available': '5%' } });
    expect(c.evictionHard[0]!.minReclaim?.text).toBe('0.5Gi');
    expect(c.evictionSoft[0]!.minReclaim?.text).toBe('0.5Gi');
    expect(refusal({ evictionMinimumReclaim: { 'memory.available': '0%' } })).toBe('evictionMinimumReclaim[memory.available]: eviction percentage minimum reclaim memory.available must be positive: 0%');
    expect(refusal({ evictionMinimumReclaim: { 'memory.available': '-1Mi' } })).toBe('evictionMinimumReclaim[memory.available]: negative eviction minimum reclaim specified for memory.available');
  });
});
