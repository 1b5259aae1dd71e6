/**
 * The Table columns of the DaemonSet, StatefulSet, ControllerRevision and storage kinds, as
 * `pkg/printers/internalversion/printers.go` prints them (`printDaemonSet`, `printStatefulSet`,
 * `printControllerRevision`, `printPersistentVolume`, `printPersistentVolumeClaim`,
 * `printStorageClass`). Built by {@link appsAndStoragePrinters} from the shared column helpers of
 * `printers.ts`.
 */
import type { LabelSelector } from './types.js';
import { IS_DEFAULT_CLASS_ANNOTATION, BETA_IS_DEFAULT_CLASS_ANNOTATION } from './storage-names.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A column definition as printers.ts builds them. */
interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** What printers.ts lends: its column builder, the Name and Age columns, and its formatters. */
export interface PrinterKit {
  col(name: string, type: string, description: string, priority?: number, format?: string): Column;
  NAME: Column;
  AGE: Column;
  ageSince(timestamp: unknown, now: number): string;
  formatLabels(labels: Record<string, string> | undefined | null): string;
  formatLabelSelector(selector: LabelSelector | null | undefined): string;
}

type Printer = { columns: Column[]; row: (o: Obj, now: number) => { cells: unknown[] } };

/** `helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, comma-separated. */
export function accessModesString(modes: unknown): string {
  const have = new Set(Array.isArray(modes) ? modes : []);
  const out: string[] = [];
  if (have.has('ReadWriteOnce')) out.push('RWO');
  if (have.has('ReadOnlyMany')) out.push('ROX');
  if (have.has('ReadWriteMany')) out.push('RWX');
  if (have.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** The printers of the apps and storage kinds added beside Deployment and ReplicaSet, by plural. */
export function appsAndStoragePrinters(k: PrinterKit): Record<string, Printer> {
  const { col, NAME, AGE } = k;
  const nameOf = (o: Obj): string => str(obj(o['metadata'])['name']);
  const ageOf = (o: Obj, now: number): string => k.ageSince(obj(o['metadata'])['creationTimestamp'], now);
  const containers = (template: unknown): [string, string] => {
    const ctrs = list(obj(obj(template)['spec'])['containers']);
    return [ctrs.map((c) => str(c['name'])).join(','), ctrs.map((c) => str(c['image'])).join(',')];
  };
  const CONTAINERS = col('Containers', 'string', 'Names of each container in the template.', 1);
  const IMAGES = col('Images', 'string', 'Images referenced by each container in the template.', 1);
  const daemonSet: Printer = {
    columns: [
      NAME,
      col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
      col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      col('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled.', 1),
    ],
    row(o, now) {
      const spec = obj(o['spec']);
      const st = obj(o['status']);
      const [names, images] = containers(spec['template']);
      const nodeSelector = obj(obj(obj(spec['template'])['spec'])['nodeSelector']) as Record<string, string>;
      return {
        cells: [
          nameOf(o),
          int(st['desiredNumberScheduled']),
          int(st['currentNumberScheduled']),
          int(st['numberReady']),
          int(st['updatedNumberScheduled']),
          int(st['numberAvailable']),
          k.formatLabels(nodeSelector),
          ageOf(o, now),
          names,
          images,
          k.formatLabelSelector(spec['selector'] as LabelSelector | undefined),
        ],
      };
    },
  };
  const statefulSet: Printer = {
    columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
    row(o, now) {
      const spec = obj(o['spec']);
      const st = obj(o['status']);
      const [names, images] = containers(spec['template']);
      return { cells: [nameOf(o), `${int(st['readyReplicas'])}/${int(spec['replicas'])}`, ageOf(o, now), names, images] };
    },
  };
  const controllerRevision: Printer = {
    columns: [
      NAME,
      col('Controller', 'string', 'Controller of the object'),
      col('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
      AGE,
    ],
    row(o, now) {
      const ref = list(obj(o['metadata'])['ownerReferences']).find((r) => r['controller'] === true);
      let controller = '<none>';
      if (ref) {
        const gv = str(ref['apiVersion']);
        const group = gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '';
        controller = `${str(ref['kind']).toLowerCase()}${group ? `.${group}` : ''}/${str(ref['name'])}`;
      }
      return { cells: [nameOf(o), controller, int(o['revision']), ageOf(o, now)] };
    },
  };
  const VOLUME_MODE = col('VolumeMode', 'string', 'The volume mode', 1);
  const VAC = col('VolumeAttributesClass', 'string', 'VolumeAttributesClass assigned to the volume');
  const persistentVolume: Printer = {
    columns: [
      NAME,
      col('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
      col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
      col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      col('StorageClass', 'string', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
      VAC,
      col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      AGE,
      VOLUME_MODE,
    ],
    row(o, now) {
      const spec = obj(o['spec']);
      const st = obj(o['status']);
      const claimRef = obj(spec['claimRef']);
      const claim = str(claimRef['name']) ? `${str(claimRef['namespace'])}/${str(claimRef['name'])}` : '';
      const phase = o['metadata'] && obj(o['metadata'])['deletionTimestamp'] ? 'Terminating' : str(st['phase']);
      return {
        cells: [
          nameOf(o),
          str(obj(spec['capacity'])['storage']) || String(obj(spec['capacity'])['storage'] ?? ''),
          accessModesString(spec['accessModes']),
          str(spec['persistentVolumeReclaimPolicy']),
          phase,
          claim,
          str(spec['storageClassName']),
          str(spec['volumeAttributesClassName']) || '<unset>',
          str(st['reason']),
          ageOf(o, now),
          str(spec['volumeMode']) || '<unset>',
        ],
      };
    },
  };
  const persistentVolumeClaim: Printer = {
    columns: [
      NAME,
      col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
      col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
      col('StorageClass', 'string', 'storageClassName is the name of the StorageClass required by the claim.'),
      VAC,
      AGE,
      VOLUME_MODE,
    ],
    row(o, now) {
      const spec = obj(o['spec']);
      const st = obj(o['status']);
      const phase = obj(o['metadata'])['deletionTimestamp'] ? 'Terminating' : str(st['phase']);
      const bound = !!str(spec['volumeName']);
      return {
        cells: [
          nameOf(o),
          phase,
          str(spec['volumeName']),
          bound ? String(obj(st['capacity'])['storage'] ?? '') : '',
          bound ? accessModesString(st['accessModes']) : '',
          str(spec['storageClassName']),
          str(spec['volumeAttributesClassName']) || '<unset>',
          ageOf(o, now),
          str(spec['volumeMode']) || '<unset>',
        ],
      };
    },
  };
  const storageClass: Printer = {
    columns: [
      NAME,
      col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
      col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      AGE,
    ],
    row(o, now) {
      const ann = obj(obj(o['metadata'])['annotations']);
      const isDefault = ann[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || ann[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
      return {
        cells: [
          `${nameOf(o)}${isDefault ? ' (default)' : ''}`,
          str(o['provisioner']),
          str(o['reclaimPolicy']) || 'Delete',
          str(o['volumeBindingMode']) || 'Immediate',
          String(o['allowVolumeExpansion'] === true),
          ageOf(o, now),
        ],
      };
    },
  };
  return {
    daemonsets: daemonSet,
    statefulsets: statefulSet,
    controllerrevisions: controllerRevision,
    persistentvolumes: persistentVolume,
    persistentvolumeclaims: persistentVolumeClaim,
    storageclasses: storageClass,
  };
}
