/**
 * The store's limit methods against a real DynamoDB API (dynalite): the conditional counter under
 * concurrent posters, the pending count through the sparse author index, and the posters-in-flight
 * slots under concurrent takers.
 */
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SnapStore } from '../../shared/adapters/dynamo-store';
import { recordFromImage } from '../../shared/adapters/stream';
import { DEFAULT_LIMITS, userCounter } from '../../shared/domain/limits';
import { type SlotGroup, slotExpiresAt } from '../../shared/domain/slots';
import { newRecord, tombstone } from '../../shared/domain/snap';
import { type SnapTable, startSnapTable } from '../support/snap-table';

const TABLE_NAME = 'snap-limits';
const T0 = 30_000_000 * 60_000;
let table: SnapTable;
let store: SnapStore;
let raw: DynamoDBClient;

beforeAll(async () => {
  table = await startSnapTable(TABLE_NAME);
  raw = table.raw;
  const { SnapStore } = await import('../../shared/adapters/dynamo-store');
  store = new SnapStore(TABLE_NAME);
});

afterAll(async () => {
  await table?.close();
});

const items = async () => (await raw.send(new ScanCommand({ TableName: TABLE_NAME }))).Items ?? [];

async function posted(id: string, user: string, createdAt: number): Promise<void> {
  const request = { v: 1 as const, id, team: 'T1', channel: 'C1', user, delaySeconds: 3600, receivedAt: T0 };
  await store.claim(newRecord(request, createdAt, createdAt + 60_000));
  await store.markPosted({ ...request, dueAt: createdAt + 3_600_000 }, `${createdAt / 1000}.000100`, '0');
}

describe('the rate-limit counter in DynamoDB', () => {
  it('lets exactly the limit through when many posters count at once, and holds nothing but the count and its TTL', async () => {
    // Prepare
    const counter = userCounter({ ...DEFAULT_LIMITS, userPerMinute: 30 }, 'T1', 'U-burst', T0 + 5_000);
    if (!counter) throw new Error('limit is on');

    // Act: 50 posters of the same user in the same minute.
    const results = await Promise.all(Array.from({ length: 50 }, () => store.countInWindow(counter)));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(30);
    const item = (await items()).find((i) => i.pk?.S === `limit#${counter.name}`);
    expect(item).toEqual({
      pk: { S: `limit#user#T1#U-burst#${T0 / 60_000}` },
      n: { N: '30' },
      expiresAt: { N: String((T0 + 60_000) / 1000 + 60) },
    });
  });

  it('counts the next minute afresh', async () => {
    const limits = { ...DEFAULT_LIMITS, userPerMinute: 1 };
    const first = userCounter(limits, 'T1', 'U-edge', T0 + 59_999);
    const next = userCounter(limits, 'T1', 'U-edge', T0 + 60_000);
    if (!first || !next) throw new Error('limit is on');

    const results = [
      await store.countInWindow(first),
      await store.countInWindow(first),
      await store.countInWindow(next),
    ];

    expect(results).toEqual([true, false, true]);
  });

  it('is not a snap to the reaper when TTL removes it', async () => {
    const counter = userCounter(DEFAULT_LIMITS, 'T1', 'U-ttl', T0);
    if (!counter) throw new Error('limit is on');
    await store.countInWindow(counter);

    const image = (await items()).find((i) => i.pk?.S === `limit#${counter.name}`);

    expect(image).toBeDefined();
    expect(recordFromImage(image)).toBeUndefined();
  });
});

describe('the pending count through the author index', () => {
  it('counts the author posted snaps only, up to the bound asked, and follows a deletion', async () => {
    // Prepare: five posted snaps by U-many, one claim still posting, one snap by someone else.
    for (let i = 0; i < 5; i++) await posted(`T1:many-${i}`, 'U-many', T0 + i * 1000);
    await store.claim(
      newRecord(
        { v: 1, id: 'T1:open', team: 'T1', channel: 'C1', user: 'U-many', delaySeconds: 60, receivedAt: T0 },
        T0,
        T0 + 60_000,
      ),
    );
    await posted('T1:other', 'U-other', T0);

    // Act
    const all = await store.countByAuthor({ team: 'T1', user: 'U-many' }, 100);
    const bounded = await store.countByAuthor({ team: 'T1', user: 'U-many' }, 3);
    await store.bury(tombstone('T1:many-0', 'done', T0));
    const afterDeletion = await store.countByAuthor({ team: 'T1', user: 'U-many' }, 100);

    // Assess
    expect([all, bounded, afterDeletion]).toEqual([5, 3, 4]);
    expect(await store.countByAuthor({ team: 'T1', user: 'U-other' }, 100)).toBe(1);
    expect(await store.countByAuthor({ team: 'T2', user: 'U-many' }, 100)).toBe(0);
  });
});

describe('the posters-in-flight slots in DynamoDB', () => {
  const group = (key: string, size: number): SlotGroup => ({ scope: 'workspace', key, size });

  it('gives each of K slots to one of many concurrent posters, never one slot twice, and refuses the rest', async () => {
    // Act: 25 posters of one workspace at once, 10 slots.
    const taken = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store.takeSlot(group('T0BUSY', 10), `poster:${i}`, T0 + 90_000, T0),
      ),
    );

    // Assess
    const indexes = taken.filter((t): t is number => t !== undefined);
    expect(indexes.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(taken.filter((t) => t === undefined)).toHaveLength(15);
  });

  it('holds nothing but its holder, deadline and TTL attribute, and is not a snap to the reaper when TTL removes it', async () => {
    const index = await store.takeSlot(group('T0ITEM', 2), 'poster:T0ITEM:1', T0 + 90_000, T0);

    const item = (await items()).find((i) => i.pk?.S === `slot#T0ITEM#${index}`);

    expect(item).toEqual({
      pk: { S: `slot#T0ITEM#${index}` },
      owner: { S: 'poster:T0ITEM:1' },
      until: { N: String(T0 + 90_000) },
      expiresAt: { N: String(slotExpiresAt(T0 + 90_000)) },
    });
    expect(recordFromImage(item)).toBeUndefined();
  });

  it('frees a slot given back by its holder, or past its holder’s deadline; nobody else gives one back', async () => {
    // Prepare: one slot, held until T0 + 10 s.
    const one = group('T0ONE', 1);
    await store.takeSlot(one, 'poster:a', T0 + 10_000, T0);

    // Act
    const whileHeld = await store.takeSlot(one, 'poster:b', T0 + 20_000, T0 + 5_000);
    await store.releaseSlot(one, 0, 'poster:b'); // not its holder: nothing happens
    const stillHeld = await store.takeSlot(one, 'poster:b', T0 + 20_000, T0 + 5_000);
    await store.releaseSlot(one, 0, 'poster:a');
    const afterRelease = await store.takeSlot(one, 'poster:b', T0 + 20_000, T0 + 5_000);
    const afterDeadline = await store.takeSlot(one, 'poster:c', T0 + 40_000, T0 + 20_001);

    // Assess
    expect([whileHeld, stillHeld, afterRelease, afterDeadline]).toEqual([undefined, undefined, 0, 0]);
  });
});
