import { describe, it, expect } from 'vitest';
import { printTable, renderTable } from '../../src/api/printers.js';
import { findResource } from '../../src/api/resources.js';
import { accessModesString } from '../../src/api/printers-apps.js';
import type { KubeObject } from '../../src/api/types.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const created = '2026-01-01T00:00:00Z';
const text = (plural: string, objs: unknown[], wide = false) => renderTable(printTable(findResource(plural)!, objs as KubeObject[], NOW), { wide });

describe('printers of the apps and storage kinds', () => {
  it('prints DaemonSets with kubectl get ds columns', () => {
    const ds = {
      metadata: { name: 'agent', creationTimestamp: created },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'a', image: 'fluentd:1' }] } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
    };
    expect(text('daemonsets', [ds]).split('\n')).toEqual([
      'NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE',
      'agent   3         3         2       1            2           disk=ssd        60m',
      '',
    ]);
    expect(text('daemonsets', [ds], true).split('\n')[0]).toBe('NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE   CONTAINERS   IMAGES      SELECTOR');
  });

  it('prints StatefulSets, ControllerRevisions', () => {
    const sts = { metadata: { name: 'db', creationTimestamp: created }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } }, status: { readyReplicas: 2 } };
    expect(text('statefulsets', [sts])).toBe('NAME   READY   AGE\ndb     2/3     60m\n');
    const rev = {
      metadata: { name: 'db-7d9f', creationTimestamp: created, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] },
      revision: 2,
    };
    expect(text('controllerrevisions', [rev])).toBe('NAME      CONTROLLER            REVISION   AGE\ndb-7d9f   statefulset.apps/db   2          60m\n');
  });

  it('prints volumes, claims and classes as kubectl does', () => {
    const pv = {
      metadata: { name: 'pvc-1', creationTimestamp: created },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    expect(text('persistentvolumes', [pv]).split('\n')[1]).toBe('pvc-1   1Gi        RWO            Delete           Bound    default/data   standard       <unset>                          60m');
    const pvc = {
      metadata: { name: 'data', creationTimestamp: created },
      spec: { volumeName: 'pvc-1', storageClassName: 'standard', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
    };
    expect(text('persistentvolumeclaims', [pvc])).toBe(
      'NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE\ndata   Bound    pvc-1    1Gi        RWO            standard       <unset>                 60m\n',
    );
    const sc = { metadata: { name: 'standard', creationTimestamp: created, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'kube-actors.io/simulated', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' };
    expect(text('storageclasses', [sc]).split('\n')[1]).toBe('standard (default)   kube-actors.io/simulated   Delete          WaitForFirstConsumer   false                  60m');
    expect(accessModesString(['ReadWriteMany', 'ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteOncePod'])).toBe('RWO,ROX,RWX,RWOP');
  });
});
