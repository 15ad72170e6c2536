/**
 * sweeper: the schedule's run dispatches (every group with snaps due in its window gets a worker
 * on watch); a worker event runs one worker, which deletes its group's snaps at their due times.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ActivityStore } from '../../shared/adapters/activity-store';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { invokeAsync } from '../../shared/adapters/invoker';
import { RevealStore } from '../../shared/adapters/reveal-store';
import { SettingsStore } from '../../shared/adapters/settings-store';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { WatchStore } from '../../shared/adapters/watch-store';
import { activityRecorder } from '../../shared/app/activity';
import { type DispatchReport, dispatch } from '../../shared/app/dispatch';
import { systemClock, type WorkerStarter } from '../../shared/app/ports';
import { storedSettings } from '../../shared/app/settings-source';
import { type SweepReport, sweep } from '../../shared/app/sweep';
import { slackTokens } from '../../shared/compose';
import { sweeperConfig } from '../../shared/config';
import { isWorkerEvent, type WorkerEvent } from '../../shared/domain/engine';
import { createLogger } from '../../shared/log';

const SAFETY_MS = 5000;
// Per workspace: enough to delete a burst due in the same second within it; Slack's limit
// (about 50 a minute per workspace) does the rest of the pacing.
const CONCURRENCY = 10;
const config = sweeperConfig(process.env);
const log = createLogger({ fn: 'sweeper' });
const store = new SnapStore(config.tableName);
const watch = new WatchStore(config.tableName);
const reveals = new RevealStore(config.revealTableName);
// Whatever token posted a snap deletes it: users' own always come from the store (only records
// posted as a user ask for one), bot tokens from the configuration or, distributed, the store.
const { tokens } = await slackTokens(config, true);
const slack = new SlackSpeakers({
  tokens,
  apiUrl: config.slackApiUrl,
  log,
});
// Admins' activity counts, where a workspace's policy turns them on (read through a minute's cache).
const activity = activityRecorder(
  storedSettings(new SettingsStore(config.installationsTableName)),
  new ActivityStore(config.tableName),
  log,
);
// What the dispatcher and the workers share: the index, the watch and the engine's shape.
const engine = {
  clock: systemClock,
  log,
  store,
  watch,
  shape: config.engine,
  sweepPeriodMs: config.sweepPeriodMs,
};
const work = (event: WorkerEvent, deadline: number, runId: string) =>
  sweep(
    { group: event.group, owner: event.owner, deadline, runId },
    { ...engine, slack, reveals, concurrency: CONCURRENCY, inFlight: config.inFlight, activity },
  );

/** The tick this run serves: the schedule's own time, so a late start does not shift the window. */
function tickOf(event: Partial<ScheduledEvent> | undefined, now: number): number {
  const scheduled = typeof event?.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isFinite(scheduled) && scheduled <= now ? scheduled : now;
}

export async function handler(
  event: Partial<ScheduledEvent> | WorkerEvent | undefined,
  context: Context,
): Promise<SweepReport | { dispatch: DispatchReport; served: SweepReport[] }> {
  const now = Date.now();
  const deadline = now + context.getRemainingTimeInMillis() - SAFETY_MS;
  if (isWorkerEvent(event)) return work(event, deadline, context.awsRequestId);
  // Workers run as invocations of this same function (one warm pool with the schedule's runs);
  // with no function named (a bare local run), this run serves the groups itself, in process.
  const served: Array<Promise<SweepReport>> = [];
  const functionName = config.sweeperFunctionName;
  const workers: WorkerStarter = functionName
    ? { start: (worker) => invokeAsync(functionName, worker) }
    : {
        start: async (worker) => {
          served.push(work(worker, deadline, `${context.awsRequestId}:${worker.group}`));
        },
      };
  const report = await dispatch(tickOf(event as Partial<ScheduledEvent> | undefined, now), {
    ...engine,
    workers,
  });
  return { dispatch: report, served: await Promise.all(served) };
}
