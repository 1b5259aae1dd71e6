/**
 * VolumeBinding, after kube-scheduler's `volumebinding/volume_binding_test.go` (TestVolumeBinding:
 * the PreFilter / Filter verdicts per node) and `binder_test.go` (TestFindPodVolumesWithoutProvisioning,
 * TestFindPodVolumesWithProvisioning, TestAssumePodVolumes, TestCheckBindings), with the same
 * claim, volume and class fixtures (`pvc-a`, `pv-a`, `waitSC`, `immediateSC`).
 */
import { describe, it, expect } from 'vitest';
import type { KubeObject, Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../../../src/api/types.js';
import {
  VolumeBinding,
  ERR_REASON_BIND_CONFLICT,
  ERR_REASON_NODE_CONFLICT,
  ERR_REASON_PV_NOT_EXIST,
  ERR_REASON_UNBOUND_IMMEDIATE,
  findMatchingVolume,
  matchTopologySelectorTerms,
} from '../../../../machines/scheduler/plugins/volume-binding.js';
import { SUCCESS, type CycleState, type Status } from '../../../../machines/scheduler/framework.js';
import { clusterOf, makeNode, makePod } from '../helpers.js';
import { ActionType } from '../../../../machines/scheduler/events.js';

const ZONE = 'topology.kubernetes.io/zone';

const immediateSC: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'immediate-sc' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' };
const waitSC: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'wait-sc' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' };
const provisionSC: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'provision-sc' }, provisioner: 'example.com/csi', volumeBindingMode: 'WaitForFirstConsumer' };
const topoSC: StorageClass = {
  ...provisionSC,
  metadata: { name: 'topo-sc' },
  allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE, values: ['zone-a'] }] }],
};
const classes = [immediateSC, waitSC, provisionSC, topoSC];

let rv = 100;
function claim(name: string, size: string, cls: StorageClass | undefined, extra: { volumeName?: string; bound?: boolean; annotations?: Record<string, string>; phase?: 'Pending' | 'Bound' | 'Lost' } = {}): PersistentVolumeClaim {
  const annotations: Record<string, string> = { ...(extra.annotations ?? {}) };
  if (extra.bound) annotations['pv.kubernetes.io/bind-completed'] = 'yes';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: String(rv++), annotations },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: cls?.metadata!.name ?? '', ...(extra.volumeName ? { volumeName: extra.volumeName } : {}) },
    status: { phase: extra.phase ?? (extra.bound ? 'Bound' : 'Pending') },
  };
}

function volume(name: string, size: string, cls: StorageClass | undefined, extra: { node?: string; zone?: string; boundTo?: PersistentVolumeClaim } = {}): PersistentVolume {
  const terms = extra.node
    ? [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [extra.node] }] }]
    : extra.zone
      ? [{ matchExpressions: [{ key: ZONE, operator: 'In' as const, values: [extra.zone] }] }]
      : undefined;
  const ref = extra.boundTo;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, resourceVersion: String(rv++) },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      storageClassName: cls?.metadata!.name ?? '',
      hostPath: { path: `/data/${name}` },
      ...(terms ? { nodeAffinity: { required: { nodeSelectorTerms: terms } } } : {}),
      ...(ref ? { claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: ref.metadata!.name, uid: ref.metadata!.uid } } : {}),
    },
    status: { phase: ref ? 'Bound' : 'Available' },
  };
}

function podWith(name: string, ...claims: string[]): Pod {
  const p = makePod(name);
  return { ...p, metadata: { ...p.metadata, uid: `uid-${name}` }, spec: { ...p.spec!, volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) } };
}

const nodes = (): Node[] => [
  makeNode('node-a', { labels: { [ZONE]: 'zone-a' } }),
  makeNode('node-b', { labels: { [ZONE]: 'zone-b' } }),
];

/** PreFilter then Filter on every node; the pre-filter status, or each node's status. */
function run(pod: Pod, objects: { claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[] }): { pre?: Status; byNode: Record<string, Status>; state: CycleState; c: ReturnType<typeof clusterOf> } {
  const c = clusterOf(nodes(), [], { ...objects, classes });
  const state = c.state(pod);
  const pre = VolumeBinding.preFilter!(pod, state)?.status;
  const byNode: Record<string, Status> = {};
  if (!pre || pre.code === 'Success') for (const ni of c.snapshot.nodes) byNode[ni.name] = VolumeBinding.filter(pod, ni, state);
  return { pre, byNode, state, c };
}

describe('VolumeBinding PreFilter and Filter (TestVolumeBinding)', () => {
  it('pod has no PVCs: Skip (and costs nothing for pods without volumes)', () => {
    expect(run(makePod('p'), {}).pre?.code).toBe('Skip');
  });

  it('all bound: every node whose volume affinity matches fits', () => {
    const pvc = claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-a', bound: true });
    const r = run(podWith('p', 'pvc-a'), { claims: [pvc], volumes: [volume('pv-a', '1Gi', waitSC, { boundTo: pvc })] });
    expect(r.pre).toBeUndefined();
    expect(r.byNode).toEqual({ 'node-a': SUCCESS, 'node-b': SUCCESS });
  });

  it('PVC does not exist / part of PVCs do not exist: UnschedulableAndUnresolvable with the lister error', () => {
    expect(run(podWith('p', 'pvc-a'), {}).pre).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "pvc-a" not found'] });
    const pvc = claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-a', bound: true });
    expect(run(podWith('p', 'pvc-a', 'pvc-b'), { claims: [pvc] }).pre).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "pvc-b" not found'] });
  });

  it('a claim being deleted or Lost is refused with its own message', () => {
    const deleting = { ...claim('pvc-a', '1Gi', waitSC), metadata: { ...claim('pvc-a', '1Gi', waitSC).metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    expect(run(podWith('p', 'pvc-a'), { claims: [deleting] }).pre?.reasons).toEqual(['persistentvolumeclaim "pvc-a" is being deleted']);
    const lost = claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-gone', bound: true, phase: 'Lost' });
    expect(run(podWith('p', 'pvc-a'), { claims: [lost] }).pre?.reasons).toEqual(['persistentvolumeclaim "pvc-a" bound to non-existent persistentvolume "pv-gone"']);
  });

  it('immediate claims not bound: "pod has unbound immediate PersistentVolumeClaims"', () => {
    const r = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', immediateSC)] });
    expect(r.pre).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_UNBOUND_IMMEDIATE] });
    // a claim pre-bound by volumeName but not bound yet counts as immediate (GetPodVolumeClaims)
    const pre = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-a' })] });
    expect(pre.pre?.reasons).toEqual([ERR_REASON_UNBOUND_IMMEDIATE]);
  });

  it('unbound claims no matches: no volume and a class that cannot provision', () => {
    const r = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', waitSC)] });
    expect(r.byNode['node-a']).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_BIND_CONFLICT] });
    expect(r.byNode['node-b']).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_BIND_CONFLICT] });
  });

  it('bound and unbound unsatisfied: both reasons, node conflict first', () => {
    const bound = claim('pvc-b', '1Gi', waitSC, { volumeName: 'pv-b', bound: true });
    const r = run(podWith('p', 'pvc-a', 'pvc-b'), {
      claims: [claim('pvc-a', '1Gi', waitSC), bound],
      volumes: [volume('pv-a', '1Gi', waitSC, { node: 'node-a' }), volume('pv-b', '1Gi', waitSC, { node: 'node-a', boundTo: bound })],
    });
    expect(r.byNode['node-a']).toBe(SUCCESS);
    expect(r.byNode['node-b']).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_CONFLICT, ERR_REASON_BIND_CONFLICT] });
  });

  it('pv not found: a bound claim whose volume is gone', () => {
    const r = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-a', bound: true })] });
    expect(r.byNode['node-a']).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_PV_NOT_EXIST] });
  });

  it('local volumes: each node offers its own; the smallest that fits is chosen', () => {
    const r = run(podWith('p', 'pvc-a'), {
      claims: [claim('pvc-a', '5Gi', waitSC)],
      volumes: [volume('pv-a-big', '200Gi', waitSC, { node: 'node-a' }), volume('pv-a-fit', '10Gi', waitSC, { node: 'node-a' }), volume('pv-a-small', '1Gi', waitSC, { node: 'node-a' })],
    });
    expect(r.byNode['node-a']).toBe(SUCCESS);
    expect(r.byNode['node-b']?.reasons).toEqual([ERR_REASON_BIND_CONFLICT]);
    const vols = r.c.listers.volumes.volumes();
    expect(findMatchingVolume(claim('x', '5Gi', waitSC), vols, nodes()[0]!, new Set())?.metadata?.name).toBe('pv-a-fit');
    expect(findMatchingVolume(claim('x', '5Gi', waitSC), vols, nodes()[0]!, new Set(['pv-a-fit']))?.metadata?.name).toBe('pv-a-big');
  });

  it('two claims never take the same volume (findMatchingVolumes excludes chosen ones)', () => {
    const r = run(podWith('p', 'pvc-a', 'pvc-b'), {
      claims: [claim('pvc-a', '1Gi', waitSC), claim('pvc-b', '1Gi', waitSC)],
      volumes: [volume('pv-a', '1Gi', waitSC, { node: 'node-a' })],
    });
    expect(r.byNode['node-a']?.reasons).toEqual([ERR_REASON_BIND_CONFLICT]);
  });

  it('provisioning: a class with a provisioner fits any node; allowedTopologies restrict it', () => {
    const r = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', provisionSC)] });
    expect(r.byNode).toEqual({ 'node-a': SUCCESS, 'node-b': SUCCESS });
    const t = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', topoSC)] });
    expect(t.byNode['node-a']).toBe(SUCCESS);
    expect(t.byNode['node-b']?.reasons).toEqual([ERR_REASON_BIND_CONFLICT]);
  });

  it('a claim already annotated with a selected node fits only that node', () => {
    const r = run(podWith('p', 'pvc-a'), { claims: [claim('pvc-a', '1Gi', provisionSC, { annotations: { 'volume.kubernetes.io/selected-node': 'node-b' } })] });
    expect(r.byNode['node-a']?.reasons).toEqual([ERR_REASON_BIND_CONFLICT]);
    expect(r.byNode['node-b']).toBe(SUCCESS);
  });

  it('zonal volume affinity of a bound claim', () => {
    const pvc = claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-a', bound: true });
    const r = run(podWith('p', 'pvc-a'), { claims: [pvc], volumes: [volume('pv-a', '1Gi', waitSC, { zone: 'zone-b', boundTo: pvc })] });
    expect(r.byNode['node-a']?.reasons).toEqual([ERR_REASON_NODE_CONFLICT]);
    expect(r.byNode['node-b']).toBe(SUCCESS);
  });

  it('matchTopologySelectorTerms: no terms match all; one term must hold entirely', () => {
    expect(matchTopologySelectorTerms(undefined, {})).toBe(true);
    expect(matchTopologySelectorTerms(topoSC.allowedTopologies, { [ZONE]: 'zone-a' })).toBe(true);
    expect(matchTopologySelectorTerms(topoSC.allowedTopologies, { [ZONE]: 'zone-b' })).toBe(false);
    expect(matchTopologySelectorTerms(topoSC.allowedTopologies, {})).toBe(false);
  });
});

describe('VolumeBinding Reserve, Unreserve and PreBind (TestAssumePodVolumes, TestCheckBindings)', () => {
  it('static binding: Reserve assumes the volume bound to the claim, so the next pod cannot take it; Unreserve restores it', () => {
    const objects = { claims: [claim('pvc-a', '1Gi', waitSC), claim('pvc-b', '1Gi', waitSC)], volumes: [volume('pv-a', '1Gi', waitSC, { node: 'node-a' })] };
    const { state, c } = run(podWith('p', 'pvc-a'), objects);
    expect(VolumeBinding.reserve!(state, podWith('p', 'pvc-a'), 'node-a')).toBe(SUCCESS);
    const assumed = c.listers.volumes.volume('pv-a')!;
    expect(assumed.spec!.claimRef).toMatchObject({ namespace: 'default', name: 'pvc-a', uid: 'uid-pvc-a' });
    expect(assumed.metadata!.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    // the informer's object is untouched
    expect(c.listers.volumes.apiVolume('pv-a')!.spec!.claimRef).toBeUndefined();
    // another pod's cycle sees the assumed binding
    const other = podWith('q', 'pvc-b');
    const s2 = c.state(other);
    VolumeBinding.preFilter!(other, s2);
    expect(VolumeBinding.filter(other, c.snapshot.nodeInfo('node-a')!, s2).reasons).toEqual([ERR_REASON_BIND_CONFLICT]);
    const plan = VolumeBinding.preBind!(state, podWith('p', 'pvc-a'), 'node-a')!;
    expect(plan.writes.map((w) => [w.resource, w.object.metadata!.name])).toEqual([['persistentvolumes', 'pv-a']]);
    expect(plan.timeoutMs).toBe(600_000);
    VolumeBinding.unreserve!(state, podWith('p', 'pvc-a'), 'node-a');
    expect(c.listers.volumes.volume('pv-a')!.spec!.claimRef).toBeUndefined();
  });

  it('provisioning: Reserve assumes the selected-node annotation; PreBind writes the claim and waits until it is bound', () => {
    const pvc = claim('pvc-a', '1Gi', provisionSC);
    const { state, c } = run(podWith('p', 'pvc-a'), { claims: [pvc] });
    const pod = podWith('p', 'pvc-a');
    VolumeBinding.reserve!(state, pod, 'node-b');
    expect(c.listers.volumes.claim('default', 'pvc-a')!.metadata!.annotations!['volume.kubernetes.io/selected-node']).toBe('node-b');
    const plan = VolumeBinding.preBind!(state, pod, 'node-b')!;
    expect(plan.writes).toHaveLength(1);
    const sent = plan.writes[0]!.object as PersistentVolumeClaim;
    expect(sent.metadata!.annotations!['volume.kubernetes.io/selected-node']).toBe('node-b');
    // the API server stored the annotation; the PV controller has not bound the claim yet: wait
    const stored = { ...sent, metadata: { ...sent.metadata, resourceVersion: String(rv++) } } as PersistentVolumeClaim;
    expect(plan.check([stored as KubeObject])).toBe(false); // the informer has not caught up
    c.stores.claims.set('default/pvc-a', stored);
    expect(plan.check([stored as KubeObject])).toBe(false);
    // bound to a volume made in node-b's zone: done
    const made = volume('pvc-uid', '1Gi', provisionSC, { zone: 'zone-b' });
    c.stores.volumes.set('pvc-uid', made);
    const bound = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(rv++), annotations: { ...stored.metadata!.annotations, 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { ...stored.spec, volumeName: 'pvc-uid' } } as PersistentVolumeClaim;
    c.stores.claims.set('default/pvc-a', bound);
    expect(plan.check([stored as KubeObject])).toBe(true);
    // a volume whose affinity excludes the node is an error, as is a removed selected-node annotation
    c.stores.volumes.set('pvc-uid', volume('pvc-uid', '1Gi', provisionSC, { zone: 'zone-a' }));
    expect(plan.check([stored as KubeObject])).toBe('binding volumes: pv "pvc-uid" node affinity doesn\'t match node "node-b": no matching NodeSelectorTerms');
    c.stores.claims.set('default/pvc-a', { ...bound, metadata: { ...bound.metadata, annotations: {} } });
    expect(plan.check([stored as KubeObject])).toBe('binding volumes: provisioning failed for PVC "pvc-a"');
  });

  it('all claims bound: Reserve records allBound and PreBind has nothing to do', () => {
    const pvc = claim('pvc-a', '1Gi', waitSC, { volumeName: 'pv-a', bound: true });
    const { state } = run(podWith('p', 'pvc-a'), { claims: [pvc], volumes: [volume('pv-a', '1Gi', waitSC, { boundTo: pvc })] });
    expect(VolumeBinding.reserve!(state, podWith('p', 'pvc-a'), 'node-a')).toBe(SUCCESS);
    expect(VolumeBinding.preBind!(state, podWith('p', 'pvc-a'), 'node-a')).toBeUndefined();
  });
});

describe('VolumeBinding events and queueing hints (EventsToRegister, after TestIsSchedulableAfterStorageClassChange and TestIsSchedulableAfterPersistentVolumeClaimChange)', () => {
  it('registers StorageClass and claim Add/Update with hints, volume Add/Update and Node Add/UpdateNodeLabel without', () => {
    expect(VolumeBinding.events!.map((e) => [e.event.resource, e.event.actionType, e.hint !== undefined])).toEqual([
      ['storage.k8s.io/StorageClass', ActionType.Add | ActionType.Update, true],
      ['PersistentVolumeClaim', ActionType.Add | ActionType.Update, true],
      ['PersistentVolume', ActionType.Add | ActionType.Update, false],
      ['Node', ActionType.Add | ActionType.UpdateNodeLabel, false],
    ]);
  });

  const withClaims = (...names: string[]): Pod => ({
    ...makePod('pod-a'),
    spec: { ...makePod('pod-a').spec!, volumes: names.map((n) => ({ name: `v-${n}`, persistentVolumeClaim: { claimName: n } })) },
  });
  const withEphemeral = (volume: string): Pod => ({
    ...makePod('pod-a'),
    spec: { ...makePod('pod-a').spec!, volumes: [{ name: volume, ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }] },
  });
  const withEmptyDir = (): Pod => ({ ...makePod('pod-a'), spec: { ...makePod('pod-a').spec!, volumes: [{ name: 'scratch', emptyDir: {} }] } });
  const pvc = (name: string, change: Partial<PersistentVolumeClaim> = {}, namespace = 'default'): PersistentVolumeClaim => {
    const c = claim(name, '1Gi', waitSC);
    return { ...c, ...change, metadata: { ...c.metadata, namespace, ...change.metadata } };
  };
  const claimHint = VolumeBinding.events!.find((e) => e.event.resource === 'PersistentVolumeClaim')!.hint as (pod: Pod, o: KubeObject | undefined, n: KubeObject | undefined, c: object) => string;
  it.each<[string, Pod, PersistentVolumeClaim | undefined, PersistentVolumeClaim, 'Queue' | 'QueueSkip']>([
    ['pod has no pvcs', makePod('pod-a'), pvc('pvc-b'), pvc('pvc-b'), 'QueueSkip'],
    ['pod has no pvc or ephemeral volumes', withEmptyDir(), pvc('pvc-b'), pvc('pvc-b'), 'QueueSkip'],
    ['pod has a newly added pvc', withClaims('pvc-a', 'pvc-b'), undefined, pvc('pvc-b'), 'Queue'],
    ['pod has pvcs with changed status.phase', withClaims('pvc-a', 'pvc-b'), pvc('pvc-a', { status: { phase: 'Pending' } }), pvc('pvc-a', { status: { phase: 'Bound' } }), 'Queue'],
    ['pod has ephemeral volume with changed status.phase', withEphemeral('ephemeral-a'), pvc('pod-a-ephemeral-a', { status: { phase: 'Pending' } }), pvc('pod-a-ephemeral-a', { status: { phase: 'Bound' } }), 'Queue'],
    ['pod has pvcs with changed spec', withClaims('pvc-a', 'pvc-b'), pvc('pvc-b'), pvc('pvc-b', { spec: { ...pvc('pvc-b').spec, accessModes: ['ReadWriteOncePod'] } }), 'Queue'],
    ['a claim the pod does not use', withClaims('pvc-a'), undefined, pvc('pvc-c'), 'QueueSkip'],
    ["a claim of the pod's name in another namespace", withClaims('pvc-a'), undefined, pvc('pvc-a', {}, 'other'), 'QueueSkip'],
  ])('%s', (_name, pod, oldPVC, newPVC, want) => {
    expect(claimHint(pod, oldPVC, newPVC, {})).toBe(want);
  });

  const classHint = VolumeBinding.events!.find((e) => e.event.resource === 'storage.k8s.io/StorageClass')!.hint as (pod: Pod, o: KubeObject | undefined, n: KubeObject | undefined, c: object) => string;
  const hostnames = (...values: string[]): StorageClass => ({ ...waitSC, allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values }] }] });
  it.each<[string, StorageClass | undefined, StorageClass, 'Queue' | 'QueueSkip']>([
    ['a new StorageClass', undefined, waitSC, 'Queue'],
    ['allowedTopologies changed', hostnames('node1', 'node2'), hostnames('node1', 'node3'), 'Queue'],
    ['allowedTopologies added', waitSC, hostnames('node1'), 'Queue'],
    ['allowedTopologies unchanged (a label changed)', hostnames('node1'), { ...hostnames('node1'), metadata: { ...waitSC.metadata, labels: { a: 'b' } } }, 'QueueSkip'],
    ['no allowedTopologies before or after (nil and empty are equal)', waitSC, { ...waitSC, allowedTopologies: [] }, 'QueueSkip'],
  ])('%s', (_name, oldSC, newSC, want) => {
    expect(classHint(withClaims('pvc-a'), oldSC, newSC, {})).toBe(want);
  });
});
