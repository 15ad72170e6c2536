/**
 * Counting activity for admins (shared/domain/activity.ts), only where the policy in force turns
 * it on. Counting never stands in a snap's way: a failed count is logged and forgotten.
 */

import type { ActivityMetric } from '../domain/activity';
import type { SnapRecord } from '../domain/snap';
import { errorFields, type Logger } from '../log';
import type { ActivityPort, SettingsSource } from './ports';

/** A counter bound to the settings that say whether to count. */
export interface ActivityRecorder {
  record(
    snap: Pick<SnapRecord, 'team' | 'enterprise' | 'channel' | 'user'>,
    metric: ActivityMetric,
    atMs: number,
  ): Promise<void>;
}

export function activityRecorder(
  settings: SettingsSource,
  port: Pick<ActivityPort, 'count'>,
  log: Logger,
): ActivityRecorder {
  return {
    async record(snap, metric, atMs) {
      try {
        const where = { team: snap.team, ...(snap.enterprise ? { enterprise: snap.enterprise } : {}) };
        const s = await settings.settings(where);
        if (!s.policy.activity) return;
        await port.count(s.source?.key ?? snap.team, atMs, snap.channel, snap.user, metric);
      } catch (error) {
        log.warn('activity.count_failed', { metric, ...errorFields(error) });
      }
    },
  };
}
