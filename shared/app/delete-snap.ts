/**
 * The one deletion step every precise path uses (sweeper workers, the poster's one bounded wait,
 * the author's early deletion, a reveal opened by the last person it was for): delete the Slack
 * message, then turn the record into its tombstone. The record changes only once the message is
 * known gone, so a crash anywhere leaves it for the next attempt; the tombstone keeps any later
 * delivery of the same request from posting it again. A reveal's key is burned before anything
 * else: once the deletion starts, the secret can no longer be opened, whatever Slack then answers.
 */
import { metricOf } from '../domain/activity';
import {
  type DeletionReason,
  deletionTiming,
  isDeadToken,
  judgeDeleteFailure,
  judgeFileDeleteFailure,
} from '../domain/deletion';
import { isRevealId } from '../domain/reveal';
import { type SnapRecord, tombstone } from '../domain/snap';
import { NoTokenError, SlackCallError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { ActivityRecorder } from './activity';
import type { Common, RevealStorePort, SlackPort, StorePort } from './ports';
import { speakerOf } from './speaker';
import { retireDeadToken, tellAuthorLeftBehind } from './token-gone';

/**
 * `token_gone`: the token that posted it is dead or no longer held, so nothing can delete it; the
 * record is dropped (never retried), the message stays in Slack.
 */
export type DeleteResult = 'deleted' | 'already_gone' | 'given_up' | 'kept' | 'token_gone';

/** Paces calls to one workspace: after a 429, nobody calls until Retry-After has passed. */
export class Pacer {
  private openAt = 0;
  constructor(private readonly clock: Common['clock']) {}

  /** Waits for this deleter's turn: false when none comes by `deadline` (ms). */
  async ready(deadline: number): Promise<boolean> {
    const wait = this.openAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
    return this.clock.now() <= deadline;
  }

  /** When the gate opens again (ms since epoch). */
  get opensAt(): number {
    return this.openAt;
  }

  backOff(ms: number): void {
    this.openAt = Math.max(this.openAt, this.clock.now() + ms);
  }

  /** Slack has answered this deleter's call (or failed it): what it held for the call is free. */
  answered(): void {}
}

export interface DeleteDeps extends Common {
  slack: SlackPort;
  store: StorePort;
  /** Where reveals' keys are: a reveal's is burned before its card is deleted. */
  reveals: Pick<RevealStorePort, 'burn'>;
  /** Admins' activity counts: on time, early or late (when the policy turns them on). */
  activity?: ActivityRecorder;
}

/**
 * Key first, card second, on every path that deletes a card: a reveal's key is burned before its
 * card goes, so the secret can no longer be opened whatever Slack then answers. Nothing for a snap
 * that is not a reveal; throws when the key could not be burned.
 */
export async function burnRevealKey(
  record: Pick<SnapRecord, 'id'>,
  reveals: Pick<RevealStorePort, 'burn'>,
  log: Logger,
  reason: DeletionReason,
): Promise<void> {
  if (!isRevealId(record.id)) return;
  await reveals.burn(record.id);
  log.info('reveal.burned', { reason });
}

/**
 * Deletes one posted snap. Rate limits are waited out while `deadline` allows; anything that
 * can still succeed later is `kept` (its record stays for the next sweep or for TTL). A deleter
 * holding the record's lease names itself as `leaseOwner`: what it keeps, it gives back, so the
 * next deleter (a sweep perhaps already running) takes it up at once instead of after the lease.
 * `reason` says whether the due time came or the author asked early (it shapes the log line).
 * The token that posted the snap deletes it; when snap holds that token no more (the workspace
 * removed snap, the author took their permission back) or Slack calls it dead (the same, before
 * snap heard of it), nothing ever can: the dead token is deleted from the store at once, the
 * record is dropped as `token_gone`, logged as `snap.token_gone` (the "messages left behind"
 * alarm counts it), the author is told by snap's bot where it can, and the message stays in Slack.
 */
export async function deleteSnap(
  record: SnapRecord,
  deps: DeleteDeps,
  pacer: Pacer,
  deadline: number,
  leaseOwner?: string,
  reason: DeletionReason = 'due',
): Promise<DeleteResult> {
  const result = await attemptDelete(record, deps, pacer, deadline, reason);
  if (result === 'kept' && leaseOwner) await deps.store.unlease(record.id, leaseOwner);
  return result;
}

async function attemptDelete(
  record: SnapRecord,
  deps: DeleteDeps,
  pacer: Pacer,
  deadline: number,
  reason: DeletionReason,
): Promise<DeleteResult> {
  const { slack, store, clock } = deps;
  const log = deps.log.child({ team: record.team, channel: record.channel, ts: record.ts, snap: record.id });
  if (!record.ts) return 'kept';
  try {
    await burnRevealKey(record, deps.reveals, log, reason);
  } catch (error) {
    // The card stays until the key is surely gone.
    log.warn('reveal.burn_failed', { reason, ...errorFields(error) });
    return 'kept';
  }
  let deletedAt: number | undefined;
  // A message its author sent with files (snap_this): the files first, so that a message already
  // gone on a later try still has its files taken.
  if (record.files?.length && (await deleteFiles(record, deps, pacer, deadline, log)) === 'kept')
    return 'kept';
  /** Slack called the token dead once: its retirement, and the code Slack gave. */
  let dead: { code: string; retired: Awaited<ReturnType<typeof retireDeadToken>> } | undefined;
  for (;;) {
    // The workspace is paused past this deleter's deadline: leave it to the next one.
    if (pacer.opensAt >= deadline) return 'kept';
    if (!(await pacer.ready(deadline))) return 'kept';
    let outcome: DeleteResult | undefined;
    try {
      try {
        await slack.delete(speakerOf(record), record.channel, record.ts);
      } finally {
        pacer.answered();
      }
      outcome = 'deleted';
      deletedAt = clock.now();
      const { event, ...timing } = deletionTiming(reason, record.dueAt, deletedAt);
      log.info(event, { ...(reason === 'due' ? {} : { reason }), ...timing });
    } catch (error) {
      if (error instanceof NoTokenError) {
        // No token can be found again later: retrying would only keep the record for nothing.
        outcome = 'token_gone';
        log.warn('snap.token_gone', {
          postedAs: record.postedAs ?? 'bot',
          ...(dead ? { token: 'dead', code: dead.code, retired: dead.retired } : { token: 'none' }),
          ...(reason === 'due' ? {} : { reason }),
        });
      } else {
        if (!(error instanceof SlackCallError)) throw error;
        const verdict = judgeDeleteFailure(error.kind, error.code);
        if (verdict === 'token_dead') {
          // Out of the store, unless a newer grant is stored there now.
          const retired = await retireDeadToken(speakerOf(record), deps.slack, log);
          if (!dead && retired !== 'configured') {
            // Once more with a fresh look-up: a warm function may have held a token since given
            // again (a reinstall, the author allowing snap anew), which the look-up now finds.
            dead = { code: error.code, retired };
            continue;
          }
          // Dead for good: no later attempt can succeed, and no other token may delete it.
          outcome = 'token_gone';
          log[retired === 'configured' ? 'error' : 'warn']('snap.token_gone', {
            postedAs: record.postedAs ?? 'bot',
            token: 'dead',
            code: error.code,
            retired,
            ...(reason === 'due' ? {} : { reason }),
          });
        } else if (verdict === 'done') {
          outcome = 'already_gone';
          log.info('snap.already_gone');
        } else if (verdict === 'give_up') {
          outcome = 'given_up';
          // The message stays in Slack and nothing will try again: an operator should see it.
          log.error('snap.delete_given_up', errorFields(error));
        } else if (error.kind === 'rate_limited' && error.retryAfterMs !== undefined) {
          pacer.backOff(error.retryAfterMs);
          if (pacer.opensAt < deadline) {
            log.info('snap.delete_rate_limited', { retryAfterMs: error.retryAfterMs });
            continue;
          }
          log.warn('snap.delete_deferred', errorFields(error));
          return 'kept';
        } else {
          log.warn('snap.delete_deferred', errorFields(error));
          return 'kept';
        }
      }
    }
    try {
      await store.bury(tombstone(record.id, 'done', clock.now()));
    } catch (error) {
      // The message is gone (or nothing can delete it): found again, the record settles the same way.
      log.warn('snap.record_bury_failed', errorFields(error));
    }
    // Once the record is settled, so that a slow or failed word to the author never keeps it.
    if (outcome === 'token_gone') await tellAuthorLeftBehind(record, deps.slack, log);
    // Counted once the record is settled: the next deletion in this lane waits for nothing of it.
    if (deletedAt !== undefined)
      await deps.activity?.record(record, metricOf(reason, record.dueAt, deletedAt), deletedAt);
    return outcome;
  }
}

/**
 * Deletes a message's files with the token that deletes the message. `kept` when one may still
 * go later (rate limits past the deadline, Slack unavailable); files Slack will never delete
 * (not the author's, no `files:write`) are logged and left, and the message goes anyway.
 */
async function deleteFiles(
  record: SnapRecord,
  deps: DeleteDeps,
  pacer: Pacer,
  deadline: number,
  log: DeleteDeps['log'],
): Promise<'done' | 'kept'> {
  for (const file of record.files ?? []) {
    /** Slack called the token dead once for this file: a fresh look-up was tried. */
    let looked = false;
    for (;;) {
      if (pacer.opensAt >= deadline) return 'kept';
      if (!(await pacer.ready(deadline))) return 'kept';
      try {
        try {
          await deps.slack.deleteFile(speakerOf(record), file);
        } finally {
          pacer.answered();
        }
        log.info('snap.file_deleted', { file });
        break;
      } catch (error) {
        // No token: the message's own deletion meets the same and gives the snap up.
        if (error instanceof NoTokenError) return 'done';
        if (!(error instanceof SlackCallError)) throw error;
        if (isDeadToken(error.kind, error.code)) {
          // The adapter forgot it: a newer grant may be found. Otherwise the message's own
          // deletion meets the same answer and gives the snap up.
          if (looked) return 'done';
          looked = true;
          continue;
        }
        const verdict = judgeFileDeleteFailure(error.kind, error.code);
        if (verdict === 'done') break;
        if (verdict === 'give_up') {
          log.warn('snap.file_not_deleted', { file, ...errorFields(error) });
          break;
        }
        if (error.kind === 'rate_limited' && error.retryAfterMs !== undefined) {
          pacer.backOff(error.retryAfterMs);
          if (pacer.opensAt < deadline) continue;
        }
        log.warn('snap.delete_deferred', { file, ...errorFields(error) });
        return 'kept';
      }
    }
  }
  return 'done';
}
