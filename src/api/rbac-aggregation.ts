/**
 * ClusterRole aggregation, the computation of kube's clusterrole-aggregation-controller
 * (`pkg/controller/clusterroleaggregation`, `syncClusterRole`): the rules of a ClusterRole with an
 * `aggregationRule` are the union of the rules of every other ClusterRole any of its
 * `clusterRoleSelectors` matches, selector by selector, the matched roles in name order, each
 * rule kept once (`ruleExists`: semantic equality, where an empty list equals an absent one).
 *
 * @packageDocumentation
 */
import type { ClusterRole, PolicyRule } from './types.js';
import { labelSelectorAsSelector } from './label-selector.js';
import { SelectorError } from './selectors.js';

const RULE_LISTS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** `equality.Semantic.DeepEqual` of two PolicyRules (lists in order; nil equals empty). */
function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return RULE_LISTS.every((k) => sameList(a[k], b[k]));
}

/** `equality.Semantic.DeepEqual` of two rule lists. */
export function sameRules(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => sameRule(r, y[i]!));
}

/**
 * The rules `role` aggregates from `all` (the ClusterRoles the controller's lister holds), or
 * undefined when `role` has no `aggregationRule`.
 *
 * @throws SelectorError when a selector does not convert (`LabelSelectorAsSelector`'s error: the
 *   controller's sync fails and retries).
 */
export function aggregateRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!role.aggregationRule) return undefined;
  const rules: PolicyRule[] = [];
  const byName = [...all].sort((a, b) => {
    const x = a.metadata?.name ?? '';
    const y = b.metadata?.name ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (const selector of selectors ?? []) {
    const matcher = labelSelectorAsSelector(selector);
    if (matcher instanceof SelectorError) throw matcher;
    for (const other of byName) {
      if (other.metadata?.name === role.metadata?.name || !matcher.matches(other.metadata?.labels)) continue;
      for (const r of other.rules ?? []) if (!rules.some((have) => sameRule(have, r))) rules.push(r);
    }
  }
  return rules;
}

/**
 * Aggregates every aggregated ClusterRole of `roles` in place until nothing changes, as the
 * controller converges (an aggregated role may select another: `edit` selects `view`).
 */
export function aggregateAll(roles: ClusterRole[]): void {
  for (let pass = 0; pass <= roles.length; pass++) {
    let changed = false;
    for (const role of roles) {
      const rules = aggregateRules(role, roles);
      if (rules === undefined || sameRules(rules, role.rules)) continue;
      role.rules = rules;
      changed = true;
    }
    if (!changed) return;
  }
  throw new Error('ClusterRole aggregation did not converge');
}
