/**
 * A pod's inter-pod affinity terms, parsed once (kube-scheduler `framework.PodInfo`'s
 * `RequiredAffinityTerms`, `RequiredAntiAffinityTerms`, `PreferredAffinityTerms`,
 * `PreferredAntiAffinityTerms` and `framework.AffinityTerm.Matches`).
 *
 * A term's namespaces are its `namespaces`, or the pod's own namespace when both `namespaces` and
 * `namespaceSelector` are unset; a null `namespaceSelector` selects no namespace, an empty one
 * every namespace. A term matches a pod when the pod's namespace is among the term's namespaces
 * or its namespace's labels match the namespace selector, and the pod's labels match the term's
 * label selector (a null label selector matches nothing).
 *
 * Parsing is cached per pod object: the scheduler sees the same object on every cycle.
 */
import type { Pod } from '../../src/api/types.js';
import { nothing, type LabelSelectorMatcher, type Labels } from '../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';

/** One parsed `PodAffinityTerm` (`framework.AffinityTerm`). */
export interface AffinityTerm {
  /** Namespaces the term selects by name. */
  readonly namespaces: ReadonlySet<string>;
  /** Namespaces the term selects by labels ({@link nothing} when unset). */
  readonly namespaceSelector: LabelSelectorMatcher;
  /** The pods the term selects. */
  readonly selector: LabelSelectorMatcher;
  /** The node label whose values are the topology domains. */
  readonly topologyKey: string;
}

/** A preferred term and its weight (`framework.WeightedAffinityTerm`). */
export interface WeightedAffinityTerm extends AffinityTerm {
  /** 1..100. */
  readonly weight: number;
}

/** A pod's parsed inter-pod affinity. */
export interface PodAffinityInfo {
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Set when a term's selector could not be parsed (`parsing pod: ...`). */
  readonly error?: string;
}

interface RawTerm {
  labelSelector?: unknown;
  namespaces?: string[];
  namespaceSelector?: unknown;
  topologyKey?: string;
}

interface RawWeighted {
  weight?: number;
  podAffinityTerm?: RawTerm;
}

const EMPTY: PodAffinityInfo = Object.freeze({
  requiredAffinityTerms: [],
  requiredAntiAffinityTerms: [],
  preferredAffinityTerms: [],
  preferredAntiAffinityTerms: [],
});

const cache = new WeakMap<object, PodAffinityInfo>();

function parseTerm(pod: Pod, t: RawTerm): AffinityTerm {
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && (t.namespaceSelector === undefined || t.namespaceSelector === null)) {
    namespaces.add(pod.metadata?.namespace ?? 'default');
  }
  return {
    namespaces,
    namespaceSelector: labelSelectorFromObject(t.namespaceSelector as never),
    selector: labelSelectorFromObject(t.labelSelector as never),
    topologyKey: t.topologyKey ?? '',
  };
}

/** Whether a pod has `spec.affinity.podAffinity` or `podAntiAffinity` (`PodsWithAffinity`). */
export function hasPodAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  return !!a && (!!a.podAffinity || !!a.podAntiAffinity);
}

/**
 * The parsed affinity terms of a pod (empty lists when it has none). An invalid selector leaves
 * the lists empty and sets `error`, as `framework.NewPodInfo` returns an error.
 */
export function podAffinityInfo(pod: Pod): PodAffinityInfo {
  if (!hasPodAffinity(pod)) return EMPTY;
  const key = pod.spec as object;
  const hit = cache.get(key);
  if (hit && (hit as { ns?: string }).ns === pod.metadata?.namespace) return hit;
  let info: PodAffinityInfo & { ns?: string };
  try {
    const a = pod.spec!.affinity!;
    const req = (list: unknown): AffinityTerm[] => ((list as RawTerm[] | undefined) ?? []).map((t) => parseTerm(pod, t));
    const pref = (list: unknown): WeightedAffinityTerm[] =>
      ((list as RawWeighted[] | undefined) ?? []).map((w) => ({ ...parseTerm(pod, w.podAffinityTerm ?? {}), weight: w.weight ?? 0 }));
    info = {
      requiredAffinityTerms: req(a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
      requiredAntiAffinityTerms: req(a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
      preferredAffinityTerms: pref(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      preferredAntiAffinityTerms: pref(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      ns: pod.metadata?.namespace,
    };
  } catch (error) {
    info = { ...EMPTY, error: error instanceof Error ? error.message : String(error), ns: pod.metadata?.namespace };
  }
  cache.set(key, info);
  return info;
}

/** `AffinityTerm.Matches`: the pod is in one of the term's namespaces and its labels match. */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: Labels | undefined): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  const sel = term.namespaceSelector;
  if (term.namespaces.has(ns) || sel.isEverything || (!sel.isNothing && sel.matches(nsLabels ?? {}))) {
    return term.selector.matches(pod.metadata?.labels);
  }
  return false;
}

/** `podMatchesAllAffinityTerms`: false for no terms. */
export function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: Pod): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, undefined)) return false;
  return true;
}

/**
 * `mergeAffinityTermNamespacesIfNotEmpty`: a term of the incoming pod with a non-empty namespace
 * selector gets the names of the namespaces it selects added to its namespaces, and no selector
 * (an empty selector, which selects every namespace, is kept).
 */
export function mergeTermNamespaces<T extends AffinityTerm>(term: T, namespaces: (selector: LabelSelectorMatcher) => readonly string[]): T {
  const sel = term.namespaceSelector;
  if (sel.isNothing || sel.isEverything) return term;
  const merged = new Set(term.namespaces);
  for (const n of namespaces(sel)) merged.add(n);
  return { ...term, namespaces: merged, namespaceSelector: nothing() };
}
