/**
 * The `/snap` grammar: `/snap [delay] message`, `/snap reveal [delay] [@person …] secret`, or one
 * of the words `help`, `list`, `cancel`, `revoke`; `policy [rule value]` (the workspace's policy: shown to anyone, changed by admins) and
 * `default [delay]` (the person's own default delay). A message that merely starts with `policy`
 * or `default` stays a message: only the policy's own words (`policy max 1d`, `policy reset`…) or
 * a lone delay after `default` make them commands.
 * The first word is a delay only when it has a delay's form; otherwise it is part of the message
 * and the default delay applies. The message is kept exactly as Slack sent it (Slack's own
 * escaping such as `<@U123>` or `&amp;` passes through untouched).
 */
import { MIN_DELAY_SECONDS, readDelayWord } from './delay';
import { type PolicyChange, readPolicyDelay, readPolicyWords } from './policy';
import { MAX_REVEAL_PEOPLE, MAX_SECRET_CHARS, REVEAL_DEFAULT_SECONDS } from './reveal';

export interface DelayLimits {
  defaultSeconds: number;
  maxSeconds: number;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'cancel' }
  | { kind: 'revoke' }
  /** `defaulted`: no delay was typed, so the poster applies the person's or the policy's default. */
  | { kind: 'snap'; delaySeconds: number; text: string; defaulted?: true }
  /** `/snap policy`: shown (no change) or changed. */
  | { kind: 'policy'; change?: PolicyChange }
  /** `/snap default`: shown (undefined), set (seconds) or cleared (null). */
  | { kind: 'default'; seconds?: number | null }
  /**
   * A secret behind a Reveal button, for the people named (anyone there when none is).
   * `defaulted`: no delay was typed; the poster gives it a reveal's default within the policy.
   */
  | { kind: 'reveal'; delaySeconds: number; people: string[]; secret: string; defaulted?: true }
  | {
      kind: 'invalid';
      problem:
        | 'out_of_range'
        | 'negative'
        | 'no_message'
        | 'policy'
        | 'default'
        | 'no_secret'
        | 'secret_too_long'
        | 'too_many_people'
        | 'unknown_person'
        | 'names_first';
      word: string;
    };

/** The words after `policy` that make it the policy command. */
const POLICY_WORDS = new Set([
  'min',
  'max',
  'default',
  'reveal',
  'as-user',
  'as_user',
  'activity',
  'off',
  'on',
  'reset',
]);

export function parseCommand(rawText: string, limits: DelayLimits, here = ''): Command {
  const text = rawText.trim();
  const word = text.toLowerCase();
  if (text === '' || word === 'help') return { kind: 'help' };
  if (word === 'list') return { kind: 'list' };
  if (word === 'cancel') return { kind: 'cancel' };
  if (word === 'revoke') return { kind: 'revoke' };

  const split = /\s/.exec(text);
  const first = split ? text.slice(0, split.index) : text;
  const rest = split ? text.slice(split.index).trimStart() : '';
  if (first.toLowerCase() === 'reveal') return parseReveal(rest, limits);

  const policyOrDefault = readSettingsCommand(first.toLowerCase(), rest, here);
  if (policyOrDefault) return policyOrDefault;

  const delay = readDelayWord(first);
  switch (delay.kind) {
    case 'not_a_delay':
      return { kind: 'snap', delaySeconds: limits.defaultSeconds, text, defaulted: true };
    case 'negative':
      return { kind: 'invalid', problem: 'negative', word: first };
    case 'delay':
      if (delay.seconds < MIN_DELAY_SECONDS || delay.seconds > limits.maxSeconds) {
        return { kind: 'invalid', problem: 'out_of_range', word: first };
      }
      if (rest === '') return { kind: 'invalid', problem: 'no_message', word: first };
      return { kind: 'snap', delaySeconds: delay.seconds, text: rest };
  }
}

/**
 * A person named on a reveal, as Slack sends a mention with escaping on (`<@U123>` or
 * `<@U123|name>`), then a space, or a comma, colon, semicolon or full stop as people write after
 * a name (`@ana: …`, `@ana,@ben …`); the secret starts at the first word that is not one.
 */
const MENTION = /^<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>[,:;.]?(?:\s+|$|(?=<@))/;

/**
 * Where a name would be, something that is not a person: an `@name` Slack did not turn into a
 * mention (a typo, someone not in the workspace), a user group, `@here`/`@channel`, a channel.
 * Read as the secret's first word, it would make a secret for one person open to anyone there.
 */
const NOT_A_PERSON =
  /^[\p{Cf}"'“‘([]*([@\uFF20\uFE6B][^\s,]*|<@[^>]*>|<!subteam\^[^>]*>|<!(?:here|channel|everyone)[^>]*>|<#[^>]*>)/u;

/**
 * A mention anywhere in a secret that names no one first (`reveal 3pm @ana …`, `reveal for
 * @ana …`): whom it was meant for was not read, so it must not become a secret anyone may open.
 */
const MENTION_ANYWHERE = /<@[UW][A-Z0-9]{2,30}(?:\|[^>]*)?>/;

/** How a refused name is shown back: what the author typed, a group or channel by its label. */
function shownName(token: string): string {
  if (!token.startsWith('<')) return token;
  const label = /\|([^>]*)>$/.exec(token)?.[1];
  if (label) return token.startsWith('<#') ? `#${label.replace(/^#/, '')}` : label;
  return token.startsWith('<#')
    ? 'a channel'
    : token.startsWith('<!subteam')
      ? 'a user group'
      : `@${token.slice(2, -1)}`;
}

/** `reveal [delay] [@person …] secret`, after the word `reveal`. */
function parseReveal(text: string, limits: DelayLimits): Command {
  let rest = text;
  let delaySeconds = Math.min(REVEAL_DEFAULT_SECONDS, limits.maxSeconds);
  let typed = false;
  const split = /\s/.exec(rest);
  const first = split ? rest.slice(0, split.index) : rest;
  const delay = first === '' ? ({ kind: 'not_a_delay' } as const) : readDelayWord(first);
  if (delay.kind === 'negative') return { kind: 'invalid', problem: 'negative', word: first };
  if (delay.kind === 'delay') {
    if (delay.seconds < MIN_DELAY_SECONDS || delay.seconds > limits.maxSeconds)
      return { kind: 'invalid', problem: 'out_of_range', word: first };
    delaySeconds = delay.seconds;
    typed = true;
    rest = split ? rest.slice(split.index).trimStart() : '';
  }
  const people: string[] = [];
  for (let m = MENTION.exec(rest); m; m = MENTION.exec(rest)) {
    const person = m[1] as string;
    if (!people.includes(person)) people.push(person);
    rest = rest.slice(m[0].length);
  }
  if (rest.trim() === '') return { kind: 'invalid', problem: 'no_secret', word: 'reveal' };
  const stray =
    NOT_A_PERSON.exec(rest)?.[1] ?? (people.length === 0 ? MENTION_ANYWHERE.exec(rest)?.[0] : undefined);
  if (stray?.startsWith('<@')) return { kind: 'invalid', problem: 'names_first', word: 'reveal' };
  if (stray) return { kind: 'invalid', problem: 'unknown_person', word: shownName(stray) };
  if (people.length > MAX_REVEAL_PEOPLE)
    return { kind: 'invalid', problem: 'too_many_people', word: String(people.length) };
  if (rest.length > MAX_SECRET_CHARS)
    return { kind: 'invalid', problem: 'secret_too_long', word: String(rest.length) };
  return {
    kind: 'reveal',
    delaySeconds,
    people,
    secret: rest,
    ...(typed ? {} : { defaulted: true as const }),
  };
}

function readSettingsCommand(first: string, rest: string, here: string): Command | undefined {
  const words = rest.split(/\s+/).filter(Boolean);
  if (first === 'policy') {
    if (words.length > 0 && !POLICY_WORDS.has(words[0]?.toLowerCase() ?? '')) return undefined;
    const read = readPolicyWords(words, here);
    if (read.kind === 'show') return { kind: 'policy' };
    if (read.kind === 'change') return { kind: 'policy', change: read.change };
    return { kind: 'invalid', problem: 'policy', word: 'policy' };
  }
  if (first === 'default') {
    if (words.length === 0) return { kind: 'default' };
    const word = words[0]?.toLowerCase() ?? '';
    if (words.length !== 1) return undefined;
    if (word === 'reset') return { kind: 'default', seconds: null };
    const seconds = readPolicyDelay(word);
    if (seconds !== undefined) return { kind: 'default', seconds };
    // Delay-shaped but out of range (`default 30d`, `default -5m`): an error, not a message.
    return readDelayWord(word).kind === 'not_a_delay'
      ? undefined
      : { kind: 'invalid', problem: 'default', word };
  }
  return undefined;
}
