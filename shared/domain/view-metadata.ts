/**
 * What a modal's `private_metadata` carries, and how it is bound to the person and the view.
 *
 * Slack hands `private_metadata` back verbatim in the `view_submission`, inside a request that
 * only proves Slack (or whoever holds the signing secret) sent it. What snap put there decides
 * which message `snap_this` deletes with the author's own token and which thread `snap_reply`
 * posts in, so it must not be something a submission can choose. The controls function, which
 * opened the view after checking the message's author, seals it (AES-256-GCM under a data key
 * KMS makes only for the controls role, encryption context `purpose=view`); the poster, the only
 * role KMS lets open such a key, opens it. The associated data binds the seal to:
 *
 * - the view: a random nonce, which is also the submission's request id (`team:view:<nonce>`),
 *   so the same binding acts once however often it is submitted;
 * - the modal kind (a `snap_reply` binding cannot serve a `snap_this`);
 * - the person: workspace, org and user — another person's submission cannot carry it;
 * - its issue time, which ack reads in the clear to keep a stale form open with a clear error
 *   (the poster checks it again under the seal).
 *
 * It holds no text, ever: the conversation, the thread or message `ts`, file ids and the message's
 * author, as Slack reported them when the shortcut was used.
 */
import { randomBytes } from 'node:crypto';
import { isSealed, type Sealed } from './seal';
import type { ModalKind } from './surfaces';
import { isModalKind } from './surfaces';

export interface ViewBinding {
  kind: ModalKind;
  /** The conversation it is about (`snap_reply`: the message's; `snap_this`: the message's). */
  channel?: string;
  /** `snap_reply`: the thread to post in (the message's `thread_ts`, else its `ts`). */
  threadTs?: string;
  /** `snap_this`: the message to delete. */
  ts?: string;
  /** `snap_this`: the message's files, deleted with it. */
  files?: string[];
  /** `snap_this`: the message's author as Slack reported it (checked equal to the clicker). */
  author?: string;
}

/** The part of `private_metadata` ack may read: a version, the nonce, the issue time, and the seal. */
export interface ViewMetadata {
  v: 1;
  /** Random, base64url: names the view (and so the submission's request id). */
  n: string;
  /** When controls sealed it (ms since epoch). */
  at: number;
  /**
   * Where ack sends the submission: the conversation, and the thread (`snap_reply`) or message
   * (`snap_this`) `ts`. A routing copy only: the poster acts only when they equal the sealed ones.
   */
  c?: string;
  t?: string;
  s: Sealed;
}

/**
 * How long a form stays good. A submission's request id lives as a tombstone for an hour after it
 * is settled; a binding older than this is refused, so no late submission can act again once that
 * tombstone is gone. A person who leaves a modal open longer is told to open it again (ack keeps
 * the modal open, their text in it).
 */
export const VIEW_MAX_AGE_MS = 45 * 60_000;

/** Slack's limit for `private_metadata`. */
export const METADATA_MAX_CHARS = 3000;

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

export function viewAad(
  who: { team: string; enterprise?: string | undefined; user: string },
  kind: ModalKind,
  nonce: string,
  at: number,
): string {
  return JSON.stringify([
    'snap/view',
    1,
    kind,
    nonce,
    at,
    who.team,
    who.user,
    ...(who.enterprise === undefined ? [] : [who.enterprise]),
  ]);
}

export function encodeMetadata(metadata: ViewMetadata): string {
  return JSON.stringify(metadata);
}

/** The clear part of `private_metadata`, if it has snap's shape (nothing is trusted until opened). */
export function readMetadata(raw: string): ViewMetadata | undefined {
  if (raw.length === 0 || raw.length > METADATA_MAX_CHARS) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const m = parsed as Partial<ViewMetadata> | null;
  if (
    m?.v !== 1 ||
    (m.c !== undefined && (typeof m.c !== 'string' || !SLACK_ID.test(m.c))) ||
    (m.t !== undefined && (typeof m.t !== 'string' || !TS.test(m.t))) ||
    typeof m.n !== 'string' ||
    !NONCE.test(m.n) ||
    typeof m.at !== 'number' ||
    !Number.isSafeInteger(m.at) ||
    !isSealed(m.s)
  )
    return undefined;
  return {
    v: 1,
    n: m.n,
    at: m.at,
    ...(m.c ? { c: m.c } : {}),
    ...(m.t ? { t: m.t } : {}),
    s: { key: m.s.key, iv: m.s.iv, data: m.s.data },
  };
}

/** Whether a binding issued at `at` is still good at `now` (and not from the future). */
export function metadataFresh(at: number, now: number): boolean {
  return now - at <= VIEW_MAX_AGE_MS && at - now <= 60_000;
}

/** The request id of a submission bound by `nonce`: the same for every delivery of that view. */
export const submissionId = (team: string, nonce: string) => `${team}:view:${nonce}`;

const TS = /^\d{1,12}\.\d{1,8}$/;
const SLACK_ID = /^[A-Z0-9][A-Za-z0-9_-]{1,63}$/;

/** An opened binding, if it has the shape snap seals (anything else is refused). */
export function isViewBinding(value: unknown): value is ViewBinding {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const opt = (x: unknown, re: RegExp) => x === undefined || (typeof x === 'string' && re.test(x));
  return (
    typeof v.kind === 'string' &&
    isModalKind(v.kind) &&
    opt(v.channel, SLACK_ID) &&
    opt(v.threadTs, TS) &&
    opt(v.ts, TS) &&
    opt(v.author, SLACK_ID) &&
    (v.files === undefined ||
      (Array.isArray(v.files) && v.files.every((f) => typeof f === 'string' && SLACK_ID.test(f))))
  );
}

/** A view's nonce: 16 random bytes, base64url. */
export const newNonce = (): string => randomBytes(16).toString('base64url');
