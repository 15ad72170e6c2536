/**
 * What the poster does differently for a reveal (shared/app/post-snap.ts posts it, records it
 * and settles it like any snap): the message is the card, never the secret; before the first
 * post with a speaker, each person named is shown a note in the conversation — Slack answers
 * `user_not_in_channel` for anyone not in it, so snap learns who is missing without reading any
 * membership (no scope beyond `chat:write`) — and the sealed secret is attached to the key the
 * controls function made; whatever way the request ends without a card in Slack, the key is
 * burned and whoever was told to expect a card is told it is not coming.
 *
 * The poster never holds the secret in clear, nor any key to it: it moves the sealed form from
 * the event to the reveal table.
 */

import type { SnapMessage } from '../domain/message';
import {
  notInConversationReply,
  type Reply,
  revealCard,
  revealComingNote,
  revealNotSentNote,
  revealUnavailableReply,
} from '../domain/replies';
import type { RevealContent, RevealPostRequest } from '../domain/reveal';
import { isSealedSecret } from '../domain/reveal-seal';
import { ttlFor } from '../domain/snap';
import { SlackCallError, StoreError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { RevealStorePort, SlackPort, Speaker } from './ports';

/** A reveal refused before its card was posted: the reply says why; nothing was posted. */
export class RevealRefusal extends Error {
  constructor(readonly reply: Reply) {
    super('reveal refused');
    this.name = 'RevealRefusal';
  }
}

/**
 * A reveal's sealed content: the secret sealed to its own key, and where its outcome goes — a
 * command's response_url, or (`fromModal`) the modal's binding, whose outcomes go through
 * notify.ts. The event's clear `via` says which, and the seal binds `via`.
 */
export function isRevealContent(value: unknown, fromModal: boolean): value is RevealContent {
  const v = value as Partial<RevealContent> | null;
  return (
    isSealedSecret(v?.secret) &&
    (fromModal
      ? typeof v.metadata === 'string' && v.responseUrl === undefined
      : typeof v.responseUrl === 'string' && v.metadata === undefined)
  );
}

/**
 * How long past its card's latest due time the attached key may live at most, should every burn
 * miss it: the post may be held up to a minute (rate limits) past the moment it is attached.
 */
const POST_HOLD_UP_MS = 60_000;

/**
 * What a request posts (a snap its text, a reveal its card), and what comes before the post and
 * after a request that ends without one.
 */
export interface RevealPosting {
  /** Whether it fits in one Slack message (a snap's text may not; a card always does). */
  fits: boolean;
  message(dueAt: number): SnapMessage;
  /**
   * Before a post with `speaker`: people checked (once each), secret attached (once), its key
   * kept no longer than a card of `delaySeconds` posted now needs it.
   */
  before(speaker: Speaker, delaySeconds: number): Promise<void>;
  /** The request ended without a card that snap tracks: burn the key, untell whoever was told. */
  abandon(): Promise<void>;
}

export function revealPosting(
  request: RevealPostRequest,
  content: RevealContent,
  deps: { slack: SlackPort; reveals: Pick<RevealStorePort, 'attach' | 'burn'>; clock: { now(): number } },
  log: Logger,
): RevealPosting {
  const people = request.reveal.for;
  /** Who has been shown the note, and by whom: they are told again if no card comes. */
  const told = new Map<string, Speaker>();
  let attached = false;
  const speakerKey = (s: Speaker) => (s.as === 'bot' ? 'bot' : `user:${s.user}`);
  const checkedWith = new Map<string, Set<string>>();

  return {
    fits: true,
    message: (dueAt) =>
      revealCard({ id: request.id, author: request.user, people, dueAtMs: dueAt, opened: [] }),

    async before(speaker, delaySeconds) {
      const checked = checkedWith.get(speakerKey(speaker)) ?? new Set<string>();
      checkedWith.set(speakerKey(speaker), checked);
      const missing: string[] = [];
      for (const person of people) {
        if (checked.has(person)) continue;
        try {
          await deps.slack.postEphemeral(speaker, {
            channel: request.channel,
            ...(request.threadTs ? { threadTs: request.threadTs } : {}),
            user: person,
            text: revealComingNote(request.user),
          });
          told.set(person, speaker);
        } catch (error) {
          // Anything else — no token, a conversation this speaker cannot reach, a rate limit — is
          // what the post itself would meet: the caller handles it as it handles the post's.
          if (!(error instanceof SlackCallError && error.code === 'user_not_in_channel')) throw error;
          missing.push(person);
        }
        checked.add(person);
      }
      if (missing.length > 0) {
        log.info('reveal.people_missing', { missing: missing.length });
        throw new RevealRefusal(notInConversationReply(missing));
      }
      if (attached) return;
      const expiresAt = ttlFor(deps.clock.now() + delaySeconds * 1000 + POST_HOLD_UP_MS);
      let done: boolean;
      try {
        done = await deps.reveals.attach(request.id, content.secret, expiresAt);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        log.warn('reveal.attach_failed', errorFields(error));
        throw new RevealRefusal(revealUnavailableReply());
      }
      if (!done) {
        // No key (it expired, ack never made it) or a secret already there: never post a card
        // that nothing could open, or whose secret is not this one.
        log.warn('reveal.key_missing');
        throw new RevealRefusal(revealUnavailableReply());
      }
      attached = true;
    },

    async abandon() {
      try {
        await deps.reveals.burn(request.id);
        log.info('reveal.burned', { reason: 'not_posted' });
      } catch (error) {
        // Its TTL (short while unattached, the card's due time otherwise) takes it instead.
        log.warn('reveal.burn_failed', errorFields(error));
      }
      for (const [person, speaker] of told) {
        try {
          await deps.slack.postEphemeral(speaker, {
            channel: request.channel,
            ...(request.threadTs ? { threadTs: request.threadTs } : {}),
            user: person,
            text: revealNotSentNote(request.user),
          });
        } catch (error) {
          log.warn('reveal.untell_failed', errorFields(error));
        }
      }
      told.clear();
    },
  };
}
