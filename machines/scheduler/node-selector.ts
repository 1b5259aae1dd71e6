/**
 * Node selectors compiled to closures, with the semantics of
 * `k8s.io/component-helpers/scheduling/corev1/nodeaffinity` and `k8s.io/apimachinery/pkg/labels`:
 * a pod's `nodeSelector` (every label equal) AND its required node affinity (terms ORed,
 * requirements within a term ANDed; an empty term matches nothing; a term that fails to parse
 * matches nothing), and preferred terms scored by the sum of the weights that match.
 *
 * Operators: `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt` on labels; `In` / `NotIn` with
 * exactly one value on fields (only `metadata.name` is a node field).
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../src/api/types.js';

/** A node's labels, as the matchers read them. */
export type Labels = Readonly<Record<string, string>>;

type LabelTest = (labels: Labels) => boolean;

const NO_LABELS: Labels = Object.freeze({});
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL_INT = /^[+-]?\d+$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Go's `strconv.ParseInt(s, 10, 64)`: the value, or undefined when `s` is not a decimal int64. */
export function parseInt64(s: string): bigint | undefined {
  if (!DECIMAL_INT.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** True when `key` is a valid label key (a qualified name with an optional DNS-subdomain prefix). */
export function isValidLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return false;
  }
  return true;
}

/** True when `value` is a valid label value (empty, or up to 63 alphanumerics, `-`, `_`, `.`). */
function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

function has(labels: Labels, key: string): boolean {
  return Object.hasOwn(labels, key);
}

/**
 * Compiles one label requirement as `labels.NewRequirement` validates and `Requirement.Matches`
 * evaluates it. Returns undefined when the requirement is invalid.
 */
export function compileLabelRequirement(req: NodeSelectorRequirement): LabelTest | undefined {
  const { key, operator } = req;
  const values = req.values ?? [];
  if (!isValidLabelKey(key)) return undefined;
  if (!values.every(isValidLabelValue)) return undefined;
  switch (operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return operator === 'In'
        ? (l) => has(l, key) && set.has(l[key]!)
        : (l) => !has(l, key) || !set.has(l[key]!);
    }
    case 'Exists':
      return values.length === 0 ? (l) => has(l, key) : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? (l) => !has(l, key) : undefined;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1) return undefined;
      const bound = parseInt64(values[0]!);
      if (bound === undefined) return undefined;
      const gt = operator === 'Gt';
      return (l) => {
        if (!has(l, key)) return false;
        const v = parseInt64(l[key]!);
        if (v === undefined) return false;
        return gt ? v > bound : v < bound;
      };
    }
    default:
      return undefined;
  }
}

type FieldTest = (nodeName: string) => boolean;

/** Compiles one field requirement (`In` / `NotIn`, exactly one value); undefined when invalid. */
function compileFieldRequirement(req: NodeSelectorRequirement): FieldTest | undefined {
  const values = req.values ?? [];
  if ((req.operator !== 'In' && req.operator !== 'NotIn') || values.length !== 1) return undefined;
  const want = values[0]!;
  // A node's only field is metadata.name; any other key reads as "" (Go's fields.Set.Get).
  const read = req.key === 'metadata.name' ? (name: string) => name : () => '';
  return req.operator === 'In' ? (name) => read(name) === want : (name) => read(name) !== want;
}

/** A compiled node-selector term: `matches` is false for every node when the term failed to parse. */
export interface CompiledTerm {
  /** False when a requirement was invalid; the term then matches nothing. */
  readonly valid: boolean;
  /** Whether a node's labels and name satisfy every requirement. */
  matches(labels: Labels, nodeName: string): boolean;
}

const NEVER: CompiledTerm = Object.freeze({ valid: false, matches: () => false });

/** True when a term has neither match expressions nor match fields (such a term selects nothing). */
function isEmptyTerm(term: NodeSelectorTerm): boolean {
  return (term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0;
}

/** Compiles a node-selector term (requirements ANDed). An empty term yields a term matching nothing. */
function compileNodeSelectorTerm(term: NodeSelectorTerm): CompiledTerm {
  if (isEmptyTerm(term)) return NEVER;
  const labelTests: LabelTest[] = [];
  for (const r of term.matchExpressions ?? []) {
    const t = compileLabelRequirement(r);
    if (!t) return NEVER;
    labelTests.push(t);
  }
  const fieldTests: FieldTest[] = [];
  for (const r of term.matchFields ?? []) {
    const t = compileFieldRequirement(r);
    if (!t) return NEVER;
    fieldTests.push(t);
  }
  return {
    valid: true,
    matches(labels, nodeName) {
      for (let i = 0; i < labelTests.length; i++) if (!labelTests[i]!(labels)) return false;
      // kube skips the field selector when the node has no fields (an empty name).
      if (nodeName !== '') for (let i = 0; i < fieldTests.length; i++) if (!fieldTests[i]!(nodeName)) return false;
      return true;
    },
  };
}

/** The labels of a node (an empty object when it has none). */
export function nodeLabels(node: Node | undefined): Labels {
  return (node?.metadata?.labels) ?? NO_LABELS;
}

/** A pod's `nodeSelector` and required node affinity, compiled (`nodeaffinity.RequiredNodeAffinity`). */
export interface RequiredNodeAffinity {
  /** Whether a node with these labels and name satisfies the node selector and one required term. */
  matches(labels: Labels, nodeName: string): boolean;
}

/** Compiles required terms (ORed); terms that are empty are dropped, invalid ones never match. */
export function compileNodeSelector(terms: readonly NodeSelectorTerm[]): (labels: Labels, nodeName: string) => boolean {
  const compiled = terms.filter((t) => !isEmptyTerm(t)).map(compileNodeSelectorTerm).filter((t) => t.valid);
  return (labels, nodeName) => {
    for (let i = 0; i < compiled.length; i++) if (compiled[i]!.matches(labels, nodeName)) return true;
    return false;
  };
}

/**
 * Compiles a pod's `spec.nodeSelector` and `requiredDuringSchedulingIgnoredDuringExecution`;
 * undefined when the pod has neither (every node matches).
 */
export function compileRequiredNodeAffinity(pod: Pod): RequiredNodeAffinity | undefined {
  const selector = pod.spec?.nodeSelector;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const pairs = selector ? Object.entries(selector) : [];
  if (pairs.length === 0 && !required) return undefined;
  const termsMatch = required ? compileNodeSelector(required.nodeSelectorTerms ?? []) : undefined;
  return {
    matches(labels, nodeName) {
      for (let i = 0; i < pairs.length; i++) {
        const [k, v] = pairs[i]!;
        if (!has(labels, k) || labels[k] !== v) return false;
      }
      return termsMatch ? termsMatch(labels, nodeName) : true;
    },
  };
}

/** A compiled preferred scheduling term and its weight. */
export interface PreferredSchedulingTerm {
  /** The term's weight (1..100 in valid pods). */
  readonly weight: number;
  /** The compiled preference. */
  readonly term: CompiledTerm;
}

/**
 * Compiles `preferredDuringSchedulingIgnoredDuringExecution`: terms with weight 0 or an empty
 * preference are dropped, as are terms that fail to parse (the API server rejects such pods).
 */
export function compilePreferredSchedulingTerms(
  terms: readonly { weight: number; preference: NodeSelectorTerm }[],
): PreferredSchedulingTerm[] {
  const out: PreferredSchedulingTerm[] = [];
  for (const t of terms) {
    if (!t.weight || isEmptyTerm(t.preference)) continue;
    const term = compileNodeSelectorTerm(t.preference);
    if (term.valid) out.push({ weight: t.weight, term });
  }
  return out;
}

/** Sum of the weights of the preferred terms a node matches (`PreferredSchedulingTerms.Score`). */
export function scorePreferredTerms(terms: readonly PreferredSchedulingTerm[], labels: Labels, name: string): number {
  let score = 0;
  for (let i = 0; i < terms.length; i++) if (terms[i]!.term.matches(labels, name)) score += terms[i]!.weight;
  return score;
}
