import { describe, expect, it } from '@jest/globals';
import { type RemovalRecord, reap } from '../../shared/app/reap';
import { KEEP_TRYING_AFTER_DUE_MS, type SnapRecord, TTL_GRACE_SECONDS } from '../../shared/domain/snap';
import { FakeClock } from '../support/fake-clock';
import {
  captureLogs,
  MemoryReveals,
  MemoryStore,
  platform,
  rateLimited,
  ScriptedSlack,
  unavailable,
} from '../support/fakes';

const NOW = 1_800_000_000_000;
const TTL = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

function setup() {
  const clock = new FakeClock(NOW);
  const store = new MemoryStore();
  const slack = new ScriptedSlack(clock);
  const { log, lines } = captureLogs();
  return {
    clock,
    store,
    slack,
    lines,
    deps: { store, slack, reveals: new MemoryReveals(), clock, log, shards: 8 },
  };
}

let seq = 0;
/** The stream record TTL leaves for a posted snap (its old image, as the handler reads it). */
function expired(overrides: Partial<SnapRecord> = {}): RemovalRecord {
  const n = ++seq;
  const snap: SnapRecord = {
    id: `T1:${n}`,
    team: 'T1',
    channel: `C${n}`,
    user: 'U1',
    state: 'posted',
    ts: `1800000000.${String(n).padStart(6, '0')}`,
    dueAt: NOW - 20 * 60_000,
    expiresAt: (NOW - 5 * 60_000) / 1000,
    createdAt: NOW - 21 * 60_000,
    dueShard: '5',
    leaseUntil: NOW - 19 * 60_000,
    leaseOwner: 'sweep:old',
    ...overrides,
  };
  return { eventName: 'REMOVE', userIdentity: TTL, sequenceNumber: String(1000 + n), snap };
}

describe('the reaper', () => {
  it('deletes the message of a record TTL removed', async () => {
    const { slack, store, deps } = setup();
    const record = expired();

    const result = await reap([record], deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(slack.deletes).toEqual([expect.objectContaining({ channel: record.snap?.channel, ok: true })]);
    expect(store.records.size).toBe(0);
  });

  it.each([
    ['a rate limit', rateLimited(30_000)],
    ['a 5xx or timeout', unavailable()],
  ])(
    'puts the record back for the sweeper after %s, overdue at its own due time, unleased, with a fresh TTL',
    async (_, failure) => {
      // Prepare
      const { slack, store, deps } = setup();
      const record = expired();
      slack.failDeletes(failure);

      // Act
      const result = await reap([record], deps);

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      const back = store.records.get(record.snap?.id ?? '');
      const { leaseUntil: _u, leaseOwner: _o, expiresAt: _e, ...kept } = record.snap as SnapRecord;
      expect(back).toEqual({ ...kept, expiresAt: NOW / 1000 + TTL_GRACE_SECONDS });
      expect(await store.due(NOW)).toEqual([back]);
    },
  );

  it.each([['invalid_auth'], ['token_revoked'], ['account_inactive']])(
    'settles a record whose token Slack calls dead (%s) at once, never putting it back, and lets that token go',
    async (code) => {
      // Prepare
      const { slack, store, deps, lines } = setup();
      const record = expired();
      slack.failDeletes(platform(code));

      // Act
      const result = await reap([record], deps);

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      expect(store.records.size).toBe(0);
      expect(store.tombstones.get(record.snap?.id ?? '')?.state).toBe('done');
      expect(slack.retired).toEqual([{ as: 'bot', team: 'T1' }]);
      const gone = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.event === 'reaper.token_gone');
      expect(gone).toMatchObject({ level: 'warn', token: 'dead', code, retired: 'deleted' });
    },
  );

  it('reports a record back to Lambda only when it cannot be put back', async () => {
    const { slack, store, deps } = setup();
    const stuck = expired();
    const fine = expired();
    slack.failDeletes(unavailable());
    store.failPutBack = true;

    const result = await reap([stuck, fine], deps);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: stuck.sequenceNumber }]);
    expect(slack.deletes.map((d) => d.ok)).toEqual([false, true]);
  });

  it('leaves alone an item that is already back at the key (a repeated delivery put it back)', async () => {
    const { slack, store, deps, lines } = setup();
    const record = expired();
    const already = { ...(record.snap as SnapRecord), expiresAt: NOW / 1000 + 60 };
    store.records.set(already.id, already);
    slack.failDeletes(rateLimited(5_000));

    const result = await reap([record], deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(store.records.get(already.id)).toEqual(already);
    expect(lines.some((l) => l.includes('"reaper.put_back_already"'))).toBe(true);
  });

  it('puts nothing back for a message already gone or one that can never be deleted', async () => {
    const { slack, store, deps } = setup();
    slack.failDeletes(platform('message_not_found'), platform('channel_not_found'));

    const result = await reap([expired(), expired()], deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(store.records.size).toBe(0);
  });

  it('gives up, with an error line that says where the message is, once a snap is overdue beyond trying', async () => {
    const { slack, store, deps, lines } = setup();
    const record = expired({ dueAt: NOW - KEEP_TRYING_AFTER_DUE_MS - 1 });
    slack.failDeletes(unavailable());

    const result = await reap([record], deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(store.records.size).toBe(0);
    const line = lines.find((l) => l.includes('"reaper.delete_abandoned"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({
      level: 'error',
      channel: record.snap?.channel,
      ts: record.snap?.ts,
    });
  });

  it('ignores removals that TTL did not make and records never posted', async () => {
    const { slack, store, deps } = setup();
    const bySweeper = { ...expired(), userIdentity: undefined };
    const claim = expired({ state: 'posting' });

    const result = await reap([bySweeper, claim], deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(slack.deletes).toHaveLength(0);
    expect(store.records.size).toBe(0);
  });
});
