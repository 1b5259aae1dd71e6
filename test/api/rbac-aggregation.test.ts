import { describe, expect, it } from 'vitest';
import { aggregateRules, sameRules } from '../../src/api/rbac-aggregation.js';
import type { ClusterRole, PolicyRule } from '../../src/api/types.js';

// The cases of kube's clusterroleaggregation_controller_test.go (TestSyncClusterRole).
const hammerRules = (): PolicyRule[] => [
  { verbs: ['hammer'], resources: ['nails'] },
  { verbs: ['hammer'], resources: ['wedges'] },
];
const chiselRules = (): PolicyRule[] => [{ verbs: ['chisel'], resources: ['mortises'] }];
const sawRules = (): PolicyRule[] => [{ verbs: ['saw'], resources: ['boards'] }];
const role = (name: string, labels: Record<string, string>, rules: PolicyRule[]): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
});
const combinedRole = (selectors: Record<string, string>[], ...rules: PolicyRule[][]): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'combined' },
  aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) },
  rules: rules.flat(),
});

/** The sync's decision: the rules it would apply, or undefined when it writes nothing. */
function sync(roles: ClusterRole[], name: string): PolicyRule[] | undefined {
  const r = roles.find((x) => x.metadata?.name === name)!;
  const rules = aggregateRules(r, roles);
  return rules === undefined || sameRules(rules, r.rules) ? undefined : rules;
}

describe('ClusterRole aggregation (kube TestSyncClusterRole)', () => {
  const cases: { name: string; roles: ClusterRole[]; expected: PolicyRule[] | undefined }[] = [
    {
      name: 'remove dead rules',
      roles: [role('hammer', { foo: 'bar' }, hammerRules()), combinedRole([{ foo: 'bar' }], sawRules())],
      expected: hammerRules(),
    },
    {
      name: 'strip rules',
      roles: [role('hammer', { foo: 'not-bar' }, hammerRules()), combinedRole([{ foo: 'bar' }], hammerRules())],
      expected: [],
    },
    {
      name: 'select properly and put in order',
      roles: [
        role('hammer', { foo: 'bar' }, hammerRules()),
        role('chisel', { foo: 'bar' }, chiselRules()),
        role('saw', { foo: 'not-bar' }, sawRules()),
        combinedRole([{ foo: 'bar' }]),
      ],
      expected: [...chiselRules(), ...hammerRules()],
    },
    {
      name: 'select properly with multiple selectors',
      roles: [
        role('hammer', { foo: 'bar' }, hammerRules()),
        role('chisel', { foo: 'bar' }, chiselRules()),
        role('saw', { foo: 'not-bar' }, sawRules()),
        combinedRole([{ foo: 'bar' }, { foo: 'not-bar' }]),
      ],
      expected: [...chiselRules(), ...hammerRules(), ...sawRules()],
    },
    {
      name: 'select properly remove duplicates',
      roles: [
        role('hammer', { foo: 'bar' }, hammerRules()),
        role('chisel', { foo: 'bar' }, chiselRules()),
        role('saw', { foo: 'bar' }, sawRules()),
        role('other-saw', { foo: 'not-bar' }, sawRules()),
        combinedRole([{ foo: 'bar' }, { foo: 'not-bar' }]),
      ],
      expected: [...chiselRules(), ...hammerRules(), ...sawRules()],
    },
    {
      name: 'no diff skip',
      roles: [role('hammer', { foo: 'bar' }, hammerRules()), combinedRole([{ foo: 'bar' }], hammerRules())],
      expected: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(sync(c.roles, 'combined')).toEqual(c.expected);
    });
  }

  it('leaves a role without aggregationRule alone, and treats an empty list as an absent one', () => {
    expect(aggregateRules(role('hammer', {}, hammerRules()), [])).toBeUndefined();
    expect(sameRules([{ verbs: ['get'], resources: ['pods'], apiGroups: [] }], [{ verbs: ['get'], resources: ['pods'] }])).toBe(true);
    expect(sameRules([{ verbs: ['get', 'list'], resources: ['pods'] }], [{ verbs: ['list', 'get'], resources: ['pods'] }])).toBe(false);
  });

  it('refuses a selector that does not convert', () => {
    const bad: ClusterRole = { ...combinedRole([]), aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Foo' }] }] } };
    expect(() => aggregateRules(bad, [bad])).toThrow(/"Foo" is not a valid label selector operator/);
  });
});
