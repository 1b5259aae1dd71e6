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
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
  nbf: number;
  sub: string;
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
   * Verifies a token at `nowSeconds`: undefined when it is not a service account token of this
   * issuer (another authenticator may know it), else the user or the reason it is refused.
   *
   * @param token - the bearer token.
   * @param nowSeconds - virtual time, in seconds since the Unix epoch.
   * @param serviceAccountUid - the uid of a service account that exists (and is not being deleted), else undefined.
   * @param audiences - the audiences the token must be for (one in common is enough).
   */
  verify(token: string, nowSeconds: number, serviceAccountUid: (namespace: string, name: string) => string | undefined, audiences: readonly string[] = [API_AUDIENCE]): TokenVerdict | undefined {
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
    if (typeof claims.exp !== 'number' || nowSeconds >= claims.exp) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && nowSeconds < claims.nbf) return { error: 'service account token is not valid yet' };
    const tokenAudiences = Array.isArray(claims.aud) ? claims.aud : [];
    if (!tokenAudiences.some((a) => audiences.includes(a))) {
      return { error: `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    }
    const { namespace } = ref;
    const { name, uid } = ref.serviceaccount;
    const current = serviceAccountUid(namespace, name);
    if (current === undefined) return { error: `service account ${namespace}/${name} has been deleted` };
    if (current !== uid) return { error: `service account UID (${current}) does not match claim (${uid})` };
    return {
      user: {
        username: serviceAccountUsername(namespace, name),
        uid,
        groups: serviceAccountGroups(namespace),
        extra: { [CREDENTIAL_ID_EXTRA]: [`JTI=${claims.jti}`] },
      },
      audiences: tokenAudiences.filter((a) => audiences.includes(a)),
    };
  }
}
