import { describe, it, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { SelectorError, everything, newRequirement, nothing, parseLabelSelector, selectorFromRequirements, selectorFromSet, type LabelOperator, type LabelRequirement } from '../../src/api/selectors.js';
import { formatLabelSelector, labelSelectorAsSelector, labelSelectorFromObject, matchesLabels, selectorToString } from '../../src/api/label-selector.js';
import { matchesFields, parseFieldSelector, selectableField, supportedFieldLabels } from '../../src/api/field-selectors.js';
import type { KubeObject } from '../../src/api/types.js';
import { budgetSelectsPod } from '../../src/api/disruption-budget.js';

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe('parseLabelSelector', () => {
  it('parses every operator of the string form', () => {
    const s = parseLabelSelector('a=b, c==d,e!=f,g in (x, y),h notin (z),i,!j,k>5,l<3');
    expect(s.requirements.map((r) => [r.key, r.operator, r.values])).toEqual([
      ['a', '=', ['b']],
      ['c', '==', ['d']],
      ['e', '!=', ['f']],
      ['g', 'in', ['x', 'y']],
      ['h', 'notin', ['z']],
      ['i', 'exists', []],
      ['j', '!', []],
      ['k', 'gt', ['5']],
      ['l', 'lt', ['3']],
    ]);
  });

  it('matches as the API server does', () => {
    const s = parseLabelSelector('app=web,tier in (fe,be),env notin (prod),!canary,team');
    expect(s.matches({ app: 'web', tier: 'fe', env: 'dev', team: 'x' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'be', team: 'x' })).toBe(true); // notin: a missing key matches
    expect(s.matches({ app: 'web', tier: 'fe', env: 'prod', team: 'x' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'db', team: 'x' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'fe', team: 'x', canary: 'true' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'fe' })).toBe(false); // team must exist
    expect(s.matches({ app: 'api', tier: 'fe', team: 'x' })).toBe(false);
    expect(s.matches(undefined)).toBe(false);
  });

  it('treats != as "absent or different"', () => {
    const s = parseLabelSelector('env!=prod');
    expect(s.matches({})).toBe(true);
    expect(s.matches({ env: 'dev' })).toBe(true);
    expect(s.matches({ env: 'prod' })).toBe(false);
  });

  it('compares gt/lt numerically and fails non-integers', () => {
    const s = parseLabelSelector('gen>9');
    expect(s.matches({ gen: '10' })).toBe(true);
    expect(s.matches({ gen: '9' })).toBe(false);
    expect(s.matches({ gen: 'ten' })).toBe(false);
    expect(s.matches({})).toBe(false);
    expect(parseLabelSelector('gen<10').matches({ gen: '-3' })).toBe(true);
  });

  it('does not confuse label keys with Object.prototype members', () => {
    expect(parseLabelSelector('constructor').matches({})).toBe(false);
    expect(parseLabelSelector('!toString').matches({})).toBe(true);
    expect(parseLabelSelector('constructor').matches({ constructor: 'x' })).toBe(true);
  });

  it('selects everything for the empty string', () => {
    const s = parseLabelSelector('');
    expect(s.isEverything).toBe(true);
    expect(s.matches({})).toBe(true);
    expect(s.matches(undefined)).toBe(true);
    expect(s.toString()).toBe('');
    expect(parseLabelSelector('   ').isEverything).toBe(true);
  });

  it('accepts empty values and "in" / "notin" as values', () => {
    expect(parseLabelSelector('a=').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in ()').requirements[0]!.values).toEqual(['']);
    expect(parseLabelSelector('a in (x,,y)').requirements[0]!.values).toEqual(['', 'x', 'y']);
    expect(parseLabelSelector('a in (in,notin)').matches({ a: 'notin' })).toBe(true);
    expect(parseLabelSelector('a=in').matches({ a: 'in' })).toBe(true);
  });

  it('accepts prefixed keys', () => {
    const s = parseLabelSelector('app.kubernetes.io/name=nginx');
    expect(s.matches({ 'app.kubernetes.io/name': 'nginx' })).toBe(true);
  });

  it('prints the canonical form: sorted by key, set values sorted, deduplicated', () => {
    expect(parseLabelSelector('z in (b,a,b), a=1, !m').toString()).toBe('a=1,!m,z in (a,b)');
    expect(parseLabelSelector('x==y').toString()).toBe('x==y');
    expect(parseLabelSelector('x>1').toString()).toBe('x>1');
  });

  it('reports the bad part as the API server does', () => {
    expect(parseError('a in x')).toBe("unable to parse requirement: found 'x' expected: '('");
    expect(parseError('a in (x')).toBe("unable to parse requirement: found '', expected: ',' or ')'");
    expect(parseError('a b')).toBe(
      'unable to parse requirement: found \'b\', expected: in, notin, =, ==, !=, gt, lt',
    );
    expect(parseError('a=b,')).toBe("found '', expected: identifier after ','");
    expect(parseError('a=b c')).toBe("found 'c', expected: ',' or 'end of string'");
    expect(parseError(',a')).toBe("found ',', expected: !, identifier, or 'end of string'");
    expect(parseError('!a=b')).toBe("found '=', expected: ',' or 'end of string'");
    expect(parseError('a>x')).toMatch(/^unable to parse requirement: values\[0\]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer/);
  });

  it('validates keys and values', () => {
    expect(parseError('-a=b')).toMatch(/^unable to parse requirement: key: Invalid value: "-a": name part must consist of alphanumeric characters/);
    expect(parseError('Foo_/x=y')).toMatch(/prefix part a lowercase RFC 1123 subdomain/);
    expect(parseError('a/b/c')).toMatch(/a qualified name must consist of/);
    expect(parseError(`${'k'.repeat(64)}=v`)).toMatch(/name part must be no more than 63 characters/);
    expect(parseError('a=-b')).toMatch(/^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/);
    expect(parseError(`a=${'v'.repeat(64)}`)).toMatch(/must be no more than 63 characters/);
  });

  it('answers requiresExactMatch for index lookups', () => {
    const s = parseLabelSelector('app=web,tier in (fe),env in (a,b),x!=y');
    expect(s.requiresExactMatch('app')).toBe('web');
    expect(s.requiresExactMatch('tier')).toBe('fe');
    expect(s.requiresExactMatch('env')).toBeUndefined();
    expect(s.requiresExactMatch('x')).toBeUndefined();
    expect(s.requiresExactMatch('nope')).toBeUndefined();
  });
});

describe('labelSelectorFromObject', () => {
  it('null selects nothing, {} selects everything (LabelSelectorAsSelector)', () => {
    expect(labelSelectorFromObject(null).matches({ a: 'b' })).toBe(false);
    expect(labelSelectorFromObject(undefined).matches({})).toBe(false);
    expect(labelSelectorFromObject(null).isNothing).toBe(true);
    expect(labelSelectorFromObject({}).matches({})).toBe(true);
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).isEverything).toBe(true);
    expect(matchesLabels(null, {})).toBe(false);
    expect(matchesLabels({}, { anything: 'x' })).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const s = labelSelectorFromObject({
      matchLabels: { app: 'nginx' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'api'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(s.matches({ app: 'nginx', tier: 'web', team: 't' })).toBe(true);
    expect(s.matches({ app: 'nginx', tier: 'web', team: 't', legacy: '1' })).toBe(false);
    expect(s.matches({ app: 'nginx', tier: 'db', team: 't' })).toBe(false);
    expect(s.matches({ app: 'nginx', tier: 'web', team: 't', env: 'prod' })).toBe(false);
    expect(s.matches({ app: 'other', tier: 'web', team: 't' })).toBe(false);
    expect(s.toString()).toBe('app=nginx,env notin (prod),!legacy,team,tier in (api,web)');
  });

  it('rejects invalid operators and value counts', () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrow(
      '"Gt" is not a valid label selector operator',
    );
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(
      "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(
      'values set must be empty for exists and does not exist',
    );
    expect(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'v' } })).toThrow(SelectorError);
  });

  it('prints as kubectl does', () => {
    expect(
      selectorToString({ matchLabels: { app: 'nginx' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }),
    ).toBe('app=nginx,tier in (web)');
    expect(selectorToString({})).toBe('');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(null)).toBe('<none>');
    expect(formatLabelSelector({ matchLabels: { app: 'x' } })).toBe('app=x');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Nope' }] })).toBe('<error>');
  });
});

describe('helpers', () => {
  it('everything / nothing / selectorFromSet', () => {
    expect(everything().matches(undefined)).toBe(true);
    expect(nothing().matches({})).toBe(false);
    const s = selectorFromSet({ b: '2', a: '1' });
    expect(s.toString()).toBe('a=1,b=2');
    expect(s.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(s.matches({ a: '1' })).toBe(false);
    expect(selectorFromSet({}).isEverything).toBe(true);
  });

  it('matchesLabels accepts strings, objects and compiled selectors', () => {
    const compiled = parseLabelSelector('a=1');
    expect(matchesLabels(compiled, { a: '1' })).toBe(true);
    expect(matchesLabels('a=1', { a: '2' })).toBe(false);
    expect(matchesLabels({ matchLabels: { a: '1' } }, { a: '1' })).toBe(true);
  });

  it('newRequirement checks value counts', () => {
    expect(() => newRequirement('a', '=', ['x', 'y'])).toThrow('exact-match compatibility requires one single value');
    expect(newRequirement('a', 'in', ['x', 'y']).values).toEqual(['x', 'y']);
  });
});

// --- properties -----------------------------------------------------------------------------

const alnum = fc.constantFrom(...'abcxyzAZ019'.split(''));
const mid = fc.constantFrom(...'abz09-_.'.split(''));
const labelName = fc
  .tuple(alnum, fc.array(mid, { maxLength: 5 }), alnum)
  .map(([a, m, b]) => a + m.join('') + b)
  .filter((s) => s.length <= 63);
const shortName = fc.oneof(alnum, labelName);
const labelKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('app', 'tier', 'env', 'team', 'x') },
  { weight: 1, arbitrary: shortName },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('example.com', 'k8s.io', 'a'), shortName).map(([p, n]) => `${p}/${n}`) },
);
const labelValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('web', 'api', 'prod', 'dev', '', '1', '42') },
  { weight: 1, arbitrary: shortName },
  // keywords and integers are valid values too
  { weight: 1, arbitrary: fc.constantFrom('in', 'notin', '7-7', '007') },
);
const requirement: fc.Arbitrary<LabelRequirement> = fc.oneof(
  fc.record({ key: labelKey, operator: fc.constantFrom<LabelOperator>('=', '==', '!='), values: fc.tuple(labelValue) }),
  fc.record({
    key: labelKey,
    operator: fc.constantFrom<LabelOperator>('in', 'notin'),
    values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ key: labelKey, operator: fc.constantFrom<LabelOperator>('exists', '!'), values: fc.constant([]) }),
  fc.record({ key: labelKey, operator: fc.constantFrom<LabelOperator>('gt', 'lt'), values: fc.tuple(fc.integer({ min: 0, max: 100 }).map(String)) }),
);
const labelSet = fc.dictionary(labelKey, labelValue, { maxKeys: 6 });

describe('selector properties', () => {
  test.prop([fc.array(requirement, { maxLength: 5 }), fc.array(labelSet, { minLength: 1, maxLength: 8 })])(
    'parse(format(s)) matches the same label sets and prints the same',
    (reqs, sets) => {
      const s = selectorFromRequirements(reqs.map((r) => newRequirement(r.key, r.operator, r.values)));
      const text = s.toString();
      const reparsed = parseLabelSelector(text);
      expect(reparsed.toString()).toBe(text);
      for (const l of sets) expect(reparsed.matches(l)).toBe(s.matches(l));
    },
  );

  test.prop([fc.array(requirement, { maxLength: 5 }), labelSet])(
    'a selector matches iff every requirement does (AND)',
    (reqs, labels) => {
      const all = selectorFromRequirements(reqs).matches(labels);
      const each = reqs.every((r) => selectorFromRequirements([r]).matches(labels));
      expect(all).toBe(each);
    },
  );

  test.prop([labelSet])('selectorFromSet(labels) matches the labels and any superset', (labels) => {
    const s = selectorFromSet(labels);
    expect(s.matches(labels)).toBe(true);
    expect(s.matches({ ...labels, 'extra-key': 'v' })).toBe(true);
    expect(parseLabelSelector(s.toString()).matches(labels)).toBe(true);
  });

  test.prop([fc.dictionary(labelKey, labelValue, { maxKeys: 3 }), labelSet])(
    'matchLabels objects agree with their printed form',
    (matchLabels, labels) => {
      const obj = { matchLabels };
      expect(parseLabelSelector(selectorToString(obj)).matches(labels)).toBe(labelSelectorFromObject(obj).matches(labels));
    },
  );
});

// --- field selectors --------------------------------------------------------------------------

const pod = (over: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: { nodeName: 'node-a', schedulerName: 'default-scheduler', containers: [] },
    status: { phase: 'Running' },
    ...over,
  }) as KubeObject;

describe('field selectors', () => {
  it('parses =, == and != terms, sorted', () => {
    const s = parseFieldSelector('status.phase!=Failed,metadata.name==web-1,spec.nodeName=node-a');
    expect(s.requirements).toEqual([
      { field: 'metadata.name', operator: '==', value: 'web-1' },
      { field: 'spec.nodeName', operator: '=', value: 'node-a' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
    ]);
    expect(s.toString()).toBe('metadata.name=web-1,spec.nodeName=node-a,status.phase!=Failed');
    expect(s.matches(pod())).toBe(true);
    expect(s.matches(pod({ status: { phase: 'Failed' } }))).toBe(false);
    expect(s.requiresExactMatch('spec.nodeName')).toBe('node-a');
    expect(s.requiresExactMatch('status.phase')).toBeUndefined();
  });

  it('matches pod fields, unset ones reading as ""', () => {
    const unscheduled = pod({ spec: { containers: [] }, status: { phase: 'Pending' } });
    expect(matchesFields('spec.nodeName=', unscheduled)).toBe(true);
    expect(matchesFields('spec.nodeName!=', unscheduled)).toBe(false);
    expect(matchesFields('spec.nodeName=node-a', pod())).toBe(true);
    expect(matchesFields('spec.schedulerName=default-scheduler', pod())).toBe(true);
    expect(matchesFields('metadata.namespace=default', pod())).toBe(true);
    expect(matchesFields('metadata.namespace=kube-system', pod())).toBe(false);
    expect(matchesFields('spec.hostNetwork=false', pod())).toBe(true);
    expect(matchesFields('status.podIP=10.0.0.1', pod({ status: { podIPs: [{ ip: '10.0.0.1' }] } }))).toBe(true);
  });

  it('matches the event fields kubectl describe asks for', () => {
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.abc', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u-1' },
      reason: 'Scheduled',
      source: { component: 'default-scheduler' },
      type: 'Normal',
    } as KubeObject;
    const s = parseFieldSelector('involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u-1,involvedObject.kind=Pod');
    expect(s.matches(ev)).toBe(true);
    expect(matchesFields('involvedObject.uid=u-2', ev)).toBe(false);
    expect(matchesFields('reason=Scheduled,type=Normal,source=default-scheduler', ev)).toBe(true);
    expect(matchesFields('type=Warning', ev)).toBe(false);
  });

  it('matches secret type, node and namespace fields', () => {
    const secret = { kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, type: 'kubernetes.io/tls' } as KubeObject;
    expect(matchesFields('type=kubernetes.io/tls', secret)).toBe(true);
    const node = { kind: 'Node', metadata: { name: 'n1' }, spec: { unschedulable: true } } as KubeObject;
    expect(matchesFields('spec.unschedulable=true', node)).toBe(true);
    expect(matchesFields('metadata.name=n1', node)).toBe(true);
    expect(() => matchesFields('metadata.namespace=x', node)).toThrow('field label not supported: metadata.namespace');
    const ns = { kind: 'Namespace', metadata: { name: 'default' }, status: { phase: 'Active' } } as KubeObject;
    expect(matchesFields('status.phase=Active', ns)).toBe(true);
  });

  it('rejects unsupported field labels as the API server', () => {
    expect(() => parseFieldSelector('spec.foo=x', 'Pod')).toThrow(new SelectorError('field label not supported: spec.foo', 'field'));
    expect(() => matchesFields('status.phase=Running', { kind: 'Deployment', metadata: { name: 'd' } })).toThrow(
      'field label not supported: status.phase',
    );
    expect(() => parseFieldSelector('type=Opaque', 'ConfigMap')).toThrow('field label not supported: type');
    expect(supportedFieldLabels('Deployment')).toEqual(['metadata.name', 'metadata.namespace']);
    expect(supportedFieldLabels('Pod')).toContain('spec.nodeName');
  });

  it('rejects malformed selectors', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow("invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    expect(() => parseFieldSelector('a=b=c')).toThrow('invalid field selector: unescaped character in value: =');
    expect(() => parseFieldSelector('a=b\\x')).toThrow('invalid field selector: invalid escape sequence');
  });

  it('handles escapes and the empty selector', () => {
    const s = parseFieldSelector('metadata.name=a\\,b\\=c');
    expect(s.requirements[0]!.value).toBe('a,b=c');
    expect(s.toString()).toBe('metadata.name=a\\,b\\=c');
    expect(s.matches(pod({ metadata: { name: 'a,b=c', namespace: 'default' } }))).toBe(true);
    expect(parseFieldSelector('').isEverything).toBe(true);
    expect(parseFieldSelector('').matches({ kind: 'Whatever' })).toBe(true);
  });

  it('forKind binds getters once and validates eagerly', () => {
    const s = parseFieldSelector('spec.nodeName=node-a');
    const bound = s.forKind('Pod');
    expect(bound.matches(pod())).toBe(true);
    expect(bound.forKind('Pod')).toBe(bound);
    expect(() => s.forKind('Service')).toThrow('field label not supported: spec.nodeName');
    expect(selectableField(pod(), 'status.phase')).toBe('Running');
  });

  test.prop([
    fc.array(
      fc.record({
        field: fc.constantFrom('metadata.name', 'spec.nodeName', 'status.phase'),
        operator: fc.constantFrom<'=' | '!='>('=', '!='),
        value: fc.string({ maxLength: 6 }),
      }),
      { maxLength: 4 },
    ),
    fc.string({ maxLength: 6 }),
    fc.string({ maxLength: 6 }),
  ])('parse(format(s)) of field selectors matches the same objects', (terms, name, node) => {
    const text = terms.map((t) => `${t.field}${t.operator}${t.value.replace(/[\\,=]/g, (c) => '\\' + c)}`).join(',');
    const s = parseFieldSelector(text);
    const again = parseFieldSelector(s.toString());
    expect(again.toString()).toBe(s.toString());
    const p = pod({ metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [] } });
    expect(again.matches(p)).toBe(s.matches(p));
    const expected = terms.every((t) => {
      const v = t.field === 'metadata.name' ? name : t.field === 'spec.nodeName' ? node : 'Running';
      return t.operator === '=' ? v === t.value : v !== t.value;
    });
    expect(s.matches(p)).toBe(expected);
  });
});

describe('many label sets', () => {
  it('matches 10 x 150,000 label sets with a compiled selector (speed is the benchmark\'s, not asserted)', () => {
    const s = parseLabelSelector('app=web,tier in (fe,be,db),!canary');
    const sets = Array.from({ length: 150_000 }, (_, i) => ({ app: i % 2 ? 'web' : 'api', tier: ['fe', 'be', 'db', 'x'][i % 4]!, 'pod-template-hash': String(i) }));
    const f = parseFieldSelector('spec.nodeName=node-a').forKind('Pod');
    const p = pod();
    let n = 0;
    for (let round = 0; round < 10; round++) for (const l of sets) if (s.matches(l) && f.matches(p)) n++;
    expect(n).toBe(375_000);
  });
});

describe('labelSelectorAsSelector (LabelSelectorAsSelector with its error as a value)', () => {
  it('converts as labelSelectorFromObject: nil selects nothing, {} everything', () => {
    expect(labelSelectorAsSelector(undefined)).toBe(nothing());
    expect(labelSelectorAsSelector(null)).toBe(nothing());
    expect((labelSelectorAsSelector({}) as { isEverything: boolean }).isEverything).toBe(true);
    const s = labelSelectorAsSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] });
    expect(s).not.toBeInstanceOf(SelectorError);
    expect((s as { matches(l: object): boolean }).matches({ app: 'web', tier: 'be' })).toBe(true);
    expect((s as { matches(l: object): boolean }).matches({ app: 'web', tier: 'fe' })).toBe(false);
  });
  it("returns Go's error for what does not convert", () => {
    expect(labelSelectorAsSelector({ matchExpressions: [{ key: 'app', operator: 'In' }] })).toEqual(
      new SelectorError("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty", 'label'),
    );
    expect((labelSelectorAsSelector({ matchExpressions: [{ key: 'app', operator: 'Foo' }] }) as Error).message).toBe('"Foo" is not a valid label selector operator');
    expect(labelSelectorAsSelector({ matchLabels: { app: 1 } })).toBeInstanceOf(SelectorError);
    expect(labelSelectorAsSelector({ matchExpressions: [null] })).toBeInstanceOf(SelectorError);
    expect(labelSelectorAsSelector('app=web')).toBeInstanceOf(SelectorError);
  });
});

describe('budgetSelectsPod (the PDB lister: GetPodPodDisruptionBudgets)', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } } };
  const pdb = (selector: unknown, namespace = 'default') => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace }, spec: { selector } });
  it('selects by namespace and selector; nil selects none, {} all, a selector that does not convert none', () => {
    expect(budgetSelectsPod(pdb({ matchLabels: { app: 'web' } }), pod)).toBe(true);
    expect(budgetSelectsPod(pdb({ matchLabels: { app: 'web' } }, 'other'), pod)).toBe(false);
    expect(budgetSelectsPod(pdb(undefined), pod)).toBe(false);
    expect(budgetSelectsPod(pdb({}), pod)).toBe(true);
    expect(budgetSelectsPod(pdb({ matchExpressions: [{ key: 'app', operator: 'NotIn' }] }), pod)).toBe(false);
  });
});
