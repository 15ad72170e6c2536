import { describe, expect, it } from '@jest/globals';
import { isTtlRemoval, judgeDeleteFailure } from '../../shared/domain/deletion';
import { expiryContext, postFailureReply } from '../../shared/domain/replies';
import {
  DUE_SHARDS,
  dueTime,
  isPostRequest,
  newRecord,
  pickShard,
  posterWaitsOut,
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

  it('start in the posting state and hold no text', () => {
    // Act
    const record = newRecord(request, 1_000_000_000);

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
    });
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

  it('leaves the poster to wait out snaps due before a sweep is sure to start', () => {
    expect(posterWaitsOut(10_000 + 2_000, 10_000, period)).toBe(true);
    expect(posterWaitsOut(10_000 + period + SWEEP_MARGIN_MS, 10_000, period)).toBe(true);
    expect(posterWaitsOut(10_000 + period + SWEEP_MARGIN_MS + 1, 10_000, period)).toBe(false);
  });

  it('gives every later snap a sweep that starts at least a margin before it is due', () => {
    // For any posting time and due time beyond the poster's threshold, some tick T after the
    // posting has dueAt inside its window and T <= dueAt - margin.
    for (let offset = 0; offset < period; offset += 997) {
      const postedAt = 5_000_000 + offset;
      for (let delay = period + SWEEP_MARGIN_MS + 1; delay < 4 * period; delay += 1_013) {
        const dueAt = postedAt + delay;
        const ticks = Array.from({ length: 6 }, (_, i) => 5_000_000 + (i + 1) * period).filter(
          (t) => t > postedAt,
        );
        const serving = ticks.filter(
          (t) => dueAt < sweepWindowEnd(t, period) && t <= dueAt - SWEEP_MARGIN_MS,
        );
        expect(serving.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('deletion rules', () => {
  it.each([
    ['platform', 'message_not_found', 'done'],
    ['platform', 'channel_not_found', 'give_up'],
    ['platform', 'cant_delete_message', 'give_up'],
    ['platform', 'invalid_auth', 'retry'],
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
