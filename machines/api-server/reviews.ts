/**
 * The review APIs, create-only resources the API server answers at once, with the status filled
 * in, and never stores (`pkg/registry/authorization/*`, `pkg/registry/authentication/*`):
 *
 * - `authorization.k8s.io/v1`: SelfSubjectAccessReview (`kubectl auth can-i`),
 *   LocalSubjectAccessReview, SubjectAccessReview, SelfSubjectRulesReview (`auth can-i --list`);
 * - `authentication.k8s.io/v1`: SelfSubjectReview (`kubectl auth whoami`), TokenReview;
 * - the TokenRequest subresource `serviceaccounts/token` (`kubectl create token`).
 *
 * Each answer is what the real registry's `Create` returns, 201 Created; a malformed review is
 * refused as the real validation refuses it (422 with field causes, or 400).
 */
import type { AuthorizationRequest, RbacIndex } from '../../src/api/rbac.js';
import { decodeError } from '../../src/api/decoding.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status, StatusCause } from '../../src/api/types.js';
import type { ApiRequest } from '../protocol.js';
import type { UserInfo } from './auth.js';
import {
  API_AUDIENCE,
  DEFAULT_EXPIRATION_SECONDS,
  MAX_EXPIRATION_SECONDS,
  MIN_EXPIRATION_SECONDS,
  type ServiceAccountTokens,
  type TokenVerdict,
} from './service-account-tokens.js';

type Obj = Record<string, any>;

/** What answering a review needs of the API server. */
export interface ReviewContext {
  /** The (possibly impersonated) user of the request. */
  user: UserInfo;
  rbac: RbacIndex;
  /** Virtual time as a Kubernetes timestamp, now or `offsetMs` from now. */
  timestamp(offsetMs?: number): string;
  /** Virtual time, seconds since the Unix epoch. */
  nowSeconds(): number;
  /** Authenticates a bearer token as the server would (TokenReview): the user, or undefined / an error. */
  authenticateToken(token: string, audiences: readonly string[]): TokenVerdict | undefined;
  /** A stored ServiceAccount, or undefined. */
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  tokens: ServiceAccountTokens;
  /** A fresh UUID from the kernel's RNG. */
  uuid(): string;
}

/** An answer: the code and the body. */
export interface ReviewAnswer {
  code: number;
  body: KubeObject | Status;
}

function isObject(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** True when the request is one this module answers. */
export function isReviewRequest(info: ResourceInfo, req: ApiRequest): boolean {
  if (req.verb !== 'create') return false;
  if (info.virtual && !req.subresource) return true;
  return info.plural === 'serviceaccounts' && info.group === '' && req.subresource === 'token';
}

/** Answers a review or TokenRequest (see {@link isReviewRequest}). */
export function answerReview(info: ResourceInfo, req: ApiRequest, ctx: ReviewContext): ReviewAnswer {
  if (req.subresource === 'token') return tokenRequest(req, ctx);
  const body = req.body;
  if (!isObject(body)) return { code: 400, body: S.badRequest(`the body of a create must be a ${info.kind} object`) };
  if (body.kind !== undefined && body.kind !== info.kind) {
    return { code: 400, body: S.badRequest(`the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the resource ${info.plural}.${info.group} (${info.apiVersion} ${info.kind})`) };
  }
  const typeError = decodeError(body, info.apiVersion, info.kind);
  if (typeError) return { code: 400, body: S.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${typeError}`) };
  const review: Obj = { kind: info.kind, apiVersion: info.apiVersion, metadata: { ...(isObject(body.metadata) ? body.metadata : {}) }, spec: isObject(body.spec) ? structuredClone(body.spec) : {} };
  if (review.metadata.creationTimestamp === undefined) review.metadata.creationTimestamp = null;
  switch (info.kind) {
    case 'SelfSubjectAccessReview':
      return accessReview(info, review, ctx.user, ctx);
    case 'LocalSubjectAccessReview':
    case 'SubjectAccessReview': {
      const spec = review.spec as Obj;
      const causes = specCauses(spec);
      if (typeof spec.user !== 'string' && !(Array.isArray(spec.groups) && spec.groups.length > 0)) {
        causes.push(S.fieldError.invalid('spec.user', '', 'at least one of user or group must be specified'));
      }
      if (causes.length > 0) return { code: 422, body: S.invalid(info, '', causes) };
      if (info.kind === 'LocalSubjectAccessReview') {
        if (!req.namespace) return { code: 400, body: S.badRequest(`namespace is required on this type: ${req.namespace ?? ''}`) };
        if (isObject(spec.resourceAttributes) && (spec.resourceAttributes.namespace ?? '') !== req.namespace) {
          return { code: 400, body: S.badRequest(`spec.resourceAttributes.namespace must match namespace: ${req.namespace}`) };
        }
        if (isObject(spec.nonResourceAttributes)) return { code: 400, body: S.badRequest('disallowed on this kind of request: spec.nonResourceAttributes') };
        review.metadata.namespace = req.namespace;
      }
      const extra = isObject(spec.extra) ? (spec.extra as Record<string, string[]>) : undefined;
      const subject: UserInfo = { username: typeof spec.user === 'string' ? spec.user : '', groups: Array.isArray(spec.groups) ? (spec.groups as string[]) : [] };
      if (typeof spec.uid === 'string') subject.uid = spec.uid;
      if (extra) subject.extra = extra;
      return accessReview(info, review, subject, ctx, true);
    }
    case 'SelfSubjectRulesReview':
      return rulesReview(review, ctx);
    case 'SelfSubjectReview':
      return {
        code: 201,
        body: {
          kind: info.kind,
          apiVersion: info.apiVersion,
          metadata: { creationTimestamp: ctx.timestamp() },
          status: { userInfo: userInfoOf(ctx.user, true) },
        } as KubeObject,
      };
    case 'TokenReview':
      return tokenReview(info, review, ctx);
    default:
      return { code: 404, body: S.notFound(info, '') };
  }
}

/** `ValidateSelfSubjectAccessReviewSpec`: exactly one of the attribute kinds. */
function specCauses(spec: Obj): StatusCause[] {
  const hasResource = isObject(spec.resourceAttributes);
  const hasNonResource = isObject(spec.nonResourceAttributes);
  if (hasResource && hasNonResource) return [S.fieldError.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  if (!hasResource && !hasNonResource) return [S.fieldError.invalid('spec.resourceAttributes', 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

/** The authorizer's attributes of a review's spec (`ResourceAttributesFrom`, `NonResourceAttributesFrom`). */
function attributesOf(spec: Obj, user: UserInfo): AuthorizationRequest {
  if (isObject(spec.nonResourceAttributes)) {
    const n = spec.nonResourceAttributes;
    return { user: user.username, groups: user.groups, verb: String(n.verb ?? ''), nonResourceURL: String(n.path ?? '') };
  }
  const r = spec.resourceAttributes as Obj;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    user: user.username,
    groups: user.groups,
    verb: String(r.verb ?? ''),
    resource: String(r.resource ?? ''),
    subresource: str(r.subresource),
    apiGroup: String(r.group ?? ''),
    namespace: str(r.namespace),
    name: str(r.name),
  };
}

function accessReview(info: ResourceInfo, review: Obj, subject: UserInfo, ctx: ReviewContext, validated = false): ReviewAnswer {
  if (!validated) {
    const causes = specCauses(review.spec as Obj);
    if (causes.length > 0) return { code: 422, body: S.invalid(info, '', causes) };
  }
  const decision = ctx.rbac.authorize(attributesOf(review.spec as Obj, subject));
  // RBAC never denies, it has no opinion: `denied` stays unset, and the reason (which binding
  // allowed, or the role references it could not resolve) is passed on
  const status: Obj = { allowed: decision.allowed };
  if (decision.reason) status.reason = decision.reason;
  return { code: 201, body: { ...review, status } as KubeObject };
}

function rulesReview(review: Obj, ctx: ReviewContext): ReviewAnswer {
  const namespace = typeof review.spec.namespace === 'string' ? review.spec.namespace : '';
  if (namespace === '') return { code: 400, body: S.badRequest('no namespace on request') };
  const { rules, errors } = ctx.rbac.rulesFor(ctx.user.username, ctx.user.groups, namespace);
  const resourceRules: Obj[] = [];
  const nonResourceRules: Obj[] = [];
  for (const r of rules) {
    if ((r.resources?.length ?? 0) > 0) {
      const rule: Obj = { verbs: [...r.verbs] };
      if (r.apiGroups?.length) rule.apiGroups = [...r.apiGroups];
      rule.resources = [...r.resources!];
      if (r.resourceNames?.length) rule.resourceNames = [...r.resourceNames];
      resourceRules.push(rule);
    }
    if ((r.nonResourceURLs?.length ?? 0) > 0) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs!] });
  }
  const status: Obj = { resourceRules, nonResourceRules, incomplete: false };
  const unique = [...new Set(errors)];
  if (unique.length > 0) status.evaluationError = unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
  return { code: 201, body: { kind: review.kind, apiVersion: review.apiVersion, metadata: { creationTimestamp: null }, spec: {}, status } as unknown as KubeObject };
}

function userInfoOf(user: UserInfo, withExtra: boolean): Obj {
  const out: Obj = { username: user.username };
  if (user.uid) out.uid = user.uid;
  out.groups = [...user.groups];
  if (withExtra && user.extra && Object.keys(user.extra).length > 0) out.extra = structuredClone(user.extra);
  return out;
}

function tokenReview(info: ResourceInfo, review: Obj, ctx: ReviewContext): ReviewAnswer {
  const spec = review.spec as Obj;
  if (review.metadata.namespace) return { code: 400, body: S.badRequest('namespace is not allowed on this type') };
  if (typeof spec.token !== 'string' || spec.token === '') {
    return { code: 400, body: S.badRequest(`token is required for TokenReview in ${info.apiVersion}`) };
  }
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? (spec.audiences as string[]) : [API_AUDIENCE];
  const verdict = ctx.authenticateToken(spec.token, audiences);
  const status: Obj = { authenticated: verdict !== undefined && 'user' in verdict };
  if (verdict && 'user' in verdict) {
    status.user = userInfoOf(verdict.user, true);
    status.audiences = verdict.audiences;
  } else {
    status.user = {};
    if (verdict && 'error' in verdict) status.error = verdict.error;
  }
  return { code: 201, body: { ...review, status } as KubeObject };
}

/** `POST .../serviceaccounts/NAME/token`: a TokenRequest answered with a fresh token. */
function tokenRequest(req: ApiRequest, ctx: ReviewContext): ReviewAnswer {
  const name = req.name ?? '';
  const namespace = req.namespace ?? '';
  const body = isObject(req.body) ? req.body : {};
  const typeError = decodeError(body, 'authentication.k8s.io/v1', 'TokenRequest');
  if (typeError) return { code: 400, body: S.badRequest(`TokenRequest in version "v1" cannot be handled as a TokenRequest: ${typeError}`) };
  if (body.kind !== undefined && body.kind !== 'TokenRequest') {
    return { code: 400, body: S.badRequest(`${String(body.kind)} is not suitable for converting to "TokenRequest" in version "authentication.k8s.io/v1"`) };
  }
  const given = isObject(body.spec) ? body.spec : {};
  if (given.boundObjectReference !== undefined && given.boundObjectReference !== null) {
    return { code: 422, body: invalidTokenRequest(name, [S.fieldError.invalid('spec.boundObjectReference', given.boundObjectReference, 'bound tokens are not supported by kube-actors')]) };
  }
  const expirationSeconds = given.expirationSeconds === undefined || given.expirationSeconds === null || given.expirationSeconds === 0 ? DEFAULT_EXPIRATION_SECONDS : Number(given.expirationSeconds);
  const causes: StatusCause[] = [];
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) causes.push(S.fieldError.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) causes.push(S.fieldError.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (causes.length > 0) return { code: 422, body: invalidTokenRequest(name, causes) };
  const sa = ctx.serviceAccount(namespace, name);
  if (!sa || sa.metadata?.deletionTimestamp) return { code: 404, body: S.notFound('serviceaccounts', name) };
  const audiences = Array.isArray(given.audiences) && given.audiences.length > 0 ? (given.audiences as string[]) : [API_AUDIENCE];
  const now = ctx.nowSeconds();
  const exp = now + expirationSeconds;
  const token = ctx.tokens.issue({
    aud: audiences,
    exp,
    iat: now,
    iss: API_AUDIENCE,
    jti: ctx.uuid(),
    'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata!.uid ?? '' } },
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${name}`,
  });
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: ctx.timestamp() },
      spec: { audiences, expirationSeconds, boundObjectReference: null },
      status: { token, expirationTimestamp: ctx.timestamp(expirationSeconds * 1000) },
    } as unknown as KubeObject,
  };
}

/** 422 `TokenRequest.authentication.k8s.io "NAME" is invalid: ...`. */
function invalidTokenRequest(name: string, causes: readonly StatusCause[]): Status {
  const status = S.invalid('TokenRequest.authentication.k8s.io', name, causes);
  return { ...status, details: { ...status.details, group: 'authentication.k8s.io', kind: 'TokenRequest' } };
}
