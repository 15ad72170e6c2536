/**
 * The groups' watch items against a real DynamoDB API (dynalite, the table created from the same
 * schema constants): every condition the engine relies on, as DynamoDB evaluates it, and the
 * index of due snaps' cheap look for the dispatcher.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SnapStore } from '../../shared/adapters/dynamo-store';
import type { WatchStore } from '../../shared/adapters/watch-store';
import { newRecord } from '../../shared/domain/snap';
import { type SnapTable, startSnapTable } from '../support/snap-table';

const TABLE_NAME = 'snap-watch-test';
const NOW = 1_800_000_000_000;
let table: SnapTable;
let watch: WatchStore;
let store: SnapStore;
let raw: DynamoDBClient;
let group = 0;

const claimOf = (owner: string, covers = NOW + 85_000) => ({ owner, lease: NOW + 10_000, covers });
const itemOf = async (g: number) => {
  const out = await raw.send(
    new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: { S: `watch#${g}` } }, ConsistentRead: true }),
  );
  return out.Item ? unmarshall(out.Item) : undefined;
};

beforeAll(async () => {
  table = await startSnapTable(TABLE_NAME);
  raw = table.raw;
  const { WatchStore } = await import('../../shared/adapters/watch-store');
  const { SnapStore } = await import('../../shared/adapters/dynamo-store');
  watch = new WatchStore(TABLE_NAME);
  store = new SnapStore(TABLE_NAME);
});

afterAll(async () => {
  await table?.close();
});

describe('a group’s watch item', () => {
  it('hands nothing over while nobody is on watch, and lets one claim in', async () => {
    // Prepare
    const g = ++group;

    // Act
    const handed = await watch.hand(g, NOW + 5_000, NOW, 'T1:a');
    const first = await watch.claim(g, claimOf('w1'), NOW + 5_000, NOW, 'T1:a');
    const second = await watch.claim(g, claimOf('w2'), NOW + 5_000, NOW, 'T1:b');

    // Assess
    expect([handed, first, second]).toEqual([false, true, false]);
    expect(await itemOf(g)).toEqual({
      pk: `watch#${g}`,
      owner: 'w1',
      lease: NOW + 10_000,
      covers: NOW + 85_000,
      gen: 1,
      ids: new Set(['T1:a']),
    });
  });

  it('hands snaps to the owner while it is alive and covers them, and new work as a new generation', async () => {
    const g = ++group;
    await watch.claim(g, claimOf('w1'), 0, NOW);

    const results = [
      await watch.hand(g, NOW + 80_000, NOW + 1_000, 'T1:a'),
      await watch.hand(g, NOW + 80_000, NOW + 2_000, 'T1:b'),
      await watch.hand(g, NOW + 86_000, NOW + 2_000, 'T1:c'), // beyond its cover
      await watch.hand(g, NOW + 80_000, NOW + 11_000, 'T1:d'), // its lease lapsed
      await watch.hand(g, NOW + 75_000, NOW + 3_000), // the dispatcher
    ];

    expect(results).toEqual([true, true, false, false, true]);
    expect(await watch.read(g)).toEqual({
      owner: 'w1',
      lease: NOW + 10_000,
      covers: NOW + 85_000,
      gen: 2,
      ids: ['T1:a', 'T1:b'],
    });
  });

  it('names a successor over an owner whose cover ends too soon or whose lease lapsed', async () => {
    const g = ++group;
    await watch.claim(g, claimOf('w1', NOW + 30_000), 0, NOW);

    const early = await watch.claim(g, claimOf('w2'), NOW + 20_000, NOW + 1_000);
    const tooShort = await watch.claim(g, claimOf('w2'), NOW + 40_000, NOW + 1_000);
    const lapsed = await watch.claim(g, claimOf('w3'), 0, NOW + 20_000);

    expect([early, tooShort, lapsed]).toEqual([false, true, true]);
    expect((await watch.read(g)).owner).toBe('w3');
  });

  it('renews only its own owner’s lease, returning what the watch holds', async () => {
    const g = ++group;
    await watch.claim(g, claimOf('w1'), 0, NOW, 'T1:a');

    const mine = await watch.renew(g, 'w1', NOW + 20_000);
    const other = await watch.renew(g, 'w2', NOW + 30_000);

    expect(mine).toEqual({ owner: 'w1', lease: NOW + 20_000, covers: NOW + 85_000, gen: 1, ids: ['T1:a'] });
    expect(other).toBeUndefined();
    expect((await itemOf(g))?.lease).toBe(NOW + 20_000);
  });

  it('lets the owner take what it was handed, leaving what came meanwhile, and nobody else', async () => {
    const g = ++group;
    await watch.claim(g, claimOf('w1'), 0, NOW, 'T1:a');
    await watch.hand(g, NOW + 5_000, NOW, 'T1:b');

    await watch.take(g, 'w2', ['T1:a']);
    const afterStranger = (await watch.read(g)).ids.sort();
    await watch.take(g, 'w1', ['T1:a']);

    expect(afterStranger).toEqual(['T1:a', 'T1:b']);
    expect((await watch.read(g)).ids).toEqual(['T1:b']);
  });

  it('ends a watch only when nothing came since the owner looked, then takes nothing more', async () => {
    // Prepare: the owner saw generation 1 and took its one snap.
    const g = ++group;
    await watch.claim(g, claimOf('w1'), 0, NOW, 'T1:a');
    await watch.take(g, 'w1', ['T1:a']);

    // Act: a snap is handed, then the dispatcher bumps the generation, then both are seen to.
    await watch.hand(g, NOW + 5_000, NOW, 'T1:b');
    const withSnap = await watch.release(g, 'w1', { gen: 1 });
    await watch.take(g, 'w1', ['T1:b']);
    await watch.hand(g, NOW + 5_000, NOW);
    const withNewWork = await watch.release(g, 'w1', { gen: 1 });
    const settled = await watch.release(g, 'w1', { gen: 2 });
    const handedAfter = await watch.hand(g, NOW + 5_000, NOW + 1, 'T1:c');

    // Assess: the set emptied went away with its last element, so the release could see it gone.
    expect([withSnap, withNewWork, settled, handedAfter]).toEqual([false, false, true, false]);
    expect(await itemOf(g)).toEqual({ pk: `watch#${g}`, gen: 2 });
  });

  it('gives the watch back unconditionally to its own owner only', async () => {
    const g = ++group;
    await watch.claim(g, claimOf('w1'), 0, NOW, 'T1:a');

    expect(await watch.release(g, 'w2')).toBe(false);
    expect(await watch.release(g, 'w1')).toBe(true);
    expect(await watch.read(g)).toEqual({ gen: 1, ids: ['T1:a'] });
  });
});

describe('the dispatcher’s look at a shard', () => {
  it('finds whether anything in the shard is due before its window ends', async () => {
    // Prepare: one snap in shard 4, due an hour from NOW.
    const record = newRecord(
      { v: 1, id: 'T1:due', team: 'T1', channel: 'C1', user: 'U1', delaySeconds: 3600, receivedAt: NOW },
      NOW,
      NOW + 60_000,
    );
    await store.claim(record);
    await store.markPosted(record, '1.000001', '4');

    // Act
    const answers = [
      await store.hasDue(4, record.dueAt),
      await store.hasDue(4, record.dueAt + 1),
      await store.hasDue(5, record.dueAt + 1),
    ];

    // Assess
    expect(answers).toEqual([false, true, false]);
  });
});
