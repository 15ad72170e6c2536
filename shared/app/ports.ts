/**
 * What the use cases need from the outside world. The adapters in `shared/adapters` implement
 * these; tests may substitute their own.
 */

import type { KnownBlock } from '@slack/types';
import type { SnapRecord, StoredRecord, Tombstone } from '../domain/snap';
import type { Logger } from '../log';

/** A verified slash command, as ack's use case takes it (the Slack request adapter reads it). */
export interface SlashCommand {
  command: string;
  text: string;
  team: string;
  channel: string;
  user: string;
  triggerId: string;
  responseUrl: string;
}

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

export type ReplyBody = { response_type: 'ephemeral'; text: string; blocks?: KnownBlock[] };

export interface StorePort {
  claim(record: SnapRecord): Promise<ClaimResult>;
  markPosted(
    record: Pick<SnapRecord, 'id' | 'team' | 'channel' | 'user' | 'dueAt'>,
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
  findDue(before: number): Promise<SnapRecord[]>;
  lease(id: string, owner: string, until: number, now: number): Promise<boolean>;
  unlease(id: string, owner: string): Promise<void>;
  get(id: string): Promise<StoredRecord | undefined>;
  findByAuthor(team: string, user: string): Promise<SnapRecord[]>;
  findByMessage(team: string, channel: string, ts: string): Promise<SnapRecord | undefined>;
}

export interface SlackPort {
  post(args: PostArgs): Promise<string>;
  delete(channel: string, ts: string): Promise<void>;
  identity(user: string): Promise<Identity | undefined>;
  reply(responseUrl: string, body: ReplyBody): Promise<void>;
}

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
