/**
 * Equality and copies of JSON values (Kubernetes objects as decoded from JSON or YAML), written
 * once for the API server, the controllers and the validators.
 */

type Obj = Record<string, unknown>;

/**
 * Whether a value is a JSON object (not null, not an array): the one test every module uses,
 * narrowing to the caller's object type (`isObject<Obj>(v)`; by default `Record<string, unknown>`).
 */
export function isObject<T extends object = Obj>(v: unknown): v is T {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON values: a property set to `undefined` counts as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ra = a as Obj;
  const rb = b as Obj;
  let na = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    na++;
    if (!deepEqual(ra[k], rb[k])) return false;
  }
  let nb = 0;
  for (const k in rb) if (rb[k] !== undefined) nb++;
  return na === nb;
}

const absent = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

/**
 * Semantic equality as apimachinery's `equality.Semantic.DeepEqual` on decoded objects: null, an
 * absent field and an empty list are equal (the typed Go value is the same).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (absent(a) || absent(b)) return absent(a) && absent(b);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Obj;
  const bo = b as Obj;
  for (const k in ao) if (!semanticEqual(ao[k], bo[k])) return false;
  for (const k in bo) if (!(k in ao) && !absent(bo[k])) return false;
  return true;
}

/** A deep copy of a JSON value; properties set to `undefined` are dropped. Cached objects are shared: copy before changing. */
export function clone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const out: Obj = {};
  for (const k in value as Obj) {
    const v = (value as Obj)[k];
    if (v !== undefined) out[k] = clone(v);
  }
  return out as T;
}

/**
 * Freezes a JSON value and everything in it, and returns it: a constant that every object it is
 * put in shares (a default the API server adds to each pod), which no one can change in place.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const v of Object.values(value as Obj)) deepFreeze(v);
  return Object.freeze(value);
}

/**
 * The value at `key` of `container` (an object's field, an array's element), or undefined when
 * `container` holds no fields: a walk of one value beside another (the stored object a patch
 * result is compared with) steps into both with it.
 */
export function childAt(container: unknown, key: string | number): unknown {
  return container !== null && typeof container === 'object' ? (container as Record<string | number, unknown>)[key] : undefined;
}
