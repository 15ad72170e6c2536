/**
 * reaper's use case, the safety net: when TTL removes a record whose message the precise path
 * did not delete, delete it now. Only TTL removals count; retryable failures go back to Lambda
 * as partial batch failures, permanent ones are logged and dropped.
 */
import { isTtlRemoval, judgeDeleteFailure, type RemovalIdentity } from '../domain/deletion';
import type { SnapRecord } from '../domain/snap';
import { SlackCallError } from '../errors';
import { errorFields } from '../log';
import type { Common, SlackPort } from './ports';

export interface RemovalRecord extends RemovalIdentity {
  /** The stream sequence number, reported back when the record must be retried. */
  sequenceNumber: string;
  snap: SnapRecord | undefined;
}

export interface ReapDeps extends Pick<Common, 'log'> {
  slack: SlackPort;
}

export interface ReapResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export async function reap(records: RemovalRecord[], deps: ReapDeps): Promise<ReapResult> {
  const failures: ReapResult['batchItemFailures'] = [];
  for (const record of records) {
    if (!isTtlRemoval(record)) continue;
    const snap = record.snap;
    if (snap?.state !== 'posted' || !snap.ts) continue; // never posted: nothing to delete
    const log = deps.log.child({ team: snap.team, channel: snap.channel, ts: snap.ts, snap: snap.id });
    try {
      await deps.slack.delete(snap.channel, snap.ts);
      log.info('reaper.deleted', { lateMs: Date.now() - snap.dueAt });
    } catch (error) {
      const verdict = error instanceof SlackCallError ? judgeDeleteFailure(error.kind, error.code) : 'retry';
      if (verdict === 'done') {
        log.info('reaper.already_gone');
      } else if (verdict === 'give_up') {
        log.warn('reaper.delete_given_up', errorFields(error));
      } else {
        log.warn('reaper.delete_retry', errorFields(error));
        failures.push({ itemIdentifier: record.sequenceNumber });
      }
    }
  }
  return { batchItemFailures: failures };
}
