/**
 * Protobuf request bodies: bodies the real kubectl (v1.32) sent for `create namespace`,
 * `create deployment` and `create rolebinding` (captured bytes) decode to the objects kubectl's
 * generators build; unknown non-zero fields and unknown kinds are refused, malformed bodies too,
 * and random bytes never throw anything but ProtobufError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeProtobuf, isProtobuf, ProtobufError } from '../../src/http/protobuf.js';

const hex = (h: string) => Buffer.from(h, 'hex');

/** kubectl create namespace nsx */
const NAMESPACE = '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e737812001a0022002a0032003800420012001a020a001a002200';
/** kubectl create deployment depx --image=nginx:1.27 --replicas=2 --port=80 */
const DEPLOYMENT =
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412c1010a210a046465707812001a0022002a003200380042005a0b0a03617070120464657078128d010802120d0a0b0a036170701204646570781a720a1d0a0012001a0022002a003200380042005a0b0a03617070120464657078125112330a056e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';
/** kubectl create rolebinding rbx --role=rx --user=u1 --serviceaccount=default:sa1 */
const ROLEBINDING =
  '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e671287010a130a0372627812001a0022002a0032003800420012270a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a027531220012200a0e536572766963654163636f756e7412001a03736131220764656661756c741a250a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a0272781a002200';

// a tiny encoder for hand-made bodies
const varint = (n: number | bigint): Buffer => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
};
const bytes = (field: number, b: Buffer | string) => {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([varint((field << 3) | 2), varint(buf.length), buf]);
};
const num = (field: number, v: number) => Buffer.concat([varint(field << 3), varint(v)]);
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytes(1, Buffer.concat([bytes(1, apiVersion), bytes(2, kind)])), bytes(2, raw)]);

describe('protobuf request bodies', () => {
  it('decodes what kubectl create namespace sends', () => {
    expect(decodeProtobuf(hex(NAMESPACE))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nsx' }, spec: {}, status: {} });
  });

  it('decodes what kubectl create deployment sends', () => {
    expect(decodeProtobuf(hex(DEPLOYMENT))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'depx', labels: { app: 'depx' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'depx' } },
        template: { metadata: { labels: { app: 'depx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: {} }] } },
        strategy: {},
      },
      status: {},
    });
  });

  it('decodes what kubectl create rolebinding sends', () => {
    expect(decodeProtobuf(hex(ROLEBINDING))).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rbx' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u1' },
        { kind: 'ServiceAccount', name: 'sa1', namespace: 'default' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rx' },
    });
  });

  it('keeps the zero of pointer fields, reads int-or-strings, quantities, times, bytes and negative ints', () => {
    const meta = bytes(1, Buffer.concat([bytes(1, 'x'), bytes(8, num(1, 1767225600)), num(10, 0)]));
    const container = Buffer.concat([bytes(1, 'c'), bytes(2, 'img'), bytes(8, bytes(1, Buffer.concat([bytes(1, 'cpu'), bytes(2, bytes(1, '250m'))])))]);
    const strategy = bytes(4, Buffer.concat([bytes(1, 'RollingUpdate'), bytes(2, Buffer.concat([bytes(1, Buffer.concat([num(1, 1), bytes(3, '25%')])), bytes(2, Buffer.concat([num(1, 0), num(2, 2)]))]))]));
    const spec = bytes(2, Buffer.concat([num(1, 0), bytes(3, bytes(2, bytes(2, container))), strategy, num(5, -1)]));
    const d = decodeProtobuf(envelope('apps/v1', 'Deployment', Buffer.concat([meta, spec]))) as any;
    expect(d.metadata).toEqual({ name: 'x', creationTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 });
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.minReadySeconds).toBe(-1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 2 } });
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '250m' } });
    const secret = decodeProtobuf(envelope('v1', 'Secret', Buffer.concat([bytes(1, bytes(1, 's')), bytes(2, Buffer.concat([bytes(1, 'k'), bytes(2, Buffer.from([0, 255]))]))]))) as any;
    expect(secret.data).toEqual({ k: Buffer.from([0, 255]).toString('base64') });
    const del = decodeProtobuf(envelope('v1', 'DeleteOptions', Buffer.concat([num(1, 0), bytes(4, 'Foreground')])));
    expect(del).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
  });

  it('decodes the ResourceQuota of kubectl create quota (hard quantities, scopes)', () => {
    const entry = (k: string, v: string) => bytes(1, Buffer.concat([bytes(1, k), bytes(2, bytes(1, v))]));
    const spec = Buffer.concat([entry('pods', '10'), entry('requests.cpu', '500m'), bytes(2, 'NotBestEffort')]);
    expect(decodeProtobuf(envelope('v1', 'ResourceQuota', Buffer.concat([bytes(1, bytes(1, 'q')), bytes(2, spec), bytes(3, Buffer.alloc(0))])))).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { pods: '10', 'requests.cpu': '500m' }, scopes: ['NotBestEffort'] },
      status: {},
    });
  });

  it('refuses unknown kinds, unknown non-zero fields, and malformed bodies', () => {
    expect(() => decodeProtobuf(envelope('v1', 'LimitRange', Buffer.alloc(0)))).toThrow(/LimitRange are not supported/);
    expect(() => decodeProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([bytes(1, bytes(1, 'c')), num(99, 1)])))).toThrow(/field 99 of ConfigMap is not supported/);
    expect(decodeProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([bytes(1, bytes(1, 'c')), num(99, 0)])))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    expect(() => decodeProtobuf(Buffer.from('{"kind":"Pod"}'))).toThrow(/magic/);
    expect(() => decodeProtobuf(hex(DEPLOYMENT).subarray(0, 100))).toThrow(ProtobufError);
    expect(isProtobuf('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobuf('application/vnd.kubernetes.protobuf;stream=watch')).toBe(true);
    expect(isProtobuf('application/json')).toBe(false);
  });

  it('never throws anything but ProtobufError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (data, withMagic) => {
        const body = withMagic ? Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from(data)]) : Buffer.from(data);
        try {
          decodeProtobuf(body);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtobufError);
        }
      }),
      { numRuns: 2_000 },
    );
    // random bytes inside a known kind's envelope
    fc.assert(
      fc.property(fc.constantFrom('Namespace', 'ConfigMap', 'Secret', 'Service', 'Deployment', 'RoleBinding'), fc.uint8Array({ maxLength: 200 }), (kind, data) => {
        const apiVersion = kind === 'Deployment' ? 'apps/v1' : kind === 'RoleBinding' ? 'rbac.authorization.k8s.io/v1' : 'v1';
        try {
          decodeProtobuf(envelope(apiVersion, kind, Buffer.from(data)));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtobufError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
