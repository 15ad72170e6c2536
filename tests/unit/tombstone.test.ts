import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from '@jest/globals';
import {
  fromItem,
  isTombstoneItem,
  liveFromItem,
  TABLE,
  tombstoneItem,
} from '../../shared/adapters/snap-item';
import { recordFromImage } from '../../shared/adapters/stream';
import { reap } from '../../shared/app/reap';
import { isTombstone, MAX_EVENT_AGE_MS, TOMBSTONE_TTL_SECONDS, tombstone } from '../../shared/domain/snap';
import { FakeClock } from '../support/fake-clock';
import { captureLogs, MemoryReveals, MemoryStore, ScriptedSlack } from '../support/fakes';

const NOW = 1_800_000_000_400;

const SLACK_SIGNATURE_WINDOW_S = 300;
const LONGEST_LAMBDA_RUN_S = 900;

describe('a tombstone', () => {
  it('keeps the request id, its final state and a TTL, nothing else', () => {
    expect(tombstone('T1:trig', 'done', NOW)).toEqual({
      id: 'T1:trig',
      state: 'done',
      expiresAt: 1_800_000_001 + TOMBSTONE_TTL_SECONDS,
    });
  });

  it('outlives every delivery that could still carry its request id', () => {
    // A replay of the signed request within Slack's window, Lambda's repeats of it within the
    // event age, and the longest run before that delivery claims.
    const lastClaimS = SLACK_SIGNATURE_WINDOW_S + MAX_EVENT_AGE_MS / 1000 + LONGEST_LAMBDA_RUN_S;

    expect(TOMBSTONE_TTL_SECONDS).toBeGreaterThanOrEqual(lastClaimS);
  });

  it('is stored as its key, state and TTL attribute only: no coordinates, no index key, no lease', () => {
    const item = tombstoneItem(tombstone('T1:trig', 'lost', NOW));

    expect(item).toEqual({ pk: 'snap#T1:trig', state: 'lost', expiresAt: 1_800_000_001 + 3600 });
    for (const key of [
      TABLE.dueIndex.partitionKey,
      TABLE.authorIndex.partitionKey,
      TABLE.messageIndex.partitionKey,
    ])
      expect(item).not.toHaveProperty(key);
  });

  it('reads back as a tombstone, and never as a live record', () => {
    const item = tombstoneItem(tombstone('T1:trig', 'done', NOW));

    const read = fromItem(item);

    expect(read && isTombstone(read)).toBe(true);
    expect(read).toEqual({ id: 'T1:trig', state: 'done', expiresAt: 1_800_000_001 + 3600 });
    expect(isTombstoneItem(item)).toBe(true);
    expect(liveFromItem(item)).toBeUndefined();
  });

  it('is what a `lost` record from before tombstones reads as, its coordinates ignored', () => {
    const legacy = {
      pk: 'snap#T1:old',
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      state: 'lost',
      dueAt: 1,
      expiresAt: 901,
      createdAt: 0,
    };

    expect(fromItem(legacy)).toEqual({ id: 'T1:old', state: 'lost', expiresAt: 901 });
  });

  it('still lets a live record read as one', () => {
    const item = {
      pk: 'snap#T1:live',
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      state: 'posted',
      ts: '1.2',
      dueAt: 5_000,
      expiresAt: 905,
      createdAt: 0,
    };

    expect(liveFromItem(item)).toMatchObject({ id: 'T1:live', state: 'posted', ts: '1.2', channel: 'C1' });
    expect(isTombstoneItem(item)).toBe(false);
  });
});

describe('the reaper, when TTL removes a tombstone', () => {
  it('does nothing: there is no message to delete and nothing to retry', async () => {
    // Prepare: the stream record of a TTL removal of a `done` tombstone.
    const slack = new ScriptedSlack(new FakeClock(NOW));
    const { log } = captureLogs();
    const image = marshall(tombstoneItem(tombstone('T1:trig', 'done', NOW)));

    // Act
    const result = await reap(
      [
        {
          eventName: 'REMOVE',
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
          sequenceNumber: '1',
          snap: recordFromImage(image),
        },
      ],
      {
        slack,
        log,
        store: new MemoryStore(),
        reveals: new MemoryReveals(),
        clock: new FakeClock(NOW),
        shards: 8,
      },
    );

    // Assess
    expect(recordFromImage(image)).toBeUndefined();
    expect(slack.deletes).toHaveLength(0);
    expect(result.batchItemFailures).toEqual([]);
  });
});

describe('the reaper, when TTL removes a snap it then deletes', () => {
  const ttlRemoval = (snap: ReturnType<MemoryStore['put']>) => ({
    eventName: 'REMOVE',
    userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    sequenceNumber: '1',
    snap,
  });

  it('leaves a tombstone, so a late repeat of its request still finds it handled', async () => {
    // Prepare: a posted snap whose record TTL removed (the store no longer holds it).
    const clock = new FakeClock(NOW);
    const slack = new ScriptedSlack(clock);
    const store = new MemoryStore();
    const snap = store.put({ id: 'T1:ttl', dueAt: NOW - 1_000_000 });
    store.records.delete(snap.id);
    const { log } = captureLogs();

    // Act
    const result = await reap([ttlRemoval(snap)], {
      slack,
      log,
      store,
      reveals: new MemoryReveals(),
      clock,
      shards: 8,
    });

    // Assess
    expect(slack.deletes.map((d) => d.ts)).toEqual([snap.ts]);
    expect(result.batchItemFailures).toEqual([]);
    expect(store.tombstones.get(snap.id)).toEqual(tombstone(snap.id, 'done', NOW));
  });

  it('leaves the record a put-back wrote alone', async () => {
    // Prepare: another delivery of the same stream record put the snap back meanwhile.
    const clock = new FakeClock(NOW);
    const store = new MemoryStore();
    const snap = store.put({ id: 'T1:back', dueAt: NOW - 1_000_000 });
    const { log } = captureLogs();

    // Act
    await reap([ttlRemoval(snap)], {
      slack: new ScriptedSlack(clock),
      log,
      store,
      reveals: new MemoryReveals(),
      clock,
      shards: 8,
    });

    // Assess
    expect(store.records.get(snap.id)?.state).toBe('posted');
    expect(store.tombstones.has(snap.id)).toBe(false);
  });
});
