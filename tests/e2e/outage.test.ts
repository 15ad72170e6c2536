/**
 * A Slack outage longer than the TTL's grace period (issue #14.4): sweeps keep failing, TTL
 * removes the records — as on AWS, where TTL acts whenever it gets to them — and the reaper
 * meets the same failure. Nothing may be lost: once Slack recovers, every message goes.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import type { Fault } from '../../local/slack-stand-in';
import { TTL_GRACE_SECONDS, ttlFor } from '../../shared/domain/snap';
import { dueOf, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

// The rate-limit counters expire by TTL too; off here, so what TTL removes is the snaps alone.
const suite = pipelineSuite('outage', {
  sweepPeriodSeconds: 10,
  env: { SNAP_LIMIT_USER_PER_MINUTE: '0', SNAP_LIMIT_TEAM_PER_MINUTE: '0' },
});
const { logs, messagesIn, recordsIn, calls } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

const MINUTE = 60_000;

describe('a Slack outage longer than the grace period', () => {
  it.each([
    ['5xx answers', { status: 503 }, 'TO5'],
    ['429s', { status: 429, retryAfterSeconds: 2 }, 'TO4'],
  ] satisfies Array<[string, Fault, string]>)(
    'deletes every message once Slack recovers when chat.delete meets %s past the TTL, leaving no record',
    async (_, fault, team) => {
      // Prepare: from now on, every chat.delete fails; snaps are posted while sweeps run.
      p.slack.outage('chat.delete', fault);
      const stop = p.schedule();
      const channels = [1, 2, 3].map((n) => `${team}-C${n}`);
      const records = async () => (await Promise.all(channels.map(recordsIn))).flat();
      let dues: number[] = [];
      let whileFailing: Array<Record<string, unknown>>;
      let expired: number[];
      let putBack: Array<Array<Record<string, unknown>>>;
      try {
        for (const [i, channel] of channels.entries())
          await p.command(`${2 + i}s through the outage ${team} ${i}`, {
            team_id: team,
            channel_id: channel,
          });
        await until(() => (channels.every((c) => messagesIn(c).length === 1) ? true : undefined), 10_000);
        dues = channels.map((c) => dueOf(messagesIn(c)[0]));

        // Act: deleters keep trying past every due time; then TTL runs as if the outage had
        // lasted 20 minutes, and again as if 40; then Slack recovers.
        await until(() => (Date.now() > Math.max(...dues) + 2 * p.sweepPeriodMs ? true : undefined), 60_000);
        whileFailing = await records();
        expired = [];
        putBack = [];
        for (const minutes of [20, 40]) {
          expired.push(await p.expire(Date.now() + minutes * MINUTE));
          putBack.push(await records());
        }
        p.slack.outage('chat.delete');
        await until(
          async () =>
            channels.every((c) => messagesIn(c)[0]?.deletedAt !== undefined) && (await records()).length === 0
              ? true
              : undefined,
          4 * p.sweepPeriodMs,
        );
      } finally {
        p.slack.outage('chat.delete');
        await stop();
      }

      // Assess: while Slack failed, the deleters holding the records kept them past their TTL.
      expect(whileFailing).toHaveLength(3);
      for (const r of whileFailing) expect(Number(r.expiresAt)).toBeGreaterThan(ttlFor(Number(r.dueAt)));
      // TTL took them anyway (twice); each time the reaper, failing too, put them back as they were.
      expect(expired).toEqual([3, 3]);
      for (const round of putBack) {
        expect(round.map((r) => r.dueAt).sort()).toEqual(whileFailing.map((r) => r.dueAt).sort());
        for (const r of round) {
          expect(r).toMatchObject({ state: 'posted', dueShard: expect.any(String) });
          // Put back unleased — though the running sweep may already have taken it up again.
          expect(r.leaseOwner === undefined || String(r.leaseOwner).startsWith('sweep:')).toBe(true);
          expect(Number(r.expiresAt)).toBeGreaterThanOrEqual(
            Math.floor(Date.now() / 1000) + TTL_GRACE_SECONDS - 60,
          );
        }
      }
      expect(p.reaperGivenUp).toEqual([]);
      // Once Slack answered again: every message deleted, once, never early; no record left.
      for (const [i, channel] of channels.entries()) {
        const [message] = messagesIn(channel);
        expect(message?.deletedAt).toBeGreaterThanOrEqual(dues[i] ?? Number.POSITIVE_INFINITY);
        expect(calls('chat.delete', channel).filter((c) => c.result === 'ok')).toHaveLength(1);
      }
      expect(await records()).toEqual([]);
    },
    120_000,
  );

  it('never logs message text', () => {
    const text = logs.lines().join('\n');
    expect(suite.textsSent().length).toBeGreaterThanOrEqual(6);
    for (const phrase of suite.textsSent()) expect(text).not.toContain(phrase);
  });
});
