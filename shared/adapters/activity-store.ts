/**
 * DynamoDB adapter for admins' activity counts, in the snap table (the one with TTL):
 *
 *   act#<K>#<day>   K = the key of the policy in force (workspace T… or org E…), day = days since
 *                   1970 (UTC): `c:<channel>:<metric>` and `u:<user>:<metric>` numbers, added to by
 *                   one UpdateItem per event, and the TTL attribute a week after the day ends.
 *
 * No index key: no query, sweep or stream reader takes it for a snap (the reaper ignores its TTL
 * removal: its key is not a snap's). Read by key (seven GetItems), deleted by key at uninstall.
 */
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityPort } from '../app/ports';
import {
  ACTIVITY_DAYS,
  type ActivityCounts,
  type ActivityMetric,
  type ActivitySummary,
} from '../domain/activity';
import { attempt, documents } from './dynamo-calls';
import { TABLE } from './snap-item';

export const ACTIVITY_PREFIX = 'act#';
const DAY_MS = 86_400_000;
/** Rows shown per list in App Home. */
const SHOWN = 15;

const dayOf = (ms: number) => Math.floor(ms / DAY_MS);
const activityKey = (key: string, day: number) => ({
  [TABLE.partitionKey]: `${ACTIVITY_PREFIX}${key}#${day}`,
});
const METRICS: ActivityMetric[] = ['posted', 'onTime', 'early', 'late'];

export class ActivityStore implements ActivityPort {
  constructor(private readonly tableName: string) {}

  async count(
    key: string,
    atMs: number,
    channel: string,
    user: string,
    metric: ActivityMetric,
  ): Promise<void> {
    const day = dayOf(atMs);
    await attempt('countActivity', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: activityKey(key, day),
          UpdateExpression: 'ADD #c :one, #u :one SET #ttl = :ttl',
          ExpressionAttributeNames: {
            '#c': `c:${channel}:${metric}`,
            '#u': `u:${user}:${metric}`,
            '#ttl': TABLE.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':ttl': ((day + 1) * DAY_MS) / 1000 + ACTIVITY_DAYS * 86_400,
          },
        }),
      ),
    );
  }

  async summary(key: string, nowMs: number): Promise<ActivitySummary> {
    const today = dayOf(nowMs);
    const days = Array.from({ length: ACTIVITY_DAYS }, (_, i) => today - i);
    const items = await Promise.all(
      days.map((day) =>
        attempt('readActivity', () =>
          documents.send(new GetCommand({ TableName: this.tableName, Key: activityKey(key, day) })),
        ).then((out) => out.Item),
      ),
    );
    const channels = new Map<string, ActivityCounts>();
    const people = new Map<string, ActivityCounts>();
    for (const item of items) {
      for (const [name, value] of Object.entries(item ?? {})) {
        const m = /^([cu]):([A-Za-z0-9_-]+):(\w+)$/.exec(name);
        const metric = m?.[3] as ActivityMetric | undefined;
        if (!m || !metric || !METRICS.includes(metric) || typeof value !== 'number') continue;
        const into = m[1] === 'c' ? channels : people;
        const id = m[2] as string;
        const counts = into.get(id) ?? { posted: 0, onTime: 0, early: 0, late: 0 };
        counts[metric] += value;
        into.set(id, counts);
      }
    }
    const top = (map: Map<string, ActivityCounts>) =>
      [...map.entries()]
        .sort((a, b) => b[1].posted - a[1].posted || a[0].localeCompare(b[0]))
        .slice(0, SHOWN)
        .map(([id, counts]) => ({ id, counts }));
    return { days: ACTIVITY_DAYS, channels: top(channels), people: top(people) };
  }

  async remove(key: string, nowMs: number): Promise<void> {
    const today = dayOf(nowMs);
    // Every day whose item the TTL may not have taken yet (TTL runs late: a day more).
    const days = Array.from({ length: ACTIVITY_DAYS + 3 }, (_, i) => today + 1 - i);
    await Promise.all(
      days.map((day) =>
        attempt('removeActivity', () =>
          documents.send(new DeleteCommand({ TableName: this.tableName, Key: activityKey(key, day) })),
        ),
      ),
    );
  }
}
