/**
 * The poster's check before it posts: is this author, and their workspace, within the limits?
 * Limits guard the account, not a promise to anyone, so a check the table cannot answer lets
 * the snap through (and says so in the log) rather than refusing people for a database hiccup.
 */
import {
  type LimitRefusal,
  type Limits,
  overPending,
  teamCounter,
  userCounter,
  windowRefusal,
} from '../domain/limits';
import { StoreError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { AuthorRef, Common, StorePort } from './ports';

export interface LimitDeps extends Pick<Common, 'clock'> {
  store: StorePort;
  limits: Limits;
}

/**
 * The limit a new snap by `user` in `team` would break, or undefined when it may be posted.
 * The user's own limits come first and the workspace's counter is touched only once they pass,
 * so a user refused for flooding does not use up the workspace's minute for everyone else.
 */
export async function checkLimits(
  author: AuthorRef,
  deps: LimitDeps,
  log: Logger,
): Promise<LimitRefusal | undefined> {
  const { limits, store } = deps;
  const now = deps.clock.now();
  // A user id spans their Grid org, and so does their minute: counted once across its workspaces.
  const mine = userCounter(limits, author.enterprise ?? author.team, author.user, now);
  const ours = teamCounter(limits, author.team, now);
  try {
    const [pending, counted] = await Promise.all([
      limits.userPending > 0 ? store.countByAuthor(author, limits.userPending) : 0,
      mine ? store.countInWindow(mine) : true,
    ]);
    if (overPending(limits, pending)) return { limit: 'user_pending', max: limits.userPending };
    if (mine && !counted) return windowRefusal('user_per_minute', mine);
    if (ours && !(await store.countInWindow(ours))) return windowRefusal('team_per_minute', ours);
    return undefined;
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    log.warn('poster.limits_unchecked', errorFields(error));
    return undefined;
  }
}
