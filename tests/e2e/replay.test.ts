/**
 * A deleted snap never comes back: Lambda's repeated deliveries and replayed signed requests,
 * arriving after the snap was deleted (on time or early by its author), post nothing and
 * delete nothing more. What is left of a snap is a tombstone: its request id, its state, its TTL.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaContext } from '../../local/lambda-stand-in';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import { pipelineSuite } from '../support/e2e';

const suite = pipelineSuite('replay', { sweepPeriodSeconds: 10 });
const { logs, calls, messagesIn } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

interface Payload {
  id?: string;
  channel?: string;
  action?: unknown;
}

/** The event ack handed to the poster for the snap typed in `channel`. */
function snapEventIn(channel: string): Payload & { id: string } {
  const found = p.lambda.invocations.find((i) => {
    const payload = i.payload as Payload;
    return payload.channel === channel && payload.action === undefined;
  });
  const payload = found?.payload as Payload | undefined;
  if (!payload?.id) throw new Error(`no snap was handed to the poster for ${channel}`);
  return payload as Payload & { id: string };
}

/** Sends a signed request to ack as API Gateway would, each time as received (ack parses its copy in place). */
const send = (event: APIGatewayProxyEventV2) =>
  p.ack(structuredClone(event), lambdaContext('snap-ack', 10_000));

const itemOf = async (id: string) => (await p.items()).find((i) => i.pk === `snap#${id}`);
const posts = (channel: string) => calls('chat.postMessage', channel).filter((c) => c.result === 'ok');

describe('a deleted snap', () => {
  it('is not posted again when Lambda delivers its event after it was deleted on time', async () => {
    // Prepare: a short snap, waited out and deleted by its poster.
    await p.command('2s gone on time and stays gone', { channel_id: 'R-ontime' });
    await p.lambda.settled();
    const event = snapEventIn('R-ontime');
    const deletedAt = messagesIn('R-ontime')[0]?.deletedAt;

    // Act: the same event, delivered again.
    p.lambda.redeliver('snap-poster', event);
    await p.lambda.settled();

    // Assess
    expect(deletedAt).toBeDefined();
    expect(posts('R-ontime')).toHaveLength(1);
    expect(p.slack.live('R-ontime')).toHaveLength(0);
    const tombstone = await itemOf(event.id);
    expect(tombstone).toEqual({ pk: `snap#${event.id}`, state: 'done', expiresAt: expect.any(Number) });
    expect(Number(tombstone?.expiresAt)).toBeGreaterThanOrEqual(Math.floor(Number(deletedAt) / 1000) + 3600);
    expect(logs.lines().some((l) => l.includes('"poster.duplicate"') && l.includes(event.id))).toBe(true);
  });

  it('is not posted again when Lambda delivers its event after its author deleted it early', async () => {
    // Prepare
    await p.command('1h deleted early and stays gone', { channel_id: 'R-early' });
    await p.lambda.settled();
    const event = snapEventIn('R-early');
    await p.command('cancel', { channel_id: 'R-early' });
    await p.lambda.settled();

    // Act
    p.lambda.redeliver('snap-poster', event);
    await p.lambda.settled();

    // Assess
    expect(posts('R-early')).toHaveLength(1);
    expect(p.slack.live('R-early')).toHaveLength(0);
    expect(await itemOf(event.id)).toEqual({
      pk: `snap#${event.id}`,
      state: 'done',
      expiresAt: expect.any(Number),
    });
  });

  it('is not posted again when its signed command is replayed after the deletion', async () => {
    // Prepare: a captured signed request, sent once, deleted early by a button.
    const signed = p.commandEvent('1h replayed by someone', { channel_id: 'R-replay' });
    await send(signed);
    await p.lambda.settled();
    const event = snapEventIn('R-replay');
    await p.interact({
      type: 'block_actions',
      team: { id: 'T0LOCAL' },
      user: { id: 'U0LOCAL' },
      channel: { id: 'R-replay' },
      response_url: p.slack.responseUrl('replay-button'),
      trigger_id: `${Date.now()}.replay.button`,
      actions: [{ action_id: 'delete_snap', value: event.id, action_ts: String(Date.now() / 1000) }],
    });
    await p.lambda.settled();

    // Act: the same signed request again, inside Slack's five-minute window.
    const replay = await send(signed);
    await p.lambda.settled();

    // Assess
    expect(replay.statusCode).toBe(200);
    expect(posts('R-replay')).toHaveLength(1);
    expect(p.slack.live('R-replay')).toHaveLength(0);
  });

  it('leaves its tombstone to TTL, whose removal the reaper ignores', async () => {
    // Prepare
    await p.command('2s tombstone expires', { channel_id: 'R-ttl' });
    await p.lambda.settled();
    const { id } = snapEventIn('R-ttl');
    const tombstone = await itemOf(id);
    const deletesBefore = calls('chat.delete').length;

    // Act: TTL runs past the tombstone's expiry.
    await p.expire(Number(tombstone?.expiresAt) * 1000 + 1_000);

    // Assess
    expect(tombstone?.state).toBe('done');
    expect(await itemOf(id)).toBeUndefined();
    const removal = p.reaperEvents
      .flatMap((e) => e.Records)
      .find((r) => r.dynamodb?.Keys?.pk?.S === `snap#${id}`);
    expect(removal?.eventName).toBe('REMOVE');
    expect(calls('chat.delete')).toHaveLength(deletesBefore);
  });
});

describe('a snap whose post failed', () => {
  it('is not posted by a repeat when Slack never answered (it may have posted): the claim is lost', async () => {
    // Prepare: Slack answers the post with a 500; whether it posted is unknown.
    p.slack.fault('chat.postMessage', { status: 500 });
    await p.command('1h no answer from slack', { channel_id: 'R-unclear' });
    await p.lambda.settled();
    const event = snapEventIn('R-unclear');

    // Act
    p.lambda.redeliver('snap-poster', event);
    await p.lambda.settled();

    // Assess
    expect(calls('chat.postMessage', 'R-unclear')).toHaveLength(1);
    expect(await itemOf(event.id)).toEqual({
      pk: `snap#${event.id}`,
      state: 'lost',
      expiresAt: expect.any(Number),
    });
  });

  it('is not posted by a late repeat once Slack refused it and the author was told to try again', async () => {
    // Prepare: refused (the app is not in the channel); then the author fixes that.
    p.slack.fault('chat.postMessage', { error: 'not_in_channel' });
    await p.command('1h refused at first', { channel_id: 'R-refused' });
    await p.lambda.settled();
    const event = snapEventIn('R-refused');

    // Act
    p.lambda.redeliver('snap-poster', event);
    await p.lambda.settled();

    // Assess
    expect(posts('R-refused')).toHaveLength(0);
    expect(messagesIn('R-refused')).toHaveLength(0);
    expect(await itemOf(event.id)).toEqual({
      pk: `snap#${event.id}`,
      state: 'done',
      expiresAt: expect.any(Number),
    });
  });
});

describe('a replayed /snap cancel', () => {
  it('deletes nothing more: the author’s newer snap stays', async () => {
    // Prepare: a snap, cancelled by a signed request that someone captured.
    await p.command('1h the first snap', { channel_id: 'R-cancel' });
    await p.lambda.settled();
    const cancel = p.commandEvent('cancel', { channel_id: 'R-cancel' });
    await send(cancel);
    await p.lambda.settled();
    await p.command('1h the newer snap', { channel_id: 'R-cancel' });
    await p.lambda.settled();

    // Act: the captured cancel, sent again.
    await send(cancel);
    await p.lambda.settled();

    // Assess
    const [first, newer] = messagesIn('R-cancel');
    expect(first?.deletedAt).toBeDefined();
    expect(newer?.deletedAt).toBeUndefined();
    expect(p.slack.live('R-cancel')).toHaveLength(1);
    expect(calls('chat.delete', 'R-cancel')).toHaveLength(1);
    expect(logs.lines().some((l) => l.includes('"author.duplicate"'))).toBe(true);
  });
});

type Event = Record<string, unknown> & { id: string; receivedAt: number };

/**
 * An event as it sits in the poster's on-failure queue: sealed, never acted upon (DynamoDB was
 * unreachable on every delivery), so nothing but its seal stands between it and a post.
 */
async function unclaimedEvent(send: () => Promise<unknown>, channel: string): Promise<Event> {
  p.dynamoProxy.setDown(true);
  try {
    await send();
    await p.lambda.settled();
  } finally {
    p.dynamoProxy.setDown(false);
  }
  const failed = p.lambda.failed.find((f) => (f.requestPayload as Payload).channel === channel);
  if (!failed) throw new Error(`no failed event for ${channel}`);
  return failed.requestPayload as Event;
}

async function deliver(event: unknown): Promise<string> {
  const poster = (await import(`${process.cwd()}/dist/poster/index.mjs`)) as {
    handler: (event: unknown, context: unknown) => Promise<{ outcome: string }>;
  };
  return (await poster.handler(event, lambdaContext('snap-poster', 60_000))).outcome;
}

const sealRefusals = () => logs.lines().filter((l) => l.includes('"poster.seal_invalid"')).length;

describe('a sealed event changed on its way to the poster', () => {
  it('is refused when any clear field of a snap was changed, and posts only as sealed', async () => {
    // Prepare
    const event = await unclaimedEvent(
      () => p.command('1h sealed for one place', { channel_id: 'R-seal' }),
      'R-seal',
    );
    const changes: Array<[string, Partial<Event>]> = [
      ['id', { id: `${event.id}.other` }],
      ['team', { team: 'T0OTHER' }],
      ['channel', { channel: 'R-seal-elsewhere' }],
      ['user', { user: 'U0OTHER' }],
      ['delaySeconds', { delaySeconds: 86_400 }],
      ['receivedAt', { receivedAt: event.receivedAt - 1_000 }],
    ];
    const refusalsBefore = sealRefusals();

    // Act
    const outcomes: Array<[string, string]> = [];
    for (const [field, change] of changes) outcomes.push([field, await deliver({ ...event, ...change })]);
    const untouched = await deliver(event);

    // Assess
    expect(outcomes).toEqual(changes.map(([field]) => [field, 'rejected']));
    expect(sealRefusals() - refusalsBefore).toBe(changes.length);
    expect(calls('chat.postMessage', 'R-seal-elsewhere')).toHaveLength(0);
    expect(untouched).toBe('posted');
    expect(posts('R-seal')).toHaveLength(1);
    expect(p.slack.live('R-seal')[0]?.username).toBe(SANDBOX.user.name);
  }, 30_000);

  it('is refused when any clear field of an author request was changed', async () => {
    // Prepare: a snap, and a cancel of it that never reached the table.
    await p.command('1h to be cancelled as sealed', { channel_id: 'R-seal-cancel' });
    await p.lambda.settled();
    const target = snapEventIn('R-seal-cancel');
    const event = await unclaimedEvent(
      () => p.command('cancel', { channel_id: 'R-seal-cancel' }),
      'R-seal-cancel',
    );
    const changes: Array<[string, Partial<Event>]> = [
      ['id', { id: `${event.id}.other` }],
      ['action', { action: { kind: 'delete', snapId: target.id } }],
      ['team', { team: 'T0OTHER' }],
      ['channel', { channel: 'R-seal-elsewhere' }],
      ['user', { user: 'U0OTHER' }],
      ['receivedAt', { receivedAt: event.receivedAt - 1_000 }],
    ];
    const refusalsBefore = logs.lines().filter((l) => l.includes('"author.seal_invalid"')).length;

    // Act
    const outcomes: Array<[string, string]> = [];
    for (const [field, change] of changes) outcomes.push([field, await deliver({ ...event, ...change })]);

    // Assess
    expect(outcomes).toEqual(changes.map(([field]) => [field, 'rejected']));
    expect(logs.lines().filter((l) => l.includes('"author.seal_invalid"')).length - refusalsBefore).toBe(
      changes.length,
    );
    expect(p.slack.live('R-seal-cancel')).toHaveLength(1);
    expect(await deliver(event)).toBe('deleted');
  }, 30_000);
});

describe('the replay suite', () => {
  it('never logs message text', () => {
    const text = logs.lines().join('\n');
    expect(suite.textsSent().length).toBeGreaterThanOrEqual(9);
    for (const phrase of suite.textsSent()) expect(text).not.toContain(phrase);
  });
});
