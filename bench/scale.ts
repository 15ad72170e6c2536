/**
 * One sweeper worker's ceiling, and the fan-out past it (issue #22), in real time through the
 * built bundles: the dispatcher of one tick starts the workers (asynchronous invocations through
 * the Lambda stand-in, each worker in a process of its own started as Lambda starts Node for the
 * 512 MB infra/ gives it), which delete snaps of hundreds of workspaces falling due together —
 * every due time is a whole second, so each second's snaps are due in the same instant — against
 * a Slack stand-in that answers after 50–150 ms and whose limits are off. Records and messages
 * are seeded straight into dynalite and the stand-in, so what is measured is the sweeper alone.
 *
 * Lateness is when chat.delete reached the stand-in less the due time (Slack's response time
 * excluded). The ceiling is the highest rate at which p99 stays within 100 ms. Each case runs in a
 * process of its own (the bundles read their configuration once).
 *
 * `npm run bench -- scale`; about 15 minutes.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startPipeline } from '../local/pipeline';
import { shardOf } from '../shared/domain/engine';
import { hideFunctionLogs } from './quiet';
import { judged, median, summary } from './stats';

interface Case {
  workers: number;
  shards: number;
  perMinute: number;
  seconds: number;
  workspaces: number;
  /** Calls to Slack one worker has under way at once (SNAP_SWEEP_IN_FLIGHT). */
  inFlight: number;
}

interface Result extends Case {
  offered: number;
  deleted: number;
  early: number;
  twice: number;
  p50: number;
  p99: number;
  max: number;
  /** Deletions a minute over the case: from the first due time to the last deletion. */
  throughput: number;
  workersStarted: number;
  peakRssMb: number;
  /** The sweeper processes' CPU per deletion (ms), start-up left out. */
  cpuPerDeletionMs: number;
  opsPerDeletion: Record<string, number>;
}

const SHARDS = 8;
const WORKSPACES = 300;
const SECONDS = 30;
/** The first snaps fall due this long after the dispatcher runs: the workers' start and first reads. */
const LEAD_MS = 10_000;
const SEED_ALLOWANCE_MS = 20_000;
/** What the sweeper is deployed with (SNAP_SWEEP_IN_FLIGHT's default). */
const DEPLOYED_IN_FLIGHT = 50;
/** What the fan-out's workers get: few enough that four fit this machine's cores. */
const FAN_OUT_IN_FLIGHT = 2;
/** A backlog for one such worker: half as much again as 2 calls at once through ~100 ms answers. */
const SATURATING_PER_WORKER = 1_800;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function runCase(c: Case): Promise<Result> {
  const logs = hideFunctionLogs();
  const p = await startPipeline({
    sweepPeriodSeconds: 60,
    // dynalite takes ~300 writes a second sharing this process, ~1,000 in its own.
    dynamoIsolated: process.env.BENCH_DYN !== '0',
    slack: { latencyMs: [50, 150] },
    sweeper: { isolated: true, memoryMb: 512, shards: c.shards, workers: c.workers, inFlight: c.inFlight },
  });
  try {
    // The dispatcher runs 5–20 s into a minute, so the tick's window (to 75 s past it) holds
    // every due time of the case.
    const earliest = Date.now() + SEED_ALLOWANCE_MS;
    const into = earliest % 60_000;
    const start =
      into >= 5_000 && into <= 20_000 ? earliest : earliest - into + (into < 5_000 ? 5_000 : 65_000);
    const tick = Math.floor(start / 60_000) * 60_000;

    // Seed: each second of the case, perMinute / 60 snaps due at once, over the workspaces in turn.
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: p.dynamo.endpoint }));
    const due = new Map<string, number>();
    const items: Array<Record<string, unknown>> = [];
    let n = 0;
    for (let second = 0; second < c.seconds; second++) {
      const dueAt = Math.ceil((start + LEAD_MS) / 1000) * 1000 + second * 1000;
      const count = Math.floor(((second + 1) * c.perMinute) / 60) - Math.floor((second * c.perMinute) / 60);
      for (let k = 0; k < count; k++, n++) {
        const team = `TS${(n % c.workspaces).toString(36).toUpperCase()}`;
        const channel = `${team}-C${n % 7}`;
        const ts = `${Math.floor(dueAt / 1000) - 60}.${String(n).padStart(6, '0')}`;
        const id = `${team}:scale-${n}`;
        due.set(`${channel}/${ts}`, dueAt);
        p.slack.messages.set(`${channel}/${ts}`, {
          channel,
          ts,
          text: 'x',
          blocks: [],
          postedAt: dueAt - 60_000,
        });
        items.push({
          pk: `snap#${id}`,
          team,
          channel,
          user: 'U1',
          state: 'posted',
          postedAs: 'bot',
          ts,
          dueAt,
          dueShard: String(shardOf({ team }, c.shards)),
          author: `${team}#U1`,
          message: `${team}#${channel}#${ts}`,
          createdAt: dueAt - 60_000,
          expiresAt: Math.ceil(dueAt / 1000) + 900,
        });
      }
    }
    for (let i = 0; i < items.length; i += 25)
      await db.send(
        new BatchWriteCommand({
          RequestItems: { [p.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    db.destroy();
    if (Date.now() > start) throw new Error('seeding took longer than its allowance');
    p.dynamoProxy.counts.clear();

    // Act: the tick's dispatch, then every worker it started, to the end.
    await sleep(start - Date.now());
    await p.sweep(tick);

    // Assess
    const late: number[] = [];
    let deleted = 0;
    let lastDeleted = 0;
    for (const [key, dueAt] of due) {
      const message = p.slack.messages.get(key);
      if (message?.deletedAt === undefined) continue;
      deleted++;
      late.push(message.deletedAt - dueAt);
      lastDeleted = Math.max(lastDeleted, message.deletedAt);
    }
    const okDeletes = p.slack.calls.filter(
      (call) => call.method === 'chat.delete' && call.result === 'ok',
    ).length;
    const firstDue = Math.min(...due.values());
    const stats = summary(late);
    const ops: Record<string, number> = {};
    for (const [op, count] of p.dynamoProxy.counts) ops[op] = count / Math.max(1, deleted);
    return {
      ...c,
      offered: due.size,
      deleted,
      early: late.filter((l) => l < 0).length,
      twice: okDeletes - deleted,
      p50: stats.p50,
      p99: stats.p99,
      max: stats.max,
      throughput: (deleted / Math.max(1, lastDeleted - firstDue)) * 60_000,
      workersStarted: p.lambda.invocations.filter(
        (i) => (i.payload as { kind?: string }).kind === 'sweep-worker',
      ).length,
      peakRssMb: (p.sweeperProcess?.peakRssKb() ?? 0) / 1024,
      cpuPerDeletionMs: (p.sweeperProcess?.cpuMs() ?? 0) / Math.max(1, deleted),
      opsPerDeletion: ops,
    };
  } finally {
    await p.close();
    void logs;
  }
}

function run(c: Case): Result {
  const child = spawnSync(
    process.execPath,
    ['scripts/run-ts.mjs', 'bench/scale.ts', 'case', JSON.stringify(c)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const line = child.stdout
    .toString()
    .split('\n')
    .find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`case ${JSON.stringify(c)} failed (${child.status})`);
  return JSON.parse(line.slice('RESULT '.length)) as Result;
}

const row = (r: Result) =>
  `  W=${r.workers} (${r.inFlight} at once)  ${String(r.perMinute).padStart(6)}/min offered  deleted ${r.deleted}/${r.offered}  early ${r.early}  twice ${r.twice}  lateness p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms  → ${Math.round(r.throughput)}/min  (${r.workersStarted} worker(s), peak ${r.peakRssMb.toFixed(0)} MB, CPU ${r.cpuPerDeletionMs.toFixed(2)} ms per deletion)`;
const fine = (r: Result) => r.p99 <= 100 && r.early === 0 && r.twice === 0 && r.deleted === r.offered;

if (process.argv[2] === 'case') {
  const result = await runCase(JSON.parse(process.argv[3] ?? '{}') as Case);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

const shape = { shards: SHARDS, seconds: SECONDS, workspaces: WORKSPACES };
console.log(
  `\none sweeper worker's ceiling and the fan-out: ${WORKSPACES} workspaces, ${SHARDS} shards, snaps due on whole seconds for ${SECONDS} s, Slack answering in 50–150 ms (limits off), each worker a 512 MB process; load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`,
);

/** One worker, the rate raised until p99 passes 100 ms: the cases run and the ceiling found. */
function ramp(inFlight: number, rates: number[]): { cases: Result[]; ceiling: Result | undefined } {
  const cases: Result[] = [];
  for (const perMinute of rates) {
    const result = run({ ...shape, workers: 1, perMinute, inFlight });
    cases.push(result);
    console.log(row(result));
    if (!fine(result)) break;
  }
  return { cases, ceiling: cases.filter(fine).at(-1) };
}

// 1. The worker as deployed (50 calls to Slack at once): its ceiling, memory, operations, CPU.
console.log(`\n  the worker as deployed (${DEPLOYED_IN_FLIGHT} calls to Slack at once)`);
const deployed = ramp(DEPLOYED_IN_FLIGHT, [1_200, 2_400, 3_000, 3_600, 4_800, 6_000]);
// What a deletion costs beyond the worker's fixed work (its watch, its reads), between the
// slowest and the fastest case of the ramp.
const [low, high] = [deployed.cases[0], deployed.cases.at(-1)];
const cpu =
  low && high && high.deleted > low.deleted
    ? (high.cpuPerDeletionMs * high.deleted - low.cpuPerDeletionMs * low.deleted) /
      (high.deleted - low.deleted)
    : median(deployed.cases.map((r) => r.cpuPerDeletionMs));
if (deployed.ceiling) {
  const c = deployed.ceiling;
  const ops = Object.entries(c.opsPerDeletion)
    .map(([op, k]) => `${op} ${k.toFixed(2)}`)
    .join(', ');
  console.log(
    `  one worker's ceiling: ${c.perMinute} deletions a minute at p99 ≤ 100 ms ${judged('measured and printed', true)}; peak resident memory ${c.peakRssMb.toFixed(0)} MB = ${((100 * c.peakRssMb) / 512).toFixed(0)} % of 512 MB; DynamoDB operations per deletion: ${ops}`,
  );
} else
  console.log(
    `  one worker's ceiling: p99 over 100 ms at the lowest rate ${judged('measured and printed', false)} (is the machine busy? load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
console.log(
  `  CPU ${cpu.toFixed(2)} ms per deletion beyond the worker's fixed work (watch, reads): the ceiling at p99 ≤ 100 ms is CPU spent at the instant a second's snaps fall due (each call to Slack costs its share before the next can start); one core busy all the time deletes ${Math.round(60_000 / cpu)} a minute`,
);

// 2. The fan-out. On a machine of two cores, workers at 50 calls at once through a backlog would
// contend for the cores; with 2 calls at once each, every worker is bound by its own concurrency
// and Slack's latency, as it is on Lambda where each has its own share of a vCPU.
console.log(
  `\n  the fan-out, each worker bound by its concurrency (${FAN_OUT_IN_FLIGHT} calls to Slack at once, so that four fit this machine's cores)`,
);
// Throughput: the same backlog per worker, more than it can delete on time, W = 1, 2, 4.
const saturated: Result[] = [];
for (const workers of [1, 2, 4]) {
  const result = run({
    ...shape,
    workers,
    perMinute: workers * SATURATING_PER_WORKER,
    inFlight: FAN_OUT_IN_FLIGHT,
  });
  saturated.push(result);
  console.log(row(result));
}
const base = saturated[0]?.throughput ?? 0;
for (const r of saturated.slice(1))
  console.log(
    `  W=${r.workers}: ${Math.round(r.throughput)} deletions a minute through a backlog = ${(r.throughput / base).toFixed(2)} × one worker's ${Math.round(base)} ${judged(`≥ ${(0.8 * r.workers).toFixed(1)} ×`, r.throughput >= 0.8 * r.workers * base && r.early === 0 && r.twice === 0)}`,
  );
// Lateness under the ceiling: the same load, four fifths of one deployed worker's ceiling,
// spread over W = 1, 2, 4 workers as deployed: handing work over between groups, dispatches and
// watches add no lateness.
const ceilingRate = deployed.ceiling?.perMinute ?? 0;
const sameLoad = Math.round((0.8 * ceilingRate) / 60) * 60;
for (const workers of sameLoad > 0 ? [1, 2, 4] : []) {
  const under = run({ ...shape, workers, perMinute: sameLoad, inFlight: DEPLOYED_IN_FLIGHT });
  console.log(row(under));
  console.log(
    `  W=${workers}: p99 ${under.p99.toFixed(0)} ms at ${sameLoad}/min, under one worker's ceiling ${judged('≤ 100 ms, never early, none twice', fine(under))}`,
  );
}
process.exit(0);
