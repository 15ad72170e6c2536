import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import type { StandInMessage } from '../../local/slack-stand-in';
import { dueOf, ON_TIME_MS, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const suite = pipelineSuite('crash', {
  sweepPeriodSeconds: 10,
  // The first retry comes after the dead run's deadline (8 s - 3 s), as Lambda's ~1 minute
  // does after a 105 s poster's.
  poster: { isolated: true, timeoutMs: 8_000, retryDelaysMs: [6_000, 1_000] },
  // Two workers at most: workspace T0K3's snaps go to group 0, T0K4's to group 1 (8 shards).
  sweeper: { isolated: true, workers: 2 },
  // The faults below aim at the snap record's UpdateItem; the rate-limit counters (UpdateItem
  // too) are tested in their own suites.
  env: { SNAP_LIMIT_USER_PER_MINUTE: '0', SNAP_LIMIT_TEAM_PER_MINUTE: '0' },
});
const { logs, messagesIn, recordsIn, calls } = suite;
const postsIn = (channel: string) => calls('chat.postMessage', channel);
const runsFor = (channel: string) =>
  p.lambda.invocations.filter((i) => (i.payload as { channel?: string }).channel === channel);
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

describe('a poster that dies', () => {
  it('after Slack took the post: never posts again, marks the claim lost and tells the author once', async () => {
    // Prepare: kill the poster the instant Slack has taken the post, before it can record it.
    const kill = (m: StandInMessage) => {
      if (m.channel === 'K-post') p.posterProcess?.killRunning();
    };
    p.slack.events.on('posted', kill);

    // Act
    await p.command('1h crash after post', { channel_id: 'K-post' });
    await p.lambda.settled();
    p.slack.events.off('posted', kill);

    // Assess: the retry waited out the dead run's deadline, then gave the author the job.
    expect(runsFor('K-post').map((i) => i.error ?? 'ok')).toEqual(['Runtime.ExitError', 'ok']);
    expect(postsIn('K-post')).toHaveLength(1);
    const replies = p.slack.replies.filter((r) => String(r.body.text).includes('lost track'));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body.text).toContain('<#K-post>');
    expect(logs.lines().some((l) => l.includes('"poster.lost_track"') && l.includes('K-post'))).toBe(true);
    const id = (runsFor('K-post')[0]?.payload as { id?: string } | undefined)?.id;
    const tombstoneOf = async () => (await p.items()).find((i) => i.pk === `snap#${id}`);
    expect(await tombstoneOf()).toEqual({ pk: `snap#${id}`, state: 'lost', expiresAt: expect.any(Number) });
    expect(p.lambda.failed).toHaveLength(0);

    // Act: TTL removes the tombstone later; the reaper has nothing to delete.
    await p.expire(Date.now() + 2 * 3600_000);

    // Assess: the message the crash left untracked is the documented consequence.
    expect(await tombstoneOf()).toBeUndefined();
    expect(
      p.slack.calls.filter((c) => c.method === 'chat.delete' && c.params.channel === 'K-post'),
    ).toHaveLength(0);
    expect(messagesIn('K-post')[0]?.deletedAt).toBeUndefined();
  }, 30_000);

  it('right after recording a short snap: the retry hands it over again and it is deleted on time', async () => {
    // Prepare: kill the poster the instant it has recorded the snap, before (or as) it hands
    // the snap to a sweeper worker.
    const kill = (line: string) => {
      if (line.includes('"poster.posted"') && line.includes('K-hand')) p.posterProcess?.killRunning();
    };
    p.posterProcess?.output.on('line', kill);

    // Act
    await p.command('20s crash before the hand-over', { channel_id: 'K-hand' });
    await p.lambda.settled();
    p.posterProcess?.output.off('line', kill);

    // Assess: posted once, deleted once, on time, by a worker; nothing left.
    expect(runsFor('K-hand').map((i) => i.error ?? 'ok')).toEqual(['Runtime.ExitError', 'ok']);
    const [message] = messagesIn('K-hand');
    expect(postsIn('K-hand')).toHaveLength(1);
    expect(calls('chat.delete', 'K-hand')).toHaveLength(1);
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
    expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
    expect(await recordsIn('K-hand')).toHaveLength(0);
  }, 40_000);

  it('on every delivery because DynamoDB is unreachable: posts nothing, and the failed event holds no text', async () => {
    // Prepare
    p.dynamoProxy.setDown(true);

    // Act
    const answer = await p.command('1h database is down', { channel_id: 'K-down' });
    await p.lambda.settled();
    p.dynamoProxy.setDown(false);

    // Assess: ack answered (it never touches the table); three runs failed; Lambda gave up.
    expect(answer.statusCode).toBe(200);
    expect(runsFor('K-down').map((i) => i.error)).toEqual(['StoreError', 'StoreError', 'StoreError']);
    expect(postsIn('K-down')).toHaveLength(0);
    const failed = p.lambda.failed.filter((f) => JSON.stringify(f.requestPayload).includes('K-down'));
    expect(failed).toHaveLength(1);
    expect(failed[0]?.requestContext).toMatchObject({
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    });
    expect(failed[0]?.requestPayload).toMatchObject({ channel: 'K-down', sealed: expect.any(Object) });
    expect(JSON.stringify(failed[0])).not.toContain('database is down');
    expect(await recordsIn('K-down')).toHaveLength(0);
  }, 60_000);
});

describe('a sweeper worker killed mid-run', () => {
  it('loses nothing: its successor deletes what it had leased once the lease lapses, and the other group’s worker is untouched', async () => {
    // Prepare: three snaps in workspace T0K4 (group 1) and three in T0K3 (group 0), one second
    // apart, typed when their due times fall in one dispatch's window (windows start 5 s past a
    // tick of 10 s); group 1's worker is killed right after its first deletion. A worker leases
    // a snap shortly before its due time, so what the dead one held is read from the table.
    const killed = ['T0K4-C1', 'T0K4-C2', 'T0K4-C3'];
    const spared = ['T0K3-C1', 'T0K3-C2', 'T0K3-C3'];
    await until(
      () => (Date.now() % 10_000 >= 8_000 && Date.now() % 10_000 < 8_500 ? true : undefined),
      11_000,
    );
    for (const [i, channel] of killed.entries()) {
      await p.command(`${27 + i}s swept then killed`, { channel_id: channel, team_id: 'T0K4' });
      await p.command(`${27 + i}s swept beside it`, { channel_id: spared[i] as string, team_id: 'T0K3' });
    }
    await p.lambda.settled();
    let atDeath: Promise<Array<Record<string, unknown>>> | undefined;
    const kill = (m: StandInMessage) => {
      if (m.channel !== 'T0K4-C1' || atDeath) return;
      const group1 = (event: unknown) =>
        (event as { kind?: string; group?: number }).kind === 'sweep-worker' &&
        (event as { group?: number }).group === 1;
      expect(p.sweeperProcess?.killRunning(group1)).toBe(1);
      atDeath = new Promise((r) => setTimeout(r, 200)).then(() => p.records());
    };
    p.slack.events.on('deleted', kill);

    // Act
    const stop = p.schedule();
    await until(
      async () =>
        (await Promise.all([...killed, ...spared].map(recordsIn))).flat().length === 0 ? true : undefined,
      90_000,
    );
    await stop();
    p.slack.events.off('deleted', kill);

    // Assess: the first on time; the others never early, never while the dead worker's lease
    // held (due + 30 s), and within a sweep period of it; the other workspace's all on time.
    const held = new Map(
      ((await atDeath) ?? []).filter((r) => r.leaseOwner).map((r) => [r.channel, Number(r.leaseUntil)]),
    );
    const [first, ...rest] = killed.map((c) => messagesIn(c)[0]);
    expect(first?.deletedAt).toBeGreaterThanOrEqual(dueOf(first));
    expect(first?.deletedAt).toBeLessThan(dueOf(first) + ON_TIME_MS);
    for (const message of rest) {
      const leaseEnd = held.get(message?.channel) ?? dueOf(message);
      expect(message?.deletedAt).toBeGreaterThanOrEqual(leaseEnd);
      expect(message?.deletedAt).toBeLessThan(leaseEnd + 10_000);
    }
    for (const message of spared.map((c) => messagesIn(c)[0])) {
      expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
      expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
    }
    for (const channel of [...killed, ...spared])
      expect(
        p.slack.calls.filter(
          (c) => c.method === 'chat.delete' && c.params.channel === channel && c.result === 'ok',
        ),
      ).toHaveLength(1);
  }, 120_000);
});

describe('DynamoDB failing a write', () => {
  it('throttled a few times: the SDK retries and the snap is recorded as usual', async () => {
    // Prepare
    p.dynamoProxy.fault('UpdateItem', { throttle: true }, { throttle: true });

    // Act
    await p.command('1h throttled twice', { channel_id: 'K-throttle' });
    await p.lambda.settled();

    // Assess
    expect(postsIn('K-throttle')).toHaveLength(1);
    expect(await recordsIn('K-throttle')).toEqual([expect.objectContaining({ state: 'posted' })]);
    await p.expire(Date.now() + 2 * 3600_000);
    expect(messagesIn('K-throttle')[0]?.deletedAt).toBeDefined();
  }, 30_000);

  it('failing the record past every retry: the message is taken down at once and the author told', async () => {
    p.dynamoProxy.fault('UpdateItem', ...Array.from({ length: 5 }, () => ({ status: 500 }) as const));

    await p.command('1h record fails', { channel_id: 'K-record' });
    await p.lambda.settled();

    const [message] = messagesIn('K-record');
    expect(postsIn('K-record')).toHaveLength(1);
    expect(message?.deletedAt).toBeDefined();
    expect(p.slack.replies.some((r) => String(r.body.text).includes('removed it at once'))).toBe(true);
    expect(await recordsIn('K-record')).toHaveLength(0);
    expect(runsFor('K-record').map((i) => i.error ?? 'ok')).toEqual(['ok']);
  }, 30_000);

  it('failing the tombstone after the message was deleted: the record stays and a later sweep settles it', async () => {
    // Prepare: once the post is under way (its claim written), every PutItem fails for good: the
    // worker's delete of the short snap succeeds, then the tombstone that replaces its record fails.
    const failPuts = (m: StandInMessage) => {
      if (m.channel !== 'K-remove') return;
      p.slack.events.off('posted', failPuts);
      p.dynamoProxy.fault('PutItem', ...Array.from({ length: 5 }, () => ({ status: 500 }) as const));
    };
    p.slack.events.on('posted', failPuts);

    // Act
    const stop = p.schedule();
    await p.command('3s removal fails', { channel_id: 'K-remove' });
    await p.lambda.settled();
    await until(() => (messagesIn('K-remove')[0]?.deletedAt ? true : undefined), 10_000);
    const leftover = await recordsIn('K-remove');
    await until(async () => ((await recordsIn('K-remove')).length === 0 ? true : undefined), 60_000);
    await stop();

    // Assess: deleted once, on time; the sweep found it already gone and buried the record.
    const [message] = messagesIn('K-remove');
    expect(leftover).toHaveLength(1);
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
    expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
    const deletes = p.slack.calls.filter(
      (c) => c.method === 'chat.delete' && c.params.channel === 'K-remove',
    );
    expect(deletes.map((c) => c.result)).toEqual(['ok', 'message_not_found']);
  }, 90_000);

  it('never logs message text, and the repeat of a dead run gets the same sealed event', () => {
    const text = logs.lines().join('\n');
    expect(suite.textsSent().length).toBeGreaterThanOrEqual(7);
    for (const phrase of suite.textsSent()) expect(text).not.toContain(phrase);
    const [first, second] = runsFor('K-post');
    expect(second?.payload).toEqual(first?.payload);
  });
});
