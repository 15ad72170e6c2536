/**
 * Load under Slack's limits, suite-sized (the full 2,000-snap run is `npm run bench -- load`):
 * bursts of snaps over several workspaces and channels, the stand-in enforcing chat.postMessage
 * per channel and chat.delete per workspace with 429 + Retry-After. Everything posted is
 * deleted, nothing early, nothing twice, no record left.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Pipeline, startPipeline } from '../../local/pipeline';
import { type StandInMessage, shownDueAt } from '../../local/slack-stand-in';
import { captureStdout } from '../support/logs';
import { watchPipeline } from '../support/privacy';
import { until } from '../support/wait';

const logs = captureStdout();
let p: Pipeline;
let ledger: ReturnType<typeof watchPipeline> | undefined;
const dueOf = (m: StandInMessage | undefined) => Number(shownDueAt(m));

beforeAll(async () => {
  if (!existsSync('dist/ack/index.mjs'))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  p = await startPipeline({ sweepPeriodSeconds: 10, slack: { postsPerSecond: 1, deletesPerMinute: 20 } });
  ledger = watchPipeline(p, 'load', logs);
}, 30_000);

afterAll(async () => {
  await ledger?.write();
  logs.restore();
  await p?.close();
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

    // Assess
    const posted = [...p.slack.messages.values()].filter((m) => m.channel.startsWith('TL'));
    expect(posted).toHaveLength(60);
    expect(p.slack.calls.some((c) => c.result === '429')).toBe(true);
    for (const m of posted) {
      expect(m.deletedAt).toBeGreaterThanOrEqual(dueOf(m));
    }
    const deletes = p.slack.calls.filter((c) => c.method === 'chat.delete' && c.result === 'ok');
    expect(new Set(deletes.map((c) => `${c.params.channel}/${c.params.ts}`)).size).toBe(deletes.length);
    const late = posted.map((m) => (m.deletedAt ?? 0) - dueOf(m)).sort((a, b) => a - b);
    console.log(
      `load: 60 snaps, lateness p50 ${late[30]} ms, max ${late.at(-1)} ms (rate-limited deletes wait their turn)`,
    );
  }, 200_000);

  it('never logs message text', () => {
    expect(logs.lines().join('\n')).not.toMatch(/load \d+/);
  });
});
