/**
 * Authentication: the API server's static bearer tokens (as `--token-auth-file`), mapping a
 * token to a user and its groups. Every authenticated user is also in `system:authenticated`.
 * A request without credentials is the anonymous user (`--anonymous-auth`, on in kubeadm
 * clusters): `system:anonymous` in `system:unauthenticated`; a token nobody knows is refused (401).
 * Service account tokens are verified by `service-account-tokens.ts`.
 */

/** Who a request is from (`user.Info`). */
export interface UserInfo {
  username: string;
  groups: string[];
  /** The user's UID, when its authenticator knows one (a service account's uid). */
  uid?: string;
  /** Extra attributes (`authentication.kubernetes.io/credential-id`, impersonated extras). */
  extra?: Record<string, string[]>;
}

/** A user of the cluster and the token it presents. */
export interface TokenEntry {
  token: string;
  username: string;
  groups?: string[];
}

/** The user name of requests without credentials. */
export const ANONYMOUS_USER = 'system:anonymous';
/** The group of every request without credentials. */
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
/** The group of every authenticated request. */
export const AUTHENTICATED_GROUP = 'system:authenticated';

/** The user of a request without credentials (a fresh object). */
function anonymousUser(): UserInfo {
  return { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
}

/** The bearer-token authenticator. */
export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  constructor(entries: readonly TokenEntry[] = []) {
    for (const e of entries) this.add(e);
  }

  /** Adds (or replaces) a token. */
  add(entry: TokenEntry): void {
    if (!entry.token) throw new RangeError(`token of user "${entry.username}" must not be empty`);
    const groups = [...(entry.groups ?? [])];
    if (!groups.includes(AUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
    this.tokens.set(entry.token, { username: entry.username, groups });
  }

  /**
   * The user a static token belongs to; undefined when the token is not one of them (the API
   * server then tries the service account tokens, and answers 401 if they do not know it either).
   * An empty token is the anonymous user.
   */
  authenticate(token: string | undefined): UserInfo | undefined {
    if (!token) return anonymousUser();
    const u = this.tokens.get(token);
    return u && { username: u.username, groups: [...u.groups] };
  }

  /** Every token entry, for writing kubeconfigs. */
  entries(): TokenEntry[] {
    return [...this.tokens].map(([token, u]) => ({ token, username: u.username, groups: u.groups.filter((g) => g !== AUTHENTICATED_GROUP) }));
  }

  toJSON(): { users: number } {
    return { users: this.tokens.size };
  }
}
