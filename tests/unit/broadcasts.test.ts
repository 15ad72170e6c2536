import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { neutraliseBroadcasts } from '../../shared/domain/broadcasts';

describe('broadcast mentions in a snap', () => {
  it.each([
    ['<!here> lunch', '@\u200Bhere lunch'],
    ['<!channel> fire drill', '@\u200Bchannel fire drill'],
    ['<!everyone>', '@\u200Beveryone'],
    ['<!here|here> now', '@\u200Bhere now'],
    ['ping <!subteam^S0123ABC|@oncall> please', 'ping @\u200Boncall please'],
    ['<!subteam^S0123ABC>', '@\u200Bgroup'],
  ])('makes %j inert but readable', (text, expected) => {
    expect(neutraliseBroadcasts(text)).toBe(expected);
  });

  it('leaves user and channel mentions, links, dates and escapes alone', () => {
    const text =
      'hi <@U123|ana> in <#C42|general>, see <https://x.test|this> at <!date^1700000000^{time}|t> &amp; more';

    expect(neutraliseBroadcasts(text)).toBe(text);
  });

  it('never leaves a broadcast token behind (property)', () => {
    const piece = fc.constantFrom(
      '<!here>',
      '<!channel>',
      '<!everyone>',
      '<!subteam^S1|@x>',
      'word',
      ' ',
      '<@U1>',
      '&lt;',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        expect(neutraliseBroadcasts(pieces.join(''))).not.toMatch(/<!(here|channel|everyone|subteam)/);
      }),
    );
  });
});
