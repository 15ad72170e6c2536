/**
 * Cost model from what the lateness run measured (function run times, DynamoDB operations, log
 * bytes, KMS calls) times published prices. Prices: AWS on-demand list prices for us-east-1 /
 * eu-west-1 as of November 2026; free tiers ignored.
 */
import { judged } from './stats';
export const PRICES = {
  lambdaGbSecond: 0.0000133334, // arm64
  lambdaRequest: 0.2 / 1e6,
  apiRequest: 1.0 / 1e6, // HTTP API
  writeUnit: 0.625 / 1e6, // DynamoDB on-demand
  readUnit: 0.125 / 1e6,
  kmsRequest: 0.03 / 1e4,
  kmsKeyMonth: 1.0,
  alarmMonth: 0.1,
  logGb: 0.5,
};

const MINUTES_PER_MONTH = 43_200;

export interface Measured {
  snaps: number;
  runs: Array<{ fn: string; ms: number }>;
  dynamo: Map<string, number>;
  kmsCalls: number;
  logBytes: number;
  idle: { sweepMs: number; queries: number; logBytes: number };
  /** Memory per function as infra/ gives it (MB; bench/infra.ts). */
  memoryMb: Record<string, number>;
  /** The alarms infra/ defines, always and with optional parts (bench/infra.ts). */
  alarms: { always: number; optional: number };
  /**
   * What the same snaps would have kept posters waiting before the deletion engine (a poster
   * waited out every snap due before the next tick + 15 s, from its post to its due time).
   */
  posterWaitBefore?: { snaps: number; seconds: number };
}

export function costModel(m: Measured): { perThousand: number; idleVariable: number; idleFixed: number } {
  const gbSeconds = (fn: string, ms: number) => {
    const mb = m.memoryMb[fn];
    if (mb === undefined) throw new Error(`no memory size for ${fn}`);
    return (ms / 1000) * (mb / 1024);
  };
  const byFn = new Map<string, { n: number; gbs: number }>();
  for (const run of m.runs) {
    const entry = byFn.get(run.fn) ?? { n: 0, gbs: 0 };
    entry.n++;
    entry.gbs += gbSeconds(run.fn, run.ms);
    byFn.set(run.fn, entry);
  }
  const count = (op: string) => m.dynamo.get(op) ?? 0;
  // Index writes: each posted record enters the due-time, author and message indexes once and
  // leaves each once when its tombstone replaces it (the lease attributes are projected into
  // none of them). A snap makes two PutItems, its claim and its tombstone: 3 index writes each.
  const indexWrites = 3 * count('PutItem');
  const writeUnits = count('PutItem') + count('UpdateItem') + count('DeleteItem') + indexWrites;
  const readUnits = count('Query') * 0.5 + count('GetItem');
  const scale = 1000 / m.snaps;

  const lines: Array<[string, number]> = [];
  for (const [fn, e] of byFn) {
    lines.push([
      `lambda ${fn}: ${e.n} runs, ${e.gbs.toFixed(1)} GB-s`,
      e.gbs * PRICES.lambdaGbSecond + e.n * PRICES.lambdaRequest,
    ]);
  }
  lines.push([`API Gateway: ${m.snaps} requests`, m.snaps * PRICES.apiRequest]);
  lines.push([
    `DynamoDB: ${writeUnits} write units, ${readUnits} read units`,
    writeUnits * PRICES.writeUnit + readUnits * PRICES.readUnit,
  ]);
  lines.push([`KMS: ${m.kmsCalls} requests`, m.kmsCalls * PRICES.kmsRequest]);
  lines.push([`logs: ${(m.logBytes / 1024).toFixed(0)} KB`, (m.logBytes / 1024 ** 3) * PRICES.logGb]);
  const total = lines.reduce((sum, [, usd]) => sum + usd, 0);

  const idleVariable =
    MINUTES_PER_MONTH *
    (gbSeconds('sweeper', m.idle.sweepMs) * PRICES.lambdaGbSecond +
      PRICES.lambdaRequest +
      m.idle.queries * 0.5 * PRICES.readUnit +
      (m.idle.logBytes / 1024 ** 3) * PRICES.logGb);
  const idleFixed = PRICES.kmsKeyMonth + m.alarms.always * PRICES.alarmMonth;

  console.log(`\ncost model (measured counts × list prices, Nov 2026, free tiers ignored)`);
  for (const [what, usd] of lines)
    console.log(`  ${what.padEnd(52)} $${(usd * scale).toFixed(5)} per 1,000 snaps`);
  const perThousand = total * scale;
  console.log(
    `  per 1,000 snaps (this mix): $${perThousand.toFixed(4)}  ${judged('≤ $0.05', perThousand <= 0.05)}`,
  );
  if (m.posterWaitBefore) {
    const waited = gbSeconds('poster', m.posterWaitBefore.seconds * 1000) * PRICES.lambdaGbSecond;
    console.log(
      `  no longer spent: posters waiting out short snaps, as before the engine — ${m.posterWaitBefore.snaps} of these snaps, ${m.posterWaitBefore.seconds.toFixed(0)} s at ${m.memoryMb.poster} MB: $${(waited * scale).toFixed(5)} per 1,000 snaps (the workers' own time is in the sweeper line above)`,
    );
  }
  console.log(
    `  idle month, snap's own: sweeper ${MINUTES_PER_MONTH} empty runs (${m.idle.sweepMs.toFixed(0)} ms at ${m.memoryMb.sweeper} MB, ${m.idle.queries} queries, ${m.idle.logBytes} log bytes each) $${idleVariable.toFixed(3)}  ${judged('≤ $0.10', idleVariable <= 0.1)}`,
  );
  console.log(
    `  fixed fees, apart: KMS key $${PRICES.kmsKeyMonth.toFixed(2)}, ${m.alarms.always} alarms $${(m.alarms.always * PRICES.alarmMonth).toFixed(2)} = $${idleFixed.toFixed(2)} a month (+$${(m.alarms.optional * PRICES.alarmMonth).toFixed(2)} for ${m.alarms.optional} alarm(s) of optional parts)`,
  );
  return { perThousand, idleVariable, idleFixed };
}
