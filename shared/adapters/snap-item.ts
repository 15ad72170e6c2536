/**
 * How a snap record is laid out as a DynamoDB item. Kept apart from the store so that code
 * reading items from elsewhere (the reaper's stream images) needs no DynamoDB client.
 */
import type { FinalState, SnapRecord, SnapState, StoredRecord, Tombstone } from '../domain/snap';

/** The table's shape; `infra/dynamodb.tf` must agree (a test checks it). */
export const TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  dueIndex: {
    name: 'byDue',
    partitionKey: 'dueShard',
    sortKey: 'dueAt',
    /**
     * What the sweeper reads from the index; everything else stays in the table. `enterprise` and
     * `postedAs` say whose token deletes the snap, `files` what goes with its message (a
     * projection change rebuilds the index).
     */
    projected: ['team', 'channel', 'user', 'state', 'ts', 'enterprise', 'postedAs', 'files'],
  },
  /** A user's live snaps, newest first (`/snap list`, `/snap cancel`); sparse like byDue. */
  authorIndex: {
    name: 'byAuthor',
    partitionKey: 'author',
    sortKey: 'createdAt',
    projected: ['team', 'channel', 'user', 'state', 'ts', 'dueAt', 'enterprise', 'postedAs', 'files'],
  },
  /** The live snap behind a Slack message (the "Delete snap now" shortcut); sparse. */
  messageIndex: {
    name: 'byMessage',
    partitionKey: 'message',
    projected: [
      'team',
      'channel',
      'user',
      'state',
      'ts',
      'dueAt',
      'createdAt',
      'enterprise',
      'postedAs',
      'files',
    ],
  },
} as const;

/**
 * The author index's key: the user within their workspace, or within their org on Enterprise
 * Grid, where a user's id and a token they granted to an org-wide install span every workspace
 * of the org — so `/snap list` and `/snap revoke` see all of their snaps, wherever posted.
 */
export const authorKey = (author: { team: string; user: string; enterprise?: string | undefined }) =>
  `${author.enterprise ?? author.team}#${author.user}`;
export const messageKey = (team: string, channel: string, ts: string) => `${team}#${channel}#${ts}`;

/** Key prefixes of the items the snap functions write; IAM confines each role to its own (infra/locals.tf). */
export const SNAP_PREFIX = 'snap#';
export const COUNTER_PREFIX = 'limit#';
export const SLOT_PREFIX = 'slot#';
/** The deletion engine's watch items, one per group of shards (watch-store.ts). */
export const WATCH_PREFIX = 'watch#';

export const keyOf = (id: string) => ({ [TABLE.partitionKey]: `${SNAP_PREFIX}${id}` });

export type Item = Record<string, unknown>;

export function toItem(record: SnapRecord): Item {
  const { id, ...rest } = record;
  return { ...keyOf(id), ...rest };
}

/** A tombstone's whole item: its key, its state, its TTL — written by a PutItem that replaces the record. */
export function tombstoneItem(tombstone: Tombstone): Item {
  return { ...keyOf(tombstone.id), state: tombstone.state, [TABLE.ttlAttribute]: tombstone.expiresAt };
}

const LIVE: readonly string[] = ['posting', 'posted'] satisfies SnapState[];
const FINAL: readonly string[] = ['done', 'lost'] satisfies FinalState[];
const isLive = (value: string | undefined): value is SnapState => LIVE.includes(value ?? '');
const isFinal = (value: string | undefined): value is FinalState => FINAL.includes(value ?? '');

/** True for an item that is a tombstone: what is left of a request once it is settled. */
export function isTombstoneItem(item: Item): boolean {
  return typeof item.state === 'string' && isFinal(item.state);
}

/**
 * A snap item as the record or tombstone it is; undefined for anything else (another item kind,
 * a damaged item). A tombstone is read from its state alone: whatever else an item in a final
 * state carries (a `lost` record from before tombstones) is ignored.
 */
export function fromItem(item: Item): StoredRecord | undefined {
  const pk = item[TABLE.partitionKey];
  if (typeof pk !== 'string' || !pk.startsWith(SNAP_PREFIX)) return undefined;
  const str = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : undefined);
  const num = (k: string) => (typeof item[k] === 'number' ? (item[k] as number) : undefined);
  const id = pk.slice(SNAP_PREFIX.length);
  const state = str('state');
  const expiresAt = num(TABLE.ttlAttribute) ?? 0;
  if (isFinal(state)) return { id, state, expiresAt };
  const team = str('team');
  const channel = str('channel');
  const user = str('user');
  const dueAt = num('dueAt');
  if (!team || !channel || !user || !isLive(state) || dueAt === undefined) return undefined;
  const record: SnapRecord = {
    id,
    team,
    channel,
    user,
    state,
    dueAt,
    expiresAt,
    createdAt: num('createdAt') ?? 0,
  };
  const enterprise = str('enterprise');
  const postedAs = str('postedAs');
  if (enterprise) record.enterprise = enterprise;
  if (postedAs === 'user' || postedAs === 'bot') record.postedAs = postedAs;
  const files = strings(item.files);
  if (files?.length) record.files = files;
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
  const reveal = revealOf(item.reveal);
  if (reveal) record.reveal = reveal;
  return record;
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;

/** A reveal's state as stored (a map of two lists); undefined for anything else. */
function revealOf(value: unknown): SnapRecord['reveal'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const people = strings(v.for);
  const opened = strings(v.opened);
  return people && opened ? { for: people, opened } : undefined;
}

/** A live snap record from an item; undefined for a tombstone or anything that is not a snap. */
export function liveFromItem(item: Item): SnapRecord | undefined {
  const record = fromItem(item);
  return record?.state === 'posting' || record?.state === 'posted' ? record : undefined;
}
