/**
 * Validation shared by every kind: the helpers the hand-written checks use, ObjectMeta (names,
 * labels, annotations, finalizers; apimachinery's `ValidateObjectMeta` and its update rules) and
 * label selectors (`metav1validation.ValidateLabelSelector`).
 */
import type { StatusCause } from './types.js';
import { parseUsageAnnotation, USAGE_ANNOTATION } from '../metrics/usage.js';
import type { ResourceInfo } from './resources.js';
import { fieldError, GoValue } from './status.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameValidator } from './names.js';
import { isObject, semanticEqual } from './json-values.js';
import { SelectorError, type LabelSelectorMatcher } from './selectors.js';
import { labelSelectorAsSelector } from './label-selector.js';

// ---------------------------------------------------------------------------------------------
// Hand-written checks

export type Obj = Record<string, unknown>;
/** @internal field errors being collected. */
export type Causes = StatusCause[];

export const isObj: (v: unknown) => v is Obj = isObject;
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const child = (base: string, name: string): string => (base ? `${base}.${name}` : name);

export const NEGATIVE = 'must be greater than or equal to 0';
export const PORT_RANGE = 'must be between 1 and 65535, inclusive';

/** @internal shared with the per-group validation files. */
export function nonNegative(c: Causes, v: unknown, path: string): void {
  if (typeof v === 'number' && v < 0) c.push(fieldError.invalid(path, v, NEGATIVE));
}

/** @internal shared with the per-group validation files. */
export function validateLabels(c: Causes, labels: unknown, path: string): void {
  if (!isObj(labels)) return;
  for (const k in labels) {
    for (const msg of isQualifiedName(k)) c.push(fieldError.invalid(path, k, msg));
    const v = labels[k];
    if (typeof v === 'string') for (const msg of isValidLabelValue(v)) c.push(fieldError.invalid(path, v, msg));
  }
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** @internal shared with the per-group validation files. */
export function validateAnnotations(c: Causes, annotations: unknown, path: string): void {
  if (!isObj(annotations)) return;
  let size = 0;
  for (const k in annotations) {
    for (const msg of isQualifiedName(k.toLowerCase())) c.push(fieldError.invalid(path, k, msg));
    const v = annotations[k];
    size += k.length + (typeof v === 'string' ? v.length : 0);
    // the simulated usage of kube-actors (src/metrics/usage.ts): refused here, not when metrics are read
    if (typeof v === 'string' && (k === USAGE_ANNOTATION || k.startsWith(`${USAGE_ANNOTATION}.`))) {
      try {
        parseUsageAnnotation(k, v);
      } catch (error) {
        c.push(fieldError.invalid(`${path}[${k}]`, v, error instanceof Error ? error.message : String(error)));
      }
    }
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) c.push(fieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateFinalizerName(c: Causes, name: unknown, path: string): void {
  if (typeof name !== 'string') return;
  const errs = isQualifiedName(name);
  for (const msg of errs) c.push(fieldError.invalid(path, name, msg));
  if (errs.length === 0 && !name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    c.push(fieldError.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
}

export function validateObjectMeta(c: Causes, meta: unknown, info: ResourceInfo, nameFn: NameValidator): void {
  const m = isObj(meta) ? meta : {};
  const name = str(m['name']) ?? '';
  const generateName = str(m['generateName']) ?? '';
  if (generateName) for (const msg of nameFn(generateName, true)) c.push(fieldError.invalid('metadata.generateName', generateName, msg));
  if (name === '') {
    if (!generateName) c.push(fieldError.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) c.push(fieldError.invalid('metadata.name', name, msg));
  }
  if (info.namespaced) {
    const ns = str(m['namespace']) ?? '';
    if (ns === '') c.push(fieldError.required('metadata.namespace'));
    else for (const msg of isDNS1123Label(ns)) c.push(fieldError.invalid('metadata.namespace', ns, msg));
  }
  nonNegative(c, m['generation'], 'metadata.generation');
  validateLabels(c, m['labels'], 'metadata.labels');
  validateAnnotations(c, m['annotations'], 'metadata.annotations');
  const owners = arr(m['ownerReferences']);
  const controllers: string[] = [];
  for (const o of owners) {
    if (!isObj(o)) continue;
    const apiVersion = str(o['apiVersion']) ?? '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) c.push(fieldError.invalid('metadata.ownerReferences.apiVersion', apiVersion, 'version must not be empty'));
    if (!str(o['kind'])) c.push(fieldError.invalid('metadata.ownerReferences.kind', str(o['kind']) ?? '', 'must not be empty'));
    if (!str(o['name'])) c.push(fieldError.invalid('metadata.ownerReferences.name', str(o['name']) ?? '', 'must not be empty'));
    if (!str(o['uid'])) c.push(fieldError.invalid('metadata.ownerReferences.uid', str(o['uid']) ?? '', 'must not be empty'));
    if (o['controller'] === true) controllers.push(`${str(o['kind']) ?? ''}/${str(o['name']) ?? ''}`);
  }
  if (controllers.length > 1) {
    c.push(
      fieldError.invalid(
        'metadata.ownerReferences',
        new GoValue(`[]v1.OwnerReference{...}`),
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  }
  arr(m['finalizers']).forEach((f, i) => validateFinalizerName(c, f, `metadata.finalizers[${i}]`));
}

// --- label selectors

/**
 * The selector a spec's `selector` converts to (`metav1.LabelSelectorAsSelector`), or undefined
 * where Go's conversion returns an error (an unknown operator, a bad key, value or value count,
 * which validateLabelSelector reports field by field). A nil selector converts to one that
 * matches nothing (`labels.Nothing()`), an empty one to one that matches everything.
 */
export function specSelector(sel: unknown): LabelSelectorMatcher | undefined {
  const selector = labelSelectorAsSelector(sel);
  return selector instanceof SelectorError ? undefined : selector;
}

/**
 * The check apps and batch validation make once the selector converted:
 * `selector.Matches(labels.Set(template.Labels))`, else `<path>: Invalid value: <labels>:
 * `selector` does not match template `labels``.
 */
export function validateSelectorMatchesTemplate(c: Causes, selector: LabelSelectorMatcher, labels: Record<string, string> | undefined, path: string): void {
  if (!selector.matches(labels)) c.push(fieldError.invalid(path, labels ?? new GoValue('map[string]string(nil)'), '`selector` does not match template `labels`'));
}

/** @internal shared with the per-group validation files. */
export function goLabelSelector(sel: Obj): GoValue {
  const ml = isObj(sel['matchLabels']) ? (sel['matchLabels']) : undefined;
  const keys = ml ? Object.keys(ml).sort() : [];
  const mlText = ml ? `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(ml[k])}`).join(', ')}}` : 'map[string]string(nil)';
  const exprs = arr(sel['matchExpressions']);
  const exText =
    exprs.length === 0
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => {
            const r = (isObj(e) ? e : {});
            const vals = arr(r['values']);
            return `v1.LabelSelectorRequirement{Key:${JSON.stringify(r['key'] ?? '')}, Operator:${JSON.stringify(r['operator'] ?? '')}, Values:${
              vals.length ? `[]string{${vals.map((v) => JSON.stringify(v)).join(', ')}}` : '[]string(nil)'
            }}`;
          })
          .join(', ')}}`;
  return new GoValue(`v1.LabelSelector{MatchLabels:${mlText}, MatchExpressions:${exText}}`);
}

/** @internal shared with the per-group validation files. */
export function validateLabelSelector(c: Causes, sel: Obj, path: string): void {
  validateLabels(c, sel['matchLabels'], child(path, 'matchLabels'));
  arr(sel['matchExpressions']).forEach((e, i) => {
    if (!isObj(e)) return;
    const p = `${path}.matchExpressions[${i}]`;
    const op = str(e['operator']) ?? '';
    const values = arr(e['values']);
    switch (op) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) c.push(fieldError.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) c.push(fieldError.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        c.push(fieldError.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    }
    const key = str(e['key']) ?? '';
    for (const msg of isQualifiedName(key)) c.push(fieldError.invalid(`${p}.key`, key, msg));
    values.forEach((v, j) => {
      if (typeof v === 'string') for (const msg of isValidLabelValue(v)) c.push(fieldError.invalid(`${p}.values[${j}]`, v, msg));
    });
  });
}

// --- update rules

export function immutable(c: Causes, next: unknown, prev: unknown, path: string): void {
  if (!semanticEqual(next, prev)) c.push(fieldError.invalid(path, next === undefined ? null : next, 'field is immutable'));
}

export function validateMetaUpdate(c: Causes, meta: unknown, oldMeta: unknown): void {
  const m = isObj(meta) ? meta : {};
  const o = isObj(oldMeta) ? oldMeta : {};
  immutable(c, m['name'], o['name'], 'metadata.name');
  if (m['namespace'] !== undefined || o['namespace'] !== undefined) immutable(c, m['namespace'] ?? '', o['namespace'] ?? '', 'metadata.namespace');
  if (str(m['uid'])) immutable(c, m['uid'], o['uid'], 'metadata.uid');
  if (o['deletionTimestamp'] && isObj(o)) {
    const oldF = new Set(arr(o['finalizers']));
    const added = arr(m['finalizers']).filter((f) => !oldF.has(f));
    if (added.length) c.push(fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${formatGoStrings(added)}`));
  }
}

function formatGoStrings(values: unknown[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}
