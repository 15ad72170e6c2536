/**
 * sweeper's use case, the precise path. A run started for tick T owns every snap due before
 * T + period + margin: it reads them from the due-time index, leases each, waits for its exact
 * due time and deletes it. Overdue leftovers (rate limits, failures, a late tick) are part of
 * every window, so nothing is lost; an empty window ends the run at once, so idle minutes cost
 * one Query per shard.
 */
import { leaseUntil, type SnapRecord, sweepWindowEnd } from '../domain/snap';
import { errorFields } from '../log';
import { type DeleteResult, deleteSnap, Pacer } from './delete-snap';
import type { Common, SlackPort, StorePort } from './ports';

export interface SweepDeps extends Common {
  store: StorePort;
  slack: SlackPort;
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

/** How long a run waits before looking again for snaps another deleter held. */
export const RECHECK_MS = 5_000;

export async function sweep(run: SweepRun, deps: SweepDeps): Promise<SweepReport> {
  const { store, clock } = deps;
  const log = deps.log.child({ run: run.runId });
  const windowEnd = sweepWindowEnd(run.tickMs, deps.sweepPeriodMs);
  let due = await store.findDue(windowEnd);
  const report: SweepReport = {
    found: due.length,
    deleted: 0,
    already_gone: 0,
    given_up: 0,
    kept: 0,
    leased_elsewhere: 0,
    left_for_next_run: 0,
  };
  // One lane per workspace: Slack limits chat.delete per workspace, so a workspace waiting out
  // its limit never holds back another's snaps. In a lane, workers take snaps in due order, so
  // a worker waiting for one snap never holds back an earlier one; `concurrency` bounds the
  // deletions one workspace has in flight when many fall due in the same instant.
  const owner = `sweep:${run.runId}`;
  const runLane = async (records: SnapRecord[], pacer: Pacer) => {
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const record = records[next++];
        if (!record) break;
        if (record.dueAt >= run.deadline || clock.now() >= run.deadline) {
          report.left_for_next_run++;
          continue;
        }
        try {
          const until = leaseUntil(record.dueAt, clock.now());
          if (!(await store.lease(record.id, owner, until, clock.now()))) {
            report.leased_elsewhere++;
            continue;
          }
          const wait = record.dueAt - clock.now();
          if (wait > 0) await clock.sleep(wait);
          report[await deleteSnap(record, deps, pacer, run.deadline, owner)]++;
        } catch (error) {
          // One failing record must not stop the others; it stays in the table for the next run.
          report.kept++;
          log.error('sweep.record_failed', { snap: record.id, ...errorFields(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  };
  const pacers = new Map<string, Pacer>();
  const pass = async (records: SnapRecord[]) => {
    const lanes = new Map<string, SnapRecord[]>();
    for (const record of records) {
      const lane = lanes.get(record.team);
      if (lane) lane.push(record);
      else lanes.set(record.team, [record]);
    }
    await Promise.all(
      [...lanes].map(([team, lane]) => {
        const pacer = pacers.get(team) ?? new Pacer(clock);
        pacers.set(team, pacer);
        return runLane(lane, pacer);
      }),
    );
  };

  // Snaps another deleter held (an overlapping run that ran out of time and gave them back, a
  // poster that died while waiting one out) are looked for again while this run lasts, rather
  // than left to the next tick.
  for (;;) {
    const contested = report.leased_elsewhere;
    await pass(due);
    if (report.leased_elsewhere === contested || clock.now() + RECHECK_MS >= run.deadline) break;
    await clock.sleep(RECHECK_MS);
    due = await store.findDue(Math.min(windowEnd, run.deadline));
    if (due.length === 0) break;
  }
  log.info('sweep.done', { windowEnd, ...report });
  return report;
}
