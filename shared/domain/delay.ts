/**
 * Delays: parsing the first word of a command and describing a delay back to a person.
 * A word is "delay-shaped" when it is a number, optionally signed, with or without unit
 * suffixes (`30`, `30s`, `1h30m`, `-5s`, `2hrs`). Anything else (`3pm`, `2nd`) is message text.
 */

export const MIN_DELAY_SECONDS = 1;
export const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  wk: 604800,
  wks: 604800,
  week: 604800,
  weeks: 604800,
};

const NUMBER = String.raw`\d+(?:\.\d+)?`;
const PART = new RegExp(`(${NUMBER})([a-z]+)`, 'gy');
const BARE = new RegExp(`^${NUMBER}$`);

export type DelayWord = { kind: 'delay'; seconds: number } | { kind: 'negative' } | { kind: 'not_a_delay' };

/** Reads one word as a delay. The range is checked by the caller, who knows the limits. */
export function readDelayWord(word: string): DelayWord {
  const lower = word.toLowerCase();
  const negative = lower.startsWith('-');
  const body = negative || lower.startsWith('+') ? lower.slice(1) : lower;
  const seconds = BARE.test(body) ? Number(body) : sumParts(body);
  if (seconds === undefined) return { kind: 'not_a_delay' };
  if (negative) return { kind: 'negative' };
  return { kind: 'delay', seconds: Math.round(seconds) };
}

function sumParts(body: string): number | undefined {
  if (body === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(body); match; match = PART.exec(body)) {
    const [whole, amount, unit] = match;
    const factor = unit === undefined ? undefined : UNIT_SECONDS[unit];
    if (factor === undefined) return undefined;
    total += Number(amount) * factor;
    consumed += whole.length;
  }
  return consumed === body.length ? total : undefined;
}

/** "1 hour 30 minutes", "45 seconds", "7 days": for confirmations and errors. */
export function describeDelay(totalSeconds: number): string {
  const units: Array<[number, string]> = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(totalSeconds));
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}
