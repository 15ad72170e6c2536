/**
 * reaper's use case, the safety net: when TTL removes a record whose message the precise path
 * did not delete, delete it now. Only TTL removals count. When Slack cannot delete it now for a
 * reason that may pass (rate limits, an outage, a token being fixed), the record goes back into
 * the table for the sweeper — retrying here would meet the same limit, and a batch that fails
 * its retries would leave the message with nothing that knows it. Only a record that cannot be
 * put back goes back to Lambda as a partial batch failure; permanent failures are logged and
 * dropped. A snap the reaper settles leaves a tombstone, as every other deletion path does: TTL
 * removed its record, and a late repeat of its request must still find that it was handled.
 * The token that posted a snap deletes it; a snap whose token snap no longer holds (the workspace
 * removed snap, its author took their permission back), or whose token Slack calls dead, is
 * settled with `reaper.token_gone` (a dead token deleted from the store at once, the author told
 * where snap's bot can): nothing could ever delete it, so putting it back would only keep a
 * record for nothing.
 */
import {
  isTtlRemoval,
  judgeDeleteFailure,
  judgeFileDeleteFailure,
  type RemovalIdentity,
} from '../domain/deletion';
import { shardOf } from '../domain/engine';
import { putBackRecord, type SnapRecord, tombstone } from '../domain/snap';
import { NoTokenError, SlackCallError } from '../errors';
import { errorFields } from '../log';
import { burnRevealKey } from './delete-snap';
import type { Common, RevealStorePort, SlackPort, StorePort } from './ports';
import { speakerOf } from './speaker';
import { retireDeadToken, tellAuthorLeftBehind } from './token-gone';

export interface RemovalRecord extends RemovalIdentity {
  /** The stream sequence number, reported back when the record must be retried. */
  sequenceNumber: string;
  snap: SnapRecord | undefined;
}

export interface ReapDeps extends Common {
  slack: SlackPort;
  store: Pick<StorePort, 'putBack' | 'claimRequest'>;
  /** The due index's shards: a record goes back to its workspace's. */
  shards: number;
  /** A reveal's key burns before its card goes, here as on every path. */
  reveals: Pick<RevealStorePort, 'burn'>;
}

export interface ReapResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export async function reap(records: RemovalRecord[], deps: ReapDeps): Promise<ReapResult> {
  const { clock } = deps;
  const failures: ReapResult['batchItemFailures'] = [];
  for (const record of records) {
    if (!isTtlRemoval(record)) continue;
    const snap = record.snap;
    if (snap?.state !== 'posted' || !snap.ts) continue; // never posted: nothing to delete
    const log = deps.log.child({ team: snap.team, channel: snap.channel, ts: snap.ts, snap: snap.id });
    // Conditional: if the key holds an item again (a put-back), that one stands.
    const settle = () =>
      deps.store
        .claimRequest(tombstone(snap.id, 'done', clock.now()))
        .catch((error: unknown) => log.warn('reaper.tombstone_failed', errorFields(error)));
    try {
      // Key first: if it cannot be burned now, the record goes back like a deletion Slack refused.
      await burnRevealKey(snap, deps.reveals, log, 'due');
      // A snap_this message's files first, as the sweeper does; one that may still go later
      // sends the record back (below) like the message would.
      for (const file of snap.files ?? []) {
        try {
          await deps.slack.deleteFile(speakerOf(snap), file);
        } catch (error) {
          if (!(error instanceof SlackCallError)) throw error;
          const verdict = judgeFileDeleteFailure(error.kind, error.code);
          if (verdict === 'retry') throw error;
          if (verdict === 'give_up') log.warn('reaper.file_not_deleted', { file, ...errorFields(error) });
        }
      }
      await deps.slack.delete(speakerOf(snap), snap.channel, snap.ts);
      log.info('reaper.deleted', { lateMs: clock.now() - snap.dueAt });
      await settle();
    } catch (error) {
      if (error instanceof NoTokenError) {
        log.warn('reaper.token_gone', { postedAs: snap.postedAs ?? 'bot', token: 'none' });
        await settle();
        await tellAuthorLeftBehind(snap, deps.slack, log);
        continue;
      }
      const verdict = error instanceof SlackCallError ? judgeDeleteFailure(error.kind, error.code) : 'retry';
      if (verdict === 'token_dead') {
        // Dead for good: the token out of the store at once, the record settled, never put back.
        const retired = await retireDeadToken(speakerOf(snap), deps.slack, log);
        log[retired === 'configured' ? 'error' : 'warn']('reaper.token_gone', {
          postedAs: snap.postedAs ?? 'bot',
          token: 'dead',
          code: error instanceof SlackCallError ? error.code : 'unknown',
          retired,
        });
        await settle();
        await tellAuthorLeftBehind(snap, deps.slack, log);
        continue;
      }
      if (verdict === 'done') {
        log.info('reaper.already_gone');
        await settle();
        continue;
      }
      if (verdict === 'give_up') {
        log.warn('reaper.delete_given_up', errorFields(error));
        await settle();
        continue;
      }
      const back = putBackRecord(snap, clock.now(), String(shardOf(snap, deps.shards)));
      if (!back) {
        // Tried for days: an operator has to delete this one by hand (the line says where).
        log.error('reaper.delete_abandoned', { ...errorFields(error), overdueMs: clock.now() - snap.dueAt });
        continue;
      }
      try {
        const written = await deps.store.putBack(back);
        log.warn(written ? 'reaper.put_back' : 'reaper.put_back_already', errorFields(error));
      } catch (putError) {
        log.error('reaper.put_back_failed', errorFields(putError));
        failures.push({ itemIdentifier: record.sequenceNumber });
      }
    }
  }
  return { batchItemFailures: failures };
}
