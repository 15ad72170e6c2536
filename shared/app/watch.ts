/**
 * Making sure a group is served: the one step the poster (a snap due too soon for any scheduled
 * run) and the dispatcher (its window) share. If the group's worker is alive and covers the due
 * time, one conditional write hands it the work; otherwise a claim names a new worker and this
 * caller starts it. Claims are conditional on the watch, so two callers never start two workers
 * for one group, and at most one worker per group waits for snaps, whatever the traffic.
 */
import { randomUUID } from 'node:crypto';
import { WORKER_START_ALLOWANCE_MS, workerSpanMs } from '../domain/engine';
import { errorFields } from '../log';
import type { Common, WatchPort, WorkerStarter } from './ports';

export interface WatchDeps extends Common {
  watch: WatchPort;
  /** Absent where workers cannot be started (no sweeper function configured): handing over only. */
  workers?: WorkerStarter;
  sweepPeriodMs: number;
}

/**
 * `on_watch`: a live worker took it. `summoned`: this caller claimed the group and started its
 * worker (which may still be starting). `unserved`: no worker could be had; the next dispatch
 * finds the snap in the index.
 */
export type WatchOutcome = 'on_watch' | 'summoned' | 'unserved';

/** Claims lost to someone else before giving up (each loss means another caller just acted). */
const ATTEMPTS = 3;

/** Makes sure group `group` is served up to `need` (ms); `id`: a snap just posted, handed over directly. */
export async function keepWatch(
  group: number,
  need: number,
  deps: WatchDeps,
  id?: string,
): Promise<WatchOutcome> {
  const { watch, clock } = deps;
  const log = deps.log.child({ group });
  for (let i = 0; i < ATTEMPTS; i++) {
    const now = clock.now();
    if (await watch.hand(group, need, now, id)) return 'on_watch';
    if (!deps.workers) {
      log.warn('watch.no_worker', { need });
      return 'unserved';
    }
    const owner = randomUUID();
    const claim = {
      owner,
      lease: now + WORKER_START_ALLOWANCE_MS,
      covers: now + workerSpanMs(deps.sweepPeriodMs),
    };
    if (!(await watch.claim(group, claim, need, now, id))) continue;
    try {
      await deps.workers.start({ v: 1, kind: 'sweep-worker', group, owner });
      log.info('watch.summoned', { owner, covers: claim.covers });
      return 'summoned';
    } catch (error) {
      // Nobody will start under this claim: give it up, so that the next caller starts one at
      // once rather than after the claim's lease. What was handed stays on the watch for it.
      log.error('watch.summon_failed', errorFields(error));
      await watch.release(group, owner).catch(() => undefined);
      return 'unserved';
    }
  }
  log.warn('watch.contended', { need });
  return 'unserved';
}
