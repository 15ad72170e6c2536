/**
 * What a failed `chat.delete` means for the record. Every deletion path shares these rules, so
 * the sweeper, the poster's short-snap wait, the author's early deletion and the reaper agree on
 * "done", "try again", "give up" and "the token is dead".
 */
import type { SlackFailureKind } from '../errors';

/**
 * Why a snap is deleted: its due time came (`due`), or its author asked first — `/snap cancel`,
 * a list's *Delete now* button, the *Delete snap now* shortcut, or `/snap revoke` (which takes
 * down every snap posted as its author before giving their token back) — or, for a reveal,
 * everyone it was for has opened it (`opened`).
 */
export type DeletionReason = 'due' | 'cancel' | 'button' | 'shortcut' | 'revoke' | 'opened';

/**
 * How a deletion is logged: against its due time (`lateMs`, never negative for the deleters,
 * which never start early), or, when its author asked before that, as early (`earlyMs`).
 */
export function deletionTiming(
  reason: DeletionReason,
  dueAtMs: number,
  nowMs: number,
): { event: 'snap.deleted'; lateMs: number } | { event: 'snap.deleted_early'; earlyMs: number } {
  if (reason !== 'due' && nowMs < dueAtMs) return { event: 'snap.deleted_early', earlyMs: dueAtMs - nowMs };
  return { event: 'snap.deleted', lateMs: nowMs - dueAtMs };
}

export type DeleteVerdict =
  /** The message is gone (now or earlier): remove the record. */
  | 'done'
  /** Keep the record; a later attempt may succeed (rate limit, Slack down). */
  | 'retry'
  /** It can never succeed (channel gone, not our message): log it and remove the record. */
  | 'give_up'
  /**
   * Slack says the token that posted it is dead: no later attempt can succeed with it, and no
   * other token may delete it. Let the token go (out of the store) and drop the record.
   */
  | 'token_dead';

const GONE = new Set(['message_not_found', 'thread_not_found']);

const NEVER = new Set([
  'channel_not_found',
  'cant_delete_message',
  'compliance_exports_prevent_deletion',
  'is_archived',
  'team_not_found',
  'invalid_ts',
]);

/**
 * Slack's answers that mean the token itself no longer works, for good: revoked (the app removed,
 * the user took their permission back), the account or workspace deactivated, or never valid.
 * The Slack adapter forgets such a token, so the next call looks it up again and finds a new one,
 * or none; the function that met it deletes it from the installation store.
 */
const DEAD_TOKEN = new Set(['invalid_auth', 'token_revoked', 'account_inactive', 'not_authed']);

export function isDeadToken(kind: SlackFailureKind, code: string): boolean {
  return kind === 'platform' && DEAD_TOKEN.has(code);
}

export function judgeDeleteFailure(kind: SlackFailureKind, code: string): DeleteVerdict {
  if (kind !== 'platform') return 'retry';
  if (GONE.has(code)) return 'done';
  if (NEVER.has(code)) return 'give_up';
  if (DEAD_TOKEN.has(code)) return 'token_dead';
  // Unknown errors: keep the record; the reaper stops putting such a record back a week after
  // its due time (KEEP_TRYING_AFTER_DUE_MS).
  return 'retry';
}

const FILE_GONE = new Set(['file_not_found', 'file_deleted']);

/**
 * What a failed `files.delete` means for a `snap_this` message's file. Gone counts as done; a
 * refusal that cannot change (not the author's file, a permission without `files:write`, a
 * workspace that keeps files) gives that file up — its message still goes at its time; anything
 * passing keeps the record, to try both again.
 */
export function judgeFileDeleteFailure(kind: SlackFailureKind, code: string): DeleteVerdict {
  if (kind !== 'platform') return 'retry';
  if (FILE_GONE.has(code)) return 'done';
  if (isDeadToken(kind, code)) return 'retry';
  return 'give_up';
}

/** Who removed a stream record's item: only DynamoDB's TTL process counts for the reaper. */
export interface RemovalIdentity {
  eventName?: string | undefined;
  userIdentity?: { type?: string | undefined; principalId?: string | undefined } | undefined;
}

/**
 * True only for deletions made by TTL. Nothing else deletes items now (a deleted snap's record
 * is replaced by its tombstone: a MODIFY), but a REMOVE without this identity — someone
 * deleting an item by hand — is not TTL's and is left alone.
 */
export function isTtlRemoval(record: RemovalIdentity): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === 'Service' &&
    record.userIdentity.principalId === 'dynamodb.amazonaws.com'
  );
}
