/**
 * Snap records and the timing rules around them. A record tracks one posted message by its
 * Slack coordinates — team, channel, ts — with its due time; it never holds the text.
 */
import { randomInt } from 'node:crypto';
import { MIN_DELAY_SECONDS, SEVEN_DAYS_SECONDS } from './delay';
import { isRevealId, type RevealState } from './reveal';

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
  /** When ack received the command (ms since epoch). */
  receivedAt: number;
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
  | { kind: 'revoke' };

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
      (a.kind === 'delete_message' && typeof a.ts === 'string'));
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

/** The part of a request that is sealed: readable only by the poster. */
export interface SealedContent {
  text: string;
  responseUrl: string;
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

/** Spread the due-time index over shards so one partition never takes every write. */
export const DUE_SHARDS = 8;

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
 * Sweeps run on ticks at whole multiples of the period (a cron on whole minutes). The sweep for
 * tick T handles every snap due before T + period + margin, so each tick starts at least
 * `margin` before the first due time it serves, even when the schedule fires a little late.
 * A snap due before the next tick + margin cannot count on any sweep: the poster waits it out.
 */
export const SWEEP_MARGIN_MS = 15_000;

export function dueTime(postedAtMs: number, delaySeconds: number): number {
  return Math.ceil((postedAtMs + delaySeconds * 1000) / 1000) * 1000;
}

export function ttlFor(dueAtMs: number): number {
  return Math.ceil(dueAtMs / 1000) + TTL_GRACE_SECONDS;
}

export function pickShard(): string {
  return String(randomInt(DUE_SHARDS));
}

export function allShards(): string[] {
  return Array.from({ length: DUE_SHARDS }, (_, i) => String(i));
}

/**
 * The claim a poster writes before posting. Its TTL (due time + 15 minutes) outlives every
 * repeated delivery Lambda can make (events older than 10 minutes are dropped, infra/poster.tf),
 * so a claim is never gone while a repeat could still arrive and post a second copy; once the
 * request is settled, its tombstone takes over.
 */
export function newRecord(
  request: PostRequest & { reveal?: { for: string[] } },
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

/** The first sweep tick after `nowMs`. */
export function nextTick(nowMs: number, sweepPeriodMs: number): number {
  return (Math.floor(nowMs / sweepPeriodMs) + 1) * sweepPeriodMs;
}

/** True when no sweep is sure to start in time for this due time, so the poster must wait it out. */
export function posterWaitsOut(dueAtMs: number, nowMs: number, sweepPeriodMs: number): boolean {
  return dueAtMs < nextTick(nowMs, sweepPeriodMs) + SWEEP_MARGIN_MS;
}

/** The end of the window a sweep started for tick `tickMs` is responsible for. */
export function sweepWindowEnd(tickMs: number, sweepPeriodMs: number): number {
  return tickMs + sweepPeriodMs + SWEEP_MARGIN_MS;
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
 * same snap, unleased, in the due-time index at its own (past) due time, so the next sweep finds
 * it overdue, with a fresh TTL a grace period from now. Undefined once it is past trying.
 */
export function putBackRecord(snap: SnapRecord, nowMs: number): SnapRecord | undefined {
  if (snap.state !== 'posted' || !snap.ts || nowMs > snap.dueAt + KEEP_TRYING_AFTER_DUE_MS) return undefined;
  const { leaseUntil: _until, leaseOwner: _owner, postingUntil: _posting, ...rest } = snap;
  return { ...rest, dueShard: snap.dueShard ?? pickShard(), expiresAt: ttlFor(nowMs) };
}

export function isPostRequest(value: unknown): value is PostRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    v.action === undefined &&
    v.kind === undefined &&
    v.reveal === undefined &&
    typeof v.id === 'string' &&
    // A reveal's request is never taken for a plain snap's (its secret would be posted).
    !isRevealId(v.id) &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.channel === 'string' &&
    typeof v.user === 'string' &&
    typeof v.delaySeconds === 'number' &&
    Number.isInteger(v.delaySeconds) &&
    v.delaySeconds > 0 &&
    typeof v.receivedAt === 'number'
  );
}

/** An optional clear field: absent, or a non-empty string. */
function isOptionalId(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value !== '');
}
