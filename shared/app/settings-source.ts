/**
 * Where the poster and the controls function read a workspace's settings (policy and people's
 * defaults): the store, by key, behind a bounded cache like the tokens' (token-source.ts). A
 * policy change reaches every warm function within `SETTINGS_CACHE_MS`; the function that made
 * it forgets its own copy at once.
 *
 * The workspace's own item comes first (its policy and its people's defaults); on Enterprise
 * Grid, a workspace without a policy of its own follows its org's.
 */
import { OPEN_POLICY } from '../domain/policy';
import type { Settings, SettingsSource, SettingsStorePort, StoredSettings, Workspace } from './ports';
import { ExpiringCache } from './token-source';

/** How long a warm function uses settings it read: "a change reaches every warm function within a minute". */
export const SETTINGS_CACHE_MS = 60_000;
export const SETTINGS_CACHE_ENTRIES = 1_000;

export function storedSettings(
  store: Pick<SettingsStorePort, 'read'>,
  options: { maxAgeMs?: number; now?: () => number } = {},
): SettingsSource {
  const maxAgeMs = Math.min(options.maxAgeMs ?? SETTINGS_CACHE_MS, SETTINGS_CACHE_MS);
  // Absent items are remembered as long as present ones: "no policy" is a setting like any other.
  const cache = new ExpiringCache<StoredSettings>({
    maxAgeMs,
    missMaxAgeMs: maxAgeMs,
    maxEntries: SETTINGS_CACHE_ENTRIES,
    ...(options.now ? { now: options.now } : {}),
  });
  const read = (key: string) => cache.get(key, () => store.read(key));
  return {
    async settings(where: Workspace): Promise<Settings> {
      const own = await read(where.team);
      const defaults = own?.defaults ?? {};
      if (own?.policy)
        return {
          policy: own.policy,
          scope: 'workspace',
          defaults,
          source: { key: where.team, rev: own.rev },
        };
      if (where.enterprise) {
        const org = await read(where.enterprise);
        if (org?.policy)
          return {
            policy: org.policy,
            scope: 'org',
            defaults,
            source: { key: where.enterprise, rev: org.rev },
          };
      }
      return { policy: { ...OPEN_POLICY }, scope: 'none', defaults };
    },
    forget(where: Workspace) {
      cache.forget(where.team);
      if (where.enterprise) cache.forget(where.enterprise);
    },
  };
}
