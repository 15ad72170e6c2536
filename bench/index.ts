/**
 * `npm run bench [part …]`: the figures in docs/performance.md. Parts: bundles, cold, lateness (with the
 * cost model from its counts), warm, answer (what a person waits for: command → message or reply),
 * modal (a shortcut's click → views.open, warm and with a freshly started controls function), load (2,000 snaps under Slack's rate limits, in a process of
 * its own), flood (one user flooding, limits on and off, each in a process of its own), tokens
 * (distributed mode's token lookups, warm and cold, in a process of its own), home (App Home
 * opened → views.publish, warm and cold), reveal (what reveal once adds to ack's answer: its
 * synchronous call to controls for the key, warm and with a freshly started controls), scale (one
 * sweeper worker's ceiling and the fan-out past it, each case in a process of its own). Not part
 * of `npm test`; prints its figures.
 */
import { type Pipeline, startPipeline } from '../local/pipeline';
import { shownDueAt } from '../local/slack-stand-in';
import { nextTick } from '../shared/domain/engine';
import { SWEEP_MARGIN_MS } from '../shared/domain/snap';
import { benchAnswer } from './answer';
import { benchBundles } from './bundles';
import { benchCold } from './cold';
import { costModel } from './cost';
import { benchHome } from './home';
import { alarmCounts, memorySizes } from './infra';
import { benchLateness } from './lateness';
import { benchModal } from './modal';
import { hideFunctionLogs } from './quiet';
import { benchReveal } from './reveal';
import { benchWarm } from './warm';

const all = [
  'bundles',
  'cold',
  'lateness',
  'warm',
  'answer',
  'modal',
  'home',
  'reveal',
  'load',
  'flood',
  'tokens',
  'scale',
];
const args = process.argv.slice(2);
const selected = args.length > 0 ? args : all;
for (const part of selected)
  if (!all.includes(part)) throw new Error(`unknown part ${part}; parts: ${all.join(', ')}`);
console.log(
  `snap benchmark — ${new Date().toISOString()} — node ${process.version} ${process.platform}/${process.arch}`,
);

if (selected.includes('bundles')) await benchBundles();
if (selected.includes('cold')) await benchCold();

/**
 * The parts that start a pipeline in this process, grouped by pipeline. The bundles read their
 * configuration (the stand-ins' endpoints among it) once per process, so a second pipeline here
 * would send its requests to the first one's stand-ins, closed by then: with more than one group
 * selected, each runs in a process of its own (this script again, with that group's parts).
 */
const groups = [['lateness', 'warm'], ['answer'], ['modal'], ['home'], ['reveal']]
  .map((group) => group.filter((part) => selected.includes(part)))
  .filter((group) => group.length > 0);
const inProcess = (part: string) => groups.length <= 1 && selected.includes(part);
if (groups.length > 1) {
  const { spawnSync } = await import('node:child_process');
  for (const group of groups) {
    const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/index.ts', ...group], {
      stdio: 'inherit',
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}

if (inProcess('lateness') || inProcess('warm')) {
  // The bundles' JSON logs are counted (for the cost model) and kept off the terminal.
  const logs = hideFunctionLogs();
  const p = await startPipeline({ sweepPeriodSeconds: 60 });
  try {
    if (selected.includes('lateness')) {
      // Idle first: what an empty sweep costs.
      const idleRuns = 3;
      for (let i = 0; i < idleRuns; i++) await p.sweep();
      const idleSweeps = p.runs.filter((r) => r.fn === 'sweeper');
      const idle = {
        sweepMs: idleSweeps.reduce((s, r) => s + r.ms, 0) / idleSweeps.length,
        queries: (p.dynamoProxy.counts.get('Query') ?? 0) / idleRuns,
        logBytes: logs.bytes() / idleRuns,
      };
      p.runs.length = 0;
      p.dynamoProxy.counts.clear();
      logs.reset();
      const kmsBefore = p.kms.calls.length;

      const result = await benchLateness(p);
      // What the same snaps cost before the engine: each due before the next tick + 15 s held
      // its poster from the post to its due time.
      let waitedSnaps = 0;
      let waitMs = 0;
      for (const message of p.slack.messages.values()) {
        const due = shownDueAt(message);
        if (due === undefined || due >= nextTick(message.postedAt, p.sweepPeriodMs) + SWEEP_MARGIN_MS)
          continue;
        waitedSnaps++;
        waitMs += due - message.postedAt;
      }
      costModel({
        posterWaitBefore: { snaps: waitedSnaps, seconds: waitMs / 1000 },
        snaps: result.snaps,
        runs: p.runs,
        dynamo: p.dynamoProxy.counts,
        kmsCalls: p.kms.calls.length - kmsBefore,
        logBytes: logs.bytes(),
        idle,
        memoryMb: await memorySizes(),
        alarms: await alarmCounts(),
      });
    }
    if (selected.includes('warm')) await benchWarm(p);
  } finally {
    await p.close();
  }
}
/**
 * One part on a pipeline of its own, its functions' logs hidden. `unlimited`: snap's own rate
 * limits are not what the part measures — off, so 200 snaps or reveals in a row all post.
 */
async function onPipeline(part: (p: Pipeline) => Promise<void>, unlimited: boolean): Promise<void> {
  const logs = hideFunctionLogs();
  const off = ['SNAP_LIMIT_USER_PER_MINUTE', 'SNAP_LIMIT_TEAM_PER_MINUTE', 'SNAP_LIMIT_USER_PENDING'];
  const p = await startPipeline({
    sweepPeriodSeconds: 60,
    ...(unlimited && { env: Object.fromEntries(off.map((name) => [name, '0'])) }),
  });
  try {
    await part(p);
  } finally {
    await p.close();
    logs.reset();
  }
}
if (inProcess('answer')) await onPipeline(benchAnswer, true);
if (inProcess('home')) await onPipeline(benchHome, true);
if (inProcess('reveal')) await onPipeline(benchReveal, true);
if (inProcess('modal')) await onPipeline(benchModal, false);
if (selected.includes('load')) {
  // Its own process: the bundles read their configuration once, and this one's pipeline is done.
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/load.ts'], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
if (selected.includes('tokens'))
  (await import('node:child_process')).spawnSync(
    process.execPath,
    ['scripts/run-ts.mjs', 'bench/tokens.ts'],
    {
      stdio: 'inherit',
    },
  );
if (selected.includes('scale')) {
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/scale.ts'], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
if (selected.includes('flood')) {
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/flood.ts'], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
process.exit(0);
