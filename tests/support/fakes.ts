/** In-memory stand-ins for the use cases' ports, for unit tests of the timing and deletion logic. */

import type { ModalView } from '@slack/types';
import type { PosterEvent } from '../../shared/app/accept-command';
import type {
  AuthorRef,
  ClaimResult,
  Clock,
  EphemeralArgs,
  HomeView,
  Identity,
  PostArgs,
  ReplyBody,
  Retired,
  RevealItem,
  RevealStorePort,
  SlackPort,
  Speaker,
  StorePort,
  UpdateArgs,
  WatchClaim,
  WatchPort,
  WorkerStarter,
} from '../../shared/app/ports';
import type { PostDeps } from '../../shared/app/post-snap';
import { type SweepDeps, type SweepReport, sweep } from '../../shared/app/sweep';
import { isDeadToken } from '../../shared/domain/deletion';
import {
  type WatchState,
  WORKER_START_ALLOWANCE_MS,
  type WorkerEvent,
  workerSpanMs,
} from '../../shared/domain/engine';
import { DEFAULT_LIMITS, type WindowCounter } from '../../shared/domain/limits';
import type { Role } from '../../shared/domain/policy';
import type { SealedSecret } from '../../shared/domain/reveal-seal';
import { DEFAULT_POSTER_CAPS, type SlotGroup, slotExpiresAt } from '../../shared/domain/slots';
import {
  leaseTtl,
  type SnapRecord,
  type StoredRecord,
  type Tombstone,
  ttlFor,
} from '../../shared/domain/snap';
import { NoTokenError, SlackCallError, StoreError, TokenUnavailableError } from '../../shared/errors';
import { createLogger, type Logger } from '../../shared/log';
import { FakeClock } from './fake-clock';

/** Live records and tombstones; `records` holds the live ones for the tests to look at. */
export class MemoryStore implements StorePort {
  readonly records = new Map<string, SnapRecord>();
  readonly tombstones = new Map<string, Tombstone>();
  failMarkPosted = false;
  failPutBack = false;

  async claim(record: SnapRecord): Promise<ClaimResult> {
    const existing = this.stored(record.id);
    if (existing) return { claimed: false, existing: { ...existing } };
    this.records.set(record.id, { ...record });
    return { claimed: true };
  }

  private stored(id: string): StoredRecord | undefined {
    return this.records.get(id) ?? this.tombstones.get(id);
  }

  async markPosted(
    { id, dueAt, postedAs, files }: Pick<SnapRecord, 'id' | 'dueAt' | 'postedAs' | 'files'>,
    ts: string,
    shard: string,
  ): Promise<void> {
    const r = this.records.get(id);
    if (this.failMarkPosted || !r || r.state !== 'posting') throw new StoreError('markPosted failed');
    Object.assign(r, {
      state: 'posted',
      ts,
      dueShard: shard,
      dueAt,
      ...(postedAs ? { postedAs } : {}),
      ...(files?.length ? { files } : {}),
      expiresAt: ttlFor(dueAt),
    });
    delete r.postingUntil;
  }

  async markLost(tombstone: Tombstone): Promise<boolean> {
    if (this.records.get(tombstone.id)?.state !== 'posting') return false;
    await this.bury(tombstone);
    return true;
  }

  async bury(tombstone: Tombstone): Promise<void> {
    this.records.delete(tombstone.id);
    this.tombstones.set(tombstone.id, { ...tombstone });
  }

  async claimRequest(tombstone: Tombstone): Promise<boolean> {
    if (this.stored(tombstone.id)) return false;
    this.tombstones.set(tombstone.id, { ...tombstone });
    return true;
  }

  /** Index reads so far, per shard. */
  readonly indexReads: number[] = [];

  private inIndex(before: number, shards: readonly number[]): SnapRecord[] {
    return [...this.records.values()]
      .filter(
        (r) =>
          r.state === 'posted' &&
          r.ts &&
          r.dueShard !== undefined &&
          shards.includes(Number(r.dueShard)) &&
          r.dueAt < before,
      )
      .map((r) => ({ ...r }))
      .sort((a, b) => a.dueAt - b.dueAt);
  }

  async *findDue(before: number, shards: readonly number[]): AsyncGenerator<SnapRecord> {
    for (const shard of shards) this.indexReads[shard] = (this.indexReads[shard] ?? 0) + 1;
    yield* this.inIndex(before, shards);
  }

  async hasDue(shard: number, before: number): Promise<boolean> {
    return this.inIndex(before, [shard]).length > 0;
  }

  /** Everything `findDue` would hand out from every shard of the default eight, at once (for assertions). */
  async due(before: number): Promise<SnapRecord[]> {
    return this.inIndex(before, [0, 1, 2, 3, 4, 5, 6, 7]);
  }

  async lease(id: string, owner: string, until: number, now: number): Promise<boolean> {
    const r = this.records.get(id);
    if (r?.state !== 'posted') return false;
    if (r.leaseUntil !== undefined && r.leaseUntil >= now && r.leaseOwner !== owner) return false;
    r.leaseUntil = until;
    r.leaseOwner = owner;
    r.expiresAt = leaseTtl(until);
    return true;
  }

  async unlease(id: string, owner: string): Promise<void> {
    const r = this.records.get(id);
    if (r?.leaseOwner !== owner) return;
    delete r.leaseUntil;
    delete r.leaseOwner;
  }

  async putBack(record: SnapRecord): Promise<boolean> {
    if (this.failPutBack) throw new StoreError('putBack failed');
    if (this.records.has(record.id) || this.tombstones.has(record.id)) return false;
    this.records.set(record.id, { ...record });
    return true;
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const r = this.stored(id);
    return r ? { ...r } : undefined;
  }

  /** As the author index keys them: the user within their workspace, or their org on Grid. */
  async findByAuthorPage(
    author: AuthorRef,
    limit: number,
    before?: number,
  ): Promise<{ records: SnapRecord[]; more: boolean }> {
    const all = (await this.findByAuthor(author, Number.POSITIVE_INFINITY)).filter(
      (r) => before === undefined || r.createdAt < before,
    );
    return { records: all.slice(0, limit), more: all.length > limit };
  }

  async findByAuthor(author: AuthorRef, limit = 100): Promise<SnapRecord[]> {
    const key = author.enterprise ?? author.team;
    return [...this.records.values()]
      .filter(
        (r) => (r.enterprise ?? r.team) === key && r.user === author.user && r.state === 'posted' && r.ts,
      )
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  async findByMessage(team: string, channel: string, ts: string): Promise<SnapRecord | undefined> {
    const r = [...this.records.values()].find((x) => x.team === team && x.channel === channel && x.ts === ts);
    return r?.state === 'posted' ? { ...r } : undefined;
  }

  /** Rate-limit counters by name, with the TTL each was given. */
  readonly counters = new Map<string, { n: number; expiresAt: number }>();

  async countInWindow(counter: WindowCounter): Promise<boolean> {
    const n = this.counters.get(counter.name)?.n ?? 0;
    if (n >= counter.limit) return false;
    this.counters.set(counter.name, { n: n + 1, expiresAt: counter.expiresAt });
    return true;
  }

  async countByAuthor(author: AuthorRef, atMost: number): Promise<number> {
    return Math.min(atMost, (await this.findByAuthor(author)).length);
  }

  /** As DynamoDB's conditional write: all or nothing, one at a time. */
  async markOpened(
    id: string,
    user: string,
    at: { ts: string; now: number; first: boolean },
  ): Promise<string[] | undefined> {
    const r = this.records.get(id);
    if (r?.state !== 'posted' || r.ts !== at.ts || r.dueAt <= at.now || !r.reveal) return undefined;
    if (r.reveal.opened.includes(user) || (at.first && r.reveal.opened.length > 0)) return undefined;
    r.reveal = { ...r.reveal, opened: [...r.reveal.opened, user] };
    return [...r.reveal.opened];
  }

  /** Poster slots by `<key>#<index>`: holder, deadline and TTL, as the table keeps them. */
  readonly slots = new Map<string, { owner: string; until: number; expiresAt: number }>();
  /** Every take and release, in order, with the time (for the tests of when a slot is held). */
  readonly slotLog: Array<{ op: 'take' | 'release'; slot: string; at: number }> = [];
  /** The slot calls fail as the table can. */
  failSlots = false;

  async takeSlot(group: SlotGroup, owner: string, until: number, now: number): Promise<number | undefined> {
    if (this.failSlots) throw new StoreError('takeSlot failed');
    for (let index = 0; index < group.size; index++) {
      const slot = `${group.key}#${index}`;
      const held = this.slots.get(slot);
      if (held && held.until >= now) continue;
      this.slots.set(slot, { owner, until, expiresAt: slotExpiresAt(until) });
      this.slotLog.push({ op: 'take', slot, at: now });
      return index;
    }
    return undefined;
  }

  async releaseSlot(group: SlotGroup, index: number, owner: string): Promise<void> {
    const slot = `${group.key}#${index}`;
    if (this.slots.get(slot)?.owner !== owner) return;
    this.slots.delete(slot);
    this.slotLog.push({ op: 'release', slot, at: this.clock?.now() ?? 0 });
  }

  /** The clock slot releases are logged by (set by posterFakes). */
  clock: Clock | undefined;

  /** A posted record as the poster leaves it, for sweeps to find. */
  put(record: Partial<SnapRecord> & Pick<SnapRecord, 'id' | 'dueAt'>): SnapRecord {
    const full: SnapRecord = {
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      state: 'posted',
      ts: `${record.dueAt / 1000}.000100`,
      expiresAt: Math.ceil(record.dueAt / 1000) + 900,
      createdAt: 0,
      dueShard: '0',
      ...record,
    };
    this.records.set(full.id, full);
    return full;
  }
}

/** The groups' watch items, kept as the DynamoDB adapter keeps them (conditions included). */
export class MemoryWatch implements WatchPort {
  readonly items = new Map<
    number,
    { owner?: string; lease?: number; covers?: number; gen: number; ids: Set<string> }
  >();
  /** Every write, in order, for assertions. */
  readonly writes: Array<{ op: string; group: number; ok: boolean }> = [];

  private item(group: number) {
    let item = this.items.get(group);
    if (!item) {
      item = { gen: 0, ids: new Set() };
      this.items.set(group, item);
    }
    return item;
  }

  private note<T extends boolean>(op: string, group: number, ok: T): T {
    this.writes.push({ op, group, ok });
    return ok;
  }

  async hand(group: number, need: number, now: number, id?: string): Promise<boolean> {
    const it = this.item(group);
    if (!((it.lease ?? Number.NEGATIVE_INFINITY) >= now && (it.covers ?? Number.NEGATIVE_INFINITY) >= need))
      return this.note('hand', group, false);
    if (id) it.ids.add(id);
    else it.gen++;
    return this.note('hand', group, true);
  }

  async claim(group: number, claim: WatchClaim, need: number, now: number, id?: string): Promise<boolean> {
    const it = this.item(group);
    const free = it.owner === undefined || (it.lease ?? 0) < now || (it.covers ?? 0) < need;
    if (!free) return this.note('claim', group, false);
    Object.assign(it, claim);
    it.gen++;
    if (id) it.ids.add(id);
    return this.note('claim', group, true);
  }

  async renew(group: number, owner: string, lease: number): Promise<WatchState | undefined> {
    const it = this.item(group);
    if (it.owner !== owner) return undefined;
    it.lease = lease;
    return this.read(group);
  }

  async read(group: number): Promise<WatchState> {
    const it = this.item(group);
    return {
      ...(it.owner !== undefined ? { owner: it.owner } : {}),
      ...(it.lease !== undefined ? { lease: it.lease } : {}),
      ...(it.covers !== undefined ? { covers: it.covers } : {}),
      gen: it.gen,
      ids: [...it.ids],
    };
  }

  async take(group: number, owner: string, ids: readonly string[]): Promise<void> {
    const it = this.item(group);
    if (it.owner !== owner) return;
    for (const id of ids) it.ids.delete(id);
  }

  async release(group: number, owner: string, settled?: { gen: number }): Promise<boolean> {
    const it = this.item(group);
    if (it.owner !== owner || (settled && (it.gen !== settled.gen || it.ids.size > 0)))
      return this.note('release', group, false);
    delete it.owner;
    delete it.lease;
    delete it.covers;
    return this.note('release', group, true);
  }
}

/** Starts nothing: records the workers it was asked to start (or runs `run` for each). */
export class RecordingWorkers implements WorkerStarter {
  readonly started: WorkerEvent[] = [];
  fail = false;
  constructor(private readonly run?: (event: WorkerEvent) => void) {}

  async start(event: WorkerEvent): Promise<void> {
    if (this.fail) throw new Error('invoke failed');
    this.started.push(event);
    this.run?.(event);
  }
}

type Script = (() => SlackCallError | undefined) | SlackCallError;

/**
 * Slack as the use cases see it. Tokens: the bot's is there unless `botInstalled` is false; a
 * user's only once they are in `authorized` (and Slack calls it dead while in `deadUsers`).
 * `outOfBotReach` channels are conversations the bot cannot post in (a DM between two people).
 * Every call records the speaker it was made as.
 */
export class ScriptedSlack implements SlackPort {
  readonly deletes: Array<{ channel: string; ts: string; at: number; ok: boolean; speaker: Speaker }> = [];
  readonly posts: Array<PostArgs & { at: number; speaker: Speaker }> = [];
  readonly replies: ReplyBody[] = [];
  /** Modals opened (`views.open`), with their trigger. */
  readonly views: Array<{ triggerId: string; view: ModalView; speaker: Speaker }> = [];
  /** Triggers Slack calls expired (views.open answers `expired_trigger_id`). */
  readonly expiredTriggers = new Set<string>();
  /** Ephemeral messages (`chat.postEphemeral`), with whose token sent each. */
  readonly ephemerals: Array<EphemeralArgs & { speaker: Speaker }> = [];
  /** Files deleted (`files.delete`), by id, and as whom. */
  readonly deletedFiles: Array<{ file: string; speaker: Speaker }> = [];
  /** Files whose deletion Slack refuses, and with which code. */
  readonly fileFailures = new Map<string, SlackCallError>();
  /** Tokens given back with auth.revoke. */
  readonly revoked: string[] = [];
  /** Tokens Slack already calls dead when they are given back. */
  readonly deadTokens = new Set<string>();
  readonly live = new Set<string>();
  readonly gone = new Set<string>();
  botInstalled = true;
  readonly authorized = new Set<string>();
  readonly deadUsers = new Set<string>();
  readonly outOfBotReach = new Set<string>();
  /** Who Slack calls a workspace admin (and an org admin), asked with users.info. */
  readonly admins = new Set<string>();
  readonly orgAdmins = new Set<string>();
  /** People `users.info` says are of an org: user → enterprise id. */
  readonly orgOf = new Map<string, string>();
  /** Home tabs published, in order. */
  readonly homes: Array<{ user: string; view: HomeView; speaker: Speaker }> = [];
  /** The token lookup itself fails (the store or KMS does not answer). */
  lookupFails = false;
  /**
   * The bot's token was remembered from before an uninstall: Slack refuses it once, and the
   * lookup after that (the adapter forgot it) finds none.
   */
  botRemovedButRemembered = false;
  /** Slack calls the bot's token dead on every call, until a use case retires it. */
  botDead = false;
  /** What the store says when a dead token is retired (the configured bot token: `configured`). */
  retireAnswer: Retired = 'deleted';
  /** The speakers whose dead token a use case retired, in order. */
  readonly retired: Speaker[] = [];
  /** Dead tokens met and not yet retired, by speaker. */
  private readonly deadMet = new Set<string>();
  private readonly deleteScript: Script[] = [];
  private readonly postScript: Script[] = [];
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  failDeletes(...errors: Script[]): void {
    this.deleteScript.push(...errors);
  }

  failPosts(...errors: Script[]): void {
    this.postScript.push(...errors);
  }

  /** Throws what a call as `speaker` meets before Slack acts: no token, or a token Slack calls dead. */
  private speak(speaker: Speaker, method: string): void {
    if (this.lookupFails) throw new TokenUnavailableError('lookup failed');
    const dead = () => {
      this.deadMet.add(speakerKey(speaker));
      return new SlackCallError(method, 'platform', 'token_revoked');
    };
    // users.info answers from the adapter's profile cache meanwhile: only Slack calls meet it.
    if (speaker.as === 'bot' && this.botRemovedButRemembered && method !== 'users.info') {
      this.botRemovedButRemembered = false;
      this.botInstalled = false;
      throw dead();
    }
    if (speaker.as === 'bot' && !this.botInstalled) throw new NoTokenError('bot');
    if (speaker.as === 'bot' && this.botDead) throw dead();
    if (speaker.as === 'user' && !this.authorized.has(speaker.user)) throw new NoTokenError('user');
    if (speaker.as === 'user' && this.deadUsers.has(speaker.user)) throw dead();
  }

  /** A scripted failure as the adapter meets it: a dead token is remembered for `retire`. */
  private met(speaker: Speaker, error: SlackCallError): SlackCallError {
    if (isDeadToken(error.kind, error.code)) this.deadMet.add(speakerKey(speaker));
    return error;
  }

  /** As the adapter does: only a token met dead is retired; deleted from the store, it is gone for good. */
  async retire(speaker: Speaker): Promise<Retired> {
    if (!this.deadMet.delete(speakerKey(speaker))) return 'absent';
    this.retired.push(speaker);
    if (this.retireAnswer === 'deleted') {
      if (speaker.as === 'user') this.authorized.delete(speaker.user);
      else this.botInstalled = false;
    }
    return this.retireAnswer;
  }

  async post(speaker: Speaker, args: PostArgs): Promise<string> {
    this.speak(speaker, 'chat.postMessage');
    if (speaker.as === 'bot' && this.outOfBotReach.has(args.channel))
      throw new SlackCallError('chat.postMessage', 'platform', 'channel_not_found');
    const next = this.postScript.shift();
    const error = typeof next === 'function' ? next() : next;
    if (error) throw this.met(speaker, error);
    const ts = `${Math.floor(this.clock.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
    this.posts.push({ ...args, at: this.clock.now(), speaker });
    this.live.add(`${args.channel}/${ts}`);
    return ts;
  }

  async delete(speaker: Speaker, channel: string, ts: string): Promise<void> {
    this.speak(speaker, 'chat.delete');
    const next = this.deleteScript.shift();
    const error = typeof next === 'function' ? next() : next;
    if (error) {
      this.deletes.push({ channel, ts, at: this.clock.now(), ok: false, speaker });
      throw this.met(speaker, error);
    }
    const key = `${channel}/${ts}`;
    const first = !this.gone.has(key);
    this.gone.add(key);
    this.live.delete(key);
    this.deletes.push({ channel, ts, at: this.clock.now(), ok: first, speaker });
    if (!first) throw new SlackCallError('chat.delete', 'platform', 'message_not_found');
  }

  async identity(speaker: Speaker & { as: 'bot' }, user: string): Promise<Identity | undefined> {
    this.speak(speaker, 'users.info');
    return { username: `name-${user}` };
  }

  async reply(_url: string, body: ReplyBody): Promise<void> {
    this.replies.push(body);
  }

  async role(speaker: Speaker & { as: 'bot' }, user: string): Promise<Role> {
    this.speak(speaker, 'users.info');
    return { admin: this.admins.has(user), orgAdmin: this.orgAdmins.has(user) };
  }

  async inOrg(speaker: Speaker & { as: 'bot' }, user: string, enterprise: string): Promise<boolean> {
    this.speak(speaker, 'users.info');
    return this.orgOf.get(user) === enterprise;
  }

  async publishHome(speaker: Speaker & { as: 'bot' }, user: string, view: HomeView): Promise<void> {
    this.speak(speaker, 'views.publish');
    this.homes.push({ user, view, speaker });
  }

  async openView(speaker: Speaker, triggerId: string, view: ModalView): Promise<void> {
    this.speak(speaker, 'views.open');
    if (this.expiredTriggers.has(triggerId))
      throw new SlackCallError('views.open', 'platform', 'expired_trigger_id');
    this.views.push({ triggerId, view, speaker });
  }

  async postEphemeral(speaker: Speaker, args: EphemeralArgs): Promise<void> {
    this.speak(speaker, 'chat.postEphemeral');
    if (speaker.as === 'bot' && this.outOfBotReach.has(args.channel))
      throw new SlackCallError('chat.postEphemeral', 'platform', 'channel_not_found');
    const members = this.members.get(args.channel);
    if (members && !members.has(args.user))
      throw new SlackCallError('chat.postEphemeral', 'platform', 'user_not_in_channel');
    this.ephemerals.push({ ...args, speaker });
  }

  async deleteFile(speaker: Speaker, file: string): Promise<void> {
    this.speak(speaker, 'files.delete');
    const failure = this.fileFailures.get(file);
    if (failure) throw failure;
    this.deletedFiles.push({ file, speaker });
  }

  async revoke(token: string): Promise<void> {
    if (this.lookupFails) throw new TokenUnavailableError('lookup failed');
    this.revoked.push(token);
    if (this.deadTokens.has(token)) throw new SlackCallError('auth.revoke', 'platform', 'token_revoked');
  }

  readonly updates: Array<UpdateArgs & { speaker: Speaker }> = [];
  /** Who is in each conversation (for `chat.postEphemeral`); a conversation not listed holds everyone. */
  readonly members = new Map<string, Set<string>>();

  async update(speaker: Speaker, args: UpdateArgs): Promise<void> {
    this.speak(speaker, 'chat.update');
    this.updates.push({ ...args, speaker });
  }
}

/** The reveal table in memory: keys and sealed secrets by reveal id. */
export class MemoryReveals implements RevealStorePort {
  readonly items = new Map<string, RevealItem & { expiresAt: number }>();
  readonly burned: string[] = [];
  failBurn = false;

  async create(item: RevealItem, expiresAt: number): Promise<boolean> {
    if (this.items.has(item.id)) return false;
    this.items.set(item.id, { ...item, expiresAt });
    return true;
  }

  async attach(id: string, secret: SealedSecret, expiresAt: number): Promise<boolean> {
    const item = this.items.get(id);
    if (!item || item.secret) return false;
    this.items.set(id, { ...item, secret, expiresAt });
    return true;
  }

  async get(id: string): Promise<RevealItem | undefined> {
    const item = this.items.get(id);
    if (!item) return undefined;
    const { expiresAt: _ttl, ...rest } = item;
    return rest;
  }

  async burn(id: string): Promise<void> {
    if (this.failBurn) throw new StoreError('burn failed');
    this.items.delete(id);
    this.burned.push(id);
  }
}

const speakerKey = (s: Speaker) => `${s.as}:${s.team}:${s.as === 'user' ? s.user : ''}`;

/** The bot of workspace T1, the speaker most unit tests expect. */
export const BOT: Speaker = { as: 'bot', team: 'T1' };

export const rateLimited = (ms: number) =>
  new SlackCallError('chat.delete', 'rate_limited', 'ratelimited', { retryAfterMs: ms });
export const unavailable = (method = 'chat.delete') => new SlackCallError(method, 'unavailable', 'http_500');
export const platform = (code: string, method = 'chat.delete') =>
  new SlackCallError(method, 'platform', code);

export function captureLogs(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({}, (line) => lines.push(line), 'debug'), lines };
}

/** What the fakes' seal opens to: the message and where to answer its author. */
export const SEALED_CONTENT = { text: 'the door code is 4711', responseUrl: 'https://hooks.test/r' };

/** A poster event as ack hands it over, received at `now` (its seal opens to `SEALED_CONTENT`). */
export function posterEvent(now: number, fields: Partial<PosterEvent> = {}): PosterEvent {
  return {
    v: 1,
    id: 'T1:trig-1',
    team: 'T1',
    channel: 'C1',
    user: 'U1',
    delaySeconds: 3600,
    receivedAt: now,
    sealed: { key: 'k', iv: 'iv', data: 'data' },
    ...fields,
  };
}

/** A poster's dependencies on fakes, at `now`, with its logs captured. */
export function posterFakes(now: number, over: Partial<PostDeps> = {}) {
  const clock = new FakeClock(now);
  const store = new MemoryStore();
  store.clock = clock;
  const slack = new ScriptedSlack(clock);
  const reveals = new MemoryReveals();
  const { log, lines } = captureLogs();
  const deps: PostDeps = {
    store,
    slack,
    reveals,
    clock,
    log,
    sweepPeriodMs: 60_000,
    shape: { shards: 8, groups: 1 },
    watch: new MemoryWatch(),
    workers: new RecordingWorkers(),
    allowBroadcasts: false,
    limits: DEFAULT_LIMITS,
    caps: DEFAULT_POSTER_CAPS,
    deadline: () => now + 110_000,
    open: async () => SEALED_CONTENT,
    ...over,
  };
  return { clock, store, slack, reveals, deps, lines };
}

/**
 * Runs one sweeper worker on fakes, as a dispatch would start it: a claim on group 0 of a watch
 * (a fresh one unless given) at the clock's time, then the worker, until `deadline`.
 */
export async function runWorker(
  base: Pick<SweepDeps, 'store' | 'slack' | 'clock' | 'log'> & Partial<SweepDeps>,
  run: { deadline: number; runId?: string; group?: number },
): Promise<SweepReport> {
  const deps: SweepDeps = {
    sweepPeriodMs: 60_000,
    shape: { shards: 8, groups: 1 },
    concurrency: 4,
    inFlight: 50,
    watch: new MemoryWatch(),
    reveals: new MemoryReveals(),
    ...base,
  };
  const group = run.group ?? 0;
  const runId = run.runId ?? 'run';
  const owner = `claim-${runId}`;
  const now = deps.clock.now();
  const claimed = await deps.watch.claim(
    group,
    { owner, lease: now + WORKER_START_ALLOWANCE_MS, covers: now + workerSpanMs(deps.sweepPeriodMs) },
    Number.POSITIVE_INFINITY,
    now,
  );
  if (!claimed) throw new Error(`group ${group} is already on watch`);
  return sweep({ group, owner, deadline: run.deadline, runId }, deps);
}

/**
 * Workers as Lambda would run them, on the same fakes: each start runs a real sweeper worker
 * after `startMs` (its cold start), until the sweeper's timeout (period + 40 s) less 5 s.
 */
export function inProcessWorkers(
  base: Pick<SweepDeps, 'store' | 'slack' | 'clock' | 'log' | 'watch'> & Partial<SweepDeps>,
  startMs = 300,
): RecordingWorkers & { runs: Array<Promise<SweepReport>>; settled(): Promise<void> } {
  const runs: Array<Promise<SweepReport>> = [];
  const deps: SweepDeps = {
    sweepPeriodMs: 60_000,
    shape: { shards: 8, groups: 1 },
    concurrency: 4,
    inFlight: 50,
    reveals: new MemoryReveals(),
    ...base,
  };
  const workers = new RecordingWorkers((event) => {
    runs.push(
      deps.clock.sleep(startMs).then(() =>
        sweep(
          {
            group: event.group,
            owner: event.owner,
            deadline: deps.clock.now() + deps.sweepPeriodMs + 35_000,
            runId: `${event.owner}`,
          },
          deps,
        ),
      ),
    );
  });
  return Object.assign(workers, {
    runs,
    settled: async () => {
      for (let done = 0; done < runs.length; ) {
        const upTo = runs.length;
        await Promise.all(runs.slice(done, upTo));
        done = upTo;
      }
    },
  });
}
