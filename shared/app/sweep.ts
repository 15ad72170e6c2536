/**
 * sweeper's worker, the precise path. A worker serves one group of due-index shards (so each
 * workspace is paced by exactly one worker) while the group's watch names it: it reads its
 * shards' snaps due before its horizon, takes the snaps posters hand it on the watch (posted an
 * instant ago: read from the table, the index trails it), reads the index again when the
 * dispatcher finds new work there, and deletes each snap at its exact due time under a lease
 * taken just before. It renews its watch as it goes and ends when it holds nothing — through a
 * conditional write that fails if anything came meanwhile — or before its own timeout, giving
 * the watch back so the next that needs the group starts a fresh worker at once. A worker that
 * dies simply stops renewing; what it held is leased for seconds at most and taken up by the
 * next worker or dispatch.
 *
 * Each workspace has its own lane inside the worker, and what a worker holds is bounded: a lane
 * takes at most `LANE_LIMIT` snaps (Slack lets a workspace delete about 50 a minute, so more
 * could not go in this run anyway) and the run at most `RUN_LIMIT`, reading the index on only
 * as fast as lanes empty; the rest waits in the table for the next run, however large a backlog
 * grows. Calls to Slack under way at once are bounded too (`inFlight`), earliest due first.
 */
import {
  type EngineShape,
  readHorizon,
  shardsOf,
  WATCH_LEASE_MS,
  WATCH_POLL_MS,
  WATCH_RENEW_MS,
} from '../domain/engine';
import { leaseUntil, type SnapRecord } from '../domain/snap';
import { errorFields } from '../log';
import type { ActivityRecorder } from './activity';
import { type DeleteResult, deleteSnap, Pacer } from './delete-snap';
import type { Common, RevealStorePort, SlackPort, StorePort, WatchPort } from './ports';

export interface SweepDeps extends Common {
  store: StorePort;
  slack: SlackPort;
  watch: WatchPort;
  shape: EngineShape;
  /** Reveals' keys, burned at their due time before their cards are deleted. */
  reveals: Pick<RevealStorePort, 'burn'>;
  /** Admins' activity counts: each deletion on time or late (when the policy turns them on). */
  activity?: ActivityRecorder;
  sweepPeriodMs: number;
  /** Deletions one workspace may have in flight at once. */
  concurrency: number;
  /** Calls to Slack the whole worker has under way at once. */
  inFlight: number;
}

export interface SweepRun {
  /** The group of shards this worker serves. */
  group: number;
  /** The claim on the group's watch that started this worker. */
  owner: string;
  /** Leave everything not started by then for the next run (ms since epoch). */
  deadline: number;
  runId: string;
}

export type SweepReport = Record<
  DeleteResult | 'found' | 'leased_elsewhere' | 'left_for_next_run' | 'handed',
  number
>;

/** Nothing counted yet: what a run starts from, and what a sweep that ran no worker reports. */
export function emptySweepReport(): SweepReport {
  return {
    found: 0,
    handed: 0,
    deleted: 0,
    already_gone: 0,
    given_up: 0,
    token_gone: 0,
    kept: 0,
    leased_elsewhere: 0,
    left_for_next_run: 0,
  };
}

/** The longest a run waits before trying again to lease a snap another deleter held. */
export const RECHECK_MS = 5_000;
/** Leases refused per snap before a run leaves it to whoever holds it. */
const MAX_TRIES = 20;
/**
 * A lease is taken this long before the due time, so that the write is done when it comes. Due
 * times are whole seconds: half a second off them, the writes for the snaps of one second never
 * compete for the worker's CPU with the calls to Slack for another's (measured: half of the
 * lateness of a busy worker came from leases taken exactly two seconds ahead).
 */
export const LEASE_AHEAD_MS = 1_500;
/** A deleter gives a snap back this long before its lease ends rather than act on a lapsed one. */
const LEASE_MARGIN_MS = 2_000;
/** A snap this long past its due time is behind: it goes single file (see `Gate`). */
const BEHIND_MS = 1_000;
/** Snaps one workspace's lane holds at once. */
export const LANE_LIMIT = 200;
/** Snaps one run holds at once, across lanes. */
export const RUN_LIMIT = 2_000;

type Outcome = keyof SweepReport;

interface Job {
  record: SnapRecord;
  /** Not to be tried before (ms): set while another deleter holds the snap. */
  notBefore: number;
  /** Leases refused so far. */
  tries: number;
  /** Slack was asked at least once: what is left is `kept`, not `left_for_next_run`. */
  attempted: boolean;
}

interface Lane {
  team: string;
  /** Jobs in due order. */
  queue: Job[];
  workers: number;
  gate: Gate;
}

/** Inserts `item` after everything due no later than it: due order, first come first within one due time. */
function insertByDue<T>(list: T[], item: T, dueOf: (t: T) => number): void {
  let i = list.length;
  while (i > 0 && dueOf(list[i - 1] as T) > dueOf(item)) i--;
  list.splice(i, 0, item);
}

/** How long a workspace goes single file after its last 429 (Slack's window is a minute). */
const SINGLE_FILE_MS = 60_000;

/**
 * One workspace's way to Slack. A 429 pauses it until Retry-After has passed and puts it in
 * single file for a while: one deletion at a time, the earliest due first. Many deletions let
 * loose at once when it opens would take the few free slots in no particular order, and the
 * earliest could wait a whole minute more behind later ones.
 */
class Gate {
  opensAt = 0;
  private singleFileUntil = 0;
  private busy = false;
  private armed = false;
  private waiters: Array<{ dueAt: number; limit: number; answer: (granted: boolean) => void }> = [];

  constructor(private readonly clock: Common['clock']) {}

  singleFile(): boolean {
    return this.clock.now() < this.singleFileUntil;
  }

  backOff(ms: number): void {
    this.opensAt = Math.max(this.opensAt, this.clock.now() + ms);
    this.singleFileUntil = Math.max(this.singleFileUntil, this.opensAt + SINGLE_FILE_MS);
    // Whoever can no longer have a turn before its own limit hears it now.
    this.dismiss(this.opensAt);
  }

  /** The run handed over at `time`: snaps overdue by then wait for no turn here (the successor owns them). */
  handOver(time: number): void {
    const kept = [];
    for (const w of this.waiters) {
      if (w.dueAt >= time) kept.push(w);
      else w.answer(false);
    }
    this.waiters = kept;
  }

  /** Answers no to the waiters whose limit comes by `time`. */
  private dismiss(time: number): void {
    const kept = [];
    for (const w of this.waiters) {
      if (w.limit > time) kept.push(w);
      else w.answer(false);
    }
    this.waiters = kept;
  }

  /** Waits for this deletion's turn in single file: true when it holds the turn, false if none came before `limit`. */
  turn(dueAt: number, limit: number): Promise<boolean> {
    if (this.opensAt >= limit) return Promise.resolve(false);
    return new Promise((answer) => {
      insertByDue(this.waiters, { dueAt, limit, answer }, (w) => w.dueAt);
      this.pump();
    });
  }

  /** The holder's deletion is over: the next may go. */
  done(): void {
    this.busy = false;
    this.pump();
  }

  private pump(): void {
    const now = this.clock.now();
    this.dismiss(now);
    if (this.busy || this.waiters.length === 0) return;
    if (this.opensAt > now) {
      if (this.armed) return;
      this.armed = true;
      void this.clock.sleep(this.opensAt - now).then(() => {
        this.armed = false;
        this.pump();
      });
      return;
    }
    this.busy = true;
    this.waiters.shift()?.answer(true);
  }
}

/**
 * The worker's calls to Slack under way at once, given out earliest due first. A worker is bound
 * by these (and Slack's latency), not by how many workspaces it serves: its ceiling is what the
 * scale bench measures. A slot is held only for a call, never through a workspace's pause.
 */
class Slots {
  private waiters: Array<{ dueAt: number; take: () => void }> = [];

  constructor(private free: number) {}

  take(dueAt: number): Promise<void> {
    if (this.free > 0 && this.waiters.length === 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((take) => insertByDue(this.waiters, { dueAt, take }, (w) => w.dueAt));
  }

  give(): void {
    const next = this.waiters.shift();
    if (next) next.take();
    else this.free++;
  }
}

/**
 * What `deleteSnap` paces one deletion by: the workspace's gate, and its turn there when the
 * workspace is in single file, then one of the worker's slots. A turn is held from the call until
 * the deletion is over (through the 429s it waits out), so no later snap slips in ahead.
 */
class Turn extends Pacer {
  private holding = false;
  private slot = false;

  constructor(
    private readonly time: Common['clock'],
    private readonly gate: Gate,
    private readonly slots: Slots,
    private readonly dueAt: number,
    /** When this deletion must have made its last call (its lease's end, less a margin). */
    public limit: number,
  ) {
    super(time);
  }

  override get opensAt(): number {
    return this.gate.opensAt;
  }

  override backOff(ms: number): void {
    this.gate.backOff(ms);
    // Nobody waits out a workspace's pause holding a slot another workspace could use.
    this.giveSlot();
  }

  private giveSlot(): void {
    if (!this.slot) return;
    this.slot = false;
    this.slots.give();
  }

  /** The slot bounds calls to Slack: the tombstone that follows goes without it. */
  override answered(): void {
    this.giveSlot();
  }

  /** Takes the turn ahead of `deleteSnap` (single file): false if none comes in time. */
  async take(): Promise<boolean> {
    if (!this.holding) this.holding = await this.gate.turn(this.dueAt, this.limit);
    return this.holding;
  }

  override async ready(deadline: number): Promise<boolean> {
    if (this.gate.singleFile()) await this.take();
    // Without a turn in time, it goes anyway while its lease holds: at worst one more 429.
    const wait = this.gate.opensAt - this.time.now();
    if (wait > 0 && this.gate.opensAt < this.limit) await this.time.sleep(wait);
    if (!this.slot) {
      await this.slots.take(this.dueAt);
      this.slot = true;
    }
    // A slot that came too late is no use: past the lease, another deleter may act.
    if (this.time.now() <= deadline) return true;
    this.giveSlot();
    return false;
  }

  release(): void {
    this.giveSlot();
    if (!this.holding) return;
    this.holding = false;
    this.gate.done();
  }
}

export async function sweep(run: SweepRun, deps: SweepDeps): Promise<SweepReport> {
  const { store, watch, clock } = deps;
  const log = deps.log.child({ run: run.runId, group: run.group });
  // Every deletion's line names the run and the group that made it.
  const deleting = { ...deps, log };
  const owner = `sweep:${run.runId}`;
  const report = emptySweepReport();
  const watched = await watch.renew(run.group, run.owner, clock.now() + WATCH_LEASE_MS);
  if (!watched) {
    // Another worker was started for the group since (this one came too late): it serves.
    log.info('sweep.not_on_watch');
    return report;
  }
  const covers = watched.covers ?? clock.now();
  const shards = shardsOf(run.group, deps.shape.shards, deps.shape.groups);
  let seenGen = watched.gen;
  let onWatch = true;
  // Once another worker holds the watch, it owns every snap overdue from then on: were this one
  // to keep pacing a rate-limited workspace too, the two would spend its few calls a minute out
  // of due order. So this one finishes what it holds and deletes, on time, snaps still to fall
  // due, but waits on no paused workspace.
  let handover = Number.POSITIVE_INFINITY;
  let markHandedOver: () => void = () => {};
  const handedOver = new Promise<void>((resolve) => {
    markHandedOver = resolve;
  });
  /** A wait that a handover to come cuts short, so that what it was for is judged again at once. */
  const pause = (ms: number) =>
    handover === Number.POSITIVE_INFINITY ? Promise.race([clock.sleep(ms), handedOver]) : clock.sleep(ms);
  const waitLimit = () => Math.min(run.deadline, Math.max(handover, clock.now()));
  const workers = Math.max(1, deps.concurrency);
  const slots = new Slots(Math.max(1, deps.inFlight));

  // One lane per workspace: Slack limits chat.delete per workspace, so a workspace waiting out
  // its limit never holds back another's snaps. In a lane, workers take snaps in due order, so a
  // worker waiting for one snap never holds back an earlier one; `concurrency` bounds the
  // deletions one workspace has in flight when many fall due in the same instant.
  const lanes = new Map<string, Lane>();
  const running = new Set<Promise<void>>();
  /** Snaps this run has taken (or settled), so that reading the index again takes each once. */
  const known = new Set<string>();
  let held = 0;
  let room: (() => void) | undefined;
  const wake = () => {
    const waiting = room;
    room = undefined;
    waiting?.();
  };
  /** Cuts the watch loop's wait short: the run may have just become idle. */
  let nudge: (() => void) | undefined;
  const settle = (outcome: Outcome) => {
    report[outcome]++;
    held--;
    wake();
    if (held === 0) nudge?.();
  };
  const enqueue = (lane: Lane, job: Job) => insertByDue(lane.queue, job, (j) => j.record.dueAt);

  /**
   * The lease was refused: the snap is gone (another deleter, or its author, deleted it) or held.
   * A held one is tried again when its holder's lease ends, or sooner if the holder gives it back
   * (a run that hands over, a deleter told to wait past its lease), as long as this run lasts.
   */
  const heldElsewhere = async (job: Job): Promise<Outcome | 'again'> => {
    const current = await store.get(job.record.id);
    const now = clock.now();
    if (current?.state !== 'posted' || current.ts !== job.record.ts) return 'leased_elsewhere';
    const leaseEnd = current.leaseUntil ?? now;
    if (leaseEnd >= run.deadline || job.tries >= MAX_TRIES) return 'leased_elsewhere';
    const poll = Math.min(RECHECK_MS, 1_000 * 2 ** job.tries++);
    job.notBefore = Math.max(now + 1, Math.min(leaseEnd + 1, now + poll));
    return 'again';
  };

  const attempt = async (lane: Lane, job: Job): Promise<Outcome | 'again'> => {
    const { record } = job;
    const { gate } = lane;
    const left: Outcome = job.attempted ? 'kept' : 'left_for_next_run';
    let singleFile = false;
    for (;;) {
      const now = clock.now();
      if (now >= run.deadline || record.dueAt >= run.deadline) return left;
      if (now >= handover && record.dueAt < handover) return left;
      if (gate.opensAt >= waitLimit()) return left;
      // In single file, the turn waits for the workspace to open, the earliest due first; and the
      // lease waits for the turn, so that only the snap whose turn it is is held. Snaps already
      // behind go single file too: a backlog is what a workspace's limit cuts short, and a run
      // that finds one (the previous run gave it up, a sweep came late) does not know yet.
      singleFile = gate.singleFile() || now - record.dueAt > BEHIND_MS;
      if (gate.opensAt > now && !singleFile) {
        await pause(gate.opensAt - now);
        continue;
      }
      const ahead = singleFile ? 0 : LEASE_AHEAD_MS;
      if (record.dueAt - ahead > now) {
        await pause(record.dueAt - ahead - now);
        continue;
      }
      break;
    }
    // After the handover this run waits for no turn, but takes one that is free.
    const turn = new Turn(clock, gate, slots, record.dueAt, Math.max(waitLimit(), clock.now() + 1));
    try {
      if (singleFile && !(await turn.take())) return left;
      const until = leaseUntil(record.dueAt, clock.now());
      if (!(await store.lease(record.id, owner, until, clock.now()))) return await heldElsewhere(job);
      const wait = record.dueAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
      job.attempted = true;
      // Never past the lease: a deleter acting on a lapsed lease could delete beside the next one.
      const deadline = Math.min(until - LEASE_MARGIN_MS, waitLimit());
      turn.limit = deadline;
      const result = await deleteSnap(record, deleting, turn, deadline, owner);
      // Given back because the workspace is paused beyond the lease: again once it opens.
      if (result === 'kept' && gate.opensAt > clock.now()) return 'again';
      return result;
    } finally {
      turn.release();
    }
  };

  const work = async (lane: Lane) => {
    for (;;) {
      const now = clock.now();
      const index = lane.queue.findIndex((j) => j.notBefore <= now);
      if (index < 0) {
        // Only snaps held elsewhere are left: one worker waits for them, the others end.
        if (lane.queue.length === 0 || lane.workers > 1) break;
        await clock.sleep(Math.min(...lane.queue.map((j) => j.notBefore)) - now);
        continue;
      }
      const [job] = lane.queue.splice(index, 1);
      if (!job) continue;
      let outcome: Outcome | 'again';
      try {
        outcome = await attempt(lane, job);
      } catch (error) {
        // One failing record must not stop the others; it stays in the table for the next run.
        log.error('sweep.record_failed', { snap: job.record.id, ...errorFields(error) });
        outcome = 'kept';
      }
      if (outcome === 'again') enqueue(lane, job);
      else settle(outcome);
    }
    lane.workers--;
    if (lane.workers === 0 && lane.queue.length === 0 && lane.gate.opensAt <= clock.now())
      lanes.delete(lane.team);
  };
  const staff = (lane: Lane) => {
    if (lane.workers >= workers) return;
    lane.workers++;
    const worker = work(lane);
    running.add(worker);
    void worker.finally(() => running.delete(worker));
  };

  /** Takes a snap into its workspace's lane, unless the lane is full (it waits in the table). */
  const admit = (record: SnapRecord): void => {
    report.found++;
    if (record.dueAt >= run.deadline) {
      report.left_for_next_run++;
      return;
    }
    let lane = lanes.get(record.team);
    if (!lane) {
      lane = { team: record.team, queue: [], workers: 0, gate: new Gate(clock) };
      lanes.set(record.team, lane);
    }
    if (lane.queue.length >= LANE_LIMIT) {
      report.left_for_next_run++;
      return;
    }
    known.add(record.id);
    held++;
    enqueue(lane, { record, notBefore: 0, tries: 0, attempted: false });
    staff(lane);
  };

  /** One pass over the group's shards, due order, a page at a time and only as fast as lanes empty. */
  const readIndex = async (): Promise<void> => {
    const horizon = readHorizon(covers, clock.now(), deps.sweepPeriodMs);
    for await (const record of store.findDue(horizon, shards)) {
      if (!onWatch || clock.now() >= run.deadline) return;
      if (known.has(record.id)) continue;
      // Due order: everything from here on is due after this run can act.
      if (record.dueAt >= run.deadline) {
        report.left_for_next_run++;
        return;
      }
      admit(record);
      while (held >= RUN_LIMIT && onWatch) {
        readerBlocked = true;
        readerQuiet();
        await new Promise<void>((resolve) => {
          room = resolve;
        });
        readerBlocked = false;
      }
    }
  };
  let reading: Promise<void> | undefined;
  let readAgain = false;
  /** The reader waits for room in the lanes (a backlog): the watch is looked at meanwhile. */
  let readerBlocked = false;
  const quietWaiters: Array<() => void> = [];
  const readerQuiet = () => {
    for (const waiter of quietWaiters.splice(0)) waiter();
  };
  const untilReaderQuiet = () =>
    !reading || readerBlocked
      ? Promise.resolve()
      : new Promise<void>((resolve) => quietWaiters.push(resolve));
  const requestRead = () => {
    readAgain = true;
    if (reading) return;
    reading = (async () => {
      while (readAgain && onWatch) {
        readAgain = false;
        try {
          await readIndex();
        } catch (error) {
          // The index could not be read: try again at the next look at the watch.
          log.warn('sweep.read_failed', errorFields(error));
          readAgain = true;
          return;
        }
      }
    })().finally(() => {
      reading = undefined;
      readerQuiet();
      nudge?.();
    });
  };

  /**
   * Snaps posters handed over on the watch: read from the table (strongly consistent), since the
   * index may not show a record written an instant ago. A posted snap is taken whatever the run
   * holds already — it is due within a minute, and the posters' limits bound how many come.
   */
  const takeHanded = async (ids: readonly string[]): Promise<void> => {
    const fresh = ids.filter((id) => !known.has(id));
    const records = await Promise.all(fresh.map((id) => store.get(id)));
    for (const record of records) {
      if (record?.state !== 'posted' || !record.ts || known.has(record.id)) continue;
      report.handed++;
      admit(record);
    }
    await watch.take(run.group, run.owner, ids);
  };

  const idle = () => held === 0 && !reading && !readAgain;
  const stopWatching = (why: 'superseded' | 'deadline') => {
    onWatch = false;
    wake();
    if (why === 'superseded') {
      handover = clock.now();
      for (const lane of lanes.values()) lane.gate.handOver(handover);
      markHandedOver();
      log.info('sweep.superseded');
    }
  };

  requestRead();
  let released = false;
  try {
    await takeHanded(watched.ids);
    let renewedAt = clock.now();
    /** A release just failed: something came, so look at the watch at once. */
    let lookNow = false;
    /** At most one release per look at the watch, whatever happens. */
    let mayRelease = true;
    for (;;) {
      await untilReaderQuiet();
      if (clock.now() >= run.deadline) {
        stopWatching('deadline');
        break;
      }
      if (idle() && mayRelease) {
        if (await watch.release(run.group, run.owner, { gen: seenGen })) {
          released = true;
          onWatch = false;
          break;
        }
        lookNow = true;
        mayRelease = false;
      }
      if (!lookNow) {
        await new Promise<void>((resolve) => {
          nudge = resolve;
          void clock.sleep(Math.min(WATCH_POLL_MS, Math.max(1, run.deadline - clock.now()))).then(resolve);
        });
        nudge = undefined;
        mayRelease = true;
        // Woken because the run has just become idle: try to end first.
        if (idle()) continue;
      }
      lookNow = false;
      let state: Awaited<ReturnType<WatchPort['read']>>;
      if (clock.now() - renewedAt >= WATCH_RENEW_MS) {
        const renewed = await watch.renew(run.group, run.owner, clock.now() + WATCH_LEASE_MS);
        if (!renewed) {
          stopWatching('superseded');
          break;
        }
        renewedAt = clock.now();
        state = renewed;
      } else {
        state = await watch.read(run.group);
        if (state.owner !== run.owner) {
          stopWatching('superseded');
          break;
        }
      }
      if (state.ids.length > 0) await takeHanded(state.ids);
      if (state.gen !== seenGen) {
        seenGen = state.gen;
        requestRead();
      } else if (readAgain && !reading) requestRead();
    }
  } catch (error) {
    // The watch cannot be read or written: stop taking work; what this run holds still goes.
    log.error('sweep.watch_failed', errorFields(error));
    stopWatching('deadline');
  }
  await reading;
  while (running.size > 0) await Promise.all([...running]);
  // Out of time with the watch still its own: give it back, so the next that needs the group
  // starts a worker at once instead of after this one's lease.
  if (!released && handover === Number.POSITIVE_INFINITY)
    await watch.release(run.group, run.owner).catch((error: unknown) => {
      log.warn('sweep.release_failed', errorFields(error));
    });
  log.info('sweep.done', { covers, ...report });
  return report;
}
