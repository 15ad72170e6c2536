/**
 * The author's control over their own snaps, run by the poster (ack never reads the table):
 * list them, cancel the latest in a channel, delete one now from a button or the message
 * shortcut. Who may delete is decided from the record — its author — never from the payload.
 * Deleting early leaves a tombstone, so the sweeper and the reaper find nothing left to do.
 * Each request acts once: its id is claimed (a tombstone of its own) before anything is done,
 * so a repeated delivery or a replayed signed request — `/snap cancel` sent again after the
 * author posted a newer snap — does nothing.
 *
 * `/snap revoke` takes back the author's permission for snap to post as them: every pending snap
 * posted with their token is deleted first (once the token is given back nothing could delete
 * those), then the token goes back to Slack (`auth.revoke`), out of the store, out of the cache.
 */

import { type DeletionReason, isDeadToken } from '../domain/deletion';
import { lookupKeys } from '../domain/install';
import { defaultDelay, editKey } from '../domain/policy';
import {
  alreadyGoneReply,
  authorFailedReply,
  changeProblemReply,
  defaultRefusedReply,
  defaultReply,
  deletedEarlyReply,
  deleteLaterReply,
  listReply,
  notAdminReply,
  notASnapReply,
  notAuthorReply,
  notDeletedReply,
  nothingToCancelReply,
  nothingToRevokeReply,
  policyChangedReply,
  policyReply,
  type Reply,
  type RevokedWhere,
  revokedReply,
  revokeLaterReply,
  tooLateReply,
} from '../domain/replies';
import { authorAad, isSealed, type Sealed } from '../domain/seal';
import { type AuthorRequest, isAuthorRequest, type SnapRecord, staleness, tombstone } from '../domain/snap';
import { SealError, SlackCallError } from '../errors';
import { errorFields } from '../log';
import { type DeleteDeps, deleteSnap, Pacer } from './delete-snap';
import type {
  Common,
  InstallationStorePort,
  RevealStorePort,
  SlackPort,
  StorePort,
  TokenSealer,
  TokenSource,
} from './ports';
import { changePolicy, roleOf, type SettingsDeps, setUserDefault } from './settings';
import { authorOf, userOf, workspaceOf } from './speaker';

export interface AuthorDeps extends Common {
  store: StorePort;
  slack: SlackPort;
  /** A reveal deleted early has its key burned first. */
  reveals: Pick<RevealStorePort, 'burn'>;
  /** Opens sealed content bound to `aad`, the event's clear fields (KMS-backed). */
  open(sealed: Sealed, aad: string): Promise<unknown>;
  /** When this invocation must have finished (ms since epoch). */
  deadline(): number;
  /** Users' tokens; absent where none can be stored (one-workspace mode without install). */
  users?: {
    /** Where they are stored. */
    store: Pick<InstallationStorePort, 'removeUserToken' | 'userToken' | 'grantedKeys'>;
    /** Opens a stored token (KMS), bound to its key and user. */
    sealer: Pick<TokenSealer, 'open'>;
    /** The warm tokens to forget once a user's is revoked. */
    tokens: Pick<TokenSource, 'forget'>;
  };
  /** The policy and people's defaults (`/snap policy`, `/snap default`). */
  settings?: Omit<SettingsDeps, keyof Common | 'slack'>;
}

export type AuthorOutcome =
  | 'listed'
  | 'deleted'
  | 'not_author'
  | 'gone'
  | 'none'
  | 'kept'
  | 'rejected'
  | 'duplicate'
  | 'failed'
  | 'revoked'
  /** `/snap policy` or `/snap default` answered (shown or changed). */
  | 'settings'
  /** A policy change by someone Slack does not call an admin, or one the policy cannot take. */
  | 'refused'
  /** Slack refused for good (compliance exports, an archived channel) or its token is gone: the author must delete it. */
  | 'not_deleted';

/** How long an early deletion may keep trying (rate limits) before leaving it to its due time. */
const EARLY_DELETE_BUDGET_MS = 20_000;
/** How long `/snap revoke` may spend deleting the author's snaps (Slack takes some 50 a minute). */
const REVOKE_DELETE_BUDGET_MS = 60_000;

export async function handleAuthorRequest(event: unknown, deps: AuthorDeps): Promise<AuthorOutcome> {
  const e = event as { id?: unknown; sealed?: unknown } | null;
  if (!isAuthorRequest(event) || typeof e?.id !== 'string' || !isSealed(e.sealed)) {
    deps.log.error('author.event_invalid');
    return 'rejected';
  }
  const request: AuthorRequest = event;
  const log = deps.log.child({
    team: request.team,
    channel: request.channel,
    user: request.user,
    action: request.action.kind,
    request: e.id,
  });
  let responseUrl: string;
  try {
    const opened = (await deps.open(e.sealed, authorAad(e.id, request))) as { responseUrl?: unknown };
    if (typeof opened?.responseUrl !== 'string')
      throw new SealError('Sealed author request has the wrong shape');
    responseUrl = opened.responseUrl;
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    log.error('author.seal_invalid', errorFields(error));
    return 'rejected';
  }

  const stale = staleness(request.receivedAt, deps.clock.now());
  if (stale) {
    log.warn('author.event_stale', { staleness: stale, ageMs: deps.clock.now() - request.receivedAt });
    // ack answered nothing (the one answer is this function's): the author hears why once.
    if (stale === 'too_old' && (await deps.store.claimRequest(tombstone(e.id, 'done', deps.clock.now()))))
      await replyOnce(deps, responseUrl, tooLateReply('request'), log);
    return 'rejected';
  }
  // The claim is written before acting: only one delivery of this request id gets past it.
  if (!(await deps.store.claimRequest(tombstone(e.id, 'done', deps.clock.now())))) {
    // Its first delivery answered the author already; a second answer would only confuse.
    log.info('author.duplicate', { request: e.id });
    return 'duplicate';
  }
  let outcome: AuthorOutcome;
  let reply: Reply;
  try {
    [outcome, reply] = await decide(request, deps);
  } catch (error) {
    // The request id is spent, so a retry by Lambda would do nothing: the author is asked to
    // try again instead (a new request, a new id).
    log.error('author.failed', errorFields(error));
    [outcome, reply] = ['failed', authorFailedReply()];
  }
  log.info('author.done', { outcome });
  await replyOnce(deps, responseUrl, reply, log);
  return outcome;
}

/** The request's one answer (ack answered Slack with an empty 200). */
async function replyOnce(deps: AuthorDeps, responseUrl: string, reply: Reply, log: Common['log']) {
  try {
    await deps.slack.reply(responseUrl, reply);
  } catch (error) {
    log.warn('author.reply_failed', errorFields(error));
  }
}

async function decide(request: AuthorRequest, deps: AuthorDeps): Promise<[AuthorOutcome, Reply]> {
  const { store } = deps;
  const action = request.action;
  switch (action.kind) {
    case 'list': {
      const mine = await store.findByAuthor(authorOf(request));
      return [mine.length ? 'listed' : 'none', listReply(mine)];
    }
    case 'cancel': {
      const latest = (await store.findByAuthor(authorOf(request))).find((r) => r.channel === request.channel);
      if (!latest) return ['none', nothingToCancelReply()];
      return deleteNow(latest, deps, 'cancel');
    }
    case 'delete': {
      const record = await store.get(action.snapId);
      const [outcome, reply] =
        record?.state !== 'posted' || !record.ts
          ? (['gone', alreadyGoneReply()] as [AuthorOutcome, Reply])
          : !sameAuthor(record, request)
            ? (['not_author', notAuthorReply()] as [AuthorOutcome, Reply])
            : await deleteNow(record, deps, 'button');
      if (!action.list) return [outcome, reply];
      // From `/snap list`: the list is answered again in place of itself, with what is left, so
      // it never shows a snap that is gone or a button that can only say so.
      return [
        outcome,
        listReply(await store.findByAuthor(authorOf(request)), { note: reply.text, replace: true }),
      ];
    }
    case 'delete_message': {
      const record = await store.findByMessage(request.team, request.channel, action.ts);
      if (!record) return ['gone', notASnapReply()];
      if (record.user !== request.user) return ['not_author', notAuthorReply()];
      return deleteNow(record, deps, 'shortcut');
    }
    case 'revoke':
      return revoke(request, deps);
    case 'policy':
    case 'default':
      return settingsRequest(request, action, deps);
  }
}

async function settingsRequest(
  request: AuthorRequest,
  action: Extract<AuthorRequest['action'], { kind: 'policy' | 'default' }>,
  deps: AuthorDeps,
): Promise<[AuthorOutcome, Reply]> {
  if (!deps.settings) throw new Error('This function has no settings store');
  const settingsDeps: SettingsDeps = {
    ...deps.settings,
    slack: deps.slack,
    log: deps.log,
    clock: deps.clock,
  };
  const { fallbackSeconds } = settingsDeps;
  const where = workspaceOf(request);
  if (action.kind === 'policy') {
    if (!action.change) {
      const settings = await settingsDeps.settings.settings(where);
      const canEdit = editKey(where, await roleOf(request, settingsDeps)) !== undefined;
      return ['settings', policyReply(settings.policy, settings.scope, fallbackSeconds, canEdit)];
    }
    const result = await changePolicy(request, action.change, settingsDeps);
    switch (result.kind) {
      case 'not_admin':
        return ['refused', notAdminReply()];
      case 'problem':
        return ['refused', changeProblemReply(result)];
      case 'changed':
        return [
          'settings',
          policyChangedReply(result.settings.policy, result.settings.scope, fallbackSeconds),
        ];
    }
  }
  if (action.seconds === undefined) {
    const settings = await settingsDeps.settings.settings(where);
    const own = settings.defaults[request.user];
    return ['settings', defaultReply(own, defaultDelay(settings.policy, own, fallbackSeconds))];
  }
  const saved = await setUserDefault(request, action.seconds, settingsDeps);
  if (saved.kind === 'refused') return ['refused', defaultRefusedReply(saved)];
  return ['settings', defaultReply(saved.own, saved.applied, action.seconds === null ? 'cleared' : 'set')];
}

async function revoke(request: AuthorRequest, deps: AuthorDeps): Promise<[AuthorOutcome, Reply]> {
  const { users, clock } = deps;
  if (!users) return ['none', nothingToRevokeReply()];
  const author = userOf(request);
  // Every pending snap posted as them — on Grid in every workspace of the org, which a token
  // granted to an org-wide install reaches — and all of them, not a page.
  const mine = (await deps.store.findByAuthor(authorOf(request), Number.POSITIVE_INFINITY)).filter(
    (r) => r.postedAs === 'user',
  );
  const pacer = new Pacer(clock);
  const deadline = Math.min(deps.deadline(), clock.now() + REVOKE_DELETE_BUDGET_MS);
  let taken = 0;
  let left = 0;
  for (const record of mine) {
    const result = await deleteSnap(record, deps, pacer, deadline, undefined, 'revoke');
    if (result === 'deleted') taken++;
    else if (result === 'kept') left++;
  }
  // A snap still up keeps the token: revoking now would leave it with nothing able to delete it.
  if (left > 0) return ['kept', revokeLaterReply(taken, left)];
  // Each token they granted goes back to Slack, then out of the store: this workspace's, the
  // org's and, on Grid, every other workspace's of the org where they granted one (the user id
  // spans the org, and so does their consent), found by key in the org's index of their grants.
  // Each is the one stored under its key, opened here: the warm cache may still hold an older
  // token the user has since replaced, and giving back that one would delete the new one from the
  // store while it stays live in Slack.
  const granted = request.enterprise ? await users.store.grantedKeys(request.enterprise, request.user) : [];
  const keys = [...new Set([...lookupKeys(request), ...granted])];
  const upTo = clock.now();
  const revokedKeys: string[] = [];
  try {
    for (const key of keys) {
      const sealed = await users.store.userToken(key, request.user);
      if (!sealed) continue;
      const token = await users.sealer.open(sealed, { key, kind: 'user', user: request.user });
      try {
        await deps.slack.revoke(token);
      } catch (error) {
        // Slack no longer takes the token (revoked there already): what is left is forgetting it here.
        if (!(error instanceof SlackCallError && isDeadToken(error.kind, error.code))) throw error;
      }
      // Given back first, then deleted: a failure in between leaves a dead token that the next
      // `/snap revoke` (or Slack's tokens_revoked event) removes, never a live one without its owner's consent.
      await users.store.removeUserToken(key, request.user, upTo);
      revokedKeys.push(key);
    }
  } finally {
    // Every workspace of the org remembers an org-wide token: forget it under each.
    if (revokedKeys.length > 0) users.tokens.forget(author);
  }
  if (revokedKeys.length === 0) return ['none', nothingToRevokeReply()];
  const where = grantsWhere(revokedKeys, request);
  deps.log.info('author.revoked', {
    team: request.team,
    user: request.user,
    taken,
    tokens: revokedKeys.length,
    elsewhere: where.otherWorkspaces,
  });
  return ['revoked', revokedReply(taken, where)];
}

/** Where the given-back permissions were, for the reply: here, the org itself, other workspaces of the org. */
function grantsWhere(keys: readonly string[], request: AuthorRequest): RevokedWhere {
  return {
    here: keys.includes(request.team),
    org: !!request.enterprise && keys.includes(request.enterprise),
    otherWorkspaces: keys.filter((k) => k !== request.team && k !== request.enterprise).length,
  };
}

export async function deleteNow(
  record: SnapRecord,
  deps: DeleteDeps,
  reason: Exclude<DeletionReason, 'due'>,
): Promise<[AuthorOutcome, Reply]> {
  const result = await deleteSnap(
    record,
    deps,
    new Pacer(deps.clock),
    deps.clock.now() + EARLY_DELETE_BUDGET_MS,
    undefined,
    reason,
  );
  switch (result) {
    case 'kept':
      return ['kept', deleteLaterReply()];
    case 'already_gone':
      return ['gone', alreadyGoneReply()];
    case 'given_up':
    case 'token_gone':
      return ['not_deleted', notDeletedReply(record.channel)];
    case 'deleted':
      return ['deleted', deletedEarlyReply(record.channel)];
  }
}

/** The record's author is the one asking: the same user, in the same workspace or, on Grid, the same org. */
export function sameAuthor(
  record: SnapRecord,
  request: { team: string; enterprise?: string; user: string },
): boolean {
  if (record.user !== request.user) return false;
  return record.team === request.team || (!!record.enterprise && record.enterprise === request.enterprise);
}
