import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCommand } from '../../shared/domain/command';
import { describeDelay, readDelayWord } from '../../shared/domain/delay';

const limits = { defaultSeconds: 60, maxSeconds: 7 * 86400 };

describe('the /snap grammar', () => {
  it.each([
    ['30s the door code is 4711', 30, 'the door code is 4711'],
    ['10S shout', 10, 'shout'],
    ['5m coffee', 300, 'coffee'],
    ['2h x', 7200, 'x'],
    ['1d x', 86400, 'x'],
    ['1h30m meeting notes', 5400, 'meeting notes'],
    ['1m30s x', 90, 'x'],
    ['90 ninety seconds', 90, 'ninety seconds'],
    ['30sec x', 30, 'x'],
    ['5min x', 300, 'x'],
    ['2hrs x', 7200, 'x'],
    ['1week x', 604800, 'x'],
    ['1.5h x', 5400, 'x'],
    ['7d the longest', 604800, 'the longest'],
  ])('reads "%s" as a %is snap', (text, seconds, message) => {
    // Act
    const command = parseCommand(text, limits);

    // Assess
    expect(command).toEqual({ kind: 'snap', delaySeconds: seconds, text: message });
  });

  it.each([
    '3pm works for me',
    '2nd floor kitchen',
    'lunch is here',
    'h30 not a delay',
    '5x5 grid',
    '1.2.3 version',
    'sms me',
  ])('keeps "%s" whole as the message with the default delay', (text) => {
    expect(parseCommand(text, limits)).toEqual({ kind: 'snap', delaySeconds: 60, text, defaulted: true });
  });

  it.each([
    ['0s hi', 'out_of_range'],
    ['0 hi', 'out_of_range'],
    ['400d hi', 'out_of_range'],
    ['8d hi', 'out_of_range'],
    ['0.2s hi', 'out_of_range'],
    ['99999999999999999999999s hi', 'out_of_range'],
    ['-5s hi', 'negative'],
    ['-5 hi', 'negative'],
    ['30s', 'no_message'],
    ['10m   ', 'no_message'],
  ])('refuses "%s" as %s', (text, problem) => {
    const command = parseCommand(text, limits);

    expect(command).toMatchObject({ kind: 'invalid', problem });
  });

  it.each(['', '   ', 'help', 'HELP', ' Help '])('answers "%s" with usage', (text) => {
    expect(parseCommand(text, limits)).toEqual({ kind: 'help' });
  });

  it.each([
    ['list', 'list'],
    [' LIST ', 'list'],
    ['cancel', 'cancel'],
    ['Cancel', 'cancel'],
    ['revoke', 'revoke'],
    [' REVOKE ', 'revoke'],
  ])('reads "%s" as the author command %s', (text, kind) => {
    expect(parseCommand(text, limits)).toEqual({ kind });
  });

  it('keeps "revoke" as message text when more follows', () => {
    expect(parseCommand('revoke the old key', limits)).toEqual({
      kind: 'snap',
      delaySeconds: 60,
      text: 'revoke the old key',
      defaulted: true,
    });
  });

  it('keeps "list" and "cancel" as message text when more follows', () => {
    expect(parseCommand('list of chores', limits)).toEqual({
      kind: 'snap',
      delaySeconds: 60,
      text: 'list of chores',
      defaulted: true,
    });
    expect(parseCommand('10s cancel that', limits)).toEqual({
      kind: 'snap',
      delaySeconds: 10,
      text: 'cancel that',
    });
  });

  it('passes Slack escaping and line breaks through untouched', () => {
    // Prepare
    const text = '45s hey <@U123|ana> see <#C42|general> &amp; <https://x.test|this>\nline two';

    // Act
    const command = parseCommand(text, limits);

    // Assess
    expect(command).toEqual({
      kind: 'snap',
      delaySeconds: 45,
      text: 'hey <@U123|ana> see <#C42|general> &amp; <https://x.test|this>\nline two',
    });
  });

  it('honours a configured default and maximum', () => {
    const custom = { defaultSeconds: 10, maxSeconds: 3600 };

    expect(parseCommand('hello', custom)).toMatchObject({ delaySeconds: 10 });
    expect(parseCommand('2h hello', custom)).toMatchObject({ kind: 'invalid', problem: 'out_of_range' });
  });

  it('never loses or alters the message, whatever the words (property)', () => {
    // Random words, and delay words (valid and not) often enough to lead a command.
    const word = fc.oneof(
      fc.stringMatching(/^[^\s]{1,12}$/),
      fc.constantFrom('30s', '5m', '1h30m', '90', '7d', '0s', '8d', '-5s'),
    );
    let snaps = 0;
    let delayed = 0;
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (words) => {
        const text = words.join(' ');
        const command = parseCommand(text, limits);
        if (command.kind === 'snap') {
          snaps++;
          if (command.text !== text) delayed++;
          // Either the whole text is the message, or the first word was a valid delay.
          const whole = command.text === text;
          const afterDelay =
            command.text === words.slice(1).join(' ') && readDelayWord(words[0] ?? '').kind === 'delay';
          expect(whole || afterDelay).toBe(true);
          expect(command.delaySeconds).toBeGreaterThanOrEqual(1);
          expect(command.delaySeconds).toBeLessThanOrEqual(limits.maxSeconds);
        }
      }),
    );
    // The property held over snaps of both shapes, not over none: random words make many.
    expect(snaps).toBeGreaterThan(0);
    expect(delayed).toBeGreaterThan(0);
  });

  it('reads every in-range seconds value written in any unit combination (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 * 86400 }), (total) => {
        const d = Math.floor(total / 86400);
        const h = Math.floor((total % 86400) / 3600);
        const m = Math.floor((total % 3600) / 60);
        const s = total % 60;
        const word = `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
        expect(parseCommand(`${word} msg`, limits)).toEqual({
          kind: 'snap',
          delaySeconds: total,
          text: 'msg',
        });
      }),
    );
  });
});

describe('describing a delay', () => {
  it.each([
    [1, '1 second'],
    [90, '1 minute 30 seconds'],
    [5400, '1 hour 30 minutes'],
    [604800, '7 days'],
  ])('describes %i seconds as "%s"', (seconds, words) => {
    expect(describeDelay(seconds)).toBe(words);
  });
});
