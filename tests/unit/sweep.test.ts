import { describe, expect, it } from '@jest/globals';
import { dispatch } from '../../shared/app/dispatch';
import {
  LANE_LIMIT,
  LEASE_AHEAD_MS,
  RECHECK_MS,
  RUN_LIMIT,
  type SweepDeps,
  sweep,
} from '../../shared/app/sweep';
import { LEASE_AFTER_DUE_MS, SWEEP_MARGIN_MS, TTL_GRACE_SECONDS, tombstone } from '../../shared/domain/snap';
import { FakeClock } from '../support/fake-clock';
import {
  captureLogs,
  inProcessWorkers,
  MemoryReveals,
  MemoryStore,
  MemoryWatch,
  platform,
  rateLimited,
  runWorker,
  ScriptedSlack,
  unavailable,
} from '../support/fakes';

const T0 = 1_800_000_000_000; // a tick on a whole minute
const PERIOD = 60_000;

function setup() {
  const clock = new FakeClock(T0 + 400); // the worker starts 400 ms after its tick
  const store = new MemoryStore();
  const slack = new ScriptedSlack(clock);
  const watch = new MemoryWatch();
  const { log, lines } = captureLogs();
  const deps: SweepDeps = {
    store,
    slack,
    clock,
    log,
    watch,
    reveals: new MemoryReveals(),
    sweepPeriodMs: PERIOD,
    shape: { shards: 8, groups: 1 },
    concurrency: 4,
    inFlight: 50,
  };
  const run = (overrides: Partial<{ deadline: number; runId: string }> = {}) =>
    runWorker(deps, { deadline: T0 + 95_000, runId: 'run-1', ...overrides });
  /**
   * The schedule: a dispatch 400 ms after each tick given (ms after T0), its workers started in
   * process 300 ms after it; resolves when every worker has ended.
   */
  const schedule = async (ticks: number[], over: Partial<SweepDeps> = {}) => {
    const workers = inProcessWorkers({ ...deps, ...over }, 300);
    for (const tick of ticks) {
      await clock.sleep(T0 + tick + 400 - clock.now());
      await dispatch(T0 + tick, { ...deps, ...over, workers });
    }
    await workers.settled();
    return workers;
  };
  return { clock, store, slack, watch, deps, run, schedule, lines };
}

describe('a sweeper worker', () => {
  it('deletes every snap in its window exactly at its due time, in due order', async () => {
    // Prepare
    const { clock, store, slack, run } = setup();
    const dues = [T0 + 70_000, T0 + 5_000, T0 + 30_000, T0 + 30_000, T0 + 59_999];
    for (const [i, dueAt] of dues.entries()) store.put({ id: `s${i}`, dueAt, channel: `C${i}` });

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report).toMatchObject({ found: 5, deleted: 5, kept: 0 });
    const byChannel = new Map(slack.deletes.map((d) => [d.channel, d.at]));
    for (const [i, dueAt] of dues.entries()) expect(byChannel.get(`C${i}`)).toBe(dueAt);
    expect(store.records.size).toBe(0);
  });

  it('never deletes before the due time', async () => {
    const { clock, store, slack, run } = setup();
    const due = new Map<string, number>();
    for (let i = 0; i < 50; i++)
      due.set(`C${i}`, store.put({ id: `s${i}`, dueAt: T0 + 1_000 + i * 1_337, channel: `C${i}` }).dueAt);

    await clock.drive(run());

    expect(slack.deletes).toHaveLength(50);
    for (const d of slack.deletes)
      expect(d.at).toBeGreaterThanOrEqual(due.get(d.channel) ?? Number.POSITIVE_INFINITY);
  });

  it('deletes overdue leftovers at once', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'old', dueAt: T0 - 120_000 });

    await clock.drive(run());

    expect(slack.deletes[0]?.at).toBe(T0 + 400);
    expect(store.records.size).toBe(0);
  });

  it('leaves snaps beyond its window to a later sweep', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'later', dueAt: T0 + PERIOD + SWEEP_MARGIN_MS });

    const report = await clock.drive(run());

    expect(report.found).toBe(0);
    expect(slack.deletes).toHaveLength(0);
    expect(store.records.has('later')).toBe(true);
  });

  it('ends at once, without waiting, when nothing is due', async () => {
    const { clock, run } = setup();

    const report = await clock.drive(run());

    expect(report.found).toBe(0);
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(T0 + 400);
  });

  it('waits out a rate limit and deletes afterwards, pacing the whole workspace', async () => {
    // Prepare
    const { clock, store, slack, run } = setup();
    store.put({ id: 'a', dueAt: T0 + 10_000, channel: 'C1' });
    store.put({ id: 'b', dueAt: T0 + 10_500, channel: 'C2' });
    slack.failDeletes(rateLimited(3_000));

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report.deleted).toBe(2);
    const ok = slack.deletes.filter((d) => d.ok).map((d) => d.at);
    expect(Math.min(...ok)).toBeGreaterThanOrEqual(T0 + 13_000);
    expect(store.records.size).toBe(0);
  });

  it('never lets a workspace waiting out its rate limit hold back another workspace', async () => {
    // Prepare: one worker per workspace; workspace T1 is rate-limited for 30 s at its first delete.
    const { clock, store, slack, deps } = setup();
    store.put({ id: 'a1', team: 'T1', channel: 'C1', dueAt: T0 + 10_000 });
    store.put({ id: 'a2', team: 'T1', channel: 'C1', dueAt: T0 + 10_100 });
    store.put({ id: 'b1', team: 'T2', channel: 'C9', dueAt: T0 + 11_000 });
    slack.failDeletes(rateLimited(30_000));

    // Act
    const report = await clock.drive(
      runWorker({ ...deps, concurrency: 1 }, { deadline: T0 + 95_000, runId: 'run-1' }),
    );

    // Assess
    expect(report.deleted).toBe(3);
    const okAt = (channel: string) =>
      slack.deletes.filter((d) => d.ok && d.channel === channel).map((d) => d.at);
    expect(okAt('C9')).toEqual([T0 + 11_000]);
    expect(Math.min(...okAt('C1'))).toBeGreaterThanOrEqual(T0 + 40_000);
  });

  it('leases an overdue leftover from now, so an overlapping run cannot take it at once', async () => {
    const { clock, store, run } = setup();
    store.put({ id: 'old', dueAt: T0 - 120_000 });
    let leased: number | undefined;
    const lease = store.lease.bind(store);
    store.lease = async (id, owner, until, now) => {
      leased = until;
      return lease(id, owner, until, now);
    };

    await clock.drive(run());

    expect(leased).toBe(T0 + 400 + LEASE_AFTER_DUE_MS);
  });

  it('keeps the record when a rate limit outlasts the run', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'a', dueAt: T0 + 10_000 });
    slack.failDeletes(rateLimited(120_000));

    const report = await clock.drive(run());

    expect(report).toMatchObject({ kept: 1, deleted: 0 });
    expect(store.records.has('a')).toBe(true);
    expect(store.records.get('a')?.leaseUntil).toBeUndefined();
    expect(clock.now()).toBeLessThan(T0 + 95_000);
  });

  it('keeps what it leases from expiring: the TTL moves a grace period past the lease, beyond the next runs', async () => {
    // Prepare: one snap due in this window, one overdue so long that its TTL would fall within the minute.
    const { clock, store, slack, run } = setup();
    store.put({ id: 'due', dueAt: T0 + 10_000, channel: 'C1' });
    store.put({ id: 'backlog', dueAt: T0 - (TTL_GRACE_SECONDS - 30) * 1000, channel: 'C2' });
    slack.failDeletes(unavailable(), unavailable());

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report).toMatchObject({ kept: 2, deleted: 0 });
    for (const id of ['due', 'backlog']) {
      const record = store.records.get(id);
      expect(record?.leaseUntil).toBeUndefined();
      expect((record?.expiresAt ?? 0) * 1000).toBeGreaterThanOrEqual(
        T0 + LEASE_AFTER_DUE_MS + TTL_GRACE_SECONDS * 1000,
      );
    }
  });

  it('keeps a record Slack could not delete and carries on with the others', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'a', dueAt: T0 + 1_000, channel: 'C1' });
    store.put({ id: 'b', dueAt: T0 + 2_000, channel: 'C2' });
    slack.failDeletes(unavailable());

    const report = await clock.drive(run());

    expect(report).toMatchObject({ deleted: 1, kept: 1 });
    expect([...store.records.keys()]).toEqual(['a']);
  });

  it('removes the record when the message is already gone or can never be deleted', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'a', dueAt: T0 + 1_000, channel: 'C1' });
    store.put({ id: 'b', dueAt: T0 + 2_000, channel: 'C2' });
    slack.failDeletes(platform('message_not_found'), platform('channel_not_found'));

    const report = await clock.drive(run());

    expect(report).toMatchObject({ already_gone: 1, given_up: 1 });
    expect(store.records.size).toBe(0);
  });

  it('stops before its deadline and leaves the rest unleased for the next run', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'soon', dueAt: T0 + 5_000, channel: 'C1' });
    store.put({ id: 'late', dueAt: T0 + 50_000, channel: 'C2' });

    const report = await clock.drive(run({ deadline: T0 + 20_000 }));

    expect(report).toMatchObject({ deleted: 1, left_for_next_run: 1 });
    expect(slack.deletes.map((d) => d.channel)).toEqual(['C1']);
    expect(store.records.get('late')?.leaseUntil).toBeUndefined();
  });

  it('takes over, within the same run, a snap whose holder let the lease lapse or gave it back', async () => {
    // Prepare: a poster holds one snap until due + 30 s; another's lease lapsed long ago; a third
    // is held by an overlapping run that gives it back 12 s in.
    const { clock, store, slack, run } = setup();
    store.put({
      id: 'held',
      dueAt: T0 + 5_000,
      leaseOwner: 'poster:x',
      leaseUntil: T0 + 5_000 + LEASE_AFTER_DUE_MS,
    });
    store.put({
      id: 'lapsed',
      dueAt: T0 - 60_000,
      channel: 'C9',
      leaseOwner: 'poster:y',
      leaseUntil: T0 - 30_000,
    });
    store.put({
      id: 'given',
      dueAt: T0 + 2_000,
      channel: 'C7',
      leaseOwner: 'sweep:other',
      leaseUntil: T0 + 90_000,
    });
    void clock.sleep(12_000).then(() => store.unlease('given', 'sweep:other'));

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report.deleted).toBe(3);
    const at = (channel: string) => slack.deletes.find((d) => d.channel === channel)?.at ?? 0;
    expect(at('C9')).toBe(T0 + 400);
    expect(at('C7')).toBeGreaterThanOrEqual(T0 + 12_000);
    expect(at('C7')).toBeLessThanOrEqual(T0 + 12_000 + RECHECK_MS + 400);
    expect(at('C1')).toBeGreaterThanOrEqual(T0 + 35_000);
    expect(at('C1')).toBeLessThanOrEqual(T0 + 35_000 + RECHECK_MS + 400);
    expect(store.records.size).toBe(0);
  });

  it('lets go at once of a snap deleted elsewhere while it waited for it (its author deleted it early)', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'early', dueAt: T0 + 10_000 });
    void clock.sleep(5_000).then(() => store.bury(tombstone('early', 'done', clock.now())));

    const report = await clock.drive(run());

    expect(report).toMatchObject({ found: 1, leased_elsewhere: 1, deleted: 0 });
    expect(slack.deletes).toHaveLength(0);
    expect(clock.now()).toBe(T0 + 10_000 - LEASE_AHEAD_MS);
  });

  it('stops looking for held snaps before its deadline', async () => {
    const { clock, store, slack, run } = setup();
    store.put({ id: 'held', dueAt: T0 + 5_000, leaseOwner: 'sweep:other', leaseUntil: T0 + 500_000 });

    const report = await clock.drive(run());

    expect(report.deleted).toBe(0);
    expect(slack.deletes).toHaveLength(0);
    expect(clock.now()).toBeLessThan(T0 + 95_000);
    expect(store.records.get('held')?.leaseOwner).toBe('sweep:other');
  });

  it('deletes each message once when the next tick’s worker takes over while the first still holds them', async () => {
    // Prepare: snaps due just after the next tick, within both workers' reach.
    const { clock, store, slack, schedule } = setup();
    for (let i = 0; i < 10; i++) store.put({ id: `s${i}`, dueAt: T0 + 61_000 + i * 500, channel: `C${i}` });

    // Act
    const workers = await clock.drive(schedule([0, 60_000]));

    // Assess
    expect(workers.started).toHaveLength(2);
    expect(slack.deletes).toHaveLength(10);
    for (const d of slack.deletes) expect(d.ok).toBe(true);
    expect(store.records.size).toBe(0);
  });

  it('never acts on a lapsed lease: a snap paused past its lease is given back and taken anew when the workspace opens', async () => {
    // Prepare: the first delete is told to wait 41 s, longer than the 30 s lease.
    const { clock, store, slack, run } = setup();
    store.put({ id: 'a', dueAt: T0 + 10_000, channel: 'C1' });
    slack.failDeletes(rateLimited(41_000));
    const unleasedAtCall: number[] = [];
    const remove = slack.delete.bind(slack);
    slack.delete = async (speaker, channel, ts) => {
      const r = store.records.get('a');
      if (!r?.leaseOwner?.startsWith('sweep:') || (r.leaseUntil ?? 0) <= clock.now())
        unleasedAtCall.push(clock.now());
      return remove(speaker, channel, ts);
    };

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report.deleted).toBe(1);
    expect(slack.deletes.map((d) => [d.at, d.ok])).toEqual([
      [T0 + 10_000, false],
      [T0 + 51_000, true],
    ]);
    expect(unleasedAtCall).toEqual([]);
  });

  it('holds no more than a lane’s share of one workspace, leaving the rest in the table without holding back another workspace', async () => {
    // Prepare: more snaps in one workspace than its lane holds, due together; one in another workspace.
    const { clock, store, slack, run } = setup();
    const many = LANE_LIMIT + 100;
    for (let i = 0; i < many; i++)
      store.put({ id: `w${i}`, team: 'T1', channel: 'C1', ts: `${i}.000100`, dueAt: T0 + 50_000 });
    store.put({ id: 'other', team: 'T2', channel: 'C2', dueAt: T0 + 50_000 });

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report.found).toBe(many + 1);
    expect(report.left_for_next_run).toBeGreaterThanOrEqual(100 - 10);
    expect(report.deleted + report.left_for_next_run).toBe(many + 1);
    expect(store.records.size).toBe(report.left_for_next_run);
    expect(slack.deletes.find((d) => d.channel === 'C2')?.at).toBe(T0 + 50_000);
  });

  it('reads the index on only as fast as what it holds is done, never holding more than its limit', async () => {
    // Prepare: more snaps than a run holds, each workspace with one, all due in this window.
    const { clock, store, slack, run } = setup();
    const count = RUN_LIMIT + 300;
    for (let i = 0; i < count; i++)
      store.put({ id: `s${i}`, team: `T${i}`, channel: `C${i}`, dueAt: T0 + 10_000 });
    let read = 0;
    let mostHeld = 0;
    const findDue = store.findDue.bind(store);
    store.findDue = async function* (before, shards) {
      for await (const record of findDue(before, shards)) {
        read++;
        mostHeld = Math.max(mostHeld, read - slack.deletes.length);
        yield record;
      }
    };

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report.deleted).toBe(count);
    expect(mostHeld).toBeLessThanOrEqual(RUN_LIMIT + 1);
    expect(Math.max(...slack.deletes.map((d) => d.at))).toBe(T0 + 10_000);
  });

  it('once another worker holds the watch, leaves it what is overdue, but still deletes on time what it holds', async () => {
    // Prepare: workspace T1 is paused 30 s at its first deletion; T2 has a snap due later.
    const { clock, store, slack, watch, run } = setup();
    store.put({ id: 'paused', team: 'T1', dueAt: T0 + 5_000, channel: 'C1' });
    store.put({ id: 'later', team: 'T2', dueAt: T0 + 20_000, channel: 'C2' });
    slack.failDeletes(rateLimited(30_000));
    // A dispatch 10 s in names a successor (as one whose window the first cannot cover).
    void clock
      .sleep(10_000)
      .then(() =>
        watch.claim(
          0,
          { owner: 'next', lease: clock.now() + 10_000, covers: T0 + 200_000 },
          T0 + 200_000,
          clock.now(),
        ),
      );

    // Act
    const report = await clock.drive(run());

    // Assess: the paused one is left to the successor, unleased; the later one deleted on time.
    expect(report).toMatchObject({ deleted: 1, kept: 1 });
    expect(slack.deletes.filter((d) => d.ok)).toEqual([
      expect.objectContaining({ channel: 'C2', at: T0 + 20_000 }),
    ]);
    expect(store.records.get('paused')?.leaseUntil).toBeUndefined();
    expect(clock.now()).toBeLessThan(T0 + 35_000);
  });

  it('keeps a workspace under Slack’s limit within seconds of the best any deleter could do, across overlapping runs, deleting each once', async () => {
    // Prepare: 140 snaps in one workspace, due over 40 s; Slack lets 50 deletions through per
    // sliding minute and answers 429 with the whole seconds until the next slot. A dispatch on
    // every tick starts a worker that takes over from the one before.
    const { clock, store, schedule } = setup();
    const dues: number[] = [];
    for (let i = 0; i < 140; i++) {
      const dueAt = T0 + 20_000 + Math.floor((i * 40_000) / 140 / 1000) * 1000;
      dues.push(dueAt);
      store.put({ id: `s${i}`, channel: `C${i}`, dueAt });
    }
    const calls: Array<{ channel: string; at: number; result: 'ok' | '429' | 'not_found' }> = [];
    const window: number[] = [];
    const slack = new ScriptedSlack(clock);
    slack.delete = async (_speaker, channel) => {
      const now = clock.now();
      while (window.length > 0 && (window[0] ?? 0) <= now - 60_000) window.shift();
      if (window.length >= 50) {
        calls.push({ channel, at: now, result: '429' });
        throw rateLimited(Math.ceil(((window[0] ?? now) + 60_000 - now) / 1000) * 1000);
      }
      window.push(now);
      const again = calls.some((c) => c.channel === channel && c.result === 'ok');
      calls.push({ channel, at: now, result: again ? 'not_found' : 'ok' });
      if (again) throw platform('message_not_found');
    };
    // Act
    await clock.drive(
      schedule(
        [0, 1, 2, 3].map((k) => k * PERIOD),
        { slack, concurrency: 10 },
      ),
    );

    // Assess: each deleted once, never early, none more than 5 s after the best possible: in due
    // order (snaps due together in the order they went), each at its due time or when the 50th
    // deletion before it leaves the window.
    const deletedAt = new Map(calls.filter((c) => c.result === 'ok').map((c) => [c.channel, c.at]));
    const at = (i: number) => deletedAt.get(`C${i}`) ?? Number.POSITIVE_INFINITY;
    const order = dues.map((_, i) => i).sort((a, b) => (dues[a] ?? 0) - (dues[b] ?? 0) || at(a) - at(b));
    const best: number[] = [];
    for (const [k, i] of order.entries())
      best[i] = Math.max(dues[i] ?? 0, (best[order[k - 50] ?? -1] ?? Number.NEGATIVE_INFINITY) + 60_000);
    expect(deletedAt.size).toBe(140);
    expect(calls.filter((c) => c.result === 'not_found')).toEqual([]);
    expect(store.records.size).toBe(0);
    for (const [i, due] of dues.entries()) {
      expect(at(i)).toBeGreaterThanOrEqual(due);
      expect(at(i) - (best[i] ?? 0)).toBeLessThanOrEqual(5_000);
    }
  });
});

describe('a sweeper worker on watch', () => {
  it('takes the snaps posters hand it, before the index shows them, and deletes each on time', async () => {
    // Prepare: the worker holds a snap due in 10 s; two snaps just posted, not yet in the index,
    // are handed on the watch 1 s in.
    const { clock, store, slack, watch, run } = setup();
    store.put({ id: 'held', dueAt: T0 + 10_000, channel: 'C0' });
    const handed = [
      store.put({ id: 'h1', dueAt: T0 + 3_000, channel: 'C1', dueShard: undefined }),
      store.put({ id: 'h2', dueAt: T0 + 4_000, channel: 'C2', dueShard: undefined }),
    ];
    void clock.sleep(1_000).then(async () => {
      for (const h of handed) expect(await watch.hand(0, h.dueAt, clock.now(), h.id)).toBe(true);
    });

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report).toMatchObject({ handed: 2, deleted: 3 });
    expect(slack.deletes.map((d) => [d.channel, d.at])).toEqual([
      ['C1', T0 + 3_000],
      ['C2', T0 + 4_000],
      ['C0', T0 + 10_000],
    ]);
    expect((await watch.read(0)).ids).toEqual([]);
  });

  it('ends only through a release that fails when a snap was handed since it last looked, and serves that snap', async () => {
    // Prepare: the instant before the worker's first release, a poster hands it a snap.
    const { clock, store, slack, watch, run } = setup();
    const late = store.put({ id: 'late', dueAt: T0 + 5_000, channel: 'C5', dueShard: undefined });
    const release = watch.release.bind(watch);
    let raced = false;
    watch.release = async (group, owner, settled) => {
      if (!raced) {
        raced = true;
        await watch.hand(group, late.dueAt, clock.now(), late.id);
      }
      return release(group, owner, settled);
    };

    // Act
    const report = await clock.drive(run());

    // Assess: the first release failed; the snap was deleted on time; the watch ends empty.
    expect(watch.writes.filter((w) => w.op === 'release').map((w) => w.ok)).toEqual([false, true]);
    expect(report.deleted).toBe(1);
    expect(slack.deletes).toEqual([expect.objectContaining({ channel: 'C5', at: T0 + 5_000 })]);
    expect(await watch.read(0)).toEqual({ gen: 1, ids: [] });
  });

  it('reads its shards again when a dispatch finds new work for the group', async () => {
    // Prepare: the worker holds one snap; another enters the index later, and a dispatch says so.
    const { clock, store, slack, watch, run } = setup();
    store.put({ id: 'first', dueAt: T0 + 30_000, channel: 'C1' });
    void clock.sleep(10_000).then(async () => {
      store.put({ id: 'found', dueAt: T0 + 20_000, channel: 'C2' });
      expect(await watch.hand(0, T0 + 75_000, clock.now())).toBe(true);
    });

    // Act
    const report = await clock.drive(run());

    // Assess
    expect(report.deleted).toBe(2);
    expect(slack.deletes.find((d) => d.channel === 'C2')?.at).toBe(T0 + 20_000);
  });

  it('reads only its own group’s shards', async () => {
    // Prepare: eight shards in four groups; a snap in each shard.
    const { clock, store, slack, deps } = setup();
    for (let shard = 0; shard < 8; shard++)
      store.put({ id: `s${shard}`, channel: `C${shard}`, dueAt: T0 + 5_000, dueShard: String(shard) });

    // Act
    await clock.drive(
      runWorker({ ...deps, shape: { shards: 8, groups: 4 } }, { deadline: T0 + 95_000, group: 1 }),
    );

    // Assess: group 1 is shards 1 and 5.
    expect(slack.deletes.map((d) => d.channel).sort()).toEqual(['C1', 'C5']);
    expect(store.indexReads.flatMap((n, shard) => (n ? [shard] : []))).toEqual([1, 5]);
  });

  it('does nothing when the watch no longer names it (another worker was started since)', async () => {
    const { clock, store, slack, watch, deps } = setup();
    store.put({ id: 'a', dueAt: T0 + 5_000 });
    await watch.claim(0, { owner: 'newer', lease: T0 + 10_000, covers: T0 + 85_000 }, 0, clock.now());

    const report = await clock.drive(
      sweep({ group: 0, owner: 'older', deadline: T0 + 95_000, runId: 'older' }, deps),
    );

    expect(report.found).toBe(0);
    expect(slack.deletes).toEqual([]);
    expect((await watch.read(0)).owner).toBe('newer');
  });

  it('renews its watch while it works, so nobody takes it for dead', async () => {
    // Prepare: a snap due 40 s in, longer than a lease without renewal.
    const { clock, store, watch, run } = setup();
    store.put({ id: 'a', dueAt: T0 + 40_000 });
    const leases: number[] = [];
    void (async () => {
      for (let t = 5_000; t < 40_000; t += 5_000) {
        await clock.sleep(5_000);
        leases.push((await watch.read(0)).lease ?? 0);
      }
    })();

    // Act
    await clock.drive(run());

    // Assess: at every look, the lease reached beyond now.
    expect(leases).toHaveLength(7);
    for (const [i, lease] of leases.entries()) expect(lease).toBeGreaterThan(T0 + 400 + (i + 1) * 5_000);
  });

  it('gives its watch back at its deadline, so the next that needs the group starts a worker at once', async () => {
    const { clock, store, watch, run } = setup();
    store.put({ id: 'beyond', dueAt: T0 + 50_000 });

    const report = await clock.drive(run({ deadline: T0 + 20_000 }));

    expect(report.left_for_next_run).toBe(1);
    expect((await watch.read(0)).owner).toBeUndefined();
    expect(clock.now()).toBeLessThanOrEqual(T0 + 20_000);
  });

  it('leaves the snaps handed after another worker took the watch to that worker', async () => {
    // Prepare: 5 s in, another worker is named; 6 s in, a poster hands the new one a snap.
    const { clock, store, slack, watch, run } = setup();
    store.put({ id: 'held', dueAt: T0 + 30_000, channel: 'C1' });
    const next = store.put({ id: 'next', dueAt: T0 + 40_000, channel: 'C2', dueShard: undefined });
    void clock.sleep(5_000).then(async () => {
      await watch.claim(
        0,
        { owner: 'next', lease: T0 + 60_000, covers: T0 + 200_000 },
        T0 + 200_000,
        clock.now(),
      );
      await clock.sleep(1_000);
      await watch.hand(0, next.dueAt, clock.now(), next.id);
    });

    // Act
    const report = await clock.drive(run());

    // Assess: what it held, deleted on time; the handed one untouched, still on the watch.
    expect(report).toMatchObject({ deleted: 1, handed: 0 });
    expect(slack.deletes.map((d) => d.channel)).toEqual(['C1']);
    expect((await watch.read(0)).ids).toEqual(['next']);
  });

  it('has at most its in-flight share of deletions under way at once, the earliest due first', async () => {
    // Prepare: 12 snaps due in the same instant, 12 more a second later, in 24 workspaces;
    // Slack takes 100 ms per call; two deletions may be under way at once.
    const { clock, store, slack, deps } = setup();
    for (let i = 0; i < 24; i++)
      store.put({ id: `s${i}`, team: `T${i}`, channel: `C${i}`, dueAt: T0 + 10_000 + (i >= 12 ? 1_000 : 0) });
    let underWay = 0;
    let most = 0;
    const remove = slack.delete.bind(slack);
    slack.delete = async (speaker, channel, ts) => {
      most = Math.max(most, ++underWay);
      await clock.sleep(100);
      underWay--;
      return remove(speaker, channel, ts);
    };

    // Act
    const report = await clock.drive(runWorker({ ...deps, inFlight: 2 }, { deadline: T0 + 95_000 }));

    // Assess: two at a time, every 100 ms; the first second's twelve all before the next's.
    expect(report.deleted).toBe(24);
    expect(most).toBe(2);
    const first = slack.deletes.filter((d) => Number(d.channel.slice(1)) < 12).map((d) => d.at);
    const second = slack.deletes.filter((d) => Number(d.channel.slice(1)) >= 12).map((d) => d.at);
    expect(Math.max(...first)).toBe(T0 + 10_600);
    expect(Math.min(...second)).toBeGreaterThanOrEqual(T0 + 11_100);
  });
});
