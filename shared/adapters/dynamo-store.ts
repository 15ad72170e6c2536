/**
 * DynamoDB adapter: the one table. Items are keyed by request id, so the poster's conditional
 * write is its idempotency check; posted items join a sparse, sharded index on their due time,
 * which is all the sweeper ever reads (never a Scan). A settled request is never deleted: a
 * PutItem replaces it with its tombstone (key, state, TTL), and TTL removes that later.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuthorRef, ClaimResult, StorePort } from '../app/ports';
import type { WindowCounter } from '../domain/limits';
import { type SlotGroup, slotExpiresAt } from '../domain/slots';
import { leaseTtl, type SnapRecord, type StoredRecord, type Tombstone, ttlFor } from '../domain/snap';
import { StoreError } from '../errors';
import { attempt, conditionally, documents } from './dynamo-calls';
import {
  authorKey,
  COUNTER_PREFIX,
  fromItem,
  keyOf,
  liveFromItem,
  messageKey,
  SLOT_PREFIX,
  TABLE,
  toItem,
  tombstoneItem,
} from './snap-item';

export { TABLE } from './snap-item';

/** Records per due-index page: what one shard's reader holds at a time. */
const DUE_PAGE_SIZE = 100;

export class SnapStore implements StorePort {
  constructor(private readonly tableName: string) {}

  /** Creates the record in state `posting` unless this request id was seen before. */
  async claim(record: SnapRecord): Promise<ClaimResult> {
    const claimed = await conditionally('claim', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      ),
    );
    if (claimed) return { claimed: true };
    const existing = await this.get(record.id);
    return { claimed: false, existing };
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const out = await attempt('get', () =>
      documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(id), ConsistentRead: true })),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /** Records the posted message and enters it in the due-time (in its workspace's shard), author and message indexes. */
  async markPosted(
    record: Pick<SnapRecord, 'id' | 'team' | 'channel' | 'user' | 'dueAt' | 'postedAs' | 'files'>,
    ts: string,
    shard: string,
  ): Promise<void> {
    const { id } = record;
    const names: Record<string, string> = {
      '#state': 'state',
      '#ts': 'ts',
      '#shard': TABLE.dueIndex.partitionKey,
      '#author': TABLE.authorIndex.partitionKey,
      '#message': TABLE.messageIndex.partitionKey,
      '#due': TABLE.dueIndex.sortKey,
      '#ttl': TABLE.ttlAttribute,
      '#as': 'postedAs',
    };
    const values: Record<string, unknown> = {
      ':posted': 'posted',
      ':as': record.postedAs ?? 'bot',
      ':posting': 'posting',
      ':ts': ts,
      ':shard': shard,
      ':author': authorKey(record),
      ':message': messageKey(record.team, record.channel, ts),
      ':due': record.dueAt,
      ':ttl': ttlFor(record.dueAt),
    };
    let update =
      'SET #state = :posted, #ts = :ts, #shard = :shard, #author = :author, #message = :message, #due = :due, #ttl = :ttl, #as = :as';
    if (record.files?.length) {
      // A message its author sent (snap_this): its files go with it. Ids only.
      update += ', #files = :files';
      names['#files'] = 'files';
      values[':files'] = record.files;
    }
    update += ' REMOVE postingUntil'; // the claim's deadline means nothing once posted
    await attempt('markPosted', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          UpdateExpression: update,
          ConditionExpression: '#state = :posting',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /**
   * Replaces a `posting` claim by a `lost` tombstone (the post may have happened; nothing more is
   * known), unless the claim moved on — another delivery settled it, or the record was written
   * after all: true for the one caller that changed it.
   */
  async markLost(tombstone: Tombstone): Promise<boolean> {
    return conditionally('markLost', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: tombstoneItem(tombstone),
          ConditionExpression: '#state = :posting',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':posting': 'posting' },
        }),
      ),
    );
  }

  /**
   * Replaces whatever the table holds for a request with its tombstone. A whole-item PutItem, so
   * nothing else survives: the record leaves every index, its lease and coordinates go with it.
   */
  async bury(tombstone: Tombstone): Promise<void> {
    await attempt('bury', () =>
      documents.send(new PutCommand({ TableName: this.tableName, Item: tombstoneItem(tombstone) })),
    );
  }

  /**
   * Claims a request that leaves no record of its own (an author's list, cancel or delete): writes
   * its tombstone unless the request id was seen before. True for the first delivery only.
   */
  async claimRequest(tombstone: Tombstone): Promise<boolean> {
    return conditionally('claimRequest', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: tombstoneItem(tombstone),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      ),
    );
  }

  /**
   * Every posted record due before `before` (ms), oldest due first, across the given index
   * shards — read a page at a time per shard and merged, so a caller that stops early, or a
   * backlog of any size, never holds more than a page per shard here.
   */
  async *findDue(before: number, shardNumbers: readonly number[]): AsyncGenerator<SnapRecord> {
    const shards = shardNumbers.map((shard) => ({
      shard: String(shard),
      page: [] as SnapRecord[],
      start: undefined as Record<string, unknown> | undefined,
      done: false,
    }));
    const fill = async (s: (typeof shards)[number]) => {
      // A page may hold nothing posted (the index is sparse, but states change): read on.
      while (s.page.length === 0 && !s.done) {
        const out = await this.queryShard(s.shard, before, s.start);
        s.page = out.records;
        s.start = out.next;
        s.done = out.next === undefined;
      }
    };
    await Promise.all(shards.map(fill));
    for (;;) {
      let earliest: (typeof shards)[number] | undefined;
      for (const s of shards) {
        const head = s.page[0];
        if (head && (!earliest || head.dueAt < (earliest.page[0]?.dueAt ?? Number.POSITIVE_INFINITY)))
          earliest = s;
      }
      const record = earliest?.page.shift();
      if (!earliest || !record) return;
      yield record;
      if (earliest.page.length === 0) await fill(earliest);
    }
  }

  /**
   * Whether a shard holds anything due before `before`: a COUNT that stops at the first entry, so
   * the dispatcher's look at an idle shard costs the smallest read there is.
   */
  async hasDue(shard: number, before: number): Promise<boolean> {
    const out = await attempt('hasDue', () =>
      documents.send(
        new QueryCommand({ ...this.dueQuery(String(shard), before), Select: 'COUNT', Limit: 1 }),
      ),
    );
    return (out.Count ?? 0) > 0;
  }

  /** The due index's entries of one shard due before `before` (ms): what findDue and hasDue read. */
  private dueQuery(shard: string, before: number) {
    return {
      TableName: this.tableName,
      IndexName: TABLE.dueIndex.name,
      KeyConditionExpression: '#shard = :shard AND #due < :before',
      ExpressionAttributeNames: {
        '#shard': TABLE.dueIndex.partitionKey,
        '#due': TABLE.dueIndex.sortKey,
      },
      ExpressionAttributeValues: { ':shard': shard, ':before': before },
    };
  }

  private async queryShard(
    shard: string,
    before: number,
    start: Record<string, unknown> | undefined,
  ): Promise<{ records: SnapRecord[]; next: Record<string, unknown> | undefined }> {
    const out = await attempt('findDue', () =>
      documents.send(
        new QueryCommand({ ...this.dueQuery(shard, before), ExclusiveStartKey: start, Limit: DUE_PAGE_SIZE }),
      ),
    );
    const records: SnapRecord[] = [];
    for (const item of out.Items ?? []) {
      const record = fromItem(item);
      if (record?.state === 'posted' && record.ts) records.push(record);
    }
    return { records, next: out.LastEvaluatedKey };
  }

  /** An author's live snaps (in their workspace, or their org on Grid), newest first, at most `limit`. */
  async findByAuthor(author: AuthorRef, limit = 100): Promise<SnapRecord[]> {
    const found: SnapRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await attempt('findByAuthor', () =>
        documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE.authorIndex.name,
            KeyConditionExpression: '#author = :author',
            ExpressionAttributeNames: { '#author': TABLE.authorIndex.partitionKey },
            ExpressionAttributeValues: { ':author': authorKey(author) },
            ScanIndexForward: false,
            ...(Number.isFinite(limit) ? { Limit: limit - found.length } : {}),
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        const record = liveFromItem(item);
        if (record?.state === 'posted' && record.ts) found.push(record);
      }
      start = out.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found;
  }

  /**
   * One page of an author's live snaps for App Home, newest first, created before `before`:
   * index pages are read until `limit` live ones (and one more, to know there are older) are
   * found, so tombstoned entries in between never shorten a page.
   */
  async findByAuthorPage(
    author: AuthorRef,
    limit: number,
    before?: number,
  ): Promise<{ records: SnapRecord[]; more: boolean }> {
    const found: SnapRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await attempt('findByAuthorPage', () =>
        documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE.authorIndex.name,
            KeyConditionExpression:
              before === undefined ? '#author = :author' : '#author = :author AND #created < :before',
            ExpressionAttributeNames: {
              '#author': TABLE.authorIndex.partitionKey,
              ...(before === undefined ? {} : { '#created': TABLE.authorIndex.sortKey }),
            },
            ExpressionAttributeValues: {
              ':author': authorKey(author),
              ...(before === undefined ? {} : { ':before': before }),
            },
            ScanIndexForward: false,
            Limit: limit + 1 - found.length,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        const record = liveFromItem(item);
        if (record?.state === 'posted' && record.ts) found.push(record);
      }
      start = out.LastEvaluatedKey;
    } while (start && found.length <= limit);
    return { records: found.slice(0, limit), more: found.length > limit };
  }

  /** The live snap behind a posted message, if any. */
  async findByMessage(team: string, channel: string, ts: string): Promise<SnapRecord | undefined> {
    const out = await attempt('findByMessage', () =>
      documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE.messageIndex.name,
          KeyConditionExpression: '#message = :message',
          ExpressionAttributeNames: { '#message': TABLE.messageIndex.partitionKey },
          ExpressionAttributeValues: { ':message': messageKey(team, channel, ts) },
        }),
      ),
    );
    const record = out.Items?.[0] ? liveFromItem(out.Items[0]) : undefined;
    return record?.state === 'posted' ? record : undefined;
  }

  /**
   * Takes a posted record for one deleter until `until`, unless another holds an unexpired
   * lease. Keeps overlapping sweeps (and the poster's own wait) from deleting the same message
   * twice. The same write moves the TTL past the lease (`leaseTtl`), so TTL cannot take the
   * record from under a deleter that still works on it; no other item (a claim, a tombstone)
   * is ever leased.
   */
  async lease(id: string, owner: string, until: number, now: number): Promise<boolean> {
    return conditionally('lease', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          UpdateExpression: 'SET leaseUntil = :until, leaseOwner = :owner, #ttl = :ttl',
          ConditionExpression:
            'attribute_exists(#pk) AND #state = :posted AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#state': 'state',
            '#ttl': TABLE.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':until': until,
            ':owner': owner,
            ':now': now,
            ':posted': 'posted',
            ':ttl': leaseTtl(until),
          },
        }),
      ),
    );
  }

  /** Gives a record back before the lease runs out, so the next run need not wait for it. */
  async unlease(id: string, owner: string): Promise<void> {
    await conditionally('unlease', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          UpdateExpression: 'REMOVE leaseUntil, leaseOwner',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  /**
   * Counts one snap in a rate-limit window unless it is full: one conditional ADD, so concurrent
   * posters never count past the limit. The counter item holds only its count and the TTL
   * attribute — no index key, so no sweep or query meets it, and the reaper ignores its TTL
   * removal (its key is not a snap's).
   */
  async countInWindow(counter: WindowCounter): Promise<boolean> {
    return conditionally('countInWindow', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKeyOf(counter.name),
          UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':limit': counter.limit, ':ttl': counter.expiresAt },
        }),
      ),
    );
  }

  /**
   * A user's live snaps, counted in the sparse author index (only posted snaps carry its key), so
   * the count follows every deletion path by itself and cannot drift the way a separate counter
   * would when a decrement is lost. Reads at most `atMost` index entries.
   */
  async countByAuthor(author: AuthorRef, atMost: number): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await attempt('countByAuthor', () =>
        documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE.authorIndex.name,
            KeyConditionExpression: '#author = :author',
            ExpressionAttributeNames: { '#author': TABLE.authorIndex.partitionKey },
            ExpressionAttributeValues: { ':author': authorKey(author) },
            Select: 'COUNT',
            Limit: atMost - count,
            ExclusiveStartKey: start,
          }),
        ),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start && count < atMost);
    return count;
  }

  /**
   * Notes that `user` opened a reveal: one conditional UpdateItem, so of two clicks at once (the
   * same person twice, or, with `first`, anyone) only one gets through, and none after the due
   * time or once the card is gone.
   */
  async markOpened(
    id: string,
    user: string,
    at: { ts: string; now: number; first: boolean },
  ): Promise<string[] | undefined> {
    let opened: unknown;
    const written = await conditionally('markOpened', async () => {
      const out = await documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          UpdateExpression: 'SET #reveal.#opened = list_append(#reveal.#opened, :me)',
          ConditionExpression: `#state = :posted AND #ts = :ts AND #due > :now AND NOT contains(#reveal.#opened, :user)${
            at.first ? ' AND size(#reveal.#opened) = :zero' : ''
          }`,
          ExpressionAttributeNames: {
            '#reveal': 'reveal',
            '#opened': 'opened',
            '#state': 'state',
            '#ts': 'ts',
            '#due': TABLE.dueIndex.sortKey,
          },
          ExpressionAttributeValues: {
            ':me': [user],
            ':user': user,
            ':posted': 'posted',
            ':ts': at.ts,
            ':now': at.now,
            ...(at.first ? { ':zero': 0 } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      opened = (out.Attributes?.reveal as { opened?: unknown } | undefined)?.opened;
    });
    if (!written) return undefined;
    return Array.isArray(opened) ? opened.filter((u): u is string => typeof u === 'string') : [user];
  }

  /**
   * Takes a free slot: one read of all of the group's slot items (BatchGetItem, consistent), then a
   * conditional PutItem on the free ones in random order until one holds — so concurrent posters
   * never hold one slot twice, and a full group costs one read. A slot item holds its holder,
   * its deadline and the TTL attribute, no index key: no sweep or query meets it, and the reaper
   * ignores its TTL removal (its key is not a snap's).
   */
  async takeSlot(group: SlotGroup, owner: string, until: number, now: number): Promise<number | undefined> {
    const keys = Array.from({ length: group.size }, (_, i) => slotKeyOf(group, i));
    const held = new Set<string>();
    let pending: Array<Record<string, unknown>> = keys;
    for (let round = 0; round < BATCH_ROUNDS && pending.length > 0; round++) {
      const out = await attempt('takeSlot.read', () =>
        documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: '#pk, #until',
                ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#until': 'until' },
              },
            },
          }),
        ),
      );
      for (const item of out.Responses?.[this.tableName] ?? [])
        if (typeof item.until === 'number' && item.until >= now) held.add(String(item[TABLE.partitionKey]));
      pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Array<Record<string, unknown>>;
    }
    // Keys still unread are treated as held: a slot is never taken on a guess.
    for (const key of pending) held.add(String(key[TABLE.partitionKey]));
    const free = keys
      .map((key, index) => ({ key, index }))
      .filter(({ key }) => !held.has(String(key[TABLE.partitionKey])));
    for (let i = free.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [free[i], free[j]] = [free[j] as (typeof free)[number], free[i] as (typeof free)[number]];
    }
    for (const { key, index } of free) {
      const taken = await conditionally('takeSlot', () =>
        documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, owner, until, [TABLE.ttlAttribute]: slotExpiresAt(until) },
            ConditionExpression: 'attribute_not_exists(#pk) OR #until < :now',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#until': 'until' },
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
      if (taken) return index;
    }
    return undefined;
  }

  async releaseSlot(group: SlotGroup, index: number, owner: string): Promise<void> {
    await conditionally('releaseSlot', () =>
      documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: slotKeyOf(group, index),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  /**
   * Writes back a posted record that TTL removed while its message could not be deleted, with
   * its index keys, so the sweeper finds it again. Conditional: if the key holds an item again
   * (an earlier delivery of the same stream record put it back), that one stands.
   */
  async putBack(record: SnapRecord): Promise<boolean> {
    if (!record.ts) throw new StoreError('putBack needs a posted record');
    const item = {
      ...toItem(record),
      [TABLE.authorIndex.partitionKey]: authorKey(record),
      [TABLE.messageIndex.partitionKey]: messageKey(record.team, record.channel, record.ts),
    };
    return conditionally('putBack', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      ),
    );
  }
}

/** Rounds of BatchGetItem for keys DynamoDB left unprocessed (it may, under load), before giving up on them. */
const BATCH_ROUNDS = 3;

/** Rate-limit counters share the table under their own key prefix. */
const counterKeyOf = (name: string) => ({ [TABLE.partitionKey]: `${COUNTER_PREFIX}${name}` });
/** Slot `index` of a workspace's or org's posters in flight: `slot#<T… or E…>#<index>`. */
export const slotKeyOf = (group: Pick<SlotGroup, 'key'>, index: number) => ({
  [TABLE.partitionKey]: `${SLOT_PREFIX}${group.key}#${index}`,
});
