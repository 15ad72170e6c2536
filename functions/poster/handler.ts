/**
 * poster: async-invoked by ack → post once, record, wait out short snaps. The same bundle runs as
 * the controls function (infra/controls.tf): an author's requests, a click on *Reveal*, and — ack
 * waiting for the answer — making a reveal's key.
 */
import type { Context } from 'aws-lambda';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { DataKeyOpener, KmsRevealKeys } from '../../shared/adapters/kms';
import { RevealStore } from '../../shared/adapters/reveal-store';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { type AuthorOutcome, handleAuthorRequest } from '../../shared/app/author-control';
import { systemClock } from '../../shared/app/ports';
import { type PostOutcome, postSnap } from '../../shared/app/post-snap';
import { makeRevealKey, openReveal, type RevealKeyAnswer, type RevealOutcome } from '../../shared/app/reveal';
import { slackTokens } from '../../shared/compose';
import { posterConfig } from '../../shared/config';
import { isRevealKeyRequest, isRevealOpenRequest } from '../../shared/domain/reveal';
import { type Sealed, unsealJson } from '../../shared/domain/seal';
import { isAuthorRequest } from '../../shared/domain/snap';
import { createLogger } from '../../shared/log';

/** Time kept back from the Lambda timeout so the run ends by itself, not by being killed. */
const SAFETY_MS = 3000;

const config = posterConfig(process.env);
const log = createLogger({ fn: 'poster' });
const store = new SnapStore(config.tableName);
const reveals = new RevealStore(config.revealTableName);
const revealKeys = new KmsRevealKeys(config.kmsKeyId);
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

export async function handler(
  event: unknown,
  context: Context,
): Promise<{ outcome: PostOutcome | AuthorOutcome | RevealOutcome } | RevealKeyAnswer> {
  const common = {
    store,
    slack,
    reveals,
    clock: systemClock,
    open,
    log: log.child({ requestId: context.awsRequestId }),
    deadline: () => Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
  };
  // ack hands over a snap (or a reveal) to post, an author's request about their snaps, a click
  // on Reveal, or — waiting for the answer — a reveal's key to make.
  if (isRevealKeyRequest(event)) return makeRevealKey(event, { ...common, keys: revealKeys });
  if (isRevealOpenRequest(event))
    return { outcome: await openReveal(event, { ...common, keys: revealKeys }) };
  if (isAuthorRequest(event))
    return {
      outcome: await handleAuthorRequest(event, {
        ...common,
        ...(users ? { users } : {}),
      }),
    };
  const outcome = await postSnap(event, {
    ...common,
    sweepPeriodMs: config.sweepPeriodMs,
    allowBroadcasts: config.allowBroadcasts,
    limits: config.limits,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(users ? { tokens } : {}),
  });
  return { outcome };
}
