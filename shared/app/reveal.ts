/**
 * The controls function's side of reveal once.
 *
 * `makeRevealKey` (ack waits for it): a key of the reveal's own from KMS, kept only wrapped in
 * the reveal table; its public half goes back to ack, which seals the secret to it.
 *
 * `openReveal` (a click on *Reveal*): what the clicker may see is decided from the record alone —
 * the people named, who has opened it, its card, its due time — never from the payload. A person
 * it is for sees the secret alone (the click's response_url answers only them), once: the
 * opening is a conditional write, so two clicks at once, or a replay, never both get through.
 * When the last person it was for has opened it (with no one named: the first), its key is
 * burned, then its card deleted; otherwise the card is rewritten to say who has opened it.
 * Anyone else is told whom it is for and sees nothing. Each click acts once (its request id is
 * claimed first), and gets one answer.
 */
import {
  alreadyOpenedReply,
  authorFailedReply,
  notForOtherOrganisationsReply,
  notForYouReply,
  type Reply,
  revealAuthorReply,
  revealCard,
  secretGoneReply,
  secretReply,
  tooLateReply,
} from '../domain/replies';
import {
  isRevealKeyRequest,
  isRevealOpenRequest,
  openVerdict,
  type RevealOpenRequest,
  type RevealState,
  UNATTACHED_KEY_TTL_SECONDS,
} from '../domain/reveal';
import { openSecret, revealPublicKey } from '../domain/reveal-seal';
import { isSealed, revealOpenAad, revealSecretAad, type Sealed } from '../domain/seal';
import { isTombstone, type SnapRecord, staleness, tombstone } from '../domain/snap';
import { SealError } from '../errors';
import { errorFields, type Logger } from '../log';
import { deleteSnap, Pacer } from './delete-snap';
import type { Common, RevealKeyMaker, RevealStorePort, SlackPort, StorePort } from './ports';
import { botOf, speakerOf } from './speaker';

export interface RevealKeyDeps extends Common {
  reveals: Pick<RevealStorePort, 'create' | 'get'>;
  /** Absent where no KMS key is configured: no reveal can be made then. */
  keys: Pick<RevealKeyMaker, 'generate'> | undefined;
}

/** ack's answer: the reveal's public key (base64), or why there is none. */
export type RevealKeyAnswer =
  | { publicKey: string }
  | { error: 'invalid' | 'stale' | 'mismatch' | 'unavailable' };

export async function makeRevealKey(event: unknown, deps: RevealKeyDeps): Promise<RevealKeyAnswer> {
  if (!isRevealKeyRequest(event)) {
    deps.log.error('reveal.key_request_invalid');
    return { error: 'invalid' };
  }
  const { id, team, channel } = event;
  const log = deps.log.child({ team, channel, snap: id });
  const now = deps.clock.now();
  if (staleness(event.receivedAt, now)) {
    log.warn('reveal.key_request_stale');
    return { error: 'stale' };
  }
  if (!deps.keys) {
    log.error('reveal.no_key_configured');
    return { error: 'unavailable' };
  }
  const { privateKey, wrapped } = await deps.keys.generate({ id, team, channel });
  const publicKey = revealPublicKey(privateKey);
  // The only clear copy of the key leaves with this function's memory; wiped now, for good measure.
  privateKey.fill(0);
  const expiresAt = Math.ceil(now / 1000) + UNATTACHED_KEY_TTL_SECONDS;
  if (await deps.reveals.create({ id, wrappedKey: wrapped, publicKey, team, channel }, expiresAt)) {
    log.info('reveal.key_made');
    return { publicKey: Buffer.from(publicKey).toString('base64') };
  }
  // The same command again (Slack repeats one it got no answer to): the first key stands, so
  // every copy of the request seals to the one key.
  const existing = await deps.reveals.get(id);
  if (!existing || existing.team !== team || existing.channel !== channel) {
    log.error('reveal.key_mismatch');
    return { error: 'mismatch' };
  }
  log.info('reveal.key_again');
  return { publicKey: Buffer.from(existing.publicKey).toString('base64') };
}

export interface RevealOpenDeps extends Common {
  store: StorePort;
  slack: SlackPort;
  reveals: RevealStorePort;
  /** Absent where no KMS key is configured: nothing made, nothing to open. */
  keys: Pick<RevealKeyMaker, 'open'> | undefined;
  /** Opens the click's sealed response_url (KMS-backed). */
  open(sealed: Sealed, aad: string): Promise<unknown>;
}

export type RevealOutcome =
  | 'shown'
  /** Shown to the last person it was for: key burned, card deleted. */
  | 'shown_and_burned'
  | 'not_for_you'
  | 'author'
  | 'already_opened'
  | 'gone'
  | 'duplicate'
  | 'rejected'
  | 'failed';

/** How long deleting a burned reveal's card may keep trying (rate limits) before the sweeper takes it. */
const CARD_DELETE_BUDGET_MS = 20_000;

export async function openReveal(event: unknown, deps: RevealOpenDeps): Promise<RevealOutcome> {
  const sealed = (event as { sealed?: unknown } | null)?.sealed;
  if (!isRevealOpenRequest(event) || !isSealed(sealed)) {
    deps.log.error('reveal.click_event_invalid');
    return 'rejected';
  }
  const request = event;
  const log = deps.log.child({
    team: request.team,
    channel: request.channel,
    user: request.user,
    snap: request.revealId,
    request: request.id,
  });
  let responseUrl: string;
  try {
    const opened = (await deps.open(sealed, revealOpenAad(request))) as { responseUrl?: unknown };
    if (typeof opened?.responseUrl !== 'string') throw new SealError('Sealed click has the wrong shape');
    responseUrl = opened.responseUrl;
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    log.error('reveal.click_seal_invalid', errorFields(error));
    return 'rejected';
  }
  const answer = async (reply: Reply) => {
    try {
      await deps.slack.reply(responseUrl, reply);
    } catch (error) {
      log.warn('reveal.reply_failed', errorFields(error));
    }
  };

  const now = deps.clock.now();
  const stale = staleness(request.receivedAt, now);
  if (stale) {
    log.warn('reveal.click_stale', { staleness: stale });
    if (stale === 'too_old' && (await deps.store.claimRequest(tombstone(request.id, 'done', now))))
      await answer(tooLateReply('request'));
    return 'rejected';
  }
  // Claimed before anything is read or shown: a repeated or replayed click does nothing at all.
  if (!(await deps.store.claimRequest(tombstone(request.id, 'done', now)))) {
    log.info('reveal.click_duplicate');
    return 'duplicate';
  }

  let outcome: RevealOutcome;
  let reply: Reply;
  let after: (() => Promise<void>) | undefined;
  try {
    ({ outcome, reply, after } = await decide(request, deps, log));
  } catch (error) {
    // Nothing was shown, nor marked as opened unless the secret was in hand: try again is true.
    log.error('reveal.click_failed', errorFields(error));
    [outcome, reply] = ['failed', authorFailedReply()];
  }
  log.info('reveal.click_done', { outcome });
  await answer(reply);
  await after?.();
  return outcome;
}

interface Decision {
  outcome: RevealOutcome;
  reply: Reply;
  /** What changes for everyone once the clicker has their answer: the card rewritten or deleted. */
  after?: () => Promise<void>;
}

/** The card this click came from, still posted and still a reveal's, or nothing. */
function cardOf(
  record: Awaited<ReturnType<StorePort['get']>>,
  request: RevealOpenRequest,
): (SnapRecord & { ts: string; reveal: RevealState }) | undefined {
  if (!record || isTombstone(record) || record.state !== 'posted' || !record.ts || !record.reveal)
    return undefined;
  // A button value naming another conversation's reveal, or another message's, opens nothing.
  const sameWorkspace =
    record.team === request.team || (!!record.enterprise && record.enterprise === request.enterprise);
  if (!sameWorkspace || record.channel !== request.channel || record.ts !== request.messageTs)
    return undefined;
  return record as SnapRecord & { ts: string; reveal: RevealState };
}

/**
 * Whether the clicker's own workspace — Slack's `user.team_id`, the org's id on Enterprise Grid —
 * is the card's, or its org. The payload's `team` is where the click happened, which for someone
 * of another organisation in a shared channel is the card's workspace, not theirs; it stands in
 * only when Slack does not say whose the person is.
 */
/**
 * Whether the clicker is one of the card's workspace's (or, on Grid, its org's) own people. Their
 * own workspace as Slack's signed payload gives it decides; on Grid, Slack may give a person of
 * the org one of its other workspaces, so there the bot asks Slack whether they are of the org.
 */
async function clickerBelongs(
  card: SnapRecord,
  request: RevealOpenRequest,
  slack: Pick<SlackPort, 'inOrg'>,
): Promise<boolean> {
  const own = request.home ?? request.team;
  if (own === card.team || (!!card.enterprise && own === card.enterprise)) return true;
  if (!card.enterprise) return false;
  return slack.inOrg(botOf(card), request.user, card.enterprise);
}

async function decide(request: RevealOpenRequest, deps: RevealOpenDeps, log: Logger): Promise<Decision> {
  const gone: Decision = { outcome: 'gone', reply: secretGoneReply() };
  const card = cardOf(await deps.store.get(request.revealId), request);
  if (!card) return gone;
  const now = deps.clock.now();
  if (card.dueAt <= now) {
    // Its time is up: nobody opens it any more, even if the sweeper has not come by yet.
    await deps.reveals.burn(card.id);
    log.info('reveal.burned', { reason: 'due' });
    return gone;
  }
  if (!(await clickerBelongs(card, request, deps.slack))) {
    // Someone of another organisation, in a channel shared with theirs: whoever the card names.
    log.warn('reveal.other_organisation');
    return { outcome: 'not_for_you', reply: notForOtherOrganisationsReply() };
  }
  const verdict = openVerdict(card, request.user);
  switch (verdict.kind) {
    case 'not_for_you':
      return { outcome: 'not_for_you', reply: notForYouReply(verdict.for) };
    case 'author':
      return { outcome: 'author', reply: revealAuthorReply() };
    case 'already_opened':
      return { outcome: 'already_opened', reply: alreadyOpenedReply() };
    case 'show':
      break;
  }
  const item = await deps.reveals.get(card.id);
  if (!item?.secret || !deps.keys) return gone;
  // Opened before it is marked, so that a KMS or seal failure costs the person nothing; shown
  // only if the mark below gets through, so that a click losing a race sees nothing.
  const scope = { id: card.id, team: card.team, channel: card.channel };
  const privateKey = await deps.keys.open(item.wrappedKey, scope);
  let secret: string;
  try {
    // The people it is for are sealed in with it: a list changed since ack sealed it opens nothing.
    secret = openSecret(privateKey, item.secret, revealSecretAad({ ...card, for: card.reveal.for }));
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    log.error('reveal.secret_mismatch', errorFields(error));
    return gone;
  } finally {
    privateKey.fill(0);
  }
  const first = card.reveal.for.length === 0;
  const opened = await deps.store.markOpened(card.id, request.user, { ts: card.ts, now, first });
  if (!opened) {
    // Another click got there first: the same person's (already opened) or, unnamed, anyone's.
    const again = cardOf(await deps.store.get(card.id), request);
    if (again?.reveal.opened.includes(request.user))
      return { outcome: 'already_opened', reply: alreadyOpenedReply() };
    return gone;
  }
  // Whether this was the last opening is read from the write itself: of two people opening at
  // once, the second to be written sees both names, and burns it.
  const burns = first || card.reveal.for.every((p) => opened.includes(p));
  log.info('reveal.opened', { burns });
  if (burns) {
    // The key first: from here on no copy of the secret anywhere can be opened again.
    await deps.reveals.burn(card.id);
    log.info('reveal.burned', { reason: 'opened' });
    return {
      outcome: 'shown_and_burned',
      reply: secretReply(card.user, secret, true),
      after: async () => {
        const pacer = new Pacer(deps.clock);
        // What Slack cannot delete now, the sweeper deletes at its due time (its key is gone already).
        await deleteSnap(card, deps, pacer, deps.clock.now() + CARD_DELETE_BUDGET_MS, undefined, 'opened');
      },
    };
  }
  return {
    outcome: 'shown',
    reply: secretReply(card.user, secret, false),
    after: async () => {
      try {
        await deps.slack.update(speakerOf(card), {
          channel: card.channel,
          ts: card.ts,
          ...revealCard({
            id: card.id,
            author: card.user,
            people: card.reveal.for,
            dueAtMs: card.dueAt,
            opened,
          }),
        });
      } catch (error) {
        // The card says less than it could; the record, which decides, knows who opened it.
        log.warn('reveal.card_update_failed', errorFields(error));
      }
    },
  };
}
