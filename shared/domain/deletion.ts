/**
 * What a failed `chat.delete` means for the record. Every deletion path shares these rules, so
 * the sweeper, the poster's short-snap wait and the reaper agree on "done", "try again" and
 * "give up".
 */
import type { SlackFailureKind } from '../errors';

export type DeleteVerdict =
  /** The message is gone (now or earlier): remove the record. */
  | 'done'
  /** Keep the record; a later attempt may succeed (rate limit, Slack down, token being fixed). */
  | 'retry'
  /** It can never succeed (channel gone, not our message): log it and remove the record. */
  | 'give_up';

const GONE = new Set(['message_not_found', 'thread_not_found']);

const NEVER = new Set([
  'channel_not_found',
  'cant_delete_message',
  'compliance_exports_prevent_deletion',
  'is_archived',
  'team_not_found',
  'invalid_ts',
]);

export function judgeDeleteFailure(kind: SlackFailureKind, code: string): DeleteVerdict {
  if (kind !== 'platform') return 'retry';
  if (GONE.has(code)) return 'done';
  if (NEVER.has(code)) return 'give_up';
  // Auth and unknown errors: keep the record — an operator can fix a token; the reaper stops
  // putting such a record back a week after its due time (KEEP_TRYING_AFTER_DUE_MS).
  return 'retry';
}

/** Who removed a stream record's item: only DynamoDB's TTL process counts for the reaper. */
export interface RemovalIdentity {
  eventName?: string | undefined;
  userIdentity?: { type?: string | undefined; principalId?: string | undefined } | undefined;
}

/**
 * True only for deletions made by TTL. The sweeper's and poster's own DeleteItem calls produce
 * REMOVE records too, without this identity: those messages are already handled.
 */
export function isTtlRemoval(record: RemovalIdentity): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === 'Service' &&
    record.userIdentity.principalId === 'dynamodb.amazonaws.com'
  );
}
