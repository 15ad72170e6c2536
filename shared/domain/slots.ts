/**
 * Posters in flight, per workspace and per Enterprise Grid org. The poster's reserved concurrency
 * is shared by every workspace; without a cap of its own, one workspace sending fast enough (its
 * users at their limits, or one stranger's scripted accounts) holds every poster, and everyone
 * else's snaps wait. Each workspace (and each org) has K slots: a poster takes one before it posts
 * and gives it back once the post is recorded, so a workspace has at most K posters posting,
 * whatever it sends; beyond them its author is told snap is busy there and nothing is posted. A
 * slot carries its holder's deadline, so one a crashed poster never gave back frees itself.
 * The arithmetic behind the defaults is in docs/operations.md ("Posters in flight").
 */

export interface PosterCaps {
  /** Posters one workspace may have posting at once (0: no cap). */
  perWorkspace: number;
  /** Posters one Enterprise Grid org may have posting at once, all its workspaces together (0: no cap). */
  perOrg: number;
}

/**
 * 10 per workspace: Slack takes about one post a second per channel and the poster waits out a
 * 429 for at most 10 s, so more than ten posters waiting in one workspace's busiest channel could
 * not post in time anyway; and ten at a third of a second each post ~30 snaps a second, six times
 * a workspace's default limit. 30 per org: three workspaces' worth. With the default reserved
 * concurrency of 100, a workspace holds at most a tenth of the posters, an org under a third.
 */
export const DEFAULT_POSTER_CAPS: PosterCaps = { perWorkspace: 10, perOrg: 30 };

/** A slot item is readable by BatchGetItem in one call: at most 100 keys. */
export const MAX_SLOTS = 100;

/** One workspace's (or org's) slots: `slot#<key>#0` … `slot#<key>#<size − 1>`. */
export interface SlotGroup {
  scope: 'workspace' | 'org';
  /** The workspace (`T…`) or org (`E…`) id. */
  key: string;
  size: number;
}

/** The slots a snap of `where` needs: its workspace's, and its org's on Grid (caps at 0 need none). */
export function slotGroups(caps: PosterCaps, where: { team: string; enterprise?: string }): SlotGroup[] {
  const groups: SlotGroup[] = [];
  if (caps.perWorkspace > 0) groups.push({ scope: 'workspace', key: where.team, size: caps.perWorkspace });
  if (caps.perOrg > 0 && where.enterprise && where.enterprise !== where.team)
    groups.push({ scope: 'org', key: where.enterprise, size: caps.perOrg });
  return groups;
}

/**
 * How long a slot item outlives its holder's deadline before TTL may take it. Nothing reads the
 * TTL: a slot is free once its deadline (`until`) has passed; TTL only cleans up.
 */
export const SLOT_GRACE_SECONDS = 60;

export const slotExpiresAt = (untilMs: number) => Math.ceil(untilMs / 1000) + SLOT_GRACE_SECONDS;
