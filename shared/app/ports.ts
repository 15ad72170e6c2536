/**
 * What the use cases need from the outside world. The adapters in `shared/adapters` implement
 * these; tests may substitute their own.
 */

import type { KnownBlock, MessageAttachment, ModalView } from '@slack/types';
import type { ActivityMetric, ActivitySummary } from '../domain/activity';
import type { WatchState, WorkerEvent } from '../domain/engine';
import type { GrantKind, Named, OAuthGrant } from '../domain/install';
import type { WindowCounter } from '../domain/limits';
import type { Policy, PolicyScope, Role } from '../domain/policy';
import type { Reply } from '../domain/replies';
import type { SealedSecret } from '../domain/reveal-seal';
import type { Sealed } from '../domain/seal';
import type { SlotGroup } from '../domain/slots';
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
  /**
   * The person's own workspace, as Slack says it (`user.team_id`: a `T…` id, or on Enterprise Grid
   * the org's `E…`). In a channel shared with another organisation (Slack Connect) it differs from
   * `team`, which is the workspace the interaction happened in (whose token snap uses).
   */
  home?: string;
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
        /** A multiple select's choices (`multi_conversations_select`…). */
        selected?: string[];
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
  /** Shown under the text of a message without blocks (snap's line under a long text). */
  attachments?: MessageAttachment[];
  identity?: Identity;
  /** Posts in this thread (`thread_ts`). */
  threadTs?: string;
}

/** A message only `user` sees, in a conversation (`chat.postEphemeral`). */
export interface EphemeralArgs {
  channel: string;
  user: string;
  text: string;
  blocks?: KnownBlock[];
  /** Shown in this thread. */
  threadTs?: string;
}

/** A message posted before, rewritten in place (`chat.update`, by the token that posted it). */
export interface UpdateArgs {
  channel: string;
  ts: string;
  text: string;
  blocks: KnownBlock[];
}

/**
 * An answer through a `response_url`: ephemeral, or in place of the message the request came from
 * (`replace_original`, an ephemeral list answered after one of its buttons).
 */
export type ReplyBody = Reply;

export interface StorePort {
  claim(record: SnapRecord): Promise<ClaimResult>;
  markPosted(
    record: Pick<SnapRecord, 'id' | 'team' | 'channel' | 'user' | 'dueAt' | 'postedAs' | 'files'>,
    ts: string,
    shard: string,
  ): Promise<void>;
  /** Replaces a `posting` claim by its `lost` tombstone; false when the claim had moved on. */
  markLost(tombstone: Tombstone): Promise<boolean>;
  /** Replaces whatever is held for the request by its tombstone (every deletion path, every settled request). */
  bury(tombstone: Tombstone): Promise<void>;
  /** Writes the tombstone of a request that leaves no record, unless its id was seen: true the first time. */
  claimRequest(tombstone: Tombstone): Promise<boolean>;
  /** Posted records due before `before` (ms) in these index shards, oldest due first, read as they are consumed. */
  findDue(before: number, shards: readonly number[]): AsyncIterable<SnapRecord>;
  /** Whether this index shard holds any record due before `before` (ms): one entry read at most. */
  hasDue(shard: number, before: number): Promise<boolean>;
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
  /**
   * One page of an author's live snaps, newest first: at most `limit`, created before `before`
   * (ms) when given; `more` when older ones follow. Keyed reads of the author index only.
   */
  findByAuthorPage(
    author: AuthorRef,
    limit: number,
    before?: number,
  ): Promise<{ records: SnapRecord[]; more: boolean }>;
  findByMessage(team: string, channel: string, ts: string): Promise<SnapRecord | undefined>;
  /** Counts one snap in a fixed-window counter unless it already holds its limit: false when full. */
  countInWindow(counter: WindowCounter): Promise<boolean>;
  /** A user's live snaps in a workspace, counted up to `atMost` (enough to know a limit is met). */
  countByAuthor(author: AuthorRef, atMost: number): Promise<number>;
  /**
   * Takes a free slot of `group` for `owner` until `until` (ms): one never taken, given back, or
   * past its holder's deadline at `now`. Its index; undefined when every slot is held.
   */
  takeSlot(group: SlotGroup, owner: string, until: number, now: number): Promise<number | undefined>;
  /** Gives slot `index` of `group` back, if `owner` still holds it. */
  releaseSlot(group: SlotGroup, index: number, owner: string): Promise<void>;
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

/** A claim on a group's watch: the worker it names, alive (or starting) until `lease`, serving due times before `covers`. */
export interface WatchClaim {
  owner: string;
  lease: number;
  covers: number;
}

/**
 * The groups' watch items (domain/engine.ts): one conditional write each, so that whoever needs
 * a group served and the worker that serves it agree on who is on watch, and a snap handed over
 * at the instant a worker ends is never lost between them.
 */
export interface WatchPort {
  /**
   * When the group's owner is alive now and serves `need`: hands it the snap `id` to take (a
   * poster), or tells it to read the index again (the dispatcher, no id). False when no owner
   * serves `need`: nothing changed.
   */
  hand(group: number, need: number, now: number, id?: string): Promise<boolean>;
  /**
   * Names a new owner when none alive serves `need` (none, its lease lapsed, or its cover ends
   * too soon), handing it `id` too. False when one does after all (someone else just claimed).
   */
  claim(group: number, claim: WatchClaim, need: number, now: number, id?: string): Promise<boolean>;
  /** The owner renews its lease: what the watch holds, or undefined when `owner` is no longer named. */
  renew(group: number, owner: string, lease: number): Promise<WatchState | undefined>;
  /** What the watch holds (a strongly consistent read). */
  read(group: number): Promise<WatchState>;
  /** The owner has taken these snaps: they leave the watch (others handed meanwhile stay). */
  take(group: number, owner: string, ids: readonly string[]): Promise<void>;
  /**
   * The owner ends its watch. With `settled`, only if nothing came since it last looked (the
   * generation it read, no snap waiting): false then, and it carries on.
   */
  release(group: number, owner: string, settled?: { gen: number }): Promise<boolean>;
}

/** Starts a worker for a group (an asynchronous invocation of the sweeper). */
export interface WorkerStarter {
  start(event: WorkerEvent): Promise<void>;
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
   * A person's role, asked of Slack each time (`users.info` with the bot's token): workspace admin
   * or owner, and org admin or owner on Enterprise Grid. Never taken from a request's payload.
   */
  role(speaker: Speaker & { as: 'bot' }, user: string): Promise<Role>;
  /**
   * Whether a person is one of an Enterprise Grid org's own people (`users.info`'s
   * `enterprise_user.enterprise_id`, read with the bot's token): Slack may report a Grid person's
   * `user.team_id` as a workspace of the org other than the one they clicked in.
   */
  inOrg(speaker: Speaker & { as: 'bot' }, user: string, enterprise: string): Promise<boolean>;
  /** Publishes a person's App Home tab (`views.publish`). */
  publishHome(speaker: Speaker & { as: 'bot' }, user: string, view: HomeView): Promise<void>;
  /**
   * Opens a modal with a shortcut's `trigger_id` (`views.open`): Slack honours a trigger once,
   * for 3 s, so it is never retried. `expired_trigger_id`, `exchanged_trigger_id` come back as
   * `SlackCallError`s.
   */
  openView(speaker: Speaker, triggerId: string, view: ModalView): Promise<void>;
  /**
   * A message only `args.user` sees (`chat.postEphemeral`). Slack answers `user_not_in_channel`
   * when they are not in the conversation, which is how a reveal learns it without reading
   * anyone's memberships.
   */
  postEphemeral(speaker: Speaker, args: EphemeralArgs): Promise<void>;
  /** Deletes a file (`files.delete`): a user token needs `files:write`. */
  deleteFile(speaker: Speaker, file: string): Promise<void>;
  /**
   * Gives this exact token back to Slack (`auth.revoke`). It takes the token, not a speaker: what
   * goes back must be the token stored under a given key, never whichever one a warm cache holds.
   */
  revoke(token: string): Promise<void>;
  /**
   * Slack has just called dead the token a call as `speaker` spoke with (a `SlackCallError` for
   * which `isDeadToken` holds): deletes that very token from the installation store — never one
   * stored since (a new grant, a reinstall). Only after such a failure; otherwise `absent`.
   */
  retire(speaker: Speaker): Promise<Retired>;
}

/** A Home tab as snap publishes it. */
export interface HomeView {
  blocks: KnownBlock[];
  /** Sent back with every action in the view: never text, never anything trusted. */
  privateMetadata?: string;
}

/** What is stored for a workspace (or org): its policy, if one was set, and people's own defaults. */
export interface StoredSettings {
  policy?: Policy;
  /** Each person's default delay (seconds), by user id. */
  defaults: Record<string, number>;
  /** Bumped by every policy write: a change is written only over the version it was made from. */
  rev?: number;
}

/** Where settings are stored (`policy#<key>`, with the installations), read by key. */
export interface SettingsStorePort {
  read(key: string): Promise<StoredSettings | undefined>;
  /** Writes the policy (undefined: none, the open policy applies) unless `rev` moved: false then. */
  savePolicy(
    key: string,
    policy: Policy | undefined,
    rev: number | undefined,
    by: string,
    at: number,
  ): Promise<boolean>;
  /** A person's own default delay (null: cleared). */
  saveDefault(key: string, user: string, seconds: number | null): Promise<void>;
  /** Everything stored under `key` (uninstall). */
  remove(key: string): Promise<void>;
}

/** The settings that apply to a workspace: its own policy, else its org's, else the open policy. */
export interface Settings {
  policy: Policy;
  scope: PolicyScope;
  /** The workspace's people's own defaults (seconds). */
  defaults: Record<string, number>;
  /** The version of the policy item in force (its key and rev), to write a change over. */
  source?: { key: string; rev: number | undefined };
}

/**
 * Settings as the functions read them: from the store behind a short cache (a change reaches every
 * warm function within a minute), so a warm poster does not read the table for every snap.
 */
export interface SettingsSource {
  settings(where: Workspace): Promise<Settings>;
  /** Drops what is remembered for the workspace and its org (after a change made here). */
  forget(where: Workspace): void;
}

/** Admins' activity counts (shared/domain/activity.ts), stored by day under the policy's key. */
export interface ActivityPort {
  /** Adds one to `metric` for the conversation and the person, in the day of `atMs`, under `key`. */
  count(key: string, atMs: number, channel: string, user: string, metric: ActivityMetric): Promise<void>;
  /** The last `ACTIVITY_DAYS` days' counts under `key`. */
  summary(key: string, nowMs: number): Promise<ActivitySummary>;
  /** Every day's counts under `key` that may still exist (uninstall). */
  remove(key: string, nowMs: number): Promise<void>;
}

/**
 * What became of a dead token: `deleted` from the store now; `absent`, the store no longer holds
 * it (deleted meanwhile, or replaced by a newer grant, which stays); `configured`, the bot token
 * of one-workspace mode, which only its configuration can change.
 */
export type Retired = 'deleted' | 'absent' | 'configured';

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
  /**
   * Slack called `token`, the bot's (or `where.user`'s) token here, dead: forgets it and deletes
   * it from the store under the key it was found under, only if what is stored there is still
   * that very token.
   */
  retire(where: Workspace & { user?: string }, token: string): Promise<Retired>;
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
  /** The scopes a user granted with their token under `key`; undefined when they granted none. */
  userScopes(key: string, user: string): Promise<string[] | undefined>;
}

/**
 * Seals and opens what a modal's `private_metadata` carries (shared/domain/view-metadata.ts):
 * sealing is the controls function's (KMS data keys with `purpose=view`), opening the poster's.
 */
export interface BindingSealer {
  seal(aad: string, binding: unknown): Promise<Sealed>;
}
export interface BindingOpener {
  open(sealed: Sealed, aad: string): Promise<unknown>;
}

/** What the functions that speak with stored tokens may do in the store: read them, and let a dead one go. */
export interface TokenStore extends Pick<InstallationReader, 'botToken' | 'userToken'> {
  /**
   * Deletes the token stored under `scope` (the bot's attributes of `inst#<key>`, or the item
   * `inst#<key>#<user>`) if it is still exactly `sealed`; false when something else (or
   * nothing) is stored there now. A bot installation left with no user goes whole.
   */
  forgetToken(scope: TokenScope, sealed: Uint8Array): Promise<boolean>;
}

export interface InstallationStorePort extends TokenStore, InstallationReader {
  /** Stores or replaces the bot installation; the workspace's user tokens stay. */
  saveBot(installation: BotInstallation): Promise<void>;
  /**
   * Stores a user's token, never touching the bot installation. With `botRequired` (distributed
   * mode, where the bot's token is in the store), only while a bot installation is stored under
   * the authorization's key: the write is conditional on it, so no race with an uninstall creates
   * the installation item. False when there is none, or an uninstall of that workspace ran at the
   * same moment and took it away again: nothing is left stored then.
   */
  saveUser(authorization: UserAuthorization, botRequired: boolean): Promise<boolean>;
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
  /**
   * On Enterprise Grid: every installation key of org `org` under which `user` has (or had) a
   * token — the org's own and its workspaces' — read by key from the org's index of their grants.
   */
  grantedKeys(org: string, user: string): Promise<string[]>;
}

/**
 * What became of a redirect's state: `consumed` now (its flow's kind); `used` before (a reload of
 * the page it led to, the back button, a second tab); `refused` — unknown, past its deadline, or
 * presented without the cookie of the browser that started it.
 */
export type StateUse =
  | { outcome: 'consumed'; kind: GrantKind }
  | { outcome: 'used'; kind: GrantKind }
  | { outcome: 'refused' };

/** OAuth states (hashed), single-use and short-lived. */
export interface OAuthStatePort {
  save(flow: { stateHash: string; nonceHash: string; kind: GrantKind; notAfter: number }): Promise<void>;
  /**
   * Uses the flow if it exists, is unused, before its deadline and holds this nonce hash (none:
   * the browser sent no cookie), leaving a marker that it was used until the flow would have
   * expired anyway; otherwise says whether it was used already.
   */
  consume(stateHash: string, nonceHash: string | undefined, now: number): Promise<StateUse>;
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
  /** A person opened snap's Home tab: `id` is Slack's event id, the same on Slack's retries. */
  | { kind: 'app_home_opened'; id: string; team: string; enterprise?: string; user: string }
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
