/**
 * DynamoDB adapter for the groups' watch items (domain/engine.ts), in the snap table under their
 * own key prefix: no index key and no TTL attribute, so no sweep reads them and the stream never
 * carries them. Every change is one conditional UpdateItem, so posters, dispatchers and workers
 * agree on who is on watch without any other coordination; the snaps handed to a worker are a
 * string set, to which posters ADD and from which the worker DELETEs what it took, each element
 * on its own, so nothing handed at the same instant is lost.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WatchClaim, WatchPort } from '../app/ports';
import type { WatchState } from '../domain/engine';
import { attempt, conditionally, documents } from './dynamo-calls';
import { TABLE, WATCH_PREFIX } from './snap-item';

const NAMES = { '#owner': 'owner', '#lease': 'lease', '#covers': 'covers', '#gen': 'gen', '#ids': 'ids' };

const keyOf = (group: number) => ({ [TABLE.partitionKey]: `${WATCH_PREFIX}${group}` });

/** What an item holds, as the use cases read it. */
function stateOf(item: Record<string, unknown> | undefined): WatchState {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const ids = item?.ids instanceof Set ? [...(item.ids as Set<unknown>)].map(String) : [];
  const state: WatchState = { gen: num(item?.gen) ?? 0, ids };
  if (typeof item?.owner === 'string') state.owner = item.owner;
  const lease = num(item?.lease);
  const covers = num(item?.covers);
  if (lease !== undefined) state.lease = lease;
  if (covers !== undefined) state.covers = covers;
  return state;
}

export class WatchStore implements WatchPort {
  constructor(private readonly tableName: string) {}

  async hand(group: number, need: number, now: number, id?: string): Promise<boolean> {
    return conditionally('watch.hand', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(group),
          // A snap just posted goes to the owner directly (the index trails the table by a
          // moment); new work found in the index only needs the owner to read it again.
          UpdateExpression: id ? 'ADD #ids :ids' : 'ADD #gen :one',
          ConditionExpression: '#lease >= :now AND #covers >= :need',
          ExpressionAttributeNames: {
            '#lease': 'lease',
            '#covers': 'covers',
            ...(id ? { '#ids': 'ids' } : { '#gen': 'gen' }),
          },
          ExpressionAttributeValues: {
            ':now': now,
            ':need': need,
            ...(id ? { ':ids': new Set([id]) } : { ':one': 1 }),
          },
        }),
      ),
    );
  }

  async claim(group: number, claim: WatchClaim, need: number, now: number, id?: string): Promise<boolean> {
    return conditionally('watch.claim', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(group),
          UpdateExpression: `SET #owner = :owner, #lease = :lease, #covers = :covers ADD #gen :one${id ? ', #ids :ids' : ''}`,
          ConditionExpression: 'attribute_not_exists(#owner) OR #lease < :now OR #covers < :need',
          ExpressionAttributeNames: id ? NAMES : without(NAMES, '#ids'),
          ExpressionAttributeValues: {
            ':owner': claim.owner,
            ':lease': claim.lease,
            ':covers': claim.covers,
            ':one': 1,
            ':now': now,
            ':need': need,
            ...(id ? { ':ids': new Set([id]) } : {}),
          },
        }),
      ),
    );
  }

  async renew(group: number, owner: string, lease: number): Promise<WatchState | undefined> {
    let state: WatchState | undefined;
    const renewed = await conditionally('watch.renew', async () => {
      const out = await documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(group),
          UpdateExpression: 'SET #lease = :lease',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner', '#lease': 'lease' },
          ExpressionAttributeValues: { ':owner': owner, ':lease': lease },
          ReturnValues: 'ALL_NEW',
        }),
      );
      state = stateOf(out.Attributes);
    });
    return renewed ? state : undefined;
  }

  async read(group: number): Promise<WatchState> {
    const out = await attempt('watch.read', () =>
      documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(group), ConsistentRead: true })),
    );
    return stateOf(out.Item);
  }

  async take(group: number, owner: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await conditionally('watch.take', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(group),
          UpdateExpression: 'DELETE #ids :ids',
          // A worker that lost the watch leaves the snaps to its successor.
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#ids': 'ids', '#owner': 'owner' },
          ExpressionAttributeValues: { ':ids': new Set(ids), ':owner': owner },
        }),
      ),
    );
  }

  async release(group: number, owner: string, settled?: { gen: number }): Promise<boolean> {
    return conditionally('watch.release', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(group),
          UpdateExpression: 'REMOVE #owner, #lease, #covers',
          ConditionExpression: settled
            ? '#owner = :owner AND #gen = :gen AND attribute_not_exists(#ids)'
            : '#owner = :owner',
          ExpressionAttributeNames: settled
            ? NAMES
            : { '#owner': 'owner', '#lease': 'lease', '#covers': 'covers' },
          ExpressionAttributeValues: { ':owner': owner, ...(settled ? { ':gen': settled.gen } : {}) },
        }),
      ),
    );
  }
}

function without<T extends Record<string, string>>(names: T, key: keyof T): Record<string, string> {
  const { [key]: _dropped, ...rest } = names;
  return rest;
}
