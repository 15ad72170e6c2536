/**
 * The token cache and sources, on a virtual clock: decrypted tokens live at most five minutes,
 * "not installed" a few seconds, the cache is bounded, concurrent lookups share one load, and
 * failures are never remembered.
 */
import { describe, expect, it } from '@jest/globals';
import type { TokenScope, TokenSealer, TokenSource, TokenStore } from '../../shared/app/ports';
import {
  cachedTokens,
  ExpiringCache,
  fixedBotToken,
  MISS_CACHE_MS,
  storedTokens,
  TOKEN_CACHE_MS,
} from '../../shared/app/token-source';

class Clock {
  constructor(public t = 1_000_000) {}
  now = () => this.t;
}

/** A load that counts its calls and resolves when told (or at once). */
function loader<V>(value: V | undefined) {
  const calls: number[] = [];
  return {
    calls,
    load: () => {
      calls.push(calls.length);
      return Promise.resolve(value);
    },
  };
}

function deferred<V>() {
  let resolve: (v: V) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ExpiringCache', () => {
  it('serves a value for five minutes from its lookup, and looks again at exactly five minutes', async () => {
    // Prepare
    const clock = new Clock();
    const cache = new ExpiringCache<string>({ now: clock.now });
    const source = loader('xoxb-1');

    // Act
    await cache.get('k', source.load);
    clock.t += TOKEN_CACHE_MS - 1;
    await cache.get('k', source.load);
    const beforeExpiry = source.calls.length;
    clock.t += 1;
    await cache.get('k', source.load);

    // Assess
    expect(TOKEN_CACHE_MS).toBe(300_000);
    expect(beforeExpiry).toBe(1);
    expect(source.calls).toHaveLength(2);
  });

  it('never keeps a value longer than five minutes, whatever it is asked', async () => {
    const clock = new Clock();
    const cache = new ExpiringCache<string>({ now: clock.now, maxAgeMs: 3_600_000 });
    const source = loader('v');

    await cache.get('k', source.load);
    clock.t += TOKEN_CACHE_MS;
    await cache.get('k', source.load);

    expect(source.calls).toHaveLength(2);
  });

  it('counts the five minutes from when the lookup began, not when it answered', async () => {
    // Prepare
    const clock = new Clock();
    const cache = new ExpiringCache<string>({ now: clock.now });
    const slow = deferred<string>();
    const first = cache.get('k', () => slow.promise);
    clock.t += 2_000;
    slow.resolve('v');
    await first;
    const source = loader('v2');

    // Act
    clock.t += TOKEN_CACHE_MS - 2_000;
    const after = await cache.get('k', source.load);

    // Assess
    expect(after).toBe('v2');
    expect(source.calls).toHaveLength(1);
  });

  it('remembers "not installed" only briefly', async () => {
    // Prepare
    const clock = new Clock();
    const cache = new ExpiringCache<string>({ now: clock.now });
    const missing = loader<string>(undefined);

    // Act
    const first = await cache.get('k', missing.load);
    clock.t += MISS_CACHE_MS - 1;
    await cache.get('k', missing.load);
    const during = missing.calls.length;
    clock.t += 1;
    await cache.get('k', missing.load);

    // Assess
    expect(first).toBeUndefined();
    expect(MISS_CACHE_MS).toBeLessThanOrEqual(10_000);
    expect(during).toBe(1);
    expect(missing.calls).toHaveLength(2);
  });

  it('holds at most its bound, dropping the least recently used entry first', async () => {
    // Prepare
    const clock = new Clock();
    const cache = new ExpiringCache<string>({ now: clock.now, maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => k);
    await cache.get('a', async () => 'reloaded'); // a is now the most recently used

    // Act
    await cache.get('d', async () => 'd');
    const a = loader('a2');
    const b = loader('b2');
    await cache.get('a', a.load);
    await cache.get('b', b.load);

    // Assess
    expect(cache.size).toBe(3);
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
  });

  it('shares one load among concurrent lookups of the same key', async () => {
    // Prepare
    const cache = new ExpiringCache<string>({ now: new Clock().now });
    const slow = deferred<string>();
    let loads = 0;
    const load = () => {
      loads++;
      return slow.promise;
    };

    // Act
    const lookups = [cache.get('k', load), cache.get('k', load), cache.get('k', load)];
    const other = cache.get('other', async () => 'o');
    slow.resolve('v');

    // Assess
    expect(await Promise.all(lookups)).toEqual(['v', 'v', 'v']);
    expect(await other).toBe('o');
    expect(loads).toBe(1);
  });

  it('does not remember a failure: every waiter sees it, the next lookup tries again', async () => {
    // Prepare
    const cache = new ExpiringCache<string>({ now: new Clock().now });
    const failing = deferred<string>();
    const waiters = [cache.get('k', () => failing.promise), cache.get('k', () => failing.promise)];
    failing.reject(new Error('KMS unavailable'));

    // Act
    const outcomes = await Promise.allSettled(waiters);
    const retry = await cache.get('k', async () => 'v');

    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(retry).toBe('v');
  });

  it('keeps nothing from a load that was running when the key was forgotten', async () => {
    // Prepare
    const cache = new ExpiringCache<string>({ now: new Clock().now });
    const slow = deferred<string>();
    const running = cache.get('k', () => slow.promise);

    // Act
    cache.forget('k');
    slow.resolve('stale');
    const answered = await running;
    const next = loader('fresh');
    const after = await cache.get('k', next.load);

    // Assess
    expect(answered).toBe('stale');
    expect(after).toBe('fresh');
    expect(next.calls).toHaveLength(1);
  });
});

/** The store and KMS as fakes that count their calls. */
function fakes() {
  const bots = new Map<string, string>();
  const users = new Map<string, string>();
  const reads: string[] = [];
  const opens: TokenScope[] = [];
  const sealedOf = (key: string, token: string) => new Uint8Array(Buffer.from(`sealed:${key}:${token}`));
  const forgotten: TokenScope[] = [];
  const store: TokenStore = {
    botToken: async (key) => {
      reads.push(key);
      const t = bots.get(key);
      return t ? sealedOf(key, t) : undefined;
    },
    userToken: async (key, user) => {
      reads.push(`${key}#${user}`);
      const t = users.get(`${key}#${user}`);
      return t ? sealedOf(key, t) : undefined;
    },
    // Only while exactly that ciphertext is stored (a conditional delete).
    forgetToken: async (scope, sealed) => {
      const map = scope.kind === 'bot' ? bots : users;
      const id = scope.kind === 'bot' ? scope.key : `${scope.key}#${scope.user}`;
      const t = map.get(id);
      if (t === undefined || !Buffer.from(sealedOf(scope.key, t)).equals(Buffer.from(sealed))) return false;
      map.delete(id);
      forgotten.push(scope);
      return true;
    },
  };
  const sealer: TokenSealer = {
    seal: async () => new Uint8Array(),
    open: async (sealed, scope) => {
      opens.push(scope);
      const [, key, token] = Buffer.from(sealed).toString().split(':');
      if (key !== scope.key) throw new Error('wrong context');
      return String(token);
    },
  };
  return { bots, users, reads, opens, forgotten, source: storedTokens(store, sealer) };
}

describe('tokens from the installation store', () => {
  it('finds a workspace’s own installation first, then its Enterprise Grid org’s', async () => {
    // Prepare
    const f = fakes();
    f.bots.set('E0ORG', 'xoxb-org');
    f.bots.set('T0OWN', 'xoxb-own');

    // Act
    const own = await f.source.botToken({ team: 'T0OWN', enterprise: 'E0ORG' });
    const viaOrg = await f.source.botToken({ team: 'T0SUB', enterprise: 'E0ORG' });
    const none = await f.source.botToken({ team: 'T0NONE' });

    // Assess
    expect(own).toBe('xoxb-own');
    expect(viaOrg).toBe('xoxb-org');
    expect(none).toBeUndefined();
    expect(f.opens).toEqual([
      { key: 'T0OWN', kind: 'bot' },
      { key: 'E0ORG', kind: 'bot' },
    ]);
  });

  it('opens a user token with its user in the scope', async () => {
    const f = fakes();
    f.users.set('T0OWN#U0ANA', 'xoxp-ana');

    const token = await f.source.userToken({ team: 'T0OWN', user: 'U0ANA' });
    const other = await f.source.userToken({ team: 'T0OWN', user: 'U0BOB' });

    expect(token).toBe('xoxp-ana');
    expect(other).toBeUndefined();
    expect(f.opens).toEqual([{ key: 'T0OWN', kind: 'user', user: 'U0ANA' }]);
  });

  it('answers a warm lookup with no store read and no decryption', async () => {
    // Prepare
    const f = fakes();
    f.bots.set('T0OWN', 'xoxb-own');
    const clock = new Clock();
    const tokens = cachedTokens(f.source, { now: clock.now });
    await tokens.botToken({ team: 'T0OWN' });
    const [reads, opens] = [f.reads.length, f.opens.length];

    // Act
    clock.t += 60_000;
    for (let i = 0; i < 100; i++) await tokens.botToken({ team: 'T0OWN' });

    // Assess
    expect([f.reads.length, f.opens.length]).toEqual([reads, opens]);
  });

  it('honours a revocation within five minutes without being told', async () => {
    // Prepare
    const f = fakes();
    f.bots.set('T0OWN', 'xoxb-own');
    const clock = new Clock();
    const tokens = cachedTokens(f.source, { now: clock.now });
    await tokens.botToken({ team: 'T0OWN' });
    f.bots.delete('T0OWN');

    // Act
    clock.t += TOKEN_CACHE_MS - 1;
    const justBefore = await tokens.botToken({ team: 'T0OWN' });
    clock.t += 1;
    const at = await tokens.botToken({ team: 'T0OWN' });

    // Assess
    expect(justBefore).toBe('xoxb-own');
    expect(at).toBeUndefined();
  });

  it('forgets an org-wide token for every workspace of the org at once when told', async () => {
    // Prepare
    const f = fakes();
    f.bots.set('E0ORG', 'xoxb-org');
    f.bots.set('T0ELSE', 'xoxb-else');
    const tokens: TokenSource = cachedTokens(f.source, { now: new Clock().now });
    for (const team of ['T0SUB1', 'T0SUB2']) await tokens.botToken({ team, enterprise: 'E0ORG' });
    await tokens.botToken({ team: 'T0ELSE' });
    f.bots.delete('E0ORG');
    const reads = f.reads.length;

    // Act
    tokens.forget({ team: 'T0SUB1', enterprise: 'E0ORG' });
    const sub1 = await tokens.botToken({ team: 'T0SUB1', enterprise: 'E0ORG' });
    const sub2 = await tokens.botToken({ team: 'T0SUB2', enterprise: 'E0ORG' });
    const other = await tokens.botToken({ team: 'T0ELSE' });

    // Assess
    expect([sub1, sub2]).toEqual([undefined, undefined]);
    expect(other).toBe('xoxb-else');
    expect(f.reads.slice(reads)).not.toContain('T0ELSE');
  });

  it('deletes a token Slack called dead from where it was found, and is then without it, even warm', async () => {
    // Prepare: Ana's token under her workspace, the org's bot token for the org's workspaces.
    const f = fakes();
    f.users.set('T0OWN#U0ANA', 'xoxp-ana');
    f.bots.set('E0ORG', 'xoxb-org');
    const tokens = cachedTokens(f.source, { now: new Clock().now });
    await tokens.userToken({ team: 'T0OWN', user: 'U0ANA' });
    await tokens.botToken({ team: 'T0SUB', enterprise: 'E0ORG' });

    // Act
    const user = await tokens.retire({ team: 'T0OWN', user: 'U0ANA' }, 'xoxp-ana');
    const bot = await tokens.retire({ team: 'T0SUB', enterprise: 'E0ORG' }, 'xoxb-org');

    // Assess
    expect([user, bot]).toEqual(['deleted', 'deleted']);
    expect(f.forgotten).toEqual([
      { key: 'T0OWN', kind: 'user', user: 'U0ANA' },
      { key: 'E0ORG', kind: 'bot' },
    ]);
    expect(await tokens.userToken({ team: 'T0OWN', user: 'U0ANA' })).toBeUndefined();
    expect(await tokens.botToken({ team: 'T0SUB', enterprise: 'E0ORG' })).toBeUndefined();
  });

  it('keeps a newer token stored since the dead one was read: a user who allowed snap again, a reinstall', async () => {
    // Prepare: a warm container still holds Ana's old token; she has allowed snap again since.
    const f = fakes();
    f.users.set('T0OWN#U0ANA', 'xoxp-ana-old');
    const tokens = cachedTokens(f.source, { now: new Clock().now });
    await tokens.userToken({ team: 'T0OWN', user: 'U0ANA' });
    f.users.set('T0OWN#U0ANA', 'xoxp-ana-new');

    // Act
    const retired = await tokens.retire({ team: 'T0OWN', user: 'U0ANA' }, 'xoxp-ana-old');

    // Assess: nothing deleted, and the next lookup finds the new one (the old one is forgotten).
    expect(retired).toBe('absent');
    expect(f.forgotten).toEqual([]);
    expect(await tokens.userToken({ team: 'T0OWN', user: 'U0ANA' })).toBe('xoxp-ana-new');
  });

  it('finds the dead token under whichever key still holds it, past a newer one under the workspace', async () => {
    const f = fakes();
    f.users.set('T0SUB#U0ANA', 'xoxp-ana-new');
    f.users.set('E0ORG#U0ANA', 'xoxp-ana-org');

    const retired = await f.source.retire(
      { team: 'T0SUB', enterprise: 'E0ORG', user: 'U0ANA' },
      'xoxp-ana-org',
    );

    expect(retired).toBe('deleted');
    expect(f.forgotten).toEqual([{ key: 'E0ORG', kind: 'user', user: 'U0ANA' }]);
    expect(f.users.get('T0SUB#U0ANA')).toBe('xoxp-ana-new');
  });

  it('cannot delete the configured bot token of one-workspace mode, and says so; users’ tokens go as stored ones do', async () => {
    const f = fakes();
    f.users.set('T0OWN#U0ANA', 'xoxp-ana');
    const tokens = fixedBotToken('xoxb-configured', f.source);

    expect(await tokens.retire({ team: 'T0OWN' }, 'xoxb-configured')).toBe('configured');
    expect(await tokens.retire({ team: 'T0OWN', user: 'U0ANA' }, 'xoxp-ana')).toBe('deleted');
    expect(await fixedBotToken('xoxb-configured').retire({ team: 'T0OWN', user: 'U0ANA' }, 'x')).toBe(
      'absent',
    );
    expect(await tokens.botToken({ team: 'T0OWN' })).toBe('xoxb-configured');
  });

  it('serves the configured bot token in one-workspace mode, and users’ tokens from the store', async () => {
    const f = fakes();
    f.users.set('T0OWN#U0ANA', 'xoxp-ana');
    const tokens = fixedBotToken('xoxb-configured', f.source);

    expect(await tokens.botToken({ team: 'T0ANY' })).toBe('xoxb-configured');
    expect(await tokens.userToken({ team: 'T0OWN', user: 'U0ANA' })).toBe('xoxp-ana');
    expect(f.reads).toEqual(['T0OWN#U0ANA']);
  });
});
