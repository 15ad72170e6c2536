/**
 * The message a snap is posted as: the author's text exactly as typed (Slack's mrkdwn, with its
 * `&amp;`, `<@U…>` and `<#C…>` as Slack sent them), and under it snap's line — who used snap,
 * when it self-destructs.
 *
 * What Slack shows, and its limits (docs.slack.dev, Block Kit and chat.postMessage):
 * - a section block's mrkdwn text: 3,000 characters; consecutive sections show as paragraphs
 *   apart, so a text split over several is no longer the text that was typed;
 * - the blocks of one message together: about 12,000 characters of text (Slack answers
 *   `msg_blocks_too_long`; the `markdown` block documents 12,000 for all of them), and the
 *   `markdown` block reads standard Markdown, where `*x*` is italic, not Slack's bold;
 * - a `rich_text` block shows its elements literally: the text would have to be parsed into
 *   styled elements, mentions and links to look the same;
 * - the message's own `text`: mrkdwn, rendered as a section's is — but shown only when the
 *   message has no blocks. Slack takes up to 40,000 characters there, but a text longer than
 *   4,000 may be split into several messages, of which chat.postMessage answers one `ts`: the
 *   rest would be messages snap knows nothing of, never deleted. Slack's own client sends at most
 *   4,000 characters in a message (a slash command's text included).
 * So a text that fits a section is posted as one section with the line in a context block; a
 * longer one as the message's `text`, the line in a context block inside an attachment (below the
 * text, with the attachment's grey edge). Beyond 4,000 characters snap refuses it: one message
 * posted is one message deleted.
 */
import type { KnownBlock, MessageAttachment } from '@slack/types';

/** Characters a section block's text may hold. */
export const SECTION_TEXT_LIMIT = 3_000;
/**
 * Characters snap posts in one message; it refuses longer texts, which Slack may split into
 * several messages (of which snap would learn one `ts`, and delete only that one).
 */
export const MESSAGE_TEXT_LIMIT = 4_000;

export interface SnapMessage {
  /** The text as typed: shown as the message when there are no blocks, the notification's text otherwise. */
  text: string;
  blocks: KnownBlock[];
  attachments?: MessageAttachment[];
}

/**
 * Lengths are counted in UTF-16 code units, which is never fewer than the characters Slack counts,
 * so a text within a limit here is within it at Slack.
 */
export const fitsSlack = (text: string): boolean => text.length <= MESSAGE_TEXT_LIMIT;

/** The message for `text` with snap's line `context` (mrkdwn) under it. */
export function snapMessage(text: string, context: string): SnapMessage {
  const line: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: context }] };
  if (text.length <= SECTION_TEXT_LIMIT)
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, line] };
  return { text, blocks: [], attachments: [{ blocks: [line] }] };
}
