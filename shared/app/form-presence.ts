/**
 * A form's snap (New snap, Reply with a snap, and a reveal from either) names its conversation in
 * the form, and Slack offers every public channel there — including ones its author is not in.
 * `/snap` needs no such check (Slack runs it only where the person can type), nor does a snap
 * posted with the author's own token (Slack holds their token to their own conversations). But
 * snap's bot may post where its author could not (`chat:write.public`) under their name: so before
 * the bot posts a form's snap, snap shows its author the form's "posted" outcome as an ephemeral
 * note in that conversation (and thread). Slack answers `user_not_in_channel` for someone not in
 * it — the same check reveal-post.ts makes for the people a secret is for; no scope beyond
 * `chat:write`, no membership read.
 */

import { authorNotInConversationReply, formPostingNote, type Reply } from '../domain/replies';
import type { PostRequest } from '../domain/snap';
import { SlackCallError } from '../errors';
import type { Logger } from '../log';
import type { SlackPort } from './ports';
import type { RevealPosting as Posting } from './reveal-post';

/** The form's author is not in the conversation it names: nothing is posted; the reply says why. */
export class AuthorAbsent extends Error {
  constructor(readonly reply: Reply) {
    super('author not in the conversation');
    this.name = 'AuthorAbsent';
  }
}

/**
 * `posting`, with the author checked (and told) before its first post by snap's bot, when the
 * request came from a form. Once per request: a post tried again (a rate limit, a dead token
 * replaced) neither checks nor tells twice. Anything Slack answers but `user_not_in_channel` — no
 * token, a conversation the bot cannot reach, a rate limit — is what the post itself would meet,
 * and is handled as the post's would be.
 */
export function withAuthorPresent(
  posting: Posting,
  request: Pick<PostRequest, 'via' | 'channel' | 'threadTs' | 'user'>,
  what: 'snap' | 'secret',
  deps: { slack: Pick<SlackPort, 'postEphemeral'> },
  log: Logger,
): Posting {
  if (request.via === undefined) return posting;
  let told = false;
  return {
    ...posting,
    async before(speaker, delaySeconds) {
      if (speaker.as === 'bot' && !told) {
        try {
          await deps.slack.postEphemeral(speaker, {
            channel: request.channel,
            ...(request.threadTs ? { threadTs: request.threadTs } : {}),
            user: request.user,
            text: formPostingNote(what, delaySeconds),
          });
        } catch (error) {
          if (!(error instanceof SlackCallError && error.code === 'user_not_in_channel')) throw error;
          log.warn('poster.author_not_in_conversation', { via: request.via });
          throw new AuthorAbsent(authorNotInConversationReply(request.channel, what));
        }
        told = true;
      }
      await posting.before(speaker, delaySeconds);
    },
  };
}
