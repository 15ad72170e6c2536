/**
 * Broadcast mentions. A snap is posted by the app, so a `<!channel>` in it would ping a whole
 * channel on the app's authority, whether or not the author may do that. By default they are
 * made inert: still readable ("@channel"), no longer a mention.
 */

const ZERO_WIDTH_SPACE = '\u200B';

/** `<!here>`, `<!channel|@channel>`, `<!everyone>`, `<!subteam^S123|@ops>` and the like. */
const BROADCAST = /<!(here|channel|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g;

export function neutraliseBroadcasts(text: string): string {
  return text.replace(BROADCAST, (_whole, keyword: string | undefined, label: string | undefined) => {
    const name = keyword ?? (label ? label.replace(/^@/, '') : 'group');
    return `@${ZERO_WIDTH_SPACE}${name}`;
  });
}
