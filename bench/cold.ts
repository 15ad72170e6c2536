/**
 * ack cold start: a fresh process imports dist/ack/index.mjs and handles one signed request
 * (KMS and Invoke against local stand-ins), compared in the same run with a bare `node -e 0`,
 * with a process that only imports @slack/bolt, and with the SDK floor (bench/sdk-floor.ts: the
 * same SDK clients making the same calls, nothing else). Runs are interleaved; medians reported.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { startKms } from '../local/kms-stand-in';
import { startLambda } from '../local/lambda-stand-in';
import { computeSignature } from '../shared/domain/signature';
import { fmt, judged, median } from './stats';

/** Spawns without blocking: the stand-ins the child talks to live in this process. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) done({ ms, stdout });
      else fail(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2500)}`));
    });
  });
}

export interface ColdResult {
  ackMs: number;
  bareMs: number;
  boltMs: number;
  ratioToBolt: number;
  ratioToBare: number;
  importMs: number;
  handleMs: number;
  floorMs: number;
  floorRatioToBolt: number;
}

/** Bundles the SDK floor with the functions' own esbuild settings (scripts/bundle-options.mjs). */
async function buildFloor(dir: string): Promise<string> {
  // Loaded at run time, not bundled into the bench: its plugins resolve paths from their own file.
  const { bundleOptions } = (await import(pathToFileURL(resolve('scripts/bundle-options.mjs')).href)) as {
    bundleOptions: (entry: string, outfile: string) => BuildOptions;
  };
  const outfile = join(dir, 'index.mjs');
  await build(bundleOptions('bench/sdk-floor.ts', outfile));
  return pathToFileURL(outfile).href;
}

export async function benchCold(runs = Number(process.env.BENCH_COLD_RUNS ?? 15)): Promise<ColdResult> {
  const kms = await startKms();
  const lambda = await startLambda();
  lambda.register('snap-poster', async () => ({}));
  const secret = 'bench-signing-secret';
  const floorDir = await mkdtemp(join(tmpdir(), 'snap-sdk-floor-'));
  try {
    const floorBundle = await buildFloor(floorDir);
    const secretCiphertext = kms.encrypt(secret, { app: 'snap', secret: 'SLACK_SIGNING_SECRET' });
    const body = new URLSearchParams({
      team_id: 'T1',
      channel_id: 'C1',
      user_id: 'U1',
      command: '/snap',
      text: '30s cold start',
      response_url: 'http://127.0.0.1:9/r',
      trigger_id: 'cold.1',
    }).toString();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_KMS: kms.url,
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      POSTER_FUNCTION_NAME: 'snap-poster',
      SNAP_KMS_KEY_ID: 'alias/snap-local',
      ...(process.env.BENCH_PLAIN
        ? { SLACK_SIGNING_SECRET: secret }
        : {
            SLACK_SIGNING_SECRET_CIPHERTEXT: secretCiphertext,
          }),
      LOG_LEVEL: 'warn',
    };
    const ackBundle = pathToFileURL(resolve('dist/ack/index.mjs')).href;
    // BENCH_COMPARE=<dir with an ack index.mjs>: time that bundle too, interleaved (A/B of a change).
    const compareWith = process.env.BENCH_COMPARE
      ? pathToFileURL(resolve(process.env.BENCH_COMPARE, 'index.mjs')).href
      : undefined;
    const other: number[] = [];
    const floor: number[] = [];
    const ack: number[] = [];
    const bare: number[] = [];
    const bolt: number[] = [];
    const imports: number[] = [];
    const handles: number[] = [];
    for (let i = 0; i < runs; i++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const event = {
        version: '2.0',
        rawPath: '/slack/commands',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': computeSignature(secret, timestamp, body),
        },
        requestContext: { http: { method: 'POST', path: '/slack/commands' } },
        body,
        isBase64Encoded: false,
      };
      // One fresh process importing `bundle` and handling this run's signed request; any answer
      // but 200 would time a failure, so it stops the bench.
      const coldStart = async (bundle: string, nodeArgs: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) => {
        const run = await timed([...nodeArgs, 'bench/cold-child.mjs'], {
          ...env,
          ...extraEnv,
          BENCH_BUNDLE: bundle,
          BENCH_EVENT: JSON.stringify(event),
        });
        const child = JSON.parse(run.stdout) as { status: number; importMs: number; handleMs: number };
        if (child.status !== 200) throw new Error(`cold start of ${bundle} answered ${child.status}`);
        return { ...child, ms: run.ms };
      };
      // BENCH_CPU_PROF=<dir> writes a CPU profile of each ack cold start there (see where the time goes).
      const profile = process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
        : [];
      const run = await coldStart(ackBundle, profile);
      ack.push(run.ms);
      imports.push(run.importMs);
      handles.push(run.handleMs);
      if (compareWith) other.push((await coldStart(compareWith)).ms);
      // The floor always decrypts its secret, as ack does unless BENCH_PLAIN.
      floor.push(
        (await coldStart(floorBundle, [], { SLACK_SIGNING_SECRET_CIPHERTEXT: secretCiphertext })).ms,
      );
      bare.push((await timed(['-e', '0'], env)).ms);
      bolt.push((await timed(['--input-type=module', '-e', "await import('@slack/bolt')"], env)).ms);
    }
    const result: ColdResult = {
      ackMs: median(ack),
      bareMs: median(bare),
      boltMs: median(bolt),
      ratioToBolt: median(ack) / median(bolt),
      ratioToBare: median(ack) / median(bare),
      importMs: median(imports),
      handleMs: median(handles),
      floorMs: median(floor),
      floorRatioToBolt: median(floor) / median(bolt),
    };
    console.log(`\nack cold start (median of ${runs} fresh processes, interleaved)`);
    console.log(
      `  ack: import bundle + first signed request  ${fmt(result.ackMs)}  (import/init ${fmt(result.importMs)}, request ${fmt(result.handleMs)})`,
    );
    if (compareWith)
      console.log(
        `  compared bundle (${process.env.BENCH_COMPARE})  ${fmt(median(other))}  ratio to bolt ${(median(other) / result.boltMs).toFixed(2)}`,
      );
    console.log(
      `  SDK floor: the same clients and calls only  ${fmt(result.floorMs)}  ratio to bolt ${result.floorRatioToBolt.toFixed(2)}; ack above it ${fmt(result.ackMs - result.floorMs)}`,
    );
    console.log(`  node -e 0                                  ${fmt(result.bareMs)}`);
    console.log(`  import('@slack/bolt') only                 ${fmt(result.boltMs)}`);
    const toFloor = result.ackMs / result.floorMs;
    console.log(`  ack / SDK floor: ${toFloor.toFixed(2)}  ${judged('≤ 1.10', toFloor <= 1.1)}`);
    console.log(
      `  ack / bolt import: ${result.ratioToBolt.toFixed(2)}  ${judged('≤ 0.55', result.ratioToBolt <= 0.55)}`,
    );
    console.log(`  ack / bare node: ${result.ratioToBare.toFixed(2)}`);
    return result;
  } finally {
    await Promise.all([kms.close(), lambda.close(), rm(floorDir, { recursive: true, force: true })]);
  }
}
