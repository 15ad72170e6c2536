/**
 * A Lambda Invoke stand-in: ack's real SDK `Invoke` (through AWS_ENDPOINT_URL_LAMBDA) lands
 * here and runs the named function as Lambda would. `RequestResponse` waits for the result;
 * `Event` is answered 202 at once and runs afterwards, with Lambda's asynchronous semantics:
 * a failed run is retried (default twice, after ~1 and ~2 minutes, both scalable), and an event
 * that exhausted its retries or outlived its maximum age goes to the on-failure destination,
 * shaped as Lambda delivers it (request payload, error type and message). With a reserved
 * concurrency, asynchronous events beyond it wait their turn in the queue, as Lambda's do (the
 * benchmarks' shared pool of posters).
 */

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type Listening, listen, readBody, sendJson } from './http-util';

export type LocalFunction = (event: unknown, context: Context) => Promise<unknown>;

export interface FunctionOptions {
  timeoutMs?: number;
  /** Retries of a failed asynchronous run (Lambda: 0–2, default 2). */
  retries?: number;
  /** Wait before each retry (Lambda: about 1 minute, then 2). */
  retryDelaysMs?: number[];
  /** Events older than this are dropped to the on-failure destination (Lambda: up to 6 h). */
  maxEventAgeMs?: number;
  /** Asynchronous runs at once, at most; the rest wait in the queue, first in first out (default: no limit). */
  reservedConcurrency?: number;
}

/** What an on-failure destination (SQS) receives for an event Lambda gave up on. */
export interface FailedEvent {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string };
}

export interface LambdaStandIn extends Listening {
  register(name: string, fn: LocalFunction, options?: FunctionOptions): void;
  /**
   * Delivers an asynchronous event again, as Lambda's at-least-once delivery may: a fresh run
   * with the same payload (its own retries and age limit included).
   */
  redeliver(name: string, payload: unknown): void;
  /** Resolves when every invocation started so far, retries included, has finished. */
  settled(): Promise<void>;
  invocations: Array<{
    name: string;
    type: string;
    payload: unknown;
    attempt: number;
    error?: string;
    errorMessage?: string;
  }>;
  /** The on-failure destination's messages. */
  failed: FailedEvent[];
}

export function lambdaContext(name: string, timeoutMs: number, requestId: string = randomUUID()): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** An event dropped for its age while it waited in the queue. */
class EventAgeExceeded extends Error {
  constructor() {
    super('Event age exceeded while queued');
    this.name = 'EventAgeExceeded';
  }
}

/** How a thrown error reaches Lambda's error report: its type and message (never its stack here). */
export function errorReport(error: unknown): { errorType: string; errorMessage: string } {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message }
    : { errorType: 'Error', errorMessage: String(error) };
}

export async function startLambda(port = 0): Promise<LambdaStandIn> {
  const functions = new Map<string, { fn: LocalFunction; options: Required<FunctionOptions> }>();
  /** Per function: asynchronous runs under way, and the queued ones waiting for one to end. */
  const pools = new Map<string, { active: number; queue: Array<() => void> }>();
  const acquire = async (name: string, limit: number): Promise<() => void> => {
    const pool = pools.get(name) ?? { active: 0, queue: [] };
    pools.set(name, pool);
    if (pool.active >= limit) await new Promise<void>((resolve) => pool.queue.push(resolve));
    else pool.active++;
    return () => {
      const next = pool.queue.shift();
      if (next) next();
      else pool.active--;
    };
  };
  const running = new Set<Promise<unknown>>();
  const invocations: LambdaStandIn['invocations'] = [];
  const failed: FailedEvent[] = [];
  const track = (work: Promise<unknown>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };

  const runAsync = (name: string, payload: unknown) => {
    const target = functions.get(name);
    if (!target) return;
    const { fn, options } = target;
    const requestId = randomUUID();
    const receivedAt = Date.now();
    const attemptRun = async (attempt: number): Promise<void> => {
      const release = await acquire(name, options.reservedConcurrency);
      const entry: LambdaStandIn['invocations'][number] = { name, type: 'Event', payload, attempt };
      invocations.push(entry);
      try {
        // An event that waited in the queue past its age is dropped unrun, as Lambda drops it.
        if (Date.now() - receivedAt > options.maxEventAgeMs) throw new EventAgeExceeded();
        await fn(payload, lambdaContext(name, options.timeoutMs, requestId));
        release();
        return;
      } catch (error) {
        release();
        const report = errorReport(error);
        entry.error = report.errorType;
        entry.errorMessage = report.errorMessage;
        const delay = options.retryDelaysMs[attempt - 1] ?? options.retryDelaysMs.at(-1) ?? 0;
        const tooOld =
          error instanceof EventAgeExceeded || Date.now() + delay - receivedAt > options.maxEventAgeMs;
        if (attempt <= options.retries && !tooOld) {
          await new Promise((r) => setTimeout(r, delay));
          return attemptRun(attempt + 1);
        }
        failed.push({
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: {
            requestId,
            functionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
            condition: tooOld ? 'EventAgeExceeded' : 'RetriesExhausted',
            approximateInvokeCount: attempt,
          },
          requestPayload: payload,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: report,
        });
      }
    };
    track(attemptRun(1));
  };

  const server = await listen(async (req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const name = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const target = name ? functions.get(name) : undefined;
    if (!name || !target) {
      return sendJson(
        res,
        404,
        { Type: 'User', message: `Function not found: ${name}` },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
    }
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const payload: unknown = JSON.parse((await readBody(req)).toString() || '{}');
    if (type === 'Event') {
      runAsync(name, payload);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end();
      return;
    }
    const entry: LambdaStandIn['invocations'][number] = { name, type, payload, attempt: 1 };
    invocations.push(entry);
    const run = target.fn(payload, lambdaContext(name, target.options.timeoutMs));
    track(run.catch(() => undefined));
    try {
      sendJson(res, 200, (await run) ?? null);
    } catch (error) {
      entry.error = errorReport(error).errorType;
      entry.errorMessage = errorReport(error).errorMessage;
      sendJson(res, 200, errorReport(error), { 'x-amz-function-error': 'Unhandled' });
    }
  }, port);

  return {
    ...server,
    invocations,
    failed,
    register: (name, fn, options = {}) =>
      functions.set(name, {
        fn,
        options: {
          timeoutMs: options.timeoutMs ?? 60_000,
          retries: options.retries ?? 2,
          retryDelaysMs: options.retryDelaysMs ?? [60_000, 120_000],
          maxEventAgeMs: options.maxEventAgeMs ?? 6 * 3600_000,
          reservedConcurrency: options.reservedConcurrency ?? Number.POSITIVE_INFINITY,
        },
      }),
    redeliver: (name, payload) => runAsync(name, payload),
    settled: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
