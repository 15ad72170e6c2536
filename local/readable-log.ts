/** The functions' JSON log lines on `npm start`'s terminal, made readable for a person. */

/**
 * A log field shown as an ISO 8601 time: named like a point in time (`dueAt`, `claimedAt`,
 * `windowEnd`…) and holding a number of that magnitude — epoch milliseconds (2001–5138) or, like
 * the TTL attribute `expiresAt`, epoch seconds. Durations (`lateMs`, `retryAfterMs`) and counts
 * keep their numbers.
 */
export function shownField(key: string, value: unknown): string {
  if (typeof value === 'number' && /(?:At|End|Start|Until)$/.test(key)) {
    if (value >= 1e12 && value < 1e14) return new Date(value).toISOString();
    if (value >= 1e9 && value < 1e11) return new Date(value * 1000).toISOString();
  }
  return String(value);
}

/** The functions' JSON log lines, made readable for a terminal (they hold no message text). */
export function readableLogs(): void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    if (!text.startsWith('{"time"')) return write(chunk, ...rest);
    for (const line of text.split('\n').filter(Boolean)) {
      try {
        const { time, level, event, fn, ...fields } = JSON.parse(line) as Record<string, unknown>;
        const extras = Object.entries(fields)
          .filter(([k]) => k !== 'requestId' && k !== 'run')
          .map(([k, v]) => `${k}=${shownField(k, v)}`)
          .join(' ');
        const mark = level === 'error' ? '✖' : level === 'warn' ? '!' : '·';
        write(`${String(time).slice(11, 23)} ${mark} ${String(fn).padEnd(7)} ${event} ${extras}\n`);
      } catch {
        write(`${line}\n`);
      }
    }
    return true;
  }) as typeof process.stdout.write;
}
