/**
 * The delay a modal's field starts with for a person. Today the configured default
 * (`SNAP_DEFAULT_DELAY_SECONDS`); a person's own default and their workspace's policy come in
 * here, and nowhere else, when snap keeps them.
 */
import type { DelayLimits } from '../domain/command';
import type { AuthorRef } from './ports';

export function defaultDelayFor(_who: AuthorRef, deps: { limits: DelayLimits }): Promise<number> {
  return Promise.resolve(deps.limits.defaultSeconds);
}
