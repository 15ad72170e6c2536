/**
 * What the end-to-end suites share: a pipeline started from the built bundles, with its logs
 * captured and its privacy ledger kept (tests/support/privacy.ts), and ways to look at one
 * channel of it.
 */
import { existsSync } from 'node:fs';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from '@jest/globals';
import { type Pipeline, type PipelineOptions, startPipeline } from '../../local/pipeline';
import { type StandInMessage, shownDueAt } from '../../local/slack-stand-in';
import { captureStdout } from './logs';
import { watchPipeline } from './privacy';
import { until } from './wait';

/** The due time a message shows (ms). */
export const dueOf = (m: StandInMessage | undefined) => Number(shownDueAt(m));

/**
 * "On time", as an end-to-end test can tell it: deleted by the worker that held it, not left to
 * the next dispatch (a sweep period, 10 s in these suites, later). Precision itself is the
 * bench's (`npm run bench -- lateness`, p99 ≤ 100 ms): here the bundles run as processes of their
 * own beside other suites on two shared cores, where a worker's start can take most of a second.
 */
export const ON_TIME_MS = 3_000;

/** Starts the suite's pipeline before its tests and closes it after them. */
export function pipelineSuite(suite: string, options: PipelineOptions) {
  const logs = captureStdout();
  let started: Pipeline | undefined;
  let ledger: ReturnType<typeof watchPipeline> | undefined;
  beforeAll(async () => {
    if (!existsSync('dist/ack/index.mjs'))
      throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    started = await startPipeline(options);
    ledger = watchPipeline(started, suite, logs);
  }, 30_000);
  afterAll(async () => {
    await ledger?.write();
    logs.restore();
    await started?.close();
  });
  const pipeline = (): Pipeline => {
    if (!started) throw new Error('the pipeline has not started');
    return started;
  };
  return {
    logs,
    pipeline,
    messagesIn: (channel: string) =>
      [...pipeline().slack.messages.values()].filter((m) => m.channel === channel),
    recordsIn: async (channel: string) => (await pipeline().records()).filter((r) => r.channel === channel),
    /** The message texts this suite's commands carried: what must never leave Slack. */
    textsSent: (): readonly string[] => ledger?.texts() ?? [],
    calls: (method: string, channel?: string) =>
      pipeline().slack.calls.filter((c) => c.method === method && (!channel || c.params.channel === channel)),
    /** The last answer the poster sent to a response_url, once there are more than `count`. */
    lastReplyIn: (count: number) =>
      until(
        () => (pipeline().slack.replies.length > count ? pipeline().slack.replies.at(-1) : undefined),
        10_000,
      ),
    /** Moves the due time of a channel's pending snaps into the past, as if their time had come. */
    async overdue(channel: string): Promise<void> {
      const db = new DynamoDBClient({ endpoint: pipeline().dynamo.endpoint });
      try {
        for (const record of (await pipeline().records()).filter((r) => r.channel === channel))
          await db.send(
            new UpdateItemCommand({
              TableName: pipeline().tableName,
              Key: { pk: { S: String(record.pk) } },
              UpdateExpression: 'SET dueAt = :due',
              ExpressionAttributeValues: { ':due': { N: String(Date.now() - 1_000) } },
            }),
          );
      } finally {
        db.destroy();
      }
    },
  };
}
