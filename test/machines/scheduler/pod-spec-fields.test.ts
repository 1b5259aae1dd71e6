/**
 * No PodSpec field that affects placement is accepted and ignored. Every field of kubernetes-models'
 * v1.PodSpec (the decoder's Go types, so a new field shows up here unclassified and fails) is
 * either read by the scheduler — and a case below shows it changing where a pod may go — or
 * refused with a clear error, or one kube-scheduler does not read.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { GO_STRUCTS } from '../../../src/api/go-types.data.js';
import { defaultProfile } from '../../../machines/scheduler/registry.js';
import { schedulePod } from '../../../machines/scheduler/schedule-one.js';
import { isUnassigned } from '../../../machines/scheduler/binding-cycle.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { clusterOf, makeNode, makePod, scriptedRng } from './helpers.js';

type Kind = 'placement' | 'refused' | 'not read by kube-scheduler';

const FIELDS: Readonly<Record<string, Kind>> = {
  affinity: 'placement',
  containers: 'placement',
  initContainers: 'placement',
  nodeName: 'placement',
  nodeSelector: 'placement',
  preemptionPolicy: 'placement',
  priority: 'placement',
  // PriorityClass admission turns it into spec.priority (test/machines/scheduler/preemption.cluster.test.ts)
  priorityClassName: 'placement',
  resources: 'placement',
  schedulerName: 'placement',
  schedulingGates: 'placement',
  tolerations: 'placement',
  topologySpreadConstraints: 'placement',
  // VolumeBinding / VolumeRestrictions (their own tests)
  volumes: 'placement',
  // defaulting gives each container port its containerPort as hostPort (NodePorts)
  hostNetwork: 'placement',
  overhead: 'refused',
  runtimeClassName: 'refused',
  resourceClaims: 'refused',
  activeDeadlineSeconds: 'not read by kube-scheduler',
  automountServiceAccountToken: 'not read by kube-scheduler',
  dnsConfig: 'not read by kube-scheduler',
  dnsPolicy: 'not read by kube-scheduler',
  enableServiceLinks: 'not read by kube-scheduler',
  ephemeralContainers: 'not read by kube-scheduler',
  hostAliases: 'not read by kube-scheduler',
  hostIPC: 'not read by kube-scheduler',
  hostPID: 'not read by kube-scheduler',
  hostUsers: 'not read by kube-scheduler',
  hostname: 'not read by kube-scheduler',
  imagePullSecrets: 'not read by kube-scheduler',
  os: 'not read by kube-scheduler',
  readinessGates: 'not read by kube-scheduler',
  restartPolicy: 'not read by kube-scheduler',
  securityContext: 'not read by kube-scheduler',
  serviceAccount: 'not read by kube-scheduler',
  serviceAccountName: 'not read by kube-scheduler',
  setHostnameAsFQDN: 'not read by kube-scheduler',
  shareProcessNamespace: 'not read by kube-scheduler',
  subdomain: 'not read by kube-scheduler',
  terminationGracePeriodSeconds: 'not read by kube-scheduler',
};

describe('PodSpec fields and the scheduler', () => {
  it('every field of v1.PodSpec is classified', () => {
    expect(Object.keys(GO_STRUCTS['IoK8sApiCoreV1PodSpec']!.fields).sort()).toEqual(Object.keys(FIELDS).sort());
  });

  // node a (zone z1) runs web-0 (app=web, hostPort 80, 1 of its 2 cpus); node b (zone z2) is tainted dedicated=gpu
  const web0: Pod = {
    ...makePod('web-0', { nodeName: 'a', labels: { app: 'web' }, cpu: '1' }),
  };
  web0.spec!.containers[0]!.ports = [{ containerPort: 80, hostPort: 80 }];
  const cluster = clusterOf(
    [makeNode('a', { cpu: '2', labels: { zone: 'z1' } }), makeNode('b', { cpu: '2', labels: { zone: 'z2' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })],
    [web0],
  );
  /** Where the pod may go ('a b', 'b', ...) or 'nominate a' / 'none'. */
  const placement = (pod: Pod): string => {
    const r = schedulePod(pod, cluster.cache, defaultProfile, { rng: scriptedRng([0]), startIndex: 0, includeScores: true, listers: cluster.listers });
    if (!r.ok) return r.nominatedNode ? `nominate ${r.nominatedNode}` : 'none';
    return r.scores ? r.scores.map((s) => s.node).sort().join(' ') : r.node;
  };
  const tolerant = () => makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
  const edit = (pod: Pod, f: (spec: NonNullable<Pod['spec']>) => void): Pod => {
    f(pod.spec!);
    return pod;
  };
  const term = (matchLabels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels }, topologyKey });
  const cases: [string, Pod, Pod, string, string][] = [
    ['tolerations', makePod('p'), tolerant(), 'a', 'a b'],
    ['nodeName', tolerant(), edit(tolerant(), (s) => (s.nodeName = 'b')), 'a b', 'b'],
    ['nodeSelector', tolerant(), edit(tolerant(), (s) => (s.nodeSelector = { zone: 'z2' })), 'a b', 'b'],
    [
      'affinity.nodeAffinity',
      tolerant(),
      edit(tolerant(), (s) => (s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } })),
      'a b',
      'b',
    ],
    ['affinity.podAffinity', tolerant(), edit(tolerant(), (s) => (s.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } })), 'a b', 'a'],
    ['affinity.podAntiAffinity', tolerant(), edit(tolerant(), (s) => (s.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } })), 'a b', 'b'],
    ['containers[].ports[].hostPort', tolerant(), edit(tolerant(), (s) => (s.containers[0]!.ports = [{ containerPort: 80, hostPort: 80 }])), 'a b', 'b'],
    ['containers[].resources.requests', tolerant(), edit(tolerant(), (s) => (s.containers[0]!.resources = { requests: { cpu: '1500m' } })), 'a b', 'b'],
    ['initContainers[].resources.requests', tolerant(), edit(tolerant(), (s) => (s.initContainers = [{ name: 'i', image: 'busybox', resources: { requests: { cpu: '1500m' } } }])), 'a b', 'b'],
    ['resources (pod level)', tolerant(), edit(tolerant(), (s) => (s.resources = { requests: { cpu: '1500m' } })), 'a b', 'b'],
    ['priority (preemption)', makePod('p', { cpu: '2' }), makePod('p', { cpu: '2', priority: 1000 }), 'none', 'nominate a'],
    ['preemptionPolicy', makePod('p', { cpu: '2', priority: 1000 }), makePod('p', { cpu: '2', priority: 1000, preemptionPolicy: 'Never' }), 'nominate a', 'none'],
  ];
  it.each(cases)('%s changes where a pod may go', (_field, without, withField, before, after) => {
    expect(placement(without)).toBe(before);
    expect(placement(withField)).toBe(after);
  });
  it('topologySpreadConstraints: a pod the selector matches may not widen the skew', () => {
    const pod = edit(makePod('p', { labels: { app: 'web' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), (s) => {
      s.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    });
    expect(placement(pod)).toBe('b');
  });
  it('schedulerName and schedulingGates decide whether this scheduler queues the pod at all', () => {
    expect(isUnassigned(makePod('p'), 'default-scheduler')).toBe(true);
    expect(isUnassigned(edit(makePod('p'), (s) => (s.schedulerName = 'other')), 'default-scheduler')).toBe(false);
    expect(isUnassigned(edit(makePod('p'), (s) => (s.schedulingGates = [{ name: 'g' }])), 'default-scheduler')).toBe(false);
  });
});

describe('PodSpec fields in a running cluster', () => {
  const pod = (name: string, extra: Record<string, unknown> = {}): Pod =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...extra } });

  it('refuses runtimeClassName, overhead and resourceClaims, naming the field', () => {
    const c = createCluster({ nodes: 1, seed: 2 });
    expect(() => c.client.create(pod('rc', { runtimeClassName: 'kata' }))).toThrow('pods "rc" is forbidden: pod rejected: RuntimeClass "kata" not found');
    expect(() => c.client.create(pod('oh', { overhead: { cpu: '100m' } }))).toThrow('pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
    expect(() => c.client.create(pod('claims', { resourceClaims: [{ name: 'gpu', resourceClaimName: 'x' }] }))).toThrow('spec.resourceClaims: Forbidden');
    c.stop();
  });

  it('a gated pod stays Pending with PodScheduled=False SchedulingGated until its gates are removed, then is scheduled', () => {
    const c = createCluster({ nodes: 1, seed: 2 });
    c.client.create(pod('gated', { schedulingGates: [{ name: 'example.com/wait' }] }));
    c.advance(30_000);
    const p = c.object<Pod>('pods', 'gated')!;
    expect(p.spec?.nodeName).toBeUndefined();
    expect(p.status?.conditions?.find((x) => x.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates',
    });
    c.client.patch('pods', 'gated', { spec: { schedulingGates: null } }, { type: 'merge' });
    c.runUntil(() => Boolean(c.object<Pod>('pods', 'gated')?.spec?.nodeName), { timeout: 60_000 });
    expect(c.object<Pod>('pods', 'gated')!.spec!.nodeName).toBeDefined();
    c.stop();
  });
});
