/**
 * A modal's outcome, told to its author once. A modal submission has no `response_url`, so snap
 * speaks where Slack lets it: an ephemeral message in the conversation (and thread) it was about,
 * from snap's bot where the bot can reach it, else from the author's own token (their permission
 * lets snap speak to them where they are); else a direct message from the bot, which Slack shows
 * in snap's Messages tab. The first that Slack takes is the answer: never two.
 */
import type { Reply } from '../domain/replies';
import { errorFields } from '../log';
import type { Common, SlackPort } from './ports';
import { botOf, userOf } from './speaker';

/** Whom to tell, and where the thing they did happened. */
export interface Audience {
  team: string;
  enterprise?: string | undefined;
  user: string;
  /** The conversation it was about, if any (a `snap_new` refused before it knew one has none). */
  channel?: string | undefined;
  threadTs?: string | undefined;
}

export type Told = 'ephemeral_bot' | 'ephemeral_user' | 'direct_message' | 'untold';

export async function tellAuthor(
  deps: Pick<Common, 'log'> & { slack: Pick<SlackPort, 'postEphemeral' | 'post'> },
  to: Audience,
  reply: Reply,
): Promise<Told> {
  const blocks = reply.blocks ? { blocks: reply.blocks } : {};
  const reasons: string[] = [];
  const attempt = async (how: Told, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (error) {
      reasons.push(`${how}:${String(errorFields(error).error)}`);
      return false;
    }
  };
  if (to.channel) {
    const args = {
      channel: to.channel,
      user: to.user,
      text: reply.text,
      ...blocks,
      ...(to.threadTs ? { threadTs: to.threadTs } : {}),
    };
    if (await attempt('ephemeral_bot', () => deps.slack.postEphemeral(botOf(to), args)))
      return done('ephemeral_bot');
    if (await attempt('ephemeral_user', () => deps.slack.postEphemeral(userOf(to), args)))
      return done('ephemeral_user');
  }
  // A message to the user's id opens the bot's direct message with them: snap's Messages tab.
  if (
    await attempt('direct_message', () =>
      deps.slack.post(botOf(to), { channel: to.user, text: reply.text, blocks: reply.blocks ?? [] }),
    )
  )
    return done('direct_message');
  deps.log.warn('notify.untold', { team: to.team, user: to.user, tried: reasons.join(',') });
  return 'untold';

  function done(how: Told): Told {
    deps.log.info('notify.told', { how, ...(reasons.length ? { tried: reasons.join(',') } : {}) });
    return how;
  }
}
