/** poster: async-invoked by ack → post once, record, wait out short snaps. */
import type { Context } from 'aws-lambda';
import { SnapStore } from '../../shared/adapters/dynamo-store';
import { DataKeyOpener, resolveSecret } from '../../shared/adapters/kms';
import { SlackGateway } from '../../shared/adapters/slack';
import { systemClock } from '../../shared/app/ports';
import { type PostOutcome, postSnap } from '../../shared/app/post-snap';
import { tableWorkerConfig } from '../../shared/config';
import { unsealJson } from '../../shared/domain/seal';
import { createLogger } from '../../shared/log';

/** Time kept back from the Lambda timeout so the run ends by itself, not by being killed. */
const SAFETY_MS = 3000;

const config = tableWorkerConfig(process.env);
const log = createLogger({ fn: 'poster' });
const store = new SnapStore(config.tableName);
const keys = new DataKeyOpener();
const slack = new SlackGateway({
  token: await resolveSecret(config.botToken, 'SLACK_BOT_TOKEN'),
  apiUrl: config.slackApiUrl,
  log,
});

export async function handler(event: unknown, context: Context): Promise<{ outcome: PostOutcome }> {
  const outcome = await postSnap(event, {
    store,
    slack,
    clock: systemClock,
    log: log.child({ requestId: context.awsRequestId }),
    sweepPeriodMs: config.sweepPeriodMs,
    deadline: () => Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS,
    open: async (sealed, id) => unsealJson(await keys.open(sealed.key), sealed, id),
  });
  return { outcome };
}
