/**
 * A flood from one user (issue #14), in real time: U-flood types as fast as the API lets through
 * — 20 snaps a second for 30 s, short delays, over 20 channels of workspace TF — while U-calm, in
 * the same workspace, types a snap every 2 s in a channel of their own. Slack is the stand-in
 * with its limits (chat.postMessage 1/s per channel, chat.delete 50/min per workspace), the
 * sweeper runs on the minute. The flood starts 40 s into a minute, so it spans two of the limits'
 * fixed windows (their worst case). Run twice, each case in a process of its own (the bundles read
 * their configuration once): with the default limits, and with every limit off.
 *
 * Prints, per case, what the flood got through, how many posters it kept busy at once (what
 * counts against the account's concurrency on AWS) and for how long, and what it did to U-calm:
 * post latency (command → message in the channel) and deletion lateness.
 *
 * `npm run bench flood`; it takes about ten minutes.
 */
import { spawnSync } from 'node:child_process';
import { startPipeline } from '../local/pipeline';
import { type StandInMessage, shownDueAt } from '../local/slack-stand-in';
import { DEFAULT_LIMITS } from '../shared/domain/limits';
import { hideFunctionLogs } from './quiet';
import { count, refusalReason } from './refusals';
import { quantile } from './stats';

const FLOOD_PER_SECOND = 20;
const FLOOD_SECONDS = 30;
const FLOOD_CHANNELS = 20;
const CALM_SNAPS = 20;
const CALM_EVERY_MS = 2_000;
const DELETES_PER_MINUTE = 50;
/** Where in the minute the flood starts: it then spans two of the limits' windows. */
const START_INTO_MINUTE_MS = 40_000;
/** How long after the flood starts U-calm's snaps are waited for. */
const HORIZON_MS = 3 * 60_000;
const LIMITS = ['SNAP_LIMIT_USER_PER_MINUTE', 'SNAP_LIMIT_TEAM_PER_MINUTE', 'SNAP_LIMIT_USER_PENDING'];

const floodDelay = (i: number) => 5 + ((i * 7) % 40);
const calmDelay = (j: number) => 10 + ((j * 13) % 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function line(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return `${label} none`;
  const at = (q: number) => `${(quantile(sorted, q) / 1000).toFixed(2)} s`;
  return `${label} p50 ${at(0.5)}, p99 ${at(0.99)}, max ${at(1)}`;
}

async function runCase(limitsOn: boolean): Promise<void> {
  for (const name of LIMITS) delete process.env[name];
  // The flood's refusals by reason, from the poster's log lines of its channels.
  const refused = new Map<string, number>();
  const logs = hideFunctionLogs((line) => {
    const reason = String(line.channel ?? '').startsWith('TF-C') ? refusalReason(line) : undefined;
    if (reason) count(refused, reason);
  });
  const p = await startPipeline({
    sweepPeriodSeconds: 60,
    slack: { postsPerSecond: 1, deletesPerMinute: DELETES_PER_MINUTE },
    env: limitsOn ? {} : Object.fromEntries(LIMITS.map((name) => [name, '0'])),
  });
  try {
    const stop = p.schedule();
    await sleep((START_INTO_MINUTE_MS - (Date.now() % 60_000) + 60_000) % 60_000);
    const started = Date.now();

    // Posters running at once: invoked and not yet finished.
    let peak = 0;
    const sampler = setInterval(() => {
      const invoked = p.lambda.invocations.filter((i) => i.name === 'snap-poster').length;
      const finished = p.runs.filter((r) => r.fn === 'poster').length;
      peak = Math.max(peak, invoked - finished);
    }, 100);

    const typed: Array<Promise<unknown>> = [];
    const calmSentAt = new Map<string, number>();
    for (let i = 0; i < FLOOD_PER_SECOND * FLOOD_SECONDS; i++) {
      const at = started + (i * 1000) / FLOOD_PER_SECOND;
      typed.push(
        sleep(at - Date.now()).then(() =>
          p.command(`${floodDelay(i)}s flood ${i}`, {
            team_id: 'TF',
            user_id: 'U-flood',
            channel_id: `TF-C${i % FLOOD_CHANNELS}`,
            response_url: p.slack.responseUrl(`flood-${i}`),
          }),
        ),
      );
    }
    for (let j = 0; j < CALM_SNAPS; j++) {
      typed.push(
        sleep(started + j * CALM_EVERY_MS - Date.now()).then(() => {
          calmSentAt.set(`calm ${j}`, Date.now());
          return p.command(`${calmDelay(j)}s calm ${j}`, {
            team_id: 'TF',
            user_id: 'U-calm',
            channel_id: 'TF-calm',
            response_url: p.slack.responseUrl(`calm-${j}`),
          });
        }),
      );
    }
    await Promise.all(typed);

    const calm = () => [...p.slack.messages.values()].filter((m) => m.channel === 'TF-calm');
    const calmDone = () =>
      calm().length + p.slack.replies.filter((r) => r.id.startsWith('calm-')).length >= CALM_SNAPS &&
      calm().every((m) => m.deletedAt !== undefined);
    while (Date.now() < started + HORIZON_MS && !calmDone()) await sleep(1_000);
    clearInterval(sampler);
    await stop();

    const flood = [...p.slack.messages.values()].filter((m) => m.channel.startsWith('TF-C'));
    const posterSeconds = p.runs.filter((r) => r.fn === 'poster').reduce((s, r) => s + r.ms, 0) / 1000;
    const calmMessages = calm();
    const lateOf = (m: StandInMessage) => (m.deletedAt ?? 0) - (shownDueAt(m) ?? 0);
    const deleted = calmMessages.filter((m) => m.deletedAt !== undefined);
    const horizonEnd = started + HORIZON_MS;
    const stillThere = calmMessages.filter((m) => m.deletedAt === undefined);

    const setting = limitsOn
      ? `limits on (defaults: ${DEFAULT_LIMITS.userPerMinute}/min per user, ${DEFAULT_LIMITS.teamPerMinute}/min per workspace, ${DEFAULT_LIMITS.userPending} pending per user)`
      : 'limits off';
    console.log(`\n${setting}`);
    console.log(
      `  flood: typed ${FLOOD_PER_SECOND * FLOOD_SECONDS}, posted ${flood.length}, not posted ${[...refused].map(([why, n]) => `${why}: ${n}`).join(', ') || 'none'}; posters at once: peak ${peak}; poster time ${posterSeconds.toFixed(0)} s (≈ ${((posterSeconds * 256) / 1024).toFixed(0)} GB-s)`,
    );
    console.log(
      `  other user: posted ${calmMessages.length} of ${CALM_SNAPS}; ${line(
        'post latency',
        calmMessages.map((m) => m.postedAt - (calmSentAt.get(m.text) ?? m.postedAt)),
      )}`,
    );
    console.log(
      `  other user: ${line('deletion lateness', deleted.map(lateOf))}${
        stillThere.length > 0
          ? `; ${stillThere.length} not deleted ${HORIZON_MS / 60_000} min after the flood began (already late by ${line(
              '',
              stillThere.map((m) => horizonEnd - (shownDueAt(m) ?? 0)),
            ).trim()})`
          : ''
      }`,
    );
    console.log(
      `  chat.delete 429s: ${p.slack.calls.filter((c) => c.method === 'chat.delete' && c.result === '429').length}; function log volume ${(logs.bytes() / 1024 / 1024).toFixed(1)} MB`,
    );
  } finally {
    await p.close();
  }
}

if (process.argv[2] === 'case') {
  await runCase(process.argv[3] === 'on');
} else {
  console.log(
    `\nflood from one user: U-flood types ${FLOOD_PER_SECOND * FLOOD_SECONDS} snaps (${FLOOD_PER_SECOND}/s for ${FLOOD_SECONDS} s, delays 5–44 s) into ${FLOOD_CHANNELS} channels of one workspace, starting ${START_INTO_MINUTE_MS / 1000} s into a minute; U-calm types ${CALM_SNAPS} (one every ${CALM_EVERY_MS / 1000} s, delays 10–39 s) in the same workspace; chat.postMessage 1/s per channel, chat.delete ${DELETES_PER_MINUTE}/min per workspace; sweep every 60 s`,
  );
  for (const setting of ['on', 'off']) {
    const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/flood.ts', 'case', setting], {
      stdio: 'inherit',
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
process.exit(0);
