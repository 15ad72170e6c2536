/**
 * sweeper's use case, the precise path. A run started for tick T owns every snap due before
 * T + period + margin: it reads them from the due-time index, leases each, waits for its exact
 * due time and deletes it. Overdue leftovers (rate limits, failures, a late tick) are part of
 * every window, so nothing is lost; an empty window ends the run at once, so idle minutes cost
 * one Query per shard.
 */
import { leaseUntil, sweepWindowEnd } from '../domain/snap';
import { errorFields } from '../log';
import { type DeleteResult, deleteSnap, Pacer } from './delete-snap';
import type { Common, SlackPort, StorePort } from './ports';

export interface SweepDeps extends Common {
  store: StorePort;
  slack: SlackPort;
  sweepPeriodMs: number;
  /** Deletions in flight at once. */
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

export async function sweep(run: SweepRun, deps: SweepDeps): Promise<SweepReport> {
  const { store, clock } = deps;
  const log = deps.log.child({ run: run.runId });
  const windowEnd = sweepWindowEnd(run.tickMs, deps.sweepPeriodMs);
  const due = await store.findDue(windowEnd);
  const report: SweepReport = {
    found: due.length,
    deleted: 0,
    already_gone: 0,
    given_up: 0,
    kept: 0,
    leased_elsewhere: 0,
    left_for_next_run: 0,
  };
  const pacers = new Map<string, Pacer>();
  const pacerFor = (team: string) => {
    let pacer = pacers.get(team);
    if (!pacer) {
      pacer = new Pacer(clock);
      pacers.set(team, pacer);
    }
    return pacer;
  };

  // Workers take snaps in due order, so a worker waiting for one snap never holds back an
  // earlier one; concurrency only bounds bursts due in the same instant.
  let next = 0;
  const owner = `sweep:${run.runId}`;
  const worker = async () => {
    while (next < due.length) {
      const record = due[next++];
      if (!record) break;
      if (record.dueAt >= run.deadline || clock.now() >= run.deadline) {
        report.left_for_next_run++;
        continue;
      }
      try {
        if (!(await store.lease(record.id, owner, leaseUntil(record.dueAt), clock.now()))) {
          report.leased_elsewhere++;
          continue;
        }
        const wait = record.dueAt - clock.now();
        if (wait > 0) await clock.sleep(wait);
        report[await deleteSnap(record, deps, pacerFor(record.team), run.deadline)]++;
      } catch (error) {
        // One failing record must not stop the others; it stays in the table for the next run.
        report.kept++;
        log.error('sweep.record_failed', { snap: record.id, ...errorFields(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, worker));
  log.info('sweep.done', { windowEnd, ...report });
  return report;
}
