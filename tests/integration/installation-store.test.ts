/**
 * The installation store against dynalite (real conditional writes and sets): uninstall and
 * revocation reach every token of a workspace by key, and a user authorizing while the workspace
 * is uninstalled never leaves a token the workspace item does not list. A gate in front of
 * dynalite holds chosen requests to force each interleaving.
 */
import { request } from 'node:http';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createInstallationsTable, type LocalDynamo, startDynamo } from '../../local/dynamo-local';
import { type Listening, listen, readBody } from '../../local/http-util';
import type { InstallationStore as Store } from '../../shared/adapters/installation-store';
import type { BotInstallation, UserAuthorization } from '../../shared/app/ports';

let table = 'snap-store-0';
let dynamo: LocalDynamo;
let gate: Listening;
let reader: DynamoDBClient;
let InstallationStore: typeof Store;
const operations: string[] = [];

/** Requests matching a hold wait until it is released; `reached` resolves when one arrives. */
interface Hold {
  op: string;
  pk: string;
  reached: Promise<void>;
  release: () => void;
}
const holds: Array<Hold & { arrived: () => void; wait: Promise<void> }> = [];

function hold(op: string, pk: string): Hold {
  let arrived = () => {};
  let release = () => {};
  const reached = new Promise<void>((r) => {
    arrived = r;
  });
  const wait = new Promise<void>((r) => {
    release = r;
  });
  const h = { op, pk, reached, release, arrived, wait };
  holds.push(h);
  return h;
}

beforeAll(async () => {
  dynamo = await startDynamo();
  const upstream = new URL(dynamo.endpoint);
  gate = await listen(async (req, res) => {
    const body = await readBody(req);
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    operations.push(op);
    const text = body.toString();
    const at = holds.findIndex((h) => h.op === op && text.includes(`"S":"${h.pk}"`));
    if (at >= 0) {
      const [h] = holds.splice(at, 1);
      h?.arrived();
      await h?.wait;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: gate.url,
  });
  ({ InstallationStore } = await import('../../shared/adapters/installation-store'));
  reader = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  reader.destroy();
  await gate.close();
  await dynamo.close();
});

let n = 0;
beforeEach(async () => {
  table = `snap-store-${++n}`;
  await createInstallationsTable(dynamo.endpoint, table);
});

const sealed = (text: string) => new Uint8Array(Buffer.from(`sealed:${text}`));

function bot(key: string, installedAt = Date.now()): BotInstallation {
  return {
    key,
    team: { id: key, name: `${key} Inc` },
    isEnterpriseInstall: false,
    botUserId: `UB${key}`,
    scopes: ['commands', 'chat:write'],
    token: sealed(`bot-${key}`),
    installedBy: 'U0ANA',
    installedAt,
  };
}

function user(key: string, id: string, authorizedAt = Date.now()): UserAuthorization {
  return {
    key,
    team: { id: key },
    user: id,
    scopes: ['chat:write'],
    token: sealed(`${key}-${id}`),
    authorizedAt,
  };
}

async function items(): Promise<Array<Record<string, unknown>>> {
  const out = await reader.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (out.Items ?? []).map((i) => unmarshall(i));
}

const keys = async (prefix: string) =>
  (await items())
    .map((i) => String(i.pk))
    .filter((pk) => pk.startsWith(prefix))
    .sort();

/** Every user token is listed by its workspace item: the invariant that makes uninstall complete. */
async function orphans(): Promise<string[]> {
  const all = await items();
  return all
    .filter((i) => /^inst#[^#]+#/.test(String(i.pk)))
    .filter((i) => {
      const [, key, id] = String(i.pk).split('#');
      const workspace = all.find((w) => w.pk === `inst#${key}`);
      return !(workspace?.users instanceof Set && workspace.users.has(id));
    })
    .map((i) => String(i.pk));
}

const FAR = () => Date.now() + 60_000;

describe('the installation store on dynalite', () => {
  it('uninstalls a workspace: its installation and every user token, nothing of another workspace', async () => {
    // Prepare
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    await store.saveUser(user('T0ONE', 'U0A'), true);
    await store.saveUser(user('T0ONE', 'U0B'), true);
    await store.saveBot(bot('T0TWO'));
    await store.saveUser(user('T0TWO', 'U0A'), true);
    operations.length = 0;

    // Act
    const removed = await store.removeWorkspace('T0ONE', FAR());
    const again = await store.removeWorkspace('T0ONE', FAR());

    // Assess
    expect(removed).toEqual({ bot: true, users: 2 });
    expect(again).toEqual({ bot: false, users: 0 });
    expect(await keys('inst#T0ONE')).toEqual([]);
    expect(await keys('inst#T0TWO')).toEqual(['inst#T0TWO', 'inst#T0TWO#U0A']);
    expect(operations).not.toContain('Scan');
    expect(operations).not.toContain('Query');
  });

  it('keeps a reinstall and a user authorization stored after the uninstall event', async () => {
    // Prepare
    const store = new InstallationStore(table);
    const event = Date.now();
    await store.saveBot(bot('T0ONE', event + 60_000));
    await store.saveUser(user('T0ONE', 'U0OLD', event - 60_000), true);
    await store.saveUser(user('T0ONE', 'U0NEW', event + 60_000), true);

    // Act
    const removed = await store.removeWorkspace('T0ONE', event);

    // Assess
    expect(removed).toEqual({ bot: false, users: 1 });
    expect(await keys('inst#T0ONE')).toEqual(['inst#T0ONE', 'inst#T0ONE#U0NEW']);
    expect((await items()).find((i) => i.pk === 'inst#T0ONE')?.users).toEqual(new Set(['U0NEW']));
    expect(await orphans()).toEqual([]);
  });

  it('revokes listed tokens only, the bot when its user is listed, and an unlisted leftover too', async () => {
    // Prepare
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    await store.saveUser(user('T0ONE', 'U0A'), true);
    await store.saveUser(user('T0ONE', 'U0B'), true);

    // Act
    const users = await store.removeTokens(
      'T0ONE',
      { users: ['U0A', 'U0GHOST'], botUsers: ['UBSOMEONE'] },
      FAR(),
    );
    const botToo = await store.removeTokens('T0ONE', { users: [], botUsers: ['UBT0ONE'] }, FAR());
    const last = await store.removeTokens('T0ONE', { users: ['U0B'], botUsers: [] }, FAR());

    // Assess
    expect(users).toEqual({ bot: false, users: 1 });
    expect(botToo).toEqual({ bot: true, users: 0 });
    expect(last).toEqual({ bot: false, users: 1 });
    expect(await keys('inst#')).toEqual([]);
  });

  it('lets /snap revoke delete a user token alone, never a newer one, and leaves the listing for install to prune', async () => {
    // Prepare
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    await store.saveUser(user('T0ONE', 'U0A'), true);
    const before = operations.length;

    // Act
    const tooEarly = await store.removeUserToken('T0ONE', 'U0A', 0);
    const revoked = await store.removeUserToken('T0ONE', 'U0A', FAR());
    const again = await store.removeUserToken('T0ONE', 'U0A', FAR());
    const pruned = await store.removeTokens('T0ONE', { users: ['U0A'], botUsers: [] }, FAR());

    // Assess: only DeleteItem of the user's own item (the poster's role allows nothing else
    // there); the bot installation is untouched; install's later prune unlists the user.
    expect([tooEarly, revoked, again]).toEqual([false, true, false]);
    expect(new Set(operations.slice(before, before + 3))).toEqual(new Set(['DeleteItem']));
    expect(pruned).toEqual({ bot: false, users: 0 });
    expect(await keys('inst#T0ONE')).toEqual(['inst#T0ONE']);
    const workspace = (await items()).find((i) => i.pk === 'inst#T0ONE');
    expect(workspace?.users).toBeUndefined();
    expect(workspace?.botToken).toBeDefined();
  });

  it('takes back a user token written after an uninstall that read the workspace before it', async () => {
    // Prepare: the user is listed (step 1 done); their token write is held.
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    const put = hold('PutItem', 'inst#T0ONE#U0LATE');
    const saving = store.saveUser(user('T0ONE', 'U0LATE'), true);
    await put.reached;

    // Act: the uninstall runs to its end, then the held write lands.
    await store.removeWorkspace('T0ONE', FAR());
    put.release();
    const saved = await saving;

    // Assess
    expect(saved).toBe(false);
    expect(await keys('inst#T0ONE')).toEqual([]);
  });

  it('repeats an uninstall whose workspace item changed under it, so a user added meanwhile goes too', async () => {
    // Prepare: the uninstall has read the workspace; its final delete is held.
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    await store.saveUser(user('T0ONE', 'U0A'), true);
    const last = hold('DeleteItem', 'inst#T0ONE');
    const uninstalling = store.removeWorkspace('T0ONE', FAR());
    await last.reached;

    // Act: a user authorizes completely, then the uninstall's delete goes on.
    const saved = await store.saveUser(user('T0ONE', 'U0MEANWHILE'), true);
    last.release();
    const removed = await uninstalling;

    // Assess
    expect(saved).toBe(true);
    expect(removed).toEqual({ bot: true, users: 2 });
    expect(await keys('inst#T0ONE')).toEqual([]);
  });

  it('never leaves an unlisted token however authorizations and uninstalls interleave (random concurrency)', async () => {
    const store = new InstallationStore(table);
    for (let round = 0; round < 15; round++) {
      // Prepare
      await store.saveBot(bot('T0ONE'));
      const users = Array.from({ length: 4 }, (_, i) => `U0R${round}X${i}`);

      // Act
      const outcomes = await Promise.all([
        ...users.map((u) => store.saveUser(user('T0ONE', u), true)),
        store.removeWorkspace('T0ONE', FAR()).then(() => 'uninstalled' as const),
      ]);

      // Assess
      expect(await orphans()).toEqual([]);
      const left = await keys('inst#T0ONE#');
      const kept = users.filter((_, i) => outcomes[i] === true).map((u) => `inst#T0ONE#${u}`);
      for (const pk of left) expect(kept).toContain(pk);
      await store.removeWorkspace('T0ONE', FAR());
      expect(await keys('inst#')).toEqual([]);
    }
  });

  it('stores a user token only into a bot installation when one is required: none, and nothing is created', async () => {
    // Prepare: distributed mode, and snap is not installed in T0NONE.
    const store = new InstallationStore(table);

    // Act
    const saved = await store.saveUser(user('T0NONE', 'U0A'), true);
    const withoutBot = await store.saveUser(user('T0HOME', 'U0A'), false);

    // Assess: one-workspace mode (the bot is configuration) lists its users as before.
    expect(saved).toBe(false);
    expect(withoutBot).toBe(true);
    expect(await keys('inst#T0NONE')).toEqual([]);
    expect(await keys('inst#T0HOME')).toEqual(['inst#T0HOME', 'inst#T0HOME#U0A']);
  });

  it('creates no installation item when the uninstall lands between install’s check and the user write', async () => {
    // Prepare: install saw the bot installation; its user write is held.
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    const write = hold('UpdateItem', 'inst#T0ONE');
    const saving = store.saveUser(user('T0ONE', 'U0RACE'), true);
    await write.reached;

    // Act: the uninstall runs to its end, then the held write goes on.
    await store.removeWorkspace('T0ONE', FAR());
    write.release();
    const saved = await saving;

    // Assess
    expect(saved).toBe(false);
    expect(await keys('inst#T0ONE')).toEqual([]);
  });

  it('forgets a dead token only while it is the one stored: a user’s item, a bot’s attributes, the whole item when no user is listed', async () => {
    // Prepare
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    await store.saveUser(user('T0ONE', 'U0A'), true);
    await store.saveBot(bot('T0TWO'));
    const stale = sealed('an older token');

    // Act
    const wrongUser = await store.forgetToken({ key: 'T0ONE', kind: 'user', user: 'U0A' }, stale);
    const rightUser = await store.forgetToken(
      { key: 'T0ONE', kind: 'user', user: 'U0A' },
      sealed('T0ONE-U0A'),
    );
    const wrongBot = await store.forgetToken({ key: 'T0ONE', kind: 'bot' }, stale);
    const botWithUsers = await store.forgetToken({ key: 'T0ONE', kind: 'bot' }, sealed('bot-T0ONE'));
    const botAlone = await store.forgetToken({ key: 'T0TWO', kind: 'bot' }, sealed('bot-T0TWO'));
    const again = await store.forgetToken({ key: 'T0TWO', kind: 'bot' }, sealed('bot-T0TWO'));

    // Assess
    expect([wrongUser, rightUser, wrongBot, botWithUsers, botAlone, again]).toEqual([
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
    expect(await keys('inst#')).toEqual(['inst#T0ONE']);
    const one = (await items()).find((i) => i.pk === 'inst#T0ONE');
    expect(one?.botToken).toBeUndefined();
    expect(one?.botUserId).toBeUndefined();
    expect(one?.users).toEqual(new Set(['U0A'])); // install unlists them at its next prune
    expect(await store.botToken('T0ONE')).toBeUndefined();
  });

  it('keeps a Grid user’s index of grants: each key listed with its token, unlisted whenever the token goes, gone once empty', async () => {
    // Prepare: two workspaces of org E0ORG, each installed; U0A grants in both, U0B in one.
    const store = new InstallationStore(table);
    const inOrg = (a: UserAuthorization): UserAuthorization => ({ ...a, enterprise: { id: 'E0ORG' } });
    for (const key of ['T0ONE', 'T0TWO']) await store.saveBot(bot(key));
    await store.saveUser(inOrg(user('T0ONE', 'U0A')), true);
    await store.saveUser(inOrg(user('T0TWO', 'U0A')), true);
    await store.saveUser(inOrg(user('T0TWO', 'U0B')), true);
    const listed = [await store.grantedKeys('E0ORG', 'U0A'), await store.grantedKeys('E0ORG', 'U0B')];

    // Act: U0A's token in T0ONE goes by /snap revoke, T0TWO is uninstalled.
    await store.removeUserToken('T0ONE', 'U0A', FAR());
    const afterRevoke = await store.grantedKeys('E0ORG', 'U0A');
    await store.removeWorkspace('T0TWO', FAR());

    // Assess
    expect(listed.map((keys) => keys.sort())).toEqual([['T0ONE', 'T0TWO'], ['T0TWO']]);
    expect(afterRevoke).toEqual(['T0TWO']);
    expect(await store.grantedKeys('E0ORG', 'U0A')).toEqual([]);
    expect(await keys('grants#')).toEqual([]);
  });

  it('unlists a dead user token’s key from the user’s index when it forgets it', async () => {
    const store = new InstallationStore(table);
    await store.saveBot(bot('T0ONE'));
    await store.saveUser({ ...user('T0ONE', 'U0A'), enterprise: { id: 'E0ORG' } }, true);

    const forgotten = await store.forgetToken(
      { key: 'T0ONE', kind: 'user', user: 'U0A' },
      sealed('T0ONE-U0A'),
    );

    expect(forgotten).toBe(true);
    expect(await keys('grants#')).toEqual([]);
  });
});
