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
 * Then the fairness case (DESIGN's "fairness under a flood"): workspace TF floods — twelve users,
 * each a snap every 1.5 s, at and over their limits — while workspace TQ carries on: one user
 * snapping every 2 s, another asking `/snap list` every 3 s. The poster has its deployed reserved
 * concurrency (100: events beyond it wait in Lambda's queue, as on AWS). Printed beside the
 * targets with a verdict: TQ's post latency p99 ≤ 2 s, its deletion lateness p99 ≤ 250 ms, its
 * author controls' answer p99 ≤ 3 s.
 *
 * `npm run bench flood`; it takes about fifteen minutes.
 */
import { spawnSync } from 'node:child_process';
import { type Pipeline, startPipeline } from '../local/pipeline';
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

/** Posters running at once (invoked and not yet finished), sampled every 100 ms until stopped. */
function watchPosters(p: Pipeline): { peak: number; stop(): void } {
  const posters = { peak: 0, stop: () => clearInterval(sampler) };
  const sampler = setInterval(() => {
    const invoked = p.lambda.invocations.filter((i) => i.name === 'snap-poster').length;
    const finished = p.runs.filter((r) => r.fn === 'poster').length;
    posters.peak = Math.max(posters.peak, invoked - finished);
  }, 100);
  return posters;
}

const inChannel = (p: Pipeline, channel: string) =>
  [...p.slack.messages.values()].filter((m) => m.channel === channel);

/**
 * Waits, until `deadline` at most, for each of the `sent` snaps typed in `channel` to be posted
 * (or answered instead, on a response_url whose id starts with `replyPrefix`) and each posted one
 * deleted.
 */
async function untilGone(p: Pipeline, channel: string, replyPrefix: string, sent: number, deadline: number) {
  const done = () =>
    inChannel(p, channel).length + p.slack.replies.filter((r) => r.id.startsWith(replyPrefix)).length >=
      sent && inChannel(p, channel).every((m) => m.deletedAt !== undefined);
  while (Date.now() < deadline && !done()) await sleep(1_000);
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

    const posters = watchPosters(p);

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

    await untilGone(p, 'TF-calm', 'calm-', CALM_SNAPS, started + HORIZON_MS);
    posters.stop();
    await stop();

    const flood = [...p.slack.messages.values()].filter((m) => m.channel.startsWith('TF-C'));
    const posterSeconds = p.runs.filter((r) => r.fn === 'poster').reduce((s, r) => s + r.ms, 0) / 1000;
    const calmMessages = inChannel(p, 'TF-calm');
    const lateOf = (m: StandInMessage) => (m.deletedAt ?? 0) - (shownDueAt(m) ?? 0);
    const deleted = calmMessages.filter((m) => m.deletedAt !== undefined);
    const horizonEnd = started + HORIZON_MS;
    const stillThere = calmMessages.filter((m) => m.deletedAt === undefined);

    const setting = limitsOn
      ? `limits on (defaults: ${DEFAULT_LIMITS.userPerMinute}/min per user, ${DEFAULT_LIMITS.teamPerMinute}/min per workspace, ${DEFAULT_LIMITS.userPending} pending per user)`
      : 'limits off';
    console.log(`\n${setting}`);
    console.log(
      `  flood: typed ${FLOOD_PER_SECOND * FLOOD_SECONDS}, posted ${flood.length}, not posted ${[...refused].map(([why, n]) => `${why}: ${n}`).join(', ') || 'none'}; posters at once: peak ${posters.peak}; poster time ${posterSeconds.toFixed(0)} s (≈ ${((posterSeconds * 256) / 1024).toFixed(0)} GB-s)`,
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

/** DESIGN's fairness row. */
const FAIRNESS_TARGETS = { postP99Ms: 2_000, lateP99Ms: 250, controlsP99Ms: 3_000 };
const FAIR_FLOOD_USERS = 12;
const FAIR_FLOOD_EVERY_MS = 1_500;
const FAIR_SECONDS = 70;
const FAIR_QUIET_EVERY_MS = 2_000;
const FAIR_CONTROLS_EVERY_MS = 3_000;
/** The poster's reserved concurrency as deployed by default (infra/variables.tf). */
const POSTER_RESERVED = 100;

async function runFairness(): Promise<void> {
  for (const name of LIMITS) delete process.env[name];
  const logs = hideFunctionLogs();
  const p = await startPipeline({
    sweepPeriodSeconds: 60,
    slack: { postsPerSecond: 1, deletesPerMinute: DELETES_PER_MINUTE },
    poster: { reservedConcurrency: POSTER_RESERVED },
  });
  try {
    const stop = p.schedule();
    const started = Date.now();
    const posters = watchPosters(p);

    const typed: Array<Promise<unknown>> = [];
    const at = (ms: number, send: () => Promise<unknown>) =>
      typed.push(sleep(started + ms - Date.now()).then(send));
    for (let u = 0; u < FAIR_FLOOD_USERS; u++)
      for (let k = 0; k * FAIR_FLOOD_EVERY_MS < FAIR_SECONDS * 1000; k++)
        at(k * FAIR_FLOOD_EVERY_MS + u * 100, () =>
          p.command(`${floodDelay(k + u)}s fair flood ${u}.${k}`, {
            team_id: 'TF',
            user_id: `U-f${u}`,
            channel_id: `TF-C${u}`,
            response_url: p.slack.responseUrl(`fair-flood-${u}-${k}`),
          }),
        );
    const quietSentAt = new Map<string, number>();
    for (let j = 0; j * FAIR_QUIET_EVERY_MS < FAIR_SECONDS * 1000; j++)
      at(j * FAIR_QUIET_EVERY_MS + 50, () => {
        quietSentAt.set(`quiet ${j}`, Date.now());
        return p.command(`${calmDelay(j)}s quiet ${j}`, {
          team_id: 'TQ',
          user_id: 'U-q',
          channel_id: 'TQ-C1',
          response_url: p.slack.responseUrl(`quiet-${j}`),
        });
      });
    const controlsSentAt = new Map<string, number>();
    for (let c = 0; c * FAIR_CONTROLS_EVERY_MS < FAIR_SECONDS * 1000; c++)
      at(c * FAIR_CONTROLS_EVERY_MS + 150, () => {
        controlsSentAt.set(`controls-${c}`, Date.now());
        return p.command('list', {
          team_id: 'TQ',
          user_id: 'U-q2',
          channel_id: 'TQ-C2',
          response_url: p.slack.responseUrl(`controls-${c}`),
        });
      });
    await Promise.all(typed);

    await untilGone(p, 'TQ-C1', 'quiet-', quietSentAt.size, started + HORIZON_MS);
    posters.stop();
    await stop();

    const quietMessages = inChannel(p, 'TQ-C1');
    const postLatency = quietMessages.map((m) => m.postedAt - (quietSentAt.get(m.text) ?? m.postedAt));
    const lateness = quietMessages
      .filter((m) => m.deletedAt !== undefined)
      .map((m) => (m.deletedAt ?? 0) - (shownDueAt(m) ?? 0));
    // The first answer to each `/snap list` on its response_url.
    const controls = [...controlsSentAt].flatMap(([id, sent]) => {
      const reply = p.slack.replies.find((r) => r.id === id);
      return reply ? [reply.at - sent] : [];
    });
    const unanswered = controlsSentAt.size - controls.length;
    const p99 = (values: number[]) =>
      values.length
        ? quantile(
            [...values].sort((a, b) => a - b),
            0.99,
          )
        : Number.POSITIVE_INFINITY;
    const row = (what: string, value: number, target: number, unit: 'ms' | 's', missing = 0) => {
      const shown = unit === 's' ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
      const goal = unit === 's' ? `${target / 1000} s` : `${target} ms`;
      const ok = value <= target && missing === 0;
      return `  ${what}: p99 ${shown} (target ≤ ${goal})${missing ? `, ${missing} never came` : ''} — ${ok ? 'met' : 'NOT MET'}`;
    };
    const flooded = [...p.slack.messages.values()].filter((m) => m.channel.startsWith('TF-C'));
    const floodReplies = (pattern: RegExp) =>
      p.slack.replies.filter((r) => r.id.startsWith('fair-flood-') && pattern.test(String(r.body.text)))
        .length;
    console.log(
      `
fairness: TF floods (${FAIR_FLOOD_USERS} users, a snap every ${FAIR_FLOOD_EVERY_MS / 1000} s each, ${FAIR_SECONDS} s) while TQ snaps every ${FAIR_QUIET_EVERY_MS / 1000} s and asks /snap list every ${FAIR_CONTROLS_EVERY_MS / 1000} s; poster reserved concurrency ${POSTER_RESERVED}`,
    );
    console.log(
      `  flood: posted ${flooded.length}, refused by a limit ${floodReplies(/faster than snap allows|waiting to self-destruct/)}, refused as snap was busy in the workspace ${floodReplies(/snap is busy/)}, as Slack was busy ${floodReplies(/Slack is busy/)}; posters at once: peak ${posters.peak}`,
    );
    console.log(`  TQ: posted ${quietMessages.length} of ${quietSentAt.size}`);
    console.log(
      row(
        'TQ post latency',
        p99(postLatency),
        FAIRNESS_TARGETS.postP99Ms,
        's',
        quietSentAt.size - quietMessages.length,
      ),
    );
    console.log(
      row(
        'TQ deletion lateness',
        p99(lateness),
        FAIRNESS_TARGETS.lateP99Ms,
        'ms',
        quietMessages.length - lateness.length,
      ),
    );
    console.log(
      row(
        'TQ author controls (/snap list → answer)',
        p99(controls),
        FAIRNESS_TARGETS.controlsP99Ms,
        's',
        unanswered,
      ),
    );
    console.log(`  function log volume ${(logs.bytes() / 1024 / 1024).toFixed(1)} MB`);
  } finally {
    await p.close();
  }
}

if (process.argv[2] === 'case') {
  await runCase(process.argv[3] === 'on');
} else if (process.argv[2] === 'fairness') {
  await runFairness();
} else {
  console.log(
    `\nflood from one user: U-flood types ${FLOOD_PER_SECOND * FLOOD_SECONDS} snaps (${FLOOD_PER_SECOND}/s for ${FLOOD_SECONDS} s, delays 5–44 s) into ${FLOOD_CHANNELS} channels of one workspace, starting ${START_INTO_MINUTE_MS / 1000} s into a minute; U-calm types ${CALM_SNAPS} (one every ${CALM_EVERY_MS / 1000} s, delays 10–39 s) in the same workspace; chat.postMessage 1/s per channel, chat.delete ${DELETES_PER_MINUTE}/min per workspace; sweep every 60 s`,
  );
  for (const args of [['case', 'on'], ['case', 'off'], ['fairness']]) {
    const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/flood.ts', ...args], {
      stdio: 'inherit',
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
process.exit(0);
