/**
 * Activity for admins (off unless an admin turns it on): per day, per conversation and per
 * person, how many snaps were posted and how many were deleted on time, early (by their author)
 * or late. Counts only, never text; each day's counts are kept a week (docs/privacy.md).
 */
import type { DeletionReason } from './deletion';

export type ActivityMetric = 'posted' | 'onTime' | 'early' | 'late';

/** The days shown, and how long a day's counts are kept after the day. */
export const ACTIVITY_DAYS = 7;
/** A deletion this long past its due time counts as late (the precise path missed it). */
export const LATE_AFTER_MS = 5_000;

export function metricOf(reason: DeletionReason, dueAt: number, atMs: number): ActivityMetric {
  if (reason !== 'due' && atMs < dueAt) return 'early';
  return atMs - dueAt > LATE_AFTER_MS ? 'late' : 'onTime';
}

export interface ActivityCounts {
  posted: number;
  onTime: number;
  early: number;
  late: number;
}

/** The last days' counts, per conversation and per person (never text). */
export interface ActivitySummary {
  days: number;
  channels: Array<{ id: string; counts: ActivityCounts }>;
  people: Array<{ id: string; counts: ActivityCounts }>;
}
