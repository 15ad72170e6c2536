import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isTtlRemoval, judgeDeleteFailure } from '../../shared/domain/deletion';
import { expiryContext, postFailureReply } from '../../shared/domain/replies';
import {
  abandonedAfter,
  DUE_SHARDS,
  dueTime,
  isPostRequest,
  KEEP_TRYING_AFTER_DUE_MS,
  LONGEST_POSTER_RUN_MS,
  leaseTtl,
  leaseUntil,
  newRecord,
  nextTick,
  pickShard,
  posterWaitsOut,
  putBackRecord,
  SWEEP_MARGIN_MS,
  sweepWindowEnd,
  TTL_GRACE_SECONDS,
  ttlFor,
} from '../../shared/domain/snap';

const request = {
  v: 1 as const,
  id: 'T1:trig',
  team: 'T1',
  channel: 'C1',
  user: 'U1',
  delaySeconds: 30,
  receivedAt: 0,
};

describe('snap records', () => {
  it('are due on a whole second, never before the delay has passed', () => {
    expect(dueTime(1_000_000_400, 30)).toBe(1_000_031_000);
    expect(dueTime(1_000_000_000, 30)).toBe(1_000_030_000);
  });

  it('expire by TTL only after a grace period past the due time', () => {
    expect(ttlFor(1_000_030_000)).toBe(1_000_030 + TTL_GRACE_SECONDS);
  });

  it('stay, while leased, until a grace period past the lease, which only ever moves later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000, max: 2_000_000 }).map((s) => s * 1000),
        fc.integer({ min: -3_600_000, max: 3_600_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (dueAt, sinceDue, later) => {
          const first = leaseTtl(leaseUntil(dueAt, dueAt + sinceDue));
          const second = leaseTtl(leaseUntil(dueAt, dueAt + sinceDue + later));
          expect(first).toBeGreaterThanOrEqual(ttlFor(dueAt));
          expect(first * 1000).toBeGreaterThanOrEqual(
            leaseUntil(dueAt, dueAt + sinceDue) + TTL_GRACE_SECONDS * 1000,
          );
          expect(second).toBeGreaterThanOrEqual(first);
        },
      ),
    );
  });

  it('go back, when TTL removed them too early, at their own due time, unleased, expiring a grace period from now', () => {
    // Prepare
    const now = 1_000_000_000_000;
    const snap = {
      ...newRecord(request, now - 3_600_000, now - 3_500_000),
      state: 'posted' as const,
      ts: '1.000100',
      dueShard: '3',
      leaseUntil: now - 1_000_000,
      leaseOwner: 'sweep:x',
    };
    delete (snap as { postingUntil?: number }).postingUntil;

    // Act
    const back = putBackRecord(snap, now);

    // Assess
    const { leaseUntil: _u, leaseOwner: _o, ...rest } = snap;
    expect(back).toEqual({ ...rest, expiresAt: now / 1000 + TTL_GRACE_SECONDS });
    expect(putBackRecord({ ...snap, dueShard: undefined } as never, now)?.dueShard).toMatch(/^[0-7]$/);
    expect(putBackRecord({ ...snap, state: 'posting' }, now)).toBeUndefined();
    expect(putBackRecord(snap, snap.dueAt + KEEP_TRYING_AFTER_DUE_MS + 1)).toBeUndefined();
  });

  it('start in the posting state and hold no text', () => {
    // Act
    const record = newRecord(request, 1_000_000_000, 1_000_105_000);

    // Assess
    expect(record).toEqual({
      id: 'T1:trig',
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      state: 'posting',
      dueAt: 1_000_030_000,
      expiresAt: 1_000_030 + TTL_GRACE_SECONDS,
      createdAt: 1_000_000_000,
      postingUntil: 1_000_105_000,
    });
  });

  it('count a posting claim abandoned a second after the deadline of the run that made it', () => {
    expect(abandonedAfter({ createdAt: 1_000_000_000, postingUntil: 1_000_105_000 })).toBe(1_000_106_000);
  });

  it('count an old claim without a deadline abandoned after the longest poster run', () => {
    expect(abandonedAfter({ createdAt: 1_000_000_000 })).toBe(1_000_000_000 + LONGEST_POSTER_RUN_MS + 1000);
  });

  it('pick a shard among all shards', () => {
    const seen = new Set(Array.from({ length: 400 }, pickShard));

    expect(seen.size).toBe(DUE_SHARDS);
  });

  it('recognise only well-formed post requests', () => {
    expect(isPostRequest(request)).toBe(true);
    expect(isPostRequest({ ...request, delaySeconds: 0 })).toBe(false);
    expect(isPostRequest({ ...request, v: 2 })).toBe(false);
    expect(isPostRequest({ ...request, team: 5 })).toBe(false);
    expect(isPostRequest(null)).toBe(false);
  });
});

describe('who deletes on time', () => {
  const period = 60_000;
  const tick = 1_800_000_000_000; // a whole minute

  it('leaves the poster to wait out snaps due before the next tick plus the margin', () => {
    expect(nextTick(tick + 12_345, period)).toBe(tick + period);
    expect(nextTick(tick, period)).toBe(tick + period);
    expect(posterWaitsOut(tick + 50_000, tick + 48_000, period)).toBe(true);
    expect(posterWaitsOut(tick + period + SWEEP_MARGIN_MS - 1, tick + 30_000, period)).toBe(true);
    expect(posterWaitsOut(tick + period + SWEEP_MARGIN_MS, tick + 30_000, period)).toBe(false);
    expect(posterWaitsOut(tick + period + SWEEP_MARGIN_MS, tick + 59_999, period)).toBe(false);
  });

  it('gives every snap the poster does not wait out a later sweep that starts a margin before it is due', () => {
    // Property over posting times and delays: some tick T after posting has the due time in
    // its window, and starts at least the margin before it.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * period }),
        fc.integer({ min: 1_000, max: 7 * 86_400_000 }),
        (offset, delay) => {
          const postedAt = tick + offset;
          const dueAt = dueTime(postedAt, delay / 1000);
          if (posterWaitsOut(dueAt, postedAt, period)) return;
          const serving = Math.floor((dueAt - SWEEP_MARGIN_MS) / period) * period;
          expect(serving).toBeGreaterThan(postedAt);
          expect(dueAt).toBeLessThan(sweepWindowEnd(serving, period));
          expect(serving).toBeLessThanOrEqual(dueAt - SWEEP_MARGIN_MS);
        },
      ),
    );
  });
});

describe('deletion rules', () => {
  it.each([
    ['platform', 'message_not_found', 'done'],
    ['platform', 'channel_not_found', 'give_up'],
    ['platform', 'cant_delete_message', 'give_up'],
    ['platform', 'invalid_auth', 'token_dead'],
    ['platform', 'token_revoked', 'token_dead'],
    ['platform', 'account_inactive', 'token_dead'],
    ['platform', 'not_authed', 'token_dead'],
    ['platform', 'something_new', 'retry'],
    ['rate_limited', 'ratelimited', 'retry'],
    ['unavailable', 'http_500', 'retry'],
    ['unavailable', 'request_failed', 'retry'],
  ] as const)('treat a %s failure %s as %s', (kind, code, verdict) => {
    expect(judgeDeleteFailure(kind, code)).toBe(verdict);
  });

  it('count only TTL removals as the reaper’s business', () => {
    const ttl = {
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    };

    expect(isTtlRemoval(ttl)).toBe(true);
    expect(isTtlRemoval({ eventName: 'REMOVE' })).toBe(false);
    expect(isTtlRemoval({ ...ttl, eventName: 'MODIFY' })).toBe(false);
    expect(isTtlRemoval({ ...ttl, userIdentity: { type: 'Service', principalId: 'someone.else' } })).toBe(
      false,
    );
    expect(
      isTtlRemoval({ ...ttl, userIdentity: { type: 'User', principalId: 'dynamodb.amazonaws.com' } }),
    ).toBe(false);
  });
});

describe('what users read', () => {
  it('shows the expiry in the reader’s time zone with a UTC fallback', () => {
    expect(expiryContext('U1', 1_700_000_000_000)).toBe(
      ':bomb: <@U1> used snap · self-destructs <!date^1700000000^{date_short_pretty} at {time_secs}|2023-11-14 22:13:20 UTC>',
    );
  });

  it('tells the user how to fix a channel the bot is not in', () => {
    expect(postFailureReply('not_in_channel').text).toContain('/invite @snap');
    expect(postFailureReply('weird_new_error').text).toContain('weird_new_error');
  });
});
