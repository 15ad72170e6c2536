/**
 * Sealing the message for its trip from ack to poster. Lambda keeps async events for hours and
 * drops failed ones, payload and all, into the on-failure queue, so the payload must not be
 * readable there: AES-256-GCM under a KMS data key. Every clear field that travels with it is
 * bound in as associated data, so a sealed payload opens only inside the very event ack made:
 * not under another request id, nor redirected to another workspace, channel or author, nor
 * with another delay, receipt time or action.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SealError } from '../errors';
import type { RevealOpenRequest, RevealPostRequest } from './reveal';
import type { AuthorRequest, HomeRequest, OpenViewRequest, PostRequest, ScheduleRequest } from './snap';

/**
 * The associated data of a snap's event: a JSON array in a fixed order, led by a tag naming the
 * event kind and version. Each field is quoted or a number, so no two different events encode
 * alike (unlike joining strings, where `a:b` + `c` and `a` + `b:c` would). The Enterprise Grid
 * org, present only on Grid, is the last element when there is one: an event without it encodes
 * as before (events sealed by the previous ack still open during a deploy), and adding or
 * removing it changes the array's length, so neither goes unnoticed.
 */
export function postAad(
  request: Pick<
    PostRequest,
    | 'v'
    | 'id'
    | 'team'
    | 'enterprise'
    | 'channel'
    | 'user'
    | 'delaySeconds'
    | 'receivedAt'
    | 'via'
    | 'threadTs'
    | 'defaulted'
  >,
): string {
  const { v, id, team, channel, user, delaySeconds, receivedAt } = request;
  // A modal's snap has a tag of its own, which also binds the modal and the thread: a `/snap`
  // event cannot be turned into a thread reply, nor a reply moved to another thread.
  if (request.via !== undefined)
    return JSON.stringify([
      'snap/view-post',
      v,
      id,
      request.via,
      team,
      channel,
      request.threadTs ?? null,
      user,
      delaySeconds,
      receivedAt,
      ...org(request.enterprise),
      ...defaultedMarker(request.defaulted),
    ]);
  return JSON.stringify([
    'snap/post',
    v,
    id,
    team,
    channel,
    user,
    delaySeconds,
    receivedAt,
    ...org(request.enterprise),
    ...defaultedMarker(request.defaulted),
  ]);
}

/**
 * A snap sent without a delay: a marker of its own kind (an object), after the org if any, so an
 * event without it encodes as before and no string can pass for it.
 */
const defaultedMarker = (defaulted: true | undefined): object[] => (defaulted ? [{ defaulted: true }] : []);

/** The associated data of an App Home request: the whole action and whose it is. */
export function homeAad(id: string, request: HomeRequest): string {
  const { v, home, team, user, receivedAt } = request;
  return JSON.stringify(['snap/home', v, id, home, team, user, receivedAt, ...org(request.enterprise)]);
}

/** The associated data of an author's request: its id, the whole action and whose it is. */
export function authorAad(id: string, request: AuthorRequest): string {
  const { v, action, team, channel, user, receivedAt } = request;
  const target =
    action.kind === 'delete'
      ? [action.snapId, action.list === true]
      : action.kind === 'delete_message'
        ? action.ts
        : action.kind === 'policy'
          ? (action.change ?? null)
          : action.kind === 'default'
            ? action.seconds === undefined
              ? 'show'
              : action.seconds === null
                ? 'clear'
                : action.seconds
            : null;
  return JSON.stringify([
    'snap/author',
    v,
    id,
    action.kind,
    target,
    team,
    channel,
    user,
    receivedAt,
    ...org(request.enterprise),
  ]);
}

/**
 * The associated data of a reveal's event (ack → poster): a snap's fields — the modal it came
 * from and the thread too, when it came from one — and the people it is for, so that nobody can
 * add or remove a name, or move it to another thread, on the way.
 */
export function revealPostAad(request: RevealPostRequest): string {
  const { v, id, team, channel, user, delaySeconds, receivedAt } = request;
  return JSON.stringify([
    'snap/reveal',
    v,
    id,
    request.via ?? null,
    team,
    channel,
    request.threadTs ?? null,
    user,
    delaySeconds,
    receivedAt,
    request.reveal.for,
    ...org(request.enterprise),
    ...defaultedMarker(request.defaulted),
  ]);
}

/**
 * The associated data of the secret itself, sealed to the reveal's own key: which reveal, where,
 * by whom, and for whom. Stored beside the key and opened only there, it cannot be passed off as
 * another reveal's secret, in another conversation or by another author — and it opens only for
 * the people ack was told it is for: whoever rewrites that list in the snap table (it can be
 * written by more roles than can open the key) makes it open for nobody, never for someone new.
 */
export function revealSecretAad(
  reveal: Pick<RevealPostRequest, 'id' | 'team' | 'enterprise' | 'channel' | 'user'> & {
    for: readonly string[];
  },
): string {
  return JSON.stringify([
    'snap/reveal-secret',
    1,
    reveal.id,
    reveal.team,
    reveal.channel,
    reveal.user,
    reveal.for,
    ...org(reveal.enterprise),
  ]);
}

/** The associated data of a click on *Reveal* (ack → controls): the click, the card, the clicker. */
export function revealOpenAad(request: RevealOpenRequest): string {
  const { v, id, revealId, messageTs, team, channel, user, receivedAt } = request;
  return JSON.stringify([
    'snap/reveal-open',
    v,
    id,
    revealId,
    messageTs,
    team,
    channel,
    user,
    receivedAt,
    ...org(request.enterprise),
    ...(request.home ? [['home', request.home]] : []),
  ]);
}

/** `snap_this`: the message to delete, whose it is, when, bound to the request. */
export function scheduleAad(request: ScheduleRequest): string {
  const { v, id, team, channel, ts, user, delaySeconds, receivedAt } = request;
  return JSON.stringify([
    'snap/schedule',
    v,
    id,
    team,
    channel,
    ts,
    user,
    delaySeconds,
    receivedAt,
    ...org(request.enterprise),
  ]);
}

/** A shortcut that opens a modal: which, for whom, on which message. */
export function openViewAad(request: OpenViewRequest): string {
  const { v, id, callback, team, user, message, receivedAt } = request;
  return JSON.stringify([
    'snap/open-view',
    v,
    id,
    callback,
    team,
    user,
    message
      ? [message.channel, message.ts, message.threadTs ?? null, message.author ?? null, message.files]
      : null,
    receivedAt,
    ...org(request.enterprise),
  ]);
}

/** The org as a trailing element, or nothing. An empty string is a value like any other. */
const org = (enterprise: string | undefined): string[] => (enterprise === undefined ? [] : [enterprise]);

export interface Sealed {
  /** The data key, encrypted by KMS (base64), so the receiver can have KMS decrypt it. */
  key: string;
  /** 12-byte GCM nonce, base64. */
  iv: string;
  /** Ciphertext followed by the 16-byte GCM tag, base64. */
  data: string;
}

const TAG_BYTES = 16;

/**
 * AES-256-GCM under `key` with `aad` bound in: a fresh 12-byte nonce, and the ciphertext
 * followed by its tag, both base64. A trip's message (`seal`) and a reveal's secret
 * (shared/domain/reveal-seal.ts) are both sealed by it.
 */
export function encryptGcm(key: Uint8Array, plaintext: string, aad: string): { iv: string; data: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { iv: iv.toString('base64'), data: body.toString('base64') };
}

/** The inverse of `encryptGcm`; throws on any mismatch (each caller says what failed to open). */
export function decryptGcm(key: Uint8Array, sealed: { iv: string; data: string }, aad: string): string {
  const iv = Buffer.from(sealed.iv, 'base64');
  const body = Buffer.from(sealed.data, 'base64');
  if (iv.byteLength !== 12 || body.byteLength < TAG_BYTES) throw new Error('sealed payload too short');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(body.subarray(body.byteLength - TAG_BYTES));
  return Buffer.concat([
    decipher.update(body.subarray(0, body.byteLength - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}

export function seal(plainKey: Uint8Array, encryptedKey: string, plaintext: string, aad: string): Sealed {
  if (plainKey.byteLength !== 32) throw new SealError('Data key must be 32 bytes');
  return { key: encryptedKey, ...encryptGcm(plainKey, plaintext, aad) };
}

export function unseal(plainKey: Uint8Array, sealed: Sealed, aad: string): string {
  try {
    return decryptGcm(plainKey, sealed, aad);
  } catch (error) {
    throw new SealError('Sealed message could not be opened', { cause: error });
  }
}

export function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.key === 'string' && typeof v.iv === 'string' && typeof v.data === 'string';
}

export function sealJson(plainKey: Uint8Array, encryptedKey: string, value: unknown, aad: string): Sealed {
  return seal(plainKey, encryptedKey, JSON.stringify(value), aad);
}

export function unsealJson(plainKey: Uint8Array, sealed: Sealed, aad: string): unknown {
  const text = unseal(plainKey, sealed, aad);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SealError('Sealed message is not JSON', { cause: error });
  }
}
