/**
 * What the use cases need from the outside world. The adapters in `shared/adapters` implement
 * these; tests may substitute their own.
 */

import type { SnapRecord } from '../domain/snap';
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

/** The outcome of claiming a request id: the existing record when it was taken before. */
export type ClaimResult = { claimed: true } | { claimed: false; existing: SnapRecord | undefined };

/** The author's name and avatar, used to post under them. */
export interface Identity {
  username: string;
  iconUrl?: string;
}

export interface PostArgs {
  channel: string;
  text: string;
  blocks: unknown[];
  identity?: Identity;
}

export type ReplyBody = { response_type: 'ephemeral'; text: string; blocks?: unknown[] };

export interface StorePort {
  claim(record: SnapRecord): Promise<ClaimResult>;
  markPosted(
    record: Pick<SnapRecord, 'id' | 'team' | 'channel' | 'user' | 'dueAt'>,
    ts: string,
    shard: string,
    lease?: { until: number; owner: string },
  ): Promise<void>;
  release(id: string): Promise<void>;
  markLost(id: string): Promise<boolean>;
  /** Posted records due before `before` (ms), oldest due first, read as they are consumed. */
  findDue(before: number): AsyncIterable<SnapRecord>;
  /**
   * Takes a posted record for one deleter until `until` (and keeps it from expiring meanwhile),
   * unless another holds an unexpired lease: false if not taken.
   */
  lease(id: string, owner: string, until: number, now: number): Promise<boolean>;
  unlease(id: string, owner: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Writes a record TTL removed back, unless its key holds an item again: false then. */
  putBack(record: SnapRecord): Promise<boolean>;
  get(id: string): Promise<SnapRecord | undefined>;
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
