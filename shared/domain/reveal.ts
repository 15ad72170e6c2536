/**
 * Reveal once: a secret behind a card's *Reveal* button, shown to each person it is for alone,
 * once, and burned — its key destroyed, then the card deleted — when everyone it is for has
 * opened it, when its time runs out, or when its author deletes it first.
 *
 * A reveal is a snap like any other (a record with a due time, posted as the author or by the
 * bot, deleted on time by the same paths), whose message is the card and whose secret lives
 * elsewhere: sealed to a key of its own that only a table without stream or backups holds
 * (shared/domain/reveal-seal.ts). Its request id carries `REVEAL_PREFIX`, so every deleter — the
 * sweeper reading the due index, the reaper reading a stream image — knows from the key alone
 * that there is a key to burn first, with no attribute added to any index.
 */
import type { SealedSecret } from './reveal-seal';
import { hasPostFields, isOptionalId } from './shape';
import type { PostRequest } from './snap';

/** The default delay of a reveal: a day, or the longest delay allowed when that is shorter. */
export const REVEAL_DEFAULT_SECONDS = 86_400;

/**
 * The longest secret snap takes, in characters as Slack sends them (`&`, `<` and `>` arrive as
 * `&amp;`, `&lt;`, `&gt;`). The secret is shown in one section block, whose text Slack caps at
 * 3,000 characters, inside a code block (its fences take 8): 2,900 keeps a margin.
 */
export const MAX_SECRET_CHARS = 2_900;

/**
 * The most people one secret may name. Each is checked to be in the conversation (one
 * `chat.postEphemeral` each, Slack's tier 4) and named on the card; twenty is a long list.
 */
export const MAX_REVEAL_PEOPLE = 20;

/** What a reveal's request id starts with (the record `snap#reveal:…`, its key `reveal#reveal:…`). */
export const REVEAL_PREFIX = 'reveal:';

/** The id of the reveal made by the request `requestId` (`team:trigger_id`, or a view's). */
export const revealIdOf = (requestId: string): string => `${REVEAL_PREFIX}${requestId}`;

export const isRevealId = (id: string): boolean => id.startsWith(REVEAL_PREFIX);

/** The value of the modals' "Reveal once" checkbox option. */
export const REVEAL_OPTION = 'reveal_once';

/**
 * A secret typed in a modal, escaped as Slack escapes a command's text (`&`, `<`, `>`), so that
 * it is shown exactly as typed — never read as a mention, a link or a broadcast — and counted
 * against `MAX_SECRET_CHARS` as a command's is.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack user id as mentions carry it (`U…`, or `W…` on Enterprise Grid). */
export const USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/** Who a reveal is for, and who has opened it, as its snap record keeps them. */
export interface RevealState {
  /** The people named; empty: anyone in the conversation but its author (the first to open it). */
  for: string[];
  /** Who has opened it, in order. */
  opened: string[];
}

/**
 * What ack hands the poster for a reveal: a snap's request (its id made with `revealIdOf`) and
 * the people it is for. The sealed content is `RevealContent`. A modal's "Reveal once" choice
 * sends the same request with the modal's `via` (and, for a reply, its `threadTs`): the people
 * picked, the secret typed.
 */
export type RevealPostRequest = PostRequest & { reveal: { for: string[] } };

/**
 * What a reveal's event carries sealed (for the poster): the secret sealed to its own key, and
 * where its outcome goes — a command's `responseUrl`, or a modal's binding (`metadata`, its
 * `private_metadata` as Slack gave it back), whose outcomes reach the author through
 * shared/app/notify.ts. Exactly one of the two.
 */
export interface RevealContent {
  secret: SealedSecret;
  responseUrl?: string;
  metadata?: string;
}

/**
 * ack's synchronous request to the controls function before it hands a reveal on: make this
 * reveal's key (a KMS data key, kept only wrapped, in the reveal table) and give back its public
 * half, to which ack seals the secret. Nothing in it is secret; the answer is `{ publicKey }`
 * (base64) or `{ error }`.
 */
export interface RevealKeyRequest {
  v: 1;
  kind: 'reveal_key';
  /** The reveal's id (`revealIdOf`). */
  id: string;
  team: string;
  enterprise?: string;
  channel: string;
  user: string;
  receivedAt: number;
}

/**
 * A click on a card's *Reveal* button, handed to the controls function. `id` is the click's own
 * request id (`team:action_ts`, the same when Slack or anyone repeats it); the sealed content
 * is the click's `response_url`, through which the clicker alone is answered.
 */
export interface RevealOpenRequest {
  v: 1;
  kind: 'reveal_open';
  id: string;
  /** The reveal the button names (its value): checked against the record, never trusted. */
  revealId: string;
  /** The message the button was in. */
  messageTs: string;
  team: string;
  enterprise?: string;
  channel: string;
  /** Who clicked: what they may see is decided from the record. */
  user: string;
  /**
   * The clicker's own workspace (Slack's `user.team_id`, the org's id on Grid), when Slack says it:
   * someone of another organisation in a shared channel has one that is not the card's.
   */
  home?: string;
  receivedAt: number;
}

const isPeople = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length <= MAX_REVEAL_PEOPLE &&
  value.every((p) => typeof p === 'string' && USER_ID.test(p)) &&
  new Set(value).size === value.length;

export function isRevealPostRequest(value: unknown): value is RevealPostRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const reveal = v.reveal as Record<string, unknown> | undefined;
  return (
    hasPostFields(v) &&
    isRevealId(v.id as string) &&
    typeof reveal === 'object' &&
    reveal !== null &&
    isPeople(reveal.for)
  );
}

export function isRevealKeyRequest(value: unknown): value is RevealKeyRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    v.kind === 'reveal_key' &&
    typeof v.id === 'string' &&
    isRevealId(v.id) &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.channel === 'string' &&
    typeof v.user === 'string' &&
    typeof v.receivedAt === 'number'
  );
}

export function isRevealOpenRequest(value: unknown): value is RevealOpenRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    v.kind === 'reveal_open' &&
    typeof v.id === 'string' &&
    typeof v.revealId === 'string' &&
    isRevealId(v.revealId) &&
    typeof v.messageTs === 'string' &&
    typeof v.team === 'string' &&
    isOptionalId(v.enterprise) &&
    typeof v.channel === 'string' &&
    typeof v.user === 'string' &&
    isOptionalId(v.home) &&
    typeof v.receivedAt === 'number'
  );
}

/** What a click on *Reveal* may do, decided from the record alone. */
export type OpenVerdict =
  /** Show the secret to the clicker; `burns`: they were the last it was for. */
  | { kind: 'show'; burns: boolean }
  /** Named people only, and the clicker is not one of them. */
  | { kind: 'not_for_you'; for: string[] }
  /** No one named: its author already knows it, and their click must not burn it. */
  | { kind: 'author' }
  /** The clicker opened it before: it is shown once. */
  | { kind: 'already_opened' };

export function openVerdict(record: { user: string; reveal: RevealState }, clicker: string): OpenVerdict {
  const { reveal } = record;
  if (reveal.opened.includes(clicker)) return { kind: 'already_opened' };
  if (reveal.for.length === 0)
    return clicker === record.user ? { kind: 'author' } : { kind: 'show', burns: true };
  if (!reveal.for.includes(clicker)) return { kind: 'not_for_you', for: reveal.for };
  const after = new Set([...reveal.opened, clicker]);
  return { kind: 'show', burns: reveal.for.every((p) => after.has(p)) };
}

/**
 * How long a reveal's key waits for its card (seconds): ack asks for the key, then hands the
 * request to the poster, which attaches the sealed secret and gives the key its real expiry. A
 * key never attached (ack's hand-off failed, the poster refused) expires by TTL after this —
 * the poster's event age (10 minutes) and a margin.
 */
export const UNATTACHED_KEY_TTL_SECONDS = 15 * 60;
