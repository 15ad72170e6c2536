/**
 * What the use cases need from the outside world. The adapters in `shared/adapters` implement
 * these; tests may substitute their own.
 */

import type { KnownBlock } from '@slack/types';
import type { GrantKind, Named, OAuthGrant } from '../domain/install';
import type { WindowCounter } from '../domain/limits';
import type { SealedSecret } from '../domain/reveal-seal';
import type { SnapRecord, StoredRecord, Tombstone } from '../domain/snap';
import type { Logger } from '../log';

/** A verified slash command, as ack's use case takes it (the Slack request adapter reads it). */
export interface SlashCommand {
  command: string;
  text: string;
  team: string;
  /** The Enterprise Grid org of the workspace, when it has one (`enterprise_id`). */
  enterprise?: string;
  channel: string;
  user: string;
  triggerId: string;
  responseUrl: string;
}

/** Who acted in an interaction: a user of a workspace (and of its org on Enterprise Grid). */
export interface Actor {
  team: string;
  /** The workspace's Enterprise Grid org, if any. */
  enterprise?: string;
  user: string;
}

/**
 * A message an interaction is about: where it is, who wrote it and which files it carries —
 * never its text (Slack sends the text along; the reader leaves it behind).
 */
export interface MessageRef {
  channel: string;
  ts: string;
  /** The thread it belongs to (`thread_ts`), when it is a reply or a thread's parent. */
  threadTs?: string;
  /** Its author's user id; absent for messages not written by a person (bots, apps). */
  author?: string;
  /** Ids of the files attached to it. */
  files: string[];
}

/** One input of a submitted view, as Slack reports its state (`view.state.values`). */
export interface ViewInput {
  /** The element's type (`plain_text_input`, `conversations_select`, `radio_buttons`…). */
  type: string;
  /** A text input's value. */
  value?: string;
  /** A single selection: a conversation, a user, an option's value. */
  selected?: string;
  /** A multiple selection (users, conversations, checkboxes' values). */
  selectedList?: string[];
}

/** A view's state: block id → action id → input. */
export type ViewValues = Record<string, Record<string, ViewInput>>;

/**
 * A verified interactivity request (`POST /slack/interactions`), as the Slack request adapter
 * reads it: one of Slack's payload types, with only what snap acts on. `id` is unique per
 * click or submission and identical when Slack (or a replay) repeats it: a request id.
 */
export type Interaction = Actor & { id: string } & (
    | {
        /** A global shortcut (⚡ menu, composer). */
        kind: 'shortcut';
        callbackId: string;
        triggerId: string;
      }
    | {
        /** A message shortcut (a message's ⋮ menu). */
        kind: 'message_shortcut';
        callbackId: string;
        triggerId: string;
        responseUrl: string;
        message: MessageRef;
      }
    | {
        /** A button (or other block element) clicked in a message or a view. */
        kind: 'button';
        actionId: string;
        value: string;
        triggerId?: string;
        /** Where it was: a message in a conversation (`ephemeral` when only the clicker saw it), or a view (App Home, a modal). */
        container: 'message' | 'ephemeral' | 'view';
        /** The message's conversation, for a button in a message. */
        channel?: string;
        /** The message's `ts`, for a button in a (non-ephemeral) message. */
        messageTs?: string;
        /** Answers in place of that message (messages only). */
        responseUrl?: string;
        /** The view's id, for a button in a view. */
        viewId?: string;
      }
    | {
        /** A modal's submit button. */
        kind: 'view_submission';
        callbackId: string;
        viewId: string;
        /** What snap put in the view when it opened it: bound to user and view, never text. */
        privateMetadata: string;
        values: ViewValues;
        triggerId?: string;
      }
    | {
        /** A modal closed without submitting (only sent when the view asks for it). */
        kind: 'view_closed';
        callbackId: string;
        viewId: string;
      }
  );

/** The outcome of claiming a request id: what the table holds for it when it was taken before. */
export type ClaimResult = { claimed: true } | { claimed: false; existing: StoredRecord | undefined };

/** The author's name and avatar, used to post under them. */
export interface Identity {
  username: string;
  iconUrl?: string;
}

export interface PostArgs {
  channel: string;
  text: string;
  blocks: KnownBlock[];
  identity?: Identity;
}

/** A message posted before, rewritten in place (`chat.update`, by the token that posted it). */
export interface UpdateArgs {
  channel: string;
  ts: string;
  text: string;
  blocks: KnownBlock[];
}

/** A message only `user` sees, in a conversation they are in (`chat.postEphemeral`). */
export interface EphemeralArgs {
  channel: string;
  user: string;
  text: string;
}

/**
 * An answer through a `response_url`: ephemeral, or in place of the message the request came from
 * (`replace_original`, an ephemeral list answered after one of its buttons).
 */
export type ReplyBody = {
  response_type: 'ephemeral';
  text: string;
  blocks?: KnownBlock[];
  replace_original?: boolean;
  unfurl_links?: false;
  unfurl_media?: false;
};

export interface StorePort {
  claim(record: SnapRecord): Promise<ClaimResult>;
  markPosted(
    record: Pick<SnapRecord, 'id' | 'team' | 'channel' | 'user' | 'dueAt' | 'postedAs'>,
    ts: string,
    shard: string,
    lease?: { until: number; owner: string },
  ): Promise<void>;
  /** Replaces a `posting` claim by its `lost` tombstone; false when the claim had moved on. */
  markLost(tombstone: Tombstone): Promise<boolean>;
  /** Replaces whatever is held for the request by its tombstone (every deletion path, every settled request). */
  bury(tombstone: Tombstone): Promise<void>;
  /** Writes the tombstone of a request that leaves no record, unless its id was seen: true the first time. */
  claimRequest(tombstone: Tombstone): Promise<boolean>;
  /** Posted records due before `before` (ms), oldest due first, read as they are consumed. */
  findDue(before: number): AsyncIterable<SnapRecord>;
  /**
   * Takes a posted record for one deleter until `until` (and keeps it from expiring meanwhile),
   * unless another holds an unexpired lease: false if not taken.
   */
  lease(id: string, owner: string, until: number, now: number): Promise<boolean>;
  unlease(id: string, owner: string): Promise<void>;
  /** Writes a record TTL removed back, unless its key holds an item again: false then. */
  putBack(record: SnapRecord): Promise<boolean>;
  get(id: string): Promise<StoredRecord | undefined>;
  /** An author's live snaps (their workspace's, or their org's on Grid), newest first, at most `limit` (default 100). */
  findByAuthor(author: AuthorRef, limit?: number): Promise<SnapRecord[]>;
  findByMessage(team: string, channel: string, ts: string): Promise<SnapRecord | undefined>;
  /** Counts one snap in a fixed-window counter unless it already holds its limit: false when full. */
  countInWindow(counter: WindowCounter): Promise<boolean>;
  /** A user's live snaps in a workspace, counted up to `atMost` (enough to know a limit is met). */
  countByAuthor(author: AuthorRef, atMost: number): Promise<number>;
  /**
   * Notes that `user` opened a posted reveal, in one conditional write: only while the record is
   * the card `ts`, before its due time `now` has passed, `user` not among those who opened it —
   * and, with `first`, nobody having opened it yet. Who has opened it once written, or undefined
   * when any of that did not hold: two clicks at once (or a replay) never both get through.
   */
  markOpened(
    id: string,
    user: string,
    at: { ts: string; now: number; first: boolean },
  ): Promise<string[] | undefined>;
}

/**
 * Whose Slack token a call speaks with: snap's bot in a workspace (or in its org, on Enterprise
 * Grid), or a user of it who let snap post as them. The Slack adapter finds the token itself
 * (`TokenSource`); the use cases never hold one.
 */
export type Speaker = ({ as: 'bot' } & Workspace) | ({ as: 'user'; user: string } & Workspace);

/**
 * Slack's Web API and `response_url`s. Every Web API call names its speaker; when snap holds no
 * token for it, the call fails with `NoTokenError` before reaching Slack (and with
 * `TokenUnavailableError` when the lookup itself failed). Other failures are `SlackCallError`s;
 * one saying the token is dead (`invalid_auth`, `token_revoked`, `account_inactive`) has made
 * the adapter forget that token, so the next call looks it up again.
 */
export interface SlackPort {
  /** Posts a message; its `ts`. A user speaks in their own name: `identity` is for the bot only. */
  post(speaker: Speaker, args: PostArgs): Promise<string>;
  delete(speaker: Speaker, channel: string, ts: string): Promise<void>;
  /** A user's display name and avatar, read with the bot's token. */
  identity(speaker: Speaker & { as: 'bot' }, user: string): Promise<Identity | undefined>;
  reply(responseUrl: string, body: ReplyBody): Promise<void>;
  /** Rewrites a message in place; the speaker must be whoever posted it. */
  update(speaker: Speaker, args: UpdateArgs): Promise<void>;
  /**
   * Shows `user` alone a message in a conversation. Slack answers `user_not_in_channel` when they
   * are not in it, which is how snap learns it without reading anyone's memberships.
   */
  ephemeral(speaker: Speaker, args: EphemeralArgs): Promise<void>;
  /**
   * Gives this exact token back to Slack (`auth.revoke`). It takes the token, not a speaker: what
   * goes back must be the token stored under a given key, never whichever one a warm cache holds.
   */
  revoke(token: string): Promise<void>;
}

/** What a reveal's key is bound to (its KMS encryption context): the reveal, its workspace and conversation. */
export interface RevealScope {
  id: string;
  team: string;
  channel: string;
}

/**
 * A reveal's own key, from KMS: 32 random bytes (the X25519 private key, shared/domain/reveal-seal.ts)
 * and the same wrapped by KMS under the reveal's scope, which is all that is ever stored.
 */
export interface RevealKeyMaker {
  generate(scope: RevealScope): Promise<{ privateKey: Uint8Array; wrapped: Uint8Array }>;
  /** Unwraps a stored key; KMS refuses a key wrapped for another reveal, workspace or conversation. */
  open(wrapped: Uint8Array, scope: RevealScope): Promise<Uint8Array>;
}

/** A reveal's item in the reveal table: its wrapped key, public half, and (once attached) the sealed secret. */
export interface RevealItem {
  id: string;
  wrappedKey: Uint8Array;
  publicKey: Uint8Array;
  team: string;
  channel: string;
  secret?: SealedSecret;
}

/**
 * The reveal table: the one place a reveal's key is kept, with no stream, point-in-time recovery
 * or backups, so deleting its item (burning) leaves no copy of the key anywhere.
 */
export interface RevealStorePort {
  /** Stores a new reveal's key unless its id has one: true if stored. Expires by TTL unless attached. */
  create(item: RevealItem, expiresAt: number): Promise<boolean>;
  /** Attaches the sealed secret to its key and gives both the card's expiry: false if there is no key (or a secret already). */
  attach(id: string, secret: SealedSecret, expiresAt: number): Promise<boolean>;
  get(id: string): Promise<RevealItem | undefined>;
  /** Destroys the key and the sealed secret with it. Burning what is gone is done. */
  burn(id: string): Promise<void>;
}

/** Where a command or a snap belongs: its workspace, and its org on Enterprise Grid. */
export interface Workspace {
  team: string;
  enterprise?: string;
}

/** Whose snaps: a user of a workspace, and of its org on Enterprise Grid (where user ids span the org). */
export type AuthorRef = Workspace & { user: string };

/**
 * The Slack token to speak with. `undefined`: snap is not installed there (bot) or the user has
 * not let snap post as them (user). One-workspace mode answers the bot token from its
 * configuration; distributed mode reads the installation store (GetItem by key) and opens the
 * token with KMS — cached, so a warm function asks neither.
 */
export interface TokenSource {
  botToken(where: Workspace): Promise<string | undefined>;
  userToken(where: Workspace & { user: string }): Promise<string | undefined>;
  /** Drops what is remembered for this workspace (and user): Slack said the token is no longer valid. */
  forget(where: Workspace & { user?: string }): void;
}

/** What a token is bound to: its encryption context names the installation's key, its kind and user. */
export interface TokenScope {
  /** The installation's key: the workspace (`T…`) or, for an org-wide install, the org (`E…`). */
  key: string;
  kind: 'bot' | 'user';
  user?: string;
}

/** Encrypts and decrypts Slack tokens, each bound to its scope (KMS encryption context). */
export interface TokenSealer {
  seal(token: string, scope: TokenScope): Promise<Uint8Array>;
  open(sealed: Uint8Array, scope: TokenScope): Promise<string>;
}

/** A workspace's (or org's) bot installation, as stored: the token only sealed. */
export interface BotInstallation {
  key: string;
  team?: Named;
  enterprise?: Named;
  isEnterpriseInstall: boolean;
  appId?: string;
  botUserId: string;
  scopes: string[];
  token: Uint8Array;
  /** The user who installed it. */
  installedBy: string;
  installedAt: number;
}

/** One user's permission to let snap post as them, as stored: the token only sealed. */
export interface UserAuthorization {
  key: string;
  team?: Named;
  enterprise?: Named;
  user: string;
  scopes: string[];
  token: Uint8Array;
  authorizedAt: number;
}

export interface Removed {
  bot: boolean;
  users: number;
}

/** Reads sealed tokens by key (GetItem, never Scan). */
export interface InstallationReader {
  botToken(key: string): Promise<Uint8Array | undefined>;
  userToken(key: string, user: string): Promise<Uint8Array | undefined>;
}

export interface InstallationStorePort extends InstallationReader {
  /** Stores or replaces the bot installation; the workspace's user tokens stay. */
  saveBot(installation: BotInstallation): Promise<void>;
  /**
   * Stores a user's token, never touching the bot installation. False when an uninstall of that
   * workspace ran at the same moment and took it away again (nothing is left stored then).
   */
  saveUser(authorization: UserAuthorization): Promise<boolean>;
  /** `app_uninstalled`: the installation and every user token under `key` stored up to `upTo` (ms). */
  removeWorkspace(key: string, upTo: number): Promise<Removed>;
  /** `tokens_revoked`: these users' tokens, and the bot's if its user id is listed, stored up to `upTo`. */
  removeTokens(key: string, tokens: { users: string[]; botUsers: string[] }, upTo: number): Promise<Removed>;
  /**
   * `/snap revoke`: this user's token under `key`, stored up to `upTo`; true if one was deleted.
   * Only the token item: the workspace's list of users keeps their id until install next prunes
   * it (on the tokens_revoked Slack sends after auth.revoke, or at uninstall), so the poster,
   * which calls this, needs no right over any workspace's installation.
   */
  removeUserToken(key: string, user: string, upTo: number): Promise<boolean>;
}

/** OAuth states (hashed), single-use and short-lived. */
export interface OAuthStatePort {
  save(flow: { stateHash: string; nonceHash: string; kind: GrantKind; notAfter: number }): Promise<void>;
  /** Deletes the flow if it exists, is before its deadline and holds this nonce hash; its kind if so. */
  consume(stateHash: string, nonceHash: string, now: number): Promise<GrantKind | undefined>;
}

/** Slack's OAuth methods. Failures are `SlackCallError`s (`invalid_code`…). */
export interface SlackOAuthPort {
  exchange(code: string, redirectUri: string): Promise<OAuthGrant>;
  /** `auth.revoke`: gives a token back to Slack. */
  revoke(token: string): Promise<void>;
}

/** A verified Events API request, as the Slack events reader makes it. */
export type SlackEvent =
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'app_uninstalled'; key: string; eventTime?: number }
  | { kind: 'tokens_revoked'; key: string; users: string[]; botUsers: string[]; eventTime?: number }
  | { kind: 'ignored'; type: string }
  | { kind: 'invalid' };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface Common {
  log: Logger;
  clock: Clock;
}
