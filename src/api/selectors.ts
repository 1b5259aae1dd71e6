/**
 * Label selectors with the semantics of the Kubernetes API server (apimachinery `pkg/labels`
 * `labels/selector.go`): requirements, compiled selectors and the string form's parser. The
 * object form (`metav1.LabelSelector`) is in label-selector.ts, field selectors in field-selectors.ts.
 *
 * Selectors are compiled once into small objects with a `matches` method: the matching path
 * does no parsing and no allocation, since it runs for every watch event of large simulations.
 *
 * @packageDocumentation
 */
import { isValidLabelKey, isValidLabelValue } from './names.js';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Thrown for a selector the API server would reject with 400 Bad Request: a label selector that
 * does not parse (`unable to parse requirement: ...`), an invalid `LabelSelector` object, a field
 * selector that does not parse, or a field label the kind does not support
 * (`field label not supported: x`).
 */
export class SelectorError extends Error {
  /** Which kind of selector was rejected. */
  readonly selectorType: 'label' | 'field';

  /**
   * @param message - the message the API server would put in its Status.
   * @param selectorType - whether a label or a field selector was rejected.
   */
  constructor(message: string, selectorType: 'label' | 'field') {
    super(message);
    this.name = 'SelectorError';
    this.selectorType = selectorType;
  }
}

// ---------------------------------------------------------------------------------------------
// Label validation (apimachinery pkg/util/validation): the rules of names.ts
// ---------------------------------------------------------------------------------------------

/**
 * Validates a label key as `validation.IsQualifiedName`: an optional DNS-1123 subdomain prefix
 * and `/`, then a name of at most 63 characters.
 *
 * @param key - the label key.
 * @returns the list of problems; empty when the key is valid.
 */
function validateLabelKey(key: string): string[] {
  return isValidLabelKey(key);
}

/**
 * Validates a label value as `validation.IsValidLabelValue`: empty, or at most 63 characters of
 * alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
 *
 * @param value - the label value.
 * @returns the list of problems; empty when the value is valid.
 */
function validateLabelValue(value: string): string[] {
  return isValidLabelValue(value);
}

/** Go's `%q` for a string, close enough for messages (JSON escaping). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's `%#v` of a `[]string`. */
function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** `utilerrors.NewAggregate(errs).Error()`: one message, or `[a, b]` without duplicates. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/**
 * A label requirement operator, spelled as apimachinery's `selection.Operator`:
 * `in`, `notin`, `=`, `==`, `!=`, `exists`, `!` (does not exist), `gt`, `lt`.
 */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One requirement of a label selector: a key, an operator and its values (sorted, deduplicated when parsed). */
export interface LabelRequirement {
  /** The label key. */
  readonly key: string;
  /** The operator relating the key and the values. */
  readonly operator: LabelOperator;
  /** The values; empty for `exists` and `!`, exactly one for `=`, `==`, `!=`, `gt`, `lt`. */
  readonly values: readonly string[];
}

/** A set of labels, as found in `metadata.labels`. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A compiled label selector. `matches` is the hot path: it walks pre-built predicates, one per
 * requirement (requirements are ANDed).
 */
export interface LabelSelectorMatcher {
  /** The requirements, sorted by key; empty for both the everything and the nothing selector. */
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector matches every label set (`labels.Everything()`). */
  readonly isEverything: boolean;
  /** True when the selector matches no label set (`labels.Nothing()`, from a null `LabelSelector`). */
  readonly isNothing: boolean;
  /**
   * Whether the labels satisfy every requirement. Missing labels count as an empty set.
   * @param labels - the object's labels.
   */
  matches(labels: Labels | null | undefined): boolean;
  /**
   * The value a requirement on `key` pins exactly (`key=v`, `key==v` or `key in (v)`), if any;
   * useful to answer a list from an index.
   * @param key - the label key.
   */
  requiresExactMatch(key: string): string | undefined;
  /** The canonical string form (`a=b,c in (x,y)`); empty for the everything and the nothing selector. */
  toString(): string;
}

const hasOwn = Object.hasOwn;
const EMPTY_LABELS: Labels = Object.freeze({});

type Predicate = (labels: Labels) => boolean;

function makePredicate(r: LabelRequirement): Predicate {
  const key = r.key;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in': {
      if (r.values.length === 1) {
        const v = r.values[0]!;
        return (l) => hasOwn(l, key) && l[key] === v;
      }
      const set = new Set(r.values);
      return (l) => hasOwn(l, key) && set.has(l[key]!);
    }
    case '!=':
    case 'notin': {
      if (r.values.length === 1) {
        const v = r.values[0]!;
        return (l) => !hasOwn(l, key) || l[key] !== v;
      }
      const set = new Set(r.values);
      return (l) => !hasOwn(l, key) || !set.has(l[key]!);
    }
    case 'exists':
      return (l) => hasOwn(l, key);
    case '!':
      return (l) => !hasOwn(l, key);
    case 'gt':
    case 'lt': {
      const bound = parseGoInt(r.values[0] ?? '');
      if (bound === undefined) return () => false;
      const gt = r.operator === 'gt';
      return (l) => {
        if (!hasOwn(l, key)) return false;
        const n = parseGoInt(l[key]!);
        if (n === undefined) return false;
        return gt ? n > bound : n < bound;
      };
    }
  }
}

/** `strconv.ParseInt(s, 10, 64)`, as a bigint (undefined when not an integer or out of range). */
function parseGoInt(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

function requirementToString(r: LabelRequirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case '=':
      s += '=';
      break;
    case '==':
      s += '==';
      break;
    case '!=':
      s += '!=';
      break;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
  }
  const vals = r.values.length > 1 ? [...r.values].sort(compareStrings).join(',') : (r.values[0] ?? '');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

/** Byte-wise string order, as Go's `sort.Strings` (for ASCII label text it equals UTF-16 order). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class RequirementsSelector implements LabelSelectorMatcher {
  readonly requirements: readonly LabelRequirement[];
  readonly isEverything: boolean;
  readonly isNothing = false;
  private readonly predicates: readonly Predicate[];
  private readonly single: Predicate | undefined;
  private text: string | undefined;

  constructor(requirements: LabelRequirement[]) {
    // Stable sort by key (labels.ByKey), for a deterministic string form.
    const sorted = requirements
      .map((r, i) => [r, i] as const)
      .sort((a, b) => compareStrings(a[0].key, b[0].key) || a[1] - b[1])
      .map(([r]) => Object.freeze({ ...r, values: Object.freeze([...r.values]) }));
    this.requirements = Object.freeze(sorted);
    this.isEverything = sorted.length === 0;
    this.predicates = sorted.map(makePredicate);
    this.single = this.predicates.length === 1 ? this.predicates[0] : undefined;
  }

  matches(labels: Labels | null | undefined): boolean {
    const l = labels ?? EMPTY_LABELS;
    if (this.single !== undefined) return this.single(l);
    const ps = this.predicates;
    for (let i = 0; i < ps.length; i++) if (!ps[i]!(l)) return false;
    return true;
  }

  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }

  toString(): string {
    this.text ??= this.requirements.map(requirementToString).join(',');
    return this.text;
  }
}

const NOTHING: LabelSelectorMatcher = Object.freeze({
  requirements: Object.freeze([]),
  isEverything: false,
  isNothing: true,
  matches: () => false,
  requiresExactMatch: () => undefined,
  toString: () => '',
});

const EVERYTHING: LabelSelectorMatcher = new RequirementsSelector([]);

/** The selector that matches every label set (`labels.Everything()`). */
export function everything(): LabelSelectorMatcher {
  return EVERYTHING;
}

/** The selector that matches no label set (`labels.Nothing()`). */
export function nothing(): LabelSelectorMatcher {
  return NOTHING;
}

/**
 * Builds a requirement with `labels.NewRequirement`'s checks.
 *
 * @param key - the label key (a qualified name).
 * @param operator - the operator.
 * @param values - the values (see {@link LabelRequirement.values} for the counts allowed).
 * @returns the requirement.
 * @throws SelectorError naming the offending key, values or operator.
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = validateLabelKey(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(`values: Invalid value: ${goStringSlice(values)}: for 'in', 'notin' operators, values set can't be empty`);
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${goStringSlice(values)}: exact-match compatibility requires one single value`);
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(`values: Invalid value: ${goStringSlice(values)}: values set must be empty for exists and does not exist`);
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${goStringSlice(values)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      }
      values.forEach((v, i) => {
        if (parseGoInt(v) === undefined) {
          errs.push(`values[${i}]: Invalid value: ${goQuote(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
        }
      });
      break;
    default:
      errs.push(
        `operator: Unsupported value: ${goQuote(String(operator))}: supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`,
      );
  }
  values.forEach((v, i) => {
    const vErrs = validateLabelValue(v);
    if (vErrs.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${goQuote(v)}: ${vErrs.join('; ')}`);
  });
  if (errs.length > 0) throw new SelectorError(aggregate(errs), 'label');
  return { key, operator, values: [...values] };
}

/**
 * Builds a selector from requirements (ANDed), sorted by key as `Selector.Add` does.
 *
 * @param requirements - requirements, for instance from {@link newRequirement}.
 * @returns the compiled selector; with no requirements, {@link everything}.
 */
export function selectorFromRequirements(requirements: readonly LabelRequirement[]): LabelSelectorMatcher {
  return requirements.length === 0 ? EVERYTHING : new RequirementsSelector([...requirements]);
}

/**
 * A selector matching exactly the given labels (`labels.SelectorFromSet`): `k=v` for each entry.
 * An empty set matches everything. Values are not validated.
 *
 * @param set - the labels to require.
 */
export function selectorFromSet(set: Labels | null | undefined): LabelSelectorMatcher {
  if (!set) return EVERYTHING;
  const keys = Object.keys(set);
  if (keys.length === 0) return EVERYTHING;
  return new RequirementsSelector(keys.map((k) => ({ key: k, operator: '=', values: [set[k]!] })));
}

// --- the string form parser (labels.Parse) -----------------------------------------------------

const enum Tok {
  Error,
  End,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const STRING_TO_TOKEN: ReadonlyMap<string, Tok> = new Map([
  [')', Tok.ClosedPar],
  [',', Tok.Comma],
  ['!', Tok.DoesNotExist],
  ['==', Tok.DoubleEquals],
  ['=', Tok.Equals],
  ['>', Tok.GreaterThan],
  ['in', Tok.In],
  ['<', Tok.LessThan],
  ['!=', Tok.NotEquals],
  ['notin', Tok.NotIn],
  ['(', Tok.OpenPar],
]);

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

interface Item {
  tok: Tok;
  lit: string;
}

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: Tok.End, lit: '' });
      return items;
    }
    if (isSpecialSymbol(s[pos]!)) {
      // Longest run of special symbols that still forms a token ("!=", "==").
      let buffer = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecialSymbol(s[pos]!)) {
        buffer += s[pos];
        const t = STRING_TO_TOKEN.get(buffer);
        if (t !== undefined) {
          last = { tok: t, lit: buffer };
          pos++;
        } else if (last !== undefined) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecialSymbol(s[pos]!) && !isWhitespace(s[pos]!)) pos++;
    const lit = s.slice(start, pos);
    items.push({ tok: STRING_TO_TOKEN.get(lit) ?? Tok.Identifier, lit });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In a values context, `in` and `notin` are plain identifiers. */
  private static asValue(item: Item): Item {
    return item.tok === Tok.In || item.tok === Tok.NotIn ? { tok: Tok.Identifier, lit: item.lit } : item;
  }
  private lookahead(values: boolean): Item {
    const it = this.items[this.pos]!;
    return values ? Parser.asValue(it) : it;
  }
  private consume(values: boolean): Item {
    const it = this.items[this.pos]!;
    if (this.pos < this.items.length - 1) this.pos++;
    return values ? Parser.asValue(it) : it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case Tok.Identifier:
        case Tok.DoesNotExist: {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            throw new SelectorError(`unable to parse requirement: ${(e as Error).message}`, 'label');
          }
          reqs.push(r);
          const t = this.consume(true);
          if (t.tok === Tok.End) return reqs;
          if (t.tok === Tok.Comma) {
            const t2 = this.lookahead(true);
            if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) {
              throw new SelectorError(`found '${t2.lit}', expected: identifier after ','`, 'label');
            }
            break;
          }
          throw new SelectorError(`found '${t.lit}', expected: ',' or 'end of string'`, 'label');
        }
        case Tok.End:
          return reqs;
        default:
          throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`, 'label');
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    // Key, and the unary operators inferred from what follows it.
    let unary: LabelOperator | undefined;
    let t = this.consume(true);
    if (t.tok === Tok.DoesNotExist) {
      unary = '!';
      t = this.consume(true);
    }
    if (t.tok !== Tok.Identifier) throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = validateLabelKey(key);
    if (keyErrs.length > 0) throw new Error(`key: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`);
    const next = this.lookahead(true).tok;
    // "!key" is complete by itself: whatever follows it must be ',' or the end (checked by parse()).
    if (unary === '!') return newRequirement(key, '!', []);
    if (next === Tok.End || next === Tok.Comma) return newRequirement(key, 'exists', []);
    const op = this.parseOperator();
    let values: string[];
    if (op === 'in' || op === 'notin') values = this.parseValues();
    else values = this.parseExactValue();
    return newRequirement(key, op, [...new Set(values)].sort(compareStrings));
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private parseValues(): string[] {
    let t = this.consume(true);
    if (t.tok !== Tok.OpenPar) throw new Error(`found '${t.lit}' expected: '('`);
    t = this.lookahead(true);
    switch (t.tok) {
      case Tok.Identifier:
      case Tok.Comma: {
        const s = this.parseIdentifiersList();
        if (this.consume(true).tok !== Tok.ClosedPar) throw new Error(`found '${t.lit}', expected: ')'`);
        return s;
      }
      case Tok.ClosedPar:
        this.consume(true);
        return [''];
      default:
        throw new Error(`found '${t.lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): string[] {
    const s: string[] = [];
    for (;;) {
      const t = this.consume(true);
      if (t.tok === Tok.Identifier) {
        s.push(t.lit);
        const t2 = this.lookahead(true);
        if (t2.tok === Tok.Comma) continue;
        if (t2.tok === Tok.ClosedPar) return s;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === Tok.Comma) {
        if (s.length === 0) s.push(''); // "(,"
        const t2 = this.lookahead(true);
        if (t2.tok === Tok.ClosedPar) {
          s.push(''); // ",)"
          return s;
        }
        if (t2.tok === Tok.Comma) {
          this.consume(true);
          s.push(''); // ",,"
        }
      } else {
        throw new Error(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const la = this.lookahead(true).tok;
    if (la === Tok.End || la === Tok.Comma) return [''];
    const t = this.consume(true);
    if (t.tok === Tok.Identifier) return [t.lit];
    throw new Error(`found '${t.lit}', expected: identifier`);
  }
}

/**
 * Parses the string form of a label selector, as `labels.Parse` and the API server's
 * `labelSelector` query parameter:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist),
 * `a>1`, `a<1`, joined with commas. The empty string selects everything.
 *
 * @param text - the selector text.
 * @returns the compiled selector.
 * @throws SelectorError with the API server's message, e.g.
 *   `unable to parse requirement: found '', expected: identifier`.
 */
export function parseLabelSelector(text: string): LabelSelectorMatcher {
  const reqs = new Parser(lex(text)).parse();
  return reqs.length === 0 ? EVERYTHING : new RequirementsSelector(reqs);
}
