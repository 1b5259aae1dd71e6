/**
 * Field selectors with the semantics of the Kubernetes API server (apimachinery `pkg/fields` and
 * the per-kind selectable field sets of the registry strategies, `ToSelectableFields`).
 *
 * Selectors are compiled once into small objects with a `matches` method: the matching path
 * does no parsing and no allocation, since it runs for every watch event of large simulations.
 *
 * @packageDocumentation
 */
import type { KubeObject } from './types.js';
import { compareStrings, SelectorError } from './selectors.js';

/** One term of a field selector. `=` and `==` mean the same. */
export interface FieldRequirement {
  /** The field label, e.g. `metadata.name`. */
  readonly field: string;
  /** The operator. */
  readonly operator: '=' | '==' | '!=';
  /** The (unescaped) value. */
  readonly value: string;
}

/**
 * A compiled field selector. Use {@link FieldSelector.forKind} once per kind to validate the
 * field labels and bind their getters; `matches` does that lazily (cached per kind).
 */
export interface FieldSelector {
  /** The terms, sorted as the API server sorts them (by their text). */
  readonly requirements: readonly FieldRequirement[];
  /** True when the selector has no terms and matches every object. */
  readonly isEverything: boolean;
  /**
   * Whether the object satisfies every term. Fields a kind has but the object leaves unset
   * read as `""` (booleans as `"false"`, counts as `"0"`).
   * @param obj - the object; its `kind` chooses the selectable field set.
   * @throws SelectorError `field label not supported: x` for a label the kind does not have.
   */
  matches(obj: KubeObject): boolean;
  /**
   * Validates the labels against a kind and returns a selector bound to its getters.
   * @param kind - the Kubernetes kind, e.g. `Pod`.
   * @throws SelectorError `field label not supported: x`.
   */
  forKind(kind: string): FieldSelector;
  /**
   * The value an `=`/`==` term pins for the field, if any (for index lookups such as
   * `spec.nodeName` or `metadata.name`).
   * @param field - the field label.
   */
  requiresExactMatch(field: string): string | undefined;
  /** The canonical string form: terms sorted, values escaped. */
  toString(): string;
}

type Rec = Record<string, unknown>;
type FieldGetter = (obj: Rec) => string;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

const META_NAME: FieldGetter = (o) => str(rec(o.metadata).name);
const META_NAMESPACE: FieldGetter = (o) => str(rec(o.metadata).namespace);
const NAMESPACED_META: Record<string, FieldGetter> = { 'metadata.name': META_NAME, 'metadata.namespace': META_NAMESPACE };

/**
 * The selectable fields of each kind, as the API server's registry strategies
 * (`pod.ToSelectableFields`, `event.ToSelectableFields`, ...). Kinds not listed select on
 * `metadata.name` and `metadata.namespace` only.
 */
const FIELD_SETS: Record<string, Record<string, FieldGetter>> = {
  Pod: {
    ...NAMESPACED_META,
    'spec.nodeName': (o) => str(rec(o.spec).nodeName),
    'spec.restartPolicy': (o) => str(rec(o.spec).restartPolicy),
    'spec.schedulerName': (o) => str(rec(o.spec).schedulerName),
    'spec.serviceAccountName': (o) => str(rec(o.spec).serviceAccountName),
    'spec.hostNetwork': (o) => String(rec(o.spec).hostNetwork === true),
    'status.phase': (o) => str(rec(o.status).phase),
    'status.podIP': (o) => {
      const s = rec(o.status);
      const ips = s.podIPs;
      if (Array.isArray(ips) && ips.length > 0) return str(rec(ips[0]).ip);
      return str(s.podIP);
    },
    'status.nominatedNodeName': (o) => str(rec(o.status).nominatedNodeName),
  },
  Event: {
    ...NAMESPACED_META,
    'involvedObject.kind': (o) => str(rec(o.involvedObject).kind),
    'involvedObject.namespace': (o) => str(rec(o.involvedObject).namespace),
    'involvedObject.name': (o) => str(rec(o.involvedObject).name),
    'involvedObject.uid': (o) => str(rec(o.involvedObject).uid),
    'involvedObject.apiVersion': (o) => str(rec(o.involvedObject).apiVersion),
    'involvedObject.resourceVersion': (o) => str(rec(o.involvedObject).resourceVersion),
    'involvedObject.fieldPath': (o) => str(rec(o.involvedObject).fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(rec(o.source).component) || str(o.reportingComponent),
    type: (o) => str(o.type),
  },
  Secret: { ...NAMESPACED_META, type: (o) => str(o.type) },
  Node: {
    'metadata.name': META_NAME,
    'spec.unschedulable': (o) => String(rec(o.spec).unschedulable === true),
  },
  Namespace: { 'metadata.name': META_NAME, 'status.phase': (o) => str(rec(o.status).phase) },
  ReplicaSet: { ...NAMESPACED_META, 'status.replicas': (o) => String(Number(rec(o.status).replicas ?? 0)) },
  ReplicationController: { ...NAMESPACED_META, 'status.replicas': (o) => String(Number(rec(o.status).replicas ?? 0)) },
  Job: { ...NAMESPACED_META, 'status.successful': (o) => String(Number(rec(o.status).succeeded ?? 0)) },
  CertificateSigningRequest: { 'metadata.name': META_NAME, 'spec.signerName': (o) => str(rec(o.spec).signerName) },
};

/**
 * The field labels a kind supports in field selectors.
 *
 * @param kind - the Kubernetes kind, e.g. `Pod`.
 */
export function supportedFieldLabels(kind: string): string[] {
  return Object.keys(FIELD_SETS[kind] ?? NAMESPACED_META);
}

/** `fields.EscapeValue`: `\` → `\\`, `,` → `\,`, `=` → `\=`. */
function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new SelectorError(`invalid field selector: invalid escape sequence: ${'\\' + c}`, 'field');
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new SelectorError(`invalid field selector: unescaped character in value: ${c}`, 'field');
    else out += c;
  }
  if (inSlash) throw new SelectorError('invalid field selector: invalid escape sequence: \\', 'field');
  return out;
}

function splitFieldTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitFieldTerm(term: string): FieldRequirement | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ['!=', '==', '='] as const) {
      if (rest.startsWith(op)) return { field: term.slice(0, i), operator: op, value: term.slice(i + op.length) };
    }
  }
  return undefined;
}

interface BoundTerm {
  get: FieldGetter;
  value: string;
  negate: boolean;
}

class CompiledFieldSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly isEverything: boolean;
  private readonly byKind = new Map<string, BoundFieldSelector>();
  private text: string | undefined;

  constructor(requirements: FieldRequirement[]) {
    this.requirements = Object.freeze(requirements.map((r) => Object.freeze({ ...r })));
    this.isEverything = requirements.length === 0;
  }

  forKind(kind: string): FieldSelector {
    let b = this.byKind.get(kind);
    if (b === undefined) {
      b = new BoundFieldSelector(this, kind);
      this.byKind.set(kind, b);
    }
    return b;
  }

  matches(obj: KubeObject): boolean {
    if (this.isEverything) return true;
    return this.forKind(obj.kind ?? '').matches(obj);
  }

  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.operator !== '!=') return r.value;
    return undefined;
  }

  toString(): string {
    this.text ??= this.requirements
      .map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`)
      .join(',');
    return this.text;
  }
}

class BoundFieldSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly isEverything: boolean;
  private readonly terms: readonly BoundTerm[];

  constructor(
    private readonly parent: CompiledFieldSelector,
    readonly kind: string,
  ) {
    this.requirements = parent.requirements;
    this.isEverything = parent.isEverything;
    const fieldSet = FIELD_SETS[kind] ?? NAMESPACED_META;
    this.terms = parent.requirements.map((r) => {
      const get = Object.hasOwn(fieldSet, r.field) ? fieldSet[r.field] : undefined;
      if (get === undefined) throw new SelectorError(`field label not supported: ${r.field}`, 'field');
      return { get, value: r.value, negate: r.operator === '!=' };
    });
  }

  matches(obj: KubeObject): boolean {
    const o = obj as unknown as Rec;
    const ts = this.terms;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if ((t.get(o) === t.value) === t.negate) return false;
    }
    return true;
  }

  forKind(kind: string): FieldSelector {
    return kind === this.kind ? this : this.parent.forKind(kind);
  }

  requiresExactMatch(field: string): string | undefined {
    return this.parent.requiresExactMatch(field);
  }

  toString(): string {
    return this.parent.toString();
  }
}

/**
 * Parses a field selector (`fields.ParseSelector`): terms `field=value`, `field==value` or
 * `field!=value` joined with commas; `\,`, `\=` and `\\` escape those characters in values.
 * The empty string selects everything. Labels are validated against a kind by
 * {@link FieldSelector.forKind} (or lazily by `matches`).
 *
 * @param text - the selector text, e.g. `metadata.name=x,status.phase!=Running`.
 * @param kind - when given, the labels are validated against this kind now and the bound selector is returned.
 * @returns the compiled selector.
 * @throws SelectorError `invalid selector: 'x'; can't understand 'y'`, an escaping error, or
 *   `field label not supported: x` when `kind` is given.
 */
export function parseFieldSelector(text: string, kind?: string): FieldSelector {
  const parts = splitFieldTerms(text).sort(compareStrings);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const r = splitFieldTerm(part);
    if (r === undefined) throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`, 'field');
    reqs.push({ field: r.field, operator: r.operator, value: unescapeFieldValue(r.value) });
  }
  const sel = new CompiledFieldSelector(reqs);
  return kind === undefined ? sel : sel.forKind(kind);
}

/**
 * Whether an object satisfies a field selector.
 *
 * @param selector - a compiled selector or its string form.
 * @param obj - the object; its `kind` chooses the selectable fields.
 * @throws SelectorError `field label not supported: x` for a label the kind does not have.
 */
export function matchesFields(selector: FieldSelector | string, obj: KubeObject): boolean {
  return (typeof selector === 'string' ? parseFieldSelector(selector) : selector).matches(obj);
}

/**
 * The value of a selectable field of an object, as field selectors see it.
 *
 * @param obj - the object; its `kind` chooses the selectable fields.
 * @param field - the field label.
 * @throws SelectorError `field label not supported: x`.
 */
export function selectableField(obj: KubeObject, field: string): string {
  const fieldSet = FIELD_SETS[obj.kind ?? ''] ?? NAMESPACED_META;
  const get = Object.hasOwn(fieldSet, field) ? fieldSet[field] : undefined;
  if (get === undefined) throw new SelectorError(`field label not supported: ${field}`, 'field');
  return get(obj as unknown as Rec);
}
