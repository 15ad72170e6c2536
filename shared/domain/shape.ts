/**
 * Shapes the events' validators share (shared/domain/snap.ts, reveal.ts, view-metadata.ts): one
 * definition each, so that a plain snap's request and a reveal's are checked field for field alike.
 */
import { MODAL } from './surfaces';

const TS = /^\d{1,12}\.\d{1,8}$/;

/** A Slack message timestamp (`1700000000.000100`). */
export const isTs = (value: unknown): value is string => typeof value === 'string' && TS.test(value);

/** An optional clear field: absent, or a non-empty string. */
export const isOptionalId = (value: unknown): boolean =>
  value === undefined || (typeof value === 'string' && value !== '');

/**
 * The fields of a snap's request to the poster (`PostRequest`), plain or reveal alike; what tells
 * the two apart (`id`'s prefix, `reveal`) is each one's own check.
 */
export function hasPostFields(v: Record<string, unknown>): boolean {
  return (
    v.v === 1 &&
    v.action === undefined &&
    v.kind === undefined &&
    (v.via === undefined || v.via === MODAL.snapNew || v.via === MODAL.snapReply) &&
    // A reply goes in a thread, and only a reply does.
    (v.via === MODAL.snapReply ? isTs(v.threadTs) : v.threadTs === undefined) &&
    typeof v.id === 'string' &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.channel === 'string' &&
    typeof v.user === 'string' &&
    typeof v.delaySeconds === 'number' &&
    Number.isInteger(v.delaySeconds) &&
    v.delaySeconds > 0 &&
    (v.defaulted === undefined || v.defaulted === true) &&
    typeof v.receivedAt === 'number'
  );
}
