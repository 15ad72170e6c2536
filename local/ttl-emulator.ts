/**
 * What dynalite lacks: DynamoDB's TTL process and its stream. Expired items are deleted and
 * handed to the reaper as the REMOVE stream records AWS produces for TTL deletions
 * (`userIdentity` Service / dynamodb.amazonaws.com, OldImage), optionally late, as real TTL is,
 * in batches and with the retries of the event source mapping in infra/reaper.tf: a batch that
 * throws, or reports items failed, is retried from its first failed record, and what still
 * fails after the last retry is given up (on AWS, its coordinates go to the failure queue and
 * the record is lost).
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { TABLE } from '../shared/adapters/snap-item';

export interface TtlEmulatorOptions {
  endpoint: string;
  tableName: string;
  /**
   * Tables with TTL and no stream (the reveal table): their expired items are deleted the same
   * way, and nothing hears of it.
   */
  streamless?: string[];
  reaper: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** Extra lateness after expiry before an item is removed (ms); real TTL takes minutes to days. */
  lateByMs?: number;
  now?: () => number;
}

/** The event source mapping's settings (infra/reaper.tf). */
export const REAPER_BATCH_SIZE = 25;
export const REAPER_MAX_RETRIES = 10;

let sequence = 1_000_000;

export function ttlStreamRecord(oldImage: Record<string, unknown>): DynamoDBRecord {
  const seq = String(++sequence);
  return {
    eventID: seq,
    eventName: 'REMOVE',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'local',
    userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { [TABLE.partitionKey]: oldImage[TABLE.partitionKey] } as never,
      OldImage: oldImage as never,
      SequenceNumber: seq,
      SizeBytes: JSON.stringify(oldImage).length,
      StreamViewType: 'OLD_IMAGE',
    },
  };
}

export class TtlEmulator {
  private readonly client: DynamoDBClient;
  /** Stream records the reaper still failed after every retry: on AWS, lost with their messages. */
  readonly givenUp: DynamoDBRecord[] = [];
  constructor(private readonly options: TtlEmulatorOptions) {
    this.client = new DynamoDBClient({ endpoint: options.endpoint });
  }

  /** Hands one batch to the reaper as Lambda does: retried from the first failed record. */
  private async deliver(batch: DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let firstFailed: number;
      try {
        const result = (await this.options.reaper({ Records: pending })) as
          | { batchItemFailures?: Array<{ itemIdentifier?: string }> }
          | undefined;
        const failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        firstFailed = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber));
      } catch {
        firstFailed = 0;
      }
      if (firstFailed < 0) return;
      pending = pending.slice(firstFailed);
      if (attempt === REAPER_MAX_RETRIES) {
        this.givenUp.push(...pending);
        return;
      }
    }
  }

  /** One pass of the TTL process as of `now`; returns how many items it expired. */
  async expire(now = (this.options.now ?? Date.now)()): Promise<number> {
    const limit = Math.floor((now - (this.options.lateByMs ?? 0)) / 1000);
    const records: DynamoDBRecord[] = [];
    for await (const key of this.expiredKeys(this.options.tableName, limit)) {
      const removed = await this.client.send(
        new DeleteItemCommand({ TableName: this.options.tableName, Key: key, ReturnValues: 'ALL_OLD' }),
      );
      if (removed.Attributes) records.push(ttlStreamRecord(removed.Attributes));
    }
    let removed = 0;
    for (const table of this.options.streamless ?? []) removed += await this.expireQuietly(table, limit);
    for (let i = 0; i < records.length; i += REAPER_BATCH_SIZE)
      await this.deliver(records.slice(i, i + REAPER_BATCH_SIZE));
    return records.length + removed;
  }

  private async expireQuietly(tableName: string, limit: number): Promise<number> {
    let removed = 0;
    for await (const key of this.expiredKeys(tableName, limit)) {
      await this.client.send(new DeleteItemCommand({ TableName: tableName, Key: key }));
      removed++;
    }
    return removed;
  }

  /** The keys of `tableName`'s items whose TTL is at or before `limit` (seconds), page by page. */
  private async *expiredKeys(
    tableName: string,
    limit: number,
  ): AsyncGenerator<Record<string, AttributeValue>> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#ttl <= :limit',
          ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':limit': { N: String(limit) } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const key = item[TABLE.partitionKey];
        if (key) yield { [TABLE.partitionKey]: key };
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  destroy(): void {
    this.client.destroy();
  }
}
