/**
 * Why the poster did not post a snap, read from its log lines (the event and its fields — never
 * the text), so that a benchmark prints its refusals by reason whatever the replies say.
 */
import { POST_RETRY_BUDGET_MS } from '../shared/app/post-snap';

export const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * Why the poster did not post a snap, from its log line (the event and its fields; the line never
 * holds the text). Undefined for lines that are not such an outcome.
 */
export function refusalReason(line: Record<string, unknown>): string | undefined {
  switch (line.event) {
    case 'poster.limited':
      return `snap's own limit (${String(line.limit)})`;
    case 'poster.busy':
      return `snap busy: the ${line.scope === 'org' ? 'org' : 'workspace'}'s posters all in flight`;
    case 'poster.too_long':
      return 'longer than Slack takes';
    case 'poster.post_failed':
      return line.slackFailure === 'rate_limited'
        ? `Slack busy: 429s beyond the poster's ${POST_RETRY_BUDGET_MS / 1000} s of retries`
        : line.slackFailure === 'unavailable'
          ? `Slack did not answer (${String(line.error)})`
          : `Slack refused (${String(line.error)})`;
    case 'poster.not_installed':
      return 'snap not installed in the workspace';
    case 'poster.token_unavailable':
      return 'token lookup failed';
    case 'poster.event_stale':
      return `event ${String(line.staleness)}`;
    case 'poster.seal_invalid':
    case 'poster.event_invalid':
    case 'poster.delay_out_of_range':
      return `rejected (${String(line.event)})`;
    default:
      return undefined;
  }
}
