/**
 * The poster's hold on its workspace's (and org's) posters in flight (shared/domain/slots.ts):
 * taken after the claim and the limits, given back once the post is recorded. Like the limits,
 * the cap guards the account rather than promising anything to anyone: a table that cannot
 * answer lets the snap through (logged) rather than refusing people for a database hiccup.
 */
import { type PosterCaps, type SlotGroup, slotGroups } from '../domain/slots';
import { StoreError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { Common, StorePort, Workspace } from './ports';

export interface SlotDeps extends Pick<Common, 'clock'> {
  store: Pick<StorePort, 'takeSlot' | 'releaseSlot'>;
  caps: PosterCaps;
  /** The poster's own deadline: a slot it never gives back frees itself then. */
  deadline(): number;
}

export type Held = { busy: SlotGroup['scope'] } | { busy: undefined; release(): Promise<void> };

/**
 * Takes a slot in each group the snap's workspace needs (its own, then its org's). Busy when one
 * is full: what was taken is given back, and the scope says whose posters are all in use.
 */
export async function holdPosterSlots(
  where: Workspace,
  owner: string,
  deps: SlotDeps,
  log: Logger,
): Promise<Held> {
  const taken: Array<{ group: SlotGroup; index: number }> = [];
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    for (const { group, index } of taken) {
      try {
        await deps.store.releaseSlot(group, index, owner);
      } catch (error) {
        // It frees itself at the holder's deadline.
        log.warn('poster.slot_release_failed', { scope: group.scope, ...errorFields(error) });
      }
    }
  };
  try {
    for (const group of slotGroups(deps.caps, where)) {
      const index = await deps.store.takeSlot(group, owner, deps.deadline(), deps.clock.now());
      if (index === undefined) {
        await release();
        return { busy: group.scope };
      }
      taken.push({ group, index });
    }
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    log.warn('poster.slots_unchecked', errorFields(error));
  }
  return { busy: undefined, release };
}
