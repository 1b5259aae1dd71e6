import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/types.js';
import { calculateUsage, checkQuotas, handlesUpdate, matchingResources, podConstraints, usageOf } from '../../src/api/quota.js';
import { parseResourceList } from '../../src/api/quantity-math.js';

const clock = { nowMs: 0, timeOf: () => Number.NaN };
const text = (u: Map<string, { nanos: bigint }>) => Object.fromEntries([...u].map(([k, v]) => [k, Number(v.nanos) / 1e9]));

function quota(name: string, hard: Record<string, string>, used?: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'test', resourceVersion: '7' }, spec: { hard, ...spec }, status: { hard, ...(used ? { used } : {}) } } as KubeObject;
}

function pod(name: string, containers: { requests?: Record<string, string>; limits?: Record<string, string> }[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'test' },
    spec: { containers: containers.map((r, i) => ({ name: `c${i}`, image: 'nginx', resources: r })), ...extra },
  } as KubeObject;
}

describe('quota evaluators (pkg/quota/v1/evaluator/core)', () => {
  it('measures a pod: its count always, its compute resources while it is not terminal', () => {
    const p = pod('p', [{ requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '200m' } }, { requests: { cpu: '50m', 'example.com/gpu': '1' } }]);
    expect(text(usageOf('', 'pods', p, clock))).toEqual({
      'count/pods': 1, pods: 1, cpu: 0.15, 'requests.cpu': 0.15, memory: 2 ** 30, 'requests.memory': 2 ** 30, 'limits.cpu': 0.2, 'requests.example.com/gpu': 1,
    });
    const done = { ...p, status: { phase: 'Succeeded' } } as KubeObject;
    expect(text(usageOf('', 'pods', done, clock))).toEqual({ 'count/pods': 1 });
  });

  it('raises a pod to its largest init container and adds sidecars (PodRequests)', () => {
    const p = pod('p', [{ requests: { cpu: '100m' } }], {
      initContainers: [
        { name: 'init', image: 'busybox', resources: { requests: { cpu: '500m' } } },
        { name: 'sidecar', image: 'envoy', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      ],
    });
    expect(text(usageOf('', 'pods', p, clock))['requests.cpu']).toBe(0.5);
  });

  it('measures services, claims and object counts', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } } as KubeObject;
    expect(text(usageOf('', 'services', svc, clock))).toEqual({ 'count/services': 1, services: 1, 'services.nodeports': 2, 'services.loadbalancers': 1 });
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } } } as KubeObject;
    expect(text(usageOf('', 'persistentvolumeclaims', pvc, clock))).toEqual({
      persistentvolumeclaims: 1, 'count/persistentvolumeclaims': 1, 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': 1,
      'requests.storage': 10 * 2 ** 30, 'gold.storageclass.storage.k8s.io/requests.storage': 10 * 2 ** 30,
    });
    expect(text(usageOf('', 'configmaps', { metadata: { name: 'x' } }, clock))).toEqual({ 'count/configmaps': 1, configmaps: 1 });
    expect(text(usageOf('apps', 'deployments', { metadata: { name: 'x' } }, clock))).toEqual({ 'count/deployments.apps': 1 });
    expect(matchingResources('apps', 'deployments', ['pods', 'count/deployments.apps', 'count/deployments'])).toEqual(['count/deployments.apps']);
  });

  it('makes every container state the cpu and memory a quota limits', () => {
    const p = pod('p', [{ requests: { cpu: '1' } }, {}]);
    expect(podConstraints(['pods', 'requests.cpu', 'limits.memory'], p)).toBe('must specify limits.memory for: c0,c1; requests.cpu for: c1');
    expect(podConstraints(['pods', 'count/pods'], p)).toBeUndefined();
  });
});

describe('ResourceQuota admission (plugin/pkg/admission/resourcequota admission_test.go)', () => {
  it('admits below the limit and charges the quota (TestAdmitBelowQuotaLimit)', () => {
    const q = quota('quota', { cpu: '3', memory: '100Gi', pods: '5' }, { cpu: '1', memory: '50Gi', pods: '3' });
    const verdict = checkQuotas([q], '', 'pods', pod('123', [{ requests: { cpu: '100m', memory: '2Gi' } }]), clock);
    expect(verdict).toEqual({ charged: [expect.objectContaining({ status: { hard: { cpu: '3', memory: '100Gi', pods: '5' }, used: { cpu: '1100m', memory: '52Gi', pods: '4' } } })] });
  });

  it('refuses above the limit with the exceeded resources only (TestAdmitExceedQuotaLimit)', () => {
    const q = quota('quota', { cpu: '3', memory: '100Gi', pods: '5' }, { cpu: '1', memory: '50Gi', pods: '3' });
    expect(checkQuotas([q], '', 'pods', pod('123', [{ requests: { cpu: '3', memory: '2Gi' } }]), clock)).toEqual({
      refused: 'exceeded quota: quota, requested: cpu=3, used: cpu=1, limited: cpu=3',
    });
    const full = quota('q', { pods: '10' }, { pods: '10' });
    expect(checkQuotas([full], '', 'pods', pod('p', [{}]), clock)).toEqual({ refused: 'exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10' });
  });

  it('refuses while a matching quota has no usage yet (status unknown)', () => {
    const q = quota('fresh', { pods: '5', 'count/pods': '5' });
    expect(checkQuotas([q], '', 'pods', pod('p', [{}]), clock)).toEqual({ refused: 'status unknown for quota: fresh, resources: count/pods,pods' });
  });

  it('enforces container constraints (TestAdmitEnforceQuotaConstraints)', () => {
    const q = quota('quota', { cpu: '3', memory: '100Gi', 'limits.memory': '200Gi', pods: '5' }, { cpu: '1', memory: '50Gi', 'limits.memory': '100Gi', pods: '3' });
    expect(checkQuotas([q], '', 'pods', pod('p', [{ requests: { cpu: '100m', memory: '1Gi' } }]), clock)).toEqual({ refused: 'failed quota: quota: must specify limits.memory for: c0' });
  });

  it('charges only the quotas whose scopes match the pod', () => {
    const terminating = quota('terminating', { pods: '1' }, { pods: '1' }, { scopes: ['Terminating'] });
    const bestEffort = quota('besteffort', { pods: '5' }, { pods: '0' }, { scopes: ['BestEffort'] });
    const gold = quota('gold', { pods: '1' }, { pods: '1' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['gold'] }] } });
    const verdict = checkQuotas([terminating, bestEffort, gold], '', 'pods', pod('p', [{}]), clock);
    expect('charged' in verdict && verdict.charged.map((q) => q.metadata?.name)).toEqual(['besteffort']);
    const goldPod = pod('g', [{}], { priorityClassName: 'gold', activeDeadlineSeconds: 30 });
    expect(checkQuotas([gold], '', 'pods', goldPod, clock)).toEqual({ refused: 'exceeded quota: gold, requested: pods=1, used: pods=1, limited: pods=1' });
    expect(checkQuotas([terminating], '', 'pods', goldPod, clock)).toEqual({ refused: 'exceeded quota: terminating, requested: pods=1, used: pods=1, limited: pods=1' });
  });

  it('ignores events and charges nothing when no quota limits what the object uses', () => {
    const q = quota('q', { pods: '1' }, { pods: '1' });
    expect(checkQuotas([q], '', 'configmaps', { metadata: { name: 'c' } }, clock)).toEqual({ charged: [] });
  });
});

describe('ResourceQuota admission of updates (admission_test.go)', () => {
  const service = (type: string, ports: number, resourceVersion?: string): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'service', namespace: 'test', ...(resourceVersion === undefined ? {} : { resourceVersion }) }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 1234 + i })) } }) as KubeObject;
  const claim = (storage: string, resourceVersion?: string): KubeObject =>
    ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pvc-to-update', namespace: 'test', ...(resourceVersion ? { resourceVersion } : {}) }, spec: { resources: { requests: { storage } } } }) as KubeObject;
  const services = (used: Record<string, string>) => quota('quota', { services: '10', 'services.loadbalancers': '10', 'services.nodeports': '10' }, used);
  const usedOf = (v: ReturnType<typeof checkQuotas>) => ('charged' in v ? v.charged.map((q) => (q as any).status.used) : v);

  it('only Services and claims are charged on update; pods and object counts on create only (Handles)', () => {
    expect(handlesUpdate('', 'services')).toBe(true);
    expect(handlesUpdate('', 'persistentvolumeclaims')).toBe(true);
    expect(handlesUpdate('', 'pods')).toBe(false);
    expect(handlesUpdate('', 'configmaps')).toBe(false);
    expect(handlesUpdate('apps', 'deployments')).toBe(false);
  });

  it('charges a LoadBalancer made NodePort by the difference, never below zero (TestAdmitHandlesOldObjects)', () => {
    const q = services({ services: '1', 'services.loadbalancers': '1', 'services.nodeports': '0' });
    expect(usedOf(checkQuotas([q], '', 'services', service('NodePort', 1), clock, service('LoadBalancer', 0, '1')))).toEqual([
      { services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' },
    ]);
  });

  it('charges an update without a resourceVersion in full, as a create (TestAdmitHandlesCreatingUpdates)', () => {
    const q = services({ services: '1', 'services.loadbalancers': '1', 'services.nodeports': '0' });
    expect(usedOf(checkQuotas([q], '', 'services', service('NodePort', 1), clock, service('LoadBalancer', 0, '')))).toEqual([
      { services: '2', 'services.loadbalancers': '1', 'services.nodeports': '1' },
    ]);
  });

  it('refuses a ClusterIP Service made NodePort past services.nodeports with the plugin\'s message', () => {
    const q = quota('q', { 'services.nodeports': '1' }, { 'services.nodeports': '1' });
    expect(checkQuotas([q], '', 'services', service('NodePort', 2), clock, service('ClusterIP', 2, '5'))).toEqual({
      refused: 'exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=1, limited: services.nodeports=1',
    });
    // an update that changes nothing quota measures charges nothing
    expect(checkQuotas([q], '', 'services', service('ClusterIP', 3), clock, service('ClusterIP', 2, '5'))).toEqual({ charged: [] });
  });

  it('charges a claim\'s expansion by the difference (TestAdmitHandlesPVCUpdates), a shrink nothing (TestAdmitHandlesNegativePVCUpdates)', () => {
    const q = quota('quota', { persistentvolumeclaims: '3', 'requests.storage': '100Gi' }, { persistentvolumeclaims: '1', 'requests.storage': '10Gi' });
    expect(usedOf(checkQuotas([q], '', 'persistentvolumeclaims', claim('15Gi'), clock, claim('10Gi', '1')))).toEqual([{ persistentvolumeclaims: '1', 'requests.storage': '15Gi' }]);
    expect(checkQuotas([q], '', 'persistentvolumeclaims', claim('5Gi'), clock, claim('10Gi', '1'))).toEqual({ charged: [] });
    expect(checkQuotas([q], '', 'persistentvolumeclaims', claim('101Gi'), clock, claim('10Gi', '1'))).toEqual({
      refused: 'exceeded quota: quota, requested: requests.storage=91Gi, used: requests.storage=10Gi, limited: requests.storage=100Gi',
    });
    const gold = (storage: string, rv?: string) => ({ ...claim(storage, rv), spec: { storageClassName: 'gold', resources: { requests: { storage } } } }) as KubeObject;
    const byClass = quota('gold', { 'gold.storageclass.storage.k8s.io/requests.storage': '20Gi' }, { 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi' });
    expect(checkQuotas([byClass], '', 'persistentvolumeclaims', gold('25Gi'), clock, gold('10Gi', '1'))).toEqual({
      refused: 'exceeded quota: gold, requested: gold.storageclass.storage.k8s.io/requests.storage=15Gi, used: gold.storageclass.storage.k8s.io/requests.storage=10Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=20Gi',
    });
  });
});

describe('CalculateUsage (the resourcequota controller)', () => {
  it('sums the namespace\'s matching objects, zero for what nothing uses', () => {
    const q = quota('q', { pods: '10', 'requests.cpu': '4', 'count/services': '3', secrets: '2' }, undefined, { scopes: ['NotBestEffort'] });
    const objects: Record<string, KubeObject[]> = {
      pods: [pod('a', [{ requests: { cpu: '1' } }]), pod('b', [{}]), pod('c', [{ requests: { cpu: '500m' } }])],
      services: [{ metadata: { name: 's' }, spec: {} } as KubeObject],
    };
    const resources = [{ group: '', resource: 'pods' }, { group: '', resource: 'services' }, { group: '', resource: 'secrets' }];
    const used = calculateUsage(q, parseResourceList((q as any).spec.hard), resources, (_g, r) => objects[r] ?? [], clock);
    // scopes match pods only: a scoped quota counts no services
    expect(text(used)).toEqual({ pods: 2, 'requests.cpu': 1.5, 'count/services': 0, secrets: 0 });
  });
});
