import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  notFound,
  alreadyExists,
  conflict,
  invalid,
  forbidden,
  forbiddenWithMessage,
  unauthorized,
  badRequest,
  strictDecodingError,
  methodNotAllowed,
  serviceUnavailable,
  tooManyRequests,
  tooOldResourceVersion,
  gone,
  internalError,
  success,
  StatusError,
  isReason,
  fieldError,
  aggregateText,
  formatFieldValue,
  OMIT_VALUE,
  unsupportedMediaType,
} from '../../src/api/status.js';
import { findResource } from '../../src/api/resources.js';

describe('Status builders', () => {
  it('notFound serializes exactly as a real API server', () => {
    expect(JSON.stringify(notFound('pods', 'x'))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}',
    );
  });
  it('qualifies non-core resources and accepts kinds and registry entries', () => {
    expect(notFound('Deployment', 'web')).toMatchObject({ message: 'deployments.apps "web" not found', details: { name: 'web', group: 'apps', kind: 'deployments' } });
    expect(notFound(findResource('ns')!, 'foo').message).toBe('namespaces "foo" not found');
    expect(notFound('widgets.example.com', 'w').message).toBe('widgets.example.com "w" not found');
  });
  it('alreadyExists and conflict', () => {
    expect(alreadyExists('pods', 'x')).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "x" already exists' });
    expect(conflict('pods', 'x')).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
    });
  });
  it('invalid builds the real 422 message from causes', () => {
    const s = invalid('Pod', 'bad', [fieldError.required('spec.containers'), fieldError.notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never'])]);
    expect(s.code).toBe(422);
    expect(s.reason).toBe('Invalid');
    expect(s.message).toBe('Pod "bad" is invalid: [spec.containers: Required value, spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"]');
    expect(s.details).toEqual({
      name: 'bad',
      kind: 'Pod',
      causes: [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' },
        { reason: 'FieldValueNotSupported', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"', field: 'spec.restartPolicy' },
      ],
    });
    expect(invalid('Pod', 'one', [fieldError.required('spec.containers')]).message).toBe('Pod "one" is invalid: spec.containers: Required value');
    expect(invalid(findResource('deploy')!, 'd', []).message).toBe('Deployment.apps "d" is invalid');
    expect(invalid('Deployment', 'd', [fieldError.invalid('spec.replicas', -1, 'must be greater than or equal to 0')]).message).toBe(
      'Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });
  it('aggregates drop duplicate messages', () => {
    const c = fieldError.required('a');
    expect(aggregateText([c, c])).toBe('a: Required value');
    expect(aggregateText([c, c, fieldError.forbidden('b', 'no')])).toBe('[a: Required value, b: Forbidden: no]');
  });
  it('formats bad values as Go does', () => {
    expect(formatFieldValue({ b: '2', a: '1' })).toBe('map[string]string{"a":"1", "b":"2"}');
    expect(formatFieldValue('x')).toBe('"x"');
    expect(formatFieldValue(3)).toBe('3');
    expect(formatFieldValue(['10.0.0.1'])).toBe('[]string{"10.0.0.1"}');
    expect(formatFieldValue(null)).toBe('null');
    expect(fieldError.invalid('spec', OMIT_VALUE, 'bad').message).toBe('Invalid value: bad');
    expect(fieldError.duplicate('spec.containers[1].name', 'app').message).toBe('Duplicate value: "app"');
    expect(fieldError.forbidden('spec').message).toBe('Forbidden');
  });
  it('forbidden for namespaced, cluster-scoped, named and non-resource requests', () => {
    expect(forbidden({ user: 'u', verb: 'list', resource: 'pods', namespace: 'default' })).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"',
      details: { kind: 'pods' },
    });
    expect(forbidden({ user: 'u', verb: 'list', resource: 'nodes' }).message).toBe(
      'nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    expect(forbidden({ user: 'u', verb: 'get', resource: 'deployments', namespace: 'a', name: 'web' }).message).toBe(
      'deployments.apps "web" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the namespace "a"',
    );
    expect(forbidden({ user: 'u', verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'a', name: 'p' }).message).toBe(
      'pods "p" is forbidden: User "u" cannot create resource "pods/binding" in API group "" in the namespace "a"',
    );
    expect(forbidden({ user: 'system:anonymous', verb: 'get', path: '/metrics' }).message).toBe('forbidden: User "system:anonymous" cannot get path "/metrics"');
    expect(forbiddenWithMessage('pods', undefined, 'unable to create new content in namespace x because it is being terminated').message).toBe(
      'pods is forbidden: unable to create new content in namespace x because it is being terminated',
    );
  });
  it('other codes', () => {
    expect(unauthorized()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    expect(badRequest('nope')).toMatchObject({ code: 400, reason: 'BadRequest', message: 'nope' });
    expect(strictDecodingError('Pod', 'v1', ['spec.foo', 'spec.bar']).message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
    expect(methodNotAllowed('pods', 'deletecollection')).toMatchObject({ code: 405, reason: 'MethodNotAllowed', message: 'deletecollection is not supported on resources of kind "pods"' });
    expect(serviceUnavailable('etcd down')).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect(tooManyRequests()).toMatchObject({ code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 1 } });
    expect(tooOldResourceVersion(5, 120)).toMatchObject({ code: 410, reason: 'Expired', message: 'too old resource version: 5 (120)' });
    expect(gone('x')).toMatchObject({ code: 410, reason: 'Gone' });
    expect(internalError('boom')).toMatchObject({ code: 500, reason: 'InternalError', message: 'Internal error occurred: boom', details: { causes: [{ message: 'boom' }] } });
    expect(unsupportedMediaType(['application/json'])).toMatchObject({ code: 415 });
    expect(success()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    expect(success({ name: 'x', kind: 'pods', uid: 'u1' }).details).toEqual({ name: 'x', kind: 'pods', uid: 'u1' });
  });
  it('StatusError', () => {
    const e = new StatusError(conflict('pods', 'x'));
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe(conflict('pods', 'x').message);
    expect(e.code).toBe(409);
    expect(e.reason).toBe('Conflict');
    expect(isReason(e, 'Conflict')).toBe(true);
    expect(isReason(new Error('x'), 'Conflict')).toBe(false);
  });
  test.prop([fc.string({ minLength: 1, maxLength: 30 })])('every failure status round-trips through JSON and is a Status', (name) => {
    for (const s of [notFound('pods', name), alreadyExists('secrets', name), conflict('leases', name), invalid('Pod', name, [fieldError.required('spec')])]) {
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1' });
      expect(s.status).toBe('Failure');
      expect(s.details?.name).toBe(name);
    }
  });
});
