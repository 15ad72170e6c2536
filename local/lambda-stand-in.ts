/**
 * A Lambda Invoke stand-in: ack's real SDK `Invoke` (through AWS_ENDPOINT_URL_LAMBDA) lands
 * here and runs the named function in this process, as Lambda would: `Event` invocations are
 * answered 202 at once and run afterwards; `RequestResponse` waits for the result.
 */

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type Listening, listen, readBody, sendJson } from './http-util';

export type LocalFunction = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaStandIn extends Listening {
  register(name: string, fn: LocalFunction, timeoutMs?: number): void;
  /** Resolves when every invocation started so far has finished. */
  settled(): Promise<void>;
  invocations: Array<{ name: string; type: string; payload: unknown; error?: string }>;
}

export function lambdaContext(name: string, timeoutMs: number): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export async function startLambda(port = 0): Promise<LambdaStandIn> {
  const functions = new Map<string, { fn: LocalFunction; timeoutMs: number }>();
  const running = new Set<Promise<unknown>>();
  const invocations: LambdaStandIn['invocations'] = [];

  const server = await listen(async (req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const name = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const target = name ? functions.get(name) : undefined;
    if (!name || !target) {
      return sendJson(
        res,
        404,
        { Type: 'User', message: `Function not found: ${name}` },
        {
          'x-amzn-errortype': 'ResourceNotFoundException',
        },
      );
    }
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const payload: unknown = JSON.parse((await readBody(req)).toString() || '{}');
    const entry: LambdaStandIn['invocations'][number] = { name, type, payload };
    invocations.push(entry);
    const run = target.fn(payload, lambdaContext(name, target.timeoutMs));
    const tracked = run.catch((error: unknown) => {
      entry.error = error instanceof Error ? error.name : 'Error';
    });
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
    if (type === 'Event') {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end();
      return;
    }
    try {
      sendJson(res, 200, (await run) ?? null);
    } catch (error) {
      sendJson(
        res,
        200,
        { errorType: error instanceof Error ? error.name : 'Error' },
        {
          'x-amz-function-error': 'Unhandled',
        },
      );
    }
  }, port);

  return {
    ...server,
    invocations,
    register: (name, fn, timeoutMs = 60_000) => functions.set(name, { fn, timeoutMs }),
    settled: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
