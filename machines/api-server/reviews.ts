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
import type { AuthorizationDecision, AuthorizationRequest, RbacIndex } from '../../src/api/rbac.js';
import { nodeIdentity } from './node-authorizer.js';
import { decodeError } from '../../src/api/decoding.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status, StatusCause } from '../../src/api/types.js';
import type { ApiRequest } from '../protocol.js';
import type { UserInfo } from './auth.js';
import {
  API_AUDIENCE,
  DEFAULT_EXPIRATION_SECONDS,
  EXPIRATION_EXTENSION_SECONDS,
  MAX_EXPIRATION_SECONDS,
  MIN_EXPIRATION_SECONDS,
  type ServiceAccountClaims,
  type ServiceAccountTokens,
  type TokenVerdict,
} from './service-account-tokens.js';
import { WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from './admission.js';
import { isObject as isJsonObject } from '../../src/api/json-values.js';

type Obj = Record<string, any>;

/** What answering a review needs of the API server. */
export interface ReviewContext {
  /** The (possibly impersonated) user of the request. */
  user: UserInfo;
  rbac: RbacIndex;
  /** The server's authorizer chain (Node, then RBAC). */
  authorize(request: AuthorizationRequest): AuthorizationDecision;
  /** Virtual time as a Kubernetes timestamp, now or `offsetMs` from now. */
  timestamp(offsetMs?: number): string;
  /** Virtual time, seconds since the Unix epoch. */
  nowSeconds(): number;
  /** Authenticates a bearer token as the server would (TokenReview): the user, or undefined / an error. */
  authenticateToken(token: string, audiences: readonly string[]): TokenVerdict | undefined;
  /** A stored ServiceAccount, or undefined. */
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  tokens: ServiceAccountTokens;
  /** An object the server holds (a token's bound Pod, Secret or Node), or undefined. */
  object(resource: 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string): KubeObject | undefined;
  /** A fresh token id (`jti`), a UUID from the server's token generator. */
  jti(): string;
}

/** An answer: the code and the body. */
export interface ReviewAnswer {
  code: number;
  body: KubeObject | Status;
}

const isObject: (v: unknown) => v is Obj = isJsonObject;

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
  const decision = ctx.authorize(attributesOf(review.spec as Obj, subject));
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
  // the Node authorizer (first in the chain) cannot enumerate a node's rules (`RulesFor`)
  const isNode = nodeIdentity(ctx.user.username, ctx.user.groups) !== undefined;
  const status: Obj = { resourceRules, nonResourceRules, incomplete: isNode };
  const unique = [...new Set(isNode ? ['node authorizer does not support user rule resolution', ...errors] : errors)];
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

/** The claims of a token bound to an object (`kubernetes.io.pod`, `.secret`, `.node`). */
type BoundClaims = Pick<ServiceAccountClaims['kubernetes.io'], 'pod' | 'secret' | 'node'>;

/** 409 `Operation cannot be fulfilled on Pod "NAME": ...` (the group resource is the kind, as token.go names it). */
function boundConflict(kind: string, name: string, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Operation cannot be fulfilled on ${kind} "${name}": ${message}`, reason: 'Conflict', details: { name, kind }, code: 409 };
}

/**
 * The object a TokenRequest binds its token to (`spec.boundObjectRef`), as token.go's `Create`
 * resolves it: a Pod (which must run as this account; its Node is named in the claims too, with
 * its uid while it exists, as ServiceAccountTokenPodNodeInfo does), a Secret or a Node
 * (ServiceAccountTokenNodeBinding, beta and on in 1.32); any other kind is a 400; a uid given
 * that is not the object's is a 409.
 */
function resolveBound(ref: Obj, account: string, namespace: string, ctx: ReviewContext): { claims: BoundClaims; pod?: boolean } | ReviewAnswer {
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const name = typeof ref.name === 'string' ? ref.name : '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const claims: BoundClaims = {};
  let uid: string;
  let pod = false;
  if (group === '' && kind === 'Pod') {
    const obj = ctx.object('pods', namespace, name) as Obj | undefined;
    if (!obj) return { code: 404, body: S.notFound('pods', name) };
    if (obj.spec?.serviceAccountName !== account) return { code: 400, body: S.badRequest(`cannot bind token for serviceaccount "${account}" to pod running with different serviceaccount name.`) };
    uid = String(obj.metadata?.uid ?? '');
    claims.pod = { name, uid };
    const nodeName = typeof obj.spec?.nodeName === 'string' ? obj.spec.nodeName : '';
    if (nodeName) {
      const node = ctx.object('nodes', undefined, nodeName) as Obj | undefined;
      claims.node = node?.metadata?.uid ? { name: nodeName, uid: String(node.metadata.uid) } : { name: nodeName };
    }
    pod = true;
  } else if (group === '' && kind === 'Node') {
    const obj = ctx.object('nodes', undefined, name) as Obj | undefined;
    if (!obj) return { code: 404, body: S.notFound('nodes', name) };
    uid = String(obj.metadata?.uid ?? '');
    claims.node = { name, uid };
  } else if (group === '' && kind === 'Secret') {
    const obj = ctx.object('secrets', namespace, name) as Obj | undefined;
    if (!obj) return { code: 404, body: S.notFound('secrets', name) };
    uid = String(obj.metadata?.uid ?? '');
    claims.secret = { name, uid };
  } else {
    // schema.GroupVersionKind's String(): "group/version, Kind=kind"
    return { code: 400, body: S.badRequest(`cannot bind token to object of type ${group === '' ? '' : `${group}/`}${version}, Kind=${kind}`) };
  }
  if (typeof ref.uid === 'string' && ref.uid !== '' && ref.uid !== uid) {
    return { code: 409, body: boundConflict(kind, name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`) };
  }
  return { claims, pod };
}

/**
 * `POST .../serviceaccounts/NAME/token`: a TokenRequest answered with a fresh token, as
 * `pkg/registry/core/serviceaccount/storage/token.go` issues it. A token bound to a pod that
 * asks for exactly 3607 s for the API server's audiences (what the kubelet asks for the projected
 * volume that ServiceAccount admission adds) is valid a year, with `warnafter` at the 3607 s
 * (kube-apiserver's `--service-account-extend-token-expiration`, on by default); its status still
 * says 3607 s.
 */
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
  const sa = ctx.serviceAccount(namespace, name);
  if (!sa || sa.metadata?.deletionTimestamp) return { code: 404, body: S.notFound('serviceaccounts', name) };
  const expirationSeconds = given.expirationSeconds === undefined || given.expirationSeconds === null || given.expirationSeconds === 0 ? DEFAULT_EXPIRATION_SECONDS : Number(given.expirationSeconds);
  const causes: StatusCause[] = [];
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) causes.push(S.fieldError.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) causes.push(S.fieldError.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (causes.length > 0) return { code: 422, body: invalidTokenRequest(name, causes) };
  const audiences = Array.isArray(given.audiences) && given.audiences.length > 0 ? (given.audiences as string[]) : [API_AUDIENCE];
  const ref = isObject(given.boundObjectRef) ? given.boundObjectRef : undefined;
  let bound: BoundClaims = {};
  let podBound = false;
  if (ref) {
    const resolved = resolveBound(ref, name, namespace, ctx);
    if ('code' in resolved) return resolved;
    bound = resolved.claims;
    podBound = resolved.pod === true;
  }
  const now = ctx.nowSeconds();
  // the safe transition of projected tokens: warn after the requested time, fail after a year
  const extend = podBound && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && audiences.every((a) => a === API_AUDIENCE);
  const exp = now + (extend ? EXPIRATION_EXTENSION_SECONDS : expirationSeconds);
  const token = ctx.tokens.issue({
    aud: audiences,
    exp,
    iat: now,
    iss: API_AUDIENCE,
    jti: ctx.jti(),
    'kubernetes.io': {
      namespace,
      ...(bound.node ? { node: bound.node } : {}),
      ...(bound.pod ? { pod: bound.pod } : {}),
      ...(bound.secret ? { secret: bound.secret } : {}),
      serviceaccount: { name, uid: sa.metadata!.uid ?? '' },
      ...(extend ? { warnafter: now + expirationSeconds } : {}),
    },
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${name}`,
  });
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: ctx.timestamp() },
      spec: { audiences, expirationSeconds, boundObjectRef: ref ? structuredClone(ref) : null },
      status: { token, expirationTimestamp: ctx.timestamp(expirationSeconds * 1000) },
    } as unknown as KubeObject,
  };
}

/** 422 `TokenRequest.authentication.k8s.io "NAME" is invalid: ...`. */
function invalidTokenRequest(name: string, causes: readonly StatusCause[]): Status {
  const status = S.invalid('TokenRequest.authentication.k8s.io', name, causes);
  return { ...status, details: { ...status.details, group: 'authentication.k8s.io', kind: 'TokenRequest' } };
}
