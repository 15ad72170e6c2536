import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { dispatch } from '../../shared/app/dispatch';
import { keepWatch } from '../../shared/app/watch';
import {
  groupOf,
  isWorkerEvent,
  LEGACY_SHARDS,
  needsWatch,
  nextTick,
  RECORD_GUARD_MS,
  readHorizon,
  shapeProblem,
  shardOf,
  shardsOf,
  sweepWindowEnd,
  WORKER_START_ALLOWANCE_MS,
  workerSpanMs,
} from '../../shared/domain/engine';
import { dueTime, SWEEP_MARGIN_MS } from '../../shared/domain/snap';
import { FakeClock } from '../support/fake-clock';
import { captureLogs, MemoryStore, MemoryWatch, RecordingWorkers } from '../support/fakes';

const T0 = 1_800_000_000_000; // a tick on a whole minute
const PERIOD = 60_000;
/** The sweeper's Lambda timeout (infra/locals.tf) and what a run keeps back from it (handler). */
const TIMEOUT_MS = (p: number) => p + 40_000;
const SAFETY_MS = 5_000;

describe('shards and groups', () => {
  it('put all of a workspace’s snaps in one shard, and all of an Enterprise Grid org’s in one', () => {
    const a = shardOf({ team: 'T0AAA' }, 64);

    expect(shardOf({ team: 'T0AAA' }, 64)).toBe(a);
    expect(shardOf({ team: 'T0ONE', enterprise: 'E0ORG' }, 64)).toBe(
      shardOf({ team: 'T0TWO', enterprise: 'E0ORG' }, 64),
    );
    expect(shardOf({ team: 'T0ONE', enterprise: 'E0ORG' }, 64)).toBe(shardOf({ team: 'E0ORG' }, 64));
  });

  it('spread workspaces evenly over the shards', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[shardOf({ team: `T${i.toString(36).toUpperCase()}` }, 8)]++;

    for (const n of counts) {
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1_150);
    }
  });

  it('give each shard to exactly one group, so each workspace to exactly one worker', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }).map((k) => LEGACY_SHARDS * 2 ** k),
        fc.integer({ min: 0, max: 10 }),
        (shards, k) => {
          const groups = 2 ** Math.min(k, Math.log2(shards));
          const seen = Array.from({ length: groups }, (_, g) => shardsOf(g, shards, groups)).flat();
          expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: shards }, (_, s) => s));
          for (let s = 0; s < shards; s++) expect(shardsOf(groupOf(s, groups), shards, groups)).toContain(s);
        },
      ),
    );
  });

  it('accept only shapes that still read the old shards and split them evenly', () => {
    expect(shapeProblem({ shards: 8, groups: 1 })).toBeUndefined();
    expect(shapeProblem({ shards: 64, groups: 16 })).toBeUndefined();
    expect(shapeProblem({ shards: 4, groups: 1 })).toMatch(/at least 8/);
    expect(shapeProblem({ shards: 8, groups: 3 })).toMatch(/divide/);
    expect(shapeProblem({ shards: 8, groups: 16 })).toMatch(/from 1 to the shard count/);
  });

  it('know a worker event from anything else', () => {
    expect(isWorkerEvent({ v: 1, kind: 'sweep-worker', group: 2, owner: 'x' })).toBe(true);
    expect(isWorkerEvent({ v: 1, kind: 'sweep-worker', group: -1, owner: 'x' })).toBe(false);
    expect(isWorkerEvent({ v: 1, kind: 'sweep-worker', group: 1.5, owner: 'x' })).toBe(false);
    expect(isWorkerEvent({ v: 1, kind: 'sweep-worker', group: 1, owner: '' })).toBe(false);
    expect(isWorkerEvent({ 'detail-type': 'Scheduled Event', time: '2026-01-01T00:00:00Z' })).toBe(false);
  });
});

describe('who serves a snap on time', () => {
  const periods = fc.constantFrom(10_000, 60_000, 120_000, 300_000);

  it('gives every snap that needs no watch a dispatch after its record, which serves it with the margin to spare', () => {
    // Property over posting times and delays: the tick whose window holds the due time comes
    // after the record (and the index's lag), and at least the margin before the due time.
    fc.assert(
      fc.property(
        periods,
        fc.integer({ min: 0, max: 10 * 300_000 }),
        fc.integer({ min: 1, max: 7 * 86_400 }),
        (period, offset, delay) => {
          const postedAt = T0 + offset;
          const dueAt = dueTime(postedAt, delay);
          if (needsWatch(dueAt, postedAt, period)) return;
          const serving = Math.floor((dueAt - SWEEP_MARGIN_MS) / period) * period;
          expect(serving).toBeGreaterThanOrEqual(postedAt + RECORD_GUARD_MS);
          expect(dueAt).toBeLessThan(sweepWindowEnd(serving, period));
          expect(serving).toBeLessThanOrEqual(dueAt - SWEEP_MARGIN_MS);
        },
      ),
    );
  });

  it('gives a worker started for any need enough cover, and the time to delete the last snap it covers', () => {
    fc.assert(
      fc.property(
        periods,
        fc.integer({ min: 0, max: 10 * 300_000 }),
        fc.integer({ min: 1, max: 7 * 86_400 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: WORKER_START_ALLOWANCE_MS }),
        (period, offset, delay, dispatchLate, startLate) => {
          // A poster's need: a snap that needs a watch, from the moment it is posted.
          const postedAt = T0 + offset;
          const dueAt = dueTime(postedAt, delay);
          if (needsWatch(dueAt, postedAt, period))
            expect(postedAt + workerSpanMs(period)).toBeGreaterThanOrEqual(dueAt);
          // A dispatcher's need: its window, however late the schedule fires.
          const tick = nextTick(postedAt, period);
          expect(tick + dispatchLate + workerSpanMs(period)).toBeGreaterThanOrEqual(
            sweepWindowEnd(tick, period),
          );
          // The worker, however late it starts, runs 10 s past what it covers.
          const summonedAt = postedAt;
          const stopsAt = summonedAt + startLate + TIMEOUT_MS(period) - SAFETY_MS;
          expect(stopsAt - (summonedAt + workerSpanMs(period))).toBeGreaterThanOrEqual(10_000);
        },
      ),
    );
  });

  it('has a worker read at least the window of the tick to come, never past its cover', () => {
    fc.assert(
      fc.property(periods, fc.integer({ min: 0, max: 10 * 300_000 }), (period, offset) => {
        const now = T0 + offset;
        const covers = now + workerSpanMs(period);
        const horizon = readHorizon(covers, now, period);
        expect(horizon).toBeLessThanOrEqual(covers);
        // Started by the dispatcher of the tick before now: it reads that tick's whole window.
        const tick = Math.floor(now / period) * period;
        expect(horizon).toBeGreaterThanOrEqual(sweepWindowEnd(tick, period));
      }),
    );
  });
});

function watchSetup() {
  const clock = new FakeClock(T0);
  const watch = new MemoryWatch();
  const workers = new RecordingWorkers();
  const { log, lines } = captureLogs();
  const deps = { watch, workers, clock, log, sweepPeriodMs: PERIOD };
  return { clock, watch, workers, deps, lines };
}

describe('keeping a group on watch', () => {
  it('hands the work to the worker on watch when it is alive and covers it', async () => {
    const { watch, workers, deps } = watchSetup();
    await watch.claim(3, { owner: 'w', lease: T0 + 5_000, covers: T0 + 60_000 }, 0, T0);

    const outcome = await keepWatch(3, T0 + 59_000, deps, 'T1:snap');

    expect(outcome).toBe('on_watch');
    expect(workers.started).toEqual([]);
    expect((await watch.read(3)).ids).toEqual(['T1:snap']);
  });

  it('starts one worker when none is on watch, naming it on the watch first', async () => {
    const { watch, workers, deps } = watchSetup();

    const outcome = await keepWatch(3, T0 + 20_000, deps, 'T1:snap');

    expect(outcome).toBe('summoned');
    const [started] = workers.started;
    expect(started).toEqual({ v: 1, kind: 'sweep-worker', group: 3, owner: expect.any(String) });
    expect(await watch.read(3)).toEqual({
      owner: started?.owner,
      lease: T0 + WORKER_START_ALLOWANCE_MS,
      covers: T0 + workerSpanMs(PERIOD),
      gen: 1,
      ids: ['T1:snap'],
    });
  });

  it('starts a single worker for many callers at the same instant', async () => {
    const { workers, deps } = watchSetup();

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => keepWatch(0, T0 + 10_000 + i, deps, `T1:s${i}`)),
    );

    expect(workers.started).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'summoned')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'on_watch')).toHaveLength(19);
  });

  it('starts a successor when the worker on watch ends before the need, or stopped renewing its lease', async () => {
    const { clock, watch, workers, deps } = watchSetup();
    await watch.claim(0, { owner: 'short', lease: T0 + 10_000, covers: T0 + 30_000 }, 0, T0);
    await watch.claim(1, { owner: 'dead', lease: T0 - 1, covers: T0 + 80_000 }, 0, T0 - 20_000);

    const outcomes = [await keepWatch(0, T0 + 40_000, deps), await keepWatch(1, T0 + 40_000, deps)];

    expect(outcomes).toEqual(['summoned', 'summoned']);
    expect(workers.started.map((w) => w.group)).toEqual([0, 1]);
    expect((await watch.read(0)).owner).toBe(workers.started[0]?.owner);
    expect(clock.now()).toBe(T0);
  });

  it('gives its claim up when the worker cannot be started, so the next caller starts one', async () => {
    const { watch, workers, deps, lines } = watchSetup();
    workers.fail = true;

    const first = await keepWatch(0, T0 + 10_000, deps, 'T1:a');
    workers.fail = false;
    const second = await keepWatch(0, T0 + 10_000, deps, 'T1:b');

    expect([first, second]).toEqual(['unserved', 'summoned']);
    expect(lines.some((l) => l.includes('"event":"watch.summon_failed"'))).toBe(true);
    expect((await watch.read(0)).ids.sort()).toEqual(['T1:a', 'T1:b']);
  });

  it('only hands over where no worker can be started', async () => {
    const { deps } = watchSetup();
    const { workers: _none, ...withoutWorkers } = deps;

    expect(await keepWatch(0, T0 + 10_000, withoutWorkers, 'T1:a')).toBe('unserved');
  });
});

describe('the dispatcher', () => {
  function setup(shape = { shards: 8, groups: 4 }) {
    const store = new MemoryStore();
    const { deps: watchDeps, watch, workers, lines } = watchSetup();
    const hasDue = store.hasDue.bind(store);
    const looks: number[] = [];
    store.hasDue = async (shard, before) => {
      looks.push(shard);
      return hasDue(shard, before);
    };
    const deps = { ...watchDeps, store, shape };
    return { store, watch, workers, deps, looks, lines };
  }

  it('looks at each shard once and starts nobody when nothing is due in its window', async () => {
    const { store, workers, deps, looks } = setup();
    store.put({ id: 'later', dueAt: T0 + PERIOD + SWEEP_MARGIN_MS, dueShard: '2' });

    const report = await dispatch(T0, deps);

    expect(report).toMatchObject({ groups: 4, busy: 0, summoned: 0 });
    expect(looks.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(workers.started).toEqual([]);
  });

  it('starts one worker for each group with work, and none for the others', async () => {
    // Prepare: work in shards 1 and 5 (group 1), 2 (group 2), and an overdue one in 7 (group 3).
    const { store, workers, deps } = setup();
    store.put({ id: 'a', dueAt: T0 + 20_000, dueShard: '1' });
    store.put({ id: 'b', dueAt: T0 + 30_000, dueShard: '5' });
    store.put({ id: 'c', dueAt: T0 + 74_000, dueShard: '2' });
    store.put({ id: 'd', dueAt: T0 - 600_000, dueShard: '7' });

    const report = await dispatch(T0, deps);

    expect(report).toMatchObject({ busy: 3, summoned: 3 });
    expect(workers.started.map((w) => w.group).sort()).toEqual([1, 2, 3]);
  });

  it('hands new work to a worker already on watch that covers the window, which reads its shards again', async () => {
    const { store, watch, workers, deps } = setup({ shards: 8, groups: 1 });
    store.put({ id: 'a', dueAt: T0 + 20_000 });
    await watch.claim(0, { owner: 'w', lease: T0 + 5_000, covers: T0 + 80_000 }, 0, T0 - 1_000);

    const report = await dispatch(T0, deps);

    expect(report).toMatchObject({ busy: 1, on_watch: 1, summoned: 0 });
    expect(workers.started).toEqual([]);
    expect((await watch.read(0)).gen).toBe(2);
  });

  it('serves the other groups when one group’s watch fails', async () => {
    const { store, watch, workers, deps, lines } = setup({ shards: 8, groups: 2 });
    store.put({ id: 'a', dueAt: T0 + 20_000, dueShard: '0' });
    store.put({ id: 'b', dueAt: T0 + 20_000, dueShard: '1' });
    const hand = watch.hand.bind(watch);
    watch.hand = async (group, need, now, id) => {
      if (group === 0) throw new Error('throttled');
      return hand(group, need, now, id);
    };

    const report = await dispatch(T0, deps);

    expect(report).toMatchObject({ busy: 2, summoned: 1, unserved: 1 });
    expect(workers.started.map((w) => w.group)).toEqual([1]);
    expect(lines.some((l) => l.includes('"event":"dispatch.group_failed"'))).toBe(true);
  });
});
