/**
 * `badRequest()`: requests the API server must refuse without writing anything: invalid objects
 * (400/422), requests with a token nobody has (401), and users without the rights (`guest`
 * anything, `viewer` writing or reading secrets: 403).
 */
import fc from 'fast-check';
import type { InvalidVariant, RefusedVerb, WorkloadStep } from '../steps.js';
import { objectRef } from './object-ref.js';

const VARIANTS: readonly InvalidVariant[] = ['bad-name', 'no-containers', 'bad-quantity', 'unknown-field', 'negative-replicas', 'selector-mismatch', 'negative-scale'];
const VERBS: readonly RefusedVerb[] = ['create', 'patch', 'delete', 'list'];

/** An arbitrary request that must be refused. */
export function badRequest(): fc.Arbitrary<WorkloadStep> {
  const invalid = fc.record({ variant: fc.constantFrom(...VARIANTS), ref: objectRef('deployments') }).map(({ variant, ref }): WorkloadStep => ({
    op: 'invalid',
    variant,
    namespace: ref.namespace,
    name: ref.name,
  }));
  const unauthenticated = fc.record({ verb: fc.constantFrom(...VERBS), ref: objectRef('pods') }).map(({ verb, ref }): WorkloadStep => ({
    op: 'unauthenticated',
    verb,
    namespace: ref.namespace,
    name: ref.name,
  }));
  const forbidden = fc
    .record({ user: fc.constantFrom('guest' as const, 'viewer' as const), verb: fc.constantFrom(...VERBS), ref: objectRef('pods') })
    .map(({ user, verb, ref }): WorkloadStep => ({ op: 'forbidden', user, verb, namespace: ref.namespace, name: ref.name }));
  return fc.oneof(invalid, unauthenticated, forbidden);
}

/** An arbitrary request of a user without the `impersonate` verb asking to act as the admin. */
export function impersonationRequest(): fc.Arbitrary<WorkloadStep> {
  return fc
    .record({ user: fc.constantFrom('guest' as const, 'viewer' as const), verb: fc.constantFrom(...VERBS), ref: objectRef('pods') })
    .map(({ user, verb, ref }): WorkloadStep => ({ op: 'impersonate', user, verb, namespace: ref.namespace, name: ref.name }));
}
