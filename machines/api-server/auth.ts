/**
 * Authentication: the API server's static bearer tokens (as `--token-auth-file`), mapping a
 * token to a user and its groups. Every authenticated user is also in `system:authenticated`.
 */

/** Who a request is from. */
export interface UserInfo {
  username: string;
  groups: string[];
}

/** A user of the cluster and the token it presents. */
export interface TokenEntry {
  token: string;
  username: string;
  groups?: string[];
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
    if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
    this.tokens.set(entry.token, { username: entry.username, groups });
  }

  /** The user a token belongs to, or undefined (401). */
  authenticate(token: string | undefined): UserInfo | undefined {
    if (!token) return undefined;
    return this.tokens.get(token);
  }

  /** Every token entry, for writing kubeconfigs. */
  entries(): TokenEntry[] {
    return [...this.tokens].map(([token, u]) => ({ token, username: u.username, groups: u.groups.filter((g) => g !== 'system:authenticated') }));
  }

  toJSON(): { users: number } {
    return { users: this.tokens.size };
  }
}
