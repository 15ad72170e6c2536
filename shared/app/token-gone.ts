/**
 * When the token that posted a snap is gone — Slack calls it dead, or snap holds it no more —
 * nothing can ever delete that snap: whatever posted a message is the only thing allowed to
 * delete it. The deleters drop its record at once (never retried) and say so where it counts:
 * the dead token out of the store, a `…token_gone` log line that the "messages left behind"
 * alarm counts (infra/left-behind.tf), and a word to the author from snap's bot when the bot can
 * still reach them.
 */
import { isDeadToken } from '../domain/deletion';
import { leftBehindNotice } from '../domain/replies';
import type { SnapRecord } from '../domain/snap';
import { SlackCallError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { Retired, SlackPort, Speaker } from './ports';
import { botOf } from './speaker';

/**
 * Deletes the token Slack just called dead from the installation store (`SlackPort.retire`): by
 * the function that met it, at once. `failed` when the store could not be reached: the next use
 * meets the same answer and tries again.
 */
export async function retireDeadToken(
  speaker: Speaker,
  slack: Pick<SlackPort, 'retire'>,
  log: Logger,
): Promise<Retired | 'failed'> {
  try {
    const retired = await slack.retire(speaker);
    // One-workspace mode's bot token is configuration: only an operator can replace it, and
    // until then every snap of the workspace meets the same answer.
    if (retired === 'configured') log.error('slack.configured_token_dead', { as: speaker.as });
    return retired;
  } catch (error) {
    log.warn('slack.token_retire_failed', { as: speaker.as, ...errorFields(error) });
    return 'failed';
  }
}

/**
 * Tells the author, in snap's Messages tab, that a snap posted as them stays in Slack. Only the
 * bot can say it (the author's own token is what is gone); when it cannot either (snap removed
 * from the workspace, its token dead too), the log line is all there is.
 */
export async function tellAuthorLeftBehind(
  record: SnapRecord,
  slack: Pick<SlackPort, 'post' | 'retire'>,
  log: Logger,
): Promise<boolean> {
  if (record.postedAs !== 'user') return false;
  const text = leftBehindNotice(record.channel);
  try {
    await slack.post(botOf(record), {
      // A user's id as the channel: the app's direct messages with them (its Messages tab).
      channel: record.user,
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    });
    log.info('snap.author_told', { user: record.user });
    return true;
  } catch (error) {
    log.warn('snap.author_not_told', { user: record.user, ...errorFields(error) });
    if (error instanceof SlackCallError && isDeadToken(error.kind, error.code))
      await retireDeadToken(botOf(record), slack, log);
    return false;
  }
}
