import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isTtlRemoval, judgeDeleteFailure } from '../../shared/domain/deletion';
import { expiryContext, postFailureReply } from '../../shared/domain/replies';
import {
  abandonedAfter,
  dueTime,
  isPostRequest,
  KEEP_TRYING_AFTER_DUE_MS,
  LONGEST_POSTER_RUN_MS,
  leaseTtl,
  leaseUntil,
  newRecord,
  putBackRecord,
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

  it('go back, when TTL removed them too early, at their own due time, unleased, in their workspace’s shard, expiring a grace period from now', () => {
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

    // Act: back into shard 5 (where its workspace's snaps now go), from shard 3.
    const back = putBackRecord(snap, now, '5');

    // Assess
    const { leaseUntil: _u, leaseOwner: _o, ...rest } = snap;
    expect(back).toEqual({ ...rest, dueShard: '5', expiresAt: now / 1000 + TTL_GRACE_SECONDS });
    expect(putBackRecord({ ...snap, state: 'posting' }, now, '5')).toBeUndefined();
    expect(putBackRecord(snap, snap.dueAt + KEEP_TRYING_AFTER_DUE_MS + 1, '5')).toBeUndefined();
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

  it('recognise only well-formed post requests', () => {
    expect(isPostRequest(request)).toBe(true);
    expect(isPostRequest({ ...request, delaySeconds: 0 })).toBe(false);
    expect(isPostRequest({ ...request, v: 2 })).toBe(false);
    expect(isPostRequest({ ...request, team: 5 })).toBe(false);
    expect(isPostRequest(null)).toBe(false);
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
