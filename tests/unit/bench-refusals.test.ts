/**
 * The benchmarks print the snaps not posted by reason, read from the poster's log lines: held
 * here against the lines the poster really writes, so a renamed event or field fails a test
 * rather than leaving a bench that counts nothing.
 */
import { describe, expect, it } from '@jest/globals';
import { count, refusalReason } from '../../bench/refusals';
import { postSnap } from '../../shared/app/post-snap';
import { MESSAGE_TEXT_LIMIT } from '../../shared/domain/message';
import { SlackCallError } from '../../shared/errors';
import { posterEvent, posterFakes, SEALED_CONTENT } from '../support/fakes';

const NOW = 1_800_000_000_250;

/** Every reason the poster's log lines give, for one run of the poster. */
async function reasonsOf(setup: (fakes: ReturnType<typeof posterFakes>) => void, runs = 1) {
  const fakes = posterFakes(NOW);
  setup(fakes);
  for (let i = 0; i < runs; i++)
    await fakes.clock.drive(
      postSnap(posterEvent(NOW, { id: `T1:trig-${i}`, delaySeconds: 3600 }), fakes.deps),
    );
  const reasons = new Map<string, number>();
  for (const line of fakes.lines) {
    const reason = refusalReason(JSON.parse(line) as Record<string, unknown>);
    if (reason) count(reasons, reason);
  }
  return reasons;
}

describe('the benchmarks’ refusals by reason', () => {
  it('name snap’s own limit, and count each refused snap once', async () => {
    const reasons = await reasonsOf(({ deps }) => {
      deps.limits = { userPerMinute: 2, teamPerMinute: 0, userPending: 0 };
    }, 5);

    expect([...reasons]).toEqual([["snap's own limit (user_per_minute)", 3]]);
  });

  it('name Slack being busy once the poster’s retries are spent', async () => {
    const reasons = await reasonsOf(({ slack }) => {
      slack.failPosts(
        new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', { retryAfterMs: 600_000 }),
      );
    });

    expect([...reasons.keys()]).toEqual(["Slack busy: 429s beyond the poster's 10 s of retries"]);
  });

  it('name what Slack refused, and a text longer than Slack takes', async () => {
    const refused = await reasonsOf(({ slack }) => {
      slack.failPosts(new SlackCallError('chat.postMessage', 'platform', 'is_archived'));
    });
    const tooLong = await reasonsOf(({ deps }) => {
      deps.open = async () => ({ ...SEALED_CONTENT, text: 'x'.repeat(MESSAGE_TEXT_LIMIT + 1) });
    });

    expect([...refused.keys()]).toEqual(['Slack refused (is_archived)']);
    expect([...tooLong.keys()]).toEqual(['longer than Slack takes']);
  });

  it('count nothing for a snap that was posted', async () => {
    expect((await reasonsOf(() => undefined)).size).toBe(0);
  });
});
