/**
 * Moving an existing deployment's installations out of the snap table (scripts/
 * migrate-installations.ts), against a real DynamoDB API (dynalite): the two passes an operator
 * runs around the `terraform apply` that switches the functions (docs/operations.md).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createInstallationsTable,
  createSnapTable,
  type LocalDynamo,
  startDynamo,
} from '../../local/dynamo-local';
import { migrateInstallations } from '../../scripts/migrate-installations';

const SNAPS = 'migrate-snaps';
const INSTALLATIONS = 'migrate-installations';
let dynamo: LocalDynamo;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startDynamo();
  await createSnapTable(dynamo.endpoint, SNAPS);
  await createInstallationsTable(dynamo.endpoint, INSTALLATIONS);
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const put = (table: string, item: Record<string, unknown>) =>
  documents.send(new PutCommand({ TableName: table, Item: item }));
const keys = async (table: string) =>
  ((await documents.send(new ScanCommand({ TableName: table }))).Items ?? []).map((i) => String(i.pk)).sort();
const get = async (table: string, pk: string) =>
  (await documents.send(new GetCommand({ TableName: table, Key: { pk } }))).Item;

describe('moving installations to their own table', () => {
  it('copies every installation item as it is, indexes Grid users’ grants, keeps what the new table holds already, then empties the old one of them only', async () => {
    // Prepare: a workspace, a user of it, an org; a snap, a counter and an OAuth flow beside them;
    // and one workspace installed again since the functions switched (newer in the new table).
    const sealed = new Uint8Array([1, 2, 3, 4]);
    await put(SNAPS, {
      pk: 'inst#T1',
      kind: 'installation',
      botToken: sealed,
      users: new Set(['U1']),
      rev: 2,
    });
    await put(SNAPS, { pk: 'inst#T1#U1', kind: 'user-token', userToken: sealed, authorizedAt: 1 });
    await put(SNAPS, {
      pk: 'inst#E1#U2',
      kind: 'user-token',
      userId: 'U2',
      enterpriseId: 'E1',
      userToken: sealed,
      authorizedAt: 1,
    });
    await put(SNAPS, { pk: 'inst#E1', kind: 'installation', botToken: sealed, rev: 1 });
    await put(SNAPS, { pk: 'inst#T2', kind: 'installation', botToken: sealed, rev: 1 });
    await put(SNAPS, { pk: 'snap#T1:1', state: 'posted', team: 'T1' });
    await put(SNAPS, { pk: 'limit#team#T1#1', n: 1 });
    await put(SNAPS, { pk: 'oauth#abc', grant: 'bot' });
    await put(INSTALLATIONS, { pk: 'inst#T2', kind: 'installation', botToken: new Uint8Array([9]), rev: 5 });

    // Act: before the functions switch, a copy; after, the copy again and the old items deleted.
    const first = await migrateInstallations(documents, {
      from: SNAPS,
      to: INSTALLATIONS,
      deleteSource: false,
    });
    const second = await migrateInstallations(documents, {
      from: SNAPS,
      to: INSTALLATIONS,
      deleteSource: true,
    });
    const third = await migrateInstallations(documents, {
      from: SNAPS,
      to: INSTALLATIONS,
      deleteSource: true,
    });

    // Assess
    expect(first).toEqual({ found: 5, copied: 4, present: 1, indexed: 1, deleted: 0 });
    expect(second).toEqual({ found: 5, copied: 0, present: 5, indexed: 1, deleted: 5 });
    expect(third).toEqual({ found: 0, copied: 0, present: 0, indexed: 0, deleted: 0 });
    expect(await keys(INSTALLATIONS)).toEqual([
      'grants#E1#U2',
      'inst#E1',
      'inst#E1#U2',
      'inst#T1',
      'inst#T1#U1',
      'inst#T2',
    ]);
    expect((await get(INSTALLATIONS, 'grants#E1#U2'))?.keys).toEqual(new Set(['E1']));
    expect(await keys(SNAPS)).toEqual(['limit#team#T1#1', 'oauth#abc', 'snap#T1:1']);
    expect(await get(INSTALLATIONS, 'inst#T1')).toEqual({
      pk: 'inst#T1',
      kind: 'installation',
      botToken: sealed,
      users: new Set(['U1']),
      rev: 2,
    });
    expect((await get(INSTALLATIONS, 'inst#T2'))?.rev).toBe(5);
  });

  it('refuses to move a table onto itself', async () => {
    await expect(
      migrateInstallations(documents, { from: SNAPS, to: SNAPS, deleteSource: true }),
    ).rejects.toThrow('same table');
  });
});
