import { describe, expect, it } from '@jest/globals';
import type { PosterEvent } from '../../shared/app/accept-command';
import type { SettingsSource } from '../../shared/app/ports';
import { postSnap } from '../../shared/app/post-snap';
import { MESSAGE_TEXT_LIMIT, SECTION_TEXT_LIMIT, snapMessage } from '../../shared/domain/message';
import { OPEN_POLICY, type Policy } from '../../shared/domain/policy';
import { dueTime, newRecord, TOMBSTONE_TTL_SECONDS } from '../../shared/domain/snap';
import { ClaimPendingError, SealError, SlackCallError, StoreError } from '../../shared/errors';
import {
  BOT,
  type MemoryStore,
  platform,
  posterEvent,
  posterFakes,
  rateLimited,
  type ScriptedSlack,
  SEALED_CONTENT,
  unavailable,
} from '../support/fakes';

const NOW = 1_800_000_000_250;
const content = SEALED_CONTENT;

const event = (delaySeconds: number, id = 'T1:trig-1'): PosterEvent => posterEvent(NOW, { delaySeconds, id });

const setup = () => posterFakes(NOW);

/** What a first run leaves when it posted a 20 s snap, leased it for its own wait, then died. */
async function deadWaiter(store: MemoryStore, slack: ScriptedSlack): Promise<void> {
  await store.claim(newRecord(event(20), NOW, NOW + 50_000));
  const ts = await slack.post(BOT, { channel: 'C1', text: 'x', blocks: [] });
  await store.markPosted({ ...event(20), dueAt: NOW + 20_750 }, ts, '0', {
    until: NOW + 50_750,
    owner: 'poster:T1:trig-1',
  });
}

describe('the poster', () => {
  it('posts once, records the message without its text, and leaves a long snap to the sweeper', async () => {
    // Prepare
    const { clock, store, slack, deps, lines } = setup();

    // Act
    const outcome = await clock.drive(postSnap(event(3600), deps));

    // Assess
    expect(outcome).toBe('posted');
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]).toMatchObject({
      channel: 'C1',
      text: content.text,
      identity: { username: 'name-U1' },
    });
    const record = store.records.get('T1:trig-1');
    expect(record).toMatchObject({
      state: 'posted',
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      dueAt: 1_800_003_601_000,
    });
    expect(record?.leaseUntil).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain('4711');
    expect(lines.join('\n')).not.toContain('4711');
  });

  it('waits out a snap shorter than the sweep can serve and deletes it exactly when due', async () => {
    const { clock, store, slack, deps } = setup();

    const outcome = await clock.drive(postSnap(event(5), deps));

    expect(outcome).toBe('posted_and_deleted');
    expect(slack.deletes).toEqual([expect.objectContaining({ at: 1_800_000_006_000, ok: true })]);
    expect(store.records.size).toBe(0);
  });

  it('gives a waited-out snap back at the end of its lease when Slack holds the deletion longer', async () => {
    // Prepare: Slack rate-limits the deletion for 40 s, longer than the poster's lease (30 s
    // past due) though within its own deadline: from the lease's end a sweep may take it up.
    const { clock, store, slack, deps } = setup();
    slack.failDeletes(rateLimited(40_000));

    // Act
    const outcome = await clock.drive(postSnap(event(5), deps));

    // Assess: one attempt, then the snap is given back for the sweep instead of a second deleter.
    expect(outcome).toBe('posted');
    expect(slack.deletes).toHaveLength(1);
    const record = store.records.get('T1:trig-1');
    expect(record?.state).toBe('posted');
    expect(record?.leaseOwner).toBeUndefined();
    expect(clock.now()).toBeLessThan(1_800_000_006_000 + 30_000);
  });

  it('holds a lease on a snap it waits out, so a sweep does not delete it too', async () => {
    const { clock, store, deps } = setup();
    let leaseSeen: number | undefined;
    const original = store.bury.bind(store);
    store.bury = async (tombstone) => {
      leaseSeen = store.records.get(tombstone.id)?.leaseUntil;
      return original(tombstone);
    };

    await clock.drive(postSnap(event(20), deps));

    expect(leaseSeen).toBe(1_800_000_021_000 + 30_000);
  });

  it('does nothing when the same request arrives again', async () => {
    const { clock, slack, deps } = setup();
    await clock.drive(postSnap(event(3600), deps));

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('duplicate');
    expect(slack.posts).toHaveLength(1);
  });

  it('looks again at a claim a concurrent first run holds, and stays quiet once that run posted', async () => {
    // Prepare: the first delivery has claimed and is still posting when the repeat arrives.
    const { clock, store, slack, deps } = setup();
    await store.claim(newRecord(event(3600), NOW, NOW + 50_000));
    const finishFirst = clock
      .sleep(20_000)
      .then(() => store.markPosted({ ...event(3600), dueAt: NOW + 3_600_000 }, '1.1', '0'));

    // Act
    const outcome = await clock.drive(postSnap(event(3600), deps));

    // Assess
    await finishFirst;
    expect(outcome).toBe('duplicate');
    expect(clock.now()).toBe(NOW + 20_000);
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies).toHaveLength(0);
    expect(store.records.get('T1:trig-1')?.state).toBe('posted');
  });

  it('marks a claim its dead poster left behind as lost and tells the author once, posting nothing', async () => {
    // Prepare: a first run claimed, posted and died before recording (its deadline was NOW + 50 s).
    const { clock, store, slack, deps, lines } = setup();
    await store.claim(newRecord(event(3600), NOW - 10_000, NOW + 50_000));

    // Act: two repeats of the same event.
    const first = await clock.drive(postSnap(event(3600), deps));
    const second = await clock.drive(postSnap(event(3600), deps));

    // Assess
    expect([first, second]).toEqual(['lost', 'duplicate']);
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies).toHaveLength(1);
    expect(slack.replies[0]?.text).toContain('lost track of your snap in <#C1>');
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')).toEqual({
      id: 'T1:trig-1',
      state: 'lost',
      expiresAt: Math.ceil(clock.now() / 1000) + TOMBSTONE_TTL_SECONDS,
    });
    expect(lines.join('\n')).toContain('poster.lost_track');
    expect(lines.join('\n')).not.toContain('4711');
  });

  it('takes up the wait of a first run that recorded a short snap and died, deleting it on time', async () => {
    // Prepare: the first run posted a 20 s snap, leased it for its own wait, then died.
    const { clock, store, slack, deps } = setup();
    await deadWaiter(store, slack);

    // Act: the repeat arrives 2 s later.
    const outcome = await clock.drive(clock.sleep(2_000).then(() => postSnap(event(20), deps)));

    // Assess
    expect(outcome).toBe('posted_and_deleted');
    expect(slack.posts).toHaveLength(1);
    expect(slack.deletes).toEqual([expect.objectContaining({ at: NOW + 20_750, ok: true })]);
    expect(store.records.size).toBe(0);
  });

  it('leaves a waited-out snap to the sweep that took it over once the dead run lease lapsed', async () => {
    const { clock, store, slack, deps } = setup();
    await deadWaiter(store, slack);
    await store.lease('T1:trig-1', 'sweep:run-1', NOW + 200_000, NOW + 60_000);

    const outcome = await clock.drive(postSnap(event(20), deps));

    expect(outcome).toBe('duplicate');
    expect(slack.deletes).toHaveLength(0);
  });

  it('hands a claim still undecided at its own deadline back to Lambda for a later delivery', async () => {
    // Prepare: the first run's deadline lies beyond this run's.
    const { clock, store, slack, deps } = setup();
    await store.claim(newRecord(event(3600), NOW, NOW + 200_000));

    // Act
    const outcome = clock.drive(postSnap(event(3600), deps));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ClaimPendingError);
    expect(clock.now()).toBeLessThanOrEqual(NOW + 110_000);
    expect(slack.replies).toHaveLength(0);
    expect(store.records.get('T1:trig-1')?.state).toBe('posting');
  });

  it('takes the message down at once and tells the user when it cannot be recorded', async () => {
    const { clock, store, slack, deps } = setup();
    store.failMarkPosted = true;

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('untracked');
    expect(slack.deletes).toHaveLength(1);
    expect(slack.live.size).toBe(0);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
    expect(slack.replies[0]?.text).toContain('removed it at once');
  });

  it('marks the claim lost when a message it cannot record cannot be taken down either', async () => {
    const { clock, store, slack, deps } = setup();
    store.failMarkPosted = true;
    slack.failDeletes(unavailable(), unavailable());

    const outcome = await clock.drive(postSnap(event(3600), deps));
    const repeat = await clock.drive(postSnap(event(3600), deps));

    expect([outcome, repeat]).toEqual(['untracked', 'duplicate']);
    expect(slack.posts).toHaveLength(1);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('lost');
    expect(slack.replies.map((r) => r.text)).toEqual([expect.stringContaining('delete it yourself')]);
  });

  it('never releases a claim whose post may have happened: it is lost, and a repeat posts nothing', async () => {
    // Prepare: Slack does not answer the post (a timeout, a 5xx, a dropped connection).
    const { clock, store, slack, deps } = setup();
    slack.failPosts(unavailable('chat.postMessage'));

    // Act
    const outcome = await clock.drive(postSnap(event(3600), deps));
    const repeat = await clock.drive(postSnap(event(3600), deps));

    // Assess
    expect([outcome, repeat]).toEqual(['lost', 'duplicate']);
    expect(slack.posts).toHaveLength(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('lost');
    expect(slack.replies.map((r) => r.text)).toEqual([expect.stringContaining('may not have been posted')]);
  });

  it('leaves the claim for Lambda’s retry when posting fails in a way Slack did not answer for', async () => {
    const { clock, store, slack, deps } = setup();
    slack.failPosts(() => {
      throw new TypeError('a bug, not Slack');
    });

    const outcome = clock.drive(postSnap(event(3600), deps));

    await expect(outcome).rejects.toBeInstanceOf(TypeError);
    expect(store.records.get('T1:trig-1')?.state).toBe('posting');
    expect(slack.replies).toHaveLength(0);
  });

  it('tells the user what to do when Slack refuses the post, and keeps nothing', async () => {
    const { clock, store, slack, deps } = setup();
    slack.failPosts(platform('not_in_channel', 'chat.postMessage'));

    const outcome = await clock.drive(postSnap(event(30), deps));

    expect(outcome).toBe('refused');
    expect(store.records.size).toBe(0);
    expect(slack.replies).toHaveLength(1);
    expect(slack.replies[0]?.text).toContain('/invite @snap');
    expect(slack.replies[0]?.text).not.toContain('4711');
  });

  it('posts nothing for a late repeat of a refused snap: the author was told to try again', async () => {
    // Prepare: refused; by the time the repeat comes, the app was invited.
    const { clock, store, slack, deps } = setup();
    slack.failPosts(platform('not_in_channel', 'chat.postMessage'));
    await clock.drive(postSnap(event(30), deps));

    // Act
    const repeat = await clock.drive(postSnap(event(30), deps));

    // Assess
    expect(repeat).toBe('duplicate');
    expect(slack.posts).toHaveLength(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
  });

  it('posts nothing for a repeat that comes after the snap was deleted', async () => {
    // Prepare: a short snap, posted, waited out and deleted.
    const { clock, store, slack, deps } = setup();
    await clock.drive(postSnap(event(5), deps));

    // Act
    const repeat = await clock.drive(postSnap(event(5), deps));

    // Assess
    expect(repeat).toBe('duplicate');
    expect(slack.posts).toHaveLength(1);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')).toEqual({
      id: 'T1:trig-1',
      state: 'done',
      expiresAt: 1_800_000_006 + TOMBSTONE_TTL_SECONDS,
    });
  });

  it('waits out a rate-limited post and counts the delay from when it is posted', async () => {
    const { clock, store, slack, deps } = setup();
    const limited = new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', {
      retryAfterMs: 3_000,
    });
    slack.failPosts(limited);

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('posted');
    expect(slack.posts).toHaveLength(1);
    const postedAt = slack.posts[0]?.at ?? 0;
    expect(postedAt).toBeGreaterThanOrEqual(NOW + 3_000);
    expect(postedAt).toBeLessThanOrEqual(NOW + 4_500);
    expect(store.records.get('T1:trig-1')?.dueAt).toBe(dueTime(postedAt, 3600));
    expect(JSON.stringify(slack.posts[0]?.blocks)).toContain(`<!date^${dueTime(postedAt, 3600) / 1000}^`);
  });

  it('deletes a rate-limited short snap at the due time it shows, not the one it was typed with', async () => {
    const { clock, slack, deps } = setup();
    slack.failPosts(
      new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', { retryAfterMs: 2_000 }),
    );

    const outcome = await clock.drive(postSnap(event(5), deps));

    const postedAt = slack.posts[0]?.at ?? 0;
    expect(outcome).toBe('posted_and_deleted');
    expect(slack.deletes[0]?.at).toBe(dueTime(postedAt, 5));
    expect(JSON.stringify(slack.posts[0]?.blocks)).toContain(`<!date^${dueTime(postedAt, 5) / 1000}^`);
  });

  it('gives up on a post rate-limited past its deadline, keeping nothing', async () => {
    const { clock, store, slack, deps } = setup();
    slack.failPosts(
      new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', { retryAfterMs: 600_000 }),
    );

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('refused');
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
    expect(slack.replies).toHaveLength(1);
  });

  it('posts as the bot with attribution when Slack refuses a custom name', async () => {
    const { clock, slack, deps } = setup();
    slack.failPosts(platform('missing_scope', 'chat.postMessage'));

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('posted');
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]?.identity).toBeUndefined();
    expect(JSON.stringify(slack.posts[0]?.blocks)).toContain('<@U1> used snap');
  });

  it('drops an event that ack did not make, and one whose seal does not open', async () => {
    const { clock, slack, deps } = setup();

    expect(await clock.drive(postSnap({ hello: 'world' }, deps))).toBe('rejected');
    deps.open = async () => {
      throw new SealError('bad');
    };
    expect(await clock.drive(postSnap(event(30), deps))).toBe('rejected');
    expect(slack.posts).toHaveLength(0);
  });

  it.each([
    ['older than Lambda delivers (600 s)', { receivedAt: NOW - 600_001 }, 'too_old'],
    ['stamped more than a minute ahead', { receivedAt: NOW + 60_001 }, 'from_the_future'],
  ])('refuses an event %s: nothing posted, no record, no retry', async (_name, change, why) => {
    const { clock, store, slack, deps, lines } = setup();

    const outcome = await clock.drive(postSnap({ ...event(30), ...change }, deps));

    expect(outcome).toBe('rejected');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(lines.find((l) => l.includes('"poster.event_stale"'))).toContain(`"staleness":"${why}"`);
  });

  it('tells the author once why a snap that came too late was not posted, however often it is delivered', async () => {
    // Prepare: ack answered nothing, so this is the only answer the author can get.
    const { clock, store, slack, deps } = setup();
    const late = { ...event(30), receivedAt: NOW - 600_001 };

    // Act: Lambda delivers it twice.
    await clock.drive(postSnap(late, deps));
    await clock.drive(postSnap(late, deps));

    // Assess
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies.map((r) => r.text)).toEqual([expect.stringContaining('more than 10 minutes')]);
    expect(store.tombstones.get(late.id)?.state).toBe('done');
  });

  it('does not answer a late delivery of a snap that an earlier delivery took', async () => {
    // Prepare: the first delivery posted it.
    const { clock, slack, deps } = setup();
    const e = event(3600);
    await clock.drive(postSnap(e, deps));

    // Act: a delivery of the same event, now past the event age.
    await clock.drive(clock.sleep(600_001));
    const outcome = await clock.drive(postSnap(e, deps));

    // Assess
    expect(outcome).toBe('rejected');
    expect(slack.posts).toHaveLength(1);
    expect(slack.replies).toHaveLength(0);
  });

  it('still posts an event just inside the event age', async () => {
    const { clock, slack, deps } = setup();

    const outcome = await clock.drive(postSnap({ ...event(3600), receivedAt: NOW - 599_000 }, deps));

    expect(outcome).toBe('posted');
    expect(slack.posts).toHaveLength(1);
  });

  it.each([0, 604_801])('refuses a delay of %i s, outside 1 s – 7 days: nothing posted', async (delay) => {
    const { clock, store, slack, deps } = setup();

    const outcome = await clock.drive(postSnap(event(delay), deps));

    expect(outcome).toBe('rejected');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
  });

  it('lets Lambda retry when the key service itself fails', async () => {
    const { clock, deps } = setup();
    deps.open = async () => {
      throw new StoreError('not a seal problem');
    };

    await expect(clock.drive(postSnap(event(30), deps))).rejects.toThrow(StoreError);
  });
});

describe('the poster within its workspace’s posters in flight', () => {
  /** Every slot of `key` held by another poster until well after now. */
  const fill = (store: MemoryStore, key: string, size: number) => {
    for (let i = 0; i < size; i++)
      store.slots.set(`${key}#${i}`, { owner: `other-${i}`, until: NOW + 60_000, expiresAt: 0 });
  };

  it('refuses a snap when its workspace has every poster in use: one reply saying snap is busy there, nothing posted, the claim settled', async () => {
    // Prepare: the workspace's ten posters are all posting.
    const { clock, store, slack, deps, lines } = setup();
    fill(store, 'T1', 10);

    // Act
    const outcome = await clock.drive(postSnap(event(3600), deps));
    const again = await clock.drive(postSnap(event(3600), deps));

    // Assess: a repeat of the request is a duplicate, never a late post behind the refusal.
    expect([outcome, again]).toEqual(['busy', 'duplicate']);
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies.map((r) => r.text)).toEqual([
      ':hourglass: Your snap was not posted: snap is busy in this workspace right now — too many snaps from this workspace are being posted at once. Please send it again in a few seconds.',
    ]);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
    expect(lines.join('\n')).toContain('"event":"poster.busy"');
  });

  it('posts in another workspace meanwhile, and again in the first once a slot is given back or its holder’s deadline passes', async () => {
    // Prepare
    const { clock, store, slack, deps } = setup();
    fill(store, 'T1', 10);

    // Act
    const elsewhere = await clock.drive(postSnap(posterEvent(NOW, { id: 'T2:a', team: 'T2' }), deps));
    store.slots.delete('T1#3');
    const freed = await clock.drive(postSnap(posterEvent(NOW, { id: 'T1:b' }), deps));
    for (const held of store.slots.values()) held.until = NOW - 1; // their posters died
    const expired = await clock.drive(postSnap(posterEvent(NOW, { id: 'T1:c' }), deps));

    // Assess
    expect([elsewhere, freed, expired]).toEqual(['posted', 'posted', 'posted']);
    expect(slack.posts).toHaveLength(3);
  });

  it('holds its slot while posting only: given back once the post is recorded, before it waits out a short snap', async () => {
    // Prepare
    const { clock, store, slack, deps } = setup();

    // Act: a 5 s snap, which the poster waits out and deletes itself.
    const outcome = await clock.drive(postSnap(event(5), deps));

    // Assess
    expect(outcome).toBe('posted_and_deleted');
    const [take, release] = store.slotLog;
    expect(store.slotLog.map((l) => l.op)).toEqual(['take', 'release']);
    expect(take?.slot).toBe(release?.slot);
    expect(release?.at).toBeLessThan(slack.deletes[0]?.at ?? 0);
    expect(store.slots.size).toBe(0);
  });

  it.each([
    ['Slack refuses the post', 'refused'],
    ['a failure thrown for Lambda to retry', 'thrown'],
  ])('gives its slot back whatever way posting ends: %s', async (_how, ending) => {
    // Prepare
    const { clock, store, slack, deps } = setup();
    if (ending === 'refused') slack.failPosts(platform('is_archived'));
    else
      slack.post = async () => {
        throw new StoreError('not an answer from Slack');
      };

    // Act
    const outcome = await clock.drive(postSnap(event(3600), deps)).catch(() => 'thrown');

    // Assess
    expect(outcome).toBe(ending);
    expect(store.slotLog.map((l) => l.op)).toEqual(['take', 'release']);
    expect(store.slots.size).toBe(0);
  });

  it('on Grid, refuses a snap when the org has every poster in use, naming the org, and gives back the workspace slot it took', async () => {
    const { clock, store, slack, deps } = setup();
    fill(store, 'E1', 30);

    const outcome = await clock.drive(postSnap(posterEvent(NOW, { enterprise: 'E1' }), deps));

    expect(outcome).toBe('busy');
    expect(slack.replies[0]?.text).toContain('snap is busy in your organization');
    expect(store.slotLog.map((l) => [l.op, l.slot])).toEqual([
      ['take', 'T1#0'],
      ['release', 'T1#0'],
    ]);
  });

  it('lets the snap through when the table cannot answer for the slots, and logs that it did', async () => {
    const { clock, store, slack, deps, lines } = setup();
    store.failSlots = true;

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('posted');
    expect(slack.posts).toHaveLength(1);
    expect(lines.join('\n')).toContain('"event":"poster.slots_unchecked"');
  });
});

describe('message layout', () => {
  const line = ':bomb: <@U1> used snap · self-destructs <!date^1800000060^{time_secs}|x>';

  it('posts a text that fits a section as one section, the expiry line in a context block under it', () => {
    const text = `*bold* &amp; <@U2> ${'a'.repeat(SECTION_TEXT_LIMIT - 20)}`;

    const message = snapMessage(text, line);

    expect(message).toEqual({
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: line }] },
      ],
    });
  });

  it('posts a longer text unchanged as the message’s own text, the expiry line in an attachment under it', () => {
    // A paragraph break where a section would have been cut, and formatting across it.
    const text = `${'a'.repeat(2_990)} *bold\n\nacross* ${'b'.repeat(2_000)} <@U2> &amp;`;

    const message = snapMessage(text, line);

    expect(text.length).toBeGreaterThan(SECTION_TEXT_LIMIT);
    expect(message.text).toBe(text);
    expect(message.blocks).toEqual([]);
    expect(message.attachments).toEqual([
      { blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: line }] }] },
    ]);
  });

  it('refuses a text over 4,000 characters (Slack would split it into messages snap could not all delete) before posting, saying the limit, and counts nothing against the limits', async () => {
    // Prepare
    const { clock, store, slack, deps, lines } = setup();
    deps.open = async () => ({ ...content, text: 'x'.repeat(MESSAGE_TEXT_LIMIT + 1) });

    // Act
    const outcome = await clock.drive(postSnap(event(30), deps));

    // Assess
    expect(outcome).toBe('refused');
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies.map((r) => r.text)).toEqual([
      ':warning: Your snap was not posted. Your message is too long for Slack (limit 4,000 characters). Shorten it and try again.',
    ]);
    expect(store.tombstones.get('T1:trig-1')).toMatchObject({ state: 'done' });
    expect([...store.counters.keys()]).toEqual([]);
    expect(lines.some((l) => l.includes('"event":"poster.too_long"'))).toBe(true);
  });

  it('posts a text of exactly 4,000 characters', async () => {
    const { clock, slack, deps } = setup();
    deps.open = async () => ({ ...content, text: 'y'.repeat(MESSAGE_TEXT_LIMIT) });

    const outcome = await clock.drive(postSnap(event(3600), deps));

    expect(outcome).toBe('posted');
    expect(slack.posts[0]?.text).toHaveLength(MESSAGE_TEXT_LIMIT);
  });
});

describe('the poster, held to the workspace’s policy', () => {
  const settings = (policy: Partial<Policy>, defaults: Record<string, number> = {}): SettingsSource => ({
    settings: async () => ({ policy: { ...OPEN_POLICY, ...policy }, scope: 'workspace', defaults }),
    forget: () => {},
  });

  it('refuses a delay over the longest the policy allows, posts nothing, settles the request and counts nothing against the limits', async () => {
    // Prepare
    const { store, slack, deps } = posterFakes(NOW, { settings: settings({ maxSeconds: 600 }) });

    // Act
    const outcome = await postSnap(event(3600), deps);
    const again = await postSnap(event(3600), deps);

    // Assess
    expect(outcome).toBe('refused_by_policy');
    expect(again).toBe('duplicate');
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies).toEqual([
      expect.objectContaining({ text: expect.stringContaining('longest delay to 10 minutes') }),
    ]);
    expect(store.records.size).toBe(0);
    expect(store.counters.size).toBe(0);
  });

  it('gives a snap typed without a delay the author’s own default within the policy, shown in the message', async () => {
    // Prepare
    const { slack, deps } = posterFakes(NOW, { settings: settings({ maxSeconds: 3600 }, { U1: 600 }) });

    // Act
    await postSnap(posterEvent(NOW, { delaySeconds: 60, defaulted: true }), deps);

    // Assess
    expect(JSON.stringify(slack.posts[0]?.blocks)).toContain(`<!date^${Math.ceil((NOW + 600_000) / 1000)}^`);
  });

  it('posts with the bot, not the author’s own token, when posting as yourself is off', async () => {
    // Prepare
    const { slack, deps } = posterFakes(NOW, { settings: settings({ asUser: false }) });
    slack.authorized.add('U1');

    // Act
    const outcome = await postSnap(event(3600), deps);

    // Assess
    expect(outcome).toBe('posted');
    expect(slack.posts.map((p) => p.speaker.as)).toEqual(['bot']);
  });

  it('posts nothing and asks the author to try again when the policy cannot be read', async () => {
    // Prepare
    const failing: SettingsSource = {
      settings: async () => {
        throw new StoreError('DynamoDB readSettings failed');
      },
      forget: () => {},
    };
    const { slack, deps } = posterFakes(NOW, { settings: failing });

    // Act
    const outcome = await postSnap(event(3600), deps);

    // Assess
    expect(outcome).toBe('unavailable');
    expect(slack.posts).toHaveLength(0);
    expect(String(slack.replies.at(-1)?.text)).toContain('try again');
  });
});
