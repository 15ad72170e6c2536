import { describe, expect, it } from '@jest/globals';
import { handleAuthorRequest } from '../../shared/app/author-control';
import { type AuthorAction, TOMBSTONE_TTL_SECONDS } from '../../shared/domain/snap';
import { StoreError } from '../../shared/errors';
import { FakeClock } from '../support/fake-clock';
import {
  captureLogs,
  MemoryReveals,
  MemoryStore,
  platform,
  runWorker,
  ScriptedSlack,
} from '../support/fakes';

const NOW = 1_800_000_030_000;

function setup() {
  const clock = new FakeClock(NOW);
  const store = new MemoryStore();
  const slack = new ScriptedSlack(clock);
  const { log, lines } = captureLogs();
  const deps = {
    store,
    slack,
    reveals: new MemoryReveals(),
    clock,
    log,
    open: async () => ({ responseUrl: 'https://hooks.test/r' }),
    deadline: () => clock.now() + 100_000,
  };
  const ask = (
    action: AuthorAction,
    user = 'U1',
    channel = 'C1',
    id = `T1:req-${Math.random()}`,
    where: { team: string; enterprise?: string } = { team: 'T1' },
  ) =>
    clock.drive(
      handleAuthorRequest(
        {
          v: 1,
          id,
          action,
          ...where,
          channel,
          user,
          receivedAt: NOW,
          sealed: { key: 'k', iv: 'i', data: 'd' },
        },
        deps,
      ),
    );
  // Three live snaps: two of U1 (C1 older, C2 newer… and one more in C1 newest), one of U2.
  store.put({ id: 'a', user: 'U1', channel: 'C1', createdAt: 1, dueAt: NOW + 600_000 });
  store.put({ id: 'b', user: 'U1', channel: 'C2', createdAt: 2, dueAt: NOW + 700_000 });
  store.put({ id: 'c', user: 'U1', channel: 'C1', createdAt: 3, dueAt: NOW + 800_000 });
  store.put({ id: 'd', user: 'U2', channel: 'C1', createdAt: 4, dueAt: NOW + 900_000 });
  return { clock, store, slack, deps, ask, lines };
}

const lastReply = (slack: ScriptedSlack) => slack.replies.at(-1);

describe('the author', () => {
  it('lists their own pending snaps, newest first, each with a Delete now button', async () => {
    const { slack, ask } = setup();

    const outcome = await ask({ kind: 'list' });

    expect(outcome).toBe('listed');
    const blocks = lastReply(slack)?.blocks as Array<{ accessory?: { value: string; action_id: string } }>;
    expect(blocks.flatMap((b) => (b.accessory ? [b.accessory.value] : []))).toEqual(['c', 'b', 'a']);
    expect(blocks[1]?.accessory?.action_id).toBe('delete_snap');
    expect(JSON.stringify(blocks)).toContain('<!date^');
  });

  it('hears that nothing is pending when nothing is', async () => {
    const { slack, ask } = setup();

    const outcome = await ask({ kind: 'list' }, 'U9');

    expect(outcome).toBe('none');
    expect(lastReply(slack)?.text).toBe('You have no pending snaps.');
  });

  it('cancels their most recent snap in this channel only, now', async () => {
    const { store, slack, ask } = setup();

    const outcome = await ask({ kind: 'cancel' }, 'U1', 'C1');

    expect(outcome).toBe('deleted');
    expect(slack.deletes.map((d) => d.channel)).toEqual(['C1']);
    expect(store.records.has('c')).toBe(false);
    expect(store.tombstones.get('c')?.state).toBe('done');
    expect([...store.records.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect(lastReply(slack)?.text).toContain('Deleted your snap');
  });

  it('does nothing when the same cancel comes again, even with a newer snap to take', async () => {
    // Prepare: a cancel took 'c'; the author's oldest in C1, 'a', is now the latest there.
    const { store, slack, ask } = setup();
    await ask({ kind: 'cancel' }, 'U1', 'C1', 'T1:cancel-1');
    const replies = slack.replies.length;

    // Act: the same request again (Lambda's repeat, or a replayed signed request).
    const again = await ask({ kind: 'cancel' }, 'U1', 'C1', 'T1:cancel-1');

    // Assess
    expect(again).toBe('duplicate');
    expect(store.records.has('a')).toBe(true);
    expect(slack.deletes).toHaveLength(1);
    expect(slack.replies).toHaveLength(replies);
    expect(store.tombstones.get('T1:cancel-1')).toEqual({
      id: 'T1:cancel-1',
      state: 'done',
      expiresAt: NOW / 1000 + TOMBSTONE_TTL_SECONDS,
    });
  });

  it('asks the author to try again when the table fails, and acts on nothing', async () => {
    const { store, slack, ask } = setup();
    store.findByAuthor = async () => {
      throw new StoreError('DynamoDB findByAuthor failed');
    };

    const outcome = await ask({ kind: 'cancel' }, 'U1', 'C1');

    expect(outcome).toBe('failed');
    expect(slack.deletes).toHaveLength(0);
    expect(lastReply(slack)?.text).toContain('try again');
  });

  it('deletes a snap from its button, and nobody else may', async () => {
    const { store, slack, ask } = setup();

    const stranger = await ask({ kind: 'delete', snapId: 'b' }, 'U2');
    const strangerReply = lastReply(slack)?.text;
    const author = await ask({ kind: 'delete', snapId: 'b' }, 'U1');

    expect(stranger).toBe('not_author');
    expect(strangerReply).toBe('Only its author can delete this snap.');
    expect(author).toBe('deleted');
    expect(store.records.has('b')).toBe(false);
    expect(slack.deletes).toHaveLength(1);
  });

  it('refuses the button to the same user id clicking in another workspace outside any shared org', async () => {
    // Prepare: user ids are unique within a workspace (or a Grid org), not across Slack.
    const { store, slack, ask } = setup();
    store.put({ id: 'g', team: 'T1', enterprise: 'E1', user: 'U1', dueAt: NOW + 600_000 });

    // Act
    const otherTeam = await ask({ kind: 'delete', snapId: 'b' }, 'U1', 'C1', 'T9:req-1', { team: 'T9' });
    const otherOrg = await ask({ kind: 'delete', snapId: 'g' }, 'U1', 'C1', 'T9:req-2', {
      team: 'T9',
      enterprise: 'E9',
    });

    // Assess
    expect([otherTeam, otherOrg]).toEqual(['not_author', 'not_author']);
    expect(lastReply(slack)?.text).toBe('Only its author can delete this snap.');
    expect(store.records.has('b')).toBe(true);
    expect(store.records.has('g')).toBe(true);
    expect(slack.deletes).toHaveLength(0);
  });

  it('lets the author delete from another workspace of the same Enterprise Grid org, where their id is the same', async () => {
    const { store, slack, ask } = setup();
    store.put({ id: 'g', team: 'T1', enterprise: 'E1', user: 'U1', dueAt: NOW + 600_000 });

    const outcome = await ask({ kind: 'delete', snapId: 'g' }, 'U1', 'C1', 'T2:req-1', {
      team: 'T2',
      enterprise: 'E1',
    });

    expect(outcome).toBe('deleted');
    expect(store.records.has('g')).toBe(false);
    expect(store.tombstones.get('g')?.state).toBe('done');
    expect(slack.deletes).toHaveLength(1);
  });

  it('tells the author when Slack will not delete their snap, instead of claiming it is gone', async () => {
    // Prepare: the workspace keeps messages for compliance exports, so Slack refuses for good.
    const { slack, ask, lines } = setup();
    slack.failDeletes(platform('compliance_exports_prevent_deletion'));

    // Act
    const outcome = await ask({ kind: 'cancel' });

    // Assess
    expect(outcome).toBe('not_deleted');
    expect(lastReply(slack)?.text).toContain('Slack would not delete your snap');
    expect(lastReply(slack)?.text).not.toContain('Deleted your snap');
    const given = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'snap.delete_given_up');
    expect(given?.level).toBe('error');
  });

  it('says politely that a stale button’s snap is already gone', async () => {
    const { slack, ask } = setup();
    await ask({ kind: 'delete', snapId: 'a' });

    const again = await ask({ kind: 'delete', snapId: 'a' });

    expect(again).toBe('gone');
    expect(lastReply(slack)?.text).toContain('already gone');
    expect(slack.deletes).toHaveLength(1);
  });

  it('deletes from the message shortcut only when the clicker wrote the snap', async () => {
    const { store, slack, ask } = setup();
    const ts = store.records.get('d')?.ts ?? '';

    const stranger = await ask({ kind: 'delete_message', ts }, 'U1', 'C1');
    const author = await ask({ kind: 'delete_message', ts }, 'U2', 'C1');
    const notASnap = await ask({ kind: 'delete_message', ts: '1.000001' }, 'U2', 'C1');

    expect([stranger, author, notASnap]).toEqual(['not_author', 'deleted', 'gone']);
    expect(store.records.has('d')).toBe(false);
    expect(lastReply(slack)?.text).toContain('not a pending snap');
  });

  it('leaves nothing for the sweeper once a snap is deleted early', async () => {
    const { clock, store, slack, deps, ask } = setup();
    await ask({ kind: 'cancel' }, 'U1', 'C2');

    clock.set(NOW + 660_000);
    const report = await clock.drive(runWorker(deps, { deadline: NOW + 760_000, runId: 'later' }));

    expect(store.records.has('b')).toBe(false);
    expect(slack.deletes.filter((d) => d.channel === 'C2')).toHaveLength(1);
    expect(report.found).toBe(1); // only 'a' (due at +600 s) is in that window
  });

  it('refuses a request older than Lambda delivers: nothing deleted, the author told once', async () => {
    const { store, slack, deps, clock } = setup();

    const outcome = await clock.drive(
      handleAuthorRequest(
        {
          v: 1,
          id: 'T1:late',
          action: { kind: 'cancel' },
          team: 'T1',
          channel: 'C1',
          user: 'U1',
          receivedAt: NOW - 600_001,
          sealed: { key: 'k', iv: 'i', data: 'd' },
        },
        deps,
      ),
    );

    expect(outcome).toBe('rejected');
    expect(slack.deletes).toHaveLength(0);
    expect(slack.replies.map((r) => r.text)).toEqual([expect.stringContaining('in time')]);
    expect(store.records.size).toBe(4);
    expect([...store.tombstones.keys()]).toEqual(['T1:late']);
  });

  it('logs each early deletion as early, with its reason and how early, never as negative lateness', async () => {
    // Prepare: 'c' (C1) is due in 800 s, 'b' in 700 s, 'd' (U2's) in 900 s.
    const { store, ask, lines } = setup();
    const ts = store.records.get('d')?.ts ?? '';

    // Act
    await ask({ kind: 'cancel' }, 'U1', 'C1');
    await ask({ kind: 'delete', snapId: 'b' }, 'U1');
    await ask({ kind: 'delete_message', ts }, 'U2', 'C1');

    // Assess
    const deletions = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.event).startsWith('snap.deleted'));
    expect(deletions.map(({ event, reason, earlyMs, snap }) => ({ event, reason, earlyMs, snap }))).toEqual([
      { event: 'snap.deleted_early', reason: 'cancel', earlyMs: 800_000, snap: 'c' },
      { event: 'snap.deleted_early', reason: 'button', earlyMs: 700_000, snap: 'b' },
      { event: 'snap.deleted_early', reason: 'shortcut', earlyMs: 900_000, snap: 'd' },
    ]);
    expect(deletions.some((l) => 'lateMs' in l)).toBe(false);
  });

  it('drops a request that is not well formed', async () => {
    const { deps } = setup();

    expect(await handleAuthorRequest({ v: 1, action: { kind: 'explode' } }, deps)).toBe('rejected');
  });
});
