/** reaper: DynamoDB stream → for TTL removals only, delete the message the precise path missed. */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { RevealStore } from '../../shared/adapters/reveal-store';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { recordFromImage } from '../../shared/adapters/stream';
import { systemClock } from '../../shared/app/ports';
import { type ReapResult, reap } from '../../shared/app/reap';
import { slackTokens } from '../../shared/compose';
import { reaperConfig } from '../../shared/config';
import { createLogger } from '../../shared/log';

const config = reaperConfig(process.env);
const log = createLogger({ fn: 'reaper' });
const store = new SnapStore(config.tableName);
const reveals = new RevealStore(config.revealTableName);
// Whatever token posted a snap deletes it: users' own always come from the store (only records
// posted as a user ask for one), bot tokens from the configuration or, distributed, the store.
const { tokens } = await slackTokens(config, true);
const slack = new SlackSpeakers({
  tokens,
  apiUrl: config.slackApiUrl,
  log,
});

export async function handler(event: DynamoDBStreamEvent): Promise<ReapResult> {
  const records = (event.Records ?? []).map((r, i) => ({
    eventName: r.eventName,
    userIdentity: r.userIdentity as { type?: string; principalId?: string } | undefined,
    sequenceNumber: r.dynamodb?.SequenceNumber ?? String(i),
    snap: recordFromImage(r.dynamodb?.OldImage as Record<string, unknown> | undefined),
  }));
  return reap(records, { slack, store, reveals, clock: systemClock, log, shards: config.shards });
}
