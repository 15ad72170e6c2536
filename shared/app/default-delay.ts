/**
 * The delay a modal's field starts with for a person: the one a snap they typed without a delay
 * would get — their own default if the workspace's policy allows it, else the policy's, else the
 * configured default (`SNAP_DEFAULT_DELAY_SECONDS`), within the policy's bounds — the same
 * `defaultDelay` the poster applies (shared/domain/policy.ts).
 *
 * Settings that cannot be read do not keep the form from opening (Slack's trigger lasts 3 s):
 * the field then starts from the configured default, and the poster still holds whatever is
 * submitted to the policy.
 */
import type { DelayLimits } from '../domain/command';
import { defaultDelay } from '../domain/policy';
import { errorFields, type Logger } from '../log';
import type { AuthorRef, Settings, SettingsSource } from './ports';
import { workspaceOf } from './speaker';

/** The settings that apply to `who` (absent source: none), or undefined (logged) when they cannot be read. */
export async function settingsFor(
  who: AuthorRef,
  deps: { settings?: Pick<SettingsSource, 'settings'>; log: Logger },
): Promise<Settings | undefined> {
  if (!deps.settings) return undefined;
  try {
    return await deps.settings.settings(workspaceOf(who));
  } catch (error) {
    deps.log.warn('modal.settings_unavailable', errorFields(error));
    return undefined;
  }
}

export function defaultDelayFor(
  who: AuthorRef,
  deps: { limits: DelayLimits; settings: Settings | undefined },
): number {
  if (!deps.settings) return deps.limits.defaultSeconds;
  return defaultDelay(deps.settings.policy, deps.settings.defaults[who.user], deps.limits.defaultSeconds);
}
