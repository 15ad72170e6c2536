/**
 * Whose token speaks for a snap. A snap is posted by its author's own token when they let snap
 * post as them, else by snap's bot; whatever posted it deletes it, on every path.
 */
import type { SnapRecord } from '../domain/snap';
import type { AuthorRef, Speaker, Workspace } from './ports';

type Where = { team: string; enterprise?: string | undefined };

export const workspaceOf = (where: Where): Workspace => ({
  team: where.team,
  ...(where.enterprise ? { enterprise: where.enterprise } : {}),
});

/** snap's bot in the workspace (or its org). */
export const botOf = (where: Where): Speaker & { as: 'bot' } => ({ as: 'bot', ...workspaceOf(where) });

/** A user of the workspace (and of its org on Enterprise Grid, where user ids span the org). */
export const authorOf = (where: Where & { user: string }): AuthorRef => ({
  ...workspaceOf(where),
  user: where.user,
});

/** The user themselves, with the token they gave snap. */
export const userOf = (where: Where & { user: string }): Speaker & { as: 'user' } => ({
  as: 'user',
  ...authorOf(where),
});

/** The token that posted a record is the one that deletes it (records without `postedAs`: the bot). */
export const speakerOf = (record: SnapRecord): Speaker =>
  record.postedAs === 'user' ? userOf(record) : botOf(record);
