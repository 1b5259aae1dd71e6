/**
 * VolumeRestrictions, after kube-scheduler's `volumerestrictions/volume_restrictions_test.go`
 * (TestGCEDiskConflicts, TestAWSDiskConflicts, TestRBDDiskConflicts, TestISCSIDiskConflicts,
 * TestAccessModeConflicts) with the same volumes and claims.
 */
import { describe, it, expect } from 'vitest';
import type { PersistentVolumeClaim, Pod } from '../../../../src/api/types.js';
import { VolumeRestrictions, ERR_REASON_DISK_CONFLICT, ERR_REASON_RWOP_CONFLICT } from '../../../../machines/scheduler/plugins/volume-restrictions.js';
import { SUCCESS, type Status } from '../../../../machines/scheduler/framework.js';
import { ActionType } from '../../../../machines/scheduler/events.js';
import { SchedulingQueue, queueingHintMap } from '../../../../machines/scheduler/scheduling-queue.js';
import { defaultProfile } from '../../../../machines/scheduler/registry.js';
import { clusterOf, makeNode, makePod, registration } from '../helpers.js';

type Volume = NonNullable<NonNullable<Pod['spec']>['volumes']>[number];

function podWithVolumes(name: string, volumes: Volume[], nodeName?: string): Pod {
  const p = makePod(name, nodeName ? { nodeName, phase: 'Running' } : {});
  return { ...p, spec: { ...p.spec!, volumes } };
}

/** PreFilter, then Filter on node `n` holding `existing`: 'skip', or the filter status. */
function verdict(pod: Pod, existing: Pod[], claims: PersistentVolumeClaim[] = []): Status | 'skip' {
  const c = clusterOf([makeNode('n'), makeNode('other')], existing, { claims });
  const state = c.state(pod);
  const pre = VolumeRestrictions.preFilter!(pod, state)?.status;
  if (pre?.code === 'Skip') return 'skip';
  if (pre && pre.code !== 'Success') return pre;
  return VolumeRestrictions.filter(pod, c.snapshot.nodeInfo('n')!, state);
}

const disk = (kind: 'gce' | 'aws' | 'rbd' | 'iscsi', id: string, extra: Record<string, unknown> = {}): Volume => {
  if (kind === 'gce') return { name: `v-${id}`, gcePersistentDisk: { pdName: id, ...extra } };
  if (kind === 'aws') return { name: `v-${id}`, awsElasticBlockStore: { volumeID: id, ...extra } };
  if (kind === 'rbd') return { name: `v-${id}`, rbd: { monitors: ['a', 'b'], pool: 'foo', image: id, ...extra } };
  return { name: `v-${id}`, iscsi: { targetPortal: '127.0.0.1:3260', iqn: id, lun: 0, ...extra } };
};

describe('VolumeRestrictions disk conflicts', () => {
  for (const kind of ['gce', 'aws', 'rbd', 'iscsi'] as const) {
    it(`${kind}: nothing / one state / same state / different state`, () => {
      const pod = podWithVolumes('p', [disk(kind, 'foo')]);
      expect(verdict(podWithVolumes('p', []), [])).toBe('skip');
      expect(verdict(pod, [podWithVolumes('e', [disk(kind, 'bar')], 'n')])).toBe(SUCCESS);
      expect(verdict(pod, [podWithVolumes('e', [disk(kind, 'foo')], 'n')])).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_DISK_CONFLICT] });
      // the same disk on another node does not conflict here
      expect(verdict(pod, [podWithVolumes('e', [disk(kind, 'foo')], 'other')])).toBe(SUCCESS);
    });
  }

  it('read-only mounts of one GCE PD, iSCSI target or RBD image may share a node; EBS never', () => {
    for (const kind of ['gce', 'rbd', 'iscsi'] as const) {
      const ro = podWithVolumes('p', [disk(kind, 'foo', { readOnly: true })]);
      expect(verdict(ro, [podWithVolumes('e', [disk(kind, 'foo', { readOnly: true })], 'n')])).toBe(SUCCESS);
      expect(verdict(ro, [podWithVolumes('e', [disk(kind, 'foo')], 'n')])).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_DISK_CONFLICT] });
    }
    const ro = podWithVolumes('p', [disk('aws', 'foo', { readOnly: true })]);
    expect(verdict(ro, [podWithVolumes('e', [disk('aws', 'foo', { readOnly: true })], 'n')])).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_DISK_CONFLICT] });
  });

  it('RBD images conflict only when monitors overlap and pool and image match', () => {
    const pod = podWithVolumes('p', [disk('rbd', 'foo')]);
    expect(verdict(pod, [podWithVolumes('e', [disk('rbd', 'foo', { monitors: ['c'] })], 'n')])).toBe(SUCCESS);
    expect(verdict(pod, [podWithVolumes('e', [disk('rbd', 'foo', { pool: 'bar' })], 'n')])).toBe(SUCCESS);
    expect(verdict(pod, [podWithVolumes('e', [disk('rbd', 'foo', { monitors: ['b', 'z'] })], 'n')])).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_DISK_CONFLICT] });
  });
});

describe('VolumeRestrictions ReadWriteOncePod (TestAccessModeConflicts)', () => {
  const claim = (name: string, mode: 'ReadWriteOnce' | 'ReadWriteOncePod'): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default' },
    spec: { accessModes: [mode], resources: { requests: { storage: '1Gi' } } },
  });
  const rwop1 = claim('claim-with-rwop-1', 'ReadWriteOncePod');
  const rwop2 = claim('claim-with-rwop-2', 'ReadWriteOncePod');
  const rwo = claim('claim-with-rwo', 'ReadWriteOnce');
  const using = (name: string, claimName: string, nodeName?: string) => podWithVolumes(name, [{ name: 'v', persistentVolumeClaim: { claimName } }], nodeName);

  it('nothing: no other pod uses the claim (Skip)', () => {
    expect(verdict(using('p', 'claim-with-rwop-1'), [], [rwop1])).toBe('skip');
  });
  it('failed to get PVC', () => {
    expect(verdict(using('p', 'claim-with-rwop-1'), [], [])).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "claim-with-rwop-1" not found'] });
  });
  it('no access mode conflict: another RWOP claim, or a ReadWriteOnce claim shared', () => {
    expect(verdict(using('p', 'claim-with-rwop-1'), [using('e', 'claim-with-rwop-2', 'n')], [rwop1, rwop2])).toBe('skip');
    expect(verdict(using('p', 'claim-with-rwo'), [using('e', 'claim-with-rwo', 'n')], [rwo])).toBe('skip');
  });
  it('access mode conflict, unschedulable: the claim is in use on any node', () => {
    expect(verdict(using('p', 'claim-with-rwop-1'), [using('e', 'claim-with-rwop-1', 'n')], [rwop1])).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_RWOP_CONFLICT] });
    expect(verdict(using('p', 'claim-with-rwop-1'), [using('e', 'claim-with-rwop-1', 'other')], [rwop1])).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_RWOP_CONFLICT] });
  });
  it('AddPod / RemovePod keep the count for preemption: removing the user clears the conflict', () => {
    const existing = using('e', 'claim-with-rwop-1', 'n');
    const c = clusterOf([makeNode('n')], [existing], { claims: [rwop1] });
    const pod = using('p', 'claim-with-rwop-1');
    const state = c.state(pod);
    VolumeRestrictions.preFilter!(pod, state);
    const ni = c.snapshot.nodeInfo('n')!;
    VolumeRestrictions.removePod!(state, pod, existing, ni);
    expect(VolumeRestrictions.filter(pod, ni, state)).toBe(SUCCESS);
    VolumeRestrictions.addPod!(state, pod, existing, ni);
    expect(VolumeRestrictions.filter(pod, ni, state).reasons).toEqual([ERR_REASON_RWOP_CONFLICT]);
  });
});

describe('VolumeRestrictions events and queueing hints (after Test_isSchedulableAfterPodDeleted and Test_isSchedulableAfterPersistentVolumeClaimAdded)', () => {
  it('registers Pod Delete (with its hint), Node Add (no hint) and PersistentVolumeClaim Add (with its hint), as v1.32 with queueing hints', () => {
    expect(VolumeRestrictions.events!.map((e) => [e.event.resource, e.event.actionType, e.hint !== undefined])).toEqual([
      ['Pod', ActionType.Delete, true],
      ['Node', ActionType.Add, false],
      ['PersistentVolumeClaim', ActionType.Add, true],
    ]);
  });

  const podHint = registration(VolumeRestrictions, 'Pod').hint;
  const inNamespace = (p: Pod, namespace: string): Pod => ({ ...p, metadata: { ...p.metadata, namespace } });
  const withClaim = (name: string, claimName: string) => podWithVolumes(name, [{ name: 'v', persistentVolumeClaim: { claimName } }], 'node-1');
  it.each<[string, Pod, Pod, 'Queue' | 'QueueSkip']>([
    ['queue-new-object-gcedisk-conflict', podWithVolumes('p', [disk('gce', 'foo')]), podWithVolumes('e', [disk('gce', 'foo')], 'node-1'), 'Queue'],
    ['skip-new-object-gcedisk-no-conflict', podWithVolumes('p', [disk('gce', 'foo')]), podWithVolumes('e', [disk('gce', 'bar')], 'node-1'), 'QueueSkip'],
    ['skip-new-object-gcedisk-both-read-only', podWithVolumes('p', [disk('gce', 'foo', { readOnly: true })]), podWithVolumes('e', [disk('gce', 'foo', { readOnly: true })], 'node-1'), 'QueueSkip'],
    ['queue-new-object-awsdisk-conflict', podWithVolumes('p', [disk('aws', 'foo')]), podWithVolumes('e', [disk('aws', 'foo')], 'node-1'), 'Queue'],
    ['skip-new-object-awsdisk-no-conflict', podWithVolumes('p', [disk('aws', 'foo')]), podWithVolumes('e', [disk('aws', 'bar')], 'node-1'), 'QueueSkip'],
    ['queue-new-object-rbddisk-conflict', podWithVolumes('p', [disk('rbd', 'foo')]), podWithVolumes('e', [disk('rbd', 'foo')], 'node-1'), 'Queue'],
    ['skip-new-object-rbddisk-no-conflict', podWithVolumes('p', [disk('rbd', 'foo')]), podWithVolumes('e', [disk('rbd', 'bar')], 'node-1'), 'QueueSkip'],
    ['queue-new-object-iscsidisk-conflict', podWithVolumes('p', [disk('iscsi', 'foo')]), podWithVolumes('e', [disk('iscsi', 'foo')], 'node-1'), 'Queue'],
    ['skip-new-object-iscsidisk-no-conflict', podWithVolumes('p', [disk('iscsi', 'foo')]), podWithVolumes('e', [disk('iscsi', 'bar')], 'node-1'), 'QueueSkip'],
    ['skip-other-namespace: a conflicting disk in another namespace', podWithVolumes('p', [disk('gce', 'foo')]), inNamespace(podWithVolumes('e', [disk('gce', 'foo')], 'node-1'), 'other'), 'QueueSkip'],
    ['queue-has-same-claim', withClaim('p', 'claim-with-rwop-1'), withClaim('e', 'claim-with-rwop-1'), 'Queue'],
    ['skip-no-same-claim', withClaim('p', 'claim-with-rwop-1'), withClaim('e', 'claim-with-rwop-2'), 'QueueSkip'],
    ['skip-no-volumes', podWithVolumes('p', [disk('gce', 'foo')]), podWithVolumes('e', [], 'node-1'), 'QueueSkip'],
  ])('Pod Delete: %s', (_name, pod, deleted, want) => {
    expect(podHint(pod, deleted, undefined)).toBe(want);
  });

  const pvcEntry = VolumeRestrictions.events!.find((e) => e.event.resource === 'PersistentVolumeClaim')!;
  const pvcHint = pvcEntry.hint as (pod: Pod, o: PersistentVolumeClaim | undefined, n: PersistentVolumeClaim | undefined, c: object) => string;
  const claim = (name: string, namespace = 'default'): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace },
    spec: { accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '1Gi' } } },
  });
  const pending = podWithVolumes('p', [{ name: 'v', persistentVolumeClaim: { claimName: 'claim-with-rwop-1' } }]);
  it.each<[string, PersistentVolumeClaim, 'Queue' | 'QueueSkip']>([
    ['queue-new-object-pvc-belong-pod', claim('claim-with-rwop-1'), 'Queue'],
    ['skip-new-object-unused', claim('claim-with-rwop-2'), 'QueueSkip'],
    ['skip-new-object-other-namespace', claim('claim-with-rwop-1', 'other'), 'QueueSkip'],
  ])('PersistentVolumeClaim Add: %s', (_name, added, want) => {
    expect(pvcHint(pending, undefined, added, {})).toBe(want);
  });

  it('through the scheduling queue: a pod VolumeRestrictions rejected is not retried on an unrelated claim or pod deletion, and is on its own claim', () => {
    const q = new SchedulingQueue({ hints: queueingHintMap(defaultProfile.filters) });
    const key = 'default/p';
    const podOf = (k: string) => (k === key ? pending : undefined);
    q.add(key);
    expect(q.pop()).toBe(key);
    q.parkUnschedulable(key, 0, ['VolumeRestrictions']);
    const pvcAdd = { resource: 'PersistentVolumeClaim', actionType: ActionType.Add } as const;
    const podDelete = { resource: 'AssignedPod', actionType: ActionType.Delete } as const;
    q.moveOnEvent(pvcAdd, undefined, claim('claim-with-rwop-2'), 20_000, podOf);
    q.moveOnEvent(podDelete, withClaim('e', 'claim-with-rwop-2'), undefined, 20_000, podOf);
    // a claim update is not registered
    q.moveOnEvent({ resource: 'PersistentVolumeClaim', actionType: ActionType.Update }, claim('claim-with-rwop-1'), claim('claim-with-rwop-1'), 20_000, podOf);
    expect(q.unschedulable.has(key)).toBe(true);
    expect(q.moveOnEvent(pvcAdd, undefined, claim('claim-with-rwop-1'), 20_000, podOf)).toBe(1);
    expect(q.unschedulable.has(key)).toBe(false);
  });
});
