/**
 * What reveal once adds to ack's path (issue #20): before it can answer Slack, ack waits for the
 * controls function (a RequestResponse Invoke) to make the reveal's key — KMS GenerateDataKey, an
 * X25519 public half, the wrapped key written to the reveal table — then seals the secret to it
 * and hands the reveal to the poster. Slack gives an app 3 s to answer a command (or a modal's
 * submission, which goes the same way), so that wait is the figure that matters.
 *
 * Measured from the signed request entering ack to ack's answer (its empty 200), in process:
 * - warm: 200 `/snap reveal`s and, interleaved, 200 plain `/snap`s (the same path without the
 *   key), every function warm: what the key adds is the difference;
 * - cold: each reveal's key made by a controls function freshly started in a process of its own
 *   (Node's start, the bundle's import, its init — the bot token opened with KMS — then the key),
 *   as after a deploy or a quiet spell. ack itself is warm here (its cold start is `cold`).
 *
 * Target: p99 ≤ 3 s, Slack's limit for the answer; ack gives the key 2 s of it (its own timeout,
 * functions/ack/handler.ts), and a reveal whose key does not come in time is refused at once.
 */
import { lambdaContext } from '../local/lambda-stand-in';
import type { Pipeline } from '../local/pipeline';
import { onFreshFunction } from './fresh';
import { fmt, judged, summary } from './stats';

/** ack's time for one command: the signed request in, its answer out (ms); the rest waited for apart. */
async function ackTime(p: Pipeline, text: string, channel: string): Promise<number> {
  const event = p.commandEvent(text, {
    channel_id: channel,
    response_url: p.slack.responseUrl(`reveal-${channel}`),
  });
  const started = performance.now();
  const result = await p.ack(event, lambdaContext('snap-ack', 3000));
  const ms = performance.now() - started;
  if (result.statusCode !== 200 || (result.body ?? '') !== '')
    throw new Error(`ack answered ${result.statusCode} ${result.body ?? ''}: the key did not come`);
  // The poster's work (the card, the notes) is not ack's: done before the next request.
  await p.lambda.settled();
  return ms;
}

export async function benchReveal(p: Pipeline, distDir = 'dist'): Promise<void> {
  console.log(
    "\nreveal once on ack's path: a command → ack's answer, the controls function making the key meanwhile",
  );

  // Warm: the first ten of each warm every function and connection, and are not counted.
  const reveals: number[] = [];
  const snaps: number[] = [];
  for (let i = 0; i < 210; i++) {
    const reveal = await ackTime(p, `reveal 1h bench secret ${i}`, `C-reveal-${i}`);
    const snap = await ackTime(p, `1h bench snap ${i}`, `C-reveal-snap-${i}`);
    if (i >= 10) {
      reveals.push(reveal);
      snaps.push(snap);
    }
  }
  const r = summary(reveals);
  const s = summary(snaps);
  console.log(
    `  warm: /snap reveal answered p50 ${fmt(r.p50)}, p99 ${fmt(r.p99)}, max ${fmt(r.max)} ${judged('p99 ≤ 3 s', r.p99 <= 3_000)}`,
  );
  console.log(
    `  warm: a plain /snap answered p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}; the key adds p50 ${fmt(r.p50 - s.p50)}, p99 ${fmt(r.p99 - s.p99)}`,
  );

  // Cold: a controls function started afresh for every reveal.
  const colds = await onFreshFunction(
    p,
    distDir,
    'snap-controls',
    60_000,
    (i) => ackTime(p, `reveal 1h bench cold secret ${i}`, `C-reveal-cold-${i}`),
    false,
  );
  const c = summary(colds);
  console.log(
    `  cold controls: /snap reveal answered p50 ${fmt(c.p50)}, p99 ${fmt(c.p99)}, max ${fmt(c.max)} ${judged('p99 ≤ 3 s', c.p99 <= 3_000)}; ${((c.p99 / 3_000) * 100).toFixed(0)} % of Slack's 3 s, ${((c.p99 / 2_000) * 100).toFixed(0)} % of ack's 2 s for the key`,
  );
}
