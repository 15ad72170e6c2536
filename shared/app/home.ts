/**
 * App Home, run by the controls function: what opened it (`app_home_opened`, handed over by
 * install) or what the person did in it (a button or select, handed over by ack) is done, then the
 * Home tab is published again (`views.publish`) — the refreshed view is the one answer.
 *
 * Rendering reads by key only: the person's settings (cached), one page of the author index
 * (`byAuthor`, newest first, `HOME_PAGE_SIZE` at a time, older pages on request), and the
 * person's role from Slack. A Delete now from App Home acts exactly as from `/snap list`: the
 * record says who may delete it, never the payload. Policy changes go through `changePolicy`,
 * which asks Slack who is an admin.
 */

import { describeDelay } from '../domain/delay';
import { HOME_PAGE_SIZE, type HomeModel, homeBlocks } from '../domain/home';
import { editKey, type Role } from '../domain/policy';
import { alreadyGoneReply, changeProblemReply, defaultRefusedReply, notAdminReply } from '../domain/replies';
import { homeAad, isSealed, type Sealed } from '../domain/seal';
import { type HomeAction, type HomeRequest, isHomeRequest, staleness, tombstone } from '../domain/snap';
import { SealError } from '../errors';
import { errorFields } from '../log';
import type { ActivityRecorder } from './activity';
import { deleteNow, sameAuthor } from './author-control';
import type { ActivityPort, Actor, Common, RevealStorePort, SlackPort, StorePort } from './ports';
import { changePolicy, roleOf, type SettingsDeps, setUserDefault } from './settings';
import { authorOf, botOf, workspaceOf } from './speaker';

export interface HomeDeps extends Common {
  store: StorePort;
  slack: SlackPort;
  /** Opens sealed content bound to `aad` (KMS-backed). */
  open(sealed: Sealed, aad: string): Promise<unknown>;
  settings: Omit<SettingsDeps, keyof Common | 'slack'>;
  /** Counts a Delete now as an early deletion (when the policy turns activity on). */
  activity?: ActivityRecorder;
  /** A reveal deleted from the Home tab has its key burned first. */
  reveals: Pick<RevealStorePort, 'burn'>;
  /** Reads the admins' activity counts for the view. */
  activityCounts?: Pick<ActivityPort, 'summary'>;
}

export type HomeOutcome = 'published' | 'duplicate' | 'rejected' | 'failed';

export async function handleHomeRequest(event: unknown, deps: HomeDeps): Promise<HomeOutcome> {
  const e = event as { id?: unknown; sealed?: unknown } | null;
  if (!isHomeRequest(event) || typeof e?.id !== 'string' || !isSealed(e.sealed)) {
    deps.log.error('home.event_invalid');
    return 'rejected';
  }
  const request: HomeRequest = event;
  const log = deps.log.child({
    team: request.team,
    user: request.user,
    home: request.home.kind,
    request: e.id,
  });
  try {
    await deps.open(e.sealed, homeAad(e.id, request));
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    log.error('home.seal_invalid', errorFields(error));
    return 'rejected';
  }
  if (staleness(request.receivedAt, deps.clock.now())) {
    log.warn('home.event_stale');
    return 'rejected';
  }
  // A repeated delivery (Lambda's retries, Slack's event retries, a replayed click) acts once.
  if (!(await deps.store.claimRequest(tombstone(e.id, 'done', deps.clock.now())))) {
    log.info('home.duplicate');
    return 'duplicate';
  }
  const actor: Actor = {
    team: request.team,
    ...(request.enterprise ? { enterprise: request.enterprise } : {}),
    user: request.user,
  };
  let note: string | undefined;
  let role: Role | undefined;
  try {
    [note, role] = await act(actor, request.home, deps);
  } catch (error) {
    log.error('home.action_failed', errorFields(error));
    note = ':warning: snap could not do that right now. Please try again in a moment.';
  }
  try {
    await publish(actor, request.home.kind === 'page' ? request.home.before : undefined, note, role, deps);
    log.info('home.published');
    return 'published';
  } catch (error) {
    log.error('home.publish_failed', errorFields(error));
    return 'failed';
  }
}

const settingsDeps = (deps: HomeDeps): SettingsDeps => ({
  ...deps.settings,
  slack: deps.slack,
  log: deps.log,
  clock: deps.clock,
});

/** Does what was asked; a note on the outcome (shown atop the view), and the role if Slack was asked. */
async function act(
  actor: Actor,
  home: HomeAction,
  deps: HomeDeps,
): Promise<[string | undefined, Role | undefined]> {
  switch (home.kind) {
    case 'open':
    case 'page':
      return [undefined, undefined];
    case 'delete': {
      const record = await deps.store.get(home.snapId);
      if (record?.state !== 'posted' || !record.ts) return [alreadyGoneReply().text, undefined];
      if (!sameAuthor(record, actor)) return ['Only its author can delete this snap.', undefined];
      const [, reply] = await deleteNow(record, deps, 'button');
      return [reply.text, undefined];
    }
    case 'my_default': {
      const saved = await setUserDefault(actor, home.seconds, settingsDeps(deps));
      if (saved.kind === 'refused') return [defaultRefusedReply(saved).text, undefined];
      return [`:white_check_mark: Your default delay is now ${describeDelay(saved.applied)}.`, undefined];
    }
    case 'policy': {
      // The role Slack gave for the change is the one the Home tab is shown with: asked once.
      const result = await changePolicy(actor, home.change, settingsDeps(deps));
      switch (result.kind) {
        case 'not_admin':
          return [notAdminReply().text, result.role];
        case 'problem':
          return [changeProblemReply(result).text, result.role];
        case 'changed':
          return [':white_check_mark: Policy changed.', result.role];
      }
    }
  }
}

async function publish(
  actor: Actor,
  before: number | undefined,
  note: string | undefined,
  known: Role | undefined,
  deps: HomeDeps,
): Promise<void> {
  const where = workspaceOf(actor);
  const [settings, page, role] = await Promise.all([
    deps.settings.settings.settings(where),
    deps.store.findByAuthorPage(authorOf(actor), HOME_PAGE_SIZE, before),
    known ?? roleOf(actor, settingsDeps(deps)),
  ]);
  const admin = editKey(where, role) !== undefined;
  const activity =
    admin && settings.policy.activity && deps.activityCounts
      ? await deps.activityCounts.summary(settings.source?.key ?? actor.team, deps.clock.now())
      : undefined;
  const model: HomeModel = {
    user: actor.user,
    snaps: page.records.map((r) => ({
      id: r.id,
      channel: r.channel,
      dueAt: r.dueAt,
      createdAt: r.createdAt,
      ...(r.postedAs ? { postedAs: r.postedAs } : {}),
    })),
    more: page.more,
    paged: before !== undefined,
    policy: settings.policy,
    scope: settings.scope,
    ...(settings.defaults[actor.user] !== undefined ? { ownDefault: settings.defaults[actor.user] } : {}),
    fallbackSeconds: deps.settings.fallbackSeconds,
    admin,
    ...(activity ? { activity } : {}),
    ...(note ? { note } : {}),
  };
  await deps.slack.publishHome(botOf(actor), actor.user, { blocks: homeBlocks(model) });
}
