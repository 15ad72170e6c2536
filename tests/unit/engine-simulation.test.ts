/**
 * The engine as a whole, in virtual time: real posters, the dispatcher on every tick (firing a
 * little late), and real workers started by both after a cold start, all on the same fakes.
 * Whatever the posting times and delays, every snap is deleted once, never early, and on the
 * second from 2 s up; at most one worker per group is on watch, and at most one poster per group
 * waits.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { dispatch } from '../../shared/app/dispatch';
import { type PostDeps, postSnap } from '../../shared/app/post-snap';
import { type SweepDeps, sweep } from '../../shared/app/sweep';
import type { WorkerEvent } from '../../shared/domain/engine';
import { DEFAULT_LIMITS } from '../../shared/domain/limits';
import { FakeClock } from '../support/fake-clock';
import {
  captureLogs,
  MemoryReveals,
  MemoryStore,
  MemoryWatch,
  posterEvent,
  RecordingWorkers,
  ScriptedSlack,
  SEALED_CONTENT,
} from '../support/fakes';

const T0 = 1_800_000_000_000; // a tick on a whole minute
const PERIOD = 60_000;
const SHAPE = { shards: 8, groups: 2 };
const TEAMS = ['T0A', 'T0B', 'T0C', 'T0D', 'T0E', 'T0F'];

interface Snap {
  atMs: number;
  delaySeconds: number;
  team: number;
}

const snaps = fc.array(
  fc.record({
    atMs: fc.integer({ min: 0, max: 150_000 }),
    delaySeconds: fc.oneof(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 6, max: 120 }),
      fc.integer({ min: 121, max: 600 }),
    ),
    team: fc.integer({ min: 0, max: TEAMS.length - 1 }),
  }),
  { minLength: 1, maxLength: 25 },
);

async function simulate(list: Snap[], startMs: number, dispatchLateMs: number) {
  const clock = new FakeClock(T0);
  const store = new MemoryStore();
  const slack = new ScriptedSlack(clock);
  const watch = new MemoryWatch();
  const reveals = new MemoryReveals();
  const { log } = captureLogs();
  const running: Array<{ group: number; owner: string; from: number; to?: number }> = [];
  const runs: Array<Promise<unknown>> = [];
  const sweepDeps: SweepDeps = {
    store,
    slack,
    clock,
    log,
    watch,
    reveals,
    sweepPeriodMs: PERIOD,
    shape: SHAPE,
    concurrency: 10,
    inFlight: 50,
  };
  const workers = new RecordingWorkers((event: WorkerEvent) => {
    runs.push(
      (async () => {
        await clock.sleep(startMs);
        const entry: (typeof running)[number] = { group: event.group, owner: event.owner, from: clock.now() };
        running.push(entry);
        await sweep(
          {
            group: event.group,
            owner: event.owner,
            deadline: clock.now() + PERIOD + 35_000,
            runId: event.owner,
          },
          sweepDeps,
        );
        entry.to = clock.now();
      })(),
    );
  });
  const posterDeps = (at: number): PostDeps => ({
    store,
    slack,
    clock,
    log,
    watch,
    reveals,
    workers,
    shape: SHAPE,
    sweepPeriodMs: PERIOD,
    allowBroadcasts: false,
    limits: { ...DEFAULT_LIMITS, userPerMinute: 0, teamPerMinute: 0, userPending: 0 },
    deadline: () => at + 60_000,
    open: async () => SEALED_CONTENT,
  });
  // Posters waiting out a snap at once, per group, sampled every 100 ms.
  let mostWaiting = 0;
  const sample = (async () => {
    for (let t = 0; t < 900_000; t += 100) {
      await clock.sleep(100);
      const waiting = [...store.records.values()].filter(
        (r) => r.leaseOwner?.startsWith('poster:') && (r.leaseUntil ?? 0) >= clock.now(),
      );
      for (let g = 0; g < SHAPE.groups; g++)
        mostWaiting = Math.max(
          mostWaiting,
          waiting.filter((r) => Number(r.dueShard) % SHAPE.groups === g).length,
        );
    }
  })();
  const posts = list.map(async (snap, i) => {
    await clock.sleep(snap.atMs);
    const at = clock.now();
    const team = TEAMS[snap.team] ?? 'T0A';
    await postSnap(
      posterEvent(at, { id: `${team}:s${i}`, team, channel: `C${i}`, delaySeconds: snap.delaySeconds }),
      posterDeps(at),
    );
  });
  const schedule = (async () => {
    for (let tick = T0; tick <= T0 + 780_000; tick += PERIOD) {
      await clock.sleep(tick + dispatchLateMs - clock.now());
      await dispatch(tick, { store, watch, workers, clock, log, sweepPeriodMs: PERIOD, shape: SHAPE });
    }
  })();
  await clock.drive(
    (async () => {
      await Promise.all([...posts, schedule, sample]);
      for (let done = 0; done < runs.length; done = runs.length) await Promise.all(runs.slice(done));
    })(),
  );
  return { slack, store, running, mostWaiting };
}

describe('the deletion engine', () => {
  it('deletes every snap posted at any time with any delay once, never early, on the second from 2 s up', async () => {
    await fc.assert(
      fc.asyncProperty(
        snaps,
        fc.integer({ min: 50, max: 1_500 }),
        fc.integer({ min: 0, max: 5_000 }),
        async (list, startMs, dispatchLateMs) => {
          // Act
          const { slack, store, running, mostWaiting } = await simulate(list, startMs, dispatchLateMs);

          // Assess: each message deleted once, never early; on time from 2 s; 1 s ones late by
          // at most what a worker started just before them needs beyond their second.
          expect(slack.posts).toHaveLength(list.length);
          for (const post of slack.posts) {
            const i = Number(post.channel.slice(1));
            const snap = list[i] as Snap;
            const due = Number(/<!date\^(\d+)\^/.exec(JSON.stringify(post.blocks))?.[1]) * 1000;
            const deletes = slack.deletes.filter((d) => d.channel === post.channel && d.ok);
            expect([i, deletes.length]).toEqual([i, 1]);
            const late = (deletes[0]?.at ?? 0) - due;
            expect([i, late >= 0]).toEqual([i, true]);
            expect([i, late <= (snap.delaySeconds >= 2 ? 0 : Math.max(0, startMs - 1_000))]).toEqual([
              i,
              true,
            ]);
          }
          expect(store.records.size).toBe(0);
          // One worker per group on watch: another starts only once the one before has been
          // superseded (it may finish what it holds meanwhile), so at most two run at once.
          for (let g = 0; g < SHAPE.groups; g++) {
            const mine = running.filter((r) => r.group === g);
            const atOnce = (t: number) => mine.filter((r) => r.from <= t && t < (r.to ?? 0)).length;
            const most = Math.max(0, ...mine.map((r) => atOnce(r.from)));
            expect([g, most]).toEqual([g, Math.min(most, 2)]);
          }
          expect(mostWaiting).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
