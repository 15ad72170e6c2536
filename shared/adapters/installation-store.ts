/**
 * DynamoDB adapter for installations and OAuth states. Both live in the snap table under their
 * own key prefixes (installations may go to a table of their own, `SNAP_INSTALLATIONS_TABLE_NAME`,
 * with the same layout). The table has a hash key only, so everything of a workspace is reached
 * by key, never by Scan:
 *
 *   inst#<K>        the workspace (K = T…) or org-wide (K = E…) installation: the bot token
 *                   (sealed), its user id and scopes, names, installer, time; `users`, the set
 *                   of user ids that have a token under K; `rev`, bumped by every write.
 *   inst#<K>#<U>    user U's token (sealed), scopes, time.
 *   grants#<E>#<U>  on Enterprise Grid, `keys`: every K of org E where user U has a token (the
 *                   org's own key and its workspaces'), so `/snap revoke` from any workspace
 *                   of the org finds them all by key. Listed before a token is written,
 *                   unlisted whenever one is deleted; deleted once it lists nothing.
 *   oauth#<sha256>  an OAuth flow: the state's hash as key, the cookie nonce's hash, the grant
 *                   kind, a deadline — and the TTL attribute, which installations never carry
 *                   (nor any index key: none of these items appears in the snap indexes). Once
 *                   used, the nonce's hash gives way to the time of use, until the TTL.
 *
 * A user's token is added to the set before it is written and checked after, and an uninstall
 * deletes every listed token before deleting the workspace item on condition that `rev` did not
 * move: whichever way the two interleave, no token is left that the workspace item does not list.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  BotInstallation,
  InstallationStorePort,
  OAuthStatePort,
  Removed,
  StateUse,
  TokenScope,
  UserAuthorization,
} from '../app/ports';
import type { GrantKind } from '../domain/install';
import { StoreError } from '../errors';
import { attempt, conditionally, documents, isConditionFailure } from './dynamo-calls';
import { TABLE } from './snap-item';

const PK = TABLE.partitionKey;
/** Key prefixes of the items this adapter writes; the install role may touch no others (infra/install.tf). */
export const INSTALLATION_PREFIX = 'inst#';
export const STATE_PREFIX = 'oauth#';
export const GRANTS_PREFIX = 'grants#';

export const workspaceKey = (key: string) => ({ [PK]: `${INSTALLATION_PREFIX}${key}` });
export const userKey = (key: string, user: string) => ({ [PK]: `${INSTALLATION_PREFIX}${key}#${user}` });
const stateKey = (stateHash: string) => ({ [PK]: `${STATE_PREFIX}${stateHash}` });
export const grantsKey = (org: string, user: string) => ({ [PK]: `${GRANTS_PREFIX}${org}#${user}` });

/** The bot installation's attributes, removed together when its token is revoked. */
const BOT_ATTRIBUTES = ['botToken', 'botUserId', 'botScopes', 'botInstalledAt', 'installedBy', 'appId'];
/** Deletes per uninstall in flight at once: a large workspace finishes well inside Slack's 3 s. */
const PARALLEL_DELETES = 16;
const PRUNE_ATTEMPTS = 8;

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const bytes = (value: unknown) => (value instanceof Uint8Array && value.byteLength > 0 ? value : undefined);
const stringSet = (value: unknown): Set<string> =>
  value instanceof Set ? new Set([...value].filter((v): v is string => typeof v === 'string')) : new Set();

type Item = Record<string, unknown>;

export class InstallationStore implements InstallationStorePort {
  constructor(private readonly tableName: string) {}

  async botToken(key: string): Promise<Uint8Array | undefined> {
    const item = await this.read(workspaceKey(key), 'botToken');
    return bytes(item?.botToken);
  }

  async userToken(key: string, user: string): Promise<Uint8Array | undefined> {
    const item = await this.read(userKey(key, user), 'userToken');
    return bytes(item?.userToken);
  }

  async userScopes(key: string, user: string): Promise<string[] | undefined> {
    const item = await this.read(userKey(key, user), 'userScopes');
    if (typeof item?.userScopes !== 'string') return undefined;
    return item.userScopes.split(',').filter(Boolean);
  }

  async saveBot(i: BotInstallation): Promise<void> {
    const set: Record<string, unknown> = {
      kind: 'installation',
      isEnterpriseInstall: i.isEnterpriseInstall,
      teamId: i.team?.id,
      teamName: i.team?.name,
      enterpriseId: i.enterprise?.id,
      enterpriseName: i.enterprise?.name,
      appId: i.appId,
      botUserId: i.botUserId,
      botScopes: i.scopes.join(','),
      botToken: i.token,
      installedBy: i.installedBy,
      botInstalledAt: i.installedAt,
    };
    const present = Object.entries(set).filter(([, v]) => v !== undefined);
    const absent = Object.keys(set).filter((k) => set[k] === undefined);
    const names: Record<string, string> = { '#rev': 'rev' };
    const values: Record<string, unknown> = { ':one': 1 };
    present.forEach(([k, v], n) => {
      names[`#s${n}`] = k;
      values[`:s${n}`] = v;
    });
    absent.forEach((k, n) => {
      names[`#r${n}`] = k;
    });
    const expression =
      `SET ${present.map((_, n) => `#s${n} = :s${n}`).join(', ')} ADD #rev :one` +
      (absent.length ? ` REMOVE ${absent.map((_, n) => `#r${n}`).join(', ')}` : '');
    await attempt('saveBot', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: workspaceKey(i.key),
          UpdateExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async saveUser(a: UserAuthorization, botRequired: boolean): Promise<boolean> {
    // 1. List the user first, so that an uninstall reading the set from now on deletes the token.
    // Distributed, only into a bot installation: this write never creates the workspace's item.
    const listed = await conditionally('saveUser.list', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: workspaceKey(a.key),
          UpdateExpression: 'SET #kind = if_not_exists(#kind, :kind) ADD #users :user, #rev :one',
          ...(botRequired ? { ConditionExpression: 'attribute_exists(#bot)' } : {}),
          ExpressionAttributeNames: {
            '#kind': 'kind',
            '#users': 'users',
            '#rev': 'rev',
            ...(botRequired ? { '#bot': 'botToken' } : {}),
          },
          ExpressionAttributeValues: { ':kind': 'installation', ':user': new Set([a.user]), ':one': 1 },
        }),
      ),
    );
    if (!listed) return false;
    // On Grid, the org's index of the user's grants lists this key before the token exists, so a
    // revoke from any workspace of the org that could find the token finds the key.
    const org = a.enterprise?.id;
    if (org) await this.listGrant(org, a.user, a.key);
    // 2. The token itself.
    await attempt('saveUser.put', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...userKey(a.key, a.user),
            kind: 'user-token',
            userId: a.user,
            teamId: a.team?.id,
            teamName: a.team?.name,
            enterpriseId: a.enterprise?.id,
            enterpriseName: a.enterprise?.name,
            userScopes: a.scopes.join(','),
            userToken: a.token,
            authorizedAt: a.authorizedAt,
          },
        }),
      ),
    );
    // 3. Still listed (and, distributed, still installed)? An uninstall that ran between 1 and 3
    // has deleted the item or unlisted the user, and may have missed the token written in 2: take
    // it back.
    const workspace = await this.read(workspaceKey(a.key), ['users', 'botToken']);
    const installed = !botRequired || bytes(workspace?.botToken) !== undefined;
    if (installed && stringSet(workspace?.users).has(a.user)) return true;
    const undone = await conditionally('saveUser.undo', () =>
      documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: userKey(a.key, a.user),
          ConditionExpression: 'authorizedAt = :at',
          ExpressionAttributeValues: { ':at': a.authorizedAt },
        }),
      ),
    );
    if (undone && org) await this.unlistGrant(org, a.user, a.key);
    return false;
  }

  removeWorkspace(key: string, upTo: number): Promise<Removed> {
    return this.prune(key, upTo, (listed) => ({ users: [...listed], bot: () => true }));
  }

  removeTokens(key: string, tokens: { users: string[]; botUsers: string[] }, upTo: number): Promise<Removed> {
    return this.prune(key, upTo, () => ({
      users: tokens.users,
      bot: (item) => typeof item.botUserId === 'string' && tokens.botUsers.includes(item.botUserId),
    }));
  }

  async removeUserToken(key: string, user: string, upTo: number): Promise<boolean> {
    return (await this.deleteUserToken(key, user, upTo)) === 'deleted';
  }

  /**
   * A token Slack called dead, met by whichever function spoke with it: deleted only while the
   * item still holds exactly the ciphertext that was opened, so a newer grant stored since stays.
   * A user's token item goes (the workspace item keeps listing them until install next prunes
   * it: these functions never rewrite a workspace's item beyond its bot). A bot's attributes go;
   * the whole item when no user is listed in it, so nothing about the workspace lingers.
   */
  async forgetToken(scope: TokenScope, sealed: Uint8Array): Promise<boolean> {
    if (scope.kind === 'user') {
      let old: Item | undefined;
      const deleted = await conditionally('forgetToken.user', async () => {
        const out = await documents.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: userKey(scope.key, scope.user ?? ''),
            ConditionExpression: '#token = :sealed',
            ExpressionAttributeNames: { '#token': 'userToken' },
            ExpressionAttributeValues: { ':sealed': sealed },
            ReturnValues: 'ALL_OLD',
          }),
        );
        old = out.Attributes;
      });
      if (deleted) await this.unlistDeleted(old, scope.key);
      return deleted;
    }
    const whole = await conditionally('forgetToken.workspace', () =>
      documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: workspaceKey(scope.key),
          ConditionExpression: '#token = :sealed AND attribute_not_exists(#users)',
          ExpressionAttributeNames: { '#token': 'botToken', '#users': 'users' },
          ExpressionAttributeValues: { ':sealed': sealed },
        }),
      ),
    );
    if (whole) return true;
    const names: Record<string, string> = { '#token': 'botToken', '#rev': 'rev' };
    BOT_ATTRIBUTES.forEach((a, n) => {
      names[`#b${n}`] = a;
    });
    return conditionally('forgetToken.bot', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: workspaceKey(scope.key),
          UpdateExpression: `REMOVE ${BOT_ATTRIBUTES.map((_, n) => `#b${n}`).join(', ')} ADD #rev :one`,
          ConditionExpression: '#token = :sealed',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':sealed': sealed, ':one': 1 },
        }),
      ),
    );
  }

  /**
   * Deletes the chosen user tokens and maybe the bot installation of `key` — only what was stored
   * up to `upTo` — then the workspace item if nothing is left in it, else unlists what went. The
   * last write is conditional on `rev`: if a user authorized meanwhile, read again and repeat.
   */
  private async prune(
    key: string,
    upTo: number,
    choose: (listed: Set<string>) => { users: string[]; bot: (item: Item) => boolean },
  ): Promise<Removed> {
    const removedUsers = new Set<string>();
    for (let round = 0; round < PRUNE_ATTEMPTS; round++) {
      const item = await this.read(workspaceKey(key));
      const listed = stringSet(item?.users);
      const chosen = choose(listed);
      const gone = new Set<string>();
      await inParallel([...new Set(chosen.users)], PARALLEL_DELETES, async (user) => {
        const deleted = await this.deleteUserToken(key, user, upTo);
        if (deleted === 'kept') return;
        gone.add(user);
        if (deleted === 'deleted') removedUsers.add(user);
      });
      if (!item) return { bot: false, users: removedUsers.size };

      const dropBot =
        bytes(item.botToken) !== undefined &&
        typeof item.botInstalledAt === 'number' &&
        item.botInstalledAt <= upTo &&
        chosen.bot(item);
      const unlisted = [...listed].filter((u) => gone.has(u));
      const remaining = listed.size - unlisted.length;
      const botStays = bytes(item.botToken) !== undefined && !dropBot;
      const revCondition =
        typeof item.rev === 'number'
          ? { ConditionExpression: '#rev = :rev', ExpressionAttributeValues: { ':rev': item.rev } }
          : { ConditionExpression: 'attribute_not_exists(#rev)', ExpressionAttributeValues: undefined };

      let applied: boolean;
      if (remaining === 0 && !botStays) {
        applied = await conditionally('prune.delete', () =>
          documents.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: workspaceKey(key),
              ConditionExpression: revCondition.ConditionExpression,
              ExpressionAttributeNames: { '#rev': 'rev' },
              ...(revCondition.ExpressionAttributeValues
                ? { ExpressionAttributeValues: revCondition.ExpressionAttributeValues }
                : {}),
            }),
          ),
        );
      } else if (dropBot || unlisted.length > 0) {
        const names: Record<string, string> = { '#rev': 'rev' };
        const values: Record<string, unknown> = { ':one': 1, ...revCondition.ExpressionAttributeValues };
        const parts = ['ADD #rev :one'];
        if (unlisted.length > 0) {
          parts.push('DELETE #users :gone');
          names['#users'] = 'users';
          values[':gone'] = new Set(unlisted);
        }
        if (dropBot) {
          BOT_ATTRIBUTES.forEach((a, n) => {
            names[`#b${n}`] = a;
          });
          parts.push(`REMOVE ${BOT_ATTRIBUTES.map((_, n) => `#b${n}`).join(', ')}`);
        }
        applied = await conditionally('prune.update', () =>
          documents.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: workspaceKey(key),
              UpdateExpression: parts.join(' '),
              ConditionExpression: revCondition.ConditionExpression,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          ),
        );
      } else {
        return { bot: false, users: removedUsers.size };
      }
      if (applied) return { bot: dropBot, users: removedUsers.size };
    }
    throw new StoreError(`DynamoDB prune of ${key} kept meeting concurrent writes`);
  }

  async grantedKeys(org: string, user: string): Promise<string[]> {
    const item = await this.read(grantsKey(org, user), 'keys');
    return [...stringSet(item?.keys)];
  }

  /** Lists `key` among the user's grants in their org (idempotent). */
  private async listGrant(org: string, user: string, key: string): Promise<void> {
    await attempt('listGrant', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: grantsKey(org, user),
          UpdateExpression: 'ADD #keys :key',
          ExpressionAttributeNames: { '#keys': 'keys' },
          ExpressionAttributeValues: { ':key': new Set([key]) },
        }),
      ),
    );
  }

  /**
   * Unlists `key` from the user's grants in their org; the index item goes when it lists nothing
   * more (an emptied set leaves the item without `keys`), so nothing about the user lingers.
   */
  private async unlistGrant(org: string, user: string, key: string): Promise<void> {
    await attempt('unlistGrant', () =>
      documents
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: grantsKey(org, user),
            UpdateExpression: 'DELETE #keys :key',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#keys': 'keys', '#pk': PK },
            ExpressionAttributeValues: { ':key': new Set([key]) },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        }),
    );
    await conditionally('unlistGrant.empty', () =>
      documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: grantsKey(org, user),
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#keys)',
          ExpressionAttributeNames: { '#keys': 'keys', '#pk': PK },
        }),
      ),
    );
  }

  /** After a user token item was deleted: its key leaves the user's grants in its org, if it had one. */
  private async unlistDeleted(old: Item | undefined, key: string): Promise<void> {
    const org = old?.enterpriseId;
    const user = old?.userId;
    if (typeof org === 'string' && org !== '' && typeof user === 'string')
      await this.unlistGrant(org, user, key);
  }

  /** `deleted`, `absent` (nothing there: fine), or `kept` (stored after `upTo`: a newer grant). */
  private async deleteUserToken(
    key: string,
    user: string,
    upTo: number,
  ): Promise<'deleted' | 'absent' | 'kept'> {
    let out: { Attributes?: Item };
    try {
      out = await documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: userKey(key, user),
          ConditionExpression: 'attribute_not_exists(#pk) OR authorizedAt <= :upTo',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':upTo': upTo },
          ReturnValues: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'kept';
      throw new StoreError('DynamoDB delete of a user token failed', { cause: error });
    }
    if (!out.Attributes) return 'absent';
    await this.unlistDeleted(out.Attributes, key);
    return 'deleted';
  }

  private async read(key: Record<string, string>, projection?: string | string[]): Promise<Item | undefined> {
    const attributes = projection === undefined ? [] : [projection].flat();
    const out = await attempt('get', () =>
      documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: key,
          ConsistentRead: true,
          ...(attributes.length
            ? {
                ProjectionExpression: attributes.map((_, n) => `#p${n}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(attributes.map((a, n) => [`#p${n}`, a])),
              }
            : {}),
        }),
      ),
    );
    return out.Item;
  }
}

/** OAuth flows in the snap table: hashed, single-use, with a deadline and the TTL attribute. */
export class OAuthStates implements OAuthStatePort {
  constructor(private readonly tableName: string) {}

  async save(flow: {
    stateHash: string;
    nonceHash: string;
    kind: GrantKind;
    notAfter: number;
  }): Promise<void> {
    await attempt('saveState', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...stateKey(flow.stateHash),
            kind: 'oauth-state',
            grant: flow.kind,
            nonceHash: flow.nonceHash,
            notAfter: flow.notAfter,
            // Cleaned up by TTL if never used; the deadline above is what counts.
            [TABLE.ttlAttribute]: Math.ceil(flow.notAfter / 1000) + 60,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  async consume(stateHash: string, nonceHash: string | undefined, now: number): Promise<StateUse> {
    if (nonceHash !== undefined) {
      try {
        // Marked used rather than deleted, so that a reload can be told it was used; the nonce
        // goes (it completes nothing any more) and the item keeps the flow's own TTL.
        const out = await documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: stateKey(stateHash),
            ConditionExpression:
              'attribute_exists(#pk) AND nonceHash = :nonce AND notAfter > :now AND attribute_not_exists(usedAt)',
            UpdateExpression: 'SET usedAt = :now REMOVE nonceHash',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':nonce': nonceHash, ':now': now },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const kind = grantKind(out.Attributes?.grant);
        if (kind) return { outcome: 'consumed', kind };
      } catch (error) {
        if (!isConditionFailure(error))
          throw new StoreError('DynamoDB consume of an OAuth state failed', { cause: error });
      }
    }
    const item = await attempt(
      'readState',
      async () =>
        (
          await documents.send(
            new GetCommand({ TableName: this.tableName, Key: stateKey(stateHash), ConsistentRead: true }),
          )
        ).Item,
    );
    const kind = grantKind(item?.grant);
    return typeof item?.usedAt === 'number' && kind ? { outcome: 'used', kind } : { outcome: 'refused' };
  }
}

const grantKind = (value: unknown): GrantKind | undefined =>
  value === 'bot' || value === 'user' ? value : undefined;
