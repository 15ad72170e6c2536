/**
 * Cost model from what the lateness run measured (function run times, DynamoDB operations, log
 * bytes, KMS calls) times published prices. Prices: AWS on-demand list prices for us-east-1 /
 * eu-west-1 as of November 2026; free tiers ignored.
 */
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

/** Memory per function as in infra/ (MB). */
export const MEMORY_MB: Record<string, number> = { ack: 512, poster: 256, sweeper: 256, reaper: 256 };
const ALARMS = 7;
const MINUTES_PER_MONTH = 43_200;

export interface Measured {
  snaps: number;
  runs: Array<{ fn: string; ms: number }>;
  dynamo: Map<string, number>;
  kmsCalls: number;
  logBytes: number;
  idle: { sweepMs: number; queries: number; logBytes: number };
}

const gbSeconds = (fn: string, ms: number) => (ms / 1000) * ((MEMORY_MB[fn] ?? 256) / 1024);

export function costModel(m: Measured): { perThousand: number; idleVariable: number; idleFixed: number } {
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
  const idleFixed = PRICES.kmsKeyMonth + ALARMS * PRICES.alarmMonth;

  console.log(`\ncost model (measured counts × list prices, Nov 2026, free tiers ignored)`);
  for (const [what, usd] of lines)
    console.log(`  ${what.padEnd(52)} $${(usd * scale).toFixed(5)} per 1,000 snaps`);
  console.log(`  per 1,000 snaps (this mix): $${(total * scale).toFixed(4)}   (target ≤ $0.05)`);
  console.log(
    `  idle month: sweeper ${MINUTES_PER_MONTH} empty runs (${m.idle.sweepMs.toFixed(0)} ms, ${m.idle.queries} queries, ${m.idle.logBytes} log bytes each) $${idleVariable.toFixed(3)}` +
      ` + fixed (KMS key $${PRICES.kmsKeyMonth.toFixed(2)}, ${ALARMS} alarms $${(ALARMS * PRICES.alarmMonth).toFixed(2)}) = $${(idleVariable + idleFixed).toFixed(2)}`,
  );
  return { perThousand: total * scale, idleVariable, idleFixed };
}
