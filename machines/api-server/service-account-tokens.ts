/**
 * Service account tokens, as kube-apiserver's TokenRequest registry
 * (`pkg/registry/core/serviceaccount/storage/token.go`) issues them and its service account
 * authenticator (`pkg/serviceaccount/jwt.go`, `claims.go`) verifies them: a JWT whose claims
 * name the issuer, the audiences, the times (issued, not before, expires) in virtual time, a
 * `jti` from the kernel's seeded RNG and the service account (namespace, name, uid). A token is
 * valid while it has not expired and its service account still exists with the same uid.
 *
 * The real server signs with an RSA key (RS256); the simulation signs with HMAC-SHA256 (HS256)
 * under a key derived from the kernel's seed, so every API server of a cluster verifies the
 * tokens of the others and every run replays. The header says `HS256`, honestly.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { serviceAccountGroups, serviceAccountUsername } from '../../src/api/rbac.js';
import type { UserInfo } from './auth.js';

/** The API server's issuer and default audience (`--service-account-issuer`, `--api-audiences` in kubeadm). */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
/** The extra attribute naming the token a service account user authenticated with. */
const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';
/** The TokenRequest's default lifetime (`spec.expirationSeconds`), 1 hour. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** `ExpirationExtensionSeconds`: the lifetime of an extended projected token, a year. */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
/** go-jose's `jwt.DefaultLeeway`: the clock skew allowed around the times of a token, and after a bound object's deletion. */
const LEEWAY_SECONDS = 60;
/** The extra attributes naming the pod and node of a bound token (`apiserverserviceaccount.PodNameKey`, ...). */
const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
const POD_UID_EXTRA = 'authentication.kubernetes.io/pod-uid';
const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';
const NODE_UID_EXTRA = 'authentication.kubernetes.io/node-uid';
/** The shortest lifetime a TokenRequest may ask for: 10 minutes. */
export const MIN_EXPIRATION_SECONDS = 600;
/** The longest: 2^32 seconds. */
export const MAX_EXPIRATION_SECONDS = 2 ** 32;

/** The claims of a service account token. */
export interface ServiceAccountClaims {
  aud: string[];
  /** Seconds since the Unix epoch. */
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    /** A token bound to a Node, or to a pod (then the pod's node, its uid while the node existed). */
    node?: { name: string; uid?: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
    serviceaccount: { name: string; uid: string };
    /** Seconds since the Unix epoch: a projected token used after it is stale (its expiry was extended). */
    warnafter?: number;
  };
  nbf: number;
  sub: string;
}

/** An object a token names, as the server holds it: its uid and, when being deleted, when (seconds since the epoch). */
export interface LiveObject {
  uid: string;
  deletionSeconds?: number;
}

/** The objects the validator looks up (`ServiceAccountTokenGetter`): undefined when not found. */
export interface TokenObjects {
  serviceAccount(namespace: string, name: string): LiveObject | undefined;
  pod(namespace: string, name: string): LiveObject | undefined;
  secret(namespace: string, name: string): LiveObject | undefined;
  node(name: string): LiveObject | undefined;
}

/** What verifying a token found: not ours (undefined), the user, or why it is refused. */
export type TokenVerdict = { user: UserInfo; audiences: string[] } | { error: string };

/** The signing key of a cluster's service account tokens, derived from the kernel's seed. */
export function serviceAccountSigningKey(seed: number | string): string {
  return createHash('sha256').update(`kube-actors/service-account-signing-key/${String(seed)}`).digest('hex');
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** Issues and verifies service account tokens under one key. */
export class ServiceAccountTokens {
  constructor(private readonly key: string) {}

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }

  /** The token for these claims. */
  issue(claims: ServiceAccountClaims): string {
    const head = `${b64url(JSON.stringify({ alg: 'HS256', kid: this.keyId() }))}.${b64url(JSON.stringify(claims))}`;
    return `${head}.${this.sign(head)}`;
  }

  /** The key's id (`kid`), a digest of the key. */
  keyId(): string {
    return createHash('sha256').update(this.key).digest('base64url').slice(0, 43);
  }

  /**
   * Verifies a token at `nowSeconds`, as the service account authenticator's validator
   * (`pkg/serviceaccount/claims.go`) does: undefined when it is not a service account token of
   * this issuer (another authenticator may know it), else the user or the reason it is refused.
   * The times are checked with go-jose's minute of leeway; the service account, and the Pod,
   * Secret or Node the token is bound to, must still exist with the uid of the claims (an object
   * deleted more than the leeway ago no longer vouches for it).
   *
   * @param token - the bearer token.
   * @param nowSeconds - virtual time, in seconds since the Unix epoch.
   * @param lookup - the objects the server holds: the service account, and a bound token's pod, secret or node.
   * @param audiences - the audiences the token must be for (one in common is enough).
   */
  verify(token: string, nowSeconds: number, lookup: TokenObjects, audiences: readonly string[] = [API_AUDIENCE]): TokenVerdict | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    let claims: ServiceAccountClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as ServiceAccountClaims;
    } catch (error) {
      return { error: `invalid bearer token, ${error instanceof Error ? error.message : String(error)}` };
    }
    if (typeof claims !== 'object' || claims === null || claims.iss !== API_AUDIENCE) return undefined;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { error: 'invalid bearer token, signature is invalid' };
    const ref = claims['kubernetes.io'];
    if (!ref?.serviceaccount?.name || !ref.namespace) return { error: 'service account token claims could not be validated due to unexpected private claim' };
    if (typeof claims.exp !== 'number' || nowSeconds - LEEWAY_SECONDS > claims.exp) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && nowSeconds + LEEWAY_SECONDS < claims.nbf) return { error: 'service account token is not valid yet' };
    if (typeof claims.iat === 'number' && nowSeconds + LEEWAY_SECONDS < claims.iat) return { error: 'service account token is issued in the future' };
    const tokenAudiences = Array.isArray(claims.aud) ? claims.aud : [];
    if (!tokenAudiences.some((a) => audiences.includes(a))) {
      return { error: `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    }
    const { namespace } = ref;
    const { name, uid } = ref.serviceaccount;
    // consider things deleted prior to now - leeway to be invalid
    const deletedLongAgo = (o: LiveObject) => o.deletionSeconds !== undefined && o.deletionSeconds < nowSeconds - LEEWAY_SECONDS;
    const sa = lookup.serviceAccount(namespace, name);
    if (sa === undefined) return { error: `serviceaccounts "${name}" not found` };
    if (sa.uid !== uid) return { error: `service account UID (${sa.uid}) does not match claim (${uid})` };
    if (deletedLongAgo(sa)) return { error: `service account ${namespace}/${name} has been deleted` };
    if (ref.secret) {
      const secret = lookup.secret(namespace, ref.secret.name);
      if (secret === undefined) return { error: 'service account token has been invalidated' };
      if (secret.uid !== ref.secret.uid) return { error: `secret UID (${secret.uid}) does not match service account secret ref claim (${ref.secret.uid})` };
      if (deletedLongAgo(secret)) return { error: 'service account token has been invalidated' };
    }
    // the keys in the order Go's JSON writes a map: sorted
    const extra: Record<string, string[]> = { [CREDENTIAL_ID_EXTRA]: [`JTI=${claims.jti}`] };
    if (ref.pod) {
      const pod = lookup.pod(namespace, ref.pod.name);
      if (pod === undefined) return { error: 'service account token has been invalidated' };
      if (pod.uid !== ref.pod.uid) return { error: `pod UID (${pod.uid}) does not match service account pod ref claim (${ref.pod.uid})` };
      if (deletedLongAgo(pod)) return { error: 'service account token has been invalidated' };
    }
    if (ref.node) {
      if (!ref.pod) {
        const node = lookup.node(ref.node.name);
        if (node === undefined) return { error: 'service account token has been invalidated' };
        if (node.uid !== ref.node.uid) return { error: `node UID (${node.uid}) does not match service account node ref claim (${ref.node.uid ?? ''})` };
        if (deletedLongAgo(node)) return { error: 'service account token has been invalidated' };
      }
      extra[NODE_NAME_EXTRA] = [ref.node.name];
      if (ref.node.uid) extra[NODE_UID_EXTRA] = [ref.node.uid];
    }
    if (ref.pod) {
      extra[POD_NAME_EXTRA] = [ref.pod.name];
      extra[POD_UID_EXTRA] = [ref.pod.uid];
    }
    return {
      user: {
        username: serviceAccountUsername(namespace, name),
        uid,
        groups: serviceAccountGroups(namespace),
        extra,
      },
      audiences: tokenAudiences.filter((a) => audiences.includes(a)),
    };
  }
}
