/**
 * sweeper's scheduled run: the dispatcher. For the tick it serves, it looks at each shard of the
 * due-time index for anything due in the tick's window (one COUNT that stops at the first entry)
 * and makes sure each group with work has a worker on watch — handing the work to the live one,
 * or starting one. Workers follow the backlog: a group with nothing due costs no worker, and an
 * idle minute costs this one short run and a look per shard.
 */
import { allGroups, type EngineShape, shardsOf, sweepWindowEnd } from '../domain/engine';
import { errorFields } from '../log';
import type { StorePort } from './ports';
import { keepWatch, type WatchDeps, type WatchOutcome } from './watch';

export interface DispatchDeps extends WatchDeps {
  store: Pick<StorePort, 'hasDue'>;
  shape: EngineShape;
}

export type DispatchReport = { groups: number; busy: number } & Record<WatchOutcome, number>;

export async function dispatch(tickMs: number, deps: DispatchDeps): Promise<DispatchReport> {
  const { store, shape } = deps;
  const windowEnd = sweepWindowEnd(tickMs, deps.sweepPeriodMs);
  const busy = await Promise.all(
    allGroups(shape.groups).map(async (group) => {
      const shards = shardsOf(group, shape.shards, shape.groups);
      const due = await Promise.all(shards.map((shard) => store.hasDue(shard, windowEnd)));
      return due.some(Boolean) ? group : undefined;
    }),
  );
  const report: DispatchReport = { groups: shape.groups, busy: 0, on_watch: 0, summoned: 0, unserved: 0 };
  const outcomes = await Promise.all(
    busy
      .filter((group): group is number => group !== undefined)
      .map((group) =>
        keepWatch(group, windowEnd, deps).catch((error: unknown): WatchOutcome => {
          // One group's watch failing must not leave the others unserved.
          deps.log.error('dispatch.group_failed', { group, ...errorFields(error) });
          return 'unserved';
        }),
      ),
  );
  for (const outcome of outcomes) {
    report.busy++;
    report[outcome]++;
  }
  deps.log.info('dispatch.done', { tick: tickMs, windowEnd, ...report });
  return report;
}
