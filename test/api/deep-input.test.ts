import { describe, expect, it } from 'vitest';
import { boundDeepValues, codeAtPointer, deeperThan, deepValues, dottedPath, emptiedAt } from '../../src/api/deep-input.js';
import { rootStruct } from '../../src/api/decoding.js';

const nested = (n: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const POD = `@${rootStruct('v1', 'Pod')!}`;

describe('deep input', () => {
  it('deeperThan counts levels of arrays and objects without recursion (50,000 levels)', () => {
    expect(deeperThan(nested(3), 3)).toBe(false);
    expect(deeperThan(nested(4), 3)).toBe(true);
    expect(deeperThan('x', 0)).toBe(false);
    expect(deeperThan(nested(50_000), 100)).toBe(true);
  });

  it('classifies deep values by where the types put them, in document order', () => {
    const body = {
      metadata: { name: 'p', labels: { a: nested(200) }, managedFields: [{ fieldsV1: nested(200) }] },
      spec: { containers: [{ name: 'c', image: 'i', foo: nested(200) }], bar: nested(200) },
      baz: nested(5),
    };
    expect(deepValues(body, POD, 100)).toEqual([
      { kind: 'mismatch', path: ['metadata', 'labels', 'a'] },
      { kind: 'free-form', path: ['metadata', 'managedFields', 0, 'fieldsV1'] },
      { kind: 'unknown', path: ['spec', 'containers', 0, 'foo'] },
      { kind: 'unknown', path: ['spec', 'bar'] },
    ]);
    // a strategic merge patch's directives are free-form
    expect(deepValues({ spec: { $retainKeys: nested(200) } }, POD, 100, { directives: true })).toEqual([{ kind: 'free-form', path: ['spec', '$retainKeys'] }]);
    expect(deepValues({ spec: { $retainKeys: nested(200) } }, POD, 100)).toEqual([{ kind: 'unknown', path: ['spec', '$retainKeys'] }]);
  });

  it('emptiedAt replaces values by empty ones of the same JSON kind, copying only along the paths', () => {
    const body = { a: { b: [1, { c: [[1]] }], d: { e: 1 } }, f: { g: 1 } };
    const out = emptiedAt(body, [['a', 'b', 1, 'c'], ['a', 'd']]);
    expect(out).toEqual({ a: { b: [1, { c: [] }], d: {} }, f: { g: 1 } });
    expect(out.f).toBe(body.f);
    expect(body.a.d).toEqual({ e: 1 });
  });

  it('codeAtPointer follows a JSON pointer through the types; undefined where the kind has no such field', () => {
    expect(codeAtPointer(POD, '/spec/containers/0/name')).toBe('string');
    expect(codeAtPointer(POD, '/metadata/labels/app')).toBe('string');
    expect(codeAtPointer(POD, '/metadata/managedFields/0/fieldsV1/x')).toBe('any');
    expect(codeAtPointer(POD, '/spec/nope')).toBeUndefined();
    expect(codeAtPointer(POD, 'spec')).toBeUndefined();
  });

  it('boundDeepValues empties unknown and mismatched values, reports a free-form one, and leaves shallow bodies alone', () => {
    const shallow = { metadata: { name: 'p' } };
    expect(boundDeepValues(shallow, POD).body).toBe(shallow);
    expect(boundDeepValues({ metadata: { name: 'p' }, zz: nested(200) }, POD)).toEqual({ body: { metadata: { name: 'p' }, zz: [] } });
    expect(boundDeepValues({ metadata: { managedFields: [{ fieldsV1: nested(200) }] } }, POD).freeForm).toEqual(['metadata', 'managedFields', 0, 'fieldsV1']);
    const ops = [
      { op: 'add', path: '/spec/zz', value: nested(200) },
      { op: 'add', path: '/metadata/labels/a', value: nested(200) },
      { op: 'remove', path: '/spec' },
    ];
    expect(boundDeepValues(ops, POD, 'json').body).toEqual([
      { op: 'add', path: '/spec/zz', value: [] },
      { op: 'add', path: '/metadata/labels/a', value: [] },
      { op: 'remove', path: '/spec' },
    ]);
    expect(dottedPath(['spec', 'containers', 0, 'foo'])).toBe('spec.containers[0].foo');
  });
});
