/**
 * How a snap record is laid out as a DynamoDB item. Kept apart from the store so that code
 * reading items from elsewhere (the reaper's stream images) needs no DynamoDB client.
 */
import type { SnapRecord, SnapState } from '../domain/snap';

/** The table's shape; `infra/dynamodb.tf` must agree (a test checks it). */
export const TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  dueIndex: {
    name: 'byDue',
    partitionKey: 'dueShard',
    sortKey: 'dueAt',
    /** What the sweeper reads from the index; everything else stays in the table. */
    projected: ['team', 'channel', 'user', 'state', 'ts'],
  },
  /** A user's live snaps, newest first (`/snap list`, `/snap cancel`); sparse like byDue. */
  authorIndex: {
    name: 'byAuthor',
    partitionKey: 'author',
    sortKey: 'createdAt',
    projected: ['team', 'channel', 'user', 'state', 'ts', 'dueAt'],
  },
  /** The live snap behind a Slack message (the "Delete snap now" shortcut); sparse. */
  messageIndex: {
    name: 'byMessage',
    partitionKey: 'message',
    projected: ['team', 'channel', 'user', 'state', 'ts', 'dueAt', 'createdAt'],
  },
} as const;

export const authorKey = (team: string, user: string) => `${team}#${user}`;
export const messageKey = (team: string, channel: string, ts: string) => `${team}#${channel}#${ts}`;

export const keyOf = (id: string) => ({ [TABLE.partitionKey]: `snap#${id}` });

export type Item = Record<string, unknown>;

export function toItem(record: SnapRecord): Item {
  const { id, ...rest } = record;
  return { ...keyOf(id), ...rest };
}

const STATES: readonly string[] = ['posting', 'posted', 'lost'] satisfies SnapState[];
const isState = (value: string | undefined): value is SnapState => STATES.includes(value ?? '');

export function fromItem(item: Item): SnapRecord | undefined {
  const pk = item[TABLE.partitionKey];
  if (typeof pk !== 'string' || !pk.startsWith('snap#')) return undefined;
  const str = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : undefined);
  const num = (k: string) => (typeof item[k] === 'number' ? (item[k] as number) : undefined);
  const team = str('team');
  const channel = str('channel');
  const user = str('user');
  const state = str('state');
  const dueAt = num('dueAt');
  const expiresAt = num('expiresAt');
  if (!team || !channel || !user || !isState(state) || dueAt === undefined) return undefined;
  const record: SnapRecord = {
    id: pk.slice('snap#'.length),
    team,
    channel,
    user,
    state,
    dueAt,
    expiresAt: expiresAt ?? 0,
    createdAt: num('createdAt') ?? 0,
  };
  const ts = str('ts');
  const dueShard = str('dueShard');
  const lease = num('leaseUntil');
  const postingUntil = num('postingUntil');
  const owner = str('leaseOwner');
  if (ts) record.ts = ts;
  if (dueShard) record.dueShard = dueShard;
  if (lease !== undefined) record.leaseUntil = lease;
  if (postingUntil !== undefined) record.postingUntil = postingUntil;
  if (owner) record.leaseOwner = owner;
  return record;
}
