/**
 * Label selectors in their object form, `metav1.LabelSelector` (matchLabels + matchExpressions),
 * after apimachinery's `pkg/apis/meta/v1/helpers.go`: `LabelSelectorAsSelector` (compiled into
 * the selectors of selectors.ts), matching, and `FormatLabelSelector`.
 *
 * @packageDocumentation
 */
import type { LabelSelector } from './types.js';
import { isObject } from './json-values.js';
import { everything, goQuote, newRequirement, nothing, parseLabelSelector, selectorFromRequirements, SelectorError, type LabelOperator, type LabelRequirement, type LabelSelectorMatcher, type Labels } from './selectors.js';

/**
 * Converts a `LabelSelector` object (matchLabels + matchExpressions) as
 * `metav1.LabelSelectorAsSelector`: `null`/`undefined` selects nothing, `{}` selects everything.
 *
 * @param selector - the object form, as in a Deployment's `spec.selector`.
 * @returns the compiled selector.
 * @throws SelectorError for an unknown operator (`"Foo" is not a valid label selector operator`)
 *   or an invalid key, value or value count.
 */
export function labelSelectorFromObject(selector: LabelSelector | null | undefined): LabelSelectorMatcher {
  if (selector === null || selector === undefined) return nothing();
  const matchLabels = selector.matchLabels ?? {};
  const exprs = selector.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels);
  if (labelKeys.length + exprs.length === 0) return everything();
  const reqs: LabelRequirement[] = [];
  for (const k of labelKeys) reqs.push(newRequirement(k, '=', [matchLabels[k]!]));
  for (const e of exprs) {
    let op: LabelOperator;
    switch (e.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        throw new SelectorError(`${goQuote(String(e.operator))} is not a valid label selector operator`, 'label');
    }
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  return selectorFromRequirements(reqs);
}

/**
 * `metav1.LabelSelectorAsSelector` with Go's `(selector, err)` as one value, for callers that
 * act on the error (validation, which reports it; the PDB lister, for which a budget with an
 * invalid selector selects no pod): the compiled selector, or the SelectorError Go's `err`
 * carries. A value not shaped as a `LabelSelector` (which Go's decoder would have refused and
 * the schema reports) fails the same way.
 *
 * @param selector - the object form as found in a request body (`null`/`undefined` selects nothing).
 */
export function labelSelectorAsSelector(selector: unknown): LabelSelectorMatcher | SelectorError {
  if (selector === null || selector === undefined) return nothing();
  const shape = labelSelectorShapeError(selector);
  if (shape !== undefined) return new SelectorError(shape, 'label');
  try {
    return labelSelectorFromObject(selector);
  } catch (error) {
    if (error instanceof SelectorError) return error;
    throw error;
  }
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** What makes a value not a `LabelSelector` (wrong JSON types), if anything. */
function labelSelectorShapeError(selector: unknown): string | undefined {
  if (!isObject(selector)) return 'a label selector must be an object';
  const ml = selector['matchLabels'];
  if (ml !== undefined && ml !== null && !(isObject(ml) && Object.values(ml).every((v) => typeof v === 'string'))) return 'matchLabels must map strings to strings';
  const exprs = selector['matchExpressions'];
  if (exprs === undefined || exprs === null) return undefined;
  if (!Array.isArray(exprs)) return 'matchExpressions must be a list';
  for (const e of exprs) {
    if (!isObject(e) || typeof e['key'] !== 'string' || typeof e['operator'] !== 'string') return 'a match expression needs a string key and operator';
    if (e['values'] !== undefined && e['values'] !== null && !isStringArray(e['values'])) return 'a match expression\'s values must be a list of strings';
  }
  return undefined;
}

/** Anything {@link matchesLabels} accepts as a selector. */
export type LabelSelectorLike = LabelSelectorMatcher | LabelSelector | string | null | undefined;

function isMatcher(s: unknown): s is LabelSelectorMatcher {
  return typeof s === 'object' && s !== null && typeof (s as LabelSelectorMatcher).matches === 'function';
}

/**
 * Compiles anything selector-like: a compiled selector is returned as is, a string is parsed
 * ({@link parseLabelSelector}), an object is converted ({@link labelSelectorFromObject}; so
 * `null`/`undefined` select nothing).
 *
 * @param selector - the selector.
 */
function toLabelSelectorMatcher(selector: LabelSelectorLike): LabelSelectorMatcher {
  if (typeof selector === 'string') return parseLabelSelector(selector);
  if (isMatcher(selector)) return selector;
  return labelSelectorFromObject(selector);
}

/**
 * Whether labels satisfy a selector. Prefer compiling the selector once and calling its
 * `matches` in loops: strings and objects are compiled on every call here.
 *
 * @param selector - compiled selector, string form, or `LabelSelector` object (null selects nothing).
 * @param labels - the object's labels (missing labels count as none).
 */
export function matchesLabels(selector: LabelSelectorLike, labels: Labels | null | undefined): boolean {
  return toLabelSelectorMatcher(selector).matches(labels);
}

/**
 * The string form of a `LabelSelector` object, as kubectl prints it
 * (`app=nginx,tier in (web)`): requirements sorted by key, set values sorted.
 * Empty for an empty or null selector (see {@link formatLabelSelector} for kubectl's `<none>`).
 *
 * @param selector - the object form, or a compiled selector.
 * @throws SelectorError when the object is invalid.
 */
export function selectorToString(selector: LabelSelector | LabelSelectorMatcher | null | undefined): string {
  return (isMatcher(selector) ? selector : labelSelectorFromObject(selector)).toString();
}

/**
 * `metav1.FormatLabelSelector`, what `kubectl get -o wide` and `describe` show: the string form,
 * `<none>` when it is empty, `<error>` when the selector is invalid.
 *
 * @param selector - the object form.
 */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  let s: string;
  try {
    s = selectorToString(selector);
  } catch {
    return '<error>';
  }
  return s.length === 0 ? '<none>' : s;
}
