/**
 * sweeper's use case, the precise path. A run started for tick T owns every snap due before
 * T + period + margin: it reads them from the due-time index in due order, a page at a time,
 * into one lane per workspace, and deletes each at its exact due time under a lease taken just
 * before. Overdue leftovers (rate limits, failures, a late tick) are part of every window, so
 * nothing is lost; an empty window ends the run at once, so idle minutes cost one Query per
 * shard.
 *
 * What a run holds is bounded: a lane takes at most `LANE_LIMIT` snaps (Slack lets a workspace
 * delete about 50 a minute, so more could not go in this run anyway) and the run at most
 * `RUN_LIMIT`, reading the index on only as fast as lanes empty; the rest waits in the table
 * for the next run, however large a backlog grows.
 */
import { leaseUntil, type SnapRecord, sweepWindowEnd } from '../domain/snap';
import { errorFields } from '../log';
import type { ActivityRecorder } from './activity';
import { type DeleteResult, deleteSnap, Pacer } from './delete-snap';
import type { Common, RevealStorePort, SlackPort, StorePort } from './ports';

export interface SweepDeps extends Common {
  store: StorePort;
  slack: SlackPort;
  /** Reveals' keys, burned at their due time before their cards are deleted. */
  reveals: Pick<RevealStorePort, 'burn'>;
  /** Admins' activity counts: each deletion on time or late (when the policy turns them on). */
  activity?: ActivityRecorder;
  sweepPeriodMs: number;
  /** Deletions one workspace may have in flight at once. */
  concurrency: number;
}

export interface SweepRun {
  /** The scheduled time this run serves (the EventBridge event's `time`). */
  tickMs: number;
  /** Leave everything not started by then for the next run (ms since epoch). */
  deadline: number;
  runId: string;
}

export type SweepReport = Record<DeleteResult | 'found' | 'leased_elsewhere' | 'left_for_next_run', number>;

/** The longest a run waits before trying again to lease a snap another deleter held. */
export const RECHECK_MS = 5_000;
/** Leases refused per snap before a run leaves it to whoever holds it. */
const MAX_TRIES = 20;
/** A lease is taken this long before the due time, so that the write is done when it comes. */
export const LEASE_AHEAD_MS = 2_000;
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
 * What `deleteSnap` paces one deletion by: the workspace's gate, and its turn there when the
 * workspace is in single file. A turn is held from the call until the deletion is over (through
 * the 429s it waits out), so no later snap slips in ahead.
 */
class Turn extends Pacer {
  private holding = false;

  constructor(
    private readonly time: Common['clock'],
    private readonly gate: Gate,
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
  }

  /** Takes the turn ahead of `deleteSnap` (single file): false if none comes in time. */
  async take(): Promise<boolean> {
    if (!this.holding) this.holding = await this.gate.turn(this.dueAt, this.limit);
    return this.holding;
  }

  override async ready(): Promise<void> {
    if (!this.holding && this.gate.singleFile()) this.holding = await this.gate.turn(this.dueAt, this.limit);
    // Without a turn in time, it goes anyway while its lease holds: at worst one more 429.
    const wait = this.gate.opensAt - this.time.now();
    if (wait > 0 && this.gate.opensAt < this.limit) await this.time.sleep(wait);
  }

  release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.gate.done();
  }
}

export async function sweep(run: SweepRun, deps: SweepDeps): Promise<SweepReport> {
  const { store, clock } = deps;
  const log = deps.log.child({ run: run.runId });
  const windowEnd = sweepWindowEnd(run.tickMs, deps.sweepPeriodMs);
  const owner = `sweep:${run.runId}`;
  // The next run starts at the next tick and owns every snap overdue by then. Were this run to
  // keep pacing a rate-limited workspace too, the two would spend its few calls a minute out of
  // due order (and each learn the pause by a 429 of its own); so from that tick on, this one
  // finishes what it holds and deletes, on time, snaps still to fall due in its window, but
  // waits on no paused workspace.
  const handover = run.tickMs + deps.sweepPeriodMs;
  const waitLimit = () => Math.min(run.deadline, Math.max(handover, clock.now()));
  const report: SweepReport = {
    found: 0,
    deleted: 0,
    already_gone: 0,
    given_up: 0,
    token_gone: 0,
    kept: 0,
    leased_elsewhere: 0,
    left_for_next_run: 0,
  };
  const workers = Math.max(1, deps.concurrency);

  // One lane per workspace: Slack limits chat.delete per workspace, so a workspace waiting out
  // its limit never holds back another's snaps. In a lane, workers take snaps in due order, so a
  // worker waiting for one snap never holds back an earlier one; `concurrency` bounds the
  // deletions one workspace has in flight when many fall due in the same instant.
  const lanes = new Map<string, Lane>();
  const running = new Set<Promise<void>>();
  let held = 0;
  let room: (() => void) | undefined;
  const settle = (outcome: Outcome) => {
    report[outcome]++;
    held--;
    const wake = room;
    room = undefined;
    wake?.();
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
        await clock.sleep(gate.opensAt - now);
        continue;
      }
      const ahead = singleFile ? 0 : LEASE_AHEAD_MS;
      if (record.dueAt - ahead > now) {
        await clock.sleep(record.dueAt - ahead - now);
        continue;
      }
      break;
    }
    // After the handover this run waits for no turn, but takes one that is free.
    const turn = new Turn(clock, gate, record.dueAt, Math.max(waitLimit(), clock.now() + 1));
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
      const result = await deleteSnap(record, deps, turn, deadline, owner);
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

  for await (const record of store.findDue(windowEnd)) {
    report.found++;
    // Due order: everything from here on is due after this run can act.
    if (record.dueAt >= run.deadline || clock.now() >= run.deadline) {
      report.left_for_next_run++;
      break;
    }
    let lane = lanes.get(record.team);
    if (!lane) {
      lane = { team: record.team, queue: [], workers: 0, gate: new Gate(clock) };
      lanes.set(record.team, lane);
    }
    if (lane.queue.length >= LANE_LIMIT) {
      report.left_for_next_run++;
      continue;
    }
    held++;
    enqueue(lane, { record, notBefore: 0, tries: 0, attempted: false });
    staff(lane);
    while (held >= RUN_LIMIT)
      await new Promise<void>((resolve) => {
        room = resolve;
      });
  }
  while (running.size > 0) await Promise.all([...running]);
  log.info('sweep.done', { windowEnd, ...report });
  return report;
}
