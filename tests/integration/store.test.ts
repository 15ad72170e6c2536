/**
 * The DynamoDB store against a real DynamoDB API (dynalite, the table created from the same
 * schema constants): claims, tombstones and the readers that must treat a tombstone as gone.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SnapStore } from '../../shared/adapters/dynamo-store';
import { newRecord, type PostRequest, type SnapRecord, tombstone } from '../../shared/domain/snap';
import { type SnapTable, startSnapTable } from '../support/snap-table';

const TABLE_NAME = 'snap-store-test';
const NOW = Date.now();
let table: SnapTable;
let store: SnapStore;
let raw: DynamoDBClient;
let n = 0;

function request(): PostRequest {
  return {
    v: 1,
    id: `T1:trigger-${++n}`,
    team: 'T1',
    channel: 'C1',
    user: 'U1',
    delaySeconds: 3600,
    receivedAt: NOW,
  };
}

/** A posted record, as the poster leaves it. */
async function posted(): Promise<{ id: string; ts: string; dueAt: number }> {
  const record = newRecord(request(), NOW, NOW + 60_000);
  await store.claim(record);
  const ts = `${Math.floor(NOW / 1000)}.${String(n).padStart(6, '0')}`;
  await store.markPosted(record, ts, '0');
  return { id: record.id, ts, dueAt: record.dueAt };
}

const itemOf = async (id: string) => {
  const out = await raw.send(
    new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: { S: `snap#${id}` } }, ConsistentRead: true }),
  );
  return out.Item ? unmarshall(out.Item) : undefined;
};

beforeAll(async () => {
  table = await startSnapTable(TABLE_NAME);
  raw = table.raw;
  const { SnapStore } = await import('../../shared/adapters/dynamo-store');
  store = new SnapStore(TABLE_NAME);
});

afterAll(async () => {
  await table?.close();
});

/** Everything the due index yields before `before`. */
async function due(before: number): Promise<SnapRecord[]> {
  const found: SnapRecord[] = [];
  for await (const record of store.findDue(before, [0, 1, 2, 3, 4, 5, 6, 7])) found.push(record);
  return found;
}

describe('the store', () => {
  it('replaces a posted record by its tombstone: key, state and TTL, nothing else', async () => {
    // Prepare
    const { id } = await posted();
    await store.lease(id, 'sweep:1', NOW + 30_000, NOW);

    // Act
    await store.bury(tombstone(id, 'done', NOW));

    // Assess
    expect(await itemOf(id)).toEqual({
      pk: `snap#${id}`,
      state: 'done',
      expiresAt: Math.ceil(NOW / 1000) + 3600,
    });
    expect(await store.get(id)).toEqual({ id, state: 'done', expiresAt: Math.ceil(NOW / 1000) + 3600 });
  });

  it('no longer finds a buried snap through any index', async () => {
    // Prepare
    const { id, ts, dueAt } = await posted();
    const before = {
      due: (await due(dueAt + 1)).some((r) => r.id === id),
      author: (await store.findByAuthor({ team: 'T1', user: 'U1' })).some((r) => r.id === id),
      message: (await store.findByMessage('T1', 'C1', ts))?.id,
    };

    // Act
    await store.bury(tombstone(id, 'done', NOW));

    // Assess
    expect(before).toEqual({ due: true, author: true, message: id });
    expect((await due(dueAt + 1)).some((r) => r.id === id)).toBe(false);
    expect((await store.findByAuthor({ team: 'T1', user: 'U1' })).some((r) => r.id === id)).toBe(false);
    expect(await store.findByMessage('T1', 'C1', ts)).toBeUndefined();
  });

  it('refuses a claim on a tombstone, handing it back as the existing record', async () => {
    const { id } = await posted();
    await store.bury(tombstone(id, 'done', NOW));

    const again = await store.claim({ ...newRecord(request(), NOW, NOW + 60_000), id });

    expect(again).toEqual({ claimed: false, existing: { id, state: 'done', expiresAt: expect.any(Number) } });
  });

  it('never leases a tombstone, so no deleter adds to it', async () => {
    const { id } = await posted();
    await store.bury(tombstone(id, 'done', NOW));

    const leased = await store.lease(id, 'sweep:2', NOW + 30_000, NOW);

    expect(leased).toBe(false);
    expect(Object.keys((await itemOf(id)) ?? {}).sort()).toEqual(['expiresAt', 'pk', 'state']);
  });

  it('marks only a claim still posting as lost, and leaves a record written meanwhile alone', async () => {
    // Prepare
    const claim = newRecord(request(), NOW, NOW + 60_000);
    await store.claim(claim);
    const { id: postedId } = await posted();

    // Act
    const lost = await store.markLost(tombstone(claim.id, 'lost', NOW));
    const notLost = await store.markLost(tombstone(postedId, 'lost', NOW));

    // Assess
    expect([lost, notLost]).toEqual([true, false]);
    expect(await itemOf(claim.id)).toEqual({
      pk: `snap#${claim.id}`,
      state: 'lost',
      expiresAt: expect.any(Number),
    });
    expect((await itemOf(postedId))?.state).toBe('posted');
  });

  it('claims an author request once', async () => {
    const id = `T1:cancel-${++n}`;

    const first = await store.claimRequest(tombstone(id, 'done', NOW));
    const second = await store.claimRequest(tombstone(id, 'done', NOW + 5_000));

    expect([first, second]).toEqual([true, false]);
    expect(await itemOf(id)).toEqual({
      pk: `snap#${id}`,
      state: 'done',
      expiresAt: Math.ceil(NOW / 1000) + 3600,
    });
  });
});
