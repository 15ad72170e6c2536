/**
 * poster: async-invoked by ack → post once, record, hand short snaps to their group's sweeper
 * worker. The same bundle runs as the controls function (infra/controls.tf): an author's requests
 * about their snaps, shortcuts' modals, the policy, App Home, a click on *Reveal*, and — ack
 * waiting for the answer — making a reveal's key.
 */
import type { Context } from 'aws-lambda';
import { ActivityStore } from '../../shared/adapters/activity-store';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { invokeAsync } from '../../shared/adapters/invoker';
import { DataKeyOpener, DataKeySource, KmsRevealKeys, VIEW_KEY_CONTEXT } from '../../shared/adapters/kms';
import { RevealStore } from '../../shared/adapters/reveal-store';
import { SettingsStore } from '../../shared/adapters/settings-store';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { WatchStore } from '../../shared/adapters/watch-store';
import { activityRecorder } from '../../shared/app/activity';
import { type AuthorOutcome, handleAuthorRequest } from '../../shared/app/author-control';
import { type HomeOutcome, handleHomeRequest } from '../../shared/app/home';
import { type OpenModalOutcome, openModal } from '../../shared/app/open-modal';
import { systemClock } from '../../shared/app/ports';
import { type PostOutcome, postSnap } from '../../shared/app/post-snap';
import { makeRevealKey, openReveal, type RevealKeyAnswer, type RevealOutcome } from '../../shared/app/reveal';
import { type ScheduleOutcome, scheduleMessage } from '../../shared/app/schedule-message';
import { storedSettings } from '../../shared/app/settings-source';
import { slackTokens } from '../../shared/compose';
import { posterConfig } from '../../shared/config';
import { isRevealKeyRequest, isRevealOpenRequest } from '../../shared/domain/reveal';
import type { Sealed } from '../../shared/domain/seal';
import {
  isAuthorRequest,
  isHomeRequest,
  isOpenViewRequest,
  isScheduleRequest,
} from '../../shared/domain/snap';
import { createLogger } from '../../shared/log';

/** Time kept back from the Lambda timeout so the run ends by itself, not by being killed. */
const SAFETY_MS = 3000;

const config = posterConfig(process.env);
const log = createLogger({ fn: 'poster' });
const store = new SnapStore(config.tableName);
const watch = new WatchStore(config.tableName);
// Short snaps go to their group's sweeper worker, started here when none is on watch.
const sweeper = config.sweeperFunctionName;
const workers = sweeper ? { start: (event: unknown) => invokeAsync(sweeper, event) } : undefined;
const reveals = new RevealStore(config.revealTableName);
// A reveal's own key: made (and opened) by the controls function alone, under the snap key with
// purpose=reveal (infra/kms.tf). Without a key configured, reveals are refused (ack is told so).
const revealKeys = config.kmsKeyId ? new KmsRevealKeys(config.kmsKeyId) : undefined;
const keys = new DataKeyOpener();
// A modal's binding: sealed under data keys only the controls role may have KMS make, opened
// only by the poster's role (infra/kms.tf). Made on first use: the poster never seals one.
const viewKeys = config.kmsKeyId
  ? new DataKeySource(config.kmsKeyId, 3_600_000, Date.now, VIEW_KEY_CONTEXT)
  : undefined;
const viewOpener = new DataKeyOpener(32, VIEW_KEY_CONTEXT);
// One-workspace mode: the configured bot token (users' own from the store when install is
// deployed). Distributed: every token from the store, behind a cache of at most five minutes.
const { tokens, users } = await slackTokens(config, config.usersInStore);
const slack = new SlackSpeakers({
  tokens,
  apiUrl: config.slackApiUrl,
  responseUrlPrefix: config.responseUrlPrefix,
  log,
});

const open = (sealed: Sealed, aad: string) => keys.unseal(sealed, aad);
// The policy and people's defaults live with the installations; activity counts in the snap table.
const settingsStore = new SettingsStore(config.installationsTableName);
const settings = storedSettings(settingsStore, { maxAgeMs: config.settingsCacheMs });
const activityCounts = new ActivityStore(config.tableName);
const activity = activityRecorder(settings, activityCounts, log);
const settingsDeps = { settings, settingsStore, fallbackSeconds: config.delays.defaultSeconds };
const binding = { open: (sealed: Sealed, aad: string) => viewOpener.unseal(sealed, aad) };
const binder = viewKeys ? { seal: (aad: string, value: unknown) => viewKeys.seal(aad, value) } : undefined;
// Where a modal or snap_this may look up the scopes a person granted (their token's item).
const userGrants = users ? { users: { store: users.store } } : {};

export async function handler(
  event: unknown,
  context: Context,
): Promise<
  | {
      outcome: PostOutcome | AuthorOutcome | HomeOutcome | OpenModalOutcome | ScheduleOutcome | RevealOutcome;
    }
  | RevealKeyAnswer
> {
  const common = {
    store,
    slack,
    reveals,
    clock: systemClock,
    open,
    activity,
    log: log.child({ requestId: context.awsRequestId }),
    deadline: () => Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
  };
  // ack (and install) hand over seven kinds of work: a snap (or a reveal) to post, a message to
  // schedule (snap_this), a shortcut's modal to open, an author's request about their snaps or the
  // policy, something done in App Home, a click on Reveal, or — waiting for the answer — a
  // reveal's key to make.
  if (isRevealKeyRequest(event)) return makeRevealKey(event, { ...common, keys: revealKeys });
  if (isRevealOpenRequest(event))
    return { outcome: await openReveal(event, { ...common, keys: revealKeys }) };
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
  if (isOpenViewRequest(event))
    return {
      outcome: await openModal(event, {
        ...common,
        binder,
        limits: config.delays,
        settings,
        ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
        ...userGrants,
      }),
    };
  const posting = {
    ...common,
    sweepPeriodMs: config.sweepPeriodMs,
    shape: config.engine,
    watch,
    ...(workers ? { workers } : {}),
    allowBroadcasts: config.allowBroadcasts,
    limits: config.limits,
    caps: config.caps,
    binding,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(users ? { tokens } : {}),
    settings,
  };
  if (isScheduleRequest(event))
    return { outcome: await scheduleMessage(event, { ...posting, ...userGrants }) };
  return { outcome: await postSnap(event, posting) };
}
