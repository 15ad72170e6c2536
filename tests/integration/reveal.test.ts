/**
 * Reveal once through the handlers, on the real adapters: DynamoDB (dynalite, both tables, behind
 * the proxy that counts every operation), KMS (the stand-in, which seals and opens for real under
 * each encryption context) and Slack (the stand-in, through @slack/web-api). The controls function
 * makes a reveal's key and opens it for a click, the poster attaches the sealed secret and posts
 * the card, the sweeper and reaper burn; every AWS call each makes is held against its role in
 * infra/, and the stores' conditional writes are held to what DynamoDB does with them.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import {
  createRevealTable,
  createSnapTable,
  type DynamoProxy,
  type LocalDynamo,
  startDynamo,
  startDynamoProxy,
} from '../../local/dynamo-local';
import { type KmsStandIn, startKms } from '../../local/kms-stand-in';
import { lambdaContext } from '../../local/lambda-stand-in';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import { revealKeyContext } from '../../shared/adapters/kms';
import { SECRET_BLOCK_ID } from '../../shared/domain/replies';
import { revealIdOf } from '../../shared/domain/reveal';
import { sealSecret } from '../../shared/domain/reveal-seal';
import { revealOpenAad, revealPostAad, revealSecretAad, sealJson } from '../../shared/domain/seal';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TABLE = 'snap-it';
const REVEALS = 'snap-it-reveal-keys';
const TOKEN = 'xoxb-reveal-integration';
const MESSAGE_KEY = randomBytes(32);
const logs = captureStdout();
let dynamo: LocalDynamo;
let proxy: DynamoProxy;
let kms: KmsStandIn;
let slack: SlackStandIn;
let wrappedMessageKey: string;
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const handlers: Record<string, Handler> = {};
/** The AWS actions each function's calls came to, as IAM names them. */
const sentBy = new Map<string, Set<string>>();

/** Runs a function's handler, noting the DynamoDB operations and KMS actions it caused. */
async function run(fn: 'poster' | 'controls' | 'sweeper' | 'reaper', event: unknown): Promise<unknown> {
  const before = new Map(proxy.counts);
  const kmsBefore = kms.calls.length;
  const handler = handlers[fn === 'controls' ? 'poster' : fn];
  if (!handler) throw new Error(`no ${fn}`);
  try {
    return await handler(event, lambdaContext(`snap-${fn}`, 60_000));
  } finally {
    const seen = sentBy.get(fn) ?? new Set<string>();
    for (const [op, n] of proxy.counts) if (n > (before.get(op) ?? 0)) seen.add(`dynamodb:${op}`);
    for (const call of kms.calls.slice(kmsBefore)) seen.add(`kms:${call.action}`);
    sentBy.set(fn, seen);
  }
}

let n = 0;
const now = () => Date.now();

/** What ack does for `/snap reveal`: the key from controls, the secret sealed to it, that sealed for the trip. */
async function revealEvent(secret: string, people: string[], delaySeconds = 3600) {
  const channel = 'C1';
  const id = revealIdOf(`T1:${++n}.trigger`);
  const request = {
    v: 1 as const,
    id,
    team: 'T1',
    channel,
    user: 'U0AUTHOR',
    delaySeconds,
    receivedAt: now(),
    reveal: { for: people },
  };
  const key = (await run('controls', {
    v: 1,
    kind: 'reveal_key',
    id,
    team: 'T1',
    channel,
    user: 'U0AUTHOR',
    receivedAt: now(),
  })) as { publicKey: string };
  const content = {
    secret: sealSecret(
      Buffer.from(key.publicKey, 'base64'),
      secret,
      revealSecretAad({ ...request, for: people }),
    ),
    responseUrl: slack.responseUrl(`post-${id}`),
  };
  return {
    id,
    event: { ...request, sealed: sealJson(MESSAGE_KEY, wrappedMessageKey, content, revealPostAad(request)) },
  };
}

/** What ack hands controls for a click on the card. */
function clickEvent(id: string, ts: string, user: string, channel = 'C1') {
  const request = {
    v: 1 as const,
    kind: 'reveal_open' as const,
    id: `T1:${++n}.click`,
    revealId: id,
    messageTs: ts,
    team: 'T1',
    channel,
    user,
    receivedAt: now(),
  };
  const content = { responseUrl: slack.responseUrl(urlId(request.id)) };
  return { ...request, sealed: sealJson(MESSAGE_KEY, wrappedMessageKey, content, revealOpenAad(request)) };
}

/** A response_url's id, as the stand-in records it (no characters a URL would escape). */
const urlId = (id: string) => id.replace(/[^\w.-]/g, '-');
const cardOf = (id: string) =>
  [...slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(`"value":"${id}"`));
const shownTo = (clickId: string) =>
  slack.replies
    .filter((r) => r.id === urlId(clickId))
    .flatMap((r) => (r.body.blocks as Array<{ block_id?: string; text?: { text: string } }>) ?? [])
    .filter((b) => b.block_id === SECRET_BLOCK_ID)
    .map((b) => b.text?.text);

beforeAll(async () => {
  [dynamo, kms, slack] = await Promise.all([startDynamo(), startKms(), startSlack({ token: TOKEN })]);
  await createSnapTable(dynamo.endpoint, TABLE);
  await createRevealTable(dynamo.endpoint, REVEALS);
  proxy = await startDynamoProxy(dynamo.endpoint, [TABLE, REVEALS]);
  wrappedMessageKey = kms.encrypt(MESSAGE_KEY, { app: 'snap', purpose: 'message' });
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    AWS_ENDPOINT_URL_KMS: kms.url,
    SNAP_TABLE_NAME: TABLE,
    SNAP_REVEAL_TABLE_NAME: REVEALS,
    SNAP_KMS_KEY_ID: 'alias/snap-it',
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.apiUrl,
    SLACK_RESPONSE_URL_PREFIX: slack.responseUrlPrefix,
    SNAP_SWEEP_PERIOD_SECONDS: '10',
    SNAP_LIMIT_USER_PER_MINUTE: '0',
    SNAP_LIMIT_TEAM_PER_MINUTE: '0',
    SNAP_LIMIT_USER_PENDING: '0',
  });
  delete process.env.SLACK_BOT_TOKEN_CIPHERTEXT;
  for (const fn of ['poster', 'sweeper', 'reaper'])
    handlers[fn] = ((await import(`../../functions/${fn}/handler`)) as { handler: Handler }).handler;
}, 30_000);

afterAll(async () => {
  logs.restore();
  await Promise.all([slack?.close(), kms?.close(), proxy?.close(), dynamo?.close()]);
});

describe('a reveal through the controls function and the poster, on the real adapters', () => {
  it('makes a key whose wrapped form only KMS opens, under that reveal’s context only, and stores nothing else of it', async () => {
    // Act
    const { id, event } = await revealEvent('the key is 1234', ['U0ANA']);
    const item = proxy.journal
      .map((j) => JSON.parse(j) as Record<string, unknown>)
      .find((j) => JSON.stringify(j.Item ?? {}).includes(`key#${id}`)) as
      | { Item: Record<string, { S?: string }>; ConditionExpression: string }
      | undefined;

    // Assess
    expect(item?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    const wrapped = String(item?.Item.wrappedKey?.S);
    const scope = { id, team: 'T1', channel: 'C1' };
    const key = kms.decrypt(wrapped, revealKeyContext(scope));
    expect(key?.byteLength).toBe(32);
    expect(kms.decrypt(wrapped, revealKeyContext({ ...scope, channel: 'C2' }))).toBeUndefined();
    expect(kms.decrypt(wrapped, { app: 'snap', purpose: 'message' })).toBeUndefined();
    expect(Object.keys(item?.Item ?? {}).sort()).toEqual([
      'channel',
      'expiresAt',
      'pk',
      'publicKey',
      'team',
      'wrappedKey',
    ]);
    expect(event.reveal.for).toEqual(['U0ANA']);
  });

  it('posts the card, attaches the sealed secret to the key, and lets only the person named open it, once', async () => {
    // Prepare
    const { id, event } = await revealEvent('the key is 5678', ['U0ANA', 'U0BEN']);

    // Act
    const posted = (await run('poster', event)) as { outcome: string };
    const card = cardOf(id);
    const stranger = clickEvent(id, String(card?.ts), 'U0EVE');
    const ana = clickEvent(id, String(card?.ts), 'U0ANA');
    const anaAgain = clickEvent(id, String(card?.ts), 'U0ANA');
    const outcomes = [];
    for (const c of [stranger, ana, anaAgain])
      outcomes.push(((await run('controls', c)) as { outcome: string }).outcome);

    // Assess
    expect(posted.outcome).toBe('posted');
    expect(JSON.stringify(card)).not.toContain('5678');
    expect(outcomes).toEqual(['not_for_you', 'shown', 'already_opened']);
    expect(shownTo(stranger.id)).toEqual([]);
    expect(shownTo(ana.id)).toEqual(['```\nthe key is 5678\n```']);
    expect(shownTo(anaAgain.id)).toEqual([]);
    expect(slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === card?.ts)).toHaveLength(1);
  });

  it('marks an opening with one conditional write that two clicks at once cannot both pass', async () => {
    // Prepare
    const { id, event } = await revealEvent('raced 9999', ['U0ANA', 'U0BEN']);
    await run('poster', event);
    const ts = String(cardOf(id)?.ts);

    // Act: ana twice at once, on the real table.
    const clicks = [clickEvent(id, ts, 'U0ANA'), clickEvent(id, ts, 'U0ANA'), clickEvent(id, ts, 'U0ANA')];
    const outcomes = (await Promise.all(clicks.map((c) => run('controls', c)))) as Array<{ outcome: string }>;

    // Assess
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already_opened', 'already_opened', 'shown']);
    expect(clicks.flatMap((c) => shownTo(c.id))).toHaveLength(1);
    const update = proxy.journal
      .map((j) => JSON.parse(j) as { UpdateExpression?: string; ConditionExpression?: string })
      .find((j) => j.UpdateExpression?.includes('list_append'));
    expect(update?.ConditionExpression).toContain('NOT contains(#reveal.#opened, :user)');
  });

  it('burns the key, then deletes the card, when the last person opens it; after that nothing opens it', async () => {
    // Prepare
    const { id, event } = await revealEvent('last one 4242', ['U0ANA']);
    await run('poster', event);
    const card = cardOf(id);
    const stored = proxy.journal.find((j) => j.includes(`key#${id}`) && j.includes('wrappedKey')) ?? '';
    const wrapped = String((JSON.parse(stored) as { Item: { wrappedKey: { S: string } } }).Item.wrappedKey.S);

    // Act
    const opened = (await run('controls', clickEvent(id, String(card?.ts), 'U0ANA'))) as { outcome: string };
    const replayAfter = (await run('controls', clickEvent(id, String(card?.ts), 'U0ANA'))) as {
      outcome: string;
    };

    // Assess: gone from the table; the wrapped key, copied out of DynamoDB's own wire traffic here,
    // is the only thing that could open it — which is why no copy of it may be kept anywhere.
    expect(opened.outcome).toBe('shown_and_burned');
    expect(replayAfter.outcome).toBe('gone');
    expect(card?.deletedAt).toBeDefined();
    const deletes = proxy.journal.filter(
      (j) => j.includes('"TableName":"snap-it-reveal-keys"') && j.includes(`key#${id}`),
    );
    expect(
      deletes.some(
        (j) => !j.includes('wrappedKey') && !j.includes('UpdateExpression') && !j.includes('ConsistentRead'),
      ),
    ).toBe(true);
    expect(kms.decrypt(wrapped, revealKeyContext({ id, team: 'T1', channel: 'C1' }))).toBeDefined();
  });

  it('burns a short reveal’s key at its due time, the poster waiting it out, before deleting the card', async () => {
    // Act: a reveal due in a second.
    const { id, event } = await revealEvent('due soon 1111', ['U0ANA'], 1);
    await run('poster', event);
    const card = cardOf(id);

    // Assess
    expect(card?.deletedAt).toBeDefined();
    const burned = logs.lines().find((l) => l.includes('"event":"reveal.burned"') && l.includes(id));
    expect(burned).toContain('"reason":"due"');
  });

  it.each(['poster', 'controls', 'sweeper', 'reaper'])(
    'sends only AWS commands that the %s role in infra/ allows',
    async (fn) => {
      // Prepare: the sweeper and reaper burn a due reveal each.
      if (fn === 'sweeper' || fn === 'reaper') {
        const { id, event } = await revealEvent(`${fn} burns 2222`, ['U0ANA']);
        await run('poster', event);
        const card = cardOf(id);
        const record = {
          pk: `snap#${id}`,
          team: 'T1',
          channel: 'C1',
          user: 'U0AUTHOR',
          state: 'posted',
          ts: card?.ts,
          dueAt: now() - 1000,
        };
        if (fn === 'sweeper') {
          const { UpdateItemCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
          const db = new DynamoDBClient({ endpoint: dynamo.endpoint });
          await db.send(
            new UpdateItemCommand({
              TableName: TABLE,
              Key: { pk: { S: record.pk } },
              UpdateExpression: 'SET dueAt = :due',
              ExpressionAttributeValues: { ':due': { N: String(record.dueAt) } },
            }),
          );
          db.destroy();
          await run('sweeper', { time: new Date(Math.floor(now() / 1000) * 1000).toISOString() });
        } else {
          const { marshall } = await import('@aws-sdk/util-dynamodb');
          await run('reaper', {
            Records: [
              {
                eventName: 'REMOVE',
                userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
                dynamodb: {
                  OldImage: marshall(record, { removeUndefinedValues: true }),
                  SequenceNumber: '1',
                },
              },
            ],
          });
        }
        expect(cardOf(id)?.deletedAt).toBeDefined();
      }

      // Act
      const allowed = await allowedActions(fn);
      const sent = sentBy.get(fn) ?? new Set();

      // Assess: every one of them burned a key (the poster: the short reveal it waited out).
      expect(sent).toContain('dynamodb:DeleteItem');
      if (fn === 'controls')
        expect([...sent]).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
      for (const action of sent) expect(allowed).toContain(action);
    },
  );

  it('never scans a table, nor writes a secret anywhere DynamoDB sees', () => {
    expect(proxy.counts.get('Scan')).toBeUndefined();
    for (const secret of [
      'the key is 1234',
      'the key is 5678',
      'raced 9999',
      'last one 4242',
      'due soon 1111',
    ])
      expect(proxy.journal.join('\n')).not.toContain(secret);
    expect(logs.lines().join('\n')).not.toContain('5678');
  });
});
