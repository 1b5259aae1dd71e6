/**
 * Validation of the storage kinds, after `pkg/apis/core/validation` (`ValidatePersistentVolume`,
 * `ValidatePersistentVolumeClaimSpec`, `ValidatePersistentVolumeClaimUpdate`) and
 * `pkg/apis/storage/validation` (`ValidateStorageClass`, `ValidateStorageClassUpdate`). What the
 * simulation does not implement (the deprecated Recycle reclaim policy, volume populators and
 * snapshots, volume attributes classes) is refused with a clear message.
 */
import type { AnyObject } from './types.js';
import { fieldError, GoValue } from './status.js';
import { isQualifiedName, isDNS1123Subdomain } from './names.js';
import { isQuantity, parseQuantity } from './quantity.js';
import { validateLabelSelector, type Causes } from './validation-meta.js';
import { isObject, semanticEqual } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The access modes of volumes and claims, sorted as `sets.List` prints them. */
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_RECLAIM = ['Delete', 'Recycle', 'Retain'];
const SC_RECLAIM = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** The volume sources a PersistentVolume may name (exactly one). */
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker', 'flexVolume',
  'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
];
const NOT_SIMULATED = 'not supported by kube-actors';

function validateAccessModes(c: Causes, modes: unknown, path: string, requiredDetail: string): void {
  const list = arr(modes);
  if (list.length === 0) c.push(fieldError.required(path, requiredDetail));
  for (const m of list) if (!ACCESS_MODES.includes(m as string)) c.push(fieldError.notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) c.push(fieldError.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
}

function validateClassName(c: Causes, name: unknown, path: string): void {
  const n = str(name);
  if (n) for (const msg of isDNS1123Subdomain(n)) c.push(fieldError.invalid(path, n, msg));
}

/** `ValidatePersistentVolumeClaimSpec`, for claims and a StatefulSet's volumeClaimTemplates. */
export function validateClaimTemplateSpec(c: Causes, spec: unknown, path: string): void {
  const s = isObj(spec) ? spec : {};
  validateAccessModes(c, s['accessModes'], `${path}.accessModes`, 'at least 1 access mode is required');
  if (isObj(s['selector'])) validateLabelSelector(c, s['selector'], `${path}.selector`);
  const requests = isObj(s['resources']) && isObj(s['resources']['requests']) ? s['resources']['requests'] : {};
  const storage = requests['storage'];
  const storagePath = `${path}.resources[storage]`;
  if (storage === undefined || storage === null) c.push(fieldError.required(storagePath, ''));
  else if (isQuantity(storage)) {
    if (parseQuantity(storage as string) <= 0) c.push(fieldError.invalid(storagePath, String(storage), 'must be greater than zero'));
  }
  validateClassName(c, s['storageClassName'], `${path}.storageClassName`);
  const mode = s['volumeMode'];
  if (mode !== undefined && !VOLUME_MODES.includes(mode as string)) c.push(fieldError.notSupported(`${path}.volumeMode`, mode, VOLUME_MODES));
  for (const k of ['dataSource', 'dataSourceRef']) {
    if (s[k] !== undefined && s[k] !== null) c.push(fieldError.forbidden(`${path}.${k}`, `${NOT_SIMULATED}: volume snapshots and populators are not simulated`));
  }
  if (s['volumeAttributesClassName'] !== undefined && s['volumeAttributesClassName'] !== null) {
    c.push(fieldError.forbidden(`${path}.volumeAttributesClassName`, `${NOT_SIMULATED}: the VolumeAttributesClass feature gate is off`));
  }
}

function validatePersistentVolume(c: Causes, pv: AnyObject): void {
  const spec = isObj(pv['spec']) ? pv['spec'] : {};
  validateAccessModes(c, spec['accessModes'], 'spec.accessModes', '');
  const capacity = isObj(spec['capacity']) ? spec['capacity'] : {};
  if (Object.keys(capacity).length === 0) c.push(fieldError.required('spec.capacity', ''));
  if (capacity['storage'] === undefined || Object.keys(capacity).length > 1) {
    const keys = Object.keys(capacity).sort();
    c.push(fieldError.notSupported('spec.capacity', new GoValue(`core.ResourceList{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(capacity[k]))}`).join(', ')}}`), ['storage']));
  } else if (isQuantity(capacity['storage']) && parseQuantity(capacity['storage'] as string) <= 0) {
    c.push(fieldError.invalid('spec.capacity[storage]', String(capacity['storage']), 'must be greater than zero'));
  }
  const policy = spec['persistentVolumeReclaimPolicy'];
  if (policy !== undefined && !PV_RECLAIM.includes(policy as string)) c.push(fieldError.notSupported('spec.persistentVolumeReclaimPolicy', policy, PV_RECLAIM));
  else if (policy === 'Recycle') c.push(fieldError.forbidden('spec.persistentVolumeReclaimPolicy', `${NOT_SIMULATED}: the deprecated Recycle policy is not simulated; use Delete or Retain`));
  const sources = PV_SOURCES.filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (sources.length === 0) c.push(fieldError.required('spec', 'must specify a volume type'));
  for (const k of sources.slice(1)) c.push(fieldError.forbidden(`spec.${k}`, 'may not specify more than 1 volume type'));
  const hostPath = spec['hostPath'];
  if (isObj(hostPath) && !str(hostPath['path'])) c.push(fieldError.required('spec.hostPath.path', ''));
  const local = spec['local'];
  if (isObj(local)) {
    if (!str(local['path'])) c.push(fieldError.required('spec.local.path', ''));
    if (!isObj(spec['nodeAffinity'])) c.push(fieldError.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  const csi = spec['csi'];
  if (isObj(csi)) {
    if (!str(csi['driver'])) c.push(fieldError.required('spec.csi.driver', ''));
    if (!str(csi['volumeHandle'])) c.push(fieldError.required('spec.csi.volumeHandle', ''));
  }
  validateClassName(c, spec['storageClassName'], 'spec.storageClassName');
  const mode = spec['volumeMode'];
  if (mode !== undefined && !VOLUME_MODES.includes(mode as string)) c.push(fieldError.notSupported('spec.volumeMode', mode, VOLUME_MODES));
  const affinity = spec['nodeAffinity'];
  if (isObj(affinity)) {
    const required = affinity['required'];
    if (!isObj(required)) c.push(fieldError.required('spec.nodeAffinity.required', 'must have at least one node selector term'));
    else if (arr(required['nodeSelectorTerms']).length === 0) c.push(fieldError.required('spec.nodeAffinity.required.nodeSelectorTerms', 'must have at least one node selector term'));
  }
  if (spec['volumeAttributesClassName'] !== undefined && spec['volumeAttributesClassName'] !== null) {
    c.push(fieldError.forbidden('spec.volumeAttributesClassName', `${NOT_SIMULATED}: the VolumeAttributesClass feature gate is off`));
  }
}

/**
 * `validateAllowedTopologies` with `ValidateTopologySelectorTerm`: each term has at least one
 * label expression, each expression a valid label key and at least one value, no key twice in a
 * term, no value twice in an expression, no term twice.
 */
function validateAllowedTopologies(c: Causes, topologies: unknown): void {
  const seen: string[] = [];
  arr(topologies).forEach((term, i) => {
    const path = `allowedTopologies[${i}]`;
    const exprs = isObj(term) ? arr(term['matchLabelExpressions']) : [];
    const byKey = new Map<string, string[]>();
    exprs.forEach((e, j) => {
      const ep = `${path}.matchLabelExpressions[${j}]`;
      const expr = isObj(e) ? e : {};
      const key = str(expr['key']) ?? '';
      if (key === '') c.push(fieldError.required(`${ep}.key`, ''));
      else for (const msg of isQualifiedName(key)) c.push(fieldError.invalid(`${ep}.key`, key, msg));
      const values = arr(expr['values']).map((v) => String(v));
      if (values.length === 0) c.push(fieldError.required(`${ep}.values`, 'must specify as least one value'));
      const vs = new Set<string>();
      values.forEach((v, k) => {
        if (vs.has(v)) c.push(fieldError.duplicate(`${ep}.values[${k}]`, v));
        vs.add(v);
      });
      if (byKey.has(key)) c.push(fieldError.duplicate(`${ep}.key`, key));
      byKey.set(key, [...vs].sort());
    });
    if (exprs.length === 0) c.push(fieldError.required(path, 'must have at least one label match expression'));
    const canonical = JSON.stringify([...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (seen.includes(canonical)) c.push(fieldError.duplicate(`${path}.matchLabelExpressions`, ''));
    seen.push(canonical);
  });
}

function validateStorageClass(c: Causes, sc: AnyObject): void {
  const provisioner = str(sc['provisioner']) ?? '';
  if (provisioner === '') c.push(fieldError.required('provisioner', ''));
  else {
    for (const msg of isQualifiedName(provisioner.toLowerCase())) c.push(fieldError.invalid('provisioner', provisioner, msg));
  }
  const params = isObj(sc['parameters']) ? sc['parameters'] : {};
  if (Object.keys(params).length > 512) c.push(fieldError.tooLong('parameters', 512, 'Provisioner Parameters exceeded max allowed'));
  for (const k in params) if (k === '') c.push(fieldError.invalid('parameters', k, 'field can not be empty.'));
  const policy = sc['reclaimPolicy'];
  if (policy !== undefined && !SC_RECLAIM.includes(policy as string)) c.push(fieldError.notSupported('reclaimPolicy', policy, SC_RECLAIM));
  const mode = sc['volumeBindingMode'];
  if (mode === undefined || mode === null) c.push(fieldError.required('volumeBindingMode', ''));
  else if (!BINDING_MODES.includes(mode as string)) c.push(fieldError.notSupported('volumeBindingMode', mode, BINDING_MODES));
  validateAllowedTopologies(c, sc['allowedTopologies']);
  arr(sc['mountOptions']).forEach((o, i) => {
    if (typeof o !== 'string' || o === '') c.push(fieldError.required(`mountOptions[${i}]`, ''));
  });
}

/** Create-time checks of a PersistentVolume, PersistentVolumeClaim or StorageClass. */
export function validateStorageKind(c: Causes, kind: string, obj: AnyObject): void {
  if (kind === 'PersistentVolume') validatePersistentVolume(c, obj);
  else if (kind === 'PersistentVolumeClaim') validateClaimTemplateSpec(c, obj['spec'], 'spec');
  else if (kind === 'StorageClass') validateStorageClass(c, obj);
}

/** Update-only checks of the storage kinds (what may not change). */
export function validateStorageUpdate(c: Causes, kind: string, next: AnyObject, prev: AnyObject): void {
  const spec = isObj(next['spec']) ? next['spec'] : {};
  const old = isObj(prev['spec']) ? prev['spec'] : {};
  if (kind === 'PersistentVolumeClaim') {
    // the PV controller sets volumeName once; resources.requests may grow (expansion is not simulated: refused)
    const a: Obj = { ...spec };
    const b: Obj = { ...old };
    if (!str(old['volumeName'])) b['volumeName'] = a['volumeName'];
    if (!semanticEqual(a, b)) {
      const onlyResources = semanticEqual({ ...a, resources: undefined }, { ...b, resources: undefined });
      c.push(
        onlyResources
          ? fieldError.forbidden('spec.resources.requests[storage]', `${NOT_SIMULATED}: volume expansion is not simulated`)
          : fieldError.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'),
      );
    }
  } else if (kind === 'PersistentVolume') {
    const source = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => PV_SOURCES.includes(k)));
    if (!semanticEqual(source(spec), source(old))) c.push(fieldError.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
    if ((spec['volumeMode'] ?? 'Filesystem') !== (old['volumeMode'] ?? 'Filesystem')) c.push(fieldError.invalid('spec.volumeMode', spec['volumeMode'], 'field is immutable'));
    if (old['nodeAffinity'] !== undefined && !semanticEqual(spec['nodeAffinity'], old['nodeAffinity'])) {
      c.push(fieldError.invalid('spec.nodeAffinity', new GoValue('core.VolumeNodeAffinity'), 'field is immutable'));
    }
  } else if (kind === 'StorageClass') {
    if (!semanticEqual(next['parameters'], prev['parameters'])) c.push(fieldError.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (next['provisioner'] !== prev['provisioner']) c.push(fieldError.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (next['reclaimPolicy'] !== prev['reclaimPolicy']) c.push(fieldError.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (next['volumeBindingMode'] !== prev['volumeBindingMode']) c.push(fieldError.invalid('volumeBindingMode', next['volumeBindingMode'], 'field is immutable'));
  }
}
