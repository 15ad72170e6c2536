/**
 * Changing the policy and a person's own default delay, run by the controls function (from
 * `/snap policy …`, `/snap default …` and App Home alike). Who is an admin is asked of Slack at
 * each change (`users.info` with the bot's token), never read from the request: a forged payload
 * or a view's state can say anything, Slack's answer cannot be forged by the person clicking.
 *
 * A change is written over the version it was made from (`rev`), so two admins changing different
 * rules at the same moment both count; the function that made it forgets its cached copy, and the
 * others' copies expire within a minute (settings-source.ts).
 */
import {
  applyChange,
  type ChangeProblem,
  defaultDelay,
  editKey,
  isProblem,
  judgeUserDefault,
  type PolicyChange,
  type PolicyRule,
  type Role,
} from '../domain/policy';
import { StoreError } from '../errors';
import type { Actor, Common, Settings, SettingsSource, SettingsStorePort, SlackPort } from './ports';
import { botOf, workspaceOf } from './speaker';

export interface SettingsDeps extends Common {
  slack: Pick<SlackPort, 'role'>;
  settings: SettingsSource;
  settingsStore: SettingsStorePort;
  /** snap's own default delay (ack's SNAP_DEFAULT_DELAY_SECONDS), where no policy sets one. */
  fallbackSeconds: number;
}

/** The outcome, with the person's role as Slack gave it (a Home tab shown after needs it too). */
export type PolicyChangeResult = { role: Role } & (
  | { kind: 'changed'; settings: Settings }
  | { kind: 'not_admin' }
  | ({ kind: 'problem' } & ChangeProblem)
);

const WRITE_ATTEMPTS = 3;

/** Asks Slack who the person is; a Slack failure is thrown (the caller answers "try again"). */
export async function roleOf(actor: Actor, deps: Pick<SettingsDeps, 'slack'>): Promise<Role> {
  return deps.slack.role(botOf(actor), actor.user);
}

export async function changePolicy(
  actor: Actor,
  change: PolicyChange,
  deps: SettingsDeps,
): Promise<PolicyChangeResult> {
  const where = workspaceOf(actor);
  const role = await roleOf(actor, deps);
  const key = editKey(where, role);
  const log = deps.log.child({ team: actor.team, user: actor.user, change: change.kind });
  if (!key) {
    log.warn('policy.not_admin');
    return { kind: 'not_admin', role };
  }
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const stored = await deps.settingsStore.read(key);
    // A workspace without a policy of its own starts from the one it follows (its org's).
    const base = stored?.policy ?? (await deps.settings.settings(where)).policy;
    const next = applyChange(base, change);
    if (isProblem(next)) {
      log.info('policy.change_refused', { problem: next.problem });
      return { kind: 'problem', ...next, role };
    }
    const policy = change.kind === 'reset' ? undefined : next;
    if (await deps.settingsStore.savePolicy(key, policy, stored?.rev, actor.user, deps.clock.now())) {
      deps.settings.forget(where);
      log.info('policy.changed', { scope: key === actor.team ? 'workspace' : 'org' });
      return { kind: 'changed', settings: await deps.settings.settings(where), role };
    }
  }
  throw new StoreError('The policy kept changing under this write');
}

export type DefaultResult =
  | { kind: 'saved'; own: number | undefined; applied: number }
  | ({ kind: 'refused' } & PolicyRule);

/** A person's own default: within the policy in force, or refused naming the rule. */
export async function setUserDefault(
  actor: Actor,
  seconds: number | null,
  deps: SettingsDeps,
): Promise<DefaultResult> {
  const where = workspaceOf(actor);
  const settings = await deps.settings.settings(where);
  if (seconds !== null) {
    const rule = judgeUserDefault(settings.policy, seconds);
    if (rule) return { kind: 'refused', ...rule };
  }
  await deps.settingsStore.saveDefault(actor.team, actor.user, seconds);
  deps.settings.forget(where);
  deps.log.info('policy.default_saved', { team: actor.team, user: actor.user, cleared: seconds === null });
  const own = seconds ?? undefined;
  return { kind: 'saved', own, applied: defaultDelay(settings.policy, own, deps.fallbackSeconds) };
}
