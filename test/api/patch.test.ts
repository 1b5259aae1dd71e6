import { describe, it, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { jsonPatch, parseJsonPointer, type JsonPatchOperation } from '../../src/api/json-patch.js';
import { createJsonMergePatch, jsonMergePatch } from '../../src/api/merge-patch.js';
import { PatchError, jsonEqual, patchSchemaFor, strategicPatchKinds, type JsonValue } from '../../src/api/patch.js';
import { createThreeWayMergePatch, createTwoWayMergePatch, strategicMergePatch } from '../../src/api/strategic-merge-patch.js';

/** Deep-freezes a value, so that any mutation by the code under test throws (ESM is strict mode). */
function frozen<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) frozen((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

function patchError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PatchError);
    return (e as Error).message;
  }
  throw new Error('expected a PatchError');
}

// ---------------------------------------------------------------------------------------------

describe('jsonMergePatch (RFC 7386)', () => {
  // RFC 7386, Appendix A
  const cases: Array<[JsonValue, JsonValue, JsonValue]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j = %j', (target, patch, result) => {
    expect(jsonMergePatch(frozen(target), frozen(patch))).toEqual(result);
  });

  it('is what kubectl scale sends', () => {
    const d = frozen({ kind: 'Deployment', spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } });
    expect(jsonMergePatch(d, { spec: { replicas: 3 } })).toEqual({ ...d, spec: { ...d.spec, replicas: 3 } });
  });

  it('replaces lists wholesale (why apply needs strategic merge)', () => {
    const pod = { spec: { containers: [{ name: 'c', image: 'nginx:1', imagePullPolicy: 'IfNotPresent' }] } };
    expect(jsonMergePatch(pod, { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } })).toEqual({
      spec: { containers: [{ name: 'c', image: 'nginx:2' }] },
    });
  });

  it('does not alias its inputs', () => {
    const patch = { a: { b: [1] } };
    const out = jsonMergePatch({}, patch) as { a: { b: number[] } };
    out.a.b.push(2);
    expect(patch.a.b).toEqual([1]);
  });

  it('drops undefined properties and converts objects with toJSON', () => {
    expect(jsonMergePatch({ a: 1, b: undefined }, { c: { toJSON: () => ({ d: 1 }) } })).toEqual({ a: 1, c: { d: 1 } });
  });

  it('creates merge patches', () => {
    expect(createJsonMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { a: 1, b: { c: 4 }, e: [1, 2], f: 'x' })).toEqual({
      b: { c: 4, d: null },
      e: [1, 2],
      f: 'x',
    });
    expect(createJsonMergePatch({ a: 1 }, { a: 1 })).toEqual({});
  });
});

// fast-check JSON with object values free of null (a merge patch cannot express those) and no __proto__ keys.
const key = fc.string({ maxLength: 4 }).filter((k) => k !== '__proto__');
const { doc } = fc.letrec<{ doc: JsonValue; obj: Record<string, JsonValue> }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 3 }),
    fc.integer({ min: -5, max: 5 }),
    fc.boolean(),
    fc.array(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 }), tie('obj')), { maxLength: 3 }),
    tie('obj'),
  ),
  obj: fc.dictionary(key, tie('doc'), { maxKeys: 4 }),
}));

describe('patches that are not JSON', () => {
  it('are refused with the place of the value named', () => {
    expect(() => jsonMergePatch({ a: 1 }, { spec: { containers: [{ name: 'c', ports: [Number.NaN] }] } })).toThrow(new PatchError('not a JSON value at "/spec/containers/0/ports/0": NaN'));
    expect(() => jsonMergePatch({ a: 1 }, { status: { at: () => 1 } })).toThrow(new PatchError('not a JSON value at "/status/at": function'));
    expect(() => jsonMergePatch({ a: 1 }, { n: Infinity })).toThrow(PatchError);
  });

  it('copy undefined properties away and undefined array items to null, and convert objects with toJSON', () => {
    const model = { toJSON: () => ({ kind: 'Pod', extra: undefined }) };
    expect(jsonMergePatch({}, { a: undefined, b: [1, undefined, 3], c: model })).toEqual({ b: [1, null, 3], c: { kind: 'Pod' } });
  });
});

describe('merge patch properties', () => {
  test.prop([doc, doc])('merge patch of a diff reproduces the target', (a, b) => {
    const p = createJsonMergePatch(frozen(a), frozen(b));
    expect(jsonMergePatch(a, p)).toEqual(b);
  });

  test.prop([doc])('the diff of a document with itself changes nothing', (a) => {
    expect(jsonMergePatch(a, createJsonMergePatch(a, a))).toEqual(a);
  });
});

// ---------------------------------------------------------------------------------------------

describe('jsonPatch (RFC 6902)', () => {
  // RFC 6902, Appendix A
  it('A.1-A.4 add and remove members and elements', () => {
    expect(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({ baz: 'qux', foo: 'bar' });
    expect(jsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({ foo: ['bar', 'qux', 'baz'] });
    expect(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
    expect(jsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({ foo: ['bar', 'baz'] });
  });

  it('A.5-A.7 replace and move', () => {
    expect(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo', foo: 'bar' });
    expect(
      jsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
    ).toEqual({ foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
    expect(jsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }])).toEqual({
      foo: ['all', 'cows', 'eat', 'grass'],
    });
  });

  it('A.8-A.9 test', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(jsonPatch(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }])).toEqual(doc);
    expect(patchError(() => jsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]))).toBe(
      'json patch operation 0 (test) failed: value at "/baz" is "qux", not "bar"',
    );
  });

  it('A.10-A.16 nested add, missing targets, arrays as values, escapes, types', () => {
    expect(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }])).toEqual({ foo: 'bar', child: { grandchild: {} } });
    expect(patchError(() => jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]))).toBe(
      'json patch operation 0 (add) failed: path "/baz/bat" does not exist',
    );
    expect(jsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }])).toEqual({ '/': 9, '~1': 10 });
    expect(() => jsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }])).toThrow(PatchError);
    expect(jsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({ foo: ['bar', ['abc', 'def']] });
  });

  it('copies, replaces the root, and compares objects regardless of key order', () => {
    const out = jsonPatch({ a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }]) as { a: { b: number[] }; c: { b: number[] } };
    expect(out).toEqual({ a: { b: [1] }, c: { b: [1] } });
    out.c.b.push(2);
    expect(out.a.b).toEqual([1]); // a copy, not an alias
    expect(jsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }])).toEqual([1]);
    expect(jsonPatch({ a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }])).toEqual({ a: { x: 1, y: 2 } });
  });

  it('edits Kubernetes objects as kubectl patch --type json does', () => {
    const d = frozen({ spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } });
    const ops: JsonPatchOperation[] = [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:2' },
      { op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'A', value: '1' }] },
    ];
    expect(jsonPatch(d, ops)).toEqual({
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'nginx:2', env: [{ name: 'A', value: '1' }] }] } } },
    });
  });

  it('is all or nothing and names the failing operation', () => {
    const doc = frozen({ a: [1, 2] });
    expect(patchError(() => jsonPatch(doc, [{ op: 'remove', path: '/a/0' }, { op: 'remove', path: '/a/5' }]))).toBe(
      'json patch operation 1 (remove) failed: path "/a/5" does not exist',
    );
    expect(doc).toEqual({ a: [1, 2] });
    expect(patchError(() => jsonPatch(doc, [{ op: 'add', path: '/a/3', value: 0 }]))).toMatch(/operation 0 \(add\) failed: index "3" is out of bounds/);
    expect(patchError(() => jsonPatch(doc, [{ op: 'replace', path: '/b', value: 0 }]))).toMatch(/path "\/b" does not exist/);
    expect(patchError(() => jsonPatch(doc, [{ op: 'move', from: '/a', path: '/a/0' }]))).toMatch(/cannot move "\/a" into its own child/);
    expect(patchError(() => jsonPatch(doc, [{ op: 'nope', path: '/a' } as unknown as JsonPatchOperation]))).toBe(
      'json patch operation 0: unknown op "nope"',
    );
    expect(patchError(() => jsonPatch(doc, [{ op: 'add', path: '/x' } as unknown as JsonPatchOperation]))).toBe(
      'json patch operation 0 (add) has no "value"',
    );
    expect(patchError(() => jsonPatch(doc, [{ op: 'add', path: 'x', value: 1 }]))).toMatch(/invalid JSON pointer "x"/);
    expect(patchError(() => jsonPatch(doc, [{ op: 'add', path: '/a/01', value: 1 }]))).toMatch(/out of bounds/);
  });

  it('parses and escapes pointers', () => {
    expect(parseJsonPointer('')).toEqual([]);
    expect(parseJsonPointer('/a~1b/~0c/')).toEqual(['a/b', '~c', '']);
    expect(() => parseJsonPointer('/a~2')).toThrow(PatchError);
  });
});

// ---------------------------------------------------------------------------------------------

const pod = () =>
  frozen({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'u-1',
      labels: { app: 'web' },
      finalizers: ['a', 'b'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-1', controller: true }],
    },
    spec: {
      nodeName: 'node-a',
      containers: [
        {
          name: 'app',
          image: 'nginx:1',
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        { name: 'sidecar', image: 'busybox' },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  });

describe('strategicMergePatch', () => {
  it('merges containers by name, keeping fields the patch does not mention', () => {
    const out = strategicMergePatch(pod(), { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } }, 'Pod');
    expect(out.spec.containers).toEqual([{ ...pod().spec.containers[0], image: 'nginx:2' }, pod().spec.containers[1]]);
    expect(out.spec.nodeName).toBe('node-a');
    expect(out.status).toEqual(pod().status);
  });

  it('appends new list items and merges env by name, ports by containerPort, mounts by mountPath', () => {
    const out = strategicMergePatch(
      pod(),
      {
        spec: {
          containers: [
            {
              name: 'app',
              env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }],
              ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }],
              volumeMounts: [{ mountPath: '/data', readOnly: true }],
            },
            { name: 'new', image: 'redis' },
          ],
        },
      },
      'Pod',
    );
    const app = out.spec.containers[0]!;
    expect(app.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '20' }, { name: 'C', value: '3' }]);
    expect(app.ports).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
    expect(app.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
    // As apimachinery's mergeSortedSlice: items new to the list go before the server-only items that follow.
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app', 'new', 'sidecar']);
  });

  it('deletes list items with $patch: delete and keys with null', () => {
    const out = strategicMergePatch(
      pod(),
      {
        metadata: { labels: { app: null, tier: 'fe' } },
        spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'app', env: [{ name: 'A', $patch: 'delete' }], imagePullPolicy: null }] },
      },
      'Pod',
    );
    expect(out.metadata.labels).toEqual({ tier: 'fe' });
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(out.spec.containers[0]).not.toHaveProperty('imagePullPolicy');
    expect(out.spec.containers[0]!.env).toEqual([{ name: 'B', value: '2' }]);
  });

  it('replaces a list with a $patch: replace item, and a map with $patch: replace', () => {
    const out = strategicMergePatch(pod(), { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } }, 'Pod');
    expect(out.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
    const out2 = strategicMergePatch(pod(), { metadata: { labels: { $patch: 'replace', fresh: 'yes' } } }, 'Pod');
    expect(out2.metadata.labels).toEqual({ fresh: 'yes' });
  });

  it('clears a map with $patch: delete', () => {
    const out = strategicMergePatch(pod(), { metadata: { labels: { $patch: 'delete' } } }, 'Pod');
    expect(out.metadata.labels).toEqual({});
  });

  it('orders list items with $setElementOrder, keeping server-only items', () => {
    const out = strategicMergePatch(
      pod(),
      {
        spec: {
          containers: [{ name: 'app', image: 'nginx:3' }],
          '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
        },
      },
      'Pod',
    );
    expect(out.spec.containers.map((c) => [c.name, c.image])).toEqual([
      ['sidecar', 'busybox'],
      ['app', 'nginx:3'],
    ]);
    const out2 = strategicMergePatch(
      pod(),
      { spec: { containers: [{ name: 'app', env: [{ name: 'C', value: '3' }], '$setElementOrder/env': [{ name: 'C' }, { name: 'B' }, { name: 'A' }] }] } },
      'Pod',
    );
    expect(out2.spec.containers[0]!.env!.map((e) => e.name)).toEqual(['C', 'B', 'A']);
  });

  it('merges finalizers as a set and deletes with $deleteFromPrimitiveList', () => {
    const out = strategicMergePatch(pod(), { metadata: { finalizers: ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] } }, 'Pod');
    expect([...out.metadata.finalizers].sort()).toEqual(['a', 'c']);
    const out2 = strategicMergePatch(pod(), { metadata: { finalizers: ['c', 'a'], '$setElementOrder/finalizers': ['c', 'a', 'b'] } }, 'Pod');
    expect(out2.metadata.finalizers).toEqual(['c', 'a', 'b']);
    // the patch list must follow the order it announces
    expect(patchError(() => strategicMergePatch(pod(), { metadata: { finalizers: ['a', 'c'], '$setElementOrder/finalizers': ['c', 'a'] } }, 'Pod'))).toMatch(
      /^The order in patch list/,
    );
  });

  it('merges ownerReferences by uid and pod conditions by type', () => {
    const out = strategicMergePatch(
      pod(),
      {
        metadata: { ownerReferences: [{ uid: 'rs-1', blockOwnerDeletion: true }, { apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'n-1' }] },
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }] },
      },
      'Pod',
    );
    expect(out.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-1', controller: true, blockOwnerDeletion: true },
      { apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'n-1' },
    ]);
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      { type: 'PodScheduled', status: 'True' },
    ]);
  });

  it('replaces lists without a strategy (tolerations)', () => {
    const out = strategicMergePatch(pod(), { spec: { tolerations: [{ key: 'other', operator: 'Exists' }] } }, 'Pod');
    expect(out.spec.tolerations).toEqual([{ key: 'other', operator: 'Exists' }]);
  });

  it('clears keys not in $retainKeys (volume source change)', () => {
    const out = strategicMergePatch(
      pod(),
      { spec: { volumes: [{ name: 'data', configMap: { name: 'cm' }, $retainKeys: ['configMap', 'name'] }] } },
      'Pod',
    );
    expect(out.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cm' } }]);
    expect(patchError(() => strategicMergePatch(pod(), { spec: { volumes: [{ name: 'data', secret: {}, $retainKeys: ['name'] }] } }, 'Pod'))).toMatch(
      /invalid patch format of retainKeys/,
    );
  });

  it('knows Deployment templates, Service ports and Node conditions', () => {
    const dep = frozen({
      kind: 'Deployment',
      spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, template: { spec: { containers: [{ name: 'c', image: 'a', imagePullPolicy: 'Always' }] } } },
    });
    const d2 = strategicMergePatch(dep, { spec: { template: { spec: { containers: [{ name: 'c', image: 'b' }] } } } });
    expect(d2.spec.template.spec.containers).toEqual([{ name: 'c', image: 'b', imagePullPolicy: 'Always' }]);
    const d3 = strategicMergePatch(dep, { spec: { strategy: { type: 'Recreate', rollingUpdate: null, $retainKeys: ['type'] } } });
    expect(d3.spec.strategy).toEqual({ type: 'Recreate' });

    const svc = frozen({ kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    expect(strategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }).spec.ports).toEqual([
      { port: 80, targetPort: 9090, protocol: 'TCP' },
    ]);

    const node = frozen({ kind: 'Node', status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }] } });
    expect(strategicMergePatch(node, { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).status.conditions).toEqual([
      { type: 'Ready', status: 'Unknown' },
      { type: 'MemoryPressure', status: 'False' },
    ]);
    expect(strategicPatchKinds()).toEqual(expect.arrayContaining(['Pod', 'Deployment', 'ReplicaSet', 'Service', 'PodTemplate']));
    expect(patchSchemaFor('Widget')).toBeUndefined();
  });

  it('uses merge-patch semantics for unknown kinds', () => {
    const cr = frozen({ kind: 'Widget', spec: { items: [{ name: 'a', x: 1 }], m: { a: 1 } } });
    expect(strategicMergePatch(cr, { spec: { items: [{ name: 'a', y: 2 }], m: { b: 2 } } })).toEqual({
      kind: 'Widget',
      spec: { items: [{ name: 'a', y: 2 }], m: { a: 1, b: 2 } },
    });
  });

  it('reports malformed patches', () => {
    expect(patchError(() => strategicMergePatch(pod(), { spec: { containers: [{ image: 'x' }] } }, 'Pod'))).toBe(
      'map: {"image":"x"} does not contain declared merge key: name',
    );
    expect(patchError(() => strategicMergePatch(pod(), { spec: { containers: [{ name: 'app', $patch: 'explode' }] } }, 'Pod'))).toMatch(
      /^unknown patch type: explode in map/,
    );
    expect(patchError(() => strategicMergePatch(pod(), { metadata: { labels: { $patch: 'merge' } } }, 'Pod'))).toMatch(/unknown patch type: merge/);
    expect(patchError(() => strategicMergePatch(pod(), [], 'Pod'))).toBe('a strategic merge patch must be a JSON object');
    expect(patchError(() => strategicMergePatch(pod(), { metadata: { '$setElementOrderX': [] } }, 'Pod'))).toMatch(/setElementOrder/);
    expect(patchError(() => strategicMergePatch(pod(), { spec: { containers: ['x'] } }, 'Pod'))).toMatch(/list element types are not identical/);
  });

  it('never mutates its inputs (both are deep-frozen here) and does not alias them', () => {
    const patch = frozen({ spec: { containers: [{ name: 'new', image: 'x', env: [{ name: 'A', value: '1' }] }] } });
    const out = strategicMergePatch(pod(), patch, 'Pod');
    out.spec.containers.find((c) => c.name === 'new')!.env!.push({ name: 'B', value: '2' });
    expect(patch.spec.containers[0]!.env).toHaveLength(1);
  });
});

// Plain maps: keys that are neither directives nor fields with patch metadata.
const plainKey = fc.string({ maxLength: 4 }).filter((k) => !k.startsWith('$') && k !== '__proto__' && k !== 'metadata');
const { plain } = fc.letrec<{ plain: JsonValue; map: Record<string, JsonValue> }>((tie) => ({
  plain: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.string({ maxLength: 3 }), fc.integer(), fc.array(fc.integer(), { maxLength: 3 }), tie('map')),
  map: fc.dictionary(plainKey, tie('plain'), { maxKeys: 4 }),
}));
const plainMap = fc.dictionary(plainKey, plain, { maxKeys: 5 });

describe('strategic merge patch properties', () => {
  test.prop([plainMap, plainMap, fc.constantFrom('ConfigMap', 'Widget', 'Pod')])(
    'with no directives on plain maps it equals a JSON merge patch',
    (target, patch, kind) => {
      expect(strategicMergePatch(frozen(target), frozen(patch), kind)).toEqual(jsonMergePatch(target, patch));
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Generated pods for the diff properties

const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 4 });
const env = names.chain((ns) => fc.tuple(...ns.map((n) => fc.constantFrom('1', '2').map((value) => ({ name: n, value })))));
const container = (name: string) =>
  fc.record(
    {
      name: fc.constant(name),
      image: fc.constantFrom('nginx:1', 'nginx:2', 'redis'),
      env,
      ports: fc.uniqueArray(fc.constantFrom(80, 443, 8080), { maxLength: 2 }).map((ps) => ps.map((containerPort) => ({ containerPort }))),
      args: fc.array(fc.constantFrom('-v', '--x'), { maxLength: 2 }),
    },
    { requiredKeys: ['name', 'image'] },
  );
const manifest = fc
  .record({
    labels: fc.dictionary(fc.constantFrom('app', 'tier', 'env'), fc.constantFrom('x', 'y'), { maxKeys: 3 }),
    containers: fc.uniqueArray(fc.constantFrom('web', 'side', 'init'), { minLength: 1, maxLength: 3 }).chain((ns) => fc.tuple(...ns.map(container))),
    finalizers: fc.uniqueArray(fc.constantFrom('f1', 'f2', 'f3'), { maxLength: 3 }),
    restartPolicy: fc.option(fc.constantFrom('Always', 'Never'), { nil: undefined }),
  })
  .map((m) => {
    const metadata: Record<string, unknown> = { name: 'p', labels: m.labels };
    if (m.finalizers.length > 0) metadata.finalizers = m.finalizers;
    const spec: Record<string, unknown> = { containers: m.containers };
    if (m.restartPolicy) spec.restartPolicy = m.restartPolicy;
    return JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec })) as PodManifest;
  });

interface PodManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string>; finalizers?: string[]; uid?: string };
  spec: { containers: Array<Record<string, unknown> & { name: string }>; restartPolicy?: string; nodeName?: string };
  status?: unknown;
}

/** The live object the server would hold after creating `m`: defaults and server-set fields added. */
function live(m: PodManifest, serverLabel: boolean): PodManifest {
  const c = structuredClone(m);
  c.metadata.uid = 'uid-1';
  if (serverLabel) c.metadata.labels = { ...c.metadata.labels, 'pod-template-hash': 'h' };
  c.spec.nodeName = 'node-1';
  c.spec.restartPolicy ??= 'Always';
  for (const ct of c.spec.containers) ct.imagePullPolicy = 'IfNotPresent';
  c.status = { phase: 'Running', podIP: '10.0.0.1' };
  return c;
}

describe('createTwoWayMergePatch / createThreeWayMergePatch', () => {
  it('computes what kubectl apply sends', () => {
    const last = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'a', old: 'x' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'side', image: 'busybox' }] },
    };
    const modified = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'a' } },
      spec: { containers: [{ name: 'c', image: 'nginx:2', env: [{ name: 'B', value: '2' }, { name: 'C', value: '3' }] }] },
    };
    const current = live(last as PodManifest, true);
    const patch = createThreeWayMergePatch(frozen(last), frozen(modified), frozen(current));
    expect(patch).toEqual({
      metadata: { labels: { old: null } },
      spec: {
        '$setElementOrder/containers': [{ name: 'c' }],
        containers: [
          {
            name: 'c',
            image: 'nginx:2',
            '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }],
            env: [{ name: 'C', value: '3' }, { name: 'A', $patch: 'delete' }],
          },
          { name: 'side', $patch: 'delete' },
        ],
      },
    });
    const applied = strategicMergePatch(current, patch);
    expect(applied.spec.containers).toEqual([
      { name: 'c', image: 'nginx:2', imagePullPolicy: 'IfNotPresent', env: [{ name: 'B', value: '2' }, { name: 'C', value: '3' }] },
    ]);
    expect(applied.metadata.labels).toEqual({ app: 'a', 'pod-template-hash': 'h' });
    expect(applied.status).toEqual(current.status);
    expect(applied.spec.nodeName).toBe('node-1');
  });

  it('sends nothing when the manifest did not change', () => {
    const m = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    expect(createThreeWayMergePatch(m, m, live(m as unknown as PodManifest, true))).toEqual({});
  });

  it('overwrites live changes to fields the manifest manages', () => {
    const m = { kind: 'Deployment', spec: { replicas: 3 } };
    const current = { kind: 'Deployment', spec: { replicas: 5, paused: false } };
    expect(createThreeWayMergePatch(m, m, current)).toEqual({ spec: { replicas: 3 } });
  });

  it('keeps list items the server added (an injected sidecar) and replaces lists of unknown kinds', () => {
    const last = { kind: 'Pod', spec: { containers: [{ name: 'app', image: 'a:1' }] } };
    const modified = { kind: 'Pod', spec: { containers: [{ name: 'app', image: 'a:2' }] } };
    const current = frozen({ kind: 'Pod', spec: { containers: [{ name: 'app', image: 'a:1' }, { name: 'istio-proxy', image: 'envoy' }] } });
    const out = strategicMergePatch(current, createThreeWayMergePatch(last, modified, current));
    expect(out.spec.containers).toEqual([{ name: 'app', image: 'a:2' }, { name: 'istio-proxy', image: 'envoy' }]);

    const crLast = { kind: 'Widget', spec: { items: ['a', 'b'], gone: 1 } };
    const crModified = { kind: 'Widget', spec: { items: ['a'] } };
    const crCurrent = { kind: 'Widget', spec: { items: ['a', 'b'], gone: 1, server: true } };
    const p = createThreeWayMergePatch(crLast, crModified, crCurrent);
    expect(p).toEqual({ spec: { items: ['a'], gone: null } });
    expect(strategicMergePatch(crCurrent, p)).toEqual({ kind: 'Widget', spec: { items: ['a'], server: true } });
  });

  it('uses parallel lists for finalizers', () => {
    expect(createTwoWayMergePatch({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['b', 'c'] } }, 'Pod')).toEqual({
      metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'], '$setElementOrder/finalizers': ['b', 'c'] },
    });
  });

  it('adds $retainKeys for volumes and the deployment strategy', () => {
    const p = createTwoWayMergePatch(
      { kind: 'Pod', spec: { volumes: [{ name: 'v', emptyDir: {} }] } },
      { kind: 'Pod', spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } },
    );
    expect(p).toEqual({
      spec: {
        '$setElementOrder/volumes': [{ name: 'v' }],
        volumes: [{ name: 'v', configMap: { name: 'cm' }, emptyDir: null, $retainKeys: ['configMap', 'name'] }],
      },
    });
    const applied = strategicMergePatch({ kind: 'Pod', spec: { volumes: [{ name: 'v', emptyDir: {} }] } }, p);
    expect(applied.spec.volumes).toEqual([{ name: 'v', configMap: { name: 'cm' } }]);
  });

  test.prop([manifest, manifest])('two-way: applying the patch to the original gives the modified object', (a, b) => {
    const p = createTwoWayMergePatch(frozen(a), frozen(b));
    expect(strategicMergePatch(a, p)).toEqual(b);
  });

  test.prop([manifest, manifest, fc.boolean()])(
    'three-way: the patched live object has the new manifest for user fields and keeps server-set fields',
    (lastApplied, modified, serverLabel) => {
      const current = frozen(live(lastApplied, serverLabel));
      const patch = createThreeWayMergePatch(frozen(lastApplied), frozen(modified), current);
      const result = strategicMergePatch(current, patch);

      // server-set fields survive
      expect(result.status).toEqual(current.status);
      expect(result.spec.nodeName).toBe('node-1');
      expect(result.metadata.uid).toBe('uid-1');
      if (serverLabel) expect(result.metadata.labels['pod-template-hash']).toBe('h');
      // containers kept from the live object keep their server default
      for (const c of result.spec.containers) {
        const wasLive = lastApplied.spec.containers.some((x) => x.name === c.name);
        if (wasLive) expect(c.imagePullPolicy).toBe('IfNotPresent');
      }
      if (modified.spec.restartPolicy === undefined) expect(result.spec.restartPolicy).toBe(lastApplied.spec.restartPolicy === undefined ? 'Always' : undefined);

      // the user's fields are exactly the new manifest's
      const userView = structuredClone(result);
      delete userView.status;
      delete userView.spec.nodeName;
      delete userView.metadata.uid;
      delete userView.metadata.labels['pod-template-hash'];
      if (modified.spec.restartPolicy === undefined) delete userView.spec.restartPolicy;
      for (const c of userView.spec.containers) delete c.imagePullPolicy;
      if (userView.metadata.finalizers?.length === 0 && modified.metadata.finalizers === undefined) delete userView.metadata.finalizers;
      expect(userView).toEqual(modified);
    },
  );

  test.prop([manifest])('three-way with no last-applied adds the manifest and deletes nothing', (m) => {
    const current = frozen(live(m, true));
    const result = strategicMergePatch(current, createThreeWayMergePatch(undefined, m, current));
    expect(result.metadata.labels['pod-template-hash']).toBe('h');
    expect(result.spec.containers.map((c) => c.name)).toEqual(m.spec.containers.map((c) => c.name));
  });

  it('jsonEqual ignores key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
  });
});

describe('jsonMergePatch shares what the patch does not touch', () => {
  it('copies only the objects on the patched paths and leaves the target as it was', () => {
    const spec = { containers: [{ name: 'app', image: 'nginx:1.27' }] };
    const target = { metadata: { name: 'p', labels: { a: '1' } }, spec, status: { phase: 'Pending', podIP: '10.0.0.1' } };
    const before = JSON.stringify(target);
    const out = jsonMergePatch(target, { status: { phase: 'Running', podIP: null }, metadata: { labels: { b: '2' } } });
    expect(out).toEqual({ metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec, status: { phase: 'Running' } });
    expect(JSON.stringify(target)).toBe(before);
    expect(out.spec).toBe(spec);
    expect(out.status).not.toBe(target.status);
    expect(out.metadata).not.toBe(target.metadata);
  });

  it('drops undefined keys on the copied levels and copies the patch values', () => {
    const value = { deep: { x: 1 } };
    const out = jsonMergePatch({ a: undefined, b: 1 } as Record<string, unknown>, { c: value });
    expect(Object.keys(out)).toEqual(['b', 'c']);
    expect(out.c).toEqual(value);
    expect(out.c).not.toBe(value);
  });
});
