import { describe, it, expect } from 'vitest';
import { validateObject } from '../../src/api/validation.js';
import { applyDefaults } from '../../src/api/defaults.js';
import type { AnyObject, KubeObject } from '../../src/api/types.js';

const create = (obj: unknown) => validateObject(applyDefaults(obj as KubeObject), { operation: 'create', fieldValidation: 'Strict' });
const update = (obj: unknown, old: unknown) =>
  validateObject(applyDefaults(obj as KubeObject), { operation: 'update', old: applyDefaults(old as KubeObject), fieldValidation: 'Strict' });
const messages = (r: { causes: { field?: string; message?: string }[] }) => r.causes.map((c) => `${c.field}: ${c.message}`);

const pv = (spec: AnyObject = {}): AnyObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv1' },
  spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' }, ...spec },
});
const pvc = (spec: AnyObject = {}): AnyObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const sc = (extra: AnyObject = {}): AnyObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/disk', ...extra });

describe('PersistentVolume', () => {
  it('defaults Retain and Filesystem and validates as ValidatePersistentVolume', () => {
    const v = applyDefaults(pv() as KubeObject) as AnyObject;
    expect(v.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect(create(pv()).causes).toEqual([]);
    expect(messages(create(pv({ hostPath: undefined })))).toEqual(['spec: Required value: must specify a volume type']);
    expect(messages(create(pv({ nfs: { server: 'a', path: '/' } })))).toEqual(['spec.nfs: Forbidden: may not specify more than 1 volume type']);
    expect(messages(create(pv({ accessModes: ['ReadWriteSometimes'] })))).toEqual([
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]);
    expect(messages(create(pv({ capacity: { cpu: '1' } })))).toEqual(['spec.capacity: Unsupported value: core.ResourceList{"cpu":"1"}: supported values: "storage"']);
    expect(messages(create(pv({ local: { path: '/mnt' }, hostPath: undefined })))).toEqual(['spec.nodeAffinity: Required value: Local volume requires node affinity']);
  });

  it('refuses the Recycle policy it does not simulate', () => {
    expect(messages(create(pv({ persistentVolumeReclaimPolicy: 'Recycle' })))[0]).toMatch(/^spec.persistentVolumeReclaimPolicy: Forbidden: not supported by kube-actors/);
  });

  it('keeps the volume source immutable', () => {
    expect(messages(update(pv({ hostPath: { path: '/other' } }), pv()))).toEqual(['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']);
    expect(update(pv({ claimRef: { namespace: 'default', name: 'data' } }), pv()).causes).toEqual([]);
  });
});

describe('PersistentVolumeClaim', () => {
  it('validates as ValidatePersistentVolumeClaimSpec', () => {
    expect(create(pvc()).causes).toEqual([]);
    expect(messages(create(pvc({ resources: { requests: { storage: '0' } } })))).toEqual(['spec.resources[storage]: Invalid value: "0": must be greater than zero']);
    expect(messages(create(pvc({ accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] })))).toEqual(['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes']);
    expect(messages(create(pvc({ dataSource: { kind: 'VolumeSnapshot', name: 's' } })))[0]).toMatch(/^spec.dataSource: Forbidden: not supported by kube-actors/);
  });

  it('lets the binder set volumeName once, and nothing else change', () => {
    expect(update(pvc({ volumeName: 'pv1' }), pvc()).causes).toEqual([]);
    expect(messages(update(pvc({ volumeName: 'pv2' }), pvc({ volumeName: 'pv1' })))).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    expect(messages(update(pvc({ resources: { requests: { storage: '2Gi' } } }), pvc()))[0]).toMatch(/^spec.resources.requests\[storage\]: Forbidden: not supported by kube-actors: volume expansion/);
  });
});

describe('StorageClass', () => {
  it('defaults Delete and Immediate, and validates as ValidateStorageClass', () => {
    expect(applyDefaults(sc() as KubeObject)).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(create(sc()).causes).toEqual([]);
    expect(messages(create(sc({ provisioner: '' })))).toContain('provisioner: Required value');
    expect(messages(create(sc({ reclaimPolicy: 'Recycle' })))).toEqual(['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
    expect(messages(create(sc({ volumeBindingMode: 'Later' })))).toEqual(['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']);
  });

  it('validates allowedTopologies as validateAllowedTopologies / ValidateTopologySelectorTerm', () => {
    const zone = 'topology.kubernetes.io/zone';
    const topo = (...terms: AnyObject[]) => sc({ volumeBindingMode: 'WaitForFirstConsumer', allowedTopologies: terms });
    expect(create(topo({ matchLabelExpressions: [{ key: zone, values: ['zone-a', 'zone-b'] }] })).causes).toEqual([]);
    expect(messages(create(topo({ matchLabelExpressions: [] })))).toEqual(['allowedTopologies[0]: Required value: must have at least one label match expression']);
    expect(messages(create(topo({ matchLabelExpressions: [{ key: zone, values: [] }] })))).toEqual(['allowedTopologies[0].matchLabelExpressions[0].values: Required value: must specify as least one value']);
    expect(messages(create(topo({ matchLabelExpressions: [{ key: zone, values: ['a', 'a'] }] })))).toEqual(['allowedTopologies[0].matchLabelExpressions[0].values[1]: Duplicate value: "a"']);
    expect(messages(create(topo({ matchLabelExpressions: [{ key: zone, values: ['a'] }, { key: zone, values: ['b'] }] })))).toEqual([
      `allowedTopologies[0].matchLabelExpressions[1].key: Duplicate value: "${zone}"`,
    ]);
    expect(messages(create(topo({ matchLabelExpressions: [{ key: zone, values: ['a'] }] }, { matchLabelExpressions: [{ key: zone, values: ['a'] }] })))).toEqual([
      'allowedTopologies[1].matchLabelExpressions: Duplicate value: ""',
    ]);
  });

  it('forbids changing parameters, provisioner, reclaim policy and binding mode', () => {
    expect(messages(update(sc({ parameters: { type: 'ssd' } }), sc()))).toEqual(['parameters: Forbidden: updates to parameters are forbidden.']);
    expect(messages(update(sc({ provisioner: 'other.io/x' }), sc()))).toEqual(['provisioner: Forbidden: updates to provisioner are forbidden.']);
    expect(messages(update(sc({ reclaimPolicy: 'Retain' }), sc()))).toEqual(['reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.']);
    expect(messages(update(sc({ volumeBindingMode: 'WaitForFirstConsumer' }), sc()))).toEqual(['volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable']);
  });
});
