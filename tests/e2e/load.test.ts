import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { dueOf, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const suite = pipelineSuite('load', {
  sweepPeriodSeconds: 10,
  slack: { postsPerSecond: 1, deletesPerMinute: 20 },
});
const { logs } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

describe('a burst under Slack rate limits', () => {
  it('deletes every posted snap, none early, none twice, leaving no record', async () => {
    // Act: 60 snaps in 3 workspaces × 6 channels, typed in three bursts, delays 2–30 s.
    const stop = p.schedule();
    for (let burst = 0; burst < 3; burst++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const n = burst * 20 + i;
          return p.command(`${2 + ((n * 7) % 29)}s load ${n}`, {
            team_id: `TL${n % 3}`,
            channel_id: `TL${n % 3}-C${n % 6}`,
          });
        }),
      );
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await p.lambda.settled();
    await until(
      async () => (p.slack.live().length === 0 && (await p.records()).length === 0 ? true : undefined),
      150_000,
    );
    await stop();

    // Assess: each snap is posted once, or — held back by Slack's 429s past the poster's retry
    // budget (ten a channel within seconds), or with its workspace's ten posters all waiting on
    // them — not posted and its author told Slack (or snap, in their workspace) is busy.
    const posted = [...p.slack.messages.values()].filter((m) => m.channel.startsWith('TL'));
    const busy = p.slack.replies.filter((r) =>
      /Slack is busy|snap is busy in this workspace/.test(String(r.body.text)),
    );
    expect(posted.length + busy.length).toBe(60);
    expect(new Set(posted.map((m) => m.text)).size).toBe(posted.length);
    expect(p.slack.calls.some((c) => c.result === '429')).toBe(true);
    for (const m of posted) {
      expect(m.deletedAt).toBeGreaterThanOrEqual(dueOf(m));
    }
    const deletes = p.slack.calls.filter((c) => c.method === 'chat.delete' && c.result === 'ok');
    expect(new Set(deletes.map((c) => `${c.params.channel}/${c.params.ts}`)).size).toBe(deletes.length);
    const late = posted.map((m) => (m.deletedAt ?? 0) - dueOf(m)).sort((a, b) => a - b);
    console.log(
      `load: 60 snaps, ${posted.length} posted (${busy.length} told Slack is busy), lateness p50 ${late[Math.floor(late.length / 2)]} ms, max ${late.at(-1)} ms (rate-limited deletes wait their turn)`,
    );
  }, 200_000);

  it('never logs message text', () => {
    expect(logs.lines().join('\n')).not.toMatch(/load \d+/);
  });
});
