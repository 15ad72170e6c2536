/**
 * How fast snaps may come. Each snap holds a poster while it posts (and, when short, while it
 * waits out its due time) and takes a share of the workspace's chat.delete budget when it goes,
 * so one user typing through a script — or one workspace — could otherwise take the account's
 * concurrency, everyone's on-time deletions and the bill. Three limits, each off at 0:
 * snaps per user per minute, snaps per workspace per minute, and pending snaps per user.
 *
 * The per-minute limits are fixed windows on whole minutes: simple, one counter per window, at
 * the price of letting up to twice a limit through around a minute's turn.
 */

export interface Limits {
  /** Snaps one user may post per minute in one workspace, or in one Enterprise Grid org (0: no limit). */
  userPerMinute: number;
  /** Snaps one workspace may post per minute, all users together (0: no limit). */
  teamPerMinute: number;
  /** Snaps one user may have waiting to self-destruct in one workspace (0: no limit). */
  userPending: number;
}

/**
 * Defaults no person typing meets, each chosen against what it protects:
 * - 30 a minute per user: one snap every 2 seconds for a whole minute; typing `/snap 30s …` and
 *   sending it takes longer than that, while a script at the API's 20 requests a second gets
 *   there in 1.5 s.
 * - 300 a minute per workspace: ten users at their limit at once; Slack itself takes only
 *   "several hundred" posts a minute from an app in one workspace, so beyond this posts would
 *   just wait on 429s (holding posters) anyway.
 * - 50 pending per user: more than two full pages of `/snap list`; and 50 is what Slack lets an
 *   app delete in a workspace in about a minute (chat.delete, Tier 3), so one user's snaps all
 *   falling due at once hold everyone else's deletions back by a minute at most.
 */
export const DEFAULT_LIMITS: Limits = { userPerMinute: 30, teamPerMinute: 300, userPending: 50 };

export const LIMIT_WINDOW_MS = 60_000;

/**
 * How long a counter outlives its window before TTL may take it. Nothing reads a window once it
 * is over; the margin only keeps a poster whose clock runs a little behind from starting a
 * window afresh.
 */
export const COUNTER_GRACE_SECONDS = 60;

/** A fixed-window counter: at most `limit` counts under `name` before `windowEnd`. */
export interface WindowCounter {
  /** `user#<team or org>#<user>#<minute>` or `team#<team>#<minute>`; minute = whole minutes since the epoch. */
  name: string;
  limit: number;
  /** When the window closes (ms): the moment to try again once it is full. */
  windowEnd: number;
  /** TTL (seconds since epoch), a little after the window. */
  expiresAt: number;
}

function windowCounter(name: string, limit: number, nowMs: number): WindowCounter {
  const minute = Math.floor(nowMs / LIMIT_WINDOW_MS);
  const windowEnd = (minute + 1) * LIMIT_WINDOW_MS;
  return {
    name: `${name}#${minute}`,
    limit,
    windowEnd,
    expiresAt: windowEnd / 1000 + COUNTER_GRACE_SECONDS,
  };
}

/**
 * The user's counter for the minute of `nowMs`, or undefined when that limit is off. `scope` is
 * their workspace, or their Enterprise Grid org: a user id spans the org, so the limit does too
 * (otherwise each workspace of the org would grant it again).
 */
export function userCounter(limits: Limits, scope: string, user: string, nowMs: number) {
  return limits.userPerMinute > 0
    ? windowCounter(`user#${scope}#${user}`, limits.userPerMinute, nowMs)
    : undefined;
}

/** The workspace's counter for the minute of `nowMs`, or undefined when that limit is off. */
export function teamCounter(limits: Limits, team: string, nowMs: number) {
  return limits.teamPerMinute > 0 ? windowCounter(`team#${team}`, limits.teamPerMinute, nowMs) : undefined;
}

/** True when a user with `pending` live snaps may not add another. */
export function overPending(limits: Limits, pending: number): boolean {
  return limits.userPending > 0 && pending >= limits.userPending;
}

/** Why a snap was not posted, and when trying again can help. */
export type LimitRefusal =
  | { limit: 'user_per_minute' | 'team_per_minute'; max: number; retryAt: number }
  | { limit: 'user_pending'; max: number };

export function windowRefusal(
  limit: 'user_per_minute' | 'team_per_minute',
  counter: WindowCounter,
): LimitRefusal {
  return { limit, max: counter.limit, retryAt: counter.windowEnd };
}
