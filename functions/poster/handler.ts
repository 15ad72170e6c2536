/** poster: async-invoked by ack → post once, record, wait out short snaps. */
import type { Context } from 'aws-lambda';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { DataKeyOpener } from '../../shared/adapters/kms';
import { SlackSpeakers } from '../../shared/adapters/slack';
import { type AuthorOutcome, handleAuthorRequest } from '../../shared/app/author-control';
import { systemClock } from '../../shared/app/ports';
import { type PostOutcome, postSnap } from '../../shared/app/post-snap';
import { slackTokens } from '../../shared/compose';
import { posterConfig } from '../../shared/config';
import { type Sealed, unsealJson } from '../../shared/domain/seal';
import { isAuthorRequest } from '../../shared/domain/snap';
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

export async function handler(
  event: unknown,
  context: Context,
): Promise<{ outcome: PostOutcome | AuthorOutcome }> {
  const common = {
    store,
    slack,
    clock: systemClock,
    open,
    log: log.child({ requestId: context.awsRequestId }),
    deadline: () => Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
  };
  // ack hands over two kinds of work: a snap to post, or an author's request about their snaps.
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
    caps: config.caps,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(users ? { tokens } : {}),
  });
  return { outcome };
}
