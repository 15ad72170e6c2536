/**
 * Where poster, sweeper and reaper get the Slack token to speak with. One-workspace mode: the
 * bot token from the configuration. Distributed mode: the installation store and KMS, behind a
 * cache, so that a warm function reaches a workspace's token with no KMS or DynamoDB call and a
 * revocation is still honoured within five minutes.
 */
import { lookupKeys } from '../domain/install';
import type { Retired, TokenScope, TokenSealer, TokenSource, TokenStore, Workspace } from './ports';

/** The longest a decrypted token is used without looking again: revocations are honoured within it. */
export const TOKEN_CACHE_MS = 5 * 60_000;
/** "Not installed" is remembered briefly: long enough to absorb a burst, short enough for someone who just installed. */
export const MISS_CACHE_MS = 5_000;
export const TOKEN_CACHE_ENTRIES = 1_000;

export interface CacheOptions {
  maxAgeMs?: number;
  missMaxAgeMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * A bounded, expiring cache of lookups: values live `maxAgeMs` from the moment their lookup
 * began (never longer than what was read then), misses (`undefined`) `missMaxAgeMs`, the least
 * recently used entry goes first when full, concurrent lookups of one key share one load, and a
 * failed load is not remembered.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V | undefined; until: number }>();
  private readonly loading = new Map<string, Promise<V | undefined>>();
  private readonly maxAgeMs: number;
  private readonly missMaxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: CacheOptions = {}) {
    this.maxAgeMs = Math.min(options.maxAgeMs ?? TOKEN_CACHE_MS, TOKEN_CACHE_MS);
    this.missMaxAgeMs = Math.min(options.missMaxAgeMs ?? MISS_CACHE_MS, this.maxAgeMs);
    this.maxEntries = Math.max(1, options.maxEntries ?? TOKEN_CACHE_ENTRIES);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const started = this.now();
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      if (started < hit.until) {
        this.entries.set(key, hit); // most recently used last
        return Promise.resolve(hit.value);
      }
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const request = load().then(
      (value) => {
        // A forget() while this load ran means its answer may already be stale: hand it to the
        // callers who asked, keep nothing.
        if (this.loading.get(key) === request) {
          this.loading.delete(key);
          this.remember(key, value, started);
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === request) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, request);
    return request;
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  forgetWhere(match: (key: string) => boolean): void {
    for (const key of [...this.entries.keys(), ...this.loading.keys()]) if (match(key)) this.forget(key);
  }

  private remember(key: string, value: V | undefined, started: number): void {
    const until = started + (value === undefined ? this.missMaxAgeMs : this.maxAgeMs);
    this.entries.delete(key);
    this.entries.set(key, { value, until });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/** Tokens read from the store and opened with their scope: the workspace's own first, then its org's. */
export function storedTokens(store: TokenStore, sealer: Pick<TokenSealer, 'open'>): TokenSource {
  /** The sealed token stored for this scope, read as a lookup reads it. */
  const sealedFor = (scope: TokenScope) =>
    scope.kind === 'bot' ? store.botToken(scope.key) : store.userToken(scope.key, scope.user ?? '');
  /** Where a bot's token (no `user`) or a user's may be stored, in lookup order. */
  const scopesOf = (where: Workspace, user: string | undefined): TokenScope[] =>
    lookupKeys(where).map((key) => (user === undefined ? { key, kind: 'bot' } : { key, kind: 'user', user }));
  return {
    async botToken(where) {
      for (const scope of scopesOf(where, undefined)) {
        const sealed = await sealedFor(scope);
        if (sealed) return sealer.open(sealed, scope);
      }
      return undefined;
    },
    async userToken(where) {
      for (const scope of scopesOf(where, where.user)) {
        const sealed = await sealedFor(scope);
        if (sealed) return sealer.open(sealed, scope);
      }
      return undefined;
    },
    forget() {},
    async retire(where, token) {
      // Only a key that still holds that very token loses it: another token under a key is a
      // newer grant (a reinstall, the user allowing snap again), and stays.
      for (const scope of scopesOf(where, where.user)) {
        const sealed = await sealedFor(scope);
        if (!sealed || (await sealer.open(sealed, scope)) !== token) continue;
        return (await store.forgetToken(scope, sealed)) ? 'deleted' : 'absent';
      }
      return 'absent';
    },
  };
}

const botKey = (w: Workspace) => `bot:${w.team}:${w.enterprise ?? ''}`;
const userKey = (w: Workspace, user: string) => `user:${w.team}:${w.enterprise ?? ''}:${user}`;

/** Wraps a token source in an `ExpiringCache` (one per container, created at cold start). */
export function cachedTokens(source: TokenSource, options: CacheOptions = {}): TokenSource {
  const cache = new ExpiringCache<string>(options);
  return {
    botToken: (where) => cache.get(botKey(where), () => source.botToken(where)),
    userToken: (where) => cache.get(userKey(where, where.user), () => source.userToken(where)),
    forget(where) {
      // An org-wide token is remembered under each of the org's workspaces: forget them all.
      const gone = (key: string) => {
        const [kind, team, enterprise, user] = key.split(':');
        const sameWorkspace =
          team === where.team ||
          (!!where.enterprise && enterprise === where.enterprise) ||
          team === where.enterprise;
        if (!sameWorkspace) return false;
        return where.user === undefined ? kind === 'bot' : kind === 'user' && user === where.user;
      };
      cache.forgetWhere(gone);
      source.forget(where);
    },
    retire(where, token) {
      this.forget(where);
      return source.retire(where, token);
    },
  };
}

/** One-workspace mode: the configured bot token everywhere; users' own tokens still from `users`. */
export function fixedBotToken(token: string, users?: TokenSource): TokenSource {
  return {
    botToken: async () => token,
    userToken: async (where) => users?.userToken(where),
    forget: (where) => users?.forget(where),
    async retire(where, dead): Promise<Retired> {
      if (where.user === undefined) return dead === token ? 'configured' : 'absent';
      return users ? users.retire(where, dead) : 'absent';
    },
  };
}
