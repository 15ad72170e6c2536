/**
 * poster's use case: post once, record always, tell the user when it cannot.
 *
 * Order matters: claim the request id (idempotency) → check the limits → post → record the ts.
 * A request id posts at most once, ever: every way a request ends leaves its tombstone — `done`
 * when the message is gone or was never posted, `lost` when it may exist untracked — and only a
 * failure thrown for Lambda to retry leaves the claim `posting`, for the retry to settle. A
 * failure to record takes the message back down at once. A snap due before any scheduled
 * dispatch could serve it is handed to its group's worker on watch (one conditional write), or
 * starts that worker; the poster itself waits out only the one snap that started a worker and is
 * due before a cold worker could be up — at most one poster per group, for under two seconds.
 *
 * Whose token posts: the author's own, once they let snap post as them (their message, in every
 * conversation they can write in); otherwise snap's bot, under the author's name where Slack
 * allows it. Where the bot cannot reach (a direct message between two people, a private channel
 * it is not in), the author is offered the link that lets snap post as them; where snap is not
 * installed at all (distributed mode), the link that adds it. Either way nothing is posted or
 * recorded — the request's tombstone only.
 */

import { neutraliseBroadcasts } from '../domain/broadcasts';
import { isDeadToken } from '../domain/deletion';
import { COLD_START_BUDGET_MS, type EngineShape, groupOf, needsWatch, shardOf } from '../domain/engine';
import { installUrl } from '../domain/install';
import type { Limits } from '../domain/limits';
import { fitsSlack, snapMessage } from '../domain/message';
import { judgeSnap, type Policy } from '../domain/policy';
import {
  busyReply,
  expiryContext,
  formRefusedReply,
  lostTrackReply,
  notInstalledReply,
  overLimitReply,
  policyRefusedReply,
  postAsYouReply,
  postFailureReply,
  type Reply,
  reauthorizeReply,
  slackUnavailableReply,
  tooLateReply,
  unavailableReply,
  untrackedReply,
} from '../domain/replies';
import {
  isRevealPostRequest,
  REVEAL_DEFAULT_SECONDS,
  type RevealPostRequest,
  revealIdOf,
} from '../domain/reveal';
import { isSealed, postAad, revealPostAad, type Sealed } from '../domain/seal';
import type { PosterCaps } from '../domain/slots';
import {
  abandonedAfter,
  delayWithinLimits,
  dueTime,
  isPostRequest,
  leaseUntil,
  newRecord,
  type PostedAs,
  type PostRequest,
  type SealedContent,
  type SnapRecord,
  type StoredRecord,
  staleness,
  tombstone,
} from '../domain/snap';
import { submissionId } from '../domain/view-metadata';
import {
  ClaimPendingError,
  NoTokenError,
  SealError,
  SlackCallError,
  StoreError,
  TokenUnavailableError,
} from '../errors';
import { errorFields, type Logger } from '../log';
import type { ActivityRecorder } from './activity';
import { deleteSnap, Pacer } from './delete-snap';
import { AuthorAbsent, withAuthorPresent } from './form-presence';
import { checkLimits } from './limits';
import { type Audience, tellAuthor } from './notify';
import type {
  BindingOpener,
  Common,
  Identity,
  RevealStorePort,
  SettingsSource,
  SlackPort,
  Speaker,
  StorePort,
  TokenSource,
} from './ports';
import { isRevealContent, type RevealPosting as Posting, RevealRefusal, revealPosting } from './reveal-post';
import { holdPosterSlots } from './slots';
import { botOf, userOf, workspaceOf } from './speaker';
import { retireDeadToken } from './token-gone';
import { openBinding } from './view-binding';
import { keepWatch, type WatchDeps } from './watch';

export interface PostDeps extends Common, WatchDeps {
  store: StorePort;
  slack: SlackPort;
  sweepPeriodMs: number;
  /** The due index's shards and their groups (domain/engine.ts). */
  shape: EngineShape;
  /** Let broadcast mentions ping; otherwise they are posted inert. */
  allowBroadcasts: boolean;
  /** Rate and pending limits checked before each post (0 turns one off). */
  limits: Limits;
  /** When this invocation must have finished (ms since epoch). */
  deadline(): number;
  /** Opens sealed content bound to `aad`, the event's clear fields (KMS-backed). */
  open(sealed: Sealed, aad: string): Promise<unknown>;
  /**
   * Where people reach snap's install function (`SNAP_PUBLIC_URL`), for the links that add snap
   * or let it post as someone; absent in one-workspace mode without install (no links then).
   */
  publicUrl?: string;
  /** The warm tokens, so a "no" remembered for the author can be checked afresh before refusing. */
  tokens?: Pick<TokenSource, 'forget'>;
  /**
   * The workspace's policy and its people's defaults (cached): every snap is held to it here,
   * where it is posted, whatever surface it came from.
   */
  settings?: SettingsSource;
  /** Admins' activity counts (when the policy turns them on). */
  activity?: ActivityRecorder;
  /** Posters in flight per workspace and per org (absent: no cap). */
  caps?: PosterCaps;
  /** Opens a modal's binding (`private_metadata`, sealed by controls); absent: modals are refused. */
  binding?: BindingOpener;
  /** The reveal table: a reveal's sealed secret is attached to its key, and the key burned if no card comes of it. */
  reveals: Pick<RevealStorePort, 'attach' | 'burn'>;
}

export type PostOutcome =
  | 'posted'
  | 'posted_and_deleted'
  | 'duplicate'
  | 'refused'
  | 'limited'
  /** The workspace's policy does not allow it (a delay out of bounds, snap off there…). */
  | 'refused_by_policy'
  /** Every poster the workspace (or org) may have posting at once was in use: nothing posted. */
  | 'busy'
  | 'untracked'
  | 'lost'
  | 'rejected'
  /** Distributed mode: snap holds no token for the workspace (not installed, or removed). */
  | 'not_installed'
  /** The token could not be looked up (store or KMS trouble): nothing posted. */
  | 'unavailable';

/** A `/snap`'s content has its response_url; a modal's, its binding instead. */
function isContent(value: unknown, fromModal: boolean): value is SealedContent {
  const v = value as Partial<SealedContent> | null;
  return (
    typeof v?.text === 'string' &&
    v.text.trim() !== '' &&
    (fromModal ? typeof v.metadata === 'string' : typeof v.responseUrl === 'string')
  );
}

/**
 * How the author hears the one answer: through the command's `response_url`, or — for a modal,
 * which has none — where Slack lets snap speak to them (shared/app/notify.ts).
 */
export function answerer(
  deps: Pick<PostDeps, 'slack' | 'log'>,
  responseUrl: string | undefined,
  audience: Audience,
  log: Logger,
): (reply: Reply) => Promise<void> {
  if (responseUrl !== undefined) return (reply) => replyQuietly(deps, responseUrl, reply, log);
  return async (reply) => {
    await tellAuthor({ slack: deps.slack, log }, audience, reply);
  };
}

/** Slack refuses custom usernames and icons without `chat:write.customize`: post as the bot instead. */
const CUSTOMIZE_REFUSED = new Set(['missing_scope', 'not_allowed_token_type', 'invalid_arguments']);

/** Slack's answers when the bot cannot reach a conversation its author can: only the author's token could post there. */
const BOT_OUT_OF_REACH = new Set(['channel_not_found', 'not_in_channel']);

/**
 * Rate-limited posts are tried again, each wait Slack's Retry-After plus up to half as much again
 * at random, so that posts held back together in one channel do not all come back in the same
 * instant.
 */
const jittered = (ms: number) => ms + Math.floor(Math.random() * (ms / 2));

/**
 * …but only for this long. Slack takes about one post a second per channel and answers its
 * per-channel 429 with Retry-After 1 s, so 10 s lets a snap wait behind a burst of some ten others
 * in its channel. A channel that stays limited longer is being flooded (or the workspace is over
 * Slack's own limit, whose Retry-After is longer than this, so it is not waited at all): the
 * author is told Slack is busy instead of a poster (256 MB) being held up to its deadline.
 */
export const POST_RETRY_BUDGET_MS = 10_000;

/** How often a repeat looks again at a claim another run holds in `posting`. */
const CLAIM_POLL_MS = 2_000;

/**
 * A repeat found the first delivery's claim still `posting`: that run is either still going (a
 * concurrent repeat, usually done in a second) or died between claim and record. Once its
 * deadline has passed, Lambda has ended it for sure, so a claim still `posting` is abandoned;
 * if Slack took the post, the message is in the channel with no ts on file and only its author
 * can remove it. They are told, once.
 */
async function settleOpenClaim(
  claim: SnapRecord,
  deps: PostDeps,
  log: Logger,
  tellUser: (reply: Reply) => Promise<void>,
  abandon: () => Promise<void>,
): Promise<PostOutcome> {
  const abandonedAt = abandonedAfter(claim);
  let state: StoredRecord['state'] | 'gone' = claim.state;
  while (state === 'posting' && deps.clock.now() < abandonedAt) {
    const wait = Math.min(CLAIM_POLL_MS, abandonedAt - deps.clock.now());
    if (deps.clock.now() + wait > deps.deadline()) break;
    await deps.clock.sleep(wait);
    state = (await deps.store.get(claim.id))?.state ?? 'gone';
  }
  if (state === 'posting' && deps.clock.now() < abandonedAt) {
    // Still undecided at our own deadline: a later delivery will know.
    log.warn('poster.claim_pending', { abandonedAt });
    throw new ClaimPendingError('The first delivery of this event may still be posting');
  }
  if (state !== 'posting' || !(await deps.store.markLost(tombstone(claim.id, 'lost', deps.clock.now())))) {
    log.info('poster.duplicate', { existingState: state });
    return 'duplicate';
  }
  // The tombstone keeps no channel: the claim read before it was replaced says where to look.
  log.error('poster.lost_track', { claimedAt: claim.createdAt });
  // A reveal's card may be up with nothing tracking it: with its key burned, it opens nothing.
  await abandon();
  await tellUser(lostTrackReply(claim.channel));
  return 'lost';
}

export async function postSnap(event: unknown, deps: PostDeps): Promise<PostOutcome> {
  const { store, clock } = deps;
  const sealed = (event as { sealed?: unknown } | null)?.sealed;
  // The one place where a reveal is told from a snap (the policy's "reveal off" is judged below).
  const reveal: RevealPostRequest | undefined = isRevealPostRequest(event) ? event : undefined;
  if (!(reveal || isPostRequest(event)) || !isSealed(sealed)) {
    // Not something ack produced: retrying cannot help, so it is dropped (and counted).
    deps.log.error('poster.event_invalid');
    return 'rejected';
  }
  const request: PostRequest = event as PostRequest;
  const log = deps.log.child({ team: request.team, channel: request.channel, snap: request.id });
  const fromModal = request.via !== undefined;
  /** Where the outcome goes: a command's response_url, or a modal's binding. */
  let content: { responseUrl?: string | undefined; metadata?: string | undefined };
  /** What is posted: the snap's text, or a reveal's card (its secret sealed elsewhere). */
  let posting: Posting;
  try {
    // Any clear field changed since ack sealed the event and the seal does not open.
    const opened = await deps.open(sealed, reveal ? revealPostAad(reveal) : postAad(request));
    if (reveal) {
      if (!isRevealContent(opened, fromModal)) throw new SealError('Sealed reveal has the wrong shape');
      posting = revealPosting(reveal, opened, deps, log);
    } else {
      if (!isContent(opened, fromModal)) throw new SealError('Sealed content has the wrong shape');
      posting = snapPosting(opened, request, deps);
    }
    // A form's snap posted by snap's bot: its author must be in the conversation (form-presence.ts).
    posting = withAuthorPresent(posting, request, reveal ? 'secret' : 'snap', deps, log);
    content = opened;
  } catch (error) {
    if (!(error instanceof SealError)) throw error; // KMS trouble: let Lambda retry the event
    log.error('poster.seal_invalid', errorFields(error));
    return 'rejected';
  }
  // The request's one answer: ack answered Slack with an empty 200, and a posted snap gets none.
  const audience: Audience = {
    team: request.team,
    enterprise: request.enterprise,
    user: request.user,
    channel: request.channel,
    threadTs: request.threadTs,
  };
  const tellUser = answerer(deps, content.responseUrl, audience, log);
  /** Told privately, not in the conversation the request pointed at (a form's refusals). */
  const tellPrivately = answerer(
    deps,
    undefined,
    { ...audience, channel: undefined, threadTs: undefined },
    log,
  );
  // Checked once the seal vouches for the fields; refused for good, no retry could change it.
  const stale = staleness(request.receivedAt, clock.now());
  if (stale) {
    log.warn('poster.event_stale', { staleness: stale, ageMs: clock.now() - request.receivedAt });
    // ack answered nothing: the author hears why, once — unless a delivery already took this
    // request (it answered, or the snap is up).
    if (stale === 'too_old' && (await claimQuietly(deps, request.id, log))) {
      await posting.abandon();
      await tellUser(tooLateReply('snap'));
    }
    return 'rejected';
  }
  if (!delayWithinLimits(request.delaySeconds)) {
    log.error('poster.delay_out_of_range', { delaySeconds: request.delaySeconds });
    return 'rejected';
  }
  if (request.via !== undefined) {
    // A modal's snap: the view controls opened for this person must say this thread (a reply) and
    // name this very request. Checked before anything is claimed: a forged one leaves no trace.
    // (A reveal's key is left to its short TTL: a binding refused here may be a late repeat of a
    // reveal already posted, whose key must stay.)
    const refusal = await checkViewBinding(request, content.metadata ?? '', deps, !!reveal);
    if (refusal) {
      log.error('poster.binding_refused', { why: refusal });
      // Told privately, and not where the refused request pointed.
      await tellPrivately(formRefusedReply(refusal));
      return 'rejected';
    }
  }

  /** Ends the claim for good: `lost` only while it is still `posting` (a record written after all stays). */
  const settle = async (state: 'done' | 'lost', settleLog: Logger) => {
    const end = tombstone(request.id, state, clock.now());
    try {
      if (state === 'lost') await store.markLost(end);
      else await store.bury(end);
    } catch (error) {
      // The claim stays `posting`: a later delivery waits out this run's deadline and settles it.
      settleLog.warn('poster.settle_failed', { state, ...errorFields(error) });
    }
  };

  const record = newRecord(request, clock.now(), deps.deadline());
  const claim = await store.claim(record);
  if (!claim.claimed) {
    // A repeated delivery never posts: the first may have posted already.
    const existing = claim.existing;
    if (existing?.state === 'posting')
      return settleOpenClaim(existing, deps, log, tellUser, () => posting.abandon());
    if (existing?.state === 'posted' && existing.leaseOwner === waiterOf(request.id)) {
      // The first run recorded a short snap and died while waiting it out: take up the wait,
      // unless the lease lapsed and a sweep took the snap meanwhile.
      const now = deps.clock.now();
      const until = leaseUntil(existing.dueAt, now);
      if (await store.lease(existing.id, waiterOf(request.id), until, now)) {
        log.info('poster.wait_resumed', { dueAt: existing.dueAt });
        return waitOut(existing, until, deps);
      }
    }
    // The first run may have died between its record and the hand-over: handing over again is
    // harmless (a worker takes each snap once) and cheap.
    if (existing?.state === 'posted') await handOver(existing, deps, log, false);
    log.info('poster.duplicate', { existingState: existing?.state ?? 'gone' });
    return 'duplicate';
  }

  // The policy first: a snap it refuses is not counted against anyone's limits.
  let delaySeconds = request.delaySeconds;
  let asUserAllowed = true;
  if (deps.settings) {
    let settings: Awaited<ReturnType<SettingsSource['settings']>>;
    try {
      settings = await deps.settings.settings(workspaceOf(request));
    } catch (error) {
      // Unknown rules, nothing posted: the author may try again.
      log.error('poster.policy_unavailable', errorFields(error));
      await settle('done', log);
      await tellUser(unavailableReply());
      return 'unavailable';
    }
    const asked = {
      channel: request.channel,
      delaySeconds: request.defaulted ? undefined : request.delaySeconds,
      ...(reveal ? { reveal: true } : {}),
    };
    // A reveal's default is its own (a day, within the bounds): the person's and the policy's
    // default delays are for messages everyone sees until they go.
    const judged = reveal
      ? judgeSnap(withoutDefault(settings.policy), asked, undefined, REVEAL_DEFAULT_SECONDS)
      : judgeSnap(
          settings.policy,
          asked,
          settings.defaults[request.user],
          // A snap typed without a delay carries ack's configured default, the last resort.
          request.delaySeconds,
        );
    if (!judged.ok) {
      await settle('done', log);
      log.info('poster.policy_refused', { rule: judged.rule });
      const { ok: _ok, ...rule } = judged;
      await posting.abandon();
      await tellUser(policyRefusedReply(rule, reveal ? 'secret' : 'snap'));
      return 'refused_by_policy';
    }
    delaySeconds = judged.delaySeconds;
    asUserAllowed = settings.policy.asUser;
  }

  if (!posting.fits) {
    // Slack would post it cut short; nothing is posted, and nothing counts against the limits.
    await settle('done', log);
    log.info('poster.too_long');
    await tellUser(postFailureReply('msg_too_long'));
    return 'refused';
  }

  const refusal = await checkLimits(request, deps, log);
  if (refusal) {
    // Nothing was posted, and the author is told when to try again: like any clear refusal, the
    // claim is settled for good, so a late repeat of this request cannot post behind that new try.
    await settle('done', log);
    log.info('poster.limited', { limit: refusal.limit });
    await posting.abandon();
    await tellUser(overLimitReply(refusal, clock.now()));
    return 'limited';
  }

  // One of the workspace's (and org's) posters in flight, or nothing is posted: one workspace
  // cannot hold every poster, whatever it sends.
  const held = deps.caps
    ? await holdPosterSlots(request, waiterOf(request.id), { ...deps, caps: deps.caps }, log)
    : { busy: undefined, release: async () => {} };
  if (held.busy) {
    // Refused clearly, so settled for good, like the limits.
    await settle('done', log);
    log.info('poster.busy', { scope: held.busy, enterprise: request.enterprise ?? null });
    await posting.abandon();
    await tellUser(busyReply(held.busy));
    return 'busy';
  }
  try {
    return await postHeld({
      request,
      posting,
      delaySeconds,
      asUserAllowed,
      record,
      deps,
      log,
      tellUser,
      tellPrivately,
      settle,
      posted: held.release,
    });
  } finally {
    await held.release();
  }
}

/** What posting a claimed snap needs from `postSnap`. */
interface Held {
  request: PostRequest;
  /** What is posted: the text (checked to fit Slack, broadcasts inert unless allowed), or a reveal's card. */
  posting: Posting;
  /** The delay the policy settled on (the one typed, or the author's or workspace's default). */
  delaySeconds: number;
  /** Whether the policy lets snap post as the author (else the bot posts, where it can). */
  asUserAllowed: boolean;
  record: SnapRecord;
  deps: PostDeps;
  log: Logger;
  tellUser(reply: Reply): Promise<void>;
  tellPrivately(reply: Reply): Promise<void>;
  settle(state: 'done' | 'lost', settleLog: Logger): Promise<void>;
  /** The post is recorded: the poster slot goes back before any wait. */
  posted(): Promise<void>;
}

/** Posts a claimed snap within the limits and its slot, records it, and hands it to a worker if short. */
async function postHeld({
  request,
  posting,
  delaySeconds,
  asUserAllowed,
  record,
  deps,
  log,
  tellUser,
  tellPrivately,
  settle,
  posted,
}: Held): Promise<PostOutcome> {
  const { store, slack, clock } = deps;
  const author = userOf(request);
  const bot = botOf(request);

  // The due time is fixed when the post is sent, so a post delayed by a rate limit still lives
  // as long as asked; the message shows exactly the due time that is recorded.
  let dueAt = record.dueAt;
  const post = async (speaker: Speaker, identity?: Identity) => {
    // A reveal's people are checked, and its secret attached to its key, before its first card.
    await posting.before(speaker, delaySeconds);
    dueAt = dueTime(clock.now(), delaySeconds);
    return slack.post(speaker, {
      channel: request.channel,
      ...posting.message(dueAt),
      ...(identity ? { identity } : {}),
      ...(request.threadTs ? { threadTs: request.threadTs } : {}),
    });
  };
  const retryUntil = Math.min(deps.deadline(), clock.now() + POST_RETRY_BUDGET_MS);
  const postPaced = async (speaker: Speaker, identity?: Identity): Promise<string> => {
    // A 429 means Slack did not take the post, so waiting and trying again cannot duplicate it.
    for (;;) {
      try {
        return await post(speaker, identity);
      } catch (error) {
        const limited = error instanceof SlackCallError && error.kind === 'rate_limited';
        const wait = limited ? jittered(error.retryAfterMs ?? 1000) : 0;
        if (!limited || clock.now() + wait > retryUntil) throw error;
        log.info('poster.post_rate_limited', { retryAfterMs: wait });
        await clock.sleep(wait);
      }
    }
  };
  /** The bot posts under the author's name and avatar where Slack allows it, plainly otherwise. */
  const postAsBot = async (): Promise<string> => {
    let identity: Identity | undefined;
    try {
      identity = await slack.identity(bot, request.user);
    } catch (error) {
      // No bot token (or no way to look for one): the post would meet the same.
      if (error instanceof NoTokenError || error instanceof TokenUnavailableError) throw error;
      log.warn('poster.identity_unavailable', errorFields(error));
    }
    try {
      return await postPaced(bot, identity);
    } catch (error) {
      if (error instanceof SlackCallError && isDeadToken(error.kind, error.code)) {
        // A token remembered from before an uninstall (or a reinstall): Slack refused it, so
        // nothing was posted, and the adapter forgot it. Once more with a fresh lookup: a new
        // token posts, none means snap is no longer installed there.
        log.warn('poster.bot_token_dead', errorFields(error));
        // Out of the store at once, unless a newer token (a reinstall) is stored there now.
        await retireDeadToken(bot, slack, log);
        return postPaced(bot, identity);
      }
      const refused =
        error instanceof SlackCallError && error.kind === 'platform' && CUSTOMIZE_REFUSED.has(error.code);
      if (!(identity && refused)) throw error;
      log.warn('poster.customize_refused', errorFields(error));
      return postPaced(bot);
    }
  };

  let postedAs = 'user' as PostedAs;
  /** What became of the author's own token: used, never given, or refused by Slack as dead. */
  let authorToken = 'used' as 'used' | 'none' | 'dead';
  let ts: string;
  try {
    try {
      // The policy may keep snap from posting as anyone: the bot posts, where it can.
      if (!asUserAllowed) throw new NoTokenError('user');
      ts = await postPaced(author);
    } catch (error) {
      if (error instanceof NoTokenError) authorToken = 'none';
      else if (error instanceof SlackCallError && isDeadToken(error.kind, error.code)) {
        // Taken back in Slack: the adapter forgot it, this run deletes it from the store (the
        // tokens_revoked event may never come), and the bot posts instead where it can.
        authorToken = 'dead';
        log.warn('poster.author_token_dead', errorFields(error));
        await retireDeadToken(author, slack, log);
      } else throw error;
      postedAs = 'bot';
      try {
        ts = await postAsBot();
      } catch (botError) {
        const outOfReach =
          botError instanceof SlackCallError && BOT_OUT_OF_REACH.has(botError.code) && deps.tokens;
        if (!(outOfReach && authorToken === 'none' && asUserAllowed)) throw botError;
        // Only the author's own token could post here. "They have none" may be a few seconds
        // old (misses are remembered briefly) and they may just have allowed it: look again.
        deps.tokens?.forget(author);
        postedAs = 'user';
        try {
          ts = await postPaced(author);
        } catch (again) {
          const dead = again instanceof SlackCallError && isDeadToken(again.kind, again.code);
          if (!(again instanceof NoTokenError || dead)) throw again;
          if (dead) {
            authorToken = 'dead';
            await retireDeadToken(author, slack, log);
          }
          postedAs = 'bot';
          throw botError;
        }
      }
    }
  } catch (error) {
    // From here on, whatever the reason, no card that snap tracks is in Slack (a reveal's key burns).
    await posting.abandon();
    if (error instanceof RevealRefusal) {
      // Someone named is not in the conversation, or the reveal's key is gone: nothing posted.
      await settle('done', log);
      log.info('poster.reveal_refused');
      await tellUser(error.reply);
      return 'refused';
    }
    if (error instanceof AuthorAbsent) {
      // A form named a conversation its author is not in: nothing posted, and they are told
      // privately (snap's Messages tab), not in the conversation that was not theirs.
      await settle('done', log);
      await tellPrivately(error.reply);
      return 'refused';
    }
    if (error instanceof NoTokenError) {
      // Distributed mode, a workspace without snap: the author learns how to add it.
      await settle('done', log);
      log.warn('poster.not_installed', { enterprise: request.enterprise ?? null });
      await tellUser(notInstalledReply(deps.publicUrl ? installUrl(deps.publicUrl) : undefined));
      return 'not_installed';
    }
    if (error instanceof TokenUnavailableError) {
      // The lookup failed before any post was sent: nothing to track, the author may try again.
      log.error('poster.token_unavailable', errorFields(error));
      await settle('done', log);
      await tellUser(unavailableReply());
      return 'unavailable';
    }
    // Not Slack's answer: thrown for Lambda to retry, the claim left `posting` for the retry.
    if (!(error instanceof SlackCallError)) throw error;
    log.warn('poster.post_failed', { ...errorFields(error), postedAs });
    // No answer (timeout, 5xx, dropped connection): the post may have happened, so the claim is
    // lost, never released. A clear refusal posted nothing, and the author was told to try
    // again: a late repeat of this request must not post behind that new try.
    const unclear = error.kind === 'unavailable';
    await settle(unclear ? 'lost' : 'done', log);
    if (unclear) await tellUser(slackUnavailableReply());
    else if (!asUserAllowed && postedAs === 'bot' && BOT_OUT_OF_REACH.has(error.code)) {
      // Only the author's own token could post here, and the policy turns that off: the rule, by name.
      log.info('poster.policy_refused', { rule: 'as_user_off' });
      await tellUser(policyRefusedReply({ rule: 'as_user_off' }));
      return 'refused_by_policy';
    } else {
      const beyondBot = postedAs === 'bot' && BOT_OUT_OF_REACH.has(error.code) && deps.publicUrl;
      const authorize = deps.publicUrl ? installUrl(deps.publicUrl, 'user') : '';
      await tellUser(
        !beyondBot
          ? postFailureReply(error.code)
          : authorToken === 'dead'
            ? reauthorizeReply(authorize)
            : postAsYouReply(authorize),
      );
    }
    return unclear ? 'lost' : 'refused';
  }

  const plog = log.child({ ts });
  const shard = String(shardOf(request, deps.shape.shards));
  try {
    await store.markPosted({ ...request, dueAt, postedAs }, ts, shard);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    plog.error('poster.record_failed', errorFields(error));
    let deleted = false;
    try {
      await slack.delete(postedAs === 'user' ? author : bot, request.channel, ts);
      deleted = true;
    } catch (deleteError) {
      plog.error('poster.takedown_failed', errorFields(deleteError));
    }
    // Taken down: done. Still up: lost, unless the record was written after all (then it is tracked).
    await posting.abandon();
    await settle(deleted ? 'done' : 'lost', plog);
    await tellUser(untrackedReply(deleted));
    return 'untracked';
  }
  plog.info('poster.posted', { dueAt, postedAs });
  // The post is recorded: its poster slot goes back before any wait.
  await posted();
  await deps.activity?.record(request, 'posted', clock.now());
  return handOver({ ...record, dueAt, state: 'posted', ts, postedAs, dueShard: shard }, deps, plog, true);
}

/**
 * Makes sure a snap due before the next dispatch can serve it has a worker on watch. Only the
 * poster whose hand-over started the group's worker (a claim: one per group at a time) waits out
 * its own snap, and only when it is due before that worker could be up from a cold start.
 */
export async function handOver(
  record: SnapRecord,
  deps: PostDeps,
  log: Logger,
  mayWait: boolean,
): Promise<PostOutcome> {
  const { clock } = deps;
  if (!needsWatch(record.dueAt, clock.now(), deps.sweepPeriodMs)) return 'posted';
  const group = groupOf(Number(record.dueShard ?? shardOf(record, deps.shape.shards)), deps.shape.groups);
  let watched: Awaited<ReturnType<typeof keepWatch>>;
  try {
    watched = await keepWatch(group, record.dueAt, deps, record.id);
  } catch (error) {
    // Recorded all the same: the next dispatch finds it in the index, late by up to a period.
    log.error('poster.watch_failed', errorFields(error));
    return 'posted';
  }
  // Without any worker to start (a bare local run), the poster waits out what needs a watch.
  const waits = watched === 'summoned' ? record.dueAt - clock.now() < COLD_START_BUDGET_MS : !deps.workers;
  if (!mayWait || watched === 'on_watch' || !waits) return 'posted';
  const now = clock.now();
  const until = leaseUntil(record.dueAt, now);
  if (!(await deps.store.lease(record.id, waiterOf(record.id), until, now))) return 'posted';
  log.info('poster.waits', { dueAt: record.dueAt, watch: watched });
  return waitOut(record, until, deps);
}

/**
 * Why a modal's snap may not be posted as asked, or undefined when its binding holds: sealed by
 * controls for this person and this modal, fresh, naming this request, and — for a reply — this
 * conversation and thread.
 */
async function checkViewBinding(
  request: Pick<PostRequest, 'id' | 'team' | 'enterprise' | 'user' | 'via' | 'channel' | 'threadTs'>,
  metadata: string,
  deps: Pick<PostDeps, 'binding' | 'clock'>,
  reveal: boolean,
): Promise<'invalid' | 'stale' | undefined> {
  if (!deps.binding || !request.via) return 'invalid';
  const opened = await openBinding(deps.binding, metadata, request, request.via, deps.clock.now());
  if (!opened.ok) return opened.why;
  const { binding, nonce } = opened;
  // The view's own request id — marked as a reveal's for a reveal — so the event's kind and its
  // id agree, and every delivery of one submission claims the same id.
  const id = submissionId(request.team, nonce);
  if (request.id !== (reveal ? revealIdOf(id) : id)) return 'invalid';
  if (
    request.via === 'snap_reply' &&
    (binding.channel !== request.channel || binding.threadTs !== request.threadTs)
  )
    return 'invalid';
  return undefined;
}

export async function replyQuietly(
  deps: Pick<PostDeps, 'slack'>,
  responseUrl: string,
  reply: Reply,
  log: Logger,
): Promise<void> {
  try {
    await deps.slack.reply(responseUrl, reply);
  } catch (error) {
    log.warn('poster.reply_failed', errorFields(error));
  }
}

/** Settles a request that was never claimed; true the first time (a later delivery finds it taken). */
export async function claimQuietly(
  deps: Pick<PostDeps, 'store' | 'clock'>,
  id: string,
  log: Logger,
): Promise<boolean> {
  try {
    return await deps.store.claimRequest(tombstone(id, 'done', deps.clock.now()));
  } catch (error) {
    log.warn('poster.settle_failed', { state: 'done', ...errorFields(error) });
    return false;
  }
}

/** A snap posts its text, with the line that says when it goes; nothing comes before or after. */
function snapPosting(
  content: SealedContent,
  request: PostRequest,
  deps: Pick<PostDeps, 'allowBroadcasts'>,
): Posting {
  const text = deps.allowBroadcasts ? content.text : neutraliseBroadcasts(content.text);
  return {
    fits: fitsSlack(text),
    message: (dueAt) => snapMessage(text, expiryContext(request.user, dueAt)),
    before: async () => {},
    abandon: async () => {},
  };
}

/** The policy without its default delay, which is for snaps, not reveals. */
function withoutDefault(policy: Policy): Policy {
  const { defaultSeconds: _default, ...rest } = policy;
  return rest;
}

/** The poster's lease on a snap it waits out; a repeat of the same event holds the same one. */
export const waiterOf = (id: string) => `poster:${id}`;

/** Deletes a snap the poster waits out, at its due time. */
export async function waitOut(record: SnapRecord, leaseEnd: number, deps: PostDeps): Promise<PostOutcome> {
  await deps.clock.sleep(record.dueAt - deps.clock.now());
  // Never past its own lease: a sweep may take the snap up from then on, and two deleters would
  // spend two of the workspace's rate-limited deletions on one message. What is left goes back.
  const deadline = Math.min(deps.deadline(), leaseEnd);
  const result = await deleteSnap(record, deps, new Pacer(deps.clock), deadline, waiterOf(record.id));
  return result === 'kept' ? 'posted' : 'posted_and_deleted';
}
