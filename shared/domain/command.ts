/**
 * The `/snap` grammar: `/snap [delay] message`, or one of the words `help`, `list`, `cancel`,
 * `revoke`; `policy [rule value]` (the workspace's policy: shown to anyone, changed by admins) and
 * `default [delay]` (the person's own default delay). A message that merely starts with `policy`
 * or `default` stays a message: only the policy's own words (`policy max 1d`, `policy reset`…) or
 * a lone delay after `default` make them commands.
 * The first word is a delay only when it has a delay's form; otherwise it is part of the message
 * and the default delay applies. The message is kept exactly as Slack sent it (Slack's own
 * escaping such as `<@U123>` or `&amp;` passes through untouched).
 */
import { MIN_DELAY_SECONDS, readDelayWord } from './delay';
import { type PolicyChange, readPolicyDelay, readPolicyWords } from './policy';

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
  | {
      kind: 'invalid';
      problem: 'out_of_range' | 'negative' | 'no_message' | 'policy' | 'default';
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
