/**
 * poster: async-invoked by ack → post once, record, wait out short snaps. The same bundle runs as
 * the controls function: an author's requests about their snaps, the policy, App Home.
 */
import type { Context } from 'aws-lambda';
import { ActivityStore } from '../../shared/adapters/activity-store';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { DataKeyOpener } from '../../shared/adapters/kms';
import { SettingsStore } from '../../shared/adapters/settings-store';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { activityRecorder } from '../../shared/app/activity';
import { type AuthorOutcome, handleAuthorRequest } from '../../shared/app/author-control';
import { type HomeOutcome, handleHomeRequest } from '../../shared/app/home';
import { systemClock } from '../../shared/app/ports';
import { type PostOutcome, postSnap } from '../../shared/app/post-snap';
import { storedSettings } from '../../shared/app/settings-source';
import { slackTokens } from '../../shared/compose';
import { posterConfig } from '../../shared/config';
import { type Sealed, unsealJson } from '../../shared/domain/seal';
import { isAuthorRequest, isHomeRequest } from '../../shared/domain/snap';
import { createLogger } from '../../shared/log';

/** Time kept back from the Lambda timeout so the run ends by itself, not by being killed. */
const SAFETY_MS = 3000;

const config = posterConfig(process.env);
const log = createLogger({ fn: 'poster' });
const store = new SnapStore(config.tableName);
const keys = new DataKeyOpener();
// One-workspace mode: the configured bot token (users' own from the store when install is
// deployed). Distributed: every token from the store, behind a cache of at most five minutes.
const { tokens, users } = await slackTokens(config, config.usersInStore);
const slack = new SlackSpeakers({
  tokens,
  apiUrl: config.slackApiUrl,
  responseUrlPrefix: config.responseUrlPrefix,
  log,
});

const open = async (sealed: Sealed, aad: string) => unsealJson(await keys.open(sealed.key), sealed, aad);
// The policy and people's defaults live with the installations; activity counts in the snap table.
const settingsStore = new SettingsStore(config.installationsTableName);
const settings = storedSettings(settingsStore, { maxAgeMs: config.settingsCacheMs });
const activityCounts = new ActivityStore(config.tableName);
const activity = activityRecorder(settings, activityCounts, log);
const settingsDeps = { settings, settingsStore, fallbackSeconds: config.defaultDelaySeconds };

export async function handler(
  event: unknown,
  context: Context,
): Promise<{ outcome: PostOutcome | AuthorOutcome | HomeOutcome }> {
  const common = {
    store,
    slack,
    clock: systemClock,
    open,
    activity,
    log: log.child({ requestId: context.awsRequestId }),
    deadline: () => Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
  };
  // ack (and install) hand over three kinds of work: a snap to post, an author's request about
  // their snaps or the policy, or something done in App Home.
  if (isAuthorRequest(event))
    return {
      outcome: await handleAuthorRequest(event, {
        ...common,
        settings: settingsDeps,
        ...(users ? { users } : {}),
      }),
    };
  if (isHomeRequest(event))
    return { outcome: await handleHomeRequest(event, { ...common, settings: settingsDeps, activityCounts }) };
  const outcome = await postSnap(event, {
    ...common,
    sweepPeriodMs: config.sweepPeriodMs,
    allowBroadcasts: config.allowBroadcasts,
    limits: config.limits,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(users ? { tokens } : {}),
    settings,
  });
  return { outcome };
}
