/**
 * Deletion lateness, in real time: a few hundred snaps with mixed delays (2 s … 3 min), typed
 * over the first 90 s so that many arrive while a sweep is running, through the real bundles
 * (signed command → ack → async Invoke → poster → dynalite → sweeper on a whole-minute schedule)
 * against the Slack stand-in. Lateness = when the stand-in received chat.delete − the due time
 * shown in the message (Slack's own response time excluded).
 *
 * Side by side, the same snaps are tracked by a plain sweep — "every minute, delete what is due
 * now" — on a second Slack stand-in and its own table, with the same due times.
 */
import type { KnownBlock } from '@slack/types';
import { createSnapTable } from '../local/dynamo-local';
import type { Pipeline } from '../local/pipeline';
import { type StandInMessage, shownDueAt, startSlack } from '../local/slack-stand-in';
import { nextTick, shardsOf } from '../shared/domain/engine';
import { tombstone } from '../shared/domain/snap';
import { fmt, judged, summary } from './stats';

export interface LatenessResult {
  snaps: number;
  precise: ReturnType<typeof summary> & { early: number; missing: number };
  plain: ReturnType<typeof summary> & { early: number; missing: number };
  durationMs: number;
}

function delays(n: number): number[] {
  // Deterministic mix: short (poster waits), around the sweep period, and long (sweeper).
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = (i * 7919) % 100;
    if (r < 15) out.push(2 + (i % 9));
    else if (r < 40) out.push(10 + (i % 50));
    else if (r < 60) out.push(60 + (i % 16));
    else out.push(76 + ((i * 13) % 105));
  }
  return out;
}

export async function benchLateness(p: Pipeline, count = 300, spreadMs = 90_000): Promise<LatenessResult> {
  const started = Date.now();
  const { SnapStore } = await import('../shared/adapters/dynamo-store');
  const { SlackGateway } = await import('../shared/adapters/slack');
  const { createLogger } = await import('../shared/log');
  const plainSlack = await startSlack({ token: p.botToken });
  await createSnapTable(p.dynamo.endpoint, 'snap-plain');
  const plainStore = new SnapStore('snap-plain');
  const quiet = createLogger({ fn: 'plain-sweep' }, () => {}, 'error');
  const plainGateway = new SlackGateway({ token: p.botToken, apiUrl: plainSlack.apiUrl, log: quiet });

  // Mirror every precise post onto the plain side with the same due time.
  const mirrored: Array<Promise<void>> = [];
  let n = 0;
  p.slack.events.on('posted', (message: StandInMessage) => {
    const dueAt = shownDueAt(message);
    if (dueAt === undefined) return;
    const id = `plain-${++n}`;
    mirrored.push(
      (async () => {
        const ts = await plainGateway.post({
          channel: message.channel,
          text: message.text,
          // What the stand-in received is what snap posted: Block Kit blocks.
          blocks: message.blocks as KnownBlock[],
        });
        await plainStore.claim({
          id,
          team: 'T',
          channel: message.channel,
          user: 'U',
          state: 'posting',
          dueAt,
          expiresAt: dueAt / 1000 + 900,
          createdAt: Date.now(),
        });
        await plainStore.markPosted(
          { id, team: 'T', channel: message.channel, user: 'U', dueAt },
          ts,
          String(n % 8),
        );
      })(),
    );
  });

  // The plain sweep: at every whole minute, delete everything due by now.
  let plainTimer: NodeJS.Timeout | undefined;
  const plainRuns: Array<Promise<unknown>> = [];
  const armPlain = () => {
    const next = nextTick(Date.now(), p.sweepPeriodMs);
    plainTimer = setTimeout(() => {
      plainRuns.push(
        (async () => {
          for await (const record of plainStore.findDue(Date.now(), shardsOf(0, 8, 1))) {
            await plainGateway.delete(record.channel, record.ts ?? '').catch(() => undefined);
            await plainStore.bury(tombstone(record.id, 'done', Date.now()));
          }
        })(),
      );
      armPlain();
    }, next - Date.now());
  };
  armPlain();
  const stopPrecise = p.schedule();

  // Type the commands over the spread, in 12 workspaces and 40 channels.
  const list = delays(count);
  await Promise.all(
    list.map(async (delay, i) => {
      await new Promise((r) => setTimeout(r, Math.floor((i / count) * spreadMs)));
      await p.command(`${delay}s lateness bench ${i}`, {
        team_id: `T${i % 12}`,
        channel_id: `T${i % 12}-C${i % 40}`,
      });
    }),
  );
  await p.lambda.settled();
  await Promise.all(mirrored);

  // Wait until every message on both sides is gone, or a sweep period past the last due time.
  const lastDue = Math.max(...[...p.slack.messages.values()].map((m) => shownDueAt(m) ?? 0));
  const deadline = lastDue + p.sweepPeriodMs + 30_000;
  while (Date.now() < deadline && (p.slack.live().length > 0 || plainSlack.live().length > 0)) {
    await new Promise((r) => setTimeout(r, 500));
  }
  clearTimeout(plainTimer);
  await stopPrecise();
  await Promise.all(plainRuns);

  const measure = (messages: StandInMessage[]) => {
    const late: number[] = [];
    let missing = 0;
    for (const m of messages) {
      const due = shownDueAt(m);
      if (due === undefined) continue;
      if (m.deletedAt === undefined) missing++;
      else late.push(m.deletedAt - due);
    }
    return { ...summary(late), early: late.filter((l) => l < 0).length, missing };
  };
  const result: LatenessResult = {
    snaps: count,
    precise: measure([...p.slack.messages.values()]),
    plain: measure([...plainSlack.messages.values()]),
    durationMs: Date.now() - started,
  };
  await plainSlack.close();

  const row = (name: string, r: LatenessResult['precise']) =>
    `  ${name.padEnd(28)} n=${r.n}  p50 ${fmt(r.p50, 0).padStart(9)}  p99 ${fmt(r.p99, 0).padStart(9)}  max ${fmt(r.max, 0).padStart(9)}  early ${r.early}  not deleted ${r.missing}`;
  console.log(
    `\ndeletion lateness (${count} snaps, delays 2 s – 3 min, typed over ${spreadMs / 1000} s, sweep every ${p.sweepPeriodMs / 1000} s; run ${(result.durationMs / 60_000).toFixed(1)} min)`,
  );
  console.log(row('snap (poster + sweeper)', result.precise));
  console.log(row('plain minute sweep', result.plain));
  const precise = result.precise;
  console.log(
    `  plain / snap: p99 ×${(result.plain.p99 / Math.max(1, precise.p99)).toFixed(0)}, max ×${(result.plain.max / Math.max(1, precise.max)).toFixed(0)}`,
  );
  console.log(
    `  snap: p99 ${fmt(precise.p99, 0)}, max ${fmt(precise.max, 0)}, early ${precise.early}, not deleted ${precise.missing}  ${judged(
      'p99 ≤ 100 ms, max ≤ 250 ms, never early, none left',
      precise.p99 <= 100 && precise.max <= 250 && precise.early === 0 && precise.missing === 0,
    )}`,
  );
  return result;
}
