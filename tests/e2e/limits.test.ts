/**
 * The limits end to end, over the built bundles with their default limits: one user
 * typing faster than anyone can is held to the per-minute limit and told so, while another
 * user's snaps go through and are deleted on time.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { DEFAULT_LIMITS } from '../../shared/domain/limits';
import { dueOf, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

// The limits alone: the cap on posters in flight per workspace (tests/e2e/fairness.test.ts) would
// turn some of this all-at-once flood away as busy before the counters could.
const suite = pipelineSuite('limits', {
  sweepPeriodSeconds: 10,
  env: { SNAP_POSTERS_PER_WORKSPACE: '0', SNAP_POSTERS_PER_ORG: '0' },
});
const { logs, messagesIn } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

const FLOOD = DEFAULT_LIMITS.userPerMinute + 10;
const replyTo = (id: string) => p.slack.replies.filter((r) => r.id === id).map((r) => String(r.body.text));

describe('one user flooding', () => {
  it('is refused past the per-minute limit while another user still posts and is deleted on time', async () => {
    // Prepare: the whole flood must fall in one minute's window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));

    // Act: U-flood sends 40 three-second snaps at once; U-calm sends three during the flood.
    const flood = Array.from({ length: FLOOD }, (_, i) =>
      p.command(`3s flood message ${i}`, {
        user_id: 'U-flood',
        channel_id: 'C-flood',
        response_url: p.slack.responseUrl(`flood-${i}`),
      }),
    );
    const calm = [0, 1, 2].map((i) =>
      p.command(`3s calm message ${i}`, {
        user_id: 'U-calm',
        channel_id: 'C-calm',
        response_url: p.slack.responseUrl(`calm-${i}`),
      }),
    );
    await Promise.all([...flood, ...calm]);
    await p.lambda.settled();
    await until(() => (p.slack.live().length === 0 ? true : undefined), 10_000);

    // Assess: exactly the limit of the flood was posted; every other flood snap got the reason
    // and when to try again, and its text never reached the channel.
    const flooded = messagesIn('C-flood');
    expect(flooded).toHaveLength(DEFAULT_LIMITS.userPerMinute);
    const refused = Array.from({ length: FLOOD }, (_, i) => i).filter(
      (i) => !flooded.some((m) => m.text === `flood message ${i}`),
    );
    expect(refused).toHaveLength(FLOOD - DEFAULT_LIMITS.userPerMinute);
    for (const i of refused) {
      expect(replyTo(`flood-${i}`)).toEqual([
        expect.stringMatching(
          /^:hourglass: You are sending snaps faster than snap allows \(30 a minute\)\. Nothing was posted\. Try again in \d+ seconds?\.$/,
        ),
      ]);
    }
    const calmed = messagesIn('C-calm');
    expect(calmed.map((m) => m.text).sort()).toEqual(['calm message 0', 'calm message 1', 'calm message 2']);
    for (const m of [...calmed, ...flooded]) {
      expect(m.deletedAt).toBeGreaterThanOrEqual(dueOf(m));
      expect(m.deletedAt).toBeLessThanOrEqual(dueOf(m) + 1_500);
    }
    expect([0, 1, 2].flatMap((i) => replyTo(`calm-${i}`))).toEqual([]);
    expect(await p.records()).toEqual([]);
    const items = await p.items();
    const minute = Math.floor(Math.min(...flooded.map((m) => m.postedAt)) / 60_000);
    expect(items).toContainEqual({
      pk: `limit#user#T0LOCAL#U-flood#${minute}`,
      n: DEFAULT_LIMITS.userPerMinute,
      expiresAt: (minute + 1) * 60 + 60,
    });
    // Counters hold their count and TTL only (beside them: the snaps' tombstones).
    const counters = items.filter((i) => String(i.pk).startsWith('limit#'));
    expect(counters.length).toBeGreaterThan(0);
    expect(counters.every((i) => Object.keys(i).every((k) => ['pk', 'n', 'expiresAt'].includes(k)))).toBe(
      true,
    );
    const outcomes = p.lambda.invocations.filter((i) => i.name === 'snap-poster').map((i) => i.error ?? 'ok');
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
  }, 90_000);

  it('never logs message text', () => {
    const text = logs.lines().join('\n');
    expect(suite.textsSent().length).toBe(FLOOD + 3);
    for (const phrase of suite.textsSent()) expect(text).not.toContain(phrase);
  });
});
