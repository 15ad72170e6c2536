/**
 * The deletion engine's rules, no I/O: where a snap's record sits in the due-time index (its
 * shard), which worker serves it (its shard's group), when a worker must be on watch for it, and
 * how long a worker covers.
 *
 * - **Shards** spread the due-time index over DynamoDB partitions. A workspace's snaps all go to
 *   one shard: a stable hash of the workspace's key (its org on Enterprise Grid) modulo the shard
 *   count S. Slack limits `chat.delete` per workspace (and an org-wide installation speaks for
 *   every workspace of its org with one token), so keying by org keeps every call that may share
 *   one of Slack's budgets in one place.
 * - **Groups**: shard s belongs to group s mod G. A group is served by one sweeper worker at a
 *   time, which reads only its group's shards; so every workspace is paced by exactly one
 *   worker, and G bounds how many workers (and how many waiting Lambda runs) exist at once,
 *   whatever the traffic.
 * - **Watch**: one small item per group says which worker is on watch, until when it is known
 *   alive (`lease`), and up to which due time it serves (`covers`). Whoever needs a group served
 *   — the poster for a snap due too soon for any scheduled run, the scheduled dispatcher for its
 *   window — makes sure of it with one conditional write, and starts a worker when none is on
 *   watch long enough.
 */
import { createHash } from 'node:crypto';
import { SWEEP_MARGIN_MS } from './snap';

/** Shards records were spread over, at random, before they were assigned by workspace. */
export const LEGACY_SHARDS = 8;

/** The default shard count: the legacy shards, so that an upgrade finds every old record. */
export const DEFAULT_SHARDS = LEGACY_SHARDS;

/** What a workspace's snaps are keyed by: its Enterprise Grid org when it has one, else itself. */
export function workspaceKey(where: { team: string; enterprise?: string | undefined }): string {
  return where.enterprise ?? where.team;
}

/** The shard of a workspace's snaps: a stable hash of its key, so every run and every poster agree. */
export function shardOf(where: { team: string; enterprise?: string | undefined }, shards: number): number {
  return createHash('sha256').update(workspaceKey(where)).digest().readUInt32BE(0) % shards;
}

/** The group (worker) a shard belongs to. */
export function groupOf(shard: number, groups: number): number {
  return shard % groups;
}

/** The shards a group's worker reads. */
export function shardsOf(group: number, shards: number, groups: number): number[] {
  const out: number[] = [];
  for (let s = group; s < shards; s += groups) out.push(s);
  return out;
}

/** Every group, for the dispatcher. */
export function allGroups(groups: number): number[] {
  return Array.from({ length: groups }, (_, g) => g);
}

/**
 * How the engine is sized: S shards in the index, G groups (at most G workers at once). G divides
 * S, and S is at least the legacy 8 so that records spread at random before stay readable.
 */
export interface EngineShape {
  shards: number;
  groups: number;
}

/** Why a shape cannot work, or undefined when it can. */
export function shapeProblem({ shards, groups }: EngineShape): string | undefined {
  if (!Number.isInteger(shards) || shards < LEGACY_SHARDS)
    return `the shard count must be a whole number of at least ${LEGACY_SHARDS}`;
  if (!Number.isInteger(groups) || groups < 1 || groups > shards)
    return 'the worker count must be a whole number from 1 to the shard count';
  if (shards % groups !== 0) return 'the worker count must divide the shard count';
  return undefined;
}

/**
 * A snap posted within this long of the next tick counts as posted after it: the dispatcher of
 * that tick reads the index (whose entries trail the table by a moment) and might not see a
 * record written an instant before it looked.
 */
export const RECORD_GUARD_MS = 2_000;

/** The first sweep tick after `nowMs`. */
export function nextTick(nowMs: number, sweepPeriodMs: number): number {
  return (Math.floor(nowMs / sweepPeriodMs) + 1) * sweepPeriodMs;
}

/**
 * True when no scheduled dispatch is sure to start a worker for this due time in time, so the
 * poster must make sure one is on watch. Every other snap is due at least the margin after a
 * tick that comes after its record was written, and that tick's dispatcher serves it.
 */
export function needsWatch(dueAtMs: number, nowMs: number, sweepPeriodMs: number): boolean {
  return dueAtMs < nextTick(nowMs + RECORD_GUARD_MS, sweepPeriodMs) + SWEEP_MARGIN_MS;
}

/** The end of the window the dispatcher of tick `tickMs` is responsible for. */
export function sweepWindowEnd(tickMs: number, sweepPeriodMs: number): number {
  return tickMs + sweepPeriodMs + SWEEP_MARGIN_MS;
}

/**
 * How far a worker started now reads the index: up to its cover, and no further than the window
 * of the tick to come. Beyond that the next dispatcher will serve, and a worker holding snaps it
 * need not would only stay up (and pace their workspaces) for nothing.
 */
export function readHorizon(coversMs: number, nowMs: number, sweepPeriodMs: number): number {
  return Math.min(coversMs, nextTick(nowMs, sweepPeriodMs) + SWEEP_MARGIN_MS);
}

/**
 * What a worker covers from the moment it is summoned: every due time up to this span later.
 * The sweeper's Lambda timeout is the period + 40 s (infra/locals.tf) and a run stops 5 s before
 * it, so a worker started at or after its summons is still up 10 s past the last due time it
 * covers — time to delete it. One period + the margin is all a dispatcher ever asks for, and a
 * dispatcher firing up to 10 s late still finds a fresh worker enough.
 */
export function workerSpanMs(sweepPeriodMs: number): number {
  return sweepPeriodMs + SWEEP_MARGIN_MS + 10_000;
}

/** How often a worker on watch reads its watch item for snaps just posted and new work. */
export const WATCH_POLL_MS = 250;
/** How long a worker's watch holds without renewal: past it, the worker counts as dead. */
export const WATCH_LEASE_MS = 10_000;
/** How often a worker renews its watch. */
export const WATCH_RENEW_MS = 3_000;
/**
 * The lease a summons gives a worker not yet started: its cold start and Lambda's queue. A worker
 * that never starts (an invoke lost) is replaced by the next that needs the group after this.
 */
export const WORKER_START_ALLOWANCE_MS = 10_000;

/**
 * What a summoned worker may need before it acts: Lambda's queue, a cold start (Node, the bundle,
 * the token's KMS decrypt) and its first reads. A snap due sooner than this after the poster
 * summoned the worker may come before it: that one poster waits it out itself (see post-snap).
 */
export const COLD_START_BUDGET_MS = 1_500;

/** The event that starts a worker: which group it serves, and the claim it must find its own. */
export interface WorkerEvent {
  v: 1;
  kind: 'sweep-worker';
  group: number;
  /** The claim written on the group's watch; the worker serves only while the watch names it. */
  owner: string;
}

export function isWorkerEvent(value: unknown): value is WorkerEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    v.kind === 'sweep-worker' &&
    typeof v.group === 'number' &&
    Number.isInteger(v.group) &&
    v.group >= 0 &&
    typeof v.owner === 'string' &&
    v.owner !== ''
  );
}

/** What a group's watch item holds, as read. */
export interface WatchState {
  owner?: string;
  /** The owner is alive (or starting) until then (ms). */
  lease?: number;
  /** The owner serves every snap due before this (ms). */
  covers?: number;
  /** Bumped by a dispatcher that found work in the index for this group: read it again. */
  gen: number;
  /** Snaps just posted, which the owner has not taken yet (read from the table, not the index). */
  ids: string[];
}
