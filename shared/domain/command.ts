/**
 * The `/snap` grammar: `/snap [delay] message`, or one of the words `help`, `list`, `cancel`,
 * `revoke`.
 * The first word is a delay only when it has a delay's form; otherwise it is part of the message
 * and the default delay applies. The message is kept exactly as Slack sent it (Slack's own
 * escaping such as `<@U123>` or `&amp;` passes through untouched).
 */
import { MIN_DELAY_SECONDS, readDelayWord } from './delay';

export interface DelayLimits {
  defaultSeconds: number;
  maxSeconds: number;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'cancel' }
  | { kind: 'revoke' }
  | { kind: 'snap'; delaySeconds: number; text: string }
  | { kind: 'invalid'; problem: 'out_of_range' | 'negative' | 'no_message'; word: string };

export function parseCommand(rawText: string, limits: DelayLimits): Command {
  const text = rawText.trim();
  const word = text.toLowerCase();
  if (text === '' || word === 'help') return { kind: 'help' };
  if (word === 'list') return { kind: 'list' };
  if (word === 'cancel') return { kind: 'cancel' };
  if (word === 'revoke') return { kind: 'revoke' };

  const split = /\s/.exec(text);
  const first = split ? text.slice(0, split.index) : text;
  const rest = split ? text.slice(split.index).trimStart() : '';

  const delay = readDelayWord(first);
  switch (delay.kind) {
    case 'not_a_delay':
      return { kind: 'snap', delaySeconds: limits.defaultSeconds, text };
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
