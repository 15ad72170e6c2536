/**
 * A workspace's (or Enterprise Grid org's) policy for snap, and each person's default delay.
 *
 * The policy bounds what a snap may be: its delay (minimum, maximum, and the default when none is
 * typed), whether secrets may be shared to reveal once, whether snap may post as its author, and
 * conversations where snap is off. Admins set it; the poster enforces it where the snap is posted
 * (`judgeSnap`), so every surface that ends in a post (the slash command, a modal's submission)
 * is held to it by the same function — and the reveal path calls the same one with `reveal`.
 *
 * Nothing here is text a person typed in a message: only numbers, switches and conversation ids.
 */
import { describeDelay, MIN_DELAY_SECONDS, readDelayWord, SEVEN_DAYS_SECONDS } from './delay';

export interface Policy {
  /** Shortest delay a snap may have (seconds); absent: 1 second. */
  minSeconds?: number;
  /** Longest delay (seconds); absent: 7 days. */
  maxSeconds?: number;
  /** The delay of a snap typed without one, unless its author chose their own (seconds). */
  defaultSeconds?: number;
  /** `/snap reveal` and the modals' "reveal once": allowed unless false. */
  reveal: boolean;
  /** Posting with the author's own token: allowed unless false. */
  asUser: boolean;
  /** Conversations where snap is off (ids). */
  offChannels: string[];
  /** Activity counts for admins (never text): off unless true. */
  activity: boolean;
}

/** No rule set: everything snap can do, within its absolute limits (1 s – 7 days). */
export const OPEN_POLICY: Policy = { reveal: true, asUser: true, offChannels: [], activity: false };

/** Where a policy was set: for this workspace, or for its whole Enterprise Grid org. */
export type PolicyScope = 'workspace' | 'org' | 'none';

/** At most this many conversations may be off (one item holds them, and a view shows them). */
export const MAX_OFF_CHANNELS = 100;

/** One change an admin makes: from `/snap policy …` or from App Home. */
export type PolicyChange =
  | { kind: 'min' | 'max' | 'default'; seconds: number | null }
  | { kind: 'reveal' | 'as_user' | 'activity'; on: boolean }
  /** Conversations where snap is off: these are added (`off`) or taken out (`on`). */
  | { kind: 'channels'; off: boolean; channels: string[] }
  /** The whole list of conversations where snap is off (App Home's picker). */
  | { kind: 'off_channels'; channels: string[] }
  | { kind: 'reset' };

/** Why a change cannot be made, in terms a person can act on. */
export type ChangeProblem =
  | { problem: 'min_above_max'; min: number; max: number }
  | { problem: 'default_outside'; seconds: number; min: number; max: number }
  | { problem: 'too_many_channels'; max: number };

export const effectiveMin = (p: Policy) => p.minSeconds ?? MIN_DELAY_SECONDS;
export const effectiveMax = (p: Policy) => p.maxSeconds ?? SEVEN_DAYS_SECONDS;

/** The policy after `change`, or why it cannot be. */
export function applyChange(policy: Policy, change: PolicyChange): Policy | ChangeProblem {
  const next: Policy = { ...policy, offChannels: [...policy.offChannels] };
  switch (change.kind) {
    case 'reset':
      return { ...OPEN_POLICY };
    case 'min':
    case 'max':
    case 'default': {
      const field =
        change.kind === 'min' ? 'minSeconds' : change.kind === 'max' ? 'maxSeconds' : 'defaultSeconds';
      if (change.seconds === null) delete next[field];
      else next[field] = change.seconds;
      break;
    }
    case 'reveal':
      next.reveal = change.on;
      break;
    case 'as_user':
      next.asUser = change.on;
      break;
    case 'activity':
      next.activity = change.on;
      break;
    case 'channels': {
      const set = new Set(next.offChannels);
      for (const c of change.channels) {
        if (change.off) set.add(c);
        else set.delete(c);
      }
      next.offChannels = [...set];
      break;
    }
    case 'off_channels':
      next.offChannels = [...new Set(change.channels)];
      break;
  }
  const min = effectiveMin(next);
  const max = effectiveMax(next);
  if (min > max) return { problem: 'min_above_max', min, max };
  if (next.defaultSeconds !== undefined && (next.defaultSeconds < min || next.defaultSeconds > max))
    return { problem: 'default_outside', seconds: next.defaultSeconds, min, max };
  if (next.offChannels.length > MAX_OFF_CHANNELS)
    return { problem: 'too_many_channels', max: MAX_OFF_CHANNELS };
  return next;
}

export const isProblem = (value: Policy | ChangeProblem): value is ChangeProblem => 'problem' in value;

/** The rule a snap broke: each names itself in the refusal. */
export type PolicyRule =
  | { rule: 'min'; seconds: number }
  | { rule: 'max'; seconds: number }
  | { rule: 'channel_off' }
  | { rule: 'reveal_off' }
  | { rule: 'as_user_off' };

export interface SnapAsked {
  channel: string;
  /** The delay typed (or chosen in a modal), or undefined when none was: the default applies. */
  delaySeconds: number | undefined;
  /** A reveal-once secret (`/snap reveal`, the modals' choice). */
  reveal?: boolean;
}

export type Judgement = { ok: true; delaySeconds: number } | ({ ok: false } & PolicyRule);

/**
 * Whether a snap may be posted under `policy`, and with which delay. A typed delay outside the
 * bounds is refused (the author asked for something the workspace does not allow, and should
 * know); a snap typed without one takes the author's default if it is within them, else the
 * policy's, else `fallbackSeconds` (ack's configured default) brought within the bounds — it is
 * never refused for a delay nobody typed.
 */
export function judgeSnap(
  policy: Policy,
  snap: SnapAsked,
  userDefault: number | undefined,
  fallbackSeconds: number,
): Judgement {
  if (policy.offChannels.includes(snap.channel)) return { ok: false, rule: 'channel_off' };
  if (snap.reveal && !policy.reveal) return { ok: false, rule: 'reveal_off' };
  const min = effectiveMin(policy);
  const max = effectiveMax(policy);
  if (snap.delaySeconds !== undefined) {
    if (snap.delaySeconds < min) return { ok: false, rule: 'min', seconds: min };
    if (snap.delaySeconds > max) return { ok: false, rule: 'max', seconds: max };
    return { ok: true, delaySeconds: snap.delaySeconds };
  }
  return { ok: true, delaySeconds: defaultDelay(policy, userDefault, fallbackSeconds) };
}

/** The delay a snap typed without one gets: the person's, else the policy's, else the fallback, within the bounds. */
export function defaultDelay(
  policy: Policy,
  userDefault: number | undefined,
  fallbackSeconds: number,
): number {
  const min = effectiveMin(policy);
  const max = effectiveMax(policy);
  if (userDefault !== undefined && userDefault >= min && userDefault <= max) return userDefault;
  const chosen = policy.defaultSeconds ?? fallbackSeconds;
  return Math.min(max, Math.max(min, chosen));
}

/** Whether a person's own default fits the policy (else why not). */
export function judgeUserDefault(policy: Policy, seconds: number): PolicyRule | undefined {
  if (seconds < effectiveMin(policy)) return { rule: 'min', seconds: effectiveMin(policy) };
  if (seconds > effectiveMax(policy)) return { rule: 'max', seconds: effectiveMax(policy) };
  return undefined;
}

/** A delay word for the policy grammar (`1d`, `10s`, `90`), within snap's absolute limits; `off` clears. */
export function readPolicyDelay(word: string | undefined): number | null | undefined {
  if (word === undefined) return undefined;
  const lower = word.toLowerCase();
  if (lower === 'off' || lower === 'none') return null;
  const read = readDelayWord(lower);
  if (read.kind !== 'delay' || read.seconds < MIN_DELAY_SECONDS || read.seconds > SEVEN_DAYS_SECONDS)
    return undefined;
  return read.seconds;
}

/** `<#C123|general>` (what Slack sends for `#general` with escaping on) or a bare id. */
const CHANNEL_REF = /^<#([CGD][A-Z0-9]{2,30})(?:\|[^>]*)?>$|^([CGD][A-Z0-9]{2,30})$/;

export function readChannelRef(word: string): string | undefined {
  const m = CHANNEL_REF.exec(word);
  return m?.[1] ?? m?.[2];
}

const SWITCH: Record<string, boolean> = { on: true, off: false, yes: true, no: false };

/**
 * `/snap policy …` after the word `policy`: undefined → show it; a change; or `invalid`.
 * `here` stands for the conversation the command was typed in.
 */
export function readPolicyWords(
  words: string[],
  here: string,
): { kind: 'show' } | { kind: 'change'; change: PolicyChange } | { kind: 'invalid' } {
  const [what, ...rest] = words.map((w) => w.trim()).filter(Boolean);
  if (what === undefined) return { kind: 'show' };
  const key = what.toLowerCase();
  const arg = rest[0]?.toLowerCase();
  if (key === 'reset' && rest.length === 0) return { kind: 'change', change: { kind: 'reset' } };
  if ((key === 'min' || key === 'max' || key === 'default') && rest.length === 1) {
    const seconds = readPolicyDelay(arg);
    if (seconds === undefined) return { kind: 'invalid' };
    return { kind: 'change', change: { kind: key, seconds } };
  }
  const toggles: Record<string, 'reveal' | 'as_user' | 'activity'> = {
    reveal: 'reveal',
    'as-user': 'as_user',
    as_user: 'as_user',
    activity: 'activity',
  };
  const toggle = toggles[key];
  if (toggle && rest.length === 1 && arg !== undefined && arg in SWITCH)
    return { kind: 'change', change: { kind: toggle, on: SWITCH[arg] === true } };
  // `/snap policy off #general #random` (or `here`), `/snap policy on #general`.
  if ((key === 'off' || key === 'on') && rest.length > 0 && rest.length <= MAX_OFF_CHANNELS) {
    const channels = rest.map((w) => (w.toLowerCase() === 'here' ? here : readChannelRef(w)));
    if (channels.some((c) => c === undefined)) return { kind: 'invalid' };
    return {
      kind: 'change',
      change: { kind: 'channels', off: key === 'off', channels: channels as string[] },
    };
  }
  return { kind: 'invalid' };
}

/** The policy in a few lines, for `/snap policy` and App Home. */
export function describePolicy(policy: Policy, scope: PolicyScope, fallbackSeconds: number): string[] {
  const where =
    scope === 'org'
      ? 'set for the whole organization'
      : scope === 'workspace'
        ? 'set for this workspace'
        : 'no rules set';
  return [
    `snap’s policy here (${where}):`,
    `• Delays: from ${describeDelay(effectiveMin(policy))} to ${describeDelay(effectiveMax(policy))}`,
    `• Default delay: ${describeDelay(defaultDelay(policy, undefined, fallbackSeconds))}${policy.defaultSeconds === undefined ? ' (snap’s own)' : ''}`,
    `• Reveal once: ${policy.reveal ? 'on' : 'off'}`,
    `• Posting as yourself: ${policy.asUser ? 'on' : 'off'}`,
    `• Off in: ${policy.offChannels.length ? policy.offChannels.map((c) => `<#${c}>`).join(', ') : 'no conversation'}`,
    `• Activity for admins: ${policy.activity ? 'on' : 'off'}`,
  ];
}

/** A policy read back from storage: only what has the right shape is believed. */
export function policyFrom(value: unknown): Policy | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const seconds = (x: unknown) =>
    typeof x === 'number' && Number.isInteger(x) && x >= MIN_DELAY_SECONDS && x <= SEVEN_DAYS_SECONDS
      ? x
      : undefined;
  const channels =
    v.offChannels instanceof Set ? [...v.offChannels] : Array.isArray(v.offChannels) ? v.offChannels : [];
  const policy: Policy = {
    reveal: v.reveal !== false,
    asUser: v.asUser !== false,
    activity: v.activity === true,
    offChannels: channels.filter(
      (c): c is string => typeof c === 'string' && readChannelRef(c) !== undefined,
    ),
  };
  const min = seconds(v.minSeconds);
  const max = seconds(v.maxSeconds);
  const def = seconds(v.defaultSeconds);
  if (min !== undefined) policy.minSeconds = min;
  if (max !== undefined) policy.maxSeconds = max;
  if (def !== undefined) policy.defaultSeconds = def;
  return policy;
}

/** The delays App Home offers in its pickers (seconds), the ones a policy allows. */
export const DELAY_CHOICES = [10, 30, 60, 300, 600, 1800, 3600, 4 * 3600, 86400, 7 * 86400];

/** A person's role in Slack, as `users.info` says (never as a payload says). */
export interface Role {
  /** Workspace admin or owner. */
  admin: boolean;
  /** Enterprise Grid org admin or owner. */
  orgAdmin: boolean;
}

/** Whose policy an admin edits: an org admin on Grid edits the org's, a workspace admin the workspace's. */
export function editKey(where: { team: string; enterprise?: string }, role: Role): string | undefined {
  if (where.enterprise && role.orgAdmin) return where.enterprise;
  if (role.admin || role.orgAdmin) return where.team;
  return undefined;
}
