/**
 * Snap records and the timing rules around them. A record tracks one posted message by its
 * Slack coordinates — team, channel, ts — with its due time; it never holds the text.
 */
import { MIN_DELAY_SECONDS, SEVEN_DAYS_SECONDS } from './delay';
import type { PolicyChange } from './policy';
import { isRevealId, type RevealState } from './reveal';
import { hasPostFields, isOptionalId, isTs } from './shape';
import { isModalKind, MODAL, type ModalKind } from './surfaces';

/** How a request travels from ack to poster (the async Invoke payload). */
export interface PostRequest {
  v: 1;
  /** `team:trigger_id`: unique per slash command, identical when Slack or Lambda repeats it. */
  id: string;
  team: string;
  /** The workspace's Enterprise Grid org, if any: an org-wide installation's token is found by it. */
  enterprise?: string;
  channel: string;
  user: string;
  delaySeconds: number;
  /**
   * No delay was typed: `delaySeconds` is ack's configured default, and the poster applies the
   * author's own default or the workspace policy's instead (ack never reads the table).
   */
  defaulted?: true;
  /** When ack received the command (ms since epoch). */
  receivedAt: number;
  /**
   * Sent from a modal rather than `/snap`: which one. Its outcomes reach the author where Slack
   * lets snap speak to them (there is no `response_url`), and its binding (`private_metadata`)
   * travels sealed with the text, for the poster to open and check.
   */
  via?: typeof MODAL.snapNew | typeof MODAL.snapReply;
  /** Posted in this thread (`snap_reply`): the picked message's `thread_ts`, else its `ts`. */
  threadTs?: string;
}

/**
 * `snap_this`: make a message its author already sent self-destruct. Nothing is posted; the
 * message's `ts`, files and author come from the sealed binding, checked by the poster.
 */
export interface ScheduleRequest {
  v: 1;
  kind: 'schedule';
  /** `team:view:<nonce>`: the same for every delivery of one view's submission. */
  id: string;
  team: string;
  enterprise?: string;
  channel: string;
  /** The message to delete. */
  ts: string;
  user: string;
  delaySeconds: number;
  receivedAt: number;
}

/** A message shortcut's message, as ack hands it on: where it is, who wrote it, its files — never its text. */
export interface ShortcutMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  author?: string;
  files: string[];
}

/** A shortcut that opens a modal, handed to the controls function (which holds the bot token). */
export interface OpenViewRequest {
  v: 1;
  kind: 'open_view';
  /** `team:trigger_id`: a shortcut delivered twice opens one view. */
  id: string;
  team: string;
  enterprise?: string;
  user: string;
  callback: ModalKind;
  /** The message a message shortcut was used on. */
  message?: ShortcutMessage;
  receivedAt: number;
}

export function isScheduleRequest(value: unknown): value is ScheduleRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    v.kind === 'schedule' &&
    typeof v.id === 'string' &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.channel === 'string' &&
    isTs(v.ts) &&
    typeof v.user === 'string' &&
    typeof v.delaySeconds === 'number' &&
    Number.isInteger(v.delaySeconds) &&
    v.delaySeconds > 0 &&
    typeof v.receivedAt === 'number'
  );
}

function isShortcutMessage(value: unknown): value is ShortcutMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.channel === 'string' &&
    isTs(m.ts) &&
    (m.threadTs === undefined || isTs(m.threadTs)) &&
    isOptionalId(m.author) &&
    Array.isArray(m.files) &&
    m.files.every((f) => typeof f === 'string')
  );
}

export function isOpenViewRequest(value: unknown): value is OpenViewRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const needsMessage = v.callback === MODAL.snapReply || v.callback === MODAL.snapThis;
  return (
    v.v === 1 &&
    v.kind === 'open_view' &&
    typeof v.id === 'string' &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.user === 'string' &&
    typeof v.callback === 'string' &&
    isModalKind(v.callback) &&
    (needsMessage ? isShortcutMessage(v.message) : v.message === undefined) &&
    typeof v.receivedAt === 'number'
  );
}

/** What the author asks of their own snaps; handled by the poster (ack never reads the table). */
export type AuthorAction =
  | { kind: 'list' }
  | { kind: 'cancel' }
  /**
   * A "Delete now" button: the snap's id. `list`: the button is in a `/snap list` answer, which
   * the reply replaces in place with what is left pending.
   */
  | { kind: 'delete'; snapId: string; list?: true }
  /** The "Delete snap now" message shortcut: the message clicked. */
  | { kind: 'delete_message'; ts: string }
  /** `/snap revoke`: take back snap's permission to post as the author. */
  | { kind: 'revoke' }
  /** `/snap policy [change]`: show the workspace's policy, or change it (admins only, checked with Slack). */
  | { kind: 'policy'; change?: PolicyChange }
  /** `/snap default [delay]`: show the author's default delay, set it (seconds) or clear it (null). */
  | { kind: 'default'; seconds?: number | null };

export interface AuthorRequest {
  v: 1;
  action: AuthorAction;
  team: string;
  enterprise?: string;
  channel: string;
  /** Who asked: authorisation is checked against the record, never taken from the payload. */
  user: string;
  receivedAt: number;
}

export function isAuthorRequest(value: unknown): value is AuthorRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const a = v.action as Record<string, unknown> | undefined;
  const actionOk =
    !!a &&
    (a.kind === 'list' ||
      a.kind === 'cancel' ||
      a.kind === 'revoke' ||
      (a.kind === 'delete' && typeof a.snapId === 'string' && (a.list === undefined || a.list === true)) ||
      (a.kind === 'delete_message' && typeof a.ts === 'string') ||
      (a.kind === 'policy' && (a.change === undefined || isPolicyChange(a.change))) ||
      (a.kind === 'default' && (a.seconds === undefined || a.seconds === null || isSeconds(a.seconds))));
  return (
    v.v === 1 &&
    actionOk &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.channel === 'string' &&
    typeof v.user === 'string' &&
    typeof v.receivedAt === 'number'
  );
}

const isSeconds = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= MIN_DELAY_SECONDS && v <= SEVEN_DAYS_SECONDS;
const isIdList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 1000 && v.every((c) => typeof c === 'string' && /^[A-Z0-9]{3,32}$/.test(c));

/** A policy change as ack made it (the event's clear fields are also bound by its seal). */
export function isPolicyChange(value: unknown): value is PolicyChange {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  switch (c.kind) {
    case 'min':
    case 'max':
    case 'default':
      return c.seconds === null || isSeconds(c.seconds);
    case 'reveal':
    case 'as_user':
    case 'activity':
      return typeof c.on === 'boolean';
    case 'channels':
      return typeof c.off === 'boolean' && isIdList(c.channels);
    case 'off_channels':
      return isIdList(c.channels);
    case 'reset':
      return true;
    default:
      return false;
  }
}

/**
 * What a person does in snap's App Home (or what opened it), handed by ack or install to the
 * controls function, which acts and publishes the Home tab again: the view is the answer.
 */
export type HomeAction =
  /** `app_home_opened`: render it. */
  | { kind: 'open' }
  /** A page of older pending snaps (`before`: the createdAt of the last one shown), or the newest. */
  | { kind: 'page'; before?: number }
  /** "Delete now" beside a pending snap in App Home. */
  | { kind: 'delete'; snapId: string }
  /** The person's own default delay (null: none, the policy's applies). */
  | { kind: 'my_default'; seconds: number | null }
  /** An admin's change to the policy (admins only, checked with Slack). */
  | { kind: 'policy'; change: PolicyChange };

export interface HomeRequest {
  v: 1;
  home: HomeAction;
  team: string;
  enterprise?: string;
  user: string;
  receivedAt: number;
}

export function isHomeRequest(value: unknown): value is HomeRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const h = v.home as Record<string, unknown> | undefined;
  const homeOk =
    !!h &&
    (h.kind === 'open' ||
      (h.kind === 'page' && (h.before === undefined || (typeof h.before === 'number' && h.before > 0))) ||
      (h.kind === 'delete' && typeof h.snapId === 'string' && h.snapId !== '') ||
      (h.kind === 'my_default' && (h.seconds === null || isSeconds(h.seconds))) ||
      (h.kind === 'policy' && isPolicyChange(h.change)));
  return (
    v.v === 1 &&
    homeOk &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.user === 'string' &&
    typeof v.receivedAt === 'number'
  );
}

/** The part of a request that is sealed: readable only by the poster. */
export interface SealedContent {
  text: string;
  /** Where a `/snap`'s outcomes are answered (a modal's have none). */
  responseUrl?: string;
  /** A modal's `private_metadata`, as Slack gave it back (sealed again by controls inside). */
  metadata?: string;
}

/** `snap_this`'s sealed part: the binding only (there is no text). */
export interface SealedSchedule {
  metadata: string;
}

/** An open-view request's sealed part: the trigger (single use, 3 s) and, for a message shortcut, its response_url. */
export interface SealedTrigger {
  triggerId: string;
  responseUrl?: string;
}

/** `posting`: claimed, the post may be under way. `posted`: the message exists and is tracked. */
export type SnapState = 'posting' | 'posted';

/**
 * How a request ends, for good:
 * - `done`: settled — its message deleted (on time or early), never posted (Slack refused it), or
 *   the author's request about their snaps taken up;
 * - `lost`: the post may have happened without a `ts` on file (the poster died between Slack's
 *   answer and the record, or Slack's answer never came). Only its author can remove it.
 */
export type FinalState = 'done' | 'lost';

/**
 * What is left of a request once it is settled: only what idempotency needs — the request id,
 * its final state, its TTL. No channel, `ts`, author or index key: nothing looks for it, nothing
 * can act on it, it tells nobody anything. While it lasts, no delivery of the same request id
 * (Lambda's repeats, a replayed signed request) posts or deletes anything.
 */
export interface Tombstone {
  id: string;
  state: FinalState;
  /** DynamoDB TTL (seconds since epoch). */
  expiresAt: number;
}

/**
 * Whose token posted a snap, and so deletes it: snap's bot, or its author's own token (the author
 * let snap post as them). Records from before this was kept were all posted by the bot.
 */
export type PostedAs = 'bot' | 'user';

export interface SnapRecord {
  id: string;
  team: string;
  /** The workspace's Enterprise Grid org, if any (where an org-wide installation's token is found). */
  enterprise?: string;
  channel: string;
  user: string;
  state: SnapState;
  /** Set once posted; absent means the bot. */
  postedAs?: PostedAs;
  /**
   * Files deleted with the message (`files.delete`, before it): a message its author already
   * sent, scheduled with `snap_this`. Their ids only.
   */
  files?: string[];
  /** Slack's message timestamp, set once posted. */
  ts?: string;
  /** When the message must disappear (ms since epoch, whole seconds). */
  dueAt: number;
  /** DynamoDB TTL (seconds since epoch): the safety net, a grace period after dueAt. */
  expiresAt: number;
  createdAt: number;
  /**
   * While `posting`: when the claiming invocation must have ended (its Lambda deadline, ms).
   * A claim still `posting` after that was left by a poster that died.
   */
  postingUntil?: number;
  /** Index shard, set only once posted: the due-time index is sparse and holds only live messages. */
  dueShard?: string;
  /** A deleter (poster or sweeper run) holds the record until this time (ms). */
  leaseUntil?: number;
  leaseOwner?: string;
  /** A reveal's card (its id made with `revealIdOf`): whom the secret is for, who has opened it. */
  reveal?: RevealState;
}

/** What the table may hold for a request id: a live snap, or the tombstone of a settled request. */
export type StoredRecord = SnapRecord | Tombstone;

export function isTombstone(record: StoredRecord): record is Tombstone {
  return record.state === 'done' || record.state === 'lost';
}

/**
 * The oldest event the poster acts on (ms after ack received it), as Lambda's own limit in
 * infra/poster.tf (`maximum_event_age_in_seconds`; a test keeps them equal).
 */
export const MAX_EVENT_AGE_MS = 600_000;

/** How far ahead of the poster's clock ack's may run before an event counts as from the future. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Why an event is no longer (or not yet) to be acted on: older than Lambda would deliver it, or
 * stamped ahead of any clock skew. Only ack stamps `receivedAt`, and the seal binds it.
 */
export function staleness(receivedAt: number, nowMs: number): 'too_old' | 'from_the_future' | undefined {
  const age = nowMs - receivedAt;
  if (age > MAX_EVENT_AGE_MS) return 'too_old';
  if (age < -CLOCK_SKEW_MS) return 'from_the_future';
  return undefined;
}

/** A delay within the absolute limits (1 s – 7 days), whatever ack's configuration. */
export function delayWithinLimits(delaySeconds: number): boolean {
  return (
    Number.isInteger(delaySeconds) && delaySeconds >= MIN_DELAY_SECONDS && delaySeconds <= SEVEN_DAYS_SECONDS
  );
}

/**
 * How long a tombstone outlives the moment it is written (seconds). The last delivery that
 * could still carry its request id starts at most 300 s (Slack's signature window, a replay of
 * the signed request) + 600 s (the poster's event age, Lambda's retries of that replay) after
 * the first one, and claims within its run — 15 minutes at most, Lambda's longest timeout.
 * A tombstone is written after the first delivery, so an hour covers 1,800 s twice over; its
 * cost is one small item per request for an hour.
 */
export const TOMBSTONE_TTL_SECONDS = 3600;

export function tombstone(id: string, state: FinalState, nowMs: number): Tombstone {
  return { id, state, expiresAt: Math.ceil(nowMs / 1000) + TOMBSTONE_TTL_SECONDS };
}

/**
 * Time between the due time and the TTL. TTL is the net for when the precise path failed; a
 * grace period keeps it from racing the sweeper (TTL never fires before its time, so a TTL
 * deletion is never early either way). A deleter that holds a record pushes its TTL to the
 * same grace past the end of its lease (`leaseTtl`), so a record is never removed while a
 * deleter still works on it.
 */
export const TTL_GRACE_SECONDS = 15 * 60;

/** How long a deleter's claim on a record lasts past the due time before another may take over. */
export const LEASE_AFTER_DUE_MS = 30_000;

/**
 * Sweeps run on ticks at whole multiples of the period (a cron on whole minutes). The dispatcher
 * of tick T serves every snap due before T + period + margin, so each tick starts at least
 * `margin` before the first due time it serves, even when the schedule fires a little late and
 * its worker starts cold. A snap due sooner than the next tick + margin cannot count on any
 * dispatcher: the poster makes sure a worker is on watch for it (domain/engine.ts).
 */
export const SWEEP_MARGIN_MS = 15_000;

export function dueTime(postedAtMs: number, delaySeconds: number): number {
  return Math.ceil((postedAtMs + delaySeconds * 1000) / 1000) * 1000;
}

export function ttlFor(dueAtMs: number): number {
  return Math.ceil(dueAtMs / 1000) + TTL_GRACE_SECONDS;
}

/**
 * The claim a poster writes before posting. Its TTL (due time + 15 minutes) outlives every
 * repeated delivery Lambda can make (events older than 10 minutes are dropped, infra/poster.tf),
 * so a claim is never gone while a repeat could still arrive and post a second copy; once the
 * request is settled, its tombstone takes over.
 */
export function newRecord(
  request: Pick<PostRequest, 'id' | 'team' | 'enterprise' | 'channel' | 'user' | 'delaySeconds'> &
    Partial<Pick<PostRequest, 'v' | 'receivedAt'>> & { reveal?: { for: string[] } },
  nowMs: number,
  postingUntil: number,
): SnapRecord {
  const dueAt = dueTime(nowMs, request.delaySeconds);
  return {
    id: request.id,
    team: request.team,
    ...(request.enterprise ? { enterprise: request.enterprise } : {}),
    channel: request.channel,
    user: request.user,
    state: 'posting',
    dueAt,
    expiresAt: ttlFor(dueAt),
    createdAt: nowMs,
    postingUntil,
    ...(request.reveal ? { reveal: { for: [...request.reveal.for], opened: [] } } : {}),
  };
}

/** A claim older than any poster run that could still hold it (records from before postingUntil existed). */
export const LONGEST_POSTER_RUN_MS = 15 * 60_000;

/** When a `posting` claim is known to be abandoned: its invocation's deadline, plus a second. */
export function abandonedAfter(record: Pick<SnapRecord, 'postingUntil' | 'createdAt'>): number {
  return (record.postingUntil ?? record.createdAt + LONGEST_POSTER_RUN_MS) + 1000;
}

/** A deleter's lease on a snap: until 30 s past its due time, or past now for an overdue one. */
export function leaseUntil(dueAtMs: number, nowMs: number): number {
  return Math.max(dueAtMs, nowMs) + LEASE_AFTER_DUE_MS;
}

/**
 * The TTL a lease write sets: the grace period past the lease's end. Every TTL a record gets is
 * the grace period past some moment (its due time, a lease's end, a put-back), and leases only
 * move later, so this never shortens what the record had; a deleter that keeps the record
 * gives it back before its lease ends, leaving the next attempt the whole grace period.
 */
export function leaseTtl(leaseUntilMs: number): number {
  return ttlFor(leaseUntilMs);
}

/**
 * How long after its due time a record TTL removed is still put back for another try when
 * Slack cannot delete its message for a reason that may pass (an outage, rate limits, a token
 * being fixed). Beyond it the reaper gives up and logs the message's coordinates as an error.
 */
export const KEEP_TRYING_AFTER_DUE_MS = 7 * 24 * 3_600_000;

/**
 * The record the reaper puts back when TTL removed it before its message could be deleted: the
 * same snap, unleased, in the due-time index at its own (past) due time and in its workspace's
 * shard as of now (`shard`: a record from before shards followed workspaces, or from a shard no
 * longer read, comes back where its workspace's worker reads), so the next dispatch finds it
 * overdue, with a fresh TTL a grace period from now. Undefined once it is past trying.
 */
export function putBackRecord(snap: SnapRecord, nowMs: number, shard: string): SnapRecord | undefined {
  if (snap.state !== 'posted' || !snap.ts || nowMs > snap.dueAt + KEEP_TRYING_AFTER_DUE_MS) return undefined;
  const { leaseUntil: _until, leaseOwner: _owner, postingUntil: _posting, ...rest } = snap;
  return { ...rest, dueShard: shard, expiresAt: ttlFor(nowMs) };
}

export function isPostRequest(value: unknown): value is PostRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    hasPostFields(v) &&
    v.reveal === undefined &&
    // A reveal's request is never taken for a plain snap's (its secret would be posted).
    !isRevealId(v.id as string)
  );
}
