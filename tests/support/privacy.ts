/**
 * The ledger of the suite-wide privacy scan. Every end-to-end suite writes down the message
 * texts it sent and everything its run left outside Slack itself — log lines, what reached
 * DynamoDB, the records, stream events, ack's answers, response_url bodies, the other Slack
 * calls, the queued poster events, Lambda's failure reports and the on-failure queue, install's
 * pages — and tests/privacy/scan.test.ts, run last, looks for every text in all of it. It also
 * writes down the secrets of the run — every Slack token (bot and user, the configured one and
 * each issued through OAuth) and the app's client secret — which must never appear anywhere but
 * in what Slack itself received. And the secrets shared with `/snap reveal`, which must be nowhere
 * at all — not even in the messages posted (the card never holds one) — but in the one block of
 * the one answer that showed each to a person it was for.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Pipeline } from '../../local/pipeline';
import { parseCommand } from '../../shared/domain/command';
import { SECRET_BLOCK_ID } from '../../shared/domain/replies';
import { escapeMrkdwn, REVEAL_OPTION } from '../../shared/domain/reveal';
import { INPUT } from '../../shared/domain/surfaces';

export const LEDGER_DIR = 'test-output/privacy';

export interface Ledger {
  suite: string;
  texts: string[];
  /** Secrets shared with `/snap reveal`: in no artefact at all but `SHOWN`. */
  reveals?: string[];
  /** Tokens and the client secret of the run: in no artefact but the calls Slack received. */
  secrets?: string[];
  artefacts: Record<string, string[]>;
}

/**
 * The artefact that records the requests Slack itself received: the client secret goes to
 * oauth.v2.access by design (tokens travel in headers, which it does not record). Every other
 * artefact must hold no secret.
 */
export const TO_SLACK = 'Slack calls other than chat.postMessage';
/** The posts themselves: the text belongs there, a token or secret never does (nor a reveal's secret). */
export const POSTED = 'messages posted to Slack (scanned for secrets only)';
/** The secret blocks of the answers that showed a reveal's secret to one person it was for. */
export const SHOWN = 'secrets shown, each to one person it was for (scanned for tokens only)';

/**
 * The answers sent to response_urls, with the block that shows a reveal's secret taken out into
 * `shown`: only that block may hold one; the rest of that answer (its `text`, which notifications
 * show, its other blocks) is scanned like any reply.
 */
export function splitShown(replies: ReadonlyArray<{ id: string; body: Record<string, unknown> }>) {
  const rest: unknown[] = [];
  const shown: unknown[] = [];
  for (const reply of replies) {
    const blocks = Array.isArray(reply.body.blocks)
      ? (reply.body.blocks as Array<{ block_id?: string }>)
      : [];
    shown.push(...blocks.filter((b) => b.block_id === SECRET_BLOCK_ID));
    rest.push({
      ...reply,
      body: { ...reply.body, blocks: blocks.filter((b) => b.block_id !== SECRET_BLOCK_ID) },
    });
  }
  return { rest, shown };
}

/** Slack's calls as the ledger keeps them: the client secret that oauth.v2.access must carry, masked. */
export function callsForLedger(calls: ReadonlyArray<{ method: string; params: Record<string, unknown> }>) {
  return calls.map((c) =>
    c.method === 'oauth.v2.access' && 'client_secret' in c.params
      ? { ...c, params: { ...c.params, client_secret: '[the client secret, as Slack requires]' } }
      : c,
  );
}

/**
 * Every command this suite sent, noted where it is sent (`noteCommand`). Module state, so one
 * list per test file (jest gives each its own modules); `writeLedger` adds it to the ledger's
 * texts, so a suite cannot forget a command it typed.
 */
const noted: string[] = [];

export function writeLedger(ledger: Ledger): void {
  mkdirSync(LEDGER_DIR, { recursive: true });
  const texts = [...new Set([...ledger.texts, ...noted])];
  writeFileSync(`${LEDGER_DIR}/${ledger.suite}.json`, JSON.stringify({ ...ledger, texts }));
}

/**
 * What a command's text holds that must never leave Slack: the message of a snap; and for a
 * command snap refuses (a delay out of range or negative), whatever was typed after the delay —
 * refused or not, it may be the secret (the delay word itself is quoted back in the refusal). The
 * grammar's own words (`help`, `list`, `cancel`, `revoke`) carry nothing of anyone's.
 */
export function guardedText(commandText: string): string | undefined {
  const command = parseCommand(commandText, { defaultSeconds: 60, maxSeconds: 7 * 86_400 });
  if (command.kind === 'snap') return command.text;
  if (command.kind !== 'invalid') return undefined;
  const typed = commandText.trim();
  const rest = typed.startsWith(command.word) ? typed.slice(command.word.length).trim() : typed;
  return rest === '' ? undefined : rest;
}

/** Notes a command's text (as Slack sends it, without `/snap`) for this suite's ledger; what it guards, if anything. */
export function noteCommand(commandText: string): string | undefined {
  const text = guardedText(commandText);
  if (text !== undefined) noted.push(text);
  return text;
}

type ViewState = Record<string, Record<string, { value?: unknown; selected_options?: unknown }>>;

const viewValuesOf = (payload: Record<string, unknown>): ViewState | undefined =>
  (payload.view as { state?: { values?: ViewState } } | undefined)?.state?.values;

/** Whether a submitted modal asks for "Reveal once": its typed text is then a secret. */
function revealChosen(values: ViewState | undefined): boolean {
  const options = values?.[INPUT.reveal]?.[INPUT.reveal]?.selected_options;
  return Array.isArray(options) && options.some((o) => (o as { value?: unknown })?.value === REVEAL_OPTION);
}

/** The texts an interaction payload carries: a message shortcut's message, a modal's typed text. */
export function interactionTexts(payload: Record<string, unknown>): string[] {
  const out: string[] = [];
  const message = payload.message as { text?: unknown } | undefined;
  if (typeof message?.text === 'string' && message.text.trim().length >= 4) out.push(message.text);
  const values = viewValuesOf(payload);
  const typed = values?.text?.text?.value;
  if (typeof typed === 'string' && typed.trim().length >= 4 && !revealChosen(values)) out.push(typed);
  return out;
}

/** The secret a submitted modal shares with "Reveal once": in no artefact at all but `SHOWN`. */
export function interactionSecrets(payload: Record<string, unknown>): string[] {
  const values = viewValuesOf(payload);
  const typed = values?.text?.text?.value;
  if (typeof typed !== 'string' || typed.trim() === '' || !revealChosen(values)) return [];
  // ack escapes it as Slack escapes a command's text: both forms must be nowhere.
  const escaped = escapeMrkdwn(typed);
  return escaped === typed ? [typed] : [typed, escaped];
}

/** The secret a `/snap reveal` command shares, if it is one. */
export function secretOf(commandText: string): string | undefined {
  const command = parseCommand(commandText, { defaultSeconds: 60, maxSeconds: 7 * 86_400 });
  return command.kind === 'reveal' ? command.secret : undefined;
}

/**
 * Follows a pipeline from the start of a suite: remembers each command's text and ack's answer.
 * `ledger()` gathers everything else at the end.
 */
export function watchPipeline(p: Pipeline, suite: string, logs: { lines(): string[] }) {
  const texts: string[] = [];
  const reveals: string[] = [];
  const answers: string[] = [];
  const command = p.command;
  const commandEvent = p.commandEvent;
  const note = (text: string) => {
    const guarded = noteCommand(text);
    if (guarded !== undefined) texts.push(guarded);
    const secret = secretOf(text);
    if (secret) reveals.push(secret);
  };
  // A suite may sign a request once and send it again (a replay): its text counts too.
  p.commandEvent = (text, fields, headers) => {
    note(text);
    return commandEvent(text, fields, headers);
  };
  p.command = async (text, fields, headers) => {
    note(text);
    const answer = await command(text, fields, headers);
    answers.push(JSON.stringify(answer));
    return answer;
  };
  // Interactions carry text too: a message shortcut's payload holds the message it was used on
  // (Slack sends it; snap must leave it behind), a submitted modal the message typed in it.
  const interact = p.interact;
  p.interact = async (payload) => {
    texts.push(...interactionTexts(payload));
    reveals.push(...interactionSecrets(payload));
    const answer = await interact(payload);
    answers.push(JSON.stringify(answer));
    return answer;
  };
  return {
    /** What every command sent so far must never leave Slack with (messages, refused commands' texts). */
    texts: (): readonly string[] => texts,
    async write(): Promise<void> {
      const json = (values: unknown[]) => values.map((v) => JSON.stringify(v));
      const replies = splitShown(p.slack.replies);
      writeLedger({
        suite,
        texts,
        reveals,
        secrets: [
          p.botToken,
          p.signingSecret,
          ...p.slack.issued.keys(),
          ...(p.clientSecret ? [p.clientSecret] : []),
        ],
        artefacts: {
          'log lines': logs.lines(),
          'requests to DynamoDB': p.dynamoProxy.journal,
          'records left in the table': json(await p.items()),
          'reveal keys left in the reveal table': json(await p.revealItems()),
          'stream events to the reaper': json(p.reaperEvents),
          "ack's answers": answers,
          'response_url bodies': json(replies.rest),
          [SHOWN]: json(replies.shown),
          [TO_SLACK]: json(callsForLedger(p.slack.calls.filter((c) => c.method !== 'chat.postMessage'))),
          [POSTED]: json(p.slack.calls.filter((c) => c.method === 'chat.postMessage')),
          "install's pages and answers": json(p.installAnswers),
          'poster events (the async queue)': json(p.lambda.invocations.map((i) => i.payload)),
          'function errors': json(p.lambda.invocations.map((i) => i.errorMessage ?? '')),
          'on-failure queue': json(p.lambda.failed),
          'modals opened (views.open)': json([...p.slack.views.values()]),
          'ephemeral notes (chat.postEphemeral)': json(p.slack.ephemerals),
        },
      });
    },
  };
}
