/** sweeper: every minute → delete each snap due in this window at its due time. */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ActivityStore } from '../../shared/adapters/activity-store';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { RevealStore } from '../../shared/adapters/reveal-store';
import { SettingsStore } from '../../shared/adapters/settings-store';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { activityRecorder } from '../../shared/app/activity';
import { systemClock } from '../../shared/app/ports';
import { storedSettings } from '../../shared/app/settings-source';
import { type SweepReport, sweep } from '../../shared/app/sweep';
import { slackTokens } from '../../shared/compose';
import { tableWorkerConfig } from '../../shared/config';
import { createLogger } from '../../shared/log';

const SAFETY_MS = 5000;
// Per workspace: enough to delete a burst due in the same second within it; Slack's limit
// (about 50 a minute per workspace) does the rest of the pacing.
const CONCURRENCY = 10;

const config = tableWorkerConfig(process.env);
const log = createLogger({ fn: 'sweeper' });
const store = new SnapStore(config.tableName);
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

/** The tick this run serves: the schedule's own time, so a late start does not shift the window. */
function tickOf(event: Partial<ScheduledEvent> | undefined, now: number): number {
  const scheduled = typeof event?.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isFinite(scheduled) && scheduled <= now ? scheduled : now;
}

export async function handler(
  event: Partial<ScheduledEvent> | undefined,
  context: Context,
): Promise<SweepReport> {
  const now = Date.now();
  return sweep(
    {
      tickMs: tickOf(event, now),
      deadline: now + context.getRemainingTimeInMillis() - SAFETY_MS,
      runId: context.awsRequestId,
    },
    {
      store,
      slack,
      reveals,
      clock: systemClock,
      log,
      sweepPeriodMs: config.sweepPeriodMs,
      concurrency: CONCURRENCY,
      activity,
    },
  );
}
