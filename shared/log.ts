/**
 * Structured JSON logs, one line per event. Callers pass identifiers (team, channel, ts,
 * request ids, error codes) — never message text, tokens or secrets. Foreign error messages
 * are not logged either: an SDK error can quote the request that failed.
 */
import { errorCode, SlackCallError } from './errors';

type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

function parseLevel(value: string | undefined): Level {
  const v = value?.toLowerCase();
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : 'info';
}

export function createLogger(base: LogFields = {}, sink: LogSink = stdoutSink, level?: Level): Logger {
  const min = order[level ?? parseLevel(process.env.LOG_LEVEL)];
  const write = (lvl: Level, event: string, fields?: LogFields) => {
    if (order[lvl] < min) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level: lvl, event, ...base, ...fields }));
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink, level ?? parseLevel(process.env.LOG_LEVEL)),
  };
}

/** Fields that describe an error without quoting it. */
export function errorFields(error: unknown): LogFields {
  const fields: LogFields = { error: errorCode(error) };
  if (error instanceof SlackCallError) {
    fields.slackMethod = error.method;
    fields.slackFailure = error.kind;
    if (error.retryAfterMs !== undefined) fields.retryAfterMs = error.retryAfterMs;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause !== undefined) fields.cause = errorCode(cause);
  return fields;
}
